"""Deterministic, platform-neutral store data: tax table, people, catalogue and orders.

Everything random comes from one ``random.Random(seed)`` and Faker instances seeded from the
same seed, so one seed always gives byte-identical data. Seeded orders are spread over the
120 days before the fixed ``EPOCH`` (GMT); only orders created or changed later (control
endpoint, API writes) use the wall clock, like a real store.

Money follows what WooCommerce's checkout (``WC_Cart_Totals``, ``WC_Discounts``, ``WC_Tax``)
stores and what the REST API (``get_order_item_data``) answers. Store settings: price decimals
``dp`` (``woocommerce_price_num_decimals``: 2, or 0 for a forint store), "prices entered with
tax" and "round tax at subtotal level" (``woocommerce_tax_round_at_subtotal``, off by default).

* Rounding is ROUND_HALF_UP (PHP ``round``). Unrounded taxes keep 6 decimals (``WC_Tax``).
* The API shows every amount with ``dp`` decimals ("12.50", or "12700" with 0), except the
  per-rate ``taxes[]`` of lines, fees and shipping: those are the unrounded amounts as
  WooCommerce stores them ("38.115", "2.125984", "283.5"; ``fmt_tax``).
* Line subtotal = unit price x quantity, before coupons.
* A coupon is allocated in the store's smallest unit like ``WC_Discounts``: each line gets
  ``floor(line subtotal x share)``, then the units still missing against the cart-level
  rounded discount go one per item (up to the quantity per line) to the largest lines first.
  With prices inclusive of tax the coupon comes off the gross amounts.
* Prices exclusive of tax: tax = amount x rate (unrounded); the line total is exact.
* Prices inclusive of tax (catalogue prices and coupon amounts are gross): tax = gross x
  rate / (1 + rate) (unrounded), net = gross - tax, shown rounded ("7.87" for 10.00 at 27 %,
  tax 2.125984 shown "2.13").
* Shipping and fees are always entered net; their tax is amount x rate (unrounded). Shipping
  takes the cart's tax class (standard if any line is standard, else the first class of the
  tax settings in the cart, standard when that class has no rate there); free shipping and
  local pickup carry no taxes. Fees take the standard class.
* A line's (fee's, shipping line's) ``total_tax`` is its unrounded tax rounded, in both modes.
* ``tax_lines`` per rate: ``tax_total`` over lines and fees, ``shipping_tax_total`` over
  shipping. Per line (default): the sum of the rounded line taxes (38.115 + 70.455 ->
  38.12 + 70.46 = 108.58). At subtotal: the unrounded taxes added up, rounded once (0.13 +
  0.195 + 0.195 = 0.52, while the lines show 0.13, 0.20 and 0.20).
* cart_tax and shipping_tax round the sum of every rate's (line-rounded, or at subtotal level
  unrounded) amounts once, as ``WC_Abstract_Order::update_taxes`` does: per line they equal
  the sums of ``tax_total``/``shipping_tax_total``; at subtotal level with several rates they
  may differ from them by a unit. total_tax = cart_tax + shipping_tax, total = sum of the
  shown line totals + fees + shipping + total_tax. discount_total = the coupons' net amount,
  discount_tax = their tax, rounded.

A seeded store of 6 orders or more always contains the ``showcase_specs`` orders (several lines
of one rate whose taxes end in half a cent, with a coupon, with two rates, a fee and shipping
tax); ``order_spec`` builds any other order explicitly (the control endpoint's ``lines``).
"""

import hashlib
import random
import string
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from faker import Faker

EPOCH = datetime(2026, 11, 1)  # naive GMT; seeded data lies before it
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


UNROUNDED = Decimal("0.000001")  # what WooCommerce keeps of an unrounded tax


def quantum(dp: int = 2) -> Decimal:
    """The smallest amount with ``dp`` decimals: 0.01 for 2, 1 for 0."""
    return Decimal(1).scaleb(-dp)


def money(value, dp: int = 2) -> Decimal:
    """Round to the store's price decimals, half up (PHP's ``round``)."""
    return Decimal(value).quantize(quantum(dp), rounding=ROUND_HALF_UP)


def fmt_money(value: Decimal, dp: int = 2) -> str:
    """WooCommerce's money string (``wc_format_decimal`` with ``dp``): "12.50", or "12700"
    in a store with 0 decimals; no thousands separator."""
    return f"{money(value, dp):.{dp}f}"


def fmt_tax(value: Decimal) -> str:
    """An unrounded tax as WooCommerce stores it in ``taxes[]``: a PHP float with at most
    6 decimals and no trailing zeros ("38.115", "2.7", "5400", "1.803279")."""
    text = f"{Decimal(value).quantize(UNROUNDED, rounding=ROUND_HALF_UP):f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("", "-0") else text


def fmt_date(value: datetime | None) -> str | None:
    """WooCommerce's date string (no time zone designator)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S") if value else None


def utcnow() -> datetime:
    """Current GMT time as a naive datetime, never before the seeded data."""
    return max(datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0), EPOCH)


def _last_sunday(year: int, month: int) -> datetime:
    day = datetime(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def store_offset(gmt: datetime) -> timedelta:
    """UTC offset of the store's time zone (Europe/Budapest, EU summer-time rule).

    Computed here instead of with zoneinfo because tzdata is not guaranteed on every host.
    """
    start = _last_sunday(gmt.year, 3).replace(hour=1)
    end = _last_sunday(gmt.year, 10).replace(hour=1)
    return timedelta(hours=2 if start <= gmt < end else 1)


def to_local(gmt: datetime | None) -> datetime | None:
    """GMT -> store local time."""
    return gmt + store_offset(gmt) if gmt else None


# --------------------------------------------------------------------------- taxes
@dataclass(frozen=True)
class TaxRate:
    """One row of the store's tax table (WooCommerce > Settings > Tax)."""

    id: int
    country: str
    state: str
    percent: Decimal
    name: str
    tax_class: str = ""  # "" = standard
    priority: int = 1
    compound: bool = False
    shipping: bool = True

    @property
    def code(self) -> str:
        """WooCommerce's rate code: COUNTRY-STATE-NAME-PRIORITY, empty parts left out."""
        parts = [self.country, self.state, self.name.upper(), str(self.priority)]
        return "-".join(p for p in parts if p)

    def tax_on(self, net: Decimal) -> Decimal:
        """Unrounded tax on a net amount (``WC_Tax::calc_exclusive_tax``)."""
        return (net * self.percent / 100).quantize(UNROUNDED, ROUND_HALF_UP)

    def tax_in(self, gross: Decimal) -> Decimal:
        """Unrounded tax inside a gross amount (``WC_Tax::calc_inclusive_tax``)."""
        return (gross * self.percent / (100 + self.percent)).quantize(UNROUNDED, ROUND_HALF_UP)


TAX_RATES = [
    TaxRate(1, "HU", "", Decimal("27"), "VAT"),
    TaxRate(2, "HU", "", Decimal("5"), "VAT 5%", "reduced-rate"),
    TaxRate(3, "HU", "", Decimal("0"), "VAT 0%", "zero-rate"),
    TaxRate(4, "DE", "", Decimal("19"), "MwSt."),
    TaxRate(5, "DE", "", Decimal("7"), "MwSt. 7%", "reduced-rate"),
    TaxRate(6, "DE", "", Decimal("0"), "MwSt. 0%", "zero-rate"),
    TaxRate(7, "RO", "", Decimal("21"), "TVA"),
    TaxRate(8, "RO", "", Decimal("11"), "TVA 11%", "reduced-rate"),
    TaxRate(9, "RO", "", Decimal("0"), "TVA 0%", "zero-rate"),
    TaxRate(10, "US", "CA", Decimal("7.25"), "State Tax"),
    TaxRate(11, "US", "NY", Decimal("4"), "State Tax"),
    TaxRate(12, "US", "TX", Decimal("6.25"), "State Tax"),
    TaxRate(13, "US", "IL", Decimal("6.25"), "State Tax"),
    TaxRate(14, "US", "FL", Decimal("6"), "State Tax"),
    # No row for Oregon and none for US reduced/zero classes: those lines carry no taxes at all.
]
TAX_CLASSES = [
    ("standard", "Standard"),
    ("reduced-rate", "Reduced rate"),
    ("zero-rate", "Zero rate"),
]


def find_rate(country: str, state: str, tax_class: str) -> TaxRate | None:
    """The rate WooCommerce would match for an address and tax class (None = untaxed)."""
    for rate in TAX_RATES:
        if (rate.country, rate.tax_class) == (country, tax_class) and rate.state in ("", state):
            return rate
    return None


# --------------------------------------------------------------------------- pricing
@dataclass
class PricedLine:
    """Money of one order line as WooCommerce stores it: net amounts and the tax of its single
    rate, all unrounded (a REST answer rounds them to the store's decimals, except the per-rate
    amounts in ``taxes[]``)."""

    subtotal: Decimal
    subtotal_tax: Decimal
    total: Decimal
    total_tax: Decimal
    rate: TaxRate | None


@dataclass
class PricedOrder:
    """All money of an order, computed as described in the module docstring.

    Lines, fee and shipping taxes are unrounded; the order-level amounts and ``taxes`` (rate
    id -> [rate, tax_total, shipping_tax_total]) are already rounded to ``dp`` decimals.
    """

    lines: list[PricedLine]
    shipping_total: Decimal
    shipping_tax: Decimal  # unrounded tax of the shipping line
    shipping_rate: TaxRate | None
    fees: list[tuple[Decimal, Decimal, TaxRate | None]]  # (net, unrounded tax, rate)
    discount_total: Decimal
    discount_tax: Decimal
    cart_tax: Decimal
    shipping_tax_total: Decimal
    total_tax: Decimal
    total: Decimal
    dp: int = 2
    taxes: dict = field(default_factory=dict)


def allocate_discount(
    subtotals: list[Decimal],
    kind: str,
    amount: Decimal,
    dp: int = 2,
    quantities: list[int] | None = None,
) -> list[Decimal]:
    """Split a coupon over lines in the store's smallest unit, the way ``WC_Discounts`` does."""
    scale = Decimal(10) ** dp
    units = [int(s * scale) for s in subtotals]
    quantities = quantities or [1] * len(units)
    cart = sum(units)
    if not cart:
        return [ZERO for _ in units]
    if kind == "percent":
        given = [int(Decimal(u) * amount / 100) for u in units]  # floor, amounts are >= 0
        wanted = int((Decimal(cart) * amount / 100).quantize(Decimal(1), ROUND_HALF_UP))
    else:  # fixed_cart: proportional share of the amount, never more than the cart
        wanted = min(int(amount * scale), cart)
        given = [int((Decimal(u) * wanted / cart).quantize(Decimal(1), ROUND_FLOOR)) for u in units]
    # The remainder: one unit per item (so up to ``quantity`` per line), largest lines first.
    order = sorted(range(len(units)), key=lambda i: -units[i])
    while sum(given) < wanted:
        for i in order:
            for _ in range(quantities[i]):
                if sum(given) < wanted and given[i] < units[i]:
                    given[i] += 1
    return [Decimal(g) / scale for g in given]


def price_order(
    lines: list[tuple[Decimal, int, str]],
    country: str,
    state: str,
    prices_include_tax: bool,
    shipping: Decimal | None = None,
    fees: list[tuple[Decimal, bool]] = (),
    coupon: tuple[str, Decimal] | None = None,
    dp: int = 2,
    round_at_subtotal: bool = False,
) -> PricedOrder:
    """Price an order: lines are (unit price, quantity, tax class), fees (net, taxable).

    ``dp`` is the store's price decimals, ``round_at_subtotal`` its "Round tax at subtotal
    level" setting (``woocommerce_tax_round_at_subtotal``).
    """

    def rnd(value: Decimal) -> Decimal:
        return money(value, dp)

    def line_tax(value: Decimal) -> Decimal:
        # What a line adds to its rate's total: rounded per line unless rounding at subtotal.
        return value if round_at_subtotal else rnd(value)

    subtotals = [rnd(price * qty) for price, qty, _ in lines]
    quantities = [qty for _, qty, _ in lines]
    discounts = (
        allocate_discount(subtotals, *coupon, dp=dp, quantities=quantities)
        if coupon
        else [ZERO] * len(lines)
    )
    priced = []
    discount_tax = ZERO
    for (_, _, tax_class), sub, disc in zip(lines, subtotals, discounts, strict=True):
        rate = find_rate(country, state, tax_class)
        tot = sub - disc
        if rate is None:
            priced.append(PricedLine(sub, ZERO, tot, ZERO, None))
        elif prices_include_tax:
            sub_tax, tot_tax = rate.tax_in(sub), rate.tax_in(tot)
            priced.append(PricedLine(sub - sub_tax, sub_tax, tot - tot_tax, tot_tax, rate))
            discount_tax += rate.tax_in(disc)
        else:
            priced.append(PricedLine(sub, rate.tax_on(sub), tot, rate.tax_on(tot), rate))
            discount_tax += rate.tax_on(disc)
    classes = {tc for _, _, tc in lines}
    ship_class = "" if "" in classes or not classes else None
    if ship_class is None:  # the first class of the tax settings that the cart uses
        ship_class = next(tc for tc, _ in TAX_CLASSES[1:] if tc in classes)
    ship_total = rnd(shipping or 0)
    # Free shipping and local pickup cost nothing and carry no taxes at all.
    ship_rate = None
    if ship_total > 0:  # a class without a rate for the address falls back to standard
        ship_rate = find_rate(country, state, ship_class) or find_rate(country, state, "")
    ship_tax = ship_rate.tax_on(ship_total) if ship_rate else ZERO
    std = find_rate(country, state, "")
    fee_rows = []
    for amount, taxable in fees:
        rate = std if taxable else None
        net = rnd(amount)
        fee_rows.append((net, rate.tax_on(net) if rate else ZERO, rate))
    taxes: dict = {}
    for rate, tax, ship in (
        [(pl.rate, pl.total_tax, ZERO) for pl in priced]
        + [(r, t, ZERO) for _, t, r in fee_rows]
        + [(ship_rate, ZERO, ship_tax)]
    ):
        if rate is not None:
            row = taxes.setdefault(rate.id, [rate, ZERO, ZERO])
            row[1] += line_tax(tax)
            row[2] += line_tax(ship)
    # WC_Abstract_Order::update_taxes: the order's cart and shipping tax round the sum of
    # every rate's amount once, while each tax line rounds its own rate; at subtotal level
    # with two rates the tax lines may then miss the order's tax by a unit.
    cart_tax = rnd(sum((row[1] for row in taxes.values()), ZERO))
    shipping_tax_total = rnd(sum((row[2] for row in taxes.values()), ZERO))
    for row in taxes.values():  # a no-op when every line was rounded already
        row[1], row[2] = rnd(row[1]), rnd(row[2])
    total_tax = cart_tax + shipping_tax_total
    items_total = sum((rnd(pl.total) for pl in priced), ZERO)
    fees_total = sum((n for n, _, _ in fee_rows), ZERO)
    discount_total = sum(discounts, ZERO) - (discount_tax if prices_include_tax else ZERO)
    return PricedOrder(
        lines=priced,
        shipping_total=ship_total,
        shipping_tax=ship_tax,
        shipping_rate=ship_rate,
        fees=fee_rows,
        discount_total=rnd(discount_total),
        discount_tax=rnd(discount_tax),
        cart_tax=cart_tax,
        shipping_tax_total=shipping_tax_total,
        total_tax=total_tax,
        total=items_total + fees_total + ship_total + total_tax,
        dp=dp,
        taxes=dict(sorted(taxes.items())),
    )


# --------------------------------------------------------------------------- people
# city, postcode pattern (# = digit), state code, landline area code
COUNTRIES = {
    "HU": {
        "locale": "hu_HU",
        "weight": 40,
        "cc": "36",
        "mobile": ["20", "30", "31", "70"],
        "domains": ["gmail.com", "freemail.hu", "citromail.hu", "t-online.hu", "outlook.com"],
        "cities": [
            ("Budapest", "1###", "BU", "1"),
            ("Debrecen", "40##", "HB", "52"),
            ("Szeged", "67##", "CS", "62"),
            ("Pécs", "76##", "BA", "72"),
            ("Győr", "90##", "GS", "96"),
            ("Miskolc", "35##", "BZ", "46"),
            ("Kecskemét", "60##", "BK", "76"),
            ("Székesfehérvár", "80##", "FE", "22"),
        ],
        "notes": [
            "Kérem, hívjon kiszállítás előtt.",
            "A kapucsengő nem működik, kérem telefonáljon.",
            "Délután 4 után vagyok otthon.",
        ],
    },
    "DE": {
        "locale": "de_DE",
        "weight": 25,
        "cc": "49",
        "mobile": ["151", "160", "170", "176"],
        "domains": ["gmx.de", "web.de", "t-online.de", "gmail.com"],
        "cities": [
            ("Berlin", "10###", "", "30"),
            ("München", "80###", "", "89"),
            ("Hamburg", "20###", "", "40"),
            ("Köln", "50###", "", "221"),
            ("Frankfurt am Main", "60###", "", "69"),
            ("Karlsruhe", "76###", "", "721"),
            ("Leipzig", "04###", "", "341"),
            ("Stuttgart", "70###", "", "711"),
        ],
        "notes": [
            "Bitte beim Nachbarn abgeben, falls niemand da ist.",
            "Bitte nicht klingeln, Baby schläft.",
            "Lieferung bitte an die Packstation.",
        ],
    },
    "RO": {
        "locale": "ro_RO",
        "weight": 20,
        "cc": "40",
        "mobile": ["721", "722", "744", "755", "766", "788"],
        "domains": ["yahoo.com", "gmail.com", "yahoo.ro"],
        "cities": [
            ("București", "0#####", "B", "21"),
            ("Cluj-Napoca", "400###", "CJ", "264"),
            ("Iași", "700###", "IS", "232"),
            ("Timișoara", "300###", "TM", "256"),
            ("Constanța", "900###", "CT", "241"),
            ("Brașov", "500###", "BV", "268"),
        ],
        "notes": ["Vă rog să sunați înainte de livrare.", "Interfonul nu funcționează."],
    },
    "US": {
        "locale": "en_US",
        "weight": 15,
        "cc": "1",
        "mobile": [],
        "domains": ["gmail.com", "yahoo.com", "outlook.com", "icloud.com"],
        "cities": [
            ("San Francisco", "941##", "CA", "415"),
            ("Los Angeles", "900##", "CA", "213"),
            ("New York", "100##", "NY", "212"),
            ("Brooklyn", "112##", "NY", "718"),
            ("Austin", "787##", "TX", "512"),
            ("Portland", "972##", "OR", "503"),
            ("Chicago", "606##", "IL", "312"),
            ("Miami", "331##", "FL", "305"),
        ],
        "notes": ["Please leave the package at the back door.", "Gift - please no invoice inside."],
    },
}

# Ways people type the same number into a checkout form (all parse with the country as region).
PHONE_FORMATS = {
    "HU": [
        "+36 {a} {s1} {s2}",
        "06{a}{s}",
        "0036-{a}/{s1}-{s2}",
        "06 {a} {s1} {s2}",
        "+36{a}{s}",
        "06-{a}/{s}",
        "(06 {a}) {s1}-{s2}",
    ],
    "DE": [
        "+49 {a} {s}",
        "0049 {a} {s}",
        "(0{a}) {s}",
        "0{a}/{s}",
        "0{a} {s1} {s2}",
        "+49 (0){a} {s}",
        "0{a}-{s}",
    ],
    "RO": [
        "0{a} {s1} {s2}",
        "+40 {a} {s1} {s2}",
        "0040{a}{s}",
        "+40-{a}-{s1}-{s2}",
        "0{a}.{s1}.{s2}",
        "0{a}{s}",
    ],
    "US": [
        "({a}) {s1}-{s2}",
        "{a}.{s1}.{s2}",
        "+1 {a} {s1} {s2}",
        "{a}-{s1}-{s2}",
        "1-{a}-{s1}-{s2}",
        "+1{a}{s}",
    ],
}


def render_phone(phone: dict, style: int) -> str:
    """Write a phone number ({"country","area","sub"}) in one of its country's styles."""
    sub = phone["sub"]
    cut = len(sub) - (len(sub) + 1) // 2
    formats = PHONE_FORMATS[phone["country"]]
    return formats[style % len(formats)].format(a=phone["area"], s=sub, s1=sub[:cut], s2=sub[cut:])


def phone_e164(phone: dict) -> str:
    """The canonical form the renderings all stand for."""
    return f"+{COUNTRIES[phone['country']]['cc']}{phone['area']}{phone['sub']}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


# --------------------------------------------------------------------------- catalogue
CATEGORY_TREE = [
    ("Clothing", None),
    ("T-shirts", "Clothing"),
    ("Hoodies", "Clothing"),
    ("Socks", "Clothing"),
    ("Accessories", None),
    ("Bags", "Accessories"),
    ("Hats", "Accessories"),
    ("Home & Kitchen", None),
    ("Mugs", "Home & Kitchen"),
    ("Textiles", "Home & Kitchen"),
    ("Books", None),
    ("Food & Drinks", None),
    ("Coffee", "Food & Drinks"),
    ("Tea", "Food & Drinks"),
    ("Gift cards", None),
]
# leaf: (sku prefix, name words, EUR price range, tax class, variation attributes (C = colour,
# S = size, Z = sock size), weight in kg, share of the catalogue)
RED = "reduced-rate"
PRODUCT_KINDS = {
    "T-shirts": ("TS", ["T-shirt", "V-neck tee", "Long-sleeve tee"], (14, 35), "", "CS", 0.2, 18),
    "Hoodies": ("HD", ["Hoodie", "Zip hoodie", "Sweatshirt"], (39, 79), "", "CS", 0.6, 9),
    "Socks": ("SK", ["Socks 3-pack", "Ankle socks", "Wool socks"], (7, 19), "", "Z", 0.1, 7),
    "Bags": ("BG", ["Tote bag", "Backpack", "Messenger bag"], (19, 129), "", "", 0.8, 9),
    "Hats": ("HT", ["Beanie", "Cap", "Bucket hat"], (15, 35), "", "C", 0.15, 6),
    "Mugs": ("MG", ["Mug", "Travel mug", "Espresso cup set"], (9, 29), "", "", 0.4, 11),
    "Textiles": ("TX", ["Tea towel", "Cushion cover", "Throw blanket"], (8, 69), "", "", 0.5, 9),
    "Books": ("BK", ["Affair", "Letters", "Garden", "Winter", "Legacy"], (9, 39), RED, "", 0.5, 11),
    "Coffee": ("CF", ["Ethiopia", "Colombia", "Brazil", "Kenya"], (8, 24), RED, "", 0.25, 8),
    "Tea": ("TE", ["Earl Grey", "Sencha", "Darjeeling", "Rooibos"], (5, 16), RED, "", 0.1, 6),
    "Gift cards": ("GC", ["Gift card"], (10, 100), "zero-rate", "", 0.0, 2),
}
ADJECTIVES = ["Classic", "Organic", "Vintage", "Everyday", "Premium", "Recycled", "Nordic", "Retro"]
COLORS = ["Black", "White", "Navy", "Grey", "Red", "Olive", "Sand"]
SIZES = ["S", "M", "L", "XL", "XXL"]
SOCK_SIZES = ["35-38", "39-42", "43-46"]
CURRENCY_FACTORS = {"EUR": 1, "USD": 1.1, "GBP": 0.85, "HUF": 400, "RON": 5, "CHF": 1}
ZERO_DECIMAL_CURRENCIES = {"HUF"}  # as Hungarian shops set "Number of decimals" (forints)


def default_price_decimals(currency: str) -> int:
    """The store's ``woocommerce_price_num_decimals`` unless told: 0 for forints, else 2."""
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2


PAYMENTS = {  # id: (title, weights per country HU, DE, RO, US)
    "cod": ("Cash on delivery", (35, 5, 50, 0)),
    "bacs": ("Direct bank transfer", (20, 25, 15, 0)),
    "stripe": ("Credit Card (Stripe)", (30, 30, 30, 60)),
    "paypal": ("PayPal", (15, 35, 5, 35)),
    "cheque": ("Check payments", (0, 5, 0, 5)),
}
STATUSES = {
    "completed": 45,
    "processing": 28,
    "pending": 6,
    "on-hold": 7,
    "cancelled": 6,
    "refunded": 4,
    "failed": 4,
}
COUPONS = [("welcome10", "percent", 10), ("summer15", "percent", 15), ("save5", "fixed_cart", 5)]
COUPONS += [("vip20", "percent", 20), ("bigorder10", "fixed_cart", 10)]
SHIPPING_COST = {"HU": 3.9, "DE": 4.9, "RO": 5.9, "US": 12.9}  # EUR, net
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
]


class DataGenerator:
    """Generates the catalogue, customers and orders of one store from a seed.

    Ids come from counters so later orders (created through the control endpoint) continue
    the sequences. The generator keeps the customers it invented, so later orders also
    include returning customers.
    """

    def __init__(
        self,
        seed: int,
        currency: str = "EUR",
        prices_include_tax: bool = False,
        price_decimals: int | None = None,
        tax_round_at_subtotal: bool = False,
    ):
        self.rng = random.Random(seed)
        self.currency = currency
        self.prices_include_tax = prices_include_tax
        self.dp = default_price_decimals(currency) if price_decimals is None else price_decimals
        self.tax_round_at_subtotal = tax_round_at_subtotal
        self.factor = Decimal(str(CURRENCY_FACTORS.get(currency, 1)))
        self.fakers = {}
        for index, (country, spec) in enumerate(COUNTRIES.items()):
            self.fakers[country] = Faker(spec["locale"])
            self.fakers[country].seed_instance(seed * 100 + index)
        self.counters = {"product": 99, "order": 999, "customer": 1, "category": 14}
        self.emails: set[str] = set()
        self.customers: list[dict] = []  # registered customers
        self.guests: list[dict] = []  # people who ordered without an account
        self.categories: list[dict] = []
        self.products: list[dict] = []

    def next_id(self, kind: str, max_gap: int = 1) -> int:
        """Next id of a sequence; real stores have gaps (drafts, deleted posts)."""
        self.counters[kind] += self.rng.randint(1, max_gap)
        return self.counters[kind]

    def _pick(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _digits(self, pattern: str) -> str:
        return "".join(str(self.rng.randint(0, 9)) if c == "#" else c for c in pattern)

    def _price(self, low: float, high: float) -> Decimal:
        """A shelf price like 24.90 in the store currency."""
        base = Decimal(self.rng.randint(int(low), int(high)))
        base += self.rng.choice(
            [Decimal("0.90"), Decimal("0.99"), Decimal("0.00"), Decimal("0.50")]
        )
        price = base * self.factor
        step = Decimal(10) if self.factor >= 100 else CENT
        return money(price.quantize(step, ROUND_HALF_UP), self.dp)

    # ----------------------------------------------------------------- people
    def _phone(self, country: str, area: str) -> dict:
        rng = self.rng
        spec = COUNTRIES[country]
        if country == "US":
            exchange = rng.choice([e for e in range(200, 1000) if e % 100 != 11 and e != 555])
            return {
                "country": country,
                "area": area,
                "sub": f"{exchange}{rng.randint(0, 9999):04d}",
            }
        if rng.random() < 0.7:  # most people give a mobile number
            area = rng.choice(spec["mobile"])
            length = {"HU": 7, "RO": 6}.get(country, 8 if area in ("151", "176") else 7)
        else:
            length = {"HU": 7 if area == "1" else 6, "RO": 7 if area == "21" else 6}.get(country, 7)
        sub = str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(length - 1))
        return {"country": country, "area": area, "sub": sub}

    def _address(self, country: str) -> dict:
        faker, rng = self.fakers[country], self.rng
        city, pattern, state, area = rng.choice(COUNTRIES[country]["cities"])
        number = rng.randint(1, 120)
        address_2 = ""
        if country == "US":
            address_1 = faker.street_address()
            address_2 = faker.secondary_address() if rng.random() < 0.3 else ""
        elif country == "HU":
            address_1 = f"{faker.street_name()} {number}."
            address_2 = (
                f"{rng.randint(1, 8)}. emelet {rng.randint(1, 20)}." if rng.random() < 0.3 else ""
            )
        elif country == "RO":
            address_1 = f"{faker.street_name()} nr. {number}"
            if rng.random() < 0.35:
                address_2 = f"Bl. {rng.choice('ABCDM')}{rng.randint(1, 9)}, Sc. {rng.randint(1, 4)}"
                address_2 += f", Ap. {rng.randint(1, 60)}"
        else:
            address_1 = f"{faker.street_name()} {number}"
            address_2 = "Hinterhaus" if rng.random() < 0.1 else ""
        if country == "HU" and rng.random() < 0.5:
            state = ""  # the county is optional at Hungarian checkouts
        return {
            "address_1": address_1,
            "address_2": address_2,
            "city": city,
            "state": state,
            "postcode": self._digits(pattern),
            "country": country,
            "_area": area,
        }

    def _email(self, first: str, last: str, country: str) -> str:
        first, last = _ascii(first).replace(" ", ""), _ascii(last).replace(" ", "")
        local = self.rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{last}.{first}"])
        domain = self.rng.choice(COUNTRIES[country]["domains"])
        email, n = f"{local}@{domain}", 1
        while email in self.emails:  # one email = one person, so "returning" stays meaningful
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def new_person(self, country: str | None = None) -> dict:
        """A buyer: name, address, email, phone (kept canonical, rendered per order)."""
        rng = self.rng
        if country is None:
            weights = {c: spec["weight"] for c, spec in COUNTRIES.items()}
            country = self._pick(weights)
        faker = self.fakers[country]
        first, last = faker.first_name(), faker.last_name()
        address = self._address(country)
        company = vat = ""
        if rng.random() < 0.12:
            company = faker.company()
            vat = {
                "HU": self._digits("########-#-##"),
                "DE": self._digits("DE#########"),
                "RO": self._digits("RO########"),
            }.get(country, "")
        person = {
            "first_name": first,
            "last_name": last,
            "company": company,
            "vat": vat,
            "email": self._email(first, last, country),
            "phone": self._phone(country, address.pop("_area")),
            "phone_style": rng.randrange(7),
            "no_phone": rng.random() < 0.03,
            **address,
        }
        return person

    def billing_of(self, person: dict) -> dict:
        """The billing block as typed at checkout."""
        keys = ["first_name", "last_name", "company", "address_1", "address_2", "city"]
        keys += ["state", "postcode", "country", "email"]
        billing = {k: person[k] for k in keys}
        billing["phone"] = (
            "" if person["no_phone"] else render_phone(person["phone"], person["phone_style"])
        )
        return billing

    # ----------------------------------------------------------------- catalogue
    def make_catalogue(self, count: int) -> None:
        """Categories (fixed tree) and ``count`` products with variations."""
        by_name = {}
        for name, parent in CATEGORY_TREE:
            cat = {
                "id": self.next_id("category", 2),
                "name": name,
                "slug": _ascii(name).replace(" & ", "-").replace(" ", "-"),
                "parent": by_name[parent]["id"] if parent else 0,
            }
            by_name[name] = cat
            self.categories.append(cat)
        shares = {leaf: spec[6] for leaf, spec in PRODUCT_KINDS.items()}
        leaves = [self._pick(shares) for _ in range(count)]
        if count >= 10:  # make sure the rarer cases exist in small stores too
            leaves[:3] = ["T-shirts", "Books", "Gift cards"]
        for index, leaf in enumerate(leaves):
            self.products.append(self._product(index, leaf, by_name))

    def _product(self, index: int, leaf: str, by_name: dict) -> dict:
        rng, faker = self.rng, self.fakers["US"]
        prefix, nouns, (low, high), tax_class, attrs, weight, _ = PRODUCT_KINDS[leaf]
        noun = rng.choice(nouns)
        if leaf == "Books":
            name = f"The {self.fakers[rng.choice(list(COUNTRIES))].last_name()} {noun}"
        elif leaf == "Coffee":
            name = f"{noun} {rng.choice(['light', 'medium', 'dark'])} roast coffee beans 250 g"
        elif leaf == "Tea":
            name = f"{noun} loose leaf tea 100 g"
        elif leaf == "Gift cards":
            name = f"Gift card {rng.choice([10, 25, 50, 100])}"
        else:
            name = f"{rng.choice(ADJECTIVES)} {noun}"
        code = f"{prefix}-{1000 + index}"
        created = EPOCH - timedelta(days=rng.uniform(130, 700))
        product = {
            "id": self.next_id("product"),
            "name": name,
            "sku": "" if rng.random() < 0.04 else code,
            "category_ids": [by_name[leaf]["id"]],
            "tax_class": tax_class,
            "virtual": leaf == "Gift cards",
            "weight": f"{weight:.2f}" if weight else "",
            "description": faker.paragraph(nb_sentences=3),
            "short_description": faker.sentence(nb_words=8),
            "created": created,
            "modified": created + (EPOCH - created) * rng.random(),
            "status": "draft" if rng.random() < 0.03 else "publish",
            "attributes": [],
            "variants": [],
        }
        parent = by_name[leaf]["parent"]
        if parent:
            product["category_ids"].insert(0, parent)
        base = self._price(low, high)
        if not attrs:
            product.update(self._offer(base), type="simple")
            return product
        options = []
        for attr in attrs:
            if attr == "C":
                options.append(("Color", rng.sample(COLORS, rng.randint(2, 3))))
            elif attr == "S":
                start = rng.randint(0, 2)
                options.append(("Size", SIZES[start : start + rng.randint(3, 4)]))
            else:
                options.append(("Size", SOCK_SIZES))
        product.update(type="variable", attributes=options)
        combos = [{}]
        for attr_name, values in options:
            combos = [{**c, attr_name: v} for c in combos for v in values]
        for combo in combos[:12]:
            suffix = "-".join(v[:3].upper() if k == "Color" else v for k, v in combo.items())
            price = base + (self.factor * 3 if combo.get("Size") == "XXL" else 0)
            variant = {
                "id": self.next_id("product"),
                "sku": f"{code}-{suffix}",
                "options": combo,
                "created": created,
                "modified": created + (EPOCH - created) * rng.random(),
                **self._offer(price),
            }
            product["variants"].append(variant)
        return product

    def _offer(self, price: Decimal) -> dict:
        """Price and stock of a simple product or a variation."""
        rng = self.rng
        sale = None
        if rng.random() < 0.1:
            sale = money(price * Decimal("0.8"), self.dp)
        manage = rng.random() < 0.85
        qty = None
        status = rng.choice(["instock"] * 9 + ["onbackorder"])
        if manage:
            roll = rng.random()
            qty = 0 if roll < 0.08 else rng.randint(1, 5) if roll < 0.25 else rng.randint(6, 200)
            status = "instock" if qty > 0 else "outofstock"
        return {
            "regular_price": price,
            "sale_price": sale,
            "manage_stock": manage,
            "stock_quantity": qty,
            "stock_status": status,
        }

    # ----------------------------------------------------------------- orders
    def _buyer(self, created: datetime) -> tuple[int, dict, bool]:
        """(customer id or 0, person, returning?) for a new order."""
        rng = self.rng
        if rng.random() < 0.3:
            if self.guests and rng.random() < 0.3:
                return 0, rng.choice(self.guests), True
            person = self.new_person()
            self.guests.append(person)
            return 0, person, False
        if self.customers and rng.random() < 0.55:
            # Early customers order more often: pick from a skewed index.
            index = int(len(self.customers) * rng.random() ** 2)
            return self.customers[index]["id"], self.customers[index]["person"], True
        person = self.new_person()
        customer = {
            "id": self.next_id("customer", 3),
            "person": person,
            "created": created - timedelta(minutes=rng.randint(2, 60 * 24 * 30)),
            "username": person["email"].split("@")[0],
        }
        self.customers.append(customer)
        return customer["id"], person, False

    def _random_items(self) -> list[dict]:
        """One to five catalogue products (sometimes a gift card), quantities 1 to 4."""
        rng = self.rng
        published = [p for p in self.products if p["status"] == "publish"] or self.products
        physical = [p for p in published if not p["virtual"]] or published
        pool = published if rng.random() < 0.05 else physical
        count = min(len(pool), rng.choices([1, 2, 3, 4, 5], [40, 30, 15, 10, 5])[0])
        items = []
        for product in rng.sample(pool, count):
            variant = rng.choice(product["variants"]) if product["variants"] else None
            qty = rng.choices([1, 2, 3, 4], [60, 25, 10, 5])[0]
            offer = variant or product
            unit = offer["sale_price"] or offer["regular_price"]
            items.append({"product": product, "variant": variant, "qty": qty, "price": unit})
        return items

    def _random_extras(self, payment: str) -> tuple[list[dict], dict | None]:
        """Fees (cash on delivery, gift wrapping, small order) and maybe a coupon."""
        rng, dp = self.rng, self.dp
        fees = []
        if payment == "cod" and rng.random() < 0.7:
            amount = money(Decimal("1.5") * self.factor, dp)
            fees.append({"name": "Cash on delivery fee", "amount": amount})
        if rng.random() < 0.04:
            amount = money(Decimal("2.5") * self.factor, dp)
            fees.append({"name": "Gift wrapping", "amount": amount})
        if rng.random() < 0.03:
            amount = money(self.factor, dp)
            fees.append({"name": "Small order fee", "amount": amount, "taxable": False})
        coupon = None
        if rng.random() < 0.15:
            code, kind, amount = rng.choice(COUPONS)
            amount = Decimal(amount) * (self.factor if kind == "fixed_cart" else 1)
            coupon = {"code": code, "kind": kind, "amount": amount}
        return fees, coupon

    def _random_shipping(self, items: list[dict], subtotal: Decimal, country: str):
        """(method id, title, net cost), or None when nothing needs shipping."""
        if all(i["product"]["virtual"] for i in items):
            return None
        if self.rng.random() < 0.1:
            return ("local_pickup", "Local pickup", ZERO)
        if subtotal >= 60 * self.factor:
            return ("free_shipping", "Free shipping", ZERO)
        cost = money(Decimal(str(SHIPPING_COST[country])) * self.factor, self.dp)
        return ("flat_rate", "Flat rate", cost)

    def make_order(
        self,
        created: datetime,
        status: str | None = None,
        clamp: bool = True,
        spec: dict | None = None,
        country: str | None = None,
    ) -> dict:
        """One order placed at ``created`` (GMT); platform renderers turn it into JSON.

        ``spec`` (from ``order_spec``) fixes the lines, coupon, shipping, fees and country; a
        new guest from that country buys them. Without it everything is drawn at random;
        ``country`` then makes the buyer a new guest of that country, shipping there too (a
        test that needs the country's taxes builds its order this way instead of hoping).
        """
        rng = self.rng
        if country is not None and country not in COUNTRIES:
            raise ValueError(f"country must be one of {', '.join(COUNTRIES)}")
        if spec:
            person = self.new_person(spec["country"])
            if spec["state"] is not None:
                person["state"] = spec["state"]
            self.guests.append(person)
            customer_id, returning = 0, False
        elif country is not None:
            person = self.new_person(country)
            self.guests.append(person)
            customer_id, returning = 0, False
        else:
            customer_id, person, returning = self._buyer(created)
        if returning and rng.random() < 0.6:  # same person, phone typed differently this time
            person["phone_style"] += rng.randint(1, 5)
        billing = self.billing_of(person)
        if returning and rng.random() < 0.05:
            billing["email"] = billing["email"].capitalize()
        shipping = {k: billing[k] for k in billing if k != "email"}
        shipping["phone"] = ""
        if spec:
            pass  # ships to the billing address
        elif returning and rng.random() < 0.2:  # moved, or ships to the office now
            new_address = self._address(person["country"])
            new_address.pop("_area")
            shipping.update(new_address)
        elif rng.random() < 0.15:  # a gift: someone else receives it
            same_country = rng.random() < 0.8 or country is not None
            other = self.new_person(person["country"] if same_country else None)
            shipping = {k: v for k, v in self.billing_of(other).items() if k != "email"}
            shipping.update(company="", phone=shipping["phone"] if rng.random() < 0.5 else "")
        country = shipping["country"]
        if spec:
            items, fees, coupon = spec["items"], spec["fees"], spec["coupon"]
            payment, method = spec["payment"], spec["shipping"]
            subtotal = sum((i["price"] * i["qty"] for i in items), ZERO)
        else:
            items = self._random_items()
            payment = rng.choices(
                list(PAYMENTS),
                [w[list(COUNTRIES).index(billing["country"])] for _, w in PAYMENTS.values()],
            )[0]
            fees, coupon = self._random_extras(payment)
            subtotal = sum((i["price"] * i["qty"] for i in items), ZERO)
            method = self._random_shipping(items, subtotal, country)
        priced = price_order(
            [(i["price"], i["qty"], i["product"]["tax_class"]) for i in items],
            country,
            shipping["state"],
            self.prices_include_tax,
            shipping=method[2] if method else None,
            fees=[(f["amount"], f.get("taxable", True)) for f in fees],
            coupon=(coupon["kind"], coupon["amount"]) if coupon else None,
            dp=self.dp,
            round_at_subtotal=self.tax_round_at_subtotal,
        )
        status = status or self._pick(STATUSES)

        def later(minutes_low: int, minutes_high: int) -> datetime:
            if not clamp:  # created now: nothing may happen in the future
                return created
            moment = created + timedelta(minutes=rng.randint(minutes_low, minutes_high))
            if moment > EPOCH:  # keep seeded history before the epoch, spread out
                moment = created + (EPOCH - created) * rng.random()
            return moment.replace(microsecond=0)

        paid = completed = None
        modified = created
        if status in ("processing", "completed", "refunded") and payment not in ("cod", "bacs"):
            paid = later(0, 2)
            modified = paid
        if status in ("completed", "refunded"):
            completed = later(60 * 20, 60 * 24 * 5)
            paid = paid or completed
            modified = completed
        if status in ("cancelled", "refunded"):
            modified = later(60 * 24, 60 * 24 * 10) if status == "refunded" else later(60, 4320)
        elif status in ("failed", "on-hold", "processing") and modified == created:
            modified = later(0, 30)
        if paid and completed:
            paid, completed = min(paid, completed), max(paid, completed)
        modified = max(m for m in (modified, paid, completed) if m)
        faker = self.fakers[billing["country"]]
        admin = rng.random() < 0.05
        transaction = ""
        if paid and payment == "stripe":
            transaction = "pi_" + "".join(rng.choices(string.ascii_letters + string.digits, k=24))
        elif paid and payment == "paypal":
            transaction = "".join(rng.choices(string.ascii_uppercase + string.digits, k=17))
        key = "".join(rng.choices(string.ascii_letters + string.digits, k=13))
        return {
            "id": self.next_id("order", 1 if rng.random() < 0.95 else 3),
            "customer_id": customer_id,
            "vat": person["vat"] if billing["company"] else "",
            "billing": billing,
            "shipping": shipping,
            "items": items,
            "shipping_method": method,
            "fees": fees,
            "coupon": coupon,
            "priced": priced,
            "status": status,
            "payment": payment,
            "payment_title": PAYMENTS[payment][0],
            "transaction_id": transaction,
            "created": created,
            "modified": modified,
            "paid": paid,
            "completed": completed,
            "note": rng.choice(COUNTRIES[billing["country"]]["notes"])
            if rng.random() < 0.15
            else "",
            "created_via": "admin" if admin else "checkout",
            "ip": "" if admin else faker.ipv4_public(),
            "user_agent": "" if admin else rng.choice(USER_AGENTS),
            "order_key": f"wc_order_{key}",
            "cart_hash": hashlib.md5(f"{key}{subtotal}".encode()).hexdigest(),
        }

    def seed_orders(self, count: int) -> list[dict]:
        """``count`` orders spread over the 120 days before ``EPOCH``, oldest first.

        From 6 orders on, a few of them (evenly spread, "processing") are the showcase orders
        of ``showcase_specs``, so every seeded store holds the rounding cases.
        """
        span = 120 * 24 * 3600
        moments = sorted(self.rng.randrange(span) for _ in range(count))
        specs = self.showcase_specs() if count >= 6 else []
        slots = {(i + 1) * count // (len(specs) + 1): spec for i, spec in enumerate(specs)}
        return [
            self.make_order(
                EPOCH - timedelta(seconds=span - moment),
                "processing" if index in slots else None,
                spec=slots.get(index),
            )
            for index, moment in enumerate(moments)
        ]

    # ----------------------------------------------------------------- explicit orders
    def half_unit_prices(
        self, tax_class: str = "", country: str = "HU", quantities=(1, 1, 3)
    ) -> list[Decimal]:
        """Unit prices, one per quantity, whose line taxes round differently line by line
        than summed.

        Prices exclusive of tax: each line's tax ends in exactly half a cent (10.50 at 27 % is
        2.835). Inclusive: each is 0.5 to 0.7 of a cent above a whole cent (a gross price
        never gives exactly half). Either way, rounding per line gives one cent more than
        rounding the sum of two or three such lines. Deterministic: scans up from 10 (EUR).
        """
        rate = find_rate(country, "", tax_class)
        if rate is None or not rate.percent:
            raise ValueError(f"no taxed rate for class {tax_class!r} in {country}")
        step = quantum(self.dp)
        price, picked = money(10 * self.factor, self.dp), []
        for _ in range(100_000):
            amount = price * quantities[len(picked)]
            tax = rate.tax_in(amount) if self.prices_include_tax else rate.tax_on(amount)
            fraction = (tax / step) % 1
            if self.prices_include_tax:
                wanted = Decimal("0.5") <= fraction < Decimal("0.7")
            else:
                wanted = fraction == Decimal("0.5")
            if wanted:
                picked.append(price)
                if len(picked) == len(quantities):
                    return picked
            price += step
        raise ValueError(f"no such prices for rate {rate.id}")  # pragma: no cover

    def showcase_specs(self) -> list[dict]:
        """The rounding cases every seeded store contains (Hungarian buyers, 27 % and 5 %).

        1. three lines of one rate whose taxes end in half a cent, taxed flat-rate shipping;
        2. the same with a 10 % coupon;
        3. two rates, a fixed-cart coupon, the cash-on-delivery fee and shipping.
        """
        std = self.half_unit_prices("")
        red = self.half_unit_prices("reduced-rate", quantities=(1, 1))[1:]  # 10.30 (EUR)
        cost = str(money(Decimal(str(SHIPPING_COST["HU"])) * self.factor, self.dp))
        fee = str(money(Decimal("1.5") * self.factor, self.dp))

        def lines(prices, tax_class="", quantities=(1, 1, 3)):
            return [
                {"price": str(p), "quantity": q, "tax_class": tax_class}
                for p, q in zip(prices, quantities, strict=False)
            ]

        bodies = [
            {"lines": lines(std), "shipping": cost},
            {"lines": lines(std), "shipping": cost, "coupon": "welcome10"},
            {
                "lines": lines(std[:2]) + lines(red, "reduced-rate"),
                "shipping": cost,
                "coupon": "save5",
                "fees": [{"name": "Cash on delivery fee", "total": fee}],
                "payment_method": "cod",
            },
        ]
        specs = []
        for body in bodies:
            try:
                specs.append(self.order_spec(**body))
            except ValueError:  # a tiny catalogue without a product of the class
                continue
        return specs

    def _amount(self, value, name: str, dp: int | None = None) -> Decimal:
        """An amount from JSON: a string or number >= 0 with at most ``dp`` decimals (the
        store's price decimals unless told)."""
        dp = self.dp if dp is None else dp
        try:
            amount = Decimal(str(value).strip())
        except ArithmeticError:
            raise ValueError(f"{name}: {value!r} is not an amount") from None
        if isinstance(value, bool) or not amount.is_finite() or amount < 0:
            raise ValueError(f"{name}: {value!r} is not an amount >= 0")
        if money(amount, dp) != amount:
            raise ValueError(f"{name}: {value!r} has more than {dp} decimals")
        return amount

    def _line_product(self, index: int, line: dict) -> tuple[dict, dict | None, str]:
        """(product, variation, tax class) for an explicit line."""
        tax_class = line.get("tax_class", "")
        tax_class = "" if tax_class == "standard" else tax_class
        if tax_class not in {tc for tc, _ in TAX_CLASSES} - {"standard"} | {""}:
            raise ValueError(f"lines[{index}].tax_class: {tax_class!r} is not a tax class")
        wanted = line.get("product_id")
        if wanted is not None:
            for product in self.products:
                variants = {v["id"]: v for v in product["variants"]}
                if wanted == product["id"] or wanted in variants:
                    variant = variants.get(wanted) or (
                        product["variants"][0] if product["variants"] else None
                    )
                    if "tax_class" in line and tax_class != product["tax_class"]:
                        raise ValueError(
                            f"lines[{index}]: product {wanted} has tax class "
                            f"{product['tax_class'] or 'standard'!r}"
                        )
                    return product, variant, product["tax_class"]
            raise ValueError(f"lines[{index}].product_id: no product or variation {wanted}")
        pool = [
            p
            for p in self.products
            if p["tax_class"] == tax_class and p["status"] == "publish" and not p["virtual"]
        ] or [p for p in self.products if p["tax_class"] == tax_class]
        if not pool:
            raise ValueError(f"lines[{index}]: the catalogue has no {tax_class!r} product")
        product = pool[index % len(pool)]  # a different product per line, always the same
        return product, (product["variants"][0] if product["variants"] else None), tax_class

    def order_spec(
        self,
        lines,
        coupon=None,
        shipping=None,
        fees=None,
        country: str = "HU",
        state: str | None = None,
        payment_method: str = "stripe",
    ) -> dict:
        """Check and normalise an explicit order for ``make_order(spec=...)``.

        ``lines``: ``[{"price": "10.50", "quantity": 2, "tax_class": "standard",
        "product_id": 105}]`` (price per unit as the catalogue shows it: gross when prices
        include tax; ``product_id`` optional, else a catalogue product of the class);
        ``coupon``: a code of the store (``"welcome10"``) or ``{"code", "discount_type":
        "percent" | "fixed_cart", "amount"}``; ``shipping``: a flat-rate net cost, or
        ``{"method_id", "method_title", "total"}``; ``fees``: ``[{"name", "total", "taxable"}]``
        (net); ``country`` (HU, DE, RO, US) and ``state`` of the buyer; ``payment_method``.
        Raises ValueError on anything else.
        """
        if not isinstance(lines, list) or not lines:
            raise ValueError("lines: a non-empty list of {price, quantity, tax_class} objects")
        if country not in COUNTRIES:
            raise ValueError(f"country: one of {', '.join(COUNTRIES)}")
        if payment_method not in PAYMENTS:
            raise ValueError(f"payment_method: one of {', '.join(PAYMENTS)}")
        items = []
        for index, line in enumerate(lines):
            if not isinstance(line, dict) or "price" not in line:
                raise ValueError(f"lines[{index}]: an object with at least a price")
            unknown = set(line) - {"price", "quantity", "tax_class", "product_id"}
            if unknown:
                raise ValueError(f"lines[{index}]: unknown keys {sorted(unknown)}")
            qty = line.get("quantity", 1)
            if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
                raise ValueError(f"lines[{index}].quantity: an integer >= 1")
            product, variant, _ = self._line_product(index, line)
            price = self._amount(line["price"], f"lines[{index}].price")
            items.append({"product": product, "variant": variant, "qty": qty, "price": price})
        if isinstance(coupon, str):
            known = {code: (kind, amount) for code, kind, amount in COUPONS}
            if coupon not in known:
                raise ValueError(f"coupon: one of {', '.join(known)} or an object")
            kind, amount = known[coupon]
            factor = self.factor if kind == "fixed_cart" else 1
            coupon = {"code": coupon, "discount_type": kind, "amount": str(amount * factor)}
        if coupon is not None:
            if not isinstance(coupon, dict) or coupon.get("discount_type") not in (
                "percent",
                "fixed_cart",
            ):
                raise ValueError('coupon: {"code", "discount_type": percent|fixed_cart, "amount"}')
            if coupon["discount_type"] == "fixed_cart":
                amount = self._amount(coupon.get("amount", ""), "coupon.amount")
            else:  # a percentage may have decimals a forint store's prices lack
                amount = self._amount(coupon.get("amount", ""), "coupon.amount", dp=6)
            if not amount:
                raise ValueError("coupon.amount: a number > 0")
            coupon = {
                "code": str(coupon.get("code") or "coupon"),
                "kind": coupon["discount_type"],
                "amount": amount,
            }
        method = None
        if shipping is not None:
            if not isinstance(shipping, dict):
                shipping = {"total": shipping}
            method_id = shipping.get("method_id", "flat_rate")
            titles = {"flat_rate": "Flat rate", "free_shipping": "Free shipping"}
            titles["local_pickup"] = "Local pickup"
            if method_id not in titles:
                raise ValueError(f"shipping.method_id: one of {', '.join(titles)}")
            cost = self._amount(shipping.get("total", "0"), "shipping.total")
            method = (method_id, str(shipping.get("method_title") or titles[method_id]), cost)
        fee_rows = []
        for index, fee in enumerate(fees or []):
            if not isinstance(fee, dict):
                raise ValueError(f"fees[{index}]: an object with name and total")
            fee_rows.append(
                {
                    "name": str(fee.get("name") or "Fee"),
                    "amount": self._amount(fee.get("total", "0"), f"fees[{index}].total"),
                    "taxable": bool(fee.get("taxable", True)),
                }
            )
        return {
            "items": items,
            "coupon": coupon,
            "shipping": method,
            "fees": fee_rows,
            "country": country,
            "state": state,
            "payment": payment_method,
        }
