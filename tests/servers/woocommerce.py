"""A local WooCommerce store for tests: the REST API v3 paths the bridge reads, over real HTTP.

``WooCommerceStore`` runs ``http.server`` in a thread on a free port of 127.0.0.1 and answers
``/wp-json/wc/v3/customers`` and ``/wp-json/wc/v3/orders`` (lists with WooCommerce's filters,
pagination headers, and single items) with the example payloads of WooCommerce's own API
reference (tests/woo_bridge/payloads/). It checks credentials the ways a store does: HTTP
Basic, ``consumer_key``/``consumer_secret`` query parameters, or one-legged OAuth 1.0a signed
query parameters (what the official client sends over plain HTTP). For failure tests it can
answer with an error status (``fail_with``), stop answering (``hang``) or be stopped.
"""

import base64
import copy
import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest

PAYLOADS = Path(__file__).resolve().parent.parent / "woo_bridge" / "payloads"
API_ROOT = "/wp-json/wc/v3/"
CONSUMER_KEY = "ck_4f2a9c1e0d8b7a6f5e4d3c2b1a0f9e8d7c6b5a43"
CONSUMER_SECRET = "cs_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e09"
HANG_SECONDS = 30


def _load(name):
    return json.loads((PAYLOADS / name).read_text())


def _error(status, code, message):
    return status, {"code": code, "message": message, "data": {"status": status}}


def oauth_signature(method, base_url, params, consumer_secret):
    """HMAC-SHA256 signature of WooCommerce's OAuth 1.0a check (class-wc-rest-authentication.php)."""

    def encode(value):
        return quote(unquote(str(value))).replace("%", "%25")

    pairs = sorted((encode(k), encode(v)) for k, v in params.items() if k != "oauth_signature")
    string_to_sign = "&".join([method, quote(base_url, ""), "%26".join(f"{k}%3D{v}" for k, v in pairs)])
    digest = hmac.new(f"{consumer_secret}&".encode(), string_to_sign.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class WooCommerceStore:
    """One store: its customers, orders, credentials, and how it misbehaves right now."""

    def __init__(self, consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET):
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.customers = _load("customers-list.json")
        self.orders = _load("orders-list.json")
        self.requests = []  # (path, params without credentials, how the client authenticated)
        self._failure = None
        self._hanging = False
        self._release = threading.Event()
        self._server = None
        self._thread = None

    # -- control from tests -------------------------------------------------------------------
    def start(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="woocommerce-store", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        """Close the port: from now on connections are refused."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def fail_with(self, status, code="internal_server_error", message="There has been a critical error."):
        """Answer every API request with this error status and WooCommerce's error body."""
        self._failure = _error(status, code, message)

    def hang(self):
        """Accept requests but never answer them (until recover() or stop())."""
        self._hanging = True
        self._release.clear()

    def recover(self):
        self._failure = None
        self._hanging = False
        self._release.set()

    def add_order(self, **fields):
        """Add an order built from the reference's order.json; ``billing_email`` sets billing.email."""
        order = copy.deepcopy(_load("order.json"))
        order.pop("_links", None)
        email = fields.pop("billing_email", None)
        if email:
            order["billing"]["email"] = email
        order.update(fields)
        order["number"] = fields.get("number", str(order["id"]))
        self.orders.append(order)
        return order

    def api_paths(self):
        return [path for path, _params, _auth in self.requests]

    # -- the API ------------------------------------------------------------------------------
    def authenticate(self, method, headers, base_url, params):
        """Return how the client authenticated, or None; credentials are removed from ``params``."""
        authorization = headers.get("Authorization", "")
        if authorization.startswith("Basic "):
            user, _sep, password = base64.b64decode(authorization[6:]).decode().partition(":")
            return "basic" if (user, password) == (self.consumer_key, self.consumer_secret) else None
        if "consumer_key" in params:
            key, secret = params.pop("consumer_key"), params.pop("consumer_secret", "")
            return "query" if (key, secret) == (self.consumer_key, self.consumer_secret) else None
        if "oauth_signature" in params:
            given = params["oauth_signature"]
            if params.get("oauth_consumer_key") != self.consumer_key:
                return None
            expected = oauth_signature(method, base_url, params, self.consumer_secret)
            for name in [k for k in params if k.startswith("oauth_")]:
                del params[name]
            return "oauth" if hmac.compare_digest(given, expected) else None
        return None

    def respond(self, method, path, params):
        """(status, body, headers) for an authenticated request."""
        resource = path[len(API_ROOT) :].strip("/")
        if method != "GET":
            return (
                *_error(404, "rest_no_route", "No route was found matching the URL and request method."),
                {},
            )
        if resource == "customers":
            found = self.customers
            if params.get("email"):
                found = [c for c in found if c["email"].lower() == params["email"].lower()]
            return self._page(found, params)
        if resource == "orders":
            found = sorted(
                self.orders, key=lambda o: o["date_created_gmt"], reverse=params.get("order") != "asc"
            )
            if params.get("customer"):
                found = [o for o in found if str(o["customer_id"]) == params["customer"]]
            if params.get("search"):
                found = [o for o in found if self._matches(o, params["search"])]
            if params.get("status") and params["status"] != "any":
                wanted = set(params["status"].split(","))
                found = [o for o in found if o["status"] in wanted]
            return self._page(found, params)
        match = re.fullmatch(r"(customers|orders)/(\d+)", resource)
        if match:
            items = self.customers if match.group(1) == "customers" else self.orders
            for item in items:
                if item["id"] == int(match.group(2)):
                    return 200, item, {}
            code = (
                "woocommerce_rest_invalid_id"
                if match.group(1) == "customers"
                else "woocommerce_rest_shop_order_invalid_id"
            )
            return (*_error(404, code, "Invalid ID."), {})
        return (*_error(404, "rest_no_route", "No route was found matching the URL and request method."), {})

    @staticmethod
    def _matches(order, text):
        """WooCommerce's order search: a substring of the addresses' fields or the items' names."""
        text = text.lower()
        fields = [*order["billing"].values(), *order["shipping"].values()]
        fields += [item["name"] for item in order["line_items"]]
        return any(text in str(value).lower() for value in fields)

    def _page(self, items, params):
        per_page = min(int(params.get("per_page", 10)), 100)
        page = int(params.get("page", 1))
        total_pages = max(1, -(-len(items) // per_page))
        headers = {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(total_pages)}
        return 200, items[(page - 1) * per_page : page * per_page], headers

    def _handler_class(self):
        store = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def _serve(self, method):
                split = urlsplit(self.path)
                if not split.path.startswith(API_ROOT):
                    return self._send(404, b"<html><body>Not Found</body></html>", "text/html")
                params = dict(parse_qsl(split.query))  # PHP keeps the last of repeated parameters
                base_url = f"http://{self.headers.get('Host')}{split.path}"
                auth = store.authenticate(method, self.headers, base_url, params)
                store.requests.append((split.path, dict(params), auth))
                if store._hanging:
                    store._release.wait(HANG_SECONDS)
                    return
                if store._failure:
                    status, body = store._failure
                    return self._send_json(status, body)
                if auth is None:
                    status, body = _error(
                        401,
                        "woocommerce_rest_authentication_error",
                        "Invalid signature - provided signature does not match.",
                    )
                    return self._send_json(status, body)
                status, body, headers = store.respond(method, split.path, params)
                self._send_json(status, body, headers)

            def _send_json(self, status, body, headers=None):
                self._send(status, json.dumps(body).encode(), "application/json; charset=UTF-8", headers)

            def _send(self, status, payload, content_type, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args):
                pass  # the request log would print signed URLs into the test output

        return Handler


@pytest.fixture
def woocommerce_store():
    """A running store with the reference payloads; stopped after the test."""
    store = WooCommerceStore().start()
    yield store
    store.stop()
