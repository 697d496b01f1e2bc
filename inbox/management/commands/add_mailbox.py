"""manage.py add_mailbox: add a support mailbox from IMAP and SMTP URLs (see inbox.mail.connection)."""

from django.core.management.base import BaseCommand, CommandError

from inbox.mail.connection import MailboxURLError, check_imap, mailbox_from_urls


class Command(BaseCommand):
    help = (
        "Add a mailbox, e.g. add_mailbox Support --address support@example.com "
        "--imap imaps://user:pass@imap.example.com:993/INBOX "
        "--smtp smtps://user:pass@smtp.example.com:465. Schemes: imaps, imap+starttls, imap; "
        "smtps, smtp+starttls, smtp. Several folders: /INBOX,Support. Percent-encode special "
        "characters of user names and passwords (/ is %2F, @ is %40). Nothing is contacted unless --check."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Name shown in the inbox, e.g. Support")
        parser.add_argument("--address", required=True, help="The mailbox's email address")
        parser.add_argument(
            "--imap", required=True, metavar="URL", help="imaps://user:password@host:993/INBOX"
        )
        parser.add_argument("--smtp", required=True, metavar="URL", help="smtps://user:password@host:465")
        parser.add_argument("--sender-name", default="", help="Name on outgoing mail, e.g. 'Example Support'")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between fetches (default 60)")
        parser.add_argument("--inactive", action="store_true", help="Store it but do not fetch yet")
        parser.add_argument(
            "--check", action="store_true", help="Test IMAP and SMTP first; store only if both work"
        )

    def handle(self, *args, **options):
        if options["interval"] < 1:
            raise CommandError("--interval must be at least 1 second")
        try:
            mailbox = mailbox_from_urls(
                options["name"],
                options["address"],
                options["imap"],
                options["smtp"],
                sender_name=options["sender_name"],
                poll_interval=options["interval"],
                active=not options["inactive"],
            )
        except MailboxURLError as exc:
            raise CommandError(str(exc)) from None
        if options["check"]:
            self._check(mailbox)
        mailbox.save()
        state = "active" if mailbox.active else "inactive"
        server = f"{mailbox.imap_host}:{mailbox.imap_port}"
        self.stdout.write(
            f"Added mailbox {mailbox.name} <{mailbox.address}> ({state}, fetching "
            f"{mailbox.imap_folders} from {server} every {mailbox.poll_interval} s)"
        )

    def _check(self, mailbox):
        from inbox.mail.send import check_smtp

        failed = False
        for label, check in (("IMAP", check_imap), ("SMTP", check_smtp)):
            outcome = check(mailbox)
            failed |= not outcome.ok
            self.stdout.write(f"{label}: {'ok' if outcome.ok else 'FAILED'}: {outcome.message}")
        if failed:
            raise CommandError("not stored: fix the settings above, or add the mailbox without --check")
