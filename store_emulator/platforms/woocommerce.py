"""WooCommerce REST API v3 (``/wp-json/wc/v3``): the store state and its routes.

Field names, types, error codes and paging follow the WooCommerce REST API docs
(``woocommerce/woocommerce-rest-api-docs``, ``source/includes/wp-api-v3/``) and
``/work/shared/STORE_APIS.md``. Deliberate simplifications, because the emulator only serves
loopback HTTP: Basic auth and query-string keys are accepted over plain HTTP (real stores want
OAuth 1.0a there); orders cannot be created through the API (use ``POST /_emulator/orders``);
``context``, ``dp`` and ``_embed`` are ignored. Single-item writes check value types like
WordPress's schema does (``regular_price`` must be a string); batch items are converted
leniently, as WooCommerce's batch code does, and fail one by one with per-item errors.
"""

import base64
import copy
import hashlib
import hmac
import json
import math
import queue
import re
import socket
import threading
import time
import traceback
import unicodedata
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote, urlencode, urlsplit

from store_emulator.data import (
    PAYMENTS,
    TAX_CLASSES,
    TAX_RATES,
    DataGenerator,
    default_price_decimals,
    fmt_date,
    fmt_money,
    fmt_tax,
    store_offset,
    to_local,
    utcnow,
)
from store_emulator.server import ApiError, DeliverySender, Response, Router, deliver

TITLE = "WooCommerce"
WC_VERSION = "9.4.2"
WP_VERSION = "6.7.1"
NS = "/wp-json/wc/v3"
BATCH_LIMIT = 100
WEBHOOK_TOPICS = ("order.created", "order.updated", "product.updated")  # --webhook-url
ORDER_STATUSES = [
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
]
WRITABLE_STATUSES = [*ORDER_STATUSES, "trash", "checkout-draft"]
PAID_STATUSES = ("processing", "completed")
STATUS_LABELS = {
    "pending": "Pending payment",
    "processing": "Processing",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "failed": "Failed",
    "trash": "Trash",
    "checkout-draft": "Draft",
}
CURRENCY_SYMBOLS = {"EUR": "&euro;", "USD": "&#36;", "GBP": "&pound;", "HUF": "Ft", "RON": "lei"}
ADDRESS_FIELDS = ["first_name", "last_name", "company", "address_1", "address_2", "city"]
ADDRESS_FIELDS += ["state", "postcode", "country", "email", "phone"]
ATTRIBUTE_IDS = {"Color": 1, "Size": 2}
WEBHOOK_TOPIC = re.compile(r"(coupon|customer|order|product)\.(created|updated|deleted|restored)")
PRODUCT_TYPES = ["simple", "grouped", "external", "variable"]
PRODUCT_STATUSES = ["draft", "pending", "private", "publish", "future"]
CATALOG_VISIBILITY = ["visible", "catalog", "search", "hidden"]
BACKORDERS = ["no", "notify", "yes"]
NO_ROUTE = "No route was found matching the URL and request method."
# wp_insert_term's texts: hierarchical taxonomies (categories, brands) compare siblings only,
# the others (attribute terms: pa_* taxonomies are registered non-hierarchical) the taxonomy.
TERM_EXISTS_PARENT = "A term with the name provided already exists with this parent."
TERM_EXISTS_TAXONOMY = "A term with the name provided already exists in this taxonomy."
# wc_create_new_customer's texts (customers are created through it by the REST controller).
EMAIL_EXISTS = (
    "An account is already registered with your email address. "
    '<a href="#" class="showlogin">Please log in.</a>'
)
USERNAME_EXISTS = "An account is already registered with that username. Please choose another."
# wc_rest_allowed_image_mime_types(): extension -> mime type.
IMAGE_MIMES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "jpe": "image/jpeg",
    "gif": "image/gif",
    "png": "image/png",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "tif": "image/tiff",
    "ico": "image/x-icon",
    "webp": "image/webp",
}
NOT_ALLOWED_TYPE = "Sorry, you are not allowed to upload this file type."
IMAGE_TIMEOUT = 10  # seconds, as wp_safe_remote_get in wc_rest_upload_image_from_url


def webhook_signature(body: bytes, secret: str) -> str:
    """``X-WC-Webhook-Signature``: base64 of HMAC-SHA256 of the raw body with the secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _number(value: Decimal | float):
    """JSON number the way the API prints it: 12 rather than 12.0."""
    return int(value) if value == int(value) else float(value)


def _dates(prefix: str, gmt: datetime | None) -> dict:
    return {prefix: fmt_date(to_local(gmt)), f"{prefix}_gmt": fmt_date(gmt)}


def _bad_param(name: str, message: str, detail: str) -> ApiError:
    """WordPress's 400 for a query or body argument that fails its schema."""
    details = {name: {"code": detail, "message": message, "data": None}}
    return ApiError(
        400,
        "rest_invalid_param",
        f"Invalid parameter(s): {name}",
        params={name: message},
        details=details,
    )


def _item_id(item) -> int:
    """The id of a batch item (0 when it has none or is not an object)."""
    return item.get("id", 0) if isinstance(item, dict) else 0


def _fail(exc: Exception):
    raise exc


def _sanitize_title(text) -> str:
    """WordPress's ``sanitize_title`` (with dashes): the slug of a term, product or file."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"<[^>]*>", "", text).replace(".", "-")
    text = re.sub(r"[^a-z0-9 _-]", "", text)
    return re.sub(r"[\s-]+", "-", text).strip("-")


def _image_ext(data: bytes) -> str | None:
    """The extension of the image type the bytes really are (``wp_get_image_mime``), or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tif"
    if data[:4] == b"\x00\x00\x01\x00":
        return "ico"
    return None


EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")  # is_email


def _sanitize_user(text) -> str:
    """WordPress's ``sanitize_user`` (strict): ASCII letters, digits, `` _.-@`` only."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"<[^>]*>", "", text)
    text = re.sub(r"[^A-Za-z0-9 _.@-]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _autop(text: str) -> str:
    """What ``wpautop`` makes of a description in the API's view context (simplified): plain
    text becomes paragraphs (line breaks ``<br />``), HTML gets a trailing newline."""
    text = text.strip()
    if not text:
        return ""
    if text.startswith("<"):
        return text + "\n"
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join("<p>" + p.replace("\n", "<br />\n") + "</p>\n" for p in paragraphs)


class _FetchError(Exception):
    """A download that got no HTTP answer; the text is what WordPress (curl) would say."""


def _fetch(url: str) -> tuple[int, bytes, str]:
    """GET ``url`` like WordPress's HTTP API does for ``download_url``: (status, body, reason).

    Redirects are followed; loopback hosts are fetched without proxies."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _FetchError("A valid URL was not provided.")
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    handlers = []
    if host in ("127.0.0.1", "localhost", "::1"):
        handlers.append(urllib.request.ProxyHandler({}))
    opener = urllib.request.build_opener(*handlers)
    agent = f"WordPress/{WP_VERSION}; http://127.0.0.1"
    request = urllib.request.Request(url, headers={"User-Agent": agent})
    timed_out = (
        f"cURL error 28: Operation timed out after {IMAGE_TIMEOUT * 1000} milliseconds "
        "with 0 bytes received"
    )
    try:
        with opener.open(request, timeout=IMAGE_TIMEOUT) as response:
            return response.status, response.read(), response.reason
    except urllib.error.HTTPError as exc:
        return exc.code, b"", exc.reason
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise _FetchError(timed_out) from None
        if isinstance(reason, socket.gaierror):
            raise _FetchError(f"cURL error 6: Could not resolve host: {host}") from None
        if isinstance(reason, ConnectionRefusedError):
            raise _FetchError(
                f"cURL error 7: Failed to connect to {host} port {port} after 0 ms: "
                "Couldn't connect to server"
            ) from None
        raise _FetchError(f"cURL error 56: {reason}") from None
    except TimeoutError:
        raise _FetchError(timed_out) from None
    except (OSError, ValueError) as exc:
        raise _FetchError(f"cURL error 56: Recv failure: {exc}") from None


def _no_route() -> ApiError:
    return ApiError(404, "rest_no_route", NO_ROUTE)


def _missing(*names: str) -> ApiError:
    """WordPress's 400 for required arguments that were not sent."""
    return ApiError(
        400,
        "rest_missing_callback_param",
        f"Missing parameter(s): {', '.join(names)}",
        params=list(names),
    )


def _enum(name: str, value, allowed) -> str:
    if value not in allowed:
        text = f"{name} is not one of {', '.join(allowed)}."
        raise _bad_param(name, text, "rest_not_in_enum")
    return value


def _bool(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).lower() in ("0", "false", "no", "off", ""):
        return False
    raise _bad_param(name, f"{name} is not of type boolean.", "rest_invalid_type")


class Store(DeliverySender):
    """The state of one emulated WooCommerce store, seeded deterministically.

    ``orders``, ``products``, ``variations``, ``customers``, ``categories``, ``brands``,
    ``attributes`` map ids to the JSON the API returns (without ``_links``);
    ``attribute_terms`` maps an attribute id to its terms by id; ``media`` holds the media
    library (images sideloaded from URLs, served from ``uploads``), ``downloads`` every image
    download tried (``{"url", "status", "bytes", "error", "media_id", "time"}``); ``notes``
    maps order ids to note lists; ``received`` lists every API write in arrival order (see
    ``record``); ``webhooks`` holds subscriptions and ``webhook_deliveries`` what was sent to
    them. ``brands=False`` is a store without WooCommerce Brands (before 9.4): every
    ``products/brands`` route is a 404 ``rest_no_route`` and products have no ``brands``.
    Hold ``lock`` while reading or changing.
    """

    def __init__(
        self,
        seed=1,
        orders=50,
        products=20,
        currency="EUR",
        prices_include_tax=False,
        tax_round_at_subtotal: bool = False,
        price_decimals: int | None = None,
        brands: bool = True,
    ):
        currency = currency or "EUR"
        if price_decimals is None:
            price_decimals = default_price_decimals(currency)
        if not 0 <= int(price_decimals) <= 4:
            raise ValueError("price_decimals must be between 0 and 4")
        self.config = {
            "seed": seed,
            "orders": orders,
            "products": products,
            "currency": currency,
            "prices_include_tax": prices_include_tax,
            "tax_round_at_subtotal": bool(tax_round_at_subtotal),
            "price_decimals": int(price_decimals),
            "brands": bool(brands),
        }
        self.lock = threading.RLock()
        self.site_url = "http://127.0.0.1"
        self._queue: queue.Queue | None = None
        self.reset()

    # ------------------------------------------------------------------ seeding
    def reset(self) -> None:
        """Rebuild the seeded state and forget writes, webhooks and deliveries."""
        with self.lock:
            cfg = self.config
            gen = DataGenerator(
                cfg["seed"],
                cfg["currency"],
                cfg["prices_include_tax"],
                price_decimals=cfg["price_decimals"],
                tax_round_at_subtotal=cfg["tax_round_at_subtotal"],
            )
            gen.make_catalogue(cfg["products"])
            drafts = gen.seed_orders(cfg["orders"])
            self.gen = gen
            self._counters = {"item": 40, "meta": 500, "note": 90, "webhook": 0, "seq": 0}
            self._counters.update(term=max((c["id"] for c in gen.categories), default=14))
            self._counters.update(attribute=max(ATTRIBUTE_IDS.values()), username=0)
            self.received: list[dict] = []
            self.webhooks: dict[int, dict] = {}
            self.webhook_deliveries: list[dict] = []
            # order id -> top-level fields served as given (see ``override_order``)
            self.order_overrides: dict[int, dict] = {}
            self.categories = {c["id"]: self._category(c) for c in gen.categories}
            self.brands: dict[int, dict] = {}
            self.attributes: dict[int, dict] = {}
            self.attribute_terms: dict[int, dict[int, dict]] = {}
            self._seed_attributes(gen.products)
            self.media: dict[int, dict] = {}
            self.uploads: dict[str, bytes] = {}  # path -> file, what /wp-content/uploads serves
            self.downloads: list[dict] = []
            self.products: dict[int, dict] = {}
            self.variations: dict[int, dict] = {}
            for product in gen.products:
                self._add_product(product)
            self.customers: dict[int, dict] = {}
            self.orders: dict[int, dict] = {}
            self.notes: dict[int, list[dict]] = {}
            for draft in drafts:
                self._add_order(draft)

    def configure(self, brands=None, **settings) -> dict:
        """``POST /_emulator/config``: ``brands`` (bool) switches WooCommerce Brands on or off
        (off: a store before 9.4, every brands route a 404); anything else is a 400."""
        if settings:
            raise ValueError(f"the WooCommerce emulator has no setting {sorted(settings)}")
        with self.lock:
            if brands is not None:
                self.config["brands"] = _bool("brands", brands)
            return {"brands": self.config["brands"]}

    def _seed_attributes(self, products: list[dict]) -> None:
        """The global attributes the seeded products use (Color, Size) with their terms."""
        for name, attribute_id in ATTRIBUTE_IDS.items():
            self.attributes[attribute_id] = {
                "id": attribute_id,
                "name": name,
                "slug": f"pa_{_sanitize_title(name)}",
                "type": "select",
                "order_by": "menu_order",
                "has_archives": False,
            }
            self.attribute_terms[attribute_id] = {}
        for product in products:
            for name, values in product["attributes"]:
                terms = self.attribute_terms[ATTRIBUTE_IDS[name]]
                for value in values:
                    if all(t["name"] != value for t in terms.values()):
                        term = self._new_term(terms, value, _sanitize_title(value), 0, False)
                        term["menu_order"] = len(terms) - 1

    #: what ``snapshot`` leaves out: the lock and the webhook sender, which live on
    _LIVE = frozenset({"lock", "_queue", "site_url"})

    def snapshot(self) -> dict:
        """The store's whole state (data, generator, webhooks, received writes), to come back
        to with ``restore``: a test class takes one after its setup, and every test starts
        from it, so no test sees what another one did."""
        with self.lock:
            return copy.deepcopy({k: v for k, v in vars(self).items() if k not in self._LIVE})

    def restore(self, state: dict) -> None:
        """Back to a ``snapshot``; the snapshot itself stays reusable."""
        with self.lock:
            vars(self).update(copy.deepcopy(state))

    def _next(self, kind: str) -> int:
        self._counters[kind] += 1
        return self._counters[kind]

    def _category(self, cat: dict) -> dict:
        return {**cat, "description": "", "display": "default", "image": None, "menu_order": 0}

    def _add_product(self, p: dict) -> None:
        cats = [self.categories[c] for c in p["category_ids"]]
        for cat in cats:
            cat["count"] = cat.get("count", 0) + 1
        product = {
            "id": p["id"],
            "name": p["name"],
            "slug": self._unique_slug(p["name"]),
            **_dates("date_created", p["created"]),
            **_dates("date_modified", p["modified"]),
            "type": p["type"],
            "status": p["status"],
            "featured": False,
            "catalog_visibility": "visible",
            "description": f"<p>{p['description']}</p>",
            "short_description": f"<p>{p['short_description']}</p>",
            "sku": p["sku"],
            "global_unique_id": "",
            "price": "",
            "regular_price": "",
            "sale_price": "",
            **_dates("date_on_sale_from", None),
            **_dates("date_on_sale_to", None),
            "on_sale": False,
            "purchasable": True,
            "total_sales": 0,
            "virtual": p["virtual"],
            "downloadable": False,
            "tax_status": "taxable",
            "tax_class": p["tax_class"],
            "manage_stock": False,
            "stock_quantity": None,
            "backorders": "no",
            "stock_status": "instock",
            "weight": p["weight"],
            "dimensions": {"length": "", "width": "", "height": ""},
            "shipping_class": "",
            "shipping_class_id": 0,
            "parent_id": 0,
            "categories": [{"id": c["id"], "name": c["name"], "slug": c["slug"]} for c in cats],
            "brands": [],
            "tags": [],
            "images": [],
            "attributes": [
                {
                    "id": ATTRIBUTE_IDS[name],
                    "name": name,
                    "slug": f"pa_{name.lower()}",
                    "position": pos,
                    "visible": True,
                    "variation": True,
                    "options": values,
                }
                for pos, (name, values) in enumerate(p["attributes"])
            ],
            "default_attributes": [],
            "variations": [v["id"] for v in p["variants"]],
            "menu_order": 0,
            "meta_data": [],
        }
        if p["type"] == "simple":
            product.update(self._offer(p))
        self.products[p["id"]] = product
        for pos, v in enumerate(p["variants"]):
            self.variations[v["id"]] = {
                "id": v["id"],
                "parent_id": p["id"],
                **_dates("date_created", v["created"]),
                **_dates("date_modified", v["modified"]),
                "description": "",
                "sku": v["sku"],
                "global_unique_id": "",
                "price": "",
                "regular_price": "",
                "sale_price": "",
                **_dates("date_on_sale_from", None),
                **_dates("date_on_sale_to", None),
                "on_sale": False,
                "status": "publish",
                "purchasable": True,
                "virtual": False,
                "downloadable": False,
                "tax_status": "taxable",
                "tax_class": p["tax_class"],
                "backorders": "no",
                "weight": p["weight"],
                "dimensions": {"length": "", "width": "", "height": ""},
                "image": None,
                "attributes": [
                    {"id": ATTRIBUTE_IDS[k], "name": k, "option": val}
                    for k, val in v["options"].items()
                ],
                "menu_order": pos,
                "meta_data": [],
                **self._offer(v),
            }
        self._sync_parent(product)

    def _money(self, value) -> str:
        """A money string with the store's price decimals ("12.50", "12700")."""
        return fmt_money(value, self.config["price_decimals"])

    def _offer(self, o: dict) -> dict:
        return {
            "regular_price": self._money(o["regular_price"]),
            "sale_price": self._money(o["sale_price"]) if o["sale_price"] else "",
            "price": self._money(o["sale_price"] or o["regular_price"]),
            "on_sale": bool(o["sale_price"]),
            "manage_stock": o["manage_stock"],
            "stock_quantity": o["stock_quantity"],
            "stock_status": o["stock_status"],
        }

    def _unique_slug(self, name: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "product"
        slugs = {p["slug"] for p in self.products.values()}
        slug, n = base, 1
        while slug in slugs:
            n += 1
            slug = f"{base}-{n}"
        return slug

    def _add_order(self, d: dict) -> dict:
        """Render a generated order as WooCommerce JSON and store it."""
        priced = d["priced"]
        money = self._money  # the store's price decimals; taxes[] stay unrounded (fmt_tax)
        lines = []
        for item, pl in zip(d["items"], priced.lines, strict=True):
            product, variant = item["product"], item["variant"]
            meta = []
            if variant:
                meta = [
                    {
                        "id": self._next("meta"),
                        "key": f"pa_{k.lower()}",
                        "value": v.lower(),
                        "display_key": k,
                        "display_value": v,
                    }
                    for k, v in variant["options"].items()
                ]
            taxes = []
            if pl.rate:
                taxes = [
                    {
                        "id": pl.rate.id,
                        "total": fmt_tax(pl.total_tax),
                        "subtotal": fmt_tax(pl.subtotal_tax),
                    }
                ]
            name = product["name"]
            if variant:
                name += " - " + ", ".join(variant["options"].values())
            lines.append(
                {
                    "id": self._next("item"),
                    "name": name,
                    "product_id": product["id"],
                    "variation_id": variant["id"] if variant else 0,
                    "quantity": item["qty"],
                    "tax_class": product["tax_class"],
                    "subtotal": money(pl.subtotal),
                    "subtotal_tax": money(pl.subtotal_tax),
                    "total": money(pl.total),
                    "total_tax": money(pl.total_tax),
                    "taxes": taxes,
                    "meta_data": meta,
                    "sku": (variant or product)["sku"],
                    "price": _number(float(pl.total) / item["qty"]),
                    "image": {"id": "", "src": ""},
                    "parent_name": product["name"] if variant else None,
                }
            )
        shipping_lines = []
        if d["shipping_method"]:
            method_id, title, _ = d["shipping_method"]
            rate = priced.shipping_rate
            items_text = ", ".join(f"{li['name']} &times; {li['quantity']}" for li in lines)
            taxes = (
                [{"id": rate.id, "total": fmt_tax(priced.shipping_tax), "subtotal": ""}]
                if rate
                else []
            )
            countries = ["HU", "DE", "RO", "US"]
            instance = countries.index(d["shipping"]["country"]) * 3
            instance += ["flat_rate", "free_shipping", "local_pickup"].index(method_id) + 1
            shipping_lines.append(
                {
                    "id": self._next("item"),
                    "method_title": title,
                    "method_id": method_id,
                    "instance_id": str(instance),
                    "total": money(priced.shipping_total),
                    "total_tax": money(priced.shipping_tax),
                    "taxes": taxes,
                    "meta_data": [
                        {
                            "id": self._next("meta"),
                            "key": "Items",
                            "value": items_text,
                            "display_key": "Items",
                            "display_value": items_text,
                        }
                    ],
                }
            )
        fee_lines = []
        for fee, (net, tax, rate) in zip(d["fees"], priced.fees, strict=True):
            fee_lines.append(
                {
                    "id": self._next("item"),
                    "name": fee["name"],
                    "tax_class": "",
                    "tax_status": "taxable" if fee.get("taxable", True) else "none",
                    "amount": money(net),
                    "total": money(net),
                    "total_tax": money(tax),
                    "taxes": [{"id": rate.id, "total": fmt_tax(tax), "subtotal": ""}]
                    if rate
                    else [],
                    "meta_data": [],
                }
            )
        coupon_lines = []
        if d["coupon"]:
            c = d["coupon"]
            coupon_lines.append(
                {
                    "id": self._next("item"),
                    "code": c["code"],
                    "discount": money(priced.discount_total),
                    "discount_tax": money(priced.discount_tax),
                    "discount_type": c["kind"],
                    "nominal_amount": _number(c["amount"]),
                    "free_shipping": False,
                    "meta_data": [],
                }
            )
        tax_lines = [
            {
                "id": self._next("item"),
                "rate_code": rate.code,
                "rate_id": rate.id,
                "label": rate.name,
                "compound": rate.compound,
                "tax_total": money(tax),
                "shipping_tax_total": money(ship),
                "rate_percent": _number(rate.percent),
                "meta_data": [],
            }
            for rate, tax, ship in priced.taxes.values()
        ]
        refunds = []
        if d["status"] == "refunded":
            refund = {"id": self.gen.next_id("order"), "reason": "Returned by the customer"}
            refunds.append({**refund, "total": f"-{money(priced.total)}"})
        meta = []
        if d["vat"]:
            meta.append({"id": self._next("meta"), "key": "_billing_vat_number", "value": d["vat"]})
        cur = self.config["currency"]
        order = {
            "id": d["id"],
            "parent_id": 0,
            "number": str(d["id"]),
            "order_key": d["order_key"],
            "created_via": d["created_via"],
            "version": WC_VERSION,
            "status": d["status"],
            "currency": cur,
            "currency_symbol": CURRENCY_SYMBOLS.get(cur, cur),
            **_dates("date_created", d["created"]),
            **_dates("date_modified", d["modified"]),
            "discount_total": money(priced.discount_total),
            "discount_tax": money(priced.discount_tax),
            "shipping_total": money(priced.shipping_total),
            "shipping_tax": money(priced.shipping_tax_total),
            "cart_tax": money(priced.cart_tax),
            "total": money(priced.total),
            "total_tax": money(priced.total_tax),
            "prices_include_tax": self.config["prices_include_tax"],
            "customer_id": d["customer_id"],
            "customer_ip_address": d["ip"],
            "customer_user_agent": d["user_agent"],
            "customer_note": d["note"],
            "billing": d["billing"],
            "shipping": d["shipping"],
            "payment_method": d["payment"],
            "payment_method_title": d["payment_title"],
            "transaction_id": d["transaction_id"],
            **_dates("date_paid", d["paid"]),
            **_dates("date_completed", d["completed"]),
            "cart_hash": d["cart_hash"],
            "meta_data": meta,
            "line_items": lines,
            "tax_lines": tax_lines,
            "shipping_lines": shipping_lines,
            "fee_lines": fee_lines,
            "coupon_lines": coupon_lines,
            "refunds": refunds,
            "payment_url": f"{{site}}/checkout/order-pay/{d['id']}/?pay_for_order=true&key="
            + d["order_key"],
            "is_editable": d["status"] in ("pending", "on-hold", "checkout-draft"),
            "needs_payment": d["status"] in ("pending", "failed"),
            "needs_processing": True,
        }
        self.orders[order["id"]] = order
        self.notes[order["id"]] = []
        if d["status"] != "pending":
            label = STATUS_LABELS[d["status"]]
            self._note(
                order, f"Order status changed from Pending payment to {label}.", at=d["modified"]
            )
        self._update_customer(order, d)
        return order

    def _update_customer(self, order: dict, d: dict) -> None:
        """Registered customers carry the addresses of their latest order, like checkout does."""
        cid = order["customer_id"]
        if not cid:
            return
        customer = self.customers.get(cid)
        if customer is None:
            source = next(c for c in self.gen.customers if c["id"] == cid)
            email = source["person"]["email"]
            customer = {
                "id": cid,
                **_dates("date_created", source["created"]),
                **_dates("date_modified", source["created"]),
                "email": email,
                "first_name": source["person"]["first_name"],
                "last_name": source["person"]["last_name"],
                "role": "customer",
                "username": source["username"],
                "billing": {},
                "shipping": {},
                "is_paying_customer": False,
                "avatar_url": "https://secure.gravatar.com/avatar/"
                + hashlib.md5(email.encode()).hexdigest()
                + "?s=96&d=mm&r=g",
                "meta_data": [],
            }
            self.customers[cid] = customer
        customer["billing"] = dict(order["billing"])
        customer["shipping"] = dict(order["shipping"])
        customer.update(_dates("date_modified", d["created"]))
        customer["is_paying_customer"] |= order["status"] in PAID_STATUSES
        if d["vat"] and not customer["meta_data"]:
            customer["meta_data"].append(
                {"id": self._next("meta"), "key": "billing_vat_number", "value": d["vat"]}
            )

    # ------------------------------------------------------------------ rendering with links
    def _links(self, path: str, collection: str, **extra) -> dict:
        base = f"{self.site_url}{NS}"
        links = {
            "self": [{"href": f"{base}/{path}"}],
            "collection": [{"href": f"{base}/{collection}"}],
        }
        links.update({k: [{"href": f"{base}/{v}"}] for k, v in extra.items()})
        return links

    def order_json(self, order: dict) -> dict:
        """An order as the API returns it."""
        extra = {"customer": f"customers/{order['customer_id']}"} if order["customer_id"] else {}
        out = {**order, "payment_url": order["payment_url"].replace("{site}", self.site_url)}
        out["_links"] = self._links(f"orders/{order['id']}", "orders", **extra)
        out.update(self.order_overrides.get(order["id"], {}))
        return out

    def product_json(self, product: dict) -> dict:
        """A product as the API returns it (terms and images as they are now)."""
        link = f"{self.site_url}/product/{product['slug']}/"
        links = self._links(f"products/{product['id']}", "products")
        out = {**product, "permalink": link, "_links": links}
        out["categories"] = self._term_refs(self.categories, product["categories"])
        out["images"] = [self._media_ref(i) for i in product["images"]]
        if self.config["brands"]:
            out["brands"] = self._term_refs(self.brands, product.get("brands", []))
        else:
            out.pop("brands", None)
        return out

    def variation_json(self, variation: dict) -> dict:
        """A variation as the API returns it."""
        pid = variation["parent_id"]
        links = self._links(
            f"products/{pid}/variations/{variation['id']}",
            f"products/{pid}/variations",
            up=f"products/{pid}",
        )
        out = {**variation, "_links": links}
        parent = self.products.get(pid)
        if parent:
            query = urlencode(
                {
                    f"attribute_{a['slug'] if a['id'] else _sanitize_title(a['name'])}": (
                        _sanitize_title(a["option"]) if a["id"] else a["option"]
                    )
                    for a in self._variation_attribute_refs(variation)
                }
            )
            out["permalink"] = f"{self.site_url}/product/{parent['slug']}/" + (
                f"?{query}" if query else ""
            )
        if variation.get("image"):
            out["image"] = self._media_ref(variation["image"])
        return out

    def _variation_attribute_refs(self, variation: dict) -> list[dict]:
        out = []
        for a in variation["attributes"]:
            slug = self.attributes[a["id"]]["slug"] if a["id"] in self.attributes else a["name"]
            out.append({**a, "slug": slug})
        return out

    @staticmethod
    def _term_refs(terms: dict, refs: list) -> list[dict]:
        """``[{id, name, slug}]`` of the terms still there (a deleted term leaves products)."""
        return [
            {k: terms[r["id"]][k] for k in ("id", "name", "slug")} for r in refs if r["id"] in terms
        ]

    def _media_ref(self, image: dict) -> dict:
        media = self.media.get(image["id"])
        return self.media_json(media) if media else image

    def media_json(self, media: dict) -> dict:
        """An image as products show it: ``{id, date_created(_gmt), date_modified(_gmt), src,
        name, alt}``; ``src`` is where the emulator serves the file."""
        shown = {k: v for k, v in media.items() if k not in ("path", "mime", "url")}
        return {**shown, "src": f"{self.site_url}{media['path']}"}

    def customer_json(self, customer: dict) -> dict:
        """A customer as the API returns it."""
        return {**customer, "_links": self._links(f"customers/{customer['id']}", "customers")}

    def category_json(self, cat: dict) -> dict:
        """A product category as the API returns it."""
        return self._term_json("products/categories", cat, self.term_count("categories", cat))

    def brand_json(self, brand: dict) -> dict:
        """A brand as the API returns it (same schema as categories)."""
        return self._term_json("products/brands", brand, self.term_count("brands", brand))

    def attribute_json(self, attribute: dict) -> dict:
        """A global attribute as the API returns it."""
        links = self._links(f"products/attributes/{attribute['id']}", "products/attributes")
        return {**attribute, "_links": links}

    def attribute_term_json(self, attribute_id: int, term: dict) -> dict:
        """A term of a global attribute as the API returns it."""
        base = f"products/attributes/{attribute_id}/terms"
        count = sum(
            1
            for p in self.products.values()
            for a in p["attributes"]
            if a["id"] == attribute_id and term["name"] in a["options"]
        )
        return {**term, "count": count, "_links": self._links(f"{base}/{term['id']}", base)}

    def _term_json(self, base: str, term: dict, count: int) -> dict:
        extra = {"up": f"{base}/{term['parent']}"} if term.get("parent") else {}
        links = self._links(f"{base}/{term['id']}", base, **extra)
        return {**term, "count": count, "_links": links}

    def term_count(self, key: str, term: dict) -> int:
        """How many products have the category or brand (``key``: "categories", "brands")."""
        return sum(
            1 for p in self.products.values() if any(r["id"] == term["id"] for r in p.get(key, []))
        )

    def note_json(self, order_id: int, note: dict) -> dict:
        """An order note as the API returns it."""
        path = f"orders/{order_id}/notes"
        return {
            **note,
            "_links": self._links(f"{path}/{note['id']}", path, up=f"orders/{order_id}"),
        }

    def webhook_json(self, hook: dict) -> dict:
        """A webhook as the API returns it (the secret is not shown)."""
        shown = {k: v for k, v in hook.items() if k not in ("secret", "failure_count")}
        return {**shown, "_links": self._links(f"webhooks/{hook['id']}", "webhooks")}

    # ------------------------------------------------------------------ mutations
    def _bump(self, obj: dict) -> datetime:
        now = utcnow()
        obj.update(_dates("date_modified", now))
        return now

    def _note(self, order: dict, text: str, customer_note=False, by_user=False, at=None) -> dict:
        moment = at or utcnow()
        note = {
            "id": self._next("note"),
            "author": "admin" if by_user else "system",
            **_dates("date_created", moment),
            "note": text,
            "customer_note": customer_note,
        }
        self.notes[order["id"]].insert(0, note)  # newest first, as the API lists them
        return note

    def create_orders(
        self,
        count: int = 1,
        status: str | None = None,
        lines: list | None = None,
        country: str | None = None,
        **explicit,
    ) -> list[int]:
        """Place ``count`` new orders now (as shoppers would); returns their ids.

        Without ``lines`` the orders are drawn at random (``country``: bought by new guests of
        that country, see ``DataGenerator.make_order``). With ``lines`` (and optionally
        ``coupon``, ``shipping``, ``fees``, ``country``, ``state``, ``payment_method``: see
        ``DataGenerator.order_spec``) each order has exactly those, priced by the store's
        rules (tax-inclusive prices, decimals, tax rounding).
        """
        if status is not None and status not in ORDER_STATUSES:
            raise ValueError(f"status must be one of {', '.join(ORDER_STATUSES)}")
        if explicit and lines is None:
            raise ValueError(f"{sorted(explicit)} need lines")
        if lines is not None and country is not None:
            explicit["country"] = country
            country = None
        with self.lock:
            spec = None if lines is None else self.gen.order_spec(lines, **explicit)
            ids = []
            for _ in range(int(count)):
                draft = self.gen.make_order(
                    utcnow(), status, clamp=False, spec=spec, country=country
                )
                order = self._add_order(draft)
                ids.append(order["id"])
                self._emit("order", "created", self.order_json(order))
            return ids

    def get_order(self, order_id: int, status: int = 404) -> dict:
        """The stored order, or WooCommerce's invalid-id error."""
        order = self.orders.get(int(order_id))
        if order is None:
            raise ApiError(status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return order

    def modify_order(self, order_id: int, **changes) -> dict:
        """Change an order as a shop manager would (control endpoint); bumps date_modified.

        Accepts ``status``, ``billing``/``shipping`` (partial), ``customer_note``,
        ``transaction_id``, ``meta_data`` and ``touch`` (only bump the date).
        """
        allowed = {"status", "billing", "shipping", "customer_note", "transaction_id", "meta_data"}
        unknown = set(changes) - allowed - {"touch"}
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}; allowed: {sorted(allowed)}, touch")
        with self.lock:
            order = self.get_order(order_id)
            self.update_order(order, {k: v for k, v in changes.items() if k != "touch"})
            return self.order_json(order)

    def override_order(self, order_id: int, **fields) -> None:
        """Serve these top-level fields of the order as given from now on, whatever the order
        holds: the broken output of a faulty plugin (``total="12,50"``), for reliability runs."""
        with self.lock:
            self.get_order(order_id)
            self.order_overrides.setdefault(int(order_id), {}).update(fields)

    def update_order(self, order: dict, body: dict) -> dict:
        """Apply an order update (API PUT, batch item or control); unknown fields are ignored."""
        status = body.get("status")
        if status is not None and status not in WRITABLE_STATUSES:
            raise _bad_param(
                "status",
                f"status is not one of {', '.join(WRITABLE_STATUSES)}.",
                "rest_not_in_enum",
            )
        for key in ("billing", "shipping"):
            if key in body and not isinstance(body[key], dict):
                raise _bad_param(key, f"{key} is not of type object.", "rest_invalid_type")
        now = self._bump(order)
        for key in ("billing", "shipping"):
            for name, value in body.get(key, {}).items():
                if name in ADDRESS_FIELDS and (key == "billing" or name != "email"):
                    order[key][name] = "" if value is None else str(value)
        for key in ("customer_note", "transaction_id", "payment_method", "payment_method_title"):
            if key in body:
                order[key] = str(body[key])
        for meta in body.get("meta_data") or []:
            current = next((m for m in order["meta_data"] if m["key"] == meta.get("key")), None)
            if current:
                current["value"] = meta.get("value")
            else:
                order["meta_data"].append(
                    {"id": self._next("meta"), "key": meta.get("key"), "value": meta.get("value")}
                )
        if _bool("set_paid", body.get("set_paid", False)):
            order.update(_dates("date_paid", now))
            status = status or (
                "processing" if order["status"] in ("pending", "on-hold", "failed") else None
            )
        if status and status != order["status"]:
            old, order["status"] = order["status"], status
            self._note(
                order, f"Order status changed from {STATUS_LABELS[old]} to {STATUS_LABELS[status]}."
            )
            if status in PAID_STATUSES and not order["date_paid"]:
                order.update(_dates("date_paid", now))
            if status == "completed":
                order.update(_dates("date_completed", now))
        self._emit("order", "updated", self.order_json(order))
        return order

    def _sku_owner(self, sku: str) -> int | None:
        for item in (*self.products.values(), *self.variations.values()):
            if item["sku"] == sku:
                return item["id"]
        return None

    def find_item(self, item_id: int) -> dict:
        """A product or a variation by id (ids are shared, as in WordPress)."""
        item = self.products.get(int(item_id)) or self.variations.get(int(item_id))
        if item is None:
            raise ApiError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return item

    def modify_product(self, item_id: int, **changes) -> dict:
        """Change a product or variation as a shop manager would (control endpoint).

        Unlike the API, ``stock_quantity`` alone switches stock management on, because the
        point of the control call is to change the stock.
        """
        with self.lock:
            item = self.find_item(item_id)
            if "stock_quantity" in changes:
                changes.setdefault("manage_stock", True)
            self.update_product(item, changes)
            is_variation = item["id"] in self.variations
            return self.variation_json(item) if is_variation else self.product_json(item)

    def update_product(self, item: dict, body: dict, strict: bool = False) -> dict:
        """Apply a product or variation write the way WooCommerce does.

        Partial: only the keys sent change. ``stock_quantity`` only counts when the item
        manages stock (after applying ``manage_stock`` from the same body); with managed stock
        the stock status follows the quantity. ``strict`` adds WordPress's schema checks (types,
        enums; single-item requests only). Everything is checked before anything changes, the
        images last (they are downloaded then, as ``wc_rest_upload_image_from_url`` does): a
        refused write leaves the item as it was (images already sideloaded stay in the media
        library, as in WordPress).
        """
        if not isinstance(body, dict):
            raise _bad_param("body", "The body must be an object.", "rest_invalid_type")
        is_variation = item["id"] in self.variations
        parent = self.products.get(item.get("parent_id") or 0)
        strings = ("regular_price", "sale_price", "sku", "name", "description", "stock_status")
        strings += ("short_description", "global_unique_id", "weight")
        for key in strings if strict else ():
            if key in body and not isinstance(body[key], str):
                raise _bad_param(key, f"{key} is not of type string.", "rest_invalid_type")
        if strict:
            enums = [("status", PRODUCT_STATUSES), ("backorders", BACKORDERS)]
            if not is_variation:
                enums += [("type", PRODUCT_TYPES), ("catalog_visibility", CATALOG_VISIBILITY)]
            for key, allowed in enums:
                if key in body:
                    _enum(key, body[key], allowed)
            for key in ("categories", "brands", "images", "attributes", "default_attributes"):
                if key in body and not isinstance(body[key], list):
                    raise _bad_param(key, f"{key} is not of type array.", "rest_invalid_type")
            for key in ("dimensions",):
                if key in body and not isinstance(body[key], dict):
                    raise _bad_param(key, f"{key} is not of type object.", "rest_invalid_type")
            if "meta_data" in body and not isinstance(body["meta_data"], list):
                raise _bad_param(
                    "meta_data", "meta_data is not of type array.", "rest_invalid_type"
                )
        qty = body.get("stock_quantity")
        if qty is not None and (
            isinstance(qty, bool) or not re.fullmatch(r"-?\d+(\.0*)?", str(qty).strip())
        ):
            text = "stock_quantity is not of type integer."
            raise _bad_param("stock_quantity", text, "rest_invalid_type")
        for key in ("regular_price", "sale_price"):
            if body.get(key) not in (None, "") and not re.fullmatch(r"\d+(\.\d+)?", str(body[key])):
                raise _bad_param(key, f"{key} is not a valid price.", "rest_invalid_type")
        sale_dates = {}
        for key in ("date_on_sale_from", "date_on_sale_to"):
            gmt, local = body.get(f"{key}_gmt"), body.get(key)
            try:
                if gmt:
                    sale_dates[key] = datetime.fromisoformat(str(gmt)[:19])
                elif local:
                    moment = datetime.fromisoformat(str(local)[:19])
                    sale_dates[key] = moment - store_offset(moment - timedelta(hours=1))
                elif key in body or f"{key}_gmt" in body:
                    sale_dates[key] = None
            except ValueError:
                raise _bad_param(key, "Invalid date.", "rest_invalid_date") from None
        manage = body.get("manage_stock", item.get("manage_stock"))
        if "manage_stock" in body and manage != "parent":
            manage = _bool("manage_stock", manage)
        sku = None if body.get("sku") is None else str(body["sku"]).strip()
        if sku and self._sku_owner(sku) not in (None, item["id"]):
            owner = self._sku_owner(sku)
            raise ApiError(
                400,
                "product_invalid_sku",
                "Invalid or duplicated SKU.",
                resource_id=owner,
                unique_sku=sku,
            )
        # WC_Product::set_global_unique_id: keeps digits and dashes, unique across products
        # and variations like the SKU (error data carries the owner, as for the SKU).
        gtin = None
        if body.get("global_unique_id") is not None:
            gtin = re.sub(r"[^0-9\-]", "", str(body["global_unique_id"]))
            owner = self._gtin_owner(gtin) if gtin else None
            if owner not in (None, item["id"]):
                raise ApiError(
                    400,
                    "product_invalid_global_unique_id",
                    "Invalid or duplicated GTIN, UPC, EAN or ISBN.",
                    resource_id=owner,
                )
        attributes = defaults = variation_attributes = None
        if not is_variation and isinstance(body.get("attributes"), list):
            attributes = self._attribute_plan(body["attributes"])
        if not is_variation and isinstance(body.get("default_attributes"), list):
            current = attributes if attributes is not None else item["attributes"]
            defaults = self._default_attribute_plan(body["default_attributes"], current)
        if is_variation and isinstance(body.get("attributes"), list):
            variation_attributes = self._variation_attribute_plan(body["attributes"], parent)
        # Images last: they are downloaded (and sideloaded) now.
        images = None
        if not is_variation and isinstance(body.get("images"), list):
            images = self._image_plan(body["images"], "product")
        elif is_variation and "image" in body:
            image = body["image"]
            images = self._image_plan([image], "variation") if isinstance(image, dict) else []
        # Checked: apply.
        if sku is not None:
            item["sku"] = sku
        if gtin is not None:
            item["global_unique_id"] = gtin
        texts = ("name", "status", "weight", "tax_class", "catalog_visibility")
        for key in (*texts, "backorders", "regular_price", "sale_price"):
            if key in body and key in item:
                item[key] = "" if body[key] is None else str(body[key])
        for key in ("description", "short_description"):
            if key in body and key in item:
                item[key] = _autop("" if body[key] is None else str(body[key]))
        if not is_variation and body.get("type") in PRODUCT_TYPES:
            item["type"] = body["type"]
            if item["type"] == "variable":
                children = [v for v in self.variations.values() if v["parent_id"] == item["id"]]
                children.sort(key=lambda v: (v["menu_order"], v["id"]))
                item["variations"] = [v["id"] for v in children]
        if isinstance(body.get("dimensions"), dict):
            for key in ("length", "width", "height"):
                if key in body["dimensions"]:
                    value = body["dimensions"][key]
                    item["dimensions"][key] = "" if value is None else str(value)
        if "menu_order" in body and body["menu_order"] not in (None, ""):
            item["menu_order"] = int(body["menu_order"])
        for key, moment in sale_dates.items():
            item.update(_dates(key, moment))
        if "manage_stock" in item:
            item["manage_stock"] = manage
        if manage is True:
            if qty is not None:
                item["stock_quantity"] = int(float(qty))
            level = item["stock_quantity"] or 0
            backorder = item.get("backorders", "no") != "no"
            status = "onbackorder" if backorder else "outofstock"
            item["stock_status"] = "instock" if level > 0 else status
        elif "manage_stock" in item:
            item["stock_quantity"] = None
            if body.get("stock_status") in ("instock", "outofstock", "onbackorder"):
                item["stock_status"] = body["stock_status"]
        if isinstance(body.get("categories"), list) and "categories" in item:
            # wp_set_object_terms with ids: unknown ids are skipped, the set is replaced.
            ids = [c.get("id") for c in body["categories"] if isinstance(c, dict)]
            cats = [self.categories[i] for i in ids if i in self.categories]
            item["categories"] = [{k: c[k] for k in ("id", "name", "slug")} for c in cats]
        if self.config["brands"] and isinstance(body.get("brands"), list) and not is_variation:
            # Brands::rest_api_add_brands_to_product: ids or {id}; unknown ids are skipped.
            ids = [b.get("id") if isinstance(b, dict) else b for b in body["brands"]]
            ids = [int(i) for i in ids if str(i).isdigit() and int(i) in self.brands]
            item["brands"] = self._term_refs(self.brands, [{"id": i} for i in dict.fromkeys(ids)])
        if attributes is not None:
            item["attributes"] = self._apply_attributes(attributes)
        if defaults is not None:
            item["default_attributes"] = defaults
        if variation_attributes is not None:
            item["attributes"] = variation_attributes
        if images is not None and is_variation:
            item["image"] = self.media_json(self.media[images[0]]) if images else None
        elif images is not None:
            item["images"] = [self.media_json(self.media[i]) for i in images]
        if isinstance(body.get("meta_data"), list):
            self._update_meta(item, body["meta_data"])
        self._bump(item)
        if item.get("type") != "variable":
            self._refresh_price(item)
        else:
            self._sync_parent(item)
        if parent:
            self._sync_parent(parent)
            self._bump(parent)
        self._emit("product", "updated", self.product_json(parent or item))
        return item

    def _update_meta(self, obj: dict, meta_data: list) -> None:
        """``update_meta_data``: the entry with the ``id`` given, else the first with the key,
        else a new entry with a new id."""
        for meta in meta_data:
            if not isinstance(meta, dict) or not meta.get("key"):
                continue
            current = next(
                (
                    m
                    for m in obj["meta_data"]
                    if (meta.get("id") and m["id"] == meta["id"])
                    or (not meta.get("id") and m["key"] == meta["key"])
                ),
                None,
            )
            if current:
                current.update(key=meta["key"], value=meta.get("value"))
            else:
                entry = {"id": self._next("meta"), "key": meta["key"], "value": meta.get("value")}
                obj["meta_data"].append(entry)

    def _gtin_owner(self, gtin: str) -> int | None:
        for item in (*self.products.values(), *self.variations.values()):
            if item.get("global_unique_id") == gtin:
                return item["id"]
        return None

    # ------------------------------------------------------------------ product attributes
    def _attribute_plan(self, raw: list) -> list[dict]:
        """The product's new attributes from the request (WC_REST_Products_Controller
        ``prepare_attributes``): a global one by ``id`` (options are term names), a local one by
        ``name`` (options are texts, a string is split at ``|``); unknown ids and attributes
        without options are dropped. Nothing changes yet."""
        out = []
        for attr in raw:
            if not isinstance(attr, dict):
                continue
            options = attr.get("options", [])
            if isinstance(options, str):
                options = options.split("|")
            options = [str(o).strip() for o in options if str(o).strip()]
            attribute_id = int(attr.get("id") or 0)
            if attribute_id:
                if attribute_id not in self.attributes or not options:
                    continue
                name = self.attributes[attribute_id]["name"]
                slug = self.attributes[attribute_id]["slug"]
            else:
                name = str(attr.get("name") or "").strip()
                slug = name
                if not name or not options:
                    continue
            out.append(
                {
                    "id": attribute_id,
                    "name": name,
                    "slug": slug,
                    "position": int(attr.get("position") or 0),
                    "visible": bool(attr.get("visible")),
                    "variation": bool(attr.get("variation")),
                    "options": list(dict.fromkeys(options)),
                }
            )
        return out

    def _apply_attributes(self, plan: list[dict]) -> list[dict]:
        """Global options that are not terms yet become terms (``WC_Product_Attribute::
        get_terms`` inserts them), answered with the term's own name; sorted by position."""
        for attr in plan:
            if attr["id"]:
                terms = self.attribute_terms[attr["id"]]
                names = []
                for option in attr["options"]:
                    term = next(
                        (t for t in terms.values() if t["name"].lower() == option.lower()), None
                    )
                    if term is None:
                        term = self._new_term(terms, option, _sanitize_title(option), 0, False)
                    names.append(term["name"])
                attr["options"] = list(dict.fromkeys(names))
        return sorted(plan, key=lambda a: a["position"])

    def _find_attribute(self, ref: dict, attributes: list[dict]) -> dict | None:
        """The product attribute a reference ``{id}`` (global) or ``{name}`` (local) means."""
        attribute_id = int(ref.get("id") or 0)
        if attribute_id:
            return next((a for a in attributes if a["id"] == attribute_id), None)
        name = _sanitize_title(ref.get("name") or "")
        return next(
            (a for a in attributes if not a["id"] and _sanitize_title(a["name"]) == name), None
        )

    def _default_attribute_plan(self, raw: list, attributes: list[dict]) -> list[dict]:
        """``default_attributes``: only variation attributes of the product; a global one keeps
        the term slug (the answer shows "black" for "Black"), a local one the text."""
        out = []
        for ref in raw:
            attr = self._find_attribute(ref, attributes) if isinstance(ref, dict) else None
            if not attr or not attr["variation"]:
                continue
            option = str(ref.get("option") or "").strip()
            if attr["id"]:
                terms = self.attribute_terms.get(attr["id"], {}).values()
                term = next((t for t in terms if t["name"] == option), None)
                option = term["slug"] if term else _sanitize_title(option)
            if option:
                out.append({"id": attr["id"], "name": attr["name"], "option": option})
        return out

    def _variation_attribute_plan(self, raw: list, parent: dict | None) -> list[dict]:
        """A variation's attributes (``prepare_object_for_database`` of the variations
        controller): attributes the parent does not use for variations are skipped, the option
        is not checked against the parent's options; a global option is answered with its
        term's name, or as a slug when no term has that name."""
        if parent is None:
            raise ApiError(
                404,
                "woocommerce_rest_product_variation_invalid_parent",
                "Cannot set attributes due to invalid parent product.",
            )
        out = []
        for ref in raw:
            attr = (
                self._find_attribute(ref, parent["attributes"]) if isinstance(ref, dict) else None
            )
            if not attr or not attr["variation"]:
                continue
            option = str(ref.get("option") or "").strip()
            if attr["id"]:
                terms = self.attribute_terms.get(attr["id"], {}).values()
                term = next((t for t in terms if t["name"] == option), None)
                option = term["name"] if term else _sanitize_title(option)
            if option:
                out.append({"id": attr["id"], "name": attr["name"], "option": option})
        return out

    # ------------------------------------------------------------------ images
    def _image_plan(self, images: list, owner: str) -> list[int]:
        """Media ids for ``images`` (products) or ``[image]`` (variations), in position order.

        ``{"id": n}`` reuses a media item (400 ``woocommerce_<owner>_invalid_image_id`` when
        there is none); ``{"src": url}`` without an id downloads and sideloads the URL now (400
        ``woocommerce_<owner>_image_upload_error`` with the upload error as message). ``name``
        and ``alt`` rename the media item, as ``set_product_images`` does. A variation's image
        without id and src clears it.
        """
        positions: dict[int, int] = {}
        for index, image in enumerate(images):
            if not isinstance(image, dict):
                continue
            media_id = int(image.get("id") or 0)
            if not media_id and image.get("src"):
                media_id = self._sideload(
                    str(image["src"]), f"woocommerce_{owner}_image_upload_error"
                )["id"]
            elif not media_id and owner == "variation":
                return []
            if media_id not in self.media:
                raise ApiError(
                    400,
                    f"woocommerce_{owner}_invalid_image_id",
                    f"#{media_id} is an invalid image ID.",
                )
            media = self.media[media_id]
            if image.get("alt"):
                media["alt"] = str(image["alt"])
            if image.get("name"):
                media["name"] = str(image["name"])
            positions.setdefault(media_id, int(image.get("position", index) or 0))
        return sorted(positions, key=positions.get)

    def _sideload(self, url: str, code: str) -> dict:
        """``wc_rest_upload_image_from_url`` + ``wc_rest_set_uploaded_image_as_attachment``:
        download ``url`` (timeout 10 s), check its name and content, add it to the media library.

        The file is named after the URL path's last segment (query dropped); its extension must
        be one of ``IMAGE_MIMES`` and the bytes a real image, else "Invalid image: Sorry, you are
        not allowed to upload this file type." (a file whose extension names another image type
        is renamed, as ``wp_check_filetype_and_ext`` does); a failed download is "Error getting
        remote image <url>. Error: <reason>" (WooCommerce 9.x, through ``download_url``: the
        reason is the HTTP reason phrase, e.g. "Not Found", or curl's error text). Unlike
        WordPress's ``wp_safe_remote_get`` the emulator fetches loopback addresses too. Every
        attempt is appended to ``downloads``. The download runs under the store lock: other API
        requests wait for it (the uploaded files are served without the lock).
        """
        entry = {"url": url, "time": fmt_date(utcnow()), "status": None, "bytes": 0}
        entry.update(error=None, media_id=None)
        self.downloads.append(entry)

        def fail(message: str) -> ApiError:
            entry["error"] = message
            return ApiError(400, code, message)

        try:
            status, data, reason = _fetch(url)
        except _FetchError as exc:
            raise fail(f"Error getting remote image {url}. Error: {exc}") from None
        entry.update(status=status, bytes=len(data))
        if status != 200:
            raise fail(f"Error getting remote image {url}. Error: {reason}")
        name = unquote(url.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[-1])
        stem, dot, ext = name.rpartition(".")
        ext = ext.lower() if dot else ""
        if not data:
            raise fail("Invalid image: File is empty. Please upload something more substantial.")
        real = _image_ext(data)
        if ext not in IMAGE_MIMES or real is None:
            raise fail(f"Invalid image: {NOT_ALLOWED_TYPE}")
        if IMAGE_MIMES[real] != IMAGE_MIMES[ext]:
            ext = real
        media = self._add_media(stem, ext, data, url)
        entry["media_id"] = media["id"]
        return media

    def _add_media(self, stem: str, ext: str, data: bytes, source: str = "") -> dict:
        """A media library item stored at ``/wp-content/uploads/<year>/<month>/<file>`` (a name
        already used there gets "-1", "-2"..., as ``wp_unique_filename`` does)."""
        now = utcnow()
        local = to_local(now)
        folder = f"/wp-content/uploads/{local:%Y}/{local:%m}/"
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.") or "image"
        file_name, n = f"{stem}.{ext}", 0
        while folder + file_name in self.uploads:
            n += 1
            file_name = f"{stem}-{n}.{ext}"
        media = {
            "id": self._post_id(),
            **_dates("date_created", now),
            **_dates("date_modified", now),
            "path": folder + file_name,
            "name": file_name.rsplit(".", 1)[0],
            "alt": "",
            "mime": IMAGE_MIMES[ext],
            "url": source,
        }
        self.media[media["id"]] = media
        self.uploads[media["path"]] = data
        return media

    def _post_id(self) -> int:
        """The next WordPress post id (products, variations and media share them)."""
        self.gen.counters["product"] += 1
        return self.gen.counters["product"]

    @staticmethod
    def _refresh_price(item: dict) -> None:
        sale, now = item["sale_price"], fmt_date(utcnow())
        starts, ends = item["date_on_sale_from_gmt"], item["date_on_sale_to_gmt"]
        item["on_sale"] = bool(sale) and (not starts or starts <= now) and (not ends or now <= ends)
        item["price"] = sale if item["on_sale"] else item["regular_price"]

    def _sync_parent(self, product: dict) -> None:
        """A variable product's price and stock status follow its variations."""
        if product["type"] != "variable":
            return
        children = [self.variations[v] for v in product["variations"] if v in self.variations]
        prices = [c["price"] for c in children if c["price"]]
        product["price"] = min(prices, key=Decimal) if prices else ""  # as the child stores it
        states = {c["stock_status"] for c in children}
        product["stock_status"] = next(
            (s for s in ("instock", "onbackorder") if s in states), "outofstock"
        )

    def create_product(self, body: dict, strict: bool = False) -> dict:
        """A new product (``type`` simple by default, or variable) from an API create."""
        if not isinstance(body, dict):
            raise _bad_param("body", "The body must be an object.", "rest_invalid_type")
        pid = self.gen.next_id("product")
        source = {
            "id": pid,
            "name": str(body.get("name", "")),
            "sku": "",
            "category_ids": [],
            "tax_class": "",
            "virtual": False,
            "weight": "",
            "description": "",
            "short_description": "",
            "created": utcnow(),
            "modified": utcnow(),
            "status": "publish",
            "attributes": [],
            "variants": [],
            "type": "simple",
            "regular_price": Decimal(0),
            "sale_price": None,
            "manage_stock": False,
            "stock_quantity": None,
            "stock_status": "instock",
        }
        self._add_product(source)
        product = self.products[pid]
        product.update(regular_price="", price="", description="", short_description="")
        try:
            self.update_product(product, body, strict)
        except Exception:
            del self.products[pid]
            raise
        self._emit("product", "created", self.product_json(product))
        return product

    def create_variation(self, parent: dict, body: dict, strict: bool = False) -> dict:
        """A new variation of ``parent`` (``POST products/<id>/variations``, batch create).

        WooCommerce does not check the parent's type: a variation of a simple product is
        created, but only a variable product lists it in ``variations``.
        """
        if not isinstance(body, dict):
            raise _bad_param("body", "The body must be an object.", "rest_invalid_type")
        now = utcnow()
        variation = {
            "id": self._post_id(),
            "parent_id": parent["id"],
            **_dates("date_created", now),
            **_dates("date_modified", now),
            "description": "",
            "sku": "",
            "global_unique_id": "",
            "price": "",
            "regular_price": "",
            "sale_price": "",
            **_dates("date_on_sale_from", None),
            **_dates("date_on_sale_to", None),
            "on_sale": False,
            "status": "publish",
            "purchasable": True,
            "virtual": False,
            "downloadable": False,
            "tax_status": "taxable",
            "tax_class": parent["tax_class"],
            "manage_stock": False,
            "stock_quantity": None,
            "stock_status": "instock",
            "backorders": "no",
            "weight": "",
            "dimensions": {"length": "", "width": "", "height": ""},
            "image": None,
            "attributes": [],
            "menu_order": 0,
            "meta_data": [],
        }
        vid = variation["id"]
        self.variations[vid] = variation
        listed = parent["type"] == "variable"
        if listed:
            parent["variations"].append(vid)
        try:
            self.update_product(variation, body, strict)
        except Exception:
            del self.variations[vid]
            if listed:
                parent["variations"].remove(vid)
                self._sync_parent(parent)
            raise
        return variation

    # ------------------------------------------------------------------ terms
    def taxonomy(self, kind: str, attribute_id: int | None = None) -> tuple[dict, bool]:
        """(terms by id, hierarchical?) of "categories", "brands" or an attribute's "terms"."""
        if kind == "categories":
            return self.categories, True
        if kind == "brands":
            return self.brands, True
        if attribute_id not in self.attributes:
            raise ApiError(404, "woocommerce_rest_taxonomy_invalid", "Taxonomy does not exist.")
        return self.attribute_terms[attribute_id], False

    def _new_term(
        self, terms: dict, name: str, slug: str, parent: int, hierarchical: bool, **fields
    ):
        term = {"id": self._next("term"), "name": name}
        term["slug"] = self._unique_term_slug(terms, slug or str(term["id"]), parent, hierarchical)
        if hierarchical:
            term.update(parent=parent, description="", display="default", image=None, menu_order=0)
        else:
            term.update(description="", menu_order=0)
        term.update(fields)
        terms[term["id"]] = term
        return term

    @staticmethod
    def _unique_term_slug(terms: dict, slug: str, parent: int, hierarchical: bool, exclude=None):
        """``wp_unique_term_slug``: a child first gets its parents' slugs appended, then -2, -3."""
        taken = {t["slug"] for t in terms.values() if t["id"] != exclude}
        if slug not in taken:
            return slug
        while hierarchical and parent and slug in taken:
            slug = f"{slug}-{terms[parent]['slug']}"
            parent = terms[parent].get("parent", 0)
        n = 2
        base = slug
        while slug in taken:
            slug = f"{base}-{n}"
            n += 1
        return slug

    @staticmethod
    def _term_exists(terms, name, slug, slug_given, parent, hierarchical) -> dict | None:
        """The term ``wp_insert_term`` refuses a new one for (``term_exists``), or None: the same
        name under the same parent (hierarchical) or in the taxonomy (the others)."""
        name_match = next((t for t in terms.values() if t["name"].lower() == name.lower()), None)
        if name_match is None:
            return None
        slug_match = next((t for t in terms.values() if t["slug"] == slug), None)
        if slug_given and name_match["slug"] != slug and slug_match is None:
            return None
        if not hierarchical:
            return name_match
        siblings = [t for t in terms.values() if t.get("parent", 0) == parent]
        if not slug_given or name_match["slug"] == slug:
            same = next((t for t in siblings if t["name"] == name), None)
            if same:
                return same
        return slug_match if slug_match in siblings else None

    def _term_parent(self, terms: dict, body: dict, hierarchical: bool, default: int) -> int:
        if body.get("parent") in (None, ""):
            return default
        if not hierarchical:
            raise ApiError(
                400,
                "woocommerce_rest_taxonomy_not_hierarchical",
                "Can not set resource parent, taxonomy is not hierarchical.",
            )
        parent = int(body["parent"])
        if parent and parent not in terms:
            raise ApiError(404, "woocommerce_rest_term_invalid", "Parent resource does not exist.")
        return parent

    def create_term(self, kind: str, body, strict: bool = False, attribute_id=None) -> dict:
        """A new category, brand or attribute term (``WC_REST_Terms_Controller::create_item``):
        ``name`` (required), ``slug`` (made unique; from the name if not given), ``parent``
        (hierarchical only), ``description``, ``menu_order``; ``image`` is ignored. A name
        that exists (under the same parent) is 400 ``term_exists`` with ``resource_id``."""
        terms, hierarchical = self.taxonomy(kind, attribute_id)
        if not isinstance(body, dict):
            raise _bad_param("body", "The body must be an object.", "rest_invalid_type")
        name = str(body.get("name") or "").strip()
        if not name:
            if strict:
                raise _missing("name")
            raise ApiError(400, "empty_term_name", "A name is required for this term.")
        parent = self._term_parent(terms, body, hierarchical, 0)
        slug_given = _sanitize_title(body.get("slug") or "")
        slug = slug_given or _sanitize_title(name)
        existing = self._term_exists(terms, name, slug, slug_given, parent, hierarchical)
        if existing:
            text = TERM_EXISTS_PARENT if hierarchical else TERM_EXISTS_TAXONOMY
            raise ApiError(400, "term_exists", text, resource_id=existing["id"])
        fields = {}
        if body.get("description") is not None:
            fields["description"] = str(body["description"])
        if body.get("menu_order") not in (None, ""):
            fields["menu_order"] = int(body["menu_order"])
        return self._new_term(terms, name, slug, parent, hierarchical, **fields)

    def get_term(self, kind: str, term_id: int, attribute_id=None) -> dict:
        terms, _ = self.taxonomy(kind, attribute_id)
        term = terms.get(int(term_id))
        if term is None:
            raise ApiError(404, "woocommerce_rest_term_invalid", "Resource does not exist.")
        return term

    def update_term(self, kind: str, term_id: int, body, attribute_id=None) -> dict:
        """A partial term update (``wp_update_term``): a slug in use by another term is 400
        ``duplicate_term_slug``; a rename keeps the slug."""
        terms, hierarchical = self.taxonomy(kind, attribute_id)
        term = self.get_term(kind, term_id, attribute_id)
        if not isinstance(body, dict):
            raise _bad_param("body", "The body must be an object.", "rest_invalid_type")
        if "name" in body and not str(body["name"] or "").strip():
            raise ApiError(400, "empty_term_name", "A name is required for this term.")
        parent = self._term_parent(terms, body, hierarchical, term.get("parent", 0))
        parent = 0 if parent == term["id"] else parent
        slug = term["slug"]
        if body.get("slug"):
            slug = _sanitize_title(body["slug"])
            if any(t["slug"] == slug and t["id"] != term["id"] for t in terms.values()):
                raise ApiError(
                    400,
                    "duplicate_term_slug",
                    f"The slug &#8220;{slug}&#8221; is already in use by another term.",
                )
        if body.get("name"):
            term["name"] = str(body["name"]).strip()
        term["slug"] = slug
        if hierarchical:
            term["parent"] = parent
        if body.get("description") is not None:
            term["description"] = str(body["description"])
        if body.get("menu_order") not in (None, ""):
            term["menu_order"] = int(body["menu_order"])
        return term

    def delete_term(self, kind: str, term_id: int, attribute_id=None) -> dict:
        """Delete a term for good; its children move up to its parent, products lose it."""
        terms, _ = self.taxonomy(kind, attribute_id)
        term = self.get_term(kind, term_id, attribute_id)
        del terms[term["id"]]
        for child in terms.values():
            if child.get("parent") == term["id"]:
                child["parent"] = term.get("parent", 0)
        if attribute_id is not None:
            for product in self.products.values():
                for attr in product["attributes"]:
                    if attr["id"] == attribute_id and term["name"] in attr["options"]:
                        attr["options"].remove(term["name"])
        return term

    # ------------------------------------------------------------------ global attributes
    def _attribute_slug(self, raw, name: str, code: str, current: int = 0) -> str:
        """``wc_create_attribute``'s slug: from the name unless given, "pa_" stripped, at most
        28 characters, unused (its errors are answered with ``code``, 400)."""
        slug = re.sub(r"^pa_", "", _sanitize_title(raw)) if raw else _sanitize_title(name)
        if len(slug) > 28:
            text = f'Slug "{slug}" is too long (28 characters max). Shorten it, please.'
            raise ApiError(400, code, text)
        if any(a["slug"] == f"pa_{slug}" and a["id"] != current for a in self.attributes.values()):
            raise ApiError(400, code, f'Slug "{slug}" is already in use. Change it, please.')
        return f"pa_{slug}"

    def create_attribute(self, body, strict: bool = False) -> dict:
        """A new global attribute {name, slug, type, order_by, has_archives}; a slug in use is
        400 ``woocommerce_rest_cannot_create`` 'Slug "color" is already in use. Change it,
        please.' (``wc_create_attribute``'s text, the slug without "pa_")."""
        if not isinstance(body, dict):
            raise _bad_param("body", "The body must be an object.", "rest_invalid_type")
        code = "woocommerce_rest_cannot_create"
        name = str(body.get("name") or "").strip()
        if not name:
            if strict:
                raise _missing("name")
            raise ApiError(400, code, "Please, provide an attribute name.")
        values = self._attribute_values(body, strict)
        slug = self._attribute_slug(body.get("slug"), name, code)
        attribute = {"id": self._next("attribute"), "name": name, "slug": slug}
        attribute.update({"type": "select", "order_by": "menu_order", "has_archives": False})
        attribute.update(values)
        self.attributes[attribute["id"]] = attribute
        self.attribute_terms[attribute["id"]] = {}
        return attribute

    @staticmethod
    def _attribute_values(body: dict, strict: bool) -> dict:
        values = {}
        if body.get("type"):
            values["type"] = _enum("type", body["type"], ["select"]) if strict else body["type"]
        if body.get("order_by"):
            allowed = ["menu_order", "name", "name_num", "id"]
            values["order_by"] = _enum("order_by", body["order_by"], allowed)
        if "has_archives" in body:
            values["has_archives"] = _bool("has_archives", body["has_archives"])
        return values

    def get_attribute(self, attribute_id: int) -> dict:
        attribute = self.attributes.get(int(attribute_id))
        if attribute is None:
            raise ApiError(404, "woocommerce_rest_attribute_invalid", "Resource does not exist.")
        return attribute

    def update_attribute(self, attribute_id: int, body, strict: bool = False) -> dict:
        """A partial attribute update; a new slug must be unused (400 ``cannot_edit``)."""
        attribute = self.get_attribute(attribute_id)
        if not isinstance(body, dict):
            raise _bad_param("body", "The body must be an object.", "rest_invalid_type")
        values = self._attribute_values(body, strict)
        if body.get("slug"):
            code = "woocommerce_rest_cannot_edit"
            values["slug"] = self._attribute_slug(body["slug"], "", code, attribute["id"])
        if body.get("name"):
            values["name"] = str(body["name"]).strip()
        attribute.update(values)
        for product in self.products.values():  # products show the attribute's current name
            for attr in product["attributes"]:
                if attr["id"] == attribute["id"]:
                    attr.update(name=attribute["name"], slug=attribute["slug"])
        return attribute

    def delete_attribute(self, attribute_id: int) -> dict:
        """Delete a global attribute with its terms; products lose it."""
        attribute = self.get_attribute(attribute_id)
        del self.attributes[attribute["id"]]
        del self.attribute_terms[attribute["id"]]
        for product in self.products.values():
            product["attributes"] = [a for a in product["attributes"] if a["id"] != attribute["id"]]
        return attribute

    # ------------------------------------------------------------------ customers
    def _email_owner(self, email: str) -> int | None:
        email = email.strip().lower()
        return next((c["id"] for c in self.customers.values() if c["email"].lower() == email), None)

    def _check_customer_body(self, body) -> None:
        if not isinstance(body, dict):
            raise _bad_param("body", "The body must be an object.", "rest_invalid_type")
        for key in ("billing", "shipping"):
            if key in body and not isinstance(body[key], dict):
                raise _bad_param(key, f"{key} is not of type object.", "rest_invalid_type")
        billing_email = (body.get("billing") or {}).get("email")
        if billing_email and not EMAIL.fullmatch(str(billing_email)):
            raise ApiError(400, "customer_invalid_billing_email", "Invalid billing email address")

    def create_customer(self, body, strict: bool = False) -> dict:
        """A new customer (``WC_REST_Customers_Controller::create_item`` through
        ``wc_create_new_customer``): ``email`` required, valid and unused (400
        ``registration-error-email-exists``); ``username`` made from the email's local part when
        not given (unique: "-0001"... appended), a given one must be unused; ``password`` is
        accepted and not kept; ``first_name``, ``last_name``, ``billing``, ``shipping``,
        ``meta_data``."""
        self._check_customer_body(body)
        if body.get("id"):
            raise ApiError(
                400, "woocommerce_rest_customer_exists", "Cannot create existing resource."
            )
        email = str(body.get("email") or "").strip()
        if strict and not email:
            raise _missing("email")
        if strict and not EMAIL.fullmatch(email):
            raise _bad_param("email", "Invalid email address.", "rest_invalid_email")
        if not EMAIL.fullmatch(email):
            raise ApiError(
                400, "registration-error-invalid-email", "Please provide a valid email address."
            )
        if self._email_owner(email):
            raise ApiError(400, "registration-error-email-exists", EMAIL_EXISTS)
        taken = {c["username"].lower() for c in self.customers.values()}
        if body.get("username"):
            username = _sanitize_user(body["username"])
            if not username:
                raise ApiError(
                    400,
                    "registration-error-invalid-username",
                    "Please enter a valid account username.",
                )
            if username.lower() in taken:
                raise ApiError(400, "registration-error-username-exists", USERNAME_EXISTS)
        else:  # wc_create_new_customer_username
            local, _, domain = email.partition("@")
            if local in ("sales", "hello", "mail", "contact", "info"):
                local = domain
            base = username = _sanitize_user(local).lower() or "customer"
            while username in taken:
                username = f"{base}-{self._next('username'):04d}"
        self.gen.counters["customer"] += 1
        now = utcnow()
        customer = {
            "id": self.gen.counters["customer"],
            **_dates("date_created", now),
            **_dates("date_modified", now),
            "email": email,
            "first_name": "",
            "last_name": "",
            "role": "customer",
            "username": username,
            "billing": dict.fromkeys(ADDRESS_FIELDS, ""),
            "shipping": {k: "" for k in ADDRESS_FIELDS if k != "email"},
            "is_paying_customer": False,
            "avatar_url": "https://secure.gravatar.com/avatar/"
            + hashlib.md5(email.lower().encode()).hexdigest()
            + "?s=96&d=mm&r=g",
            "meta_data": [],
        }
        self._apply_customer(customer, body)
        self.customers[customer["id"]] = customer
        self._emit("customer", "created", self.customer_json(customer))
        return customer

    def get_customer(self, customer_id: int, status: int = 404) -> dict:
        customer = self.customers.get(int(customer_id))
        if customer is None:
            raise ApiError(status, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return customer

    def update_customer(self, customer: dict, body, strict: bool = False) -> dict:
        """A partial customer update: the username cannot change, a new email must be valid and
        unused (400 ``woocommerce_rest_customer_invalid_email``)."""
        self._check_customer_body(body)
        if body.get("username") and body["username"] != customer["username"]:
            raise ApiError(
                400, "woocommerce_rest_customer_invalid_argument", "Username isn't editable."
            )
        email = str(body.get("email") or "").strip()
        if email and email != customer["email"]:
            if strict and not EMAIL.fullmatch(email):
                raise _bad_param("email", "Invalid email address.", "rest_invalid_email")
            if not EMAIL.fullmatch(email) or self._email_owner(email) not in (None, customer["id"]):
                raise ApiError(
                    400, "woocommerce_rest_customer_invalid_email", "Email address is invalid."
                )
            customer["email"] = email
        self._apply_customer(customer, body)
        self._bump(customer)
        self._emit("customer", "updated", self.customer_json(customer))
        return customer

    def _apply_customer(self, customer: dict, body: dict) -> None:
        for key in ("first_name", "last_name"):
            if key in body:
                customer[key] = "" if body[key] is None else str(body[key])
        for key in ("billing", "shipping"):
            allowed = [f for f in ADDRESS_FIELDS if key == "billing" or f != "email"]
            for name, value in (body.get(key) or {}).items():
                if name in allowed:
                    customer[key][name] = "" if value is None else str(value)
        if isinstance(body.get("meta_data"), list):
            self._update_meta(customer, body["meta_data"])

    def record(self, kind: str, method: str, path: str, ids: dict, body) -> dict:
        """Remember an API write: ``{"seq", "time", "kind", "method", "path", "ids", "body",
        "status"}``; ``status`` is the HTTP status it was answered with."""
        entry = {
            "seq": self._next("seq"),
            "time": fmt_date(utcnow()),
            "kind": kind,
            "method": method,
            "path": path,
            "ids": ids,
            "body": body,
            "status": None,
        }
        self.received.append(entry)
        return entry

    def product_writes(self) -> list[dict]:
        """Product and variation updates received through PUTs and batches, flattened:
        ``{"product_id", "variation_id", "changes", "kind", "status"}`` in arrival order."""
        out = []
        for entry in self.received:
            kind, ids, body = entry["kind"], entry["ids"], entry["body"]
            if kind in ("product_update", "variation_update"):
                out.append((ids["product_id"], ids.get("variation_id", 0), body, kind, entry))
            elif kind in ("product_batch", "variation_batch") and isinstance(body, dict):
                for item in body.get("update") or []:
                    if kind == "product_batch":
                        out.append((item.get("id"), 0, item, kind, entry))
                    else:
                        out.append((ids["product_id"], item.get("id"), item, kind, entry))
        return [
            {"product_id": p, "variation_id": v, "changes": c, "kind": k, "status": e["status"]}
            for p, v, c, k, e in out
        ]

    def summary(self) -> dict:
        """Counts for ``GET /_emulator/``."""
        with self.lock:
            by_status: dict[str, int] = {}
            for order in self.orders.values():
                by_status[order["status"]] = by_status.get(order["status"], 0) + 1
            return {
                **self.config,
                "api": f"{self.site_url}{NS}/",
                "orders": len(self.orders),
                "orders_by_status": dict(sorted(by_status.items())),
                "products": len(self.products),
                "variations": len(self.variations),
                "customers": len(self.customers),
                "categories": len(self.categories),
                "brands": len(self.brands),
                "attributes": len(self.attributes),
                "media": len(self.media),
                "downloads": len(self.downloads),
                "received": len(self.received),
                "webhooks": len(self.webhooks),
            }

    # ------------------------------------------------------------------ webhooks
    def add_webhook(
        self,
        delivery_url: str,
        topic: str,
        secret: str = "",
        name: str = "",
        status: str = "active",
    ) -> dict:
        """Subscribe ``delivery_url`` to ``topic`` (e.g. "order.updated"); WooCommerce pings it."""
        if not WEBHOOK_TOPIC.fullmatch(topic or ""):
            raise ApiError(
                400,
                "woocommerce_rest_webhook_invalid_topic",
                "Webhook topic is required and must be valid.",
            )
        with self.lock:
            now = utcnow()
            resource, event = topic.split(".")
            hook = {
                "id": self._next("webhook"),
                "name": name or f"Webhook created on {fmt_date(now)}",
                "status": status,
                "topic": topic,
                "resource": resource,
                "event": event,
                "hooks": [f"woocommerce_{event}_{resource}"],
                "delivery_url": delivery_url,
                "secret": secret,
                "failure_count": 0,
                **_dates("date_created", now),
                **_dates("date_modified", now),
            }
            self.webhooks[hook["id"]] = hook
            self._deliveries().put((hook, f"webhook_id={hook['id']}".encode(), True))
            return hook

    def _emit(self, resource: str, event: str, payload: dict) -> None:
        """Queue deliveries of ``payload`` to the active webhooks of the topic."""
        topic = f"{resource}.{event}"
        hooks = [
            h for h in self.webhooks.values() if h["status"] == "active" and h["topic"] == topic
        ]
        if hooks:
            body = json.dumps(payload, separators=(",", ":")).encode()
            for hook in hooks:
                self._deliveries().put((hook, body, False))

    def _send_loop(self, jobs: queue.Queue) -> None:
        while (job := jobs.get()) is not None:
            hook, body, ping = job
            headers = {"User-Agent": f"WooCommerce/{WC_VERSION} Hookshot (WordPress/{WP_VERSION})"}
            if ping:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                headers.update(
                    {
                        "Content-Type": "application/json",
                        "X-WC-Webhook-Source": f"{self.site_url}/",
                        "X-WC-Webhook-Topic": hook["topic"],
                        "X-WC-Webhook-Resource": hook["resource"],
                        "X-WC-Webhook-Event": hook["event"],
                        "X-WC-Webhook-Signature": webhook_signature(body, hook["secret"]),
                        "X-WC-Webhook-ID": str(hook["id"]),
                        "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
                    }
                )
            record = {
                "webhook_id": hook["id"],
                "topic": hook["topic"],
                "ping": ping,
                "time": time.time(),
            }
            # Any failure counts, as in WooCommerce.
            record.update(deliver(hook["delivery_url"], body, headers))
            ok = record["status"] is not None and 200 <= record["status"] < 300
            with self.lock:
                self.webhook_deliveries.append(record)
                hook["failure_count"] = 0 if ok else hook["failure_count"] + 1
                if hook["failure_count"] >= 5:  # WooCommerce disables after 5 failures in a row
                    hook["status"] = "disabled"


class Api:
    """The wc/v3 routes: authentication, parameters, paging, errors; handlers use ``Store``."""

    def __init__(self, store: Store, consumer_key: str, consumer_secret: str):
        self.store = store
        self.key, self.secret = consumer_key.encode(), consumer_secret.encode()
        r = self.router = Router()
        edit = "PUT|PATCH|POST"
        order, product = rf"{NS}/orders/(?P<order_id>\d+)", rf"{NS}/products/(?P<product_id>\d+)"
        variation = rf"{product}/variations/(?P<variation_id>\d+)"
        r.add("GET", r"/wp-json", self.index)
        r.add("GET", NS, self.namespace_index)
        r.add("GET", rf"{NS}/system_status", self.system_status)
        r.add("GET", rf"{NS}/orders", self.list_orders)
        r.add(edit, rf"{NS}/orders/batch", self.batch_orders, "order_batch")
        r.add("GET", order, self.get_order)
        r.add(edit, order, self.update_order, "order_update")
        r.add("GET", rf"{order}/notes", self.list_notes)
        r.add("POST", rf"{order}/notes", self.create_note, "order_note")
        r.add("GET", rf"{order}/notes/(?P<note_id>\d+)", self.get_note)
        r.add("DELETE", rf"{order}/notes/(?P<note_id>\d+)", self.delete_note, "order_note_delete")
        r.add("GET", rf"{NS}/products", self.list_products)
        r.add("POST", rf"{NS}/products", self.create_product, "product_create")
        r.add(edit, rf"{NS}/products/batch", self.batch_products, "product_batch")
        # Categories, brands (WooCommerce 9.4+) and attribute terms share the terms controller.
        attributes = rf"{NS}/products/attributes"
        for base, name in (
            (rf"{NS}/products/(?P<kind>categories)", "category"),
            (rf"{NS}/products/(?P<kind>brands)", "brand"),
            (rf"{attributes}/(?P<attribute_id>\d+)/(?P<kind>terms)", "attribute_term"),
        ):
            term = rf"{base}/(?P<term_id>\d+)"
            r.add("GET", base, self.list_terms)
            r.add("POST", base, self.create_term, f"{name}_create")
            r.add(edit, rf"{base}/batch", self.batch_terms, f"{name}_batch")
            r.add("GET", term, self.get_term)
            r.add(edit, term, self.update_term, f"{name}_update")
            r.add("DELETE", term, self.delete_term, f"{name}_delete")
        attribute = rf"{attributes}/(?P<attribute_id>\d+)"
        r.add("GET", attributes, self.list_attributes)
        r.add("POST", attributes, self.create_attribute, "attribute_create")
        r.add(edit, rf"{attributes}/batch", self.batch_attributes, "attribute_batch")
        r.add("GET", attribute, self.get_attribute)
        r.add(edit, attribute, self.update_attribute, "attribute_update")
        r.add("DELETE", attribute, self.delete_attribute, "attribute_delete")
        r.add("GET", product, self.get_product)
        r.add(edit, product, self.update_product, "product_update")
        r.add("DELETE", product, self.delete_product, "product_delete")
        r.add("GET", rf"{product}/variations", self.list_variations)
        r.add("POST", rf"{product}/variations", self.create_variation, "variation_create")
        r.add(edit, rf"{product}/variations/batch", self.batch_variations, "variation_batch")
        r.add("GET", variation, self.get_variation)
        r.add(edit, variation, self.update_variation, "variation_update")
        customer = rf"{NS}/customers/(?P<customer_id>\d+)"
        r.add("GET", rf"{NS}/customers", self.list_customers)
        r.add("POST", rf"{NS}/customers", self.create_customer, "customer_create")
        r.add(edit, rf"{NS}/customers/batch", self.batch_customers, "customer_batch")
        r.add("GET", customer, self.get_customer)
        r.add(edit, customer, self.update_customer, "customer_update")
        r.add("DELETE", customer, self.delete_customer, "customer_delete")
        r.add("GET", rf"{NS}/taxes", self.list_taxes)
        r.add(
            "GET",
            rf"{NS}/taxes/classes",
            lambda req: [{"slug": s, "name": n} for s, n in TAX_CLASSES],
        )
        r.add("GET", rf"{NS}/settings/(?P<group>[\w-]+)", self.settings)
        r.add("GET", rf"{NS}/payment_gateways", self.payment_gateways)
        r.add("GET", rf"{NS}/shipping_methods", self.shipping_methods)
        r.add("GET", rf"{NS}/webhooks", self.list_webhooks)
        r.add("POST", rf"{NS}/webhooks", self.create_webhook, "webhook_create")
        r.add("GET", rf"{NS}/webhooks/(?P<webhook_id>\d+)", self.get_webhook)
        r.add(edit, rf"{NS}/webhooks/(?P<webhook_id>\d+)", self.update_webhook, "webhook_update")
        r.add(
            "DELETE", rf"{NS}/webhooks/(?P<webhook_id>\d+)", self.delete_webhook, "webhook_delete"
        )
        r.add("GET", r"/wp-content/uploads/(?P<path>.+)", self.serve_upload)
        self.public = {self.index, self.namespace_index, self.serve_upload}

    # ------------------------------------------------------------------ dispatch
    def handle(self, req) -> Response:
        """Authenticate, route, run the handler under the store lock, encode the answer."""
        try:
            authenticated = self._authenticate(req)
            handler, groups, record = self.router.match(req.method, req.path)
            if groups.get("kind") == "brands" and not self.store.config["brands"]:
                raise _no_route()  # a store without WooCommerce Brands has no such route
            if handler == self.serve_upload:  # files: no lock (the store may be fetching one)
                return handler(req, **groups)
            if handler not in self.public and not authenticated:
                raise self._forbidden(req.method)
            with self.store.lock:
                entry = None
                if record:
                    try:
                        body = req.json()
                    except ApiError:
                        body = req.body.decode("utf-8", "replace")
                    entry = self.store.record(record, req.method, req.path, groups, body)
                try:
                    result = handler(req, **groups)
                except ApiError as exc:
                    if entry:
                        entry["status"] = exc.status
                    raise
                response = result if isinstance(result, Response) else Response(200, result)
                if entry:
                    entry["status"] = response.status
                response.body = self._only_fields(req, response.body)
                response.body = response.payload()  # encoded while the store cannot change
                return response
        except ApiError as exc:
            return Response(exc.status, exc.body())
        except Exception as exc:  # a bug or bad input we did not foresee: answer like PHP would
            traceback.print_exc()
            return Response(
                500, {"code": "internal_server_error", "message": str(exc), "data": {"status": 500}}
            )

    def _authenticate(self, req) -> bool:
        """True with valid keys; 401 with wrong ones; False when none were sent."""
        if not req.path.startswith("/wp-json/wc/"):
            return False
        header = req.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                key = secret = ""
        elif req.arg("consumer_key") is not None or req.arg("consumer_secret") is not None:
            key, secret = req.arg("consumer_key", ""), req.arg("consumer_secret", "")
        else:
            return False
        code = "woocommerce_rest_authentication_error"
        if not key:
            raise ApiError(401, code, "Consumer key is missing.")
        if not hmac.compare_digest(key.encode(), self.key):
            raise ApiError(401, code, "Consumer key is invalid.")
        if not hmac.compare_digest(secret.encode(), self.secret):
            raise ApiError(401, code, "Consumer secret is invalid.")
        return True

    @staticmethod
    def _forbidden(method: str) -> ApiError:
        code, message = {
            "GET": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
            "POST": (
                "woocommerce_rest_cannot_create",
                "Sorry, you are not allowed to create resources.",
            ),
            "DELETE": (
                "woocommerce_rest_cannot_delete",
                "Sorry, you are not allowed to delete this resource.",
            ),
        }.get(
            method,
            ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
        )
        return ApiError(401, code, message)

    @staticmethod
    def _only_fields(req, body):
        """WordPress's ``_fields=a,b`` (top-level keys)."""
        wanted = {
            f.strip() for v in req.query.get("_fields", []) for f in v.split(",") if f.strip()
        }
        if not wanted:
            return body
        if isinstance(body, list):
            return [
                {k: v for k, v in i.items() if k in wanted} if isinstance(i, dict) else i
                for i in body
            ]
        return {k: v for k, v in body.items() if k in wanted} if isinstance(body, dict) else body

    def fault_response(self, fault) -> Response:
        """The answer of an injected 429/5xx: a JSON error like WordPress/hosts send."""
        code, message = {
            "429": ("too_many_requests", "Too Many Requests"),
            "500": (
                "internal_server_error",
                "<p>There has been a critical error on this website.</p>",
            ),
            "502": ("bad_gateway", "Bad Gateway"),
            "503": (
                "service_unavailable",
                "Service temporarily unavailable, please try again later.",
            ),
        }[fault.kind]
        retry_after = 1 if fault.retry_after is None else fault.retry_after
        headers = {"Retry-After": str(retry_after)} if fault.kind in ("429", "503") else {}
        status = int(fault.kind)
        return Response(
            status, {"code": code, "message": message, "data": {"status": status}}, headers
        )

    # ------------------------------------------------------------------ parameters
    @staticmethod
    def int_param(req, name: str, default=None, minimum=None, maximum=None):
        """An integer query argument validated like WordPress's collection params."""
        raw = req.arg(name)
        if raw is None or raw == "":
            return default
        try:
            value = Decimal(raw)
            if value != value.to_integral_value():
                raise InvalidOperation
        except InvalidOperation:
            raise _bad_param(name, f"{name} is not of type integer.", "rest_invalid_type") from None
        value = int(value)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            if maximum is not None:
                text = f"{name} must be between {minimum} (inclusive) and {maximum} (inclusive)"
            else:
                text = f"{name} must be greater than or equal to {minimum}"
            raise _bad_param(name, text, "rest_out_of_bounds")
        return value

    @staticmethod
    def list_param(req, name: str, allowed=None, integer=False) -> list:
        """An array argument: ``name[]=a&name[]=b`` or ``name=a,b``."""
        values = [v.strip() for raw in req.query.get(name, []) for v in raw.split(",") if v.strip()]
        for index, value in enumerate(values):
            if integer and not value.isdigit():
                raise _bad_param(
                    name, f"{name}[{index}] is not of type integer.", "rest_invalid_type"
                )
            if allowed and value not in allowed:
                text = f"{name}[{index}] is not one of {', '.join(allowed)}."
                raise _bad_param(name, text, "rest_not_in_enum")
        return [int(v) for v in values] if integer else values

    @staticmethod
    def enum_param(req, name: str, allowed, default):
        """A single value out of ``allowed``."""
        value = req.arg(name) or default
        if value not in allowed:
            raise _bad_param(
                name, f"{name} is not one of {', '.join(allowed)}.", "rest_not_in_enum"
            )
        return value

    @staticmethod
    def date_param(req, name: str, gmt: bool) -> str | None:
        """An ISO 8601 date as a comparable string in the frame compared against.

        Without a zone it is taken as given (local, or GMT with ``dates_are_gmt``); with a zone
        (``Z``, ``+02:00``) it is converted to that frame.
        """
        raw = req.arg(name)
        if not raw:
            return None
        pattern = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}(:?\d{2})?)?"
        if not re.fullmatch(pattern, raw):
            raise _bad_param(name, "Invalid date.", "rest_invalid_date")
        text = raw.upper().replace(" ", "T").replace("Z", "+00:00")
        if re.search(r"[+-]\d{2}$", text):
            text += ":00"
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.replace(tzinfo=None) - moment.utcoffset()
            moment = moment if gmt else to_local(moment)
        return fmt_date(moment)

    def collection(self, req, items: list, render, orderby: dict, default=("date", "desc")):
        """include/exclude, ordering and paging shared by every list endpoint.

        ``orderby`` maps each accepted value to a sort key; "include" keeps the include order.
        """
        by = self.enum_param(req, "orderby", [*orderby, "include"], default[0])
        direction = self.enum_param(req, "order", ["asc", "desc"], default[1])
        include = self.list_param(req, "include", integer=True)
        exclude = set(self.list_param(req, "exclude", integer=True))
        items = [i for i in items if (not include or i["id"] in include) and i["id"] not in exclude]
        if by == "include" and include:
            items.sort(key=lambda i: include.index(i["id"]))
        else:
            items.sort(key=orderby.get(by, lambda i: i["id"]), reverse=direction == "desc")
        return self.paginate(req, items, render)

    def paginate(self, req, items: list, render) -> Response:
        """One page plus ``X-WP-Total``, ``X-WP-TotalPages`` and a ``Link`` header."""
        per_page = self.int_param(req, "per_page", 10, 1, 100)
        page = self.int_param(req, "page", 1, 1)
        offset = self.int_param(req, "offset", None, 0)
        total = len(items)
        pages = math.ceil(total / per_page)
        start = offset if offset is not None else (page - 1) * per_page
        body = [render(i) for i in items[start : start + per_page]]

        def link(number: int, rel: str) -> str:
            # Same arguments as the request (keys included, like WooCommerce), page replaced.
            pairs = [(k, str(number) if k == "page" else v) for k, v in req.query_pairs]
            if "page" not in {k for k, _ in pairs}:
                pairs.append(("page", str(number)))
            return f'<{req.base_url}{req.path}?{urlencode(pairs)}>; rel="{rel}"'

        links = []
        if pages:
            links.append(link(1, "first"))
            if page > 1:
                links.append(link(min(page - 1, pages), "prev"))
            if page < pages:
                links.append(link(page + 1, "next"))
            links.append(link(pages, "last"))
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        if links:
            headers["Link"] = ", ".join(links)
        return Response(200, body, headers)

    @staticmethod
    def check_batch(body) -> dict:
        """A batch body, refused with 413 above the item limit (create+update+delete)."""
        if not isinstance(body, dict):
            raise _bad_param("create", "Batch body must be an object.", "rest_invalid_type")
        count = sum(len(body.get(k) or []) for k in ("create", "update", "delete"))
        if count > BATCH_LIMIT:
            raise ApiError(
                413,
                "woocommerce_rest_request_entity_too_large",
                f"Unable to accept more than {BATCH_LIMIT} items for this request.",
            )
        return body

    @staticmethod
    def batch_item(item_id, action):
        """Run one batch item; an error becomes WooCommerce's per-item error object."""
        try:
            return action()
        except (AttributeError, TypeError, ValueError) as exc:  # not an object, odd values
            error = _bad_param("item", str(exc), "rest_invalid_type")
        except ApiError as exc:
            error = exc
        data = {"status": error.status, **error.data}
        return {
            "id": item_id,
            "error": {"code": error.code, "message": error.message, "data": data},
        }

    # ------------------------------------------------------------------ site
    def index(self, req):
        """``GET /wp-json/``: the WordPress API index (public)."""
        site = self.store.site_url
        routes = {}
        for methods, regex, _, _ in self.router.routes:
            route = regex.pattern.removeprefix("/wp-json") or "/"
            if route.startswith("/wp-content"):
                continue
            if "(?P<kind>brands)" in route and not self.store.config["brands"]:
                continue
            entry = routes.setdefault(
                route, {"namespace": "wc/v3" if route != "/" else "", "methods": []}
            )
            entry["methods"] = sorted({*entry["methods"], *methods})
        return {
            "name": "StoreSync Demo Shop",
            "description": "Emulated WooCommerce store",
            "url": site,
            "home": site,
            "gmt_offset": int(store_offset(utcnow()).total_seconds() // 3600),
            "timezone_string": "Europe/Budapest",
            "namespaces": ["oembed/1.0", "wc/v1", "wc/v2", "wc/v3", "wc/store/v1", "wp/v2"],
            "authentication": {},
            "routes": routes,
            "site_logo": 0,
            "site_icon": 0,
            "site_icon_url": "",
        }

    def namespace_index(self, req):
        """``GET /wp-json/wc/v3``."""
        return {
            "namespace": "wc/v3",
            "routes": {k: v for k, v in self.index(req)["routes"].items() if k.startswith("/wc")},
        }

    def system_status(self, req):
        """``GET system_status``: what "Test connection" reads (version, URLs, currency)."""
        s, cfg = self.store, self.store.config
        counts = [
            {"type": "product", "count": len(s.products)},
            {"type": "product_variation", "count": len(s.variations)},
            {"type": "shop_order", "count": len(s.orders)},
        ]
        return {
            "environment": {
                "home_url": s.site_url,
                "site_url": s.site_url,
                "version": WC_VERSION,
                "log_directory": "/var/www/html/wp-content/uploads/wc-logs/",
                "log_directory_writable": True,
                "wp_version": WP_VERSION,
                "wp_multisite": False,
                "wp_memory_limit": 268435456,
                "wp_debug_mode": False,
                "wp_cron": True,
                "language": "hu_HU",
                "server_info": "Apache/2.4.62 (Debian)",
                "php_version": "8.2.24",
                "php_post_max_size": 67108864,
                "php_max_execution_time": 300,
                "php_max_input_vars": 5000,
                "curl_version": "8.10.1, OpenSSL/3.0.15",
                "suhosin_installed": False,
                "max_upload_size": 67108864,
                "mysql_version": "10.11.9",
                "default_timezone": "UTC",
                "fsockopen_or_curl_enabled": True,
                "soapclient_enabled": False,
                "domdocument_enabled": True,
                "gzip_enabled": True,
                "mbstring_enabled": True,
                "remote_post_successful": True,
                "remote_post_response": 200,
                "remote_get_successful": True,
                "remote_get_response": 200,
            },
            "database": {"wc_database_version": WC_VERSION, "database_prefix": "wp_"},
            "active_plugins": [
                {
                    "plugin": "woocommerce/woocommerce.php",
                    "name": "WooCommerce",
                    "version": WC_VERSION,
                    "version_latest": WC_VERSION,
                    "url": "https://woocommerce.com/",
                    "author_name": "Automattic",
                    "author_url": "https://woocommerce.com",
                    "network_activated": False,
                }
            ],
            "theme": {"name": "Storefront", "version": "4.6.0", "has_woocommerce_support": True},
            "settings": {
                "api_enabled": True,
                "force_ssl": False,
                "currency": cfg["currency"],
                "currency_symbol": CURRENCY_SYMBOLS.get(cfg["currency"], cfg["currency"]),
                "currency_position": "right_space",
                "thousand_separator": " ",
                "decimal_separator": ",",
                "number_of_decimals": cfg["price_decimals"],
                "geolocation_enabled": False,
                "taxonomies": {
                    "external": "external",
                    "grouped": "grouped",
                    "simple": "simple",
                    "variable": "variable",
                },
            },
            "security": {"secure_connection": s.site_url.startswith("https"), "hide_errors": True},
            "pages": [],
            "post_type_counts": counts,
        }

    def settings(self, req, group):
        """``GET settings/general`` and ``settings/tax`` (the values the connector may need)."""
        cfg = self.store.config
        yes_no = {True: "yes", False: "no"}
        values = {
            "general": {
                "woocommerce_default_country": "HU",
                "woocommerce_currency": cfg["currency"],
                "woocommerce_price_num_decimals": str(cfg["price_decimals"]),
                "woocommerce_calc_taxes": "yes",
                "woocommerce_enable_coupons": "yes",
            },
            "tax": {
                "woocommerce_prices_include_tax": "yes" if cfg["prices_include_tax"] else "no",
                "woocommerce_tax_based_on": "shipping",
                "woocommerce_shipping_tax_class": "inherit",
                "woocommerce_tax_round_at_subtotal": yes_no[cfg["tax_round_at_subtotal"]],
                "woocommerce_tax_display_shop": "incl",
                "woocommerce_tax_display_cart": "incl",
                "woocommerce_tax_total_display": "itemized",
            },
        }.get(group)
        if values is None:
            raise ApiError(404, "rest_setting_setting_group_invalid", "Invalid setting group.")
        return [
            {"id": k, "label": k, "description": "", "type": "text", "default": "", "value": v}
            for k, v in values.items()
        ]

    def payment_gateways(self, req):
        """``GET payment_gateways``: the methods orders use, all enabled."""
        return [
            {
                "id": gid,
                "title": title,
                "description": "",
                "order": index,
                "enabled": True,
                "method_title": title,
                "method_description": "",
                "method_supports": ["products"],
                "settings": {},
            }
            for index, (gid, (title, _)) in enumerate(PAYMENTS.items())
        ]

    def shipping_methods(self, req):
        """``GET shipping_methods``."""
        methods = [
            ("flat_rate", "Flat rate"),
            ("free_shipping", "Free shipping"),
            ("local_pickup", "Local pickup"),
        ]
        return [{"id": i, "title": t, "description": f"{t} shipping."} for i, t in methods]

    def list_taxes(self, req):
        """``GET taxes``: the tax table with stable ids."""
        wanted = req.arg("class")
        rows = [
            {
                "id": r.id,
                "country": r.country,
                "state": r.state,
                "postcode": "",
                "city": "",
                "postcodes": [],
                "cities": [],
                "rate": f"{r.percent:.4f}",
                "name": r.name,
                "priority": r.priority,
                "compound": r.compound,
                "shipping": r.shipping,
                "order": r.id,
                "class": r.tax_class or "standard",
            }
            for r in TAX_RATES
        ]
        rows = [r for r in rows if not wanted or r["class"] == wanted]
        keys = {
            "id": lambda r: r["id"],
            "order": lambda r: r["order"],
            "priority": lambda r: r["priority"],
        }
        return self.collection(req, rows, lambda r: r, keys, ("order", "asc"))

    # ------------------------------------------------------------------ orders
    def list_orders(self, req):
        """``GET orders`` with WooCommerce's filters (see the module docs for dates)."""
        statuses = self.list_param(req, "status", ["any", *WRITABLE_STATUSES]) or ["any"]
        gmt = _bool("dates_are_gmt", req.arg("dates_are_gmt", "false"))
        sfx = "_gmt" if gmt else ""
        bounds = [
            (self.date_param(req, name, gmt), field, sign)
            for name, field, sign in (
                ("after", "date_created", 1),
                ("before", "date_created", -1),
                ("modified_after", "date_modified", 1),
                ("modified_before", "date_modified", -1),
            )
        ]
        customer = self.int_param(req, "customer")
        product = self.int_param(req, "product")
        parents = self.list_param(req, "parent", integer=True)
        search = (req.arg("search") or "").strip().lower()
        items = []
        for o in self.store.orders.values():
            if "any" in statuses:
                if o["status"] in ("trash", "checkout-draft"):
                    continue
            elif o["status"] not in statuses:
                continue
            if any(b and not (o[f + sfx] > b if s > 0 else o[f + sfx] < b) for b, f, s in bounds):
                continue
            if customer is not None and o["customer_id"] != customer:
                continue
            if product and all(li["product_id"] != product for li in o["line_items"]):
                continue
            if parents and o["parent_id"] not in parents:
                continue
            if search and search not in self._haystack(o):
                continue
            items.append(o)
        by_date = lambda o: (o["date_created_gmt"], o["id"])  # noqa: E731
        keys = {
            "date": by_date,
            "id": lambda o: o["id"],
            "title": by_date,
            "slug": by_date,
            "modified": lambda o: (o["date_modified_gmt"], o["id"]),
        }
        return self.collection(req, items, self.store.order_json, keys)

    @staticmethod
    def _haystack(order: dict) -> str:
        parts = [order["number"], *order["billing"].values(), *order["shipping"].values()]
        parts += [f"{li['name']} {li['sku']}" for li in order["line_items"]]
        return " ".join(str(p) for p in parts).lower()

    def get_order(self, req, order_id):
        """``GET orders/<id>``."""
        return self.store.order_json(self.store.get_order(order_id))

    def update_order(self, req, order_id):
        """``PUT orders/<id>``: status, customer_note, addresses, meta_data, set_paid..."""
        order = self.store.get_order(order_id, status=400)
        body = req.json()
        if not isinstance(body, dict):
            raise _bad_param("body", "The body must be an object.", "rest_invalid_type")
        return self.store.order_json(self.store.update_order(order, body))

    def batch_orders(self, req):
        """``POST orders/batch``: update and delete (trash); creating orders is not emulated."""
        body = self.check_batch(req.json())
        store, out = self.store, {}
        if body.get("create"):
            unsupported = ApiError(
                501,
                "woocommerce_rest_emulator_unsupported",
                "The emulator does not create orders through the API; use POST /_emulator/orders.",
            )
            out["create"] = [self.batch_item(0, lambda: _fail(unsupported)) for _ in body["create"]]
        if body.get("update"):
            out["update"] = [
                self.batch_item(
                    _item_id(item),
                    lambda item=item: store.order_json(
                        store.update_order(store.get_order(_item_id(item), status=400), item)
                    ),
                )
                for item in body["update"]
            ]
        if body.get("delete"):
            out["delete"] = [
                self.batch_item(oid, lambda oid=oid: self._trash_order(oid))
                for oid in body["delete"]
            ]
        return out

    def _trash_order(self, order_id) -> dict:
        order = self.store.get_order(order_id)
        self.store.update_order(order, {"status": "trash"})
        return self.store.order_json(order)

    def list_notes(self, req, order_id):
        """``GET orders/<id>/notes`` (newest first; ``type`` = any|customer|internal)."""
        self.store.get_order(order_id)
        kind = self.enum_param(req, "type", ["any", "customer", "internal"], "any")
        notes = self.store.notes[order_id]
        if kind != "any":
            notes = [n for n in notes if n["customer_note"] == (kind == "customer")]
        return [self.store.note_json(order_id, n) for n in notes]

    def create_note(self, req, order_id):
        """``POST orders/<id>/notes`` -> 201 with the note."""
        order = self.store.get_order(order_id)
        body = req.json()
        if not isinstance(body, dict) or not body.get("note"):
            raise ApiError(
                400, "rest_missing_callback_param", "Missing parameter(s): note", params=["note"]
            )
        note = self.store._note(
            order,
            str(body["note"]),
            customer_note=_bool("customer_note", body.get("customer_note", False)),
            by_user=_bool("added_by_user", body.get("added_by_user", False)),
        )
        return Response(201, self.store.note_json(order_id, note))

    def _find_note(self, order_id, note_id) -> dict:
        self.store.get_order(order_id)
        for note in self.store.notes[order_id]:
            if note["id"] == note_id:
                return note
        raise ApiError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")

    def get_note(self, req, order_id, note_id):
        """``GET orders/<id>/notes/<note_id>``."""
        return self.store.note_json(order_id, self._find_note(order_id, note_id))

    def delete_note(self, req, order_id, note_id):
        """``DELETE orders/<id>/notes/<note_id>?force=true`` (notes cannot be trashed)."""
        note = self._find_note(order_id, note_id)
        if not _bool("force", req.arg("force", "false")):
            raise ApiError(
                501,
                "woocommerce_rest_trash_not_supported",
                "The resource does not support trashing.",
            )
        self.store.notes[order_id].remove(note)
        return self.store.note_json(order_id, note)

    # ------------------------------------------------------------------ products
    def list_products(self, req):
        """``GET products`` with sku, type, status, category, dates, stock_status filters."""
        skus = set(self.list_param(req, "sku"))
        types = self.enum_param(
            req, "type", ["any", "simple", "grouped", "external", "variable"], "any"
        )
        status = self.enum_param(
            req, "status", ["any", "draft", "pending", "private", "publish", "trash"], "any"
        )
        stock = req.arg("stock_status")
        category = self.int_param(req, "category")
        gmt = _bool("dates_are_gmt", req.arg("dates_are_gmt", "false"))
        sfx = "_gmt" if gmt else ""
        bounds = [
            (self.date_param(req, name, gmt), field, sign)
            for name, field, sign in (
                ("after", "date_created", 1),
                ("before", "date_created", -1),
                ("modified_after", "date_modified", 1),
                ("modified_before", "date_modified", -1),
            )
        ]
        search = (req.arg("search") or "").lower()
        items = []
        for p in self.store.products.values():
            if (skus and p["sku"] not in skus) or (types != "any" and p["type"] != types):
                continue
            if (status == "any" and p["status"] == "trash") or status not in ("any", p["status"]):
                continue
            if (stock and p["stock_status"] != stock) or (
                search and search not in p["name"].lower()
            ):
                continue
            if category and all(c["id"] != category for c in p["categories"]):
                continue
            if any(b and not (p[f + sfx] > b if s > 0 else p[f + sfx] < b) for b, f, s in bounds):
                continue
            items.append(p)
        by_date = lambda p: (p["date_created_gmt"], p["id"])  # noqa: E731
        keys = {
            "date": by_date,
            "id": lambda p: p["id"],
            "title": lambda p: (p["name"].lower(), p["id"]),
            "slug": lambda p: (p["slug"], p["id"]),
            "modified": lambda p: (p["date_modified_gmt"], p["id"]),
            "price": lambda p: (Decimal(p["price"] or 0), p["id"]),
            "popularity": lambda p: (p["total_sales"], p["id"]),
            "rating": lambda p: p["id"],
            "menu_order": lambda p: (p["menu_order"], p["id"]),
        }
        return self.collection(req, items, self.store.product_json, keys)

    def _product(self, product_id, status=404) -> dict:
        product = self.store.products.get(product_id)
        if product is None:
            raise ApiError(status, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return product

    def get_product(self, req, product_id):
        """``GET products/<id>``."""
        return self.store.product_json(self._product(product_id))

    def update_product(self, req, product_id):
        """``PUT products/<id>``."""
        product = self._product(product_id, status=400)
        return self.store.product_json(self.store.update_product(product, req.json(), strict=True))

    def create_product(self, req):
        """``POST products`` -> 201."""
        product = self.store.create_product(req.json(), strict=True)
        return self._created("products", self.store.product_json(product))

    def delete_product(self, req, product_id):
        """``DELETE products/<id>``: to the trash, or for good with ``force=true``."""
        return self._delete_product(product_id, _bool("force", req.arg("force", "false")))

    def _delete_product(self, product_id, force: bool) -> dict:
        store = self.store
        product = self._product(product_id)
        shown = store.product_json(product)
        if force:
            for vid in product["variations"]:
                store.variations.pop(vid, None)
            del store.products[product_id]
        else:
            product["status"] = "trash"
            store._bump(product)
        store._emit("product", "deleted", shown)
        return shown

    def batch_products(self, req):
        """``POST products/batch`` {create, update, delete}: at most 100 items in all."""
        body = self.check_batch(req.json())
        store, out = self.store, {}
        if body.get("create"):
            out["create"] = [
                self.batch_item(0, lambda item=item: store.product_json(store.create_product(item)))
                for item in body["create"]
            ]
        if body.get("update"):
            out["update"] = [
                self.batch_item(
                    _item_id(item),
                    lambda item=item: store.product_json(
                        store.update_product(self._product(_item_id(item), status=400), item)
                    ),
                )
                for item in body["update"]
            ]
        if body.get("delete"):
            out["delete"] = [
                self.batch_item(pid, lambda pid=pid: self._delete_product(pid, force=True))
                for pid in body["delete"]
            ]
        return out

    def _batch(self, body, create, update, delete) -> dict:
        """A ``{create, update, delete}`` batch: each item run on its own, answered in order."""
        body = self.check_batch(body)
        out = {}
        if body.get("create"):
            out["create"] = [self.batch_item(0, lambda i=i: create(i)) for i in body["create"]]
        if body.get("update"):
            out["update"] = [
                self.batch_item(_item_id(i), lambda i=i: update(i)) for i in body["update"]
            ]
        if body.get("delete"):
            out["delete"] = [self.batch_item(i, lambda i=i: delete(i)) for i in body["delete"]]
        return out

    def _created(self, path: str, body: dict) -> Response:
        """201 with the new object and its ``Location``, as ``create_item`` answers."""
        location = f"{self.store.site_url}{NS}/{path}/{body['id']}"
        return Response(201, body, {"Location": location})

    @staticmethod
    def _force(req) -> None:
        """Terms, attributes and customers cannot be trashed: DELETE needs ``force=true``."""
        if not _bool("force", req.arg("force", "false")):
            raise ApiError(
                501, "woocommerce_rest_trash_not_supported", "Resource does not support trashing."
            )

    # ------------------------------------------------------------------ terms
    def _term_render(self, kind: str, attribute_id=None):
        store = self.store
        if kind == "categories":
            return store.category_json
        if kind == "brands":
            return store.brand_json
        return lambda term: store.attribute_term_json(attribute_id, term)

    @staticmethod
    def _term_path(kind: str, attribute_id=None) -> str:
        if kind == "terms":
            return f"products/attributes/{attribute_id}/terms"
        return f"products/{kind}"

    def list_terms(self, req, kind, attribute_id=None):
        """``GET products/categories`` (and brands, attribute terms): ``parent``, ``slug``,
        ``search`` (in name or slug), ``hide_empty``, include/exclude; by name by default."""
        terms, hierarchical = self.store.taxonomy(kind, attribute_id)
        render = self._term_render(kind, attribute_id)
        parent = self.int_param(req, "parent") if hierarchical else None
        slug = req.arg("slug")
        search = (req.arg("search") or "").strip().lower()
        hide_empty = _bool("hide_empty", req.arg("hide_empty", "false"))
        counts = {t["id"]: render(t)["count"] for t in terms.values()}
        items = [
            t
            for t in terms.values()
            if (parent is None or t["parent"] == parent)
            and (not slug or t["slug"] == slug)
            and (not search or search in t["name"].lower() or search in t["slug"])
            and (not hide_empty or counts[t["id"]])
        ]
        keys = {
            "name": lambda t: (t["name"].lower(), t["id"]),
            "id": lambda t: t["id"],
            "slug": lambda t: t["slug"],
            "term_group": lambda t: t["id"],
            "description": lambda t: (t["description"], t["id"]),
            "count": lambda t: (counts[t["id"]], t["id"]),
            "menu_order": lambda t: (t["menu_order"], t["id"]),
        }
        return self.collection(req, items, render, keys, ("name", "asc"))

    def get_term(self, req, kind, term_id, attribute_id=None):
        """``GET products/categories/<id>`` (brands, attribute terms)."""
        term = self.store.get_term(kind, term_id, attribute_id)
        return self._term_render(kind, attribute_id)(term)

    def create_term(self, req, kind, attribute_id=None):
        """``POST products/categories`` (brands, attribute terms) -> 201."""
        term = self.store.create_term(kind, req.json(), True, attribute_id)
        body = self._term_render(kind, attribute_id)(term)
        return self._created(self._term_path(kind, attribute_id), body)

    def update_term(self, req, kind, term_id, attribute_id=None):
        """``PUT products/categories/<id>`` (brands, attribute terms): a partial update."""
        term = self.store.update_term(kind, term_id, req.json(), attribute_id)
        return self._term_render(kind, attribute_id)(term)

    def delete_term(self, req, kind, term_id, attribute_id=None):
        """``DELETE products/categories/<id>?force=true``."""
        self._force(req)
        return self._delete_term(kind, term_id, attribute_id)

    def _delete_term(self, kind, term_id, attribute_id=None) -> dict:
        shown = self._term_render(kind, attribute_id)(
            self.store.get_term(kind, term_id, attribute_id)
        )
        self.store.delete_term(kind, term_id, attribute_id)
        return shown

    def batch_terms(self, req, kind, attribute_id=None):
        """``POST products/categories/batch`` (brands, attribute terms) {create, update,
        delete}: at most 100 items; a failed item is ``{"id", "error"}`` in its place."""
        store = self.store
        store.taxonomy(kind, attribute_id)
        render = self._term_render(kind, attribute_id)
        return self._batch(
            req.json(),
            lambda item: render(store.create_term(kind, item, False, attribute_id)),
            lambda item: render(store.update_term(kind, _item_id(item), item, attribute_id)),
            lambda term_id: self._delete_term(kind, term_id, attribute_id),
        )

    # ------------------------------------------------------------------ global attributes
    def list_attributes(self, req):
        """``GET products/attributes``: all of them, not paged (as WooCommerce answers)."""
        return [self.store.attribute_json(a) for a in self.store.attributes.values()]

    def get_attribute(self, req, attribute_id):
        """``GET products/attributes/<id>``."""
        return self.store.attribute_json(self.store.get_attribute(attribute_id))

    def create_attribute(self, req):
        """``POST products/attributes`` -> 201."""
        attribute = self.store.create_attribute(req.json(), strict=True)
        return self._created("products/attributes", self.store.attribute_json(attribute))

    def update_attribute(self, req, attribute_id):
        """``PUT products/attributes/<id>``."""
        attribute = self.store.update_attribute(attribute_id, req.json(), strict=True)
        return self.store.attribute_json(attribute)

    def delete_attribute(self, req, attribute_id):
        """``DELETE products/attributes/<id>?force=true`` (its terms go with it)."""
        self._force(req)
        return self.store.attribute_json(self.store.delete_attribute(attribute_id))

    def batch_attributes(self, req):
        """``POST products/attributes/batch``."""
        store = self.store
        return self._batch(
            req.json(),
            lambda item: store.attribute_json(store.create_attribute(item)),
            lambda item: store.attribute_json(store.update_attribute(_item_id(item), item)),
            lambda aid: store.attribute_json(store.delete_attribute(aid)),
        )

    def _variation(self, product_id, variation_id, status=404) -> dict:
        variation = self.store.variations.get(variation_id)
        if variation is None or variation["parent_id"] != product_id:
            raise ApiError(status, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
        return variation

    def list_variations(self, req, product_id):
        """``GET products/<id>/variations`` (sku filter; menu order by default)."""
        product = self._product(product_id)
        skus = set(self.list_param(req, "sku"))
        items = [
            self.store.variations[v] for v in product["variations"] if v in self.store.variations
        ]
        items = [v for v in items if not skus or v["sku"] in skus]
        keys = {
            "menu_order": lambda v: (v["menu_order"], v["id"]),
            "date": lambda v: (v["date_created_gmt"], v["id"]),
            "id": lambda v: v["id"],
            "modified": lambda v: (v["date_modified_gmt"], v["id"]),
            "title": lambda v: v["id"],
        }
        return self.collection(req, items, self.store.variation_json, keys, ("menu_order", "asc"))

    def get_variation(self, req, product_id, variation_id):
        """``GET products/<id>/variations/<vid>``."""
        return self.store.variation_json(self._variation(product_id, variation_id))

    def update_variation(self, req, product_id, variation_id):
        """``PUT products/<id>/variations/<vid>``."""
        self._product(product_id, status=400)
        variation = self._variation(product_id, variation_id, status=400)
        return self.store.variation_json(
            self.store.update_product(variation, req.json(), strict=True)
        )

    def create_variation(self, req, product_id):
        """``POST products/<id>/variations`` -> 201."""
        parent = self._product(product_id)
        variation = self.store.create_variation(parent, req.json(), strict=True)
        path = f"products/{product_id}/variations"
        return self._created(path, self.store.variation_json(variation))

    def batch_variations(self, req, product_id):
        """``POST products/<id>/variations/batch`` {create, update, delete}."""
        store = self.store
        parent = self._product(product_id)
        return self._batch(
            req.json(),
            lambda item: store.variation_json(store.create_variation(parent, item)),
            lambda item: store.variation_json(
                store.update_product(self._variation(product_id, _item_id(item), 400), item)
            ),
            lambda vid: self._delete_variation(product_id, vid),
        )

    def _delete_variation(self, product_id, variation_id) -> dict:
        variation = self._variation(product_id, variation_id)
        shown = self.store.variation_json(variation)
        del self.store.variations[variation_id]
        parent = self.store.products[product_id]
        if variation_id in parent["variations"]:
            parent["variations"].remove(variation_id)
        self.store._sync_parent(parent)
        return shown

    # ------------------------------------------------------------------ customers
    def list_customers(self, req):
        """``GET customers`` (email, search, role; ordered by name by default)."""
        email = (req.arg("email") or "").lower()
        search = (req.arg("search") or "").lower()
        self.enum_param(
            req, "role", ["all", "customer", "administrator", "shop_manager"], "customer"
        )
        items = [
            c
            for c in self.store.customers.values()
            if (not email or c["email"].lower() == email)
            and (not search or search in f"{c['email']} {c['first_name']} {c['last_name']}".lower())
        ]
        keys = {
            "id": lambda c: c["id"],
            "name": lambda c: (c["username"], c["id"]),
            "registered_date": lambda c: (c["date_created_gmt"], c["id"]),
        }
        return self.collection(req, items, self.store.customer_json, keys, ("name", "asc"))

    def get_customer(self, req, customer_id):
        """``GET customers/<id>``."""
        return self.store.customer_json(self.store.get_customer(customer_id))

    def create_customer(self, req):
        """``POST customers`` -> 201."""
        customer = self.store.create_customer(req.json(), strict=True)
        return self._created("customers", self.store.customer_json(customer))

    def update_customer(self, req, customer_id):
        """``PUT customers/<id>``: a partial update."""
        customer = self.store.get_customer(customer_id, status=400)
        return self.store.customer_json(self.store.update_customer(customer, req.json(), True))

    def delete_customer(self, req, customer_id):
        """``DELETE customers/<id>?force=true``."""
        customer = self.store.get_customer(customer_id)
        if not _bool("force", req.arg("force", "false")):
            raise ApiError(
                501, "woocommerce_rest_trash_not_supported", "Customers do not support trashing."
            )
        return self._delete_customer(customer["id"])

    def _delete_customer(self, customer_id) -> dict:
        customer = self.store.get_customer(customer_id)
        shown = self.store.customer_json(customer)
        del self.store.customers[customer["id"]]
        return shown

    def batch_customers(self, req):
        """``POST customers/batch`` {create, update, delete}."""
        store = self.store
        return self._batch(
            req.json(),
            lambda item: store.customer_json(store.create_customer(item)),
            lambda item: store.customer_json(
                store.update_customer(store.get_customer(_item_id(item), 400), item)
            ),
            self._delete_customer,
        )

    # ------------------------------------------------------------------ media files
    def serve_upload(self, req, path):
        """``GET /wp-content/uploads/<year>/<month>/<file>``: a sideloaded image (no keys)."""
        data = self.store.uploads.get(f"/wp-content/uploads/{path}")
        if data is None:
            page = b"<!DOCTYPE html><html><head><title>Page not found</title></head></html>"
            return Response(404, page, {"Content-Type": "text/html; charset=UTF-8"})
        ext = path.rsplit(".", 1)[-1].lower()
        return Response(200, data, {"Content-Type": IMAGE_MIMES.get(ext, "image/jpeg")})

    # ------------------------------------------------------------------ webhooks
    def list_webhooks(self, req):
        """``GET webhooks``."""
        status = self.enum_param(req, "status", ["all", "active", "paused", "disabled"], "all")
        items = [h for h in self.store.webhooks.values() if status in ("all", h["status"])]
        keys = {"date": lambda h: (h["date_created_gmt"], h["id"]), "id": lambda h: h["id"]}
        return self.collection(req, items, self.store.webhook_json, keys)

    def create_webhook(self, req):
        """``POST webhooks`` {name, topic, delivery_url, secret, status} -> 201; pings the URL."""
        body = req.json()
        missing = [k for k in ("topic", "delivery_url") if not body.get(k)]
        if missing:
            raise ApiError(
                400,
                "rest_missing_callback_param",
                f"Missing parameter(s): {', '.join(missing)}",
                params=missing,
            )
        hook = self.store.add_webhook(
            body["delivery_url"],
            body["topic"],
            str(body.get("secret", "")),
            str(body.get("name", "")),
            body.get("status", "active"),
        )
        return Response(201, self.store.webhook_json(hook))

    def _webhook(self, webhook_id) -> dict:
        hook = self.store.webhooks.get(webhook_id)
        if hook is None:
            raise ApiError(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        return hook

    def get_webhook(self, req, webhook_id):
        """``GET webhooks/<id>``."""
        return self.store.webhook_json(self._webhook(webhook_id))

    def update_webhook(self, req, webhook_id):
        """``PUT webhooks/<id>`` (name, status, delivery_url, secret)."""
        hook, body = self._webhook(webhook_id), req.json()
        for key in ("name", "status", "delivery_url", "secret"):
            if key in body:
                hook[key] = str(body[key])
        if body.get("status") == "active":
            hook["failure_count"] = 0
        self.store._bump(hook)
        return self.store.webhook_json(hook)

    def delete_webhook(self, req, webhook_id):
        """``DELETE webhooks/<id>?force=true``."""
        hook = self._webhook(webhook_id)
        del self.store.webhooks[webhook_id]
        return self.store.webhook_json(hook)


__all__ = ["Api", "Store", "webhook_signature"]
