"""What the messages of one ingest batch share while it is processed in one go (no savepoints).

``inbox.mail.ingest`` first tries to process a whole batch of raws in its transaction without a
savepoint per raw; only if one of them fails is the batch rolled back and done again raw by raw,
each in its own savepoint (so the bad one is quarantined alone). While the batch runs in one go,
an ``IngestBatch`` is current (``current()``) and spares the database one round trip or more per
message:

* **known messages**: the stored messages that the batch's messages name (their own Message-IDs,
  In-Reply-To and References) are read in one query up front (``prefetch``), locking their
  tickets on PostgreSQL; messages saved during the batch are added as they are saved
  (``add_message``). ``inbox.mail.threading.known_messages`` answers from here.
* **new messages** are INSERTed together, with their attachments, when the batch ends (or
  before anything reads messages back: ``save_messages``).
* **ticket counters**: the counters and activity fields a message changes on its ticket
  (``COUNTER_FIELDS``) are kept on one instance per ticket and written for all of them in one
  statement when the batch ends (``flush``), instead of one UPDATE per message.

Nothing here outlives the batch's transaction: on a rollback the state is simply dropped.
"""

import threading
from contextlib import contextmanager

from django.db import connection

from inbox.models import Attachment, Message, Ticket

# What processing a message changes on its ticket (``inbox.services.tickets_in._touch``); written
# together for every ticket the batch changed. The tickets are locked (PostgreSQL) or the database
# is (SQLite) since they were read, so the fields a message left alone are written back unchanged.
COUNTER_FIELDS = ("message_count", "last_activity_at", "preview", "last_customer_message_at", "waiting_since")

_state = threading.local()


def current():
    """The IngestBatch being processed in one go on this thread, or None."""
    return getattr(_state, "batch", None)


@contextmanager
def processing_in_one_go():
    """Make a new IngestBatch current for the block; the caller calls ``flush()`` before committing."""
    batch = IngestBatch()
    _state.batch = batch
    try:
        yield batch
    finally:
        _state.batch = None


class IngestBatch:
    def __init__(self):
        self.known = {}  # Message-ID -> [(order, KnownMessage)]; order: (0, stored pk) or (1, nth new)
        self.looked_up = set()  # Message-IDs whose stored messages are all in ``known``
        self.tickets = {}  # pk -> the one Ticket instance of this batch (locked on PostgreSQL)
        self.dirty_fields = {}  # pk -> names of the fields changed on it
        # [(unsaved Message, [(its unsaved Attachment, bytes)], FileJournal)], in arrival order
        self.new_messages = []

    # --- known messages ----------------------------------------------------------------------------

    def covers(self, message_ids):
        return all(mid in self.looked_up for mid in message_ids)

    def add_known(self, pk, known_message):
        """A stored message read from the database (``pk`` orders it among the others)."""
        self.known.setdefault(known_message.message_id, []).append(((0, pk), known_message))

    def known_for(self, message_ids):
        """KnownMessages named by these ids, oldest first."""
        found = [entry for mid in dict.fromkeys(message_ids) for entry in self.known.get(mid, ())]
        return [known for _order, known in sorted(found, key=lambda entry: entry[0])]

    # --- new messages ------------------------------------------------------------------------------

    def add_message(self, message, attachments, files):
        """A new message of the batch, saved (with its attachments) in one INSERT each by ``flush``.

        Later messages of the batch may answer or repeat it: it is known from now on.
        """
        from inbox.mail.threading import KnownMessage

        self.new_messages.append((message, attachments, files))
        if message.message_id:
            self.known.setdefault(message.message_id, []).append(
                (
                    (1, len(self.new_messages)),
                    KnownMessage(
                        message.message_id,
                        message.kind,
                        message.from_address,
                        message.subject,
                        message.ticket,
                    ),
                )
            )

    def save_messages(self):
        """INSERT the batch's new messages and then their attachments, one statement each.

        Called when the batch ends, and before anything reads messages back from the database
        (the subject-token check reads a ticket's participants; a bounce looks up our original).
        ``bulk_create`` sends no ``post_save``, so the search index is asked here, as the signal would.
        """
        if not self.new_messages:
            return
        from inbox.search import reindex
        from inbox.services.tickets_in import write_attachment_files

        new, self.new_messages = self.new_messages, []
        Message.objects.bulk_create([message for message, _attachments, _files in new])
        for _message, attachments, files in new:
            write_attachment_files(attachments, files)
        rows = [attachment for _message, attachments, _files in new for attachment, _data in attachments]
        if rows:
            Attachment.objects.bulk_create(rows)
        reindex({message.ticket_id for message, _attachments, _files in new})

    # --- tickets -----------------------------------------------------------------------------------

    def ticket(self, ticket):
        """The batch's instance of this ticket (``ticket`` itself when it is the first one seen)."""
        return self.tickets.setdefault(ticket.pk, ticket)

    def touch(self, ticket, fields):
        if not set(fields) <= set(COUNTER_FIELDS):
            raise ValueError(f"only {COUNTER_FIELDS} are written when the batch ends, not {sorted(fields)}")
        self.tickets[ticket.pk] = ticket
        self.dirty_fields.setdefault(ticket.pk, set()).update(fields)

    def flush(self):
        """Save the new messages, then write the changed counters of every ticket in one statement."""
        self.save_messages()
        if not self.dirty_fields:
            return
        fields = [Ticket._meta.get_field(name) for name in COUNTER_FIELDS]
        table = connection.ops.quote_name(Ticket._meta.db_table)
        assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)
        rows = [
            [field.get_db_prep_save(getattr(self.tickets[pk], field.attname), connection) for field in fields]
            + [pk]
            for pk in sorted(self.dirty_fields)
        ]
        with connection.cursor() as cursor:
            pk_column = connection.ops.quote_name(Ticket._meta.pk.column)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s", rows)
        self.dirty_fields = {}
