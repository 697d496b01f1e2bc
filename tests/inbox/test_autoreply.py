"""The auto-reply to a new ticket: sent once to people, never to robots, never beyond the hourly limit."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail import hooks

from inbox.mail.autoreply import maybe_send_auto_reply
from inbox.mail.loops import is_automated
from inbox.models import Message, RawMessage
from tests.inbox.outgoing_support import (  # noqa: F401
    CUSTOMER_ADDRESS,
    customer_mail,
    make_mailbox,
    make_ticket,
    on_commit_fixture,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(smtp_server):
    return make_mailbox(
        smtp_server,
        auto_reply_enabled=True,
        auto_reply_text="Thanks for writing! We answer within a day.",
        signature="Shop Support Team",
    )


def first_message(ticket):
    return ticket.messages.get(kind=Message.Kind.INCOMING)


def auto_reply(ticket, on_commit, parsed=None, message=None):
    with on_commit():
        return maybe_send_auto_reply(ticket, message or first_message(ticket), parsed or customer_mail())


def test_a_new_ticket_from_a_person_gets_one_auto_reply_marked_as_automatic(smtp_server, mailbox, on_commit):
    ticket = make_ticket(mailbox)

    assert auto_reply(ticket, on_commit) is True

    [received] = smtp_server.messages
    assert received.rcpt_tos == [CUSTOMER_ADDRESS]
    assert received["Auto-Submitted"] == "auto-replied"
    assert received["X-Auto-Response-Suppress"] == "All"
    assert received["Subject"] == f"Re: Where is my order? [#{ticket.pk}]"
    assert received["In-Reply-To"] == "<first@customer.example>"
    assert received["From"] == "Shop Support <support@shop.example>"
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    assert "Thanks for writing! We answer within a day." in text and "Shop Support Team" in text

    stored = ticket.messages.get(kind=Message.Kind.AUTO_REPLY)
    assert stored.delivery_state == Message.Delivery.SENT
    assert stored.message_id == received["Message-ID"]
    ticket.refresh_from_db()
    assert ticket.message_count == 2
    assert ticket.waiting_since is not None  # the customer still waits for a person


def test_our_own_auto_reply_is_recognised_as_automated_when_it_comes_back(smtp_server, mailbox, on_commit):
    auto_reply(make_ticket(mailbox), on_commit)
    assert is_automated(smtp_server.messages[0].message) == "Auto-Submitted: auto-replied"


def test_the_mailbox_subject_and_a_default_text_are_used(smtp_server, mailbox, on_commit):
    mailbox.auto_reply_subject = "We got your message"
    mailbox.auto_reply_text = ""
    mailbox.save()
    ticket = make_ticket(mailbox)

    auto_reply(ticket, on_commit)

    received = smtp_server.messages[0]
    assert received["Subject"] == f"We got your message [#{ticket.pk}]"
    assert ticket.token in received.message.get_body(preferencelist=("plain",)).get_content()


def test_no_auto_reply_when_the_mailbox_has_it_switched_off(smtp_server, mailbox, on_commit):
    mailbox.auto_reply_enabled = False
    mailbox.save()
    assert auto_reply(make_ticket(mailbox), on_commit) is False
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    "headers, sender",
    [
        ("Auto-Submitted: auto-replied\r\n", CUSTOMER_ADDRESS),
        ("Auto-Submitted: auto-generated\r\n", CUSTOMER_ADDRESS),
        ("Precedence: bulk\r\n", CUSTOMER_ADDRESS),
        ("Precedence: junk\r\n", CUSTOMER_ADDRESS),
        ("List-Id: Customers <customers.lists.example>\r\n", CUSTOMER_ADDRESS),
        ("X-Auto-Response-Suppress: OOF, AutoReply\r\n", CUSTOMER_ADDRESS),
        ("", "MAILER-DAEMON@mx.customer.example"),
        ("", "postmaster@customer.example"),
        ("", "support@shop.example"),  # our own mailbox: the classic ping-pong
    ],
)
def test_no_auto_reply_to_machines_lists_or_ourselves(smtp_server, mailbox, on_commit, headers, sender):
    ticket = make_ticket(mailbox, customer_address=sender)

    assert auto_reply(ticket, on_commit, parsed=customer_mail(headers, sender=sender)) is False

    assert smtp_server.messages == []
    assert not ticket.messages.filter(kind=Message.Kind.AUTO_REPLY).exists()


def test_a_message_saying_auto_submitted_no_is_answered(smtp_server, mailbox, on_commit):
    assert auto_reply(make_ticket(mailbox), on_commit, parsed=customer_mail("Auto-Submitted: no\r\n")) is True
    assert len(smtp_server.messages) == 1


def test_imported_history_gets_no_auto_reply(smtp_server, mailbox, on_commit):
    ticket = make_ticket(mailbox)
    message = first_message(ticket)
    message.raw = RawMessage.objects.create(
        mailbox=mailbox, source=RawMessage.Source.IMPORT, dedupe_key="k1", raw=b"...", quiet=True
    )
    message.save()

    assert auto_reply(ticket, on_commit, message=message) is False
    assert smtp_server.messages == []


def test_at_most_the_hourly_limit_of_auto_replies_go_to_one_sender(smtp_server, mailbox, on_commit, settings):
    settings.HELPDESK_AUTO_REPLY_LIMIT_PER_HOUR = 3
    first = make_ticket(mailbox, subject="Question 0")
    customer = first.customer
    tickets = [first, *(make_ticket_for(mailbox, customer, f"Question {n}") for n in range(1, 5))]

    sent = [auto_reply(ticket, on_commit) for ticket in tickets]

    assert sent == [True, True, True, False, False]
    assert len(smtp_server.messages) == 3

    # An hour later the sender may get one again.
    Message.objects.filter(kind=Message.Kind.AUTO_REPLY).update(
        created_at=timezone.now() - timedelta(minutes=61)
    )
    assert auto_reply(make_ticket_for(mailbox, customer, "Question 6"), on_commit) is True
    assert len(smtp_server.messages) == 4


def test_the_limit_counts_the_sender_across_mailboxes(smtp_server, mailbox, on_commit, settings):
    settings.HELPDESK_AUTO_REPLY_LIMIT_PER_HOUR = 1
    sales = make_mailbox(smtp_server, name="Sales", address="sales@shop.example", auto_reply_enabled=True)
    first = make_ticket(mailbox)
    assert auto_reply(first, on_commit) is True
    assert auto_reply(make_ticket_for(sales, first.customer, "Prices"), on_commit) is False
    assert len(smtp_server.messages) == 1


def test_auto_replies_do_not_fire_reply_sent(smtp_server, mailbox, on_commit):
    heard = []
    with hooks.register_temporarily("inbox.reply_sent", lambda ticket, message: heard.append(message)):
        auto_reply(make_ticket(mailbox), on_commit)
    assert len(smtp_server.messages) == 1 and heard == []


def test_an_auto_reply_waits_for_smtp_like_any_reply(smtp_server, mailbox, on_commit):
    from inbox.mail.send import send_due_messages

    smtp_server.stop()
    ticket = make_ticket(mailbox)
    assert auto_reply(ticket, on_commit) is True
    stored = ticket.messages.get(kind=Message.Kind.AUTO_REPLY)
    assert stored.delivery_state == Message.Delivery.QUEUED and "not sent yet" in stored.delivery_error

    smtp_server.start()
    send_due_messages(now=stored.next_attempt_at + timedelta(seconds=1))
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Auto-Submitted"] == "auto-replied"


def make_ticket_for(mailbox, customer, subject):
    """Another new ticket from an existing customer (same address)."""
    from inbox.models import Ticket
    from tests.inbox.outgoing_support import add_incoming

    now = timezone.now()
    ticket = Ticket.objects.create(
        mailbox=mailbox, customer=customer, subject=subject, created_at=now, last_activity_at=now
    )
    add_incoming(ticket, f"<{subject.replace(' ', '-')}-{mailbox.pk}@customer.example>", subject=subject)
    return ticket
