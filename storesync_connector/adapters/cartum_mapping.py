"""Map Cartum (Horoshop API) payloads (``orders/get``, ``catalog/export``, ``pages/export``)
to records.

Pure functions: no database, no HTTP, no Odoo. Facts relied on (/work/shared/store_apis/
cartum.md, tests/fixtures/cartum/SOURCES.md):

* An order is keyed by ``order_id`` (its number). ``stat_created`` is the shop's local time
  ("YYYY-MM-DD HH:MM:SS"); the API has no modification date at all.
* The buyer is one delivery contact: ``delivery_name`` (surname, then given names, in one
  field), ``delivery_email`` (may be empty), ``delivery_phone`` as typed (local or
  international form), the city and the address; there is no billing address and no company.
* Money is gross (tax included), in JSON numbers, and the API gives no tax figure: a line's
  ``total_price`` is what the buyer pays for it, ``total_default`` the lines' sum,
  ``total_sum`` what is left after the order's discounts (coupon, discount, the manager's:
  ``total_default - total_sum`` in all, measured [3P]); ``delivery_price`` is the delivery's
  cost, -1 when the carrier charges the buyer at its own rates (not the shop's money: a zero
  line); ``payment_price`` the payment method's fee. The order's total is ``total_sum`` plus
  the delivery and the fee [INF: no source shows the three added up].
* The shop's tax is therefore one store rate, ``VAT_RATE``, that the merchant maps to the
  Odoo tax included in the shop's prices; the line planner takes it out of the gross
  amounts (``Order.gross_amounts``).
"""

import hashlib
import json
import math
import re
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from ..utils.line_planner import allot
from ..utils.phone import normalize_phone
from . import errors
from .fields import empty as _empty
from .fields import obj as _obj
from .fields import plain as _plain
from .fields import root as _root
from .fields import text as _text
from .records import ZERO, Address, Customer, Order, OrderLine, Product, TaxAmount, TaxRate

__all__ = [
    "VAT_RATE",
    "PayloadError",
    "content_hash",
    "describe_category",
    "describe_order",
    "describe_product",
    "localized_title",
    "map_order",
    "map_product",
    "shop_zone",
    "to_shop_time",
]

#: the one store tax rate of a Cartum shop: the VAT its gross prices include
VAT_RATE = "vat"
#: where a shop of each currency is, for its local times and its buyers' national phones
#: [INF: Cartum serves Ukrainian (UAH) and Romanian (RON) shops; the API names no zone]
REGIONS = {"UAH": ("Europe/Kyiv", "UA"), "RON": ("Europe/Bucharest", "RO")}
DEFAULT_REGION = ("Europe/Kyiv", "UA")
#: the language of a shop of each currency, when the store's own is not among a text's
LANGUAGES = {"UAH": "ua", "RON": "ro"}
#: order line types that are goods the buyer gets (a gift at 0, a set's parts)
LINE_TYPES = frozenset({"product", "gift", "gift_parent", "set_main", "set_item", ""})
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")
CENT = Decimal("0.01")

#: a payload field the import needs is missing or garbled (``field``, ``problem``, ``value``)
PayloadError = errors.FieldPayloadError
_show = errors.show_value


# ---------------------------------------------------------------------------------------------
# Field readers


def _list(value, field: str) -> list:
    if _empty(value):
        return []
    if isinstance(value, dict):  # PHP's json_encode of an array with gaps in its keys
        return list(value.values())
    if not isinstance(value, list):
        raise PayloadError(field, f"expected a list, got {_show(value)}", value)
    return value


def _decimal(value, field: str, default: Decimal | None = None) -> Decimal:
    """A number sent as a JSON number or a string; blank means ``default`` or an error."""
    if _empty(value):
        if default is None:
            raise PayloadError(field, "is missing", value)
        return default
    if isinstance(value, bool):
        raise PayloadError(field, f"{_show(value)} is not a number", value)
    if isinstance(value, int):
        return errors.checked_number(Decimal(value), field, value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PayloadError(field, f"{_show(value)} is not a number", value)
        return errors.checked_number(Decimal(str(value)), field, value)
    if isinstance(value, str) and _NUMBER_RE.fullmatch(value.strip().replace(",", ".")):
        return errors.checked_number(Decimal(value.strip().replace(",", ".")), field, value)
    raise PayloadError(field, f"{_show(value)} is not a number", value)


def _money(value, field: str, default: Decimal | None = None) -> Decimal:
    """An amount, rounded half up to the cent as the shop shows it (its floats may carry
    binary noise: 12.300000000000001)."""
    return _decimal(value, field, default).quantize(CENT, rounding=ROUND_HALF_UP)


def _localized(value, field: str, *languages) -> str:
    """A text that may come per language (``{"ua": ..., "ru": ...}``): the first of
    ``languages`` it has, else the first of its own in alphabetical order (a payload kept as
    JSON in the database does not keep the order of its keys)."""
    if isinstance(value, dict):
        texts = {key: _text(text, f"{field}.{key}") for key, text in value.items()}
        for language in (*languages, *sorted(texts)):
            if language and texts.get(language):
                return texts[language]
        return ""
    return _text(value, field)


def shop_zone(currency) -> ZoneInfo:
    """The time zone of a shop that sells in ``currency``."""
    return ZoneInfo(REGIONS.get(str(currency or "").upper(), DEFAULT_REGION)[0])


def shop_datetime(value, field: str, zone: ZoneInfo) -> datetime | None:
    """A shop-local "YYYY-MM-DD HH:MM:SS" (or a date) as naive UTC; blank is None."""
    if _empty(value):
        return None
    match = _DATE_RE.fullmatch(_text(value, field))
    if not match:
        raise PayloadError(field, f"{_show(value)} is not a date", value)
    parts = [int(part or 0) for part in match.groups()]
    try:
        local = datetime(*parts, tzinfo=zone)
    except ValueError:
        raise PayloadError(field, f"{_show(value)} is not a date", value) from None
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def to_shop_time(moment: datetime, zone: ZoneInfo) -> str:
    """A naive UTC moment as the shop's "YYYY-MM-DD HH:MM:SS" (for ``from``/``to``)."""
    local = moment.replace(tzinfo=timezone.utc).astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M:%S")


def content_hash(payload) -> str:
    """sha256 of the payload: Cartum sends nothing that changes while the order does not."""
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Orders


def _region(payload: dict) -> tuple[ZoneInfo, str]:
    zone, country = REGIONS.get(_text(payload.get("currency"), "currency").upper(), DEFAULT_REGION)
    return ZoneInfo(zone), country


def split_name(full: str) -> tuple[str, str]:
    """``delivery_name`` as (first, last): the surname comes first ("Іваненко Олена
    Петрівна": surname, given name, patronymic), as Ukrainian and Romanian forms and carriers
    write it [3P example; INF]; one word is a given name."""
    words = full.split()
    if len(words) < 2:
        return (words[0] if words else ""), ""
    return " ".join(words[1:]), words[0]


def _customer(payload: dict, country: str) -> Customer:
    name = " ".join(_text(payload.get("delivery_name"), "delivery_name").split())
    first, last = split_name(name)
    email = _text(payload.get("delivery_email"), "delivery_email").lower()
    phone = _text(payload.get("delivery_phone"), "delivery_phone")
    city = _text(payload.get("delivery_city"), "delivery_city") or _text(
        payload.get("delivery_city_stable"), "delivery_city_stable"
    )
    # UkrPoshta's address parts come joined with "@" [3P].
    street = ", ".join(
        part.strip()
        for part in _text(payload.get("delivery_address"), "delivery_address").split("@")
        if part.strip()
    )
    address = Address(
        first_name=first,
        last_name=last,
        street=street,
        city=city,
        country_code=country,
        email=email,
        phone=phone,
    )
    user = _text(payload.get("user"), "user")
    return Customer(
        external_id=user if user not in ("", "0") else None,
        email=email,
        phone=phone,
        phone_e164=normalize_phone(phone, country),
        billing=address,
        shipping=None,
        vat="",
        company="",
        name=name or email or phone,
    )


def _allot(amounts: list[Decimal], total: Decimal) -> list[Decimal]:
    """``total`` shared out in proportion to ``amounts``, in cents that add up to it exactly
    (the largest remainders get the cents rounding left)."""
    if amounts and total and not sum(amounts, ZERO):
        raise PayloadError("discount_value", f"{total} cannot be taken off lines worth 0", total)
    return allot(amounts, total)


def _charge(kind: str, external_id: str, name: str, amount: Decimal, method_id="") -> OrderLine:
    """A delivery or payment-fee line: one gross ``amount`` on the store rate ``VAT_RATE``."""
    vat = (TaxAmount(rate_id=VAT_RATE, amount=ZERO),)
    return OrderLine.charge(kind, external_id, name, amount, vat, method_id=method_id)


def map_order(payload: dict) -> Order:
    """Map an ``orders/get`` order to an ``Order`` of gross amounts (see the module docs).

    The order's discounts are shared out over its product lines in proportion to their
    amounts (the line planner books them as one discount line); the delivery is a line of its
    own, on the shop's delivery method.
    """
    order = _root(payload, "order")
    number = _text(order.get("order_id"), "order_id")
    if not number:
        raise PayloadError("order_id", "is missing", order.get("order_id"))
    currency = _text(order.get("currency"), "currency").upper()
    if not currency:
        raise PayloadError("currency", "is missing", order.get("currency"))
    zone, country = _region(order)
    created = shop_datetime(order.get("stat_created"), "stat_created", zone)
    if created is None:
        raise PayloadError("stat_created", "is missing", order.get("stat_created"))
    vat = (TaxAmount(rate_id=VAT_RATE, amount=ZERO),)
    goods = []
    for index, raw in enumerate(_list(order.get("products"), "products")):
        path = f"products[{index}]"
        item = _obj(raw, path)
        kind = _text(item.get("type"), f"{path}.type")
        if kind not in LINE_TYPES:
            raise PayloadError(f"{path}.type", f"unknown line type {_show(kind)}", kind)
        quantity = _decimal(item.get("quantity"), f"{path}.quantity")
        if quantity <= 0:
            raise PayloadError(f"{path}.quantity", "must be more than 0", item.get("quantity"))
        price = _money(item.get("price"), f"{path}.price", ZERO)
        gross = _money(item.get("total_price"), f"{path}.total_price", price * quantity)
        article = _text(item.get("article"), f"{path}.article")
        goods.append(
            {
                "external_id": str(index + 1),
                "name": _text(item.get("title"), f"{path}.title") or article,
                "quantity": quantity,
                "gross": gross,
                "article": article,
            }
        )
    if not goods:
        raise PayloadError("products", "the order has no lines", order.get("products"))
    lines_sum = sum((line["gross"] for line in goods), ZERO)
    total_default = _money(order.get("total_default"), "total_default", lines_sum)
    if total_default != lines_sum:
        raise PayloadError(
            "total_default",
            f"the order's lines make {lines_sum}, its value before discounts is {total_default}",
            order.get("total_default"),
        )
    total_sum = _money(order.get("total_sum"), "total_sum")
    discount = total_default - total_sum
    if discount < 0:
        raise PayloadError(
            "total_sum",
            f"{total_sum} is more than the order's lines make ({total_default})",
            order.get("total_sum"),
        )
    shares = _allot([line["gross"] for line in goods], discount)
    lines = [
        OrderLine(
            kind="product",
            external_id=line["external_id"],
            name=line["name"],
            quantity=line["quantity"],
            subtotal=line["gross"],
            total=line["gross"] - share,
            taxes=vat,
            subtotal_taxes=vat,
            sku=line["article"],
            product_external_id=line["article"] or None,
        )
        for line, share in zip(goods, shares, strict=True)
    ]
    coupon = _text(order.get("coupon_code"), "coupon_code")
    if discount and coupon:
        lines.append(
            OrderLine(
                kind="coupon",
                external_id="coupon",
                name=coupon,
                quantity=Decimal(1),
                subtotal=-discount,
                total=-discount,
                code=coupon,
            )
        )
    delivery = _obj(order.get("delivery_type"), "delivery_type")
    delivery_price = _money(order.get("delivery_price"), "delivery_price", ZERO)
    shipping = max(delivery_price, ZERO)  # -1: at the carrier's rates, not charged by the shop
    if delivery or shipping:
        lines.append(
            _charge(
                "shipping",
                "delivery",
                _localized(delivery.get("title"), "delivery_type.title") or "Delivery",
                shipping,
                method_id=_text(delivery.get("id"), "delivery_type.id"),
            )
        )
    payment = _obj(order.get("payment_type"), "payment_type")
    fee = _money(order.get("payment_price"), "payment_price", ZERO)
    if fee:  # a fee (cash on delivery), or a discount for the payment method
        lines.append(
            _charge(
                "fee",
                "payment",
                _localized(payment.get("title"), "payment_type.title") or "Payment fee",
                fee,
            )
        )
    paid = _text(order.get("payed"), "payed") in ("1", "true", "True")
    return Order(
        external_id=number,
        number=number,
        status=_text(order.get("stat_status"), "stat_status"),
        currency=currency,
        created_at=created,
        modified_at=created,
        paid_at=created if paid else None,
        prices_include_tax=True,
        customer=_customer(order, country),
        lines=tuple(lines),
        tax_rates=(
            TaxRate(
                rate_id=VAT_RATE,
                code=VAT_RATE,
                label="VAT included in the shop's prices",
                percent=None,
                compound=False,
            ),
        ),
        total=total_sum + shipping + fee,
        total_tax=ZERO,
        shipping_total=shipping,
        discount_total=discount,
        discount_tax=ZERO,
        cart_tax=ZERO,
        shipping_tax=ZERO,
        note=_text(order.get("comment"), "comment"),
        payment_method=_text(payment.get("id"), "payment_type.id"),
        payment_method_title=_localized(payment.get("title"), "payment_type.title"),
        transaction_id="",
        content_hash=content_hash(order),
        gross_amounts=True,
    )


def describe_order(payload) -> dict | None:
    """The sync-log key of an ``orders/get`` order (tolerant: validation is ``map_order``'s)."""
    if not isinstance(payload, dict):
        return None
    number = payload.get("order_id")
    if isinstance(number, bool) or not isinstance(number, (str, int)) or not str(number).strip():
        return None
    try:
        created = shop_datetime(payload.get("stat_created"), "stat_created", _region(payload)[0])
    except PayloadError:
        created = None
    articles = set()
    lines = payload.get("products")
    for line in lines if isinstance(lines, list) else []:
        article = line.get("article") if isinstance(line, dict) else None
        if (
            isinstance(article, (str, int))
            and not isinstance(article, bool)
            and str(article).strip()
        ):
            articles.add(str(article).strip())
    status = payload.get("stat_status")
    return {
        "external_id": str(number).strip(),
        "name": f"#{str(number).strip()}",
        "external_date": created,
        "content_hash": content_hash(payload),
        "product_ids": sorted(articles),
        "status": None if status is None else str(status),
    }


# ---------------------------------------------------------------------------------------------
# Catalogue


def localized_title(value, language: str | None = None) -> str:
    """A title the API may send per language (``{"ua": ..., "ru": ...}``): ``language``'s,
    else the first given (the shop's main language comes first [INF])."""
    try:
        return _localized(value, "title", language)
    except PayloadError:
        return ""


def language_key(code: str | None) -> str | None:
    """The shop's key of an Odoo language code: ``uk_UA`` -> ``ua`` (Horoshop's key for
    Ukrainian), otherwise its first two letters (``ro``, ``ru``, ``en``)."""
    if not code:
        return None
    prefix = str(code).split("_")[0].lower()
    return {"uk": "ua"}.get(prefix, prefix)


def describe_category(raw, language: str | None = None) -> dict | None:
    """``{"id", "name", "parent"}`` of a ``pages/export`` page (parent 0 at the top), named
    in ``language`` (a shop's key: ``ua``) where it has it; None for a page without an id."""
    if not isinstance(raw, dict):
        return None
    page_id = raw.get("id")
    if isinstance(page_id, bool) or not isinstance(page_id, (int, str)) or not str(page_id).strip():
        return None
    parent = raw.get("parent")
    if isinstance(parent, dict):
        parent = parent.get("id")
    parent = str(parent).strip() if isinstance(parent, (int, str)) and str(parent).strip() else "0"
    return {
        "id": str(page_id).strip(),
        "name": localized_title(raw.get("title"), language),
        "parent": parent,
    }


def _category_id(product: dict) -> str | None:
    parent = product.get("parent")
    if isinstance(parent, dict):
        parent = parent.get("id")
    if isinstance(parent, bool) or not isinstance(parent, (int, str)) or not str(parent).strip():
        return None
    return str(parent).strip()


def _stock(product: dict) -> int | None:
    """The quantity in stock: ``quantity``, which the shop fills only when it keeps stock per
    warehouse (0 otherwise: then its ``presence`` text says whether it sells the product)
    [3P]; None when absent."""
    if _empty(product.get("quantity")):
        return None
    quantity = _decimal(product.get("quantity"), "quantity")
    if quantity != quantity.to_integral_value():
        raise PayloadError("quantity", f"{_show(product.get('quantity'))} is not a whole quantity")
    return int(quantity)


def map_product(payload: dict, variation=None, category_paths=None, language=None) -> Product:
    """Map a ``catalog/export`` product to a ``Product``, keyed by its article (the key
    ``catalog/import`` and order lines use). A variant is a product of its own
    (``parent_article`` links it to its parent), so ``variation`` is not used; prices are
    gross, ``price_old`` the crossed-out regular price when the product is on sale.

    :param category_paths: page id -> tuple of names, root first.
    :param language: the Odoo store's language (``uk_UA``, ``ro_RO``...) whose title and
        description to take, when the shop has them (else the language of a shop selling in
        the product's currency: Ukrainian for UAH, Romanian for RON).
    """
    del variation
    languages = (
        language_key(language),
        LANGUAGES.get(
            str(payload.get("currency") or "").upper() if isinstance(payload, dict) else ""
        ),
    )
    product = _root(payload, "product")
    article = _text(product.get("article"), "article")
    if not article:
        raise PayloadError("article", "is missing", product.get("article"))
    parent = _text(product.get("parent_article"), "parent_article")
    price = (
        _money(product.get("price"), "price", ZERO) if not _empty(product.get("price")) else None
    )
    old = _money(product.get("price_old"), "price_old", ZERO)
    on_sale = price is not None and old > price
    category = _category_id(product)
    paths = category_paths or {}
    stock = _stock(product)
    return Product(
        external_id=article,
        variation_external_id=None,
        parent_external_id=parent if parent and parent != article else None,
        sku=article,
        name=_localized(product.get("title"), "title", *languages) or article,
        description=_plain(_localized(product.get("description"), "description", *languages)),
        type="simple",
        regular_price=old if on_sale else price,
        sale_price=price if on_sale else None,
        price=price,
        categories=(tuple(paths[category]),) if paths.get(category) else (),
        barcode=_text(product.get("barcode"), "barcode"),
        attributes=(),
        stock_quantity=stock,
        # Goods: the shop's stock is Odoo's to keep (``catalog/import`` takes it back).
        manage_stock=True,
        modified_at=datetime(1970, 1, 1),
    )


def describe_product(payload) -> dict | None:
    """The sync-log key of a ``catalog/export`` product: its article."""
    if not isinstance(payload, dict):
        return None
    article = payload.get("article")
    if isinstance(article, bool) or not isinstance(article, (int, str)) or not str(article).strip():
        return None
    category = _category_id(payload)
    return {
        "external_id": str(article).strip(),
        # Its page: the fetch reads the category tree (a call per page) only for a new one.
        "category_ids": [category] if category else [],
        "name": localized_title(
            payload.get("title"), LANGUAGES.get(str(payload.get("currency") or "").upper())
        )
        or str(article).strip(),
        "external_date": None,
        "content_hash": content_hash(payload),
    }
