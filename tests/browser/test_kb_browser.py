"""The knowledge base in real Chromium: search suggestions by keyboard, then a vote.

A visitor types in the KB search box, sees suggestions (an ARIA combobox), moves to one
with the arrow keys, opens it with Enter, and answers "Was this helpful?" with a comment.
"""

import json

import pytest
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from kb.models import ArticlePage, ArticleVote, CategoryPage, KnowledgeBaseIndexPage
from tests.servers.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def whoosh_index(tmp_path, settings):
    backends = dict(settings.WAGTAILSEARCH_BACKENDS)
    backends["default"] = {**backends["default"], "PATH": tmp_path / "whoosh"}
    settings.WAGTAILSEARCH_BACKENDS = backends


def site_root():
    """The default site's root page, rebuilt when an earlier transactional test flushed the database."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site:
        return site.root_page
    locale = Locale.objects.get_or_create(language_code="en")[0]
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    home = root.add_child(instance=Page(title="Home", slug="home", locale=locale, live=True))
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    return home


def live(parent, page):
    page.live = True
    page.first_published_at = page.last_published_at = timezone.now()
    parent.add_child(instance=page)
    return page


def article(category, title, text):
    page = ArticlePage(
        title=title, slug=title.lower().replace(" ", "-"), locale=category.locale, summary=text
    )
    page.body = json.dumps([{"type": "paragraph", "value": f"<p>{text}</p>"}])
    return live(category, page)


@pytest.fixture
def help_center(whoosh_index):
    root = site_root()
    home = live(root, KnowledgeBaseIndexPage(title="Help center", slug="kb", locale=root.locale))
    account = live(home, CategoryPage(title="Account", slug="account", locale=root.locale))
    billing = live(home, CategoryPage(title="Billing", slug="billing", locale=root.locale))
    article(account, "Reset your password", "Choose a new password from the emailed link.")
    article(account, "Change your email address", "Confirm the new address.")
    article(billing, "Download your invoices", "Every payment has an invoice.")
    return home


def test_a_visitor_finds_an_article_by_keyboard_and_votes(live_server, new_page, help_center):
    page = new_page()
    page.goto(f"{live_server.url}/kb/")
    box = page.locator("#kb-home-search-input")
    box.click()
    box.press_sequentially("pas", delay=60)

    listbox = page.locator("#kb-home-search-listbox")
    listbox.get_by_role("option", name="Reset your password").wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert listbox.get_by_role("option").first.inner_text().startswith("Reset your password")
    assert "Account" in listbox.get_by_role("option").first.inner_text()
    screenshot(page, "kb-instant-search")

    box.press("ArrowDown")
    first_option = listbox.get_by_role("option").first
    assert box.get_attribute("aria-activedescendant") == first_option.get_attribute("id")
    assert first_option.get_attribute("aria-selected") == "true"
    box.press("Enter")

    page.wait_for_url("**/kb/account/reset-your-password/")
    assert page.get_by_role("heading", level=1).inner_text() == "Reset your password"

    page.get_by_label("Anything we should add or fix? (optional)").fill("Please mention the spam folder.")
    page.get_by_role("button", name="No").click()
    page.get_by_text("Thank you for your feedback!").wait_for()
    screenshot(page, "kb-article-voted")

    vote = ArticleVote.objects.get()
    assert (vote.article.title, vote.helpful, vote.comment) == (
        "Reset your password",
        False,
        "Please mention the spam folder.",
    )


def test_escape_closes_the_suggestions_of_the_header_search(live_server, new_page, help_center):
    page = new_page()
    page.goto(f"{live_server.url}/kb/billing/download-your-invoices/")
    box = page.get_by_role("combobox", name="Search the knowledge base")
    box.press_sequentially("invo", delay=60)
    page.locator("#kb-header-search-listbox").get_by_role("option", name="Download your invoices").wait_for()

    box.press("Escape")

    assert page.locator("#kb-header-search-listbox").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    box.press("Enter")  # with the list closed, Enter runs a full search
    page.wait_for_url("**/kb/search/?q=invo")
    assert "Download your <mark>invo" in page.content()
