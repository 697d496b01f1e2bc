"""Collision detection: who else is on a ticket, and whether new mail arrived while composing.

Presence lives in the Django cache (shared between processes in production): one short-lived
key per agent and ticket, plus a per-ticket index of the agents seen there. The ticket page
reports "viewing" or "typing" every few seconds; a report older than ``PRESENCE_TTL``
means the agent has left.

Sending is *held* when a customer message or another agent's reply arrived after the last
message the composer's page had seen: :func:`check_send_allowed` raises :class:`SendHeld`
until the client confirms it has seen them (by sending the newer message id).
"""

import time

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from .models import Message

PRESENCE_TTL = 12
INDEX_TTL = 600
VIEWING = "viewing"
TYPING = "typing"
STATES = (VIEWING, TYPING)

# Kinds that change what the reply should say; notes and auto-replies do not hold a send.
HOLDING_KINDS = (Message.Kind.INCOMING, Message.Kind.REPLY)


def _user_key(ticket_id, user_id):
    return f"inbox:presence:{ticket_id}:{user_id}"


def _index_key(ticket_id):
    return f"inbox:presence:{ticket_id}:index"


def display_name(user):
    return user.get_full_name() or user.get_username()


def report(ticket_id, user, state=VIEWING):
    """Record that ``user`` is on the ticket in ``state`` and return the other agents present."""
    if state not in STATES:
        raise ValueError(f"unknown presence state {state!r}")
    cache.set(
        _user_key(ticket_id, user.pk),
        {"user_id": user.pk, "name": display_name(user), "state": state, "at": time.time()},
        PRESENCE_TTL,
    )
    index = set(cache.get(_index_key(ticket_id)) or ())
    if user.pk not in index:
        # Not atomic across processes: a lost update is repaired by the next report of that agent.
        index.add(user.pk)
        cache.set(_index_key(ticket_id), sorted(index), INDEX_TTL)
    return others(ticket_id, user)


def others(ticket_id, user):
    """The other agents present, as dicts with ``user_id``, ``name``, ``state`` and ``text``."""
    index = cache.get(_index_key(ticket_id)) or []
    keys = [_user_key(ticket_id, uid) for uid in index if uid != user.pk]
    found = cache.get_many(keys)
    now = time.time()
    present = []
    for key in keys:
        entry = found.get(key)
        if entry and now - entry["at"] <= PRESENCE_TTL:
            present.append({**entry, "text": describe(entry)})
    present.sort(key=lambda entry: (entry["state"] != TYPING, entry["name"]))
    return present


def describe(entry):
    if entry["state"] == TYPING:
        return str(_("%(name)s is typing a reply") % {"name": entry["name"]})
    return str(_("%(name)s is viewing") % {"name": entry["name"]})


def leave(ticket_id, user):
    cache.delete(_user_key(ticket_id, user.pk))


def new_messages_since(ticket, user, last_seen_message_id):
    """Customer messages and other agents' replies added after ``last_seen_message_id``."""
    return (
        ticket.messages.filter(id__gt=last_seen_message_id or 0, kind__in=HOLDING_KINDS)
        .exclude(author=user)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def latest_message_id(ticket):
    return ticket.messages.order_by("-id").values_list("id", flat=True).first() or 0


class SendHeld(Exception):
    """The composer has not seen messages that arrived while the agent was writing."""

    def __init__(self, new_messages):
        self.new_messages = list(new_messages)
        super().__init__(
            _("%(count)d new message(s) arrived while you were writing. Read them, then send again.")
            % {"count": len(self.new_messages)}
        )

    @property
    def latest_id(self):
        return max(message.id for message in self.new_messages)


def check_send_allowed(ticket, user, last_seen_message_id):
    """Raise :class:`SendHeld` if something the agent has not seen arrived since ``last_seen_message_id``."""
    new = list(new_messages_since(ticket, user, last_seen_message_id))
    if new:
        raise SendHeld(new)
