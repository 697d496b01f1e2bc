"""Threading: which ticket an incoming message joins, and when it starts a new one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.mail.ingest import process_pending, store_raw
from inbox.models import Message, RawMessage, Ticket, TicketEvent
from tests.inbox.ingest_support import (
    CUSTOMER,
    bounce_for,
    ingest,
    mail,
    make_mailbox,
    message_of,
    our_reply,
    recorded_actions,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox():
    return make_mailbox()


@pytest.fixture
def ticket(mailbox):
    _outcome, raw = ingest(mailbox, mail(cc="Sam Colleague <sam@customer.example>"))
    return message_of(raw).ticket


def reply_mail(ticket, number=2, **fields):
    values = {
        "message_id": f"<r{number}@customer.example>",
        "subject": f"Re: Where is my order? {ticket.token}",
        "body": f"Follow-up number {number}",
    }
    values.update(fields)
    return mail(**values)


def test_a_reply_whose_references_name_our_reply_joins_the_ticket(mailbox, ticket):
    our_reply(ticket, message_id="<reply-1@shop.example>")
    data = reply_mail(
        ticket,
        subject="Re: Where is my order?",  # no token: the headers alone must do
        in_reply_to=None,
        references="<first@customer.example> <reply-1@shop.example>",
    )

    outcome, raw = ingest(mailbox, data)

    assert outcome == "reply"
    assert message_of(raw).ticket == ticket
    ticket.refresh_from_db()
    assert ticket.message_count == 3  # the customer's two and our reply counted by the reply service
    assert ticket.preview == "Follow-up number 2"


def test_an_outlook_reply_with_only_in_reply_to_and_thread_index_joins_the_ticket(mailbox, ticket):
    our_reply(ticket, message_id="<reply-1@shop.example>")
    data = reply_mail(
        ticket,
        subject="RE: Where is my order?",
        in_reply_to="<reply-1@shop.example>",
        headers={"Thread-Index": "AQHZmx0T3Kc2dGzVQkS2P9y1y8m1Zw==", "Thread-Topic": "Where is my order?"},
    )

    outcome, raw = ingest(mailbox, data)

    assert outcome == "reply" and message_of(raw).ticket == ticket


def test_a_reply_without_threading_headers_joins_by_the_subject_token_when_the_customer_sends_it(
    mailbox, ticket
):
    outcome, raw = ingest(mailbox, reply_mail(ticket, subject=f"RE: Where is my order? {ticket.token}"))

    assert outcome == "reply" and message_of(raw).ticket == ticket


def test_a_subject_token_from_a_stranger_starts_a_new_ticket(mailbox, ticket):
    data = reply_mail(ticket, sender="mallory@elsewhere.example", sender_name="Mallory")

    outcome, raw = ingest(mailbox, data)

    assert outcome == "new_ticket"
    assert message_of(raw).ticket != ticket
    assert ticket.messages.count() == 1


def test_a_subject_token_of_another_mailboxs_ticket_is_not_followed(mailbox, ticket):
    sales = make_mailbox(name="Sales", address="sales@shop.example")

    outcome, raw = ingest(sales, reply_mail(ticket, to="sales@shop.example"))

    assert outcome == "new_ticket" and message_of(raw).ticket.mailbox == sales


def test_a_reply_from_a_ccd_participant_stays_in_the_ticket(mailbox, ticket):
    by_headers = reply_mail(
        ticket,
        number=2,
        sender="sam@customer.example",
        sender_name="Sam",
        in_reply_to="<first@customer.example>",
    )
    by_token_only = reply_mail(ticket, number=3, sender="sam@customer.example", sender_name="Sam")

    assert ingest(mailbox, by_headers)[0] == "reply"
    assert ingest(mailbox, by_token_only)[0] == "reply"

    ticket.refresh_from_db()
    assert ticket.message_count == 3
    assert ticket.customer.addresses.get().address == CUSTOMER  # still Dana's ticket
    sam_message = ticket.messages.get(message_id="<r3@customer.example>")
    assert sam_message.customer.addresses.get().address == "sam@customer.example"


def test_a_customer_reply_reopens_a_closed_ticket_and_says_so(
    mailbox, ticket, django_capture_on_commit_callbacks
):
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.CLOSED, closed_at=timezone.now(), waiting_since=None
    )

    with recorded_actions("inbox.ticket_status_changed", "inbox.customer_replied") as calls:
        with django_capture_on_commit_callbacks(execute=True):
            outcome, raw = ingest(mailbox, reply_mail(ticket, in_reply_to="<first@customer.example>"))

    assert outcome == "reply"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.closed_at is None
    assert ticket.waiting_since == message_of(raw).created_at
    event = TicketEvent.objects.get(ticket=ticket, kind="status")
    assert (event.old_value, event.new_value, event.actor) == ("closed", "open", None)
    [changed] = calls["inbox.ticket_status_changed"]
    assert (changed["ticket"], changed["old_status"], changed["new_status"]) == (ticket, "closed", "open")
    assert len(calls["inbox.customer_replied"]) == 1


def test_a_reply_to_a_ticket_closed_longer_than_the_reopen_window_starts_a_new_ticket(
    mailbox, ticket, settings
):
    settings.HELPDESK_REOPEN_WITHIN_DAYS = 7
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.CLOSED, closed_at=timezone.now() - timedelta(days=10)
    )

    outcome, raw = ingest(mailbox, reply_mail(ticket, in_reply_to="<first@customer.example>"))

    assert outcome == "new_ticket"
    assert message_of(raw).ticket != ticket
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


def test_a_reply_within_the_reopen_window_reopens(mailbox, ticket, settings):
    settings.HELPDESK_REOPEN_WITHIN_DAYS = 7
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.CLOSED, closed_at=timezone.now() - timedelta(days=2)
    )

    outcome, raw = ingest(mailbox, reply_mail(ticket, in_reply_to="<first@customer.example>"))

    assert outcome == "reply" and message_of(raw).ticket == ticket
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_the_same_mail_delivered_to_two_of_our_mailboxes_makes_one_ticket(mailbox):
    sales = make_mailbox(name="Sales", address="sales@shop.example")
    data = mail(to="support@shop.example, sales@shop.example")
    copy = b"Delivered-To: sales@shop.example\r\nReceived: from mx by sales\r\n" + data

    first_outcome, first = ingest(mailbox, data)
    second_outcome, second = ingest(sales, copy)

    assert (first_outcome, second_outcome) == ("new_ticket", "duplicate")
    assert Ticket.objects.count() == 1
    assert second.state == RawMessage.State.DUPLICATE
    assert not Message.objects.filter(raw=second).exists()


def test_a_reused_message_id_on_a_different_mail_is_not_taken_for_a_duplicate(mailbox):
    ingest(mailbox, mail(message_id="<same@broken-mailer.example>", subject="First question"))
    outcome, _raw = ingest(
        mailbox,
        mail(message_id="<same@broken-mailer.example>", subject="Another question", body="Something else"),
    )
    assert outcome == "new_ticket"
    assert Ticket.objects.count() == 2


def test_our_own_reply_coming_back_is_a_duplicate(mailbox, ticket):
    reply = our_reply(ticket, message_id="<reply-1@shop.example>")
    copy = mail(
        sender="support@shop.example",
        sender_name="Shop Support",
        to=CUSTOMER,
        subject=reply.subject,
        message_id="<reply-1@shop.example>",
        in_reply_to="<first@customer.example>",
    )

    outcome, raw = ingest(mailbox, copy)

    assert outcome == "duplicate" and raw.state == RawMessage.State.DUPLICATE
    assert ticket.messages.count() == 2


def test_an_agents_answer_from_a_mail_client_is_threaded_as_a_sent_reply(mailbox, ticket):
    answer = mail(
        sender="support@shop.example",
        sender_name="Alice at Shop",
        to=CUSTOMER,
        subject="Re: Where is my order?",
        message_id="<from-thunderbird@shop.example>",
        in_reply_to="<first@customer.example>",
        body="It left our warehouse today.",
    )

    outcome, raw = ingest(mailbox, answer)

    assert outcome == "reply"
    message = message_of(raw)
    assert message.ticket == ticket
    assert (message.kind, message.delivery_state) == (Message.Kind.REPLY, Message.Delivery.SENT)
    ticket.refresh_from_db()
    assert ticket.waiting_since is None  # answered
    assert ticket.preview == "It left our warehouse today."


def test_mail_from_our_own_address_that_answers_nothing_opens_no_ticket_but_is_kept(mailbox):
    outcome, raw = ingest(
        mailbox, mail(sender="support@shop.example", subject="Test", message_id="<t@shop.example>")
    )

    assert outcome == "duplicate"
    assert not Ticket.objects.exists()
    assert raw.state == RawMessage.State.DUPLICATE
    assert "Sent from our own address support@shop.example" in raw.error


def test_a_reply_to_a_merged_ticket_joins_the_ticket_it_was_merged_into(mailbox, ticket):
    _outcome, raw = ingest(mailbox, mail(message_id="<other@customer.example>", subject="Another thing"))
    other = message_of(raw).ticket
    Ticket.objects.filter(pk=other.pk).update(merged_into=ticket)

    outcome, raw = ingest(mailbox, reply_mail(other, in_reply_to="<other@customer.example>"))

    assert outcome == "reply" and message_of(raw).ticket == ticket


def test_a_bounce_of_our_reply_joins_its_ticket_and_marks_the_reply_failed(mailbox, ticket):
    reply = our_reply(ticket, message_id="<reply-1@shop.example>")

    outcome, raw = ingest(mailbox, bounce_for("<reply-1@shop.example>"))

    assert outcome == "bounce"
    bounce = message_of(raw)
    assert bounce.kind == Message.Kind.BOUNCE and bounce.ticket == ticket
    reply.refresh_from_db()
    assert reply.delivery_state == Message.Delivery.FAILED
    assert "User unknown" in reply.delivery_error and "550 5.1.1" in reply.delivery_error
    assert Ticket.objects.count() == 1
    assert ticket.customer.addresses.count() == 1  # no customer was made of the mailer daemon


def test_a_bounce_of_a_message_we_do_not_know_opens_no_ticket_and_stays_listed(mailbox):
    outcome, raw = ingest(mailbox, bounce_for("<someone-elses@elsewhere.example>"))

    assert outcome == "bounce"
    assert not Ticket.objects.exists()
    assert raw.state == RawMessage.State.PROCESSED
    assert "<someone-elses@elsewhere.example>" in raw.error and "User unknown" in raw.error


def test_pending_messages_are_threaded_in_arrival_order(mailbox):
    store_raw(mailbox, mail(), source="imap")
    store_raw(
        mailbox, mail(message_id="<r2@c.example>", in_reply_to="<first@customer.example>"), source="imap"
    )

    summary = process_pending(mailbox)

    assert (summary.new_tickets, summary.replies) == (1, 1)
    assert Ticket.objects.get().message_count == 2
