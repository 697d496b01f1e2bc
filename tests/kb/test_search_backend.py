"""Wagtail's own search API runs on the Whoosh backend: page search, admin search, rebuilds."""

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.documents import get_document_model
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from kb.models import ArticlePage
from kb.search.whoosh_backend import WhooshSearchBackend

pytestmark = pytest.mark.django_db


def titles(results):
    return [page.title for page in results]


def test_the_default_backend_is_whoosh_and_keeps_its_index_in_the_configured_directory(kb_home, whoosh_index):
    backend = get_search_backend()
    assert isinstance(backend, WhooshSearchBackend)
    assert backend.store.path == whoosh_index.resolve()
    assert any(whoosh_index.iterdir())


def test_page_queryset_search_finds_an_article_by_a_word_of_its_body(kb, kb_home):
    category = kb.category(kb_home, "Billing")
    kb.article(category, "Download your invoices", "Every payment produces an invoice in PDF format.")
    kb.article(category, "Change your plan", "Upgrade or downgrade whenever you like.")

    assert titles(Page.objects.live().search("pdf")) == ["Download your invoices"]
    assert titles(ArticlePage.objects.live().search("upgrade")) == ["Change your plan"]


def test_ranking_weighs_title_above_headings_above_tags_above_body(kb, kb_home):
    category = kb.category(kb_home, "Guides")
    kb.article(category, "Printer setup", blocks=[("paragraph", "Mentions the router once.")])
    kb.article(category, "Network tags", tags=["router"], blocks=[("paragraph", "About networks.")])
    kb.article(
        category, "Connect devices", blocks=[("heading", "Router settings"), ("paragraph", "Plug it in.")]
    )
    kb.article(category, "Router basics", blocks=[("paragraph", "Start here.")])

    assert titles(ArticlePage.objects.live().search("router")) == [
        "Router basics",
        "Connect devices",
        "Network tags",
        "Printer setup",
    ]


def test_filters_ordering_slicing_and_counting_work_like_a_queryset(kb, kb_home):
    first = kb.category(kb_home, "First")
    second = kb.category(kb_home, "Second")
    for number in range(3):
        kb.article(first, f"Backup guide {number}", "How to restore a backup.")
    kb.article(second, "Backup policy", "We keep a backup for thirty days.")

    within_first = ArticlePage.objects.live().descendant_of(first).search("backup")
    assert within_first.count() == 3
    assert len(within_first[:2]) == 2
    ordered = ArticlePage.objects.live().order_by("-title").search("backup", order_by_relevance=False)
    assert titles(ordered) == ["Backup policy", "Backup guide 2", "Backup guide 1", "Backup guide 0"]
    assert ArticlePage.objects.live().exclude(pk=ordered[0].pk).search("backup").count() == 3


def test_autocomplete_matches_the_start_of_title_words(kb, kb_home):
    category = kb.category(kb_home, "Account")
    kb.article(category, "Reset your password", "Choose a new one.")

    assert titles(ArticlePage.objects.live().autocomplete("passw")) == ["Reset your password"]
    assert titles(ArticlePage.objects.live().autocomplete("zebra")) == []


def test_the_admin_page_search_uses_the_index(kb, kb_home, admin_client):
    category = kb.category(kb_home, "Account")
    kb.article(category, "Reset your password", "Choose a new one.")

    response = admin_client.get("/admin/pages/search/", {"q": "passw"})

    assert response.status_code == 200
    assert "Reset your password" in response.content.decode()


def test_update_index_rebuilds_the_index_from_the_database(kb, kb_home, whoosh_index):
    category = kb.category(kb_home, "Account")
    kb.article(category, "Reset your password", "Choose a new one.")
    backend = get_search_backend()
    backend.store.clear()
    assert titles(ArticlePage.objects.live().search("password")) == []

    call_command("update_index", stdout=StringIO())

    assert titles(ArticlePage.objects.live().search("password")) == ["Reset your password"]
    # A second rebuild replaces the documents instead of adding copies.
    call_command("update_index", stdout=StringIO())
    assert ArticlePage.objects.live().search("password").count() == 1


def test_other_models_are_searched_by_the_database_backend_not_whoosh(db, whoosh_index):
    from django.core.files.base import ContentFile

    Document = get_document_model()
    document = Document(title="Quarterly invoice template")
    document.file.save("invoice.txt", ContentFile(b"invoice"), save=False)
    document.save()

    results = get_search_backend().search("invoice", Document)

    assert [doc.title for doc in results] == ["Quarterly invoice template"]
    with get_search_backend().store.searcher() as searcher:
        assert searcher.doc_frequency("ct", Document.indexed_get_content_type()) == 0
