"""Deterministic, platform-neutral store data: tax table, people, catalogue and orders.

Everything random comes from one ``random.Random(seed)`` and Faker instances seeded from the
same seed, so one seed always gives byte-identical data. Seeded orders are spread over the
120 days before the fixed ``EPOCH`` (GMT); only orders created or changed later (control
endpoint, API writes) use the wall clock, like a real store.

Money follows what WooCommerce computes with its default settings (2 decimals, taxes rounded
per line and per rate, "round tax at subtotal" off):

* Amounts are ``Decimal`` with two places; every rounding is ROUND_HALF_UP (PHP ``round``).
* Line subtotal = unit price x quantity, before coupons.
* A coupon is allocated in cents like ``WC_Discounts``: each line gets
  ``floor(line subtotal x share)``, then the cents still missing against the cart-level
  rounded discount go one at a time to the lines with the largest subtotal first.
  Line total = line subtotal - its discount.
* Prices exclusive of tax: tax = round(amount x rate).
* Prices inclusive of tax (catalogue prices and coupon amounts are gross):
  net = round(gross / (1 + rate)), tax = gross - net, so net + tax is exactly the gross.
* Shipping and fees are always entered net (as in WooCommerce's settings); their tax is
  round(amount x rate), shipping with the cart's tax class (standard if any line is standard,
  else the highest-rate class in the cart), fees with the standard class.
* discount_total = sum(line subtotal - line total) (net), discount_tax = sum(subtotal tax -
  total tax), cart_tax = line taxes + fee taxes, total_tax = cart_tax + shipping_tax,
  total = sum(line totals) + shipping_total + sum(fee totals) + total_tax.
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


def money(value) -> Decimal:
    """Round to cents, half up (PHP's ``round``)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_money(value: Decimal) -> str:
    """WooCommerce's money string: two decimals, no thousands separator."""
    return f"{money(value):.2f}"


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

    def tax(self, amount: Decimal) -> Decimal:
        """Tax on a net amount."""
        return money(amount * self.percent / 100)

    def net_of(self, gross: Decimal) -> Decimal:
        """Net part of a gross amount."""
        return money(gross * 100 / (100 + self.percent))


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
    """Money of one order line (net amounts, taxes of its single rate)."""

    subtotal: Decimal
    subtotal_tax: Decimal
    total: Decimal
    total_tax: Decimal
    rate: TaxRate | None


@dataclass
class PricedOrder:
    """All money of an order, computed as described in the module docstring."""

    lines: list[PricedLine]
    shipping_total: Decimal
    shipping_tax: Decimal
    shipping_rate: TaxRate | None
    fees: list[tuple[Decimal, Decimal, TaxRate | None]]  # (net, tax, rate)
    discount_total: Decimal
    discount_tax: Decimal
    cart_tax: Decimal
    total_tax: Decimal
    total: Decimal
    taxes: dict = field(default_factory=dict)  # rate id -> [rate, tax_total, shipping_tax_total]


def allocate_discount(subtotals: list[Decimal], kind: str, amount: Decimal) -> list[Decimal]:
    """Split a coupon over lines in cents, the way ``WC_Discounts`` does."""
    cents = [int(s * 100) for s in subtotals]
    cart = sum(cents)
    if not cart:
        return [ZERO for _ in cents]
    if kind == "percent":
        given = [int(Decimal(c) * amount / 100) for c in cents]  # floor, amounts are >= 0
        wanted = int((Decimal(cart) * amount / 100).quantize(Decimal(1), ROUND_HALF_UP))
    else:  # fixed_cart: proportional share of the amount, never more than the cart
        wanted = min(int(amount * 100), cart)
        given = [int((Decimal(c) * wanted / cart).quantize(Decimal(1), ROUND_FLOOR)) for c in cents]
    order = sorted(range(len(cents)), key=lambda i: -cents[i])
    while sum(given) < wanted:
        for i in order:
            if sum(given) < wanted and given[i] < cents[i]:
                given[i] += 1
    return [Decimal(g) / 100 for g in given]


def price_order(
    lines: list[tuple[Decimal, int, str]],
    country: str,
    state: str,
    prices_include_tax: bool,
    shipping: Decimal | None = None,
    fees: list[tuple[Decimal, bool]] = (),
    coupon: tuple[str, Decimal] | None = None,
) -> PricedOrder:
    """Price an order: lines are (unit price, quantity, tax class), fees (net, taxable)."""
    subtotals = [money(price * qty) for price, qty, _ in lines]
    discounts = allocate_discount(subtotals, *coupon) if coupon else [ZERO] * len(lines)
    priced = []
    for (_, _, tax_class), sub, disc in zip(lines, subtotals, discounts, strict=True):
        rate = find_rate(country, state, tax_class)
        tot = sub - disc
        if rate is None:
            priced.append(PricedLine(sub, ZERO, tot, ZERO, None))
        elif prices_include_tax:
            net_sub, net_tot = rate.net_of(sub), rate.net_of(tot)
            priced.append(PricedLine(net_sub, sub - net_sub, net_tot, tot - net_tot, rate))
        else:
            priced.append(PricedLine(sub, rate.tax(sub), tot, rate.tax(tot), rate))
    classes = {tc for _, _, tc in lines}
    ship_class = "" if "" in classes or not classes else None
    if ship_class is None:  # highest-rate class of the cart
        candidates = [find_rate(country, state, tc) for tc in sorted(classes)]
        best = max((r for r in candidates if r), key=lambda r: r.percent, default=None)
        ship_class = best.tax_class if best else "zero-rate"
    ship_rate = find_rate(country, state, ship_class) if shipping is not None else None
    ship_total = money(shipping or 0)
    ship_tax = ship_rate.tax(ship_total) if ship_rate else ZERO
    std = find_rate(country, state, "")
    fee_rows = []
    for amount, taxable in fees:
        rate = std if taxable else None
        fee_rows.append((money(amount), rate.tax(amount) if rate else ZERO, rate))
    taxes: dict = {}
    for rate, tax, ship in (
        [(pl.rate, pl.total_tax, ZERO) for pl in priced]
        + [(r, t, ZERO) for _, t, r in fee_rows]
        + [(ship_rate, ZERO, ship_tax)]
    ):
        if rate is not None:
            row = taxes.setdefault(rate.id, [rate, ZERO, ZERO])
            row[1] += tax
            row[2] += ship
    cart_tax = sum((pl.total_tax for pl in priced), ZERO) + sum((t for _, t, _ in fee_rows), ZERO)
    total_tax = cart_tax + ship_tax
    total = (
        sum((pl.total for pl in priced), ZERO) + ship_total + sum((n for n, _, _ in fee_rows), ZERO)
    ) + total_tax
    return PricedOrder(
        lines=priced,
        shipping_total=ship_total,
        shipping_tax=ship_tax,
        shipping_rate=ship_rate,
        fees=fee_rows,
        discount_total=sum((pl.subtotal - pl.total for pl in priced), ZERO),
        discount_tax=sum((pl.subtotal_tax - pl.total_tax for pl in priced), ZERO),
        cart_tax=cart_tax,
        total_tax=total_tax,
        total=total,
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

    def __init__(self, seed: int, currency: str = "EUR", prices_include_tax: bool = False):
        self.rng = random.Random(seed)
        self.currency = currency
        self.prices_include_tax = prices_include_tax
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
        return price.quantize(step, ROUND_HALF_UP).quantize(CENT)

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
            sale = (price * Decimal("0.8")).quantize(CENT, ROUND_HALF_UP)
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

    def make_order(
        self,
        created: datetime,
        status: str | None = None,
        clamp: bool = True,
        country: str | None = None,
    ) -> dict:
        """One order placed at ``created`` (GMT); platform renderers turn it into JSON.

        ``country``: a new guest buyer of that country, shipping there too (a test that needs
        the country's taxes builds its order this way instead of hoping for one).
        """
        rng = self.rng
        if country is None:
            customer_id, person, returning = self._buyer(created)
        elif country not in COUNTRIES:
            raise ValueError(f"country must be one of {', '.join(COUNTRIES)}")
        else:
            customer_id, person, returning = 0, self.new_person(country), False
        if returning and rng.random() < 0.6:  # same person, phone typed differently this time
            person["phone_style"] += rng.randint(1, 5)
        billing = self.billing_of(person)
        if returning and rng.random() < 0.05:
            billing["email"] = billing["email"].capitalize()
        shipping = {k: billing[k] for k in billing if k != "email"}
        shipping["phone"] = ""
        if returning and rng.random() < 0.2:  # moved, or ships to the office now
            new_address = self._address(person["country"])
            new_address.pop("_area")
            shipping.update(new_address)
        elif rng.random() < 0.15:  # a gift: someone else receives it
            same_country = rng.random() < 0.8 or country is not None
            other = self.new_person(person["country"] if same_country else None)
            shipping = {k: v for k, v in self.billing_of(other).items() if k != "email"}
            shipping.update(company="", phone=shipping["phone"] if rng.random() < 0.5 else "")
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
        country = shipping["country"]
        payment = rng.choices(
            list(PAYMENTS),
            [w[list(COUNTRIES).index(billing["country"])] for _, w in PAYMENTS.values()],
        )[0]
        fees = []
        if payment == "cod" and rng.random() < 0.7:
            fees.append(
                {"name": "Cash on delivery fee", "amount": money(Decimal("1.5") * self.factor)}
            )
        if rng.random() < 0.04:
            fees.append({"name": "Gift wrapping", "amount": money(Decimal("2.5") * self.factor)})
        if rng.random() < 0.03:
            fees.append({"name": "Small order fee", "amount": money(self.factor), "taxable": False})
        coupon = None
        if rng.random() < 0.15:
            code, kind, amount = rng.choice(COUPONS)
            amount = Decimal(amount) * (self.factor if kind == "fixed_cart" else 1)
            coupon = {"code": code, "kind": kind, "amount": amount}
        subtotal = sum((i["price"] * i["qty"] for i in items), ZERO)
        method = None
        if any(not i["product"]["virtual"] for i in items):
            if rng.random() < 0.1:
                method = ("local_pickup", "Local pickup", ZERO)
            elif subtotal >= 60 * self.factor:
                method = ("free_shipping", "Free shipping", ZERO)
            else:
                cost = money(Decimal(str(SHIPPING_COST[country])) * self.factor)
                method = ("flat_rate", "Flat rate", cost)
        priced = price_order(
            [(i["price"], i["qty"], i["product"]["tax_class"]) for i in items],
            country,
            shipping["state"],
            self.prices_include_tax,
            shipping=method[2] if method else None,
            fees=[(f["amount"], f.get("taxable", True)) for f in fees],
            coupon=(coupon["kind"], coupon["amount"]) if coupon else None,
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
        """``count`` orders spread over the 120 days before ``EPOCH``, oldest first."""
        span = 120 * 24 * 3600
        moments = sorted(self.rng.randrange(span) for _ in range(count))
        return [self.make_order(EPOCH - timedelta(seconds=span - s)) for s in moments]
