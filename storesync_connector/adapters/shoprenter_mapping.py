"""Map Shoprenter API2 payloads (``orderExtend?full=1``, ``productExtend``) to records.

Pure functions: no database, no HTTP, no Odoo. Facts relied on (/work/shared/store_apis/
shoprenter.md and the official fixtures of Shoprenter/sr-api-docs):

* Numbers are strings ("3990.0000"); an empty value may be ``{}`` or null; dates come as
  ``2019-09-06T15:47:59`` or ``2011-01-04 10:00:00``, shop-local (Europe/Budapest) time, and
  MySQL's zero dates (``0000-00-00 00:00:00``, ``-0001-11-30T00:00:00``) mean "none".
* An order line has no quantity: it is ``stock1 + stock2 + stock3 + stock4``. ``price`` is the
  net unit price, ``total`` the net line total, ``taxRate`` the line's percentage.
* The money of the order is in ``orderTotals`` (OpenCart style): ``SUB_TOTAL`` (net products),
  ``SHIPPING`` (net, taxed at ``shippingMethodTaxRate``), ``PAYMENT`` (net payment fee, taxed at
  ``paymentMethodTaxRate``), ``COUPON`` (negative net discount, taxed at ``couponTaxRate``; -1:
  spread over the product lines' rates), one ``TAX`` row per rate ("ÁFA (27%):"), ``TOTAL``
  (gross, rounded to the currency's ``decimalPlace``).

Tax rates have no id in an order, only a percentage: the rate id is the normalised percentage
("27", "5", "18.5"), the same id ``list_store_settings`` gives the shop's rates.
"""

import base64
import binascii
import dataclasses
import hashlib
import json
import math
import re
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from ..utils.phone import normalize_phone
from . import errors
from .fields import empty as _empty
from .fields import obj as _obj
from .fields import plain as _plain
from .fields import root as _root
from .fields import text as _text
from .records import ZERO, Address, Customer, Order, OrderLine, Product, TaxAmount, TaxRate

__all__ = [
    "SHOP_TZ",
    "PayloadError",
    "content_hash",
    "describe_category",
    "href_id",
    "map_order",
    "map_product",
    "rate_id",
]

#: the zone of every timestamp the shop sends and of its datetime filters [INF]
SHOP_TZ = ZoneInfo("Europe/Budapest")
# Top-level keys that change while nothing we import does.
VOLATILE_KEYS = frozenset({"dateUpdated"})
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE_RE = re.compile(r"(-?\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})")
_PERCENT_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
#: orderTotals types that lower the price of the products (a coupon, a cart discount,
#: loyalty points spent); the tax rate of each comes from the order field named here
DISCOUNT_TYPES = {"COUPON": "couponTaxRate", "LOYALTYPOINTS_TO_USE": "loyaltyPointsTaxRate"}


#: a payload field the import needs is missing or garbled (``field``, ``problem``, ``value``)
PayloadError = errors.FieldPayloadError


# ---------------------------------------------------------------------------------------------
# Field readers


_show = errors.show_value


def _list(value, field: str) -> list:
    if _empty(value):
        return []
    if isinstance(value, dict) and "href" in value and len(value) == 1:
        return []  # a link to the collection: not embedded (no full=1)
    if not isinstance(value, list):
        raise PayloadError(field, f"expected a list, got {_show(value)}", value)
    return value


def _items(container: dict, key: str, prefix: str = ""):
    for index, item in enumerate(_list(container.get(key), f"{prefix}{key}")):
        path = f"{prefix}{key}[{index}]"
        yield path, _obj(item, path)


def _decimal(value, field: str, default: Decimal | None = None) -> Decimal:
    """A number sent as a string (or a JSON number); blank means ``default`` or an error."""
    if _empty(value):
        if default is None:
            raise PayloadError(field, "is missing", value)
        return default
    if isinstance(value, bool):
        raise PayloadError(field, f"{_show(value)} is not a number", value)
    if isinstance(value, int):
        return errors.checked_number(Decimal(value), field, value)
    if isinstance(value, float):
        if not math.isfinite(value):  # JSON's NaN and Infinity, which Python's parser accepts
            raise PayloadError(field, f"{_show(value)} is not a number", value)
        return errors.checked_number(Decimal(str(value)), field, value)
    if isinstance(value, str) and _NUMBER_RE.fullmatch(value.strip()):
        return errors.checked_number(Decimal(value.strip()), field, value)
    raise PayloadError(field, f"{_show(value)} is not a number", value)


def shop_datetime(value, field: str = "date") -> datetime | None:
    """A shop timestamp (Budapest local, either format) as naive UTC; zero dates are None."""
    if _empty(value):
        return None
    match = _DATE_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        raise PayloadError(field, f"{_show(value)} is not a date-time (YYYY-MM-DDTHH:MM:SS)", value)
    year, month, day, *clock = (int(part) for part in match.groups())
    if year <= 0 or month == 0 or day == 0:
        return None  # MySQL's zero date, rendered as 0000-00-00 or -0001-11-30
    try:
        local = datetime(year, month, day, *clock, tzinfo=SHOP_TZ)
    except ValueError as exc:
        raise PayloadError(field, f"{_show(value)} is not a valid date-time", value) from exc
    try:
        return local.astimezone(timezone.utc).replace(tzinfo=None)
    except OverflowError as exc:  # 0001-01-01 00:00 in Budapest is before year 1 in UTC
        raise PayloadError(field, f"{_show(value)} is out of range in UTC", value) from exc


def to_shop_time(moment: datetime) -> str:
    """A naive UTC (or aware) datetime as the shop's filter format, in Budapest time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SHOP_TZ).strftime("%Y-%m-%dT%H:%M:%S")


def href_id(value, field: str = "href") -> str | None:
    """The resource id of a link object: its ``id``, else the last segment of its ``href``."""
    link = _obj(value, field)
    if not link:
        return None
    if not _empty(link.get("id")):
        return _text(link["id"], f"{field}.id")
    href = _text(link.get("href"), f"{field}.href")
    if not href:
        return None
    last = href.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if not last:
        raise PayloadError(f"{field}.href", f"{_show(href)} names no resource", href)
    return last


def inner_id_of(resource_id: str) -> str | None:
    """The numeric id inside a resource id (base64 of ``<resource>-<column>=<n>``), or None."""
    try:
        text = base64.b64decode(resource_id + "=" * (-len(resource_id) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    match = re.fullmatch(rb"[A-Za-z]+-[a-z_]+=(\d+)", text)
    return match.group(1).decode() if match else None


def rate_id(percent) -> str:
    """The id of a tax rate: its percentage without trailing zeros ("27.0000" -> "27")."""
    number = percent if isinstance(percent, Decimal) else _decimal(percent, "taxRate")
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def content_hash(payload: dict) -> str:
    """sha256 of the payload without its top-level ``VOLATILE_KEYS``; links count by the
    resource they name, not by the host they were written with (api or api2)."""

    def stable(value):
        if isinstance(value, dict):
            return {
                k: v.rsplit("/", 1)[-1] if k == "href" and isinstance(v, str) else stable(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [stable(v) for v in value]
        return value

    text = json.dumps(
        stable({k: v for k, v in payload.items() if k not in VOLATILE_KEYS}),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    # surrogatepass: JSON may carry a lone surrogate (escaped \ud800), which UTF-8 refuses
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Orders


def _address(payload: dict, prefix: str, email: str = "", phone: str = "", vat: str = ""):
    """The ``payment*`` (billing) or ``shipping*`` address of an order."""

    def text(key):
        return _text(payload.get(f"{prefix}{key}"), f"{prefix}{key}")

    country = _obj(payload.get(f"{prefix}Country"), f"{prefix}Country")
    zone = _obj(payload.get(f"{prefix}Zone"), f"{prefix}Zone")
    return Address(
        # Field names as the fixtures use them (the docs swap their descriptions).
        first_name=text("Firstname"),
        last_name=text("Lastname"),
        company=text("Company"),
        street=text("Address1"),
        street2=text("Address2"),
        city=text("City"),
        zip=text("Postcode"),
        state_code=_text(zone.get("code"), f"{prefix}Zone.code"),
        country_code=_text(country.get("isoCode2"), f"{prefix}Country.isoCode2").upper(),
        email=email,
        phone=phone,
        vat=vat,
    )


def _customer(payload: dict) -> Customer:
    email = _text(payload.get("email"), "email").lower()
    phone = _text(payload.get("phone"), "phone")
    vat = _text(payload.get("taxNumber"), "taxNumber")
    billing = _address(payload, "payment", email, phone, vat)
    shipping = _address(payload, "shipping")
    name = " ".join(
        part for part in (_text(payload.get(k), k) for k in ("firstname", "lastname")) if part
    )
    region = billing.country_code or shipping.country_code or "HU"
    return Customer(
        external_id=href_id(payload.get("customer"), "customer"),
        email=email,
        phone=phone,
        phone_e164=normalize_phone(phone, region),
        billing=billing,
        shipping=None if shipping.is_empty() or shipping.key() == billing.key() else shipping,
        vat=vat,
        company=billing.company,
        name=billing.name or name or shipping.name or email,
    )


def _percent(payload: dict, key: str) -> Decimal | None:
    """A tax percentage field of the order; -1 (or blank) means "no tax rate" (None)."""
    value = _decimal(payload.get(key), key, Decimal(-1))
    return None if value < 0 else value


def _tax(net: Decimal, percent: Decimal | None) -> tuple[TaxAmount, ...]:
    if percent is None:
        return ()
    return (TaxAmount(rate_id=rate_id(percent), amount=net * percent / 100),)


def _product_lines(payload: dict) -> list[dict]:
    """The product lines as plain values (their discounts are added later)."""
    lines = []
    for path, raw in _items(payload, "orderProducts"):
        quantity = sum(
            (_decimal(raw.get(f"stock{n}"), f"{path}.stock{n}", ZERO) for n in range(1, 5)), ZERO
        )
        if quantity <= 0:
            raise PayloadError(
                f"{path}.stock1",
                "the line takes nothing from stock1..stock4 (an abandoned cart?)",
                quantity,
            )
        price = _decimal(raw.get("price"), f"{path}.price")
        total = _decimal(raw.get("total"), f"{path}.total", price * quantity)
        percent = _decimal(raw.get("taxRate"), f"{path}.taxRate", ZERO)
        if percent < 0:
            raise PayloadError(f"{path}.taxRate", f"{_show(raw.get('taxRate'))} is negative")
        lines.append(
            {
                "external_id": _text(raw.get("id"), f"{path}.id") or str(len(lines) + 1),
                "name": _text(raw.get("name"), f"{path}.name"),
                "sku": _text(raw.get("sku"), f"{path}.sku"),
                "product": href_id(raw.get("product"), f"{path}.product"),
                "quantity": quantity,
                "subtotal": total,
                "percent": percent,
                "discount": ZERO,
            }
        )
    return lines


def _spread_discount(lines: list[dict], amount: Decimal, percent, path: str) -> Decimal:
    """Take ``amount`` (net, positive) off the product lines in proportion to their net totals.

    With a coupon rate (``percent`` not None) only the lines of that rate share it; with none
    (-1) every product line does, so each rate's base shrinks by its share. The last line gets
    what the others left, so the shares add up exactly. Returns the discount's tax.
    """
    group = [line for line in lines if percent is None or line["percent"] == percent]
    base = sum((line["subtotal"] - line["discount"] for line in group), ZERO)
    if not group or base <= 0:
        raise PayloadError(
            path,
            "a discount, but no product line it could apply to"
            + ("" if percent is None else f" (none at {rate_id(percent)}%)"),
            str(-amount),
        )
    if amount > base:
        raise PayloadError(path, f"the discount {amount} exceeds the products' {base}", amount)
    left, tax = amount, ZERO
    for index, line in enumerate(group):
        share = (
            left
            if index == len(group) - 1
            else amount * (line["subtotal"] - line["discount"]) / base
        )
        left -= share
        line["discount"] += share
        tax += share * line["percent"] / 100
    return tax


def _tax_rows(payload: dict) -> dict[str, tuple[Decimal, str]]:
    """rate id -> (tax the shop charged with it, label) from the ``TAX`` rows."""
    rows = {}
    for path, raw in _items(payload, "orderTotals"):
        if raw.get("type") != "TAX":
            continue
        name = _text(raw.get("name"), f"{path}.name")
        match = _PERCENT_RE.search(name)
        if not match:
            raise PayloadError(f"{path}.name", f"{_show(name)} names no tax percentage", name)
        rid = rate_id(Decimal(match.group(1).replace(",", ".")))
        value = _decimal(raw.get("value"), f"{path}.value")
        previous = rows.get(rid, (ZERO, ""))[0]
        rows[rid] = (previous + value, name.rstrip(": "))
    return rows


def map_order(payload: dict) -> Order:
    """Map one ``orderExtend?full=1`` item to an ``Order``.

    Lines: one per ``orderProducts`` item (net, taxed at its ``taxRate``), a ``shipping`` line
    from the ``SHIPPING`` row (``method_id`` the shipping mode's innerId), a ``fee`` line from a
    non-zero ``PAYMENT`` row (the cash-on-delivery fee) and per ``orderProductAddons`` item (a
    deposit fee) [INF], and for each ``COUPON`` row an informational ``coupon`` line while its
    discount is spread onto the product lines (``subtotal`` before, ``total`` after it).

    Tax rates are keyed by percentage; a rate's ``tax_total`` is its ``TAX`` row minus the
    shipping's share (``shipping_tax_total``, the shipping tax rounded), so the per-rate
    targets of the line planner add up to what the buyer paid.

    :raises PayloadError: a field the import needs is missing or unreadable.
    """
    payload = _root(payload, "order")
    external_id = _text(payload.get("innerId"), "innerId")
    if not external_id:
        raise PayloadError("innerId", "is missing", payload.get("innerId"))
    status = href_id(payload.get("orderStatus"), "orderStatus")
    if not status:
        raise PayloadError(
            "orderStatus",
            "is missing (an abandoned cart has no status)",
            payload.get("orderStatus"),
        )
    currency_raw = _obj(payload.get("currency"), "currency")
    currency = _text(currency_raw.get("code"), "currency.code").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise PayloadError(
            "currency.code", "is missing or not an ISO code", currency_raw.get("code")
        )
    decimals_value = _decimal(currency_raw.get("decimalPlace"), "currency.decimalPlace", Decimal(2))
    decimals = int(decimals_value)
    if decimals != decimals_value or not 0 <= decimals <= 4:
        raise PayloadError("currency.decimalPlace", "is not 0..4", currency_raw.get("decimalPlace"))

    products = _product_lines(payload)
    totals = {}
    for path, raw in _items(payload, "orderTotals"):
        kind = _text(raw.get("type"), f"{path}.type")
        totals.setdefault(kind, []).append((path, raw))

    coupon_code = _text(_obj(payload.get("coupon"), "coupon").get("code"), "coupon.code")
    coupon_lines = []
    for kind, percent_key in DISCOUNT_TYPES.items():
        for path, raw in totals.get(kind, ()):
            value = _decimal(raw.get("value"), f"{path}.value")
            if not value:
                continue
            if value > 0:
                raise PayloadError(f"{path}.value", f"a discount of {value} is not negative", value)
            percent = _percent(payload, percent_key)
            tax = _spread_discount(products, -value, percent, f"{path}.value")
            name = _text(raw.get("name"), f"{path}.name").rstrip(": ")
            key = _text(raw.get("key"), f"{path}.key")
            code = coupon_code if kind == "COUPON" and not key else ""
            coupon_lines.append(
                OrderLine(
                    kind="coupon",
                    external_id=_text(raw.get("id"), f"{path}.id") or f"{kind}-{len(coupon_lines)}",
                    name=code or name or key,
                    quantity=Decimal(1),
                    subtotal=value,
                    total=value,
                    subtotal_tax=-tax,
                    total_tax=-tax,
                    code=code or key,
                )
            )

    lines = []
    for line in products:
        total = line["subtotal"] - line["discount"]
        taxes = _tax(total, line["percent"])
        subtotal_taxes = _tax(line["subtotal"], line["percent"])
        lines.append(
            OrderLine(
                kind="product",
                external_id=line["external_id"],
                name=line["name"],
                quantity=line["quantity"],
                subtotal=line["subtotal"],
                total=total,
                subtotal_tax=subtotal_taxes[0].amount,
                total_tax=taxes[0].amount,
                taxes=taxes,
                subtotal_taxes=subtotal_taxes,
                sku=line["sku"],
                product_external_id=line["product"],
            )
        )

    shipping_tax_by_rate: dict[str, Decimal] = {}
    shipping_name = _text(payload.get("shippingMethodName"), "shippingMethodName")
    mode = _obj(payload.get("shippingMode"), "shippingMode")
    method_id = _text(mode.get("innerId"), "shippingMode.innerId") or (
        inner_id_of(href_id(mode, "shippingMode") or "") or ""
    )
    for path, raw in totals.get("SHIPPING", ()):
        net = _decimal(raw.get("value"), f"{path}.value")
        percent = _percent(payload, "shippingMethodTaxRate")
        taxes = _tax(net, percent)
        for tax in taxes:
            shipping_tax_by_rate[tax.rate_id] = (
                shipping_tax_by_rate.get(tax.rate_id, ZERO) + tax.amount
            )
        lines.append(
            OrderLine(
                kind="shipping",
                external_id=_text(raw.get("id"), f"{path}.id") or "shipping",
                name=shipping_name or _text(raw.get("name"), f"{path}.name").rstrip(": "),
                quantity=Decimal(1),
                subtotal=net,
                total=net,
                subtotal_tax=sum((t.amount for t in taxes), ZERO),
                total_tax=sum((t.amount for t in taxes), ZERO),
                taxes=taxes,
                subtotal_taxes=taxes,
                # The mode's id, not its name: the name carries the pick-up point's address.
                method_id=method_id or shipping_name,
            )
        )
    payment_name = _text(payload.get("paymentMethodName"), "paymentMethodName")
    payment_code = _text(payload.get("paymentMethodCode"), "paymentMethodCode")
    for path, raw in totals.get("PAYMENT", ()):
        net = _decimal(raw.get("value"), f"{path}.value")
        if net:
            lines.append(
                _fee(raw, path, net, _percent(payload, "paymentMethodTaxRate"), payment_name)
            )
    for path, raw in _items(payload, "orderProductAddons"):
        net = _decimal(raw.get("total"), f"{path}.total")
        if net:
            percent = _decimal(raw.get("taxRate"), f"{path}.taxRate", ZERO)
            lines.append(_fee(raw, path, net, percent, _text(raw.get("name"), f"{path}.name")))
    lines += coupon_lines

    rows = _tax_rows(payload)
    total_rows = totals.get("TOTAL", ())
    if total_rows:
        path, raw = total_rows[-1]
        total = _decimal(raw.get("value"), f"{path}.value")
    else:
        total = _decimal(payload.get("total"), "total")
    lines = _settle_cents(lines, total - sum((value for value, _ in rows.values()), ZERO), decimals)
    used = {tax.rate_id: tax for line in lines for tax in line.taxes}
    tax_rates = []
    for rid in sorted(set(rows) | set(used), key=Decimal):
        charged, label = rows.get(rid, (None, ""))
        on_shipping = shipping_tax_by_rate.get(rid)
        shipping_total = None
        if on_shipping is not None:
            shipping_total = on_shipping.quantize(Decimal(1).scaleb(-decimals), "ROUND_HALF_UP")
        if charged is None:
            # No TAX row: a 0% rate (the shop lists no zero tax) or a shop that left it out.
            charged = ZERO if Decimal(rid) == 0 else None
        tax_total = charged
        if charged is not None and shipping_total is not None:
            tax_total = charged - shipping_total
        tax_rates.append(
            TaxRate(
                rate_id=rid,
                code=rid,
                label=label or f"{rid}%",
                percent=Decimal(rid),
                compound=False,
                tax_total=tax_total,
                shipping_tax_total=shipping_total,
            )
        )

    cart_tax = sum((r.tax_total for r in tax_rates if r.tax_total is not None), ZERO)
    shipping_tax = sum(
        (r.shipping_tax_total for r in tax_rates if r.shipping_tax_total is not None), ZERO
    )
    shipping_total = sum((line.total for line in lines if line.kind == "shipping"), ZERO)
    discount_total = -sum((line.total for line in coupon_lines), ZERO)
    discount_tax = -sum((line.total_tax for line in coupon_lines), ZERO)
    return Order(
        external_id=external_id,
        number=external_id,
        status=status,
        currency=currency,
        created_at=_required_date(payload, "dateCreated"),
        modified_at=_required_date(payload, "dateUpdated"),
        paid_at=None,  # the API says nothing about when (or whether) it was paid
        prices_include_tax=False,
        customer=_customer(payload),
        lines=tuple(lines),
        tax_rates=tuple(tax_rates),
        total=total,
        total_tax=cart_tax + shipping_tax,
        shipping_total=shipping_total,
        discount_total=discount_total,
        discount_tax=discount_tax,
        cart_tax=cart_tax,
        shipping_tax=shipping_tax,
        note=_text(payload.get("comment"), "comment"),
        payment_method=payment_code or payment_name,
        payment_method_title=payment_name or payment_code,
        transaction_id="",
        content_hash=content_hash(payload),
        decimals=decimals,
    )


def _settle_cents(lines: list[OrderLine], net_target: Decimal, decimals: int) -> list[OrderLine]:
    """Net amounts in cents that, with the TAX rows, come to the order's TOTAL exactly.

    Shoprenter keeps nets with 4 decimals but rounds each TAX row and the TOTAL to the
    currency's decimals (0 for forints) [INF], so the nets and the taxes it charged add up to
    the total only before that rounding. Odoo books every amount in cents: the charged lines'
    nets are rounded to cents and the cents the total's rounding moved go to the largest lines,
    one each, so that nets + TAX rows = TOTAL to the cent. A payload off by more than one unit
    of the currency is left as it is (the import then reports it does not add up).
    """
    cent = Decimal("0.01")
    charged = [index for index, line in enumerate(lines) if line.kind != "coupon"]
    unrounded = sum((lines[index].total for index in charged), ZERO)
    if not charged or abs(net_target - unrounded) > Decimal(1).scaleb(-decimals):
        return lines
    settled = {index: lines[index].total.quantize(cent, "ROUND_HALF_UP") for index in charged}
    steps = int((net_target.quantize(cent, "ROUND_HALF_UP") - sum(settled.values())) / cent)
    largest = sorted(charged, key=lambda index: -abs(lines[index].total))
    for step in range(abs(steps)):
        settled[largest[step % len(largest)]] += cent if steps > 0 else -cent
    out = list(lines)
    for index in charged:
        line, net = lines[index], settled[index]
        percent = Decimal(line.taxes[0].rate_id) if line.taxes else None
        subtotal = net if line.subtotal == line.total else line.subtotal.quantize(cent)
        out[index] = dataclasses.replace(
            line,
            subtotal=subtotal,
            total=net,
            taxes=_tax(net, percent),
            subtotal_taxes=_tax(subtotal, percent),
            total_tax=sum((tax.amount for tax in _tax(net, percent)), ZERO),
            subtotal_tax=sum((tax.amount for tax in _tax(subtotal, percent)), ZERO),
        )
    return out


def _fee(raw: dict, path: str, net: Decimal, percent, name: str) -> OrderLine:
    return OrderLine.charge(
        "fee",
        _text(raw.get("id"), f"{path}.id") or path,
        name or _text(raw.get("name"), f"{path}.name").rstrip(": "),
        net,
        _tax(net, percent),
        sku=_text(raw.get("sku"), f"{path}.sku"),
    )


def _required_date(payload: dict, key: str) -> datetime:
    moment = shop_datetime(payload.get(key), key)
    if moment is None:
        raise PayloadError(key, "is missing", payload.get(key))
    return moment


def describe_order(payload) -> dict | None:
    """The sync-log key of an ``orderExtend`` item (tolerant: validation is ``map_order``'s)."""
    if not isinstance(payload, dict):
        return None
    inner = payload.get("innerId")
    if not isinstance(inner, (str, int)) or isinstance(inner, bool) or not str(inner).strip():
        return None
    try:
        modified = shop_datetime(payload.get("dateUpdated"), "dateUpdated")
    except PayloadError:
        modified = None
    try:
        status = href_id(payload.get("orderStatus"), "orderStatus")
    except PayloadError:
        status = None
    product_ids = set()
    lines = payload.get("orderProducts")
    for line in lines if isinstance(lines, list) else []:
        try:
            product = href_id(line.get("product"), "product") if isinstance(line, dict) else None
        except PayloadError:
            product = None
        if product:
            product_ids.add(product)
    external_id = str(inner).strip()
    return {
        "external_id": external_id,
        "name": f"#{external_id}",
        "external_date": modified,
        "content_hash": content_hash(payload),
        "product_ids": sorted(product_ids),
        "status": status,
    }


def describe_category(raw) -> dict | None:
    """``{"id", "name", "parent"}`` of a ``categoryExtend`` item (parent 0 at the top).

    Tolerant like the sync-log keys: None for an item without an id (nothing to key it on);
    the name is the first description's, "" when none is readable, and an unreadable
    ``parentCategory`` link counts as none (0).
    """
    if not isinstance(raw, dict):
        return None
    category_id = raw.get("id")
    if not isinstance(category_id, str) or not category_id.strip():
        return None
    descriptions = raw.get("categoryDescriptions")
    names = [
        d["name"]
        for d in (descriptions if isinstance(descriptions, list) else [])
        if isinstance(d, dict) and isinstance(d.get("name"), str)
    ]
    parent = raw.get("parentCategory")
    try:
        parent = href_id(parent, "parentCategory") if parent else 0
    except PayloadError:
        parent = 0
    return {"id": category_id, "name": names[0] if names else "", "parent": parent}


# ---------------------------------------------------------------------------------------------
# Products


def _description(product: dict, language_id: str | None = None) -> dict:
    """The product description in ``language_id`` (a language resource id), else the first."""
    descriptions = [raw for _path, raw in _items(product, "productDescriptions")]
    if language_id:
        for raw in descriptions:
            if href_id(raw.get("language"), "language") == language_id:
                return raw
    return descriptions[0] if descriptions else {}


def map_product(
    payload: dict, variation=None, category_paths=None, language_id=None, language=None
) -> Product:
    """Map a ``productExtend`` payload to a ``Product``.

    A Shoprenter variant is a product of its own (with ``parentProduct``), so ``variation`` is
    not used: an order line names the variant's own product id. ``price`` is net (the shop's
    prices exclude tax); the sale price is the default customer group's ``netSpecial`` from
    ``productPrices`` (the special the shop applies now). Stock is ``stock1`` (the warehouse
    ``update_stock`` writes); ``subtractStock`` says whether the shop manages it.

    :param category_paths: category resource id -> tuple of names, root first.
    :param language_id: the language resource id whose name and description to take.
    :param language: the Odoo store's language code: not used (the shop's languages are
        resources, named by ``language_id``).
    """
    del variation, language
    product = _root(payload, "product")
    external_id = _text(product.get("id"), "id")
    if not external_id:
        raise PayloadError("id", "is missing", product.get("id"))
    parent = href_id(product.get("parentProduct"), "parentProduct")
    description = _description(product, language_id)
    price = (
        _decimal(product.get("price"), "price", ZERO) if not _empty(product.get("price")) else None
    )
    sale_price = None
    for path, entry in _items(product, "productPrices"):
        group = _obj(entry.get("customerGroup"), f"{path}.customerGroup")
        is_default = group.get("default") in (True, "1", 1, "true")
        if is_default and not _empty(entry.get("netSpecial")):
            sale_price = _decimal(entry.get("netSpecial"), f"{path}.netSpecial")
    paths = category_paths or {}
    categories = []
    for path, relation in _items(product, "productCategoryRelations"):
        category = href_id(relation.get("category"), f"{path}.category")
        if category and category in paths:
            categories.append(tuple(paths[category]))
    attributes = []
    for path, attribute in _items(product, "productAttributeExtend"):
        values = attribute.get("value")
        if isinstance(values, list):
            texts = [
                _text(value.get("value"), f"{path}.value")
                for value in values
                if isinstance(value, dict)
            ]
            value = texts[0] if texts else ""
        else:
            value = _text(values, f"{path}.value")
        attributes.append((_text(attribute.get("name"), f"{path}.name"), value))
    stock = _decimal(product.get("stock1"), "stock1", ZERO)
    if stock != stock.to_integral_value():
        raise PayloadError("stock1", f"{_show(product.get('stock1'))} is not a whole quantity")
    modified = shop_datetime(product.get("dateUpdated"), "dateUpdated") or shop_datetime(
        product.get("dateCreated"), "dateCreated"
    )
    if modified is None:
        raise PayloadError("dateUpdated", "is missing", product.get("dateUpdated"))
    return Product(
        external_id=external_id,
        variation_external_id=None,
        parent_external_id=parent if parent and parent != external_id else None,
        sku=_text(product.get("sku"), "sku"),
        name=_text(description.get("name"), "productDescriptions.name")
        or _text(product.get("sku"), "sku"),
        description=_plain(
            _text(description.get("description"), "productDescriptions.description")
            or _text(description.get("shortDescription"), "productDescriptions.shortDescription")
        ),
        type="simple",
        regular_price=price,
        sale_price=sale_price,
        price=sale_price if sale_price is not None else price,
        categories=tuple(categories),
        barcode=_text(product.get("gtin"), "gtin"),
        attributes=tuple(attributes),
        stock_quantity=int(stock),
        manage_stock=_text(product.get("subtractStock"), "subtractStock") == "1",
        modified_at=modified,
        virtual=_text(product.get("shipped"), "shipped") == "0",
    )


def describe_product(payload) -> dict | None:
    """The sync-log key of a ``productExtend`` item (tolerant, like ``describe_order``)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), str):
        return None
    if not payload["id"].strip():
        return None
    try:
        modified = shop_datetime(payload.get("dateUpdated"), "dateUpdated")
    except PayloadError:
        modified = None
    try:
        name = _text(_description(payload).get("name"), "name")
    except PayloadError:
        name = ""
    return {
        "external_id": payload["id"].strip(),
        "name": name or str(payload.get("sku") or payload["id"]),
        "external_date": modified,
        "content_hash": content_hash(payload),
    }


def batch_answer_problem(status, body) -> dict | None:
    """What is wrong with one ``/batch`` answer (``{"status", "code", "message",
    "retryable"}``), or None when the shop took the request (a 2xx status)."""
    if status is None:
        return {
            "status": None,
            "code": "storesync_missing_item",
            "message": "The shop's batch answer has no entry for this item.",
            "retryable": True,
        }
    if status >= 300:
        body = body if isinstance(body, dict) else {}
        return {
            "status": status,
            "code": None if body.get("error") in (None, "") else str(body.get("error")),
            "message": str(body.get("message") or f"HTTP {status}"),
            "retryable": status >= 500 or status == 429,
        }
    return None
