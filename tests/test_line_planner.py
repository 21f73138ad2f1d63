"""The pure line planner: store orders to sales order lines, exact to the store's last digit.

Plain pytest, no database: WooCommerce-shaped payloads (the real REST v3 keys, the per-rate line
taxes unrounded as WooCommerce keeps them) mapped by the WooCommerce mapper, then planned.
"""

import copy
import json
import pathlib
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    from odoo.addons.storesync_connector.adapters.woocommerce_mapping import map_order
    from odoo.addons.storesync_connector.utils.line_planner import (
        PlanError,
        TaxSpec,
        plan_lines,
        round_money,
        spread,
    )
except ImportError:  # plain pytest without Odoo: the pure packages alone
    import bare_addon  # noqa: F401 (registers the bare package)

    from storesync_connector.adapters.woocommerce_mapping import map_order
    from storesync_connector.utils.line_planner import (
        PlanError,
        TaxSpec,
        plan_lines,
        round_money,
        spread,
    )

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "woocommerce"


def spec(percent, included=False, tax_id=1):
    return TaxSpec(tax_id=tax_id, percent=D(percent), price_include=included, name="VAT")


def payload(lines, tax_lines, total, shipping=(), coupons=(), fees=(), **extra):
    """A WooCommerce order payload with the given blocks (amounts as strings)."""
    body = json.loads((FIXTURES / "order_727.json").read_text())
    body.update(
        line_items=list(lines),
        tax_lines=list(tax_lines),
        shipping_lines=list(shipping),
        coupon_lines=list(coupons),
        fee_lines=list(fees),
        total=total,
        # Per line, the order's taxes are its tax lines' sums (see the two-rate case below).
        cart_tax=str(sum((D(t["tax_total"]) for t in tax_lines), D(0))),
        shipping_tax=str(sum((D(t["shipping_tax_total"]) for t in tax_lines), D(0))),
    )
    body.update(extra)
    return body


def item(line_id, net, tax, rate=1, quantity=1, subtotal=None, subtotal_tax=None, dp=2):
    rounded = str(round_money(D(tax), dp))
    return {
        "id": line_id,
        "name": f"Product {line_id}",
        "product_id": 100 + line_id,
        "variation_id": 0,
        "quantity": quantity,
        "tax_class": "",
        "subtotal": subtotal or net,
        "subtotal_tax": str(round_money(D(subtotal_tax or tax), dp)),
        "total": net,
        "total_tax": rounded,
        "taxes": [{"id": rate, "total": tax, "subtotal": subtotal_tax or tax}],
        "meta_data": [],
        "sku": f"SKU-{line_id}",
        "price": float(D(net) / quantity),
    }


def tax_line(rate, tax_total, shipping_tax_total="0.00", percent=None):
    return {
        "id": 900 + rate,
        "rate_code": f"RATE-{rate}",
        "rate_id": rate,
        "label": "VAT",
        "compound": False,
        "tax_total": tax_total,
        "shipping_tax_total": shipping_tax_total,
        "rate_percent": percent,
        "meta_data": [],
    }


def totals(planned):
    return sum((line.base + line.tax for line in planned), D(0))


def test_tax_rounded_per_line():
    """38.115 and 70.455 are 38.12 + 70.46: the store rounded each line (order tax 108.58)."""
    order = map_order(
        payload(
            [item(1, "181.50", "38.115"), item(2, "335.50", "70.455")],
            [tax_line(1, "108.58", percent=21)],
            total="625.58",
        )
    )
    planned = plan_lines(order, {"1": spec(21)})
    assert [line.taxes for line in planned] == [(("1", D("38.12")),), (("1", D("70.46")),)]
    assert totals(planned) == D("625.58")


def test_tax_rounded_at_subtotal():
    """0.13 + 0.195 + 0.195 = 0.52: the store rounded the sum, one cent is taken back."""
    order = map_order(
        payload(
            [item(1, "1.00", "0.13"), item(2, "1.50", "0.195"), item(3, "1.50", "0.195")],
            [tax_line(1, "0.52", percent=13)],
            total="4.52",
        )
    )
    planned = plan_lines(order, {"1": spec(13)})
    assert sum(line.tax for line in planned) == D("0.52")
    assert sorted(line.tax for line in planned) == [D("0.13"), D("0.19"), D("0.20")]
    assert totals(planned) == D("4.52")


def test_two_rates_rounded_at_subtotal_come_to_the_order_tax():
    """At subtotal level each tax line and the order's tax are rounded on their own: 0.105 at
    10 % and 0.105 at 5 % make tax lines of 0.11 + 0.11, but an order tax of 0.21, and the
    buyer paid the order's total."""
    line_1, line_2 = item(1, "1.05", "0.105", rate=1), item(2, "2.10", "0.105", rate=2)
    order = map_order(
        payload(
            [line_1, line_2],
            [tax_line(1, "0.11", percent=10), tax_line(2, "0.11", percent=5)],
            total="3.36",
            cart_tax="0.21",
            total_tax="0.21",
        )
    )
    planned = plan_lines(order, {"1": spec(10), "2": spec(5, tax_id=2)})
    assert sum(line.tax for line in planned) == D("0.21")
    assert totals(planned) == D("3.36")


def test_shipping_tax_spread_to_its_own_total():
    order = map_order(
        payload(
            [item(1, "10.00", "2.10")],
            [tax_line(1, "2.10", "1.05", percent=21)],
            total="18.15",
            shipping=[
                {
                    "id": 5,
                    "method_title": "Flat",
                    "method_id": "flat_rate",
                    "total": "5.00",
                    "total_tax": "1.05",
                    "taxes": [{"id": 1, "total": "1.05", "subtotal": ""}],
                    "meta_data": [],
                }
            ],
        )
    )
    planned = plan_lines(order, {"1": spec(21)})
    assert [(line.kind, line.base, line.tax) for line in planned] == [
        ("product", D("10.00"), D("2.10")),
        ("shipping", D("5.00"), D("1.05")),
    ]


def test_tax_inclusive_store_with_coupon():
    """Gross prices: the lines are booked price-included at their gross before the coupon,
    the coupon takes the gross discount off, and the order comes to the store's total."""
    lines = [
        item(1, "8.20", "1.803279", subtotal="16.39", subtotal_tax="3.606557", quantity=2),
        item(2, "4.10", "0.901639", subtotal="8.20", subtotal_tax="1.803279"),
    ]
    order = map_order(
        payload(
            lines,
            [tax_line(1, "2.70", percent=22)],
            total="15.00",
            coupons=[{"id": 7, "code": "half", "discount": "12.29", "discount_tax": "2.71"}],
            prices_include_tax=True,
        )
    )
    planned = plan_lines(order, {"1": spec(22, included=True)})
    product_1, _product_2, coupon = planned
    assert (product_1.base, product_1.tax) == (D("16.39"), D("3.61"))
    assert product_1.price_include
    assert product_1.price_unit == D("10.00")  # gross per unit, as the shop shows it
    assert (coupon.kind, coupon.name, coupon.base) == ("coupon", "half", D("-12.29"))
    assert coupon.tax == -(D("3.61") + D("1.80") - D("2.70"))
    assert totals(planned) == D("15.00")


def test_real_hungarian_tax_inclusive_order():
    order = map_order(json.loads((FIXTURES / "order_hu_guest_incl_tax.json").read_text()))
    planned = plan_lines(order, {"3": spec(27, included=True)})
    assert totals(planned) == order.total == D("30160.00")


def test_zero_decimal_store():
    """A forint store writes whole amounts; its taxes round to whole forints."""
    order = map_order(
        payload(
            [
                item(1, "7874", "2125.98", dp=0),
                item(2, "3937", "1062.99", dp=0),
            ],
            [tax_line(1, "3189", percent=27)],
            total="15000",
            total_tax="3189",
            cart_tax="3189",
            shipping_total="0",
            discount_total="0",
            currency="HUF",
        )
    )
    assert order.decimals == 0
    planned = plan_lines(order, {"1": spec(27)})
    assert [line.tax for line in planned] == [D("2126"), D("1063")]
    assert totals(planned) == D("15000")


def test_a_rate_mapped_to_another_percentage_is_refused():
    order = map_order(
        payload([item(1, "10.00", "2.70")], [tax_line(1, "2.70", percent=27)], total="12.70")
    )
    with pytest.raises(PlanError) as caught:
        plan_lines(order, {"1": spec(18)})
    assert caught.value.code == "tax_mismatch"
    # Without the store's percentage, the amounts tell.
    no_percent = map_order(
        payload([item(1, "10.00", "2.70")], [tax_line(1, "2.70")], total="12.70")
    )
    with pytest.raises(PlanError):
        plan_lines(no_percent, {"1": spec(18)})
    assert totals(plan_lines(no_percent, {"1": spec(27)})) == D("12.70")


def test_unmapped_rate_and_totals_that_do_not_add_up():
    body = payload([item(1, "10.00", "2.70")], [tax_line(1, "2.70", percent=27)], total="12.70")
    with pytest.raises(PlanError) as caught:
        plan_lines(map_order(body), {})
    assert caught.value.code == "unmapped_tax"
    assert caught.value.params["rates"] == [("1", "VAT")]
    wrong = copy.deepcopy(body)
    wrong["total"] = "12.71"
    with pytest.raises(PlanError) as caught:
        plan_lines(map_order(wrong), {"1": spec(27)})
    assert caught.value.code == "does_not_add_up"


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # Amounts with four decimals (ten-thousandths), as stores keep unrounded taxes.
    st.lists(st.integers(min_value=0, max_value=10_000_000), min_size=1, max_size=30).map(
        lambda values: [D(value).scaleb(-4) for value in values]
    ),
    st.integers(min_value=-1, max_value=1),
)
def test_spread_hits_any_reachable_target(amounts, offset):
    """Whatever the parts, a target within one cent per part of their rounded sum is met
    exactly, and no part moves by more than one cent from its own rounding."""
    rounded = [round_money(a, 2) for a in amounts]
    target = sum(rounded, D(0)) + offset * D("0.01")
    result = spread(amounts, target, 2)
    assert sum(result, D(0)) == target
    assert all(abs(r - a) <= D("0.01") for r, a in zip(result, rounded, strict=True))
