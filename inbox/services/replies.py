"""What agents write on a ticket: replies (emailed), internal notes (never emailed), undo and resend.

A reply is stored first (``delivery_state`` "queued", our own Message-ID, threading headers
pointing at the customer's last message) and sent afterwards by the send task
(``inbox.tasks``), once the transaction has committed and the undo window has passed. The
caller checks the user's mailbox permissions first (inbox.permissions); these functions
enforce the help desk's own rules and raise ValidationError, UndoError or ResendError with a
message the agent can act on.
"""

import logging
import mimetypes
import os
import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.mail.compose import new_message_id, normalize_id, reference_chain, subject_with_token
from inbox.mail.html import html_to_text, sanitize_html
from inbox.models import Attachment, Message, Ticket, TicketEvent
from inbox.services.status import change_status

logger = logging.getLogger(__name__)

UNSAFE_FILENAME_CHARS = re.compile(r"[^\w.\-]+")
NOT_DELIVERED = (Message.Delivery.FAILED, Message.Delivery.CANCELLED)


class UndoError(Exception):
    """The reply cannot be taken back any more; ``str()`` says why."""


class ResendError(Exception):
    """The message cannot be sent again; ``str()`` says why."""


def queue_send_after_commit(message_id, run_after=None):
    from inbox.tasks import enqueue_send

    # robust: if queueing fails, the poll loop's send_due_messages() still sends the stored reply.
    transaction.on_commit(lambda: enqueue_send(message_id, run_after), robust=True)


def _clean_addresses(addresses, label):
    if isinstance(addresses, str):
        addresses = [part for part in re.split(r"[,;\s]+", addresses) if part]
    cleaned = []
    for address in addresses:
        address = address.strip()
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("%(field)s: “%(address)s” is not a valid email address.")
                % {"field": label, "address": address}
            )
        if address.lower() not in {a.lower() for a in cleaned}:
            cleaned.append(address)
    return cleaned


def _has_content(html, text):
    return bool(text.strip()) or "<img" in html


def _last_incoming(ticket):
    return ticket.messages.filter(kind=Message.Kind.INCOMING).order_by("-created_at", "-id").first()


def reply_recipient(ticket, parent=None):
    """The customer address a reply goes to: the one they last wrote from, else their primary one."""
    parent = parent if parent is not None else _last_incoming(ticket)
    if parent is not None and parent.from_address:
        return parent.from_address
    return ticket.customer.primary_address


def threading_headers(ticket, parent):
    """(In-Reply-To, References) for a new outgoing message of ``ticket`` answering ``parent``."""
    parent_id = normalize_id(parent.message_id) if parent is not None else ""
    ticket_ids = (
        ticket.messages.exclude(kind=Message.Kind.NOTE)
        .exclude(message_id="")
        .exclude(delivery_state__in=NOT_DELIVERED)
        .order_by("created_at", "id")
        .values_list("message_id", flat=True)
    )
    references = reference_chain(parent.references if parent is not None else "", list(ticket_ids), parent_id)
    return parent_id, " ".join(references)


def _storage_name(filename):
    base = os.path.basename((filename or "").replace("\\", "/"))
    stem, ext = os.path.splitext(base)
    stem = UNSAFE_FILENAME_CHARS.sub("_", stem).strip("._")[:80] or "attachment"
    ext = UNSAFE_FILENAME_CHARS.sub("", ext)[:16]
    return f"{stem}{ext}"


def _read_upload(upload):
    """(filename, content_type, bytes) of an UploadedFile or of such a tuple."""
    if isinstance(upload, tuple | list):
        filename, content_type, data = upload
    else:
        filename = upload.name
        content_type = getattr(upload, "content_type", "") or ""
        upload.seek(0)
        data = upload.read()
    filename = os.path.basename((filename or "").replace("\\", "/")).strip() or "attachment"
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return filename[:255], content_type[:255], data


def save_attachments(message, uploads):
    saved = []
    for upload in uploads:
        filename, content_type, data = _read_upload(upload)
        attachment = Attachment(message=message, filename=filename, content_type=content_type, size=len(data))
        attachment.file.save(_storage_name(filename), ContentFile(data), save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def _delete_files(names):
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete attachment file %s", name)


def create_reply(
    ticket,
    author,
    *,
    body_html,
    cc=(),
    bcc=(),
    attachments=(),
    set_status=None,
    undo_seconds=0,
):
    """Store an agent's reply and queue it for sending; returns the Message (kind reply, queued).

    ``set_status`` changes the ticket's status in the same step ("send and close");
    ``undo_seconds`` holds the reply back that long, during which ``undo_reply`` takes it back.
    """
    if ticket.merged_into_id:
        raise ValidationError(
            _("This ticket was merged into %(token)s; reply there.")
            % {"token": f"[#{ticket.merged_into_id}]"}
        )
    if set_status is not None and set_status not in Ticket.Status.values:
        raise ValidationError(_("Unknown ticket status: %(status)s.") % {"status": set_status})
    html = sanitize_html(body_html or "")
    text = html_to_text(html)
    attachments = list(attachments)
    if not _has_content(html, text) and not attachments:
        raise ValidationError(_("Write something (or attach a file) before sending."))
    cc = _clean_addresses(cc, "Cc")
    bcc = _clean_addresses(bcc, "Bcc")
    mailbox = ticket.mailbox
    now = timezone.now()

    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        parent = _last_incoming(locked)
        recipient = reply_recipient(locked, parent)
        if not recipient:
            raise ValidationError(_("The customer of this ticket has no email address to reply to."))
        in_reply_to, references = threading_headers(locked, parent)
        message = Message.objects.create(
            ticket=locked,
            kind=Message.Kind.REPLY,
            message_id=new_message_id(mailbox),
            in_reply_to=in_reply_to,
            references=references,
            author=author,
            from_name=mailbox.sender_name or mailbox.name,
            from_address=mailbox.address,
            to=recipient,
            cc=", ".join(cc),
            bcc=", ".join(bcc),
            subject=subject_with_token(locked.subject, locked),
            body_text=text,
            body_html=html,
            created_at=now,
            delivery_state=Message.Delivery.QUEUED,
            send_after=now + timedelta(seconds=max(0, undo_seconds)),
        )
        save_attachments(message, attachments)
        Ticket.objects.filter(pk=locked.pk).update(
            last_activity_at=now, message_count=F("message_count") + 1, waiting_since=None
        )
        locked.refresh_from_db()
        if set_status and locked.status != set_status:
            message.status_before = locked.status
            message.save(update_fields=["status_before"])
            change_status(locked, set_status, actor=author)
        queue_send_after_commit(message.pk, message.send_after if undo_seconds > 0 else None)
    _copy_counters(locked, ticket)
    message.refresh_from_db()  # with an immediate task backend it has been sent by now
    return message


def _copy_counters(source, target):
    for name in ("status", "closed_at", "last_activity_at", "message_count", "waiting_since"):
        setattr(target, name, getattr(source, name))


def _waiting_since(ticket):
    """When the customer's oldest message not answered by a reply arrived, or None."""
    last_reply = ticket.messages.filter(kind=Message.Kind.REPLY).order_by("-created_at", "-id").first()
    unanswered = ticket.messages.filter(kind=Message.Kind.INCOMING)
    if last_reply is not None:
        unanswered = unanswered.filter(created_at__gt=last_reply.created_at)
    first = unanswered.order_by("created_at", "id").first()
    return first.created_at if first else None


def undo_reply(message, user):
    """Take back a reply inside its undo window; True, or UndoError saying why not.

    The reply is deleted with its attachments and the ticket is put back as it was
    (message count, last activity, waiting time, and the status a "send and close" changed).
    ``message`` keeps ``body_html``, ``cc`` and ``bcc`` in memory for the composer.
    """
    if message.kind != Message.Kind.REPLY:
        raise UndoError(_("Only a reply can be undone."))
    if user is None or (message.author_id != user.pk and not user.is_superuser):
        raise UndoError(_("Only the agent who wrote this reply can undo it."))
    now = timezone.now()
    with transaction.atomic():
        # The same conditional UPDATE a sender's claim races against: exactly one of them wins.
        taken = Message.objects.filter(
            pk=message.pk, delivery_state=Message.Delivery.QUEUED, send_after__gt=now
        ).update(delivery_state=Message.Delivery.CANCELLED)
        if not taken:
            raise UndoError(_("Too late to undo: the reply is already on its way."))
        ticket = Ticket.objects.select_for_update().get(pk=message.ticket_id)
        files = [attachment.file.name for attachment in message.attachments.all()]
        Message.objects.filter(pk=message.pk).delete()
        last = ticket.messages.order_by("-created_at", "-id").first()
        ticket.last_activity_at = last.created_at if last else ticket.created_at
        ticket.waiting_since = _waiting_since(ticket)
        ticket.save(update_fields=["last_activity_at", "waiting_since"])
        Ticket.objects.filter(pk=ticket.pk).update(message_count=Greatest(F("message_count") - 1, 0))
        ticket.refresh_from_db(fields=["message_count"])
        if message.status_before:
            change_status(ticket, message.status_before, actor=user)
        TicketEvent.objects.create(ticket=ticket, actor=user, kind="reply_undone")
        transaction.on_commit(lambda: _delete_files(files))
    message.delivery_state = Message.Delivery.CANCELLED
    return True


def create_note(ticket, author, *, body_html, attachments=()):
    """Add an internal note (never emailed); returns the Message.

    The returned message carries ``mentioned_users``: the active agents who may see the ticket
    and were @mentioned by user name (the caller notifies them).
    """
    from inbox.notifications import mentioned_users

    html = sanitize_html(body_html or "")
    text = html_to_text(html)
    attachments = list(attachments)
    if not _has_content(html, text) and not attachments:
        raise ValidationError(_("Write something (or attach a file) to add a note."))
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.NOTE,
            author=author,
            from_name=(author.get_full_name() or author.get_username()) if author else "",
            subject=ticket.subject,
            body_text=text,
            body_html=html,
            created_at=now,
        )
        save_attachments(message, attachments)
        Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=now, message_count=F("message_count") + 1)
    ticket.refresh_from_db(fields=["last_activity_at", "message_count"])
    message.mentioned_users = mentioned_users(ticket, text)
    return message


def resend(message, user):
    """Queue a failed reply (or one waiting for its next retry) to be sent again now; returns it."""
    if message.kind not in (Message.Kind.REPLY, Message.Kind.AUTO_REPLY):
        raise ResendError(_("Only replies are sent by email; this message cannot be sent."))
    now = timezone.now()
    with transaction.atomic():
        requeued = (
            Message.objects.filter(pk=message.pk, kind=message.kind)
            .filter(
                delivery_state__in=[Message.Delivery.FAILED, Message.Delivery.QUEUED], send_attempts__gt=0
            )
            .update(
                delivery_state=Message.Delivery.QUEUED,
                delivery_error="",
                next_attempt_at=None,
                send_after=now,
                send_attempts=0,
            )
        )
        if not requeued:
            message.refresh_from_db()
            raise ResendError(
                _(
                    "Only a reply that failed or is waiting to be retried can be sent again; "
                    "this one is: %(state)s."
                )
                % {"state": message.get_delivery_state_display()}
            )
        TicketEvent.objects.create(
            ticket_id=message.ticket_id, actor=user, kind="reply_resent", new_value=str(message.pk)
        )
        queue_send_after_commit(message.pk)
    message.refresh_from_db()
    return message
