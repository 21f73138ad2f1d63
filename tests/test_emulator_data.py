"""Store emulator: seeded data (money, coverage, determinism) without HTTP."""

import json
import re
from collections import Counter
from decimal import Decimal

import pytest

from store_emulator.data import (
    PHONE_FORMATS,
    RED,
    DataGenerator,
    allocate_discount,
    find_rate,
    fmt_money,
    fmt_tax,
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


MONEY = {2: re.compile(r"\d+\.\d{2}"), 0: re.compile(r"\d+")}
UNROUNDED = re.compile(r"\d+(\.\d{0,5}[1-9])?")  # a PHP float: <= 6 decimals, no trailing 0


def _r(value, dp):
    return value.quantize(D(1).scaleb(-dp), "ROUND_HALF_UP")


def _check_order(o, dp, at_subtotal):
    """Every money rule of the data module docstring, from the JSON alone."""
    q = D(1).scaleb(-dp)
    lines, fees, ships = o["line_items"], o["fee_lines"], o["shipping_lines"]
    shown = [o[k] for k in ("total", "total_tax", "shipping_total", "shipping_tax", "cart_tax")]
    shown += [o["discount_total"], o["discount_tax"]]
    for row in (*lines, *fees, *ships):
        shown += [row[k] for k in ("subtotal", "subtotal_tax", "total", "total_tax") if k in row]
        for tax in row["taxes"]:
            assert UNROUNDED.fullmatch(tax["total"]), (o["id"], tax)
            assert tax["subtotal"] == "" or UNROUNDED.fullmatch(tax["subtotal"]), (o["id"], tax)
        # The row's own tax is the unrounded one rounded (per line, whatever the mode).
        assert D(row["total_tax"]) == _r(_sum(row["taxes"], "total"), dp), (o["id"], row)
    for t in o["tax_lines"]:
        shown += [t["tax_total"], t["shipping_tax_total"]]
    for c in o["coupon_lines"]:
        shown += [c["discount"], c["discount_tax"]]
    assert all(isinstance(v, str) and MONEY[dp].fullmatch(v) for v in shown), (o["id"], shown)
    # Per rate: rounded line by line and added, or added unrounded and rounded once.
    for t in o["tax_lines"]:
        cart = [
            D(x["total"]) for r in (*lines, *fees) for x in r["taxes"] if x["id"] == t["rate_id"]
        ]
        ship = [D(x["total"]) for r in ships for x in r["taxes"] if x["id"] == t["rate_id"]]
        for amounts, key in ((cart, "tax_total"), (ship, "shipping_tax_total")):
            want = (
                _r(sum(amounts, D(0)), dp)
                if at_subtotal
                else sum((_r(a, dp) for a in amounts), D(0))
            )
            assert D(t[key]) == want, (o["id"], t)
    # The order's cart and shipping tax round all rates' amounts once (update_taxes).
    for key, rows in (("cart_tax", (*lines, *fees)), ("shipping_tax", ships)):
        amounts = [D(x["total"]) for r in rows for x in r["taxes"]]
        want = (
            _r(sum(amounts, D(0)), dp) if at_subtotal else sum((_r(a, dp) for a in amounts), D(0))
        )
        assert D(o[key]) == want, (o["id"], key)
    if not at_subtotal:
        assert D(o["cart_tax"]) == _sum(o["tax_lines"], "tax_total")
        assert D(o["shipping_tax"]) == _sum(o["tax_lines"], "shipping_tax_total")
    assert D(o["total_tax"]) == D(o["cart_tax"]) + D(o["shipping_tax"])
    parts = _sum(lines, "total") + _sum(fees, "total") + D(o["shipping_total"])
    assert D(o["total"]) == parts + D(o["total_tax"]), o["id"]
    for line in lines:  # price: the unrounded net total per unit
        price = D(str(line["price"])) * line["quantity"]
        assert abs(price - D(line["total"])) <= q / 2 + q / 10**4
    for coupon in o["coupon_lines"]:
        assert (coupon["discount"], coupon["discount_tax"]) == (
            o["discount_total"],
            o["discount_tax"],
        )
    return q


@pytest.mark.parametrize("at_subtotal", [False, True])
@pytest.mark.parametrize("prices_include_tax", [False, True])
@pytest.mark.parametrize("currency", ["EUR", "HUF"])
def test_every_order_adds_up_like_woocommerce(at_subtotal, prices_include_tax, currency):
    st = Store(
        seed=5,
        orders=300,
        products=80,
        currency=currency,
        prices_include_tax=prices_include_tax,
        tax_round_at_subtotal=at_subtotal,
    )
    dp = 0 if currency == "HUF" else 2
    for o in st.orders.values():
        assert o["prices_include_tax"] is prices_include_tax and o["currency"] == currency
        q = _check_order(o, dp, at_subtotal)
        for line in o["line_items"]:
            rate = next((r for r in o["tax_lines"] if r["rate_id"] in _ids(line)), None)
            if rate is None:
                continue
            pct = D(str(rate["rate_percent"]))
            tax, sub_tax = _sum(line["taxes"], "total"), _sum(line["taxes"], "subtotal")
            if prices_include_tax:
                # The catalogue price is gross: the tax is the gross's share of the rate and
                # the net the gross less it, rounded (28.99 at 4 %: 1.115 and "27.88").
                gross = _gross(line["total"], tax, pct, dp)
                sub_gross = _gross(line["subtotal"], sub_tax, pct, dp)
                assert sub_gross - gross >= 0 and (sub_gross - gross) % q == 0
            else:
                assert tax == D(line["total"]) * pct / 100
                assert sub_tax == D(line["subtotal"]) * pct / 100
        if not prices_include_tax:  # coupons come off net prices, in whole cents
            assert D(o["discount_total"]) == _sum(o["line_items"], "subtotal") - _sum(
                o["line_items"], "total"
            )
        else:  # a coupon is gross: its net and tax add up to what the lines lost (gross)
            lost = sum(
                _r(D(li["subtotal"]) + _sum(li["taxes"], "subtotal"), dp)
                - _r(D(li["total"]) + _sum(li["taxes"], "total"), dp)
                for li in o["line_items"]
            )
            assert abs(D(o["discount_total"]) + D(o["discount_tax"]) - lost) <= q


def _gross(net, tax, pct, dp):
    """The whole-cent gross amount a shown net and an unrounded tax come from."""
    q = D(1).scaleb(-dp)
    for gross in (_r(D(net) + tax, dp), _r(D(net) + tax, dp) - q):  # the net may be x.5 up
        share = (gross * pct / (100 + pct)).quantize(D("0.000001"), "ROUND_HALF_UP")
        if share == tax and _r(gross - tax, dp) == D(net):
            return gross
    raise AssertionError(f"no gross for net {net}, tax {tax} at {pct} %")


def _ids(line):
    return {t["id"] for t in line["taxes"]}


def _rounding_cases(orders, dp):
    """The seeded orders with several lines of one rate whose taxes (before coupons) round
    differently line by line than summed, by what else they carry."""
    found = Counter()
    for o in orders:
        for rate in {t["rate_id"] for t in o["tax_lines"]}:
            taxes = [
                D(x["subtotal"]) for li in o["line_items"] for x in li["taxes"] if x["id"] == rate
            ]
            if len(taxes) < 2 or sum(_r(t, dp) for t in taxes) == _r(sum(taxes), dp):
                continue
            found["lines"] += 1
            found["coupon"] += bool(o["coupon_lines"])
            found["shipping tax"] += any(D(s["total_tax"]) for s in o["shipping_lines"])
            found["fee"] += bool(o["fee_lines"])
            found["two rates"] += len([t for t in o["tax_lines"] if D(t["tax_total"])]) > 1
            found["processing"] += o["status"] == "processing"
    return found


@pytest.mark.parametrize("at_subtotal", [False, True])
@pytest.mark.parametrize("prices_include_tax", [False, True])
@pytest.mark.parametrize("currency", ["EUR", "HUF"])
def test_seeded_stores_hold_the_rounding_cases(at_subtotal, prices_include_tax, currency):
    """Not left to seed luck: any seed, any store with 6 orders or more has them."""
    dp = 0 if currency == "HUF" else 2
    for seed in (1, 2, 3):
        st = Store(
            seed=seed,
            orders=6,
            products=12,
            currency=currency,
            prices_include_tax=prices_include_tax,
            tax_round_at_subtotal=at_subtotal,
        )
        found = _rounding_cases(st.orders.values(), dp)
        assert found["lines"] >= 2 and found["processing"] >= 2, found
        for case in ("coupon", "shipping tax", "fee", "two rates"):
            assert found[case], (seed, case, found)
        if at_subtotal:  # the lines' own taxes do not add up to the order's any more
            assert any(
                _sum(o["line_items"], "total_tax") + _sum(o["fee_lines"], "total_tax")
                != D(o["cart_tax"])
                for o in st.orders.values()
            )
        if not prices_include_tax:  # several taxes ending in exactly half a cent
            halves = [
                li
                for o in st.orders.values()
                for li in o["line_items"]
                if li["taxes"] and (D(li["taxes"][0]["total"]) / D(1).scaleb(-dp)) % 1 == D("0.5")
            ]
            assert len(halves) >= 3


def test_modes_change_only_the_order_level_taxes():
    per_line, at_subtotal = (
        Store(seed=4, orders=80, products=30, tax_round_at_subtotal=mode) for mode in (False, True)
    )
    differ = 0
    for order_id, a in per_line.orders.items():
        b = at_subtotal.orders[order_id]
        assert a["line_items"] == b["line_items"] and a["shipping_lines"] == b["shipping_lines"]
        differ += a["tax_lines"] != b["tax_lines"]
        assert abs(D(a["total"]) - D(b["total"])) <= D("0.03")
    assert differ >= 3


def test_pricing_rules_by_hand():
    # Per line (the default): 38.115 and 70.455 at 21 % are 38.12 + 70.46 = 108.58.
    ro = price_order([(D("90.75"), 2, ""), (D("335.50"), 1, "")], "RO", "", False)
    assert [(pl.total, pl.total_tax) for pl in ro.lines] == [
        (D("181.50"), D("38.115")),
        (D("335.50"), D("70.455")),
    ]
    assert (ro.cart_tax, ro.total_tax, ro.total) == (D("108.58"), D("108.58"), D("625.58"))
    # At subtotal: 0.13 + 0.195 + 0.195 at 5 % is 0.52 (0.53 line by line).
    lines = [(D("2.60"), 1, RED), (D("3.90"), 1, RED), (D("3.90"), 1, RED)]
    once = price_order(lines, "HU", "", False, round_at_subtotal=True)
    assert [pl.total_tax for pl in once.lines] == [D("0.13"), D("0.195"), D("0.195")]
    assert (once.cart_tax, once.total) == (D("0.52"), D("10.92"))
    assert price_order(lines, "HU", "", False).cart_tax == D("0.53")
    # Tax-inclusive: 12.70 gross at 27 % is 10.00 + 2.70; the 2.54 coupon is gross too
    # (2.00 + 0.54); shipping is entered net (3.90 + 1.053).
    incl = price_order(
        [(D("12.70"), 1, "")], "HU", "", True, shipping=D("3.90"), coupon=("fixed_cart", D("2.54"))
    )
    line = incl.lines[0]
    assert (line.subtotal, line.subtotal_tax, line.total, line.total_tax) == (
        D("10.00"),
        D("2.70"),
        D("8.00"),
        D("2.16"),
    )
    assert (incl.discount_total, incl.discount_tax) == (D("2.00"), D("0.54"))
    assert (incl.shipping_tax, incl.shipping_tax_total, incl.total) == (
        D("1.053"),
        D("1.05"),
        D("15.11"),
    )
    # 10.00 gross: the tax is 2.125984 (unrounded), the net 7.874016.
    ten = price_order([(D("10.00"), 1, "")], "HU", "", True).lines[0]
    assert (ten.total, ten.total_tax) == (D("7.874016"), D("2.125984"))
    excl = price_order([(D("9.99"), 3, "reduced-rate")], "DE", "", False, fees=[(D("1.50"), True)])
    assert excl.lines[0].total_tax == D("2.0979") and excl.fees[0][1] == D("0.285")
    assert excl.total == D("29.97") + D("2.10") + D("1.50") + D("0.29")
    assert price_order([(D("10"), 1, "")], "US", "OR", False).total_tax == 0  # no rate at all
    assert (
        find_rate("US", "CA", "").percent == D("7.25")
        and find_rate("US", "CA", "zero-rate") is None
    )
    # Free shipping has no taxes; US reduced-rate carts ship at the standard rate.
    assert price_order([(D("10"), 1, "")], "DE", "", False, shipping=D("0")).shipping_rate is None
    us = price_order([(D("10"), 1, RED)], "US", "CA", False, shipping=D("10.00"))
    assert (us.lines[0].rate, us.shipping_rate.id, us.shipping_tax) == (None, 10, D("0.725"))
    # A forint store: whole forints everywhere but in the unrounded taxes.
    huf = price_order([(D("1050"), 1, ""), (D("1150"), 1, "")], "HU", "", False, dp=0)
    assert [pl.total_tax for pl in huf.lines] == [D("283.5"), D("310.5")]
    assert (huf.cart_tax, huf.total) == (D("595"), D("2795"))
    huf_once = price_order(
        [(D("1050"), 1, ""), (D("1150"), 1, "")], "HU", "", False, dp=0, round_at_subtotal=True
    )
    assert (huf_once.cart_tax, huf_once.total) == (D("594"), D("2794"))


def test_money_strings():
    assert [fmt_tax(D(v)) for v in ("38.115000", "5400", "2.70", "0", "1.8032786885")] == [
        "38.115",
        "5400",
        "2.7",
        "0",
        "1.803279",
    ]
    assert (fmt_money(D("12700"), 0), fmt_money(D("0.125")), fmt_money(D("1283.5"), 0)) == (
        "12700",
        "0.13",
        "1284",
    )


def test_coupon_allocation_in_cents():
    lines = [D("10.00"), D("10.00"), D("10.00")]
    assert allocate_discount(lines, "fixed_cart", D("10")) == [D("3.34"), D("3.33"), D("3.33")]
    assert sum(allocate_discount([D("33.33"), D("0.01")], "percent", D("15"))) == D("5.00")
    assert allocate_discount([D("4.00")], "fixed_cart", D("10")) == [D("4.00")]  # never below zero
    # The remainder goes one cent per item: a line of 3 takes up to 3 before the next line.
    assert allocate_discount([D("0.30"), D("0.10")], "percent", D("15"), quantities=[3, 1]) == [
        D("0.05"),
        D("0.01"),
    ]
    # Forints: whole units.
    assert allocate_discount([D("4050"), D("4150")], "percent", D("15"), dp=0) == [
        D("607"),
        D("623"),
    ]


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
