"""KB search keeps its speed-ups honest: cached searchers and postings follow publishing,
a pruned ranking gives the same pages as a full one, snippets come from deep in long
articles, and indexes written before the faster posting format stay readable."""

import pytest

from kb.search import whoosh_codec
from kb.search.service import instant_search, search_articles, whoosh_backend

pytestmark = pytest.mark.django_db


def titles(outcome):
    return [hit.page.title for hit in outcome.hits]


def test_a_cached_searcher_sees_a_newly_published_article_and_drops_an_unpublished_one(kb, kb_home):
    guides = kb.category(kb_home, "Guides")
    first = kb.article(guides, "Printer setup", "Connect the printer to the network.")
    assert titles(search_articles(kb_home, "printer")) == ["Printer setup"]
    store = whoosh_backend().store
    with store.searcher() as searcher, store.searcher() as again:
        assert searcher is again  # unchanged index: one searcher (and its cached postings) reused

    billing = kb.category(kb_home, "Billing")
    kb.article(billing, "Printer invoices", "Print an invoice on any printer.")
    outcome = search_articles(kb_home, "printer")
    assert sorted(titles(outcome)) == ["Printer invoices", "Printer setup"]
    assert outcome.total == 2
    assert sorted((section.title, count) for section, count in outcome.sections) == [
        ("Billing", 1),
        ("Guides", 1),
    ]
    with store.searcher() as refreshed:
        assert refreshed is not searcher

    first.unpublish()
    outcome = search_articles(kb_home, "printer")
    assert titles(outcome) == ["Printer invoices"]
    assert [(section.title, count) for section, count in outcome.sections] == [("Billing", 1)]
    assert [item["title"] for item in instant_search(kb_home, "print")] == ["Printer invoices"]


def test_each_page_of_results_follows_the_full_ranking_title_first_body_last(kb, kb_home):
    guides = kb.category(kb_home, "Guides")
    kb.article(guides, "Backup your files", "Keep copies.")
    kb.article(guides, "Keep copies", blocks=[("heading", "Backup"), ("paragraph", "Copies elsewhere.")])
    kb.article(guides, "Archive storage", "Old files.", tags=["backup"])
    kb.article(guides, "Restore files", "Bring files back.", summary="Restore a backup.")
    for number in range(12):  # with headings, tags and summaries too, so field lengths are alike
        filler = " ".join(["storage tips"] * (number % 4 + 1))  # body lengths differ: so do scores
        kb.article(
            guides,
            f"Storage note {number}",
            blocks=[("heading", "Storage"), ("paragraph", f"{filler}: take a backup before note {number}.")],
            tags=["storage"],
            summary="Storage tips.",
        )

    everything = titles(search_articles(kb_home, "backup", per_page=50))
    pages = [titles(search_articles(kb_home, "backup", page=number, per_page=3)) for number in range(1, 7)]

    assert len(everything) == 16
    assert everything[:4] == ["Backup your files", "Keep copies", "Archive storage", "Restore files"]
    assert [title for page in pages for title in page] == everything


def test_a_snippet_comes_from_deep_inside_a_long_article(kb, kb_home):
    guides = kb.category(kb_home, "Guides")
    opening = [("paragraph", f"Paragraph {number} talks about screens and windows.") for number in range(40)]
    kb.article(
        guides,
        "Long guide",
        blocks=[
            *opening,
            ("paragraph", "Here the firewall rules are explained."),
            *[("paragraph", f"Closing note {number} about cables.") for number in range(10)],
        ],
    )

    snippet = str(search_articles(kb_home, "firewall").hits[0].snippet)

    assert "<mark>firewall</mark> rules are explained" in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert "Paragraph 0 " not in snippet  # the passage is around the match, not the start


def test_an_index_written_in_the_older_posting_format_stays_searchable(kb, kb_home, monkeypatch):
    guides = kb.category(kb_home, "Guides")
    monkeypatch.setattr(whoosh_codec, "BLOCK_PROTOCOL", 2)  # as Whoosh writes without this project
    kb.article(guides, "Printer setup", "Connect the printer to the network printer port.")
    kb.article(guides, "Printer drivers", "Install the printer driver.")
    monkeypatch.undo()
    kb.article(guides, "Printer paper", "Load paper into the printer tray.")

    outcome = search_articles(kb_home, "printer")

    assert sorted(titles(outcome)) == ["Printer drivers", "Printer paper", "Printer setup"]
    assert all("<mark>printer</mark>" in str(hit.snippet).lower() for hit in outcome.hits)
