"""The worker's poller in-process: every active mailbox on its interval, errors survived, clean stop.

The real ``fetch_mail`` process and its SIGTERM handling are tested in test_kill.py.
"""

import threading
import time

import pytest

from inbox.mail.fetch import poll_forever
from inbox.models import RawMessage, Ticket
from tests.inbox.test_fetch import mail


def wait_until(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_poller_fetches_new_mail_on_each_interval_despite_a_broken_mailbox(imap_account, dovecot):
    broken_account = dovecot.add_user()
    working = imap_account.mailbox(name="Working", poll_interval=1)
    broken = broken_account.mailbox(name="Broken", poll_interval=1, imap_password="wrong")
    imap_account.append(mail(1))
    results = []
    stop = threading.Event()
    poller = threading.Thread(target=poll_forever, args=(stop,), kwargs={"report": results.append})

    def stored(name):
        return sum(result.stored for result in results if result.mailbox == name)

    # Only the poller touches the database while it runs (SQLite's shared in-memory test database).
    poller.start()
    try:
        assert wait_until(lambda: stored("Working") == 1)
        imap_account.append(mail(2))  # arrives while the poller runs: picked up on a later round
        assert wait_until(lambda: stored("Working") == 2)
        assert wait_until(lambda: sum(result.mailbox == "Broken" for result in results) >= 2)
    finally:
        stop.set()
        poller.join(timeout=10)
    assert not poller.is_alive(), "the poller did not stop when asked"
    broken.refresh_from_db()
    assert broken.last_error.startswith("The IMAP server rejected the user name or password")
    assert all(not result.ok for result in results if result.mailbox == "Broken")
    assert Ticket.objects.filter(mailbox=working).count() == 2
    assert RawMessage.objects.filter(mailbox=working).count() == 2


@pytest.mark.django_db(transaction=True)
def test_inactive_mailboxes_are_not_polled(imap_account):
    imap_account.append(mail(1))
    imap_account.mailbox(name="Paused", active=False, poll_interval=1)
    results = []
    stop = threading.Event()
    poller = threading.Thread(target=poll_forever, args=(stop,), kwargs={"report": results.append})
    poller.start()
    time.sleep(1.5)
    stop.set()
    poller.join(timeout=10)
    assert results == [] and not RawMessage.objects.exists()
