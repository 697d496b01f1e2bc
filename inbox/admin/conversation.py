"""The conversation of the ticket page: each message ready to render, oldest first.

Bodies are already sanitized when stored; here ``cid:`` images are pointed at the
permission-checked attachment view, quoted history is split off (shown behind a toggle),
and outgoing messages get their delivery state in words.
"""

import re
import zlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils import dateformat, formats, timezone
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from inbox.mail.quotes import split_quoted_html, split_quoted_text
from inbox.models import Message

from .attachments import attachment_url, is_previewable

CID_SRC = re.compile(r"""(\bsrc\s*=\s*)(["'])cid:([^"']+)\2""", re.IGNORECASE)
OUTGOING_KINDS = (Message.Kind.REPLY, Message.Kind.AUTO_REPLY)
# Splitting quoted history parses each body; stored bodies never change, so the split is cached.
SPLIT_CACHE_SECONDS = 7 * 24 * 3600


@dataclass
class ShownMessage:
    message: Message
    body: str
    quoted: str
    attachments: list = field(default_factory=list)
    delivery: dict | None = None
    sender: str = ""
    created: dict | None = None  # see DateFormats.moment

    @property
    def kind_class(self):
        return f"inbox-message--{self.message.kind.replace('_', '-')}"


class DateFormats:
    """The page's date formats, looked up once per conversation rather than per message and date."""

    def __init__(self):
        self.full = formats.get_format("DATETIME_FORMAT")
        self.short = formats.get_format("SHORT_DATETIME_FORMAT")

    def moment(self, value):
        """``{"iso", "full", "short"}`` of a date in the current time zone (None stays None)."""
        if value is None:
            return None
        local = timezone.localtime(value)
        return {
            "iso": local.isoformat(),
            "full": dateformat.format(local, self.full),
            "short": dateformat.format(local, self.short),
        }


def sender_name(message):
    """The agent who wrote it, else the name (or address) the mail came from."""
    author = message.author
    if author is not None:
        return author.get_full_name() or author.get_username()
    return message.from_name or message.from_address


def conversation_queryset(ticket):
    return (
        ticket.messages.select_related("author").prefetch_related("attachments").order_by("created_at", "id")
    )


def _normalise_cid(value):
    return value.strip().strip("<>").lower()


def _rewrite_cids(html, message, by_cid, used):
    def replace(match):
        attachment = by_cid.get(_normalise_cid(match.group(3)))
        if attachment is None or not is_previewable(attachment):
            # An image we cannot show safely (or that never came) is left out rather than fetched.
            return f"{match.group(1)}{match.group(2)}{match.group(2)} data-missing-cid"
        used.add(attachment.pk)
        url = attachment_url(message.ticket_id, attachment, inline=True)
        return f"{match.group(1)}{match.group(2)}{escape(url)}{match.group(2)}"

    return CID_SRC.sub(replace, html)


def _body_parts(message):
    """(visible HTML, quoted HTML) of a message; plain-text mail is escaped and line-broken."""
    if message.body_html:
        visible, quoted = split_quoted_html(message.body_html)
        return visible, quoted or ""
    visible, quoted = split_quoted_text(message.body_text or "")
    return linebreaks(visible, autoescape=True), linebreaks(quoted, autoescape=True) if quoted else ""


def _split_key(message):
    source = message.body_html or message.body_text or ""
    return f"inbox:split:{message.pk}:{zlib.crc32(source.encode())}"


def split_bodies(messages):
    """{message pk: (visible, quoted)}, from the cache where possible (one round trip)."""
    keys = {message.pk: _split_key(message) for message in messages}
    cached = cache.get_many(list(keys.values()))
    parts, missing = {}, {}
    for message in messages:
        found = cached.get(keys[message.pk])
        if found is None:
            found = missing[keys[message.pk]] = _body_parts(message)
        parts[message.pk] = tuple(found)
    if missing:
        cache.set_many(missing, SPLIT_CACHE_SECONDS)
    return parts


def delivery_state(message, user, now=None, dates=None):
    """How far an outgoing message got, in the agent's words, with what they can do about it."""
    state = _delivery_state(message, user, now)
    if state is not None:
        dates = dates or DateFormats()
        state["at"] = dates.moment(state.get("at"))
        state["undo_until"] = dates.moment(state.get("undo_until"))
    return state


def _delivery_state(message, user, now=None):
    if message.kind not in OUTGOING_KINDS or not message.delivery_state:
        return None
    now = now or timezone.now()
    state = message.delivery_state
    if state == Message.Delivery.SENT:
        return {"state": "sent", "label": _("Sent"), "at": message.sent_at, "detail": message.delivery_error}
    if state == Message.Delivery.FAILED:
        label = _("Failed: %(reason)s") % {"reason": message.delivery_error or _("unknown error")}
        return {"state": "failed", "label": label, "can_resend": True}
    if state == Message.Delivery.SENDING:
        return {"state": "sending", "label": _("Sending…")}
    if state == Message.Delivery.CANCELLED:
        return {"state": "cancelled", "label": _("Not sent (undone)")}
    if message.send_attempts and message.delivery_error:
        label = _("Not sent yet: %(reason)s. It will be tried again.") % {"reason": message.delivery_error}
        return {"state": "retrying", "label": label, "can_resend": True, "at": message.next_attempt_at}
    undo_until = message.send_after if message.send_after and message.send_after > now else None
    return {
        "state": "queued",
        "label": _("Not sent yet"),
        "undo_until": undo_until,
        "can_undo": bool(undo_until and message.author_id == user.pk),
    }


def show_message(message, user, now=None, parts=None, dates=None):
    attachments = list(message.attachments.all())
    by_cid = {_normalise_cid(a.content_id): a for a in attachments if a.content_id}
    used = set()
    visible, quoted = parts or _body_parts(message)
    if by_cid:
        visible = _rewrite_cids(visible, message, by_cid, used)
        quoted = _rewrite_cids(quoted, message, by_cid, used)
    listed = [
        {
            "attachment": a,
            "url": attachment_url(message.ticket_id, a),
            "preview_url": attachment_url(message.ticket_id, a, inline=True) if is_previewable(a) else "",
        }
        for a in attachments
        if a.pk not in used
    ]
    dates = dates or DateFormats()
    return ShownMessage(
        message=message,
        body=mark_safe(visible),  # noqa: S308 - stored bodies are sanitized; cid URLs escaped above
        quoted=mark_safe(quoted),  # noqa: S308
        attachments=listed,
        delivery=delivery_state(message, user, now, dates),
        sender=sender_name(message),
        created=dates.moment(message.created_at),
    )


def build_conversation(ticket, user, messages=None):
    now, dates = timezone.now(), DateFormats()
    messages = list(conversation_queryset(ticket) if messages is None else messages)
    parts = split_bodies(messages)
    return [show_message(message, user, now, parts[message.pk], dates) for message in messages]
