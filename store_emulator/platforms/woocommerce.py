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
import threading
import time
import traceback
import uuid
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

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

    ``orders``, ``products``, ``variations``, ``customers``, ``categories`` map ids to the JSON
    the API returns (without ``_links``); ``notes`` maps order ids to note lists; ``received``
    lists every API write in arrival order (see ``record``); ``webhooks`` holds subscriptions
    and ``webhook_deliveries`` what was sent to them. Hold ``lock`` while reading or changing.
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
            self.received: list[dict] = []
            self.webhooks: dict[int, dict] = {}
            self.webhook_deliveries: list[dict] = []
            # order id -> top-level fields served as given (see ``override_order``)
            self.order_overrides: dict[int, dict] = {}
            self.categories = {c["id"]: self._category(c) for c in gen.categories}
            self.products: dict[int, dict] = {}
            self.variations: dict[int, dict] = {}
            for product in gen.products:
                self._add_product(product)
            self.customers: dict[int, dict] = {}
            self.orders: dict[int, dict] = {}
            self.notes: dict[int, list[dict]] = {}
            for draft in drafts:
                self._add_order(draft)

    def configure(self, **settings) -> dict:
        """``POST /_emulator/config``: WooCommerce has no run-time settings (tokens, rate
        limits) to change; anything given is a 400."""
        if settings:
            raise ValueError(f"the WooCommerce emulator has no setting {sorted(settings)}")
        return {}

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
        """A product as the API returns it."""
        link = f"{self.site_url}/product/{product['slug']}/"
        links = self._links(f"products/{product['id']}", "products")
        return {**product, "permalink": link, "_links": links}

    def variation_json(self, variation: dict) -> dict:
        """A variation as the API returns it."""
        pid = variation["parent_id"]
        links = self._links(
            f"products/{pid}/variations/{variation['id']}",
            f"products/{pid}/variations",
            up=f"products/{pid}",
        )
        return {**variation, "_links": links}

    def customer_json(self, customer: dict) -> dict:
        """A customer as the API returns it."""
        return {**customer, "_links": self._links(f"customers/{customer['id']}", "customers")}

    def category_json(self, cat: dict) -> dict:
        """A product category as the API returns it."""
        extra = {"up": f"products/categories/{cat['parent']}"} if cat["parent"] else {}
        links = self._links(f"products/categories/{cat['id']}", "products/categories", **extra)
        return {**cat, "count": cat.get("count", 0), "_links": links}

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

        ``stock_quantity`` only counts when the item manages stock (after applying
        ``manage_stock`` from the same body); with managed stock the stock status follows the
        quantity. ``strict`` adds WordPress's schema type checks (single-item requests only).
        Everything is checked before anything changes: a refused write leaves no trace.
        """
        if not isinstance(body, dict):
            raise _bad_param("body", "The body must be an object.", "rest_invalid_type")
        strings = ("regular_price", "sale_price", "sku", "name", "description", "stock_status")
        for key in strings if strict else ():
            if key in body and not isinstance(body[key], str):
                raise _bad_param(key, f"{key} is not of type string.", "rest_invalid_type")
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
        # Checked: apply.
        if sku is not None:
            item["sku"] = sku
        texts = ("name", "status", "description", "short_description", "weight", "tax_class")
        for key in (*texts, "backorders", "regular_price", "sale_price"):
            if key in body and key in item:
                item[key] = "" if body[key] is None else str(body[key])
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
            ids = [c.get("id") for c in body["categories"] if isinstance(c, dict)]
            cats = [self.categories[i] for i in ids if i in self.categories]
            item["categories"] = [{k: c[k] for k in ("id", "name", "slug")} for c in cats]
        self._bump(item)
        if item.get("type") != "variable":
            self._refresh_price(item)
        parent = self.products.get(item.get("parent_id") or 0)
        if parent:
            self._sync_parent(parent)
            self._bump(parent)
        self._emit("product", "updated", self.product_json(parent or item))
        return item

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
        """A new simple product from an API create."""
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
        product.update(regular_price="", price="")
        try:
            self.update_product(product, body, strict)
        except ApiError:
            del self.products[pid]
            raise
        self._emit("product", "created", self.product_json(product))
        return product

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
        r.add("GET", rf"{NS}/products/categories", self.list_categories)
        r.add("GET", rf"{NS}/products/categories/(?P<category_id>\d+)", self.get_category)
        r.add("GET", product, self.get_product)
        r.add(edit, product, self.update_product, "product_update")
        r.add("DELETE", product, self.delete_product, "product_delete")
        r.add("GET", rf"{product}/variations", self.list_variations)
        r.add(edit, rf"{product}/variations/batch", self.batch_variations, "variation_batch")
        r.add("GET", variation, self.get_variation)
        r.add(edit, variation, self.update_variation, "variation_update")
        r.add("GET", rf"{NS}/customers", self.list_customers)
        r.add("GET", rf"{NS}/customers/(?P<customer_id>\d+)", self.get_customer)
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
        self.public = {self.index, self.namespace_index}

    # ------------------------------------------------------------------ dispatch
    def handle(self, req) -> Response:
        """Authenticate, route, run the handler under the store lock, encode the answer."""
        try:
            authenticated = self._authenticate(req)
            handler, groups, record = self.router.match(req.method, req.path)
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
        """``POST products`` -> 201 (simple products)."""
        return Response(
            201, self.store.product_json(self.store.create_product(req.json(), strict=True))
        )

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

    def list_categories(self, req):
        """``GET products/categories`` (ordered by name by default, like WordPress terms)."""
        parent = self.int_param(req, "parent")
        slug = req.arg("slug")
        hide_empty = _bool("hide_empty", req.arg("hide_empty", "false"))
        items = [
            c
            for c in self.store.categories.values()
            if (parent is None or c["parent"] == parent)
            and (not slug or c["slug"] == slug)
            and (not hide_empty or c.get("count"))
        ]
        keys = {
            "name": lambda c: (c["name"].lower(), c["id"]),
            "id": lambda c: c["id"],
            "slug": lambda c: c["slug"],
            "term_group": lambda c: c["id"],
            "description": lambda c: c["id"],
            "count": lambda c: (c.get("count", 0), c["id"]),
        }
        return self.collection(req, items, self.store.category_json, keys, ("name", "asc"))

    def get_category(self, req, category_id):
        """``GET products/categories/<id>``."""
        cat = self.store.categories.get(category_id)
        if cat is None:
            raise ApiError(404, "woocommerce_rest_term_invalid", "Resource does not exist.")
        return self.store.category_json(cat)

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

    def batch_variations(self, req, product_id):
        """``POST products/<id>/variations/batch``: updates (and deletes) of variations."""
        self._product(product_id)
        body = self.check_batch(req.json())
        store, out = self.store, {}
        if body.get("create"):
            err = ApiError(
                501, "woocommerce_rest_emulator_unsupported", "Creating variations is not emulated."
            )
            out["create"] = [self.batch_item(0, lambda: _fail(err)) for _ in body["create"]]
        if body.get("update"):
            out["update"] = [
                self.batch_item(
                    _item_id(item),
                    lambda item=item: store.variation_json(
                        store.update_product(self._variation(product_id, _item_id(item), 400), item)
                    ),
                )
                for item in body["update"]
            ]
        if body.get("delete"):
            out["delete"] = [
                self.batch_item(vid, lambda vid=vid: self._delete_variation(product_id, vid))
                for vid in body["delete"]
            ]
        return out

    def _delete_variation(self, product_id, variation_id) -> dict:
        variation = self._variation(product_id, variation_id)
        shown = self.store.variation_json(variation)
        del self.store.variations[variation_id]
        parent = self.store.products[product_id]
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
        customer = self.store.customers.get(customer_id)
        if customer is None:
            raise ApiError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return self.store.customer_json(customer)

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
