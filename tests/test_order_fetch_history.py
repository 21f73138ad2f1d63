"""Safe first connection: a long history in time windows across runs, "import orders since"
from the store's creation, and history imported as already done."""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.storesync_connector.adapters import StoreSyncError

from storesync_common import CONSUMER_KEY, CONSUMER_SECRET, StoresyncCase

PAGE = 5


@tagged("post_install", "-at_install")
class TestHistoryFetch(StoresyncCase):
    emulator_orders = 60
    emulator_products = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()

    def setUp(self):
        super().setUp()
        self.emulator.clear_faults()
        self.emulator.clear_request_log()

    def _order_rows(self, store=None):
        return self.env["storesync.inbox"].search(
            [("store_id", "=", (store or self.store).id), ("kind", "=", "order")]
        )

    def _order_requests(self):
        return [e for e in self.emulator.request_log_snapshot() if e["path"].endswith("/orders")]

    def _store_ids(self, before=None):
        return {
            str(oid)
            for oid, order in self._store_orders().items()
            if before is None or datetime.fromisoformat(order["date_modified_gmt"]) < before
        }

    def test_history_is_read_oldest_first_in_windows_of_one_page(self):
        self.store._fetch_orders(per_page=PAGE)

        rows = self._order_rows()
        self.assertEqual(set(rows.mapped("external_id")), self._store_ids())
        requests = self._order_requests()
        # Windows, never page 2 of a listing (pages shift when an order leaves the window).
        self.assertEqual({r["query"]["page"] for r in requests}, {"1"})
        dated = [r["query"] for r in requests if "modified_before" in r["query"]]
        self.assertTrue(dated)
        self.assertTrue(all(query["dates_are_gmt"] == "true" for query in dated))
        starts = [r["query"]["modified_after"] for r in requests if "modified_after" in r["query"]]
        self.assertEqual(starts, sorted(starts), "the windows move forward only")
        self.assertLess(len(requests), len(rows), "a window holds more than one order")

    def test_interrupted_first_sync_resumes_where_it_stopped(self):
        cr, commits = self.env.cr, []

        def commit(cron, processed=0, *, remaining=None, deactivate=False):
            # A savepoint stands for the commit: what it holds survives the crash below.
            cron.env.flush_all()
            cr.execute("SAVEPOINT storesync_committed")
            commits.append(self.store.orders_cursor)
            if len(commits) == 4:
                self.emulator.set_faults(kinds=["500"], count=1)
            return float("inf")

        cr.execute("SAVEPOINT storesync_committed")
        # Not assertRaises: Odoo's rolls the test back to before the call, commits and all.
        interrupted = False
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", commit):
            try:
                self.store._fetch_orders(per_page=PAGE)
            except StoreSyncError:
                interrupted = True
        self.assertTrue(interrupted)
        # The worker dies: whatever was not committed is gone.
        cr.execute("ROLLBACK TO SAVEPOINT storesync_committed")
        self.env.invalidate_all()

        cursor = self.store.orders_cursor
        self.assertTrue(cursor, "the cursor moved with the committed windows")
        fetched = set(self._order_rows().mapped("external_id"))
        self.assertTrue(0 < len(fetched) < len(self._store_ids()))
        self.assertLessEqual(self._store_ids(before=cursor), fetched)

        self.emulator.clear_faults()
        self.emulator.clear_request_log()
        self.store._fetch_orders(per_page=PAGE)

        first = self._order_requests()[0]["query"]
        resumed_at = datetime.fromisoformat(first["modified_after"])
        self.assertGreaterEqual(resumed_at, cursor - timedelta(minutes=6), "not from page 1")
        rows = self._order_rows()
        self.assertEqual(len(rows), len(self._store_ids()), "each order once")
        self.assertEqual(set(rows.mapped("external_id")), self._store_ids())

    def test_nothing_before_import_orders_since_even_in_the_cursor_overlap(self):
        newest = max(
            datetime.fromisoformat(o["date_modified_gmt"]) for o in self._store_orders().values()
        )
        self.store.write(
            {"orders_cursor": newest, "import_orders_since": newest + timedelta(minutes=1)}
        )
        self.store._fetch_orders()
        self.assertFalse(self._order_rows(), "the overlap before the cursor stops at the date")

        self.store.write({"orders_cursor": False, "import_orders_since": datetime(2999, 1, 1)})
        self.store._fetch_orders()
        future = [
            entry
            for entry in self.emulator.request_log_snapshot()
            if entry["query"].get("modified_after", "") >= "2998"
        ]
        self.assertFalse(future, "a date to come: nothing asked yet")
        self.assertFalse(self.store.orders_cursor)

    def test_a_new_store_imports_what_comes_after_it_was_connected(self):
        self.store.base_url = "https://elsewhere.example.com"
        self.env.flush_all()
        store = self.env["storesync.store"].create(
            {
                "name": "Just connected",
                "base_url": self.emulator.url,
                "consumer_key": CONSUMER_KEY,
                "consumer_secret": CONSUMER_SECRET,
                "timeout": 5,
            }
        )
        self.assertTrue(store.import_orders_since)
        store._fetch_orders()
        self.assertFalse(self._order_rows(store), "the store's history stays out")

        new_ids = self.emulator.store.create_orders(2, status="processing")
        store._fetch_orders()
        self.assertEqual(set(self._order_rows(store).mapped("external_id")), set(map(str, new_ids)))

        # The merchant asks for the history after all.
        store.write({"import_orders_since": datetime(2020, 1, 1), "orders_cursor": False})
        store._fetch_orders(per_page=PAGE)
        self.assertEqual(set(self._order_rows(store).mapped("external_id")), self._store_ids())


@tagged("post_install", "-at_install")
class TestImportAsDone(StoresyncCase):
    emulator_orders = 0
    emulator_products = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()
        cls.store.status_map_ids.filtered(lambda m: m.store_status == "completed").action = "done"

    def test_history_mapped_to_done_is_confirmed_without_delivery(self):
        done_ids = self.emulator.store.create_orders(2, status="completed")
        (live_id,) = self.emulator.store.create_orders(1, status="processing")
        rows = self._fetch_and_process().filtered(lambda r: r.kind == "order")
        self.assertEqual(set(rows.mapped("state")), {"done"}, rows.mapped("last_error"))
        sales = self._sales()
        done = sales.filtered(lambda s: int(s.storesync_external_id) in done_ids)
        live = sales - done

        self.assertEqual(len(done), 2)
        self.assertEqual(set(done.mapped("state")), {"sale"})
        self.assertFalse(done.picking_ids)
        moves = self.env["stock.move"].search([("sale_line_id", "in", done.order_line.ids)])
        self.assertFalse(moves, "nothing reserved or to deliver")
        self.assertEqual(live.storesync_external_id, str(live_id))
        self.assertEqual(live.state, "sale")
        self.assertTrue(live.picking_ids, "a live order is delivered as usual")

        # A later change of a historical order on the store creates no delivery either.
        self.emulator.store.modify_order(done_ids[0], customer_note="Thank you!")
        self._fetch_and_process()
        self.assertEqual(set(done.mapped("state")), {"sale"})
        self.assertFalse(done.picking_ids)
