"""The reply composer: send (and set status), notes, held sends, undo, resend and drafts."""

# ruff: noqa: F811  (pytest fixtures imported from ticket_page_support are test arguments)

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from inbox.models import Draft, Message, Notification, Ticket
from tests.inbox.ticket_page_support import (  # noqa: F401
    JSON,
    action_url,
    add_message,
    agent,
    agent_client,
    colleague,
    detail_url,
    fresh_cache,
    media_in_tmp,
    outsider,
    sales,
    support,
    ticket,
)

pytestmark = pytest.mark.django_db


def last_seen(ticket):
    return ticket.messages.order_by("-id").first().pk


def send(client, ticket, body="<p>We sent a new parcel.</p>", **fields):
    data = {"mode": "reply", "body_html": body, "last_seen_message_id": last_seen(ticket), **fields}
    return client.post(action_url("send", ticket), data, **JSON)


def test_send_queues_a_reply_with_undo_window_and_threading(agent_client, ticket, agent):
    response = send(agent_client, ticket, cc="boss@customer.example", bcc="audit@shop.example")
    assert response.status_code == 200, response.content
    assert response.json()["undo_seconds"] == 10
    reply = ticket.messages.get(kind=Message.Kind.REPLY)
    assert reply.author == agent
    assert reply.delivery_state == Message.Delivery.QUEUED
    assert reply.send_after > timezone.now() + timedelta(seconds=8)
    assert reply.to == "anna@customer.example"
    assert reply.cc == "boss@customer.example" and reply.bcc == "audit@shop.example"
    assert reply.in_reply_to == ticket.messages.get(kind=Message.Kind.INCOMING).message_id
    assert "We sent a new parcel." in reply.body_html


@pytest.mark.parametrize("set_status", ["closed", "pending"])
def test_send_and_set_status(agent_client, ticket, set_status):
    assert send(agent_client, ticket, set_status=set_status).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == set_status


def test_a_reply_with_an_attachment_stores_the_file(agent_client, ticket):
    upload = SimpleUploadedFile("label.pdf", b"%PDF-1.4 label", content_type="application/pdf")
    assert send(agent_client, ticket, attachments=upload).status_code == 200
    attachment = ticket.messages.get(kind=Message.Kind.REPLY).attachments.get()
    assert attachment.filename == "label.pdf" and attachment.size == 14


def test_an_invalid_cc_address_is_named_in_the_error_and_nothing_is_sent(agent_client, ticket):
    response = send(agent_client, ticket, cc="boss@customer.example, not-an-address")
    assert response.status_code == 400
    assert "“not-an-address” is not a valid email address." in response.json()["error"]
    assert not ticket.messages.filter(kind=Message.Kind.REPLY).exists()


def test_an_empty_reply_is_refused_with_a_clear_message(agent_client, ticket):
    response = send(agent_client, ticket, body="<p>  </p>")
    assert response.status_code == 400
    assert response.json()["error"] == "Write something (or attach a file) before sending."


def test_a_customer_message_arriving_while_composing_holds_the_send(agent_client, ticket):
    seen = last_seen(ticket)
    add_message(ticket, minutes_ago=0, body_html="<p>Actually, it just arrived!</p>")
    response = agent_client.post(
        action_url("send", ticket),
        {"mode": "reply", "body_html": "<p>We sent a new parcel.</p>", "last_seen_message_id": seen},
        **JSON,
    )
    assert response.status_code == 409
    data = response.json()
    assert data["held"] is True
    assert "1 new message(s) arrived while you were writing" in data["error"]
    assert "Actually, it just arrived!" in data["html"]
    assert not ticket.messages.filter(kind=Message.Kind.REPLY).exists()
    # nothing written is lost: the text waits as a draft
    assert "We sent a new parcel." in Draft.objects.get(ticket=ticket, kind="reply").body_html

    confirmed = agent_client.post(
        action_url("send", ticket),
        {"mode": "reply", "body_html": "<p>Great!</p>", "last_seen_message_id": data["latest_message_id"]},
        **JSON,
    )
    assert confirmed.status_code == 200
    assert ticket.messages.filter(kind=Message.Kind.REPLY).count() == 1


def test_another_agents_reply_holds_the_send_but_ones_own_and_notes_do_not(
    agent_client, ticket, agent, colleague
):
    seen = last_seen(ticket)
    add_message(ticket, Message.Kind.NOTE, minutes_ago=0, author=colleague)
    add_message(ticket, Message.Kind.REPLY, minutes_ago=0, author=agent, delivery_state="sent")
    data = {"mode": "reply", "body_html": "<p>Hi</p>", "last_seen_message_id": seen}
    assert agent_client.post(action_url("send", ticket), data, **JSON).status_code == 200
    seen = last_seen(ticket)
    add_message(ticket, Message.Kind.REPLY, minutes_ago=0, author=colleague, delivery_state="sent")
    data["last_seen_message_id"] = seen
    assert agent_client.post(action_url("send", ticket), data, **JSON).status_code == 409


def test_a_note_is_stored_never_emailed_and_notifies_mentioned_agents(
    agent_client, ticket, colleague, outsider
):
    response = agent_client.post(
        action_url("send", ticket),
        {"mode": "note", "body_html": "<p>@anna can you check? (@olaf cannot see this)</p>"},
        **JSON,
    )
    assert response.status_code == 200
    note = ticket.messages.get(kind=Message.Kind.NOTE)
    assert note.delivery_state == ""
    assert [n.recipient for n in Notification.objects.filter(kind="mentioned")] == [colleague]
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    assert "mentioned you" in mail.outbox[0].subject


def test_a_note_is_not_held_by_new_messages(agent_client, ticket):
    seen = last_seen(ticket)
    add_message(ticket, minutes_ago=0)
    data = {"mode": "note", "body_html": "<p>fyi</p>", "last_seen_message_id": seen}
    assert agent_client.post(action_url("send", ticket), data, **JSON).status_code == 200


def test_undo_takes_the_reply_back_into_the_composer(agent_client, ticket):
    send(agent_client, ticket, body="<p>Oops, wrong customer.</p>", cc="x@customer.example")
    reply = ticket.messages.get(kind=Message.Kind.REPLY)
    response = agent_client.post(action_url("undo", ticket, reply.pk))
    assert response.status_code == 302
    assert not ticket.messages.filter(kind=Message.Kind.REPLY).exists()
    draft = Draft.objects.get(ticket=ticket, kind="reply")
    assert "Oops, wrong customer." in draft.body_html and draft.cc == "x@customer.example"
    page = agent_client.get(detail_url(ticket)).content.decode()
    assert "Oops, wrong customer." in page.split("data-editor")[1].split("</div>")[0]


def test_undo_after_the_window_says_it_is_too_late(agent_client, ticket):
    send(agent_client, ticket)
    reply = ticket.messages.get(kind=Message.Kind.REPLY)
    Message.objects.filter(pk=reply.pk).update(send_after=timezone.now() - timedelta(seconds=1))
    response = agent_client.post(action_url("undo", ticket, reply.pk), **JSON)
    assert response.status_code == 409
    assert "Too late to undo" in response.json()["error"]


def test_resend_requeues_a_failed_reply(agent_client, ticket, agent):
    failed = add_message(
        ticket,
        Message.Kind.REPLY,
        author=agent,
        delivery_state="failed",
        delivery_error="550",
        send_attempts=3,
    )
    response = agent_client.post(action_url("resend", ticket, failed.pk), **JSON)
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.delivery_error == "" and failed.send_attempts in (0, 1)


def test_resend_of_a_sent_reply_is_refused_with_the_reason(agent_client, ticket, agent):
    sent = add_message(ticket, Message.Kind.REPLY, author=agent, delivery_state="sent")
    response = agent_client.post(action_url("resend", ticket, sent.pk), **JSON)
    assert response.status_code == 409
    assert "Only a reply that failed" in response.json()["error"]


def test_drafts_autosave_per_agent_and_kind_and_come_back_on_reload(client, ticket, agent, colleague):
    client.force_login(agent)
    url = action_url("draft", ticket)
    client.post(
        url, {"mode": "reply", "body_html": "<p>Half a reply<script>x()</script></p>", "cc": "a@b.example"}
    )
    client.post(url, {"mode": "note", "body_html": "<p>Half a note</p>"})
    drafts = client.get(url).json()["drafts"]
    assert drafts["reply"]["body_html"] == "<p>Half a reply</p>" and drafts["reply"]["cc"] == "a@b.example"
    assert drafts["note"]["body_html"] == "<p>Half a note</p>"
    page = client.get(detail_url(ticket)).content.decode()
    assert '<template data-draft="note"><p>Half a note</p></template>' in page
    assert 'value="a@b.example"' in page

    client.force_login(colleague)
    assert client.get(url).json()["drafts"] == {}

    client.force_login(agent)
    client.post(url, {"mode": "reply", "body_html": "<p><br></p>"})
    assert not Draft.objects.filter(author=agent, kind="reply").exists()


def test_sending_deletes_the_draft(agent_client, ticket, agent):
    agent_client.post(action_url("draft", ticket), {"mode": "reply", "body_html": "<p>draft</p>"})
    send(agent_client, ticket, body="<p>final</p>")
    assert not Draft.objects.filter(author=agent).exists()


def test_the_composer_lists_plugin_tools_from_the_filter(agent_client, ticket):
    html = agent_client.get(detail_url(ticket)).content.decode()
    # the bundled saved replies plugin adds its tool through inbox.composer_tools
    assert f'data-tool-url="/admin/saved-replies-tool/tickets/{ticket.pk}/composer/"' in html
    assert ">Saved replies</button>" in html


def test_a_reply_on_a_closed_ticket_keeps_its_status_unless_asked(agent_client, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    assert send(agent_client, ticket).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "closed"
