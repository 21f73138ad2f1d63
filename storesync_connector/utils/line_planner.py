"""Plan the lines of a sales order from a store order: bases, taxes, coupons and fees, exactly.

Pure Python (no ORM): it takes the platform-neutral ``Order`` the mapper produced and what the
store's tax rates are mapped to, and returns one ``PlannedLine`` per Odoo order line with the
amounts the store charged, rounded the way the store rounded them. The Odoo side only finds the
products and writes the lines.

Stores round tax in one of two ways (a store setting such as "round tax at subtotal"): per
line (38.115 + 70.455 become 38.12 + 70.46) or once per rate on the whole order (0.13 + 0.195
+ 0.195 = 0.52). Lines carry the unrounded amounts and the order's per-rate totals
(``TaxRate.tax_total``, ``shipping_tax_total``) are what the buyer paid: each line's tax is
rounded to the store's decimals and the cents the rounding left over are spread over the lines
whose amounts lost the most in rounding (largest remainder), so every rate adds up to the
store's figure whichever way the store rounds.

Coupons: product lines are planned at their price before coupons, and what the coupons took off
becomes one negative line per tax combination, with the tax difference, so the order shows the
discount and still adds up to the store's total.
"""

from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from ..adapters.records import ZERO, Order, OrderLine, TaxAmount

#: line kinds whose tax the store books on the order's shipping tax, not on its cart tax
SHIPPING = "shipping"


class PlanError(Exception):
    """The order cannot be planned as it is; ``code`` says why, ``params`` the numbers.

    The Odoo side turns it into a translated message (codes: ``unmapped_tax``,
    ``tax_mismatch``, ``does_not_add_up``, ``gross_needs_percent``).
    """

    def __init__(self, code: str, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True, kw_only=True)
class TaxSpec:
    """What a store tax rate is mapped to in Odoo, as far as planning needs to know."""

    tax_id: int
    percent: Decimal | None  # None for a tax that is not a percentage
    price_include: bool
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class PlannedLine:
    """One sales order line: net base and per-rate taxes in the store's rounding."""

    kind: str  # "product", "shipping", "fee" or "coupon"
    name: str
    quantity: Decimal
    base: Decimal  # net amount of the whole line
    taxes: tuple[tuple[str, Decimal], ...]  # (store rate id, amount)
    price_include: bool  # all the line's Odoo taxes are price-included
    source: OrderLine | None = None  # the store line (None for a coupon line)
    method_id: str = ""  # shipping method id

    @property
    def tax(self) -> Decimal:
        return sum((amount for _, amount in self.taxes), ZERO)

    @property
    def price_unit(self) -> Decimal:
        """The unit price as Odoo wants it: gross when the taxes are price-included."""
        amount = self.base + self.tax if self.price_include else self.base
        return amount / self.quantity


def quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def round_money(amount: Decimal, decimals: int) -> Decimal:
    """Round half up, like PHP's ``round()`` that stores use."""
    return amount.quantize(quantum(decimals), rounding=ROUND_HALF_UP)


def spread(amounts: list[Decimal], target: Decimal | None, decimals: int) -> list[Decimal]:
    """Round ``amounts`` to ``decimals`` so that they add up to ``target``.

    Each amount is rounded half up; when the rounded amounts miss the target by a few units of
    the last place (the store rounded the sum, not the parts), those units go one by one to the
    amounts the rounding moved furthest the other way. A target further away than one unit
    per amount is not the store's rounding but a different sum: the amounts are then returned
    rounded but unspread, and the order's total check reports it.
    """
    return _nudge(amounts, [round_money(amount, decimals) for amount in amounts], target, decimals)


def allot(amounts: list[Decimal], total: Decimal, decimals: int = 2) -> list[Decimal]:
    """``total`` shared out in proportion to ``amounts``, in units of ``decimals`` that add
    up to it exactly: each share is cut towards zero, and the units that leaves go to the
    shares that lost the most (largest remainder). All zero when nothing is to share or
    the amounts add up to nothing."""
    base = sum(amounts, ZERO)
    if not amounts or not total or not base:
        return [ZERO] * len(amounts)
    unit = quantum(decimals)
    sign = 1 if total > 0 else -1
    exact = [amount * total / base for amount in amounts]
    shares = [(share * sign).quantize(unit, rounding=ROUND_DOWN) * sign for share in exact]
    left = int(abs(total - sum(shares, ZERO)) / unit)
    for index in sorted(range(len(exact)), key=lambda i: (-abs(exact[i] - shares[i]), i))[:left]:
        shares[index] += unit * sign
    return shares


def _nudge(amounts, rounded, target, decimals):
    """``rounded`` (the amounts rounded) moved by whole units until they add up to ``target``."""
    rounded = list(rounded)
    if target is None or not amounts:
        return rounded
    unit = quantum(decimals)
    steps = int((round_money(target, decimals) - sum(rounded, ZERO)) / unit)
    if not steps or abs(steps) > len(amounts):
        return rounded
    sign = 1 if steps > 0 else -1
    # What rounding took from each amount (positive: rounded down); the largest losers gain.
    order = sorted(range(len(amounts)), key=lambda i: (-(amounts[i] - rounded[i]) * sign, i))
    for index in order[: abs(steps)]:
        rounded[index] += unit * sign
    return rounded


def _rate_targets(order: Order) -> dict[tuple[str, bool], Decimal | None]:
    """(rate id, on shipping) -> what the store charged with that rate, from its tax lines."""
    targets = {}
    for rate in order.tax_rates:
        targets[rate.rate_id, False] = rate.tax_total
        targets[rate.rate_id, True] = rate.shipping_tax_total
    return targets


def _rounded_taxes(order: Order, lines: list[OrderLine]) -> list[dict[str, Decimal]]:
    """Per line, rate id -> its tax after coupons, rounded and spread to the store's totals.

    First per rate to the order's tax lines, then per kind to the order's cart and shipping
    tax: a store that rounds at the subtotal rounds each tax line and the order's tax each on
    its own, so with several rates the two may differ by a unit, and the order's is what the
    buyer paid.
    """
    parts: dict[tuple[str, bool], list[tuple[int, Decimal]]] = {}
    for index, line in enumerate(lines):
        for tax in line.taxes:
            parts.setdefault((tax.rate_id, line.kind == SHIPPING), []).append((index, tax.amount))
    targets = _rate_targets(order)
    rounded: dict[tuple[str, bool], list[Decimal]] = {
        key: spread([a for _, a in entries], targets.get(key), order.decimals)
        for key, entries in parts.items()
    }
    for on_shipping, target in ((False, order.cart_tax), (True, order.shipping_tax)):
        keys = [key for key in parts if key[1] == on_shipping]
        amounts = [a for key in keys for _, a in parts[key]]
        nudged = _nudge(amounts, [r for key in keys for r in rounded[key]], target, order.decimals)
        for key in keys:
            rounded[key], nudged = nudged[: len(parts[key])], nudged[len(parts[key]) :]
    result: list[dict[str, Decimal]] = [{} for _ in lines]
    for key, entries in parts.items():
        for (index, _), amount in zip(entries, rounded[key], strict=True):
            result[index][key[0]] = result[index].get(key[0], ZERO) + amount
    return result


def _check_rate(spec: TaxSpec, rate_percent, rate_id, base, amount, roundings, decimals):
    """A rate mapped to an Odoo tax of another percentage must not hide behind the amounts."""
    if spec.percent is None:
        return
    if rate_percent is not None:
        if rate_percent != spec.percent:
            raise PlanError(
                "tax_mismatch", rate=rate_id, base=base, amount=amount, tax=spec.name,
                percent=spec.percent, store_percent=rate_percent,
            )  # fmt: skip
        return
    if not base:
        return
    tolerance = quantum(decimals) / 2 * roundings + Decimal("0.0001")
    if abs(spec.percent * base / 100 - amount) > tolerance:
        raise PlanError(
            "tax_mismatch", rate=rate_id, base=base, amount=amount, tax=spec.name,
            percent=spec.percent, store_percent=None,
        )  # fmt: skip


def split_gross(order: Order, taxes: dict[str, TaxSpec]) -> Order:
    """An order of gross amounts (``Order.gross_amounts``) as the net amounts and taxes the
    planner takes: each line's tax is its gross amount's share at the mapped Odoo tax's
    percentage, rounded to the store's decimals, and the net amount the rest, so every line
    still adds up to what the store charged. Orders of net amounts are returned as they are.

    :raises PlanError: a rate without a mapping (``unmapped_tax``), a line with more than one
        rate or a rate mapped to a tax that is not a percentage (``gross_needs_percent``)
    """
    if not order.gross_amounts:
        return order
    used = sorted({tax.rate_id for line in order.lines for tax in line.taxes})
    missing = [rate for rate in used if rate not in taxes]
    if missing:
        labels = {rate.rate_id: rate.label or rate.code for rate in order.tax_rates}
        raise PlanError("unmapped_tax", rates=[(rate, labels.get(rate, "?")) for rate in missing])
    for rate in used:
        if taxes[rate].percent is None:
            raise PlanError("gross_needs_percent", rate=rate, tax=taxes[rate].name)

    def share(gross, rate):
        percent = taxes[rate].percent
        return round_money(gross * percent / (100 + percent), order.decimals)

    lines, cart_tax, shipping_tax = [], ZERO, ZERO
    for line in order.lines:
        rates = {tax.rate_id for tax in (*line.taxes, *line.subtotal_taxes)}
        if len(rates) > 1:
            raise PlanError("gross_needs_percent", rate=", ".join(sorted(rates)), tax="")
        if not rates:
            lines.append(line)
            continue
        (rate,) = rates
        tax, subtotal_tax = share(line.total, rate), share(line.subtotal, rate)
        lines.append(
            replace(
                line,
                subtotal=line.subtotal - subtotal_tax,
                total=line.total - tax,
                subtotal_tax=subtotal_tax,
                total_tax=tax,
                taxes=(TaxAmount(rate_id=rate, amount=tax),),
                subtotal_taxes=(TaxAmount(rate_id=rate, amount=subtotal_tax),),
            )
        )
        if line.kind == SHIPPING:
            shipping_tax += tax
        elif line.kind != "coupon":
            cart_tax += tax
    return replace(
        order,
        lines=tuple(lines),
        tax_rates=tuple(
            replace(rate, percent=taxes[rate.rate_id].percent) if rate.rate_id in taxes else rate
            for rate in order.tax_rates
        ),
        total_tax=cart_tax + shipping_tax,
        cart_tax=cart_tax,
        shipping_tax=shipping_tax,
        gross_amounts=False,
    )


def plan_lines(order: Order, taxes: dict[str, TaxSpec]) -> list[PlannedLine]:
    """The sales order lines of ``order``: products, shipping, fees, then coupon lines.

    :param taxes: store rate id -> its mapped Odoo tax, for every rate the order uses
    :raises PlanError: a rate without a mapping (``unmapped_tax``), a rate mapped to a tax of
        another percentage (``tax_mismatch``), or lines that do not add up to the store's
        total (``does_not_add_up``); for gross amounts, see ``split_gross``
    """
    order = split_gross(order, taxes)
    used = sorted(
        {tax.rate_id for line in order.lines for tax in (*line.taxes, *line.subtotal_taxes)}
    )
    missing = [rate for rate in used if rate not in taxes]
    if missing:
        labels = {rate.rate_id: rate.label or rate.code for rate in order.tax_rates}
        raise PlanError("unmapped_tax", rates=[(rate, labels.get(rate, "?")) for rate in missing])
    percents = {rate.rate_id: rate.percent for rate in order.tax_rates}
    decimals = order.decimals
    charged = [line for line in order.lines if line.kind != "coupon"]
    after = _rounded_taxes(order, charged)
    planned: list[PlannedLine] = []
    coupon_groups: dict[tuple[str, ...], dict] = {}

    def included(rate_ids):
        return bool(rate_ids) and all(taxes[rate].price_include for rate in rate_ids)

    for line, line_taxes in zip(charged, after, strict=True):
        base, amounts = line.total, line_taxes
        if line.kind == "product" and line.discount_amount:
            # Booked before the coupon; the coupon line takes the difference off.
            base = line.subtotal
            before = {}
            for tax in line.subtotal_taxes:
                before[tax.rate_id] = before.get(tax.rate_id, ZERO) + round_money(
                    tax.amount, decimals
                )
            rates = tuple(sorted(set(before) | set(line_taxes)))
            group = coupon_groups.setdefault(rates, {"base": ZERO, "taxes": {}, "lines": 0})
            group["base"] += line.subtotal - line.total
            group["lines"] += 1
            for rate in rates:
                taken = before.get(rate, ZERO) - line_taxes.get(rate, ZERO)
                group["taxes"][rate] = group["taxes"].get(rate, ZERO) + taken
            amounts = before
        for rate, amount in amounts.items():
            _check_rate(taxes[rate], percents.get(rate), rate, base, amount, 1, decimals)
        planned.append(
            PlannedLine(
                kind=line.kind,
                name=line.name,
                quantity=line.quantity,
                base=base,
                taxes=tuple(sorted(amounts.items())),
                price_include=included(amounts),
                source=line,
                method_id=line.method_id,
            )
        )
    codes = ", ".join(line.code for line in order.lines_of("coupon") if line.code)
    for rates, group in coupon_groups.items():
        for rate in rates:
            _check_rate(
                taxes[rate], percents.get(rate), rate, -group["base"], -group["taxes"][rate],
                2 * group["lines"], decimals,
            )  # fmt: skip
        planned.append(
            PlannedLine(
                kind="coupon",
                name=codes,
                quantity=Decimal(1),
                base=-group["base"],
                taxes=tuple(sorted((rate, -amount) for rate, amount in group["taxes"].items())),
                price_include=included(rates),
            )
        )
    computed = sum((line.base + line.tax for line in planned), ZERO)
    if round_money(computed, decimals) != round_money(order.total, decimals):
        raise PlanError("does_not_add_up", lines=computed, total=order.total)
    return planned
