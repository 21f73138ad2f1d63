"""Shoprenter API2 (``/api/...`` behind an OAuth client-credentials token): state and routes.

Shapes follow the official fixtures (``Shoprenter/sr-api-docs``, ``fixtures/api/<resource>/
response/json``); behaviour follows ``/work/shared/store_apis/shoprenter.md`` and the
emulator/adapter contract (``/work/notes/shoprenter_contract.md``). One origin serves it all:
``POST {base}/{shop}/app/token`` and the API under ``{base}/api`` (the legacy paths without
``/api`` answer too; hrefs always name ``{base}/api``).

* Auth: the token request takes JSON ``{grant_type: client_credentials, client_id,
  client_secret}`` (a form works too); a token lives ``token_ttl`` s (3600, ``configure``).
  Missing, unknown or expired bearer tokens get 401 ``access_denied`` (league/oauth2-server's
  shape, [INF]).
* Rate limit: more than ``rate_limit`` (3) authenticated API requests in any 1 s window -> 429
  ``{"error": 429, "message": "Too Many Requests"}`` without Retry-After; ``/batch`` counts as
  one; the token endpoint is not counted; 0 switches it off.
* Ids: ``id`` = base64("<resource>-<column>=<innerId>"), ``innerId`` a numeric string.
  Numbers are strings with 4 decimals, empty values sometimes ``{}``; ``dateCreated`` /
  ``dateUpdated`` "2019-09-06T15:47:59", history ``dateAdded`` and specials' dates
  "2011-01-04 10:00:00", all Europe/Budapest local time; datetime filters are read as local.
* Collections: ``{href, page, pageCount, limit, first, previous, next, last, items}``, page
  0-based, limit 1..200 (default 25), no total, ``next`` null on the last page; ``full=1``
  gives objects, else ``[{"href"}]``. Unknown filters are a 400 (40010), bad datetimes 40009,
  pages out of range 40008. Errors: ``{"error": <inner code>, "message": "..."}``.
* Writes accept a bare object or ``{"data": {...}}``. ``PUT /orders/{id}`` with
  ``orderStatus: {id}`` bumps ``dateUpdated``, appends an ``orderHistories`` row and fires
  ``order_status_change``; ``comment`` is writable too. ``PUT /products/{id}`` (and
  ``/productExtend/{id}``) takes ``stock1..4``, ``price`` (net), ``sku``, ``status``,
  ``subtractStock``. ``/productSpecials`` has GET/POST/PUT/DELETE (DELETE: 204).
  ``/batch`` runs up to 200 items (more: 400), outer status always 200, each item with
  ``response.header.statusCode`` (a string) and its own body.
* Catalogue and customers (the exporter's side; sources in ``docs/catalogue.md``):
  ``productExtend`` POST (201; ``sku`` and ``productDescriptions`` required, 40003; a taken
  SKU 409/40901 [INF]) and PUT ``/{id}`` or ``?sku=`` (40033 when absent); POST ``?sku=``
  changes that product. Extend lists (productDescriptions, productCategoryRelations,
  productSpecials, customerGroupProductPrices): POST adds and refuses an existing row
  (409/40901), PUT replaces the lists it carries and keeps the rest (06_extend_resource.md).
  An embedded ``manufacturer`` without id creates a new one on every call. ``mainPicture``
  and ``productImages.imagePath`` must name a file uploaded by ``POST /files`` (name:
  English letters, digits, ``()_-``; an image must start with a JPEG/PNG/GIF/WEBP
  signature; same path = overwrite; answer 204 as file/data.json says, ``configure(
  file_upload_status=201)`` for ex05's body). ``allImages`` lists mainImage, image1... as
  URLs under the emulator's origin (not served). Variants: productClasses (two variant
  parameters, attached first through productClassAttributeRelations; 40021, 40024, 40025),
  listAttributes (+ attributeDescriptions), listAttributeValues (+ descriptions),
  productListAttributeValueRelations (40012 without a product class). customerExtend POST
  (bcrypt ``password`` required, unique e-mail 409 [INF], default group when none),
  PUT replaces ``addresses`` when given. ``customerGroupProductPrices`` refuse the default
  group (40005). Not emulated: Outer IDs (an ``id`` in a create body is a 400), DELETE of
  categories, customers and manufacturers' descriptions, number/text attributes.
* Deviation: a request without ``Accept: application/json`` gets 406 (the real API answers
  XML, which the emulator does not produce).
* Webhooks (``/webHooks``; events ``order_confirm`` for new orders, ``order_status_change``):
  a background thread POSTs ``multipart/form-data`` with one field ``data`` (the JSON
  ``{"orders": {"order": [...]}}`` of the official sample), ``User-Agent: ShopRenter``, no
  signature. ``type: "xml"`` hooks get JSON all the same.

Money (HUF, 0 decimals; what OpenCart/Shoprenter order totals do, [INF] where the docs are
silent):

* Catalogue prices are whole gross forints; ``price`` (net) = gross / (1 + rate) with 4
  decimals. Rates: 27 %, 18 %, 5 %, 0 % (gift cards, AAM).
* A line: ``price`` net unit, ``grossPrice`` the whole-forint shelf price, ``total`` = price x
  quantity (exact, 4 decimals); quantity = stock1 + stock2 + stock3 + stock4.
* SUB_TOTAL = sum of line totals (net). SHIPPING and PAYMENT (COD fee) rows are net; they are
  taxed at ``shippingMethodTaxRate`` / ``paymentMethodTaxRate`` (27 %). COUPON is the negative
  net discount: a percent coupon (``couponTaxRate`` -1) takes pct of SUB_TOTAL (4 decimals) and
  spreads it over the lines' rates in proportion to their net subtotals (4 decimals, the last
  rate takes the remainder); a fixed coupon (``couponTaxRate`` 27) is its gross value / 1.27,
  all on the 27 % base (never more than that base).
* Tax is computed **once per rate on the order, not per line**: TAX(rate) = round(base x rate,
  0 decimals, half up) with base = lines + shipping + fee - coupon share of that rate; one TAX
  row per non-zero rate ("ÁFA (27%):"). TOTAL = round(SUB_TOTAL + SHIPPING + PAYMENT + COUPON
  + sum(TAX), 0) and the order's ``total`` is TOTAL. So TOTAL may differ by a forint from the
  sum of the lines' whole-forint gross prices; SUB_TOTAL_WITH_TAX (informative) is the lines'
  net x (1 + rate) per rate, rounded once.
* Abandoned carts have no ``orderStatus`` (null), all stockN = 0 and no history; their totals
  still describe the cart (line totals as if bought). ``excludeAbandonedCart=1`` hides them.
"""

import base64
import copy
import hashlib
import hmac
import json
import queue
import random
import re
import threading
import time
import traceback
import uuid
from collections import deque
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode, urlsplit

from store_emulator.data import (
    EPOCH,
    DataGenerator,
    render_phone,
    to_local,
    utcnow,
)
from store_emulator.server import ApiError, DeliverySender, Response, Router, deliver

TITLE = "Shoprenter"
CREDENTIAL_NAMES = ("client id", "client secret")  # = EmulatorServer consumer_key/_secret
WEBHOOK_TOPICS = ("order_confirm", "order_status_change")
WEBHOOK_EVENTS = (
    "order_confirm",
    "order_status_change",
    "newsletter_subscribe",
    "newsletter_unsubscribe",
    "newsletter_update_subscriber",
    "abandoned_cart",
)
LIMIT_MAX = 200
DEFAULT_LIMIT = 25
BATCH_LIMIT = 200
TOKEN_TTL = 3600
RATE_LIMIT = 3
FOUR = Decimal("0.0001")
ZERO = Decimal(0)

# innerId: (Hungarian name, colour, English alias)
STATUSES = {
    1: ("Függőben", "#ff9900", "pending"),
    2: ("Feldolgozás alatt", "#3366ff", "processing"),
    3: ("Szállítás alatt", "#9933cc", "shipped"),
    4: ("Teljesítve", "#33cc33", "completed"),
    5: ("Törölve", "#ff0000", "cancelled"),
    6: ("Visszatérítve", "#999999", "refunded"),
    7: ("Sikertelen fizetés", "#cc0000", "failed"),
}
# innerId: (name, description, rate, tax rate innerId)
TAX_CLASSES = {
    10: ("27% ÁFA", "Általános forgalmi adó 27%", Decimal(27), 94),
    11: ("18% ÁFA", "Kedvezményes adókulcs 18%", Decimal(18), 95),
    12: ("5% ÁFA", "Kedvezményes adókulcs 5%", Decimal(5), 96),
    13: ("0% ÁFA (AAM)", "Alanyi/tárgyi adómentes", Decimal(0), 97),
}
RATE_CLASS = {v[2]: k for k, v in TAX_CLASSES.items()}
CUSTOMER_GROUPS = {  # innerId: (name, percentDiscount)
    8: ("Alapértelmezett", "0"),
    6: ("Törzsvásárló", "5"),
    13: ("Viszonteladó", "10"),
}
DEFAULT_GROUP = 8
# innerId: (name, extension, shippingType, net cost, tax class, aliases)
SHIPPING_MODES = {
    18: ("GLS futárszolgálat", "WSESHIP", "COURIER_SERVICE", Decimal(1570), 10, ("gls",)),
    19: ("Foxpost csomagautomata", "FOXPOST", "PARCEL_MACHINE", Decimal(990), 10, ("foxpost",)),
    20: (
        "Személyes átvétel (1052 Budapest, Váci utca 12.)",
        "WSESHIP",
        "PERSONAL_RECEIPT",
        ZERO,
        10,
        ("pickup", "personal", "személyes átvétel"),
    ),
}
# code: (innerId, name, net fee, fee tax rate, pay later)
PAYMENT_MODES = {
    "cod": (23, "Utánvét", Decimal(400), Decimal(27), "1"),
    "bank_transfer": (24, "Banki átutalás", ZERO, ZERO, "0"),
    "barion": (25, "Barion bankkártyás fizetés", ZERO, ZERO, "0"),
}
# code: (innerId, type, value (percent, or gross forints), tax class or None)
COUPONS = {
    "TAVASZ10": (1, "PERCENT", Decimal(10), None),
    "HUSEG15": (2, "PERCENT", Decimal(15), None),
    "KUPON2000": (3, "FIXED", Decimal(2000), 10),
}
# innerId, name, parent innerId
CATEGORIES = [
    (20, "Élelmiszer", 0),
    (21, "Kávé és tea", 20),
    (22, "Tejtermékek és pékáru", 20),
    (23, "Könyvek", 0),
    (24, "Ruházat", 0),
    (25, "Pólók", 24),
    (26, "Háztartás", 0),
    (27, "Ajándékutalványok", 0),
]
# category innerId: (tax class, nouns, gross price range in forints)
PRODUCT_KINDS = {
    21: (
        10,
        ["Kávébab 250 g", "Őrölt kávé 500 g", "Zöld tea 100 g", "Gyümölcstea 50 g"],
        (12, 120),
    ),
    22: (
        11,
        ["Trappista sajt 500 g", "Görög joghurt 400 g", "Kakaós csiga", "Túró Rudi 6 db"],
        (6, 60),
    ),
    23: (12, ["Magyar népmesék", "Szakácskönyv", "Budapest útikönyv", "Verseskötet"], (40, 160)),
    25: (10, ["Pamut póló", "Galléros póló", "Hosszú ujjú póló"], (60, 200)),
    26: (10, ["Bögre", "Vászontáska", "Konyharuha", "Illatgyertya", "Kerámia tál"], (20, 180)),
    27: (13, ["Ajándékutalvány"], (0, 0)),
}
ADJECTIVES = ["Klasszikus", "Bio", "Retro", "Prémium", "Kézműves", "Hazai"]
COLORS = ["fekete", "fehér", "piros", "kék", "zöld"]
LANGUAGE = {
    "innerId": "1",
    "name": "Hungarian",
    "code": "hu",
    "locale": "hu_HUN.UTF-8,hu_HUN,hu-hun,hungarian",
    "sortOrder": "2",
    "status": "1",
}
CURRENCY_ID = 4
COUNTRY_ID = 97
EMPTY_DATE = "0000-00-00 00:00:00"
# The shop's languages: Hungarian (the default, ``LANGUAGE``) and English; innerId: fields.
LANGUAGES = {
    1: LANGUAGE,
    2: {
        "innerId": "2",
        "name": "English",
        "code": "en",
        "locale": "en_GB.UTF-8,en_GB,en-gb,english",
        "sortOrder": "1",
        "status": "1",
    },
}
# innerId: (name, isoCode2, isoCode3); OpenCart's country ids (Hungary 97 as in the fixtures)
COUNTRIES = {
    97: ("Hungary", "HU", "HUN"),
    14: ("Austria", "AT", "AUT"),
    81: ("Germany", "DE", "DEU"),
    175: ("Romania", "RO", "ROU"),
    189: ("Slovak Republic", "SK", "SVK"),
    222: ("United Kingdom", "GB", "GBR"),
}
# The shop's read-only stock statuses (the merchant makes them; the API cannot):
# innerId: (Hungarian name, English name, colour). 5 and 9 are the fixtures' ids.
STOCK_STATUSES = {
    5: ("Előrendelhető", "Available for pre-order", "#f00540"),
    6: ("2-3 napon belül szállítható", "Ships in 2-3 days", "#ff9900"),
    7: ("Nincs készleten", "Out of stock", "#cc0000"),
    8: ("1-2 hét", "1-2 weeks", "#999999"),
    9: ("Raktáron", "In stock", "#33cc33"),
}
WEIGHT_CLASSES = {1: ("Kilogramm", "kg", "1.00000000"), 2: ("Gramm", "g", "1000.00000000")}
DEFAULT_TAX_CLASS = 10  # a product created without taxClass gets the 27 % class [INF]
# File names: "English letters, digits and (),_,- only" (file/data.json, ex05); "/" and "."
# separate folders and the extension.
FILE_PATH = re.compile(r"^[A-Za-z0-9()_\-./]+$")
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
BCRYPT = re.compile(r"^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# ---------------------------------------------------------------------------- helpers
def rid(resource: str, key: str) -> str:
    """The resource id: base64 of "<resource>-<key>" (e.g. "order-order_id=172")."""
    return base64.b64encode(f"{resource}-{key}".encode()).decode()


def parse_rid(value: str, resource: str, column: str) -> int | None:
    """The innerId in a resource id of ``resource``/``column``, or None."""
    try:
        text = base64.b64decode(str(value), validate=True).decode()
    except ValueError:
        return None
    prefix = f"{resource}-{column}="
    if not text.startswith(prefix) or not text[len(prefix) :].isdigit():
        return None
    return int(text[len(prefix) :])


def n4(value) -> str:
    """A number string with 4 decimals, as the API prints them ("3990.0000")."""
    return f"{Decimal(value).quantize(FOUR, ROUND_HALF_UP):.4f}"


def forint(value) -> Decimal:
    """Rounded to whole forints, half up."""
    return Decimal(value).quantize(Decimal(1), ROUND_HALF_UP)


def value_text(value) -> str:
    """ "8.128 Ft": the shop's display form of an amount."""
    amount = int(forint(value))
    return f"{'-' if amount < 0 else ''}{abs(amount):,} Ft".replace(",", ".")


def iso(gmt: datetime | None) -> str | None:
    """dateCreated/dateUpdated form, local time."""
    return to_local(gmt).strftime("%Y-%m-%dT%H:%M:%S") if gmt else None


def spaced(gmt: datetime | None) -> str:
    """dateAdded form ("2011-01-04 10:00:00"), local time."""
    return to_local(gmt).strftime("%Y-%m-%d %H:%M:%S") if gmt else EMPTY_DATE


class SrError(ApiError):
    """An error answered as Shoprenter does: ``{"error": <inner code>, "message"}``."""

    def __init__(self, status: int, code, message: str, **extra):
        super().__init__(status, str(code), message)
        self.inner, self.extra = code, extra

    def body(self) -> dict:
        return {"error": self.inner, "message": self.message, **self.extra}


def _not_found(what: str) -> SrError:
    return SrError(404, 40401, f'Resource matching URI "{what}" not found')


def _unwrap(body):
    """A write body: bare object or ``{"data": {...}}``."""
    if isinstance(body, dict) and set(body) == {"data"} and isinstance(body["data"], dict):
        return body["data"]
    if not isinstance(body, dict):
        raise SrError(400, 40001, "Data parameter not found in POST/PUT!")
    return body


def _int_field(name: str, value) -> int:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if number is None or number != number.to_integral_value():
        raise SrError(400, 40005, f"The value of '{name}' must be an integer.")
    return int(number)


def _money_field(name: str, value) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0:
        raise SrError(400, 40005, f"The value of '{name}' must be a non-negative number.")
    return number.quantize(FOUR, ROUND_HALF_UP)


def _ref_id(value, resource: str, column: str, name: str) -> int:
    """The innerId of a ``{"id": "<resource id>"}`` reference in a write body."""
    ref = value.get("id") if isinstance(value, dict) else value
    inner = parse_rid(ref, resource, column) if ref else None
    if inner is None:
        raise SrError(400, 40007, f"Wrong resource id in '{name}': {ref!r}")
    return inner


def _special_date(name: str, value) -> str:
    text = str(value or "").strip()
    if not text or text.startswith("0000-00-00"):
        return EMPTY_DATE
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue
    raise SrError(400, 40017, f"Valid date format of '{name}' is 1990-01-01 or 1990-01-01 00:00:00")


def parse_keys(value, resource: str) -> dict | None:
    """The columns of a (composite) resource id: "productCategory-product_id=1&category_id=2"
    -> {"product_id": 1, "category_id": 2}; None when it is not one of ``resource``."""
    try:
        text = base64.b64decode(str(value), validate=True).decode()
    except ValueError:
        return None
    if not text.startswith(f"{resource}-"):
        return None
    out = {}
    for part in text[len(resource) + 1 :].split("&"):
        key, _, number = part.partition("=")
        if not key or not number.isdigit():
            return None
        out[key] = int(number)
    return out


def _ref(value, resource: str, column: str, name: str, table=None) -> int:
    """The innerId of a ``{"id": "<resource id>"}`` reference (02_status_codes.md texts):
    not an object with an id -> 40005, an id of another resource or unknown -> 40007."""
    ref = value.get("id") if isinstance(value, dict) else None
    if not ref:
        raise SrError(
            400,
            40005,
            f"The {name} parameter is not a valid resource identifier or invalid format. "
            "Valid format: array([id] => dGF4Q2xhc3MtdGF4X2NsYXNzX2lkPTEw)",
        )
    inner = parse_rid(ref, resource, column)
    if inner is None or (table is not None and inner not in table):
        raise SrError(400, 40007, f"The given resource id is wrong: {ref}!")
    return inner


def _empty_ref(value) -> bool:
    """``null``, ``{}`` or ``{"id": ""}``: a link taken away."""
    return value in (None, "", {}) or (isinstance(value, dict) and not value.get("id"))


def _required(body: dict, *names: str) -> None:
    missing = [n for n in names if body.get(n) in (None, "", [], {})]
    if missing:
        raise SrError(400, 40003, f"The following fields are required: {', '.join(missing)}!")


def _readonly(body: dict, *names: str) -> None:
    found = [n for n in names if n in body]
    if found:
        raise SrError(400, 40002, f"The following fields are readonly: {', '.join(found)}!")


def _flag(name: str, value) -> str:
    text = str(value).strip().lower()
    if text in ("1", "true"):
        return "1"
    if text in ("0", "false", ""):
        return "0"
    raise SrError(
        400,
        40005,
        f"The {name} parameter has wrong data. This parameter is enum type. "
        "Check API documentation for accepted values.",
    )


def _enum(name: str, value, allowed) -> str:
    text = str(value)
    if text not in allowed:
        raise SrError(
            400,
            40005,
            f"The {name} parameter has wrong data. This parameter is enum type. "
            "Check API documentation for accepted values.",
        )
    return text


def _text(value) -> str:
    """A text field as stored: ``{}``/null (the XML artefact) -> ""."""
    return "" if value in (None, {}) else str(value)


def _list_field(body: dict, name: str) -> list:
    items = body.get(name)
    if items in (None, {}):
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise SrError(400, 40005, f"The {name} field must be a list of objects.")
    return items


def multipart(fields: dict) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type."""
    boundary = f"------------------------{uuid.uuid4().hex[:24]}"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return body, f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------------------- money
def price_order(lines: list[dict], shipping: int, payment: str, coupon: str | None) -> dict:
    """The order totals (see the module docstring): rows and the per-rate bases/taxes.

    ``lines``: ``{"price": net unit (4 dp), "rate": Decimal, "qty": int}``.
    """
    by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        line["total"] = (line["price"] * line["qty"]).quantize(FOUR)
        by_rate[line["rate"]] = by_rate.get(line["rate"], ZERO) + line["total"]
    sub_total = sum(by_rate.values(), ZERO)
    ship_name, _, _, ship_cost, ship_class, _ = SHIPPING_MODES[shipping]
    ship_rate = TAX_CLASSES[ship_class][2]
    _, pay_name, fee, fee_rate, _ = PAYMENT_MODES[payment]
    discount: dict[Decimal, Decimal] = {}
    if coupon:
        _, kind, amount, tax_class = COUPONS[coupon]
        if kind == "PERCENT":
            total_discount = (sub_total * amount / 100).quantize(FOUR, ROUND_HALF_UP)
            rates = [r for r in sorted(by_rate) if by_rate[r]]
            left = total_discount
            for index, rate in enumerate(rates):
                share = (
                    left
                    if index == len(rates) - 1
                    else (total_discount * by_rate[rate] / sub_total).quantize(FOUR, ROUND_HALF_UP)
                )
                discount[rate] = share
                left -= share
        else:
            rate = TAX_CLASSES[tax_class][2]
            net = (amount / (1 + rate / 100)).quantize(FOUR, ROUND_HALF_UP)
            net = min(net, by_rate.get(rate, ZERO))
            if net <= 0:
                raise ValueError(f"coupon {coupon} needs a line taxed at {rate} %")
            discount[rate] = net
    bases = dict(by_rate)
    bases[ship_rate] = bases.get(ship_rate, ZERO) + ship_cost
    if fee:
        bases[fee_rate] = bases.get(fee_rate, ZERO) + fee
    for rate, share in discount.items():
        bases[rate] -= share
    taxes = {
        rate: forint(base * rate / 100)
        for rate, base in sorted(bases.items(), reverse=True)
        if rate
    }
    coupon_value = -sum(discount.values(), ZERO)
    exact = sub_total + ship_cost + fee + coupon_value + sum(taxes.values(), ZERO)
    total = forint(exact)
    sub_with_tax = forint(sum((v * (1 + r / 100) for r, v in by_rate.items()), ZERO))
    rows = [("SUB_TOTAL", "Nettó részösszeg:", sub_total, "3", None)]
    for rate, tax in taxes.items():
        rows.append(("TAX", f"ÁFA ({rate:.0f}%):", tax, "3", None))
    rows.append(("SUB_TOTAL_WITH_TAX", "Bruttó részösszeg:", sub_with_tax, "4", None))
    if coupon:
        rows.append(("COUPON", f"Kupon ({coupon}):", coupon_value, "5", None))
    rows.append(("SHIPPING", f"{ship_name}:", ship_cost, "6", None))
    if fee:
        rows.append(("PAYMENT", f"{pay_name} kezelési költség:", fee, "7", None))
    rows.append(("TOTAL", "Összesen bruttó:", total, "10", None))
    return {
        "rows": rows,
        "total": total,
        "taxes": taxes,
        "sub_total": sub_total,
        "shipping": ship_cost,
        "shipping_rate": ship_rate,
        "fee": fee,
        "fee_rate": fee_rate if fee else ZERO,
        "coupon": coupon_value,
        "discount": discount,
    }


# ---------------------------------------------------------------------------- store
class Store(DeliverySender):
    """The state of one emulated Shoprenter shop (HUF, Hungarian), seeded deterministically.

    ``orders``, ``products``, ``customers``, ``specials``, ``webhooks`` map innerIds to
    internal dicts rendered by the ``*_json`` methods; ``received`` lists every API write
    (``{"kind", "method", "path", "ids", "body", "status"}``; kinds such as
    ``product_create``, ``product_update``, ``file_upload``, ``customer_create``: see the
    routes); ``webhook_deliveries`` what the sender thread posted. Hold ``lock`` while
    reading or changing.

    The catalogue, for a test to read: ``products[inner]`` has ``sku``, ``name`` (the
    Hungarian description's), ``price`` (net Decimal), ``tax_class``, ``stock`` [1..4],
    ``status``, ``categories`` [category innerIds], ``descriptions`` {language innerId:
    {name, shortDescription, description, ...}}, ``manufacturer``, ``main_picture``,
    ``product_class``, ``parent``, ``list_values`` [listAttributeValue innerIds],
    ``group_prices`` {group innerId: net Decimal}, ``in_stock_status``/``no_stock_status``,
    ``available_date``, ``weight``, ``gtin``, ``model_number``; ``specials`` {innerId: {
    product_id, group, price, priority, dateFrom, dateTo, minQuantity, maxQuantity}};
    ``categories`` {innerId: {parent, status, descriptions {language: {name...}}}};
    ``manufacturers`` {innerId: {name, picture, sortOrder}}; ``files`` {filePath: bytes}
    (``file_meta`` {filePath: {type, uploaded}}); ``product_images`` {innerId: {product_id,
    imagePath, imageAlt, sortOrder}}; ``product_classes`` {innerId: {name, first, second,
    attributes}}; ``list_attributes`` {innerId: {name, descriptions}};
    ``list_attribute_values`` {innerId: {attribute_id, descriptions {language: name}}};
    ``customers`` {innerId: {person {first_name, last_name, email, phone_text...}, group,
    password, addresses [...]}} (a seeded buyer has no ``addresses`` key: the one of their
    orders is answered).

    The WooCommerce-only kwargs (``prices_include_tax``, ``tax_round_at_subtotal``) are
    accepted and ignored; ``currency`` must be HUF (or None), ``price_decimals`` 0/None.
    """

    def __init__(
        self,
        seed=1,
        orders=50,
        products=20,
        currency=None,
        prices_include_tax=False,
        tax_round_at_subtotal=False,
        price_decimals=None,
        shop_name="demo",
    ):
        if currency not in (None, "HUF"):
            raise ValueError("the Shoprenter emulator seeds forint (HUF) shops only")
        if price_decimals not in (None, 0):
            raise ValueError("a forint shop has 0 decimals")
        self.config = {
            "seed": seed,
            "orders": int(orders),
            "products": max(int(products), 1),
            "currency": "HUF",
            "price_decimals": 0,
            "shop_name": shop_name,
            "token_ttl": TOKEN_TTL,
            "rate_limit": RATE_LIMIT,
            "file_upload_status": 204,
        }
        self.shop_name = shop_name
        self.lock = threading.RLock()
        self.site_url = "http://127.0.0.1"
        self._queue: queue.Queue | None = None
        self.reset()

    # ------------------------------------------------------------------ seeding
    def reset(self) -> None:
        """Rebuild the seeded state; forget writes, webhooks and deliveries."""
        with self.lock:
            cfg = self.config
            self.rng = random.Random(f"shoprenter-{cfg['seed']}")
            self.gen = DataGenerator(cfg["seed"], "HUF")
            self._counters = {
                "order": 99,
                "order_product": 500,
                "order_total": 2000,
                "history": 3000,
                "product": 100,
                "customer": 33,
                "special": 2240,
                "webhook": 143,
                "seq": 0,
                "category": 100,
                "manufacturer": 0,
                "product_image": 0,
                "product_class": 0,
                "attribute": 0,
                "attribute_value": 0,
                "address": 5000,
            }
            self.received: list[dict] = []
            self.webhooks: dict[int, dict] = {}
            self.webhook_deliveries: list[dict] = []
            # order innerId -> top-level fields served as given (see ``override_order``)
            self.order_overrides: dict[int, dict] = {}
            self.specials: dict[int, dict] = {}
            self.products: dict[int, dict] = {}
            self.customers: dict[int, dict] = {}
            self.orders: dict[int, dict] = {}
            # The catalogue (see ``category_json``, ``manufacturer_json``...): innerId -> dict.
            self.categories: dict[int, dict] = {}
            for inner, name, parent in CATEGORIES:
                self.categories[inner] = {
                    "id": inner,
                    "parent": parent or None,
                    "status": "1",
                    "sortOrder": "0",
                    "picture": "",
                    "productsStatus": "1",
                    "descriptions": {1: {"name": name}},
                    "created": None,  # seeded: the fixed 2024-03-01T09:00:00
                    "updated": None,
                }
            self.manufacturers: dict[int, dict] = {}
            self.files: dict[str, bytes] = {}  # filePath -> content (``POST /files``)
            self.file_meta: dict[str, dict] = {}  # filePath -> {"type", "uploaded"}
            self.product_images: dict[int, dict] = {}
            self.product_classes: dict[int, dict] = {}
            self.list_attributes: dict[int, dict] = {}
            self.list_attribute_values: dict[int, dict] = {}
            for index in range(cfg["products"]):
                self._seed_product(index)
            for product in list(self.products.values())[:3]:  # a few sale prices
                self._add_special(
                    product["id"],
                    None,
                    (product["price"] * Decimal("0.9")).quantize(FOUR),
                    EMPTY_DATE,
                    EMPTY_DATE,
                    EPOCH - timedelta(days=30),
                )
            count = cfg["orders"]
            starts = sorted(
                EPOCH - timedelta(minutes=self.rng.randint(60, 120 * 24 * 60)) for _ in range(count)
            )
            for index, created in enumerate(starts):
                abandoned = index % 10 == 7
                self._add_order(self._draft(created, None if abandoned else "random"))

    def configure(self, token_ttl=None, rate_limit=None, file_upload_status=None) -> dict:
        """``POST /_emulator/config``: token lifetime (s) for new tokens, requests per s (0 off),
        the answer to ``POST /files`` (204 without a body as file/data.json says, or 201 with
        ``{filePath, type}`` as the ex05 example prints)."""
        with self.lock:
            if file_upload_status is not None:
                if int(file_upload_status) not in (200, 201, 204):
                    raise ValueError("file_upload_status must be 200, 201 or 204")
                self.config["file_upload_status"] = int(file_upload_status)
            if token_ttl is not None:
                if int(token_ttl) < 1:
                    raise ValueError("token_ttl must be at least 1 second")
                self.config["token_ttl"] = int(token_ttl)
            if rate_limit is not None:
                if int(rate_limit) < 0:
                    raise ValueError("rate_limit must be 0 (off) or more")
                self.config["rate_limit"] = int(rate_limit)
            return {k: self.config[k] for k in ("token_ttl", "rate_limit", "file_upload_status")}

    #: what ``snapshot`` leaves out: the lock and the webhook sender, which live on
    _LIVE = frozenset({"lock", "_queue", "site_url"})

    def snapshot(self) -> dict:
        """The whole state, to come back to with ``restore``."""
        with self.lock:
            return copy.deepcopy({k: v for k, v in vars(self).items() if k not in self._LIVE})

    def restore(self, state: dict) -> None:
        """Back to a ``snapshot``; the snapshot stays reusable."""
        with self.lock:
            vars(self).update(copy.deepcopy(state))

    def _next(self, kind: str, gap: int = 1) -> int:
        self._counters[kind] += self.rng.randint(1, gap) if gap > 1 else 1
        return self._counters[kind]

    def _seed_product(self, index: int) -> dict:
        rng = self.rng
        category = (
            [21, 22, 23, 25, 26, 27][index % 6]
            if index < 6
            else rng.choice([21, 21, 22, 23, 25, 25, 26, 26, 26])
        )
        tax_class, nouns, (low, high) = PRODUCT_KINDS[category]
        noun = rng.choice(nouns)
        if category == 27:
            gross = Decimal(rng.choice([5000, 10000, 20000]))
            name = f"{noun} {int(gross)} Ft"
        else:
            gross = Decimal(rng.randint(low, high) * 50 - rng.choice([0, 10]))
            name = f"{rng.choice(ADJECTIVES)} {noun}"
            if category == 25:
                name += f", {rng.choice(COLORS)}, {rng.choice(['S', 'M', 'L', 'XL'])}"
        rate = TAX_CLASSES[tax_class][2]
        inner = self._next("product")
        created = EPOCH - timedelta(days=rng.uniform(130, 700))
        product = {
            "id": inner,
            "sku": f"SR-{1000 + index}",
            "name": name,
            "gtin": "".join(str(rng.randint(0, 9)) for _ in range(13))
            if rng.random() < 0.6
            else "",
            "gross": gross,
            "price": (gross / (1 + rate / 100)).quantize(FOUR, ROUND_HALF_UP),
            "tax_class": tax_class,
            "stock": [rng.randint(0, 40), rng.choice([0, 0, rng.randint(1, 8)]), 0, 0],
            "subtract_stock": "1",
            "status": "1",
            "categories": [category] + ([20] if category in (21, 22) else []),
            "created": created,
            "updated": created + timedelta(days=rng.uniform(0, 100)),
        }
        product.update(self._product_defaults(product["sku"], name))
        product["main_picture"] = f"product/{product['sku']}.jpg"
        self.products[inner] = product
        return product

    @staticmethod
    def _product_defaults(sku: str, name: str) -> dict:
        """The catalogue fields of a product (beyond stock, price and the rest above)."""
        return {
            "model_number": "",
            "main_picture": "",
            "image_alt": name,
            "weight": "0.00",
            "weight_unit": 1,
            "orderable": "1",
            "available_date": "0000-00-00",
            "in_stock_status": None,
            "no_stock_status": None,
            "manufacturer": None,
            "parent": None,
            "product_class": None,
            # language innerId -> description fields (None dates: the product's)
            "descriptions": {
                1: {
                    "name": name,
                    "shortDescription": "",
                    "description": f"<p>{name}</p>",
                    "parameters": "",
                    "measurementUnit": "db",
                }
            },
            "group_prices": {},  # customer group innerId -> net price (customerGroupProductPrices)
            "list_values": [],  # listAttributeValue innerIds (productListAttributeValueRelations)
        }

    def _add_special(self, product_id, group, price, date_from, date_to, created) -> dict:
        special = {
            "id": self._next("special"),
            "product_id": product_id,
            "group": group,
            "priority": "1",
            "price": price,
            "dateFrom": date_from,
            "dateTo": date_to,
            "minQuantity": "0",
            "maxQuantity": "0",
            "isLimitedDiscount": "0",
            "maxOrderableCount": "0",
            "created": created,
        }
        self.specials[special["id"]] = special
        return special

    def _person(self, registered: bool) -> tuple[dict, int | None]:
        """A Hungarian buyer; registered ones come back sometimes (same customer record)."""
        rng = self.rng
        if registered and self.customers and rng.random() < 0.35:
            customer = rng.choice(list(self.customers.values()))
            return customer["person"], customer["id"]
        person = self.gen.new_person("HU")
        person["phone_text"] = (
            "" if person["no_phone"] else render_phone(person["phone"], person["phone_style"])
        )
        if not registered:
            return person, None
        inner = self._next("customer", 3)
        group = DEFAULT_GROUP if rng.random() < 0.8 else 6
        self.customers[inner] = {"id": inner, "person": person, "group": group}
        return person, inner

    def _draft(
        self,
        created: datetime,
        status,
        lines=None,
        coupon=None,
        shipping=None,
        payment=None,
        customer=None,
    ) -> dict:
        """An order to add: random where the caller gave nothing."""
        rng = self.rng
        if lines is None:
            products = rng.sample(
                list(self.products.values()), min(len(self.products), rng.randint(1, 4))
            )
            lines = [{"product": p, "qty": rng.choice([1, 1, 1, 2, 3])} for p in products]
        if shipping is None:
            shipping = rng.choices([18, 19, 20], [5, 3, 2])[0]
        if payment is None:
            payment = rng.choices(list(PAYMENT_MODES), [4, 2, 3])[0]
        registered = rng.random() < 0.55 if customer is None else customer == "registered"
        person, customer_id = self._person(registered)
        if coupon is None and rng.random() < 0.15:
            coupon = rng.choice(list(COUPONS))
            lines_27 = sum(
                (
                    ln["product"]["price"] * ln["qty"]
                    for ln in lines
                    if ln["product"]["tax_class"] == 10
                ),
                ZERO,
            )
            if coupon == "KUPON2000" and lines_27 < Decimal(1575):
                coupon = "TAVASZ10"
        if status == "random":
            age = (EPOCH - created).days
            weights = [2, 3, 2, 6, 1, 0.3, 0.3] if age > 7 else [5, 4, 1, 0.5, 0.5, 0, 0.5]
            status = rng.choices(list(STATUSES), weights)[0]
        other = self.gen.new_person("HU") if rng.random() < 0.2 else None
        return {
            "created": created,
            "status": status,
            "lines": lines,
            "coupon": coupon,
            "shipping": shipping,
            "payment": payment,
            "person": person,
            "ship_to": other or person,
            "customer_id": customer_id,
            "comment": rng.choice(["", "", "", "Kérem, hívjon kiszállítás előtt."]),
        }

    def _add_order(self, draft: dict) -> dict:
        rng = self.rng
        inner = self._next("order", 2)
        created = draft["created"]
        abandoned = draft["status"] is None
        lines = []
        for ln in draft["lines"]:
            product = ln["product"]
            rate = TAX_CLASSES[product["tax_class"]][2]
            qty = int(ln["qty"])
            lines.append(
                {
                    "id": self._next("order_product"),
                    "product_id": product["id"],
                    "sku": product["sku"],
                    "name": product["name"],
                    "gtin": product["gtin"],
                    "price": product["price"],
                    "gross": product["gross"],
                    "rate": rate,
                    "qty": qty,
                    "stock": [0, 0, 0, 0] if abandoned else self._warehouses(product, qty),
                }
            )
        money = price_order(lines, draft["shipping"], draft["payment"], draft["coupon"])
        totals = [
            {"id": self._next("order_total"), "type": t, "name": n, "value": v, "sort": s, "key": k}
            for t, n, v, s, k in money["rows"]
        ]
        customer_group = (
            self.customers[draft["customer_id"]]["group"] if draft["customer_id"] else DEFAULT_GROUP
        )
        order = {
            "id": inner,
            "created": created,
            "updated": created,
            "status": draft["status"],
            "person": draft["person"],
            "ship_to": draft["ship_to"],
            "customer_id": draft["customer_id"],
            "customer_group": customer_group,
            "lines": lines,
            "totals": totals,
            "money": money,
            "shipping": draft["shipping"],
            "payment": draft["payment"],
            "coupon": draft["coupon"],
            "comment": draft["comment"],
            "ip": f"84.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "history": [],
        }
        self.orders[inner] = order
        if not abandoned and created >= EPOCH:  # placed now: one history row
            self._history(order, draft["status"], "", created)
        elif not abandoned:
            self._history(order, 1, "", created)
            # a seeded order walks up to its status (1 -> ... -> status) over the next days
            moment = created
            path = {2: [2], 3: [2, 3], 4: [2, 3, 4], 5: [5], 6: [2, 3, 4, 6], 7: [7]}
            for step in path.get(draft["status"], []):
                moment = moment + timedelta(minutes=rng.randint(20, 3 * 24 * 60))
                moment = min(moment, EPOCH - timedelta(minutes=1))
                self._history(order, step, "", moment)
            order["status"] = draft["status"]
        return order

    def _warehouses(self, product: dict, qty: int) -> list[int]:
        """How many of ``qty`` come from warehouse 1..4 (mostly 1, sometimes split with 2)."""
        if qty > 1 and self.rng.random() < 0.2:
            return [qty - 1, 1, 0, 0]
        return [qty, 0, 0, 0] if self.rng.random() < 0.9 else [0, qty, 0, 0]

    def _history(self, order: dict, status: int, comment: str, moment: datetime) -> dict:
        row = {"id": self._next("history"), "status": status, "comment": comment, "at": moment}
        order["history"].append(row)
        order["status"] = status
        order["updated"] = max(order["updated"], moment)
        return row

    # ------------------------------------------------------------------ rendering
    def href(self, collection: str, ident: str) -> dict:
        return {"href": f"{self.site_url}/api/{collection}/{ident}"}

    def order_rid(self, inner: int) -> str:
        return rid("order", f"order_id={inner}")

    def product_rid(self, inner: int) -> str:
        return rid("product", f"product_id={inner}")

    @staticmethod
    def status_rid(inner: int) -> str:
        return rid("orderStatus", f"order_status_id={inner}")

    @staticmethod
    def group_rid(inner: int) -> str:
        return rid("customerGroup", f"customer_group_id={inner}")

    def _country(self, embedded: bool) -> dict:
        ident = rid("country", f"country_id={COUNTRY_ID}")
        out = self.href("countries", ident)
        if embedded:
            out.update(
                {
                    "id": ident,
                    "name": "Hungary",
                    "isoCode2": "HU",
                    "isoCode3": "HUN",
                    "status": "1",
                    "zones": {"href": f"{self.site_url}/api/zones?countryId={ident}"},
                }
            )
        return out

    def order_json(self, order: dict, extend: bool = False) -> dict:
        """``/orders/{id}`` (links) or ``/orderExtend/{id}`` (embedded) of an order."""
        ident = self.order_rid(order["id"])
        person, ship = order["person"], order["ship_to"]
        ship_name, extension, *_ = SHIPPING_MODES[order["shipping"]]
        _pay_id, pay_name, _fee, fee_rate, pay_after = PAYMENT_MODES[order["payment"]]
        money = order["money"]
        out = {
            **self.href("orderExtend" if extend else "orders", ident),
            "id": ident,
            "innerId": str(order["id"]),
            "invoiceId": "0",
            "invoicePrefix": "",
            "firstname": person["first_name"],
            "lastname": person["last_name"],
            "phone": person.get("phone_text", ""),
            "fax": "",
            "email": person["email"],
        }
        for prefix, who in (("shipping", ship), ("payment", person)):
            out.update(
                {
                    f"{prefix}Firstname": who["first_name"],
                    f"{prefix}Lastname": who["last_name"],
                    f"{prefix}Company": who["company"],
                    f"{prefix}Address1": who["address_1"],
                    f"{prefix}Address2": who["address_2"],
                    f"{prefix}City": who["city"],
                    f"{prefix}Postcode": who["postcode"],
                    f"{prefix}ZoneName": "",
                    f"{prefix}CountryName": "Hungary",
                    f"{prefix}AddressFormat": "",
                }
            )
            if prefix == "shipping":
                rate = money["shipping_rate"]
                out.update(
                    {
                        "shippingMethodName": ship_name,
                        "shippingMethodTaxRate": n4(rate),
                        "shippingMethodTaxName": f"{rate:.0f} %",
                        "shippingMethodExtension": extension,
                        "shippingReceivingPointId": "0",
                    }
                )
        out.update(
            {
                "paymentMethodName": pay_name,
                "paymentMethodCode": order["payment"] if extend else order["payment"].upper(),
                "paymentMethodTaxRate": n4(fee_rate),
                "paymentMethodTaxName": f"{fee_rate:.0f} %" if fee_rate else "",
                "paymentMethodAfter": pay_after,
                "taxNumber": person["vat"],
                "comment": order["comment"],
                "total": n4(money["total"]),
                "value": "1.00000000",
                "couponTaxRate": n4(
                    -1
                    if not order["coupon"] or COUPONS[order["coupon"]][3] is None
                    else TAX_CLASSES[COUPONS[order["coupon"]][3]][2]
                ),
                "dateCreated": iso(order["created"]),
                "dateUpdated": iso(order["updated"]),
                "ip": order["ip"],
                "pickPackPontShopCode": "",
                "loyaltyPointsTaxRate": "-1.0000",
                "customer": self.href(
                    "customers", rid("customer", f"customer_id={order['customer_id']}")
                )
                if order["customer_id"]
                else None,
                "customerGroup": self.href(
                    "customerGroups", self.group_rid(order["customer_group"])
                ),
                "shippingZone": None,
                "shippingCountry": self._country(extend),
                "paymentZone": None,
                "paymentCountry": self._country(extend),
                "orderStatus": self.href("orderStatuses", self.status_rid(order["status"]))
                if order["status"]
                else None,
            }
        )
        lang_id = rid("language", "language_id=1")
        cur_id = rid("currency", f"currency_id={CURRENCY_ID}")
        if not extend:
            out.update(
                {
                    "language": self.href("languages", lang_id),
                    "currency": self.href("currencies", cur_id),
                    "shippingMode": self.href(
                        "shippingModes", rid("shippingMode", f"id={order['shipping']}")
                    ),
                }
            )
            for key in ("orderTotals", "orderProducts", "orderGiftWrappings", "orderProductAddons"):
                out[key] = {"href": f"{self.site_url}/api/{key}?orderId={ident}"}
            out["externalInfo"] = {}
            out.update(self.order_overrides.get(order["id"], {}))
            return out
        out.update(
            {
                "language": {**self.href("languages", lang_id), "id": lang_id, **LANGUAGE},
                "currency": self.currency_json(),
                "shippingMode": self.shipping_mode_json(order["shipping"], extend=False),
                "coupon": self.coupon_json(order["coupon"]) if order["coupon"] else None,
                "orderTotals": [self.total_json(order, t) for t in order["totals"]],
                "orderProducts": [self.line_json(order, ln, extend=True) for ln in order["lines"]],
                "orderGiftWrappings": [],
                "orderProductAddons": [],
                "orderAddressIdentifications": [],
                "externalInfo": {},
                "orderCreditCards": [],
            }
        )
        out.update(self.order_overrides.get(order["id"], {}))
        return out

    def currency_json(self) -> dict:
        ident = rid("currency", f"currency_id={CURRENCY_ID}")
        return {
            **self.href("currencies", ident),
            "id": ident,
            "name": "Forint",
            "code": "HUF",
            "symbolLeft": "",
            "symbolRight": " Ft",
            "decimalPlace": "0",
            "value": "1.00000000",
            "status": "1",
            "dateUpdated": "2024-01-15 10:44:07",
        }

    def coupon_json(self, code: str) -> dict:
        inner, kind, amount, tax_class = COUPONS[code]
        ident = rid("coupon", f"coupon_id={inner}")
        return {
            **self.href("coupons", ident),
            "id": ident,
            "code": code,
            "discountType": kind,
            "percentDiscountValue": n4(amount if kind == "PERCENT" else 0),
            "loginRequired": "0",
            "freeShipping": "0",
            "fixDiscountValue": n4(amount if kind == "FIXED" else 0),
            "dateStart": "2026-01-01",
            "dateEnd": "2027-12-31",
            "totalNumberOfCoupons": "0",
            "totalNumberOfCouponsPerCustomer": "0",
            "status": "1",
            "dateCreated": "2025-12-20 16:29:02",
            "dateUpdated": "0000-00-00 00:00:00",
            "email": "",
            "minOrderLimit": "0.00",
            "maxOrderLimit": "0.00",
            "targetType": "PRODUCT",
            "validToSpecialProducts": "1",
            "validWithGiftProducts": "1",
            "validWithBulkDiscount": "1",
            "validWithLoyaltyPoints": "1",
            "bypassMinOrderLimitWithCoupon": "0",
            "taxClass": self.href("taxClasses", rid("taxClass", f"tax_class_id={tax_class}"))
            if tax_class
            else {},
            "couponDescriptions": {
                "href": f"{self.site_url}/api/couponDescriptions?couponId={ident}"
            },
        }

    def total_json(self, order: dict, row: dict) -> dict:
        ident = rid("orderTotal", f"order_total_id={row['id']}")
        return {
            **self.href("orderTotals", ident),
            "id": ident,
            "name": row["name"],
            "valueText": value_text(row["value"]),
            "value": n4(row["value"]),
            "sortOrder": row["sort"],
            "type": row["type"],
            "key": row["key"],
            "description": None,
            "dateCreated": iso(order["created"]),
            "dateUpdated": iso(order["created"]),
            "order": self.href("orders", self.order_rid(order["id"])),
        }

    def line_json(self, order: dict, line: dict, extend: bool = False) -> dict:
        ident = rid("orderProduct", f"order_product_id={line['id']}")
        price, gross = line["price"], line["gross"]
        out = {
            **self.href("orderProducts", ident),
            "id": ident,
            "innerId": str(line["id"]),
            "name": line["name"],
            "sku": line["sku"],
            "productInnerId": str(line["product_id"]),
            "modelNumber": {},
            "originalPrice": n4(price),
            "price": n4(price),
            "grossPrice": str(int(gross)),
            "originalGrossPrice": str(int(gross)),
            "originalPriceCurrency": n4(price),
            "priceCurrency": n4(price),
            "grossPriceCurrency": n4(gross),
            "originalGrossPriceCurrency": n4(gross),
            "total": n4(line["total"]),
            "taxRate": n4(line["rate"]),
            "stock1": str(line["stock"][0]),
            "stock2": str(line["stock"][1]),
            "stock3": str(line["stock"][2]),
            "stock4": str(line["stock"][3]),
            "subtractStock": "1",
            "dateCreated": iso(order["created"]),
            "dateUpdated": iso(order["created"]),
            "gtin": line["gtin"],
            "durableMediaDevice": "1",
            "order": self.href("orders", self.order_rid(order["id"])),
            "product": self.href("products", self.product_rid(line["product_id"])),
            "orderProductOptions": {
                "href": f"{self.site_url}/api/orderProductOptions?orderProductId={ident}"
            },
        }
        if not extend:
            out["parentProduct"] = self.href("products", self.product_rid(line["product_id"]))
        return out

    def history_json(self, order: dict, row: dict) -> dict:
        ident = rid("orderHistory", f"order_history_id={row['id']}")
        return {
            **self.href("orderHistories", ident),
            "id": ident,
            "innerId": str(row["id"]),
            "comment": row["comment"],
            "dateAdded": spaced(row["at"]),
            "order": self.href("orders", self.order_rid(order["id"])),
            "orderStatus": self.href("orderStatuses", self.status_rid(row["status"])),
        }

    def status_json(self, inner: int) -> dict:
        ident = self.status_rid(inner)
        return {
            **self.href("orderStatuses", ident),
            "id": ident,
            "orderStatusDescriptions": {
                "href": f"{self.site_url}/api/orderStatusDescriptions?orderStatusId={ident}"
            },
        }

    def status_description_json(self, inner: int) -> dict:
        ident = rid("orderStatusDescription", f"order_status_id={inner}&language_id=1")
        name, color, _ = STATUSES[inner]
        return {
            **self.href("orderStatusDescriptions", ident),
            "id": ident,
            "name": name,
            "color": color,
            "orderStatus": self.href("orderStatuses", self.status_rid(inner)),
            "language": self.href("languages", rid("language", "language_id=1")),
        }

    def product_json(self, product: dict, extend: bool = False) -> dict:
        ident = self.product_rid(product["id"])
        tax_id = rid("taxClass", f"tax_class_id={product['tax_class']}")
        out = {
            **self.href("productExtend" if extend else "products", ident),
            "id": ident,
            "innerId": str(product["id"]),
            "sku": product["sku"],
            "modelNumber": product["model_number"] or {},
            "orderable": product["orderable"],
            "price": n4(product["price"]),
            "multiplier": "1.0000",
            "multiplierLock": "0",
            "loyaltyPoints": {},
            "stock1": str(product["stock"][0]),
            "stock2": str(product["stock"][1]),
            "stock3": str(product["stock"][2]),
            "stock4": str(product["stock"][3]),
            "subtractStock": product["subtract_stock"],
            "mainPicture": product["main_picture"],
            "width": "0.00",
            "height": "0.00",
            "length": "0.00",
            "weight": product["weight"],
            "status": product["status"],
            "shipped": "1",
            "minimalOrderNumber": "1",
            "maximalOrderNumber": "0",
            "minimalOrderNumberMultiply": "0",
            "availableDate": product["available_date"],
            "quantity": "0.0000",
            "sortOrder": "0",
            "dateCreated": iso(product["created"]),
            "dateUpdated": iso(product["updated"]),
            "imageAlt": product["image_alt"],
            "freeShipping": "0",
            "durableMediaDevice": "0",
            "gtin": product["gtin"],
        }

        def link(collection, resource, column, inner):
            return self.href(collection, rid(resource, f"{column}={inner}")) if inner else {}

        links = {
            "taxClass": self.href("taxClasses", tax_id),
            "noStockStatus": link(
                "stockStatuses", "stockStatus", "stock_status_id", product["no_stock_status"]
            ),
            "inStockStatus": link(
                "stockStatuses", "stockStatus", "stock_status_id", product["in_stock_status"]
            ),
            "productClass": link(
                "productClasses", "productClass", "product_class_id", product["product_class"]
            ),
            # no parent: the product's own link, as the fixtures show it
            "parentProduct": self.href(
                "products", self.product_rid(product["parent"] or product["id"])
            ),
            "weightUnit": link(
                "weightClasses", "weightClass", "weight_class_id", product["weight_unit"]
            ),
        }
        query = f"?productId={ident}"
        if not extend:
            out.update(links)
            out["manufacturer"] = link(
                "manufacturers", "manufacturer", "manufacturer_id", product["manufacturer"]
            )
            for key in (
                "productDescriptions",
                "productCategoryRelations",
                "productSpecials",
                "productImages",
                "customerGroupProductPrices",
                "productListAttributeValueRelations",
            ):
                out[key] = {"href": f"{self.site_url}/api/{key}{query}"}
            return out
        rate = TAX_CLASSES[product["tax_class"]][2]
        prices = []
        for group, (_, pct) in CUSTOMER_GROUPS.items():
            net = product["group_prices"].get(group)
            if net is None:
                net = (product["price"] * (100 - Decimal(pct)) / 100).quantize(FOUR, ROUND_HALF_UP)
            special = self._active_special(product["id"], group)
            prices.append(
                {
                    "customerGroup": {
                        "id": self.group_rid(group),
                        "innerId": group,
                        "default": group == DEFAULT_GROUP,
                    },
                    "net": str(forint(net)),
                    "netOriginal": str(forint(net)),
                    "netSpecial": str(forint(special)) if special is not None else None,
                    "gross": str(forint(net * (1 + rate / 100))),
                    "grossOriginal": str(forint(net * (1 + rate / 100))),
                    "grossSpecial": str(forint(special * (1 + rate / 100)))
                    if special is not None
                    else None,
                    "currencyCode": "HUF",
                }
            )
        manufacturer = self.manufacturers.get(product["manufacturer"])
        out.update(
            {
                "productPrices": prices,
                **links,
                "manufacturer": self.manufacturer_json(manufacturer) if manufacturer else {},
                "allImages": self.all_images(product),
                "productDescriptions": [
                    self.product_description_json(product, language)
                    for language in sorted(product["descriptions"])
                ],
                "productCategoryRelations": [
                    self.product_category_json(product["id"], c) for c in product["categories"]
                ],
                "productSpecials": [
                    self.special_json(s)
                    for s in self.specials.values()
                    if s["product_id"] == product["id"]
                ],
                "productListAttributeValueRelations": {
                    "href": f"{self.site_url}/api/productListAttributeValueRelations{query}"
                },
                "customerGroupProductPrices": [
                    self.group_price_json(product["id"], group)
                    for group in sorted(product["group_prices"])
                ],
            }
        )
        return out

    #: description fields the API prints as ``{}`` when empty (the XML->JSON artefact)
    _EMPTY_AS_OBJECT = (
        "metaTitle",
        "metaKeywords",
        "metaDescription",
        "packagingUnit",
        "customContentTitle",
        "customContent",
        "videoCode",
    )

    def product_description_json(self, product: dict, language: int) -> dict:
        desc = product["descriptions"][language]
        ident = rid("productDescription", f"product_id={product['id']}&language_id={language}")
        out = {**self.href("productDescriptions", ident), "id": ident}
        for key in (
            "name",
            "metaTitle",
            "metaKeywords",
            "metaDescription",
            "shortDescription",
            "description",
            "parameters",
            "packagingUnit",
            "measurementUnit",
            "customContentTitle",
            "customContent",
        ):
            value = desc.get(key, "")
            out[key] = ({} if key in self._EMPTY_AS_OBJECT else "") if value == "" else value
        out.update(
            {
                "dateCreated": iso(desc.get("created") or product["created"]),
                "dateUpdated": iso(desc.get("updated") or product["updated"]),
                "videoCode": desc.get("videoCode") or {},
                "product": self.href("products", self.product_rid(product["id"])),
                "language": self.href("languages", rid("language", f"language_id={language}")),
            }
        )
        return out

    def product_category_json(self, product_id: int, category_id: int) -> dict:
        ident = rid("productCategory", f"product_id={product_id}&category_id={category_id}")
        return {
            **self.href("productCategoryRelations", ident),
            "id": ident,
            "product": self.href("products", self.product_rid(product_id)),
            "category": self.href("categories", rid("category", f"category_id={category_id}")),
        }

    def image_url(self, path: str) -> str:
        """A picture's public URL (the shop's image cache, as ``allImages`` prints it)."""
        meta = self.file_meta.get(path)
        stamp = int(meta["uploaded"].timestamp()) if meta else int(EPOCH.timestamp())
        return (
            f"{self.site_url}/custom/{self.shop_name}/image/cache/w460h460wt1/{path}"
            f"?lastmod={stamp}.{stamp}"
        )

    def product_image_rows(self, product_id: int) -> list[dict]:
        rows = [i for i in self.product_images.values() if i["product_id"] == product_id]
        return sorted(rows, key=lambda i: (int(i["sortOrder"] or 0), i["id"]))

    def all_images(self, product: dict) -> dict:
        """``allImages`` (read-only): ``mainImage`` first, then ``image1``... by sortOrder."""
        out = {}
        if product["main_picture"]:
            out["mainImage"] = self.image_url(product["main_picture"])
        for number, image in enumerate(self.product_image_rows(product["id"]), start=1):
            out[f"image{number}"] = self.image_url(image["imagePath"])
        return out

    def product_image_json(self, image: dict) -> dict:
        ident = rid("productImage", f"product_image_id={image['id']}")
        return {
            **self.href("productImages", ident),
            "id": ident,
            "imagePath": image["imagePath"],
            "imageAlt": image["imageAlt"],
            "sortOrder": image["sortOrder"],
            "product": self.href("products", self.product_rid(image["product_id"])),
        }

    def group_price_json(self, product_id: int, group: int) -> dict:
        ident = rid(
            "customerGroupProductPrice", f"customer_group_id={group}&product_id={product_id}"
        )
        return {
            **self.href("customerGroupProductPrices", ident),
            "id": ident,
            "price": n4(self.products[product_id]["group_prices"][group]),
            "customerGroup": self.href("customerGroups", self.group_rid(group)),
            "product": self.href("products", self.product_rid(product_id)),
        }

    def manufacturer_json(self, maker: dict) -> dict:
        ident = rid("manufacturer", f"manufacturer_id={maker['id']}")
        return {
            **self.href("manufacturers", ident),
            "id": ident,
            "innerId": str(maker["id"]),
            "name": maker["name"],
            "picture": maker["picture"] or {},
            "sortOrder": maker["sortOrder"],
            "robotsMetaTag": maker["robotsMetaTag"],
            "dateCreated": iso(maker["created"]),
            "dateUpdated": iso(maker["updated"]),
            "manufacturerDescriptions": {
                "href": f"{self.site_url}/api/manufacturerDescriptions?manufacturerId={ident}"
            },
        }

    def product_class_json(self, cls: dict) -> dict:
        ident = rid("productClass", f"product_class_id={cls['id']}")

        def param(inner):
            return (
                self.href("listAttributes", rid("listAttribute", f"attribute_id={inner}"))
                if inner
                else None
            )

        return {
            **self.href("productClasses", ident),
            "id": ident,
            "name": cls["name"],
            "description": cls["description"],
            "firstVariantSelectType": cls["firstVariantSelectType"],
            "secondVariantSelectType": cls["secondVariantSelectType"],
            "firstVariantParameter": param(cls["first"]),
            "secondVariantParameter": param(cls["second"]),
            "productClassAttributeRelations": {
                "href": f"{self.site_url}/api/productClassAttributeRelations?productClassId={ident}"
            },
        }

    def class_attribute_json(self, class_id: int, attribute_id: int) -> dict:
        ident = rid(
            "productClassAttributeRelation",
            f"product_class_id={class_id}&attribute_id={attribute_id}",
        )
        return {
            **self.href("productClassAttributeRelations", ident),
            "id": ident,
            "productClass": self.href(
                "productClasses", rid("productClass", f"product_class_id={class_id}")
            ),
            "attribute": self.href(
                "listAttributes", rid("listAttribute", f"attribute_id={attribute_id}")
            ),
        }

    def list_attribute_json(self, attr: dict) -> dict:
        ident = rid("listAttribute", f"attribute_id={attr['id']}")
        default = attr["default_value"]
        return {
            **self.href("listAttributes", ident),
            "id": ident,
            "type": attr["type"],
            "name": attr["name"],
            "priority": attr["priority"],
            "sortOrder": attr["sortOrder"],
            "required": attr["required"],
            "presentation": attr["presentation"],
            "listAttributeWidget": self.href(
                "listAttributeWidgets", rid("listAttributeWidget", f"attribute_id={attr['id']}")
            ),
            "defaultListAttributeValue": self.href(
                "listAttributeValues", self.value_rid(attr["id"], default)
            )
            if default
            else None,
            "attributeDescriptions": {
                "href": f"{self.site_url}/api/attributeDescriptions?listAttributeId={ident}"
            },
            "listAttributeValues": {
                "href": f"{self.site_url}/api/listAttributeValues?listAttributeId={ident}"
            },
        }

    def attribute_description_json(self, attr: dict, language: int) -> dict:
        desc = attr["descriptions"][language]
        ident = rid("attributeDescription", f"attribute_id={attr['id']}&language_id={language}")
        return {
            **self.href("attributeDescriptions", ident),
            "id": ident,
            "name": desc["name"],
            "description": desc["description"] or {},
            "prefix": desc["prefix"] or {},
            "postfix": desc["postfix"] or {},
            "attribute": self.href(
                "listAttributes", rid("listAttribute", f"attribute_id={attr['id']}")
            ),
            "language": self.href("languages", rid("language", f"language_id={language}")),
        }

    @staticmethod
    def value_rid(attribute_id: int, value_id: int) -> str:
        return rid("listAttributeValue", f"attribute_id={attribute_id}&value_id={value_id}")

    def list_value_json(self, value: dict) -> dict:
        ident = self.value_rid(value["attribute_id"], value["id"])
        return {
            **self.href("listAttributeValues", ident),
            "id": ident,
            "listAttribute": self.href(
                "listAttributes", rid("listAttribute", f"attribute_id={value['attribute_id']}")
            ),
            "listAttributeValueDescriptions": {
                "href": f"{self.site_url}/api/listAttributeValueDescriptions"
                f"?listAttributeValueId={ident}"
            },
        }

    def list_value_description_json(self, value: dict, language: int) -> dict:
        ident = rid(
            "listAttributeValueDescription",
            f"language_id={language}&attribute_id={value['attribute_id']}&value_id={value['id']}",
        )
        return {
            **self.href("listAttributeValueDescriptions", ident),
            "id": ident,
            "name": value["descriptions"][language],
            "language": self.href("languages", rid("language", f"language_id={language}")),
            "listAttributeValue": self.href(
                "listAttributeValues", self.value_rid(value["attribute_id"], value["id"])
            ),
        }

    def product_value_json(self, product_id: int, value_id: int) -> dict:
        value = self.list_attribute_values[value_id]
        ident = rid(
            "productListAttributeValueRelation",
            f"product_id={product_id}&attribute_id={value['attribute_id']}&value_id={value_id}",
        )
        return {
            **self.href("productListAttributeValueRelations", ident),
            "id": ident,
            "product": self.href("products", self.product_rid(product_id)),
            "listAttributeValue": self.href(
                "listAttributeValues", self.value_rid(value["attribute_id"], value_id)
            ),
        }

    def stock_status_json(self, inner: int) -> dict:
        ident = rid("stockStatus", f"stock_status_id={inner}")
        return {
            **self.href("stockStatuses", ident),
            "id": ident,
            "stockStatusDescriptions": {
                "href": f"{self.site_url}/api/stockStatusDescriptions?stockStatusId={ident}"
            },
        }

    def stock_status_description_json(self, inner: int, language: int) -> dict:
        ident = rid("stockStatusDescription", f"stock_status_id={inner}&language_id={language}")
        hungarian, english, color = STOCK_STATUSES[inner]
        return {
            **self.href("stockStatusDescriptions", ident),
            "id": ident,
            "name": hungarian if language == 1 else english,
            "color": color,
            "stockStatus": self.href(
                "stockStatuses", rid("stockStatus", f"stock_status_id={inner}")
            ),
            "language": self.href("languages", rid("language", f"language_id={language}")),
        }

    def weight_class_json(self, inner: int) -> dict:
        ident = rid("weightClass", f"weight_class_id={inner}")
        title, unit, value = WEIGHT_CLASSES[inner]
        return {
            **self.href("weightClasses", ident),
            "id": ident,
            "value": value,
            "title": title,
            "unit": unit,
        }

    def country_json(self, inner: int) -> dict:
        ident = rid("country", f"country_id={inner}")
        name, iso2, iso3 = COUNTRIES[inner]
        return {
            **self.href("countries", ident),
            "id": ident,
            "name": name,
            "isoCode2": iso2,
            "isoCode3": iso3,
            "status": "1",
            "zones": {"href": f"{self.site_url}/api/zones?countryId={ident}"},
            "geoZones": {"href": f"{self.site_url}/api/countries/{ident}/geoZones"},
        }

    def _active_special(self, product_id: int, group: int) -> Decimal | None:
        now = spaced(utcnow())
        best = None
        for s in self.specials.values():
            if s["product_id"] != product_id or s["group"] not in (None, group):
                continue
            if s["dateFrom"] != EMPTY_DATE and s["dateFrom"] > now:
                continue
            if s["dateTo"] != EMPTY_DATE and s["dateTo"] < now:
                continue
            if best is None or int(s["priority"]) < int(best["priority"]):
                best = s
        return best["price"] if best else None

    def special_json(self, special: dict) -> dict:
        ident = rid("productSpecial", f"product_special_id={special['id']}")
        return {
            **self.href("productSpecials", ident),
            "id": ident,
            "priority": special["priority"],
            "price": n4(special["price"]),
            "dateFrom": special["dateFrom"],
            "dateTo": special["dateTo"],
            "minQuantity": special["minQuantity"],
            "maxQuantity": special["maxQuantity"],
            "isLimitedDiscount": special["isLimitedDiscount"],
            "maxOrderableCount": special["maxOrderableCount"],
            "type": "interval",
            "dateCreated": iso(special["created"]),
            "product": self.href("products", self.product_rid(special["product_id"])),
            "customerGroup": self.href("customerGroups", self.group_rid(special["group"]))
            if special["group"]
            else {},
        }

    def group_json(self, inner: int) -> dict:
        ident = self.group_rid(inner)
        name, pct = CUSTOMER_GROUPS[inner]
        return {
            **self.href("customerGroups", ident),
            "id": ident,
            "innerId": str(inner),
            "name": name,
            "percentDiscount": pct,
            "percentDiscountSpecialPrices": "0",
        }

    def customer_json(self, customer: dict, extend: bool = False) -> dict:
        """``/customers/{id}``, or ``/customerExtend/{id}`` with the addresses embedded."""
        ident = rid("customer", f"customer_id={customer['id']}")
        p = customer["person"]
        created = iso(customer["created"]) if customer.get("created") else "2025-06-01T10:00:00"
        updated = iso(customer["updated"]) if customer.get("updated") else "2025-06-01T10:00:00"
        out = {
            **self.href("customerExtend" if extend else "customers", ident),
            "id": ident,
            "innerId": str(customer["id"]),
            "firstname": p["first_name"],
            "lastname": p["last_name"],
            "email": p["email"],
            "telephone": p.get("phone_text", ""),
            "fax": customer.get("fax", ""),
            "newsletter": customer.get("newsletter", "0"),
            "status": customer.get("status", "1"),
            "approved": customer.get("approved", "1"),
            "freeShipping": customer.get("freeShipping", "0"),
            "dateCreated": created,
            "dateUpdated": updated,
            "customerGroup": self.href("customerGroups", self.group_rid(customer["group"])),
        }
        addresses = self.customer_addresses(customer)
        first = (
            self.href("addresses", rid("address", f"address_id={addresses[0]['id']}"))
            if addresses
            else {}
        )
        if not extend:
            out["defaultAddress"] = first
            out["addresses"] = {"href": f"{self.site_url}/api/addresses?customerId={ident}"}
            return out
        out["password"] = customer.get("password") or self.seeded_password(customer["id"])
        out["defaultAddress"] = first
        out["addresses"] = [self.address_json(customer, a) for a in addresses]
        return out

    @staticmethod
    def seeded_password(inner: int) -> str:
        """A stable bcrypt-shaped hash for a seeded customer (never a real password)."""
        digest = base64.b64encode(hashlib.sha256(f"customer-{inner}".encode()).digest() * 2)
        salt = digest.decode().replace("+", ".").replace("=", "")[:53]
        return f"$2y$10${salt}"

    def customer_addresses(self, customer: dict) -> list[dict]:
        """The stored addresses, or for a seeded buyer the one of their orders."""
        if "addresses" in customer:
            return customer["addresses"]
        p = customer["person"]
        return [
            {
                "id": customer["id"],
                "company": p.get("company", ""),
                "firstname": p["first_name"],
                "lastname": p["last_name"],
                "taxNumber": p.get("vat", ""),
                "type": "business" if p.get("company") else "private",
                "address1": p.get("address_1", ""),
                "address2": p.get("address_2", ""),
                "postcode": p.get("postcode", ""),
                "city": p.get("city", ""),
                "telephone": p.get("phone_text", ""),
                "country": COUNTRY_ID,
                "zone": None,
                "created": None,
                "updated": None,
            }
        ]

    def address_json(self, customer: dict, address: dict) -> dict:
        ident = rid("address", f"address_id={address['id']}")
        stamp = iso(address["created"]) if address["created"] else "2025-06-01T10:00:00"
        return {
            **self.href("addresses", ident),
            "id": ident,
            "innerId": str(address["id"]),
            "company": address["company"],
            "firstname": address["firstname"],
            "lastname": address["lastname"],
            "taxNumber": address["taxNumber"],
            "type": address["type"],
            "address1": address["address1"],
            "address2": address["address2"],
            "postcode": address["postcode"],
            "city": address["city"],
            "dateCreated": stamp,
            "dateUpdated": iso(address["updated"]) if address["updated"] else stamp,
            "telephone": address["telephone"] or {},
            "customer": self.href("customers", rid("customer", f"customer_id={customer['id']}")),
            "country": self.href("countries", rid("country", f"country_id={address['country']}")),
            "zone": self.href("zones", rid("zone", f"zone_id={address['zone']}"))
            if address["zone"]
            else {},
        }

    def category_json(self, category: dict, extend: bool = True) -> dict:
        inner = category["id"]
        ident = rid("category", f"category_id={inner}")
        parent = category["parent"]
        fixed = "2024-03-01T09:00:00"
        out = {
            **self.href("categoryExtend" if extend else "categories", ident),
            "id": ident,
            "innerId": str(inner),
            "picture": category["picture"] or {},
            "sortOrder": category["sortOrder"],
            "status": category["status"],
            "productsStatus": category["productsStatus"],
            "groupCode": {},
            "dateCreated": iso(category["created"]) if category["created"] else fixed,
            "dateUpdated": iso(category["updated"]) if category["updated"] else fixed,
            "parentCategory": self.href("categories", rid("category", f"category_id={parent}"))
            if parent
            else {},
            "centralCategory": {},
        }
        if not extend:
            out["categoryDescriptions"] = {
                "href": f"{self.site_url}/api/categoryDescriptions?categoryId={ident}"
            }
            out["customerGroups"] = {
                "href": f"{self.site_url}/api/categories/{ident}/customerGroups"
            }
            return out
        out["categoryDescriptions"] = [
            self.category_description_json(category, language)
            for language in sorted(category["descriptions"])
        ]
        out["categoryCustomerGroupRelations"] = []
        return out

    def category_description_json(self, category: dict, language: int) -> dict:
        desc = category["descriptions"][language]
        ident = rid("categoryDescription", f"category_id={category['id']}&language_id={language}")
        out = {**self.href("categoryDescriptions", ident), "id": ident, "name": desc["name"]}
        for key in (
            "metaKeywords",
            "metaDescription",
            "description",
            "customTitle",
            "robotsMetaTag",
            "footerSeoText",
            "heading",
            "shortDescription",
        ):
            out[key] = desc.get(key) or ("0" if key == "robotsMetaTag" else {})
        out["category"] = self.href("categories", rid("category", f"category_id={category['id']}"))
        out["language"] = self.href("languages", rid("language", f"language_id={language}"))
        return out

    def tax_class_json(self, inner: int) -> dict:
        ident = rid("taxClass", f"tax_class_id={inner}")
        name, description, *_ = TAX_CLASSES[inner]
        return {
            **self.href("taxClasses", ident),
            "id": ident,
            "name": name,
            "description": description,
            "dateCreated": "2020-01-01T00:00:00",
            "dateUpdated": "2020-01-01T00:00:00",
            "taxRates": {"href": f"{self.site_url}/api/taxRates?taxClassId={ident}"},
        }

    def tax_rate_json(self, class_id: int) -> dict:
        name, _, rate, inner = TAX_CLASSES[class_id]
        ident = rid("taxRate", f"tax_rate_id={inner}")
        return {
            **self.href("taxRates", ident),
            "id": ident,
            "priority": "1",
            "rate": f"{rate:.0f}",
            "description": name,
            "dateCreated": "2020-01-01T00:00:00",
            "dateUpdated": "2020-01-01T00:00:00",
            "geoZone": self.href("geoZones", rid("geoZone", "geo_zone_id=5")),
            "taxClass": self.href("taxClasses", rid("taxClass", f"tax_class_id={class_id}")),
        }

    def shipping_mode_json(self, inner: int, extend: bool = True) -> dict:
        name, extension, kind, cost, tax_class, _ = SHIPPING_MODES[inner]
        ident = rid("shippingMode", f"id={inner}")
        out = {
            **self.href("shippingModeExtend" if extend else "shippingModes", ident),
            "id": ident,
            "innerId": str(inner),
            "sortOrder": str(inner - 17),
            "enabled": "1",
            "costCalculationBy": "PRICE",
            "freeShippingFrom": "0.0000",
            "shippingType": kind,
            "taxClass": self.href("taxClasses", rid("taxClass", f"tax_class_id={tax_class}")),
            "geoZone": None,
        }
        if not extend:
            out["shippingModeDescriptions"] = {
                "href": f"{self.site_url}/api/shippingModeDescriptions?shippingModeId={ident}"
            }
            out["shippingLanes"] = {
                "href": f"{self.site_url}/api/shippingLanes?shippingModeId={ident}"
            }
            return out
        desc_id = rid("shippingModeDescription", f"id={inner}&language_id=1")
        lane_id = rid("shippingLane", f"id={inner * 10}")
        out["extension"] = extension
        out["shippingModeDescriptions"] = [
            {
                **self.href("shippingModeDescriptions", desc_id),
                "id": desc_id,
                "name": name,
                "description": "",
                "shippingMode": self.href("shippingModes", ident),
                "language": self.href("languages", rid("language", "language_id=1")),
            }
        ]
        out["shippingLanes"] = [
            {
                **self.href("shippingLanes", lane_id),
                "id": lane_id,
                "innerId": str(inner * 10),
                "cartMinimumGross": "0.0000",
                "cartMaximumGross": "99999999999.9999",
                "costNet": n4(cost),
                "weightMinimum": "0.0000",
                "weightMaximum": "50.0000",
                "shippingMode": self.href("shippingModes", ident),
            }
        ]
        return out

    def payment_mode_json(self, code: str) -> dict:
        inner, name, *_ = PAYMENT_MODES[code]
        ident = rid("paymentMode", f"extension_id={inner}")
        return {
            **self.href("paymentModes", ident),
            "id": ident,
            "innerId": str(inner),
            "code": code,
            "status": "1",
            "sortOrder": str(inner - 22),
            "geoZone": self.href("geoZones", rid("geoZone", "geo_zone_id=0")),
            "orderStatus": self.href("orderStatuses", self.status_rid(1)),
            "paymentDescription": [
                {
                    "name": name,
                    "description": "",
                    "language": {
                        **self.href("languages", rid("language", "language_id=1")),
                        "id": rid("language", "language_id=1"),
                    },
                }
            ],
        }

    def settings(self) -> list[dict]:
        """Settings as (id, group, key, value)."""
        values = [
            ("config", "config_name", self.shop_name),
            ("config", "config_currency", "HUF"),
            ("config", "config_language", "hu"),
            ("config", "config_customer_group_id", str(DEFAULT_GROUP)),
            ("config", "config_tax", "1"),
            ("config", "config_timezone", "Europe/Budapest"),
        ]
        return [
            {
                **self.href("settings", ident := rid("setting", f"setting_id={i}")),
                "id": ident,
                "group": group,
                "key": key,
                "value": value,
            }
            for i, (group, key, value) in enumerate(values, start=1)
        ]

    def webhook_json(self, hook: dict) -> dict:
        ident = rid("webHook", f"notification_id={hook['id']}")
        own = self.href("webHooks", ident)
        params = [{**p, "webHook": own} for p in hook["params"]]
        delays = [{**d, "webHook": own} for d in hook["delay"]]
        return {
            **own,
            "id": ident,
            "event": hook["event"],
            "status": hook["status"],
            "label": hook["label"],
            # the XML->JSON artefact of the fixture: one element is an object, more a list
            "webHookParameters": params[0] if len(params) == 1 else params,
            "webHookDelay": (delays[0] if len(delays) == 1 else delays) if delays else {},
        }

    # ------------------------------------------------------------------ mutations
    def resolve_status(self, value) -> int | None:
        """A status given as innerId, resource id, Hungarian or English name; 0 = abandoned."""
        if value is None:
            return None
        text = str(value).strip()
        if text.isdigit() and (int(text) in STATUSES or int(text) == 0):
            return int(text)
        inner = parse_rid(text, "orderStatus", "order_status_id")
        if inner in STATUSES:
            return inner
        for key, (name, _, alias) in STATUSES.items():
            if text.lower() in (name.lower(), alias):
                return key
        if text.lower() in ("abandoned", "abandoned_cart"):
            return 0
        raise ValueError(f"unknown status {value!r}; known: {sorted(STATUSES)} or their names")

    def create_orders(
        self,
        count: int = 1,
        status=None,
        lines: list | None = None,
        coupon: str | None = None,
        shipping: str | None = None,
        payment_method: str | None = None,
        customer: str | None = None,
    ) -> list[int]:
        """Place ``count`` orders now; returns their innerIds (``order_confirm`` fires).

        ``status``: innerId/name (default 1 Függőben; 0 or "abandoned" = abandoned cart);
        ``lines``: ``[{"sku" or "product_id" (innerId), "quantity"}]`` (random otherwise);
        ``coupon``: TAVASZ10, HUSEG15 or KUPON2000; ``shipping``: gls, foxpost, pickup (or a
        mode innerId/name); ``payment_method``: cod, bank_transfer, barion; ``customer``:
        "guest" or "registered".
        """
        with self.lock:
            inner = self.resolve_status(status) if status is not None else 1
            drafts_lines = None if lines is None else self._lines(lines)
            ship = None if shipping is None else self._shipping(shipping)
            pay = None
            if payment_method is not None:
                pay = str(payment_method).lower()
                if pay not in PAYMENT_MODES:
                    raise ValueError(f"payment_method must be one of {sorted(PAYMENT_MODES)}")
            code = None
            if coupon is not None:
                code = str(coupon).upper()
                if code not in COUPONS:
                    raise ValueError(f"coupon must be one of {sorted(COUPONS)}")
            if customer not in (None, "guest", "registered"):
                raise ValueError('customer must be "guest" or "registered"')
            ids = []
            for _ in range(int(count)):
                draft = self._draft(
                    utcnow(), inner or None, drafts_lines, code, ship, pay, customer
                )
                order = self._add_order(draft)
                ids.append(order["id"])
                if order["status"]:
                    self._emit("order_confirm", order)
            return ids

    def _lines(self, lines: list) -> list[dict]:
        if not isinstance(lines, list) or not lines:
            raise ValueError("lines must be a non-empty list")
        out = []
        for line in lines:
            if not isinstance(line, dict):
                raise ValueError("a line is an object {sku or product_id, quantity}")
            product = None
            if "product_id" in line:
                product = self.products.get(int(line["product_id"]))
            elif "sku" in line:
                product = next((p for p in self.products.values() if p["sku"] == line["sku"]), None)
            if product is None:
                raise ValueError(f"no such product in line {line}")
            qty = int(line.get("quantity", 1))
            if qty < 1:
                raise ValueError("quantity must be at least 1")
            out.append({"product": product, "qty": qty})
        return out

    @staticmethod
    def _shipping(value) -> int:
        text = str(value).strip().lower()
        for inner, (name, *_, aliases) in SHIPPING_MODES.items():
            if text in (str(inner), name.lower(), *aliases):
                return inner
        raise ValueError("shipping must be gls, foxpost or pickup (or a mode innerId/name)")

    def get_order(self, inner: int) -> dict:
        order = self.orders.get(int(inner))
        if order is None:
            raise _not_found(f"/orders/{self.order_rid(int(inner))}")
        return order

    def change_status(self, order: dict, status: int, comment: str = "") -> None:
        """A status change: history row, dateUpdated bumped, ``order_status_change`` fired."""
        moment = max(utcnow(), order["updated"])
        self._history(order, status, comment, moment)
        self._emit("order_status_change", order)

    def modify_order(self, order_id: int, status=None, comment=None, touch=False) -> dict:
        """Control endpoint: change status (as an admin would), the comment, or just the date."""
        with self.lock:
            order = self.get_order(order_id)
            if status is not None:
                inner = self.resolve_status(status)
                if not inner:
                    raise ValueError("an order cannot become an abandoned cart")
                self.change_status(order, inner)
            if comment is not None:
                order["comment"] = str(comment)
            if touch or comment is not None:
                order["updated"] = max(utcnow(), order["updated"])
            return self.order_json(order, extend=True)

    def override_order(self, order_id: int, **fields) -> None:
        """Serve these top-level fields of the order as given from now on, whatever the order
        holds: the broken output of a faulty extension (``total="n/a"``), for reliability runs."""
        with self.lock:
            self.get_order(order_id)
            self.order_overrides.setdefault(int(order_id), {}).update(fields)

    def modify_product(
        self, product_id: int, stock=None, price=None, sku=None, name=None, **stocks
    ) -> dict:
        """Control endpoint: ``stock`` (int = stock1, or a list of up to 4), ``stock1..4``,
        ``price`` (net), ``sku``, ``name``; bumps dateUpdated."""
        unknown = set(stocks) - {"stock1", "stock2", "stock3", "stock4"}
        if unknown:
            raise ValueError(
                f"cannot change {sorted(unknown)}; allowed: stock, stock1..4, price, sku, name"
            )
        with self.lock:
            product = self.products.get(int(product_id))
            if product is None:
                raise ValueError(f"no product {product_id}")
            if stock is not None:
                values = stock if isinstance(stock, list) else [stock]
                product["stock"] = [int(v) for v in values] + [0] * (4 - len(values))
            for key, value in stocks.items():
                product["stock"][int(key[-1]) - 1] = int(value)
            if price is not None:
                product["price"] = _money_field("price", price)
                rate = TAX_CLASSES[product["tax_class"]][2]
                product["gross"] = forint(product["price"] * (1 + rate / 100))
            if sku is not None:
                product["sku"] = str(sku)
            if name is not None:
                product["name"] = str(name)
                product["descriptions"].setdefault(1, {})["name"] = str(name)
            product["updated"] = max(utcnow(), product["updated"])
            return self.product_json(product, extend=True)

    #: productExtend fields the API answers but never takes (data.json "readonly")
    PRODUCT_READONLY = (
        "innerId",
        "href",
        "dateCreated",
        "dateUpdated",
        "productPrices",
        "allImages",
        "productAttributeExtend",
        "productListAttributeValueRelations",
        "numberAttributeValues",
        "textAttributeValues",
        "relatedProducts",
        "collateralProducts",
        "productAddons",
        "productAddonRelations",
    )
    DESCRIPTION_FIELDS = (
        "name",
        "metaTitle",
        "metaKeywords",
        "metaDescription",
        "shortDescription",
        "description",
        "customContentTitle",
        "customContent",
        "parameters",
        "packagingUnit",
        "measurementUnit",
        "videoCode",
    )

    def update_product(self, product: dict, body: dict) -> None:
        """An API PUT on /products/{id} (scalars and links; the lists are their own resources)."""
        self.write_product(product, body, extend=False, replace=True)

    def write_product(
        self, product: dict | None, body: dict, extend: bool = True, replace: bool = False
    ) -> dict:
        """Create (``product`` None) or change a product from an API body; the product.

        ``extend``: the productExtend resource (takes productDescriptions,
        productCategoryRelations, productSpecials, customerGroupProductPrices and an embedded
        manufacturer); ``replace``: PUT, whose lists replace the product's rows (a list left
        out of the body is kept), where POST adds them and refuses a row that exists already
        (06_extend_resource.md). Everything is checked before anything changes, so a refused
        request leaves the shop as it was.
        """
        create = product is None
        _readonly(body, *self.PRODUCT_READONLY)
        if "id" in body and (create or body["id"] != self.product_rid(product["id"])):
            # Outer IDs (05_outer_id.md) are not emulated: say so rather than guess.
            raise SrError(400, 40005, "The emulator does not support Outer IDs (the 'id' field).")
        if create:
            _required(body, "sku", *(["productDescriptions"] if extend else []))
        own_id = None if create else product["id"]
        new: dict = {}
        if "sku" in body:
            sku = _text(body["sku"]).strip()
            if not sku:
                raise SrError(400, 40005, "The sku field cannot be empty")
            clash = next(
                (p for p in self.products.values() if p["sku"] == sku and p["id"] != own_id),
                None,
            )
            if clash:
                # SKU uniqueness: not documented; the shop looks products up by SKU (40033),
                # so a second one is refused as "resource exists" [INF].
                raise SrError(409, 40901, "Resource exists!", sku=sku)
            new["sku"] = sku
        for key in ("modelNumber", "gtin", "imageAlt"):
            if key in body:
                new[key] = _text(body[key])
        if "price" in body:
            new["price"] = _money_field("price", body["price"])
        if "weight" in body:
            new["weight"] = f"{_money_field('weight', body['weight']):.2f}"
        if "status" in body:
            new["status"] = _enum("status", body["status"], ("0", "1", "2"))
        for index in range(1, 5):
            if f"stock{index}" in body:
                new[f"stock{index}"] = _int_field(f"stock{index}", body[f"stock{index}"])
        for key in ("subtractStock", "orderable"):
            if key in body:
                new[key] = _flag(key, body[key])
        if "mainPicture" in body:
            path = _text(body["mainPicture"])
            if path and path not in self.files:
                # The docs upload first (ex05); a path never uploaded is refused [INF].
                raise SrError(
                    400, 40005, f"The mainPicture parameter has wrong data. No such file: {path}"
                )
            new["mainPicture"] = path
        if "availableDate" in body:
            day = _text(body["availableDate"]) or "0000-00-00"
            if day != "0000-00-00":
                try:
                    datetime.strptime(day, "%Y-%m-%d")
                except ValueError:
                    raise SrError(
                        400,
                        40017,
                        "The given date parameter: availableDate is invalid! "
                        "Valid date format is 1990-01-01",
                    ) from None
            new["availableDate"] = day
        links = {
            "taxClass": ("taxClass", "tax_class_id", TAX_CLASSES, False),
            "weightUnit": ("weightClass", "weight_class_id", WEIGHT_CLASSES, True),
            "inStockStatus": ("stockStatus", "stock_status_id", STOCK_STATUSES, True),
            "noStockStatus": ("stockStatus", "stock_status_id", STOCK_STATUSES, True),
            "productClass": ("productClass", "product_class_id", self.product_classes, True),
            "parentProduct": ("product", "product_id", self.products, True),
        }
        for key, (resource, column, table, may_clear) in links.items():
            if key not in body:
                continue
            if may_clear and _empty_ref(body[key]):
                new[key] = None
            else:
                new[key] = _ref(body[key], resource, column, key, table)
        if new.get("parentProduct") is not None and new["parentProduct"] == own_id:
            new["parentProduct"] = None  # its own link: no parent, as the shop prints it
        if new.get("parentProduct") and self.products[new["parentProduct"]]["parent"]:
            # a variant's parent is a main product, not another variant [INF]
            raise SrError(400, 40005, "The parentProduct parameter has wrong data.")
        maker = None
        if extend and "manufacturer" in body:
            maker = self._manufacturer_plan(body["manufacturer"])
        lists = {}
        if extend:
            lists = self._product_lists(product, body, replace)
        # ---- nothing refused: apply
        now = utcnow()
        if create:
            rows = lists.get("productDescriptions") or {}  # POST /products has none
            name = (rows.get(1) or next(iter(rows.values()), {"name": new["sku"]}))["name"]
            product = {
                "id": self._next("product"),
                "sku": new["sku"],
                "name": name,
                "gtin": "",
                "gross": ZERO,
                "price": ZERO,
                "tax_class": DEFAULT_TAX_CLASS,
                "stock": [0, 0, 0, 0],
                "subtract_stock": "1",
                "status": "1",
                "categories": [],
                "created": now,
                "updated": now,
                **self._product_defaults(new["sku"], name),
            }
            product["descriptions"] = {}
            self.products[product["id"]] = product
        columns = {
            "sku": "sku",
            "modelNumber": "model_number",
            "gtin": "gtin",
            "imageAlt": "image_alt",
            "price": "price",
            "weight": "weight",
            "status": "status",
            "subtractStock": "subtract_stock",
            "orderable": "orderable",
            "mainPicture": "main_picture",
            "availableDate": "available_date",
            "taxClass": "tax_class",
            "weightUnit": "weight_unit",
            "inStockStatus": "in_stock_status",
            "noStockStatus": "no_stock_status",
            "productClass": "product_class",
            "parentProduct": "parent",
        }
        for key, value in new.items():
            if key.startswith("stock"):
                product["stock"][int(key[-1]) - 1] = value
            else:
                product[columns[key]] = value
        rate = TAX_CLASSES[product["tax_class"]][2]
        product["gross"] = forint(product["price"] * (1 + rate / 100))
        if maker is not None:
            product["manufacturer"] = self._apply_manufacturer(maker, now)
        self._apply_product_lists(product, lists, replace, now)
        product["updated"] = max(now, product["updated"])
        return product

    def _manufacturer_plan(self, value) -> tuple:
        """The embedded OneToOne ``manufacturer`` (06_extend_resource.md): an id alone links
        it, fields without an id create a NEW manufacturer (every time: the documented
        pitfall), an id with fields updates that one; ``{}``/null unlinks it [INF]."""
        if _empty_ref(value) and not (isinstance(value, dict) and set(value) - {"id"}):
            return ("unlink", None, {})
        if not isinstance(value, dict):
            raise SrError(400, 40005, "The manufacturer field must be an object.")
        fields = self._manufacturer_fields({k: v for k, v in value.items() if k != "id"})
        if value.get("id"):
            inner = _ref(
                value, "manufacturer", "manufacturer_id", "manufacturer", self.manufacturers
            )
            return ("update" if fields else "link", inner, fields)
        return ("create", None, fields)

    @staticmethod
    def _manufacturer_fields(body: dict) -> dict:
        out = {}
        if "name" in body:
            out["name"] = _text(body["name"])
        if "picture" in body:
            out["picture"] = _text(body["picture"])
        for key in ("sortOrder", "robotsMetaTag"):
            if key in body:
                out[key] = str(_int_field(key, _text(body[key]).strip() or 0))
        return out

    def add_manufacturer(self, fields: dict, now=None) -> dict:
        now = now or utcnow()
        maker = {
            "id": self._next("manufacturer"),
            "name": "",
            "picture": "",
            "sortOrder": "0",
            "robotsMetaTag": "0",
            "created": now,
            "updated": now,
            **fields,
        }
        self.manufacturers[maker["id"]] = maker
        return maker

    def _apply_manufacturer(self, plan: tuple, now) -> int | None:
        action, inner, fields = plan
        if action == "unlink":
            return None
        if action == "create":
            return self.add_manufacturer(fields, now)["id"]
        if action == "update":
            self.manufacturers[inner].update(fields, updated=now)
        return inner

    def _product_lists(self, product: dict | None, body: dict, replace: bool) -> dict:
        """The Extend lists of a body, checked: {name: parsed rows} for the lists present."""
        out: dict = {}
        own_id = product["id"] if product else None
        if "productDescriptions" in body:
            rows: dict = {}
            for item in _list_field(body, "productDescriptions"):
                if _empty_ref(item.get("language")):
                    raise SrError(400, 40003, "The following fields are required: language!")
                language = _ref(item["language"], "language", "language_id", "language", LANGUAGES)
                exists = not replace and product and language in product["descriptions"]
                if language in rows or exists:
                    raise SrError(409, 40901, "Resource exists!", language=item["language"]["id"])
                rows[language] = {k: _text(item[k]) for k in self.DESCRIPTION_FIELDS if k in item}
                rows[language].setdefault("name", "")
            if product is None and not rows:
                raise SrError(400, 40003, "The following fields are required: productDescriptions!")
            out["productDescriptions"] = rows
        if "productCategoryRelations" in body:
            cats: list = []
            for item in _list_field(body, "productCategoryRelations"):
                inner = _ref(
                    item.get("category"), "category", "category_id", "category", self.categories
                )
                if inner in cats and replace:
                    continue
                if inner in cats or (not replace and product and inner in product["categories"]):
                    # "the connection of the current category already exists" (06_extend)
                    raise SrError(409, 40901, "Resource exists!", category=item["category"]["id"])
                cats.append(inner)
            out["productCategoryRelations"] = cats
        if "productSpecials" in body:
            out["productSpecials"] = [
                self.special_fields(item, None, product_id=own_id or 0)
                for item in _list_field(body, "productSpecials")
            ]
        if "customerGroupProductPrices" in body:
            prices: dict = {}
            for item in _list_field(body, "customerGroupProductPrices"):
                group = self._group_price_group(item.get("customerGroup"))
                exists = not replace and product and group in product["group_prices"]
                if group in prices or exists:
                    raise SrError(409, 40901, "Resource exists!")
                _required(item, "price")
                prices[group] = _money_field("price", item["price"])
            out["customerGroupProductPrices"] = prices
        return out

    @staticmethod
    def _group_price_group(value) -> int:
        if _empty_ref(value):
            raise SrError(400, 40003, "The following fields are required: customerGroup!")
        group = _ref(value, "customerGroup", "customer_group_id", "customerGroup", CUSTOMER_GROUPS)
        if group == DEFAULT_GROUP:
            raise SrError(
                400,
                40005,
                "The customerGroup parameter has wrong data. Can not add CustomerGroupPrice "
                "to the Default CustomerGroup.",
            )
        return group

    def _apply_product_lists(self, product: dict, lists: dict, replace: bool, now) -> None:
        if "productDescriptions" in lists:
            rows = {
                language: {**fields, "created": now, "updated": now}
                for language, fields in lists["productDescriptions"].items()
            }
            if replace:
                product["descriptions"] = rows
            else:
                product["descriptions"].update(rows)
            names = product["descriptions"]
            if names:
                product["name"] = (names.get(1) or next(iter(names.values())))["name"]
        if "productCategoryRelations" in lists:
            if replace:
                product["categories"] = list(lists["productCategoryRelations"])
            else:
                product["categories"] += lists["productCategoryRelations"]
        if "productSpecials" in lists:
            if replace:
                for key in [
                    k for k, s in self.specials.items() if s["product_id"] == product["id"]
                ]:
                    del self.specials[key]
            for fields in lists["productSpecials"]:
                fields = dict(fields)
                fields.pop("product_id", None)
                special = self._add_special(
                    product["id"],
                    fields.pop("group", None),
                    fields.pop("price"),
                    EMPTY_DATE,
                    EMPTY_DATE,
                    now,
                )
                special.update(fields)
        if "customerGroupProductPrices" in lists:
            if replace:
                product["group_prices"] = dict(lists["customerGroupProductPrices"])
            else:
                product["group_prices"].update(lists["customerGroupProductPrices"])

    def special_fields(self, body: dict, special: dict | None, product_id=None) -> dict:
        """A productSpecial's fields from a body; ``product_id``: the product it belongs to
        (a row inside productExtend, whose ``product`` is implied)."""
        out = {}
        if product_id is not None:
            out["product_id"] = product_id
        elif "product" in body:
            product = _ref_id(body["product"], "product", "product_id", "product")
            if product not in self.products:
                raise SrError(400, 40007, "Wrong resource id in 'product'")
            out["product_id"] = product
        elif special is None:
            raise SrError(400, 40003, "Required field(s): product")
        if "customerGroup" in body:
            ref = body["customerGroup"]
            if _empty_ref(ref):
                out["group"] = None
            else:
                group = _ref_id(ref, "customerGroup", "customer_group_id", "customerGroup")
                if group not in CUSTOMER_GROUPS:
                    raise SrError(400, 40007, "Wrong resource id in 'customerGroup'")
                out["group"] = group
        if "price" in body:
            out["price"] = _money_field("price", body["price"])
        elif special is None:
            raise SrError(400, 40003, "Required field(s): price")
        for key in (
            "priority",
            "minQuantity",
            "maxQuantity",
            "isLimitedDiscount",
            "maxOrderableCount",
        ):
            if key in body:
                out[key] = str(_int_field(key, body[key]))
        for key in ("dateFrom", "dateTo"):
            if key in body:
                out[key] = _special_date(key, body[key])
        return out

    # ------------------------------------------------------------------ catalogue writes
    def write_category(
        self, category: dict | None, body: dict, extend: bool = True, replace: bool = False
    ) -> dict:
        """Create or change a category (``categoryExtend`` takes ``categoryDescriptions``:
        POST adds, PUT replaces, as for products)."""
        _readonly(body, "innerId", "href", "dateCreated", "dateUpdated")
        own_id = category["id"] if category else None
        new: dict = {}
        if "status" in body:
            new["status"] = _enum("status", body["status"], ("0", "1"))
        if "productsStatus" in body:
            new["productsStatus"] = _flag("productsStatus", body["productsStatus"])
        if "sortOrder" in body:
            new["sortOrder"] = str(_int_field("sortOrder", body["sortOrder"]))
        if "picture" in body:
            new["picture"] = _text(body["picture"])
        if "parentCategory" in body:
            if _empty_ref(body["parentCategory"]):
                new["parent"] = None
            else:
                parent = _ref(
                    body["parentCategory"],
                    "category",
                    "category_id",
                    "parentCategory",
                    self.categories,
                )
                walk = parent
                while walk:
                    if walk == own_id:
                        raise SrError(400, 40005, "The parentCategory parameter has wrong data.")
                    walk = self.categories[walk]["parent"]
                new["parent"] = parent
        rows = None
        if extend and "categoryDescriptions" in body:
            rows = {}
            for item in _list_field(body, "categoryDescriptions"):
                if _empty_ref(item.get("language")):
                    raise SrError(400, 40003, "The following fields are required: language!")
                language = _ref(item["language"], "language", "language_id", "language", LANGUAGES)
                exists = not replace and category and language in category["descriptions"]
                if language in rows or exists:
                    raise SrError(409, 40901, "Resource exists!")
                rows[language] = self._category_description_fields(item)
        now = utcnow()
        if category is None:
            category = {
                "id": self._next("category"),
                "parent": None,
                "status": "1",
                "sortOrder": "0",
                "picture": "",
                "productsStatus": "1",
                "descriptions": {},
                "created": now,
                "updated": now,
            }
            self.categories[category["id"]] = category
        category.update(new)
        if rows is not None:
            if replace:
                category["descriptions"] = rows
            else:
                category["descriptions"].update(rows)
        category["updated"] = now
        return category

    @staticmethod
    def _category_description_fields(item: dict) -> dict:
        out = {"name": _text(item.get("name"))}
        for key in (
            "metaKeywords",
            "metaDescription",
            "description",
            "customTitle",
            "robotsMetaTag",
            "footerSeoText",
            "heading",
            "shortDescription",
        ):
            if key in item:
                out[key] = _text(item[key])
        return out

    def upload_file(self, body: dict) -> dict:
        """``POST /files``: check the name and the content, then store (an existing path is
        overwritten: "If file exists on the path, then it will be replaced", file/data.json)."""
        _required(body, "filePath", "attachment")
        path = _text(body["filePath"]).strip()
        kind = _enum("type", body.get("type", "image"), ("image", "download"))
        if not FILE_PATH.fullmatch(path) or ".." in path or path.startswith("/"):
            raise SrError(
                400,
                40005,
                f"The filePath parameter has wrong data: {path!r}. The file name can only "
                "contain English letters, numbers and the characters ( ) _ -.",
            )
        try:
            content = base64.b64decode(str(body["attachment"]), validate=True)
        except ValueError:
            raise SrError(
                400, 40005, "The attachment parameter has wrong data. It is not base64 encoded."
            ) from None
        is_webp = content[:4] == b"RIFF" and content[8:12] == b"WEBP"
        if kind == "image" and not (content.startswith(IMAGE_SIGNATURES) or is_webp):
            # The shop keeps only pictures it can read (jpg, png, gif, webp) [INF].
            raise SrError(
                400, 40005, "The attachment parameter has wrong data. It is not an image."
            )
        self.files[path] = content
        self.file_meta[path] = {"type": kind, "uploaded": utcnow()}
        return {"filePath": path, "type": kind}

    def write_customer(
        self, customer: dict | None, body: dict, extend: bool = True, replace: bool = False
    ) -> dict:
        """Create or change a customer (``customerExtend`` takes ``addresses``: POST adds,
        PUT replaces). Required on create: firstname, lastname, email, telephone and a
        bcrypt ``password`` (customer_extend/data.json, FAQ); no group -> the default one."""
        _readonly(body, "innerId", "href", "dateCreated", "dateUpdated")
        if customer is None:
            _required(body, "firstname", "lastname", "email", "telephone", "password")
        own_id = customer["id"] if customer else None
        new: dict = {}
        for key in ("firstname", "lastname", "telephone", "email"):
            if key in body:
                new[key] = _text(body[key]).strip()
                if not new[key]:
                    raise SrError(400, 40005, f"The {key} field cannot be empty")
        if "email" in new:
            if not EMAIL.fullmatch(new["email"]):
                raise SrError(400, 40005, "The email parameter has wrong data.")
            wanted = new["email"].lower()
            if any(
                c["person"]["email"].lower() == wanted and c["id"] != own_id
                for c in self.customers.values()
            ):
                # one account per e-mail address (the shop's login); the answer [INF]
                raise SrError(409, 40901, "Resource exists!", email=new["email"])
        if "password" in body:
            if not BCRYPT.fullmatch(_text(body["password"])):
                raise SrError(
                    400,
                    40005,
                    "The password parameter has wrong data. It must be a bcrypt hash.",
                )
            new["password"] = _text(body["password"])
        for key in ("newsletter", "status", "approved", "freeShipping"):
            if key in body:
                new[key] = _flag(key, body[key])
        if "fax" in body:
            new["fax"] = _text(body["fax"])
        if "customerGroup" in body:
            new["group"] = (
                DEFAULT_GROUP
                if _empty_ref(body["customerGroup"])
                else _ref(
                    body["customerGroup"],
                    "customerGroup",
                    "customer_group_id",
                    "customerGroup",
                    CUSTOMER_GROUPS,
                )
            )
        addresses = None
        if extend and "addresses" in body:
            addresses = [self._address_fields(a) for a in _list_field(body, "addresses")]
        now = utcnow()
        if customer is None:
            customer = {
                "id": self._next("customer"),
                "person": {},
                "group": DEFAULT_GROUP,
                "created": now,
                "updated": now,
                "addresses": [],
            }
            self.customers[customer["id"]] = customer
        elif "addresses" not in customer:
            customer["addresses"] = self.customer_addresses(customer)
        if addresses is not None:
            rows = [
                {**a, "id": self._next("address"), "created": now, "updated": now}
                for a in addresses
            ]
            customer["addresses"] = rows if replace else customer["addresses"] + rows
        # A new person dict: the seeded orders share the old one and keep their names.
        person = dict(customer["person"])
        for key, column in (
            ("firstname", "first_name"),
            ("lastname", "last_name"),
            ("email", "email"),
            ("telephone", "phone_text"),
        ):
            if key in new:
                person[column] = new.pop(key)
        first = customer["addresses"][0] if customer["addresses"] else {}
        for column, key, default in (
            ("company", "company", ""),
            ("address_1", "address1", ""),
            ("address_2", "address2", ""),
            ("city", "city", ""),
            ("postcode", "postcode", ""),
            ("vat", "taxNumber", ""),
        ):
            person.setdefault(column, first.get(key, default))
        person.setdefault("country", "HU")
        customer["person"] = person
        customer.update(new)
        customer["updated"] = now
        return customer

    @staticmethod
    def _address_fields(item: dict) -> dict:
        _required(item, "firstname", "lastname", "address1", "postcode", "city", "country")
        return {
            "company": _text(item.get("company")),
            "firstname": _text(item["firstname"]),
            "lastname": _text(item["lastname"]),
            "taxNumber": _text(item.get("taxNumber")),
            "type": _enum("type", item.get("type") or "private", ("private", "business")),
            "address1": _text(item["address1"]),
            "address2": _text(item.get("address2")),
            "postcode": _text(item["postcode"]),
            "city": _text(item["city"]),
            "telephone": _text(item.get("telephone")),
            "country": _ref(item["country"], "country", "country_id", "country", COUNTRIES),
            "zone": None
            if _empty_ref(item.get("zone"))
            else _ref(item["zone"], "zone", "zone_id", "zone"),
        }

    def record(self, kind: str, method: str, path: str, ids: dict, body) -> dict:
        """Remember an API write (``received``); ``status`` is filled in with the answer."""
        entry = {
            "seq": self._next("seq"),
            "time": utcnow().strftime("%Y-%m-%dT%H:%M:%S"),
            "kind": kind,
            "method": method,
            "path": path,
            "ids": ids,
            "body": body,
            "status": None,
        }
        self.received.append(entry)
        return entry

    def summary(self) -> dict:
        with self.lock:
            by_status: dict[str, int] = {}
            for order in self.orders.values():
                key = STATUSES[order["status"]][2] if order["status"] else "abandoned"
                by_status[key] = by_status.get(key, 0) + 1
            return {
                **self.config,
                "api": f"{self.site_url}/api/",
                "token_url": f"{self.site_url}/{self.shop_name}/app/token",
                "orders": len(self.orders),
                "orders_by_status": dict(sorted(by_status.items())),
                "products": len(self.products),
                "customers": len(self.customers),
                "specials": len(self.specials),
                "categories": len(self.categories),
                "manufacturers": len(self.manufacturers),
                "files": len(self.files),
                "product_images": len(self.product_images),
                "product_classes": len(self.product_classes),
                "list_attributes": len(self.list_attributes),
                "received": len(self.received),
                "webhooks": len(self.webhooks),
            }

    # ------------------------------------------------------------------ webhooks
    def add_webhook(
        self,
        url: str,
        event: str,
        secret: str = "",
        label: str = "",
        status: str = "1",
        fields=None,
        kind: str = "json",
    ) -> dict:
        """Subscribe ``url`` to ``event`` (``secret`` is ignored: Shoprenter signs nothing)."""
        if event not in WEBHOOK_EVENTS:
            raise SrError(400, 40005, f"Invalid event: {event!r}")
        with self.lock:
            hook = {
                "id": self._next("webhook"),
                "event": event,
                "status": str(status),
                "label": label or event,
                "params": [{"type": kind, "url": url, **({"fields": fields} if fields else {})}],
                "delay": [],
            }
            self.webhooks[hook["id"]] = hook
            return hook

    def webhook_payload(self, order: dict) -> dict:
        """The ``{"orders": {"order": [...]}}`` document of the official sample."""
        person, ship = order["person"], order["ship_to"]
        money = order["money"]
        ship_name, *_ = SHIPPING_MODES[order["shipping"]]
        _, pay_name, *_ = PAYMENT_MODES[order["payment"]]
        last = order["history"][-1] if order["history"] else None
        tax = sum(money["taxes"].values(), ZERO)
        ship_gross = money["shipping"] * (1 + money["shipping_rate"] / 100)
        fee_gross = money["fee"] * (1 + money["fee_rate"] / 100)
        coupon_gross = None
        if order["coupon"]:
            gross = sum((v * (1 + r / 100) for r, v in money["discount"].items()), ZERO)
            coupon_gross = str(forint(gross))
        doc = {
            "storeName": self.shop_name,
            "innerId": str(order["id"]),
            "innerResourceId": f"orders/{self.order_rid(order['id'])}",
            "outerResourceId": "",
            "firstname": person["first_name"],
            "lastname": person["last_name"],
            "phone": person.get("phone_text", ""),
            "fax": "",
            "email": person["email"],
            "cart_token": hashlib.md5(f"cart-{order['id']}".encode()).hexdigest(),
        }
        for prefix, who in (("shipping", ship), ("payment", person)):
            doc.update(
                {
                    f"{prefix}Firstname": who["first_name"],
                    f"{prefix}Lastname": who["last_name"],
                    f"{prefix}Company": who["company"],
                    f"{prefix}Address1": who["address_1"],
                    f"{prefix}Address2": who["address_2"],
                    f"{prefix}City": who["city"],
                    f"{prefix}CountryName": "Hungary",
                    f"{prefix}ZoneName": "",
                }
            )
        doc.update(
            {
                "shippingPostcode": ship["postcode"],
                "shippingMethodName": ship_name,
                "shippingNetPrice": float(money["shipping"]),
                "shippingGrossPrice": str(forint(ship_gross)),
                "shippingInnerResourceId": "shippingModeExtend/"
                + rid("shippingMode", f"id={order['shipping']}"),
                "paymentMethodName": pay_name,
                "paymentNetPrice": float(money["fee"]),
                "paymentGrossPrice": float(forint(fee_gross)),
                "couponCode": order["coupon"] or "",
                "couponGrossPrice": coupon_gross,
                "languageId": "1",
                "languageCode": "hu",
                "comment": order["comment"],
                "total": str(forint(money["total"] - tax)),
                "totalGross": str(forint(money["total"])),
                "taxPrice": str(forint(tax)),
                "currency": "HUF",
                "paymentPostcode": person["postcode"],
                "paymentTaxnumber": person["vat"],
                "orderHistory": {
                    "status": str(last["status"]) if last else "0",
                    "statusText": STATUSES[last["status"]][0] if last else "",
                    "comment": last["comment"] if last else "",
                    "dateAdded": spaced(last["at"]) if last else EMPTY_DATE,
                },
                "orderProducts": {
                    "orderProduct": [
                        {
                            "innerId": str(ln["id"]),
                            "innerResourceId": "orderProducts/"
                            + rid("orderProduct", f"order_product_id={ln['id']}"),
                            "outerResourceId": "",
                            "name": ln["name"],
                            "sku": ln["sku"],
                            "price": n4(ln["price"]),
                            "currency": "HUF",
                            "taxRate": n4(ln["rate"]),
                            "quantity": str(sum(ln["stock"])),
                            "image": f"{self.site_url}/custom/{self.shop_name}/image/no_image.jpg",
                            "category": "",
                            "volume": {"height": "0.00", "width": "0.00", "length": "0.00"},
                            "weight": {"weight": "0.00"},
                        }
                        for ln in order["lines"]
                    ]
                },
            }
        )
        return {"orders": {"order": [doc]}}

    def _emit(self, event: str, order: dict) -> None:
        hooks = [h for h in self.webhooks.values() if h["status"] == "1" and h["event"] == event]
        if not hooks:
            return
        payload = self.webhook_payload(order)
        for hook in hooks:
            data = payload
            fields = hook["params"][0].get("fields") if hook["params"] else None
            if fields:  # the whitelist names "order_<key>"
                keep = {f.removeprefix("order_") for f in fields if f.startswith("order_")}
                data = {
                    "orders": {
                        "order": [
                            {k: v for k, v in payload["orders"]["order"][0].items() if k in keep}
                        ]
                    }
                }
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            for param in hook["params"]:
                self._deliveries().put((hook, param["url"], order["id"], text))

    def _send_loop(self, jobs: queue.Queue) -> None:
        while (job := jobs.get()) is not None:
            hook, url, order_id, text = job
            body, ctype = multipart({"data": text})
            headers = {"User-Agent": "ShopRenter", "Content-Type": ctype, "Accept": "*/*"}
            record = {
                "webhook_id": hook["id"],
                "topic": hook["event"],
                "event": hook["event"],
                "url": url,
                "order_id": order_id,
                "data": json.loads(text),
                "time": time.time(),
            }
            # Any failure is recorded; no retries are documented.
            record.update(deliver(url, body, headers))
            with self.lock:
                self.webhook_deliveries.append(record)


# ---------------------------------------------------------------------------- API
class Api:
    """Token endpoint, bearer auth, rate limit, routes; handlers work on ``Store``."""

    def __init__(self, store: Store, consumer_key: str, consumer_secret: str):
        self.store = store
        self.client_id, self.client_secret = consumer_key, consumer_secret
        self.tokens: dict[str, float] = {}  # access token -> expiry (time.time())
        self.window: deque = deque()
        self._rate_lock = threading.Lock()
        r = self.router = Router()
        any_id = r"(?P<ident>[A-Za-z0-9+/=_-]+)"
        r.add("GET", r"/orderExtend", self.list_orders_extend)
        r.add("GET", rf"/orderExtend/{any_id}", self.get_order_extend)
        r.add("GET", r"/orders", self.list_orders)
        r.add("GET", rf"/orders/{any_id}", self.get_order)
        r.add("PUT", rf"/orders/{any_id}", self.update_order, "order_update")
        r.add("GET", r"/orderProducts", self.list_order_products)
        r.add("GET", rf"/orderProducts/{any_id}", self.get_order_product)
        r.add("GET", r"/orderTotals", self.list_order_totals)
        r.add("GET", rf"/orderTotals/{any_id}", self.get_order_total)
        r.add("GET", r"/orderHistories", self.list_histories)
        r.add("GET", rf"/orderHistories/{any_id}", self.get_history)
        r.add("GET", r"/orderStatuses", self.list_statuses)
        r.add("GET", rf"/orderStatuses/{any_id}", self.get_status)
        r.add("GET", r"/orderStatusDescriptions", self.list_status_descriptions)
        r.add("GET", rf"/orderStatusDescriptions/{any_id}", self.get_status_description)
        r.add("GET", r"/products", self.list_products)
        r.add("POST", r"/products", self.create_product, "product_create")
        r.add("GET", rf"/products/{any_id}", self.get_product)
        r.add("PUT", rf"/products/{any_id}", self.update_product, "product_update")
        r.add("DELETE", rf"/products/{any_id}", self.delete_product, "product_delete")
        r.add("GET", r"/productExtend", self.list_products_extend)
        r.add("POST", r"/productExtend", self.create_product, "product_create")
        r.add("PUT", r"/productExtend", self.update_product_by_sku, "product_update")
        r.add("DELETE", r"/productExtend", self.delete_product, "product_delete")
        r.add("GET", rf"/productExtend/{any_id}", self.get_product_extend)
        r.add("PUT", rf"/productExtend/{any_id}", self.update_product_extend, "product_update")
        r.add("DELETE", rf"/productExtend/{any_id}", self.delete_product, "product_delete")
        # the catalogue: descriptions, categories, manufacturers, files, images, variants, prices
        # (collection, handler suffix, record kind, list handler)
        for path, name, kind, lister in (
            ("productDescriptions", "product_description", "product_description", None),
            ("categoryDescriptions", "category_description", "category_description", None),
            ("manufacturers", "manufacturer", "manufacturer", None),
            ("productImages", "product_image", "product_image", None),
            ("productClasses", "product_class", "product_class", "list_product_classes"),
            ("listAttributes", "list_attribute", "list_attribute", None),
            ("attributeDescriptions", "attribute_description", "attribute_description", None),
            ("listAttributeValueDescriptions", "value_description", "list_value_description", None),
            ("customerGroupProductPrices", "group_price", "group_price", None),
        ):
            r.add("GET", rf"/{path}", getattr(self, lister or f"list_{name}s"))
            r.add("POST", rf"/{path}", getattr(self, f"create_{name}"), f"{kind}_create")
            r.add("GET", rf"/{path}/{any_id}", getattr(self, f"get_{name}"))
            r.add("PUT", rf"/{path}/{any_id}", getattr(self, f"update_{name}"), f"{kind}_update")
            if hasattr(self, f"delete_{name}"):
                r.add(
                    "DELETE",
                    rf"/{path}/{any_id}",
                    getattr(self, f"delete_{name}"),
                    f"{kind}_delete",
                )
        for path, name, kind, lister in (  # relations and values: no PUT
            (
                "productCategoryRelations",
                "product_category",
                "product_category",
                "list_product_categories",
            ),
            ("productClassAttributeRelations", "class_attribute", "class_attribute", None),
            ("listAttributeValues", "list_value", "list_value", None),
            ("productListAttributeValueRelations", "product_value", "product_value", None),
        ):
            r.add("GET", rf"/{path}", getattr(self, lister or f"list_{name}s"))
            r.add("POST", rf"/{path}", getattr(self, f"create_{name}"), f"{kind}_create")
            r.add("GET", rf"/{path}/{any_id}", getattr(self, f"get_{name}"))
            r.add("DELETE", rf"/{path}/{any_id}", getattr(self, f"delete_{name}"), f"{kind}_delete")
        r.add("POST", r"/files", self.upload_file, "file_upload")
        r.add("GET", r"/files", self.get_file)
        r.add("DELETE", r"/files", self.delete_file, "file_delete")
        r.add("GET", r"/(?:categoryExtend|categories)", self.list_categories)
        r.add("POST", r"/(?:categoryExtend|categories)", self.create_category, "category_create")
        r.add("GET", rf"/(?:categoryExtend|categories)/{any_id}", self.get_category)
        r.add(
            "PUT",
            rf"/(?:categoryExtend|categories)/{any_id}",
            self.update_category,
            "category_update",
        )
        r.add("GET", r"/(?:customerExtend|customers)", self.list_customers)
        r.add("POST", r"/(?:customerExtend|customers)", self.create_customer, "customer_create")
        r.add("GET", rf"/(?:customerExtend|customers)/{any_id}", self.get_customer)
        r.add(
            "PUT",
            rf"/(?:customerExtend|customers)/{any_id}",
            self.update_customer,
            "customer_update",
        )
        r.add("GET", r"/countries", self.list_countries)
        r.add("GET", rf"/countries/{any_id}", self.get_country)
        r.add("GET", r"/stockStatuses", self.list_stock_statuses)
        r.add("GET", rf"/stockStatuses/{any_id}", self.get_stock_status)
        r.add("GET", r"/stockStatusDescriptions", self.list_stock_status_descriptions)
        r.add("GET", r"/weightClasses", self.list_weight_classes)
        r.add("GET", r"/productSpecials", self.list_specials)
        r.add("POST", r"/productSpecials", self.create_special, "special_create")
        r.add("GET", rf"/productSpecials/{any_id}", self.get_special)
        r.add("PUT", rf"/productSpecials/{any_id}", self.update_special, "special_update")
        r.add("DELETE", rf"/productSpecials/{any_id}", self.delete_special, "special_delete")
        r.add("GET", r"/customerGroups", self.list_groups)
        r.add("GET", rf"/customerGroups/{any_id}", self.get_group)
        r.add("GET", r"/taxClasses", self.list_tax_classes)
        r.add("GET", rf"/taxClasses/{any_id}", self.get_tax_class)
        r.add("GET", r"/taxRates", self.list_tax_rates)
        r.add("GET", rf"/taxRates/{any_id}", self.get_tax_rate)
        r.add("GET", r"/shippingModeExtend", self.list_shipping_modes)
        r.add("GET", rf"/(?:shippingModeExtend|shippingModes)/{any_id}", self.get_shipping_mode)
        r.add("GET", r"/paymentModes", self.list_payment_modes)
        r.add("GET", rf"/paymentModes/{any_id}", self.get_payment_mode)
        r.add("GET", r"/settings", self.list_settings)
        r.add("GET", r"/currencies", self.list_currencies)
        r.add("GET", r"/languages", self.list_languages)
        r.add("GET", r"/webHooks", self.list_webhooks)
        r.add("POST", r"/webHooks", self.create_webhook, "webhook_create")
        r.add("GET", rf"/webHooks/{any_id}", self.get_webhook)
        r.add("PUT", rf"/webHooks/{any_id}", self.update_webhook, "webhook_update")
        r.add("DELETE", rf"/webHooks/{any_id}", self.delete_webhook, "webhook_delete")

    # ------------------------------------------------------------------ dispatch
    def handle(self, req) -> Response:
        """Token endpoint, or: authenticate, rate-limit, route (``/batch`` too), encode."""
        try:
            token_path = f"/{self.store.shop_name}/app/token"
            if req.path.endswith("/app/token"):
                return self.token(req, req.path == token_path)
            self._authenticate(req)
            self._rate_limit()
            if "application/json" not in req.headers.get("Accept", ""):
                # The real API answers XML then; the emulator speaks JSON only and says so.
                raise SrError(
                    406,
                    406,
                    "Send 'Accept: application/json': without it Shoprenter answers XML, "
                    "which this emulator does not produce.",
                )
            path = req.path[4:] if req.path.startswith("/api/") else req.path
            with self.store.lock:
                if path == "/batch" and req.method == "POST":
                    response = self.batch(req)
                else:
                    response = self.dispatch(req.method, path, req.query_pairs, req, req.path)
                response.body = b"" if response.status == 204 else response.payload()
                return response
        except ApiError as exc:
            return Response(exc.status, exc.body())
        except Exception as exc:  # a bug: answer 500 like the real API's error JSON
            traceback.print_exc()
            return Response(500, {"error": 500, "message": str(exc)})

    def dispatch(
        self, method: str, path: str, pairs, req=None, raw_path: str = "", body=None
    ) -> Response:
        """Route one request (also a batch item) under the store lock; records writes."""
        try:
            handler, groups, record = self.router.match(method, path)
        except ApiError:
            raise SrError(404, 40401, f'Resource matching URI "{path}" not found') from None
        if req is not None and method in ("POST", "PUT"):
            body = self._body(req)
        entry = None
        if record:
            entry = self.store.record(record, method, raw_path or path, groups, body)
        try:
            result = handler(_Call(method, pairs, body, path), **groups)
        except ApiError as exc:
            if entry:
                entry["status"] = exc.status
            raise
        response = result if isinstance(result, Response) else Response(200, result)
        if entry:
            entry["status"] = response.status
        return response

    @staticmethod
    def _body(req):
        text = req.body.decode("utf-8", "replace")
        if not text.strip():
            raise SrError(400, 40001, "Data parameter not found in POST/PUT!")
        if "application/x-www-form-urlencoded" in req.headers.get("Content-Type", ""):
            return dict(parse_qsl(text))
        try:
            return json.loads(text)
        except ValueError:
            raise SrError(400, 40005, "The request body is not valid JSON.") from None

    def token(self, req, right_shop: bool) -> Response:
        """``POST /{shop}/app/token`` (client credentials)."""
        if req.method != "POST":
            return Response(405, {"error": "method_not_allowed", "message": "Use POST."})
        try:
            body = self._body(req)
        except SrError:
            body = {}
        body = body if isinstance(body, dict) else {}

        def oauth(status, error, description, hint=None):
            out = {"error": error, "error_description": description}
            if hint:
                out["hint"] = hint
            out["message"] = description
            return Response(status, out)

        if body.get("grant_type") != "client_credentials":
            return oauth(
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
                "Check that all required parameters have been provided",
            )
        for name in ("client_id", "client_secret"):
            if not body.get(name):
                return oauth(
                    400,
                    "invalid_request",
                    "The request is missing a required parameter, includes an invalid "
                    "parameter value, includes a parameter more than once, or is otherwise "
                    "malformed.",
                    f"Check the `{name}` parameter",
                )
        good = hmac.compare_digest(str(body["client_id"]), self.client_id) and hmac.compare_digest(
            str(body["client_secret"]), self.client_secret
        )
        if not (good and right_shop):
            return oauth(401, "invalid_client", "Client authentication failed")
        ttl = self.store.config["token_ttl"]
        now = int(time.time())

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        header = b64(json.dumps({"typ": "JWT", "alg": "RS256"}).encode())
        payload = b64(
            json.dumps(
                {
                    "aud": self.client_id,
                    "jti": uuid.uuid4().hex,
                    "iat": now,
                    "nbf": now,
                    "exp": now + ttl,
                    "sub": self.store.shop_name,
                    "scopes": [
                        "product:read",
                        "product:write",
                        "order:read",
                        "order:write",
                        "webhook:write",
                        "customer:read",
                    ],
                }
            ).encode()
        )
        signature = b64(
            hmac.new(
                self.client_secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256
            ).digest()
        )
        access = f"{header}.{payload}.{signature}"
        with self._rate_lock:
            self.tokens[access] = time.time() + ttl
        return Response(200, {"token_type": "Bearer", "expires_in": ttl, "access_token": access})

    def _authenticate(self, req) -> None:
        header = req.headers.get("Authorization", "")
        denied = "The resource owner or authorization server denied the request."
        if not header.lower().startswith("bearer "):
            raise SrError(
                401,
                "access_denied",
                denied,
                error_description=denied,
                hint='Missing "Authorization" header',
            )
        token = header[7:].strip()
        with self._rate_lock:
            expiry = self.tokens.get(token)
        if expiry is None:
            raise SrError(
                401,
                "access_denied",
                denied,
                error_description=denied,
                hint="Access token could not be verified",
            )
        if expiry <= time.time():
            raise SrError(
                401,
                "access_denied",
                denied,
                error_description=denied,
                hint="Access token is expired",
            )

    def _rate_limit(self) -> None:
        limit = self.store.config["rate_limit"]
        if not limit:
            return
        now = time.monotonic()
        with self._rate_lock:
            while self.window and now - self.window[0] >= 1.0:
                self.window.popleft()
            if len(self.window) >= limit:
                raise SrError(429, 429, "Too Many Requests")
            self.window.append(now)

    def fault_response(self, fault) -> Response:
        """An injected 429/5xx: Shoprenter's error JSON; Retry-After only when the fault has one."""
        status = int(fault.kind)
        message = {
            429: "Too Many Requests",
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
        }[status]
        headers = {}
        if fault.retry_after is not None and fault.kind in ("429", "503"):
            headers["Retry-After"] = str(fault.retry_after)
        return Response(status, {"error": status, "message": message}, headers)

    # ------------------------------------------------------------------ batch
    def batch(self, req) -> Response:
        """``POST /batch``: items run one by one; the outer status is 200 whatever they do."""
        body = self._body(req)
        data = body.get("data") if isinstance(body, dict) else None
        requests = data.get("requests") if isinstance(data, dict) else None
        if not isinstance(requests, list):
            raise SrError(400, 40003, "Required field 'requests' is missing.")
        if len(requests) > BATCH_LIMIT:
            raise SrError(400, 40005, f"Too many requests in the batch (maximum {BATCH_LIMIT}).")
        entry = self.store.record("batch", "POST", req.path, {}, body)
        out = []
        for item in requests:
            item = item if isinstance(item, dict) else {}
            method = str(item.get("method", "GET")).upper()
            uri = str(item.get("uri", ""))
            parts = urlsplit(uri)
            path = parts.path.rstrip("/") or "/"
            if "/api/" in path:
                path = path[path.index("/api/") + 4 :]
            try:
                if method not in ("GET", "POST", "PUT", "DELETE"):
                    raise SrError(400, 40005, f"Method {method} is not allowed in a batch.")
                inner_body = item.get("data") if method in ("POST", "PUT") else None
                if method in ("POST", "PUT") and not isinstance(inner_body, dict):
                    raise SrError(400, 40001, "Data parameter not found in POST/PUT!")
                response = self.dispatch(
                    method, path, parse_qsl(parts.query), body=inner_body, raw_path=path
                )
                status, result = response.status, response.body
            except ApiError as exc:
                status, result = exc.status, exc.body()
            out.append(
                {
                    "method": method,
                    "uri": uri,
                    "response": {
                        "header": {"statusCode": str(status)},
                        "body": None if status == 204 else result,
                    },
                }
            )
        entry["status"] = 200
        return Response(200, {"requests": {"request": out}})

    # ------------------------------------------------------------------ collections
    def collection(self, call, resource: str, items: list, render, allowed=()) -> dict:
        """The paged envelope; ``render(item, full)``."""
        unknown = {k for k, _ in call.pairs} - {"page", "limit", "full", *allowed}
        if unknown:
            raise SrError(400, 40010, f"Parameter not available: {', '.join(sorted(unknown))}")
        limit = self.int_arg(call, "limit", DEFAULT_LIMIT)
        if not 1 <= limit <= LIMIT_MAX:
            raise SrError(400, 40010, f"The limit parameter must be between 1 and {LIMIT_MAX}.")
        page = self.int_arg(call, "page", 0)
        page_count = -(-len(items) // limit)
        last = max(page_count - 1, 0)
        if page < 0 or page > last:
            raise SrError(400, 40008, f"This Resource minimum page is 0 and maximum page is {last}")
        full = call.arg("full") in ("1", "true")
        base = f"{self.store.site_url}/api/{resource}"
        keep = [(k, v) for k, v in call.pairs if k not in ("page", "limit")]

        def link(number):
            return {"href": f"{base}?{urlencode([*keep, ('page', number), ('limit', limit)])}"}

        chunk = items[page * limit : (page + 1) * limit]
        return {
            **link(page),
            "page": page,
            "pageCount": page_count,
            "limit": limit,
            "first": link(0),
            "previous": link(page - 1) if page > 0 else None,
            "next": link(page + 1) if page < last else None,
            "last": link(last),
            "items": [render(item, full) for item in chunk],
        }

    @staticmethod
    def int_arg(call, name: str, default=None):
        value = call.arg(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise SrError(400, 40005, f"The '{name}' parameter must be an integer.") from None

    @staticmethod
    def datetime_arg(call, name: str) -> str | None:
        """A datetime filter as a comparable local string ("2026-10-01T12:00:00")."""
        value = call.arg(name)
        if value is None:
            return None
        try:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S").strftime("%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise SrError(400, 40009, "Valid datetime format is 1990-01-01T00:00:00") from None

    def _id(self, ident: str, resource: str, column: str, collection: str) -> int:
        inner = parse_rid(ident, resource, column)
        if inner is None:
            raise _not_found(f"/{collection}/{ident}")
        return inner

    # ------------------------------------------------------------------ orders
    ORDER_FILTERS = (
        "updatedAtMin",
        "updatedAtMax",
        "createdAtMin",
        "createdAtMax",
        "innerId",
        "innerIdMin",
        "excludeAbandonedCart",
        "excludeStorno",
        "orderStatusId",
        "email",
    )

    def _filtered_orders(self, call) -> list[dict]:
        s = self.store
        bounds = {name: self.datetime_arg(call, name) for name in self.ORDER_FILTERS[:4]}
        inner = self.int_arg(call, "innerId")
        inner_min = self.int_arg(call, "innerIdMin")
        status = call.arg("orderStatusId")
        status_id = parse_rid(status, "orderStatus", "order_status_id") if status else None
        if status and status_id is None:
            raise SrError(400, 40007, f"Wrong resource id: {status}")
        email = call.arg("email")
        out = []
        for order in sorted(s.orders.values(), key=lambda o: o["id"]):
            updated, created = iso(order["updated"]), iso(order["created"])
            if bounds["updatedAtMin"] and updated < bounds["updatedAtMin"]:
                continue
            if bounds["updatedAtMax"] and updated > bounds["updatedAtMax"]:
                continue
            if bounds["createdAtMin"] and created < bounds["createdAtMin"]:
                continue
            if bounds["createdAtMax"] and created > bounds["createdAtMax"]:
                continue
            if inner is not None and order["id"] != inner:
                continue
            if inner_min is not None and order["id"] < inner_min:
                continue
            if call.arg("excludeAbandonedCart") in ("1", "true") and not order["status"]:
                continue
            if call.arg("excludeStorno") == "1" and order["status"] == 5:
                continue
            if status_id is not None and order["status"] != status_id:
                continue
            if email and order["person"]["email"].lower() != email.lower():
                continue
            out.append(order)
        return out

    def list_orders_extend(self, call):
        s = self.store
        return self.collection(
            call,
            "orderExtend",
            self._filtered_orders(call),
            lambda o, full: (
                s.order_json(o, True) if full else s.href("orderExtend", s.order_rid(o["id"]))
            ),
            self.ORDER_FILTERS,
        )

    def list_orders(self, call):
        s = self.store
        return self.collection(
            call,
            "orders",
            self._filtered_orders(call),
            lambda o, full: s.order_json(o) if full else s.href("orders", s.order_rid(o["id"])),
            self.ORDER_FILTERS,
        )

    def _order(self, ident, collection="orders") -> dict:
        return self.store.get_order(self._id(ident, "order", "order_id", collection))

    def get_order_extend(self, call, ident):
        return self.store.order_json(self._order(ident, "orderExtend"), True)

    def get_order(self, call, ident):
        return self.store.order_json(self._order(ident))

    def update_order(self, call, ident):
        order = self._order(ident)
        body = _unwrap(call.body)
        readonly = {"id", "innerId", "dateCreated", "dateUpdated", "href"} & set(body)
        if readonly:
            raise SrError(400, 40002, f"Read-only field(s): {', '.join(sorted(readonly))}")
        if "orderStatus" in body:
            status = _ref_id(body["orderStatus"], "orderStatus", "order_status_id", "orderStatus")
            if status not in STATUSES:
                raise SrError(400, 40007, f"Wrong resource id in 'orderStatus': {status}")
            self.store.change_status(order, status)
        if "comment" in body:
            order["comment"] = str(body["comment"] or "")
            order["updated"] = max(utcnow(), order["updated"])
        return self.store.order_json(order)

    def _order_of(self, call) -> dict:
        ident = call.arg("orderId")
        if not ident:
            raise SrError(400, 40004, "Required query parameter 'orderId' is missing.")
        return self._order(ident)

    def list_order_products(self, call):
        order = self._order_of(call)
        s = self.store
        return self.collection(
            call,
            "orderProducts",
            order["lines"],
            lambda ln, full: (
                s.line_json(order, ln)
                if full
                else s.href("orderProducts", rid("orderProduct", f"order_product_id={ln['id']}"))
            ),
            ("orderId",),
        )

    def _find_in_orders(self, ident, resource, column, collection, key):
        inner = self._id(ident, resource, column, collection)
        for order in self.store.orders.values():
            for row in order[key]:
                if row["id"] == inner:
                    return order, row
        raise _not_found(f"/{collection}/{ident}")

    def get_order_product(self, call, ident):
        order, line = self._find_in_orders(
            ident, "orderProduct", "order_product_id", "orderProducts", "lines"
        )
        return self.store.line_json(order, line)

    def list_order_totals(self, call):
        order = self._order_of(call)
        s = self.store
        return self.collection(
            call,
            "orderTotals",
            order["totals"],
            lambda t, full: (
                s.total_json(order, t)
                if full
                else s.href("orderTotals", rid("orderTotal", f"order_total_id={t['id']}"))
            ),
            ("orderId",),
        )

    def get_order_total(self, call, ident):
        order, row = self._find_in_orders(
            ident, "orderTotal", "order_total_id", "orderTotals", "totals"
        )
        return self.store.total_json(order, row)

    def list_histories(self, call):
        s = self.store
        if call.arg("orderId"):
            rows = [(o, h) for o in [self._order_of(call)] for h in o["history"]]
        else:
            rows = [(o, h) for o in s.orders.values() for h in o["history"]]
            rows.sort(key=lambda pair: pair[1]["id"])
        return self.collection(
            call,
            "orderHistories",
            rows,
            lambda pair, full: (
                s.history_json(*pair)
                if full
                else s.href(
                    "orderHistories", rid("orderHistory", f"order_history_id={pair[1]['id']}")
                )
            ),
            ("orderId",),
        )

    def get_history(self, call, ident):
        order, row = self._find_in_orders(
            ident, "orderHistory", "order_history_id", "orderHistories", "history"
        )
        return self.store.history_json(order, row)

    def list_statuses(self, call):
        s = self.store
        return self.collection(
            call,
            "orderStatuses",
            list(STATUSES),
            lambda i, full: s.status_json(i) if full else s.href("orderStatuses", s.status_rid(i)),
        )

    def get_status(self, call, ident):
        inner = self._id(ident, "orderStatus", "order_status_id", "orderStatuses")
        if inner not in STATUSES:
            raise _not_found(f"/orderStatuses/{ident}")
        return self.store.status_json(inner)

    def list_status_descriptions(self, call):
        s = self.store
        wanted = list(STATUSES)
        if call.arg("orderStatusId"):
            inner = parse_rid(call.arg("orderStatusId"), "orderStatus", "order_status_id")
            wanted = [inner] if inner in STATUSES else []
        if call.arg("languageId") and call.arg("languageId") != rid("language", "language_id=1"):
            wanted = []
        return self.collection(
            call,
            "orderStatusDescriptions",
            wanted,
            lambda i, full: (
                s.status_description_json(i)
                if full
                else {"href": s.status_description_json(i)["href"]}
            ),
            ("orderStatusId", "languageId"),
        )

    def get_status_description(self, call, ident):
        try:
            text = base64.b64decode(ident).decode()
        except ValueError:
            text = ""
        prefix = "orderStatusDescription-order_status_id="
        inner = text[len(prefix) :].split("&")[0] if text.startswith(prefix) else ""
        if not inner.isdigit() or int(inner) not in STATUSES:
            raise _not_found(f"/orderStatusDescriptions/{ident}")
        return self.store.status_description_json(int(inner))

    # ------------------------------------------------------------------ products
    def _product(self, ident, collection="products") -> dict:
        inner = self._id(ident, "product", "product_id", collection)
        product = self.store.products.get(inner)
        if product is None:
            raise _not_found(f"/{collection}/{ident}")
        return product

    def list_products(self, call):
        s = self.store
        items = sorted(s.products.values(), key=lambda p: p["id"])
        if call.arg("sku") is not None:
            items = [p for p in items if p["sku"] == call.arg("sku")]
        for name, key in (("createdAt", "created"), ("updatedAt", "updated")):
            day = call.arg(name)
            if day is not None:
                try:
                    datetime.strptime(day, "%Y-%m-%d")
                except ValueError:
                    raise SrError(400, 40017, "Valid date format is 1990-01-01") from None
                items = [p for p in items if iso(p[key])[:10] == day]
        return self.collection(
            call,
            "products",
            items,
            lambda p, full: (
                s.product_json(p) if full else s.href("products", s.product_rid(p["id"]))
            ),
            ("sku", "createdAt", "updatedAt"),
        )

    def list_products_extend(self, call):
        s = self.store
        items = sorted(s.products.values(), key=lambda p: p["id"])
        for name, key, after in (
            ("updatedAfter", "updated", True),
            ("updatedBefore", "updated", False),
            ("createdAfter", "created", True),
            ("createdBefore", "created", False),
        ):
            bound = self.datetime_arg(call, name)
            if bound:
                items = [p for p in items if (iso(p[key]) >= bound) == after]
        if call.arg("sku") is not None:
            items = [p for p in items if p["sku"] == call.arg("sku")]
        if call.arg("published") is not None:
            published = _enum("published", call.arg("published"), ("0", "1", "2"))
            items = [p for p in items if p["status"] == published]
        parent = self.int_arg(call, "parentProductId")  # the parent's innerId
        if parent is not None:
            items = [p for p in items if p["parent"] == parent]
        inner = self.int_arg(call, "innerId")
        if inner is not None:
            items = [p for p in items if p["id"] == inner]
        return self.collection(
            call,
            "productExtend",
            items,
            lambda p, full: (
                s.product_json(p, True) if full else s.href("productExtend", s.product_rid(p["id"]))
            ),
            (
                "updatedAfter",
                "updatedBefore",
                "createdAfter",
                "createdBefore",
                "sku",
                "published",
                "parentProductId",
                "innerId",
            ),
        )

    def get_product(self, call, ident):
        return self.store.product_json(self._product(ident))

    def get_product_extend(self, call, ident):
        return self.store.product_json(self._product(ident, "productExtend"), True)

    def update_product(self, call, ident):
        product = self._product(ident)
        self.store.update_product(product, _unwrap(call.body))
        return self.store.product_json(product)

    def update_product_extend(self, call, ident):
        product = self._product(ident, "productExtend")
        self.store.write_product(product, _unwrap(call.body), extend=True, replace=True)
        return self.store.product_json(product, True)

    # ------------------------------------------------------------------ specials
    def _special(self, ident) -> dict:
        inner = self._id(ident, "productSpecial", "product_special_id", "productSpecials")
        special = self.store.specials.get(inner)
        if special is None:
            raise _not_found(f"/productSpecials/{ident}")
        return special

    def list_specials(self, call):
        s = self.store
        items = sorted(s.specials.values(), key=lambda x: x["id"])
        if call.arg("productId"):
            product = parse_rid(call.arg("productId"), "product", "product_id")
            items = [x for x in items if x["product_id"] == product]
        return self.collection(
            call,
            "productSpecials",
            items,
            lambda x, full: s.special_json(x) if full else {"href": s.special_json(x)["href"]},
            ("productId",),
        )

    def get_special(self, call, ident):
        return self.store.special_json(self._special(ident))

    def _special_fields(self, body: dict, special: dict | None) -> dict:
        return self.store.special_fields(body, special)

    def create_special(self, call):
        body = _unwrap(call.body)
        fields = self._special_fields(body, None)
        special = self.store._add_special(
            fields.pop("product_id"),
            fields.pop("group", None),
            fields.pop("price"),
            EMPTY_DATE,
            EMPTY_DATE,
            utcnow(),
        )
        special.update(fields)
        self._touch(special["product_id"])
        return Response(201, self.store.special_json(special))

    def update_special(self, call, ident):
        special = self._special(ident)
        special.update(self._special_fields(_unwrap(call.body), special))
        self._touch(special["product_id"])
        return self.store.special_json(special)

    def delete_special(self, call, ident):
        special = self._special(ident)
        del self.store.specials[special["id"]]
        self._touch(special["product_id"])
        return Response(204, b"")

    def _touch(self, product_id: int) -> None:
        product = self.store.products.get(product_id)
        if product:
            product["updated"] = max(utcnow(), product["updated"])

    # ------------------------------------------------------------------ catalogue
    def _row(self, table: dict, ident, resource: str, column: str, collection: str) -> dict:
        inner = parse_rid(ident, resource, column)
        row = table.get(inner) if inner is not None else None
        if row is None:
            raise _not_found(f"/{collection}/{ident}")
        return row

    def _keys(self, ident, resource: str, collection: str, *columns: str) -> list[int]:
        """The innerIds in a composite resource id (``productCategory-product_id=1&...``)."""
        keys = parse_keys(ident, resource)
        if not keys or any(c not in keys for c in columns):
            raise _not_found(f"/{collection}/{ident}")
        return [keys[c] for c in columns]

    def _arg_ref(self, call, name: str, resource: str, column: str) -> int | None:
        """A ``?productId=<resource id>`` filter: its innerId, -1 for an unknown id."""
        value = call.arg(name)
        if value is None or value == "":
            return None
        inner = parse_rid(value, resource, column)
        return -1 if inner is None else inner

    def _sku_product(self, call) -> dict:
        sku = call.arg("sku")
        if sku is None:
            raise SrError(400, 40004, "The following query parameters are required: sku!")
        product = next((p for p in self.store.products.values() if p["sku"] == sku), None)
        if product is None:
            raise SrError(404, 40033, f"Product not found with sku: {sku}")
        return product

    # products
    def create_product(self, call):
        s = self.store
        extend = call.path.startswith("/productExtend")
        body = _unwrap(call.body)
        if extend and call.arg("sku") is not None:
            # POST ?sku= changes that product; its lists are added (product_extend/data.json)
            product = s.write_product(self._sku_product(call), body, extend=True, replace=False)
            return s.product_json(product, True)
        product = s.write_product(None, body, extend=extend)
        return Response(201, s.product_json(product, extend))

    def update_product_by_sku(self, call):
        product = self._sku_product(call)
        self.store.write_product(product, _unwrap(call.body), extend=True, replace=True)
        return self.store.product_json(product, True)

    def delete_product(self, call, ident=None):
        s = self.store
        if ident is None:
            product = self._sku_product(call)
        else:
            product = self._product(ident, call.path.split("/")[1])
        del s.products[product["id"]]
        for key in [k for k, x in s.specials.items() if x["product_id"] == product["id"]]:
            del s.specials[key]
        for key in [k for k, x in s.product_images.items() if x["product_id"] == product["id"]]:
            del s.product_images[key]
        return Response(204, b"")

    def list_product_descriptions(self, call):
        s = self.store
        product_id = self._arg_ref(call, "productId", "product", "product_id")
        language = self._arg_ref(call, "languageId", "language", "language_id")
        rows = [
            (p, lang)
            for p in sorted(s.products.values(), key=lambda x: x["id"])
            for lang in sorted(p["descriptions"])
            if (product_id is None or p["id"] == product_id)
            and (language is None or lang == language)
            and (
                call.arg("name") is None or p["descriptions"][lang].get("name") == call.arg("name")
            )
        ]
        return self.collection(
            call,
            "productDescriptions",
            rows,
            lambda r, full: (
                s.product_description_json(*r)
                if full
                else {"href": s.product_description_json(*r)["href"]}
            ),
            ("productId", "languageId", "name"),
        )

    def _product_description(self, ident) -> tuple[dict, int]:
        product_id, language = self._keys(
            ident, "productDescription", "productDescriptions", "product_id", "language_id"
        )
        product = self.store.products.get(product_id)
        if product is None or language not in product["descriptions"]:
            raise _not_found(f"/productDescriptions/{ident}")
        return product, language

    def get_product_description(self, call, ident):
        return self.store.product_description_json(*self._product_description(ident))

    def create_product_description(self, call):
        body = _unwrap(call.body)
        _required(body, "product", "language")
        product = self.store.products[
            _ref(body["product"], "product", "product_id", "product", self.store.products)
        ]
        ref = {"language": body["language"], **{k: v for k, v in body.items() if k != "product"}}
        self.store.write_product(product, {"productDescriptions": [ref]}, replace=False)
        language = parse_rid(body["language"]["id"], "language", "language_id")
        return Response(201, self.store.product_description_json(product, language))

    def update_product_description(self, call, ident):
        product, language = self._product_description(ident)
        body = _unwrap(call.body)
        _readonly(body, "product", "language", "dateCreated", "dateUpdated")
        desc = product["descriptions"][language]
        for key in self.store.DESCRIPTION_FIELDS:
            if key in body:
                desc[key] = _text(body[key])
        desc["updated"] = utcnow()
        if language == 1 and "name" in body:
            product["name"] = desc["name"]
        self._touch(product["id"])
        return self.store.product_description_json(product, language)

    def delete_product_description(self, call, ident):
        product, language = self._product_description(ident)
        del product["descriptions"][language]
        self._touch(product["id"])
        return Response(204, b"")

    # categories
    def list_categories(self, call):
        s = self.store
        extend = call.path.startswith("/categoryExtend")
        collection = "categoryExtend" if extend else "categories"
        items = sorted(s.categories.values(), key=lambda c: c["id"])
        inner = self.int_arg(call, "innerId")
        if inner is not None:
            items = [c for c in items if c["id"] == inner]
        return self.collection(
            call,
            collection,
            items,
            lambda c, full: (
                s.category_json(c, extend)
                if full
                else s.href(collection, rid("category", f"category_id={c['id']}"))
            ),
            ("innerId",),
        )

    def get_category(self, call, ident):
        collection = call.path.split("/")[1]
        category = self._row(self.store.categories, ident, "category", "category_id", collection)
        return self.store.category_json(category, collection == "categoryExtend")

    def create_category(self, call):
        extend = call.path.startswith("/categoryExtend")
        category = self.store.write_category(None, _unwrap(call.body), extend=extend)
        return Response(201, self.store.category_json(category, extend))

    def update_category(self, call, ident):
        collection = call.path.split("/")[1]
        category = self._row(self.store.categories, ident, "category", "category_id", collection)
        extend = collection == "categoryExtend"
        self.store.write_category(category, _unwrap(call.body), extend=extend, replace=True)
        return self.store.category_json(category, extend)

    def list_category_descriptions(self, call):
        s = self.store
        category_id = self._arg_ref(call, "categoryId", "category", "category_id")
        language = self._arg_ref(call, "languageId", "language", "language_id")
        name = call.arg("name")  # an exact match [INF]
        rows = [
            (c, lang)
            for c in sorted(s.categories.values(), key=lambda x: x["id"])
            for lang in sorted(c["descriptions"])
            if (category_id is None or c["id"] == category_id)
            and (language is None or lang == language)
            and (name is None or c["descriptions"][lang]["name"] == name)
        ]
        return self.collection(
            call,
            "categoryDescriptions",
            rows,
            lambda r, full: (
                s.category_description_json(*r)
                if full
                else {"href": s.category_description_json(*r)["href"]}
            ),
            ("categoryId", "languageId", "name", "metaDescription"),
        )

    def _category_description(self, ident) -> tuple[dict, int]:
        category_id, language = self._keys(
            ident, "categoryDescription", "categoryDescriptions", "category_id", "language_id"
        )
        category = self.store.categories.get(category_id)
        if category is None or language not in category["descriptions"]:
            raise _not_found(f"/categoryDescriptions/{ident}")
        return category, language

    def get_category_description(self, call, ident):
        return self.store.category_description_json(*self._category_description(ident))

    def create_category_description(self, call):
        s = self.store
        body = _unwrap(call.body)
        _required(body, "category", "language")
        category = s.categories[
            _ref(body["category"], "category", "category_id", "category", s.categories)
        ]
        row = {k: v for k, v in body.items() if k != "category"}
        s.write_category(category, {"categoryDescriptions": [row]}, replace=False)
        language = parse_rid(body["language"]["id"], "language", "language_id")
        return Response(201, s.category_description_json(category, language))

    def update_category_description(self, call, ident):
        category, language = self._category_description(ident)
        body = _unwrap(call.body)
        _readonly(body, "category", "language")
        fields = self.store._category_description_fields(
            {**category["descriptions"][language], **body}
        )
        category["descriptions"][language] = fields
        category["updated"] = utcnow()
        return self.store.category_description_json(category, language)

    def list_product_categories(self, call):
        s = self.store
        product_id = self._arg_ref(call, "productId", "product", "product_id")
        category_id = self._arg_ref(call, "categoryId", "category", "category_id")
        rows = [
            (p["id"], c)
            for p in sorted(s.products.values(), key=lambda x: x["id"])
            for c in p["categories"]
            if (product_id is None or p["id"] == product_id)
            and (category_id is None or c == category_id)
        ]
        return self.collection(
            call,
            "productCategoryRelations",
            rows,
            lambda r, full: (
                s.product_category_json(*r)
                if full
                else {"href": s.product_category_json(*r)["href"]}
            ),
            ("productId", "categoryId"),
        )

    def _product_category(self, ident) -> tuple[dict, int]:
        product_id, category_id = self._keys(
            ident, "productCategory", "productCategoryRelations", "product_id", "category_id"
        )
        product = self.store.products.get(product_id)
        if product is None or category_id not in product["categories"]:
            raise _not_found(f"/productCategoryRelations/{ident}")
        return product, category_id

    def get_product_category(self, call, ident):
        product, category_id = self._product_category(ident)
        return self.store.product_category_json(product["id"], category_id)

    def create_product_category(self, call):
        s = self.store
        body = _unwrap(call.body)
        _required(body, "product", "category")
        product = s.products[_ref(body["product"], "product", "product_id", "product", s.products)]
        s.write_product(product, {"productCategoryRelations": [{"category": body["category"]}]})
        return Response(201, s.product_category_json(product["id"], product["categories"][-1]))

    def delete_product_category(self, call, ident):
        product, category_id = self._product_category(ident)
        product["categories"].remove(category_id)
        self._touch(product["id"])
        return Response(204, b"")

    # manufacturers
    def list_manufacturers(self, call):
        s = self.store
        items = sorted(s.manufacturers.values(), key=lambda m: m["id"])
        if call.arg("name") is not None:  # an exact match [INF]
            items = [m for m in items if m["name"] == call.arg("name")]
        inner = self.int_arg(call, "innerId")
        if inner is not None:
            items = [m for m in items if m["id"] == inner]
        return self.collection(
            call,
            "manufacturers",
            items,
            lambda m, full: (
                s.manufacturer_json(m) if full else {"href": s.manufacturer_json(m)["href"]}
            ),
            ("name", "innerId"),
        )

    def _manufacturer(self, ident) -> dict:
        return self._row(
            self.store.manufacturers, ident, "manufacturer", "manufacturer_id", "manufacturers"
        )

    def get_manufacturer(self, call, ident):
        return self.store.manufacturer_json(self._manufacturer(ident))

    def create_manufacturer(self, call):
        body = _unwrap(call.body)
        _readonly(body, "innerId", "dateCreated", "dateUpdated")
        maker = self.store.add_manufacturer(self.store._manufacturer_fields(body))
        return Response(201, self.store.manufacturer_json(maker))

    def update_manufacturer(self, call, ident):
        maker = self._manufacturer(ident)
        body = _unwrap(call.body)
        _readonly(body, "innerId", "dateCreated", "dateUpdated")
        maker.update(self.store._manufacturer_fields(body), updated=utcnow())
        return self.store.manufacturer_json(maker)

    def delete_manufacturer(self, call, ident):
        maker = self._manufacturer(ident)
        del self.store.manufacturers[maker["id"]]
        for product in self.store.products.values():
            if product["manufacturer"] == maker["id"]:
                product["manufacturer"] = None
        return Response(204, b"")

    # files and images
    def upload_file(self, call):
        answer = self.store.upload_file(_unwrap(call.body))
        # file/data.json gives 204 for this POST; ex05 prints {filePath, type} [DOC both]:
        # ``configure(file_upload_status=201)`` answers the body instead.
        status = self.store.config["file_upload_status"]
        return Response(status, b"" if status == 204 else answer)

    def _file_path(self, call) -> str:
        path = call.arg("filePath")
        if not path:
            raise SrError(400, 40004, "The following query parameters are required: filePath!")
        if path not in self.store.files:
            raise _not_found(f"/files?filePath={path}")
        return path

    def get_file(self, call):
        path = self._file_path(call)
        meta = self.store.file_meta[path]
        return {
            "filePath": path,
            "type": meta["type"],
            "attachment": base64.b64encode(self.store.files[path]).decode(),
        }

    def delete_file(self, call):
        path = self._file_path(call)
        del self.store.files[path]
        del self.store.file_meta[path]
        return Response(204, b"")

    def _image_fields(self, body: dict, image: dict | None) -> dict:
        s = self.store
        if image is None:
            _required(body, "imagePath", "product")
        out = {}
        if "product" in body:
            out["product_id"] = _ref(
                body["product"], "product", "product_id", "product", s.products
            )
        if "imagePath" in body:
            path = _text(body["imagePath"])
            if path not in s.files:
                # an image is uploaded first, then attached (ex05) [INF: the answer]
                raise SrError(
                    400, 40005, f"The imagePath parameter has wrong data. No such file: {path}"
                )
            out["imagePath"] = path
        if "imageAlt" in body:
            out["imageAlt"] = _text(body["imageAlt"])
        if "sortOrder" in body:
            out["sortOrder"] = str(_int_field("sortOrder", body["sortOrder"]))
        return out

    def list_product_images(self, call):
        s = self.store
        items = sorted(s.product_images.values(), key=lambda i: i["id"])
        product_id = self._arg_ref(call, "productId", "product", "product_id")
        if product_id is not None:
            items = s.product_image_rows(product_id)
        if call.arg("imagePath") is not None:
            items = [i for i in items if i["imagePath"] == call.arg("imagePath")]
        return self.collection(
            call,
            "productImages",
            items,
            lambda i, full: (
                s.product_image_json(i) if full else {"href": s.product_image_json(i)["href"]}
            ),
            ("productId", "imagePath"),
        )

    def _image(self, ident) -> dict:
        return self._row(
            self.store.product_images, ident, "productImage", "product_image_id", "productImages"
        )

    def get_product_image(self, call, ident):
        return self.store.product_image_json(self._image(ident))

    def create_product_image(self, call):
        s = self.store
        fields = self._image_fields(_unwrap(call.body), None)
        image = {"id": s._next("product_image"), "imageAlt": "", "sortOrder": "0", **fields}
        s.product_images[image["id"]] = image
        self._touch(image["product_id"])
        return Response(201, s.product_image_json(image))

    def update_product_image(self, call, ident):
        image = self._image(ident)
        image.update(self._image_fields(_unwrap(call.body), image))
        self._touch(image["product_id"])
        return self.store.product_image_json(image)

    def delete_product_image(self, call, ident):
        image = self._image(ident)
        del self.store.product_images[image["id"]]
        self._touch(image["product_id"])
        return Response(204, b"")

    # variants: product classes, list attributes, their values and the products' values
    def _class_fields(self, body: dict, cls: dict | None) -> dict:
        s = self.store
        extra = sorted(
            k
            for k in body
            if k.endswith("VariantParameter")
            and k not in ("firstVariantParameter", "secondVariantParameter")
        )
        if extra:
            # Only two variant-forming parameters exist (product_class/data.json) [DOC]; the
            # answer to a third one is [INF].
            raise SrError(
                400,
                40005,
                f"The given data is wrong! A product class has at most two variant parameters "
                f"(firstVariantParameter, secondVariantParameter), not {', '.join(extra)}.",
            )
        if cls is None:
            _required(body, "name")
        out = {}
        if "name" in body:
            name = _text(body["name"]).strip()
            if not name:
                raise SrError(400, 40005, "The name field cannot be empty")
            if any(c["name"] == name and c is not cls for c in s.product_classes.values()):
                raise SrError(
                    400, 40024, "Another product class with the same name already exists!"
                )
            out["name"] = name
        if "description" in body:
            out["description"] = _text(body["description"])
        for key in ("firstVariantSelectType", "secondVariantSelectType"):
            if key in body:
                out[key] = _enum(key, body[key], ("SELECT", "ICON", "LIST"))
        attributes = cls["attributes"] if cls else []
        for key, column in (
            ("firstVariantParameter", "first"),
            ("secondVariantParameter", "second"),
        ):
            if key not in body:
                continue
            value = body[key]
            if _empty_ref(value):
                out[column] = None
                continue
            ref = value.get("id") if isinstance(value, dict) else None
            if ref and parse_keys(ref, "textAttribute") is not None:
                raise SrError(400, 40022, "Text attribute cannot be used as variant parameter")
            inner = _ref(value, "listAttribute", "attribute_id", key, s.list_attributes)
            if inner not in attributes:
                # "This can only come from the properties summarized by the type!" (ex08)
                raise SrError(
                    400,
                    40005,
                    f"The {key} parameter has wrong data. The attribute is not attached to "
                    "the product class (productClassAttributeRelations).",
                )
            out[column] = inner
        first = out.get("first", cls["first"] if cls else None)
        second = out.get("second", cls["second"] if cls else None)
        if first and first == second:
            raise SrError(
                400, 40021, "Both variant parameters cannot reference the same attribute!"
            )
        return out

    def _product_class(self, ident) -> dict:
        return self._row(
            self.store.product_classes, ident, "productClass", "product_class_id", "productClasses"
        )

    def list_product_classes(self, call):
        s = self.store
        return self.collection(
            call,
            "productClasses",
            sorted(s.product_classes.values(), key=lambda c: c["id"]),
            lambda c, full: (
                s.product_class_json(c) if full else {"href": s.product_class_json(c)["href"]}
            ),
        )

    def get_product_class(self, call, ident):
        return self.store.product_class_json(self._product_class(ident))

    def create_product_class(self, call):
        s = self.store
        fields = self._class_fields(_unwrap(call.body), None)
        cls = {
            "id": s._next("product_class"),
            "description": "",
            "firstVariantSelectType": "SELECT",
            "secondVariantSelectType": "SELECT",
            "first": None,
            "second": None,
            "attributes": [],
            **fields,
        }
        s.product_classes[cls["id"]] = cls
        return Response(201, s.product_class_json(cls))

    def update_product_class(self, call, ident):
        cls = self._product_class(ident)
        cls.update(self._class_fields(_unwrap(call.body), cls))
        return self.store.product_class_json(cls)

    def delete_product_class(self, call, ident):
        cls = self._product_class(ident)
        if any(p["product_class"] == cls["id"] for p in self.store.products.values()):
            raise SrError(400, 40025, "Cannot delete product class which has products!")
        del self.store.product_classes[cls["id"]]
        return Response(204, b"")

    def list_class_attributes(self, call):
        s = self.store
        class_id = self._arg_ref(call, "productClassId", "productClass", "product_class_id")
        attribute = self._arg_ref(call, "listAttributeId", "listAttribute", "attribute_id")
        rows = [
            (c["id"], a)
            for c in sorted(s.product_classes.values(), key=lambda x: x["id"])
            for a in c["attributes"]
            if (class_id is None or c["id"] == class_id) and (attribute is None or a == attribute)
        ]
        return self.collection(
            call,
            "productClassAttributeRelations",
            rows,
            lambda r, full: (
                s.class_attribute_json(*r) if full else {"href": s.class_attribute_json(*r)["href"]}
            ),
            ("productClassId", "listAttributeId", "numberAttributeId", "textAttributeId"),
        )

    def _class_attribute(self, ident) -> tuple[dict, int]:
        class_id, attribute = self._keys(
            ident,
            "productClassAttributeRelation",
            "productClassAttributeRelations",
            "product_class_id",
            "attribute_id",
        )
        cls = self.store.product_classes.get(class_id)
        if cls is None or attribute not in cls["attributes"]:
            raise _not_found(f"/productClassAttributeRelations/{ident}")
        return cls, attribute

    def get_class_attribute(self, call, ident):
        cls, attribute = self._class_attribute(ident)
        return self.store.class_attribute_json(cls["id"], attribute)

    def create_class_attribute(self, call):
        s = self.store
        body = _unwrap(call.body)
        _required(body, "productClass", "attribute")
        cls = s.product_classes[
            _ref(
                body["productClass"],
                "productClass",
                "product_class_id",
                "productClass",
                s.product_classes,
            )
        ]
        attribute = _ref(
            body["attribute"], "listAttribute", "attribute_id", "attribute", s.list_attributes
        )
        if attribute in cls["attributes"]:
            raise SrError(409, 40901, "Resource exists!")
        cls["attributes"].append(attribute)
        return Response(201, s.class_attribute_json(cls["id"], attribute))

    def delete_class_attribute(self, call, ident):
        cls, attribute = self._class_attribute(ident)
        if attribute in (cls["first"], cls["second"]):
            raise SrError(400, 40005, "The attribute is a variant parameter of the product class.")
        cls["attributes"].remove(attribute)
        return Response(204, b"")

    def _attribute_fields(self, body: dict, attr: dict | None) -> dict:
        s = self.store
        if attr is None:
            _required(body, "type", "name")
        else:
            _readonly(body, "type", "name")  # "R RO": given once, at creation
        out = {}
        if "type" in body:
            out["type"] = _enum("type", body["type"], ("LIST",))
        if "name" in body:
            name = _text(body["name"])
            if not re.fullmatch(r"[a-z0-9_]+", name):
                # "Name (lowercase, only english alphabet)" (list_attribute/data.json)
                raise SrError(400, 40005, f"The name parameter has wrong data: {name!r}.")
            if any(a["name"] == name for a in s.list_attributes.values()):
                raise SrError(409, 40901, "Resource exists!", name=name)
            out["name"] = name
        if "priority" in body:
            out["priority"] = _enum("priority", body["priority"], ("HIDDEN", "NORMAL", "IMPORTANT"))
        if "presentation" in body:
            out["presentation"] = _enum("presentation", body["presentation"], ("TEXT", "ICON"))
        if "sortOrder" in body:
            out["sortOrder"] = str(_int_field("sortOrder", body["sortOrder"]))
        if "required" in body:
            out["required"] = _flag("required", body["required"])
        if "defaultListAttributeValue" in body:
            value = body["defaultListAttributeValue"]
            if _empty_ref(value):
                out["default_value"] = None
            else:
                keys = parse_keys(
                    value.get("id") if isinstance(value, dict) else "", "listAttributeValue"
                )
                row = s.list_attribute_values.get((keys or {}).get("value_id"))
                if row is None or (attr and row["attribute_id"] != attr["id"]):
                    raise SrError(400, 40007, f"The given resource id is wrong: {value}!")
                out["default_value"] = row["id"]
        return out

    def _attribute(self, ident) -> dict:
        return self._row(
            self.store.list_attributes, ident, "listAttribute", "attribute_id", "listAttributes"
        )

    def list_list_attributes(self, call):
        s = self.store
        items = sorted(s.list_attributes.values(), key=lambda a: a["id"])
        if call.arg("name") is not None:
            items = [a for a in items if a["name"] == call.arg("name")]
        return self.collection(
            call,
            "listAttributes",
            items,
            lambda a, full: (
                s.list_attribute_json(a) if full else {"href": s.list_attribute_json(a)["href"]}
            ),
            ("name",),
        )

    def get_list_attribute(self, call, ident):
        return self.store.list_attribute_json(self._attribute(ident))

    def create_list_attribute(self, call):
        s = self.store
        fields = self._attribute_fields(_unwrap(call.body), None)
        attr = {
            "id": s._next("attribute"),
            "priority": "NORMAL",
            "sortOrder": "0",
            "required": "0",
            "presentation": "TEXT",
            "default_value": None,
            "descriptions": {},
            **fields,
        }
        s.list_attributes[attr["id"]] = attr
        return Response(201, s.list_attribute_json(attr))

    def update_list_attribute(self, call, ident):
        attr = self._attribute(ident)
        attr.update(self._attribute_fields(_unwrap(call.body), attr))
        return self.store.list_attribute_json(attr)

    def list_attribute_descriptions(self, call):
        s = self.store
        attribute = self._arg_ref(call, "listAttributeId", "listAttribute", "attribute_id")
        language = self._arg_ref(call, "languageId", "language", "language_id")
        rows = [
            (a, lang)
            for a in sorted(s.list_attributes.values(), key=lambda x: x["id"])
            for lang in sorted(a["descriptions"])
            if (attribute is None or a["id"] == attribute)
            and (language is None or lang == language)
        ]
        return self.collection(
            call,
            "attributeDescriptions",
            rows,
            lambda r, full: (
                s.attribute_description_json(*r)
                if full
                else {"href": s.attribute_description_json(*r)["href"]}
            ),
            ("listAttributeId", "numberAttributeId", "textAttributeId", "languageId"),
        )

    def _attribute_description(self, ident) -> tuple[dict, int]:
        attribute, language = self._keys(
            ident, "attributeDescription", "attributeDescriptions", "attribute_id", "language_id"
        )
        attr = self.store.list_attributes.get(attribute)
        if attr is None or language not in attr["descriptions"]:
            raise _not_found(f"/attributeDescriptions/{ident}")
        return attr, language

    def get_attribute_description(self, call, ident):
        return self.store.attribute_description_json(*self._attribute_description(ident))

    @staticmethod
    def _attribute_description_fields(body: dict, old: dict) -> dict:
        return {
            k: _text(body[k]) if k in body else old.get(k, "")
            for k in ("name", "description", "prefix", "postfix")
        }

    def create_attribute_description(self, call):
        s = self.store
        body = _unwrap(call.body)
        _required(body, "attribute", "language")
        attr = s.list_attributes[
            _ref(body["attribute"], "listAttribute", "attribute_id", "attribute", s.list_attributes)
        ]
        language = _ref(body["language"], "language", "language_id", "language", LANGUAGES)
        if language in attr["descriptions"]:
            raise SrError(409, 40901, "Resource exists!")
        attr["descriptions"][language] = self._attribute_description_fields(body, {})
        return Response(201, s.attribute_description_json(attr, language))

    def update_attribute_description(self, call, ident):
        attr, language = self._attribute_description(ident)
        body = _unwrap(call.body)
        _readonly(body, "attribute", "language")
        attr["descriptions"][language] = self._attribute_description_fields(
            body, attr["descriptions"][language]
        )
        return self.store.attribute_description_json(attr, language)

    def _list_value(self, ident, collection="listAttributeValues") -> dict:
        _, value_id = self._keys(
            ident, "listAttributeValue", collection, "attribute_id", "value_id"
        )
        value = self.store.list_attribute_values.get(value_id)
        if value is None:
            raise _not_found(f"/{collection}/{ident}")
        return value

    def list_list_values(self, call):
        s = self.store
        attribute = self._arg_ref(call, "listAttributeId", "listAttribute", "attribute_id")
        items = [
            v
            for v in sorted(s.list_attribute_values.values(), key=lambda x: x["id"])
            if attribute is None or v["attribute_id"] == attribute
        ]
        return self.collection(
            call,
            "listAttributeValues",
            items,
            lambda v, full: (
                s.list_value_json(v) if full else {"href": s.list_value_json(v)["href"]}
            ),
            ("listAttributeId",),
        )

    def get_list_value(self, call, ident):
        return self.store.list_value_json(self._list_value(ident))

    def create_list_value(self, call):
        s = self.store
        body = _unwrap(call.body)
        _required(body, "listAttribute")
        attribute = _ref(
            body["listAttribute"],
            "listAttribute",
            "attribute_id",
            "listAttribute",
            s.list_attributes,
        )
        value = {"id": s._next("attribute_value"), "attribute_id": attribute, "descriptions": {}}
        s.list_attribute_values[value["id"]] = value
        return Response(201, s.list_value_json(value))

    def delete_list_value(self, call, ident):
        value = self._list_value(ident)
        s = self.store
        del s.list_attribute_values[value["id"]]
        for product in s.products.values():
            if value["id"] in product["list_values"]:
                product["list_values"].remove(value["id"])
        return Response(204, b"")

    def list_value_descriptions(self, call):
        s = self.store
        value_id = None
        if call.arg("listAttributeValueId"):
            keys = parse_keys(call.arg("listAttributeValueId"), "listAttributeValue") or {}
            value_id = keys.get("value_id", -1)
        language = self._arg_ref(call, "languageId", "language", "language_id")
        rows = [
            (v, lang)
            for v in sorted(s.list_attribute_values.values(), key=lambda x: x["id"])
            for lang in sorted(v["descriptions"])
            if (value_id is None or v["id"] == value_id) and (language is None or lang == language)
        ]
        return self.collection(
            call,
            "listAttributeValueDescriptions",
            rows,
            lambda r, full: (
                s.list_value_description_json(*r)
                if full
                else {"href": s.list_value_description_json(*r)["href"]}
            ),
            ("listAttributeValueId", "languageId"),
        )

    def _value_description(self, ident) -> tuple[dict, int]:
        language, _, value_id = self._keys(
            ident,
            "listAttributeValueDescription",
            "listAttributeValueDescriptions",
            "language_id",
            "attribute_id",
            "value_id",
        )
        value = self.store.list_attribute_values.get(value_id)
        if value is None or language not in value["descriptions"]:
            raise _not_found(f"/listAttributeValueDescriptions/{ident}")
        return value, language

    def get_value_description(self, call, ident):
        return self.store.list_value_description_json(*self._value_description(ident))

    def create_value_description(self, call):
        s = self.store
        body = _unwrap(call.body)
        _required(body, "listAttributeValue", "language")
        ref = body["listAttributeValue"]
        keys = parse_keys(ref.get("id") if isinstance(ref, dict) else "", "listAttributeValue")
        value = s.list_attribute_values.get((keys or {}).get("value_id"))
        if value is None:
            raise SrError(400, 40007, f"The given resource id is wrong: {ref}!")
        language = _ref(body["language"], "language", "language_id", "language", LANGUAGES)
        if language in value["descriptions"]:
            raise SrError(409, 40901, "Resource exists!")
        value["descriptions"][language] = _text(body.get("name"))
        return Response(201, s.list_value_description_json(value, language))

    def update_value_description(self, call, ident):
        value, language = self._value_description(ident)
        body = _unwrap(call.body)
        _readonly(body, "listAttributeValue", "language")
        if "name" in body:
            value["descriptions"][language] = _text(body["name"])
        return self.store.list_value_description_json(value, language)

    def list_product_values(self, call):
        s = self.store
        product_id = self._arg_ref(call, "productId", "product", "product_id")
        value_id = None
        if call.arg("listAttributeValueId"):
            keys = parse_keys(call.arg("listAttributeValueId"), "listAttributeValue") or {}
            value_id = keys.get("value_id", -1)
        rows = [
            (p["id"], v)
            for p in sorted(s.products.values(), key=lambda x: x["id"])
            for v in p["list_values"]
            if (product_id is None or p["id"] == product_id) and (value_id is None or v == value_id)
        ]
        return self.collection(
            call,
            "productListAttributeValueRelations",
            rows,
            lambda r, full: (
                s.product_value_json(*r) if full else {"href": s.product_value_json(*r)["href"]}
            ),
            ("productId", "listAttributeValueId"),
        )

    def _product_value(self, ident) -> tuple[dict, int]:
        product_id, _, value_id = self._keys(
            ident,
            "productListAttributeValueRelation",
            "productListAttributeValueRelations",
            "product_id",
            "attribute_id",
            "value_id",
        )
        product = self.store.products.get(product_id)
        if product is None or value_id not in product["list_values"]:
            raise _not_found(f"/productListAttributeValueRelations/{ident}")
        return product, value_id

    def get_product_value(self, call, ident):
        product, value_id = self._product_value(ident)
        return self.store.product_value_json(product["id"], value_id)

    def create_product_value(self, call):
        s = self.store
        body = _unwrap(call.body)
        _required(body, "product", "listAttributeValue")
        product = s.products[_ref(body["product"], "product", "product_id", "product", s.products)]
        value = self._list_value_ref(body["listAttributeValue"])
        if not product["product_class"]:
            raise SrError(400, 40012, "Product does not have product class!")
        if value["attribute_id"] not in s.product_classes[product["product_class"]]["attributes"]:
            # the value of an attribute the product's type does not have [INF]
            raise SrError(400, 40005, "The listAttributeValue parameter has wrong data.")
        if value["id"] in product["list_values"]:
            raise SrError(409, 40901, "Resource exists!")
        product["list_values"].append(value["id"])
        self._touch(product["id"])
        return Response(201, s.product_value_json(product["id"], value["id"]))

    def _list_value_ref(self, ref) -> dict:
        keys = parse_keys(ref.get("id") if isinstance(ref, dict) else "", "listAttributeValue")
        value = self.store.list_attribute_values.get((keys or {}).get("value_id"))
        if value is None:
            raise SrError(400, 40007, f"The given resource id is wrong: {ref}!")
        return value

    def delete_product_value(self, call, ident):
        product, value_id = self._product_value(ident)
        product["list_values"].remove(value_id)
        self._touch(product["id"])
        return Response(204, b"")

    # customer group prices
    def list_group_prices(self, call):
        s = self.store
        product_id = self._arg_ref(call, "productId", "product", "product_id")
        group = self._arg_ref(call, "customerGroupId", "customerGroup", "customer_group_id")
        rows = [
            (p["id"], g)
            for p in sorted(s.products.values(), key=lambda x: x["id"])
            for g in sorted(p["group_prices"])
            if (product_id is None or p["id"] == product_id) and (group is None or g == group)
        ]
        return self.collection(
            call,
            "customerGroupProductPrices",
            rows,
            lambda r, full: (
                s.group_price_json(*r) if full else {"href": s.group_price_json(*r)["href"]}
            ),
            ("productId", "customerGroupId"),
        )

    def _group_price(self, ident) -> tuple[dict, int]:
        group, product_id = self._keys(
            ident,
            "customerGroupProductPrice",
            "customerGroupProductPrices",
            "customer_group_id",
            "product_id",
        )
        product = self.store.products.get(product_id)
        if product is None or group not in product["group_prices"]:
            raise _not_found(f"/customerGroupProductPrices/{ident}")
        return product, group

    def get_group_price(self, call, ident):
        product, group = self._group_price(ident)
        return self.store.group_price_json(product["id"], group)

    def create_group_price(self, call):
        s = self.store
        body = _unwrap(call.body)
        _required(body, "customerGroup", "product")
        product = s.products[_ref(body["product"], "product", "product_id", "product", s.products)]
        item = {"customerGroup": body["customerGroup"], "price": body.get("price", "0")}
        s.write_product(product, {"customerGroupProductPrices": [item]})
        group = parse_rid(body["customerGroup"]["id"], "customerGroup", "customer_group_id")
        return Response(201, s.group_price_json(product["id"], group))

    def update_group_price(self, call, ident):
        product, group = self._group_price(ident)
        body = _unwrap(call.body)
        for key, own in (
            ("customerGroup", self.store.group_rid(group)),
            ("product", self.store.product_rid(product["id"])),
        ):
            if key in body and (body[key] or {}).get("id") != own:
                _readonly(body, key)  # "R RO": fixed once created
        if "price" in body:
            product["group_prices"][group] = _money_field("price", body["price"])
        self._touch(product["id"])
        return self.store.group_price_json(product["id"], group)

    def delete_group_price(self, call, ident):
        product, group = self._group_price(ident)
        del product["group_prices"][group]
        self._touch(product["id"])
        return Response(204, b"")

    # customers
    def list_customers(self, call):
        s = self.store
        extend = call.path.startswith("/customerExtend")
        collection = "customerExtend" if extend else "customers"
        items = sorted(s.customers.values(), key=lambda c: c["id"])
        if call.arg("email"):
            wanted = call.arg("email").lower()
            items = [c for c in items if c["person"]["email"].lower() == wanted]
        inner = self.int_arg(call, "innerId")
        if inner is not None:
            items = [c for c in items if c["id"] == inner]
        for name, key, after in (
            ("updatedAtMin", "dateUpdated", True),
            ("updatedAtMax", "dateUpdated", False),
            ("createdAtMin", "dateCreated", True),
            ("createdAtMax", "dateCreated", False),
        ):
            bound = self.datetime_arg(call, name)
            if bound:
                items = [c for c in items if (s.customer_json(c)[key] >= bound) == after]
        return self.collection(
            call,
            collection,
            items,
            lambda c, full: (
                s.customer_json(c, extend)
                if full
                else s.href(collection, rid("customer", f"customer_id={c['id']}"))
            ),
            ("email", "innerId", "updatedAtMin", "updatedAtMax", "createdAtMin", "createdAtMax"),
        )

    def get_customer(self, call, ident):
        collection = call.path.split("/")[1]
        customer = self._row(self.store.customers, ident, "customer", "customer_id", collection)
        return self.store.customer_json(customer, collection == "customerExtend")

    def create_customer(self, call):
        extend = call.path.startswith("/customerExtend")
        customer = self.store.write_customer(None, _unwrap(call.body), extend=extend)
        return Response(201, self.store.customer_json(customer, extend))

    def update_customer(self, call, ident):
        collection = call.path.split("/")[1]
        extend = collection == "customerExtend"
        customer = self._row(self.store.customers, ident, "customer", "customer_id", collection)
        self.store.write_customer(customer, _unwrap(call.body), extend=extend, replace=True)
        return self.store.customer_json(customer, extend)

    # reference data of the catalogue
    def list_countries(self, call):
        s = self.store
        return self.collection(
            call,
            "countries",
            sorted(COUNTRIES),
            lambda i, full: s.country_json(i) if full else {"href": s.country_json(i)["href"]},
        )

    def get_country(self, call, ident):
        inner = self._id(ident, "country", "country_id", "countries")
        if inner not in COUNTRIES:
            raise _not_found(f"/countries/{ident}")
        return self.store.country_json(inner)

    def list_stock_statuses(self, call):
        s = self.store
        return self.collection(
            call,
            "stockStatuses",
            sorted(STOCK_STATUSES),
            lambda i, full: (
                s.stock_status_json(i) if full else {"href": s.stock_status_json(i)["href"]}
            ),
        )

    def get_stock_status(self, call, ident):
        inner = self._id(ident, "stockStatus", "stock_status_id", "stockStatuses")
        if inner not in STOCK_STATUSES:
            raise _not_found(f"/stockStatuses/{ident}")
        return self.store.stock_status_json(inner)

    def list_stock_status_descriptions(self, call):
        s = self.store
        status = self._arg_ref(call, "stockStatusId", "stockStatus", "stock_status_id")
        language = self._arg_ref(call, "languageId", "language", "language_id")
        rows = [
            (i, lang)
            for i in sorted(STOCK_STATUSES)
            for lang in sorted(LANGUAGES)
            if (status is None or i == status) and (language is None or lang == language)
        ]
        return self.collection(
            call,
            "stockStatusDescriptions",
            rows,
            lambda r, full: (
                s.stock_status_description_json(*r)
                if full
                else {"href": s.stock_status_description_json(*r)["href"]}
            ),
            ("stockStatusId", "languageId"),
        )

    def list_weight_classes(self, call):
        s = self.store
        return self.collection(
            call,
            "weightClasses",
            sorted(WEIGHT_CLASSES),
            lambda i, full: (
                s.weight_class_json(i) if full else {"href": s.weight_class_json(i)["href"]}
            ),
        )

    # ------------------------------------------------------------------ reference data
    def list_groups(self, call):
        s = self.store
        return self.collection(
            call,
            "customerGroups",
            list(CUSTOMER_GROUPS),
            lambda i, full: s.group_json(i) if full else s.href("customerGroups", s.group_rid(i)),
        )

    def get_group(self, call, ident):
        inner = self._id(ident, "customerGroup", "customer_group_id", "customerGroups")
        if inner not in CUSTOMER_GROUPS:
            raise _not_found(f"/customerGroups/{ident}")
        return self.store.group_json(inner)

    def list_tax_classes(self, call):
        s = self.store
        return self.collection(
            call,
            "taxClasses",
            list(TAX_CLASSES),
            lambda i, full: (
                s.tax_class_json(i)
                if full
                else s.href("taxClasses", rid("taxClass", f"tax_class_id={i}"))
            ),
        )

    def get_tax_class(self, call, ident):
        inner = self._id(ident, "taxClass", "tax_class_id", "taxClasses")
        if inner not in TAX_CLASSES:
            raise _not_found(f"/taxClasses/{ident}")
        return self.store.tax_class_json(inner)

    def list_tax_rates(self, call):
        s = self.store
        classes = list(TAX_CLASSES)
        if call.arg("taxClassId"):
            inner = parse_rid(call.arg("taxClassId"), "taxClass", "tax_class_id")
            classes = [c for c in classes if c == inner]
        return self.collection(
            call,
            "taxRates",
            classes,
            lambda c, full: s.tax_rate_json(c) if full else {"href": s.tax_rate_json(c)["href"]},
            ("taxClassId",),
        )

    def get_tax_rate(self, call, ident):
        inner = self._id(ident, "taxRate", "tax_rate_id", "taxRates")
        for class_id, spec in TAX_CLASSES.items():
            if spec[3] == inner:
                return self.store.tax_rate_json(class_id)
        raise _not_found(f"/taxRates/{ident}")

    def list_shipping_modes(self, call):
        s = self.store
        return self.collection(
            call,
            "shippingModeExtend",
            list(SHIPPING_MODES),
            lambda i, full: (
                s.shipping_mode_json(i)
                if full
                else s.href("shippingModeExtend", rid("shippingMode", f"id={i}"))
            ),
        )

    def get_shipping_mode(self, call, ident):
        inner = self._id(ident, "shippingMode", "id", "shippingModeExtend")
        if inner not in SHIPPING_MODES:
            raise _not_found(f"/shippingModeExtend/{ident}")
        return self.store.shipping_mode_json(inner)

    def list_payment_modes(self, call):
        s = self.store
        return self.collection(
            call,
            "paymentModes",
            list(PAYMENT_MODES),
            lambda c, full: (
                s.payment_mode_json(c) if full else {"href": s.payment_mode_json(c)["href"]}
            ),
        )

    def get_payment_mode(self, call, ident):
        inner = self._id(ident, "paymentMode", "extension_id", "paymentModes")
        for code, spec in PAYMENT_MODES.items():
            if spec[0] == inner:
                return self.store.payment_mode_json(code)
        raise _not_found(f"/paymentModes/{ident}")

    def list_settings(self, call):
        items = self.store.settings()
        if call.arg("key"):
            items = [x for x in items if x["key"] == call.arg("key")]
        return self.collection(
            call,
            "settings",
            items,
            lambda x, full: x if full else {"href": x["href"]},
            ("key", "group"),
        )

    def list_currencies(self, call):
        return self.collection(
            call,
            "currencies",
            [self.store.currency_json()],
            lambda x, full: x if full else {"href": x["href"]},
        )

    def list_languages(self, call):
        """The shop's languages (Hungarian, English), shaped like ``language/get_id.json``."""
        languages = [
            {**self.store.href("languages", ident), "id": ident, **fields}
            for inner, fields in LANGUAGES.items()
            for ident in [rid("language", f"language_id={inner}")]
        ]
        return self.collection(
            call,
            "languages",
            languages,
            lambda x, full: x if full else {"href": x["href"]},
        )

    # ------------------------------------------------------------------ webhooks
    def _webhook(self, ident) -> dict:
        inner = self._id(ident, "webHook", "notification_id", "webHooks")
        hook = self.store.webhooks.get(inner)
        if hook is None:
            raise _not_found(f"/webHooks/{ident}")
        return hook

    def list_webhooks(self, call):
        s = self.store
        return self.collection(
            call,
            "webHooks",
            sorted(s.webhooks.values(), key=lambda h: h["id"]),
            lambda h, full: s.webhook_json(h) if full else {"href": s.webhook_json(h)["href"]},
        )

    def get_webhook(self, call, ident):
        return self.store.webhook_json(self._webhook(ident))

    @staticmethod
    def _hook_params(body: dict) -> list[dict]:
        params = body.get("webHookParameters")
        params = [params] if isinstance(params, dict) else params
        if not isinstance(params, list) or not params:
            raise SrError(400, 40003, "Required field(s): webHookParameters")
        out = []
        for p in params:
            if not isinstance(p, dict) or not str(p.get("url", "")).startswith(
                ("http://", "https://")
            ):
                raise SrError(400, 40005, "webHookParameters.url must be an http(s) URL")
            kind = p.get("type", "json")
            if kind not in ("json", "xml"):
                raise SrError(400, 40005, "webHookParameters.type must be json or xml")
            item = {"type": kind, "url": p["url"]}
            if p.get("fields"):
                item["fields"] = list(p["fields"])
            out.append(item)
        return out

    def create_webhook(self, call):
        body = _unwrap(call.body)
        if not body.get("event"):
            raise SrError(400, 40003, "Required field(s): event")
        params = self._hook_params(body)
        hook = self.store.add_webhook(
            params[0]["url"],
            body["event"],
            label=str(body.get("label", "")),
            status=str(body.get("status", "1")),
        )
        hook["params"] = params
        hook["delay"] = [
            {"delay": str(d.get("delay", "0")), "delayUnit": d.get("delayUnit", "hour")}
            for d in (body.get("webHookDelay") or [])
            if isinstance(d, dict)
        ]
        return Response(201, self.store.webhook_json(hook))

    def update_webhook(self, call, ident):
        hook = self._webhook(ident)
        body = _unwrap(call.body)
        if "event" in body:
            if body["event"] not in WEBHOOK_EVENTS:
                raise SrError(400, 40005, f"Invalid event: {body['event']!r}")
            hook["event"] = body["event"]
        if "status" in body:
            hook["status"] = str(body["status"])
        if "label" in body:
            hook["label"] = str(body["label"])
        if "webHookParameters" in body:
            hook["params"] = self._hook_params(body)
        return self.store.webhook_json(hook)

    def delete_webhook(self, call, ident):
        hook = self._webhook(ident)
        del self.store.webhooks[hook["id"]]
        return Response(204, b"")


class _Call:
    """What a handler sees of a request (a real one or a batch item)."""

    def __init__(self, method: str, pairs, body, path: str):
        self.method, self.pairs, self.body, self.path = method, list(pairs), body, path

    def arg(self, name: str, default=None):
        values = [v for k, v in self.pairs if k == name]
        return values[-1] if values else default
