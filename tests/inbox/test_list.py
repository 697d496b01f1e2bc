"""The agents' ticket list: folders, columns, unread marker, filters, sorting, paging."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.admin import ticket_list
from inbox.models import Ticket
from inbox.queries import mark_seen
from inbox.services import tickets as services
from tests.inbox.list_support import (  # noqa: F401  (fixtures)
    admin_user,
    agent,
    folder_url,
    fresh_cache,
    listed_ids,
    mailbox_url,
    make_agent,
    make_customer,
    make_ticket,
    sales,
    support,
)

pytestmark = pytest.mark.django_db


def test_default_folder_lists_open_tickets_newest_activity_first(client, agent, support):
    now = timezone.now()
    older = make_ticket(support, "Older", last_activity_at=now - timedelta(hours=3))
    newer = make_ticket(support, "Newer", last_activity_at=now - timedelta(minutes=5))
    make_ticket(support, "Done", status=Ticket.Status.CLOSED)
    client.force_login(agent)

    response = client.get(reverse("inbox_tickets:index"))

    assert response.status_code == 200
    assert listed_ids(response) == [newer.pk, older.pk]


def test_each_folder_holds_its_tickets(client, django_user_model, agent, support):
    colleague = make_agent(django_user_model, "bob", support)
    unassigned = make_ticket(support, "Nobody has it")
    mine = make_ticket(support, "Mine", assignee=agent)
    my_pending = make_ticket(
        support, "Mine, waiting on customer", assignee=agent, status=Ticket.Status.PENDING
    )
    theirs = make_ticket(support, "Bob's", assignee=colleague)
    closed = make_ticket(support, "Closed", status=Ticket.Status.CLOSED)
    spam = make_ticket(support, "Cheap pills", status=Ticket.Status.SPAM)
    client.force_login(agent)

    def folder(key):
        return set(listed_ids(client.get(folder_url(key))))

    assert folder("unassigned") == {unassigned.pk}
    assert folder("mine") == {mine.pk, my_pending.pk}
    assert folder("others") == {theirs.pk}
    assert folder("open") == {unassigned.pk, mine.pk, theirs.pk}
    assert folder("pending") == {my_pending.pk}
    assert folder("closed") == {closed.pk}
    assert folder("spam") == {spam.pk}
    assert folder("all") == {unassigned.pk, mine.pk, my_pending.pk, theirs.pk, closed.pk}


def test_merged_and_deleted_tickets_leave_the_list(client, agent, support, admin_user):
    first = make_ticket(support, "First", created_at=timezone.now() - timedelta(days=2))
    second = make_ticket(support, "Second")
    gone = make_ticket(support, "Gone")
    services.merge_tickets([first, second], actor=agent)
    services.soft_delete([gone], actor=admin_user)
    client.force_login(agent)

    assert listed_ids(client.get(folder_url("open"))) == [first.pk]


def test_an_unknown_folder_is_not_found(client, agent):
    client.force_login(agent)
    assert client.get(folder_url("everything")).status_code == 404


def test_a_row_shows_what_an_agent_needs_to_triage(client, agent, support):
    customer = make_customer("Carla Customer", "carla@customer.example")
    ticket = make_ticket(
        support,
        "Parcel arrived broken",
        customer=customer,
        body="The box was crushed and the vase inside is in pieces.",
        priority=Ticket.Priority.URGENT,
        assignee=agent,
        waiting_since=timezone.now() - timedelta(hours=3, minutes=10),
    )
    ticket.tags.add("breakage")
    client.force_login(agent)

    html = client.get(folder_url("open")).content.decode()

    assert "Parcel arrived broken" in html
    assert reverse("inbox_ticket:detail", args=[ticket.pk]) in html
    assert "Carla Customer" in html and "carla@customer.example" in html
    assert "Support" in html
    assert "Urgent" in html
    assert "Anna Agent" in html
    assert "breakage" in html
    assert "waiting 3 h" in html
    assert "The box was crushed and the vase inside is in pieces." in html
    assert f"#{ticket.pk}" in html


def test_a_ticket_is_unread_until_the_agent_has_seen_its_latest_activity(client, agent, support):
    ticket = make_ticket(support, "Hello")
    client.force_login(agent)
    marker = "inbox-list__subject--unread"

    assert marker in client.get(folder_url("open")).content.decode()

    mark_seen(agent, ticket)
    assert marker not in client.get(folder_url("open")).content.decode()

    Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=timezone.now() + timedelta(seconds=5))
    assert marker in client.get(folder_url("open")).content.decode()


def test_filters_narrow_the_list(client, django_user_model, agent, support):
    colleague = make_agent(django_user_model, "bob", support)
    urgent_mine = make_ticket(support, "Urgent mine", priority=Ticket.Priority.URGENT, assignee=agent)
    low_theirs = make_ticket(support, "Low theirs", priority=Ticket.Priority.LOW, assignee=colleague)
    pending_nobody = make_ticket(support, "Pending nobody", status=Ticket.Status.PENDING)
    old = make_ticket(support, "Old one", created_at=timezone.now() - timedelta(days=40))
    urgent_mine.tags.add("vip")
    client.force_login(agent)
    url = folder_url("all")

    assert listed_ids(client.get(url, {"priority": "3"})) == [urgent_mine.pk]
    assert set(listed_ids(client.get(url, {"assignee": "me"}))) == {urgent_mine.pk}
    assert set(listed_ids(client.get(url, {"assignee": str(colleague.pk)}))) == {low_theirs.pk}
    assert set(listed_ids(client.get(url, {"assignee": "nobody"}))) == {pending_nobody.pk, old.pk}
    assert set(listed_ids(client.get(url, {"status": "pending"}))) == {pending_nobody.pk}
    assert listed_ids(client.get(url, {"tag": "vip"})) == [urgent_mine.pk]
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert old.pk not in listed_ids(client.get(url, {"created_from": since}))
    assert set(listed_ids(client.get(url, {"mailbox": str(support.pk)}))) == {
        urgent_mine.pk,
        low_theirs.pk,
        pending_nobody.pk,
        old.pk,
    }


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-last_activity_at", ["b", "c", "a"]),
        ("last_activity_at", ["a", "c", "b"]),
        ("created_at", ["c", "a", "b"]),
        ("-priority", ["a", "b", "c"]),
        ("-waiting", ["c", "a", "b"]),
    ],
)
def test_sorting(client, agent, support, ordering, expected):
    now = timezone.now()
    tickets = {
        "a": make_ticket(
            support,
            "a",
            priority=3,
            created_at=now - timedelta(days=2),
            last_activity_at=now - timedelta(hours=5),
            waiting_since=now - timedelta(hours=5),
        ),
        "b": make_ticket(
            support,
            "b",
            priority=2,
            created_at=now - timedelta(days=1),
            last_activity_at=now - timedelta(hours=1),
            waiting_since=None,
        ),
        "c": make_ticket(
            support,
            "c",
            priority=0,
            created_at=now - timedelta(days=3),
            last_activity_at=now - timedelta(hours=3),
            waiting_since=now - timedelta(days=1),
        ),
    }
    client.force_login(agent)

    ids = listed_ids(client.get(folder_url("open"), {"ordering": ordering}))

    assert ids == [tickets[key].pk for key in expected]


def test_pages_hold_25_tickets_and_stop_at_the_page_limit(client, agent, support, monkeypatch):
    for number in range(30):
        make_ticket(support, f"Ticket {number}")
    client.force_login(agent)

    first = client.get(folder_url("open"))
    second = client.get(folder_url("open"), {"p": 2})
    assert len(listed_ids(first)) == 25
    assert len(listed_ids(second)) == 5
    assert not set(listed_ids(first)) & set(listed_ids(second))

    monkeypatch.setattr(ticket_list, "MAX_PAGES", 1)
    capped = client.get(folder_url("open"), {"p": 2})
    assert listed_ids(capped) == listed_ids(first)
    assert "Only the first 1 page is listed" in capped.content.decode()


def test_the_results_url_answers_the_listing_alone_for_ajax_refresh(client, agent, support):
    ticket = make_ticket(support, "Refresh me")
    client.force_login(agent)

    response = client.get(reverse("inbox_tickets:folder_results", args=["open"]), {"q": "refresh"})

    assert response.status_code == 200
    assert listed_ids(response) == [ticket.pk]
    assert b"<html" not in response.content


def test_mailbox_entry_lists_that_mailboxs_open_tickets(client, django_user_model, support, sales):
    both = make_agent(django_user_model, "both", support, sales)
    in_support = make_ticket(support, "Support question")
    make_ticket(sales, "Sales question")
    make_ticket(support, "Closed one", status=Ticket.Status.CLOSED)
    client.force_login(both)

    response = client.get(mailbox_url(support))

    assert listed_ids(response) == [in_support.pk]
    assert "Support" in response.context["header_title"]


def test_the_list_remembers_its_order_for_next_ticket_on_the_ticket_page(client, agent, support):
    now = timezone.now()
    first = make_ticket(support, "First", last_activity_at=now)
    second = make_ticket(support, "Second", last_activity_at=now - timedelta(hours=1))
    client.force_login(agent)
    client.get(folder_url("open"))

    response = client.get(reverse("inbox_ticket:next", args=[first.pk]))

    assert response.status_code == 302
    assert response["Location"].endswith(reverse("inbox_ticket:detail", args=[second.pk]))
