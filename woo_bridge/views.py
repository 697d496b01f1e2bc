"""The sidebar panel's fragment and the admin's "Test connection" screen."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import Site

from inbox.permissions import ticket_for

from . import orders
from .client import StoreError
from .models import WooCommerceSettings


def can_configure(user, site):
    policy = WooCommerceSettings.get_permission_policy()
    return policy.user_has_permission_for_instance(user, "change", site)


def settings_url(site):
    return reverse("wagtailsettings:edit", args=["woo_bridge", "woocommercesettings", site.pk])


def ticket_orders(request, ticket_id):
    """HTML fragment for the ticket sidebar: the customer's recent orders or why there are none."""
    try:
        ticket = ticket_for(request.user, ticket_id)
    except PermissionDenied:
        # A plain 403 for the sidebar's fetch(), not Wagtail's redirect to the dashboard.
        return HttpResponseForbidden(_("You do not work the mailbox of this ticket."))
    store = WooCommerceSettings.for_request(request)
    result = orders.recent_orders_for_customer(store, ticket.customer)
    context = {
        "result": result,
        "store": store,
        "store_searches": [(address, store.orders_search_admin_url(address)) for address in result.addresses],
        "settings_url": settings_url(store.site) if can_configure(request.user, store.site) else "",
    }
    return TemplateResponse(request, "woo_bridge/orders_panel.html", context)


def test_connection(request, site_id):
    """GET shows the stored connection (never the keys); POST asks the store and shows the answer."""
    site = get_object_or_404(Site, pk=site_id)
    if not can_configure(request.user, site):
        raise PermissionDenied
    store = WooCommerceSettings.for_site(site)
    context = {
        "page_title": _("Test the WooCommerce connection"),
        "header_icon": "tag",
        "store": store,
        "site": site,
        "settings_url": settings_url(site),
    }
    if request.method == "POST":
        try:
            context["order_count"] = orders.check_connection(store)
            context["ok"] = True
        except StoreError as error:
            context["problem"] = error.problem
    return TemplateResponse(request, "woo_bridge/test_connection.html", context)
