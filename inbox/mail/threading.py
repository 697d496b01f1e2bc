"""Which ticket an incoming message belongs to.

``find_ticket_for(mailbox, parsed)`` answers in this order:

1. **Headers.** The newest id of ``In-Reply-To`` and then ``References`` (newest first) that
   names a stored message of this mailbox — a customer's mail or one of our replies — gives the
   ticket. Outlook replies often carry only ``In-Reply-To`` (and a ``Thread-Index`` we cannot
   map to a Message-ID); that is enough.
2. **Subject token.** ``[#1234]`` in the subject names ticket 1234 of this mailbox, but only
   when the sender is a participant of it: the customer (any of their addresses) or an address
   seen in From, To or Cc of its messages. A stranger quoting a token starts a new ticket.
3. Otherwise: no ticket (the caller opens a new one).

A merged ticket leads to the ticket it was merged into; a deleted ticket is not joined. A
customer-side reply to a closed ticket joins it (the caller reopens it) unless
``HELPDESK_REOPEN_WITHIN_DAYS`` is set and the ticket was closed longer ago than that; then
the answer is no ticket, so the reply starts a new one.
"""

import re
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.utils import timezone

from inbox.mail.batch import current as current_batch
from inbox.mail.compose import split_addresses
from inbox.models import Message, Ticket

TOKEN = re.compile(r"\[#(\d{1,18})\]")
MAX_MERGE_HOPS = 20
# Message-IDs per query when a batch reads its known messages up front.
PREFETCH_IDS = 500


def reopen_within_days():
    return getattr(settings, "HELPDESK_REOPEN_WITHIN_DAYS", None)


def _candidate_ids(parsed):
    """Message-IDs the message answers, the most specific (the direct parent) first."""
    ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    return [mid for mid in dict.fromkeys(ids) if mid and mid != parsed.message_id]


def _live(ticket):
    """Follow merges to the ticket that lives on; None for a deleted one."""
    hops = 0
    while ticket is not None and ticket.merged_into_id and hops < MAX_MERGE_HOPS:
        ticket = Ticket.objects.filter(pk=ticket.merged_into_id).first()
        hops += 1
    if ticket is None or ticket.deleted_at is not None:
        return None
    return ticket


class KnownMessage(NamedTuple):
    message_id: str
    kind: str
    from_address: str
    subject: str
    ticket: Ticket


def answered_ids(parsed):
    """The message's own Message-ID and the ids it answers: what ``known_messages`` looks up."""
    return [mid for mid in [parsed.message_id, *_candidate_ids(parsed)] if mid]


def known_messages(parsed):
    """Stored messages (any mailbox) named by the message's own Message-ID or the ids it answers.

    KnownMessage rows, oldest first, each with its ticket: one query serves both the duplicate
    check and threading. Inside a batch processed in one go (``inbox.mail.batch``) the answer
    comes from what the batch read up front and saved since, without a query.
    """
    ids = answered_ids(parsed)
    if not ids:
        return []
    batch = current_batch()
    if batch is not None and batch.covers(ids):
        return batch.known_for(ids)
    return [known for _pk, known in _read_known(ids, batch)]


def prefetch_known(batch, parsed_messages):
    """Read the stored messages that any of ``parsed_messages`` names into ``batch``, in one query."""
    ids = list(dict.fromkeys(mid for parsed in parsed_messages for mid in answered_ids(parsed)))
    for start in range(0, len(ids), PREFETCH_IDS):
        chunk = ids[start : start + PREFETCH_IDS]
        for pk, known in _read_known(chunk, batch):
            batch.add_known(pk, known)
        batch.looked_up.update(chunk)


def _read_known(ids, batch=None):
    """[(message pk, KnownMessage)] of stored messages with these Message-IDs, oldest first.

    Every incoming message makes this lookup, so it is written as SQL (``Ticket.objects.raw``):
    through the query builder, building it costs more than running it. On PostgreSQL the tickets
    are locked (``FOR UPDATE``) until the transaction ends and marked ``locked_for_update``: the
    message joining one of them needs no second query to lock it. Within a ``batch`` each ticket
    is one instance, the batch's.
    """
    lock = connection.features.has_select_for_update_of
    sql = (
        "SELECT t.*, m.id AS known_pk, m.message_id AS known_id, m.kind AS known_kind, "
        f"m.from_address AS known_from, m.subject AS known_subject FROM {Message._meta.db_table} m "
        f"JOIN {Ticket._meta.db_table} t ON t.id = m.ticket_id "
        f"WHERE m.message_id IN ({', '.join(['%s'] * len(ids))}) ORDER BY m.id"
        + (" FOR UPDATE OF t" if lock else "")
    )
    tickets = {}
    known = []
    for row in Ticket.objects.raw(sql, ids):
        ticket = tickets.get(row.pk)
        if ticket is None:
            # one instance per ticket, shared by its messages (and by the whole batch)
            ticket = tickets[row.pk] = batch.ticket(row) if batch is not None else row
            ticket.locked_for_update = lock or getattr(ticket, "locked_for_update", False)
        known.append(
            (
                row.known_pk,
                KnownMessage(row.known_id, row.known_kind, row.known_from, row.known_subject, ticket),
            )
        )
    return known


def ticket_by_headers(mailbox, parsed, known=None):
    """(ticket, matched Message-ID) from In-Reply-To/References, or (None, "")."""
    ids = _candidate_ids(parsed)
    if not ids:
        return None, ""
    found = {}
    for message in known if known is not None else known_messages(parsed):
        if message.ticket.mailbox_id == mailbox.pk and message.kind != Message.Kind.NOTE:
            found[message.message_id] = message.ticket  # the latest stored copy wins
    for mid in ids:
        if mid in found:
            ticket = _live(found[mid])
            if ticket is not None:
                return ticket, mid
    return None, ""


def participants(ticket):
    """Every lower-cased address in the ticket: the customer's and From/To/Cc of its messages."""
    batch = current_batch()
    if batch is not None:
        batch.save_messages()  # they are read from the database below
    addresses = set(ticket.customer.addresses.values_list("address", flat=True))
    for from_address, to, cc in ticket.messages.exclude(kind=Message.Kind.NOTE).values_list(
        "from_address", "to", "cc"
    ):
        addresses.add(from_address)
        addresses.update(split_addresses(to))
        addresses.update(split_addresses(cc))
    return {address.strip().lower() for address in addresses if address}


def ticket_by_token(mailbox, parsed):
    """(ticket, reason) from a ``[#id]`` token in the subject whose ticket counts the sender in."""
    sender = (parsed.from_address or "").lower()
    reason = ""
    for token in dict.fromkeys(TOKEN.findall(parsed.subject or "")):
        ticket = _live(
            Ticket.objects.filter(pk=int(token), mailbox=mailbox).select_related("customer").first()
        )
        if ticket is None:
            continue
        if sender and sender in participants(ticket):
            return ticket, f"subject token [#{token}] from a participant"
        reason = f"subject token [#{token}] from {sender or 'an unknown sender'}, who is not a participant"
    return None, reason


def closed_too_long(ticket, now=None):
    """True when the ticket was closed longer ago than HELPDESK_REOPEN_WITHIN_DAYS allows reopening."""
    days = reopen_within_days()
    if days is None or ticket.status != Ticket.Status.CLOSED or ticket.closed_at is None:
        return False
    return (now or timezone.now()) - ticket.closed_at > timedelta(days=days)


def find_ticket_for(mailbox, parsed, own_addresses=None, known=None):
    """(ticket or None, reason in plain words) for an incoming parsed message of ``mailbox``.

    ``own_addresses`` (our mailboxes' addresses) exempts our own mail from the reopen window:
    an agent's copy joins the old ticket whatever its age. ``known`` is ``known_messages(parsed)``
    when the caller has it already.
    """
    ticket, matched = ticket_by_headers(mailbox, parsed, known)
    if ticket is not None:
        via = "In-Reply-To" if matched in parsed.in_reply_to else "References"
        reason = f"{via} {matched}"
    else:
        ticket, reason = ticket_by_token(mailbox, parsed)
        if ticket is None:
            return None, reason or "no known Message-ID and no subject token"
    sender = (parsed.from_address or "").lower()
    if sender not in (own_addresses or ()) and closed_too_long(ticket):
        return None, (
            f"{reason}, but ticket [#{ticket.pk}] was closed more than {reopen_within_days()} days ago"
        )
    return ticket, reason
