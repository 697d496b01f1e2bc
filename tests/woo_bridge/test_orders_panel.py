"""The ticket sidebar's WooCommerce panel against a real local store speaking REST API v3."""

import time

import pytest
from django.test import RequestFactory
from django.urls import reverse

from helpdesk_site.plugins import apply_filters
from woo_bridge import orders

from .conftest import make_ticket


def panel(client, ticket):
    response = client.get(reverse("woo_bridge:ticket_orders", args=[ticket.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Traceback" not in html
    return html


@pytest.mark.django_db
def test_the_orders_panel_is_offered_in_the_ticket_sidebar(agent, support):
    ticket = make_ticket(support, "joao.silva@example.com")
    request = RequestFactory().get("/")
    request.user = agent
    panels = apply_filters("inbox.sidebar_panels", [], ticket=ticket, request=request)
    ours = [p for p in panels if p.key == "woo_bridge_orders"]
    assert len(ours) == 1
    assert ours[0].url == reverse("woo_bridge:ticket_orders", args=[ticket.pk])
    assert str(ours[0].title) == "WooCommerce orders"


@pytest.mark.django_db
def test_a_registered_customers_orders_are_shown(agent_client, support, store_settings, woocommerce_store):
    ticket = make_ticket(support, "Joao.Silva@example.com")
    html = panel(agent_client, ticket)
    assert "Order #723" in html
    assert "39.00 USD" in html
    assert "Completed" in html
    assert "1 × Woo Album #2" in html and "1 × Woo Ninja" in html
    assert f"{woocommerce_store.url}/wp-admin/admin.php?page=wc-orders&amp;action=edit&amp;id=723" in html
    assert "Order #727" not in html  # John Doe's guest order
    paths = woocommerce_store.api_paths()
    assert paths.count("/wp-json/wc/v3/customers") == 1
    assert all(auth == "oauth" for _path, _params, auth in woocommerce_store.requests)


@pytest.mark.django_db
def test_guest_orders_are_found_by_their_billing_address(
    agent_client, support, store_settings, woocommerce_store
):
    ticket = make_ticket(support, "john.doe@example.com")
    html = panel(agent_client, ticket)
    assert "Order #727" in html
    assert "Processing" in html and "29.35 USD" in html
    # The store sends "&ndash;" in product names; the agent sees the dash, escaped once.
    assert "1 × Ship Your Idea – Color: Black, Size: M Test" in html
    assert "&amp;ndash;" not in html
    searches = [params for path, params, _auth in woocommerce_store.requests if params.get("search")]
    assert searches and searches[0]["search"] == "john.doe@example.com"


@pytest.mark.django_db
def test_classic_order_storage_links_to_the_post_edit_screen(
    agent_client, support, store_settings, woocommerce_store
):
    store_settings.order_screen = "classic"
    store_settings.save()
    html = panel(agent_client, make_ticket(support, "john.doe@example.com"))
    assert f"{woocommerce_store.url}/wp-admin/post.php?post=727&amp;action=edit" in html


@pytest.mark.django_db
def test_an_unknown_customer_has_no_orders(agent_client, support, store_settings):
    html = panel(agent_client, make_ticket(support, "nobody@example.com"))
    assert "No orders in the store for nobody@example.com." in html


@pytest.mark.django_db
def test_an_address_contained_in_another_does_not_pick_up_its_orders(agent_client, support, store_settings):
    # The store's search for "doe@example.com" also matches john.doe@example.com's order.
    html = panel(agent_client, make_ticket(support, "doe@example.com"))
    assert "Order #727" not in html
    assert "No orders in the store for doe@example.com." in html


@pytest.mark.django_db
def test_only_the_five_most_recent_orders_of_all_addresses_are_shown(
    agent_client, support, store_settings, woocommerce_store
):
    for day in range(1, 8):
        address = "ana@work.example" if day % 2 else "ana@home.example"
        woocommerce_store.add_order(
            id=900 + day, billing_email=address, customer_id=0, date_created_gmt=f"2024-05-0{day}T10:00:00"
        )
    html = panel(agent_client, make_ticket(support, "ana@home.example", "ana@work.example"))
    shown = [number for number in range(901, 908) if f"Order #{number}" in html]
    assert shown == [903, 904, 905, 906, 907]
    assert html.index("Order #907") < html.index("Order #903")
    for address in ("ana%40home.example", "ana%40work.example"):
        assert f"{woocommerce_store.url}/wp-admin/admin.php?page=wc-orders&amp;s={address}" in html


@pytest.mark.django_db
def test_orders_are_cached_per_customer_for_the_configured_minutes(
    agent_client, support, store_settings, woocommerce_store
):
    ticket = make_ticket(support, "joao.silva@example.com")
    assert "Order #723" in panel(agent_client, ticket)
    asked = len(woocommerce_store.requests)
    woocommerce_store.fail_with(500)
    assert "Order #723" in panel(agent_client, ticket)
    assert len(woocommerce_store.requests) == asked

    other = make_ticket(support, "john.doe@example.com")
    assert "internal error" in panel(agent_client, other)


@pytest.mark.django_db
def test_a_store_problem_is_remembered_only_briefly(
    agent_client, support, store_settings, woocommerce_store, monkeypatch
):
    monkeypatch.setattr(orders, "ERROR_CACHE_SECONDS", 1)
    ticket = make_ticket(support, "joao.silva@example.com")
    woocommerce_store.fail_with(500)
    assert "internal error" in panel(agent_client, ticket)
    woocommerce_store.recover()
    assert "internal error" in panel(agent_client, ticket)  # spares the store a burst of retries
    time.sleep(1.1)
    assert "Order #723" in panel(agent_client, ticket)


@pytest.mark.django_db
def test_a_rejected_api_key_says_to_check_the_woocommerce_settings(agent_client, support, store_settings):
    store_settings.consumer_secret = "cs_" + "0" * 40
    store_settings.save()
    html = panel(agent_client, make_ticket(support, "joao.silva@example.com"))
    assert "The store rejected the API key — check WooCommerce settings." in html


@pytest.mark.django_db
def test_a_key_without_read_access_says_so(agent_client, support, store_settings, woocommerce_store):
    woocommerce_store.fail_with(403, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    html = panel(agent_client, make_ticket(support, "joao.silva@example.com"))
    assert "The API key may not read orders" in html


@pytest.mark.django_db
def test_a_failing_store_gives_a_readable_message(agent_client, support, store_settings, woocommerce_store):
    woocommerce_store.fail_with(500)
    html = panel(agent_client, make_ticket(support, "joao.silva@example.com"))
    assert "The store had an internal error (HTTP 500). Try again later." in html


@pytest.mark.django_db
def test_a_store_that_does_not_answer_is_given_up_after_the_timeout(
    agent_client, support, store_settings, woocommerce_store
):
    woocommerce_store.hang()
    started = time.monotonic()
    html = panel(agent_client, make_ticket(support, "joao.silva@example.com"))
    assert time.monotonic() - started < 3
    assert "The store did not answer within 1 second." in html


@pytest.mark.django_db
def test_the_timeout_message_names_the_configured_seconds(
    agent_client, support, store_settings, woocommerce_store
):
    store_settings.timeout = 2
    store_settings.save()
    woocommerce_store.hang()
    assert "The store did not answer within 2 seconds." in panel(
        agent_client, make_ticket(support, "a@b.example")
    )


@pytest.mark.django_db
def test_a_stopped_store_is_reported_as_unreachable(agent_client, support, store_settings, woocommerce_store):
    woocommerce_store.stop()
    html = panel(agent_client, make_ticket(support, "joao.silva@example.com"))
    assert (
        f"The store at 127.0.0.1:{store_settings.store_url.rsplit(':', 1)[1]} could not be reached." in html
    )


@pytest.mark.django_db
def test_a_wrong_store_address_says_there_is_no_api_there(agent_client, support, store_settings):
    store_settings.store_url += "/shop"
    store_settings.save()
    html = panel(agent_client, make_ticket(support, "joao.silva@example.com"))
    assert "has no WooCommerce REST API at this address" in html


@pytest.mark.django_db
def test_an_unconfigured_store_says_so_and_links_administrators_to_the_settings(
    client, agent, admin_user, support, site
):
    ticket = make_ticket(support, "joao.silva@example.com")
    client.force_login(agent)
    html = panel(client, ticket)
    assert "No WooCommerce store is connected yet." in html
    assert "/admin/settings/" not in html
    client.force_login(admin_user)
    assert f"/admin/settings/woo_bridge/woocommercesettings/{site.pk}/" in panel(client, ticket)


@pytest.mark.django_db
def test_a_customer_without_an_address_is_not_looked_up(
    agent_client, support, store_settings, woocommerce_store
):
    html = panel(agent_client, make_ticket(support))
    assert "This customer has no email address to look up in the store." in html
    assert woocommerce_store.requests == []


@pytest.mark.django_db
def test_a_ticket_of_another_mailbox_is_refused(
    client, django_user_model, support, store_settings, woocommerce_store
):
    outsider = django_user_model.objects.create_user("sam", "sam@shop.example", "pw")
    from django.contrib.auth.models import Permission

    outsider.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(outsider)
    ticket = make_ticket(support, "joao.silva@example.com")
    assert client.get(reverse("woo_bridge:ticket_orders", args=[ticket.pk])).status_code == 403
    assert woocommerce_store.requests == []
