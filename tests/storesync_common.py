"""Shared fixtures for the Odoo-side tests: a loopback store emulator and a store bound to it."""

import io
import socket
from unittest.mock import patch

from PIL import Image

from odoo.tests import TransactionCase

from store_emulator import EmulatorServer
from store_emulator.data import TAX_RATES

CONSUMER_KEY = "ck_test_0123456789"
CONSUMER_SECRET = "cs_test_0123456789"


def png(color):
    """A small real PNG picture of one colour (product pictures in tests)."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buffer, "PNG")
    return buffer.getvalue()


def closed_port():
    """A loopback port nobody listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StoresyncCase(TransactionCase):
    """A TransactionCase with a WooCommerce emulator on loopback and a store pointing at it.

    The emulator runs for the whole class (it holds no database state), the store record is
    created in the class transaction and rolled back with it. Each test starts from the
    emulator's state at the end of the class setup, as it starts from the class's database.
    """

    emulator_orders = 20
    emulator_products = 10
    emulator_seed = 7
    #: more ``EmulatorServer`` settings (currency, prices_include_tax, ...) for a class's shop
    emulator_options: dict = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator, cls.store = cls._emulated_store(
            "Emulated shop",
            seed=cls.emulator_seed,
            orders=cls.emulator_orders,
            products=cls.emulator_products,
            **cls.emulator_options,
        )

    @classmethod
    def _emulated_store(cls, name, *, seed, orders, products, store_values=None, **options):
        """A WooCommerce emulator on loopback (stopped with the class) and a store bound to
        it; the emulator's orders are history, so the store imports them all."""
        emulator = EmulatorServer(
            platform="woocommerce",
            seed=seed,
            orders=orders,
            products=products,
            consumer_key=CONSUMER_KEY,
            consumer_secret=CONSUMER_SECRET,
            port=0,
            **options,
        ).start()
        cls.addClassCleanup(emulator.stop)
        store = cls.env["storesync.store"].create(
            {
                "name": name,
                "platform": "woocommerce",
                "base_url": emulator.url,
                "consumer_key": CONSUMER_KEY,
                "consumer_secret": CONSUMER_SECRET,
                "timeout": 5,
                "import_orders_since": False,
                **(store_values or {}),
            }
        )
        return emulator, store

    def setUp(self):
        """Every test starts from the emulator as the class's setup left it: what one test
        does in the store (new orders, changed statuses, faults) never reaches another."""
        super().setUp()
        cls = type(self)
        if cls.__dict__.get("_emulator_state") is None:
            cls._emulator_state = self.emulator.store.snapshot()
        else:
            self.emulator.store.restore(cls._emulator_state)
            self.emulator.clear_faults()
            self.emulator.clear_request_log()
            # The previous test's last requests were paced by the store's request throttle,
            # whose bookings its rollback undid: this test's first ones would meet a rate
            # limit still counting them.
            self.emulator.reset_rate_limit()

    @classmethod
    def _setup_import_mappings(cls, store=None, currency="EUR", price_include=False):
        """What a merchant configures once: a pricelist in the store's currency, a tax per
        store rate (price-included for a store that enters gross prices), shipping.

        Taxes are created from the emulator's documented tax table (one Odoo tax per store
        rate, same percentage), so the mapping is what an integrator would set up by hand.
        """
        store = store or cls.store
        env = cls.env
        money = env.ref(f"base.{currency}")
        money.active = True
        pricelist = env["product.pricelist"].create(
            {"name": f"Web shop {currency}", "currency_id": money.id}
        )
        taxes = env["account.tax"].create(
            [
                {
                    "name": f"{rate.country} {rate.name} {rate.percent}% (store {rate.id})",
                    "amount": float(rate.percent),
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "company_id": store.company_id.id,
                    "price_include_override": "tax_included" if price_include else "tax_excluded",
                }
                for rate in TAX_RATES
            ]
        )
        shipping = env["product.product"].create({"name": "Web shop shipping", "type": "service"})
        store.write(
            {
                "pricelist_id": pricelist.id,
                "tax_map_ids": [
                    (0, 0, {"store_tax_id": str(rate.id), "label": rate.code, "tax_id": tax.id})
                    for rate, tax in zip(TAX_RATES, taxes, strict=True)
                ],
                "shipping_map_ids": [
                    (0, 0, {"method_id": method, "product_id": shipping.id})
                    for method in ("flat_rate", "free_shipping", "local_pickup")
                ],
            }
        )
        cls.taxes_by_rate = {str(rate.id): tax for rate, tax in zip(TAX_RATES, taxes, strict=True)}
        return pricelist

    @classmethod
    def _fetch_and_process(cls, store=None):
        """One fetch cron pass and processing of everything pending, as the crons would."""
        store = store or cls.store
        store._fetch_orders()
        return cls._process_pending(store)

    @classmethod
    def _process_pending(cls, store=None):
        store = store or cls.store
        inbox = cls.env["storesync.inbox"]
        while rows := inbox._lock_pending(store=store):
            rows._process()
        return inbox.search([("store_id", "=", store.id)])

    @classmethod
    def _patch_cron_commits(cls):
        """Crons commit their progress; a test transaction must not, so COMMIT is left out."""
        cron = type(cls.env["ir.cron"])
        cls.startClassPatcher(patch.object(cron, "_commit_progress", _no_commit))
        cls.trigger_mock = cls.startClassPatcher(patch.object(cron, "_trigger"))

    def _store_orders(self):
        store = self.emulator.store
        return {oid: store.order_json(order) for oid, order in store.orders.items()}

    def _sales(self, store=None):
        store = store or self.store
        return self.env["sale.order"].search([("storesync_store_id", "=", store.id)])


def _no_commit(self, processed=0, *, remaining=None, deactivate=False):
    return float("inf")
