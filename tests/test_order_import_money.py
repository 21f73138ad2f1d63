"""Money on real-shaped stores: tax-inclusive prices, a forint store, a currency other than the
company's. Every imported order comes to the store's total to the cent (or forint)."""

from decimal import Decimal

from odoo.tests import tagged

from storesync_common import StoresyncCase


class MoneyCase(StoresyncCase):
    """A store with its own emulator settings; every order is fetched and processed once."""

    emulator_orders = 40
    emulator_products = 12
    emulator_seed = 11
    currency = "EUR"
    prices_include_tax = False
    tax_round_at_subtotal = False

    @classmethod
    def setUpClass(cls):
        cls.emulator_options = {
            "currency": cls.currency,
            "prices_include_tax": cls.prices_include_tax,
            "tax_round_at_subtotal": cls.tax_round_at_subtotal,
        }
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings(currency=cls.currency, price_include=cls.prices_include_tax)
        cls.rows = cls._fetch_and_process()

    def _assert_exact(self):
        orders = self._store_orders()
        errors = self.rows.filtered(lambda r: r.state == "error")
        self.assertFalse(errors, "\n".join(errors.mapped("last_error")))
        sales = self._sales()
        self.assertTrue(sales)
        for sale in sales:
            payload = orders[int(sale.storesync_external_id)]
            self.assertEqual(sale.currency_id.name, self.currency)
            self.assertFalse(
                sale.currency_id.compare_amounts(sale.amount_total, float(payload["total"])),
                f"{sale.name}: Odoo {sale.amount_total}, store {payload['total']}",
            )
            self.assertFalse(
                sale.currency_id.compare_amounts(sale.amount_tax, float(payload["total_tax"])),
                f"{sale.name}: Odoo tax {sale.amount_tax}, store {payload['total_tax']}",
            )
        return sales, orders


@tagged("post_install", "-at_install")
class TestTaxInclusiveStore(MoneyCase):
    prices_include_tax = True

    def test_every_order_comes_to_the_store_total(self):
        sales, orders = self._assert_exact()
        payloads = [orders[int(sale.storesync_external_id)] for sale in sales]
        # The seed (fixed, not luck) holds what makes gross prices hard; the test says so.
        self.assertTrue(any(p["coupon_lines"] for p in payloads), "a coupon order")
        self.assertTrue(any(float(p["shipping_tax"]) for p in payloads), "shipping tax")
        self.assertTrue(all(p["prices_include_tax"] for p in payloads))

    def test_lines_show_gross_prices_with_included_taxes(self):
        sales, orders = self._assert_exact()
        for sale in sales:
            payload = orders[int(sale.storesync_external_id)]
            for raw in payload["line_items"]:
                line = sale.order_line.filtered(
                    lambda ol, raw=raw: ol.product_id.default_code == raw["sku"] and raw["sku"]
                )[:1]
                if not line or not line.tax_ids:
                    continue
                gross = Decimal(raw["subtotal"]) + Decimal(raw["subtotal_tax"])
                self.assertTrue(all(line.tax_ids.mapped("price_include")))
                self.assertAlmostEqual(
                    line.price_unit * line.product_uom_qty, float(gross), delta=0.011
                )


@tagged("post_install", "-at_install")
class TestForintStore(MoneyCase):
    """A Hungarian shop: forints, gross prices, the company in another currency."""

    currency = "HUF"
    prices_include_tax = True

    def test_every_order_comes_to_the_store_total_in_forints(self):
        sales, _orders = self._assert_exact()
        self.assertNotEqual(self.store.company_id.currency_id.name, "HUF")
        # The company's books get the converted amounts, the order keeps the store's.
        for sale in sales[:5]:
            self.assertEqual(sale.pricelist_id.currency_id.name, "HUF")


@tagged("post_install", "-at_install")
class TestForeignCurrencyStore(MoneyCase):
    """Prices without tax, in a currency the company does not use (pounds)."""

    currency = "GBP"

    def test_every_order_comes_to_the_store_total(self):
        self.assertNotEqual(self.store.company_id.currency_id.name, "GBP")
        self._assert_exact()


@tagged("post_install", "-at_install")
class TestRoundAtSubtotalStore(MoneyCase):
    """A store that rounds tax once per rate on the order, not per line."""

    tax_round_at_subtotal = True

    def test_every_order_comes_to_the_store_total(self):
        sales, orders = self._assert_exact()
        # The seed holds orders where the two roundings differ: the test says so.
        differ = [
            sale
            for sale in sales
            if sum(
                Decimal(line["total_tax"])
                for line in orders[int(sale.storesync_external_id)]["line_items"]
            )
            != sum(
                Decimal(tax["tax_total"])
                for tax in orders[int(sale.storesync_external_id)]["tax_lines"]
            )
        ]
        self.assertTrue(differ, "an order whose line taxes do not add up to its tax lines")
