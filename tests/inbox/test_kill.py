"""Killing ``fetch_mail`` with SIGKILL mid-batch and starting it again loses and duplicates nothing.

The fetcher runs as a real ``manage.py`` process. On SQLite it gets a file copy of the (empty,
migrated) test database, since the test database lives in memory; on PostgreSQL it shares the
test database, which this test leaves committed (transactional_db).
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

MESSAGES = 300
BATCH = 10
ROOT = Path(__file__).resolve().parents[2]


def numbered(n):
    return (
        f"From: Customer {n} <customer{n}@example.org>\r\nTo: support@example.test\r\n"
        f"Subject: Order {n} did not arrive\r\nMessage-ID: <kill-{n}@example.org>\r\n"
        f"Date: Tue, 4 Mar 2025 09:00:00 +0000\r\n\r\nWhere is order {n}?\r\n"
    ).encode()


class FetcherDatabase:
    """Where the subprocess writes, and how the test reads counts from it while it runs."""

    def __init__(self, tmp_path):
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.path = tmp_path / "helpdesk.sqlite3"
            target = sqlite3.connect(self.path)
            connection.ensure_connection()
            connection.connection.backup(target)  # schema of the migrated test database, in milliseconds
            target.close()
            self.url = f"sqlite:///{self.path}"
        else:
            settings = connection.settings_dict
            auth = quote(settings["USER"] or "", safe="")
            if settings["PASSWORD"]:
                auth += ":" + quote(settings["PASSWORD"], safe="")
            host = f"{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
            self.url = f"postgres://{auth}@{host}/{settings['NAME']}"

    def scalar(self, sql):
        if self.vendor == "sqlite":
            db = sqlite3.connect(self.path, timeout=20)
            try:
                return db.execute(sql).fetchone()[0]
            finally:
                db.close()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]


def manage(env, *args, **popen):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )


def children_of(pid):
    """Pids of the live processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def wait_until_gone(pids, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.05)
    return False


def kill_when(process, database, minimum, maximum, timeout=30):
    """SIGKILL the process once the stored count lies in [minimum, maximum); returns that count."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stored = database.scalar("SELECT COUNT(*) FROM inbox_rawmessage")
        if stored >= minimum:
            assert stored < maximum, f"the fetcher stored {stored} before it could be killed"
            children = children_of(process.pid)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            # Its parser processes die with it: none is left holding a database connection.
            assert wait_until_gone(children), f"parser processes {children} outlived the killed fetcher"
            return stored
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"fetch_mail ended before the kill: {out.decode()} {err.decode()}")
        time.sleep(0.005)
    process.kill()
    raise AssertionError("fetch_mail stored nothing in time")


@pytest.mark.django_db(transaction=True)
def test_killing_the_fetcher_mid_batch_loses_and_duplicates_nothing(imap_account, tmp_path):
    uids = imap_account.append_many([numbered(n) for n in range(MESSAGES)])
    assert len(uids) == MESSAGES
    database = FetcherDatabase(tmp_path)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings.test",
        "DATABASE_URL": database.url,
        "HELPDESK_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
    }
    added = manage(
        env,
        "add_mailbox",
        "Support",
        "--address",
        "support@example.test",
        "--imap",
        imap_account.url(),
        "--smtp",
        "smtp://127.0.0.1:25",
    )
    out, err = added.communicate(timeout=60)
    assert added.returncode == 0, err.decode()

    fetch = ("fetch_mail", "--once", "--batch-size", str(BATCH))
    first = kill_when(manage(env, *fetch), database, BATCH, MESSAGES)
    second = kill_when(manage(env, *fetch), database, first + 3 * BATCH, MESSAGES)
    assert first < second < MESSAGES

    final = manage(env, *fetch)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    assert "Support: " in out.decode()

    assert database.scalar("SELECT COUNT(*) FROM inbox_rawmessage") == MESSAGES
    assert database.scalar("SELECT COUNT(DISTINCT message_id) FROM inbox_rawmessage") == MESSAGES
    assert database.scalar("SELECT COUNT(DISTINCT uid) FROM inbox_rawmessage") == MESSAGES
    assert database.scalar("SELECT COUNT(*) FROM inbox_rawmessage WHERE state <> 'processed'") == 0
    assert database.scalar("SELECT COUNT(*) FROM inbox_message") == MESSAGES
    assert database.scalar("SELECT COUNT(DISTINCT message_id) FROM inbox_message") == MESSAGES
    assert database.scalar("SELECT MAX(last_uid) FROM inbox_mailboxfolderstate") == max(uids)
    # Still unread and in place on the server.
    flags = imap_account.flags()
    assert len(flags) == MESSAGES and not any(b"\\Seen" in f or b"\\Deleted" in f for f in flags.values())


@pytest.mark.django_db(transaction=True)
def test_two_workers_store_each_message_once_and_the_poller_stops_on_sigterm(imap_account, tmp_path):
    count = 120
    imap_account.append_many([numbered(n) for n in range(count)])
    database = FetcherDatabase(tmp_path)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings.test",
        "DATABASE_URL": database.url,
        "HELPDESK_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
    }
    added = manage(
        env, "add_mailbox", "Support", "--address", "support@example.test",
        "--imap", imap_account.url(), "--smtp", "smtp://127.0.0.1:25", "--interval", "1",
    )  # fmt: skip
    assert added.wait(timeout=60) == 0, added.stderr.read().decode()

    poller = manage(env, "fetch_mail", "--batch-size", "5")
    once = manage(env, "fetch_mail", "--once", "--batch-size", "5")
    try:
        out, err = once.communicate(timeout=120)
        assert once.returncode == 0, out.decode() + err.decode()
        stored = lambda: database.scalar("SELECT COUNT(*) FROM inbox_message")  # noqa: E731
        assert wait_for(lambda: stored() == count), f"{stored()} of {count} messages stored"
        imap_account.append(numbered(count))  # the poller keeps polling: it picks this one up
        assert wait_for(lambda: stored() == count + 1), f"{stored()} of {count + 1} messages stored"
    finally:
        poller.send_signal(signal.SIGTERM)
        out, err = poller.communicate(timeout=30)
    assert poller.returncode == 0, err.decode()
    assert out.decode().rstrip().endswith("Stopped.")

    assert database.scalar("SELECT COUNT(*) FROM inbox_rawmessage") == count + 1
    assert database.scalar("SELECT COUNT(DISTINCT message_id) FROM inbox_rawmessage") == count + 1
    assert database.scalar("SELECT COUNT(DISTINCT message_id) FROM inbox_message") == count + 1
    assert database.scalar("SELECT COUNT(*) FROM inbox_rawmessage WHERE state <> 'processed'") == 0


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
