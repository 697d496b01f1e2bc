"""The local test store checks credentials and pages results the way a WooCommerce store does."""

import requests

API = "/wp-json/wc/v3/"


def test_the_store_accepts_basic_and_query_string_credentials_and_refuses_wrong_ones(woocommerce_store):
    url = woocommerce_store.url + API + "customers"
    key, secret = woocommerce_store.consumer_key, woocommerce_store.consumer_secret
    good = requests.get(url, params={"email": "john.doe@example.com"}, auth=(key, secret), timeout=5)
    assert good.status_code == 200
    assert [c["id"] for c in good.json()] == [25]
    query = requests.get(url, params={"consumer_key": key, "consumer_secret": secret}, timeout=5)
    assert query.status_code == 200 and query.headers["X-WP-Total"] == "2"

    for attempt in (
        requests.get(url, auth=(key, "cs_wrong"), timeout=5),
        requests.get(url, params={"consumer_key": key, "consumer_secret": "cs_wrong"}, timeout=5),
        requests.get(url, timeout=5),
    ):
        assert attempt.status_code == 401
        assert attempt.json()["code"] == "woocommerce_rest_authentication_error"
    auths = [auth for _path, _params, auth in woocommerce_store.requests]
    assert auths == ["basic", "query", None, None, None]


def test_the_store_pages_orders_newest_first_and_knows_no_other_routes(woocommerce_store):
    auth = (woocommerce_store.consumer_key, woocommerce_store.consumer_secret)
    for day in range(1, 4):
        woocommerce_store.add_order(id=800 + day, date_created_gmt=f"2030-01-0{day}T00:00:00")
    page = requests.get(woocommerce_store.url + API + "orders", params={"per_page": 2}, auth=auth, timeout=5)
    assert [o["id"] for o in page.json()] == [803, 802]
    assert (page.headers["X-WP-Total"], page.headers["X-WP-TotalPages"]) == ("5", "3")
    missing = requests.get(woocommerce_store.url + API + "products", auth=auth, timeout=5)
    assert missing.status_code == 404 and missing.json()["code"] == "rest_no_route"
