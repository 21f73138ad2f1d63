"""Shared fixtures for the Odoo-side tests: a loopback store emulator and a store bound to it."""

from odoo.tests import TransactionCase

from store_emulator import EmulatorServer

CONSUMER_KEY = "ck_test_0123456789"
CONSUMER_SECRET = "cs_test_0123456789"


class StoresyncCase(TransactionCase):
    """A TransactionCase with a WooCommerce emulator on loopback and a store pointing at it.

    The emulator runs for the whole class (it holds no database state), the store record is
    created in the class transaction and rolled back with it.
    """

    emulator_orders = 20
    emulator_products = 10

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = EmulatorServer(
            platform="woocommerce",
            seed=7,
            orders=cls.emulator_orders,
            products=cls.emulator_products,
            consumer_key=CONSUMER_KEY,
            consumer_secret=CONSUMER_SECRET,
            port=0,
        ).start()
        cls.addClassCleanup(cls.emulator.stop)
        cls.store = cls.env["storesync.store"].create(
            {
                "name": "Emulated shop",
                "platform": "woocommerce",
                "base_url": cls.emulator.url,
                "consumer_key": CONSUMER_KEY,
                "consumer_secret": CONSUMER_SECRET,
                "timeout": 5,
            }
        )
