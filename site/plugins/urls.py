from django.urls import include, path

from . import registry


def plugin_public_urls():
    """Public (non-admin) URLs of plugins whose AppConfig names a ``public_urls`` module.

    They are mounted under ``/plugins/<label>/``; PluginGateMiddleware refuses them while
    the plugin is inactive.
    """
    return [
        path(f"plugins/{config.label}/", include(config.public_urls))
        for config in registry.installed_plugins()
        if getattr(config, "public_urls", None)
    ]
