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

from inbox.mail.compose import split_addresses
from inbox.models import Message, Ticket

TOKEN = re.compile(r"\[#(\d{1,18})\]")
MAX_MERGE_HOPS = 20


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


def known_messages(parsed):
    """Stored messages (any mailbox) named by the message's own Message-ID or the ids it answers.

    KnownMessage rows, oldest first, each with its ticket: one query serves both the duplicate
    check and threading. Every incoming message makes this lookup, so it is plain SQL on a cursor
    (built once per number of ids) and the tickets are made with ``Ticket.from_db``: through the
    query builder, building it costs more than running it. On PostgreSQL the tickets are locked
    (``FOR UPDATE``) until the transaction ends and marked ``locked_for_update``: the message
    joining one of them needs no second query to lock it.
    """
    ids = [mid for mid in [parsed.message_id, *_candidate_ids(parsed)] if mid]
    if not ids:
        return []
    sql, columns, pk_position, converters, lock = _known_messages_query(len(ids))
    tickets = {}
    known = []
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    width = len(columns)
    for row in rows:
        values = list(row[:width])
        for position, column, field_converters in converters:
            for convert in field_converters:
                values[position] = convert(values[position], column, connection)
        ticket = tickets.get(values[pk_position])
        if ticket is None:  # one instance per ticket, shared by its messages
            ticket = tickets[values[pk_position]] = Ticket.from_db(connection.alias, columns, values)
            ticket.locked_for_update = lock
        known.append(KnownMessage(*row[width:], ticket))
    return known


_known_queries = {}


def _known_messages_query(count):
    """(SQL, Ticket attnames, pk position, [(position, column, converters)], locks) for ``count`` ids.

    The converters are those Django's compiler applies to each column (SQLite stores dates as text).
    """
    key = (connection.alias, count)
    if key not in _known_queries:
        quote = connection.ops.quote_name
        fields = Ticket._meta.concrete_fields  # every column, in the order from_db takes them
        converters = []
        for position, field in enumerate(fields):
            column = field.get_col(Ticket._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((position, column, found))
        sql = (
            f"SELECT {', '.join('t.' + quote(field.column) for field in fields)}, "
            "m.message_id, m.kind, m.from_address, m.subject "
            f"FROM {Message._meta.db_table} m JOIN {Ticket._meta.db_table} t ON t.id = m.ticket_id "
            f"WHERE m.message_id IN ({', '.join(['%s'] * count)}) ORDER BY m.id"
        )
        lock = connection.features.has_select_for_update_of
        if lock:
            sql += " FOR UPDATE OF t"
        pk_position = fields.index(Ticket._meta.pk)
        _known_queries[key] = (sql, [field.attname for field in fields], pk_position, converters, lock)
    return _known_queries[key]


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
