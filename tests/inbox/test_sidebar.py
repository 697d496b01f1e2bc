"""The side panel: ticket fields with their audit trail, the customer, and plugin panels."""

# ruff: noqa: F811  (pytest fixtures imported from ticket_page_support are test arguments)

import pytest
from django.core import mail
from wagtail.hooks import register_temporarily

from inbox.models import Notification, Ticket, TicketEvent
from inbox.plugin_api import SidebarPanel
from tests.inbox.ticket_page_support import (  # noqa: F401
    JSON,
    action_url,
    add_message,
    agent,
    agent_client,
    colleague,
    detail_url,
    fresh_cache,
    make_customer,
    make_ticket,
    media_in_tmp,
    outsider,
    sales,
    support,
    ticket,
)

pytestmark = pytest.mark.django_db


def page(client, ticket):
    response = client.get(detail_url(ticket))
    assert response.status_code == 200
    return response.content.decode()


def test_the_customer_panel_shows_name_addresses_and_notes(agent_client, ticket):
    ticket.customer.addresses.create(address="anna.work@company.example")
    html = page(agent_client, ticket)
    assert "Anna Smith" in html
    assert "anna@customer.example" in html and "anna.work@company.example" in html

    response = agent_client.post(action_url("customer_notes", ticket), {"notes": "VIP, prefers phone calls."})
    assert response.status_code == 302
    ticket.customer.refresh_from_db()
    assert ticket.customer.notes == "VIP, prefers phone calls."
    assert "VIP, prefers phone calls.</textarea>" in page(agent_client, ticket)


def test_other_tickets_of_the_customer_are_listed_only_from_visible_mailboxes(
    agent_client, support, sales, ticket
):
    older = make_ticket(support, customer=ticket.customer, subject="Broken lid", status=Ticket.Status.CLOSED)
    hidden = make_ticket(sales, customer=ticket.customer, subject="Invoice for bulk order")
    html = page(agent_client, ticket)
    side = html[html.index("Other tickets") :]
    assert f"{older.token} Broken lid" in side and ">Closed</span>" in side
    assert "Invoice for bulk order" not in html and hidden.token not in side


def test_status_priority_changes_show_in_the_audit_trail(agent_client, ticket, agent):
    assert agent_client.post(action_url("status", ticket), {"status": "pending"}).status_code == 302
    assert agent_client.post(action_url("priority", ticket), {"priority": "3"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("pending", 3)
    html = page(agent_client, ticket)
    trail = html[html.index('class="inbox-audit"') :]
    assert "Status</span>" in trail and "Open → Pending" in trail
    assert "Priority</span>" in trail and "Normal → Urgent" in trail
    assert "Maria Lopez" in trail


def test_an_unknown_status_or_priority_is_refused_with_a_message(agent_client, ticket):
    response = agent_client.post(action_url("status", ticket), {"status": "archived"}, **JSON)
    assert response.status_code == 400 and "is not a ticket status" in response.json()["error"]
    response = agent_client.post(action_url("priority", ticket), {"priority": "9"}, **JSON)
    assert response.status_code == 400 and "Choose a priority" in response.json()["error"]


def test_the_assignee_list_offers_only_agents_of_the_mailbox(agent_client, ticket, colleague, outsider):
    html = page(agent_client, ticket)
    select = html[html.index('id="inbox-assignee"') :].split("</select>")[0]
    assert "Anna Berg" in select and "Maria Lopez" in select
    assert "Olaf" not in select


def test_assigning_notifies_the_new_assignee(agent_client, ticket, colleague):
    response = agent_client.post(action_url("assignee", ticket), {"assignee": colleague.pk}, **JSON)
    assert response.json() == {"ok": True, "message": "Assigned to Anna Berg."}
    ticket.refresh_from_db()
    assert ticket.assignee == colleague
    assert Notification.objects.get().recipient == colleague
    assert len(mail.outbox) == 1 and "assigned you" in mail.outbox[0].subject


def test_assign_to_me_and_unassign(agent_client, ticket, agent):
    agent_client.post(action_url("assignee", ticket), {"assignee": "me"})
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert not mail.outbox  # nobody is told about their own action
    agent_client.post(action_url("assignee", ticket), {"assignee": ""})
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_an_agent_of_another_mailbox_cannot_be_assigned(agent_client, ticket, outsider):
    response = agent_client.post(action_url("assignee", ticket), {"assignee": outsider.pk}, **JSON)
    assert response.status_code == 400
    assert response.json()["error"] == "That person does not work this ticket's mailbox."
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_tags_are_added_removed_and_autocompleted_from_visible_tickets(agent_client, support, sales, ticket):
    make_ticket(support).tags.add("parcel-lost")
    make_ticket(sales).tags.add("partner-deal")
    response = agent_client.post(action_url("tags", ticket), {"add": "refund, parcel-lost"}, **JSON)
    assert response.json()["tags"] == ["parcel-lost", "refund"]
    agent_client.post(action_url("tags", ticket), {"remove": "refund"})
    assert sorted(ticket.tags.names()) == ["parcel-lost"]
    suggestions = agent_client.get(action_url("tag_autocomplete", ticket), {"q": "pa"}).json()["tags"]
    assert suggestions == ["parcel-lost"]  # "partner-deal" belongs to a mailbox the agent does not see
    assert TicketEvent.objects.filter(ticket=ticket, kind="tags_added").exists()


def test_following_and_unfollowing(agent_client, ticket, agent, colleague, outsider):
    agent_client.post(action_url("followers", ticket), {"follow": "1"})
    agent_client.post(action_url("followers", ticket), {"follow": "1", "user": colleague.pk})
    assert set(ticket.followers.all()) == {agent, colleague}
    assert "Unfollow" in page(agent_client, ticket)
    response = agent_client.post(
        action_url("followers", ticket), {"follow": "1", "user": outsider.pk}, **JSON
    )
    assert response.status_code == 400
    agent_client.post(action_url("followers", ticket), {"follow": "0"})
    assert list(ticket.followers.all()) == [colleague]
    assert TicketEvent.objects.filter(
        ticket=ticket, kind="follower_removed", old_value="Maria Lopez"
    ).exists()


def test_plugin_panels_are_listed_for_loading_after_the_page(agent_client, ticket):
    def add_panels(panels, ticket, request):
        return [
            *panels,
            SidebarPanel(key="orders", title="Orders", url=f"/plugin/orders/{ticket.pk}/", order=20),
            SidebarPanel(key="crm", title="CRM", url="/plugin/crm/", order=10),
            "not a panel",
        ]

    with register_temporarily("inbox.sidebar_panels", add_panels):
        html = page(agent_client, ticket)
    assert html.index('data-panel-key="crm"') < html.index('data-panel-key="orders"')
    assert f'data-panel-url="/plugin/orders/{ticket.pk}/" data-panel-title="Orders"' in html
    assert "not a panel" not in html


def test_a_broken_panel_filter_does_not_break_the_page(agent_client, ticket):
    def broken(panels, ticket, request):
        raise RuntimeError("plugin bug")

    with register_temporarily("inbox.sidebar_panels", broken):
        html = page(agent_client, ticket)
    assert "Where is my parcel?" in html
