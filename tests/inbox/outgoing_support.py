"""Mailboxes, tickets and customer messages for the outgoing-mail tests (send, replies, auto-replies)."""

import email
from datetime import timedelta
from email import policy

import pytest
from django.utils import timezone

from inbox.models import Customer, CustomerAddress, Mailbox, Message, Ticket

CUSTOMER_ADDRESS = "dana@customer.example"


def make_mailbox(smtp_server=None, **fields):
    values = {
        "name": "Support",
        "address": "support@shop.example",
        "sender_name": "Shop Support",
        "smtp_host": "127.0.0.1",
        "smtp_port": 1,
        "smtp_security": "none",
        **fields,
    }
    mailbox = Mailbox.objects.create(**values)
    if smtp_server is not None:
        smtp_server.configure(mailbox)
    return mailbox


def make_ticket(
    mailbox, subject="Where is my order?", customer_address=CUSTOMER_ADDRESS, name="Dana Customer"
):
    """A ticket opened by one customer message (Message-ID <first@customer.example>)."""
    customer = Customer.objects.create(name=name)
    CustomerAddress.objects.create(customer=customer, address=customer_address, is_primary=True)
    now = timezone.now() - timedelta(hours=2)
    ticket = Ticket.objects.create(
        mailbox=mailbox,
        customer=customer,
        subject=subject,
        created_at=now,
        last_activity_at=now,
        waiting_since=now,
        last_customer_message_at=now,
        message_count=1,
    )
    add_incoming(ticket, "<first@customer.example>", at=now, subject=subject)
    return ticket


def add_incoming(ticket, message_id, at=None, references="", from_address=None, subject=None, body="Hello"):
    at = at or timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.INCOMING,
        message_id=message_id,
        in_reply_to=references.split()[-1] if references else "",
        references=references,
        customer=ticket.customer,
        from_name=ticket.customer.name,
        from_address=from_address or ticket.customer.primary_address,
        to=ticket.mailbox.address,
        subject=subject or ticket.subject,
        body_text=body,
        body_html=f"<p>{body}</p>",
        created_at=at,
    )
    Ticket.objects.filter(pk=ticket.pk).update(message_count=ticket.messages.count(), last_activity_at=at)
    ticket.refresh_from_db()
    return message


def parse(raw):
    """An incoming message as the ingest pipeline has it: ``email.message.EmailMessage``."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return email.message_from_bytes(raw, policy=policy.default)


def customer_mail(extra_headers="", sender=CUSTOMER_ADDRESS, content_type="text/plain"):
    return parse(
        f"From: Dana Customer <{sender}>\r\n"
        "To: support@shop.example\r\n"
        "Subject: Where is my order?\r\n"
        "Message-ID: <first@customer.example>\r\n"
        f"Content-Type: {content_type}; charset=utf-8\r\n"
        f"{extra_headers}"
        "\r\n"
        "I ordered last week and nothing arrived.\r\n"
    )


@pytest.fixture(name="agent")
def agent_fixture(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@shop.example", "pw", first_name="Alice")


@pytest.fixture(name="mailbox")
def mailbox_fixture(smtp_server):
    return make_mailbox(smtp_server, signature="Shop Support Team\nhttps://shop.example")


@pytest.fixture(name="ticket")
def ticket_fixture(mailbox):
    return make_ticket(mailbox)


@pytest.fixture(name="on_commit")
def on_commit_fixture(django_capture_on_commit_callbacks):
    """Run what the code queues for after the commit (the send task) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
