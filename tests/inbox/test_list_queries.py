"""The list, a filtered list and a search run a fixed number of SQL queries, however many tickets exist."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inbox.models import Ticket
from tests.inbox.list_support import (  # noqa: F401  (fixtures)
    agent,
    folder_url,
    fresh_cache,
    make_agent,
    make_customer,
    make_ticket,
    sales,
    support,
)

pytestmark = pytest.mark.django_db

SCREENS = {
    "default folder": ("inbox_tickets:index", {}),
    "filtered": (
        "open",
        {"priority": ["2", "3"], "tag": "vip", "assignee": "nobody", "ordering": "-waiting"},
    ),
    "search": ("all", {"q": "parcel"}),
}


def add_tickets(count, mailboxes, agents):
    for number in range(count):
        mailbox = mailboxes[number % len(mailboxes)]
        ticket = make_ticket(
            mailbox,
            f"Parcel question {number}",
            customer=make_customer(f"Customer {number}"),
            body=f"My parcel number {number} is late",
            priority=number % 4,
            assignee=agents[number % len(agents)] if number % 3 else None,
        )
        if number % 2:
            ticket.tags.add("vip", f"batch{number % 5}")


def queries_of(client, screen):
    from django.urls import reverse

    name, params = SCREENS[screen]
    url = reverse(name) if ":" in name else folder_url(name)
    client.get(url, params)  # warm caches that are per process, not per request
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), len(response.context["object_list"])


@pytest.mark.parametrize("screen", list(SCREENS))
def test_query_count_does_not_grow_with_the_tickets(client, django_user_model, support, sales, agent, screen):
    colleague = make_agent(django_user_model, "bob", support, sales)
    agent_b = make_agent(django_user_model, "sam", sales)
    client.force_login(colleague)

    add_tickets(10, [support, sales], [agent, colleague, agent_b])
    small, small_rows = queries_of(client, screen)
    add_tickets(50, [support, sales], [agent, colleague, agent_b])
    large, large_rows = queries_of(client, screen)

    assert Ticket.objects.count() == 60
    assert large_rows > small_rows > 0
    assert large == small, f"{screen}: {small} queries with 10 tickets, {large} with 60"
    assert large <= 30


def test_the_menu_counts_are_one_query_and_cached(client, django_user_model, support, sales):
    agent = make_agent(django_user_model, "anna", support, sales)
    add_tickets(12, [support, sales], [agent])
    client.force_login(agent)

    with CaptureQueriesContext(connection) as first:
        client.get(folder_url("open"))
    with CaptureQueriesContext(connection) as second:
        client.get(folder_url("open"))

    counting = [q["sql"] for q in first.captured_queries if "folder_unassigned" in q["sql"]]
    assert len(counting) == 1
    assert not [q for q in second.captured_queries if "folder_unassigned" in q["sql"]]
