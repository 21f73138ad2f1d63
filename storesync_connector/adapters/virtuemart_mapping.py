"""Map VirtueMart payloads (rows of the shop's database, read by ``virtuemart.py``) to records.

Pure functions: no database, no HTTP, no Odoo. An order payload is ``{"order": <orders row
with currency_code, payment_name, shipment_name, status_name>, "addresses": [order_userinfos
rows with country_code, state_code], "items": [order_items rows with product_parent_id],
"calc_rules": [order_calc_rules rows], "language"}``; amounts are the columns' decimal
strings, datetimes UTC "YYYY-MM-DD HH:MM:SS". Facts (/work/shared/store_apis/virtuemart.md,
VirtueMart's ``models/orders.php`` and ``helpers/calculationh.php``):

* An item's ``product_final_price`` is its gross unit price after the product's discounts
  and ``product_tax`` its unit tax; ``product_subtotal_with_tax`` what the line costs. Its VAT
  rule is the item's ``VatTax``/``Tax`` row in ``order_calc_rules`` (``virtuemart_calc_id``,
  ``calc_value`` the percent).
* ``order_shipment`` / ``order_payment`` are net, ``order_shipment_tax`` /
  ``order_payment_tax`` their tax, on the calc rules of kind ``shipment`` / ``payment``.
* ``coupon_discount`` is the coupon's gross amount, negative (``salesPriceCoupon``); its tax
  is taken off each VAT rule in proportion to the rule's share of the products' gross
  (``discountTaxAmount``, rounded to the cent). A cart rule's row (``order_calc_rules``
  without an item) carries its gross ``calc_amount``: one before tax (``DBTaxRulesBill``)
  takes its tax off like the coupon, one after tax (``DATaxRulesBill``) none; a cart tax
  rule (``taxRulesBill``) is refused.
* ``order_total = Σ product_final_price x product_quantity + order_shipment +
  order_shipment_tax + order_payment + order_payment_tax + coupon_discount`` + the cart
  rules' amounts, rounded
  (``updateOrderHead``); ``order_billTaxAmount`` the tax of it all.
* The buyer is the ``BT`` address row (e-mail, name, phone, company); ``ST`` the delivery
  address, absent or ignored when ``STsameAsBT``. ``virtuemart_user_id`` 0 is a guest.
"""

import hashlib
import json
import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..utils.line_planner import allot, round_money
from ..utils.phone import normalize_phone
from . import errors
from .fields import empty as _empty
from .fields import plain as _plain
from .fields import root as _root
from .fields import text as _text
from .records import ZERO, Address, Customer, Order, OrderLine, Product, TaxAmount, TaxRate

__all__ = [
    "PayloadError",
    "content_hash",
    "describe_order",
    "describe_product",
    "group_title",
    "mailed_statuses",
    "map_order",
    "map_product",
    "params",
    "shared_stock",
    "status_title",
]

PayloadError = errors.FieldPayloadError
_show = errors.show_value
CENT = Decimal("0.01")
#: calc rule kinds of an item's tax (the VAT rule, or a plain tax rule)
ITEM_TAX_KINDS = ("VatTax", "Tax")
#: calc rule kinds of the whole cart (``_createOrderCalcRules``' bill rules)
BILL_KINDS = ("DBTaxRulesBill", "taxRulesBill", "DATaxRulesBill")
#: a VirtueMart date column's "no date"
_NULL_DATES = ("", "0000-00-00 00:00:00", "0000-00-00")
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")
#: VirtueMart's language keys of its default statuses and shopper groups, in English
_STATUS_KEYS = {
    "COM_VIRTUEMART_ORDER_STATUS_PENDING": "Pending",
    "COM_VIRTUEMART_ORDER_STATUS_CONFIRMED_BY_SHOPPER": "Confirmed by shopper",
    "COM_VIRTUEMART_ORDER_STATUS_CONFIRMED": "Confirmed",
    "COM_VIRTUEMART_ORDER_STATUS_CANCELLED": "Cancelled",
    "COM_VIRTUEMART_ORDER_STATUS_REFUNDED": "Refunded",
    "COM_VIRTUEMART_ORDER_STATUS_SHIPPED": "Shipped",
    "COM_VIRTUEMART_ORDER_STATUS_COMPLETED": "Completed",
    "COM_VIRTUEMART_ORDER_STATUS_DENIED": "Denied",
}
_GROUP_KEYS = {
    "COM_VIRTUEMART_SHOPPERGROUP_DEFAULT": "Default",
    "COM_VIRTUEMART_SHOPPERGROUP_GUEST": "Guests",
    "-default-": "Default",
    "-anonymous-": "Guests",
}


def status_title(code, name) -> str:
    """An order state's name: VirtueMart's language key in English, the shop's own text
    as it is."""
    name = (name or "").strip()
    return _STATUS_KEYS.get(name.upper(), name) or str(code)


#: the statuses VirtueMart e-mails the shopper about when its configuration says nothing
DEFAULT_MAILED_STATUSES = ("U", "C", "X", "R", "S")


def params(text) -> dict:
    """VirtueMart's ``key=value|key=value|`` texts (its configuration, ``VmConfig::toString``;
    a product's ``product_params``, VmTable's params) as ``{key: raw value}``; a key given
    twice counts with its last value, as in the PHP array they are read into."""
    found = {}
    for part in str(text or "").split("|"):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            found[key.strip()] = value.strip()
    return found


def mailed_statuses(config) -> tuple:
    """``email_os_s`` of VirtueMart's configuration text (values are JSON): the statuses
    VirtueMart e-mails the shopper about."""
    try:
        found = json.loads(params(config)["email_os_s"])
    except (KeyError, ValueError):
        return DEFAULT_MAILED_STATUSES
    if isinstance(found, str):
        found = [found]
    if isinstance(found, list):
        return tuple(str(code) for code in found)
    return DEFAULT_MAILED_STATUSES


def shared_stock(product_params) -> bool:
    """Whether a product's ``product_params`` say ``shared_stock``: the child sells from its
    parent's stock."""
    return params(product_params).get("shared_stock", "").strip('"') not in ("", "0")


def group_title(name) -> str:
    name = (name or "").strip()
    return _GROUP_KEYS.get(name, _GROUP_KEYS.get(name.upper(), name))


# ---------------------------------------------------------------------------------------------
# Field readers


def _decimal(value, field: str, default: Decimal | None = None) -> Decimal:
    if _empty(value):
        if default is None:
            raise PayloadError(field, "is missing", value)
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PayloadError(field, f"{_show(value)} is not a number", value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(field, f"{_show(value)} is not a number", value) from None
    return errors.checked_number(number, field, value)


def _datetime(value, field: str) -> datetime | None:
    """A UTC "YYYY-MM-DD HH:MM:SS" as a naive datetime; VirtueMart's zero date is None."""
    if _empty(value) or str(value).strip() in _NULL_DATES:
        return None
    match = _DATE_RE.fullmatch(_text(value, field))
    if not match:
        raise PayloadError(field, f"{_show(value)} is not a date", value)
    try:
        return datetime(*[int(part or 0) for part in match.groups()])
    except ValueError:
        raise PayloadError(field, f"{_show(value)} is not a date", value) from None


def _id(value, field: str) -> str:
    text = _text(value, field)
    if not text.isdigit():
        raise PayloadError(field, f"{_show(value)} is not an id", value)
    return str(int(text))


def content_hash(payload) -> str:
    """sha256 of the payload (every column: a change anywhere is a change)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Orders


def _address(row: dict, prefix: str) -> Address:
    def text(name):
        return _text(row.get(name), f"{prefix}.{name}")

    return Address(
        first_name=" ".join(part for part in (text("first_name"), text("middle_name")) if part),
        last_name=text("last_name"),
        company=text("company"),
        street=text("address_1"),
        street2=text("address_2"),
        city=text("city"),
        zip=text("zip"),
        state_code=text("state_code").upper(),
        country_code=text("country_code").upper(),
        email=text("email").lower(),
        phone=text("phone_1") or text("phone_2"),
    )


def _customer(order: dict, addresses: list) -> Customer:
    by_type = {}
    for row in addresses:
        if isinstance(row, dict):
            by_type.setdefault(_text(row.get("address_type"), "address_type").upper(), row)
    if "BT" not in by_type:
        raise PayloadError("order_userinfos", "the order has no bill-to (BT) address", None)
    billing = _address(by_type["BT"], "BT")
    shipping = None
    if "ST" in by_type and str(order.get("STsameAsBT") or "0") != "1":
        candidate = _address(by_type["ST"], "ST")
        if not candidate.is_empty() and candidate.key() != billing.key():
            shipping = candidate
    user = _text(order.get("virtuemart_user_id"), "virtuemart_user_id")
    return Customer(
        external_id=user if user not in ("", "0") else None,
        email=billing.email,
        phone=billing.phone,
        phone_e164=normalize_phone(billing.phone, billing.country_code or None),
        billing=billing,
        shipping=shipping,
        vat="",
        company=billing.company,
        name=billing.name or billing.email,
    )


def _rate_of(rules, field) -> tuple[str, Decimal] | None:
    """(calc id, percent) of the first rule in ``rules`` (None: untaxed)."""
    for rule in rules:
        calc_id = rule.get("virtuemart_calc_id")
        if not _empty(calc_id) and str(calc_id) != "0":
            return _id(calc_id, f"{field}.virtuemart_calc_id"), _decimal(
                rule.get("calc_value"), f"{field}.calc_value", ZERO
            )
    return None


def _derived_rate(vat_rules, net, tax, field) -> tuple[str, Decimal]:
    """The shop's VAT rule whose percent ``tax`` is of ``net``, for an amount VirtueMart
    taxed without writing its rule row (it writes one only for a rule with a currency):
    the one rule within a cent's rounding, else the payload is refused."""
    candidates = []
    for rule in vat_rules:
        percent = _decimal(rule.get("calc_value"), "vat_rules.calc_value", ZERO)
        if net and abs(net * percent / 100 - tax) <= CENT:
            candidates.append((_id(rule.get("virtuemart_calc_id"), "vat_rules.id"), percent))
    if len({percent for _id_, percent in candidates}) == 1:
        # Rules of one percent (per category, per country): the same tax, the oldest rule.
        return min(candidates, key=lambda found: int(found[0]))
    if len(candidates) != 1:
        raise PayloadError(
            field,
            f"is charged ({tax} on {net}), but the order names no VAT rule for it and "
            f"{'none' if not candidates else 'more than one'} of the shop's VAT rules fits",
            str(tax),
        )
    return candidates[0]


def _charge(kind, external_id, name, net, tax, rate, method_id=""):
    """A one-unit line of ``net`` with ``tax`` on store rate ``rate`` ((id, percent), None:
    untaxed)."""
    taxes = (TaxAmount(rate_id=rate[0], amount=tax),) if rate else ()
    return OrderLine.charge(kind, external_id, name, net, taxes, method_id=method_id)


def map_order(payload: dict) -> Order:
    """Map an order payload (see the module docs) to an ``Order`` of net amounts."""
    payload = _root(payload, "order")
    order = _root(payload.get("order"), "order")
    order_id = _id(order.get("virtuemart_order_id"), "virtuemart_order_id")
    currency = _text(order.get("currency_code"), "currency_code").upper()
    if not currency:
        raise PayloadError("order_currency", "names no currency the shop knows", None)
    decimals = int(_decimal(order.get("currency_decimals"), "currency_decimals", Decimal(2)))
    rules = [r for r in payload.get("calc_rules") or [] if isinstance(r, dict)]
    rules_by_item, order_rules = {}, {}
    bill_rules = []
    for rule in rules:
        kind = _text(rule.get("calc_kind"), "calc_kind")
        item = rule.get("virtuemart_order_item_id")
        if kind in ITEM_TAX_KINDS and not _empty(item) and str(item) != "0":
            rules_by_item.setdefault(str(item), []).append(rule)
        elif kind in ("shipment", "payment"):
            order_rules.setdefault(kind, []).append(rule)
        elif kind in BILL_KINDS and _decimal(rule.get("calc_amount"), "calc_amount", ZERO):
            if kind == "taxRulesBill":
                # A tax on the whole cart: Odoo has no line to carry a tax without a base.
                raise PayloadError(
                    "order_calc_rules",
                    f"the cart tax rule "
                    f"{_text(rule.get('calc_rule_name'), 'calc_rule_name')!r} is not "
                    f"imported: the order needs entering by hand",
                    rule.get("calc_amount"),
                )
            bill_rules.append(rule)
    rates: dict[str, TaxRate] = {}
    vat_rules = [r for r in payload.get("vat_rules") or [] if isinstance(r, dict)]

    def known(rate, rule_name=""):
        if rate and rate[0] not in rates:
            rates[rate[0]] = TaxRate(
                rate_id=rate[0],
                code=rate[0],
                label=rule_name or f"{rate[1].normalize()} %",
                percent=rate[1],
                compound=False,
            )
        return rate

    lines, gross_by_rate = [], {}
    for index, item in enumerate(payload.get("items") or []):
        field = f"items[{index}]"
        if not isinstance(item, dict):
            raise PayloadError(field, f"expected an object, got {_show(item)}", item)
        item_id = _id(item.get("virtuemart_order_item_id"), f"{field}.virtuemart_order_item_id")
        quantity = _decimal(item.get("product_quantity"), f"{field}.product_quantity")
        if quantity <= 0:
            raise PayloadError(f"{field}.product_quantity", "is not positive", quantity)
        final = _decimal(item.get("product_final_price"), f"{field}.product_final_price")
        gross = (final * quantity).quantize(CENT, rounding=ROUND_HALF_UP)
        unit_tax = _decimal(item.get("product_tax"), f"{field}.product_tax", ZERO)
        item_rules = rules_by_item.get(item_id, [])
        if len(item_rules) > 1:
            raise PayloadError(
                f"{field}.calc_rules",
                f"the item has {len(item_rules)} tax rules; one VAT rule per item is imported",
                [r.get("calc_rule_name") for r in item_rules],
            )
        rate = _rate_of(item_rules, f"{field}.calc_rules")
        if unit_tax and rate is None:
            rate = _derived_rate(vat_rules, final - unit_tax, unit_tax, f"{field}.product_tax")
        rate = known(
            rate,
            _text(item_rules[0].get("calc_rule_name"), "calc_rule_name") if item_rules else "",
        )
        tax = unit_tax * quantity if rate else ZERO
        # The coupon is shared over the rules by their part of the products' gross, the
        # untaxed items' part ("") carrying no tax.
        gross_by_rate[rate[0] if rate else ""] = (
            gross_by_rate.get(rate[0] if rate else "", ZERO) + gross
        )
        taxes = (TaxAmount(rate_id=rate[0], amount=tax),) if rate else ()
        product_id = _text(item.get("virtuemart_product_id"), f"{field}.virtuemart_product_id")
        lines.append(
            OrderLine(
                kind="product",
                external_id=item_id,
                name=_text(item.get("order_item_name"), f"{field}.order_item_name")
                or _text(item.get("order_item_sku"), "order_item_sku"),
                quantity=quantity,
                subtotal=gross - tax,
                total=gross - tax,
                subtotal_tax=tax,
                total_tax=tax,
                taxes=taxes,
                subtotal_taxes=taxes,
                sku=_text(item.get("order_item_sku"), f"{field}.order_item_sku"),
                product_external_id=product_id if product_id not in ("", "0") else None,
                attributes=_attributes(item.get("product_attribute")),
            )
        )
    if not lines:
        raise PayloadError("items", "the order has no items", None)
    shipment = _decimal(order.get("order_shipment"), "order_shipment", ZERO)
    shipment_tax = _decimal(order.get("order_shipment_tax"), "order_shipment_tax", ZERO)
    method = _text(order.get("virtuemart_shipmentmethod_id"), "virtuemart_shipmentmethod_id")
    if method not in ("", "0") or shipment or shipment_tax:
        rate = (
            known(
                _rate_of(order_rules.get("shipment", []), "shipment")
                or _derived_rate(vat_rules, shipment, shipment_tax, "order_shipment_tax")
            )
            if shipment_tax
            else None
        )
        lines.append(
            _charge(
                "shipping",
                f"shipment-{method or 0}",
                _text(order.get("shipment_name"), "shipment_name") or "Shipping",
                shipment,
                shipment_tax,
                rate,
                method_id=method if method not in ("", "0") else "",
            )
        )
    payment = _decimal(order.get("order_payment"), "order_payment", ZERO)
    payment_tax = _decimal(order.get("order_payment_tax"), "order_payment_tax", ZERO)
    payment_method = _text(order.get("virtuemart_paymentmethod_id"), "virtuemart_paymentmethod_id")
    payment_name = _text(order.get("payment_name"), "payment_name")
    if payment or payment_tax:
        rate = (
            known(
                _rate_of(order_rules.get("payment", []), "payment")
                or _derived_rate(vat_rules, payment, payment_tax, "order_payment_tax")
            )
            if payment_tax
            else None
        )
        lines.append(
            _charge(
                "fee",
                f"payment-{payment_method or 0}",
                payment_name or "Payment fee",
                payment,
                payment_tax,
                rate,
                method_id="taxable" if rate else "none",
            )
        )
    coupon = _decimal(order.get("coupon_discount"), "coupon_discount", ZERO)
    code = _text(order.get("coupon_code"), "coupon_code")
    if coupon:
        lines += _discount_lines(
            coupon, f"coupon-{code}", f"Coupon {code}".strip(), gross_by_rate, rates
        )
    for index, rule in enumerate(bill_rules):
        # The cart's discount rules (calculationh.php): "before tax" (DBTaxRulesBill) comes
        # off the VAT rules' shares like the coupon; "after tax" (DATaxRulesBill) changes
        # the total and no tax at all.
        field = f"order_calc_rules[{index}]"
        amount = _decimal(rule.get("calc_amount"), f"{field}.calc_amount")
        name = _text(rule.get("calc_rule_name"), f"{field}.calc_rule_name") or "Discount"
        key = f"cart-rule-{_text(rule.get('virtuemart_calc_id'), 'virtuemart_calc_id')}"
        if _text(rule.get("calc_kind"), "calc_kind") == "DBTaxRulesBill":
            lines += _discount_lines(amount, key, name, gross_by_rate, rates)
        else:
            lines.append(_charge("fee", key, name, amount, ZERO, None, "none"))
    # VirtueMart may keep the total unrounded (a percentage coupon: 147.17300 or 147.173):
    # the buyer pays it rounded to the currency, as the shop shows it.
    total = round_money(_decimal(order.get("order_total"), "order_total"), decimals)
    bill_tax = round_money(
        _decimal(order.get("order_billTaxAmount"), "order_billTaxAmount", ZERO), decimals
    )
    created = _datetime(order.get("created_on"), "created_on")
    modified = _datetime(order.get("modified_on"), "modified_on") or created
    if created is None:
        raise PayloadError("created_on", "is missing", order.get("created_on"))
    return Order(
        external_id=order_id,
        number=_text(order.get("order_number"), "order_number") or order_id,
        status=_text(order.get("order_status"), "order_status"),
        currency=currency,
        created_at=created,
        modified_at=modified,
        paid_at=_datetime(order.get("paid_on"), "paid_on"),
        prices_include_tax=False,
        customer=_customer(order, payload.get("addresses") or []),
        lines=tuple(lines),
        tax_rates=tuple(rates.values()),
        total=total,
        total_tax=bill_tax,
        shipping_total=shipment,
        discount_total=-coupon,
        discount_tax=ZERO,
        cart_tax=bill_tax - shipment_tax,
        shipping_tax=shipment_tax,
        note=_text(order.get("order_note"), "order_note"),
        payment_method=payment_method,
        payment_method_title=payment_name,
        transaction_id="",
        content_hash=content_hash(payload),
        decimals=decimals,
    )


def _discount_lines(amount, key, name, gross_by_rate, rates) -> list[OrderLine]:
    """A gross amount off the whole order (the coupon, a cart rule before tax) as one
    negative line per VAT rule: shared by the rules' part of the products' gross (the
    untaxed items' part, key "", untaxed), the tax of each share as VirtueMart takes it off
    (``discountTaxAmount``: ``round(share / (100 + percent) x percent, 2)``)."""
    ids = sorted(gross_by_rate)
    shares = allot([gross_by_rate[i] for i in ids], amount)
    lines = []
    for rate_id, share in zip(ids, shares, strict=True):
        if not share:
            continue
        if not rate_id:
            lines.append(_charge("fee", key, name, share, ZERO, None, "none"))
            continue
        percent = rates[rate_id].percent or ZERO
        tax = (share * percent / (100 + percent)).quantize(CENT, rounding=ROUND_HALF_UP)
        suffix = f" ({percent.normalize()} %)" if len(ids) > 1 else ""
        lines.append(
            _charge(
                "fee",
                f"{key}-{rate_id}",
                name + suffix,
                share - tax,
                tax,
                (rate_id, percent),
                method_id="taxable",
            )
        )
    return lines


def _attributes(value) -> tuple[tuple[str, str], ...]:
    """The chosen custom field values of ``product_attribute`` (JSON ``{customfield id:
    value or {..: text}}``), as far as they are texts."""
    if _empty(value):
        return ()
    try:
        data = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return ()
    found = []
    if isinstance(data, dict):
        for key, chosen in data.items():
            if isinstance(chosen, dict):
                chosen = next((v for v in chosen.values() if isinstance(v, str) and v), "")
            if isinstance(chosen, (str, int)) and str(chosen).strip():
                found.append((str(key), _plain(str(chosen))))
    return tuple(found)


def describe_order(payload) -> dict | None:
    """The sync-log key of an order payload (tolerant: validation is ``map_order``'s)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("order"), dict):
        return None
    order = payload["order"]
    number = order.get("virtuemart_order_id")
    if isinstance(number, bool) or not str(number or "").strip().isdigit():
        return None
    try:
        modified = _datetime(order.get("modified_on"), "modified_on")
    except PayloadError:
        modified = None
    products = set()
    for item in payload.get("items") or []:
        product = item.get("virtuemart_product_id") if isinstance(item, dict) else None
        if str(product or "").strip().isdigit() and str(product) != "0":
            products.add(str(int(str(product).strip())))
    return {
        "external_id": str(int(str(number).strip())),
        "name": str(order.get("order_number") or number),
        "external_date": modified,
        "content_hash": content_hash(payload),
        "product_ids": sorted(products),
        "status": None if order.get("order_status") is None else str(order["order_status"]),
    }


# ---------------------------------------------------------------------------------------------
# Products


def map_product(payload: dict, variation=None, category_paths=None, language=None) -> Product:
    """Map a product payload (a ``products`` row with its texts in the shop language, its
    base price row, tax percent and category ids) to a ``Product``. A variant is a child
    product of its own (``product_parent_id``): ``variation`` is not used. The price is net,
    as VirtueMart keeps it."""
    del variation, language
    product = _root(payload, "product")
    product_id = _id(product.get("virtuemart_product_id"), "virtuemart_product_id")
    parent = _text(product.get("product_parent_id"), "product_parent_id")
    price = (
        None
        if _empty(product.get("product_price"))
        else _decimal(product.get("product_price"), "product_price")
    )
    paths = category_paths or {}
    categories = tuple(
        tuple(paths[c]) for c in product.get("category_ids") or [] if paths.get(str(c))
    )
    stock = _decimal(product.get("product_in_stock"), "product_in_stock", ZERO)
    ordered = _decimal(product.get("product_ordered"), "product_ordered", ZERO)
    sku = _text(product.get("product_sku"), "product_sku")
    return Product(
        external_id=product_id,
        variation_external_id=None,
        parent_external_id=parent if parent not in ("", "0") else None,
        sku=sku,
        name=_text(product.get("product_name"), "product_name") or sku or product_id,
        description=_plain(
            _text(product.get("product_s_desc"), "product_s_desc")
            or _text(product.get("product_desc"), "product_desc")
        ),
        type="simple",
        regular_price=price,
        sale_price=None,
        price=price,
        categories=categories,
        barcode=_text(product.get("product_gtin"), "product_gtin"),
        attributes=(),
        stock_quantity=int(stock - ordered),
        manage_stock=True,
        modified_at=_datetime(product.get("modified_on"), "modified_on") or datetime(1970, 1, 1),
    )


def describe_product(payload) -> dict | None:
    if not isinstance(payload, dict):
        return None
    product_id = payload.get("virtuemart_product_id")
    if isinstance(product_id, bool) or not str(product_id or "").strip().isdigit():
        return None
    try:
        modified = _datetime(payload.get("modified_on"), "modified_on")
    except PayloadError:
        modified = None
    return {
        "external_id": str(int(str(product_id))),
        "category_ids": [str(c) for c in payload.get("category_ids") or []],
        "name": str(payload.get("product_name") or payload.get("product_sku") or product_id),
        "external_date": modified,
        "content_hash": content_hash(payload),
    }
