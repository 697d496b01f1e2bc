"""Knowledge base test helpers: a fresh Whoosh index per test and a small page tree."""

import json

import pytest
from django.utils import timezone
from modelsearch.index import insert_or_update_object
from wagtail.models import Locale, PageViewRestriction, Site

from kb.models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage


@pytest.fixture(autouse=True)
def whoosh_index(tmp_path, settings):
    """Every test searches its own empty index (the database is rolled back, the index is not)."""
    backends = dict(settings.WAGTAILSEARCH_BACKENDS)
    backends["default"] = {**backends["default"], "PATH": tmp_path / "whoosh"}
    settings.WAGTAILSEARCH_BACKENDS = backends
    yield tmp_path / "whoosh"


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def publish(parent, page):
    """Add the page as live in one save (tests that exercise publishing call Wagtail's publish)."""
    now = timezone.now()
    page.live = True
    page.first_published_at = page.last_published_at = now
    parent.add_child(instance=page)
    page.refresh_from_db()
    return page


def body(*blocks):
    """StreamField JSON from ("heading", "text") / ("paragraph", "<p>html</p>") / ("faq", [(q, a)]) items."""
    raw = []
    for kind, value in blocks:
        if kind == "heading":
            raw.append({"type": "heading", "value": {"text": value, "level": "h2", "anchor": ""}})
        elif kind == "subheading":
            raw.append({"type": "heading", "value": {"text": value, "level": "h3", "anchor": ""}})
        elif kind == "faq":
            items = [{"question": q, "answer": f"<p>{a}</p>"} for q, a in value]
            raw.append({"type": "faq", "value": {"title": "", "items": items}})
        elif kind == "callout":
            raw.append({"type": "callout", "value": {"kind": "warning", "text": f"<p>{value}</p>"}})
        elif kind == "code":
            raw.append({"type": "code", "value": {"language": "bash", "code": value}})
        else:
            raw.append({"type": "paragraph", "value": value if value.startswith("<") else f"<p>{value}</p>"})
    return json.dumps(raw)


class KBBuilder:
    def __init__(self, root):
        self.root = root

    def locale(self, language_code):
        return Locale.objects.get_or_create(language_code=language_code)[0]

    def home(self, title="Help center", slug="kb", language_code=None):
        locale = self.locale(language_code) if language_code else Locale.get_default()
        return publish(self.root, KnowledgeBaseIndexPage(title=title, slug=slug, locale=locale))

    def category(self, parent, title, slug=None, **fields):
        page = CategoryPage(
            title=title, slug=slug or title.lower().replace(" ", "-"), locale=parent.locale, **fields
        )
        return publish(parent, page)

    def article(self, category, title, text="", slug=None, tags=(), summary="", blocks=None, live=True):
        page = ArticlePage(
            title=title,
            slug=slug or "-".join(title.lower().split())[:50] or "article",
            locale=category.locale,
            summary=summary,
        )
        page.body = body(*(blocks or [("paragraph", text)]))
        if tags:
            page.tags.add(*tags)
        if not live:
            page.live = False
            category.add_child(instance=page)
            return page
        page = publish(category, page)
        if tags:  # saved after the page row, so index again as Wagtail's publish does
            insert_or_update_object(page)
        return page

    def restrict(self, page, password="secret"):
        return PageViewRestriction.objects.create(page=page, restriction_type="password", password=password)


@pytest.fixture
def kb(db):
    site = Site.objects.get(is_default_site=True)
    return KBBuilder(site.root_page.specific)


@pytest.fixture
def kb_home(kb):
    return kb.home()
