"""Every ticket page URL refuses an agent of another mailbox (403) and changes nothing."""

# ruff: noqa: F811  (pytest fixtures imported from ticket_page_support are test arguments)

import pytest
from django.urls import reverse

from inbox.models import Customer, Draft, Message, Notification, Ticket
from tests.inbox.ticket_page_support import (  # noqa: F401
    JSON,
    PNG_1PX,
    add_attachment,
    add_message,
    agent,
    colleague,
    fresh_cache,
    media_in_tmp,
    outsider,
    sales,
    support,
    ticket,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def targets(ticket, agent):
    message = ticket.messages.get()
    reply = add_message(ticket, Message.Kind.REPLY, author=agent, delivery_state="failed", send_attempts=1)
    attachment = add_attachment(message, "photo.png", PNG_1PX, "image/png")
    return {"message": message, "reply": reply, "attachment": attachment}


def endpoints(ticket, targets):
    """(method, url name, url args, data) for every URL of the ticket page."""
    pk = ticket.pk
    return [
        ("get", "detail", [pk], {}),
        ("get", "next", [pk], {}),
        ("post", "send", [pk], {"mode": "reply", "body_html": "<p>leak</p>", "last_seen_message_id": 999999}),
        ("post", "send", [pk], {"mode": "note", "body_html": "<p>leak</p>"}),
        ("get", "draft", [pk], {}),
        ("post", "draft", [pk], {"mode": "reply", "body_html": "<p>leak</p>"}),
        ("post", "undo", [pk, targets["reply"].pk], {}),
        ("post", "resend", [pk, targets["reply"].pk], {}),
        ("post", "presence", [pk], {"state": "typing"}),
        ("post", "presence_leave", [pk], {}),
        ("get", "attachment", [pk, targets["attachment"].pk], {}),
        ("post", "status", [pk], {"status": "closed"}),
        ("post", "priority", [pk], {"priority": "3"}),
        ("post", "assignee", [pk], {"assignee": "me"}),
        ("post", "tags", [pk], {"add": "leak"}),
        ("get", "tag_autocomplete", [pk], {"q": ""}),
        ("post", "followers", [pk], {"follow": "1"}),
        ("post", "customer_notes", [pk], {"notes": "leak"}),
    ]


def state(ticket):
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.priority,
        ticket.assignee_id,
        sorted(ticket.tags.names()),
        list(ticket.followers.values_list("pk", flat=True)),
        ticket.messages.count(),
        list(ticket.messages.values_list("delivery_state", flat=True).order_by("id")),
        Customer.objects.get(pk=ticket.customer_id).notes,
        Draft.objects.count(),
        Notification.objects.count(),
    )


@pytest.mark.parametrize("as_json", [False, True], ids=["page", "json"])
def test_an_agent_of_another_mailbox_is_refused_everywhere(client, ticket, targets, outsider, as_json):
    client.force_login(outsider)
    before = state(ticket)
    for method, name, args, data in endpoints(ticket, targets):
        url = reverse(f"inbox_ticket:{name}", args=args)
        response = getattr(client, method)(url, data, **(JSON if as_json else {}))
        assert response.status_code == 403, (name, response.status_code)
        body = response.content.decode()
        assert "leak" not in body and "Where is my parcel" not in body, name
    assert state(ticket) == before


def test_the_same_urls_work_for_an_agent_of_the_mailbox(client, ticket, targets, agent):
    """The refusal above is about the mailbox, not broken URLs."""
    client.force_login(agent)
    for method, name, args, data in endpoints(ticket, targets):
        if name in ("undo", "resend", "send"):
            continue  # their outcomes depend on timing and state; covered in test_composer
        response = getattr(client, method)(reverse(f"inbox_ticket:{name}", args=args), data)
        assert response.status_code in (200, 302), (name, response.status_code)


def test_a_ticket_that_does_not_exist_looks_the_same_as_a_foreign_one(client, agent):
    client.force_login(agent)
    assert client.get(reverse("inbox_ticket:detail", args=[987654])).status_code == 403


def test_a_deleted_ticket_is_refused(client, ticket, agent):
    from django.utils import timezone

    Ticket.objects.filter(pk=ticket.pk).update(deleted_at=timezone.now())
    client.force_login(agent)
    assert client.get(reverse("inbox_ticket:detail", args=[ticket.pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client, ticket):
    response = client.get(reverse("inbox_ticket:detail", args=[ticket.pk]))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_a_superuser_sees_every_mailbox(client, ticket, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    assert client.get(reverse("inbox_ticket:detail", args=[ticket.pk])).status_code == 200
