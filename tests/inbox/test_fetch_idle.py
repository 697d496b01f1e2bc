"""IMAP IDLE against the real dovecot: new mail is fetched at once, not at the next poll interval."""

import threading
import time

import pytest

from inbox.mail.fetch import poll_forever
from inbox.mail.idle import IdleSupervisor
from inbox.models import Ticket
from tests.inbox.test_fetch import mail
from tests.inbox.test_fetch_poller import wait_until

# Far longer than any wait below: only IDLE can explain a prompt fetch.
LONG_INTERVAL = 3600


def run_poller(results):
    stop = threading.Event()
    poller = threading.Thread(target=poll_forever, args=(stop,), kwargs={"report": results.append})
    poller.start()
    return stop, poller


def stored(results, name):
    return sum(result.stored for result in results if result.mailbox == name)


@pytest.mark.django_db(transaction=True)
def test_mail_arriving_during_a_long_poll_interval_is_fetched_within_seconds(imap_account):
    imap_account.create_folder("Billing")
    mailbox = imap_account.mailbox(name="Idle", folders="INBOX,Billing", poll_interval=LONG_INTERVAL)
    imap_account.append(mail(1))
    results = []
    stop, poller = run_poller(results)
    try:
        assert wait_until(lambda: stored(results, "Idle") == 1)  # the first poll
        time.sleep(1)  # the watchers are in IDLE by now
        imap_account.append(mail(2))
        assert wait_until(lambda: stored(results, "Idle") == 2, timeout=15), "IDLE did not wake the poller"
        imap_account.append(mail(3), folder="Billing")  # the second folder has its own IDLE connection
        assert wait_until(lambda: stored(results, "Idle") == 3, timeout=15)
    finally:
        stop.set()
        poller.join(timeout=15)
    assert not poller.is_alive(), "the poller did not stop when asked"
    assert sorted(Ticket.objects.filter(mailbox=mailbox).values_list("subject", flat=True)) == [
        "Question number 1",
        "Question number 2",
        "Question number 3",
    ]


@pytest.mark.django_db(transaction=True)
def test_without_idle_the_poll_interval_decides(imap_account, settings):
    settings.HELPDESK_IMAP_IDLE = False
    imap_account.mailbox(name="Polled", poll_interval=LONG_INTERVAL)
    imap_account.append(mail(1))
    results = []
    stop, poller = run_poller(results)
    try:
        assert wait_until(lambda: stored(results, "Polled") == 1)
        imap_account.append(mail(2))
        time.sleep(4)
        assert stored(results, "Polled") == 1  # waits for the interval
    finally:
        stop.set()
        poller.join(timeout=15)


@pytest.mark.django_db
def test_a_watcher_with_a_wrong_password_retries_quietly_and_follows_a_corrected_mailbox(imap_account):
    mailbox = imap_account.mailbox(name="Typo", imap_password="wrong")
    supervisor = IdleSupervisor()
    try:
        supervisor.sync([mailbox])
        first = supervisor.watchers[mailbox.pk]
        supervisor.sync([mailbox])
        assert supervisor.watchers[mailbox.pk] is first  # same settings: the same watcher keeps retrying
        mailbox.imap_password = imap_account.password
        mailbox.save()
        supervisor.sync([mailbox])
        assert supervisor.watchers[mailbox.pk] is not first  # new password: a new connection
        assert wait_until(lambda: not first.alive(), timeout=10)
        imap_account.append(mail(1))
        assert wait_until(lambda: mailbox.pk in supervisor.take_changed(), timeout=15)
        supervisor.sync([])  # paused or deleted: its watcher stops
        assert supervisor.watchers == {}
    finally:
        supervisor.stop()
