from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from helpdesk_site.plugins import PluginManifest


class WooBridgeConfig(AppConfig):
    """Plugin: the customer's WooCommerce orders in the ticket sidebar."""

    name = "woo_bridge"
    verbose_name = _("WooCommerce bridge")
    plugin = PluginManifest(
        name="WooCommerce bridge",
        version="1.0.0",
        description="Shows the customer's WooCommerce orders beside each ticket.",
        settings={
            "Settings › WooCommerce store": "Per site, in the admin: store address, API keys (stored "
            "encrypted, never shown again), timeout, minutes to keep orders, order edit screen.",
            "WOO_BRIDGE_ERROR_CACHE_SECONDS": "How long a store failure is remembered before the store "
            "is asked again (default 30).",
        },
    )
