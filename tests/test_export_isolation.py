"""Export cron isolation: one store's trouble stays its own, stores take turns, and nothing
is written to the database before the store has answered."""

import re
import time
from unittest.mock import patch

from odoo.sql_db import Cursor
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.storesync_connector.models import storesync_outbox as outbox_module

from storesync_common import StoresyncCase

#: statements that write what an order status export records in Odoo
RECORDING = re.compile(r'^\s*(INSERT\s+INTO|UPDATE)\s+"?(sale_order|stock_picking|mail_message)\b')


@tagged("post_install", "-at_install")
class TestExportIsolation(StoresyncCase):
    emulator_orders = 0
    emulator_products = 12

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()
        service = cls.env["product.product"].create({"name": "DPD delivery", "type": "service"})
        cls.carrier = cls.env["delivery.carrier"].create(
            {"name": "DPD", "product_id": service.id, "delivery_type": "fixed"}
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.store.warehouse_id = cls.warehouse
        # A second store, on its own emulated shop.
        cls.emulator_b, cls.store_b = cls._emulated_store(
            "Second shop",
            seed=8,
            orders=0,
            products=12,
            store_values={"warehouse_id": cls.warehouse.id},
        )
        cls.products_a = cls._bound_products(cls.store, cls.emulator, 3)
        cls.products_b = cls._bound_products(cls.store_b, cls.emulator_b, 1)

    @classmethod
    def _bound_products(cls, store, emulator, count):
        """``{product: store item}``: storable products linked to simple store products."""
        items = [p for p in emulator.store.products.values() if p["type"] == "simple"][:count]
        assert len(items) == count, len(items)
        products = cls.env["product.product"].create(
            [{"name": f"{store.name} {i['id']}", "is_storable": True} for i in items]
        )
        cls.env["storesync.product.binding"].create(
            [
                {
                    "store_id": store.id,
                    "external_id": str(item["id"]),
                    "product_id": product.id,
                    "manage_stock": True,
                }
                for item, product in zip(items, products, strict=True)
            ]
        )
        return dict(zip(products, items, strict=True))

    def setUp(self):
        super().setUp()
        for emulator in (self.emulator, self.emulator_b):
            emulator.clear_faults()
            emulator.clear_request_log()
        self.outbox = self.env["storesync.outbox"]

    # ------------------------------------------------------------------ helpers
    def _change_stock(self, product, quantity):
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse.lot_stock_id, quantity
        )

    def _delivered_order(self, tracking):
        """A store order imported as processing, then delivered in Odoo with a tracking
        reference: its row sends a note and the status "completed"."""
        (external_id,) = self.emulator.store.create_orders(1, status="processing")
        self._fetch_and_process()
        order = self.env["sale.order"].search([("storesync_external_id", "=", str(external_id))])
        self.assertEqual(order.state, "sale")
        picking = order.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        picking.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": tracking})
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        return order, external_id

    def _status_row(self, order):
        return self.outbox.search([("kind", "=", "order_status"), ("order_id", "=", order.id)])

    def _stock_calls(self, emulator):
        return [
            entry
            for entry in emulator.request_log_snapshot()
            if entry["method"] == "POST" and entry["path"].endswith("products/batch")
        ]

    # ------------------------------------------------------------------ tests
    def test_store_calls_come_before_any_write(self):
        """Every call of a batch goes before Odoo records anything about it: the cron holds
        no lock on an order (and has nothing to roll back) while it waits for the store."""
        first, first_id = self._delivered_order("TRK-1")
        second, second_id = self._delivered_order("TRK-2")
        self.assertEqual(self._status_row(first).state, "pending")
        self.assertEqual(self._status_row(second).state, "pending")
        self.emulator.clear_request_log()
        # What the test did before (deliveries and their tracking messages) is written now,
        # as the cron's commit of its claim would have written it.
        self.env.flush_all()
        self.env.cr.flush()
        writes = []
        execute = Cursor.execute

        def recording_execute(cursor, query, params=None, log_exceptions=None):
            text = query.code if isinstance(query, SQL) else str(query)
            if RECORDING.match(text):
                writes.append((time.time(), text.split("(")[0].strip()))
            return execute(cursor, query, params, log_exceptions)

        with patch.object(Cursor, "execute", recording_execute):
            self.outbox._cron_export()
            self.env.flush_all()

        calls = [e for e in self.emulator.request_log_snapshot() if "/orders/" in e["path"]]
        for external_id in (first_id, second_id):
            self.assertIn(
                ("PUT", f"/wp-json/wc/v3/orders/{external_id}"),
                [(c["method"], c["path"]) for c in calls],
            )
        self.assertTrue(writes, "the statuses and notes were recorded")
        last_call = max(c["time"] for c in calls)
        early = [what for moment, what in writes if moment < last_call]
        self.assertFalse(early, "written before the store answered the batch's last call")
        self.assertRecordValues(
            first + second, [{"storesync_status": "completed"}, {"storesync_status": "completed"}]
        )
        self.assertTrue(all((first + second).picking_ids.mapped("storesync_note_sent")))
        self.assertEqual(
            set((self._status_row(first) | self._status_row(second)).mapped("state")), {"done"}
        )

    def test_a_broken_sender_fails_only_its_own_rows(self):
        """A database error while one store's sender records its statuses (here a lock that
        could not be taken) leaves that sender's rows in error; the other store still gets
        its stock in the same cron run."""
        order, external_id = self._delivered_order("TRK-LOCK")
        product_b, item_b = next(iter(self.products_b.items()))
        self._change_stock(product_b, 7)
        self.env.flush_all()
        self.env.cr.execute(
            """
            CREATE FUNCTION storesync_test_lock_timeout() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN
                RAISE EXCEPTION 'could not obtain lock on row in relation "sale_order"'
                      USING ERRCODE = 'lock_not_available';
            END $$;
            CREATE TRIGGER storesync_test_lock_timeout BEFORE UPDATE ON sale_order
               FOR EACH ROW WHEN (NEW.id = %s)
               EXECUTE FUNCTION storesync_test_lock_timeout();
            """,
            [order.id],
        )

        with mute_logger("odoo.sql_db", outbox_module.__name__):
            self.outbox._cron_export()

        row = self._status_row(order)
        self.assertEqual(row.state, "error")
        self.assertIn("could not obtain lock", row.last_error)
        self.assertEqual(order.storesync_status, "processing", "its writes were rolled back")
        # The store took the call; the error row says so, and Retry sends it again safely.
        self.assertEqual(self.emulator.store.orders[external_id]["status"], "completed")
        row_b = self.outbox.search([("store_id", "=", self.store_b.id)])
        self.assertRecordValues(row_b, [{"state": "done", "product_id": product_b.id}])
        self.assertEqual(self.emulator_b.store.products[item_b["id"]]["stock_quantity"], 7)

    def test_stores_take_turns(self):
        """A store with many rows does not hold the others back: one claim each, in turn."""
        for product in self.products_a:
            self._change_stock(product, 5)
        product_b, item_b = next(iter(self.products_b.items()))
        self._change_stock(product_b, 5)
        self.assertLess(self.store.id, self.store_b.id, "the first store is claimed first")

        with patch.dict(outbox_module.CLAIM_SIZE, {"stock": 1}):
            self.outbox._cron_export()

        calls = sorted(
            [(c["time"], "a") for c in self._stock_calls(self.emulator)]
            + [(c["time"], "b") for c in self._stock_calls(self.emulator_b)]
        )
        self.assertEqual([store for _moment, store in calls], ["a", "b", "a", "a"])
        self.assertEqual(self.emulator_b.store.products[item_b["id"]]["stock_quantity"], 5)
        for item in self.products_a.values():
            self.assertEqual(self.emulator.store.products[item["id"]]["stock_quantity"], 5)
