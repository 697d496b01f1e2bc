"""Test settings with the bundled plugins removed from INSTALLED_APPS entirely."""

from helpdesk_site.settings.test import *  # noqa: F403

REMOVED_PLUGINS = ("saved_replies", "woo_bridge")
INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in REMOVED_PLUGINS]  # noqa: F405
