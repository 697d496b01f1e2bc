"""IMAP IDLE: new mail wakes the poller at once instead of at the mailbox's next poll interval.

For every active mailbox whose server advertises IDLE, one daemon thread keeps a connection
per folder in IDLE (RFC 2177). When the server reports a change (EXISTS, RECENT, EXPUNGE …)
the thread marks the mailbox due and wakes the poller, which then fetches it through the same
exactly-once path as a timed poll (``fetch_mailbox``). The watcher never reads or stores mail
itself and never touches the database, so a broken IDLE connection costs nothing but speed:
the poll interval still applies, and the thread reconnects with a growing pause.

IDLE is re-issued every ``IDLE_RENEW_SECONDS`` (servers drop IDLE after 30 minutes). Setting
``HELPDESK_IMAP_IDLE = False`` turns it off (plain polling only).
"""

import logging
import threading
import time

from django.conf import settings

from inbox.mail.connection import MailServerError, _close, open_imap

logger = logging.getLogger(__name__)

# Re-issue IDLE well before the 29-minute limit of RFC 2177.
IDLE_RENEW_SECONDS = 10 * 60
# How long one wait for server responses lasts; also bounds how late a stop request is seen.
CHECK_SECONDS = 2
RETRY_SECONDS = (5, 15, 60, 300)
# Responses that mean the folder changed.
CHANGE_WORDS = {b"EXISTS", b"RECENT", b"EXPUNGE", b"FETCH"}


def idle_enabled():
    return getattr(settings, "HELPDESK_IMAP_IDLE", True)


def connection_key(mailbox):
    """What a watcher's connection depends on: a change restarts the watcher."""
    return (
        mailbox.imap_host,
        mailbox.imap_port,
        mailbox.imap_security,
        mailbox.imap_username,
        str(mailbox.imap_password),
        tuple(mailbox.folder_list),
    )


class MailboxWatcher:
    """One thread holding IDLE on each folder of one mailbox (one connection per folder)."""

    def __init__(self, mailbox, on_change):
        self.mailbox_pk = mailbox.pk
        self.name = mailbox.name
        self.key = connection_key(mailbox)
        self._mailbox = mailbox
        self._on_change = on_change
        self._stop = threading.Event()
        self.unsupported = False  # the server has no IDLE: polling alone serves this mailbox
        self.threads = [
            threading.Thread(
                target=self._run, args=(folder,), name=f"imap-idle {mailbox.name}/{folder}", daemon=True
            )
            for folder in mailbox.folder_list
        ]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self._stop.set()

    def alive(self):
        return any(thread.is_alive() for thread in self.threads)

    def _run(self, folder):
        failures = 0
        while not self._stop.is_set():
            try:
                self._idle_on(folder)
                failures = 0
            except Exception as exc:  # network, TLS, login: polling goes on; try again later
                if self._stop.is_set():
                    return
                pause = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                reason = str(exc) if isinstance(exc, MailServerError) else type(exc).__name__
                logger.info(
                    "IMAP IDLE on %s/%s stopped (%s); retrying in %s s", self.name, folder, reason, pause
                )
                self._stop.wait(pause)
            if self.unsupported:
                return

    def _idle_on(self, folder):
        client = open_imap(self._mailbox)
        try:
            if not client.has_capability("IDLE"):
                self.unsupported = True
                logger.info("The IMAP server of %s has no IDLE; it is polled on its interval", self.name)
                return
            client.select_folder(folder, readonly=True)
            while not self._stop.is_set():
                client.idle()
                renew_at = time.monotonic() + IDLE_RENEW_SECONDS
                changed = False
                try:
                    while not self._stop.is_set() and time.monotonic() < renew_at:
                        responses = client.idle_check(timeout=CHECK_SECONDS)
                        if any(_is_change(response) for response in responses):
                            changed = True
                            break
                finally:
                    client.idle_done()
                if changed:
                    self._on_change(self.mailbox_pk)
        finally:
            _close(client)


def _is_change(response):
    return isinstance(response, tuple) and any(
        isinstance(part, bytes) and part.upper() in CHANGE_WORDS for part in response
    )


class IdleSupervisor:
    """Keeps one ``MailboxWatcher`` per active mailbox in step with the poller's list of mailboxes.

    ``changed`` holds the pks of mailboxes with news; ``wake`` is set whenever one arrives, so the
    poller can wait on it instead of sleeping out its pause.
    """

    def __init__(self):
        self.wake = threading.Event()
        self._lock = threading.Lock()
        self._changed = set()
        self.watchers = {}

    def _note_change(self, mailbox_pk):
        with self._lock:
            self._changed.add(mailbox_pk)
        self.wake.set()

    def take_changed(self):
        """The pks of mailboxes that reported news since the last call."""
        with self._lock:
            self.wake.clear()
            changed, self._changed = self._changed, set()
        return changed

    def sync(self, mailboxes):
        """Start watchers for new or reconfigured mailboxes, stop those of mailboxes gone or paused."""
        wanted = {mailbox.pk: mailbox for mailbox in mailboxes if mailbox.imap_host}
        for pk, watcher in list(self.watchers.items()):
            mailbox = wanted.get(pk)
            unchanged = mailbox is not None and watcher.key == connection_key(mailbox)
            # A server without IDLE is not asked again until the mailbox's settings change.
            if unchanged and (watcher.alive() or watcher.unsupported):
                continue
            watcher.stop()
            del self.watchers[pk]
        for pk, mailbox in wanted.items():
            if pk not in self.watchers:
                self.watchers[pk] = MailboxWatcher(mailbox, self._note_change)
                self.watchers[pk].start()

    def stop(self):
        for watcher in self.watchers.values():
            watcher.stop()
        self.watchers = {}
