"""The fetch cron: first-sync limit, intervals, and a store that is down."""

from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import tagged

from storesync_common import StoresyncCase


@tagged("post_install", "-at_install")
class TestOrderFetch(StoresyncCase):
    emulator_orders = 30
    emulator_products = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()

    def _order_rows(self):
        return self.env["storesync.inbox"].search(
            [("store_id", "=", self.store.id), ("kind", "=", "order")]
        )

    def test_first_sync_starts_at_import_orders_since(self):
        modified = sorted(
            datetime.fromisoformat(o["date_modified_gmt"]) for o in self._store_orders().values()
        )
        since = modified[len(modified) // 2]
        self.store.import_orders_since = since
        before = fields.Datetime.now().replace(microsecond=0)
        self.store._fetch_orders()
        expected = {
            str(oid)
            for oid, o in self._store_orders().items()
            if datetime.fromisoformat(o["date_modified_gmt"]) >= since
        }
        self.assertTrue(expected)
        self.assertEqual(set(self._order_rows().mapped("external_id")), expected)
        # Everything modified before the fetch began is in: the cursor is that moment.
        self.assertGreaterEqual(self.store.orders_cursor, before)

    def test_cron_waits_for_the_store_interval(self):
        self.store.write({"import_interval": 10, "orders_fetched_at": fields.Datetime.now()})
        self.emulator.clear_request_log()
        self.env["storesync.store"]._cron_fetch_orders()
        self.assertFalse(self.emulator.request_log)
        self.store.orders_fetched_at = fields.Datetime.now() - timedelta(minutes=11)
        self.env["storesync.store"]._cron_fetch_orders()
        self.assertTrue(self.emulator.request_log)
        self.assertEqual(len(self._order_rows()), self.emulator_orders)

    def test_store_down_is_reported_on_the_store_and_nothing_moves(self):
        self.emulator.set_faults(kinds=["503"], count=50)
        self.addCleanup(self.emulator.clear_faults)
        self.env["storesync.store"]._cron_fetch_orders()
        self.assertIn("503", self.store.orders_fetch_error)
        self.assertFalse(self.store.orders_cursor)
        self.assertFalse(self._order_rows())
        self.assertEqual(self.store.orders_fetch_failures, 1)
        self.emulator.clear_faults()
        # The store waits a minute before the next try.
        self.env["storesync.store"]._cron_fetch_orders()
        self.assertFalse(self._order_rows())
        self.store.orders_next_try = fields.Datetime.now() - timedelta(seconds=1)
        self.env["storesync.store"]._cron_fetch_orders()
        self.assertFalse(self.store.orders_fetch_error)
        self.assertFalse(self.store.orders_fetch_failures)
        self.assertEqual(len(self._order_rows()), self.emulator_orders)
