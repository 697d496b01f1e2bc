"""Admin wiring of the WooCommerce bridge: the store settings, its views and the sidebar panel."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.contrib.settings.registry import register_setting

from inbox.plugin_api import SidebarPanel

from . import views
from .models import WooCommerceSettings

register_setting(WooCommerceSettings, icon="tag")


@hooks.register("register_admin_urls")
def woo_bridge_admin_urls():
    urls = [
        path("tickets/<int:ticket_id>/orders/", views.ticket_orders, name="ticket_orders"),
        path("sites/<int:site_id>/test-connection/", views.test_connection, name="test_connection"),
    ]
    return [path("woocommerce/", include((urls, "woo_bridge"), namespace="woo_bridge"))]


@hooks.register("inbox.sidebar_panels")
def add_orders_panel(panels, ticket, request):
    url = reverse("woo_bridge:ticket_orders", args=[ticket.pk])
    return [*panels, SidebarPanel(key="woo_bridge_orders", title=_("WooCommerce orders"), url=url, order=50)]
