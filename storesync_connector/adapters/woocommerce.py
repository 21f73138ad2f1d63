"""WooCommerce REST API v3 (``<site>/wp-json/wc/v3/``) adapter.

Facts it relies on (woocommerce/woocommerce-rest-api-docs, /work/shared/STORE_APIS.md):

* Auth: HTTP Basic with the consumer key/secret. Real WooCommerce only accepts Basic over
  HTTPS (plain HTTP wants OAuth 1.0a), so an ``http://`` store refuses the keys with 401; the
  error then carries ``details["insecure_url"] = True``.
* Errors: ``{"code", "message", "data": {"status"}}``.
* Lists: ``per_page`` 1..100, ``page`` 1-based, ``X-WP-Total`` / ``X-WP-TotalPages`` headers.
  ``modified_after`` + ``dates_are_gmt`` (WooCommerce >= 5.8) filter by modification date,
  strictly after the given moment; ``orderby`` has no "modified", so lists go by id ascending:
  new items then land on the last page and nothing shifts under the pages already read.
* Batches: ``POST .../batch`` with at most 100 items (create+update+delete), else 413
  ``woocommerce_rest_request_entity_too_large``; per-item failures come back in place as
  ``{"id", "error": {"code", "message", "data": {"status"}}}``.
* Webhooks: ``X-WC-Webhook-Signature`` = base64(HMAC-SHA256(raw body, webhook secret)).
"""

import hmac
import math
import re
from decimal import Decimal

from requests.auth import HTTPBasicAuth

from . import woocommerce_mapping
from .base import CredentialField, Page, StoreAdapter
from .errors import PayloadError, StoreSyncError
from .woocommerce_catalogue import WooCommerceCatalogue
from .woocommerce_mapping import batch_answer_problem
from .woocommerce_mapping import plain_text as _plain_text

API_NAMESPACE = "wc/v3"
# modified_after/modified_before/dates_are_gmt on lists appeared in WooCommerce 5.8; older
# stores ignore them silently and would return everything.
MODIFIED_AFTER_SINCE = (5, 8)
INDEX_FIELDS = "name,home,timezone_string,namespaces"


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version or "")[:3])


def _looks_like_html(content: bytes) -> bool:
    # A PHP notice ("<br />\n<b>Warning</b>...") before the JSON is a broken store answer
    # (malformed); a whole HTML document means we are not talking to the REST API at all.
    head = content[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml"))


def _price(value) -> str:
    """WooCommerce wants prices as strings; "" clears (e.g. a sale price)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        value = Decimal(repr(value))  # 12.3, not 12.300000000000000710542735760100
    return format(Decimal(value), "f")


def _quantity(value) -> int:
    """Whole units; a fraction is rounded down so the store never sells what is not there."""
    number = float(value)
    return int(number) if number.is_integer() else math.floor(number)


class WooCommerceAdapter(WooCommerceCatalogue, StoreAdapter):
    """WooCommerce through its REST API v3 with consumer key/secret (see module docs)."""

    platform = "woocommerce"
    platform_label = "WooCommerce"
    sequence = 10
    api_version = API_NAMESPACE
    batch_limit = 100
    credential_fields = (
        CredentialField(
            "consumer_key",
            "Consumer Key",
            help="WooCommerce > Settings > Advanced > REST API: a key with Read/Write permission.",
        ),
        CredentialField("consumer_secret", "Consumer Secret", secret=True),
    )
    # WooCommerce's order statuses (WC _orders.md) and what a new store does with each.
    default_status_actions = {
        "pending": "quotation",
        "on-hold": "quotation",
        "processing": "confirm",
        "completed": "confirm",
        "cancelled": "cancel",
        "refunded": "cancel",
        "failed": "skip",
        "checkout-draft": "skip",
        "trash": "skip",
    }
    # Paid and confirmed send nothing by default: an order the store took payment for is
    # already "processing" there, and "on-hold" bank transfers are confirmed by the merchant.
    default_export_statuses = {
        "confirmed": "",
        "paid": "processing",
        "delivered": "completed",
        "cancelled": "cancelled",
    }
    # An order climbs these (WC _orders.md); a paid order already "completed" in the store must
    # never go back to "processing", which e-mails the buyer again.
    status_ladder = ("pending", "on-hold", "processing", "completed")
    map_order = staticmethod(woocommerce_mapping.map_order)

    @staticmethod
    def describe_order(payload) -> dict | None:
        """Sync-log key of an order payload; tolerant, validation happens when processing."""
        key = _describe(payload)
        if key is None:
            return None
        lines = payload.get("line_items")
        key["name"] = f"#{payload.get('number') or key['external_id']}"
        key["status"] = payload.get("status") if isinstance(payload.get("status"), str) else None
        key["product_ids"] = sorted(
            {
                str(line["product_id"])
                for line in (lines if isinstance(lines, list) else [])
                if isinstance(line, dict)
                and isinstance(line.get("product_id"), int)
                and line["product_id"] > 0
            }
        )
        return key

    @classmethod
    def order_admin_url(cls, base_url, external_id) -> str:
        """WooCommerce's order edit page (classic post screen; HPOS redirects from it)."""
        return (
            f"{cls.normalize_base_url(base_url)}/wp-admin/post.php?post={external_id}&action=edit"
        )

    max_page_size = 100

    # ------------------------------------------------------------------ plumbing
    @staticmethod
    def normalize_base_url(url: str) -> str:
        """The site address; a pasted API address (``.../wp-json/wc/v3``) is cut back to it."""
        url = StoreAdapter.normalize_base_url(url)
        return re.sub(r"/wp-json(/wc/v\d+)?$", "", url, flags=re.IGNORECASE)

    @property
    def index_url(self) -> str:
        """The WordPress REST API index."""
        return f"{self.base_url}/wp-json/"

    def api_url(self, path: str) -> str:
        """Absolute URL of ``path`` under ``wp-json/wc/v3/``."""
        return f"{self.base_url}/wp-json/{API_NAMESPACE}/{path.lstrip('/')}"

    def _auth(self):
        key = self.credentials.get("consumer_key") or ""
        secret = self.credentials.get("consumer_secret") or ""
        if not key or not secret:
            raise StoreSyncError(
                "auth",
                "No consumer key or consumer secret configured.",
                code="storesync_missing_credentials",
                details={"url": self.base_url},
            )
        return HTTPBasicAuth(key, secret)

    def _get(self, path: str, params=None):
        data, response = self._request("GET", self.api_url(path), params=params)
        return data, response

    def _json(self, response, where):
        try:
            return super()._json(response, where)
        except StoreSyncError as error:
            if _looks_like_html(response.content):
                raise StoreSyncError(
                    "not_platform",
                    "The address answers with a web page instead of the WooCommerce REST API.",
                    status=response.status_code,
                    details=error.details,
                ) from None
            raise

    def _parse_error_body(self, response) -> dict:
        parsed = super()._parse_error_body(response)
        body = parsed.get("details", {}).get("body")
        if isinstance(body, dict) and ("code" in body or "message" in body):
            data = body.get("data") if isinstance(body.get("data"), dict) else {}
            details = {k: v for k, v in data.items() if k != "status"}
            return {
                "is_json": True,
                "code": body.get("code") or None,
                "message": _plain_text(body.get("message")) or None,
                "details": details,
            }
        if not parsed["is_json"]:
            return parsed
        return {"is_json": True, "details": {}}

    def _error_kind(self, status, code, is_json, where):
        if status == 404 and (code == "rest_no_route" or not is_json):
            # No wc/v3 route (WooCommerce missing, too old or its REST API off), or not even
            # WordPress answering under /wp-json/.
            return "not_platform", False
        if status == 403 and not is_json:
            # An HTML 403 is a firewall/security plugin page, not WooCommerce judging the keys.
            return "client", False
        return super()._error_kind(status, code, is_json, where)

    def _error_from_response(self, response, where):
        error = super()._error_from_response(response, where)
        if error.kind == "auth" and self.base_url.lower().startswith("http://"):
            error.details["insecure_url"] = True
        return error

    # ------------------------------------------------------------------ connection
    def check_connection(self) -> dict:
        """Check the address is a WooCommerce store and the keys work.

        1. ``GET <base>/wp-json/`` (no keys): the WordPress API index must list ``wc/v3``;
           a web page, an error page or a missing namespace is ``not_platform``. A site that
           hides its index from anonymous visitors (401/403) is let through to step 2.
        2. ``GET wc/v3/system_status`` with the keys: 401 is ``auth``.

        :return: ``{"name", "version", "api_version", "currency", "wp_version", "home_url",
            "timezone", "redirected_to", "supports_modified_after"}``; ``redirected_to`` is
            the address the site redirected us to (set the store URL to it), else None.
        """
        index, redirected_to = self._api_index()
        data, _ = self._get("system_status", params={"_fields": "environment,settings"})
        if not isinstance(data, dict):
            raise StoreSyncError(
                "malformed", "system_status is not a JSON object.", details={"url": self.base_url}
            )
        environment = data.get("environment") or {}
        settings = data.get("settings") or {}
        version = str(environment.get("version") or "")
        name = _plain_text(index.get("name")) if index else ""
        return {
            "name": name or environment.get("site_url") or self.base_url,
            "version": version,
            "api_version": API_NAMESPACE,
            "currency": settings.get("currency") or None,
            "wp_version": environment.get("wp_version") or None,
            "home_url": (index or {}).get("home") or environment.get("home_url") or None,
            "timezone": (index or {}).get("timezone_string") or None,
            "redirected_to": redirected_to,
            "supports_modified_after": _version_tuple(version) >= MODIFIED_AFTER_SINCE,
        }

    def _api_index(self):
        """``(index, redirected_to)``; index is None when the site hides it from visitors."""
        try:
            # _fields: a full index lists every route of every plugin, often megabytes.
            index, response = self._request(
                "GET", self.index_url, params={"_fields": INDEX_FIELDS}, auth=False
            )
        except StoreSyncError as error:
            if error.kind == "auth":
                return None, None  # REST index restricted to logged-in users: keys decide
            if error.kind in ("not_found", "client", "malformed"):
                raise StoreSyncError(
                    "not_platform",
                    f"No WordPress REST API at {self.index_url} ({error.message}).",
                    status=error.status,
                    code=error.code,
                    details=error.details,
                ) from None
            raise
        namespaces = index.get("namespaces") if isinstance(index, dict) else None
        if not isinstance(namespaces, list):
            raise StoreSyncError(
                "not_platform",
                f"{self.index_url} is not a WordPress REST API index.",
                status=response.status_code,
                details={"url": self.index_url},
            )
        if API_NAMESPACE not in namespaces:
            older = [ns for ns in namespaces if str(ns).startswith("wc/v")]
            message = (
                f"WooCommerce answers, but without its REST API {API_NAMESPACE} "
                f"(only {', '.join(older)}): the plugin is too old."
                if older
                else f"WordPress answers, but WooCommerce's REST API {API_NAMESPACE} is not "
                "there (plugin not installed or not active)."
            )
            raise StoreSyncError(
                "not_platform",
                message,
                status=response.status_code,
                details={"url": self.index_url, "namespaces": namespaces},
            )
        redirected_to = None
        if response.history:
            final = re.sub(r"/wp-json/?(\?.*)?$", "", response.url)
            if final.rstrip("/") != self.base_url:
                redirected_to = final.rstrip("/")
        return index, redirected_to

    # ------------------------------------------------------------------ listings
    def _page_size(self, per_page) -> int:
        if per_page is None:
            return self.max_page_size
        return min(max(int(per_page), 1), self.max_page_size)

    def _list_params(self, modified_after, per_page, modified_before=None) -> dict:
        params = {"per_page": self._page_size(per_page), "orderby": "id", "order": "asc"}
        for name, moment in (
            ("modified_after", modified_after),
            ("modified_before", modified_before),
        ):
            if moment is not None:
                # GMT without a zone suffix plus dates_are_gmt: WordPress parses the date in
                # the frame that flag names, whatever the site's time zone is.
                params[name] = self.to_utc(moment).strftime("%Y-%m-%dT%H:%M:%S")
                params["dates_are_gmt"] = "true"
        return params

    def _fetch_page(self, path: str, params: dict, page: int) -> Page:
        """GET one list page; ``X-WP-Total``/``X-WP-TotalPages`` become ``Page`` attributes."""
        data, response = self._get(path, params={**params, "page": page})
        if not isinstance(data, list):
            raise StoreSyncError(
                "malformed",
                f"Expected a JSON list from {path}, got {type(data).__name__}.",
                status=response.status_code,
                details={"url": self.api_url(path), "page": page},
            )
        return Page(
            data,
            number=page,
            total=_int_header(response, "X-WP-Total"),
            total_pages=_int_header(response, "X-WP-TotalPages"),
        )

    def _iter_pages(self, path: str, params: dict):
        """Yield non-empty pages, one request each, until the last page.

        The page count is re-read from every answer (items created meanwhile extend the
        listing). Without the header (a proxy stripping it) a short page ends the listing.
        """
        per_page = params["per_page"]
        page, previous_ids = 1, None
        while True:
            result = self._fetch_page(path, params, page)
            if not result:
                return
            ids = [item.get("id") for item in result if isinstance(item, dict)]
            if ids == previous_ids:
                # A page cache that ignores ?page= would make this loop forever.
                raise StoreSyncError(
                    "malformed",
                    f"Page {page} of {path} repeats page {page - 1}: a cache ignores ?page=.",
                    details={"url": self.api_url(path), "page": page},
                )
            previous_ids = ids
            yield result
            if result.total_pages is not None:
                if page >= result.total_pages:
                    return
            elif len(result) < per_page:
                return
            page += 1

    def fetch_orders_page(
        self, page=1, modified_after=None, per_page=None, status=None, modified_before=None
    ) -> Page:
        """One page of ``GET orders`` (id ascending), with the store's total and page count.

        :param status: a status or list of statuses (WooCommerce's default lists all but
            trash and checkout drafts).
        :param modified_before: only orders modified strictly before this moment (with
            ``modified_after``, a window: WooCommerce cannot sort orders by modification).
        """
        return self._fetch_page(
            "orders", self._order_params(modified_after, per_page, status, modified_before), page
        )

    def _order_params(self, modified_after, per_page, status, modified_before=None) -> dict:
        params = self._list_params(modified_after, per_page, modified_before)
        if status:
            params["status"] = status if isinstance(status, str) else ",".join(status)
        return params

    def iter_orders(self, modified_after=None, per_page=None, status=None, modified_before=None):
        """Yield pages (``Page``, a list of order dicts) of orders modified after a moment.

        ``N`` changed orders cost ``ceil(N / per_page)`` requests (at least one): no count
        request, no per-order request. Pages go by order id, so take the new cursor as the
        largest ``date_modified_gmt`` seen, and re-read with a small overlap: WooCommerce's
        filter is strictly "after", to the second.

        :param modified_after: naive UTC (Odoo's Datetime) or aware datetime; None: all.
        :param per_page: 1..100 (default 100).
        :param status: a status or list of statuses; None: all but trash/drafts.
        :param modified_before: only orders modified strictly before this moment.
        """
        yield from self._iter_pages(
            "orders", self._order_params(modified_after, per_page, status, modified_before)
        )

    def oldest_order_date(self):
        """Creation date (naive UTC) of the store's oldest order; None when it has none.

        ``orders?orderby=date&order=asc&per_page=1``: every order was modified at or after
        its creation, so a history read by modification date may start here.
        """
        params = {**self._order_params(None, 1, None), "orderby": "date", "order": "asc"}
        page = self._fetch_page("orders", params, 1)
        if not page or not isinstance(page[0], dict):
            return None
        try:
            return woocommerce_mapping.parse_date(page[0].get("date_created_gmt"))
        except PayloadError:
            return None

    def get_order(self, external_id) -> dict:
        """``GET orders/<id>``: the same payload as in the listing.

        :raises StoreSyncError: ``not_found`` (``woocommerce_rest_shop_order_invalid_id``).
        """
        data, response = self._get(f"orders/{_store_id(external_id)}")
        return _expect_object(data, response, "order")

    def get_orders(self, ids) -> list[dict]:
        """Orders by id: ``GET orders?include=...&per_page=100``, up to 100 ids a request.

        Every status but trash and checkout drafts (WooCommerce's ``any``), as the listing.
        """
        wanted = sorted({_store_id(i) for i in ids})
        orders = []
        for start in range(0, len(wanted), self.max_page_size):
            params = self._order_params(None, self.max_page_size, None)
            params["include"] = ",".join(map(str, wanted[start : start + self.max_page_size]))
            orders += self._fetch_page("orders", params, 1)
        return orders

    def iter_products(self, modified_after=None, per_page=None):
        """Yield pages of product payloads (all types and statuses but trash), by id.

        Variations are not in this listing: a ``variable`` product lists their ids in
        ``variations``; fetch them with ``list_variations``.
        """
        yield from self._iter_pages("products", self._list_params(modified_after, per_page))

    def get_products(self, ids) -> list[dict]:
        """Products by id: ``GET products?include=...``, up to 100 ids per request."""
        wanted = sorted({_store_id(i) for i in ids})
        products = []
        for start in range(0, len(wanted), self.max_page_size):
            chunk = wanted[start : start + self.max_page_size]
            params = self._list_params(None, len(chunk))
            params["include"] = ",".join(map(str, chunk))
            products += self._fetch_page("products", params, 1)
        return products

    def list_categories(self) -> list[dict]:
        """``GET products/categories``, every page, reduced to id, name and parent."""
        params = self._list_params(None, self.max_page_size)
        return [
            category
            for page in self._iter_pages("products/categories", params)
            for raw in page
            if (category := woocommerce_mapping.describe_category(raw))
        ]

    @staticmethod
    def describe_product(payload) -> dict | None:
        """Sync-log key of a product payload (tolerant, like ``describe_order``)."""
        key = _describe(payload)
        if key is not None:
            key["name"] = str(payload.get("name") or key["external_id"])
        return key

    map_product = staticmethod(woocommerce_mapping.map_product)

    def list_variations(self, product_id) -> list[dict]:
        """All variations of a variable product (``GET products/<id>/variations``, every page)."""
        path = f"products/{_store_id(product_id)}/variations"
        params = self._list_params(None, self.max_page_size)
        return [item for page in self._iter_pages(path, params) for item in page]

    def list_store_settings(self) -> dict:
        """Tax rates (``GET taxes``, every page), shipping methods, payment gateways and
        whether catalogue prices include tax (``GET settings/tax``)."""
        rates = [
            item
            for page in self._iter_pages("taxes", self._list_params(None, self.max_page_size))
            for item in page
        ]
        shipping, _response = self._get("shipping_methods")
        payments, _response = self._get("payment_gateways")
        tax_settings, _response = self._get("settings/tax")
        include = next(
            (
                item.get("value")
                for item in tax_settings or []
                if isinstance(item, dict) and item.get("id") == "woocommerce_prices_include_tax"
            ),
            "no",
        )
        return {
            "prices_include_tax": include == "yes",
            "tax_rates": [
                {
                    "id": str(rate["id"]),
                    "label": "-".join(
                        part
                        for part in (rate.get("country"), rate.get("state"), rate.get("name"))
                        if part
                    ),
                    "percent": Decimal(str(rate.get("rate") or "0")),
                }
                for rate in rates
            ],
            "shipping_methods": [
                {"id": str(m["id"]), "title": m.get("title") or str(m["id"])} for m in shipping
            ],
            "payment_methods": [
                {"id": str(g["id"]), "title": g.get("title") or str(g["id"])}
                for g in payments
                if g.get("enabled", True)
            ],
        }

    # ------------------------------------------------------------------ writes
    def update_order_status(self, external_id, status, note=None, customer_note=True) -> dict:
        """Set the order status (``PUT orders/<id>``), then add ``note`` if given.

        The PUT is idempotent and retried; the note is a POST that creates something, so it
        is never retried automatically (a retried note would reach the customer twice).
        ``customer_note=True`` makes WooCommerce show and e-mail the note to the customer.

        :return: the updated order payload.
        """
        order_id = _store_id(external_id)
        data, response = self._request(
            "PUT", self.api_url(f"orders/{order_id}"), json_body={"status": status}
        )
        order = _expect_object(data, response, "order")
        if note:
            self.add_order_note(order_id, note, customer_note=customer_note)
        return order

    def list_order_notes(self, external_id) -> list[dict]:
        """``GET orders/<id>/notes`` (WooCommerce returns them all, newest first)."""
        order_id = _store_id(external_id)
        data, response = self._get(f"orders/{order_id}/notes")
        if not isinstance(data, list):
            raise StoreSyncError(
                "malformed",
                f"Expected a JSON list of notes, got {type(data).__name__}.",
                status=response.status_code,
                details={"url": response.url},
            )
        return [
            {
                "id": note.get("id"),
                "note": _plain_text(note.get("note")),
                "customer_note": bool(note.get("customer_note")),
            }
            for note in data
            if isinstance(note, dict)
        ]

    def add_order_note(self, external_id, note, customer_note=True) -> dict:
        """``POST orders/<id>/notes``; not retried automatically (it creates a note)."""
        order_id = _store_id(external_id)
        data, response = self._request(
            "POST",
            self.api_url(f"orders/{order_id}/notes"),
            json_body={"note": str(note), "customer_note": bool(customer_note)},
        )
        return _expect_object(data, response, "order note")

    def update_stock(self, items) -> list[dict]:
        """Set stock quantities through the batch endpoints, ``batch_limit`` items a call.

        Each item: ``{"id", "stock_quantity"}`` and ``"parent_id"`` for a variation (variations
        go to ``products/<parent>/variations/batch``). ``manage_stock`` is sent as true unless
        the item says otherwise, because WooCommerce ignores a quantity on a product that does
        not manage stock. Fractions are rounded down.

        :return: one result per item, in input order (see ``StoreAdapter.update_stock``).
        :raises StoreSyncError: when a whole batch call fails; ``details["results"]`` holds the
            results of the calls that went through (resending them is harmless).
        """

        def body(item):
            return {
                "manage_stock": item.get("manage_stock", True),
                "stock_quantity": _quantity(item["stock_quantity"]),
            }

        return self._batch_update(items, body)

    def update_prices(self, items) -> list[dict]:
        """Set regular (and optionally sale) prices through the batch endpoints.

        Each item: ``{"id", "regular_price"}``, optional ``"sale_price"`` (None or "" clears
        the sale), ``"sale_from"``/``"sale_to"`` (datetimes, None: no limit; sent as the
        ``date_on_sale_*_gmt`` fields) and ``"parent_id"`` for a variation. Prices are sent as
        strings, unrounded: round them to the store currency first.
        """

        def body(item):
            values = {"regular_price": _price(item["regular_price"])}
            if "sale_price" in item:
                values["sale_price"] = _price(item["sale_price"])
            for key, field in (
                ("sale_from", "date_on_sale_from_gmt"),
                ("sale_to", "date_on_sale_to_gmt"),
            ):
                if key in item:
                    moment = item[key]
                    values[field] = self.to_utc(moment).isoformat() if moment else ""
            return values

        return self._batch_update(items, body)

    def _batch_update(self, items, make_body) -> list[dict]:
        """Group items by endpoint, send ``batch_limit`` at a time, map the per-item answers."""
        items = list(items)
        groups: dict[int, list[int]] = {}
        for position, item in enumerate(items):
            groups.setdefault(int(item.get("parent_id") or 0), []).append(position)
        results: list[dict | None] = [None] * len(items)
        for parent_id, positions in groups.items():
            path = f"products/{parent_id}/variations/batch" if parent_id else "products/batch"
            for start in range(0, len(positions), self.batch_limit):
                chunk = positions[start : start + self.batch_limit]
                update = [{"id": _store_id(items[p]["id"]), **make_body(items[p])} for p in chunk]
                try:
                    # Setting absolute values gives the same result however often it arrives,
                    # so this POST may be retried like a PUT.
                    data, response = self._request(
                        "POST", self.api_url(path), json_body={"update": update}, idempotent=True
                    )
                except StoreSyncError as error:
                    error.details["results"] = [r for r in results if r is not None]
                    raise
                answers = data.get("update") if isinstance(data, dict) else None
                answers = answers if isinstance(answers, list) else []
                for index, position in enumerate(chunk):
                    answer = answers[index] if index < len(answers) else None
                    results[position] = _item_result(items[position], answer, response)
        return results

    # ------------------------------------------------------------------ webhooks
    @classmethod
    def verify_webhook(cls, headers, raw_body: bytes, secret: str) -> bool:
        """True when ``X-WC-Webhook-Signature`` is base64(HMAC-SHA256(raw body, secret)).

        :param headers: any mapping of header names (matched case-insensitively).
        :param raw_body: the body exactly as received (bytes; str is UTF-8 encoded).
        """
        if not secret:
            return False
        signature = next(
            (v for k, v in dict(headers or {}).items() if k.lower() == "x-wc-webhook-signature"),
            None,
        )
        if not signature:
            return False
        if isinstance(raw_body, str):
            raw_body = raw_body.encode("utf-8")
        expected = cls._hmac_sha256_b64(secret, raw_body or b"")
        return hmac.compare_digest(expected.encode("ascii"), str(signature).strip().encode())

    #: the topics ``register_webhooks`` subscribes to
    webhook_topics = ("order.created", "order.updated")
    #: events whose body is the whole resource as ``GET`` returns it (a deletion sends only
    #: the id); only those are a payload for the sync log
    webhook_payload_events = ("created", "updated", "restored")
    webhook_kinds = ("order", "product")
    #: WooCommerce's ping body
    webhook_ping = re.compile(rb"webhook_id=\d+")

    @classmethod
    def describe_webhook(cls, headers, raw_body: bytes) -> dict:
        """Ping or resource of a delivery, from ``X-WC-Webhook-Topic/Resource/Event``.

        WooCommerce pings a new webhook's address with the form-encoded body
        ``webhook_id=<id>`` and no ``X-WC-Webhook-*`` header (nor signature).
        """
        headers = {str(k).lower(): str(v).strip() for k, v in dict(headers or {}).items()}
        topic = headers.get("x-wc-webhook-topic", "")
        body = raw_body.encode("utf-8") if isinstance(raw_body, str) else (raw_body or b"")
        if not topic and cls.webhook_ping.fullmatch(body.strip()):
            return {"ping": True, "kind": None, "topic": ""}
        resource, _dot, event = topic.partition(".")
        resource = headers.get("x-wc-webhook-resource") or resource
        event = headers.get("x-wc-webhook-event") or event
        known = resource in cls.webhook_kinds and event in cls.webhook_payload_events
        return {"ping": False, "kind": resource if known else None, "topic": topic}

    def register_webhooks(self, delivery_url: str, secret: str, previous=()) -> dict:
        """Create or repair our ``order.created``/``order.updated`` webhooks (see the base).

        ``GET webhooks`` (every page, every status), then per topic: ``PUT webhooks/<id>``
        on the one kept (status active, secret, delivery URL), ``DELETE webhooks/<id>?force=true``
        on duplicates, ``POST webhooks`` when none exists. A creation is never retried
        automatically: a lost answer could leave two webhooks (the next call removes one).
        """
        del previous  # the store lists its webhooks: ours are found there
        if not delivery_url or not secret:
            raise ValueError("register_webhooks needs a delivery URL and a secret")
        target = delivery_url.rstrip("/")
        result = {key: [] for key in ("created", "updated", "kept", "deleted", "others")}
        ours = {topic: [] for topic in self.webhook_topics}
        params = self._list_params(None, self.max_page_size)
        for page in self._iter_pages("webhooks", params):
            for hook in page:
                if not isinstance(hook, dict) or not isinstance(hook.get("id"), int):
                    continue
                url = str(hook.get("delivery_url") or "").rstrip("/")
                if url == target and hook.get("topic") in ours:
                    ours[hook["topic"]].append(hook)
                else:
                    result["others"].append(self._webhook_ref(hook))
        for topic, hooks in ours.items():
            if not hooks:
                body = {
                    "name": f"Odoo Store Sync: {topic}",
                    "topic": topic,
                    "delivery_url": delivery_url,
                    "secret": secret,
                    "status": "active",
                }
                data, response = self._request("POST", self.api_url("webhooks"), json_body=body)
                result["created"].append(
                    self._webhook_ref(_expect_object(data, response, "webhook"))
                )
                continue
            # Keep an active one if there is one, the oldest otherwise.
            keep, *duplicates = sorted(hooks, key=lambda h: (h.get("status") != "active", h["id"]))
            body = {"status": "active", "secret": secret, "delivery_url": delivery_url}
            self._request("PUT", self.api_url(f"webhooks/{keep['id']}"), json_body=body)
            result["kept" if keep.get("status") == "active" else "updated"].append(
                self._webhook_ref(keep)
            )
            for hook in duplicates:
                try:
                    self._request(
                        "DELETE", self.api_url(f"webhooks/{hook['id']}"), params={"force": "true"}
                    )
                except StoreSyncError as error:
                    if error.kind != "not_found":  # already gone is what we wanted
                        raise
                result["deleted"].append(self._webhook_ref(hook))
        return result

    @staticmethod
    def _webhook_ref(hook: dict) -> dict:
        return {"id": str(hook.get("id")), "topic": str(hook.get("topic") or "")}


def _int_header(response, name) -> int | None:
    try:
        return int(response.headers.get(name))
    except (TypeError, ValueError):
        return None


def _describe(payload) -> dict | None:
    """The sync-log key every WooCommerce object has: id, modification date, content hash.

    Tolerant on purpose: a malformed payload with a usable id still gets its row, so the
    processing can report what is wrong with it; without an id there is nothing to key on.
    """
    if not isinstance(payload, dict):
        return None
    object_id = payload.get("id")
    if isinstance(object_id, bool) or not isinstance(object_id, int) or object_id <= 0:
        return None
    try:
        modified = woocommerce_mapping.parse_date(
            payload.get("date_modified_gmt") or payload.get("date_modified")
        )
    except PayloadError:
        modified = None
    return {
        "external_id": str(object_id),
        "name": str(object_id),
        "external_date": modified,
        "content_hash": woocommerce_mapping.content_hash(payload),
    }


def _store_id(value) -> int:
    """WooCommerce ids are positive integers; anything else is a bug on our side."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise ValueError(f"Not a WooCommerce id: {value!r}")
    return number


def _expect_object(data, response, what: str) -> dict:
    if not isinstance(data, dict):
        raise StoreSyncError(
            "malformed",
            f"Expected a JSON object for the {what}, got {type(data).__name__}.",
            status=response.status_code,
            details={"url": response.url},
        )
    return data


def _item_result(item: dict, answer, response) -> dict:
    """One batch item's outcome from its place in the batch answer."""
    result = {
        "id": item["id"],
        "parent_id": item.get("parent_id") or None,
        "ok": False,
        "status": response.status_code,
        "code": None,
        "message": None,
        "retryable": False,
        "data": None,
    }
    problem = batch_answer_problem(answer)
    if problem:
        return {**result, **problem}
    if answer.get("id") not in (None, _store_id(item["id"])):
        return {
            **result,
            "code": "storesync_item_mismatch",
            "message": f"The store answered for id {answer.get('id')} in this item's place.",
            "retryable": True,
        }
    return {**result, "ok": True, "data": answer}
