"""manage.py fetch_mail: fetch new mail over IMAP once (--once) or keep polling (the worker)."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from inbox.mail.fetch import fetch_mailbox, poll_forever
from inbox.models import Mailbox


class Command(BaseCommand):
    help = (
        "Fetch new mail of every active mailbox (or --mailbox NAME). With --once, fetch once and print "
        "a line per mailbox; without it, poll each mailbox on its interval until SIGTERM or Ctrl+C."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--mailbox", metavar="NAME", help="Only this mailbox (with --once, fetched even if inactive)"
        )
        parser.add_argument("--once", action="store_true", help="Fetch once and exit")
        parser.add_argument(
            "--batch-size", type=int, default=100, help="Messages per transaction (default 100)"
        )

    def handle(self, *args, **options):
        name = options["mailbox"]
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        if name and not Mailbox.objects.filter(name=name).exists():
            known = ", ".join(Mailbox.objects.values_list("name", flat=True)) or "none yet (see add_mailbox)"
            raise CommandError(f"no mailbox named {name!r}; mailboxes: {known}")
        if options["once"]:
            self._once(name, options["batch_size"])
        else:
            self._forever(name, options["batch_size"])

    def _once(self, name, batch_size):
        mailboxes = Mailbox.objects.filter(name=name) if name else Mailbox.objects.filter(active=True)
        failures = 0
        for mailbox in mailboxes:
            result = fetch_mailbox(mailbox, batch_size=batch_size)
            failures += not result.ok
            (self.stdout if result.ok else self.stderr).write(result.summary())
        if not mailboxes:
            self.stdout.write("No active mailboxes to fetch (see add_mailbox).")
        if failures:
            raise CommandError(f"{failures} of {len(mailboxes)} mailboxes could not be fetched", returncode=1)

    def _forever(self, name, batch_size):
        stop = threading.Event()

        def request_stop(signum, frame):
            self.stdout.write("Stopping after the current batch…")
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        target = f"mailbox {name}" if name else "every active mailbox"
        self.stdout.write(f"Polling {target}; stop with Ctrl+C")
        self.stdout.flush()

        last_errors = {}

        def report(result):
            # A failing mailbox is reported when its error appears or changes, not on every poll.
            repeated = last_errors.get(result.mailbox) == result.error
            last_errors[result.mailbox] = result.error
            if result.stored or result.duplicates or result.moved or (result.error and not repeated):
                (self.stdout if result.ok else self.stderr).write(result.summary())
                self.stdout.flush()

        poll_forever(stop, mailbox_name=name, batch_size=batch_size, report=report)
        self.stdout.write("Stopped.")
