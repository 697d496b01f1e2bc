"""manage.py process_mail: process raw messages waiting in the pipeline, or re-process quarantined ones."""

from django.core.management.base import BaseCommand, CommandError

from inbox.mail.ingest import IngestSummary, process_pending, reprocess
from inbox.management.commands.import_mail import mailbox_named
from inbox.models import RawMessage


class Command(BaseCommand):
    help = (
        "Process pending raw messages (stored but not yet threaded, e.g. after a crash). With --quarantined, "
        "re-process quarantined messages too (after a fix); with --id, just those raw messages."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", metavar="NAME", help="Only this mailbox (name or address)")
        parser.add_argument("--quarantined", action="store_true", help="Also re-process quarantined messages")
        parser.add_argument(
            "--id", type=int, action="append", default=[], help="Re-process this raw message (repeatable)"
        )
        parser.add_argument("--limit", type=int, help="Process at most this many pending messages")

    def handle(self, *args, **options):
        mailbox = mailbox_named(options["mailbox"]) if options["mailbox"] else None
        summary = IngestSummary()
        again = RawMessage.objects.none()
        if options["id"]:
            again = RawMessage.objects.filter(pk__in=options["id"])
            missing = set(options["id"]) - set(again.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"no raw message with id {', '.join(map(str, sorted(missing)))}")
        elif options["quarantined"]:
            again = RawMessage.objects.filter(state=RawMessage.State.QUARANTINED)
        if mailbox is not None:
            again = again.filter(mailbox=mailbox)
        failures = []
        for raw in again.order_by("pk").defer("raw"):
            try:
                summary.count(reprocess(raw))
            except ValueError as exc:  # already part of a ticket
                failures.append(f"raw message {raw.pk}: {exc}")
        if not options["id"]:
            summary.add(process_pending(mailbox, limit=options["limit"]))
        for failure in failures:
            self.stderr.write(failure)
        self.stdout.write(f"Processed {summary.total} messages: {summary}")
        if failures:
            raise CommandError(f"{len(failures)} messages were not re-processed (listed above)")
