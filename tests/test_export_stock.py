"""Stock and price export: Odoo changes → outbox rows → batch calls the emulator applies."""

from datetime import timedelta
from unittest.mock import patch

import psycopg2.errors

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.storesync_connector.models import storesync_outbox as outbox_module

from storesync_common import StoresyncCase


@tagged("post_install", "-at_install")
class TestStockExport(StoresyncCase):
    emulator_orders = 0
    emulator_products = 300

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.store.warehouse_id = cls.warehouse
        simple = [p for p in cls.emulator.store.products.values() if p["type"] == "simple"]
        assert len(simple) >= 160, len(simple)
        cls.store_products = simple[:160]
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": item["name"],
                    "default_code": f"EXP-{item['id']}",
                    "type": "consu",
                    "is_storable": True,
                    "list_price": 10.0 + index,
                }
                for index, item in enumerate(cls.store_products)
            ]
        )
        cls.env["storesync.product.binding"].create(
            [
                {
                    "store_id": cls.store.id,
                    "external_id": str(item["id"]),
                    "product_id": p.id,
                    "manage_stock": True,
                }
                for item, p in zip(cls.store_products, cls.products, strict=True)
            ]
        )
        cls.spare_items = simple[160:]
        cls.external = {
            p.id: item["id"] for item, p in zip(cls.store_products, cls.products, strict=True)
        }

    def setUp(self):
        super().setUp()
        self.emulator.clear_faults()
        self.emulator.clear_request_log()
        self.outbox = self.env["storesync.outbox"]

    # ------------------------------------------------------------------ helpers
    def _change_stock(self, product, quantity):
        self.env["stock.quant"]._update_available_quantity(product, self.stock_location, quantity)

    def _batch_calls(self, path_end="products/batch"):
        return [
            entry
            for entry in self.emulator.request_log_snapshot()
            if entry["method"] == "POST" and entry["path"].endswith(path_end)
        ]

    def _store_qty(self, product):
        return self.emulator.store.products[self.external[product.id]]["stock_quantity"]

    def _rows(self, products, kind="stock"):
        return self.outbox.search(
            [
                ("store_id", "=", self.store.id),
                ("kind", "=", kind),
                ("product_id", "in", products.ids),
            ]
        )

    # ------------------------------------------------------------------ tests
    def test_changes_of_one_product_are_one_row(self):
        product = self.products[0]
        for _ in range(10):
            self._change_stock(product, 1)
        rows = self._rows(product)
        self.assertEqual(len(rows), 1)
        self.assertRecordValues(rows, [{"state": "pending", "revision": 10}])
        self.assertFalse(self._batch_calls(), "nothing is sent inside the user's transaction")

    def test_250_changes_on_150_products_are_two_calls(self):
        products = self.products[:150]
        for index, product in enumerate(products):
            self._change_stock(product, 5 + index)
        for product in products[:100]:
            self._change_stock(product, 2)
        self.assertEqual(len(self._rows(products).filtered(lambda r: r.state == "pending")), 150)

        self.outbox._cron_export()

        calls = self._batch_calls()
        self.assertEqual(len(calls), 2, "ceil(150 / 100) batch calls")
        self.assertTrue(all(call["status"] == 200 for call in calls))
        for index, product in enumerate(products):
            expected = 5 + index + (2 if index < 100 else 0)
            self.assertEqual(
                product.with_context(warehouse_id=self.warehouse.id).free_qty, expected
            )
            self.assertEqual(self._store_qty(product), expected, product.display_name)
        rows = self._rows(products)
        self.assertEqual(set(rows.mapped("state")), {"done"})
        self.assertEqual(rows[0].request[0]["stock_quantity"], self._store_qty(rows[0].product_id))

    def test_reservation_changes_free_quantity_only_in_free_mode(self):
        product = self.products[1]
        self._change_stock(product, 10)
        self.outbox._cron_export()
        self.assertEqual(self._store_qty(product), 10)

        self.env["stock.quant"]._update_reserved_quantity(product, self.stock_location, 3)
        self.assertEqual(self._rows(product).state, "pending")
        self.outbox._cron_export()
        self.assertEqual(self._store_qty(product), 7, "free to use = on hand - reserved")

        self.store.stock_quantity_mode = "on_hand"
        self.env["stock.quant"]._update_reserved_quantity(product, self.stock_location, -3)
        self.assertEqual(self._rows(product).state, "done", "a release changes no on-hand figure")
        self._change_stock(product, 1)
        self.outbox._cron_export()
        self.assertEqual(self._store_qty(product), 11)

    def test_other_warehouse_and_unlinked_products_are_not_queued(self):
        other = self.env["stock.warehouse"].create({"name": "Other WH", "code": "OTH"})
        self._change_stock(self.products[2], 4)
        rows_before = self._rows(self.products[2])
        self.env["stock.quant"]._update_available_quantity(self.products[3], other.lot_stock_id, 4)
        self.assertFalse(self._rows(self.products[3]), "stock of another warehouse")
        unlinked = self.env["product.product"].create({"name": "Local only", "is_storable": True})
        self._change_stock(unlinked, 4)
        self.assertFalse(self.outbox.search([("product_id", "=", unlinked.id)]))
        self.assertEqual(len(rows_before), 1)

    def test_products_outside_the_filter_are_never_sent(self):
        inside, outside = self.products[4], self.products[5]
        self.store.product_filter = repr([("default_code", "!=", outside.default_code)])
        before = self._store_qty(outside)
        writes_before = len(self.emulator.store.product_writes())
        self._change_stock(inside, 6)
        self._change_stock(outside, 6)
        self.outbox._cron_export()
        self.assertEqual(self._store_qty(inside), 6)
        self.assertEqual(self._store_qty(outside), before)
        sent = {
            write["product_id"] for write in self.emulator.store.product_writes()[writes_before:]
        }
        self.assertIn(self.external[inside.id], sent)
        self.assertNotIn(self.external[outside.id], sent)
        self.assertRecordValues(self._rows(outside), [{"state": "skipped"}])
        self.assertIn("filter", self._rows(outside).last_error)

    def test_only_stocked_products_the_store_manages_get_a_quantity(self):
        """Export all now never sets a quantity on a service, a good Odoo does not count or a
        store product that keeps no stock (a download would go out of stock)."""
        stocked = [i for i in self.spare_items if i["manage_stock"] and i["stock_quantity"]]
        unmanaged = next(i for i in self.spare_items if not i["manage_stock"])
        kinds = {
            "service": ({"type": "service"}, True, stocked[0]),
            "consumable": ({"type": "consu", "is_storable": False}, True, stocked[1]),
            "unmanaged": ({"type": "consu", "is_storable": True}, False, unmanaged),
            "managed": ({"type": "consu", "is_storable": True}, True, stocked[2]),
        }
        products, before = {}, {}
        for kind, (values, manage_stock, item) in kinds.items():
            product = self.env["product.product"].create({"name": kind, **values})
            self.env["storesync.product.binding"].create(
                {
                    "store_id": self.store.id,
                    "external_id": str(item["id"]),
                    "product_id": product.id,
                    "manage_stock": manage_stock,
                }
            )
            products[kind] = product
            before[kind] = {
                key: item[key] for key in ("manage_stock", "stock_quantity", "stock_status")
            }
        self._change_stock(products["managed"], 4)
        self.store.product_filter = repr([("id", "in", [p.id for p in products.values()])])
        writes_before = len(self.emulator.store.product_writes())

        self.store.action_export_all()
        self.outbox._cron_export()

        written = {w["product_id"] for w in self.emulator.store.product_writes()[writes_before:]}
        self.assertEqual(written, {kinds["managed"][2]["id"]})
        self.assertEqual(
            self.emulator.store.products[kinds["managed"][2]["id"]]["stock_quantity"], 4
        )
        for kind in ("service", "consumable", "unmanaged"):
            item = self.emulator.store.products[kinds[kind][2]["id"]]
            self.assertEqual(
                {key: item[key] for key in before[kind]}, before[kind], f"{kind}: untouched"
            )
        rows = {kind: self._rows(product) for kind, product in products.items()}
        self.assertRecordValues(
            rows["managed"],
            [
                {
                    "state": "done",
                    "request": [
                        {
                            "id": str(kinds["managed"][2]["id"]),
                            "parent_id": None,
                            "manage_stock": True,
                            "stock_quantity": 4,
                        }
                    ],
                }
            ],
        )
        for kind in ("service", "consumable"):
            self.assertEqual(rows[kind].state, "skipped")
            self.assertIn("not tracked in stock in Odoo", rows[kind].last_error)
        self.assertEqual(rows["unmanaged"].state, "skipped")
        self.assertIn("does not manage its stock", rows["unmanaged"].last_error)

    def test_bad_filter_is_refused(self):
        with self.assertRaises(ValidationError):
            self.store.product_filter = "[('no_such_field', '=', 1)]"

    def test_export_all_now_queues_every_matching_product(self):
        self.store.product_filter = repr([("id", "in", self.products[:3].ids)])
        self.store.action_export_all()
        rows = self.outbox.search([("store_id", "=", self.store.id), ("state", "=", "pending")])
        self.assertEqual(rows.product_id, self.products[:3])
        self.outbox._cron_export()
        self.assertEqual(len(self._batch_calls()), 1)

    def test_rate_limit_and_server_errors_are_retried_without_duplicates(self):
        products = self.products[10:20]
        for product in products:
            self._change_stock(product, 3)
        self.emulator.set_faults(["429", "503"], count=2, retry_after=0, path_regex="batch")
        self.outbox._cron_export()
        self.assertEqual(set(self._rows(products).mapped("state")), {"done"})
        applied = [call for call in self._batch_calls() if call["status"] == 200]
        self.assertEqual(len(applied), 1, "retried by the HTTP layer, applied once")
        for product in products:
            self.assertEqual(self._store_qty(product), 3)

    def test_store_down_keeps_rows_pending_for_later(self):
        products = self.products[20:23]
        for product in products:
            self._change_stock(product, 8)
        self.emulator.set_faults(["500"], count=50, path_regex="batch")
        self.outbox._cron_export()
        rows = self._rows(products)
        self.assertEqual(set(rows.mapped("state")), {"pending"})
        self.assertTrue(all(row.attempts == 1 and row.next_attempt for row in rows))
        self.assertIn("internal error", rows[0].last_error)
        self.outbox._cron_export()
        self.assertEqual(set(rows.mapped("attempts")), {1}, "not due yet: nothing is resent")

        self.emulator.clear_faults()
        rows.write({"next_attempt": fields.Datetime.now() - timedelta(seconds=1)})
        self.outbox._cron_export()
        self.assertEqual(set(rows.mapped("state")), {"done"})
        for product in products:
            self.assertEqual(self._store_qty(product), 8)

    def test_a_refused_item_marks_only_its_row(self):
        good, bad = self.products[30], self.products[31]
        binding = self.env["storesync.product.binding"].search([("product_id", "=", bad.id)])
        binding.external_id = "999999"  # gone from the store
        self._change_stock(good, 2)
        self._change_stock(bad, 2)
        self.outbox._cron_export()
        self.assertEqual(len(self._batch_calls()), 1)
        self.assertRecordValues(self._rows(good), [{"state": "done"}])
        self.assertRecordValues(self._rows(bad), [{"state": "error"}])
        self.assertIn("999999", self._rows(bad).last_error)
        self.assertEqual(self._store_qty(good), 2)

    def test_a_change_while_sending_is_sent_again(self):
        product = self.products[40]
        self._change_stock(product, 1)
        rows, revisions = self.outbox._claim()
        self._change_stock(product, 1)  # arrives while the first value is on its way
        rows._send(revisions)
        row = self._rows(product)
        self.assertEqual(row.state, "pending")
        self.outbox._cron_export()
        self.assertEqual(row.state, "done")
        self.assertEqual(self._store_qty(product), 2)

    def test_rows_of_a_killed_export_worker_are_sent_by_the_next(self):
        """A worker killed with rows leased: its connection is gone, so the next export run
        sends them at once instead of when the ten-minute lease runs out."""
        product = self.products[41]
        self._change_stock(product, 3)
        rows, _revisions = self.outbox._claim()
        self.assertTrue(rows)
        other = self.registry.cursor()
        self.addCleanup(other.close)
        other.execute("SELECT pg_backend_pid()")
        rows.flush_recordset()
        self.env.cr.execute(
            "UPDATE storesync_outbox SET lease_pid = %s WHERE id IN %s",
            [other.fetchone()[0], tuple(rows.ids)],
        )
        rows.invalidate_recordset()
        self.assertFalse(self.outbox._claim()[0], "a live holder keeps its rows")
        self.env.cr.execute(
            "UPDATE storesync_outbox SET lease_pid = 2147483000 WHERE id IN %s", [tuple(rows.ids)]
        )
        rows.invalidate_recordset()
        self.outbox._cron_export()
        self.assertEqual(self._rows(product).state, "done")
        self.assertEqual(self._store_qty(product), 3)

    def test_a_row_requeued_by_a_concurrent_transaction_goes_again(self):
        """make reliability, stores down: a stock row re-queued (orders reserving stock) by a
        transaction committed while the call was on its way cannot be written by this one
        (REPEATABLE READ). The export job does not fail on it (its lease stayed for minutes):
        the row is released after the commit and the next claim sends the new value."""
        first, second = self.products[42], self.products[43]
        self._change_stock(first, 4)
        self._change_stock(second, 5)
        Outbox = type(self.outbox)
        original = Outbox._write_outcome
        raced = self._rows(first)
        races = []

        def write(outbox, row, values, revision, now):
            if row == raced and not races:
                races.append(row)
                raise psycopg2.errors.SerializationFailure("could not serialize access")
            return original(outbox, row, values, revision, now)

        sent = []
        original_send = Outbox._send

        def send(rows, revisions):
            sent.append(set(rows.ids))
            return original_send(rows, revisions)

        with (
            patch.object(Outbox, "_write_outcome", write),
            patch.object(Outbox, "_send", send),
        ):
            self.outbox._cron_export()
        self.assertEqual(races, [raced])
        self.assertEqual(self._rows(second).state, "done")
        # The same run took the row again once its lease was released, and sent it.
        self.assertEqual([raced.id in ids for ids in sent], [True, True])
        self.assertRecordValues(raced, [{"state": "done", "lease_until": False}])
        self.assertEqual(self._store_qty(first), 4)

    def test_a_row_the_export_is_writing_is_queued_after_the_commit(self):
        """make bench, webhook burst on Odoo's two cron threads: the export job wrote a stock
        row after the processing job's transaction began, so the processing job's re-queue
        of it failed to serialize and took its whole batch of orders down. It is queued
        right after the commit instead, and the orders go on."""
        product = self.products[42]
        self._change_stock(product, 4)
        row = self._rows(product)
        self.outbox._cron_export()
        self.assertEqual(row.state, "done")
        Outbox = type(self.outbox)
        original = Outbox._upsert_rows
        races = []

        def upsert(outbox, kind, pairs):
            if not races:
                races.append(pairs)
                raise psycopg2.errors.SerializationFailure("could not serialize access")
            return original(outbox, kind, pairs)

        with patch.object(Outbox, "_upsert_rows", upsert):
            queued = self.outbox._enqueue_pairs("stock", [(self.store.id, product.id)])
            self.assertEqual(queued, 1)
            self.assertEqual(races, [[(self.store.id, product.id)]])
            self.assertEqual(row.state, "done", "not in this transaction")
            self.env.flush_all()  # the transaction goes on after the failed statement
            # The hook's own transaction wraps the test's, as a commit would show it.
            self.registry_enter_test_mode()
            self.env.cr.postcommit.run()
        row.invalidate_recordset()
        self.assertRecordValues(row, [{"state": "pending", "revision": 2}])
        self.outbox._cron_export()
        self.assertEqual(self._store_qty(product), 4)
        self.assertEqual(row.state, "done")

    def test_variations_of_one_parent_travel_together(self):
        parents = [
            p
            for p in self.emulator.store.products.values()
            if p["type"] == "variable" and len(p["variations"]) >= 4
        ][:2]
        self.assertEqual(len(parents), 2)
        products = {}
        for index in range(4):  # interleaved: p1 v1, p2 v1, p1 v2, p2 v2, ...
            for parent in parents:
                variation_id = parent["variations"][index]
                product = self.env["product.product"].create(
                    {"name": f"V {variation_id}", "is_storable": True}
                )
                self.env["storesync.product.binding"].create(
                    {
                        "store_id": self.store.id,
                        "external_id": str(parent["id"]),
                        "variation_id": str(variation_id),
                        "product_id": product.id,
                        "manage_stock": True,
                    }
                )
                products[variation_id] = product
        for product in products.values():
            self._change_stock(product, 3)
        # Claims of 4 rows: each must hold one parent's variations, not two halves of two.
        with patch.dict(outbox_module.CLAIM_SIZE, {"stock": 4}):
            self.outbox._cron_export()
        calls = self._batch_calls("variations/batch")
        self.assertEqual(len(calls), 2, [c["path"] for c in calls])
        for variation_id in products:
            self.assertEqual(self.emulator.store.variations[variation_id]["stock_quantity"], 3)

    def test_variations_go_to_the_variations_batch(self):
        parent = next(p for p in self.emulator.store.products.values() if p["type"] == "variable")
        variation_id = parent["variations"][0]
        product = self.env["product.product"].create({"name": "Variant", "is_storable": True})
        self.env["storesync.product.binding"].create(
            {
                "store_id": self.store.id,
                "external_id": str(parent["id"]),
                "variation_id": str(variation_id),
                "product_id": product.id,
                "manage_stock": True,
            }
        )
        self._change_stock(product, 9)
        self.outbox._cron_export()
        calls = self._batch_calls(f"products/{parent['id']}/variations/batch")
        self.assertEqual(len(calls), 1)
        self.assertEqual(self.emulator.store.variations[variation_id]["stock_quantity"], 9)


@tagged("post_install", "-at_install")
class TestPriceExport(StoresyncCase):
    emulator_orders = 0
    emulator_products = 30

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        simple = [p for p in cls.emulator.store.products.values() if p["type"] == "simple"]
        cls.items = simple[:3]
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Store prices", "currency_id": cls.env.company.currency_id.id}
        )
        cls.products = cls.env["product.product"].create(
            [{"name": item["name"], "list_price": 20.0} for item in cls.items]
        )
        cls.env["storesync.product.binding"].create(
            [
                {"store_id": cls.store.id, "external_id": str(item["id"]), "product_id": p.id}
                for item, p in zip(cls.items, cls.products, strict=True)
            ]
        )
        cls.store.write({"pricelist_id": cls.pricelist.id, "export_prices": True})

    def setUp(self):
        super().setUp()
        self.outbox = self.env["storesync.outbox"]
        self.outbox._cron_export()  # what switching the export on queued
        self.emulator.clear_request_log()

    def _store_item(self, index):
        return self.emulator.store.products[self.items[index]["id"]]

    def test_switching_price_export_on_sends_every_price(self):
        for index in range(3):
            self.assertEqual(self._store_item(index)["regular_price"], "20.00")

    def test_list_price_change_is_sent(self):
        self.products[0].list_price = 24.5
        self.assertEqual(
            self.outbox.search([("kind", "=", "price"), ("state", "=", "pending")]).product_id,
            self.products[0],
        )
        self.outbox._cron_export()
        self.assertEqual(self._store_item(0)["regular_price"], "24.50")
        self.assertEqual(self._store_item(0)["sale_price"], "")

    def test_dated_pricelist_rule_becomes_a_sale_with_dates(self):
        start = fields.Datetime.now().replace(microsecond=0) + timedelta(days=1)
        end = start + timedelta(days=7)
        self.env["product.pricelist.item"].create(
            [
                {
                    "pricelist_id": self.pricelist.id,
                    "applied_on": "0_product_variant",
                    "product_id": self.products[1].id,
                    "compute_price": "fixed",
                    "fixed_price": 22.0,
                },
                {
                    "pricelist_id": self.pricelist.id,
                    "applied_on": "0_product_variant",
                    "product_id": self.products[1].id,
                    "compute_price": "percentage",
                    "percent_price": 25,
                    "date_start": start,
                    "date_end": end,
                },
            ]
        )
        self.outbox._cron_export()
        item = self._store_item(1)
        self.assertEqual(item["regular_price"], "22.00")
        # the dated rule applies to the product's list price (25 % off 20.00)
        self.assertEqual(item["sale_price"], "15.00")
        self.assertEqual(item["date_on_sale_from_gmt"], start.isoformat())
        self.assertEqual(item["date_on_sale_to_gmt"], end.isoformat())
        self.assertEqual(self._store_item(0)["sale_price"], "", "other products untouched")

    def test_store_prices_with_tax_get_the_products_sales_tax(self):
        vat = self.env["account.tax"].create(
            {"name": "VAT 27% (excluded)", "amount": 27, "type_tax_use": "sale"}
        )
        self.products[2].write({"taxes_id": [(6, 0, vat.ids)], "list_price": 100.0})
        self.store.prices_include_tax = True
        self.outbox._cron_export()
        self.assertEqual(self._store_item(2)["regular_price"], "127.00")
        self.store.prices_include_tax = False  # queues every price again
        self.outbox._cron_export()
        self.assertEqual(self._store_item(2)["regular_price"], "100.00")

    def test_price_export_off_sends_nothing(self):
        self.store.export_prices = False
        self.products[2].list_price = 99
        self.outbox._cron_export()
        self.assertEqual(self._store_item(2)["regular_price"], "20.00")


@tagged("post_install", "-at_install")
class TestStockExportFromOdooFlows(StoresyncCase):
    """The queue fills from what users do, not only from quant updates: an inventory
    adjustment, a validated receipt; and it asks the export cron to run at once."""

    emulator_orders = 0
    emulator_products = 12

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.store.warehouse_id = cls.warehouse
        item = next(p for p in cls.emulator.store.products.values() if p["type"] == "simple")
        cls.item_id = item["id"]
        cls.product = cls.env["product.product"].create(
            {"name": item["name"], "type": "consu", "is_storable": True}
        )
        cls.env["storesync.product.binding"].create(
            {
                "store_id": cls.store.id,
                "external_id": str(item["id"]),
                "product_id": cls.product.id,
                "manage_stock": True,
            }
        )

    def _row(self):
        return self.env["storesync.outbox"].search([("product_id", "=", self.product.id)])

    def test_inventory_adjustment_is_queued_triggered_and_sent(self):
        self.env.cr.precommit.data.pop("storesync_export_triggered", None)
        self.trigger_mock.reset_mock()
        quant = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                {
                    "product_id": self.product.id,
                    "location_id": self.warehouse.lot_stock_id.id,
                    "inventory_quantity": 17,
                }
            )
        )
        quant.action_apply_inventory()
        self.assertEqual(self._row().state, "pending")
        self.trigger_mock.assert_called()
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(self.emulator.store.products[self.item_id]["stock_quantity"], 17)

    def test_validated_receipt_is_sent(self):
        picking_type = self.warehouse.in_type_id
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": picking_type.default_location_src_id.id,
                "location_dest_id": self.warehouse.lot_stock_id.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 6,
                            "location_id": picking_type.default_location_src_id.id,
                            "location_dest_id": self.warehouse.lot_stock_id.id,
                        },
                    )
                ],
            }
        )
        receipt.action_confirm()
        self.assertFalse(self._row(), "an incoming move waiting changes nothing yet")
        receipt.move_ids.write({"quantity": 6, "picked": True})
        receipt._action_done()
        self.assertEqual(self._row().state, "pending")
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(self.emulator.store.products[self.item_id]["stock_quantity"], 6)

    def test_retry_ignore_and_vacuum(self):
        product = self.product
        self.env["stock.quant"]._update_available_quantity(product, self.warehouse.lot_stock_id, 2)
        row = self.env["storesync.outbox"].search([("product_id", "=", product.id)])
        row.action_ignore()
        self.assertEqual(row.state, "skipped")
        self.assertIn("Ignored", row.last_error)
        row.action_retry()
        self.assertRecordValues(row, [{"state": "pending", "attempts": 0, "last_error": False}])
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(row.state, "done")
        self.env["storesync.outbox"]._cron_vacuum()
        self.assertTrue(row.exists(), "recent rows stay")
        self.env.cr.execute(
            "UPDATE storesync_outbox SET write_date = now() - interval '400 days' WHERE id = %s",
            [row.id],
        )
        row.invalidate_recordset()
        self.env["storesync.outbox"]._cron_vacuum()
        self.assertFalse(row.exists())
