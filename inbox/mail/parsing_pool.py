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

import multiprocessing
import os
import pickle
import threading
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.db import connection, connections

from inbox.mail.parse import parse_message
from inbox.models import RawMessage
from inbox.services.tickets_in import preview_of

MAX_IN_FLIGHT = 64
MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024
LOAD_GROUP = 16
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

    def _start(self):
        if not connection.in_atomic_block:
            # Children must not share the parent's database sockets; Django reconnects on next use.
            connections.close_all()
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)

    def map_ordered(self, fn, items):
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
                and len(queue) < MAX_IN_FLIGHT
                and (not queue or state["bytes"] < MAX_IN_FLIGHT_BYTES)
            ):
                item = next(items, None)
                if item is None:
                    state["exhausted"] = True
                    return
                entry = [item[0], None, item[1]]
                submit(entry)
                queue.append(entry)
                state["bytes"] += len(item[1] or b"")

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
            state["bytes"] -= len(payload or b"")
            if state["isolate"]:
                state["isolate"] -= 1
            yield key, result
            fill()

    def _restart(self):
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()


def _pending_raws(pks):
    """(pk, raw bytes) of pending raws in the given order; None for those no longer pending."""
    for start in range(0, len(pks), LOAD_GROUP):
        group = pks[start : start + LOAD_GROUP]
        rows = dict(
            RawMessage.objects.filter(pk__in=group, state=RawMessage.State.PENDING).values_list("pk", "raw")
        )
        for pk in group:
            yield pk, bytes(rows[pk]) if pk in rows else None


def parse_ahead(pool, pks):
    """(pk, ParsedMessage, exception or None) for each pk, in order (see the module docstring)."""
    if pool is None or pool.executor is None:
        return ((pk, None) for pk in pks)
    return pool.map_ordered(_parse_or_error, _pending_raws(pks))
