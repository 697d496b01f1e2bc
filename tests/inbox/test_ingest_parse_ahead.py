"""A backlog of pending mail (e.g. a fetched batch) is read ahead in worker processes, with the same result."""

import os
import threading

import pytest
from django.db import connection  # noqa: F401  (the skipif condition reads it)

from inbox.mail import parsing_pool
from inbox.mail.ingest import process_pending, store_raw
from inbox.models import RawMessage, Ticket
from inbox.search import search_tickets
from tests.inbox.ingest_support import mail, make_mailbox

pytestmark = pytest.mark.django_db


def store_backlog(mailbox, count, bodies):
    """``count`` pending mails in pairs (a new ticket "Order n", then a reply); ``bodies`` by position."""
    for n in range(count):
        store_raw(
            mailbox,
            mail(
                message_id=f"<m{n}@customer.example>",
                in_reply_to=f"<m{n - 1}@customer.example>" if n % 2 else None,
                subject=f"Order {n // 2}",
                body=bodies.get(n, f"Message number {n}."),
            ),
            source="imap",
        )


def test_a_backlog_is_parsed_in_workers_threaded_searchable_and_a_broken_one_quarantined(monkeypatch):
    monkeypatch.setattr(parsing_pool, "parse_workers", lambda: 2)  # also on a single-core machine
    # The test run's own server threads (SMTP, live server) stand in for none: fork as fetch_mail --once does.
    monkeypatch.setattr(parsing_pool, "other_threads_running", lambda: False)
    started = []
    real_start = parsing_pool.ParserPool._start
    monkeypatch.setattr(parsing_pool.ParserPool, "_start", lambda self: started.append(1) or real_start(self))
    mailbox = make_mailbox()
    count = parsing_pool.PARSE_AHEAD_FROM
    store_backlog(mailbox, count, {0: "The zebrawood ladder arrived broken."})
    store_raw(mailbox, b"\x00\x01\x02 not mail \xff" * 20, source="imap")

    summary = process_pending(mailbox)

    assert started, "a backlog this size is read ahead in worker processes"
    assert (summary.new_tickets, summary.replies, summary.quarantined) == (count // 2, count // 2, 1)
    assert sorted(Ticket.objects.values_list("message_count", flat=True)) == [2] * (count // 2)
    assert RawMessage.objects.get(state="quarantined").error.startswith("MessageParseError")
    found = search_tickets(Ticket.objects.all(), "zebrawood")
    assert [ticket.subject for ticket in found] == ["Order 0"]


def test_a_few_pending_messages_are_parsed_in_place(monkeypatch):
    monkeypatch.setattr(parsing_pool, "parse_workers", lambda: 2)
    monkeypatch.setattr(
        parsing_pool.ParserPool, "_start", lambda self: pytest.fail("no workers for 2 messages")
    )
    mailbox = make_mailbox()
    store_raw(mailbox, mail(), source="imap")
    store_raw(
        mailbox,
        mail(message_id="<r@customer.example>", in_reply_to="<first@customer.example>"),
        source="imap",
    )

    summary = process_pending(mailbox)

    assert (summary.new_tickets, summary.replies) == (1, 1)


def test_a_process_with_other_threads_never_forks_parsers_and_still_reads_its_backlog(monkeypatch):
    """The poller's IMAP IDLE watchers are threads: forking then could copy a lock some thread holds."""
    monkeypatch.setattr(parsing_pool, "parse_workers", lambda: 2)
    monkeypatch.setattr(
        parsing_pool.ParserPool, "_start", lambda self: pytest.fail("forked beside a running thread")
    )
    mailbox = make_mailbox()
    count = parsing_pool.PARSE_AHEAD_FROM
    for n in range(count):
        store_raw(mailbox, mail(message_id=f"<t{n}@customer.example>", subject=f"Topic {n}"), source="imap")
    stop = threading.Event()
    watcher = threading.Thread(target=stop.wait, name="imap-idle stand-in")
    watcher.start()
    try:
        summary = process_pending(mailbox)
    finally:
        stop.set()
        watcher.join()
    assert summary.new_tickets == count
    assert Ticket.objects.filter(mailbox=mailbox).count() == count


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_the_workers_read_the_raws_and_index_the_tickets_and_a_dying_one_costs_one_message(
    monkeypatch,
):
    """Committed mail on PostgreSQL: the writing process neither reads the raw bytes nor builds the
    search index; a worker killed by one message (as the OOM killer would) loses no other message."""
    monkeypatch.setattr(parsing_pool, "parse_workers", lambda: 2)
    monkeypatch.setattr(parsing_pool, "other_threads_running", lambda: False)
    read_here = []
    real_pending_raws = parsing_pool._pending_raws
    monkeypatch.setattr(
        parsing_pool, "_pending_raws", lambda pks: read_here.extend(pks) or real_pending_raws(pks)
    )
    real_parse = parsing_pool.parse_message

    def parse_or_die(raw):
        if b"crash-the-parser" in raw:
            os._exit(1)
        return real_parse(raw)

    monkeypatch.setattr(parsing_pool, "parse_message", parse_or_die)  # inherited by the forked workers
    mailbox = make_mailbox()
    count = parsing_pool.PARSE_AHEAD_FROM
    store_backlog(mailbox, count, {0: "The zebrawood ladder arrived broken.", 5: "crash-the-parser"})

    summary = process_pending(mailbox)

    assert (summary.new_tickets, summary.replies, summary.quarantined) == (count // 2, count // 2 - 1, 1)
    dead = RawMessage.objects.get(state=RawMessage.State.QUARANTINED)
    assert b"crash-the-parser" in bytes(dead.raw)
    assert "The parser process died while reading this message" in dead.error
    # Only the group of the dying message was read again here, one message at a time.
    assert 0 < len(read_here) <= parsing_pool.LOAD_GROUP
    assert not RawMessage.objects.filter(state=RawMessage.State.PENDING).exists()
    found = search_tickets(Ticket.objects.all(), "zebrawood")
    assert [ticket.subject for ticket in found] == ["Order 0"]
    assert len(search_tickets(Ticket.objects.all(), "Order")) == count // 2  # every ticket is indexed
