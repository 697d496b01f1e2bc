"""Ticket search on PostgreSQL finds through the body's GIN index exactly what modelsearch's own compiler finds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from modelsearch.backends.database.postgres.postgres import PostgresSearchQueryCompiler
from wagtail.search.query import Not, PlainText

from inbox.models import Ticket
from inbox.search import get_backend, parse_query, search_tickets
from tests.inbox.list_support import (  # noqa: F401  (fixtures)
    agent,
    folder_url,
    fresh_cache,
    listed_ids,
    make_customer,
    make_mailbox,
    make_ticket,
    sales,
    support,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's search compiler"),
]

SEARCHES = [
    "kettle",
    "refund kettle",
    "refund blue kettle",
    '"red kettle"',
    '"kettle red"',
    'refund "blue kettle"',
    "anna.berg@oddmail.example",
    "oddmail",
    "quartermaine",
    "nothing-like-this",
]


@pytest.fixture
def shop(support, sales):
    now = timezone.now()
    anna = make_customer("Anna Berg", "anna.berg@oddmail.example")
    return {
        "blue": make_ticket(
            support,
            "Refund",
            body="refund for the blue kettle",
            last_activity_at=now - timezone.timedelta(hours=3),
        ),
        "red": make_ticket(support, "Kettle", body="the red kettle, refund please", customer=anna),
        "kettle_twice": make_ticket(
            support, "Kettle kettle", body="kettle broken, kettle leaking", last_activity_at=now
        ),
        "name": make_ticket(support, "Hello", customer=make_customer("Ophelia Quartermaine")),
        "sales": make_ticket(sales, "Refund", body="refund for the blue kettle, from sales", customer=anna),
        "closed": make_ticket(support, "Kettle", body="old blue kettle", status=Ticket.Status.CLOSED),
    }


def stock_search(queryset, text, order_by_relevance=False):
    """What modelsearch's own PostgreSQL compiler answers for the same search."""
    backend = get_backend()
    return backend._search(
        PostgresSearchQueryCompiler, parse_query(text), queryset, order_by_relevance=order_by_relevance
    )


def test_the_tickets_backend_uses_the_body_index_compiler():
    assert get_backend().query_compiler_class.__name__ == "BodyIndexSearchQueryCompiler"


@pytest.mark.parametrize("text", SEARCHES)
def test_every_search_finds_the_same_tickets_in_the_same_order_as_modelsearch(shop, text):
    queryset = Ticket.objects.order_by("-last_activity_at", "-id")

    ours = [ticket.pk for ticket in search_tickets(queryset, text)]
    theirs = [ticket.pk for ticket in stock_search(queryset, text)]

    assert ours == theirs
    assert search_tickets(queryset, text).count() == len(theirs)


def test_words_phrases_and_addresses_find_the_expected_tickets(shop):
    def found(text):
        return {ticket.pk for ticket in search_tickets(Ticket.objects.all(), text)}

    assert found("refund blue kettle") == {shop["blue"].pk, shop["sales"].pk}
    assert found('"red kettle"') == {shop["red"].pk}
    assert found("anna.berg@oddmail.example") == {shop["red"].pk, shop["sales"].pk}
    assert found("berg oddmail") == {shop["red"].pk, shop["sales"].pk}


def test_search_only_reaches_the_agents_mailboxes_and_folder(client, agent, shop):
    client.force_login(agent)

    open_kettles = listed_ids(client.get(folder_url("open"), {"q": "kettle"}))
    all_kettles = listed_ids(client.get(folder_url("all"), {"q": "kettle"}))
    by_address = listed_ids(client.get(folder_url("all"), {"q": "anna.berg@oddmail.example"}))

    assert open_kettles == [shop["kettle_twice"].pk, shop["red"].pk, shop["blue"].pk]
    assert set(all_kettles) == set(open_kettles) | {shop["closed"].pk}
    assert by_address == [shop["red"].pk]  # the Sales ticket of the same customer stays out of reach


def test_relevance_order_and_scores_are_modelsearchs(shop):
    backend = get_backend()
    query = PlainText("kettle")

    ours = backend.search(query, Ticket.objects.all(), order_by_relevance=True).annotate_score("score")
    theirs = stock_search(Ticket.objects.all(), "kettle", order_by_relevance=True).annotate_score("score")

    assert [(t.pk, round(t.score, 6)) for t in ours] == [(t.pk, round(t.score, 6)) for t in theirs]
    assert list(ours)[0].pk == shop["kettle_twice"].pk  # four mentions rank first


def test_excluded_words_match_like_modelsearch(shop):
    backend = get_backend()
    query = PlainText("kettle") & Not(PlainText("refund"))

    ours = {t.pk for t in backend.search(query, Ticket.objects.all())}
    theirs = {t.pk for t in backend._search(PostgresSearchQueryCompiler, query, Ticket.objects.all())}

    assert ours == theirs == {shop["kettle_twice"].pk, shop["closed"].pk}


def test_matches_are_found_through_the_index_not_by_reading_every_entry(shop):
    """The stock compiler filters on ``title || body``, which no index covers; ours tests ``body`` alone."""
    with CaptureQueriesContext(connection) as captured:
        list(search_tickets(Ticket.objects.order_by("-id"), "kettle"))

    search_sql = [q["sql"] for q in captured.captured_queries if "indexentry" in q["sql"]]
    assert search_sql
    assert all("||" not in sql and '"body" @@' in sql for sql in search_sql)


def test_a_mailbox_without_matches_finds_nothing(shop):
    empty = make_mailbox("Wholesale")
    assert list(search_tickets(Ticket.objects.filter(mailbox=empty), "kettle")) == []
    assert search_tickets(Ticket.objects.filter(mailbox=empty), "kettle").count_up_to(10) == 0


def test_long_conversations_are_found_by_word_and_by_phrase(support):
    """Entries over 2 kB keep their vectors out of the row (migration 0005): words and phrases still match."""
    filler = " ".join(f"sentence{number} about the order" for number in range(400))
    long_one = make_ticket(
        support, "Long story", body=f"{filler} the walnut wardrobe arrived scratched {filler}"
    )
    make_ticket(support, "Short", body="a wardrobe and a walnut, arrived")

    def found(text):
        return [ticket.pk for ticket in search_tickets(Ticket.objects.all(), text)]

    assert found('"walnut wardrobe arrived"') == [long_one.pk]
    assert sorted(found("walnut wardrobe arrived")) == sorted(t.pk for t in Ticket.objects.all())
    assert found("sentence399 scratched") == [long_one.pk]
