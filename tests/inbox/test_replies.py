"""Replies and notes as an agent sees them: undo-send, resend, notes never emailed, status changes."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail import hooks

from inbox.mail.compose import subject_with_token
from inbox.mail.send import send_due_messages
from inbox.models import Attachment, Message, Ticket, TicketEvent
from inbox.services.replies import ResendError, UndoError, create_note, create_reply, resend, undo_reply
from inbox.services.status import change_status
from tests.inbox.outgoing_support import (  # noqa: F401
    agent_fixture,
    mailbox_fixture,
    on_commit_fixture,
    ticket_fixture,
)

pytestmark = pytest.mark.django_db


def test_undo_inside_the_window_takes_the_reply_back_and_nothing_is_sent(
    smtp_server, ticket, agent, on_commit, settings
):
    before = Ticket.objects.get(pk=ticket.pk)
    with on_commit():
        message = create_reply(
            ticket,
            agent,
            body_html="<p>Sorry, wrong ticket</p>",
            cc=["boss@customer.example"],
            attachments=[("note.txt", "text/plain", b"hello")],
            set_status=Ticket.Status.CLOSED,
            undo_seconds=30,
        )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and ticket.waiting_since is None
    assert send_due_messages() == 0  # still inside the undo window

    assert undo_reply(message, agent) is True

    assert message.body_html == "<p>Sorry, wrong ticket</p>" and message.cc == "boss@customer.example"
    assert not Message.objects.filter(pk=message.pk).exists()
    assert not Attachment.objects.filter(message_id=message.pk).exists()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.closed_at is None
    assert ticket.message_count == before.message_count
    assert ticket.waiting_since == before.waiting_since
    assert ticket.last_activity_at == before.last_activity_at
    assert TicketEvent.objects.filter(ticket=ticket, kind="reply_undone", actor=agent).exists()
    assert send_due_messages(now=timezone.now() + timedelta(hours=1)) == 0
    assert smtp_server.messages == []


def test_after_the_undo_window_the_reply_leaves_and_can_no_longer_be_undone(
    smtp_server, ticket, agent, on_commit
):
    with on_commit():
        message = create_reply(ticket, agent, body_html="<p>On its way</p>", undo_seconds=5)
    assert smtp_server.messages == []

    assert send_due_messages(now=message.send_after + timedelta(seconds=1)) == 1
    assert len(smtp_server.messages) == 1
    with pytest.raises(UndoError, match="Too late"):
        undo_reply(message, agent)
    assert Message.objects.get(pk=message.pk).delivery_state == Message.Delivery.SENT


def test_only_the_author_can_undo_a_reply(smtp_server, ticket, agent, on_commit, django_user_model):
    other = django_user_model.objects.create_user("bob", "bob@shop.example", "pw")
    with on_commit():
        message = create_reply(ticket, agent, body_html="<p>Hi</p>", undo_seconds=30)
    with pytest.raises(UndoError):
        undo_reply(message, other)
    assert Message.objects.get(pk=message.pk).delivery_state == Message.Delivery.QUEUED


def test_a_failed_reply_can_be_sent_again(smtp_server, ticket, agent, on_commit):
    smtp_server.fail_with(550)
    with on_commit():
        message = create_reply(ticket, agent, body_html="<p>Second try</p>")
    message.refresh_from_db()
    assert message.delivery_state == Message.Delivery.FAILED

    smtp_server.succeed()
    with on_commit():
        again = resend(message, agent)
    again.refresh_from_db()

    assert again.pk == message.pk
    assert again.delivery_state == Message.Delivery.SENT and again.delivery_error == ""
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Message-ID"] == message.message_id
    assert TicketEvent.objects.filter(ticket=ticket, kind="reply_resent", actor=agent).exists()


def test_a_reply_waiting_for_its_next_retry_can_be_sent_now(smtp_server, ticket, agent, on_commit):
    smtp_server.stop()
    with on_commit():
        message = create_reply(ticket, agent, body_html="<p>Retry me</p>")
    smtp_server.start()

    with on_commit():
        resend(message, agent)

    message.refresh_from_db()
    assert message.delivery_state == Message.Delivery.SENT
    assert len(smtp_server.messages) == 1


def test_a_sent_reply_or_a_note_cannot_be_resent(smtp_server, ticket, agent, on_commit):
    with on_commit():
        message = create_reply(ticket, agent, body_html="<p>Done</p>")
    with pytest.raises(ResendError, match="Sent"):
        resend(message, agent)
    note = create_note(ticket, agent, body_html="<p>internal</p>")
    with pytest.raises(ResendError):
        resend(note, agent)
    assert len(smtp_server.messages) == 1


def test_notes_are_never_emailed_and_report_who_was_mentioned(
    smtp_server, mailbox, ticket, agent, on_commit, django_user_model
):
    team = Group.objects.create(name="Support agents")
    mailbox.groups.add(team)
    bob = django_user_model.objects.create_user("bob", "bob@shop.example", "pw")
    bob.groups.add(team)
    django_user_model.objects.create_user("eve", "eve@elsewhere.example", "pw")  # cannot see the mailbox

    with on_commit():
        note = create_note(ticket, agent, body_html="<p>@bob can you check the courier? cc @eve, @nobody</p>")

    assert note.kind == Message.Kind.NOTE and note.delivery_state == ""
    assert [user.username for user in note.mentioned_users] == ["bob"]
    assert send_due_messages(now=timezone.now() + timedelta(days=1)) == 0
    assert smtp_server.messages == []
    ticket.refresh_from_db()
    assert ticket.message_count == 2
    assert ticket.waiting_since is not None  # a note does not answer the customer


def test_replies_and_notes_are_sanitized(smtp_server, ticket, agent, on_commit):
    with on_commit():
        message = create_reply(
            ticket, agent, body_html='<p onclick="steal()">Hi<script>alert(1)</script></p>'
        )
    note = create_note(ticket, agent, body_html='<img src="x" onerror="steal()">see')
    for stored in (message, note):
        assert "script" not in stored.body_html and "onclick" not in stored.body_html
        assert "onerror" not in stored.body_html
    assert "alert" not in smtp_server.messages[0].raw.decode()


def test_send_and_close_closes_the_ticket_and_tells_plugins(smtp_server, ticket, agent, on_commit):
    heard = []
    with hooks.register_temporarily(
        "inbox.ticket_status_changed",
        lambda ticket, old_status, new_status, actor: heard.append((old_status, new_status, actor)),
    ):
        with on_commit():
            create_reply(ticket, agent, body_html="<p>Solved</p>", set_status=Ticket.Status.CLOSED)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and ticket.closed_at is not None
    assert heard == [("open", "closed", agent)]
    event = TicketEvent.objects.get(ticket=ticket, kind="status")
    assert (event.old_value, event.new_value, event.actor) == ("open", "closed", agent)


def test_change_status_reports_whether_anything_changed_and_reopening_clears_closed_at(ticket, agent):
    assert change_status(ticket, Ticket.Status.CLOSED, actor=agent) is True
    assert change_status(ticket, Ticket.Status.CLOSED, actor=agent) is False
    assert change_status(ticket, Ticket.Status.OPEN) is True
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.closed_at is None
    assert TicketEvent.objects.filter(ticket=ticket, kind="status").count() == 2
    with pytest.raises(ValidationError, match="Unknown ticket status"):
        change_status(ticket, "archived")


def test_status_hook_is_not_fired_when_the_change_is_rolled_back(
    ticket, agent, django_capture_on_commit_callbacks
):
    from django.db import transaction

    heard = []
    with hooks.register_temporarily("inbox.ticket_status_changed", lambda **kwargs: heard.append(kwargs)):
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError):
                with transaction.atomic():
                    change_status(ticket, Ticket.Status.PENDING, actor=agent)
                    raise RuntimeError("something later failed")
    assert heard == []
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.OPEN


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"body_html": "<p> </p>"}, "Write something"),
        ({"body_html": "<p>Hi</p>", "cc": ["not-an-address"]}, "not-an-address"),
        ({"body_html": "<p>Hi</p>", "bcc": ["a@b.example", "@nope"]}, "Bcc"),
        ({"body_html": "<p>Hi</p>", "set_status": "archived"}, "Unknown ticket status"),
    ],
)
def test_bad_replies_get_a_clear_error_and_store_nothing(ticket, agent, kwargs, error):
    with pytest.raises(ValidationError, match=error):
        create_reply(ticket, agent, **kwargs)
    assert not ticket.messages.filter(kind=Message.Kind.REPLY).exists()


def test_an_attachment_alone_is_a_valid_reply(smtp_server, ticket, agent, on_commit):
    with on_commit():
        message = create_reply(ticket, agent, body_html="", attachments=[("photo.png", "", b"\x89PNG")])
    message.refresh_from_db()
    assert message.delivery_state == Message.Delivery.SENT
    assert message.attachments.get().content_type == "image/png"


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("Where is my order?", "Re: Where is my order? [#{id}]"),
        ("Re: Where is my order?", "Re: Where is my order? [#{id}]"),
        ("RE: Re: AW: Where is my order? [#{id}]", "Re: Where is my order? [#{id}]"),
        ("[#{id}] Re: Where is my order?", "Re: Where is my order? [#{id}]"),
        ("Sv: Bestilling [#{id}] kommer ikke", "Re: Bestilling kommer ikke [#{id}]"),
        ("", "Re: [#{id}]"),
    ],
)
def test_reply_subjects_carry_one_re_and_the_token_once(ticket, subject, expected):
    assert subject_with_token(subject.format(id=ticket.pk), ticket) == expected.format(id=ticket.pk)


def test_another_tickets_token_is_kept_in_the_subject(ticket):
    assert subject_with_token("About [#999999]", ticket) == f"Re: About [#999999] [#{ticket.pk}]"
