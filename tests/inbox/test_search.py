"""Ticket full-text search through Wagtail's search API, in the "tickets" database backend (SQLite FTS5)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox.admin import ticket_list
from inbox.models import CustomerAddress, Message, Ticket
from inbox.search import get_backend, index_all_tickets, search_tickets
from inbox.services import tickets as services
from tests.inbox.list_support import (  # noqa: F401  (fixtures)
    agent,
    folder_url,
    fresh_cache,
    listed_ids,
    make_customer,
    make_ticket,
    sales,
    support,
)

pytestmark = pytest.mark.django_db


def found(client, text, folder="all"):
    return set(listed_ids(client.get(folder_url(folder), {"q": text})))


def test_tickets_are_searched_in_the_tickets_database_backend():
    backend = get_backend()
    assert type(backend).__module__.startswith("modelsearch.backends.database")
    if connection.vendor == "sqlite":
        assert type(backend).__name__ == "SQLiteSearchBackend", (
            "SQLite here has FTS5: the FTS backend is expected"
        )


def test_search_finds_subject_body_customer_name_and_address(client, agent, support):
    by_subject = make_ticket(support, "Invoice duplicated", body="Please look")
    by_body = make_ticket(support, "Question", body="The zebra-striped scarf never arrived")
    by_name = make_ticket(support, "Hello", customer=make_customer("Ophelia Quartermaine"))
    by_address = make_ticket(support, "Hi", customer=make_customer("X", "rare.person@oddmail.example"))
    client.force_login(agent)

    assert found(client, "invoice") == {by_subject.pk}
    assert found(client, "scarf") == {by_body.pk}
    assert found(client, "quartermaine") == {by_name.pk}
    assert found(client, "rare.person@oddmail.example") == {by_address.pk}
    assert found(client, "oddmail") == {by_address.pk}


def test_every_word_must_match_and_quotes_match_a_phrase(client, agent, support):
    both = make_ticket(support, "Refund", body="refund for the blue kettle")
    one = make_ticket(support, "Refund", body="refund for the red kettle")
    client.force_login(agent)

    assert found(client, "refund blue") == {both.pk}
    assert found(client, "refund kettle") == {both.pk, one.pk}
    assert found(client, '"red kettle"') == {one.pk}
    assert found(client, '"kettle red"') == set()


def test_search_stays_inside_the_folder_and_filters(client, agent, support):
    open_ticket = make_ticket(support, "Lamp broken")
    closed = make_ticket(support, "Lamp broken too", status=Ticket.Status.CLOSED)
    client.force_login(agent)

    assert found(client, "lamp", folder="open") == {open_ticket.pk}
    assert found(client, "lamp", folder="all") == {open_ticket.pk, closed.pk}
    assert set(listed_ids(client.get(folder_url("all"), {"q": "lamp", "status": "closed"}))) == {closed.pk}


def test_new_messages_and_changes_are_searchable_at_once(client, agent, support):
    ticket = make_ticket(support, "Order question", body="first message")
    client.force_login(agent)
    assert found(client, "trampoline") == set()

    Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.INCOMING,
        body_text="Now the trampoline is missing too",
        created_at=timezone.now(),
    )
    assert found(client, "trampoline") == {ticket.pk}

    ticket.subject = "Xylophone order"
    ticket.save()
    assert found(client, "xylophone") == {ticket.pk}

    ticket.customer.name = "Wilhelmina Zed"
    ticket.customer.save()
    assert found(client, "wilhelmina") == {ticket.pk}

    CustomerAddress.objects.create(customer=ticket.customer, address="second.address@elsewhere.example")
    assert found(client, "elsewhere") == {ticket.pk}


def test_merged_messages_are_found_in_the_ticket_they_joined(client, agent, support):
    older = make_ticket(
        support, "First", body="hello", created_at=timezone.now() - timezone.timedelta(days=3)
    )
    newer = make_ticket(support, "Second", body="the flamingo statue")
    client.force_login(agent)

    services.merge_tickets([older, newer], actor=agent)

    assert found(client, "flamingo") == {older.pk}


def test_reindexing_everything_rebuilds_a_lost_index(client, agent, support):
    ticket = make_ticket(support, "Gramophone repair")
    get_backend().get_index_for_model(Ticket).reset()
    client.force_login(agent)
    assert found(client, "gramophone") == set()

    assert index_all_tickets() == 1
    assert found(client, "gramophone") == {ticket.pk}


def test_search_tickets_keeps_the_querysets_order_and_limits():
    from tests.inbox.list_support import make_mailbox

    mailbox = make_mailbox("Orders")
    now = timezone.now()
    a = make_ticket(mailbox, "Ladder", last_activity_at=now - timezone.timedelta(hours=2))
    b = make_ticket(mailbox, "Ladder again", last_activity_at=now)
    make_ticket(mailbox, "Ladder closed", status=Ticket.Status.CLOSED)
    queryset = Ticket.objects.filter(status=Ticket.Status.OPEN).order_by("-last_activity_at")

    assert [t.pk for t in search_tickets(queryset, "ladder")] == [b.pk, a.pk]
    assert list(search_tickets(queryset, "   ")) == list(queryset)


def lanterns(support, count):
    """``count`` matching tickets, the newest activity first, and one that does not match."""
    now = timezone.now()
    make_ticket(support, "Kettle", body="nothing to see")
    tickets = [
        make_ticket(
            support,
            f"Lantern {number}",
            body="the lantern flickers",
            last_activity_at=now - timezone.timedelta(minutes=number),
        )
        for number in range(count)
    ]
    return [ticket.pk for ticket in tickets]


def test_a_searched_list_is_counted_and_paged_in_the_lists_order(client, agent, support):
    newest_first = lanterns(support, 30)
    client.force_login(agent)

    with CaptureQueriesContext(connection) as captured:
        first = client.get(folder_url("open"), {"q": "lantern"})
    searches = [
        q for q in captured.captured_queries if "indexentry" in q["sql"]
    ]  # before the next request resets the log
    second = client.get(folder_url("open"), {"q": "lantern", "p": 2})

    assert listed_ids(first) == newest_first[:25]
    assert listed_ids(second) == newest_first[25:]
    assert "30 tickets match" in first.content.decode()
    # Counting and the page's ids come from one search of the index, not one each.
    assert len(searches) == 1


def test_a_search_with_more_matches_than_pages_says_more_than(client, agent, support, monkeypatch):
    newest_first = lanterns(support, 30)
    monkeypatch.setattr(ticket_list, "SEARCH_MAX_PAGES", 1)
    client.force_login(agent)

    response = client.get(folder_url("open"), {"q": "lantern"})
    beyond = client.get(folder_url("open"), {"q": "lantern", "p": 2})

    assert listed_ids(response) == newest_first[:25]
    assert "More than 25 tickets match" in response.content.decode()
    assert "Only the first 1 page is listed" in response.content.decode()
    assert listed_ids(beyond) == newest_first[:25]


def test_search_results_count_and_slice_like_a_queryset(support):
    newest_first = lanterns(support, 7)
    queryset = Ticket.objects.order_by("-last_activity_at", "-id")

    results = search_tickets(queryset, "lantern")
    assert results.count_up_to(5) == 5
    assert [t.pk for t in results[2:4]] == newest_first[2:4]
    assert [t.pk for t in results[4:7]] == newest_first[4:7]  # past what was counted: asked again
    assert results.count() == 7
    everything = search_tickets(queryset, "lantern")
    assert everything.count_up_to(100) == 7
    assert [t.pk for t in everything] == newest_first
    assert everything.count() == len(everything) == 7


def test_sqlite_planner_statistics_are_taken_once_a_table_is_big_and_again_when_it_doubles(support):
    from inbox.sqlite_stats import refresh_planner_statistics

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL keeps its statistics itself")
    for number in range(3):
        make_ticket(support, f"Ticket {number}")

    assert refresh_planner_statistics(connection, min_rows=100) == []  # too small to matter yet
    assert "inbox_ticket" in refresh_planner_statistics(connection, min_rows=1)
    assert "inbox_ticket" not in refresh_planner_statistics(connection, min_rows=1)
    for number in range(4):
        make_ticket(support, f"More {number}")
    assert "inbox_ticket" in refresh_planner_statistics(connection, min_rows=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'inbox_ticket'")
        assert cursor.fetchone()[0] > 0


def test_delivery_bookkeeping_does_not_reindex_the_ticket(support):
    from django.test.utils import CaptureQueriesContext

    ticket = make_ticket(support, "Sent reply")
    message = ticket.messages.get()
    message.delivery_state = Message.Delivery.SENT

    with CaptureQueriesContext(connection) as captured:
        message.save(update_fields=["delivery_state"])

    assert not [q for q in captured.captured_queries if "indexentry" in q["sql"]]
    with CaptureQueriesContext(connection) as captured:
        message.body_text = "edited"
        message.save(update_fields=["body_text"])
    assert [q for q in captured.captured_queries if "indexentry" in q["sql"]]


def test_wagtails_own_signal_handlers_leave_tickets_alone(support, monkeypatch):
    """Otherwise every ticket save would also be sent to the "default" (knowledge base) backend."""
    from modelsearch import signal_handlers

    queued = []

    class Recorder:
        def enqueue(self, app_label, model_name, pk):
            queued.append(model_name)

    monkeypatch.setattr(signal_handlers, "insert_or_update_object_task", Recorder())

    ticket = make_ticket(support, "Not for the knowledge base")
    ticket.subject = "Still not"
    ticket.save()

    assert Ticket.search_auto_update is False
    assert "ticket" not in queued
