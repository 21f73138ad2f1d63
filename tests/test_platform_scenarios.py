"""The same scenarios for every platform: exact import, updates, matching of the merchant's
contacts and products, stock, prices and status back to the store, faults, webhooks.

Written once against ``platform_kits.PlatformKit``; each platform is one subclass naming its
kit. Each platform's own peculiarities have their own test files.
"""

import re
import time
from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

import pytz
from platform_kits import PlatformCase

from odoo.tests import HttpCase, tagged
from odoo.tools import html2plaintext

from storesync_common import StoresyncCase


def _no_commit(*_args, **_kwargs):
    return float("inf")


class PlatformScenarios(PlatformCase):
    """Mixed into one ``StoresyncCase`` per platform; ``kit_name`` picks the platform."""

    emulator_orders = 40
    emulator_products = 12
    emulator_seed = 11

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()

    # ------------------------------------------------------------------ helpers
    def _errors(self, rows):
        errors = rows.filtered(lambda r: r.state == "error")
        return "\n".join(f"{r.name}: {r.last_error}" for r in errors)

    def _import_all(self):
        rows = self._fetch_and_process()
        self.assertFalse(self._errors(rows), self._errors(rows))
        return rows

    def _a_sold_product(self):
        """An Odoo product created by the import from a store product, with its binding."""
        self._import_all()
        bindings = self.env["storesync.product.binding"].search(
            [("store_id", "=", self.store.id), ("product_id.is_storable", "=", True)]
        )
        self.assertTrue(bindings, "the seeded orders sell storable products")
        return bindings[0]

    # ------------------------------------------------------------------ scenarios
    def test_history_imports_to_the_cent_once(self):
        rows = self._import_all()
        totals = self.kit.order_totals(self.emulator)
        sales = self._sales()
        skipped = rows.filtered(lambda r: r.kind == "order" and r.state == "skipped")
        self.assertTrue(sales)
        self.assertEqual(len(sales) + len(skipped), len(totals))
        for sale in sales:
            store_total = totals[sale.storesync_external_id]
            self.assertEqual(sale.currency_id.name, self.kit.currency)
            self.assertEqual(
                sale.currency_id.compare_amounts(sale.amount_total, float(store_total)),
                0,
                f"{sale.name}: {sale.amount_total} != {store_total}",
            )
            email = self.kit.buyer_email(self.emulator, sale.storesync_external_id)
            # (a guest may give a phone number and no e-mail)
            self.assertEqual(sale.partner_id.email or "", email.lower())
        count = len(sales)
        self._fetch_and_process()
        self.assertEqual(len(self._sales()), count, "a second sync creates nothing")

    def test_store_status_change_updates_the_order(self):
        product = self._a_sold_product().product_id
        external_id = self.kit.place_order(
            self.emulator, product.default_code, status=self.kit.statuses["processing"]
        )
        self._import_all()
        sale = self._sale(external_id)
        self.assertEqual(sale.state, "sale")
        self.kit.set_order_status(self.emulator, external_id, self.kit.statuses["cancelled"])
        self._import_all()
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(sale.storesync_status, self.kit.statuses["cancelled"])

    def test_merchant_contact_and_product_are_matched_and_kept(self):
        totals = self.kit.order_totals(self.emulator)
        external_id = next(oid for oid in totals if self.kit.buyer_email(self.emulator, oid))
        email = self.kit.buyer_email(self.emulator, external_id)
        sku = self.kit.order_skus(self.emulator, external_id)[0]
        contact = self.env["res.partner"].create(
            {"name": "Merchant's own contact", "email": email.upper(), "phone": "+3611234567"}
        )
        product = self.env["product.product"].create(
            {"name": "Merchant's own product", "default_code": sku, "list_price": 1.0}
        )
        self._import_all()
        sale = self._sale(external_id)
        if not sale:
            self.skipTest("the first seeded order is not imported (skipped status)")
        self.assertEqual(sale.partner_id, contact)
        self.assertEqual(contact.name, "Merchant's own contact")
        self.assertEqual(contact.phone, "+3611234567")
        self.assertIn(product, sale.order_line.product_id)
        self.assertEqual(product.name, "Merchant's own product")
        self.assertEqual(product.list_price, 1.0)
        self.assertFalse(contact.ref, "the merchant's contact gets no customer code")
        created = self.env["res.partner"].search([("storesync_created", "=", True)])
        self.assertTrue(created)
        self.assertEqual(len(set(created.mapped("ref"))), len(created), "unique customer codes")
        self.assertTrue(all(re.fullmatch(r"C\d{6}", ref or "") for ref in created.mapped("ref")))

    def test_stock_goes_back_to_the_store(self):
        binding = self._a_sold_product()
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.store.company_id.id)], limit=1
        )
        self.store.warehouse_id = warehouse
        binding.manage_stock = True
        self.env["stock.quant"]._update_available_quantity(
            binding.product_id, warehouse.lot_stock_id, 37
        )
        self.env["storesync.outbox"]._cron_export()
        expected = binding.product_id.with_context(warehouse_id=warehouse.id).free_qty
        self.assertEqual(self.kit.stock(self.emulator, binding.external_id), expected)

    def test_price_goes_back_to_the_store(self):
        binding = self._a_sold_product()
        self.store.write({"export_prices": True})
        self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": binding.product_id.id,
                "compute_price": "fixed",
                "fixed_price": 1234.0,
            }
        )
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(self.kit.price(self.emulator, binding.external_id), Decimal("1234"))

    def test_status_goes_back_to_the_store(self):
        product = self._a_sold_product().product_id
        external_id = self.kit.place_order(
            self.emulator, product.default_code, status=self.kit.statuses["processing"]
        )
        self._import_all()
        sale = self._sale(external_id)
        sale._action_cancel()
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(
            self.kit.order_status(self.emulator, external_id), self.kit.statuses["cancelled"]
        )

    def test_confirmed_orders_become_draft_invoices_to_the_cent(self):
        self.store.invoice_policy = "draft"
        self._import_all()
        totals = self.kit.order_totals(self.emulator)
        sales = self._sales().filtered(lambda s: s.state == "sale")
        self.assertTrue(sales)
        for sale in sales:
            invoice = sale.invoice_ids
            self.assertEqual(len(invoice), 1, sale.name)
            self.assertEqual(invoice.state, "draft")
            self.assertEqual(invoice.currency_id, sale.currency_id)
            self.assertEqual(
                invoice.currency_id.compare_amounts(
                    invoice.amount_total, float(totals[sale.storesync_external_id])
                ),
                0,
                f"{sale.name}: invoice {invoice.amount_total}, store "
                f"{totals[sale.storesync_external_id]}",
            )
            self.assertEqual(invoice.ref, sale.storesync_number)
            tz = pytz.timezone(sale.user_id.tz or "UTC")
            ordered = pytz.utc.localize(sale.storesync_created_at).astimezone(tz).date()
            self.assertEqual(invoice.invoice_date, ordered, sale.name)
            self.assertEqual(invoice.invoice_date_due, ordered + timedelta(days=8), sale.name)
            if sale.storesync_payment_method:
                self.assertIn(sale.storesync_payment_method, html2plaintext(invoice.narration))
            # Every order line (shipping, fees, coupons too) is an invoice line of its own.
            self.assertEqual(
                sorted(
                    (line.product_id.id, line.quantity, round(line.price_total, 2))
                    for line in invoice.invoice_line_ids
                ),
                sorted(
                    (line.product_id.id, line.product_uom_qty, round(line.price_total, 2))
                    for line in sale.order_line
                    if not line.display_type
                ),
                sale.name,
            )
        self._import_all()
        self.assertEqual(len(sales.invoice_ids), len(sales), "a second sync invoices nothing")

    def test_paid_orders_get_posted_invoices(self):
        self.store.invoice_policy = "paid"
        # Where the store's API says nothing of payment, its "completed" status does.
        completed = self.store.status_map_ids.filtered(
            lambda m: m.store_status == self.kit.statuses["completed"]
        )
        completed.paid = True
        self._import_all()
        sales = self._sales().filtered(lambda s: s.state == "sale")
        paid = sales.filtered("storesync_paid")
        self.assertTrue(paid, "the seeded shop has paid orders")
        for sale in sales:
            if sale.storesync_status == completed.store_status:
                self.assertTrue(sale.storesync_paid, sale.name)
            if sale.storesync_paid:
                self.assertEqual(sale.invoice_ids.mapped("state"), ["posted"], sale.name)
                self.assertFalse(
                    sale.currency_id.compare_amounts(
                        sale.invoice_ids.amount_total, sale.amount_total
                    )
                )
            else:
                self.assertFalse(sale.invoice_ids, sale.name)

    def test_order_changed_after_its_invoice_was_posted_is_an_error_row(self):
        product = self._a_sold_product().product_id
        self.store.invoice_policy = "draft"
        external_id = self.kit.place_order(
            self.emulator, product.default_code, status=self.kit.statuses["processing"]
        )
        self._import_all()
        sale = self._sale(external_id)
        sale.invoice_ids.action_post()
        self.kit.set_order_status(self.emulator, external_id, self.kit.statuses["cancelled"])
        rows = self._fetch_and_process()
        row = rows.filtered(lambda r: r.kind == "order" and r.external_id == external_id)
        self.assertEqual(row.state, "error")
        self.assertIn("after its invoice", row.last_error)
        self.assertIn(sale.invoice_ids.name, row.last_error)
        self.assertEqual(sale.state, "sale")
        self.assertEqual(len(sale.invoice_ids), 1, "no second invoice")

    def test_faults_lose_no_order(self):
        self.emulator.set_faults(["503", "500"], count=2)
        self.store._fetch_orders_safely()
        self.emulator.clear_faults()
        rows = self._fetch_and_process()
        orders = rows.filtered(lambda r: r.kind == "order")
        self.assertEqual(len(orders), len(self.kit.order_totals(self.emulator)))
        self.assertFalse(self._errors(rows))


@tagged("post_install", "-at_install")
class TestWooCommerceScenarios(PlatformScenarios, StoresyncCase):
    kit_name = "woocommerce"


class PlatformWebhookScenario(PlatformCase):
    """A new order in the store reaches Odoo through the store's own webhook delivery."""

    emulator_orders = 0
    emulator_products = 5

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(
            patch.object(type(cls.env["ir.cron"]), "_commit_progress", _no_commit)
        )

    def test_new_order_reaches_odoo_through_the_webhook(self):
        self.store.action_register_webhooks()
        self.env.flush_all()
        self.env.invalidate_all()
        deliveries = self.emulator.store.webhook_deliveries
        sku = next(iter(self._skus()))
        with self.allow_requests(all_requests=True):
            start = time.monotonic()
            external_id = self.kit.place_order(self.emulator, sku)
            while time.monotonic() - start < 10 and not any(
                d["topic"] == self.kit.created_topic and d.get("status") and not d.get("ping")
                for d in list(deliveries)
            ):
                time.sleep(0.05)
            elapsed = time.monotonic() - start
        [delivery] = [
            d for d in deliveries if d["topic"] == self.kit.created_topic and not d.get("ping")
        ]
        self.assertEqual(delivery["status"], 200, delivery)
        self.assertLess(elapsed, 5)
        # What the crons the delivery triggered do: fetch (when it is only a trigger), process.
        self.env["storesync.store"]._cron_fetch_requested_orders()
        self._process_pending()
        self.assertEqual(self._sale(external_id).state, "sale")

    def _skus(self):
        return self.kit.skus(self.emulator)


@tagged("post_install", "-at_install")
class TestWooCommerceWebhookScenario(PlatformWebhookScenario, StoresyncCase, HttpCase):
    kit_name = "woocommerce"


@tagged("post_install", "-at_install")
class TestShoprenterScenarios(PlatformScenarios, StoresyncCase):
    kit_name = "shoprenter"


@tagged("post_install", "-at_install")
class TestShoprenterWebhookScenario(PlatformWebhookScenario, StoresyncCase, HttpCase):
    kit_name = "shoprenter"


@tagged("post_install", "-at_install")
class TestCartumScenarios(PlatformScenarios, StoresyncCase):
    kit_name = "cartum"


@tagged("post_install", "-at_install")
class TestCartumWebhookScenario(PlatformWebhookScenario, StoresyncCase, HttpCase):
    kit_name = "cartum"


@tagged("post_install", "-at_install")
class TestVirtueMartScenarios(PlatformScenarios, StoresyncCase):
    """VirtueMart has no webhooks (its orders are read from the shop's database)."""

    kit_name = "virtuemart"
