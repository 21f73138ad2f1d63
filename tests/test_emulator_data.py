"""Store emulator: seeded data (money, coverage, determinism) without HTTP."""

import json
from collections import Counter
from decimal import Decimal

import pytest

from store_emulator.data import (
    PHONE_FORMATS,
    DataGenerator,
    allocate_discount,
    find_rate,
    phone_e164,
    price_order,
    render_phone,
)
from store_emulator.platforms.woocommerce import Store

D = Decimal


@pytest.fixture(scope="module")
def store():
    return Store(seed=1, orders=400, products=120)


def _sum(rows, key):
    return sum((D(r[key]) for r in rows), D("0"))


@pytest.mark.parametrize("prices_include_tax", [False, True])
@pytest.mark.parametrize("currency", ["EUR", "HUF"])
def test_every_order_adds_up_like_woocommerce(prices_include_tax, currency):
    st = Store(
        seed=5, orders=300, products=80, currency=currency, prices_include_tax=prices_include_tax
    )
    for o in st.orders.values():
        lines, fees, ships = o["line_items"], o["fee_lines"], o["shipping_lines"]
        line_tax, fee_tax, ship_tax = (
            _sum(lines, "total_tax"),
            _sum(fees, "total_tax"),
            _sum(ships, "total_tax"),
        )
        assert o["prices_include_tax"] is prices_include_tax
        assert D(o["cart_tax"]) == line_tax + fee_tax
        assert D(o["shipping_tax"]) == ship_tax
        assert D(o["total_tax"]) == line_tax + fee_tax + ship_tax
        expected = _sum(lines, "total") + D(o["shipping_total"]) + _sum(fees, "total")
        assert D(o["total"]) == expected + D(o["total_tax"]), o["id"]
        assert D(o["discount_total"]) == _sum(lines, "subtotal") - _sum(lines, "total")
        assert D(o["discount_tax"]) == _sum(lines, "subtotal_tax") - line_tax
        taxes = sum(D(t["tax_total"]) + D(t["shipping_tax_total"]) for t in o["tax_lines"])
        assert taxes == D(o["total_tax"])
        for coupon in o["coupon_lines"]:
            assert D(coupon["discount"]) == D(o["discount_total"])
        for line in lines:
            assert _sum(line["taxes"], "total") == D(line["total_tax"])
            rate = next(
                (
                    r
                    for r in o["tax_lines"]
                    if line["taxes"] and r["rate_id"] == line["taxes"][0]["id"]
                ),
                None,
            )
            if rate is None:
                continue
            pct = D(str(rate["rate_percent"]))
            if prices_include_tax:  # net is derived from gross: net + tax is a whole-cent gross
                net = (D(line["total"]) + D(line["total_tax"])) * 100 / (100 + pct)
                assert D(line["total"]) == net.quantize(D("0.01"), "ROUND_HALF_UP")
            else:
                assert D(line["total_tax"]) == (D(line["total"]) * pct / 100).quantize(
                    D("0.01"), "ROUND_HALF_UP"
                )
            assert line["price"] == pytest.approx(float(D(line["total"]) / line["quantity"]))
        for money in ("total", "total_tax", "shipping_total", "cart_tax", "discount_total"):
            assert isinstance(o[money], str) and len(o[money].split(".")[1]) == 2


def test_pricing_rules_by_hand():
    # 12.70 gross at 27 %: net 10.00, tax 2.70; 3 x 9.99 net at 7 %: tax 2.10.
    incl = price_order([(D("12.70"), 1, "")], "HU", "", True, shipping=D("3.90"))
    assert (incl.lines[0].total, incl.lines[0].total_tax) == (D("10.00"), D("2.70"))
    assert (incl.shipping_tax, incl.total) == (D("1.05"), D("17.65"))
    excl = price_order([(D("9.99"), 3, "reduced-rate")], "DE", "", False, fees=[(D("1.50"), True)])
    assert excl.lines[0].total_tax == D("2.10") and excl.fees[0][1] == D("0.29")
    assert excl.total == D("29.97") + D("2.10") + D("1.50") + D("0.29")
    assert price_order([(D("10"), 1, "")], "US", "OR", False).total_tax == 0  # no rate at all
    assert (
        find_rate("US", "CA", "").percent == D("7.25")
        and find_rate("US", "CA", "zero-rate") is None
    )


def test_coupon_allocation_in_cents():
    lines = [D("10.00"), D("10.00"), D("10.00")]
    assert allocate_discount(lines, "fixed_cart", D("10")) == [D("3.34"), D("3.33"), D("3.33")]
    assert sum(allocate_discount([D("33.33"), D("0.01")], "percent", D("15"))) == D("5.00")
    assert allocate_discount([D("4.00")], "fixed_cart", D("10")) == [D("4.00")]  # never below zero


def test_phone_renderings_stand_for_one_number():
    phonenumbers = pytest.importorskip("phonenumbers")
    gen = DataGenerator(3)
    for _ in range(60):
        person = gen.new_person()
        for style in range(len(PHONE_FORMATS[person["country"]])):
            text = render_phone(person["phone"], style)
            parsed = phonenumbers.parse(text, person["country"])
            assert phonenumbers.is_valid_number(parsed), text
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            assert e164 == phone_e164(person["phone"]), text


def test_seeded_orders_cover_what_the_importer_must_handle(store):
    orders = list(store.orders.values())
    count = Counter()
    for o in orders:
        count[o["status"]] += 1
        count[o["billing"]["country"]] += 1
        count["guest"] += o["customer_id"] == 0
        count["company"] += bool(o["billing"]["company"])
        count["vat"] += any(m["key"] == "_billing_vat_number" for m in o["meta_data"])
        count["ships elsewhere"] += o["shipping"]["address_1"] != o["billing"]["address_1"]
        count["note"] += bool(o["customer_note"])
        count["cod fee"] += any(f["name"] == "Cash on delivery fee" for f in o["fee_lines"])
        count["variation"] += any(li["variation_id"] for li in o["line_items"])
        count["refund"] += bool(o["refunds"])
        for c in o["coupon_lines"]:
            count[c["discount_type"]] += 1
        for s in o["shipping_lines"]:
            count[s["method_id"]] += 1
        count["us state"] += o["billing"]["country"] == "US" and bool(o["billing"]["state"])
    for key in ["pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed"]:
        assert count[key], key
    for key in ["HU", "DE", "RO", "US", "company", "vat", "ships elsewhere", "note", "cod fee"]:
        assert count[key], key
    for key in ["variation", "percent", "fixed_cart", "flat_rate", "free_shipping", "local_pickup"]:
        assert count[key], key
    assert 0.2 < count["guest"] / len(orders) < 0.4
    assert count["processing"] + count["completed"] > len(orders) / 2
    assert count["refund"] == count["refunded"] and count["us state"] == count["US"]
    assert {len(o["line_items"]) for o in orders} == {1, 2, 3, 4, 5}
    assert {li["quantity"] for o in orders for li in o["line_items"]} == {1, 2, 3, 4}
    # Returning buyers (same email, case aside) type their phone differently.
    phones: dict[str, set] = {}
    for o in orders:
        phones.setdefault(o["billing"]["email"].lower(), set()).add(o["billing"]["phone"])
    assert sum(len(p) > 1 for p in phones.values()) >= 10
    assert any(
        o["customer_id"] == 0 for o in orders if len(phones[o["billing"]["email"].lower()]) > 1
    )
    # Local dates are Budapest time, an hour or two ahead of GMT.
    o = orders[0]
    assert o["date_created"] != o["date_created_gmt"]


def test_catalogue_and_customers(store):
    products = list(store.products.values())
    assert {p["type"] for p in products} == {"simple", "variable"}
    assert any(not p["sku"] for p in products)
    assert {p["tax_class"] for p in products} == {"", "reduced-rate", "zero-rate"}
    variable = next(p for p in products if p["type"] == "variable")
    children = [store.variations[v] for v in variable["variations"]]
    assert all(v["sku"].startswith(variable["sku"] or "") and v["sku"] for v in children)
    assert variable["price"] == min((c["price"] for c in children), key=D)
    parents = {c["id"]: c for c in store.categories.values() if c["parent"] == 0}
    tshirts = next(c for c in store.categories.values() if c["name"] == "T-shirts")
    assert parents[tshirts["parent"]]["name"] == "Clothing"
    customer = next(iter(store.customers.values()))
    assert customer["email"] and customer["billing"]["country"] in ("HU", "DE", "RO", "US")
    assert store.customers.keys() == {o["customer_id"] for o in store.orders.values()} - {0}


def test_same_seed_same_bytes_other_seed_other_data():
    def dump(seed):
        st = Store(seed=seed, orders=60, products=30)
        return json.dumps([st.orders, st.products, st.variations, st.customers], sort_keys=True)

    assert dump(11) == dump(11)
    assert dump(11) != dump(12)
