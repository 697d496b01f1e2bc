"""Real RFC 822 mail for the ingest, threading, import and quarantine tests."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from django.db.models import F
from django.utils import timezone
from wagtail import hooks

from inbox.mail.ingest import process_raw, store_raw
from inbox.models import Mailbox, Message, RawMessage, Ticket

CUSTOMER = "dana@customer.example"
BASE_DATE = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def make_mailbox(name="Support", address="support@shop.example", **fields):
    return Mailbox.objects.create(name=name, address=address, sender_name=f"Shop {name}", **fields)


def mail(
    *,
    sender=CUSTOMER,
    sender_name="Dana Customer",
    to="support@shop.example",
    cc=None,
    subject="Where is my order?",
    message_id="<first@customer.example>",
    in_reply_to=None,
    references=None,
    date=None,
    body="I ordered last week and nothing arrived.",
    attachments=(),
    headers=None,
):
    """Bytes of a plain-text mail; ``attachments`` are (filename, content_type, bytes)."""
    msg = EmailMessage()
    if sender is not None:
        msg["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    msg["Date"] = format_datetime(date or BASE_DATE)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def ingest(mailbox, raw, *, quiet=False, source=RawMessage.Source.IMAP):
    """Store and process one message the way the fetcher does; returns (outcome, RawMessage)."""
    stored = store_raw(mailbox, raw, source=source, quiet=quiet)
    assert stored is not None, "the test mail was stored already"
    outcome = process_raw(stored)
    stored.refresh_from_db()
    return outcome, stored


def message_of(raw):
    return Message.objects.select_related("ticket").get(raw=raw)


def our_reply(ticket, message_id="<reply-1@shop.example>", subject=None, to=CUSTOMER, cc="", at=None):
    """An agent's reply that left over SMTP (what inbox.services.replies stores)."""
    at = at or timezone.now() - timedelta(minutes=30)
    Ticket.objects.filter(pk=ticket.pk).update(message_count=F("message_count") + 1, waiting_since=None)
    return Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        message_id=message_id,
        from_name="Shop Support",
        from_address=ticket.mailbox.address,
        to=to,
        cc=cc,
        subject=subject or f"Re: {ticket.subject} {ticket.token}",
        body_text="We are looking into it.",
        created_at=at,
        delivery_state=Message.Delivery.SENT,
        sent_at=at,
    )


def bounce_for(original_message_id, recipient=CUSTOMER, message_id="<bounce-1@mx.shop.example>"):
    """A Postfix-style multipart/report delivery status notification returning our message."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.shop.example>\r\n"
        "To: support@shop.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Tue, 4 Mar 2025 09:00:00 +0000\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"\r\n'
        "\r\n"
        "--BOUNDARY\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        f"I'm sorry to have to inform you that your message could not be delivered to {recipient}.\r\n"
        "\r\n"
        "--BOUNDARY\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; mx.shop.example\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown\r\n"
        "\r\n"
        "--BOUNDARY\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        "From: Shop Support <support@shop.example>\r\n"
        f"To: {recipient}\r\n"
        "Subject: Re: Where is my order?\r\n"
        f"Message-ID: {original_message_id}\r\n"
        "\r\n"
        "--BOUNDARY--\r\n"
    ).encode()


@contextmanager
def recorded_actions(*names):
    """Register a temporary function for each action; yields {name: [kwargs, ...]}."""
    calls = {name: [] for name in names}

    def recorder(name):
        return lambda *args, **kwargs: calls[name].append(kwargs)

    with hooks.register_temporarily([(name, recorder(name)) for name in names]):
        yield calls
