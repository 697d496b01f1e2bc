"""Real servers for the test suite: dovecot (IMAP), aiosmtpd (SMTP), Chromium (browser).

Each server lives in its own module with its fixtures; ``fixtures.py`` gathers them for
pytest. ``service_missing`` is how every fixture reacts to a service that is not installed:
skip with the reason on a laptop, fail under ``CI=true`` so CI never passes by skipping.
"""

import os

INSTALL_HINT = "run scripts/install_test_services.sh as root (Debian/Ubuntu) to install it"


def running_in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def service_missing(reason):
    """Skip the test (fail it under CI=true) because a real service it needs is unavailable."""
    import pytest

    if running_in_ci():
        pytest.fail(f"{reason} (CI=true: a missing service fails the run)", pytrace=False)
    pytest.skip(reason)
