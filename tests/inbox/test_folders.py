"""The Inbox admin menu: folders with live counts, one entry per mailbox, saved views."""

import json
import re

import pytest
from django.urls import reverse

from inbox.models import Ticket
from inbox.queries import COUNTS_TTL, compute_menu_state, menu_state
from tests.inbox.list_support import (  # noqa: F401  (fixtures)
    agent,
    bulk_url,
    folder_url,
    fresh_cache,
    make_agent,
    make_ticket,
    sales,
    support,
)

pytestmark = pytest.mark.django_db


def inbox_menu(client):
    """The Inbox submenu as Wagtail's sidebar receives it: [(label, url), …]."""
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    )
    data = json.loads(props.group(1))
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("_type") == "wagtail.sidebar.SubMenuItem" and node["_args"][0]["name"] == "inbox":
                for item in node["_args"][1]:
                    found.append((item["_args"][0]["label"], item["_args"][0]["url"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return found


def test_the_menu_lists_folders_mailboxes_and_views_with_counts(client, django_user_model, support, sales):
    agent = make_agent(django_user_model, "anna", support, sales)
    colleague = make_agent(django_user_model, "bob", support)
    make_ticket(support, "Unassigned")
    make_ticket(support, "Mine", assignee=agent)
    make_ticket(sales, "Bob's", assignee=colleague)
    make_ticket(sales, "Pending", status=Ticket.Status.PENDING)
    make_ticket(sales, "Closed", status=Ticket.Status.CLOSED)
    client.force_login(agent)

    menu = inbox_menu(client)

    labels = [label for label, _url in menu]
    assert labels[:8] == [
        "Unassigned (1)",
        "Mine (1)",
        "Assigned to others (1)",
        "All open (3)",
        "Pending (1)",
        "Closed",
        "All tickets",
        "Spam (0)",
    ]
    assert "Sales (1)" in labels and "Support (2)" in labels  # open tickets
    assert dict(menu)["Mine (1)"] == folder_url("mine")
    assert dict(menu)["Support (2)"] == reverse("inbox_tickets:mailbox", args=[support.pk])


def test_counts_are_cached_briefly_and_refreshed_by_the_agents_own_bulk_action(client, agent, support):
    ticket = make_ticket(support, "Open one")
    client.force_login(agent)
    assert ("All open (1)", folder_url("open")) in inbox_menu(client)

    Ticket.objects.create(
        mailbox=support,
        customer=ticket.customer,
        subject="Arrived meanwhile",
        created_at=ticket.created_at,
        last_activity_at=ticket.last_activity_at,
    )
    assert ("All open (1)", folder_url("open")) in inbox_menu(client), "cached for a few seconds"

    client.post(bulk_url("status", [ticket], folder_url("open")), {"status": "pending"})
    menu = inbox_menu(client)
    assert ("All open (1)", folder_url("open")) in menu
    assert ("Pending (1)", folder_url("pending")) in menu


def test_menu_state_is_cached_for_a_few_seconds(agent, support, django_assert_num_queries):
    make_ticket(support, "One")
    first = menu_state(agent)
    with django_assert_num_queries(0):
        assert menu_state(agent) == first
    assert 5 <= COUNTS_TTL <= 15


def test_counts_take_one_aggregated_query_whatever_the_number_of_mailboxes(
    django_user_model, support, sales, django_assert_num_queries
):
    agent = make_agent(django_user_model, "anna", support, sales)
    make_ticket(support, "One")
    make_ticket(sales, "Two")
    # mailboxes, the aggregated counts, the saved views
    with django_assert_num_queries(3):
        state = compute_menu_state(agent)
    assert [m["count"] for m in state["mailboxes"]] == [1, 1]
