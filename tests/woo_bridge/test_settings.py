"""The store settings screen: write-only API keys, clear validation, and "Test connection"."""

import logging

import pytest
from django.db import connection
from django.urls import reverse

from woo_bridge.models import WooCommerceSettings

from .conftest import make_ticket

NEW_KEY = "ck_" + "1" * 40
NEW_SECRET = "cs_" + "2" * 40


def settings_url(site):
    return reverse("wagtailsettings:edit", args=["woo_bridge", "woocommercesettings", site.pk])


def connection_test_url(site):
    return reverse("woo_bridge:test_connection", args=[site.pk])


def form_data(store_url, **overrides):
    data = {
        "store_url": store_url,
        "consumer_key": "",
        "consumer_secret": "",
        "timeout": "5",
        "cache_minutes": "10",
        "order_screen": "hpos",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_stored_keys_are_never_rendered_on_the_settings_page(
    admin_client, site, store_settings, woocommerce_store
):
    response = admin_client.get(settings_url(site))
    html = response.content.decode()
    assert response.status_code == 200
    assert woocommerce_store.url in html
    assert woocommerce_store.consumer_key not in html
    assert woocommerce_store.consumer_secret not in html
    assert "A key is stored. Leave blank to keep it" in html
    assert "Test connection" in html and connection_test_url(site) in html
    # Not even when the form comes back with an error.
    response = admin_client.post(settings_url(site), form_data(woocommerce_store.url, timeout="0"))
    html = response.content.decode()
    assert response.status_code == 200 and "timeout" in html.lower()
    assert woocommerce_store.consumer_key not in html and woocommerce_store.consumer_secret not in html


@pytest.mark.django_db
def test_keys_are_stored_encrypted(site, store_settings, woocommerce_store):
    with connection.cursor() as cursor:
        table = WooCommerceSettings._meta.db_table
        cursor.execute(
            f"SELECT consumer_key, consumer_secret FROM {table} WHERE id = %s", [store_settings.pk]
        )
        stored_key, stored_secret = cursor.fetchone()
    assert stored_key.startswith("fernet:") and woocommerce_store.consumer_key not in stored_key
    assert stored_secret.startswith("fernet:") and woocommerce_store.consumer_secret not in stored_secret


@pytest.mark.django_db
def test_leaving_the_key_fields_blank_keeps_the_stored_keys(
    admin_client, site, store_settings, woocommerce_store
):
    response = admin_client.post(
        settings_url(site), form_data(woocommerce_store.url + "/", cache_minutes="3")
    )
    assert response.status_code == 302
    saved = WooCommerceSettings.for_site(site)
    assert (saved.consumer_key, saved.consumer_secret) == (
        woocommerce_store.consumer_key,
        woocommerce_store.consumer_secret,
    )
    assert saved.cache_minutes == 3
    assert saved.store_url == woocommerce_store.url  # trailing slash removed


@pytest.mark.django_db
def test_entering_new_keys_replaces_them(admin_client, site, store_settings, woocommerce_store):
    data = form_data(woocommerce_store.url, consumer_key=NEW_KEY, consumer_secret=NEW_SECRET)
    assert admin_client.post(settings_url(site), data).status_code == 302
    saved = WooCommerceSettings.for_site(site)
    assert (saved.consumer_key, saved.consumer_secret) == (NEW_KEY, NEW_SECRET)


@pytest.mark.django_db
def test_swapped_keys_and_an_admin_address_get_specific_errors(admin_client, site):
    data = form_data("https://shop.example/wp-admin/", consumer_key=NEW_SECRET, consumer_secret=NEW_KEY)
    html = admin_client.post(settings_url(site), data).content.decode()
    assert "without /wp-admin or /wp-json" in html
    assert "consumer key starts with “ck_”" in html
    assert "consumer secret starts with “cs_”" in html
    assert not WooCommerceSettings.objects.filter(site=site, store_url__contains="shop.example").exists()


@pytest.mark.django_db
def test_a_store_address_without_keys_is_refused(admin_client, site):
    html = admin_client.post(settings_url(site), form_data("https://shop.example")).content.decode()
    assert html.count("The store needs this key to answer.") == 2


@pytest.mark.django_db
def test_test_connection_reports_success_with_the_order_count(
    admin_client, site, store_settings, woocommerce_store
):
    page = admin_client.get(connection_test_url(site)).content.decode()
    assert "stored (not shown)" in page
    assert woocommerce_store.consumer_key not in page
    html = admin_client.post(connection_test_url(site)).content.decode()
    assert (
        f"Connected to {woocommerce_store.url}: the API key can read orders. The store has 2 orders." in html
    )


@pytest.mark.django_db
def test_test_connection_explains_a_rejected_key(admin_client, site, store_settings):
    store_settings.consumer_key = NEW_KEY
    store_settings.save()
    html = admin_client.post(connection_test_url(site)).content.decode()
    assert "The store rejected the API key — check WooCommerce settings." in html


@pytest.mark.django_db
def test_test_connection_is_for_those_who_may_change_the_settings(
    agent_client, site, store_settings, woocommerce_store
):
    response = agent_client.post(connection_test_url(site))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert woocommerce_store.requests == []


@pytest.mark.django_db
def test_keys_never_reach_the_logs(
    agent_client, admin_client, site, support, store_settings, woocommerce_store, caplog
):
    caplog.set_level(logging.DEBUG)
    ticket = make_ticket(support, "joao.silva@example.com")
    admin_client.get(reverse("woo_bridge:ticket_orders", args=[ticket.pk]))
    for fail in (lambda: woocommerce_store.fail_with(401), lambda: woocommerce_store.fail_with(500)):
        fail()
        store_settings.save()  # a new fingerprint: ask the store again
        admin_client.get(reverse("woo_bridge:ticket_orders", args=[ticket.pk]))
    admin_client.post(connection_test_url(site))
    woocommerce_store.stop()
    store_settings.save()
    admin_client.get(reverse("woo_bridge:ticket_orders", args=[ticket.pk]))
    admin_client.post(connection_test_url(site))

    # urllib3 logs request URLs at DEBUG; production logs at INFO (see docs/plugins.md).
    records = [r for r in caplog.records if not r.name.startswith("urllib3")]
    text = "\n".join(r.getMessage() + str(r.exc_info or "") for r in records)
    assert "WooCommerce store 127.0.0.1" in text  # the failures were logged ...
    assert woocommerce_store.consumer_key not in text  # ... without the keys
    assert woocommerce_store.consumer_secret not in text
