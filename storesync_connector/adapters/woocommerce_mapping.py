"""Map WooCommerce REST API v3 payloads (plain dicts, as the API returns them) to records.

Pure functions: no database, no HTTP, no Odoo. Anything the importer relies on is validated here
and a payload that cannot be read raises ``PayloadError`` naming the field, so the sync log row
says what is wrong (``line_items[2].quantity: "abc" is not a number``). Money is read as
``Decimal`` and never rounded; whether the amounts add up is the importer's check
(``Order.computed_total()`` against ``Order.total``), not the mapper's.
"""

import hashlib
import html
import json
import math
import re
from datetime import datetime, timedelta
from decimal import Decimal

from ..utils.phone import normalize_phone
from . import errors
from .records import ZERO, Address, Customer, Order, OrderLine, Product, TaxAmount, TaxRate

__all__ = [
    "PayloadError",
    "content_hash",
    "describe_category",
    "map_customer",
    "map_order",
    "map_product",
]

# Where the common EU VAT plugins keep the buyer's VAT number (order or customer meta_data).
VAT_META_KEYS = (
    "_billing_vat",
    "billing_vat",
    "_vat_number",
    "vat_number",
    "_billing_vat_number",
    "billing_vat_number",
    "_billing_eu_vat_number",
)
# WooCommerce 9.2+ has a GTIN/EAN field; stores and plugins also keep it in meta_data.
BARCODE_META_KEYS = ("_global_unique_id", "global_unique_id")
# Keys that change while nothing we import does: the hash must not see them, or every re-save
# (a private note, a plugin touching meta) would look like a new order.
VOLATILE_KEYS = frozenset({"_links", "date_modified", "date_modified_gmt"})

# Money and quantities as WooCommerce writes them; Decimal() alone would also take "1e5",
# "NaN" and "Infinity", none of which is an amount.
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6})\d*)?(Z|[+-]\d{2}:?\d{2})?"
)
_BREAK_TAG_RE = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr)\s*/?\s*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]*>")


#: a payload field the import needs is missing or garbled (``field``, ``problem``, ``value``)
PayloadError = errors.FieldPayloadError


# ---------------------------------------------------------------------------------------------
# Field readers: each takes the raw value and its path, returns a clean value or raises.


_show = errors.show_value


def _obj(value, field: str) -> dict:
    # PHP encodes an empty associative array as [], so WooCommerce sends "billing": [] too.
    if value is None or value == []:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(field, f"expected an object, got {_show(value)}", value)
    return value


def _list(value, field: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(field, f"expected a list, got {_show(value)}", value)
    return value


def _items(container: dict, key: str, prefix: str = ""):
    """(path, item) for each object of a list field, e.g. ``("fee_lines[1]", {...})``."""
    for index, item in enumerate(_list(container.get(key), f"{prefix}{key}")):
        path = f"{prefix}{key}[{index}]"
        yield path, _obj(item, path)


def _text(value, field: str) -> str:
    """A stripped string; None is empty, numbers are tolerated (postcodes sent as ints)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PayloadError(field, f"expected a text, got {_show(value)}", value)
    return str(value).strip()


def _id(value, field: str, *, allow_zero: bool = False) -> int:
    """A WooCommerce id: an integer > 0 (or 0 where WooCommerce means "none")."""
    if value is None or value == "":
        raise PayloadError(field, "is missing", value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(field, f"{_show(value)} is not an integer id", value)
    if value < 0 or (value == 0 and not allow_zero):
        raise PayloadError(field, f"{_show(value)} is not a valid id", value)
    return value


def _optional_id(value, field: str) -> str | None:
    """An id where 0 or nothing means "none" (guest customer, no variation, deleted product)."""
    if value is None or value == "":
        return None
    number = _id(value, field, allow_zero=True)
    return str(number) if number else None


def _decimal(value, field: str) -> Decimal:
    if isinstance(value, bool):
        raise PayloadError(field, f"{_show(value)} is not a number", value)
    if isinstance(value, int):
        return errors.checked_number(Decimal(value), field, value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PayloadError(field, f"{_show(value)} is not a number", value)
        # str() gives the shortest repr (3.1 -> "3.1"), not the binary expansion.
        return errors.checked_number(Decimal(str(value)), field, value)
    if isinstance(value, str) and _NUMBER_RE.fullmatch(value.strip()):
        return errors.checked_number(Decimal(value.strip()), field, value)
    raise PayloadError(field, f"{_show(value)} is not a number", value)


def _money(value, field: str, default: Decimal | None = None) -> Decimal:
    """An amount; blank means ``default``, or an error when the amount is required."""
    if value is None or value == "":
        if default is None:
            raise PayloadError(field, "is missing", value)
        return default
    return _decimal(value, field)


def _optional_money(value, field: str) -> Decimal | None:
    return None if value is None or value == "" else _decimal(value, field)


def _quantity(value, field: str) -> Decimal:
    if value is None or value == "":
        raise PayloadError(field, "is missing", value)
    quantity = _decimal(value, field)
    # Refunds carry negative quantities, but in their own objects: an order line sells something.
    if quantity <= 0:
        raise PayloadError(field, f"{_show(value)} is not a positive quantity", value)
    return quantity


def _bool(value, field: str, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise PayloadError(field, f"expected true or false, got {_show(value)}", value)
    return value


def _datetime(value, field: str) -> datetime | None:
    """Naive UTC from ``YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]``; blank is None."""
    if value is None or value == "":
        return None
    match = _DATE_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        raise PayloadError(field, f"{_show(value)} is not a date-time (YYYY-MM-DDTHH:MM:SS)", value)
    *parts, fraction, zone = match.groups()
    try:
        moment = datetime(*map(int, parts), int((fraction or "0").ljust(6, "0")))
    except ValueError as exc:  # 2024-02-30, 25:00:00
        raise PayloadError(field, f"{_show(value)} is not a valid date-time", value) from exc
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        try:
            moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        except OverflowError as exc:  # 9999-12-31T23:00:00-05:00 is after year 9999 in UTC
            raise PayloadError(field, f"{_show(value)} is out of range in UTC", value) from exc
    return moment


def parse_date(value, field: str = "date") -> datetime | None:
    """A WooCommerce date string as naive UTC (None when blank); raises ``PayloadError``."""
    return _datetime(value, field)


def _date_gmt(payload: dict, key: str, *, required: bool, path: str = "") -> datetime | None:
    """``<key>_gmt``, falling back to ``<key>`` (site time, used as is) when the GMT is absent.

    The fallback is for old stores and plugins that omit the GMT variant: the site's time zone
    is not in the payload, so the local time is the best available value.
    """
    for name in (f"{key}_gmt", key):
        moment = _datetime(payload.get(name), f"{path}{name}")
        if moment is not None:
            return moment
    if required:
        raise PayloadError(f"{path}{key}_gmt", "is missing", None)
    return None


def _root(payload, what: str) -> dict:
    if not isinstance(payload, dict):
        raise PayloadError(
            "", f"the {what} payload is not a JSON object: {_show(payload)}", payload
        )
    return payload


def _meta(payload: dict, prefix: str = "") -> dict:
    """meta_data as {key: value}, first occurrence wins (WooCommerce allows duplicates)."""
    values = {}
    for _path, entry in _items(payload, "meta_data", prefix):
        key = entry.get("key")
        if isinstance(key, str) and key not in values:
            values[key] = entry.get("value")
    return values


def _meta_text(meta: dict, keys) -> str:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def _plain(text: str) -> str:
    """Plain text from the HTML WooCommerce stores in descriptions, one line per block."""
    text = html.unescape(_TAG_RE.sub("", _BREAK_TAG_RE.sub("\n", text)))
    return "\n".join(line for line in (" ".join(raw.split()) for raw in text.splitlines()) if line)


def content_hash(payload: dict) -> str:
    """sha256 of the payload's canonical JSON without ``VOLATILE_KEYS``.

    Two payloads with the same hash import to the same records, so the second can be skipped.
    """
    stable = {key: value for key, value in payload.items() if key not in VOLATILE_KEYS}
    text = json.dumps(
        stable, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    # surrogatepass: JSON may carry a lone surrogate (escaped \ud800), which UTF-8 refuses
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Customers and addresses


def _address(raw: dict, field: str, vat: str = "") -> Address:
    def text(key):
        return _text(raw.get(key), f"{field}.{key}")

    return Address(
        first_name=text("first_name"),
        last_name=text("last_name"),
        company=text("company"),
        street=text("address_1"),
        street2=text("address_2"),
        city=text("city"),
        zip=text("postcode"),
        state_code=text("state"),
        country_code=text("country").upper(),
        email=text("email").lower(),
        phone=text("phone"),
        vat=vat,
    )


def _customer(payload: dict, external_id: str | None, email: str = "", name: str = "") -> Customer:
    """The customer block shared by order and customer payloads (billing, shipping, VAT)."""
    billing_raw = _obj(payload.get("billing"), "billing")
    vat = _meta_text(_meta(payload), VAT_META_KEYS) or _text(billing_raw.get("vat"), "billing.vat")
    billing = _address(billing_raw, "billing", vat)
    shipping = _address(_obj(payload.get("shipping"), "shipping"), "shipping")
    phone = billing.phone or shipping.phone
    region = billing.country_code or shipping.country_code or None
    return Customer(
        external_id=external_id,
        email=email or billing.email,
        phone=phone,
        phone_e164=normalize_phone(phone, region),
        billing=billing,
        shipping=None if shipping.is_empty() or shipping.key() == billing.key() else shipping,
        vat=vat,
        company=billing.company,
        name=billing.name or shipping.name or name or email or billing.email,
    )


def map_customer(payload: dict) -> Customer:
    """Map a ``GET customers/<id>`` payload to a ``Customer``.

    The account e-mail wins over the billing one; the account name is used when the addresses
    name nobody (the billing block is empty for a customer who never ordered).
    """
    payload = _root(payload, "customer")
    external_id = str(_id(payload.get("id"), "id"))
    email = _text(payload.get("email"), "email").lower()
    name = " ".join(filter(None, (_text(payload.get(k), k) for k in ("first_name", "last_name"))))
    return _customer(payload, external_id, email, name)


# ---------------------------------------------------------------------------------------------
# Order lines


def _tax_amounts(raw: dict, path: str, key: str) -> tuple[TaxAmount, ...]:
    """Per-rate amounts from a line's ``taxes[]`` (``key`` is "total" or "subtotal").

    Entries with a blank amount are the rates that do not apply to this amount; they are
    skipped. A rate listed twice is added up rather than lost.
    """
    amounts: dict[str, Decimal] = {}
    for index, entry in enumerate(_list(raw.get("taxes"), f"{path}.taxes")):
        where = f"{path}.taxes[{index}]"
        entry = _obj(entry, where)
        if entry.get(key) is None or entry.get(key) == "":
            continue
        rate_id = str(_id(entry.get("id"), f"{where}.id"))
        amounts[rate_id] = amounts.get(rate_id, ZERO) + _money(entry[key], f"{where}.{key}")
    return tuple(TaxAmount(rate_id=rate_id, amount=amount) for rate_id, amount in amounts.items())


def _product_line(raw: dict, path: str) -> OrderLine:
    total = _money(raw.get("total"), f"{path}.total")
    total_tax = _money(raw.get("total_tax"), f"{path}.total_tax", ZERO)
    taxes = _tax_amounts(raw, path, "total")
    return OrderLine(
        kind="product",
        external_id=str(_id(raw.get("id"), f"{path}.id")),
        name=html.unescape(_text(raw.get("name"), f"{path}.name")),
        quantity=_quantity(raw.get("quantity"), f"{path}.quantity"),
        subtotal=_money(raw.get("subtotal"), f"{path}.subtotal", total),
        total=total,
        subtotal_tax=_money(raw.get("subtotal_tax"), f"{path}.subtotal_tax", total_tax),
        total_tax=total_tax,
        taxes=taxes,
        subtotal_taxes=_tax_amounts(raw, path, "subtotal") or taxes,
        sku=_text(raw.get("sku"), f"{path}.sku"),
        # 0 when the product was deleted from the store after the sale: the line stays readable.
        product_external_id=_optional_id(raw.get("product_id"), f"{path}.product_id"),
        variation_external_id=_optional_id(raw.get("variation_id"), f"{path}.variation_id"),
        tax_class=_text(raw.get("tax_class"), f"{path}.tax_class"),
        attributes=_line_attributes(raw, path) if raw.get("variation_id") else (),
        parent_name=html.unescape(_text(raw.get("parent_name"), f"{path}.parent_name")),
    )


def _line_attributes(raw: dict, path: str) -> tuple[tuple[str, str], ...]:
    """A variation line's options from its meta data (``display_key``/``display_value``).

    Keys starting with ``_`` are WooCommerce's private bookkeeping, not options.
    """
    return tuple(
        (
            html.unescape(_text(meta.get("display_key") or meta.get("key"), f"{where}.key")),
            html.unescape(_text(meta.get("display_value") or meta.get("value"), f"{where}.value")),
        )
        for where, meta in _items(raw, "meta_data", f"{path}.")
        if isinstance(meta.get("key"), str)
        and not meta["key"].startswith("_")
        and isinstance(meta.get("display_value", meta.get("value")), (str, int, float))
    )


def _charge_line(kind: str, raw: dict, path: str, name_key: str, method_key: str) -> OrderLine:
    """A shipping or fee line: quantity 1, no discount, so subtotal equals total."""
    total = _money(raw.get("total"), f"{path}.total")
    total_tax = _money(raw.get("total_tax"), f"{path}.total_tax", ZERO)
    taxes = _tax_amounts(raw, path, "total")
    return OrderLine(
        kind=kind,
        external_id=str(_id(raw.get("id"), f"{path}.id")),
        name=html.unescape(_text(raw.get(name_key), f"{path}.{name_key}")),
        quantity=Decimal(1),
        subtotal=total,
        total=total,  # fees may be negative: stores use them as discounts
        subtotal_tax=total_tax,
        total_tax=total_tax,
        taxes=taxes,
        subtotal_taxes=taxes,
        method_id=_text(raw.get(method_key), f"{path}.{method_key}"),
        tax_class=_text(raw.get("tax_class"), f"{path}.tax_class"),
    )


def _coupon_line(raw: dict, path: str) -> OrderLine:
    """A coupon as a line of negative amounts, for display and analysis only."""
    code = _text(raw.get("code"), f"{path}.code")
    discount = -_money(raw.get("discount"), f"{path}.discount")
    discount_tax = -_money(raw.get("discount_tax"), f"{path}.discount_tax", ZERO)
    return OrderLine(
        kind="coupon",
        external_id=str(_id(raw.get("id"), f"{path}.id")),
        name=code,
        quantity=Decimal(1),
        subtotal=discount,
        total=discount,
        subtotal_tax=discount_tax,
        total_tax=discount_tax,
        code=code,
    )


def _tax_rate(raw: dict, path: str) -> TaxRate:
    return TaxRate(
        rate_id=str(_id(raw.get("rate_id"), f"{path}.rate_id")),
        code=_text(raw.get("rate_code"), f"{path}.rate_code"),
        label=_text(raw.get("label"), f"{path}.label"),
        percent=_optional_money(raw.get("rate_percent"), f"{path}.rate_percent"),
        compound=_bool(raw.get("compound"), f"{path}.compound"),
        tax_total=_optional_money(raw.get("tax_total"), f"{path}.tax_total"),
        shipping_tax_total=_optional_money(
            raw.get("shipping_tax_total"), f"{path}.shipping_tax_total"
        ),
    )


# ---------------------------------------------------------------------------------------------
# Orders


def _currency(value) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        problem = "is missing" if value in (None, "") else f"{_show(value)} is not an ISO code"
        raise PayloadError("currency", problem, value)
    return value.strip().upper()


def map_order(payload: dict) -> Order:
    """Map a ``GET orders/<id>`` payload (or an order webhook body) to an ``Order``.

    Raises ``PayloadError`` when a field the import needs is missing or unreadable. Optional
    blocks (line items, shipping, fees, coupons, tax lines, billing fields) may be missing,
    null or ``[]``.
    """
    payload = _root(payload, "order")
    external_id = str(_id(payload.get("id"), "id"))
    status = _text(payload.get("status"), "status")
    if not status:
        raise PayloadError("status", "is missing", payload.get("status"))
    currency = _currency(payload.get("currency"))
    customer_id = payload.get("customer_id", 0)

    # An order without product lines (a draft started in the store's admin) maps: the
    # importer decides what to do with it.
    lines = [_product_line(raw, path) for path, raw in _items(payload, "line_items")]
    lines += [
        _charge_line("shipping", raw, path, "method_title", "method_id")
        for path, raw in _items(payload, "shipping_lines")
    ]
    lines += [
        _charge_line("fee", raw, path, "name", "tax_status")
        for path, raw in _items(payload, "fee_lines")
    ]
    lines += [_coupon_line(raw, path) for path, raw in _items(payload, "coupon_lines")]

    def money(key):
        return _money(payload.get(key), key, ZERO)

    return Order(
        external_id=external_id,
        number=_text(payload.get("number"), "number") or external_id,
        status=status,
        currency=currency,
        created_at=_date_gmt(payload, "date_created", required=True),
        modified_at=_date_gmt(payload, "date_modified", required=True),
        paid_at=_date_gmt(payload, "date_paid", required=False),
        prices_include_tax=_bool(payload.get("prices_include_tax"), "prices_include_tax"),
        customer=_customer(payload, _optional_id(customer_id, "customer_id")),
        lines=tuple(lines),
        tax_rates=tuple(_tax_rate(raw, path) for path, raw in _items(payload, "tax_lines")),
        total=_money(payload.get("total"), "total"),
        total_tax=money("total_tax"),
        shipping_total=money("shipping_total"),
        discount_total=money("discount_total"),
        discount_tax=money("discount_tax"),
        cart_tax=money("cart_tax"),
        shipping_tax=money("shipping_tax"),
        note=_text(payload.get("customer_note"), "customer_note"),
        payment_method=_text(payload.get("payment_method"), "payment_method"),
        payment_method_title=_text(payload.get("payment_method_title"), "payment_method_title"),
        transaction_id=_text(payload.get("transaction_id"), "transaction_id"),
        content_hash=content_hash(payload),
        decimals=_decimals(payload),
    )


def _decimals(payload: dict) -> int:
    """The store's decimal places, read from how it wrote its order totals ("12700", "99.90").

    WooCommerce formats every total with the store's price decimals (``dp``), while the
    per-rate line taxes keep full precision, so only the order-level amounts tell.
    """
    places = [
        max(0, -Decimal(value.strip()).as_tuple().exponent)
        for key in ("total", "total_tax", "shipping_total", "discount_total", "cart_tax")
        if isinstance(value := payload.get(key), str) and _NUMBER_RE.fullmatch(value.strip())
    ]
    return max(places, default=2)


# ---------------------------------------------------------------------------------------------
# Products


def _category_id(category: dict, where: str):
    """A category's id as the key of ``category_paths`` (None when absent)."""
    value = category.get("id")
    if isinstance(value, (dict, list)):
        raise PayloadError(f"{where}.id", f"{_show(value)} is not a category id", value)
    return value


def describe_category(raw) -> dict | None:
    """``{"id", "name", "parent"}`` of a ``products/categories`` item (parent 0 at the top).

    Tolerant like the sync-log keys: None for an item without a positive integer id (nothing
    to key it on); an unreadable name is "" and an unreadable parent 0.
    """
    if not isinstance(raw, dict):
        return None
    category_id, name, parent = raw.get("id"), raw.get("name"), raw.get("parent")
    if isinstance(category_id, bool) or not isinstance(category_id, int) or category_id <= 0:
        return None
    if isinstance(parent, bool) or not isinstance(parent, int) or parent < 0:
        parent = 0
    return {
        "id": category_id,
        "name": html.unescape(name) if isinstance(name, str) else "",
        "parent": parent,
    }


def _stock_quantity(value, field: str) -> int | None:
    if value is None or value == "":
        return None
    quantity = _decimal(value, field)
    if quantity != quantity.to_integral_value():
        raise PayloadError(field, f"{_show(value)} is not a whole quantity", value)
    return int(quantity)


def _attributes(raw: dict, path: str) -> tuple[tuple[str, str], ...]:
    """(name, value) pairs: a variation's chosen ``option``, a product's ``options`` joined."""
    pairs = []
    for where, attribute in _items(raw, "attributes", path):
        name = _text(attribute.get("name"), f"{where}.name")
        if "option" in attribute:
            value = _text(attribute.get("option"), f"{where}.option")
        else:
            options = _list(attribute.get("options"), f"{where}.options")
            value = ", ".join(_text(option, f"{where}.options") for option in options)
        pairs.append((name, value))
    return tuple(pairs)


def map_product(
    payload: dict,
    variation: dict | None = None,
    category_paths: dict | None = None,
    language: str | None = None,
) -> Product:
    """Map a ``GET products/<id>`` payload, or one of its variations, to a ``Product``.

    ``language`` is not used: a WooCommerce product comes in the shop's one language.

    ``category_paths`` (category id -> tuple of names, root first, from
    ``products/categories``) turns the leaf categories the product lists into full paths.

    For a variation pass the parent product as ``payload`` and ``GET
    products/<id>/variations/<vid>`` as ``variation``: name, categories and type context come
    from the parent, SKU, prices, stock and attributes from the variation. A variation fetched
    on its own (``parent_id`` set) is read the same way, without the parent's context.
    """
    del language
    product = _root(payload, "product")
    product_id = _id(product.get("id"), "id")
    parent_id = _optional_id(product.get("parent_id"), "parent_id")
    path = ""
    if variation is not None:
        source = _root(variation, "variation")
        path = "variation."
        external_id, parent_external_id = str(product_id), str(product_id)
        variation_external_id = str(_id(source.get("id"), "variation.id"))
    elif product.get("type") == "variation" or ("type" not in product and parent_id):
        # GET products/<variation id> says "variation"; the variations endpoint has no type.
        if parent_id is None:
            raise PayloadError("parent_id", "a variation needs its parent product id", parent_id)
        source, external_id, parent_external_id = product, parent_id, parent_id
        variation_external_id = str(product_id)
    else:
        source, external_id, parent_external_id = product, str(product_id), parent_id
        variation_external_id = None

    def text(key):
        return _text(source.get(key), f"{path}{key}")

    def price(key):
        return _optional_money(source.get(key), f"{path}{key}")

    paths = category_paths or {}
    categories = tuple(
        paths.get(_category_id(category, where)) or (_text(category.get("name"), f"{where}.name"),)
        for where, category in _items(product, "categories")
    )
    meta = _meta(source, path)
    manage_stock = source.get("manage_stock")
    if manage_stock == "parent" and variation is not None:
        # The parent product holds this variation's stock: the store manages it if the
        # parent does.
        manage_stock = product.get("manage_stock")
    stock_from_parent = manage_stock == "parent"
    return Product(
        external_id=external_id,
        variation_external_id=variation_external_id,
        parent_external_id=parent_external_id,
        sku=text("sku"),
        name=html.unescape(_text(product.get("name"), "name")),
        description=_plain(
            text("description")
            or _text(product.get("description"), "description")
            or _text(product.get("short_description"), "short_description")
        ),
        type="variation" if variation_external_id else _text(product.get("type"), "type"),
        regular_price=price("regular_price"),
        sale_price=price("sale_price"),
        price=price("price"),
        # WooCommerce gives the leaf category only; without category_paths the path has one
        # element.
        categories=categories,
        barcode=text("global_unique_id") or _meta_text(meta, BARCODE_META_KEYS),
        attributes=_attributes(source, path),
        stock_quantity=_stock_quantity(source.get("stock_quantity"), f"{path}stock_quantity"),
        # "parent" without the parent's payload: see stock_from_parent.
        manage_stock=manage_stock is True,
        stock_from_parent=stock_from_parent,
        modified_at=_date_gmt(source, "date_modified", required=True, path=path),
        virtual=_bool(source.get("virtual", product.get("virtual")), f"{path}virtual"),
        downloadable=_bool(
            source.get("downloadable", product.get("downloadable")), f"{path}downloadable"
        ),
    )


def plain_text(message) -> str:
    """A store message as plain text: WordPress sends HTML entities and sometimes tags."""
    text = re.sub(r"<[^>]+>", " ", str(message or ""))
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def batch_answer_problem(answer) -> dict | None:
    """What is wrong with one item's place in a batch answer (``{"status", "code",
    "message", "retryable"}``), or None when it is the item's object."""
    if not isinstance(answer, dict):
        # The store answered 200 but left this item out: we cannot know it was applied.
        return {
            "status": 200,
            "code": "storesync_missing_item",
            "message": "The store's batch answer has no entry for this item.",
            "retryable": True,
        }
    error = answer.get("error")
    if isinstance(error, dict):
        data = error.get("data") if isinstance(error.get("data"), dict) else {}
        status = data.get("status") or 400
        return {
            "status": status,
            "code": error.get("code"),
            "message": plain_text(error.get("message")),
            "retryable": status >= 500 or status == 429,
        }
    return None
