"""The index follows publishing, unpublishing, privacy, moves and deletion."""

import pytest

from kb.models import ArticlePage
from kb.search.service import instant_search, search_articles

pytestmark = pytest.mark.django_db


def found(kb_home, query):
    return [hit.page.title for hit in search_articles(kb_home, query).hits]


def test_a_published_article_is_found_and_an_unpublished_one_is_not(kb, kb_home):
    category = kb.category(kb_home, "Account")
    article = kb.article(category, "Reset your password", "Choose a new password.")
    assert found(kb_home, "password") == ["Reset your password"]

    article.unpublish()
    assert found(kb_home, "password") == []
    assert [page.title for page in ArticlePage.objects.live().search("password")] == []

    article.save_revision().publish()
    assert found(kb_home, "password") == ["Reset your password"]


def test_a_draft_never_published_is_not_found(kb, kb_home):
    category = kb.category(kb_home, "Account")
    kb.article(category, "Secret roadmap", "Launch plans.", live=False)

    assert found(kb_home, "roadmap") == []


def test_edits_are_searchable_once_published(kb, kb_home):
    category = kb.category(kb_home, "Account")
    article = kb.article(category, "Reset your password", "Choose a new password.")
    article.title = "Recover your passphrase"
    article.save_revision().publish()

    assert found(kb_home, "passphrase") == ["Recover your passphrase"]


def test_a_private_category_hides_its_articles_and_lifting_it_shows_them_again(kb, kb_home):
    public = kb.category(kb_home, "Public")
    private = kb.category(kb_home, "Internal")
    kb.article(public, "Printer guide", "How to print.", summary="Print an invoice.")
    kb.article(private, "Refund procedure", "Internal steps.", summary="Invoice corrections.")
    restriction = kb.restrict(private)

    assert found(kb_home, "invoice") == ["Printer guide"]
    assert [s["title"] for s in instant_search(kb_home, "invoice")] == ["Printer guide"]
    refund = ArticlePage.objects.get(title="Refund procedure")
    with search_backend_searcher() as searcher:
        assert stored_public_flag(searcher, refund) == "0"  # the index itself follows the restriction

    restriction.delete()
    assert sorted(found(kb_home, "invoice")) == ["Printer guide", "Refund procedure"]
    with search_backend_searcher() as searcher:
        assert stored_public_flag(searcher, refund) == "1"


def test_moving_an_article_to_another_category_updates_its_category_filter(kb, kb_home):
    first = kb.category(kb_home, "First")
    second = kb.category(kb_home, "Second")
    article = kb.article(first, "Backup guide", "Restore a backup.")

    article.move(second, pos="last-child")

    assert [hit.page.title for hit in search_articles(kb_home, "backup", section_id=second.pk).hits] == [
        "Backup guide"
    ]
    assert search_articles(kb_home, "backup", section_id=first.pk).hits == []


def test_moving_a_category_into_a_private_one_hides_its_articles(kb, kb_home):
    private = kb.category(kb_home, "Internal")
    kb.restrict(private)
    moving = kb.category(kb_home, "Guides")
    kb.article(moving, "Backup guide", "Restore a backup.")
    assert found(kb_home, "backup") == ["Backup guide"]

    moving.move(private, pos="last-child")

    assert found(kb_home, "backup") == []


def test_deleting_a_category_removes_its_articles_from_the_index(kb, kb_home):
    category = kb.category(kb_home, "Old")
    kb.article(category, "Legacy export", "Export to CSV.")
    assert found(kb_home, "csv") == ["Legacy export"]

    article_pk = str(ArticlePage.objects.get(title="Legacy export").pk)
    category.delete()

    with search_backend_searcher() as searcher:
        assert article_pk not in {doc["pk"] for doc in searcher.documents()}
    assert found(kb_home, "csv") == []


def search_backend_searcher():
    from wagtail.search.backends import get_search_backend

    return get_search_backend().store.searcher()


def stored_public_flag(searcher, page):
    from whoosh import query as wq

    results = searcher.search(wq.Term("pk", str(page.pk)), limit=1)
    docnum = results[0].docnum
    reader = searcher.reader()
    for value in ("0", "1"):
        if docnum in set(searcher.docs_for_query(wq.Term("f_kb_public", value))):
            return value
    return reader


def test_tags_added_in_a_published_revision_are_searchable(kb, kb_home):
    category = kb.category(kb_home, "Account")
    article = kb.article(category, "Reset your password", "Choose a new password.")

    article.tags.add("passphrase")
    article.save_revision().publish()

    assert found(kb_home, "passphrase") == ["Reset your password"]
