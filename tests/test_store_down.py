"""Stores that are down: back-off of the failing ones, the cron's time budget, recovery."""

import socket
import time
from datetime import timedelta
from unittest.mock import patch

import psycopg2.errors

from odoo import fields
from odoo.tests import tagged
from odoo.tools import format_datetime, mute_logger

from odoo.addons.storesync_connector.adapters import StoreSyncError
from odoo.addons.storesync_connector.models import storesync_store_fetch as fetch_module

from storesync_common import CONSUMER_KEY, CONSUMER_SECRET, StoresyncCase, closed_port


@tagged("post_install", "-at_install")
class TestStoreDown(StoresyncCase):
    emulator_orders = 5
    emulator_products = 4

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        # Accepts connections (the kernel's backlog) but never answers.
        cls.silent = socket.socket()
        cls.silent.bind(("127.0.0.1", 0))
        cls.silent.listen(16)
        cls.addClassCleanup(cls.silent.close)
        values = {
            "platform": "woocommerce",
            "consumer_key": CONSUMER_KEY,
            "consumer_secret": CONSUMER_SECRET,
            "timeout": 1,
            # Before the healthy store in the stores' own order: the cron must still try it
            # first.
            "sequence": 1,
        }
        Store = cls.env["storesync.store"]
        cls.refused = Store.create(
            dict(values, name="Refused", base_url=f"http://127.0.0.1:{closed_port()}")
        )
        cls.mute = Store.create(
            dict(
                values, name="No answer", base_url=f"http://127.0.0.1:{cls.silent.getsockname()[1]}"
            )
        )
        cls.store.sequence = 5

    def _orders_in_inbox(self, store=None):
        return self.env["storesync.inbox"].search(
            [("store_id", "=", (store or self.store).id), ("kind", "=", "order")]
        )

    def _cron(self):
        with mute_logger(fetch_module.__name__):
            self.env["storesync.store"]._cron_fetch_orders()

    def _make_due(self, *stores):
        past = fields.Datetime.now() - timedelta(hours=1)
        for store in stores:
            store.write({"orders_fetched_at": past, "orders_next_try": past})

    def _fetch_recording(self):
        """The names of the stores fetched, in order, and the fetch to patch in for that."""
        tried = []
        original = type(self.env["storesync.store"])._fetch_orders_safely

        def fetch(store):
            tried.append(store.name)
            return original(store)

        return tried, fetch

    def test_failing_stores_wait_longer_after_each_failure(self):
        before = fields.Datetime.now().replace(microsecond=0)
        self._cron()
        for store in self.refused | self.mute:
            self.assertEqual(store.orders_fetch_failures, 1)
            self.assertGreaterEqual(store.orders_failing_since, before)
            wait = store.orders_next_try - store.orders_failing_since
            self.assertTrue(timedelta(seconds=55) < wait <= timedelta(minutes=1, seconds=5))
        self.assertIn("Cannot reach", self.refused.orders_fetch_error)
        self.assertIn("did not answer within 1 seconds", self.mute.orders_fetch_error)
        # The healthy store is fetched in the same run.
        self.assertEqual(len(self._orders_in_inbox()), self.emulator_orders)
        self.assertFalse(self.store.orders_fetch_failures)

        # Still waiting: the next run does not try them.
        since = {store: store.orders_failing_since for store in self.refused | self.mute}
        self.env["storesync.store"].browse((self.refused | self.mute).ids).write(
            {"orders_fetched_at": fields.Datetime.now() - timedelta(hours=1)}
        )
        self._cron()
        self.assertEqual((self.refused | self.mute).mapped("orders_fetch_failures"), [1, 1])

        # Once the wait is over they are tried again, and wait twice as long.
        self._make_due(self.refused, self.mute)
        self._cron()
        for store in self.refused | self.mute:
            self.assertEqual(store.orders_fetch_failures, 2)
            self.assertEqual(store.orders_failing_since, since[store])
            wait = store.orders_next_try - fields.Datetime.now()
            self.assertTrue(timedelta(seconds=110) < wait <= timedelta(minutes=2))

    def test_the_wait_is_capped_at_an_hour(self):
        self.refused.orders_fetch_failures = 12
        self._make_due(self.refused)
        with mute_logger(fetch_module.__name__):
            self.refused._fetch_orders_safely()
        wait = self.refused.orders_next_try - fields.Datetime.now()
        self.assertTrue(timedelta(minutes=59) < wait <= timedelta(minutes=60))

    def test_a_failing_store_costs_one_attempt_per_call(self):
        """No retry chain once the store is failing: one read timeout, not two."""
        adapter = self.mute._fetch_adapter()
        self.assertEqual(adapter.session.get_adapter("http://").max_retries.total, 3)
        self.mute.orders_fetch_failures = 1
        adapter = self.mute._fetch_adapter()
        self.assertEqual(adapter.session.get_adapter("http://").max_retries.total, 0)
        started = time.monotonic()
        with mute_logger(fetch_module.__name__):
            self.mute._fetch_orders_safely()
        self.assertLess(time.monotonic() - started, 1.9)  # one read timeout of 1 s
        self.assertEqual(self.mute.orders_fetch_failures, 2)

    def test_healthy_stores_first_and_the_budget_stops_the_run(self):
        for store in self.refused | self.mute:
            store.write({"orders_fetch_failures": 3, "orders_next_try": fields.Datetime.now()})
        Store = type(self.env["storesync.store"])
        tried, fetch = self._fetch_recording()
        progress = []

        def commit(cron, processed=0, *, remaining=None, deactivate=False):
            progress.append(remaining)
            return float("inf")

        with (
            patch.object(Store, "_fetch_orders_safely", fetch),
            patch.object(Store, "_storesync_time_left", side_effect=[30, 0, 0]),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", commit),
        ):
            self._cron()
        # Only the healthy store fit the budget; the two others are left for the next run,
        # which Odoo starts at once as this one reports them.
        self.assertEqual(tried, ["Emulated shop"])
        self.assertEqual(progress[-1], 2)
        self.assertEqual((self.refused | self.mute).mapped("orders_fetch_failures"), [3, 3])
        self.assertEqual(len(self._orders_in_inbox()), self.emulator_orders)

    def test_stores_that_worked_go_before_those_never_fetched(self):
        # Many stores went down at once: the last run's budget ran out before it reached the
        # "No answer" one, which has not failed yet. The store that worked goes first all the
        # same, so its orders do not wait behind the other's timeout.
        self.refused.write({"orders_fetch_failures": 3, "orders_next_try": fields.Datetime.now()})
        past = fields.Datetime.now() - timedelta(hours=1)
        self.store.write({"orders_fetched_at": past, "orders_next_try": False})
        self.mute.write({"orders_fetched_at": False, "orders_next_try": False})
        Store = type(self.env["storesync.store"])
        tried, fetch = self._fetch_recording()
        with (
            patch.object(Store, "_fetch_orders_safely", fetch),
            patch.object(Store, "_storesync_time_left", side_effect=[30, 30, 30, 0]),
        ):
            self._cron()
        self.assertEqual(tried, ["Emulated shop", "No answer", "Refused"])
        self.assertEqual(len(self._orders_in_inbox()), self.emulator_orders)

    def test_a_concurrent_update_is_no_failure_of_the_store(self):
        """make reliability, two servers: a webhook or the other server wrote the same rows
        while a fetch ran, and PostgreSQL refused to serialize. The store is fine: it is not
        counted as failing (no back-off, no error shown), the other stores are fetched, and the
        next run goes on."""
        self._make_due(self.refused, self.store)
        self.mute.import_orders = False
        Store = type(self.env["storesync.store"])
        original = Store._fetch_orders

        def fetch(store, *args, **kwargs):
            if store == self.refused:
                raise psycopg2.errors.SerializationFailure("could not serialize access")
            return original(store, *args, **kwargs)

        with (
            patch.object(Store, "_fetch_orders", fetch),
            patch.object(self.env.cr, "rollback") as rollback,
        ):
            self._cron()
        rollback.assert_called_once()
        self.assertRecordValues(
            self.refused, [{"orders_fetch_failures": 0, "orders_fetch_error": False}]
        )
        self.assertLess(self.refused.orders_next_try, fields.Datetime.now(), "no wait")
        self.assertLess(
            self.refused.orders_fetched_at,
            fields.Datetime.now() - timedelta(minutes=30),
            "still due for the next run",
        )
        self.assertEqual(len(self._orders_in_inbox()), self.emulator_orders)

    def test_time_left_runs_from_the_job_start_within_the_limit(self):
        Store = self.env["storesync.store"]
        self.assertEqual(Store._storesync_time_left(), float("inf"))  # not in a cron
        with patch.dict(
            fetch_module.config.options, {"limit_time_real": 120, "limit_time_real_cron": -1}
        ):
            self.assertEqual(Store._storesync_run_budget(), 36)
            # A job started 30 s ago (ir.cron puts its end of minimal time in the context).
            end = time.monotonic() - 30 + fetch_module.MIN_TIME_PER_JOB
            left = Store.with_context(cron_end_time=end)._storesync_time_left()
            self.assertAlmostEqual(left, 6, delta=1)
        with patch.dict(
            fetch_module.config.options, {"limit_time_real": 120, "limit_time_real_cron": 600}
        ):
            self.assertEqual(Store._storesync_run_budget(), fetch_module.RUN_BUDGET)

    def test_update_orders_ignores_the_wait(self):
        future = fields.Datetime.now() + timedelta(minutes=30)
        self.refused.write({"orders_fetch_failures": 2, "orders_next_try": future})
        self.refused._request_orders_fetch()
        with mute_logger(fetch_module.__name__):
            self.env["storesync.store"]._cron_fetch_requested_orders()
        self.assertEqual(self.refused.orders_fetch_failures, 3)
        self.assertFalse(self.refused.orders_fetch_requested)

    def test_recovery_resets_says_so_and_fetches_the_missed_orders(self):
        self.store._fetch_orders_safely()
        self.assertEqual(len(self._orders_in_inbox()), self.emulator_orders)
        url = self.store.base_url
        self.store.base_url = f"http://127.0.0.1:{closed_port()}"
        self._make_due(self.store)
        self._cron()
        since = self.store.orders_failing_since
        self._make_due(self.store)
        self._cron()
        self.assertEqual(self.store.orders_fetch_failures, 2)
        # Orders placed while the store could not be reached.
        missed = self.emulator.store.create_orders(2, status="processing")
        self.store.base_url = url
        self._make_due(self.store)
        self._cron()
        self.assertFalse(self.store.orders_fetch_failures)
        self.assertFalse(self.store.orders_failing_since)
        self.assertFalse(self.store.orders_next_try)
        self.assertFalse(self.store.orders_fetch_error)
        message = self.store.message_ids[:1]
        self.assertIn("reachable again after 2 failed order fetches", message.body)
        self.assertIn(format_datetime(self.env, since), message.body)
        self.assertLessEqual(
            {str(order_id) for order_id in missed},
            set(self._orders_in_inbox().mapped("external_id")),
        )


@tagged("post_install", "-at_install")
class TestExportStoreDown(StoresyncCase):
    """A store whose export calls fail waits, and holds up no other store."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        Store = cls.env["storesync.store"]
        values = {
            "platform": "woocommerce",
            "consumer_key": CONSUMER_KEY,
            "consumer_secret": CONSUMER_SECRET,
        }
        cls.down = Store.create(
            dict(values, name="Down", base_url=f"http://127.0.0.1:{closed_port()}")
        )
        # Created after the failing store: only the failure puts it first.
        cls.later = Store.create(dict(values, name="Later", base_url="http://127.0.0.1:9"))
        cls.product = cls.env["product.product"].create({"name": "Widget", "is_storable": True})

    def _enqueue(self, *stores):
        self.env["storesync.outbox"]._enqueue_pairs(
            "stock", [(store.id, self.product.id) for store in stores]
        )

    def test_a_down_store_waits_and_the_others_go_first(self):
        Outbox = self.env["storesync.outbox"]
        Store = type(self.env["storesync.store"])
        self.down.write({"export_failures": 1, "export_next_try": fields.Datetime.now()})
        self._enqueue(self.store, self.down, self.later)
        sent = []

        def export_stock(store, rows):
            sent.append((store.name, bool(store.env.context.get("storesync_no_retry"))))
            if store == self.down:
                raise StoreSyncError("unreachable", "Connection refused")
            return {row.id: {"state": "done"} for row in rows}

        with patch.object(Store, "_export_stock", export_stock):
            Outbox._cron_export()
            # The stores that work first; the failing one gets one call, without retries.
            self.assertEqual(sent, [("Emulated shop", False), ("Later", False), ("Down", True)])
            self.assertEqual(self.down.export_failures, 2)
            wait = self.down.export_next_try - fields.Datetime.now()
            self.assertTrue(timedelta(seconds=110) < wait <= timedelta(minutes=2))
            self.assertFalse(self.store.export_failures)
            # Its row is due again, but the store waits: nothing is sent to it.
            Outbox.search([("store_id", "=", self.down.id)]).next_attempt = False
            self._enqueue(self.store)
            sent.clear()
            Outbox._cron_export()
            self.assertEqual(sent, [("Emulated shop", False)])
            # The wait is over and the store takes the call: it waits no more.
            self.down.export_next_try = fields.Datetime.now() - timedelta(seconds=1)
            Outbox.search([("store_id", "=", self.down.id)]).next_attempt = False
            sent.clear()
        with patch.object(
            Store,
            "_export_stock",
            lambda store, rows: {row.id: {"state": "done"} for row in rows},
        ):
            Outbox._cron_export()
        self.assertFalse(self.down.export_failures)
        self.assertFalse(self.down.export_next_try)
        self.assertEqual(Outbox.search([("store_id", "=", self.down.id)]).state, "done")
