"""Cartum (Horoshop API) ``orders/get`` / ``catalog/export`` payloads -> records, planned to
the kopiyka.

Plain pytest, no database. Fixtures in ``fixtures/cartum`` (sources: its SOURCES.md): three
orders of a UAH shop (a 25 % coupon, a delivery at the carrier's rates with a paid card
order, a gift line and a UkrPoshta address), two catalogue products (a variant and its main
product) and two catalogue pages.
"""

import copy
import json
import pathlib
from datetime import datetime
from decimal import Decimal as D

import pytest

try:
    from odoo.addons.storesync_connector.adapters import cartum_mapping as mapping
    from odoo.addons.storesync_connector.adapters.errors import PayloadError
    from odoo.addons.storesync_connector.utils.line_planner import TaxSpec, plan_lines
except ImportError:  # plain pytest without Odoo
    import bare_addon  # noqa: F401 (registers the bare package)

    from storesync_connector.adapters import cartum_mapping as mapping
    from storesync_connector.adapters.errors import PayloadError
    from storesync_connector.utils.line_planner import TaxSpec, plan_lines

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "cartum"
#: Ukraine's VAT, included in the shop's prices
VAT_20 = {mapping.VAT_RATE: TaxSpec(tax_id=1, percent=D(20), price_include=True, name="ПДВ")}


def answer(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["response"]


def orders():
    return {str(o["order_id"]): o for o in answer("orders_get_ok")["orders"]}


def planned_total(order):
    return sum((line.base + line.tax for line in plan_lines(order, VAT_20)), D(0))


@pytest.mark.parametrize(
    ("number", "total"), [("1041", D("599")), ("1042", D("2340")), ("1043", D("1255"))]
)
def test_orders_plan_to_the_shops_total(number, total):
    order = mapping.map_order(orders()[number])
    assert order.total == total
    assert order.gross_amounts and order.prices_include_tax
    assert order.currency == "UAH"
    assert planned_total(order) == total


def test_a_coupon_is_shared_over_the_lines_and_planned_as_one_discount_line():
    order = mapping.map_order(orders()["1041"])
    (product,) = order.product_lines
    assert (product.subtotal, product.total) == (D("799"), D("599"))
    (coupon,) = order.lines_of("coupon")
    assert coupon.code == "SPRING25"
    planned = plan_lines(order, VAT_20)
    assert [line.kind for line in planned] == ["product", "shipping", "coupon"]
    discount = planned[-1]
    assert discount.name == "SPRING25"
    assert discount.base + discount.tax == D("-200")
    # 799 at 20 % included: 133.17 of VAT, the rest net.
    assert (planned[0].base, planned[0].tax) == (D("665.83"), D("133.17"))


def test_buyer_delivery_and_dates():
    order = mapping.map_order(orders()["1041"])
    buyer = order.customer
    assert (buyer.billing.first_name, buyer.billing.last_name) == ("Олена Петрівна", "Іваненко")
    assert buyer.name == "Іваненко Олена Петрівна"
    assert buyer.email == "olena.ivanenko@example.com"
    assert buyer.phone_e164 == "+380671234567"
    assert buyer.external_id == "5367"
    assert buyer.billing.country_code == "UA"
    # 10:30 in Kyiv in April (summer time, UTC+3).
    assert order.created_at == datetime(2025, 4, 15, 7, 30)
    assert order.status == "2"
    assert order.payment_method == "13"
    assert order.paid_at is None
    (delivery,) = order.lines_of("shipping")
    courier = "Кур'єрська доставка"  # noqa: RUF001 (Ukrainian, an ASCII apostrophe)
    assert (delivery.method_id, delivery.name, delivery.total) == ("2", courier, 0)


def test_delivery_at_the_carriers_rates_is_a_zero_line_and_comment_the_note():
    order = mapping.map_order(orders()["1042"])
    (delivery,) = order.lines_of("shipping")
    assert delivery.total == 0
    assert order.note == "Передзвоніть, будь ласка"
    assert order.paid_at == order.created_at
    assert order.customer.email == ""
    assert [line.sku for line in order.product_lines] == ["SKR-014", "BLT-200"]
    assert order.product_lines[0].quantity == 2


def test_gift_line_and_ukrposhta_address():
    order = mapping.map_order(orders()["1043"])
    gift = order.product_lines[1]
    assert (gift.sku, gift.total) == ("GIFT-WLT", 0)
    assert order.customer.billing.street == "36000, Полтава, вул. Соборності, 14, 3"
    assert order.shipping_total == D("55")


@pytest.mark.parametrize(
    ("phone", "currency", "e164"),
    [
        ("067 123 45 67", "UAH", "+380671234567"),
        ("380671234567", "UAH", "+380671234567"),
        ("+38 (067) 123-45-67", "UAH", "+380671234567"),
        ("0722 123 456", "RON", "+40722123456"),
        ("+40 722 123 456", "RON", "+40722123456"),
    ],
)
def test_phones_typed_any_way_normalise_to_one_number(phone, currency, e164):
    payload = copy.deepcopy(orders()["1041"])
    payload.update(delivery_phone=phone, currency=currency)
    assert mapping.map_order(payload).customer.phone_e164 == e164


def test_a_payment_fee_is_a_line_of_its_own_in_the_total():
    payload = copy.deepcopy(orders()["1043"])
    payload["payment_price"] = 20
    order = mapping.map_order(payload)
    (fee,) = order.lines_of("fee")
    assert (fee.name, fee.total) == ("Готівкою при отриманні", D("20"))
    assert order.total == D("1275")
    assert planned_total(order) == D("1275")


def test_money_sent_as_floats_or_strings_is_exact():
    payload = copy.deepcopy(orders()["1042"])
    payload["products"][1].update(price=360.1, total_price="360.10")
    payload.update(total_default=2340.1, total_sum="2340.10")
    order = mapping.map_order(payload)
    assert order.total == D("2340.10")
    assert planned_total(order) == D("2340.10")


def test_lines_that_miss_the_orders_value_are_refused():
    payload = copy.deepcopy(orders()["1042"])
    payload["total_default"] = 2400
    with pytest.raises(PayloadError, match="2340"):
        mapping.map_order(payload)
    payload = copy.deepcopy(orders()["1042"])
    payload["total_sum"] = 2500
    with pytest.raises(PayloadError, match="total_sum"):
        mapping.map_order(payload)


@pytest.mark.parametrize(
    ("key", "value"),
    [("order_id", None), ("currency", ""), ("stat_created", "yesterday"), ("products", [])],
)
def test_a_payload_missing_what_the_import_needs_is_refused(key, value):
    payload = copy.deepcopy(orders()["1041"])
    payload[key] = value
    with pytest.raises(PayloadError):
        mapping.map_order(payload)


def test_describe_order_keys_the_sync_log():
    item = mapping.describe_order(orders()["1042"])
    assert item["external_id"] == "1042"
    assert item["name"] == "#1042"
    assert item["status"] == "6"
    assert item["product_ids"] == ["BLT-200", "SKR-014"]
    assert item["external_date"] == datetime(2025, 4, 16, 15, 2, 41)
    assert mapping.describe_order({"order_id": ""}) is None
    changed = copy.deepcopy(orders()["1042"])
    changed["stat_status"] = 3
    assert mapping.describe_order(changed)["content_hash"] != item["content_hash"]


def test_catalogue_products_and_pages():
    pages = [mapping.describe_category(p, "ua") for p in answer("pages_export")["pages"]]
    assert pages[0] == {"id": "98", "name": "Сукні", "parent": "97"}
    main, variant = answer("catalog_export")["products"]
    paths = {"98": ("Одяг", "Сукні")}
    product = mapping.map_product(main, category_paths=paths)
    assert (product.external_id, product.sku) == ("DRS-001-BLK", "DRS-001-BLK")
    assert product.parent_external_id is None  # its own parent: the main product
    assert product.name == "Сукня льняна, чорна"
    assert product.description == "Лляна сукня вільного крою."
    assert (product.regular_price, product.sale_price, product.price) == (
        D("999"),
        D("799"),
        D("799"),
    )
    assert product.categories == (("Одяг", "Сукні"),)
    assert mapping.map_product(main, language="ru").name == "Платье льняное, черное"
    other = mapping.map_product(variant, category_paths=paths)
    assert other.parent_external_id == "DRS-001-BLK"
    assert (other.regular_price, other.sale_price) == (D("799"), None)
    assert mapping.describe_product(variant)["external_id"] == "DRS-001-RED"
