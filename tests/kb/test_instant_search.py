"""Instant search: at most 8 suggestions as the visitor types, never a restricted article."""

import pytest
from wagtail.hooks import register_temporarily

from kb.search.service import instant_search

pytestmark = pytest.mark.django_db


def instant_url(kb_home):
    return kb_home.url + kb_home.reverse_subpage("instant")


def test_an_unfinished_word_suggests_articles_with_their_category(client, kb, kb_home):
    category = kb.category(kb_home, "Account")
    kb.article(category, "Reset your password", "Choose a new one.")

    response = client.get(instant_url(kb_home), {"q": "reset pass"})

    assert response.status_code == 200
    assert response.json() == {
        "query": "reset pass",
        "results": [
            {
                "id": category.get_children().first().pk,
                "title": "Reset your password",
                "url": "/kb/account/reset-your-password/",
                "category": "Account",
            }
        ],
    }


def test_at_most_eight_suggestions_best_first(kb, kb_home):
    category = kb.category(kb_home, "Guides")
    for number in range(10):
        kb.article(
            category, f"Guide {number}", "Mentions the word once.", summary="Before you start, take a backup."
        )
    kb.article(category, "Backup and restore", "All about backup.")

    suggestions = instant_search(kb_home, "backu")

    assert len(suggestions) == 8
    assert suggestions[0]["title"] == "Backup and restore"


def test_restricted_and_unpublished_articles_are_never_suggested(client, kb, kb_home):
    public = kb.category(kb_home, "Public")
    private = kb.category(kb_home, "Internal")
    kb.restrict(private)
    kb.article(public, "Refund policy", "Refunds within 30 days.")
    kb.article(private, "Refund override", "Staff-only refund steps.")
    kb.article(public, "Refund draft", "Not ready.", live=False)

    response = client.get(instant_url(kb_home), {"q": "refund"})

    assert [item["title"] for item in response.json()["results"]] == ["Refund policy"]


def test_typos_are_tolerated_in_finished_words(kb, kb_home):
    category = kb.category(kb_home, "Account")
    kb.article(category, "Download your invoices", "PDF invoices.")

    assert [s["title"] for s in instant_search(kb_home, "invioces dow")] == ["Download your invoices"]


def test_an_empty_query_returns_nothing(client, kb_home):
    assert client.get(instant_url(kb_home), {"q": "  "}).json() == {"query": "", "results": []}


def test_plugins_can_filter_the_suggestions(kb, kb_home):
    category = kb.category(kb_home, "Account")
    kb.article(category, "Reset your password", "Choose a new one.")

    def pin(results, query, kb_home):
        return [
            {"id": 0, "title": "Status page", "url": "https://status.example.com/", "category": ""},
            *results,
        ]

    with register_temporarily("kb.instant_search_results", pin):
        titles = [s["title"] for s in instant_search(kb_home, "password")]

    assert titles == ["Status page", "Reset your password"]


def test_searches_from_one_address_are_rate_limited(client, kb_home, settings):
    url = instant_url(kb_home)
    statuses = {client.get(url, {"q": "a"}).status_code for _ in range(241)}

    assert statuses == {200, 429}
