"""Shoprenter API2 adapter (``https://{shop}.api2.myshoprenter.hu/api``), OAuth client credentials.

Facts it relies on (/work/shared/store_apis/shoprenter.md, /work/notes/shoprenter_contract.md):

* Token: ``POST https://oauth.app.shoprenter.net/{shop}/app/token`` with JSON
  ``{grant_type: client_credentials, client_id, client_secret}`` -> ``{"access_token",
  "expires_in": 3600}``; no refresh token, a new one is asked for the same way. Any other host
  (the emulator, a proxy) serves the token at ``{base}/{shop}/app/token`` and the API at
  ``{base}/api``.
* 3 requests per second per shop and app, 429 beyond (no Retry-After); ``/batch`` (at most 200
  requests) counts as one and answers 200 whatever its items did.
* Collections: ``page`` 0-based, ``limit`` at most 200, ``pageCount``, ``next`` null on the
  last page, no total. Errors: ``{"error": <inner code>, "message"}``.
* Every timestamp and datetime filter is shop-local (Europe/Budapest) time [INF].
* No tracking number, no order comment API: a status change is all an order export can send.
* Webhooks are signed by nothing; the secret travels in the delivery URL (the Odoo side checks
  it) and a delivery only names orders to fetch again (``webhook_is_trigger``).
"""

import base64
import email.parser
import email.policy
import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import requests

from . import shoprenter_mapping
from .base import CredentialField, Page, StoreAdapter, _snippet
from .errors import PayloadError, StoreSyncError
from .shoprenter_catalogue import ShoprenterCatalogue
from .shoprenter_mapping import (
    batch_answer_problem,
    href_id,
    inner_id_of,
    rate_id,
    to_shop_time,
)

API_VERSION = "api2"
TOKEN_HOST = "https://oauth.app.shoprenter.net"
#: a token expiring sooner than this is renewed before use
_SHOP_HOST_RE = re.compile(r"^([a-z0-9][a-z0-9-]*)\.(?:api2?\.)?myshoprenter\.hu$", re.IGNORECASE)
#: the priority our product specials carry: specials of another priority are the merchant's
#: and are left alone [INF: Shoprenter has no owner field on a special]
SPECIAL_PRIORITY = "7"
NO_DATE = "0000-00-00 00:00:00"


def _status_id(inner: int) -> str:
    """The resource id of order status ``inner`` (base64 of ``orderStatus-order_status_id=N``)."""
    return base64.b64encode(f"orderStatus-order_status_id={inner}".encode()).decode()


# The statuses a Shoprenter shop starts with, as the emulator seeds them (contract) [INF]:
# 1 Függőben, 2 Feldolgozás alatt, 3 Szállítás alatt, 4 Teljesítve, 5 Törölve,
# 6 Visszatérítve, 7 Sikertelen fizetés.
PENDING, PROCESSING, SHIPPED, COMPLETED, CANCELLED, REFUNDED, FAILED = (
    _status_id(n) for n in range(1, 8)
)


def _int(value, default=None):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class ShoprenterAdapter(ShoprenterCatalogue, StoreAdapter):
    """Shoprenter through API2 with a custom API client's id and secret (see module docs)."""

    platform = "shoprenter"
    platform_label = "Shoprenter"
    sequence = 20
    api_version = API_VERSION
    batch_limit = 200
    max_page_size = 200
    requests_per_second = 3
    webhook_auth = "url_token"
    webhook_is_trigger = True
    supports_tracking = False
    customer_group_prices = True
    quantity_tiers = True
    credential_fields = (
        CredentialField(
            "shop_name",
            "Shop Name",
            help="The shop's name as in its address: <name>.myshoprenter.hu.",
        ),
        CredentialField(
            "client_id",
            "Client ID",
            help="Shoprenter admin > Settings > API Settings: create a custom API client with "
            "read and write access to orders, products and webhooks.",
        ),
        CredentialField(
            "client_secret",
            "Client Secret",
            secret=True,
            help="Shown once, when the custom API client is created (Settings > API Settings).",
        ),
    )
    default_status_actions = {
        PENDING: "quotation",
        PROCESSING: "confirm",
        SHIPPED: "confirm",
        COMPLETED: "confirm",
        CANCELLED: "cancel",
        REFUNDED: "cancel",
        FAILED: "skip",
    }
    default_export_statuses = {
        "confirmed": PROCESSING,
        "paid": "",
        "delivered": SHIPPED,
        "cancelled": CANCELLED,
    }
    status_ladder = (PENDING, PROCESSING, SHIPPED, COMPLETED)
    # The codes are resource ids: the mapping rows show these names next to them ("Load
    # store settings" reads the shop's own names from orderStatusDescriptions).
    default_status_names = {
        PENDING: "Függőben",
        PROCESSING: "Feldolgozás alatt",
        SHIPPED: "Szállítás alatt",
        COMPLETED: "Teljesítve",
        CANCELLED: "Törölve",
        REFUNDED: "Visszatérítve",
        FAILED: "Sikertelen fizetés",
    }
    #: the webhook events ``register_webhooks`` subscribes to
    webhook_events = ("order_confirm", "order_status_change")

    map_order = staticmethod(shoprenter_mapping.map_order)
    map_product = staticmethod(shoprenter_mapping.map_product)
    describe_order = staticmethod(shoprenter_mapping.describe_order)
    describe_product = staticmethod(shoprenter_mapping.describe_product)

    def __init__(self, base_url, credentials, **kwargs):
        super().__init__(base_url, credentials, **kwargs)
        self._token_value = None  # the token of the current call, for the 401 retry

    # ------------------------------------------------------------------ addresses
    @property
    def shop_name(self) -> str:
        name = str(self.credentials.get("shop_name") or "").strip()
        if not name:
            match = _SHOP_HOST_RE.match(urlsplit(self.base_url).hostname or "")
            name = match.group(1) if match else ""
        return name

    def _real_shop(self) -> bool:
        return bool(_SHOP_HOST_RE.match(urlsplit(self.base_url).hostname or ""))

    @property
    def api_base(self) -> str:
        """``https://{shop}.api2.myshoprenter.hu/api`` for a real shop, else ``{base}/api``."""
        if self._real_shop():
            return f"https://{self.shop_name}.api2.myshoprenter.hu/api"
        return f"{self.base_url}/api"

    @property
    def token_url(self) -> str:
        root = TOKEN_HOST if self._real_shop() else self.base_url
        return f"{root}/{self.shop_name}/app/token"

    def api_url(self, path: str) -> str:
        return f"{self.api_base}/{path.lstrip('/')}"

    @classmethod
    def order_admin_url(cls, base_url, external_id) -> str:
        """The order's page in the shop admin [INF: OpenCart's route, Shoprenter's ancestor]."""
        url = cls.normalize_base_url(base_url)
        match = _SHOP_HOST_RE.match(urlsplit(url).hostname or "")
        if match:
            url = f"https://{match.group(1)}.myshoprenter.hu"
        return f"{url}/admin/index.php?route=sale/order/info&order_id={external_id}"

    # ------------------------------------------------------------------ token
    def _token(self, renew=False) -> str:
        """A valid access token: the cached one unless missing, expiring within a minute, or
        ``renew`` (the API refused it); a new one is saved to ``token_cache``."""
        cached = self._cached_token(renew)
        if cached:
            return cached
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        client_id = str(self.credentials.get("client_id") or "").strip()
        secret = str(self.credentials.get("client_secret") or "").strip()
        if not client_id or not secret or not self.shop_name:
            raise StoreSyncError(
                "auth",
                "No shop name, client id or client secret configured.",
                code="storesync_missing_credentials",
                details={"url": self.base_url},
            )
        where = {"method": "POST", "url": self.token_url}
        body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        # Not throttled: the token endpoint is not an API call and has no rate limit.
        try:
            response = self.session.post(
                self.token_url, json=body, timeout=self.timeout, allow_redirects=False
            )
        except requests.exceptions.RequestException as exc:
            raise self._error_from_exception(exc, where) from exc
        if response.status_code >= 300:
            raise self._error_from_response(response, where)
        data = self._json(response, where)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise StoreSyncError(
                "malformed",
                "The token answer has no access_token.",
                status=response.status_code,
                details={**where, "body_start": _snippet(response)},
            )
        lifetime = _int(data.get("expires_in"), 3600)
        self.token_cache.save(token, now + timedelta(seconds=lifetime))
        return token

    def _auth(self):
        return _Bearer(self._token_value)

    def _request(self, method, url, *, auth=True, **kwargs):
        """``StoreAdapter._request`` with the bearer token; a 401 renews it and retries once."""
        if not auth:
            return super()._request(method, url, auth=False, **kwargs)
        self._token_value = self._token()
        try:
            return super()._request(method, url, **kwargs)
        except StoreSyncError as error:
            if error.status != 401:
                raise
        self._token_value = self._token(renew=True)
        return super()._request(method, url, **kwargs)

    def _parse_error_body(self, response) -> dict:
        parsed = super()._parse_error_body(response)
        body = parsed.get("details", {}).get("body")
        if isinstance(body, dict) and ("error" in body or "message" in body):
            code = body.get("error")
            message = body.get("message") or body.get("error_description")
            return {
                "is_json": True,
                "code": None if code in (None, "") else str(code),
                "message": str(message).strip() if message else None,
                "details": {},
            }
        return parsed

    def _error_kind(self, status, code, is_json, where):
        if status == 400 and code == "invalid_client":
            return "auth", False
        return super()._error_kind(status, code, is_json, where)

    # ------------------------------------------------------------------ plumbing
    def _get(self, path, params=None):
        data, response = self._request("GET", self.api_url(path), params=params)
        if not isinstance(data, dict):
            raise StoreSyncError(
                "malformed",
                f"Expected a JSON object from {path}, got {type(data).__name__}.",
                status=response.status_code,
                details={"url": response.url},
            )
        return data

    def _page_size(self, per_page) -> int:
        if per_page is None:
            return self.max_page_size
        return min(max(int(per_page), 1), self.max_page_size)

    def _fetch_page(self, path: str, params: dict, page: int) -> Page:
        """One collection page; ``page`` is 1-based here, 0-based in the store."""
        data = self._get(path, {**params, "page": page - 1})
        items = data.get("items")
        if items in (None, {}):
            items = []
        if not isinstance(items, list):
            raise StoreSyncError(
                "malformed",
                f"{path}: items is not a list.",
                details={"url": self.api_url(path), "page": page},
            )
        result = Page(items, number=page, total=None, total_pages=_int(data.get("pageCount")))
        result.has_next = bool(data.get("next"))
        return result

    def _iter_pages(self, path: str, params: dict):
        page = 1
        while True:
            result = self._fetch_page(path, params, page)
            if result:
                yield result
            if not result or not result.has_next:
                return
            page += 1

    def _batch(self, requests_):
        """``POST /batch`` in chunks of ``batch_limit``: ``[(status, body)]`` in input order.

        A batch without POST items is retried like a PUT (its effect does not depend on how
        often it arrives).
        """
        results = []
        for start in range(0, len(requests_), self.batch_limit):
            chunk = requests_[start : start + self.batch_limit]
            payload = {
                "data": {
                    "requests": [
                        {
                            "method": r["method"],
                            "uri": self.api_url(r["uri"]),
                            **({"data": r["data"]} if "data" in r else {}),
                        }
                        for r in chunk
                    ]
                }
            }
            idempotent = all(r["method"] != "POST" for r in chunk)
            try:
                data, _response = self._request(
                    "POST", self.api_url("batch"), json_body=payload, idempotent=idempotent
                )
            except StoreSyncError as error:
                error.details["done"] = len(results)
                raise
            answers = (data or {}).get("requests") if isinstance(data, dict) else None
            if isinstance(answers, dict):
                answers = answers.get("request")
            if isinstance(answers, dict):
                answers = [answers]
            answers = answers if isinstance(answers, list) else []
            for index in range(len(chunk)):
                answer = answers[index] if index < len(answers) else None
                if not isinstance(answer, dict):
                    results.append((None, None))
                    continue
                response_ = (
                    answer.get("response") if isinstance(answer.get("response"), dict) else {}
                )
                header = (
                    response_.get("header") if isinstance(response_.get("header"), dict) else {}
                )
                results.append((_int(header.get("statusCode")), response_.get("body")))
        return results

    # ------------------------------------------------------------------ connection
    def check_connection(self) -> dict:
        """Get a token, then ``GET /currencies?full=1``: the shop's currency is the one whose
        exchange value is 1 (the default).

        :return: ``{"name", "version", "api_version", "currency"}``; ``name`` is the shop name
            (the API has no store-name resource), ``version`` "" (the API reports none).
        """
        self._token()
        page = self._fetch_page("currencies", {"full": 1, "limit": 50}, 1)
        currencies = [c for c in page if isinstance(c, dict)]
        # The shop's own currency is the one the others are converted from: value 1.
        default = next(
            (c for c in currencies if _decimal_or_zero(c.get("value")) == 1),
            currencies[0] if currencies else {},
        )
        return {
            "name": self.shop_name,
            "version": "",
            "api_version": API_VERSION,
            "currency": (default.get("code") or None) if default else None,
        }

    # ------------------------------------------------------------------ orders
    def _order_params(self, modified_after, per_page, status=None, modified_before=None):
        params = {"full": 1, "excludeAbandonedCart": 1, "limit": self._page_size(per_page)}
        if modified_after is not None:
            params["updatedAtMin"] = to_shop_time(self.to_utc(modified_after))
        if modified_before is not None:
            # updatedAtMax includes its second; "strictly before" stops one second earlier.
            params["updatedAtMax"] = to_shop_time(
                self.to_utc(modified_before) - timedelta(seconds=1)
            )
        if isinstance(status, str) and status:
            params["orderStatusId"] = status
        return params

    @staticmethod
    def _keep_statuses(page: Page, status) -> Page:
        """Several statuses: the store filters one at a time, so the rest is filtered here."""
        if not status or isinstance(status, str):
            return page
        wanted = set(status)
        kept = Page(
            [o for o in page if isinstance(o, dict) and _order_status(o) in wanted],
            number=page.number,
            total=page.total,
            total_pages=page.total_pages,
        )
        kept.has_next = page.has_next
        return kept

    def fetch_orders_page(
        self, page=1, modified_after=None, per_page=None, status=None, modified_before=None
    ) -> Page:
        """One page (1-based) of ``orderExtend?full=1&excludeAbandonedCart=1``, by innerId."""
        params = self._order_params(modified_after, per_page, status, modified_before)
        return self._keep_statuses(self._fetch_page("orderExtend", params, page), status)

    def iter_orders(self, modified_after=None, per_page=None, status=None, modified_before=None):
        """Pages of orders changed in ``[modified_after, modified_before)``, innerId ascending.

        ``N`` orders cost ``ceil(N / 200)`` requests (at least one). Abandoned carts are never
        listed. ``updatedAtMin`` includes its second: re-reading the cursor's second is harmless
        (the content hash skips what did not change).
        """
        params = self._order_params(modified_after, per_page, status, modified_before)
        for page in self._iter_pages("orderExtend", params):
            yield self._keep_statuses(page, status)

    def oldest_order_date(self):
        """Creation date (naive UTC) of the order with the lowest innerId; None without any."""
        page = self._fetch_page("orderExtend", self._order_params(None, 1), 1)
        if not page or not isinstance(page[0], dict):
            return None
        try:
            return shoprenter_mapping.shop_datetime(page[0].get("dateCreated"), "dateCreated")
        except PayloadError:
            return None

    def get_order(self, external_id) -> dict:
        """``GET orderExtend?innerId=<id>&full=1``.

        :raises StoreSyncError: ``not_found`` when the shop has no such order.
        """
        inner = _inner(external_id)
        page = self._fetch_page("orderExtend", {"full": 1, "innerId": inner}, 1)
        for order in page:
            if isinstance(order, dict) and str(order.get("innerId")) == inner:
                return order
        raise StoreSyncError(
            "not_found",
            f"The shop has no order {inner}.",
            status=404,
            details={"url": self.api_url("orderExtend"), "innerId": inner},
        )

    def get_orders(self, ids) -> list[dict]:
        """Orders by innerId through ``/batch`` (200 a call); orders the shop lacks are left out."""
        wanted = sorted({_inner(i) for i in ids}, key=int)
        answers = self._batch(
            [{"method": "GET", "uri": f"orderExtend?innerId={inner}&full=1"} for inner in wanted]
        )
        orders = []
        for inner, (status, body) in zip(wanted, answers, strict=True):
            if status is None or status >= 300:
                if status in (404, None):
                    continue
                raise StoreSyncError(
                    "server" if status >= 500 else "client",
                    f"The batch read of order {inner} failed with {status}.",
                    status=status,
                    details={"body": body},
                )
            items = body.get("items") if isinstance(body, dict) else None
            if isinstance(body, dict) and "innerId" in body:
                items = [body]
            orders += [
                o for o in items or [] if isinstance(o, dict) and str(o.get("innerId")) == inner
            ]
        return orders

    # ------------------------------------------------------------------ products
    def iter_products(self, modified_after=None, per_page=None):
        """Pages of ``productExtend?full=1`` changed after ``modified_after`` (updatedAfter)."""
        params = {"full": 1, "limit": self._page_size(per_page)}
        if modified_after is not None:
            params["updatedAfter"] = to_shop_time(self.to_utc(modified_after))
        yield from self._iter_pages("productExtend", params)

    def get_products(self, ids) -> list[dict]:
        """Products by resource id through ``/batch GET productExtend/<id>``; 404s left out."""
        wanted = sorted({str(i) for i in ids})
        answers = self._batch([{"method": "GET", "uri": f"productExtend/{i}"} for i in wanted])
        return [
            body
            for status, body in answers
            if status is not None and status < 300 and isinstance(body, dict)
        ]

    def list_categories(self) -> list[dict]:
        """``categoryExtend?full=1``, every page: ``{"id", "name", "parent"}`` (parent 0 at top)."""
        return [
            category
            for page in self._iter_pages("categoryExtend", {"full": 1, "limit": self.max_page_size})
            for raw in page
            if (category := shoprenter_mapping.describe_category(raw))
        ]

    def list_variations(self, product_id) -> list[dict]:
        """Shoprenter variants are products of their own (``parentProduct``): nothing here."""
        del product_id
        return []

    # ------------------------------------------------------------------ settings
    def _all(self, path, params=None):
        return [
            item
            for page in self._iter_pages(
                path, {"full": 1, "limit": self.max_page_size, **(params or {})}
            )
            for item in page
            if isinstance(item, dict)
        ]

    def list_store_settings(self) -> dict:
        """Tax rates (``/taxRates``: every rate the shop defines, keyed by percentage like the
        orders' lines), shipping modes (``/shippingModeExtend``: innerId, name), payment modes
        (``/paymentModes``: code, name), order statuses (``/orderStatuses`` with their
        Hungarian ``/orderStatusDescriptions``), customer groups (``/customerGroups``, the
        default one named by the setting ``config_customer_group_id``), delivery times
        (``/stockStatuses`` with their Hungarian ``/stockStatusDescriptions``). Prices exclude tax
        in Shoprenter."""
        rates = {}
        for rate in self._all("taxRates"):
            try:
                rid = rate_id(rate.get("rate"))
            except PayloadError:
                continue
            rates.setdefault(
                rid,
                {
                    "id": rid,
                    "label": str(rate.get("description") or f"{rid}%"),
                    "percent": Decimal(rid),
                },
            )
        shipping = []
        for mode in self._all("shippingModeExtend"):
            inner = str(mode.get("innerId") or inner_id_of(str(mode.get("id") or "")) or "")
            names = [
                d.get("name")
                for d in mode.get("shippingModeDescriptions") or []
                if isinstance(d, dict) and d.get("name")
            ]
            if inner:
                shipping.append({"id": inner, "title": names[0] if names else inner})
        payments = []
        for mode in self._all("paymentModes"):
            code = str(mode.get("code") or "")
            names = [
                d.get("name")
                for d in mode.get("paymentDescription") or mode.get("paymentDescriptions") or []
                if isinstance(d, dict) and d.get("name")
            ]
            if code:
                payments.append({"id": code, "title": names[0] if names else code})
        return {
            "prices_include_tax": False,
            "tax_rates": sorted(rates.values(), key=lambda r: r["percent"]),
            "shipping_methods": shipping,
            "payment_methods": payments,
            "order_statuses": self._order_statuses(),
            "customer_groups": self._customer_groups(),
            "delivery_times": self._delivery_times(),
        }

    def _customer_groups(self) -> list[dict]:
        default = None
        for setting in self._all("settings", {"key": "config_customer_group_id"}):
            if setting.get("key") == "config_customer_group_id":
                default = str(setting.get("value") or "")
        groups = []
        for group in self._all("customerGroups"):
            gid = group.get("id") or href_id(group, "customerGroups")
            if not gid:
                continue
            inner = str(group.get("innerId") or inner_id_of(gid) or "")
            groups.append(
                {
                    "id": gid,
                    "title": str(group.get("name") or inner or gid),
                    # the setting's value may be the innerId or the resource id [INF]
                    "default": bool(default) and default in (inner, gid),
                }
            )
        return groups

    def _order_statuses(self) -> list[dict]:
        hungarian = None
        for language in self._all("languages"):
            if str(language.get("code") or "").lower() == "hu":
                hungarian = language.get("id")
        titles: dict[str, str] = {}
        for description in self._all("orderStatusDescriptions"):
            status = href_id(description.get("orderStatus"), "orderStatus")
            language = href_id(description.get("language"), "language")
            if status and (status not in titles or language == hungarian):
                titles[status] = str(description.get("name") or "")
        statuses = []
        for status in self._all("orderStatuses"):
            sid = status.get("id") or href_id(status, "orderStatus")
            if sid:
                statuses.append({"id": sid, "title": titles.get(sid) or sid})
        return statuses

    # ------------------------------------------------------------------ order writes
    def _order_resource_id(self, external_id) -> str:
        inner = _inner(external_id)
        page = self._fetch_page("orders", {"innerId": inner, "limit": 1}, 1)
        for item in page:
            if isinstance(item, dict):
                resource = item.get("id") or href_id(item, "orders")
                if resource:
                    return resource
        raise StoreSyncError(
            "not_found", f"The shop has no order {inner}.", status=404, details={"innerId": inner}
        )

    def update_order_status(self, external_id, status, note=None, customer_note=True) -> dict:
        """``PUT /orders/<resource id> {"orderStatus": {"id": status}}`` (the id found through
        ``GET /orders?innerId=``). ``note`` is ignored: the API has no way to write an order
        comment or history note."""
        del note, customer_note
        resource = self._order_resource_id(external_id)
        data, _response = self._request(
            "PUT", self.api_url(f"orders/{resource}"), json_body={"orderStatus": {"id": status}}
        )
        return data if isinstance(data, dict) else {}

    def list_order_notes(self, external_id) -> list[dict]:
        """Always empty: Shoprenter's order history is read-only and has no notes we wrote."""
        del external_id
        return []

    def add_order_note(self, external_id, note, customer_note=True) -> dict:
        """Not supported: the API cannot add a comment or note to an order."""
        raise StoreSyncError(
            "client",
            "Shoprenter's API cannot add a note to an order.",
            code="storesync_not_supported",
            details={"external_id": str(external_id)},
        )

    # ------------------------------------------------------------------ stock and prices
    def update_stock(self, items) -> list[dict]:
        """``/batch PUT products/<id> {"stock1": qty}`` (200 a call); per-item results.

        Only warehouse 1 is written (stock2..4 stay as the merchant keeps them); fractions are
        rounded down.
        """
        items = list(items)
        answers = self._batch(
            [
                {
                    "method": "PUT",
                    "uri": f"products/{item['id']}",
                    "data": {
                        "stock1": int(
                            Decimal(str(item["stock_quantity"])).to_integral_value("ROUND_FLOOR")
                        )
                    },
                }
                for item in items
            ]
        )
        return [
            _item_result(item, status, body)
            for item, (status, body) in zip(items, answers, strict=True)
        ]

    def update_prices(self, items) -> list[dict]:
        """Set the net ``price`` by ``/batch PUT products/<id>``, then our specials and the
        customer groups' own prices.

        Specials: an item with ``sale_price`` or ``tiers`` gets its specials replaced: ours
        (priority ``SPECIAL_PRIORITY``, in the item's ``customer_group`` or everyone's) are
        read (``GET productSpecials?productId=``) and deleted, then the sale (dated, from
        quantity 0) and one special per quantity tier (``minQuantity``, no dates) are posted.
        The merchant's own specials (another priority) stay. ``sale_from`` / ``sale_to`` are
        naive UTC (None: unbounded), sent as Budapest time.

        An item with a ``customer_group`` leaves the product's price alone: its ``price``
        becomes the group's ``customerGroupProductPrices`` row (None deletes it).
        """
        items = list(items)
        priced = [i for i, item in enumerate(items) if not item.get("customer_group")]
        answers = self._batch(
            [
                {
                    "method": "PUT",
                    "uri": f"products/{items[i]['id']}",
                    "data": {"price": _price(items[i]["regular_price"])},
                }
                for i in priced
            ]
        )
        results = [_item_result(item, 200, None) for item in items]
        for i, (status, body) in zip(priced, answers, strict=True):
            results[i] = _item_result(items[i], status, body)
        self._replace_specials(items, results)
        self._replace_group_prices(items, results)
        return results

    def _replace_specials(self, items, results):
        on_sale = [
            i
            for i, item in enumerate(items)
            if ("sale_price" in item or "tiers" in item) and results[i]["ok"]
        ]
        if not on_sale:
            return
        existing = self._batch(
            [
                {
                    "method": "GET",
                    "uri": f"productSpecials?productId={items[i]['id']}&full=1&limit=200",
                }
                for i in on_sale
            ]
        )
        writes, owners = [], []
        for index, (status, body) in zip(on_sale, existing, strict=True):
            item = items[index]
            if status is None or status >= 300:
                results[index] = _item_result(item, status, body)
                continue
            group = item.get("customer_group") or None
            for special in (body or {}).get("items") or []:
                if (
                    not isinstance(special, dict)
                    or str(special.get("priority")) != SPECIAL_PRIORITY
                ):
                    continue
                if href_id(special.get("customerGroup"), "customerGroup") != group:
                    continue
                writes.append({"method": "DELETE", "uri": f"productSpecials/{special['id']}"})
                owners.append(index)
            specials = []
            if item.get("sale_price") not in (None, ""):
                specials.append((item["sale_price"], item.get("sale_from"), item.get("sale_to"), 0))
            specials += [
                (tier["price"], None, None, tier["min_quantity"])
                for tier in item.get("tiers") or ()
            ]
            for price, date_from, date_to, quantity in specials:
                special = {
                    "product": {"id": item["id"]},
                    "customerGroup": {"id": group} if group else {},
                    "priority": SPECIAL_PRIORITY,
                    "price": _price(price),
                    "dateFrom": _special_date(date_from),
                    "dateTo": _special_date(date_to),
                    "minQuantity": str(int(quantity)),
                    "maxQuantity": "0",
                }
                writes.append({"method": "POST", "uri": "productSpecials", "data": special})
                owners.append(index)
        for index, (write, (status, body)) in zip(
            owners, zip(writes, self._batch(writes), strict=True), strict=True
        ):
            if write["method"] == "DELETE" and status == 404:
                continue  # already gone is what we wanted
            if status is None or status >= 300:
                results[index] = _item_result(items[index], status, body)
            elif write["method"] == "POST" and results[index]["ok"]:
                results[index]["data"] = {**(results[index]["data"] or {}), "productSpecial": body}

    def _replace_group_prices(self, items, results):
        grouped = [
            i
            for i, item in enumerate(items)
            if item.get("customer_group") and "price" in item and results[i]["ok"]
        ]
        if not grouped:
            return
        existing = self._batch(
            [
                {
                    "method": "GET",
                    "uri": f"customerGroupProductPrices?productId={items[i]['id']}"
                    f"&full=1&limit=200",
                }
                for i in grouped
            ]
        )
        writes, owners = [], []
        for index, (status, body) in zip(grouped, existing, strict=True):
            item = items[index]
            if status is None or status >= 300:
                results[index] = _item_result(item, status, body)
                continue
            rows = [
                row
                for row in (body or {}).get("items") or []
                if isinstance(row, dict)
                and href_id(row.get("customerGroup"), "customerGroup") == item["customer_group"]
            ]
            price = item["price"]
            keep = rows[:1] if price is not None else []
            for row in rows[len(keep) :]:
                writes.append(
                    {"method": "DELETE", "uri": f"customerGroupProductPrices/{row['id']}"}
                )
                owners.append(index)
            if keep:
                writes.append(
                    {
                        "method": "PUT",
                        "uri": f"customerGroupProductPrices/{keep[0]['id']}",
                        "data": {"price": _price(price)},
                    }
                )
                owners.append(index)
            elif price is not None:
                writes.append(
                    {
                        "method": "POST",
                        "uri": "customerGroupProductPrices",
                        "data": {
                            "customerGroup": {"id": item["customer_group"]},
                            "product": {"id": item["id"]},
                            "price": _price(price),
                        },
                    }
                )
                owners.append(index)
        for index, (write, (status, body)) in zip(
            owners, zip(writes, self._batch(writes), strict=True), strict=True
        ):
            if write["method"] == "DELETE" and status == 404:
                continue
            if status is None or status >= 300:
                results[index] = _item_result(items[index], status, body)

    # ------------------------------------------------------------------ webhooks
    @classmethod
    def verify_webhook(cls, headers, raw_body: bytes, secret: str) -> bool:
        """Always False: Shoprenter signs no delivery (``webhook_auth`` "url_token"). The Odoo
        side authenticates a delivery by the secret token in its URL instead, and treats it
        only as a trigger to fetch the named orders through the API."""
        del headers, raw_body, secret
        return False

    @classmethod
    def webhook_data(cls, headers, raw_body: bytes):
        """The JSON of a delivery's ``data`` field (multipart/form-data or urlencoded), or of
        the whole body when it is JSON; None when there is none."""
        headers = {str(k).lower(): str(v) for k, v in dict(headers or {}).items()}
        body = raw_body.encode("utf-8") if isinstance(raw_body, str) else (raw_body or b"")
        ctype = headers.get("content-type", "")
        text = None
        if ctype.lower().startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body
            )
            for part in message.iter_parts() if message.is_multipart() else ():
                if part.get_param("name", header="content-disposition") == "data":
                    text = part.get_payload(decode=True).decode("utf-8", "replace")
                    break
        elif ctype.lower().startswith("application/x-www-form-urlencoded") or body.startswith(
            b"data="
        ):
            values = parse_qs(body.decode("utf-8", "replace"))
            text = (values.get("data") or [None])[0]
        else:
            text = body.decode("utf-8", "replace")
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    @classmethod
    def describe_webhook(cls, headers, raw_body: bytes) -> dict:
        """``{"ping": False, "kind": "order" | None, "topic", "refs": [innerIds]}``.

        Shoprenter names no event in a delivery; the topic is "order_status_change" when the
        orders carry a status history entry, else "order_confirm" [INF].
        """
        data = cls.webhook_data(headers, raw_body)
        orders = None
        if isinstance(data, dict) and isinstance(data.get("orders"), dict):
            orders = data["orders"].get("order")
            if isinstance(orders, dict):
                orders = [orders]
        if not isinstance(orders, list) or not orders:
            return {"ping": False, "kind": None, "topic": "", "refs": []}
        refs = [
            str(o["innerId"])
            for o in orders
            if isinstance(o, dict) and o.get("innerId") not in (None, "")
        ]
        changed = any(
            isinstance(o, dict) and isinstance(o.get("orderHistory"), dict) and o["orderHistory"]
            for o in orders
        )
        return {
            "ping": False,
            "kind": "order" if refs else None,
            "topic": "order_status_change" if changed else "order_confirm",
            "refs": refs,
        }

    def register_webhooks(self, delivery_url: str, secret: str, previous=()) -> dict:
        """Create or repair ``order_confirm`` and ``order_status_change`` on ``/webHooks``.

        Ours are the shop's webhooks of those events whose URL is ``delivery_url`` (which
        carries ``secret``: the shop keeps no secret of its own): one per event is kept (made
        active when it was not), duplicates deleted, missing ones created. POSTs are not
        retried automatically; a second call removes a duplicate a lost answer left.
        """
        del previous  # the store lists its webhooks: ours are found there
        if not delivery_url or not secret:
            raise ValueError("register_webhooks needs a delivery URL and a secret")
        target = delivery_url.rstrip("/")
        result = {key: [] for key in ("created", "updated", "kept", "deleted", "others")}
        ours = {event: [] for event in self.webhook_events}
        for hook in self._all("webHooks"):
            urls = {
                str(p.get("url") or "").rstrip("/")
                for p in _as_list(hook.get("webHookParameters"))
                if isinstance(p, dict)
            }
            if target in urls and hook.get("event") in ours:
                ours[hook["event"]].append(hook)
            else:
                result["others"].append(_hook_ref(hook))
        for event, hooks in ours.items():
            body = {
                "label": f"Odoo Store Sync: {event}",
                "event": event,
                "status": "1",
                "webHookParameters": [{"type": "json", "url": delivery_url}],
            }
            if not hooks:
                data, _response = self._request("POST", self.api_url("webHooks"), json_body=body)
                result["created"].append(
                    _hook_ref(data if isinstance(data, dict) else {"event": event})
                )
                continue
            keep, *duplicates = sorted(
                hooks, key=lambda h: (str(h.get("status")) != "1", str(h.get("id")))
            )
            if str(keep.get("status")) == "1":
                result["kept"].append(_hook_ref(keep))
            else:
                self._request("PUT", self.api_url(f"webHooks/{keep['id']}"), json_body=body)
                result["updated"].append(_hook_ref(keep))
            for hook in duplicates:
                try:
                    self._request(
                        "DELETE", self.api_url(f"webHooks/{hook['id']}"), expect_json=False
                    )
                except StoreSyncError as error:
                    if error.kind != "not_found":
                        raise
                result["deleted"].append(_hook_ref(hook))
        return result


def _as_list(value):
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) and value else []


def _hook_ref(hook: dict) -> dict:
    return {"id": str(hook.get("id") or ""), "topic": str(hook.get("event") or "")}


def _order_status(order: dict):
    try:
        return href_id(order.get("orderStatus"), "orderStatus")
    except PayloadError:
        return None


def _decimal_or_zero(value) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return Decimal(0)


def _inner(value) -> str:
    """An order's innerId (a positive integer, as text); anything else is a bug on our side."""
    number = _int(value, 0)
    if number <= 0:
        raise ValueError(f"Not a Shoprenter order innerId: {value!r}")
    return str(number)


def _price(value) -> str:
    if isinstance(value, float):
        value = Decimal(repr(value))
    return format(Decimal(str(value).strip()), "f")


def _special_date(moment) -> str:
    if not moment:
        return NO_DATE
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(shoprenter_mapping.SHOP_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _item_result(item: dict, status, body) -> dict:
    """One batch item's outcome, shaped like WooCommerce's (see ``StoreAdapter.update_stock``)."""
    result = {
        "id": item["id"],
        "parent_id": item.get("parent_id") or None,
        **({"customer_group": item["customer_group"]} if item.get("customer_group") else {}),
        "ok": False,
        "status": status,
        "code": None,
        "message": None,
        "retryable": False,
        "data": None,
    }
    problem = batch_answer_problem(status, body)
    if problem:
        return {**result, **problem}
    return {**result, "ok": True, "data": body if isinstance(body, dict) else None}
