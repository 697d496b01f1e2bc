"""A customer's recent WooCommerce orders, looked up by their email addresses and cached.

Registered customers are found with ``customers?email=`` and their orders with
``orders?customer=<id>``; guest orders (``customer_id`` 0) only carry the address in
``billing.email``, so ``orders?search=<address>`` finds them, keeping only exact matches
(the store's search also matches longer addresses that contain this one).
"""

import hashlib
import html
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .client import StoreClient, StoreError, StoreProblem

logger = logging.getLogger(__name__)

RECENT_ORDERS = 5
# Guest-order search returns near matches too; fetch more than needed so exact ones survive.
SEARCH_PAGE_SIZE = 20
# A failing store is asked again soon: long enough to spare the sidebar repeated timeouts.
ERROR_CACHE_SECONDS = getattr(settings, "WOO_BRIDGE_ERROR_CACHE_SECONDS", 30)

STATUS_LABELS = {
    "pending": _("Pending payment"),
    "processing": _("Processing"),
    "on-hold": _("On hold"),
    "completed": _("Completed"),
    "cancelled": _("Cancelled"),
    "refunded": _("Refunded"),
    "failed": _("Failed"),
    "checkout-draft": _("Draft"),
    "trash": _("Trash"),
}


@dataclass(frozen=True)
class Order:
    id: int
    number: str
    status: str
    created: datetime | None
    total: str
    currency: str
    items: list  # (quantity, product name) pairs
    admin_url: str

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class OrdersResult:
    orders: list = field(default_factory=list)
    problem: StoreProblem | None = None
    addresses: tuple = ()
    fetched_at: datetime | None = None


def _parse_gmt(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        return None


def _order(data, store):
    return Order(
        id=data["id"],
        number=str(data.get("number") or data["id"]),
        status=data.get("status", ""),
        created=_parse_gmt(data.get("date_created_gmt")),
        total=data.get("total", ""),
        currency=data.get("currency", ""),
        # WooCommerce sends product names with HTML entities (&ndash;); the template escapes again.
        items=[
            (item.get("quantity", 1), html.unescape(item.get("name", "")))
            for item in data.get("line_items", [])
        ],
        admin_url=store.order_admin_url(data["id"]),
    )


def fetch_recent_orders(client, addresses, limit=RECENT_ORDERS):
    """The ``limit`` most recent orders of any of ``addresses``, newest first. Raises StoreError."""
    found = {}
    for address in addresses:
        customers, _total = client.get("customers", {"email": address, "role": "all"})
        for customer in customers:
            orders, _total = client.get(
                "orders", {"customer": customer["id"], "per_page": limit, "orderby": "date", "order": "desc"}
            )
            found.update((order["id"], order) for order in orders)
        guest_orders, _total = client.get(
            "orders", {"search": address, "per_page": SEARCH_PAGE_SIZE, "orderby": "date", "order": "desc"}
        )
        for order in guest_orders:
            if (order.get("billing") or {}).get("email", "").lower() == address:
                found[order["id"]] = order
    newest = sorted(found.values(), key=lambda o: o.get("date_created_gmt") or "", reverse=True)
    return newest[:limit]


def cache_key(store, addresses):
    fingerprint = "|".join([str(store.site_id), store.base_url, str(store.updated_at), *addresses])
    return "woo_bridge:orders:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def recent_orders_for_customer(store, customer):
    """An :class:`OrdersResult` for the sidebar: from the cache, or asked from the store."""
    addresses = tuple(sorted(a.lower() for a in customer.addresses.values_list("address", flat=True)))
    if not store.is_configured:
        return OrdersResult(problem=StoreProblem("not_configured"), addresses=addresses)
    if not addresses:
        return OrdersResult(addresses=addresses)
    key = cache_key(store, addresses)
    result = cache.get(key)
    if result is not None:
        return result
    try:
        data = fetch_recent_orders(StoreClient(store), addresses)
        result = OrdersResult([_order(order, store) for order in data], None, addresses, timezone.now())
        timeout = store.cache_minutes * 60
    except StoreError as error:
        result = OrdersResult(problem=error.problem, addresses=addresses, fetched_at=timezone.now())
        timeout = min(ERROR_CACHE_SECONDS, store.cache_minutes * 60)
    except (KeyError, TypeError, ValueError, AttributeError):
        # Valid JSON that is not the shape of WooCommerce's orders: a proxy or another plugin answered.
        host = urlsplit(store.store_url).netloc
        logger.warning("WooCommerce store %s: orders in an unexpected shape", host)
        result = OrdersResult(problem=StoreProblem("not_json", {"host": host}), addresses=addresses)
        timeout = min(ERROR_CACHE_SECONDS, store.cache_minutes * 60)
    if timeout:
        cache.set(key, result, timeout)
    return result


def check_connection(store):
    """Ask the store for its orders once; returns the number of orders it has. Raises StoreError."""
    if not store.is_configured:
        raise StoreError(StoreProblem("not_configured"))
    _orders, total = StoreClient(store).get("orders", {"per_page": 1})
    return total
