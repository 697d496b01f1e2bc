"""The mail pipeline after fetching: raw bytes stored first, then processed exactly once.

``store_raw`` inserts the untouched bytes as a pending ``RawMessage`` (the unique
``(mailbox, dedupe_key)`` constraint turns a second copy into ``None``; ``store_raw_many`` does
the same for a whole fetched batch in one INSERT). ``process_pending`` then processes pending
raws ``COMMIT_EVERY`` at a time in ONE transaction, each raw atomically in its own savepoint, and
the transaction also flips their states: killing the process at any instant leaves every raw
of the batch either pending (rolled back, done again next time) or processed — never half.
One commit per batch rather than per message is what makes PostgreSQL fast (it fsyncs every
commit). On PostgreSQL raws are claimed with ``SELECT … FOR UPDATE SKIP LOCKED``, so two
workers never process the same one, and the batch's Message-IDs are locked up front, in one
order, for the same mail arriving in two mailboxes; SQLite serialises writers anyway.
``process_raw`` (a re-process, a contact form) is one raw in one transaction.

What a raw becomes is decided by ``inbox.mail.incoming`` (new ticket, reply, bounce,
duplicate). Anything raised while processing one raw rolls back just that raw (to its
savepoint), which is then **quarantined**: state ``quarantined``, the error (type, message,
short traceback) stored, ``attempts`` + 1; the other raws of the batch go on and commit
together. Only a deadlock or lock timeout between two workers (``TRANSIENT_SQLSTATES``) is not
the message's fault: that raw is left pending for the next pass instead. ``reprocess`` tries
again after a fix.

Attachment files are written to storage during the transaction (inbox.services.tickets_in);
when a transaction or savepoint rolls back, the files it wrote are deleted, so a committed
Message always has its files and nothing is left of a rolled-back one (a process killed
between writing a file and committing can leave an orphan file, never a Message without one).
"""

import contextlib
import itertools
import logging
import traceback
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.mail import incoming
from inbox.mail.batch import processing_in_one_go
from inbox.mail.incoming import BOUNCE, DUPLICATE, NEW_TICKET, QUARANTINED, REPLY, NoSender  # noqa: F401
from inbox.mail.loops import our_addresses
from inbox.mail.parse import dedupe_key, normalize_message_ids, parse_message
from inbox.mail.threading import prefetch_known
from inbox.models import Message, RawMessage
from inbox.services import tickets_in

logger = logging.getLogger(__name__)

OUTCOMES = (NEW_TICKET, REPLY, DUPLICATE, BOUNCE, QUARANTINED)
CLAIM_CHUNK = 200
# Raws processed in one transaction (one savepoint each): one commit, one fsync, per batch.
COMMIT_EVERY = 50
# Parsed mail held by one batch at most (attachments and text), beyond which it commits early.
BATCH_BYTES = 32 * 1024 * 1024
# Errors of the database between concurrent workers: the raw stays pending and is tried again.
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}
# Messages processed between two updates of the search index.
INDEX_BATCH = 500
MAX_ERROR_LENGTH = 8000
TRACEBACK_FRAMES = 8


class NotReprocessable(ValueError):
    """The raw message is already part of a ticket; ``str()`` says which."""


@dataclass
class IngestSummary:
    """What one run of the pipeline did; ``str()`` is the line commands print."""

    new_tickets: int = 0
    replies: int = 0
    duplicates: int = 0
    bounces: int = 0
    quarantined: int = 0

    FIELDS = {
        NEW_TICKET: "new_tickets",
        REPLY: "replies",
        DUPLICATE: "duplicates",
        BOUNCE: "bounces",
        QUARANTINED: "quarantined",
    }

    def count(self, outcome):
        field = self.FIELDS[outcome]
        setattr(self, field, getattr(self, field) + 1)

    def add(self, other):
        for field in self.FIELDS.values():
            setattr(self, field, getattr(self, field) + getattr(other, field))

    @property
    def total(self):
        return sum(getattr(self, field) for field in self.FIELDS.values())

    def __str__(self):
        return _(
            "%(new)d new tickets, %(replies)d replies threaded, %(duplicates)d duplicates skipped, "
            "%(quarantined)d quarantined, %(bounces)d bounces"
        ) % {
            "new": self.new_tickets,
            "replies": self.replies,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "bounces": self.bounces,
        }


# --- storing ---------------------------------------------------------------------------------------


def header_block(raw):
    end = min((pos for pos in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if pos >= 0), default=len(raw))
    return raw[:end]


def raw_facts(raw):
    """(dedupe key, Message-ID or "", Date as a UTC timestamp or None) of raw bytes, without a full parse."""
    message_id, date = "", None
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(header_block(raw))
        ids = normalize_message_ids(str(headers.get("Message-ID") or ""), 1)
        message_id = ids[0][:998] if ids else ""
        if headers.get("Date"):
            date = parsedate_to_datetime(str(headers.get("Date"))).timestamp()
    except Exception:  # broken headers are the parser's business later, not a reason not to store
        pass
    return dedupe_key(raw), message_id, date


def new_raw_message(mailbox, raw, *, source, folder="", uidvalidity=None, uid=None, quiet=False, facts=None):
    """An unsaved pending RawMessage holding ``raw`` unchanged; ``facts`` is ``raw_facts(raw)`` if known."""
    raw = bytes(raw)
    key, message_id, _date = facts or raw_facts(raw)
    return RawMessage(
        mailbox=mailbox,
        source=source,
        folder=folder[:255],
        uidvalidity=uidvalidity,
        uid=uid,
        message_id=message_id,
        dedupe_key=key,
        raw=raw,
        size=len(raw),
        quiet=quiet,
    )


def store_raw(mailbox, raw, *, source, folder="", uidvalidity=None, uid=None, quiet=False):
    """Store the untouched bytes as a pending RawMessage; None when this mailbox has them already.

    Safe inside the caller's ``transaction.atomic()``: the insert runs in a savepoint and the
    unique constraint decides, so concurrent workers cannot both store one message.
    """
    row = new_raw_message(
        mailbox, raw, source=source, folder=folder, uidvalidity=uidvalidity, uid=uid, quiet=quiet
    )
    return row if _insert(row) else None


def _insert(row):
    """Insert one unsaved RawMessage in a savepoint; False when its mailbox has those bytes already."""
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        row.pk = None
        if not RawMessage.objects.filter(mailbox_id=row.mailbox_id, dedupe_key=row.dedupe_key).exists():
            raise  # some other constraint: a real error
        return False
    return True


def store_raw_many(rows):
    """Insert unsaved RawMessages of one mailbox in bulk; returns {dedupe_key: (pk, state)} of every row.

    Rows whose dedupe key is stored already (or repeated in ``rows``) are not inserted (their
    ``pk`` stays None); the map gives the stored row's pk and state instead. Safe inside the
    caller's transaction.
    """
    if not rows:
        return {}
    mailbox = rows[0].mailbox
    stored = {
        key: (pk, state)
        for key, pk, state in RawMessage.objects.filter(
            mailbox=mailbox, dedupe_key__in={row.dedupe_key for row in rows}
        ).values_list("dedupe_key", "pk", "state")
    }
    fresh = {}
    for row in rows:
        if row.dedupe_key not in stored:
            fresh.setdefault(row.dedupe_key, row)
    try:
        with transaction.atomic():
            RawMessage.objects.bulk_create(fresh.values())
    except IntegrityError:
        # Another process stored some of them meanwhile: one by one, and the constraint decides.
        for key, row in fresh.items():
            row.pk = None
            if _insert(row):
                stored[key] = (row.pk, row.state)
            else:
                stored[key] = RawMessage.objects.filter(mailbox=mailbox, dedupe_key=key).values_list(
                    "pk", "state"
                )[0]
        return stored
    for key, row in fresh.items():
        stored[key] = (row.pk, row.state)
    return stored


# --- processing --------------------------------------------------------------------------------------


def process_pending(mailbox=None, limit=None, pool=None, commit_every=COMMIT_EVERY):
    """Process pending raw messages (of one mailbox, or all) in arrival order; returns an IngestSummary.

    ``commit_every`` raws are committed together, each processed in its own savepoint. With a
    ``pool`` (inbox.mail.parsing_pool.ParserPool) messages are parsed ahead in its worker processes;
    without one, a pool is started for this call when there are enough pending raws to be worth it
    (``PARSE_AHEAD_FROM``, e.g. a fetched batch), more than one core and no other thread in this
    process (``parsing_pool.can_fork_parsers``).
    """
    from inbox.mail.parsing_pool import PARSE_AHEAD_FROM, ParserPool, can_fork_parsers, parse_workers

    summary = IngestSummary()
    last_pk = 0
    with contextlib.ExitStack() as stack:
        while limit is None or summary.total < limit:
            pending = RawMessage.objects.filter(state=RawMessage.State.PENDING, pk__gt=last_pk)
            if mailbox is not None:
                pending = pending.filter(mailbox=mailbox)
            size = CLAIM_CHUNK if limit is None else min(CLAIM_CHUNK, limit - summary.total)
            chunk = list(pending.order_by("pk").values_list("pk", flat=True)[:size])
            if not chunk:
                break
            last_pk = chunk[-1]
            if pool is None and len(chunk) >= PARSE_AHEAD_FROM and can_fork_parsers():
                pool = stack.enter_context(ParserPool(parse_workers()))
            summary.add(process_ids(chunk, pool=pool, commit_every=commit_every))
    return summary


def process_raw(raw_message):
    """Process one raw message in its own transaction; returns its outcome (see the module docstring).

    A raw that is no longer pending (processed meanwhile, or being processed by another worker)
    is left alone and its recorded outcome returned.
    """
    outcome = process_id(raw_message.pk)
    if outcome is None:
        return recorded_outcome(RawMessage.objects.get(pk=raw_message.pk))
    return outcome


def reprocess(raw_message):
    """Process a quarantined (or otherwise unlinked) raw message again after a fix; returns the outcome."""
    linked = Message.objects.filter(raw_id=raw_message.pk).select_related("ticket").first()
    if linked is not None:
        raise NotReprocessable(
            _("This message is already part of ticket %(token)s.") % {"token": linked.ticket.token}
        )
    RawMessage.objects.filter(pk=raw_message.pk).update(state=RawMessage.State.PENDING)
    outcome = process_raw(raw_message)
    raw_message.refresh_from_db()
    return outcome


def recorded_outcome(raw):
    """The outcome a raw message had, read back from what processing stored ("" while pending)."""
    if raw.state == RawMessage.State.PENDING:
        return ""
    if raw.state == RawMessage.State.QUARANTINED:
        return QUARANTINED
    if raw.state == RawMessage.State.DUPLICATE:
        return DUPLICATE
    message = Message.objects.filter(raw_id=raw.pk).first()
    if message is None or message.kind == Message.Kind.BOUNCE:
        return BOUNCE
    first = Message.objects.filter(ticket_id=message.ticket_id).order_by("created_at", "id").first()
    return NEW_TICKET if first and first.pk == message.pk else REPLY


def process_id(pk):
    """Claim and process raw message ``pk`` in its own transaction; its outcome, or None when not pending."""
    run = incoming.Run(our_addresses())
    return _process_batch([(pk, None)], run, one_transaction=False).get(pk)


def process_ids(pks, pool=None, commit_every=1, index_every=INDEX_BATCH, progress=None):
    """Process these raw messages in this order; returns an IngestSummary.

    Each raw is processed atomically on its own (a failure rolls back just that one and quarantines
    it). ``commit_every`` raws commit together (1: each on its own), so a crash rolls back at most
    that many, which stay pending and are processed by the next run. Raws no longer pending are
    skipped (another worker had them). The search index is updated once per ``index_every``
    messages. With a ``pool`` (inbox.mail.parsing_pool.ParserPool), messages are parsed ahead in
    its worker processes while this one writes, and on PostgreSQL its indexer process updates the
    search index meanwhile (complete when the pool is left).
    """
    from inbox.mail.parsing_pool import parse_ahead
    from inbox.search import deferred_reindex

    summary = IngestSummary()
    run = incoming.Run(our_addresses())
    done = 0
    stream = parse_ahead(pool, pks)
    index_in_worker = pool is not None and pool.can_use_database()
    per_index = max(commit_every, index_every - index_every % commit_every)
    exhausted = False
    try:
        while done < len(pks) and not exhausted:
            with deferred_reindex(index=pool.index_later if index_in_worker else None):
                indexed_from = done
                while done < len(pks) and done - indexed_from < per_index:
                    batch = _next_batch(stream, commit_every)
                    if not batch:
                        exhausted = True
                        break
                    for outcome in _process_batch(batch, run, one_transaction=commit_every > 1).values():
                        summary.count(outcome)
                    done += len(batch)
                    if progress is not None:
                        progress(done, len(pks))
    finally:
        stream.close()
    return summary


def _next_batch(stream, size):
    """Up to ``size`` items of the parse-ahead stream, fewer when their attachments pass BATCH_BYTES.

    A batch's parsed messages are held together until it commits: mail with big attachments
    makes smaller batches, so memory stays flat.
    """
    batch, held = [], 0
    for item in itertools.islice(stream, size):
        batch.append(item)
        parsed = item[1]
        if parsed is not None and not isinstance(parsed, BaseException):
            held += sum(len(part.content) for part in parsed.attachments) + len(parsed.text or "")
            if held >= BATCH_BYTES:
                break
    return batch


def _process_batch(batch, run, one_transaction):
    """Process [(pk, parsed or None)]; returns {pk: outcome} of those that were still pending.

    With ``one_transaction`` the batch commits together: first tried in one go (see
    ``_process_in_one_go``); if anything in it fails, rolled back and done again with a savepoint
    per raw, so only the failing raw is quarantined. Else each raw gets its own transaction.
    """
    outcomes = {}
    if one_transaction:
        if not any(isinstance(parsed, BaseException) for _pk, parsed in batch):
            try:
                return _process_in_one_go(batch, run)
            except Exception as exc:  # rolled back: done again raw by raw, which finds the culprit
                logger.info("batch of %d raw messages processed again one by one: %s", len(batch), exc)
        with _transaction(run) as files:
            claimed = _claim_batch(batch, run)
            done = []
            for pk, parsed in batch:
                if pk in claimed:
                    outcomes[pk] = _process_one(claimed[pk], parsed, run, files, done)
            _save_states(done)
        return {pk: outcome for pk, outcome in outcomes.items() if outcome is not None}
    for pk, parsed in batch:
        with _transaction(run) as files:
            raw = _claim([pk], with_bytes=parsed is None).get(pk)
            if raw is not None:
                done = []
                outcomes[pk] = _process_one(raw, parsed, run, files, done)
                _save_states(done)
    return {pk: outcome for pk, outcome in outcomes.items() if outcome is not None}


def _process_in_one_go(batch, run):
    """Process the batch in one transaction without savepoints; {pk: outcome}. Raises if any raw fails.

    The common case (no bad message) costs a few statements per message less: no savepoint, the
    known messages of the whole batch read in one query, each ticket's counters written once
    (``inbox.mail.batch``).
    """
    outcomes = {}
    with _transaction(run) as files, processing_in_one_go() as state:
        claimed = _claim_batch(batch, run)
        work = [
            (claimed[pk], parsed if parsed is not None else parse_message(bytes(claimed[pk].raw)))
            for pk, parsed in batch
            if pk in claimed
        ]
        prefetch_known(state, [parsed for _raw, parsed in work])
        run.prefetch_customers([parsed for _raw, parsed in work])
        for raw, parsed in work:
            _note_message_id(raw, parsed)
            outcomes[raw.pk] = incoming.handle(raw, parsed, run, files)
        state.flush()
        _save_states([raw for raw, _parsed in work])
    return outcomes


def _claim_batch(batch, run):
    """Claim the batch's pending raws (see ``_claim``) and lock their Message-IDs.

    The ids are locked in one sorted pass: workers taking them one by one could deadlock each other.
    """
    claimed = _claim([pk for pk, _parsed in batch], with_bytes=any(parsed is None for _pk, parsed in batch))
    incoming.lock_message_ids(run, [raw.message_id for raw in claimed.values()])
    return claimed


def _note_message_id(raw, parsed):
    """Keep a Message-ID that only the full parse found; saved at once (the batched state update leaves it out)."""
    if not raw.message_id and parsed.message_id:
        raw.message_id = parsed.message_id[:998]
        raw.save(update_fields=["message_id"])


def _save_states(raws):
    """Save the new states of processed raws: one UPDATE per state for the plain ones."""
    plain = {}
    for raw in raws:
        if raw.error:
            raw.save(update_fields=incoming.FINISHED_FIELDS)
        else:
            plain.setdefault(raw.state, []).append(raw.pk)
    for state, pks in plain.items():
        RawMessage.objects.filter(pk__in=pks).update(
            state=state, error="", attempts=F("attempts") + 1, processed_at=timezone.now()
        )


@contextlib.contextmanager
def _transaction(run):
    """A transaction whose attachment files (recorded in the yielded FileJournal) go if it rolls back."""
    files = tickets_in.FileJournal()
    run.new_transaction()
    try:
        with transaction.atomic():
            yield files
    except BaseException:
        files.discard()  # rolled back or interrupted: none of its messages exist, so neither may their files
        run.forget_customers()
        raise


def _claim(pks, with_bytes):
    """The pending raws among ``pks`` by pk, locked for this transaction on PostgreSQL (others skip them)."""
    rows = RawMessage.objects.filter(pk__in=pks, state=RawMessage.State.PENDING)
    if not with_bytes:
        rows = rows.defer("raw")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return {raw.pk: raw for raw in rows}


def _process_one(raw, parsed, run, transaction_files, done):
    """Process a claimed raw in a savepoint; a failure rolls back to it and quarantines the raw.

    A processed raw (its new state set, not saved) is appended to ``done`` for the caller to save
    in the same transaction. A transient database error (see TRANSIENT_SQLSTATES) leaves the raw
    pending and gives None.
    """
    files = tickets_in.FileJournal()
    try:
        with transaction.atomic():
            if isinstance(parsed, BaseException):
                raise parsed  # parsing ahead failed: quarantine with that error
            if parsed is None:
                parsed = parse_message(bytes(raw.raw))
            _note_message_id(raw, parsed)
            outcome = incoming.handle(raw, parsed, run, files)
    except Exception as exc:
        files.discard()
        run.forget_customers()  # those created in the rolled-back savepoint are gone
        if _is_transient(exc):
            logger.info("raw message %s left pending after a lock conflict: %s", raw.pk, exc)
            return None
        _quarantine(raw, exc)
        return QUARANTINED
    transaction_files.names.extend(files.names)
    done.append(raw)
    return outcome


def _is_transient(exc):
    """A deadlock, serialization failure or lock timeout: another worker's fault, not the message's."""
    cause = exc if isinstance(exc, OperationalError) else None
    sqlstate = getattr(getattr(cause, "__cause__", None), "sqlstate", None)
    return sqlstate in TRANSIENT_SQLSTATES


def _error_text(exc):
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-TRACEBACK_FRAMES)
    text = f"{type(exc).__name__}: {exc}\n\n{''.join(frames)}"
    return text[:MAX_ERROR_LENGTH]


def _quarantine(raw, exc):
    logger.warning(
        "raw message %s of mailbox %s quarantined: %s: %s", raw.pk, raw.mailbox_id, type(exc).__name__, exc
    )
    RawMessage.objects.filter(pk=raw.pk).update(
        state=RawMessage.State.QUARANTINED,
        error=_error_text(exc),
        attempts=raw.attempts + 1,
        processed_at=timezone.now(),
    )
