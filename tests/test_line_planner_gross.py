"""The line planner on stores that give gross amounts and no tax figures (Cartum): the tax is
taken out at the mapped Odoo tax's percentage, and every order still adds up to the cent.

Plain pytest, no database.
"""

from datetime import datetime
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    from odoo.addons.storesync_connector.adapters.records import (
        Address,
        Customer,
        Order,
        OrderLine,
        TaxAmount,
        TaxRate,
    )
    from odoo.addons.storesync_connector.utils.line_planner import (
        PlanError,
        TaxSpec,
        plan_lines,
        split_gross,
    )
except ImportError:  # plain pytest without Odoo: the pure packages alone
    import bare_addon  # noqa: F401 (registers the bare package)

    from storesync_connector.adapters.records import (
        Address,
        Customer,
        Order,
        OrderLine,
        TaxAmount,
        TaxRate,
    )
    from storesync_connector.utils.line_planner import (
        PlanError,
        TaxSpec,
        plan_lines,
        split_gross,
    )

ZERO = D(0)
VAT = (TaxAmount(rate_id="vat", amount=ZERO),)


def spec(percent, included=True):
    return TaxSpec(
        tax_id=1, percent=None if percent is None else D(percent), price_include=included
    )


def line(gross, quantity=1, after=None, kind="product", index=1):
    """A gross line: ``gross`` before the order's discount, ``after`` after it."""
    return OrderLine(
        kind=kind,
        external_id=str(index),
        name=f"Line {index}",
        quantity=D(quantity),
        subtotal=D(gross),
        total=D(after if after is not None else gross),
        taxes=VAT,
        subtotal_taxes=VAT,
        method_id="1" if kind == "shipping" else "",
    )


def order(lines, total=None):
    lines = tuple(lines)
    buyer = Address(first_name="Олена", last_name="Коваль")
    return Order(
        external_id="7",
        number="7",
        status="1",
        currency="UAH",
        created_at=datetime(2026, 11, 30, 10, 0),
        modified_at=datetime(2026, 11, 30, 10, 0),
        paid_at=None,
        prices_include_tax=True,
        customer=Customer(
            external_id=None,
            email="olena@example.com",
            phone="0671234567",
            phone_e164="+380671234567",
            billing=buyer,
            shipping=None,
            vat="",
            company="",
            name=buyer.name,
        ),
        lines=lines,
        tax_rates=(TaxRate(rate_id="vat", code="vat", label="VAT", percent=None, compound=False),),
        total=D(total) if total is not None else sum((x.total for x in lines), ZERO),
        total_tax=ZERO,
        shipping_total=sum((x.total for x in lines if x.kind == "shipping"), ZERO),
        discount_total=sum((x.subtotal - x.total for x in lines), ZERO),
        discount_tax=ZERO,
        cart_tax=ZERO,
        shipping_tax=ZERO,
        note="",
        payment_method="1",
        payment_method_title="Cash on delivery",
        transaction_id="",
        content_hash="x",
        gross_amounts=True,
    )


def planned_total(planned):
    return sum((p.base + p.tax for p in planned), ZERO)


def test_gross_lines_take_the_tax_out_per_line_and_add_up():
    # 10.00 at 20 % is 8.3333 + 1.6667: rounded per line, two lines still make 20.00.
    planned = plan_lines(order([line("10.00", index=1), line("10.00", index=2)]), {"vat": spec(20)})
    assert [(p.base, p.tax) for p in planned] == [(D("8.33"), D("1.67"))] * 2
    assert planned_total(planned) == D("20.00")
    assert all(p.price_include for p in planned)
    assert planned[0].price_unit == D("10.00")


def test_price_excluded_tax_gets_the_net_unit_price():
    planned = plan_lines(order([line("30.00", quantity=3)]), {"vat": spec(20, included=False)})
    assert planned[0].base == D("25.00")
    assert planned[0].price_unit == D("25.00") / 3
    assert planned_total(planned) == D("30.00")


def test_a_discount_becomes_a_coupon_line_and_shipping_is_taxed_too():
    lines = [
        line("100.00", after="90.00", index=1),
        line("50.00", after="45.00", index=2),
        line("60.00", kind="shipping", index=3),
    ]
    planned = plan_lines(order(lines), {"vat": spec(19)})
    kinds = [p.kind for p in planned]
    assert kinds == ["product", "product", "shipping", "coupon"]
    coupon = planned[-1]
    assert coupon.base + coupon.tax == D("-15.00")
    assert planned_total(planned) == D("195.00")
    split = split_gross(order(lines), {"vat": spec(19)})
    assert split.shipping_tax == D("9.58")
    assert split.cart_tax == D("14.37") + D("7.18")
    assert split.tax_rates[0].percent == D(19)
    assert not split.gross_amounts


def test_zero_rate_keeps_the_gross_as_net():
    planned = plan_lines(order([line("12.34")]), {"vat": spec(0)})
    assert (planned[0].base, planned[0].tax) == (D("12.34"), ZERO)


def test_unmapped_or_non_percent_tax_is_refused():
    with pytest.raises(PlanError) as caught:
        plan_lines(order([line("10.00")]), {})
    assert caught.value.code == "unmapped_tax"
    with pytest.raises(PlanError) as caught:
        plan_lines(order([line("10.00")]), {"vat": spec(None)})
    assert caught.value.code == "gross_needs_percent"


def test_an_order_whose_lines_miss_its_total_is_refused():
    with pytest.raises(PlanError) as caught:
        plan_lines(order([line("10.00")], total="10.01"), {"vat": spec(20)})
    assert caught.value.code == "does_not_add_up"


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=5_000_000),  # gross in cents
            st.integers(min_value=0, max_value=100),  # discount share, % of the line
            st.integers(min_value=1, max_value=9),  # quantity
        ),
        min_size=1,
        max_size=20,
    ),
    st.integers(min_value=0, max_value=50_000),  # shipping, cents
    st.sampled_from(["0", "5", "7", "9", "19", "20", "21", "27"]),
    st.booleans(),
)
def test_any_gross_order_adds_up_to_the_cent(items, shipping, percent, included):
    lines = []
    for index, (cents, off, quantity) in enumerate(items, start=1):
        gross = D(cents).scaleb(-2)
        after = (gross - gross * off / 100).quantize(D("0.01"))
        lines.append(line(gross, quantity=quantity, after=after, index=index))
    lines.append(line(D(shipping).scaleb(-2), kind="shipping", index=len(items) + 1))
    gross_order = order(lines)
    planned = plan_lines(gross_order, {"vat": spec(percent, included)})
    assert planned_total(planned) == gross_order.total
    for planned_line in planned:
        assert planned_line.tax == planned_line.tax.quantize(D("0.01"))
