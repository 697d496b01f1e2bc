"""The automatic "we got your message" answer to a customer's new ticket, with loop protection.

It goes out only when the mailbox has it switched on, never to mail written by machines
(``inbox.mail.loops.is_automated``), never for imported history, and at most
``HELPDESK_AUTO_REPLY_LIMIT_PER_HOUR`` times per sender per hour, counted from the stored
auto-replies (across all mailboxes, so two of our mailboxes cannot ping-pong either). It is
stored as a Message of kind auto_reply and leaves through the same send path as replies.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.mail.compose import new_message_id, subject_with_token
from inbox.mail.html import html_to_text, sanitize_html, text_to_html
from inbox.mail.loops import is_automated, our_addresses
from inbox.models import Customer, Message, RawMessage, Ticket
from inbox.services.replies import queue_send_after_commit, threading_headers

logger = logging.getLogger(__name__)


def hourly_limit():
    return getattr(settings, "HELPDESK_AUTO_REPLY_LIMIT_PER_HOUR", 3)


def auto_replies_sent_to(address, since):
    """How many auto-replies went (or are about to go) to ``address`` since ``since``."""
    return Message.objects.filter(
        kind=Message.Kind.AUTO_REPLY, to__iexact=address, created_at__gte=since
    ).count()


def auto_reply_body(mailbox, ticket):
    """(html, text) of the auto-reply: the mailbox's text, or a default one."""
    text = (mailbox.auto_reply_text or "").strip()
    if not text:
        text = _(
            "Thank you for writing to us. We received your message and will answer as soon as we can. "
            "Your ticket number is %(token)s; please keep it in the subject when you write about this."
        ) % {"token": ticket.token}
    html = sanitize_html(text) if "<" in text and ">" in text else text_to_html(text)
    return html, html_to_text(html)


def auto_reply_subject(mailbox, ticket):
    if mailbox.auto_reply_subject.strip():
        return subject_with_token(mailbox.auto_reply_subject, ticket, prefix="")
    return subject_with_token(ticket.subject, ticket)


def _skip(ticket, reason):
    logger.info("no auto-reply for ticket %s: %s", ticket.pk, reason)
    return False


def maybe_send_auto_reply(ticket, message, parsed):
    """Store and queue an auto-reply to the customer's first message if every rule allows it.

    ``message`` is the stored incoming Message that opened ``ticket``; ``parsed`` is its
    ``email.message.EmailMessage``. Returns True when an auto-reply was queued.
    """
    mailbox = ticket.mailbox
    if not mailbox.auto_reply_enabled:
        return False
    raw = message.raw
    if raw is not None and (raw.quiet or raw.source == RawMessage.Source.IMPORT):
        return _skip(ticket, "imported history")
    reason = is_automated(parsed)
    if reason:
        return _skip(ticket, reason)
    sender = (message.from_address or "").strip().lower()
    if not sender:
        return _skip(ticket, "no sender address")
    if sender in our_addresses():
        return _skip(ticket, "sender is one of our mailboxes")

    now = timezone.now()
    with transaction.atomic():
        # Serialises auto-replies to one customer, so parallel workers cannot both pass the limit.
        Customer.objects.select_for_update().filter(pk=ticket.customer_id).first()
        if auto_replies_sent_to(sender, now - timedelta(hours=1)) >= hourly_limit():
            return _skip(ticket, f"{sender} already got {hourly_limit()} auto-replies in the last hour")
        html, text = auto_reply_body(mailbox, ticket)
        in_reply_to, references = threading_headers(ticket, message)
        auto_reply = Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.AUTO_REPLY,
            message_id=new_message_id(mailbox),
            in_reply_to=in_reply_to,
            references=references,
            from_name=mailbox.sender_name or mailbox.name,
            from_address=mailbox.address,
            to=sender,
            subject=auto_reply_subject(mailbox, ticket),
            body_text=text,
            body_html=html,
            created_at=now,
            delivery_state=Message.Delivery.QUEUED,
            send_after=now,
        )
        Ticket.objects.filter(pk=ticket.pk).update(message_count=F("message_count") + 1)
        queue_send_after_commit(auto_reply.pk)
    ticket.message_count += 1
    return True
