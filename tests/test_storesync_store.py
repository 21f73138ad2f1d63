"""The store model: defaults, normalisation, constraints and its adapter."""

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestStoresyncStore(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Store = cls.env["storesync.store"]

    def _create(self, **vals):
        return self.Store.create({"name": "Shop", "base_url": "https://shop.example.com", **vals})

    def test_defaults(self):
        store = self._create()
        self.assertRecordValues(
            store,
            [
                {
                    "platform": "woocommerce",
                    "company_id": self.env.company.id,
                    "product_match_key": "sku",
                    "import_orders": True,
                    "export_stock": True,
                    "import_interval": 1,
                    "timeout": 30,
                    "active": True,
                    "lang": self.env.lang,
                }
            ],
        )

    def test_platform_selection_lists_woocommerce(self):
        selection = dict(self.Store._fields["platform"]._description_selection(self.env))
        self.assertEqual(selection.get("woocommerce"), "WooCommerce")

    def test_url_is_normalised(self):
        store = self._create(base_url="  https://shop.example.com/wp/  ")
        self.assertEqual(store.base_url, "https://shop.example.com/wp")
        store.write({"base_url": "https://other.example.com/"})
        self.assertEqual(store.base_url, "https://other.example.com")

    def test_url_must_be_http(self):
        for bad in ("shop.example.com", "ftp://shop.example.com", "https://"):
            with self.subTest(url=bad), self.assertRaises(ValidationError):
                self._create(base_url=bad)

    def test_same_store_twice_in_one_company_is_refused(self):
        self._create()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._create(name="Shop again", base_url="https://shop.example.com/")

    def test_same_store_in_another_company_is_allowed(self):
        other = self.env["res.company"].create({"name": "Other company"})
        self._create()
        store = self._create(company_id=other.id)
        self.assertEqual(store.company_id, other)

    def test_intervals_must_be_positive(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._create(import_interval=0)

    def test_adapter_gets_url_credentials_and_timeout(self):
        store = self._create(consumer_key="ck_x", consumer_secret="cs_y", timeout=7)
        adapter = store._get_adapter()
        self.assertEqual(type(adapter).platform, "woocommerce")
        self.assertEqual(adapter.base_url, "https://shop.example.com")
        self.assertEqual(adapter.credentials, {"consumer_key": "ck_x", "consumer_secret": "cs_y"})

    def test_credentials_are_not_copied(self):
        store = self._create(consumer_key="ck_x", consumer_secret="cs_y")
        copy = store.copy({"base_url": "https://copy.example.com"})
        self.assertFalse(copy.consumer_key)
        self.assertFalse(copy.consumer_secret)
