"""WordPress-style actions and filters on Wagtail's hook registry, and the plugin registry.

Plugins register functions with Wagtail's own ``wagtail.hooks.register(name)``; the core
fires them with :func:`do_action` (notify, return values ignored) and
:func:`apply_filters` (a value passed through every function in order). Functions that
belong to a deactivated plugin never run. See docs/plugins.md.
"""

from .hooks import apply_filters, define_action, define_filter, defined_hooks, do_action
from .manifest import PluginManifest

__all__ = [
    "PluginManifest",
    "apply_filters",
    "define_action",
    "define_filter",
    "defined_hooks",
    "do_action",
]
