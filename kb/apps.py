from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeBaseConfig(AppConfig):
    """The public knowledge base: categories, articles, search, feedback and analytics."""

    name = "kb"
    verbose_name = _("Knowledge base")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import hookspecs, signals  # noqa: F401  (hookspecs declares the hooks kb fires)

        signals.connect()
