"""Platform-neutral records the mappers produce and the importers consume.

Pure Python (no Odoo, no HTTP): each platform's mapping module turns a raw payload into these
frozen dataclasses, so the Odoo side has one shape to upsert whatever the store. Money is always
``decimal.Decimal`` exactly as the store sent it (never float, never rounded here), datetimes are
naive UTC like Odoo's ``Datetime`` fields, ids are strings because not every platform uses ints.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

ZERO = Decimal(0)

LINE_KINDS = ("product", "shipping", "fee", "coupon")
# Address fields that make a place one can deliver to, and those that identify the place.
_DELIVERABLE_FIELDS = ("first_name", "last_name", "company", "street", "street2", "city", "zip")
_POSTAL_FIELDS = (*_DELIVERABLE_FIELDS, "state_code", "country_code")


def _fold(value: str) -> str:
    """Case- and whitespace-insensitive form of a text, for comparisons only."""
    return " ".join(value.split()).casefold()


@dataclass(frozen=True, kw_only=True)
class Address:
    """A postal address with the contact data the store attached to it."""

    first_name: str = ""
    last_name: str = ""
    company: str = ""
    street: str = ""
    street2: str = ""
    city: str = ""
    zip: str = ""
    state_code: str = ""
    country_code: str = ""  # ISO 3166-1 alpha-2, upper case
    email: str = ""  # stripped, lower case
    phone: str = ""  # as the buyer typed it, stripped
    vat: str = ""

    @property
    def name(self) -> str:
        """The person's full name ("First Last"), or the company when no person is named."""
        return " ".join(part for part in (self.first_name, self.last_name) if part) or self.company

    def is_empty(self) -> bool:
        """True when nothing here could receive a parcel.

        Country, state, e-mail or phone alone do not count: stores pre-fill the shipping country
        with their own, and a form left blank must not become a second partner address.
        """
        return not any(getattr(self, field) for field in _DELIVERABLE_FIELDS)

    def key(self) -> tuple[str, ...]:
        """The postal identity, ignoring case and whitespace, to tell two addresses apart.

        E-mail, phone and VAT are left out on purpose: a shipping address never carries an
        e-mail, so it would otherwise never equal the billing address it repeats.
        """
        return tuple(_fold(getattr(self, field)) for field in _POSTAL_FIELDS)


@dataclass(frozen=True, kw_only=True)
class Customer:
    """The buyer: a store account (``external_id``) or a guest (``external_id`` None)."""

    external_id: str | None
    email: str
    phone: str  # raw, as typed
    phone_e164: str | None  # "+36301234567" when the number is valid, else None
    billing: Address
    shipping: Address | None  # None when empty or the same place as billing
    vat: str
    company: str
    name: str


@dataclass(frozen=True, kw_only=True)
class TaxAmount:
    """The part of a line's tax that one store tax rate contributes."""

    rate_id: str
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class TaxRate:
    """A store tax rate an order used; importers map ``rate_id``/``code`` to an Odoo tax."""

    rate_id: str
    code: str
    label: str
    percent: Decimal | None  # None when the store does not say (older WooCommerce)
    compound: bool
    # What the store charged with this rate on the whole order, rounded as the store rounds:
    # the truth the line taxes are spread to. None when the store does not say.
    tax_total: Decimal | None = None  # on products and fees
    shipping_tax_total: Decimal | None = None  # on shipping


@dataclass(frozen=True, kw_only=True)
class OrderLine:
    """One order line of any kind; amounts are net (tax excluded), as the store computed them.

    ``subtotal`` is before coupon discounts and ``total`` after them; for shipping and fee lines
    they are equal. A coupon line carries information only: its (negative) amounts are already
    inside the product lines' totals.
    """

    kind: str  # one of LINE_KINDS
    external_id: str
    name: str
    quantity: Decimal
    subtotal: Decimal
    total: Decimal
    subtotal_tax: Decimal = ZERO
    total_tax: Decimal = ZERO
    taxes: tuple[TaxAmount, ...] = ()
    subtotal_taxes: tuple[TaxAmount, ...] = ()
    sku: str = ""
    product_external_id: str | None = None
    variation_external_id: str | None = None
    method_id: str = ""  # shipping method id, or the fee's tax status
    code: str = ""  # coupon code
    tax_class: str = ""
    # A variation's chosen options, (attribute name, value) as the shop shows them.
    attributes: tuple[tuple[str, str], ...] = ()
    parent_name: str = ""  # the variable product's name, for a variation line

    @classmethod
    def charge(cls, kind, external_id, name, amount, taxes=(), **extra) -> "OrderLine":
        """A line of one unit that is not goods (shipping, a fee, a discount of the whole
        order): ``amount`` net, ``taxes`` its ``TaxAmount``s, the same before and after
        coupons."""
        tax = sum((t.amount for t in taxes), ZERO)
        return cls(
            kind=kind,
            external_id=external_id,
            name=name,
            quantity=Decimal(1),
            subtotal=amount,
            total=amount,
            subtotal_tax=tax,
            total_tax=tax,
            taxes=tuple(taxes),
            subtotal_taxes=tuple(taxes),
            **extra,
        )

    @property
    def price_unit(self) -> Decimal:
        """Net unit price before discounts, unrounded (Odoo rounds to its own precision)."""
        return self.subtotal / self.quantity

    @property
    def discount_amount(self) -> Decimal:
        """Net amount the coupons took off this line."""
        return self.subtotal - self.total


@dataclass(frozen=True, kw_only=True)
class Order:
    """An order as the store sees it, with everything needed to build a sale order."""

    external_id: str
    number: str
    status: str
    currency: str
    created_at: datetime
    modified_at: datetime
    paid_at: datetime | None
    prices_include_tax: bool
    customer: Customer
    lines: tuple[OrderLine, ...]
    tax_rates: tuple[TaxRate, ...]
    total: Decimal
    total_tax: Decimal
    shipping_total: Decimal
    discount_total: Decimal
    discount_tax: Decimal
    cart_tax: Decimal
    shipping_tax: Decimal
    note: str
    payment_method: str
    payment_method_title: str
    transaction_id: str
    content_hash: str
    # Decimal places of the store's amounts (2 for most, 0 for a forint store): the store rounds
    # every line and total to these.
    decimals: int = 2  # sha256 of the payload minus volatile keys: equal hash, nothing to do
    # The store gives its amounts with tax included and no tax figure at all (Cartum): every
    # line's ``subtotal`` and ``total`` are gross, its ``taxes`` and ``subtotal_taxes`` name
    # the rate with a zero amount, and the rate's percent is unknown. The line planner takes
    # the tax out at the percentage of the Odoo tax the rate is mapped to.
    gross_amounts: bool = False

    @property
    def product_lines(self) -> tuple[OrderLine, ...]:
        """The lines that sell a product."""
        return self.lines_of("product")

    def lines_of(self, kind: str) -> tuple[OrderLine, ...]:
        """The lines of one kind (see ``LINE_KINDS``), in store order."""
        if kind not in LINE_KINDS:
            raise ValueError(f"unknown line kind {kind!r}")
        return tuple(line for line in self.lines if line.kind == kind)

    def computed_total(self) -> Decimal:
        """The order total re-added from its lines, the way the store adds it up.

        Coupon lines are left out because their discount is already inside the product lines'
        totals. Equal to ``total`` for a self-consistent payload; the importer compares the two.
        """
        return sum(
            (line.total + line.total_tax for line in self.lines if line.kind != "coupon"), ZERO
        )


@dataclass(frozen=True, kw_only=True)
class Product:
    """A sellable product, or one variation of a variable product.

    ``(external_id, variation_external_id)`` is the same pair an order line carries in
    ``(product_external_id, variation_external_id)``, so lines find their product directly.
    """

    external_id: str
    variation_external_id: str | None
    parent_external_id: str | None
    sku: str
    name: str
    description: str  # plain text
    type: str
    regular_price: Decimal | None
    sale_price: Decimal | None
    price: Decimal | None
    categories: tuple[tuple[str, ...], ...]  # one path of names per category, root first
    barcode: str
    attributes: tuple[tuple[str, str], ...]  # (attribute name, value)
    stock_quantity: int | None
    manage_stock: bool  # for a variation that says "parent": the parent product's
    modified_at: datetime
    virtual: bool = False  # nothing to ship (a service, a gift card)
    downloadable: bool = False  # a file to download: goods, but nothing in stock
    # A variation read without its parent whose stock the parent holds: ``manage_stock`` is
    # then the parent's, which only the parent's payload tells.
    stock_from_parent: bool = False
