from django.core.management.base import BaseCommand

from kb.view_counts import flush_view_counts


class Command(BaseCommand):
    help = (
        "Move knowledge base article view counts from the cache to the database (run it every few minutes)."
    )

    def handle(self, *args, **options):
        moved = flush_view_counts()
        self.stdout.write(f"Flushed {moved} article views.")
