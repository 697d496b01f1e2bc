"""Importing mail history from files: .eml files, folders of them, mbox files and Maildirs.

``import_paths(mailbox, paths)`` is what ``manage.py import_mail`` runs; it never touches IMAP.
Every message is stored raw first (``source=import``, ``quiet=True``: imported history gets no
auto-reply and no agent notification), in batches of one transaction each, and then processed
in the order of its Date header, so that replies find the messages they answer even when the
files list them out of order. Importing the same files again stores nothing new: every message
is a duplicate. A message stored by an interrupted earlier run but not processed yet is
processed by the next run.

A path is read as:

* a directory with ``cur``, ``new`` and ``tmp`` inside: a Maildir (with its Maildir++ sub-folders);
* any other directory: searched recursively for ``*.eml`` files, mbox files (``*.mbox``) and Maildirs;
* a file starting with an mbox ``From `` line: an mbox file (one or more messages);
* any other file: one message.
"""

import logging
import mailbox as mailboxes
import os
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from inbox.mail.ingest import IngestSummary, new_raw_message, process_ids, raw_facts, store_raw_many
from inbox.mail.parsing_pool import MAX_IN_FLIGHT, ParserPool, parse_workers
from inbox.models import RawMessage

logger = logging.getLogger(__name__)

STORE_BATCH = 200
# Messages whose headers one worker task reads (dedupe key, Message-ID, Date) while storing.
FACTS_GROUP = 16
# Imported messages committed together (each still processed atomically on its own).
COMMIT_EVERY = 50
# Imported messages between two search index updates (a ticket's thread is indexed once, not per message).
INDEX_EVERY = 2000
MAILDIR_PARTS = ("cur", "new", "tmp")


class ImportPathError(ValueError):
    """A path given to the import cannot be read; ``str()`` names it and says why."""


@dataclass
class ImportResult:
    """What an import did; ``str()`` is the summary line ``import_mail`` prints."""

    messages: int = 0  # messages found in the files
    summary: IngestSummary = field(default_factory=IngestSummary)
    problems: list = field(default_factory=list)  # files or messages that could not be read

    def __str__(self):
        return _("Imported %(count)d messages: %(summary)s") % {
            "count": self.messages,
            "summary": self.summary,
        }


def is_maildir(path):
    return os.path.isdir(path) and all(os.path.isdir(os.path.join(path, part)) for part in MAILDIR_PARTS)


def is_mbox_file(path):
    with open(path, "rb") as handle:
        return handle.read(5) == b"From "


def check_paths(paths):
    """Raise ImportPathError naming every path that does not exist or cannot be read."""
    problems = []
    for path in paths:
        if not os.path.exists(path):
            problems.append(_("%(path)s: no such file or directory") % {"path": path})
        elif not os.access(path, os.R_OK) or (os.path.isdir(path) and not os.access(path, os.X_OK)):
            problems.append(_("%(path)s: permission denied") % {"path": path})
    if problems:
        raise ImportPathError("; ".join(problems))


def _maildir_messages(path, problems):
    box = mailboxes.Maildir(path, factory=None, create=False)
    folders = [("", box)]
    for name in sorted(box.list_folders()):
        folders.append((name, box.get_folder(name)))
    for name, folder in folders:
        label = f"{path}/{name}" if name else path
        for key in sorted(folder.iterkeys()):
            try:
                yield label, folder.get_bytes(key)
            except (OSError, KeyError) as exc:
                problems.append(
                    _("%(path)s: message %(key)s unreadable: %(error)s")
                    % {"path": label, "key": key, "error": exc}
                )


def _mbox_messages(path, problems):
    box = mailboxes.mbox(path, factory=None, create=False)
    try:
        for key in box.iterkeys():
            yield path, box.get_bytes(key)
    finally:
        box.close()


def _file_messages(path, problems):
    try:
        if is_mbox_file(path):
            yield from _mbox_messages(path, problems)
            return
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        problems.append(_("%(path)s: unreadable: %(error)s") % {"path": path, "error": exc.strerror or exc})
        return
    if not data.strip():
        problems.append(_("%(path)s: empty file, nothing to import") % {"path": path})
        return
    yield path, data


def _directory_messages(path, problems):
    for root, dirs, files in os.walk(
        path, onerror=lambda exc: problems.append(f"{exc.filename}: {exc.strerror}")
    ):
        dirs.sort()
        for name in list(dirs):
            if is_maildir(os.path.join(root, name)):
                dirs.remove(name)  # read as a Maildir, not file by file
                yield from _maildir_messages(os.path.join(root, name), problems)
        if is_maildir(root):
            continue
        for name in sorted(files):
            if name.lower().endswith((".eml", ".mbox")):
                yield from _file_messages(os.path.join(root, name), problems)


def iter_messages(paths, problems):
    """(source label, raw bytes) of every message under ``paths``; unreadable ones go to ``problems``."""
    for path in paths:
        if is_maildir(path):
            yield from _maildir_messages(path, problems)
        elif os.path.isdir(path):
            yield from _directory_messages(path, problems)
        else:
            yield from _file_messages(path, problems)


def _store_all(mailbox, paths, result, pool):
    """Store every message raw; returns the pks waiting to be processed, oldest Date header first."""
    waiting = []
    queued = set()
    batch = []

    def flush():
        rows = [
            (
                new_raw_message(
                    mailbox, raw, source=RawMessage.Source.IMPORT, folder=label, quiet=True, facts=facts
                ),
                facts,
            )
            for (label, raw), facts in batch
        ]
        with transaction.atomic():
            stored = store_raw_many([row for row, _facts in rows])
        for row, (_key, _message_id, date) in rows:
            pk, state = stored[row.dedupe_key]
            # Pending but not queued yet: stored by an interrupted earlier run, so processed now.
            if state != RawMessage.State.PENDING or pk in queued:
                result.summary.count("duplicate")
                continue
            queued.add(pk)
            waiting.append((date is None, date or 0, len(waiting), pk))
        batch.clear()

    for group, facts in pool.map_ordered(
        facts_of_group,
        _groups(iter_messages(paths, result.problems)),
        max_in_flight=MAX_IN_FLIGHT // FACTS_GROUP,
        size=lambda raws: sum(len(raw) for raw in raws),
    ):
        if isinstance(facts, BaseException):  # the worker died: these headers are read here instead
            facts = facts_of_group([raw for _label, raw in group])
        for item, item_facts in zip(group, facts, strict=True):
            result.messages += 1
            batch.append((item, item_facts))
            if len(batch) >= STORE_BATCH:
                flush()
    if batch:
        flush()
    waiting.sort()
    return [pk for *_key, pk in waiting]


def _groups(messages):
    """((label, raw), ...) groups of FACTS_GROUP messages, each with its raws as the workers' payload."""
    group = []
    for message in messages:
        group.append(message)
        if len(group) >= FACTS_GROUP:
            yield tuple(group), tuple(raw for _label, raw in group)
            group = []
    if group:
        yield tuple(group), tuple(raw for _label, raw in group)


def facts_of_group(raws):
    """``raw_facts`` of several raws: one task per group, as a task per message costs more than its work."""
    return [raw_facts(raw) for raw in raws]


def import_paths(mailbox, paths, progress=None):
    """Import every message under ``paths`` into ``mailbox``; returns an ImportResult.

    Raises ImportPathError before importing anything when a path does not exist or cannot be read.
    ``progress(done, total)`` is called while processing.
    """
    check_paths(paths)
    result = ImportResult()
    with ParserPool(parse_workers()) as pool:
        pks = _store_all(mailbox, paths, result, pool)
        summary = process_ids(
            pks, pool=pool, commit_every=COMMIT_EVERY, index_every=INDEX_EVERY, progress=progress
        )
    result.summary.add(summary)
    return result
