"""Cartum adapter: the Horoshop API (``POST https://<shop>/api/<function>/``), admin login.

Facts it relies on (/work/shared/store_apis/cartum.md, tests/fixtures/cartum/SOURCES.md):

* ``auth`` takes an admin's login and password and gives a token that lives 600 s; every
  other call sends it in its JSON body. Every answer is ``{"status", "response"}`` and the
  status decides (OK, EMPTY, WARNING with a per-record log, ERROR, UNAUTHORIZED...), mostly
  with HTTP 200.
* ``orders/get`` filters by creation date (``from``/``to``, inclusive, shop-local time) and by
  ``ids``; it has no changed-since filter and no modification date: changes of orders
  already imported are read by re-reading the open ones by ``ids``
  (``order_listing_by_creation``). Listings page by ``offset``/``limit`` with no count.
* No rate limit is documented: the adapter keeps to ``requests_per_second`` (a store can set
  its own, see ``storesync.store.request_rate``).
* ``orders/update`` sets the status, the tracking code and the paid flag; ``catalog/import``
  upserts products by article (stock in ``residues``, prices); both answer a log per item.
* ``hooks/subscribe`` answers 201 with the subscription's id, at most 5 per event. Deliveries
  are signed by nothing: the secret travels in the delivery URL and a delivery only names the
  order to read again (``webhook_is_trigger``).
"""

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from . import cartum_mapping
from .base import CredentialField, Page, StoreAdapter, _snippet
from .errors import PayloadError, StoreSyncError

#: a token expiring sooner than this is renewed before use (it lives 600 s)
TOKEN_LIFETIME = timedelta(seconds=600)
#: where a listing of the whole history starts (``orders/get`` needs a ``from``)
HISTORY_START = datetime(2000, 1, 1)
#: answers that carry data (EMPTY: none to carry)
GOOD = ("OK", "EMPTY", "WARNING")
NEW, IN_PROCESS, DELIVERED, NOT_DELIVERED, DELIVERING = "1", "2", "3", "4", "6"
#: catalog/import's per-article codes that mean the article was written [3P]
IMPORT_OK_CODES = ("0", "22")


class CartumAdapter(StoreAdapter):
    """Cartum (Horoshop API) with a shop administrator's login and password."""

    platform = "cartum"
    platform_label = "Cartum"
    sequence = 30
    api_version = "horoshop"
    #: products per catalog/import call: about 50 are recommended, a larger body may drop [3P]
    batch_limit = 50
    #: orders per page and per ``ids`` read [3P: clients use 100 to 500; no limit documented]
    max_page_size = 100
    #: the API documents no rate limit [UNVERIFIED]: a conservative default, shared by the
    #: store's processes; a store may set its own
    requests_per_second = 2
    webhook_auth = "url_token"
    webhook_is_trigger = True
    supports_tracking = True
    tracking_with_status = True
    #: ``iter_orders`` filters by creation date, not by modification: the import re-reads the
    #: store's open orders by id to see their changes
    order_listing_by_creation = True
    #: most buyers are guests who give a phone number first: the same number (whatever way
    #: it was typed) is the same buyer, then the e-mail
    buyer_match = ("phone", "email")
    credential_fields = (
        CredentialField(
            "cartum_login",
            "Admin Login",
            help="The login (not the e-mail) of an administrator of the shop, under Settings > "
            "Admins; the shop's plan must include API access.",
        ),
        CredentialField(
            "cartum_password",
            "Admin Password",
            secret=True,
            help="That administrator's password.",
        ),
    )
    default_status_actions = {
        NEW: "quotation",
        IN_PROCESS: "confirm",
        DELIVERING: "confirm",
        DELIVERED: "confirm",
        NOT_DELIVERED: "cancel",
    }
    default_status_names = {
        NEW: "New",
        IN_PROCESS: "In processing",
        DELIVERED: "Delivered",
        NOT_DELIVERED: "Not delivered",
        DELIVERING: "Delivering",
    }
    default_export_statuses = {
        "confirmed": IN_PROCESS,
        "paid": "",
        "delivered": DELIVERING,
        "cancelled": NOT_DELIVERED,
    }
    status_ladder = (NEW, IN_PROCESS, DELIVERING, DELIVERED)
    #: statuses after which an order no longer changes: it is not read again
    closed_statuses = (DELIVERED, NOT_DELIVERED)
    #: the events ``register_webhooks`` subscribes to (order_update: third-party lists [3P])
    webhook_events = ("order_created", "order_update")

    map_order = staticmethod(cartum_mapping.map_order)
    describe_order = staticmethod(cartum_mapping.describe_order)
    map_product = staticmethod(cartum_mapping.map_product)
    describe_product = staticmethod(cartum_mapping.describe_product)

    def __init__(self, base_url, credentials, **kwargs):
        super().__init__(base_url, credentials, **kwargs)
        #: the shop's currency, learned from its orders (for its local times)
        self._currency = None

    # ------------------------------------------------------------------ addresses
    def api_url(self, function: str) -> str:
        return f"{self.base_url}/api/{function.strip('/')}/"

    @classmethod
    def order_admin_url(cls, base_url, external_id) -> str:
        """The order in the shop's back office [INF: Horoshop's admin route]."""
        return f"{cls.normalize_base_url(base_url)}/edit/orders/?id={external_id}"

    # ------------------------------------------------------------------ envelope and token
    def _post(self, function, body, *, idempotent=True, created=False):
        """One call: ``(status, response)`` of the envelope, for OK, EMPTY and WARNING.

        :raises StoreSyncError: the store's ERROR (``client``), UNAUTHORIZED (``auth``), an
            unknown function (``not_platform``), or the HTTP and JSON failures of any call.
        """
        data, response = self._request(
            "POST", self.api_url(function), json_body=body, idempotent=idempotent
        )
        where = {"method": "POST", "url": self.api_url(function)}
        if created and isinstance(data, dict) and "status" not in data:
            return "OK", data  # hooks/subscribe answers the bare subscription (201) [DOC]
        if not isinstance(data, dict) or "status" not in data:
            raise StoreSyncError(
                "not_platform",
                "The answer is not the Cartum API's ({status, response}): is this a Cartum "
                "shop's address?",
                status=response.status_code,
                details={**where, "body_start": _snippet(response)},
            )
        status = str(data.get("status") or "").upper()
        answer = data.get("response")
        answer = answer if isinstance(answer, dict) else {}
        if status in GOOD:
            return status, answer
        message = str(answer.get("message") or "").strip()
        # A refused write says why per item (orders/update's ERROR: "No orders were updated").
        reasons = [_log_message(entry) for entry in _log(answer)]
        if any(reasons):
            message = "; ".join(dict.fromkeys(reason for reason in reasons if reason))
        if status in ("UNAUTHORIZED", "AUTHORIZATION_ERROR"):
            raise StoreSyncError(
                "auth",
                message or "The shop refused the login or the token.",
                status=401,
                code="UNAUTHORIZED",
                retryable=False,
                details=where,
            )
        if status == "UNDEFINED_FUNCTION":
            raise StoreSyncError(
                "not_platform",
                f"The shop has no API function {function} (is the API in the shop's plan?).",
                status=response.status_code,
                code=status,
                retryable=False,
                details=where,
            )
        if status == "HTTP_ERROR":
            code = answer.get("code")
            raise StoreSyncError(
                "server" if str(code).startswith("5") else "client",
                message or f"The shop answered an HTTP error {code}.",
                status=response.status_code,
                code=status,
                retryable=str(code).startswith("5"),
                details=where,
            )
        raise StoreSyncError(
            "client",
            message or f"The shop answered {status or 'nothing'} to {function}.",
            status=response.status_code,
            code=status or None,
            retryable=False,
            details={**where, "answer": answer},
        )

    def _parse_error_body(self, response) -> dict:
        """An HTTP error may still carry the envelope (hooks/subscribe's 400): its message."""
        parsed = super()._parse_error_body(response)
        body = parsed.get("details", {}).get("body")
        if isinstance(body, dict) and isinstance(body.get("response"), dict):
            message = body["response"].get("message")
            return {
                "is_json": True,
                "code": str(body.get("status") or "") or None,
                "message": str(message).strip() if message else None,
                "details": {},
            }
        return parsed

    def _token(self, renew=False) -> str:
        """A valid token: the cached one unless missing, expiring within a minute or
        ``renew``; a new one (``auth``) is saved to ``token_cache``."""
        cached = self._cached_token(renew)
        if cached:
            return cached
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        login = str(self.credentials.get("cartum_login") or "").strip()
        password = str(self.credentials.get("cartum_password") or "")
        if not login or not password:
            raise StoreSyncError(
                "auth",
                "No admin login or password configured.",
                code="storesync_missing_credentials",
                details={"url": self.base_url},
            )
        try:
            _status, answer = self._post("auth", {"login": login, "password": password})
        except StoreSyncError as error:
            if error.code != "ERROR":
                raise
            # A wrong login or password is the documented ERROR of ``auth``.
            raise StoreSyncError(
                "auth",
                error.message or "The shop refused the admin login or password.",
                status=error.status,
                code="UNAUTHORIZED",
                retryable=False,
                details=error.details,
            ) from None
        token = answer.get("token")
        if not isinstance(token, str) or not token:
            raise StoreSyncError(
                "malformed",
                "The login answer has no token.",
                details={"url": self.api_url("auth")},
            )
        self.token_cache.save(token, now + TOKEN_LIFETIME)
        return token

    def _call(self, function, body=None, *, idempotent=True, created=False):
        """``_post`` with the token in the body; a refused token is renewed once."""
        for renew in (False, True):
            token = self._token(renew=renew)
            try:
                return self._post(
                    function, {**(body or {}), "token": token}, idempotent=idempotent,
                    created=created,
                )  # fmt: skip
            except StoreSyncError as error:
                if error.code != "UNAUTHORIZED" or renew:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ connection
    def check_connection(self) -> dict:
        """Log in, then read the order statuses (a function every API plan has) and the
        shop's first order, whose currency is the shop's.

        :return: ``{"name", "version", "api_version", "currency"}``: the name is the shop's
            host (the API names none), the version "" (it reports none)
        """
        self._token(renew=True)
        self._call("orders/get_available_statuses")
        return {
            "name": self.base_url.split("://", 1)[-1],
            "version": "",
            "api_version": self.api_version,
            "currency": self.shop_currency(),
        }

    def shop_currency(self) -> str | None:
        """The currency of the shop's orders (its first order's; None without any)."""
        if self._currency is None:
            _status, answer = self._call(
                "orders/get", {"from": self._shop_time(HISTORY_START), "limit": 1}
            )
            orders = [o for o in _items(answer, "orders") if isinstance(o, dict)]
            self._currency = str(orders[0].get("currency") or "").upper() if orders else ""
        return self._currency or None

    def _shop_time(self, moment) -> str:
        zone = cartum_mapping.shop_zone(self._currency)
        return cartum_mapping.to_shop_time(self.to_utc(moment), zone)

    # ------------------------------------------------------------------ orders
    def _page_size(self, per_page) -> int:
        if per_page is None:
            return self.max_page_size
        return min(max(int(per_page), 1), self.max_page_size)

    def _order_body(self, created_after, status, created_before):
        # Local times need the shop's zone: learned from its orders once.
        if self._currency is None:
            self.shop_currency()
        body = {"from": self._shop_time(created_after or HISTORY_START)}
        if created_before is not None:
            # ``to`` includes its second: "strictly before" stops one second earlier.
            body["to"] = self._shop_time(self.to_utc(created_before) - timedelta(seconds=1))
        if status:
            body["status"] = [int(s) for s in status] if isinstance(status, list) else int(status)
        return body

    def fetch_orders_page(
        self, page=1, modified_after=None, per_page=None, status=None, modified_before=None
    ) -> Page:
        """One page (1-based) of the orders created in ``[modified_after, modified_before)``
        (the API lists by creation: see ``order_listing_by_creation``), by number.

        The API gives no count: ``total`` and ``total_pages`` are None and a short page is
        the last.
        """
        size = self._page_size(per_page)
        body = self._order_body(modified_after, status, modified_before)
        _status, answer = self._call(
            "orders/get", {**body, "limit": size, "offset": (page - 1) * size}
        )
        return Page(_items(answer, "orders"), number=page)

    def iter_orders(self, modified_after=None, per_page=None, status=None, modified_before=None):
        """Pages of the orders created in ``[modified_after, modified_before)``; ``N`` orders
        cost ``N // per_page + 1`` requests."""
        page = 1
        size = self._page_size(per_page)
        while True:
            result = self.fetch_orders_page(page, modified_after, size, status, modified_before)
            if result:
                yield result
            if len(result) < size:
                return
            page += 1

    def oldest_order_date(self):
        """Creation date (naive UTC) of the shop's first order; None without any."""
        page = self.fetch_orders_page(1, per_page=1)
        if not page or not isinstance(page[0], dict):
            return None
        try:
            return cartum_mapping.describe_order(page[0])["external_date"]
        except (PayloadError, TypeError):
            return None

    def get_orders(self, ids) -> list[dict]:
        """Orders by number (``ids``), ``max_page_size`` a call; numbers the shop lacks are
        simply not in the answer."""
        wanted = sorted({int(i) for i in ids})
        orders = []
        for start in range(0, len(wanted), self.max_page_size):
            chunk = wanted[start : start + self.max_page_size]
            _status, answer = self._call("orders/get", {"ids": chunk, "limit": len(chunk)})
            orders += [
                o
                for o in _items(answer, "orders")
                if isinstance(o, dict) and _int(o.get("order_id")) in chunk
            ]
        return orders

    def get_order(self, external_id) -> dict:
        """One order by number.

        :raises StoreSyncError: ``not_found`` when the shop has no such order.
        """
        found = self.get_orders([external_id])
        if not found:
            raise StoreSyncError(
                "not_found",
                f"The shop has no order {external_id}.",
                status=404,
                details={"url": self.api_url("orders/get"), "order_id": external_id},
            )
        return found[0]

    # ------------------------------------------------------------------ products
    def _export(self, expr=None, offset=0, limit=500):
        body = {"offset": offset, "limit": limit}
        if expr:
            body["expr"] = expr
        _status, answer = self._call("catalog/export", body)
        return _items(answer, "products")

    def iter_products(self, modified_after=None, per_page=None):
        """Pages of ``catalog/export`` (the whole catalogue: it has no changed-since filter)."""
        del modified_after
        size = min(int(per_page or 500), 500)
        offset, number = 0, 1
        while True:
            products = self._export(offset=offset, limit=size)
            if products:
                yield Page(products, number=number)
            if len(products) < size:
                return
            offset, number = offset + size, number + 1

    def get_products(self, ids) -> list[dict]:
        """Products by article, 500 a call."""
        wanted = sorted({str(i) for i in ids})
        products = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            products += [
                p
                for p in self._export({"article": chunk}, limit=len(chunk))
                if isinstance(p, dict) and str(p.get("article")) in chunk
            ]
        return products

    def list_categories(self) -> list[dict]:
        """Every catalogue page as ``{"id", "name", "parent"}``: ``pages/export`` answers one
        level under a ``parent``, so the tree is read level by level (one call per page
        that has children, and one per leaf, which answers EMPTY)."""
        language = cartum_mapping.LANGUAGES.get(self.shop_currency() or "")
        categories, queue, seen = [], ["0"], {"0"}
        while queue:
            parent = queue.pop(0)
            _status, answer = self._call("pages/export", {"parent": int(parent)})
            for raw in _items(answer, "pages"):
                item = cartum_mapping.describe_category(raw, language)
                if item and item["id"] not in seen:
                    seen.add(item["id"])
                    categories.append(item)
                    queue.append(item["id"])
        return categories

    def list_variations(self, product_id) -> list[dict]:
        """A Cartum variant is a product of its own (``parent_article``): none to list."""
        del product_id
        return []

    # ------------------------------------------------------------------ settings
    def list_store_settings(self) -> dict:
        """The shop's order statuses (``orders/get_available_statuses``), its one tax rate
        (prices include VAT), and the delivery and payment methods of its recent orders
        (the API has no function listing them)."""
        language = cartum_mapping.LANGUAGES.get(self.shop_currency() or "")
        _status, answer = self._call("orders/get_available_statuses")
        statuses = answer.get("statuses")
        statuses = statuses.values() if isinstance(statuses, dict) else statuses or []
        order_statuses = []
        for raw in statuses:
            if isinstance(raw, dict) and raw.get("id") is not None:
                title = cartum_mapping.localized_title(raw.get("title"), language)
                order_statuses.append({"id": str(raw["id"]), "title": title or str(raw["id"])})
        deliveries, payments = {}, {}
        since = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=90)
        for order in self.fetch_orders_page(1, modified_after=since, per_page=self.max_page_size):
            if not isinstance(order, dict):
                continue
            for kind, found in (("delivery_type", deliveries), ("payment_type", payments)):
                method = order.get(kind)
                if isinstance(method, dict) and method.get("id") is not None:
                    title = cartum_mapping.localized_title(method.get("title"))
                    found.setdefault(str(method["id"]), title or str(method["id"]))
        return {
            "tax_rates": [
                {
                    "id": cartum_mapping.VAT_RATE,
                    "label": "VAT included in the shop's prices",
                    "percent": None,
                }
            ],
            "shipping_methods": [{"id": k, "title": v} for k, v in sorted(deliveries.items())],
            "payment_methods": [{"id": k, "title": v} for k, v in sorted(payments.items())],
            "prices_include_tax": True,
            "order_statuses": order_statuses,
        }

    # ------------------------------------------------------------------ back to the shop
    def update_order_status(
        self, external_id, status, note=None, customer_note=True, tracking_code=None, paid=None
    ) -> dict:
        """``orders/update`` of one order: its status (None: kept), and the tracking code
        (shown to the buyer in their account) and the paid flag when given. The API has no
        comment: a ``note`` is not sent. Returns the order as the shop has it afterwards."""
        del note, customer_note
        item = {"order_id": _int(external_id)}
        if status:
            item["status"] = int(status)
        if tracking_code:
            item["tracking_code"] = str(tracking_code)
        if paid is not None:
            item["payed"] = 1 if paid else 0
        _status, answer = self._call("orders/update", {"orders": [item]})
        # One entry per order sent, in their order (the documented log names no order).
        for entry in _log(answer)[:1]:
            if not _log_ok(entry):
                raise StoreSyncError(
                    "client",
                    _log_message(entry) or f"The shop refused the status of {external_id}.",
                    retryable=False,
                    details={"url": self.api_url("orders/update"), "log": entry},
                )
        return self.get_order(external_id)

    def list_order_notes(self, external_id) -> list[dict]:
        """The API has no order notes."""
        del external_id
        return []

    def add_order_note(self, external_id, note, customer_note=True) -> dict:
        raise StoreSyncError(
            "client",
            "Cartum's API has no order notes: the tracking code goes with the status.",
            retryable=False,
            details={"order_id": external_id},
        )

    def _import(self, items, build):
        """``catalog/import`` of ``items`` in batches: per-item results in input order."""
        results = []
        for start in range(0, len(items), self.batch_limit):
            chunk = items[start : start + self.batch_limit]
            status, answer = self._call(
                "catalog/import", {"products": [build(item) for item in chunk]}
            )
            logs = {}
            for entry in _log(answer):
                logs.setdefault(str(entry.get("article")), entry)
            for item in chunk:
                entry = logs.get(str(item["id"]))
                # An article the log leaves out was not written (a body the shop dropped),
                # unless the shop answered OK with no log at all.
                ok = _import_ok(entry) if entry is not None else not logs and status == "OK"
                results.append(
                    {
                        "id": item["id"],
                        "parent_id": item.get("parent_id"),
                        "ok": ok,
                        "status": 200 if ok else 400,
                        "code": None if ok else str(_import_code(entry)),
                        "message": "" if ok else _log_message(entry),
                        "retryable": False,
                        "data": None,
                    }
                )
        return results

    def update_stock(self, items) -> list[dict]:
        """Stock by article through ``catalog/import`` (``residues`` of the shop's warehouse;
        a top-level ``quantity`` is not applied [3P])."""
        return self._import(
            list(items),
            lambda item: {
                "article": str(item["id"]),
                "residues": [{"warehouse": "office", "quantity": int(item["stock_quantity"])}],
            },
        )

    def update_prices(self, items) -> list[dict]:
        """Prices by article through ``catalog/import``: the regular price, and a sale price
        as the price with the regular one as ``price_old`` (shown crossed out). Cartum has no
        dated special price: the dates are not sent."""

        def build(item):
            regular = _price(item.get("regular_price"))
            sale = _price(item.get("sale_price"))
            if sale is not None and regular is not None and sale < regular:
                return {"article": str(item["id"]), "price": sale, "price_old": regular}
            return {"article": str(item["id"]), "price": regular, "price_old": 0}

        return self._import(list(items), build)

    # ------------------------------------------------------------------ webhooks
    @classmethod
    def verify_webhook(cls, headers, raw_body: bytes, secret: str) -> bool:
        """Deliveries are signed by nothing (the secret is in the URL, see the module)."""
        del headers, raw_body, secret
        return False

    @classmethod
    def describe_webhook(cls, headers, raw_body: bytes) -> dict:
        """An order event names its order; only that order is read again."""
        del headers
        try:
            body = json.loads(raw_body.decode("utf-8-sig") or "null")
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return {"ping": not raw_body.strip(), "kind": None, "topic": "", "refs": []}
        topic = str(body.get("event") or body.get("topic") or "")
        data = body.get("data") if isinstance(body.get("data"), dict) else body
        order = data.get("order") if isinstance(data.get("order"), dict) else data
        number = order.get("order_id")
        # Order numbers are whole numbers: anything else names no order to read.
        refs = [str(number).strip()] if str(number).strip().isdigit() else []
        return {"ping": False, "kind": "order" if refs else None, "topic": topic, "refs": refs}

    def register_webhooks(self, delivery_url: str, secret: str, previous=()) -> dict:
        """``hooks/subscribe`` for each of ``webhook_events``, after ``hooks/unSubscribe`` of
        the ``previous`` subscriptions (the API lists none: the Odoo side remembers what this
        returned as ``subscriptions``), so registering again never delivers twice, and a new
        secret's address replaces the old one. A full event (5 subscriptions, some not ours)
        is an error that says so."""
        del secret  # part of ``delivery_url``
        result = {"created": [], "updated": [], "kept": [], "deleted": [], "others": []}
        for hook in previous or ():
            if self._unsubscribe(hook):
                result["deleted"].append({"id": str(hook["id"]), "topic": hook.get("topic", "")})
        subscriptions = []
        for event in self.webhook_events:
            _status, answer = self._call(
                "hooks/subscribe",
                {"event": event, "target_url": delivery_url},
                idempotent=False,
                created=True,
            )
            hook = {"id": str(answer.get("id") or ""), "topic": event, "url": delivery_url}
            subscriptions.append(hook)
            result["created"].append({"id": hook["id"], "topic": event})
        result["subscriptions"] = subscriptions
        return result

    def _unsubscribe(self, hook) -> bool:
        """``hooks/unSubscribe`` of one remembered subscription: True when the shop removed it
        (410 Gone), False when it no longer had it (404)."""
        body = {"id": _int(hook.get("id")), "target_url": hook.get("url", "")}
        try:
            self._call("hooks/unSubscribe", body, idempotent=True)
        except StoreSyncError as error:
            if error.status == 410:
                return True
            if error.status == 404:
                return False
            raise
        return True


def _items(answer: dict, key: str) -> list:
    value = answer.get(key)
    if isinstance(value, dict):
        value = list(value.values())
    return value if isinstance(value, list) else []


def _int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _price(value):
    """A price as the JSON number the shop takes, rounded to the cent (from a Decimal or a
    string, never through binary arithmetic)."""
    if value in (None, ""):
        return None
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _log(answer: dict) -> list[dict]:
    return [entry for entry in _items(answer, "log") if isinstance(entry, dict)]


def _log_messages(entry: dict) -> list:
    messages = entry.get("messages", entry.get("message"))
    if isinstance(messages, list):
        return messages
    return [messages] if messages else []


def _log_message(entry) -> str:
    if not entry:
        return ""
    parts = []
    for message in _log_messages(entry) + _items(entry, "info"):
        if isinstance(message, dict):
            message = message.get("message") or message.get("text") or ""
        if message:
            parts.append(str(message))
    return "; ".join(parts)


def _log_ok(entry: dict) -> bool:
    status = str(entry.get("status") or "").upper()
    if status:
        return status in ("OK", "UPDATED", "SUCCESS")
    return all(str(m).upper() == "UPDATED" for m in _log_messages(entry))


def _import_code(entry):
    if not entry:
        return None
    for info in _items(entry, "info") or [entry]:
        if isinstance(info, dict) and info.get("code") is not None:
            return info["code"]
    return None


def _import_ok(entry: dict) -> bool:
    code = _import_code(entry)
    if code is None:
        return _log_ok(entry)
    return str(code) in IMPORT_OK_CODES
