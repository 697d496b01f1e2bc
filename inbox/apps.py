from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    """Mailboxes, the mail pipeline (IMAP in, SMTP out), tickets and the agents' inbox."""

    name = "inbox"
    verbose_name = _("Inbox")

    def ready(self):
        from . import (  # noqa: F401  (keep the search index and SQLite statistics current)
            hookspecs,  # noqa: F401  (defines the inbox's actions and filters)
            search,
            sqlite_stats,
        )
