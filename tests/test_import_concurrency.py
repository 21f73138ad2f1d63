"""Two jobs importing orders of the same new buyer or product at once: one waits for the
other (advisory locks), and a lock it could not get leaves the row pending, never half an
order or a duplicate contact."""

import time
from datetime import datetime
from unittest.mock import patch

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

from odoo.addons.storesync_connector.models import storesync_inbox
from odoo.addons.storesync_connector.models.sale_order_import import IMPORT_LOCK_CLASS
from odoo.addons.storesync_connector.models.storesync_inbox import StoresyncImportError

from storesync_common import StoresyncCase


def _locks_held_here(cr, key=None):
    """How many of the importer's advisory locks this connection holds (on ``key`` only, if
    given)."""
    query = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
        "AND pid = pg_backend_pid()"
    )
    if key is None:
        cr.execute(query, [IMPORT_LOCK_CLASS])
    else:
        cr.execute(query + " AND objid::int = hashtext(%s)", [IMPORT_LOCK_CLASS, key])
    return cr.fetchone()[0]


@tagged("post_install", "-at_install")
class TestImportConcurrency(StoresyncCase):
    emulator_orders = 0
    emulator_products = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()

    def _fetch_new_order(self):
        (external_id,) = self.emulator.store.create_orders(1, status="processing")
        self.store._fetch_orders()
        row = self.env["storesync.inbox"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", str(external_id))]
        )
        self.assertEqual(row.state, "pending")
        return row

    def _hold_lock_elsewhere(self, key):
        """Another connection (another Odoo worker) holds the importer's lock on ``key``."""
        other = db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(other.close)
        other.execute(
            "SELECT pg_advisory_lock(%s, hashtext(%s))",
            [IMPORT_LOCK_CLASS, key],
        )
        self.addCleanup(other.execute, "SELECT pg_advisory_unlock_all()")
        # Do not wait long for it in this test (reverted with the test's savepoint).
        self.env.cr.execute("SET lock_timeout = '200ms'")
        return other

    def test_keys_cover_buyer_and_products(self):
        row = self._fetch_new_order()
        order = self.store._get_adapter_class().map_order(row.payload)
        keys = self.env["sale.order"]._storesync_import_lock_keys(self.store, order)
        self.assertIn(f"partner:{self.store.company_id.id}:email:{order.customer.email}", keys)
        products = [line for line in order.lines if line.product_external_id]
        self.assertTrue(products)
        for line in products:
            self.assertIn(f"product:{self.store.id}:{line.product_external_id}", keys)
        self.assertEqual(keys, sorted(keys))

    def test_buyer_locked_by_another_job_leaves_the_row_pending(self):
        row = self._fetch_new_order()
        order = self.store._get_adapter_class().map_order(row.payload)
        email = order.customer.email
        partners_before = self.env["res.partner"].search_count([("email", "=ilike", email)])
        other = self._hold_lock_elsewhere(f"partner:{self.store.company_id.id}:email:{email}")

        row._process()

        self.assertEqual(row.state, "pending", row.last_error)
        self.assertIn("Another job", row.last_error)
        self.assertFalse(
            self._sales().filtered(lambda s: s.storesync_external_id == row.external_id)
        )
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=ilike", email)]), partners_before
        )

        other.execute("SELECT pg_advisory_unlock_all()")
        row._process()
        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(row.order_id.storesync_external_id, row.external_id)

    @patch.dict(config.options, {"workers": 2})  # two processing jobs
    def test_a_row_whose_buyer_another_job_is_at_waits_for_a_later_claim(self):
        """Processing jobs share the inbox: a row whose buyer another job's batch is making
        is left to a later claim; the rows kept have their keys held by this connection
        (beyond the claim's commit) until they are let go."""
        first, second = self._fetch_new_order(), self._fetch_new_order()
        adapter = self.store._get_adapter_class()
        order = adapter.map_order(first.payload)
        other = self._hold_lock_elsewhere(
            f"partner:{self.store.company_id.id}:email:{order.customer.email}"
        )
        self.addCleanup(self.env.cr.execute, "SELECT pg_advisory_unlock_all()")
        Inbox = self.env["storesync.inbox"]

        rows, revisions, held, busy = Inbox._claim_apart(1000)

        self.assertEqual(rows & (first | second), second)
        self.assertEqual(busy, 1)
        self.assertFalse(first.lease_until)
        self.assertTrue(second.lease_until)
        self.assertEqual(set(revisions), set(rows.ids))
        second_keys = set(self.env["sale.order"]._storesync_claim_keys(second)[second.id])
        self.assertTrue(second_keys)
        self.assertEqual(held, second_keys)
        self.assertEqual(_locks_held_here(self.env.cr), len(held))
        Inbox._let_go(held)
        self.assertEqual(_locks_held_here(self.env.cr), 0)

        # The other job's batch is committed: the row is free.
        other.execute("SELECT pg_advisory_unlock_all()")
        rows, _revisions, held, busy = Inbox._claim_apart(1000)
        self.assertIn(first.id, rows.ids)
        self.assertEqual(busy, 0)
        Inbox._let_go(held)

    def test_a_bound_product_keeps_no_rows_apart(self):
        """The import only reads a product that is bound already: its rows take no key for
        it, and jobs process them side by side; a product still to be made takes one, and
        one for its top category."""
        row = self._fetch_new_order()
        Sale = self.env["sale.order"]
        before = set(Sale._storesync_claim_keys(row)[row.id])
        products = {
            key for key in before if key.startswith(("product:", "sku:", "attribute:", "category:"))
        }
        # The store products' categories are made with them (one key per top category).
        self.assertTrue({key for key in products if key.startswith("category:")})
        row._process()
        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(set(Sale._storesync_claim_keys(row)[row.id]), before - products)

    def test_a_new_product_in_categories_odoo_has_takes_no_category_key(self):
        """Only a category still to be made keeps two jobs' rows apart: once Odoo has the
        store product's categories, its row keeps the product's key, not theirs."""
        row = self._fetch_new_order()
        Sale, Category = self.env["sale.order"], self.env["product.category"]
        order = self.store._get_adapter_class().map_order(row.payload)
        new = [line.product_external_id for line in order.lines if line.product_external_id]
        details = self.env["product.product"]._storesync_details_many(self.store, new)
        paths = [tuple(path) for d in details.values() if d for path in d.categories if path]
        self.assertTrue(paths)
        self.assertEqual(Category._storesync_known_paths(paths), set())
        before = set(Sale._storesync_claim_keys(row)[row.id])
        self.assertTrue({key for key in before if key.startswith("category:")})

        for path in paths:
            Category._storesync_from_path(path)

        self.assertEqual(Category._storesync_known_paths(paths), set(paths))
        after = set(Sale._storesync_claim_keys(row)[row.id])
        self.assertEqual(after, {key for key in before if not key.startswith("category:")})
        self.assertTrue({key for key in after if key.startswith("product:")})
        # A path whose last category is missing is still to be made.
        self.assertEqual(Category._storesync_known_paths([(*paths[0], "Brand new")]), set())

    @patch.dict(config.options, {"workers": 0})
    def test_a_job_alone_claims_without_keys(self):
        """Odoo's threaded server runs one processing job: it has no other job's batches to
        keep apart from, so its claims take no keys (a "Retry" still waits for its locks)."""
        row = self._fetch_new_order()
        order = self.store._get_adapter_class().map_order(row.payload)
        self._hold_lock_elsewhere(
            f"partner:{self.store.company_id.id}:email:{order.customer.email}"
        )
        rows, _revisions, held, busy = self.env["storesync.inbox"]._claim_apart(1000)
        self.assertIn(row.id, rows.ids)
        self.assertEqual((held, busy), (set(), 0))

    @patch.dict(config.options, {"workers": 2})  # two processing jobs
    def test_a_job_whose_rows_other_jobs_are_at_waits_then_ends_in_time(self):
        """Every pending row is another job's for now: the job waits and claims again, never
        processing the row, and ends when its time is up, holding no lock."""
        row = self._fetch_new_order()
        order = self.store._get_adapter_class().map_order(row.payload)
        self._hold_lock_elsewhere(
            self.env["sale.order"]._storesync_import_lock_keys(self.store, order)[0]
        )
        Cron = type(self.env["ir.cron"])
        waits = []
        with (
            patch.object(storesync_inbox.time, "sleep", waits.append),
            # Time is up once the job has waited three times.
            patch.object(Cron, "_commit_progress", lambda *a, **k: 60.0 if len(waits) < 3 else 0),
        ):
            self.env["storesync.inbox"]._cron_process()
        self.assertEqual(len(waits), 3)
        self.assertEqual(row.state, "pending")
        self.assertEqual(row.attempts, 0)
        self.assertFalse(row.lease_until)
        self.assertEqual(_locks_held_here(self.env.cr), 0)

    def test_a_conflict_that_never_ends_becomes_an_error(self):
        row = self._fetch_new_order()
        order = self.store._get_adapter_class().map_order(row.payload)
        self._hold_lock_elsewhere(
            self.env["sale.order"]._storesync_import_lock_keys(self.store, order)[0]
        )
        for _attempt in range(5):
            row._process()
        self.assertEqual(row.state, "error")
        self.assertEqual(row.attempts, 5)


@tagged("post_install", "-at_install")
class TestBatchConfirmation(StoresyncCase):
    """A batch confirms its orders together; when that fails, rows go one by one."""

    emulator_orders = 0
    emulator_products = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()

    def _fetch(self, count):
        ids = self.emulator.store.create_orders(count, status="processing")
        self.store._fetch_orders()
        rows = self.env["storesync.inbox"].search(
            [("store_id", "=", self.store.id), ("external_id", "in", [str(i) for i in ids])]
        )
        self.assertEqual(len(rows), count)
        return rows

    def test_a_batch_confirms_its_orders_at_once(self):
        rows = self._fetch(3)
        SaleOrder = type(self.env["sale.order"])
        calls = []
        original = SaleOrder.action_confirm

        def counting(orders):
            calls.append(len(orders))
            return original(orders)

        with patch.object(SaleOrder, "action_confirm", counting):
            rows._process()
        self.assertEqual(set(rows.mapped("state")), {"done"})
        self.assertEqual(set(rows.order_id.mapped("state")), {"sale"})
        self.assertEqual(calls, [3])
        for sale in rows.order_id:
            self.assertEqual(sale.date_order, sale.storesync_created_at)

    @patch.dict(config.options, {"workers": 2})  # two processing jobs
    def test_a_processing_job_reserves_stock_once_its_batch_is_committed(self):
        """A processing job confirms its batch without reserving stock, then reserves it after
        the batch's commit, under the importer's reservation lock, so that jobs side by side
        never update the same quants; the deliveries end reserved as at any confirmation."""
        store = self.emulator.store
        simple = next(p for p in store.products.values() if p["type"] == "simple")
        line = {
            "product_id": simple["id"],
            "quantity": 1,
            "price": simple["price"],
            "tax_class": simple["tax_class"] or "standard",
        }
        Inbox = self.env["storesync.inbox"]
        store.create_orders(1, status="processing", lines=[line])
        self.store._fetch_orders()
        Inbox._cron_process()  # the product is imported and bound
        product = (
            self.env["storesync.product.binding"]
            .search([("store_id", "=", self.store.id), ("external_id", "=", str(simple["id"]))])
            .product_id
        )
        self.assertTrue(product.is_storable)
        location = (
            self.env["stock.warehouse"]
            .search([("company_id", "=", self.store.company_id.id)], limit=1)
            .lot_stock_id
        )
        self.env["stock.quant"]._update_available_quantity(product, location, 10)
        ids = store.create_orders(2, status="processing", lines=[line])
        self.store._fetch_orders()
        rows = Inbox.search([("external_id", "in", [str(i) for i in ids])])

        SaleOrder, StockMove = type(self.env["sale.order"]), type(self.env["stock.move"])
        confirm, assign = SaleOrder.action_confirm, StockMove._action_assign
        at_confirmation, under_lock = [], []

        def confirming(orders):
            result = confirm(orders)
            at_confirmation.extend(orders.picking_ids.move_ids.mapped("quantity"))
            return result

        def assigning(moves, *args, **kwargs):
            if moves:
                under_lock.append(
                    (len(moves), _locks_held_here(self.env.cr, storesync_inbox.RESERVATION_LOCK))
                )
            return assign(moves, *args, **kwargs)

        with (
            patch.object(SaleOrder, "action_confirm", confirming),
            patch.object(StockMove, "_action_assign", assigning),
        ):
            Inbox._cron_process()
        self.assertEqual(set(rows.mapped("state")), {"done"}, rows.mapped("last_error"))
        self.assertEqual(at_confirmation, [0.0, 0.0])
        self.assertEqual(under_lock, [(2, 1)])
        deliveries = rows.order_id.picking_ids
        self.assertEqual(set(deliveries.mapped("state")), {"assigned"})
        self.assertEqual(product.with_context(location=location.id).free_qty, 8)
        self.assertEqual(_locks_held_here(self.env.cr, storesync_inbox.RESERVATION_LOCK), 0)

    def test_a_batch_creates_its_new_orders_in_one_create(self):
        rows = self._fetch(3)
        SaleOrder = type(self.env["sale.order"])
        calls = []
        original = SaleOrder.create

        def counting(model, vals_list):
            calls.append(len(vals_list) if isinstance(vals_list, list) else 1)
            return original(model, vals_list)

        with patch.object(SaleOrder, "create", counting):
            rows._process()
        self.assertEqual(set(rows.mapped("state")), {"done"})
        self.assertEqual(calls, [3])
        self.assertEqual(len(rows.order_id), 3)
        for row in rows:
            self.assertEqual(row.order_id.storesync_external_id, row.external_id)
            self.assertEqual((row.res_model, row.res_id), ("sale.order", row.order_id.id))

    def test_a_batch_that_goes_through_takes_no_savepoint_per_row(self):
        def savepoints(rows):
            cursor = type(self.env.cr)
            taken = []
            original = cursor.savepoint

            def counting(cr, flush=True):
                taken.append(flush)
                return original(cr, flush)

            with patch.object(cursor, "savepoint", counting):
                rows._process()
            self.assertEqual(set(rows.mapped("state")), {"done"})
            return len(taken)

        self.assertEqual(savepoints(self._fetch(2)), savepoints(self._fetch(5)))

    def test_the_batch_and_one_row_leave_the_same_chatter(self):
        rows = self._fetch(3)
        rows[:1]._process()  # one row: created and confirmed on its own
        rows[1:]._process()  # a batch: one create, one confirmation

        def chatter(record):
            messages = self.env["mail.message"].search(
                [("model", "=", record._name), ("res_id", "=", record.id)]
            )
            return sorted(
                (
                    m.message_type,
                    m.subtype_id.name or "",
                    m.tracking_value_ids.field_id.mapped("name"),
                )
                for m in messages
            )

        seen = {
            row.id: (chatter(row.order_id), [chatter(p) for p in row.order_id.picking_ids])
            for row in rows
        }
        self.assertEqual(seen[rows[1].id], seen[rows[0].id])
        self.assertEqual(seen[rows[2].id], seen[rows[0].id])
        # What Odoo itself leaves: the delivery says which order made it; the order, created
        # and confirmed in one transaction, logs no state change (Odoo tracks no changes of a
        # record in the transaction that created it).
        self.assertEqual(seen[rows[0].id], ([], [[("notification", "Note", [])]]))

    def test_a_new_order_failing_in_the_batch_fails_only_its_row(self):
        rows = self._fetch(3)
        doomed = rows[1].external_id
        SaleOrder = type(self.env["sale.order"])
        original = SaleOrder._storesync_check_totals

        def checking(sale, order):
            if sale.storesync_external_id == doomed:
                raise StoresyncImportError("Totals differ")
            return original(sale, order)

        with patch.object(SaleOrder, "_storesync_check_totals", checking):
            rows._process()
        failed = rows.filtered(lambda r: r.external_id == doomed)
        self.assertRecordValues(failed, [{"state": "error", "last_error": "Totals differ"}])
        self.assertFalse(self.env["sale.order"].search([("storesync_external_id", "=", doomed)]))
        others = rows - failed
        self.assertEqual(set(others.mapped("state")), {"done"})
        self.assertEqual(set(others.order_id.mapped("state")), {"sale"})
        self.assertEqual(
            sorted(others.order_id.mapped("storesync_external_id")),
            sorted(others.mapped("external_id")),
        )

    def test_a_row_failing_in_the_batch_leaves_nothing_the_batch_made_for_it(self):
        rows = self._fetch(4)
        doomed = rows[1].external_id
        Binding = self.env["storesync.product.binding"]
        bound = Binding.search([("store_id", "=", self.store.id)])
        SaleOrder = type(self.env["sale.order"])
        values, creates = SaleOrder._storesync_values, []

        def refusing(model, store, order, pricelist):
            if order.external_id == doomed:
                raise StoresyncImportError("No tax mapping for this order")
            return values(model, store, order, pricelist)

        create = SaleOrder.create

        def counting(model, vals_list):
            creates.append(len(vals_list) if isinstance(vals_list, list) else 1)
            return create(model, vals_list)

        with (
            patch.object(SaleOrder, "_storesync_values", refusing),
            patch.object(SaleOrder, "create", counting),
        ):
            rows._process()
        failed = rows.filtered(lambda r: r.external_id == doomed)
        self.assertRecordValues(
            failed, [{"state": "error", "last_error": "No tax mapping for this order"}]
        )
        others = rows - failed
        self.assertEqual(set(others.mapped("state")), {"done"})
        # The others went in as a batch again (one create), without the failed row.
        self.assertEqual(creates, [3])
        # The products the batch made for the failed order alone are gone with it: every
        # binding made since is a product of an order that went in.
        sold = {
            (line.product_external_id, line.variation_external_id or "0")
            for row in others
            for line in self.store._get_adapter_class().map_order(row.payload).product_lines
        }
        made = Binding.search([("store_id", "=", self.store.id)]) - bound
        self.assertTrue(made)
        self.assertLessEqual({(b.external_id, b.variation_id) for b in made}, sold)
        mine = {
            (line.product_external_id, line.variation_external_id or "0")
            for line in self.store._get_adapter_class().map_order(failed.payload).product_lines
        }
        self.assertEqual(
            {(b.external_id, b.variation_id) for b in made} & (mine - sold),
            set(),
        )

    def test_a_failing_confirmation_fails_only_its_row(self):
        rows = self._fetch(3)
        doomed = rows[1].external_id
        SaleOrder = type(self.env["sale.order"])
        original = SaleOrder.action_confirm

        def refusing(orders):
            if doomed in orders.mapped("storesync_external_id"):
                raise UserError("No route for this product")
            return original(orders)

        with patch.object(SaleOrder, "action_confirm", refusing):
            rows._process()
        failed = rows.filtered(lambda r: r.external_id == doomed)
        self.assertRecordValues(
            failed, [{"state": "error", "last_error": "No route for this product"}]
        )
        self.assertFalse(
            self.env["sale.order"].search([("storesync_external_id", "=", doomed)]),
            "nothing half-written: no unconfirmed order left behind",
        )
        others = rows - failed
        self.assertEqual(set(others.mapped("state")), {"done"})
        self.assertEqual(set(others.order_id.mapped("state")), {"sale"})


@tagged("post_install", "-at_install")
class TestWebhookDuringProcessing(TransactionCase):
    """A webhook delivery never waits for a processing batch that holds its row.

    Two real connections, as two Odoo workers: one runs the processing cron (committing as
    crons do), the other receives the webhook while the batch is still processing the row.
    What they share is committed, so this test creates its own store and deletes it after.
    """

    def setUp(self):
        super().setUp()
        dbname = self.env.cr.dbname
        self.worker_cr = db_connect(dbname).cursor()
        self.webhook_cr = db_connect(dbname).cursor()
        self.addCleanup(self.worker_cr.close)
        self.addCleanup(self.webhook_cr.close)
        self.worker = api.Environment(self.worker_cr, SUPERUSER_ID, {})
        self.webhook = api.Environment(self.webhook_cr, SUPERUSER_ID, {})
        self.store = self.worker["storesync.store"].create(
            {"name": "Concurrency shop", "base_url": "http://127.0.0.1:9", "import_orders": False}
        )
        self.worker_cr.commit()
        self.addCleanup(self._drop_store)

    def _drop_store(self):
        self.worker_cr.rollback()
        self.worker_cr.execute("DELETE FROM storesync_inbox WHERE store_id = %s", [self.store.id])
        self.worker["storesync.store"].browse(self.store.id).unlink()
        self.worker_cr.commit()

    def _deliver(self, env, text, minute):
        """What the webhook controller writes for a delivery of category 7."""
        store = env["storesync.store"].browse(self.store.id)
        return env["storesync.inbox"]._upsert(
            store,
            "category",
            [
                {
                    "external_id": "7",
                    "name": text,
                    "external_date": datetime(2025, 3, 1, 12, minute),
                    "payload": {"id": 7, "name": text, "parent": 0},
                    "content_hash": text,
                }
            ],
        )

    def test_webhook_does_not_wait_for_the_batch_and_its_payload_wins(self):
        self._deliver(self.webhook, "Shoes", 0)
        self.webhook_cr.commit()
        seen, waits = [], []
        test = self

        def processor(self, store, row):
            # The worker is processing the row, its transaction open: the store sends a newer
            # version now. The webhook must get its row at once, not wait for the batch.
            seen.append(row.payload["name"])
            if len(seen) == 1:
                test.webhook_cr.execute("SET lock_timeout = '2s'")
                started = time.monotonic()
                try:
                    test._deliver(test.webhook, "Shoes and boots", 1)
                    test.webhook_cr.commit()
                except psycopg2.errors.LockNotAvailable:
                    test.webhook_cr.rollback()
                    waits.append("timed out: the row was locked by the batch")
                else:
                    waits.append(time.monotonic() - started)
            return {"state": "done"}

        Category = type(self.env["product.category"])
        with patch.object(Category, "_storesync_process_row", processor):
            # ir.cron._commit_progress outside a cron simply commits: the real thing here.
            self.worker["storesync.inbox"]._cron_process()

        self.assertEqual(len(waits), 1)
        self.assertIsInstance(waits[0], float, waits[0])
        self.assertLess(waits[0], 1.0)
        # The batch's outcome for the old payload was not written over the new one: the row
        # stayed pending, and the cron's next batch processed the newest payload.
        self.assertEqual(seen, ["Shoes", "Shoes and boots"])
        self.webhook_cr.rollback()
        row = self.webhook["storesync.inbox"].search([("store_id", "=", self.store.id)])
        self.assertRecordValues(
            row,
            [
                {
                    "state": "done",
                    "attempts": 1,
                    "revision": 2,
                    "lease_until": False,
                    "name": "Shoes and boots",
                }
            ],
        )
