"""WooCommerce REST v3 payloads -> records: documented and hand-built fixtures, bad payloads.

Plain pytest, no database. Fixtures in ``fixtures/woocommerce``: ``order_727``, ``product_794``,
``variation_732`` and ``customer_25`` are the REST docs' examples verbatim; the other orders are
hand-built with WooCommerce's arithmetic (their totals add up, which the tests check too).
"""

import dataclasses
import importlib
import json
import pathlib
import pickle
from datetime import datetime
from decimal import Decimal

import pytest

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "woocommerce"
D = Decimal


def _load_modules():
    try:
        from odoo.addons.storesync_connector.adapters import records, woocommerce_mapping
    except ImportError:  # plain pytest without Odoo's addons path
        import bare_addon  # noqa: F401 (registers the bare package)

        from storesync_connector.adapters import records, woocommerce_mapping
    return records, woocommerce_mapping


records, mapping = _load_modules()
errors = importlib.import_module(f"{mapping.__package__}.errors")
map_order, map_product, map_customer = mapping.map_order, mapping.map_product, mapping.map_customer
PayloadError = mapping.PayloadError

ORDER_FIXTURES = [
    "order_727",
    "order_hu_guest_incl_tax",
    "order_de_two_rates_coupon",
    "order_ro_cod_fee",
    "order_us_state_tax_fixed_cart",
]


def load(name):
    """A fresh copy of a fixture, so tests may mutate it."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def total_of(amounts, rate_id):
    return sum((tax.amount for tax in amounts if tax.rate_id == rate_id), D(0))


# --------------------------------------------------------------------------------------------
# Orders that add up


@pytest.mark.parametrize("name", ORDER_FIXTURES)
def test_order_totals_add_up_like_woocommerce(name):
    payload = load(name)
    order = map_order(payload)
    charged = [line for line in order.lines if line.kind != "coupon"]
    assert order.computed_total() == order.total == D(payload["total"])
    assert sum(line.total_tax for line in charged) == order.total_tax
    assert sum(line.total_tax for line in order.product_lines) + sum(
        line.total_tax for line in order.lines_of("fee")
    ) == D(payload["cart_tax"])
    assert sum(line.discount_amount for line in order.product_lines) == order.discount_total
    assert -sum(line.total for line in order.lines_of("coupon")) == order.discount_total
    # Each rate's share, re-added from the lines' taxes[], is what tax_lines reports.
    for raw in payload["tax_lines"]:
        rate_id = str(raw["rate_id"])
        items = sum(
            total_of(line.taxes, rate_id) for line in order.lines if line.kind != "shipping"
        )
        shipping = sum(total_of(line.taxes, rate_id) for line in order.lines_of("shipping"))
        assert (items, shipping) == (D(raw["tax_total"]), D(raw["shipping_tax_total"]))


def test_documented_order_727():
    order = map_order(load("order_727"))
    assert (order.external_id, order.number, order.status, order.currency) == (
        "727",
        "727",
        "processing",
        "USD",
    )
    # The *_gmt fields, three hours after the site's local time in the example.
    assert order.created_at == datetime(2017, 3, 22, 19, 28, 2)
    assert order.modified_at == datetime(2017, 3, 22, 19, 28, 8)
    assert order.paid_at == datetime(2017, 3, 22, 19, 28, 8)
    assert order.created_at.tzinfo is None
    assert order.prices_include_tax is False
    assert [line.kind for line in order.lines] == ["product", "product", "shipping"]
    single, variable, shipping = order.lines
    assert (single.external_id, single.sku, single.product_external_id) == ("315", "", "93")
    assert single.variation_external_id is None
    assert (single.quantity, single.price_unit, single.discount_amount) == (D(2), D(3), D(0))
    assert variable.name == "Ship Your Idea \u2013 Color: Black, Size: M Test"
    assert (variable.product_external_id, variable.variation_external_id) == ("22", "23")
    assert variable.taxes == (records.TaxAmount(rate_id="75", amount=D("0.90")),)
    assert (shipping.name, shipping.method_id, shipping.total, shipping.taxes) == (
        "Flat Rate",
        "flat_rate",
        D("10.00"),
        (),
    )
    assert order.tax_rates == (
        records.TaxRate(
            rate_id="75",
            code="US-CA-STATE TAX",
            label="State Tax",
            percent=None,
            compound=False,
            tax_total=D("1.35"),
            shipping_tax_total=D("0.00"),
        ),
    )
    assert (order.total, order.total_tax, order.shipping_total, order.cart_tax) == (
        D("29.35"),
        D("1.35"),
        D("10.00"),
        D("1.35"),
    )
    assert (order.payment_method, order.payment_method_title) == ("bacs", "Direct Bank Transfer")
    customer = order.customer
    assert customer.external_id is None  # customer_id 0: a guest
    assert (customer.name, customer.email, customer.phone) == (
        "John Doe",
        "john.doe@example.com",
        "(555) 555-5555",
    )
    assert customer.phone_e164 is None  # 555-5555 is fiction, not a number to match on
    assert customer.shipping is None  # same address as billing
    assert customer.billing.country_code == "US"
    assert len(order.content_hash) == 64


def test_hu_guest_order_with_prices_including_tax():
    order = map_order(load("order_hu_guest_incl_tax"))
    assert order.prices_include_tax is True
    assert order.currency == "HUF"
    assert order.created_at == datetime(2025, 3, 14, 9, 5, 9)
    assert order.note == "Kérem, csengessen kétszer. A kapu kódja: 1234."
    mug, towel = order.product_lines
    # Line amounts are net even when the shop enters gross prices.
    assert (mug.price_unit, mug.total_tax) == (D("10000"), D("5400.00"))
    assert (towel.sku, towel.price_unit) == ("", D("2748.03"))
    assert order.tax_rates[0].percent == D(27)
    customer = order.customer
    assert customer.external_id is None
    assert customer.email == "eva.kovacs@example.hu"
    assert customer.phone == "06 (30) 123-4567"
    assert customer.phone_e164 == "+36301234567"
    # Shipping repeats billing with other case and spacing: one address, not two.
    assert customer.shipping is None
    assert (customer.billing.street2, customer.billing.zip) == ("3. emelet 7.", "1052")


def test_de_order_with_two_rates_and_a_percent_coupon():
    order = map_order(load("order_de_two_rates_coupon"))
    book, shirt = order.product_lines
    assert book.name == 'Kochbuch "Sommer"'
    assert (book.tax_class, book.discount_amount, book.price_unit) == (
        "reduced-rate",
        D("4.00"),
        D("20"),
    )
    assert book.taxes == (records.TaxAmount(rate_id="2", amount=D("2.52")),)
    assert book.subtotal_taxes == (records.TaxAmount(rate_id="2", amount=D("2.80")),)
    assert (shirt.product_external_id, shirt.variation_external_id) == ("320", "325")
    assert shirt.discount_amount == D("2.52")
    (coupon,) = order.lines_of("coupon")
    assert (coupon.code, coupon.name, coupon.total, coupon.total_tax) == (
        "sommer10",
        "sommer10",
        D("-6.52"),
        D("-0.76"),
    )
    assert [(rate.rate_id, rate.percent, rate.label) for rate in order.tax_rates] == [
        ("1", D(19), "MwSt."),
        ("2", D(7), "MwSt. ermäßigt"),
    ]
    assert order.paid_at == datetime(2025, 6, 2, 12, 31, 12)
    assert order.transaction_id == "ch_3PNcXY2eZvKYlo2C0"
    customer = order.customer
    assert (customer.external_id, customer.company, customer.vat) == (
        "42",
        "Muster GmbH",
        "DE123456789",
    )
    assert customer.billing.vat == "DE123456789"
    assert customer.phone_e164 == "+49301234567"
    assert customer.shipping is not None
    assert (customer.shipping.street, customer.shipping.city, customer.shipping.vat) == (
        "Lagerweg 17",
        "Potsdam",
        "",
    )


def test_ro_order_with_cod_fee_negative_fee_and_free_shipping():
    order = map_order(load("order_ro_cod_fee"))
    (shipping,) = order.lines_of("shipping")
    assert (shipping.method_id, shipping.total, shipping.total_tax) == (
        "free_shipping",
        D(0),
        D(0),
    )
    cod, loyalty = order.lines_of("fee")
    assert (cod.name, cod.method_id, cod.total, cod.total_tax, cod.quantity) == (
        "Taxă ramburs",
        "taxable",
        D("5.00"),
        D("1.05"),
        D(1),
    )
    assert cod.taxes == (records.TaxAmount(rate_id="7", amount=D("1.05")),)
    assert (loyalty.method_id, loyalty.total, loyalty.subtotal, loyalty.taxes) == (
        "none",
        D("-10.00"),
        D("-10.00"),
        (),
    )
    assert order.payment_method == "cod"
    assert order.customer.phone_e164 == "+40721234567"
    assert order.customer.shipping is None


def test_us_order_with_state_tax_fixed_cart_coupon_and_shipping_tax():
    order = map_order(load("order_us_state_tax_fixed_cart"))
    assert order.status == "completed"
    assert [line.discount_amount for line in order.product_lines] == [D("6.00"), D("4.00")]
    (shipping,) = order.lines_of("shipping")
    assert shipping.taxes == (records.TaxAmount(rate_id="12", amount=D("1.20")),)
    assert shipping.subtotal_tax == shipping.total_tax == D("1.20")
    assert order.shipping_tax == D("1.20")
    (coupon,) = order.lines_of("coupon")
    assert (coupon.code, coupon.total, coupon.total_tax) == ("save10", D("-10.00"), D("-0.80"))
    customer = order.customer
    assert (customer.external_id, customer.billing.state_code) == ("7", "NY")
    assert customer.phone_e164 == "+14155550132"
    # Only the pre-filled country in the shipping block: no second address.
    assert customer.shipping is None


# --------------------------------------------------------------------------------------------
# Dates, hashes, tolerated gaps


@pytest.mark.parametrize(
    ("gmt", "expected"),
    [
        ("2025-03-14T09:05:09", datetime(2025, 3, 14, 9, 5, 9)),
        ("2025-03-14T09:05:09Z", datetime(2025, 3, 14, 9, 5, 9)),
        ("2025-03-14T09:05:09.25Z", datetime(2025, 3, 14, 9, 5, 9, 250000)),
        ("2025-03-14T09:05:09.1234567", datetime(2025, 3, 14, 9, 5, 9, 123456)),
        ("2025-03-14T11:05:09+02:00", datetime(2025, 3, 14, 9, 5, 9)),
    ],
)
def test_dates_are_naive_utc(gmt, expected):
    payload = load("order_727")
    payload["date_created_gmt"] = gmt
    assert map_order(payload).created_at == expected


@pytest.mark.parametrize("gmt", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_dates_beyond_the_calendar_in_utc(gmt):
    payload = load("order_727")
    payload["date_created_gmt"] = gmt
    with pytest.raises(PayloadError, match=r"^date_created_gmt: .* is out of range in UTC$"):
        map_order(payload)


def test_local_dates_only_when_gmt_is_missing():
    payload = load("order_727")
    payload["date_created_gmt"] = None
    del payload["date_modified_gmt"]
    payload["date_paid_gmt"] = ""
    order = map_order(payload)
    assert order.created_at == datetime(2017, 3, 22, 16, 28, 2)
    assert order.modified_at == datetime(2017, 3, 22, 16, 28, 8)
    assert order.paid_at == datetime(2017, 3, 22, 16, 28, 8)
    payload["date_paid"] = None
    assert map_order(payload).paid_at is None


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("total", "1" + "0" * 19, "is out of range"),
        ("cart_tax", 10**12, "is out of range"),
        ("shipping_total", 1e300, "is out of range"),
        ("discount_total", "0." + "0" * 26 + "1", "has more than 20 decimals"),
    ],
)
def test_numbers_beyond_any_order_are_payload_errors(key, value, problem):
    # Left through, they overflow Decimal's 28 digits when the planner rounds to cents.
    payload = load("order_727")
    payload[key] = value
    with pytest.raises(PayloadError, match=rf"^{key}: .* {problem}$"):
        map_order(payload)


def test_content_hash_of_a_lone_surrogate():
    # JSON may escape half a UTF-16 pair (escaped \ud800); the hash must not fail on it.
    payload = json.loads('{"id": 727, "customer_note": "\\ud800"}')
    assert len(mapping.content_hash(payload)) == 64
    assert mapping.content_hash(payload) != mapping.content_hash({**payload, "customer_note": ""})


def test_content_hash_ignores_links_and_key_order_but_not_amounts():
    payload = load("order_727")
    reference = map_order(payload).content_hash
    payload["_links"] = {"self": [{"href": "https://other.example.com/wp-json/wc/v3/orders/727"}]}
    payload["date_modified_gmt"] = "2017-03-23T08:00:00"  # re-saved, nothing we import changed
    assert map_order(payload).content_hash == reference
    assert map_order(dict(reversed(list(payload.items())))).content_hash == reference
    payload["total"] = "29.36"
    assert map_order(payload).content_hash != reference


def test_optional_blocks_may_be_missing_null_or_php_empty_arrays():
    payload = load("order_727")
    for key in ("shipping_lines", "tax_lines", "meta_data", "customer_id", "number"):
        del payload[key]
    payload.update(
        fee_lines=None, coupon_lines=None, shipping=[], billing=[], customer_note=None, total="18"
    )
    payload["line_items"][0]["taxes"] = []
    order = map_order(payload)
    assert order.number == "727"
    assert [line.kind for line in order.lines] == ["product", "product"]
    assert order.tax_rates == ()
    assert order.customer.external_id is None
    assert order.customer.billing.is_empty() and order.customer.shipping is None
    assert (order.customer.email, order.customer.phone_e164, order.note) == ("", None, "")


def test_blank_tax_amounts_are_rates_that_do_not_apply():
    payload = load("order_727")
    payload["line_items"][0]["taxes"].append({"id": 76, "total": "", "subtotal": "0.10"})
    line = map_order(payload).lines[0]
    assert line.taxes == (records.TaxAmount(rate_id="75", amount=D("0.45")),)
    assert [tax.rate_id for tax in line.subtotal_taxes] == ["75", "76"]


def test_money_and_quantities_may_come_as_json_numbers():
    payload = load("order_727")
    payload["total"] = 29.35
    payload["line_items"][0].update(quantity="2", subtotal=6, total=6.0)
    order = map_order(payload)
    assert order.total == D("29.35")
    assert order.lines[0].quantity == D(2)
    assert order.computed_total() == order.total


def test_phone_comes_from_shipping_with_its_country_when_billing_has_none():
    payload = load("order_727")
    payload["billing"].update(phone="", country="")
    payload["shipping"].update(phone="06 30 123 4567", country="HU")
    customer = map_order(payload).customer
    assert (customer.phone, customer.phone_e164) == ("06 30 123 4567", "+36301234567")


# --------------------------------------------------------------------------------------------
# Phones


@pytest.mark.parametrize(
    ("phone", "region", "e164"),
    [
        ("+36 30 123 4567", "HU", "+36301234567"),
        ("06301234567", "HU", "+36301234567"),
        ("0036-30/123-4567", "HU", "+36301234567"),
        ("06 (30) 123-4567", "HU", "+36301234567"),
        ("+49 30 1234567", "DE", "+49301234567"),
        ("030 1234567", "DE", "+49301234567"),
        ("0049 30 1234567", "DE", "+49301234567"),
        ("0721 234 567", "RO", "+40721234567"),
        ("+40 721 234 567", "RO", "+40721234567"),
        ("0040721234567", "RO", "+40721234567"),
        ("(415) 555-0132", "US", "+14155550132"),
        ("415.555.0132", "US", "+14155550132"),
        ("+1 415 555 0132", "US", "+14155550132"),
        ("+36 30 123 4567", None, "+36301234567"),  # international form needs no region
        ("0721234567", "ro", "+40721234567"),  # region case does not matter
        ("0721234567", None, None),  # national form without a region: unknown
        ("0721234567", "XX", None),  # not a region
        ("(555) 555-5555", "US", None),  # possible but not a valid number
        ("+36 30 123", "HU", None),
        ("call me", "HU", None),
        ("", "HU", None),
    ],
)
def test_normalize_phone(phone, region, e164):
    utils = importlib.import_module(mapping.__package__.rsplit(".", 1)[0] + ".utils.phone")
    assert utils.normalize_phone(phone, region) == e164


# --------------------------------------------------------------------------------------------
# Payloads that cannot be read


def _set(path, value):
    """A mutation of the 727 payload: set (or delete, for ...) a value at a dotted path."""

    def mutate(payload):
        *parents, last = path
        target = payload
        for key in parents:
            target = target[key]
        if value is ...:
            del target[last]
        else:
            target[last] = value
        return payload

    return mutate


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: [p], 'the order payload is not a JSON object: [{"id": 727'),
        (lambda p: None, "the order payload is not a JSON object: null"),
        (_set(["id"], ...), "id: is missing"),
        (_set(["id"], "727"), 'id: "727" is not an integer id'),
        (_set(["id"], 0), "id: 0 is not a valid id"),
        (_set(["status"], " "), "status: is missing"),
        (_set(["currency"], "US"), 'currency: "US" is not an ISO code'),
        (_set(["currency"], 840), "currency: 840 is not an ISO code"),
        (_set(["currency"], None), "currency: is missing"),
        (_set(["total"], "12,5x"), 'total: "12,5x" is not a number'),
        (_set(["total"], "NaN"), 'total: "NaN" is not a number'),
        (_set(["total"], float("inf")), "total: Infinity is not a number"),
        (_set(["total"], "1e3"), 'total: "1e3" is not a number'),
        (_set(["total"], None), "total: is missing"),
        (_set(["shipping_total"], True), "shipping_total: true is not a number"),
        (_set(["date_created_gmt"], "22/03/2017"), 'date_created_gmt: "22/03/2017" is not a'),
        (_set(["date_created_gmt"], "2017-02-30T10:00:00"), 'date_created_gmt: "2017-02-30T10'),
        (_set(["date_created_gmt"], 1490210882), "date_created_gmt: 1490210882 is not a date"),
        (
            lambda p: _set(["date_created"], ...)(_set(["date_created_gmt"], ...)(p)),
            "date_created_gmt: is missing",
        ),
        (_set(["date_paid_gmt"], "yesterday"), 'date_paid_gmt: "yesterday" is not a date-time'),
        (
            _set(["prices_include_tax"], "yes"),
            'prices_include_tax: expected true or false, got "yes"',
        ),
        (_set(["customer_id"], -3), "customer_id: -3 is not a valid id"),
        (_set(["billing"], "John"), 'billing: expected an object, got "John"'),
        (_set(["billing", "postcode"], {"zip": 1}), "billing.postcode: expected a text"),
        (_set(["line_items"], {"315": {}}), 'line_items: expected a list, got {"315": {}}'),
        (_set(["line_items", 1], "x"), 'line_items[1]: expected an object, got "x"'),
        (
            _set(["line_items", 1, "quantity"], "two"),
            'line_items[1].quantity: "two" is not a number',
        ),
        (_set(["line_items", 1, "quantity"], 0), "line_items[1].quantity: 0 is not a positive"),
        (_set(["line_items", 1, "quantity"], -1), "line_items[1].quantity: -1 is not a positive"),
        (_set(["line_items", 0, "id"], ...), "line_items[0].id: is missing"),
        (_set(["line_items", 0, "total"], ""), "line_items[0].total: is missing"),
        (_set(["line_items", 0, "product_id"], "93"), 'line_items[0].product_id: "93" is not an'),
        (
            _set(["line_items", 0, "taxes", 0, "total"], "0,45"),
            'line_items[0].taxes[0].total: "0,45"',
        ),
        (_set(["line_items", 0, "taxes", 0, "id"], None), "line_items[0].taxes[0].id: is missing"),
        (_set(["shipping_lines"], "flat_rate"), 'shipping_lines: expected a list, got "flat_rate"'),
        (
            _set(["shipping_lines", 0, "total"], "ten"),
            'shipping_lines[0].total: "ten" is not a number',
        ),
        (
            _set(["fee_lines"], [{"id": 9, "name": "Fee", "total": "abc"}]),
            'fee_lines[0].total: "abc"',
        ),
        (_set(["coupon_lines"], [{"id": 9, "code": "x"}]), "coupon_lines[0].discount: is missing"),
        (_set(["tax_lines", 0, "rate_id"], ...), "tax_lines[0].rate_id: is missing"),
        (_set(["tax_lines", 0, "compound"], "no"), "tax_lines[0].compound: expected true or false"),
    ],
)
def test_unreadable_orders_name_the_field(mutate, message):
    payload = mutate(load("order_727"))
    with pytest.raises(PayloadError) as caught:
        map_order(payload)
    error = caught.value
    assert str(error).startswith(message)
    assert error.field == ("" if message.startswith("the order") else message.split(":")[0])
    assert isinstance(error, ValueError)
    # The package-wide PayloadError (adapters.errors) catches it too.
    assert isinstance(error, errors.PayloadError)
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_an_admin_draft_without_lines_maps_for_the_importer_to_skip():
    for mutate in (_set(["line_items"], []), _set(["line_items"], ...)):
        order = map_order(mutate(load("order_727")))
        assert order.product_lines == ()


def test_payload_error_keeps_the_bad_value():
    payload = load("order_727")
    payload["line_items"][1]["quantity"] = "two"
    with pytest.raises(PayloadError) as caught:
        map_order(payload)
    assert str(caught.value) == 'line_items[1].quantity: "two" is not a number'
    assert (caught.value.field, caught.value.value) == ("line_items[1].quantity", "two")


# --------------------------------------------------------------------------------------------
# Records


def test_records_are_immutable():
    order = map_order(load("order_727"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.total = D(0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.customer.billing.city = "Oakland"
    assert isinstance(order.lines, tuple)
    with pytest.raises(ValueError, match="unknown line kind"):
        order.lines_of("discount")


def test_address_name_emptiness_and_key():
    address = records.Address(company="Muster GmbH", street="Hauptstraße 5", country_code="DE")
    assert address.name == "Muster GmbH"
    assert records.Address(first_name="Jürgen", last_name="Müller").name == "Jürgen Müller"
    assert records.Address(country_code="US", state_code="NY", phone="+1 415").is_empty()
    assert not address.is_empty()
    assert (
        address.key()
        == records.Address(
            company=" muster  gmbh", street="HAUPTSTRASSE 5", country_code="de", email="a@b.de"
        ).key()
    )
    assert address.key() != records.Address(company="Muster GmbH", country_code="DE").key()


# --------------------------------------------------------------------------------------------
# Customers


def test_documented_customer_25():
    customer = map_customer(load("customer_25"))
    assert (customer.external_id, customer.name, customer.email) == (
        "25",
        "John Doe",
        "john.doe@example.com",
    )
    assert (customer.phone, customer.phone_e164, customer.shipping) == (
        "(555) 555-5555",
        None,
        None,
    )
    assert customer.billing.city == "San Francisco"


def test_customer_without_addresses_uses_account_name_and_vat_meta():
    payload = load("customer_25")
    payload.update(
        email=" John.Doe@Example.com",
        billing=[],
        shipping=None,
        meta_data=[{"id": 1, "key": "billing_vat", "value": "HU12345678"}],
    )
    customer = map_customer(payload)
    assert (customer.name, customer.email, customer.vat) == (
        "John Doe",
        "john.doe@example.com",
        "HU12345678",
    )
    assert customer.billing.is_empty() and customer.shipping is None
    with pytest.raises(PayloadError, match=r"^id: is missing$"):
        map_customer({"email": "x@example.com"})


# --------------------------------------------------------------------------------------------
# Products


def test_documented_simple_product_794():
    product = map_product(load("product_794"))
    assert (product.external_id, product.variation_external_id, product.parent_external_id) == (
        "794",
        None,
        None,
    )
    assert (product.type, product.sku, product.name) == ("simple", "", "Premium Quality")
    assert (product.regular_price, product.sale_price, product.price) == (
        D("21.99"),
        None,
        D("21.99"),
    )
    assert product.categories == (("Clothing",), ("T-shirts",))
    assert product.description.startswith("Pellentesque habitant morbi tristique senectus")
    assert "<" not in product.description
    assert (product.stock_quantity, product.manage_stock, product.barcode) == (None, False, "")
    assert product.modified_at == datetime(2017, 3, 23, 20, 1, 14)


def test_variable_product_and_its_variation_share_the_order_line_keys():
    parent = load("product_22_variable")
    product = map_product(parent)
    assert (product.type, product.price) == ("variable", None)
    assert product.attributes == (("Color", "Black, Green"), ("Size", "S, M"))
    assert product.description == (
        "Pellentesque habitant morbi tristique senectus et netus.\n"
        "Vestibulum tortor quam & feugiat.\nDonec eu libero."
    )
    variation = map_product(parent, load("variation_732"))
    assert (variation.external_id, variation.variation_external_id) == ("22", "732")
    assert (variation.parent_external_id, variation.type) == ("22", "variation")
    assert (variation.name, variation.sku, variation.price) == ("Ship Your Idea", "", D("9.00"))
    assert variation.attributes == (("Color", "Black"),)
    assert variation.categories == product.categories
    assert variation.description == product.description  # its own is empty
    assert variation.modified_at == datetime(2017, 3, 23, 3, 36, 38)
    # The same variation without its parent (newer WooCommerce adds parent_id to it).
    alone = map_product({**load("variation_732"), "parent_id": 22})
    assert (alone.external_id, alone.variation_external_id) == ("22", "732")
    # The variation's own GTIN, not the parent's.
    parent["meta_data"] = [{"id": 1, "key": "_global_unique_id", "value": "4006381333931"}]
    with_gtin = {**load("variation_732"), "meta_data": [{"key": "_global_unique_id", "value": 42}]}
    assert map_product(parent, with_gtin).barcode == "42"


@pytest.mark.parametrize(
    ("meta", "top_level", "barcode"),
    [
        (
            [{"id": 1, "key": "_global_unique_id", "value": " 5901234123457 "}],
            None,
            "5901234123457",
        ),
        ([{"id": 1, "key": "global_unique_id", "value": "4006381333931"}], "", "4006381333931"),
        ([], "0012345678905", "0012345678905"),
        ([{"id": 1, "key": "_gtin", "value": "4006381333931"}], None, ""),
    ],
)
def test_product_barcode(meta, top_level, barcode):
    payload = load("product_794")
    payload["meta_data"] = meta
    if top_level is not None:
        payload["global_unique_id"] = top_level
    assert map_product(payload).barcode == barcode


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda p, v: (p, {**v, "regular_price": "9,00"}),
            'variation.regular_price: "9,00" is not',
        ),
        (lambda p, v: (p, {**v, "stock_quantity": 1.5}), "variation.stock_quantity: 1.5 is not a"),
        (
            lambda p, v: (p, {**v, "date_modified_gmt": None, "date_modified": None}),
            "variation.date_",
        ),
        (lambda p, v: (p, {**v, "id": None}), "variation.id: is missing"),
        (lambda p, v: (p, {**v, "attributes": [7]}), "variation.attributes[0]: expected an object"),
        (lambda p, v: (p, {**v, "meta_data": {}}), "variation.meta_data: expected a list"),
        (lambda p, v: ({**p, "categories": "Clothing"}, v), "categories: expected a list"),
        (
            lambda p, v: ({**p, "categories": [{"id": [9], "name": "Clothing"}]}, v),
            "categories[0].id: [9] is not a category id",
        ),
        (lambda p, v: ("22", v), 'the product payload is not a JSON object: "22"'),
    ],
)
def test_unreadable_products_name_the_field(mutate, message):
    payload, variation = mutate(load("product_22_variable"), load("variation_732"))
    with pytest.raises(PayloadError) as caught:
        map_product(payload, variation)
    assert str(caught.value).startswith(message)


def test_describe_category():
    category = load("category_9")
    assert mapping.describe_category(category) == {
        "id": 9,
        "name": "Clothing & Accessories",
        "parent": 0,
    }
    assert mapping.describe_category({**category, "parent": 7})["parent"] == 7
    # unreadable name or parent: the category still keys; without an id there is nothing to key
    odd = mapping.describe_category({**category, "name": ["x"], "parent": "7"})
    assert odd == {"id": 9, "name": "", "parent": 0}
    for bad in ([category], {**category, "id": "9"}, {**category, "id": True}, {"name": "x"}):
        assert mapping.describe_category(bad) is None


# --------------------------------------------------------------------------------------------
# Agreement with the repository's store emulator (same arithmetic, many generated shapes)


@pytest.mark.parametrize("prices_include_tax", [False, True])
def test_emulator_orders_map_and_add_up(prices_include_tax):
    woocommerce = pytest.importorskip("store_emulator.platforms.woocommerce")
    store = woocommerce.Store(
        seed=11, orders=150, products=40, prices_include_tax=prices_include_tax
    )
    for raw in store.orders.values():
        order = map_order(store.order_json(raw))
        assert order.computed_total() == order.total, order.external_id
        assert order.prices_include_tax is prices_include_tax


def test_variation_line_options():
    """A variation line carries its options: display names when given, else the raw meta."""
    order = map_order(load("order_de_two_rates_coupon"))
    simple, variation = order.product_lines[:2]
    assert simple.attributes == ()
    assert variation.attributes == (("pa_farbe", "blau"), ("pa_groesse", "m"))
    payload = load("order_de_two_rates_coupon")
    payload["line_items"][1]["parent_name"] = "T-Shirt"
    payload["line_items"][1]["meta_data"] = [
        {
            "id": 1,
            "key": "pa_farbe",
            "value": "blau",
            "display_key": "Farbe",
            "display_value": "Blau",
        },
        {"id": 2, "key": "_reduced_stock", "value": "1"},
    ]
    variation = map_order(payload).product_lines[1]
    assert variation.attributes == (("Farbe", "Blau"),)
    assert variation.parent_name == "T-Shirt"


def test_virtual_downloadable_and_stock_held_by_the_parent():
    simple = load("product_794")
    simple.update(virtual=True, downloadable=True)
    product = map_product(simple)
    assert (product.virtual, product.downloadable) == (True, True)
    parent, variation = load("product_22_variable"), load("variation_732")
    parent["manage_stock"] = True
    variation.update(manage_stock="parent", virtual=False, downloadable=True)
    mapped = map_product(parent, variation)
    assert (mapped.manage_stock, mapped.stock_from_parent) == (True, False)
    assert (mapped.virtual, mapped.downloadable) == (False, True)
    parent["manage_stock"] = False
    assert map_product(parent, variation).manage_stock is False
    # A variation read on its own: the parent's payload must tell.
    alone = dict(variation, parent_id=22, type="variation", name="Ship Your Idea")
    mapped = map_product(alone)
    assert (mapped.manage_stock, mapped.stock_from_parent) == (False, True)
    with pytest.raises(PayloadError, match=r"^virtual: expected true or false"):
        map_product(dict(load("product_794"), virtual="yes"))
