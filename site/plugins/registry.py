"""Which installed apps are plugins, which of them are active, and who owns a hook or view.

Activation is stored in the database (``PluginState``). Each process keeps a snapshot
and re-reads it when the shared cache says it changed, checked at most once a second,
so a change made on the Plugins screen reaches every web process and worker within a
second and the hot path costs no query.
"""

import time
from functools import lru_cache

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from wagtail import hooks as wagtail_hooks

VERSION_KEY = "plugins:state-version"
RECHECK_SECONDS = 1.0
# Hooks Wagtail calls once while building URLs: they must always run so that a plugin
# activated later has its views; requests to an inactive plugin's views are refused by
# PluginGateMiddleware instead.
STARTUP_HOOKS = {"register_admin_urls", "register_admin_viewset", "register_rich_text_features"}

_snapshot = {"states": None, "version": None, "checked": 0.0}


def installed_plugins():
    """AppConfigs of installed apps that carry a ``plugin`` manifest, in INSTALLED_APPS order."""
    return [config for config in apps.get_app_configs() if getattr(config, "plugin", None) is not None]


def plugin_labels():
    return {config.label for config in installed_plugins()}


def _load_states():
    from .models import PluginState

    try:
        return dict(PluginState.objects.values_list("app_label", "active"))
    except DatabaseError:
        return {}  # before migrations: every plugin in its default state


def _states():
    now = time.monotonic()
    if _snapshot["states"] is None or now - _snapshot["checked"] > RECHECK_SECONDS:
        version = cache.get(VERSION_KEY)
        if _snapshot["states"] is None or version != _snapshot["version"]:
            _snapshot["states"] = _load_states()
            _snapshot["version"] = version
        _snapshot["checked"] = now
    return _snapshot["states"]


def invalidate():
    """Forget this process's snapshot (tests, and after a change in this process)."""
    _snapshot["states"] = None


def is_active(app_label):
    """True for core apps and for active plugins; False for inactive or absent plugins."""
    try:
        config = apps.get_app_config(app_label)
    except LookupError:
        return False
    manifest = getattr(config, "plugin", None)
    if manifest is None:
        return True
    return _states().get(app_label, manifest.active_by_default)


def set_active(app_label, active, user=None):
    from .models import PluginState

    if app_label not in plugin_labels():
        raise LookupError(app_label)
    PluginState.objects.update_or_create(app_label=app_label, defaults={"active": active, "changed_by": user})
    cache.set(VERSION_KEY, time.time_ns(), None)
    invalidate()


@lru_cache(maxsize=4096)
def owner_label(module_name):
    """App label of the installed app that contains ``module_name``, or None."""
    config = apps.get_containing_app_config(module_name) if module_name else None
    return config.label if config else None


def callable_is_enabled(fn):
    label = owner_label(getattr(fn, "__module__", None))
    return label is None or is_active(label)


_original_get_hooks = wagtail_hooks.get_hooks


def get_hooks_of_active_plugins(hook_name):
    found = _original_get_hooks(hook_name)
    if hook_name in STARTUP_HOOKS:
        return found
    return [fn for fn in found if callable_is_enabled(fn)]


def filter_wagtail_hooks_by_plugin_state():
    """Make every ``wagtail.hooks.get_hooks`` call skip functions of inactive plugins.

    Wagtail itself calls ``hooks.get_hooks(name)`` through the module for every hook it
    runs, so this one replacement makes menu items, admin panels, page hooks and our own
    actions and filters all follow the Plugins screen.
    """
    wagtail_hooks.get_hooks = get_hooks_of_active_plugins


_viewset_owners = {}


def viewset_owners():
    """Map admin URL namespace -> app label for every registered Wagtail viewset.

    Viewsets are all registered once the admin URLs are built, so the map is made once.
    """
    from wagtail.admin.viewsets import viewsets

    if len(_viewset_owners) != len(viewsets.viewsets):
        _viewset_owners.clear()
        for viewset in viewsets.viewsets:
            model = getattr(viewset, "model", None)
            meta = getattr(model, "_meta", None)
            label = meta.app_label if meta is not None else owner_label(type(viewset).__module__)
            try:
                namespace = viewset.url_namespace
            except ImproperlyConfigured:  # e.g. Wagtail's page viewset has no namespace of its own
                namespace = None
            _viewset_owners[namespace or id(viewset)] = label
    return _viewset_owners


def owner_of_view(match):
    """App label of the app a resolved URL belongs to (view module or viewset namespace)."""
    owners = viewset_owners()
    for namespace in match.namespaces:
        if namespace in owners:
            return owners[namespace]
    if "wagtailsettings" in match.namespaces and "app_name" in match.kwargs:
        return match.kwargs["app_name"]  # Wagtail's settings screens serve every app's settings models
    view = getattr(match.func, "view_class", match.func)
    return owner_label(getattr(view, "__module__", None))
