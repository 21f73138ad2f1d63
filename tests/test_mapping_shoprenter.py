"""Shoprenter orderExtend / productExtend payloads -> records, planned to the forint.

Plain pytest, no database. Fixtures in ``fixtures/shoprenter``: ``order_172`` is the API docs'
orderExtend example with its money fixed so it adds up (header total, shipping rate, no
foreign add-on); ``order_1043`` (guest, 27 % + 5 %, untaxed 10 % coupon, COD fee) and
``order_1044`` (registered company, cart discount taxed at 27 %, free shipping abroad) keep the
same shape with Shoprenter's arithmetic; ``product_1707`` is the docs' productExtend example.
"""

import copy
import json
import pathlib
from datetime import datetime
from decimal import Decimal as D

import pytest

try:
    from odoo.addons.storesync_connector.adapters import shoprenter_mapping as mapping
    from odoo.addons.storesync_connector.adapters.errors import PayloadError as BasePayloadError
    from odoo.addons.storesync_connector.utils.line_planner import PlanError, TaxSpec, plan_lines
except ImportError:  # plain pytest without Odoo
    import bare_addon  # noqa: F401 (registers the bare package)

    from storesync_connector.adapters import shoprenter_mapping as mapping
    from storesync_connector.adapters.errors import PayloadError as BasePayloadError
    from storesync_connector.utils.line_planner import PlanError, TaxSpec, plan_lines

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "shoprenter"
ORDERS = ["order_172", "order_1043_guest_cod_coupon", "order_1044_company_cart_discount"]


def load(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def specs(order):
    return {
        rate.rate_id: TaxSpec(tax_id=i, percent=rate.percent, price_include=False, name="ÁFA")
        for i, rate in enumerate(order.tax_rates, 1)
    }


def planned_total(planned):
    return sum((line.base + line.tax for line in planned), D(0))


@pytest.mark.parametrize("name", ORDERS)
def test_fixture_orders_plan_to_the_forint(name):
    payload = load(name)
    order = mapping.map_order(payload)
    total_row = next(row for row in payload["orderTotals"] if row["type"] == "TOTAL")
    assert order.total == D(total_row["value"]) == D(payload["total"])
    assert order.decimals == 0
    planned = plan_lines(order, specs(order))
    assert planned_total(planned) == order.total
    # every planned tax is whole forints, and each rate adds up to its TAX row
    for line in planned:
        for _rate, amount in line.taxes:
            assert amount == amount.to_integral_value()
    for row in payload["orderTotals"]:
        if row["type"] == "TAX":
            percent = row["name"].split("(")[1].split("%")[0]
            charged = sum((a for line in planned for r, a in line.taxes if r == percent), D(0))
            assert charged == D(row["value"]), row["name"]


def test_documented_order_lines_customer_and_dates():
    order = mapping.map_order(load("order_172"))
    assert order.external_id == order.number == "172"
    assert order.status == "b3JkZXJTdGF0dXMtb3JkZXJfc3RhdHVzX2lkPTE="
    assert order.currency == "HUF" and not order.prices_include_tax
    # 2019-09-06T15:47:59 Budapest summer time is 13:47:59 UTC
    assert order.created_at == datetime(2019, 9, 6, 13, 47, 59)
    products = order.product_lines
    assert [(line.sku, line.quantity, line.total) for line in products] == [
        ("997000004", D(1), D("400")),
        ("99400000", D(1), D("6000")),
    ]
    assert products[0].product_external_id == "cHJvZHVjdC1wcm9kdWN0X2lkPTE4NQ=="
    assert products[0].taxes[0].rate_id == "27" and products[0].taxes[0].amount == D("108")
    (shipping,) = order.lines_of("shipping")
    assert shipping.total == 0 and shipping.method_id == "18"  # the shipping mode's innerId
    assert shipping.name.startswith("Személyes átvétel")
    assert order.lines_of("fee") == () and order.lines_of("coupon") == ()
    customer = order.customer
    assert customer.external_id == "Y3VzdG9tZXItY3VzdG9tZXJfaWQ9MzQ="
    assert customer.email == "test@test.com" and customer.phone_e164 == "+36201234567"
    assert customer.billing.first_name == "Test" and customer.billing.country_code == "HU"
    assert customer.shipping is None  # same place as billing
    assert order.note == "Comment"
    assert (order.payment_method, order.payment_method_title) == ("cod", "Payment method")
    (rate,) = order.tax_rates
    assert (rate.rate_id, rate.percent, rate.tax_total, rate.shipping_tax_total) == (
        "27",
        D(27),
        D(1728),
        D(0),
    )


def test_guest_two_rates_untaxed_coupon_and_cod_fee():
    order = mapping.map_order(load("order_1043_guest_cod_coupon"))
    assert order.customer.external_id is None
    assert order.customer.email == "kovacs.anna@example.hu"
    assert order.customer.phone_e164 == "+36301234567"  # "06 30 ..." read as Hungarian
    assert order.customer.billing.street2 == ""  # {} is empty
    assert order.customer.vat == ""  # taxNumber {}
    mug, book = order.product_lines
    assert book.quantity == 3  # stock1 2 + stock2 1
    # the 1545 coupon (-1: no own rate) is spread over both rates by net value
    assert (mug.subtotal, mug.total) == (D(7980), D(7182))
    assert (book.subtotal, book.total) == (D(7470), D(6723))
    assert mug.discount_amount + book.discount_amount == D(1545)
    (coupon,) = order.lines_of("coupon")
    assert (coupon.code, coupon.total) == ("TAVASZ10", D(-1545))
    (fee,) = order.lines_of("fee")
    assert (fee.name, fee.total, fee.taxes[0].rate_id) == ("Utánvét", D(390), "27")
    (shipping,) = order.lines_of("shipping")
    assert (shipping.method_id, shipping.total) == ("7", D(1490))
    rates = {rate.rate_id: rate for rate in order.tax_rates}
    assert set(rates) == {"5", "27"}
    # TAX 27 % (2447) = shipping's 402 + products and fee 2045
    assert (rates["27"].tax_total, rates["27"].shipping_tax_total) == (D(2045), D(402))
    assert rates["5"].tax_total == D(336) and rates["5"].shipping_tax_total is None
    planned = plan_lines(order, specs(order))
    coupons = [line for line in planned if line.kind == "coupon"]
    assert sorted((line.base, line.taxes) for line in coupons) == [
        (D(-798), (("27", D(-216)),)),
        (D(-747), (("5", D(-38)),)),
    ]
    fee_line = next(line for line in planned if line.kind == "fee")
    assert fee_line.taxes == (("27", D(106)),)  # the rounding forint the TAX row asks for


def test_dates_in_both_formats_across_the_dst_change():
    order = mapping.map_order(load("order_1043_guest_cod_coupon"))
    # 01:30 CET (+1) and "03:30:00" written with a space, CEST (+2) after the change
    assert order.created_at == datetime(2024, 3, 31, 0, 30)
    assert order.modified_at == datetime(2024, 3, 31, 1, 30)
    assert mapping.shop_datetime("0000-00-00 00:00:00") is None
    assert mapping.shop_datetime("-0001-11-30T00:00:00") is None
    assert mapping.to_shop_time(datetime(2024, 7, 1, 8, 0)) == "2024-07-01T10:00:00"


def test_date_before_year_one_in_utc():
    # Budapest's first hour of 0001-01-01 is still year 0 in UTC.
    with pytest.raises(mapping.PayloadError, match=r"^dateCreated: .* is out of range in UTC$"):
        mapping.shop_datetime("0001-01-01 00:30:00", "dateCreated")


def test_company_cart_discount_taxed_at_its_rate_and_foreign_shipping():
    order = mapping.map_order(load("order_1044_company_cart_discount"))
    customer = order.customer
    assert customer.external_id == "Y3VzdG9tZXItY3VzdG9tZXJfaWQ9ODg="
    assert customer.vat == customer.billing.vat == "12345678-2-42"
    assert customer.company == "Nagy és Társa Kft."
    assert customer.shipping is not None and customer.shipping.country_code == "AT"
    assert customer.shipping.last_name == "Éva" and customer.shipping.email == ""
    assert order.note == ""  # comment {}
    (coupon,) = order.lines_of("coupon")
    assert (coupon.code, coupon.total) == ("CART_AMOUNT_DISCOUNT", D(-1000))
    lamp, bulb = order.product_lines
    assert lamp.discount_amount + bulb.discount_amount == D(1000)
    # in proportion: 12990 and 9000 of 21990
    assert abs(lamp.discount_amount - D(1000) * 12990 / 21990) < D("0.01")  # settled to cents
    assert order.payment_method == "BANK_TRANSFER" and order.lines_of("fee") == ()
    planned = plan_lines(order, specs(order))
    (discount,) = [line for line in planned if line.kind == "coupon"]
    assert discount.base == D(-1000) and discount.taxes == (("27", D(-270)),)


def test_coupon_taxed_at_a_rate_no_product_has_is_refused():
    payload = load("order_1044_company_cart_discount")
    payload["couponTaxRate"] = "5.0000"
    with pytest.raises(mapping.PayloadError, match=r"orderTotals\[2\].value.*none at 5%"):
        mapping.map_order(payload)


def test_two_decimal_currency_and_unmapped_rate():
    payload = load("order_172")
    payload["currency"]["code"], payload["currency"]["decimalPlace"] = "EUR", "2"
    for row in payload["orderTotals"]:
        row["value"] = {"SUB_TOTAL": "6400.0000", "TAX": "1728.0000"}.get(row["type"], row["value"])
    order = mapping.map_order(payload)
    assert order.currency == "EUR" and order.decimals == 2
    with pytest.raises(PlanError) as caught:
        plan_lines(order, {})
    assert caught.value.code == "unmapped_tax"


def test_totals_that_do_not_add_up_are_caught_by_the_planner():
    payload = load("order_172")
    payload["orderTotals"][-1]["value"] = "8200.0000"
    order = mapping.map_order(payload)
    with pytest.raises(PlanError) as caught:
        plan_lines(order, specs(order))
    assert caught.value.code == "does_not_add_up"


def test_zero_rate_lines_get_a_zero_rate():
    payload = load("order_172")
    payload["orderProducts"][0]["taxRate"] = "0.0000"
    payload["orderTotals"][1]["value"] = "1620.0000"
    payload["orderTotals"][-1]["value"] = payload["total"] = "8020.0000"
    order = mapping.map_order(payload)
    rates = {rate.rate_id: rate for rate in order.tax_rates}
    assert rates["0"].tax_total == 0 and rates["0"].percent == 0
    assert planned_total(plan_lines(order, specs(order))) == D(8020)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda p: p.pop("innerId"), "innerId"),
        (lambda p: p.update(orderStatus=None), "orderStatus"),
        (lambda p: p["currency"].update(code={}), "currency.code"),
        (lambda p: p["orderProducts"][0].update(price="12,5"), "orderProducts[0].price"),
        (lambda p: p["orderProducts"][0].update(stock1="0"), "orderProducts[0].stock1"),
        (lambda p: p["orderProducts"][1].update(taxRate="-5"), "orderProducts[1].taxRate"),
        (lambda p: p.update(dateCreated="06/09/2019"), "dateCreated"),
        (lambda p: p.update(orderProducts={"x": 1}), "orderProducts"),
        (lambda p: p["orderTotals"][1].update(name="ÁFA:"), "orderTotals[1].name"),
        (lambda p: p["orderTotals"][3].update(value="abc"), "orderTotals[3].value"),
        (lambda p: p.update(paymentCountry="HU"), "paymentCountry"),
    ],
)
def test_malformed_orders_raise_a_payload_error_naming_the_field(change, field):
    payload = load("order_172")
    change(payload)
    with pytest.raises(BasePayloadError) as caught:
        mapping.map_order(payload)
    assert caught.value.field == field
    assert str(caught.value).startswith(field)


def test_not_an_object():
    with pytest.raises(mapping.PayloadError, match="not a JSON object"):
        mapping.map_order([1])


def test_describe_order_and_content_hash():
    payload = load("order_1043_guest_cod_coupon")
    key = mapping.describe_order(payload)
    assert key["external_id"] == "1043" and key["name"] == "#1043"
    assert key["external_date"] == datetime(2024, 3, 31, 1, 30)
    assert key["status"] == "b3JkZXJTdGF0dXMtb3JkZXJfc3RhdHVzX2lkPTE="
    assert key["product_ids"] == sorted(
        ["cHJvZHVjdC1wcm9kdWN0X2lkPTMwMQ==", "cHJvZHVjdC1wcm9kdWN0X2lkPTMwMg=="]
    )
    touched = copy.deepcopy(payload)
    touched["dateUpdated"] = "2024-04-01T10:00:00"
    assert mapping.describe_order(touched)["content_hash"] == key["content_hash"]
    touched["orderStatus"]["href"] = touched["orderStatus"]["href"][:-4] + "PTI="
    assert mapping.describe_order(touched)["content_hash"] != key["content_hash"]
    assert mapping.describe_order({"innerId": {}}) is None
    assert mapping.describe_order("x") is None


def test_lone_surrogate_is_hashed():
    # JSON may escape half a UTF-16 pair (\ud800); describe_order must still key the order.
    payload = json.loads('{"innerId": "7", "comment": "\\ud800"}')
    assert len(mapping.describe_order(payload)["content_hash"]) == 64


def test_product_mapping():
    payload = load("product_1707")
    product = mapping.map_product(
        payload, category_paths={"Y2F0ZWdvcnktY2F0ZWdvcnlfaWQ9NTM=": ("Root", "Lamps")}
    )
    assert product.external_id == "cHJvZHVjdC1wcm9kdWN0X2lkPTE3MDc="
    assert product.parent_external_id is None  # parentProduct points at itself
    assert (product.sku, product.name, product.description) == (
        "ABCD-1234",
        "Product name",
        "Long description",
    )
    assert product.regular_price == product.price == D(2200) and product.sale_price is None
    assert product.stock_quantity == 12 and product.manage_stock
    assert product.categories == (("Root", "Lamps"),)
    assert product.attributes == (("color", "Magenta"),)
    assert product.modified_at == datetime(2017, 10, 20, 7, 25, 30)
    english = mapping.map_product(payload, language_id="bGFuZ3VhZ2UtbGFuZ3VhZ2VfaWQ9Mg==")
    assert english.name == "Product Name"
    payload["productPrices"][1]["netSpecial"] = "1800"
    payload["parentProduct"] = {"href": "https://x/products/cHJvZHVjdC1wcm9kdWN0X2lkPTE3MDA="}
    payload["modelNumber"], payload["gtin"] = {}, "5999000000017"
    product = mapping.map_product(payload)
    assert product.sale_price == product.price == D(1800) and product.regular_price == D(2200)
    assert product.parent_external_id == "cHJvZHVjdC1wcm9kdWN0X2lkPTE3MDA="
    assert product.barcode == "5999000000017"
    key = mapping.describe_product(payload)
    assert key["external_id"] == product.external_id and key["name"] == "Product name"
    payload["stock1"] = "1.5"
    with pytest.raises(mapping.PayloadError, match="stock1"):
        mapping.map_product(payload)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_number_is_a_payload_error(value):
    # Python's JSON parser reads NaN and Infinity; a stock column holding one is no number.
    payload = load("order_172")
    payload["orderProducts"][0]["stock1"] = value
    with pytest.raises(
        mapping.PayloadError, match=r"^orderProducts\[0\]\.stock1: .* is not a number$"
    ):
        mapping.map_order(payload)


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("total", "9" * 40, "is out of range"),
        ("taxRate", -(10**20), "is out of range"),
        ("price", "0." + "0" * 26 + "1", "has more than 20 decimals"),
    ],
)
def test_numbers_beyond_any_order_are_payload_errors(key, value, problem):
    # Left through, they overflow Decimal's 28 digits when the planner rounds to forints.
    payload = load("order_172")
    payload["orderProducts"][0][key] = value
    with pytest.raises(mapping.PayloadError, match=rf"^orderProducts\[0\]\.{key}: .* {problem}$"):
        mapping.map_order(payload)


def test_describe_category():
    category = load("category_924")
    assert mapping.describe_category(category) == {
        "id": "Y2F0ZWdvcnktY2F0ZWdvcnlfaWQ9OTI0",
        "name": "Test Category",
        "parent": 0,
    }
    child = {**category, "parentCategory": {"href": "https://s/categories/Y2F0ZWdvcnk9NTM="}}
    assert mapping.describe_category(child)["parent"] == "Y2F0ZWdvcnk9NTM="
    # an unreadable link or description list: still keyed, as a top category without a name
    odd = {**category, "parentCategory": {"href": "/"}, "categoryDescriptions": 7}
    assert mapping.describe_category(odd) == {"id": category["id"], "name": "", "parent": 0}
    for bad in ([category], {**category, "id": " "}, {**category, "id": {}}, {"innerId": "9"}):
        assert mapping.describe_category(bad) is None


def test_rate_ids_and_resource_ids():
    assert mapping.rate_id("27.0000") == "27"
    assert mapping.rate_id("5") == "5"
    assert mapping.rate_id("18.5000") == "18.5"
    assert mapping.rate_id("0.0000") == "0"
    assert mapping.inner_id_of("b3JkZXItb3JkZXJfaWQ9MTcy") == "172"
    assert mapping.inner_id_of("not base64!") is None
    assert mapping.href_id({"href": "https://s/api/customers/abc=?x=1"}) == "abc="
    assert mapping.href_id({}) is None and mapping.href_id(None) is None
