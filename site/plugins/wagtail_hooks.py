from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import registry, views


@hooks.register("register_admin_urls")
def plugins_admin_urls():
    urls = [
        path("", views.plugin_list, name="list"),
        path("<str:app_label>/toggle/", views.plugin_toggle, name="toggle"),
    ]
    return [path("plugins/", include((urls, "plugins"), namespace="plugins"))]


class PluginsMenuItem(MenuItem):
    def is_shown(self, request):
        return views.can_manage_plugins(request.user)


@hooks.register("register_settings_menu_item")
def plugins_menu_item():
    return PluginsMenuItem(_("Plugins"), reverse("plugins:list"), icon_name="plug", order=900)


@hooks.register("construct_main_menu")
@hooks.register("construct_settings_menu")
def hide_menu_items_of_inactive_plugins(request, menu_items):
    """Viewset menu items are registered by Wagtail's code, not the plugin's, so filter by URL."""
    from django.urls import Resolver404, resolve

    kept = []
    for item in menu_items:
        url = getattr(item, "url", None)
        try:
            label = registry.owner_of_view(resolve(url)) if url and url.startswith("/") else None
        except Resolver404:
            label = None
        if label is None or registry.is_active(label):
            kept.append(item)
    menu_items[:] = kept
