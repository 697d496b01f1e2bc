"""Collision detection: agents on the same ticket see each other; new mail while composing is reported."""

# ruff: noqa: F811  (pytest fixtures imported from ticket_page_support are test arguments)

import pytest

from inbox import presence
from inbox.models import Message
from tests.inbox.ticket_page_support import (  # noqa: F401
    action_url,
    add_message,
    agent,
    agent_client,
    colleague,
    fresh_cache,
    media_in_tmp,
    support,
    ticket,
)

pytestmark = pytest.mark.django_db


def test_agents_on_the_same_ticket_see_each_other_viewing_and_typing(ticket, agent, colleague):
    assert presence.report(ticket.pk, agent, presence.VIEWING) == []
    others = presence.report(ticket.pk, colleague, presence.TYPING)
    assert [(o["name"], o["text"]) for o in others] == [("Maria Lopez", "Maria Lopez is viewing")]
    assert [o["text"] for o in presence.others(ticket.pk, agent)] == ["Anna Berg is typing a reply"]


def test_an_agent_who_stops_reporting_disappears(ticket, agent, colleague, monkeypatch):
    presence.report(ticket.pk, colleague, presence.VIEWING)
    later = presence.time.time() + presence.PRESENCE_TTL + 1
    monkeypatch.setattr(presence.time, "time", lambda: later)
    assert presence.others(ticket.pk, agent) == []


def test_leaving_removes_the_agent_at_once(ticket, agent, colleague):
    presence.report(ticket.pk, colleague, presence.VIEWING)
    presence.leave(ticket.pk, colleague)
    assert presence.others(ticket.pk, agent) == []


def test_presence_is_per_ticket(support, ticket, agent, colleague):
    from tests.inbox.ticket_page_support import make_ticket

    other = make_ticket(support)
    presence.report(other.pk, colleague, presence.TYPING)
    assert presence.others(ticket.pk, agent) == []


def test_the_poll_endpoint_reports_others_and_new_messages(client, ticket, agent, colleague):
    seen = ticket.messages.get().pk
    client.force_login(colleague)
    client.post(action_url("presence", ticket), {"state": "typing", "last_seen": seen})
    client.force_login(agent)
    data = client.post(action_url("presence", ticket), {"state": "viewing", "last_seen": seen}).json()
    assert data["others"] == [{"name": "Anna Berg", "state": "typing", "text": "Anna Berg is typing a reply"}]
    assert data["new_messages"] == []

    reply = add_message(
        ticket, Message.Kind.REPLY, minutes_ago=0, author=colleague, body_html="<p>Done it.</p>"
    )
    data = client.post(action_url("presence", ticket), {"state": "typing", "last_seen": seen}).json()
    assert data["new_messages"] == [reply.pk] and data["latest_message_id"] == reply.pk
    assert "Done it." in data["html"]


def test_the_poll_endpoint_refuses_an_unknown_state(agent_client, ticket):
    response = agent_client.post(action_url("presence", ticket), {"state": "dancing"})
    assert response.status_code == 400


def test_the_page_loads_with_the_last_message_id_for_held_sends(agent_client, ticket):
    html = agent_client.get(action_url("detail", ticket)).content.decode()
    last = ticket.messages.get().pk
    assert f'data-last-message-id="{last}"' in html
    assert f'name="last_seen_message_id" value="{last}"' in html
