"""Reading mail ahead in worker processes while the main process writes to the database.

Parsing is pure CPU (about as costly as all the database work of a message), so a bulk import
uses every core: ``ParserPool`` runs functions of raw bytes in forked worker processes and
``map_ordered`` hands the results back in the original order, with at most ``MAX_IN_FLIGHT``
messages (and ``MAX_IN_FLIGHT_BYTES`` of raw mail) on their way, so memory stays flat.

* the importer runs ``inbox.mail.ingest.raw_facts`` (dedupe key, Message-ID, Date) of each file
  in the workers while it stores the previous ones;
* ``parse_ahead(pool, pks)`` yields ``(pk, ParsedMessage)`` for processing; a message whose
  parsing raises yields the exception instead, so the caller quarantines it like any failure.
* ``inbox.mail.ingest.process_pending`` (what a fetch runs after storing a batch) starts a pool of
  ``parse_workers()`` for itself when it finds at least ``PARSE_AHEAD_FROM`` pending raws and the
  process runs a single thread (``can_fork_parsers``: ``fetch_mail --once``, ``process_mail``);
  for fewer raws, starting the workers costs more than parsing in place. The poller, whose IMAP
  IDLE watchers are threads, parses in place.

Without workers (``ParserPool(0)``) everything runs in place and ``parse_ahead`` yields
``(pk, None)``: the caller parses inside its transaction as usual.
"""

import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import pickle
import signal
import threading
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.db import connection, connections

from inbox.mail.parse import parse_message
from inbox.models import RawMessage
from inbox.services.tickets_in import preview_of

logger = logging.getLogger(__name__)

MAX_IN_FLIGHT = 64
MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024
LOAD_GROUP = 16
# Groups of LOAD_GROUP on their way when the workers read the raws themselves (PostgreSQL).
GROUPS_IN_FLIGHT = 4
PR_SET_PDEATHSIG = 1  # prctl(2)
# Pending raws from which processing them is worth starting worker processes for.
PARSE_AHEAD_FROM = 32


def parse_workers():
    """Worker processes to read mail with: one per core (none on a single core)."""
    cores = os.cpu_count() or 1
    return cores if cores > 1 else 0


def can_fork_parsers():
    """Whether this process may fork parser workers on its own initiative: only while it runs one thread.

    Forking copies one thread and every lock the others hold; the poller's IMAP IDLE watchers and
    a threaded web server's request threads make that unsafe, so they parse in place instead.
    """
    return parse_workers() > 0 and not other_threads_running()


def other_threads_running():
    return threading.active_count() > 1


_inherited_connections = []


def _start_worker():
    """In a new worker: die with the parent, and drop the database connections copied from it.

    Workers wait on a queue whose other end their siblings hold too, so a parent killed outright
    (SIGKILL, the OOM killer) would leave them running, holding database connections: on Linux
    the kernel ends them with it (PR_SET_PDEATHSIG). The parent's connections are not closed
    (that would end its session on the shared socket) but kept referenced so they are never
    finalised; Django opens the worker's own connection on first use.
    """
    _die_with_parent()
    for alias in connections:
        wrapper = connections[alias]
        if wrapper.connection is not None:
            _inherited_connections.append(wrapper.connection)
            wrapper.connection = None


def _die_with_parent():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers still end when the pool is shut down
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


def _index_tickets_job(ticket_ids):
    """In a worker: re-index these tickets in one transaction of the worker's own connection."""
    from django.db import transaction

    from inbox.search import index_tickets

    with transaction.atomic():
        index_tickets(ticket_ids)
    return len(ticket_ids)


def _parse_or_error(raw):
    try:
        parsed = parse_message(raw)
        parsed.preview_text = preview_of(parsed)  # also CPU work the writing process is spared
        return parsed
    except Exception as exc:
        try:
            pickle.dumps(exc)
        except Exception:
            return RuntimeError(f"{type(exc).__name__}: {exc}")
        return exc


class ParserPool:
    """Worker processes for reading mail ahead; use as a context manager, outside any transaction."""

    def __init__(self, workers):
        self.workers = max(0, workers)
        self.executor = self._start() if self.workers else None
        self.indexer = None  # one more worker process, for the search index (see index_later)
        self.index_jobs = []

    def _start(self, workers=None):
        if not connection.in_atomic_block:
            # Children must not share the parent's database sockets; Django reconnects on next use.
            connections.close_all()
        return ProcessPoolExecutor(
            max_workers=workers or self.workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        try:
            self.finish_indexing()
        finally:
            for executor in (self.executor, self.indexer):
                if executor is not None:
                    executor.shutdown(wait=True, cancel_futures=True)

    # --- the search index -------------------------------------------------------------------------

    def can_use_database(self):
        """Whether workers read and write the database themselves: on PostgreSQL, outside a transaction.

        Then they read the raws they parse (``parse_ahead``) and ``index_later`` hands the search
        index to a worker. A worker has its own database connection, so it only sees committed
        rows, and on SQLite its writes would wait for the main process's (one writer at a time).
        """
        return (
            self.executor is not None and connection.vendor == "postgresql" and not connection.in_atomic_block
        )

    def index_later(self, ticket_ids):
        """Re-index these committed tickets in a worker process while this one goes on writing mail.

        ``finish_indexing()`` (called on leaving the pool) waits for every such job; one that
        failed is done again here, so the index is complete when the pool is left.
        """
        ids = list(ticket_ids)
        if not self.can_use_database():
            from inbox.search import reindex

            reindex(ids)
            return
        if self.indexer is None:
            self.indexer = self._start(workers=1)
        self.index_jobs.append((ids, self.indexer.submit(_index_tickets_job, ids)))

    def finish_indexing(self):
        from inbox.search import reindex

        jobs, self.index_jobs = self.index_jobs, []
        for ids, future in jobs:
            try:
                future.result()
            except Exception as exc:  # a worker died or the database refused: index here instead
                logger.warning(
                    "indexing %d tickets in a worker failed (%s); indexing them here", len(ids), exc
                )
                reindex(ids)

    def map_ordered(self, fn, items, max_in_flight=MAX_IN_FLIGHT, size=len):
        """(key, fn(payload)) for each (key, payload) of ``items``, in order; a None payload gives None.

        When a worker dies (e.g. killed for memory), the pool is restarted and the items that were
        on their way are run again one at a time, so the one that kills a worker on its own gets
        the error as its result and the others are read normally.
        """
        if self.executor is None:
            for key, payload in items:
                yield key, fn(payload) if payload is not None else None
            return
        items = iter(items)
        queue = deque()  # [key, future (None: not submitted), payload]
        state = {"bytes": 0, "exhausted": False, "isolate": 0, "restarted": False}

        def submit(entry):
            if entry[1] is None and entry[2] is not None:
                entry[1] = self.executor.submit(fn, entry[2])

        def fill():
            if state["isolate"]:
                if queue:
                    submit(queue[0])  # suspects run alone
                return
            if state["restarted"]:  # else every queued entry is on its way already
                state["restarted"] = False
                for entry in queue:
                    submit(entry)
            while (
                not state["exhausted"]
                and len(queue) < max_in_flight
                and (not queue or state["bytes"] < MAX_IN_FLIGHT_BYTES)
            ):
                item = next(items, None)
                if item is None:
                    state["exhausted"] = True
                    return
                entry = [item[0], None, item[1]]
                submit(entry)
                queue.append(entry)
                state["bytes"] += size(item[1]) if item[1] else 0

        fill()
        while queue:
            key, future, payload = queue[0]
            try:
                result = future.result() if future is not None else None
            except BrokenProcessPool as exc:
                self._restart()
                state["restarted"] = True
                if not state["isolate"]:
                    # Which item killed the worker is unknown: run those that were on their way alone.
                    state["isolate"] = sum(1 for entry in queue if entry[1] is not None)
                    for entry in queue:
                        entry[1] = None
                    fill()
                    continue
                result = RuntimeError(f"The parser process died while reading this message: {exc}")
            queue.popleft()
            state["bytes"] -= size(payload) if payload else 0
            if state["isolate"]:
                state["isolate"] -= 1
            yield key, result
            fill()

    def _restart(self):
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()


def _pending_bytes(pks):
    """[(pk, raw bytes, or None when no longer pending)] of these raws, in their order: one query."""
    rows = dict(
        RawMessage.objects.filter(pk__in=pks, state=RawMessage.State.PENDING).values_list("pk", "raw")
    )
    return [(pk, bytes(rows[pk]) if pk in rows else None) for pk in pks]


def _groups(pks):
    return [tuple(pks[start : start + LOAD_GROUP]) for start in range(0, len(pks), LOAD_GROUP)]


def _pending_raws(pks):
    """(pk, raw bytes) of pending raws in the given order; None for those no longer pending."""
    for group in _groups(pks):
        yield from _pending_bytes(group)


def _load_and_parse(pks):
    """In a worker: [(pk, parsed or exception, or None when no longer pending)] of these raws."""
    return [(pk, _parse_or_error(raw) if raw is not None else None) for pk, raw in _pending_bytes(pks)]


def _parsed_in_groups(pool, pks):
    """Workers read the raws from the database themselves, LOAD_GROUP at a time, and parse them.

    The writing process then neither reads the bytes nor sends them to the workers. A group whose
    worker died is read again one message at a time (``map_ordered`` isolates the one that kills a
    worker), so a single poisonous message never takes its group with it.
    """
    results = pool.map_ordered(
        _load_and_parse, ((group, group) for group in _groups(pks)), max_in_flight=GROUPS_IN_FLIGHT
    )
    try:
        for group, parsed in results:
            if isinstance(parsed, BaseException):
                yield from pool.map_ordered(_parse_or_error, _pending_raws(list(group)))
            else:
                yield from parsed
    finally:
        results.close()


def parse_ahead(pool, pks):
    """(pk, ParsedMessage, exception or None) for each pk, in order (see the module docstring)."""
    if pool is None or pool.executor is None:
        return ((pk, None) for pk in pks)
    if pool.can_use_database():
        return _parsed_in_groups(pool, list(pks))
    return pool.map_ordered(_parse_or_error, _pending_raws(pks))
