"""The import core's rules on odd orders: drafts, fees, skipped orders, broken payloads and a
fetch cron that goes on when one store fails."""

import copy
from unittest.mock import patch

from odoo.tests import tagged

from storesync_common import CONSUMER_KEY, CONSUMER_SECRET, StoresyncCase


@tagged("post_install", "-at_install")
class TestImportCore(StoresyncCase):
    emulator_orders = 10
    emulator_products = 8

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()
        cls.inbox = cls.env["storesync.inbox"]

    def _payload(self, **changes):
        [order_id] = self.emulator.store.create_orders(1, status="processing")
        payload = copy.deepcopy(self._store_orders()[order_id])
        payload.update(changes)
        return payload

    def _rows_for(self, *payloads):
        adapter = self.store._get_adapter_class()
        items = [dict(adapter.describe_order(p), payload=p) for p in payloads]
        self.inbox._upsert(self.store, "order", items)
        rows = self.inbox.search(
            [
                ("store_id", "=", self.store.id),
                ("kind", "=", "order"),
                ("external_id", "in", [item["external_id"] for item in items]),
            ]
        )
        rows._process()
        return rows

    def test_an_admin_draft_without_lines_is_skipped_with_its_reason(self):
        payload = self._payload(line_items=[], coupon_lines=[], fee_lines=[], shipping_lines=[])
        payload.update(total="0.00", total_tax="0.00", tax_lines=[], status="pending")
        row = self._rows_for(payload)
        self.assertEqual(row.state, "skipped")
        self.assertIn("no product lines", row.last_error)
        self.assertFalse(row.order_id)

    def test_create_missing_mappings_on_a_malformed_row_explains_itself(self):
        payload = self._payload()
        payload["line_items"][0]["quantity"] = "two"
        row = self._rows_for(payload)
        self.assertEqual(row.state, "error")
        with self.assertRaisesRegex(Exception, "cannot be read.*line_items\\[0\\]\\.quantity"):
            row.action_create_missing_mappings()

    def test_fees_use_the_store_fee_product_with_their_own_names(self):
        fee_product = self.env["product.product"].create({"name": "Shop fees", "type": "service"})
        self.store.fee_product_id = fee_product
        payload = self._payload()
        total = float(payload["total"])
        payload["fee_lines"] += [
            {
                "id": 901,
                "name": "Gift wrapping",
                "tax_class": "",
                "tax_status": "none",
                "total": "2.50",
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            },
            {
                "id": 902,
                "name": "Cash on delivery",
                "tax_class": "",
                "tax_status": "none",
                "total": "1.50",
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            },
        ]
        payload["total"] = f"{total + 4:.2f}"
        row = self._rows_for(payload)
        self.assertEqual(row.state, "done", row.last_error)
        fees = row.order_id.order_line.filtered(lambda line: line.product_id == fee_product)
        names = fees.mapped("name")
        self.assertIn("Cash on delivery", names)
        self.assertIn("Gift wrapping", names)
        self.assertEqual(len(fees), len(payload["fee_lines"]))
        # The connector's fee and discount records are found by XML id, not by a name.
        default = self.env.ref("storesync_connector.product_store_fee")
        self.assertEqual(self.env["storesync.store"].new({}).fee_product_id, default)

    def test_no_products_are_created_for_orders_that_are_skipped(self):
        self.store.status_map_ids.filtered(lambda m: m.store_status == "failed").action = "skip"
        emulated = self.emulator.store
        [order_id] = emulated.create_orders(1, status="failed")
        # The failed order sells a product no other order sells.
        product = emulated.create_product({"name": "Only in a failed order", "sku": "FAIL-1"})
        emulated.orders[order_id]["line_items"][0].update(product_id=product["id"], sku="FAIL-1")
        line_ids = {str(product["id"])}
        rows = self._fetch_and_process()
        row = rows.filtered(lambda r: r.kind == "order" and r.external_id == str(order_id))
        self.assertEqual(row.state, "skipped")
        product_rows = rows.filtered(lambda r: r.kind == "product")
        self.assertFalse(line_ids & set(product_rows.mapped("external_id")))
        bound = self.env["storesync.product.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "in", list(line_ids))]
        )
        self.assertFalse(bound, "a product of the skipped order was created")


@tagged("post_install", "-at_install")
class TestFetchCronIsolation(StoresyncCase):
    emulator_orders = 6
    emulator_products = 4

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls.broken = cls.env["storesync.store"].create(
            {
                "name": "Broken shop",
                "platform": "woocommerce",
                "base_url": f"{cls.emulator.url}/broken",
                "consumer_key": CONSUMER_KEY,
                "consumer_secret": CONSUMER_SECRET,
                "sequence": 1,  # fetched first
            }
        )

    def test_one_stores_unexpected_error_never_stops_the_others(self):
        Store = type(self.env["storesync.store"])
        original = Store._fetch_orders

        def fetch(store):
            if store == self.broken:
                raise KeyError("a payload nobody foresaw")
            return original(store)

        with patch.object(Store, "_fetch_orders", fetch):
            self.env["storesync.store"]._cron_fetch_orders()
        self.assertIn("KeyError", self.broken.orders_fetch_error)
        rows = self.env["storesync.inbox"].search([("store_id", "=", self.store.id)])
        self.assertEqual(len(rows.filtered(lambda r: r.kind == "order")), self.emulator_orders)
        self.assertFalse(self.store.orders_fetch_error)
