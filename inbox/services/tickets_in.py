"""Turning parsed incoming mail into tickets and messages.

The mail pipeline (``inbox.mail.ingest``) calls these inside the one transaction that processes
a raw message; they write the Message (linked to its RawMessage), its attachments and the
ticket's counters (``message_count``, ``last_activity_at``, ``waiting_since``, ``preview``), so
lists never count or join messages. Plugin actions and the auto-reply are queued with
``transaction.on_commit``: nobody hears about a message that was rolled back.

Attachment files are written to storage during the transaction and their names recorded in the
caller's ``FileJournal``; if the transaction rolls back, the caller deletes them, so a committed
Message always has its files and a rolled-back one leaves none behind.

Imported history (``RawMessage.quiet``) fires only ``inbox.message_received``: no
``inbox.ticket_created``, no ``inbox.customer_replied`` (which is what notifies agents), no
auto-reply and no reopening of closed tickets. See docs/plugins.md.
"""

import logging
import mimetypes
import os
import re
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from helpdesk_site.plugins import do_action
from inbox.hookspecs import CUSTOMER_REPLIED, MESSAGE_RECEIVED, TICKET_CREATED
from inbox.mail.batch import current as current_batch
from inbox.mail.parse import preview
from inbox.models import Attachment, Message, Ticket
from inbox.services.status import change_status

logger = logging.getLogger(__name__)

UNSAFE_STORAGE_CHARS = re.compile(r"[^A-Za-z0-9_.\-]+")
SPECIAL_IN_NAME = re.compile(r'[,;:<>@()\[\]"\\]')
PREVIEW_LENGTH = Ticket._meta.get_field("preview").max_length
PREVIEW_SCAN = 4000


class FileJournal:
    """Names of files written to storage during one transaction, to delete them if it rolls back."""

    def __init__(self):
        self.names = []

    def save(self, attachment, data):
        attachment.file.save(
            storage_name(attachment.filename, attachment.content_type), ContentFile(data), save=False
        )
        self.names.append(attachment.file.name)

    def discard(self):
        for name in self.names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not delete attachment file %s after a rollback", name)
        self.names = []


def storage_name(filename, content_type=""):
    """An ASCII file name for storage; the original name stays in Attachment.filename."""
    base = os.path.basename((filename or "").replace("\\", "/"))
    stem, ext = os.path.splitext(base)
    stem = UNSAFE_STORAGE_CHARS.sub("_", stem).strip("._")[:80] or "attachment"
    ext = UNSAFE_STORAGE_CHARS.sub("", ext)[:16]
    if not ext or ext == ".":
        ext = mimetypes.guess_extension(content_type or "") or ""
    return f"{stem}{ext}"


def format_address(name, address):
    """``Name <address>`` as stored in Message.to/cc (read back with email.utils.getaddresses)."""
    if not name or name.lower() == address.lower():
        return address
    if SPECIAL_IN_NAME.search(name):
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}" <{address}>'
    return f"{name} <{address}>"


def address_list(pairs):
    return ", ".join(format_address(name, address) for name, address in pairs if address)


def _clip(value, field):
    return (value or "")[: Message._meta.get_field(field).max_length]


def new_message(ticket, raw, parsed, kind, at, customer=None, **extra):
    """A Message of ``ticket`` built from ``parsed`` and linked to ``raw`` (not saved yet)."""
    return Message(
        ticket=ticket,
        kind=kind,
        raw=raw,
        message_id=_clip(parsed.message_id, "message_id"),
        in_reply_to=_clip(" ".join(parsed.in_reply_to), "in_reply_to"),
        references=" ".join(parsed.references),
        customer=customer,
        from_name=_clip(parsed.from_name, "from_name"),
        from_address=_clip(parsed.from_address, "from_address"),
        to=address_list(parsed.to),
        cc=address_list(parsed.cc),
        subject=_clip(parsed.subject, "subject"),
        body_text=parsed.text,
        body_html=parsed.html,
        created_at=at,
        **extra,
    )


def save_message(message, parsed, files):
    """Save the new message and its attachments (files through ``files``, a FileJournal).

    In a batch processed in one go (``inbox.mail.batch``) the rows are INSERTed with the batch's
    other new messages, and then the files written (their path names the message), when it ends.
    """
    attachments = [
        (
            Attachment(
                message=message,
                filename=(part.filename or "attachment")[:255],
                content_type=(part.content_type or "application/octet-stream")[:255],
                size=len(part.content),
                content_id=(part.content_id or "")[:255],
                is_inline=bool(part.is_inline),
            ),
            part.content,
        )
        for part in parsed.attachments
    ]
    batch = current_batch()
    if batch is not None:
        batch.add_message(message, attachments, files)
        return message
    message.save()
    save_attachments(attachments, files)
    return message


def save_attachments(attachments, files):
    """Write [(unsaved Attachment of a saved message, bytes)]: the files, then the rows in one INSERT."""
    write_attachment_files(attachments, files)
    if attachments:
        Attachment.objects.bulk_create([attachment for attachment, _data in attachments])


def write_attachment_files(attachments, files):
    """Write the files of [(Attachment, bytes)] whose message is saved; their path names the message."""
    for attachment, data in attachments:
        attachment.message_id = attachment.message.pk  # the pk came after the Attachment was built
        files.save(attachment, data)


def preview_of(parsed):
    """The ticket-list preview line of a parsed message.

    ``inbox.mail.parsing_pool`` computes it in the parser process and leaves it in
    ``parsed.preview_text``; else it is computed here. The new text starts a message, so its first
    few thousand characters give the same one line.
    """
    ready = getattr(parsed, "preview_text", None)
    if ready is not None:
        return ready
    return preview((parsed.text or "")[:PREVIEW_SCAN], PREVIEW_LENGTH)


def _lock(ticket):
    """The ticket row, locked until the transaction ends, with fresh counters.

    On SQLite the transaction's write lock already excludes every other writer, so the ticket read
    earlier in this transaction is current and needs no second read; nor does one that threading
    read with ``FOR UPDATE`` (``locked_for_update``) in this transaction. In a batch processed in
    one go (``inbox.mail.batch``) the batch's instance of the ticket is the current one.
    """
    batch = current_batch()
    if batch is not None:
        ticket = batch.ticket(ticket)
    if connection.features.has_select_for_update and not getattr(ticket, "locked_for_update", False):
        # Not read under a lock, so not changed in this batch either: the fresh row replaces it.
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        ticket.locked_for_update = True
        if batch is not None:
            batch.tickets[ticket.pk] = ticket
    return ticket


def _touch(ticket, at, parsed, fields, *, customer_side):
    """Count one more message on the (locked) ticket and keep its activity fields true."""
    ticket.message_count += 1
    if at >= ticket.last_activity_at:
        ticket.last_activity_at = at
        ticket.preview = preview_of(parsed)
        fields |= {"last_activity_at", "preview"}
    if customer_side:
        if ticket.last_customer_message_at is None or at > ticket.last_customer_message_at:
            ticket.last_customer_message_at = at
            fields.add("last_customer_message_at")
        if ticket.waiting_since is None:
            ticket.waiting_since = at
            fields.add("waiting_since")
    # Counters and activity only (nothing another part listens for): a plain UPDATE of the locked row,
    # or once for the whole batch when it is processed in one go.
    fields.add("message_count")
    batch = current_batch()
    if batch is not None:
        batch.touch(ticket, fields)
        return
    Ticket.objects.filter(pk=ticket.pk).update(**{name: getattr(ticket, name) for name in fields})


def auto_reply_headers(raw):
    """The raw message's headers as an ``email.message.Message``, for the auto-reply's loop rules."""
    return BytesHeaderParser(policy=compat32).parsebytes(bytes(raw.raw))


def _after_commit(ticket, message, *, created, quiet, raw):
    def fire():
        do_action(MESSAGE_RECEIVED, message=message, ticket=ticket, created=created)
        if quiet:
            return
        if created:
            do_action(TICKET_CREATED, ticket=ticket, message=message)
            _auto_reply(ticket, message, raw)
        else:
            do_action(CUSTOMER_REPLIED, ticket=ticket, message=message)

    transaction.on_commit(fire)


def _auto_reply(ticket, message, raw):
    from inbox.mail import autoreply

    try:
        autoreply.maybe_send_auto_reply(ticket, message, auto_reply_headers(raw))
    except Exception:
        # The ticket is safely stored; a failing auto-reply must not look like a lost message.
        logger.exception("auto-reply for ticket %s failed", ticket.pk)


def open_ticket(mailbox, raw, parsed, customer, at, files):
    """A new ticket opened by the customer's message; returns (ticket, message)."""
    ticket = Ticket.objects.create(
        mailbox=mailbox,
        customer=customer,
        subject=(parsed.subject or "")[: Ticket._meta.get_field("subject").max_length],
        status=Ticket.Status.OPEN,
        created_at=at,
        last_activity_at=at,
        last_customer_message_at=at,
        waiting_since=at,
        message_count=1,
        preview=preview_of(parsed),
    )
    ticket.locked_for_update = True  # created in this transaction: nobody else sees it yet
    batch = current_batch()
    if batch is not None:
        batch.ticket(ticket)
    message = save_message(
        new_message(ticket, raw, parsed, Message.Kind.INCOMING, at, customer), parsed, files
    )
    _after_commit(ticket, message, created=True, quiet=raw.quiet, raw=raw)
    return ticket, message


def add_customer_message(ticket, raw, parsed, customer, at, files):
    """The customer's (or a CC'd participant's) message joins ``ticket``; returns the message.

    A closed or pending ticket becomes open again (live mail only), recorded and announced by
    ``change_status``.
    """
    ticket = _lock(ticket)
    if not raw.quiet and ticket.status in (Ticket.Status.CLOSED, Ticket.Status.PENDING):
        change_status(ticket, Ticket.Status.OPEN, actor=None)
    message = save_message(
        new_message(ticket, raw, parsed, Message.Kind.INCOMING, at, customer), parsed, files
    )
    _touch(ticket, at, parsed, set(), customer_side=True)
    _after_commit(ticket, message, created=False, quiet=raw.quiet, raw=raw)
    return message


def add_own_reply(ticket, raw, parsed, at, files):
    """Mail from one of our own addresses that answers ``ticket``: an agent replied from a mail client
    (or imported history holds our old replies). Stored as a sent reply; the customer is no longer waiting.
    """
    ticket = _lock(ticket)
    message = save_message(
        new_message(
            ticket, raw, parsed, Message.Kind.REPLY, at, delivery_state=Message.Delivery.SENT, sent_at=at
        ),
        parsed,
        files,
    )
    if ticket.waiting_since is not None and ticket.waiting_since <= at:
        ticket.waiting_since = None
        _touch(ticket, at, parsed, {"waiting_since"}, customer_side=False)
    else:
        _touch(ticket, at, parsed, set(), customer_side=False)
    return message


def add_bounce(original, raw, parsed, at, files):
    """A bounce of our outgoing ``original`` joins its ticket; the original is marked failed."""
    reason = parsed.bounce_reason or ""
    ticket = _lock(original.ticket)
    message = save_message(
        new_message(ticket, raw, parsed, Message.Kind.BOUNCE, at, delivery_error=reason), parsed, files
    )
    # update(): the original's other fields may be changing in the sender right now.
    Message.objects.filter(pk=original.pk).update(
        delivery_state=Message.Delivery.FAILED, delivery_error=reason or parsed.subject or "bounced"
    )
    ticket.message_count += 1
    fields = {"message_count"}
    if at >= ticket.last_activity_at:
        ticket.last_activity_at = at
        fields.add("last_activity_at")
    ticket.save(update_fields=sorted(fields))
    return message


def received_at(raw, parsed):
    """When the message counts as received: the Date header for imported history, else when we stored it."""
    now = timezone.now()
    if raw.quiet and parsed.date is not None and parsed.date <= now:
        return parsed.date
    return raw.received_at or now
