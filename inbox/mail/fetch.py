"""Fetching mail over IMAP, exactly once.

Per mailbox folder, ``MailboxFolderState`` keeps the folder's UIDVALIDITY and the highest UID
imported. Only newer UIDs are fetched, in batches, with ``BODY.PEEK[]`` so nothing is marked
read. Each batch is stored raw (one bulk INSERT) and the folder's ``last_uid`` advanced in ONE
transaction, so a crash at any instant either keeps the whole batch (and will not fetch it
again) or none of it (and fetches it again); then the batch is processed, a few dozen raws per
transaction (``inbox.mail.ingest``). The folder state row is locked
(``select_for_update(nowait=True)``) and re-read inside that transaction, and raw messages have
a unique dedupe key, so two workers on one mailbox never store a message twice. Nothing on the
server is flagged, deleted or expunged unless the mailbox's ``move_to_folder`` is set; then
messages are moved only after they are committed.

``fetch_mailbox`` is what ``manage.py fetch_mail --once`` runs for each mailbox; ``poll_forever``
is the worker's loop.
"""

import contextlib
import imaplib
import logging
import threading
import time
from dataclasses import dataclass, field

from django.db import DatabaseError, close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from imapclient.exceptions import IMAPClientError

from helpdesk_site.plugins import do_action
from helpdesk_site.plugins.core_hooks import WORKER_TICK
from inbox.mail.connection import (
    MailServerError,
    _close,
    explain_network_error,
    missing_folder_message,
    open_imap,
    scrub,
)
from inbox.mail.idle import IdleSupervisor, idle_enabled
from inbox.mail.ingest import IngestSummary, new_raw_message, process_pending, store_raw_many
from inbox.mail.parsing_pool import PARSE_AHEAD_FROM, ParserPool, can_fork_parsers, parse_workers
from inbox.models import Mailbox, MailboxFolderState, RawMessage

logger = logging.getLogger(__name__)

# A batch holds at most this many bytes of mail, so memory stays flat with big attachments.
MAX_BATCH_BYTES = 20 * 1024 * 1024
# UIDs asked for their size per round trip.
SIZE_CHUNK = 2000
# Shortest pause between two fetches of one mailbox, whatever its poll interval says.
MIN_POLL_SECONDS = 1
TICK_SECONDS = 5
NETWORK_ERRORS = (OSError, EOFError, IMAPClientError, imaplib.IMAP4.error)


class FolderBusy(Exception):
    """Another worker holds this folder's state row; it is fetching the folder right now."""


@dataclass
class FetchResult:
    """What one fetch of one mailbox did; ``summary()`` is the line ``fetch_mail`` prints."""

    mailbox: str
    folders: int = 0
    fetched: int = 0  # messages downloaded
    stored: int = 0  # new raw messages stored
    duplicates: int = 0  # already stored (a re-scan, or the same mail in two folders)
    moved: int = 0
    rescanned: list = field(default_factory=list)  # folders whose UIDVALIDITY changed
    busy: list = field(default_factory=list)  # folders another worker was fetching
    batches: int = 0  # batches committed
    processed: IngestSummary = field(default_factory=IngestSummary)  # what processing made of them
    error: str = ""
    stopped: bool = False  # interrupted by a stop request between two batches

    @property
    def ok(self):
        return not self.error

    def summary(self):
        if self.error:
            return _("%(mailbox)s: failed: %(error)s") % {"mailbox": self.mailbox, "error": self.error}
        parts = [
            _("%(count)d new") % {"count": self.stored},
            _("%(count)d duplicates skipped") % {"count": self.duplicates},
        ]
        if self.moved:
            parts.append(_("%(count)d moved") % {"count": self.moved})
        if self.rescanned:
            folders = ", ".join(self.rescanned)
            parts.append(_("re-scanned after a UIDVALIDITY change: %(folders)s") % {"folders": folders})
        if self.busy:
            folders = ", ".join(self.busy)
            parts.append(_("skipped, another worker is fetching: %(folders)s") % {"folders": folders})
        if self.stopped:
            parts.append(_("stopped early on request"))
        line = f"{self.mailbox}: " + ", ".join(parts)
        if self.processed.total:
            line += "; " + _("processed: %(summary)s") % {"summary": self.processed}
        return line


def fetch_mailbox(mailbox, batch_size=100, stop_event=None):
    """Fetch new mail of every folder of the mailbox; records last_fetch_at or last_error.

    Never raises for a server or network problem: the plain-language reason is returned in
    ``FetchResult.error`` and stored on the mailbox, so a poller goes on with other mailboxes.
    """
    result = FetchResult(mailbox=mailbox.name)
    with contextlib.ExitStack() as stack:
        parsers = _Parsers(stack)
        error = _fetch_folders(mailbox, result, batch_size, stop_event, parsers)
        error = _process_leftovers(mailbox, result, error, parsers.pool)
    _record_outcome(mailbox, error)
    result.error = error
    if error:
        logger.warning("Fetching mailbox %s failed: %s", mailbox.name, error)
    return result


class _Parsers:
    """The parser processes of one fetch: started at the first backlog worth it, shared by its batches.

    Started per fetch rather than per batch (forking costs), and only from a single-threaded
    process (``fetch_mail --once``; the poller's IMAP IDLE watchers are threads, so it parses in
    place). Leaving the fetch waits for their search-index work (PostgreSQL).
    """

    def __init__(self, stack):
        self.stack = stack
        self.pool = None

    def for_backlog(self, count):
        if self.pool is None and count >= PARSE_AHEAD_FROM and can_fork_parsers():
            self.pool = self.stack.enter_context(ParserPool(parse_workers()))
        return self.pool


def _fetch_folders(mailbox, result, batch_size, stop_event, parsers):
    """Fetch every folder; returns the error in plain language ("" when none)."""
    error = ""
    try:
        client = open_imap(mailbox)
        try:
            for folder in mailbox.folder_list:
                if stop_event is not None and stop_event.is_set():
                    result.stopped = True
                    break
                try:
                    _fetch_folder(client, mailbox, folder, result, batch_size, stop_event, parsers)
                except FolderBusy:
                    result.busy.append(folder)
                result.folders += 1
        finally:
            _close(client)
    except MailServerError as exc:
        error = str(exc)
    except NETWORK_ERRORS as exc:
        error = explain_network_error(exc, mailbox.imap_host, mailbox.imap_port) or scrub(
            _("The IMAP server failed: %(reason)s") % {"reason": exc}, mailbox.imap_password
        )
    except Exception as exc:  # a bug or the database: record it and let the poller carry on
        logger.exception("Fetching mailbox %s failed unexpectedly", mailbox.name)
        error = scrub(
            _("Unexpected error while fetching: %(kind)s: %(reason)s")
            % {"kind": exc.__class__.__name__, "reason": exc},
            mailbox.imap_password,
        )
    return error


def _process_leftovers(mailbox, result, error, pool=None):
    """Process raws stored but not processed yet (a batch whose move failed, a killed worker)."""
    if not RawMessage.objects.filter(mailbox=mailbox, state=RawMessage.State.PENDING).exists():
        return error
    try:
        result.processed.add(process_pending(mailbox, pool=pool))
    except Exception as exc:  # processing quarantines per message; this is the database failing
        logger.exception("Processing stored mail of mailbox %s failed", mailbox.name)
        error = error or _("Stored mail could not be processed: %(kind)s: %(reason)s") % {
            "kind": exc.__class__.__name__,
            "reason": exc,
        }
    return error


def _record_outcome(mailbox, error):
    now = timezone.now()
    if error:
        changes = {"last_error": error, "last_error_at": now}
    else:
        changes = {"last_fetch_at": now, "last_error": ""}
    # update() rather than save(): an admin may be editing the mailbox's settings meanwhile.
    Mailbox.objects.filter(pk=mailbox.pk).update(**changes)
    for name, value in changes.items():
        setattr(mailbox, name, value)


def _fetch_folder(client, mailbox, folder, result, batch_size, stop_event, parsers):
    move_to = mailbox.move_to_folder.strip()
    if not client.folder_exists(folder):
        raise MailServerError(missing_folder_message(folder, client))
    if move_to and not client.folder_exists(move_to):
        raise MailServerError(missing_folder_message(move_to, client))
    # EXAMINE (read-only) unless we must move messages out of the folder.
    info = client.select_folder(folder, readonly=not move_to)
    uidvalidity = int(info[b"UIDVALIDITY"])
    state = _prepare_state(mailbox, folder, uidvalidity, result)
    if move_to and state.last_uid:
        # Imported earlier but not moved yet (e.g. the worker was killed right after a commit).
        leftovers = [uid for uid in client.search(["UID", f"1:{state.last_uid}"]) if uid <= state.last_uid]
        result.moved += _move(client, leftovers, move_to)
    uids = sorted(uid for uid in client.search(["UID", f"{state.last_uid + 1}:*"]) if uid > state.last_uid)
    pool = parsers.for_backlog(len(uids))
    for batch in _batches(client, uids, batch_size):
        if stop_event is not None and stop_event.is_set():
            result.stopped = True
            return
        committed = _import_batch(client, mailbox, folder, state.pk, uidvalidity, batch, result)
        result.batches += 1
        if move_to and committed:
            result.moved += _move(client, committed, move_to)
        result.processed.add(process_pending(mailbox, pool=pool))


def _prepare_state(mailbox, folder, uidvalidity, result):
    state, _created = MailboxFolderState.objects.get_or_create(mailbox=mailbox, folder=folder)
    if state.uidvalidity == uidvalidity:
        return state
    with transaction.atomic():
        state = _lock_state(state.pk)
        if state.uidvalidity != uidvalidity:
            if state.uidvalidity is not None:
                logger.warning(
                    "UIDVALIDITY of %s/%s changed from %s to %s: re-scanning every message",
                    mailbox.name,
                    folder,
                    state.uidvalidity,
                    uidvalidity,
                )
                result.rescanned.append(folder)
            state.uidvalidity = uidvalidity
            state.last_uid = 0
            state.save(update_fields=["uidvalidity", "last_uid"])
    return state


def _lock_state(pk):
    try:
        return MailboxFolderState.objects.select_for_update(nowait=True).get(pk=pk)
    except DatabaseError as exc:
        # PostgreSQL's lock_not_available: another worker holds the row right now.
        if getattr(exc.__cause__, "sqlstate", None) == "55P03":
            raise FolderBusy() from exc
        raise


def _batches(client, uids, batch_size):
    """UIDs in ascending batches of at most batch_size messages and MAX_BATCH_BYTES bytes."""
    batch, batch_bytes = [], 0
    for start in range(0, len(uids), SIZE_CHUNK):
        chunk = uids[start : start + SIZE_CHUNK]
        sizes = client.fetch(chunk, ["RFC822.SIZE"])
        for uid in chunk:
            if uid not in sizes:
                continue  # expunged since the search
            size = int(sizes[uid].get(b"RFC822.SIZE", 0))
            if batch and (len(batch) >= batch_size or batch_bytes + size > MAX_BATCH_BYTES):
                yield batch
                batch, batch_bytes = [], 0
            batch.append(uid)
            batch_bytes += size
    if batch:
        yield batch


def _import_batch(client, mailbox, folder, state_pk, uidvalidity, batch, result):
    """Store one batch raw and advance last_uid in one transaction; returns the committed UIDs."""
    # Download before the transaction: on SQLite a write transaction blocks every other writer.
    response = client.fetch(batch, ["BODY.PEEK[]"])
    with transaction.atomic():
        state = _lock_state(state_pk)
        if state.uidvalidity != uidvalidity:
            raise FolderBusy()  # another worker saw a new UIDVALIDITY meanwhile; next round re-scans
        committed = [uid for uid in batch if uid > state.last_uid]
        rows = []
        for uid in committed:
            data = response.pop(uid, None)
            raw = data.get(b"BODY[]") if data else None
            if raw is None:
                continue  # expunged since the search: nothing left to import
            rows.append(
                new_raw_message(
                    mailbox,
                    raw,
                    source=RawMessage.Source.IMAP,
                    folder=folder,
                    uidvalidity=uidvalidity,
                    uid=uid,
                )
            )
        store_raw_many(rows)
        fetched = len(rows)
        stored = sum(1 for row in rows if row.pk is not None)
        duplicates = fetched - stored
        if committed:
            state.last_uid = max(committed)
        state.last_fetch_at = timezone.now()
        state.save(update_fields=["last_uid", "last_fetch_at"])
    result.fetched += fetched
    result.stored += stored
    result.duplicates += duplicates
    return committed


def _move(client, uids, target):
    """Move already-committed UIDs to the target folder; returns how many were moved."""
    if not uids:
        return 0
    if client.has_capability("MOVE"):
        client.move(uids, target)
    elif client.has_capability("UIDPLUS"):
        client.copy(uids, target)
        client.add_flags(uids, [b"\\Deleted"])
        client.uid_expunge(uids)  # only these UIDs, never other messages marked deleted
    else:
        raise MailServerError(
            _(
                "The server supports neither MOVE nor UID EXPUNGE, so imported messages cannot be moved "
                "without touching others; clear 'move imported mail to folder' for this mailbox."
            )
        )
    return len(uids)


def active_mailboxes(name=None):
    mailboxes = Mailbox.objects.filter(active=True)
    if name:
        mailboxes = mailboxes.filter(name=name)
    return list(mailboxes)


def poll_forever(stop_event=None, mailbox_name=None, batch_size=100, report=None):
    """The worker's poller: fetch each active mailbox whenever its poll interval has elapsed.

    Where the server has IMAP IDLE, new mail wakes the loop at once (``inbox.mail.idle``).
    Runs until ``stop_event`` is set (then finishes the batch in hand and returns). One mailbox's
    failure is recorded on it and never stops the loop; ``report(result)`` sees every fetch.
    """
    stop_event = stop_event or threading.Event()
    idle = IdleSupervisor() if idle_enabled() else None
    due = {}
    try:
        while not stop_event.is_set():
            pause = 30.0
            try:
                close_old_connections()
                mailboxes = active_mailboxes(mailbox_name)
                if idle is not None:
                    idle.sync(mailboxes)
                    for pk in idle.take_changed():
                        due[pk] = 0  # the server announced news: fetch now
                for mailbox in mailboxes:
                    if stop_event.is_set():
                        break
                    wait = due.get(mailbox.pk, 0) - time.monotonic()
                    if wait > 0:
                        pause = min(pause, wait)
                        continue
                    result = fetch_mailbox(mailbox, batch_size=batch_size, stop_event=stop_event)
                    interval = max(mailbox.poll_interval, MIN_POLL_SECONDS)
                    due[mailbox.pk] = time.monotonic() + interval
                    pause = min(pause, interval)
                    if report is not None:
                        report(result)
                # Periodic work of every app (due replies, counters) rides on this loop.
                do_action(WORKER_TICK)
                pause = min(pause, TICK_SECONDS)
            except Exception:  # e.g. the database is down: log, wait, try again
                logger.exception("Polling mailboxes failed; retrying in %s s", pause)
            _pause(stop_event, idle, max(pause, 0.1))
    finally:
        if idle is not None:
            idle.stop()


def _pause(stop_event, idle, seconds):
    """Sleep until the next mailbox is due, a stop is requested, or IDLE reports news."""
    if idle is None:
        stop_event.wait(seconds)
        return
    deadline = time.monotonic() + seconds
    while not stop_event.is_set() and not idle.wake.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        idle.wake.wait(min(left, 0.25))
