"""manage.py import_mail: import mail history (.eml files, folders, mbox, Maildir) into a mailbox."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from inbox.mail.importer import ImportPathError, import_paths
from inbox.models import Mailbox


def mailbox_named(name):
    """The mailbox with this name (or address); CommandError listing the known ones otherwise."""
    mailbox = Mailbox.objects.filter(Q(name=name) | Q(address__iexact=name)).first()
    if mailbox is None:
        known = ", ".join(Mailbox.objects.values_list("name", flat=True)) or "none yet (see add_mailbox)"
        raise CommandError(f"no mailbox named {name!r}; mailboxes: {known}")
    return mailbox


class Command(BaseCommand):
    help = (
        "Import .eml files, folders of them, mbox files and Maildirs into a mailbox, threaded like live "
        "mail but without auto-replies or notifications. Never connects to the IMAP server."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--mailbox", metavar="NAME", required=True, help="Name (or address) of the mailbox"
        )
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help=".eml file, folder, mbox file or Maildir"
        )

    def handle(self, *args, **options):
        mailbox = mailbox_named(options["mailbox"])
        try:
            result = import_paths(mailbox, options["paths"])
        except ImportPathError as exc:
            raise CommandError(f"nothing imported: {exc}")
        for problem in result.problems:
            self.stderr.write(f"skipped: {problem}")
        self.stdout.write(str(result))
        if result.problems:
            raise CommandError(f"{len(result.problems)} files or messages could not be read (listed above)")
