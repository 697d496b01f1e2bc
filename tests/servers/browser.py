"""A real browser for tests: Debian's Chromium driven by Playwright (sync API).

``browser`` is one headless Chromium for the whole session; ``new_page`` opens pages in fresh
browser contexts (separate cookies, so two contexts are two agents) and closes them after the
test. ``screenshot(page, name)`` saves into ``test-output/screenshots/`` (git-ignored).

Chromium missing: the test is skipped with the reason on a laptop and fails under ``CI=true``.
"""

import os
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
VIEWPORT = {"width": 1400, "height": 1000}


def screenshot(page, name):
    """Save the whole page; the Wagtail admin scrolls inside <main>, so the viewport grows to fit it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate(
        "Math.max(document.documentElement.scrollHeight, ...[...document.querySelectorAll('main')]"
        ".map(m => m.scrollHeight))"
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 6000)})
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


@pytest.fixture(scope="session")
def browser():
    from tests.servers import INSTALL_HINT, service_missing

    if not os.path.exists(CHROMIUM):
        service_missing(f"Chromium is not installed at {CHROMIUM}; apt-get install chromium ({INSTALL_HINT})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("playwright is not installed; pip install -r requirements-test.txt")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls of the test itself are safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        service_missing(f"Chromium at {CHROMIUM} did not start: {exc}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def new_page(browser):
    """``new_page()`` -> a page in its own browser context (its own session cookies)."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    wait_for_live_server_requests()


def wait_for_live_server_requests(timeout=20.0):
    """Let the live server finish the requests the closed pages left in flight.

    A request still running (a slow sidebar panel, a presence poll) holds locks in its own
    database connection; the test database's flush after the test would then deadlock on
    PostgreSQL, or the request would touch the database after the test's access ended.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [t for t in threading.enumerate() if "process_request_thread" in t.name and t.is_alive()]
        if not busy:
            return
        time.sleep(0.05)
    raise AssertionError(
        f"the live server still serves {len(busy)} request(s) {timeout:.0f} s after the test"
    )
