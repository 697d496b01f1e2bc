"""With the WooCommerce bridge deactivated the core works on: no panel, no store calls, 404s."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from helpdesk_site.plugins import apply_filters, registry

from .conftest import make_ticket


def sidebar_keys(ticket, user):
    request = RequestFactory().get("/")
    request.user = user
    return [panel.key for panel in apply_filters("inbox.sidebar_panels", [], ticket=ticket, request=request)]


@pytest.mark.django_db
def test_a_deactivated_bridge_adds_no_panel_and_its_urls_answer_404(
    admin_client, admin_user, support, site, store_settings, woocommerce_store
):
    ticket = make_ticket(support, "joao.silva@example.com")
    orders_url = reverse("woo_bridge:ticket_orders", args=[ticket.pk])
    settings_url = reverse("wagtailsettings:edit", args=["woo_bridge", "woocommercesettings", site.pk])
    urls = [
        orders_url,
        reverse("woo_bridge:test_connection", args=[site.pk]),
        settings_url,
        reverse("wagtailsettings:edit", args=["woo_bridge", "woocommercesettings"]),
    ]
    assert "woo_bridge_orders" in sidebar_keys(ticket, admin_user)
    assert "WooCommerce store" in admin_client.get("/admin/").content.decode()
    assert admin_client.get(settings_url).status_code == 200

    registry.set_active("woo_bridge", False)
    woocommerce_store.requests.clear()

    assert "woo_bridge_orders" not in sidebar_keys(ticket, admin_user)
    for url in urls:
        assert admin_client.get(url).status_code == 404, url
    assert admin_client.post(urls[1]).status_code == 404
    dashboard = admin_client.get("/admin/")
    assert dashboard.status_code == 200
    assert "WooCommerce store" not in dashboard.content.decode()
    assert woocommerce_store.requests == []

    registry.set_active("woo_bridge", True)
    assert "Order #723" in admin_client.get(orders_url).content.decode()
