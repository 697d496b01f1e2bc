"""First step of ``make run``: database, static files and, on the first run only, demo content."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection


class Command(BaseCommand):
    help = "Check the database, apply migrations, collect static files and seed demo content once."

    def handle(self, *args, **options):
        try:
            connection.ensure_connection()
        except DatabaseError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CommandError(f"DATABASE_URL: cannot connect to the database ({reason})") from None
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        marker = settings.VAR_DIR / "demo-seeded"
        if not marker.exists():
            call_command("seed_demo")
            marker.write_text("Demo content was created; delete this file to allow seed_demo to run again.\n")
