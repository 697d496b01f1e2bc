"""A backlog of pending mail (e.g. a fetched batch) is read ahead in worker processes, with the same result."""

import threading

import pytest

from inbox.mail import parsing_pool
from inbox.mail.ingest import process_pending, store_raw
from inbox.models import RawMessage, Ticket
from inbox.search import search_tickets
from tests.inbox.ingest_support import mail, make_mailbox

pytestmark = pytest.mark.django_db


def test_a_backlog_is_parsed_in_workers_threaded_searchable_and_a_broken_one_quarantined(monkeypatch):
    monkeypatch.setattr(parsing_pool, "parse_workers", lambda: 2)  # also on a single-core machine
    # The test run's own server threads (SMTP, live server) stand in for none: fork as fetch_mail --once does.
    monkeypatch.setattr(parsing_pool, "other_threads_running", lambda: False)
    started = []
    real_start = parsing_pool.ParserPool._start
    monkeypatch.setattr(parsing_pool.ParserPool, "_start", lambda self: started.append(1) or real_start(self))
    mailbox = make_mailbox()
    count = parsing_pool.PARSE_AHEAD_FROM
    for n in range(count):
        previous = f"<m{n - 1}@customer.example>" if n % 2 else None
        body = "The zebrawood ladder arrived broken." if n == 0 else f"Message number {n}."
        store_raw(
            mailbox,
            mail(
                message_id=f"<m{n}@customer.example>",
                in_reply_to=previous,
                subject=f"Order {n // 2}",
                body=body,
            ),
            source="imap",
        )
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
