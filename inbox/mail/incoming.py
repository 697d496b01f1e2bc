"""What one parsed incoming message becomes: a new ticket, a reply in one, a bounce, or a duplicate.

``handle(raw, parsed, run, files)`` runs inside the transaction ``inbox.mail.ingest`` opened for
the raw message and returns the outcome; it marks the raw message's state itself. The rules:

* **duplicate** — a stored message (any of our mailboxes) has the same Message-ID, sender and
  subject: the same mail sent to support@ and sales@, or our own reply coming back. Same
  Message-ID with another sender or subject (broken mailers reuse ids) is not a duplicate.
* **bounce** — a delivery failure report naming one of our outgoing messages joins that ticket
  and marks the original failed; one naming nothing we sent opens no ticket and is kept with
  an explanation (listed under Inbox settings › Quarantine).
* **mail from our own addresses** is never a customer's: if it answers a ticket it is stored as a
  sent reply (an agent wrote from a mail client, or imported history holds our old replies);
  otherwise it is kept aside as a duplicate with the reason, so it cannot start a mail loop.
* otherwise **reply** or **new ticket**, as ``inbox.mail.threading`` decides.
"""

import hashlib

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.mail.batch import current as current_batch
from inbox.mail.threading import find_ticket_for, known_messages
from inbox.models import Mailbox, Message, RawMessage
from inbox.services import tickets_in
from inbox.services.customers import (
    customer_for_address,
    customers_by_address,
    new_customer,
    normalize_address,
)

NEW_TICKET, REPLY, DUPLICATE, BOUNCE, QUARANTINED = (
    "new_ticket",
    "reply",
    "duplicate",
    "bounce",
    "quarantined",
)
MAX_NOTE_LENGTH = 8000


class NoSender(ValueError):
    """The message names no sender address, so there is nobody a ticket could answer."""


class Run:
    """What stays the same while a batch of raw messages is processed: our addresses, mailboxes, customers.

    ``forget_customers()`` must be called when a transaction rolls back, since customers created
    in it are gone; ``new_transaction()`` when one begins (the Message-ID locks are per transaction).
    """

    def __init__(self, own_addresses):
        self.own = own_addresses
        self.mailboxes = {}
        self.customers = {}
        self.unknown_addresses = set()  # looked up for a batch in one go and not found
        self.locked_ids = set()

    def new_transaction(self):
        self.locked_ids = set()

    def mailbox(self, pk):
        if pk not in self.mailboxes:
            # The passwords are not needed here: no decryption per message.
            self.mailboxes[pk] = Mailbox.objects.defer("imap_password", "smtp_password").get(pk=pk)
        return self.mailboxes[pk]

    def customer(self, address, name):
        key = normalize_address(address)
        known = self.customers.get(key)
        if known is None and key in self.unknown_addresses and current_batch() is not None:
            # Nobody had it when the batch began, and the batch is redone if somebody stores it now.
            known = self.customers[key] = new_customer(key, name, savepoint=False)
            self.unknown_addresses.discard(key)
        elif known is None or (name and not known.name):
            known = self.customers[key] = customer_for_address(address, name)
        return known

    def prefetch_customers(self, parsed_messages):
        """Look up the customers of a batch's senders in one query (those not known to this run yet)."""
        wanted = {normalize_address(sender_of(parsed)) for parsed in parsed_messages} - {""}
        wanted -= self.customers.keys()
        found = customers_by_address(wanted)
        self.customers.update(found)
        self.unknown_addresses = wanted - found.keys()

    def forget_customers(self):
        self.customers = {}
        self.unknown_addresses = set()


FINISHED_FIELDS = ["state", "error", "attempts", "processed_at"]


def finish(raw, state, note=""):
    """Set the raw message's new state; the caller saves FINISHED_FIELDS in the same transaction."""
    raw.state = state
    raw.error = note[:MAX_NOTE_LENGTH]
    raw.attempts += 1
    raw.processed_at = timezone.now()


def _lock_key(message_id):
    return int.from_bytes(hashlib.sha256(message_id.encode()).digest()[:8], "big", signed=True)


def lock_message_ids(run, message_ids):
    """On PostgreSQL, lock these Message-IDs until the transaction ends, in one query and one order.

    Serialises workers handling the same Message-ID (the same mail in two mailboxes); taken for
    a whole batch at its start, sorted, so two workers' batches cannot deadlock on them.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({_lock_key(mid) for mid in message_ids if mid} - run.locked_ids)
    if keys:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(key) FROM unnest(%s::bigint[]) AS key", [keys])
        run.locked_ids.update(keys)


def _lock_message_id(run, message_id):
    """Lock one Message-ID (see lock_message_ids) unless the batch holds it already."""
    if message_id and connection.vendor == "postgresql" and _lock_key(message_id) not in run.locked_ids:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(message_id)])


def already_stored(parsed, known):
    """Whether a stored message is this one: same Message-ID, sender and subject."""
    if not parsed.message_id:
        return False
    subject = (parsed.subject or "")[: Message._meta.get_field("subject").max_length]
    sender = (parsed.from_address or "").lower()
    return any(
        message.message_id == parsed.message_id
        and message.from_address.lower() == sender
        and message.subject == subject
        for message in known
    )


def sender_of(parsed):
    """The address a reply would go to: From, else the first Reply-To."""
    if parsed.from_address:
        return parsed.from_address.lower()
    for _name, address in parsed.reply_to:
        if address:
            return address.lower()
    return ""


def handle(raw, parsed, run, files):
    """Turn the parsed message into what it is (see the module docstring); returns the outcome.

    Sets the raw message's state (``finish``) without saving it: the caller saves it with the rest.
    """
    mailbox = run.mailbox(raw.mailbox_id)
    at = tickets_in.received_at(raw, parsed)
    _lock_message_id(run, parsed.message_id)

    known = known_messages(parsed)
    if already_stored(parsed, known):
        finish(raw, RawMessage.State.DUPLICATE)
        return DUPLICATE
    if parsed.is_bounce:
        return handle_bounce(raw, parsed, at, files)

    sender = sender_of(parsed)
    ticket, reason = find_ticket_for(mailbox, parsed, own_addresses=run.own, known=known)
    if sender in run.own:
        if ticket is None:
            note = _(
                "Sent from our own address %(address)s and not a reply to any ticket (%(reason)s): "
                "not opened as a ticket, so that our own mail cannot start a loop."
            ) % {"address": sender, "reason": reason}
            finish(raw, RawMessage.State.DUPLICATE, note)
            return DUPLICATE
        tickets_in.add_own_reply(ticket, raw, parsed, at, files)
        finish(raw, RawMessage.State.PROCESSED)
        return REPLY

    if not sender:
        raise NoSender(_("The message has no sender address (its From header is missing or unreadable)."))
    customer = run.customer(sender, parsed.from_name)
    if ticket is not None:
        tickets_in.add_customer_message(ticket, raw, parsed, customer, at, files)
        outcome = REPLY
    else:
        tickets_in.open_ticket(mailbox, raw, parsed, customer, at, files)
        outcome = NEW_TICKET
    finish(raw, RawMessage.State.PROCESSED)
    return outcome


def handle_bounce(raw, parsed, at, files):
    batch = current_batch()
    if batch is not None:
        batch.save_messages()  # the original is looked up in the database
    original = None
    if parsed.bounce_original_message_id:
        original = (
            Message.objects.filter(
                message_id=parsed.bounce_original_message_id,
                kind__in=[Message.Kind.REPLY, Message.Kind.AUTO_REPLY],
            )
            .select_related("ticket")
            .order_by("-id")
            .first()
        )
    if original is None:
        note = _(
            "Delivery failure report for a message we did not send (original Message-ID: %(id)s). "
            "Reason given: %(reason)s"
        ) % {
            "id": parsed.bounce_original_message_id or _("not given"),
            "reason": parsed.bounce_reason or _("none"),
        }
        finish(raw, RawMessage.State.PROCESSED, note)
        return BOUNCE
    tickets_in.add_bounce(original, raw, parsed, at, files)
    finish(raw, RawMessage.State.PROCESSED)
    return BOUNCE
