from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PluginsConfig(AppConfig):
    """The plugin core: activation state, the Plugins admin screen, actions and filters."""

    name = "helpdesk_site.plugins"
    label = "plugins"
    verbose_name = _("Plugins")

    def ready(self):
        from . import core_hooks, registry  # noqa: F401  (core_hooks declares the site's own hooks)

        registry.filter_wagtail_hooks_by_plugin_state()
