"""Prices per customer group: the store's pricelist gives everyone's price and sale, each
mapped group's pricelist the group's own special, checked in the Shoprenter emulator."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from platform_kits import PlatformCase

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from storesync_common import StoresyncCase

SHOP_TZ = ZoneInfo("Europe/Budapest")
NO_DATE = "0000-00-00 00:00:00"


def _shop_time(moment):
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(SHOP_TZ).strftime("%Y-%m-%d %H:%M:%S")


@tagged("post_install", "-at_install")
class TestCustomerGroupPrices(PlatformCase, StoresyncCase):
    kit_name = "shoprenter"
    emulator_orders = 0
    emulator_products = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        shop = cls.emulator.store
        # The first seeded products carry a special of the merchant's own (priority 1).
        cls.inner = list(shop.products)[:3]
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": f"Group price product {index}",
                    "default_code": f"GRP-{inner}",
                    "list_price": 1000.0 * (index + 1),
                    "taxes_id": [(5, 0, 0)],
                }
                for index, inner in enumerate(cls.inner)
            ]
        )
        cls.env["storesync.product.binding"].create(
            [
                {
                    "store_id": cls.store.id,
                    "external_id": shop.product_rid(inner),
                    "product_id": product.id,
                }
                for inner, product in zip(cls.inner, cls.products, strict=True)
            ]
        )
        cls.store.export_prices = True
        cls.store.action_load_store_settings()
        cls.maps = {
            inner: cls.store.customer_group_map_ids.filtered(
                lambda row, inner=inner: row.store_group_id == shop.group_rid(inner)
            )
            for inner in (6, 8, 13)
        }
        huf = cls.pricelist.currency_id
        cls.regulars, cls.resellers = cls.env["product.pricelist"].create(
            [
                {"name": "Regular customers", "currency_id": huf.id},
                {"name": "Resellers", "currency_id": huf.id},
            ]
        )
        cls.now = fields.Datetime.now().replace(microsecond=0)
        cls.outbox = cls.env["storesync.outbox"]

    # ------------------------------------------------------------------ helpers
    def _rule(self, pricelist, product, price, days=None):
        dates = {}
        if days:
            dates = {
                "date_start": self.now + timedelta(days=days[0]),
                "date_end": self.now + timedelta(days=days[1]),
            }
        return self.env["product.pricelist.item"].create(
            {
                "pricelist_id": pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": product.id,
                "compute_price": "fixed",
                "fixed_price": price,
                **dates,
            }
        )

    def _specials(self, index, priority="7"):
        """``{group inner or None: (price, dateFrom, dateTo)}`` of one product's specials."""
        return {
            special["group"]: (special["price"], special["dateFrom"], special["dateTo"])
            for special in self.emulator.store.specials.values()
            if special["product_id"] == self.inner[index] and special["priority"] == priority
        }

    def setUp(self):
        super().setUp()
        # Shoprenter's 3 requests a second are kept and tested in test_shoprenter_store.
        self.emulator.store.configure(rate_limit=0)
        self.store.request_rate = 1000

    def _group_prices(self, index):
        """``{group inner: net price}`` of one product's customer group prices."""
        return dict(self.emulator.store.products[self.inner[index]]["group_prices"])

    def _rule_from(self, pricelist, product, price, quantity):
        return self.env["product.pricelist.item"].create(
            {
                "pricelist_id": pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": product.id,
                "compute_price": "fixed",
                "fixed_price": price,
                "min_quantity": quantity,
            }
        )

    def _export(self):
        self.outbox._cron_export()
        rows = self.outbox.search([("store_id", "=", self.store.id), ("kind", "=", "price")])
        self.assertFalse(
            rows.filtered(lambda r: r.state != "done"),
            "\n".join(f"{r.name}: {r.last_error}" for r in rows if r.state != "done"),
        )
        return rows

    def _queued(self, product):
        return self.outbox.search(
            [
                ("store_id", "=", self.store.id),
                ("kind", "=", "price"),
                ("product_id", "=", product.id),
                ("state", "=", "pending"),
            ]
        )

    # ------------------------------------------------------------------ tests
    def test_loading_settings_maps_the_groups(self):
        self.assertTrue(self.store.customer_group_prices)
        self.assertRecordValues(
            self.maps[8] | self.maps[6] | self.maps[13],
            [
                {"name": "Alapértelmezett", "is_default": True, "pricelist_id": False},
                {"name": "Törzsvásárló", "is_default": False, "pricelist_id": False},
                {"name": "Viszonteladó", "is_default": False, "pricelist_id": False},
            ],
        )
        self.maps[6].pricelist_id = self.regulars
        self.store.action_load_store_settings()
        self.assertEqual(len(self.store.customer_group_map_ids), 3, "no row twice")
        self.assertEqual(self.maps[6].pricelist_id, self.regulars, "the user's choice stays")

    def test_dated_group_rule_becomes_the_groups_special(self):
        self.maps[6].pricelist_id = self.regulars
        self.maps[13].pricelist_id = self.resellers
        self._export()  # mapping a pricelist queued the linked products
        first, second, third = self.products
        sale = self._rule(self.regulars, first, 800.0, days=(1, 10))
        self.assertTrue(self._queued(first), "a rule of a group's pricelist queues the product")
        self._rule(self.resellers, second, 1500.0)
        self._rule(self.pricelist, third, 2500.0, days=(-1, 5))
        self.outbox._enqueue(self.store, "price", self.products)
        self._export()

        self.assertEqual(
            self._specials(0),
            {
                6: (
                    Decimal("800"),
                    _shop_time(sale.date_start),
                    _shop_time(sale.date_end),
                )
            },
        )
        # a price without dates is the group's own price (customerGroupProductPrices)
        self.assertEqual(self._specials(1), {})
        self.assertEqual(self._group_prices(1), {13: Decimal("1500")})
        # the store's pricelist: the product price and everyone's special
        self.assertEqual(
            self._specials(2),
            {
                None: (
                    Decimal("2500"),
                    _shop_time(self.now - timedelta(days=1)),
                    _shop_time(self.now + timedelta(days=5)),
                )
            },
        )
        for index, product in enumerate(self.products):
            self.assertEqual(
                self.kit.price(self.emulator, self.emulator.store.product_rid(self.inner[index])),
                Decimal(str(product.list_price)),
                "a group's price never becomes the product's price",
            )

        # The sale ends in Odoo: the group's special goes, the merchant's stays.
        merchant = {i: self._specials(i, priority="1") for i in range(3)}
        self.assertTrue(all(merchant.values()), "the seeded shop has specials of its own")
        sale.unlink()
        self.assertTrue(self._queued(first))
        self._export()
        self.assertEqual(self._specials(0), {})
        self.assertEqual({i: self._specials(i, priority="1") for i in range(3)}, merchant)

    def test_group_without_own_pricelist_gets_nothing_of_its_own(self):
        first = self.products[0]
        self.maps[6].pricelist_id = self.regulars
        self._rule(self.regulars, first, 700.0, days=(1, 3))
        self._export()
        self.assertIn(6, self._specials(0))
        # Unmapping the pricelist clears what Odoo sent the group.
        self.maps[6].pricelist_id = False
        self.assertTrue(self._queued(first))
        self._export()
        self.assertEqual(self._specials(0), {})
        # A group on the store's own pricelist gets no copy of everyone's special.
        self._rule(self.pricelist, first, 600.0, days=(1, 3))
        self.maps[8].pricelist_id = self.pricelist
        self._export()
        self.assertEqual(list(self._specials(0)), [None])

    def test_quantity_rules_become_tier_specials_and_group_prices_follow_the_pricelist(self):
        first, second = self.products[:2]
        self.maps[13].pricelist_id = self.resellers
        # Everyone: 10+ for 900, 50+ for 850 (first product costs 1000).
        self._rule_from(self.pricelist, first, 900.0, 10)
        self._rule_from(self.pricelist, first, 850.0, 50)
        # Resellers: their own 950, and 20+ for 800.
        self._rule(self.resellers, first, 950.0)
        self._rule_from(self.resellers, first, 800.0, 20)
        self.outbox._enqueue(self.store, "price", first | second)
        self._export()
        tiers = {
            (s["group"], int(s["minQuantity"])): s["price"]
            for s in self.emulator.store.specials.values()
            if s["product_id"] == self.inner[0] and s["priority"] == "7"
        }
        self.assertEqual(
            tiers,
            {
                (None, 10): Decimal("900"),
                (None, 50): Decimal("850"),
                (13, 20): Decimal("800"),
            },
        )
        self.assertEqual(self._group_prices(0), {13: Decimal("950")})
        self.assertEqual(self._group_prices(1), {}, "the reseller pricelist has no rule for it")
        # Unmapping the group's pricelist removes its tiers; everyone's stay, and so does the
        # group's price: Odoo cannot tell its own from one the merchant set in the shop.
        self.maps[13].pricelist_id = False
        self._export()
        self.assertEqual(self._group_prices(0), {13: Decimal("950")})
        self.assertEqual(
            {
                (s["group"], int(s["minQuantity"]))
                for s in self.emulator.store.specials.values()
                if s["product_id"] == self.inner[0] and s["priority"] == "7"
            },
            {(None, 10), (None, 50)},
        )

    def test_the_merchants_group_prices_stay_for_groups_without_a_pricelist(self):
        shop = self.emulator.store
        shop.products[self.inner[0]]["group_prices"][6] = Decimal("999")
        self.outbox._enqueue(self.store, "price", self.products[0])
        self._export()
        self.assertEqual(self._group_prices(0).get(6), Decimal("999"))

    def test_group_pricelist_in_another_currency_is_refused(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        other = self.env["product.pricelist"].create({"name": "Euro", "currency_id": eur.id})
        with self.assertRaises(ValidationError):
            self.maps[6].pricelist_id = other
