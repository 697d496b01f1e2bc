from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from helpdesk_site.plugins import PluginManifest


class SavedRepliesConfig(AppConfig):
    """Plugin: canned answers agents insert into the reply composer."""

    name = "saved_replies"
    verbose_name = _("Saved replies")
    plugin = PluginManifest(
        name="Saved replies",
        version="1.0.0",
        description="Reusable answers that agents insert into a reply with one click.",
    )
