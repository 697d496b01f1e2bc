"""Talking to the store: the official ``woocommerce`` client, with every failure turned into a
``StoreProblem`` that says in words what is wrong and who can fix it.

Exceptions of ``requests`` carry the signed request URL, which contains the consumer key,
so they are never logged or shown: only the store's host and the kind of problem are.
"""

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from woocommerce import API

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreProblem:
    """Why the store gave no usable answer; plain data, so it can be cached, translated when shown."""

    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self):
        p = self.params
        messages = {
            "not_configured": lambda: _("No WooCommerce store is connected yet."),
            "timeout": lambda: (
                ngettext(
                    "The store did not answer within %(seconds)d second.",
                    "The store did not answer within %(seconds)d seconds.",
                    p["seconds"],
                )
                % p
            ),
            "unreachable": lambda: _("The store at %(host)s could not be reached. Is it online?") % p,
            "ssl": lambda: _("The HTTPS certificate of %(host)s could not be verified.") % p,
            "rejected": lambda: _("The store rejected the API key — check WooCommerce settings."),
            "forbidden": lambda: _(
                "The API key may not read orders — give it Read access in WooCommerce › Settings › "
                "Advanced › REST API."
            ),
            "no_api": lambda: (
                _(
                    "The store at %(host)s has no WooCommerce REST API at this address — check the store "
                    "address and that WordPress permalinks are not set to “Plain”."
                )
                % p
            ),
            "server_error": lambda: (
                _("The store had an internal error (HTTP %(status)s). Try again later.") % p
            ),
            "unexpected": lambda: (
                _("The store answered with HTTP %(status)s, which the bridge does not expect.") % p
            ),
            "not_json": lambda: (
                _(
                    "The store at %(host)s answered with a page that is not WooCommerce data — "
                    "check the store address."
                )
                % p
            ),
        }
        return messages[self.code]()


class StoreError(Exception):
    def __init__(self, problem):
        super().__init__(problem.code)
        self.problem = problem


class StoreClient:
    """Read-only access to one store's REST API v3."""

    def __init__(self, store):
        self.store = store
        self.host = urlsplit(store.store_url).netloc
        self.api = API(
            url=store.base_url,
            consumer_key=str(store.consumer_key),
            consumer_secret=str(store.consumer_secret),
            version="wc/v3",
            timeout=store.timeout,
            query_string_auth=store.query_string_auth,
        )

    def _fail(self, code, **params):
        logger.warning("WooCommerce store %s: %s %s", self.host, code, params or "")
        raise StoreError(StoreProblem(code, params))

    def get(self, endpoint, params=None):
        """The decoded JSON of ``GET endpoint``, and the ``X-WP-Total`` count when the store sends it."""
        try:
            response = self.api.get(endpoint, params=dict(params or {}))
        except requests.exceptions.Timeout:
            self._fail("timeout", seconds=self.store.timeout)
        except requests.exceptions.SSLError:
            self._fail("ssl", host=self.host)
        except requests.exceptions.RequestException:
            self._fail("unreachable", host=self.host)
        status = response.status_code
        if status == 401:
            self._fail("rejected")
        if status == 403:
            self._fail("forbidden")
        if status == 404:
            self._fail("no_api", host=self.host)
        if status >= 500:
            self._fail("server_error", status=status)
        if status != 200:
            self._fail("unexpected", status=status)
        try:
            data = response.json()
        except ValueError:
            self._fail("not_json", host=self.host)
        total = response.headers.get("X-WP-Total")
        return data, int(total) if total and total.isdigit() else None
