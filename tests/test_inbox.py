"""The sync log's queue: re-opened rows start again, Retry, leases and revisions.

Rows of kind "customer" are used where only the queue matters: no processor takes them, so
processing one always ends in the same error, quickly and without any store data.
"""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import config

from odoo.addons.storesync_connector.models import storesync_inbox
from odoo.addons.storesync_connector.models.storesync_inbox import RETRY_IN_REQUEST

from storesync_common import StoresyncCase, _no_commit


@tagged("post_install", "-at_install")
class TestInboxQueue(StoresyncCase):
    emulator_orders = 0
    emulator_products = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Inbox = cls.env["storesync.inbox"]
        cls.process_cron = cls.env.ref("storesync_connector.ir_cron_process_inbox")
        cls.manager = new_test_user(
            cls.env, "sync_manager", groups="storesync_connector.group_storesync_manager"
        )

    def _upsert(self, external_id, date, text="v1"):
        return self.Inbox._upsert(
            self.store,
            "customer",
            [
                {
                    "external_id": str(external_id),
                    "name": f"Customer {external_id}",
                    "external_date": date,
                    "payload": {"id": external_id, "text": text},
                    "content_hash": text,
                }
            ],
        )

    def _rows(self, count, date=datetime(2025, 3, 1, 12, 0)):
        for index in range(count):
            self._upsert(1000 + index, date)
        return self.Inbox.search([("store_id", "=", self.store.id)], order="id")

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.process_cron.id)])

    def test_a_newer_payload_reopens_the_row_as_new(self):
        date = datetime(2025, 3, 1, 12, 0)
        row = self._rows(1, date)
        row._process()
        row._process()
        self.assertRecordValues(row, [{"state": "error", "attempts": 2, "revision": 1}])
        self.assertTrue(row.last_error)

        self.assertEqual(self._upsert(1000, date + timedelta(minutes=1), "v2"), 1)
        self.assertRecordValues(
            row,
            [
                {
                    "state": "pending",
                    "attempts": 0,
                    "last_error": False,
                    "revision": 2,
                    "payload": {"id": 1000, "text": "v2"},
                }
            ],
        )
        # An older payload (a late delivery) changes nothing, not even the revision.
        self.assertEqual(self._upsert(1000, date, "v1"), 0)
        self.assertRecordValues(row, [{"revision": 2, "payload": {"id": 1000, "text": "v2"}}])

    def test_retry_of_a_few_rows_starts_them_again_now(self):
        row = self._rows(1)
        row._process()
        row._process()
        self.assertEqual(row.attempts, 2)

        self.assertIs(row.action_retry(), True)

        # Processed in the request (and failing again, as nothing was fixed): one attempt.
        self.assertRecordValues(row, [{"state": "error", "attempts": 1, "revision": 2}])

    def test_bulk_retry_queues_the_rows_for_the_cron(self):
        rows = self._rows(RETRY_IN_REQUEST + 2)
        rows._process()
        self.assertEqual(set(rows.mapped("state")), {"error"})
        processed = {row.id: row.date_processed for row in rows}
        self.env["ir.cron.trigger"].search([]).unlink()

        action = (
            self.env.ref("storesync_connector.storesync_inbox_action_retry")
            .with_user(self.manager)
            .with_context(active_model="storesync.inbox", active_ids=rows.ids)
            .run()
        )

        self.assertEqual(action["tag"], "display_notification")
        self.assertIn(f"{len(rows)} rows are queued", action["params"]["message"])
        self.assertEqual(self._triggers(), 1, "the processing cron is asked to run")
        for row in rows:
            self.assertRecordValues(
                row,
                [
                    {
                        "state": "pending",
                        "attempts": 0,
                        "last_error": False,
                        "date_processed": processed[row.id],
                    }
                ],
            )
        self._process_pending()
        self.assertEqual(set(rows.mapped("attempts")), {1})

    def test_claim_leases_rows_and_takes_back_expired_leases(self):
        first, second = self._rows(2)
        rows, revisions = self.Inbox._claim(store=self.store)
        self.assertEqual(rows, first | second)
        self.assertEqual(revisions, {first.id: 1, second.id: 1})
        self.assertGreater(first.lease_until, fields.Datetime.now())
        self.assertEqual(first.state, "pending")

        # Leased rows are nobody else's to take (another worker's live connection holds them).
        self._hold_by_another_connection(first | second)
        self.assertFalse(self.Inbox._claim(store=self.store)[0])
        self.assertFalse(self.Inbox._lock_pending(store=self.store))

        # A worker killed while processing: its lease runs out and the row is taken again.
        first.flush_recordset()
        self.env.cr.execute(
            "UPDATE storesync_inbox SET lease_until = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(seconds=1), first.id],
        )
        first.invalidate_recordset()
        self.assertEqual(self.Inbox._claim(store=self.store)[0], first)

    def test_a_long_queue_goes_in_bigger_batches(self):
        """A few rows waiting (live webhooks) go in small batches, each committed sooner; a long
        queue (a history import) in bigger ones: half of what waits, within the two sizes."""
        self._rows(30)
        Inbox = type(self.Inbox)
        claim, batches = Inbox._claim, []

        def recording(rows, limit, store=None):
            claimed = claim(rows, limit, store)
            batches.append(len(claimed[0]))
            return claimed

        with (
            patch.object(storesync_inbox, "BATCH_SIZE", 2),
            patch.object(storesync_inbox, "MAX_BATCH_SIZE", 8),
            patch.object(Inbox, "_claim", recording),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", _no_commit),
        ):
            self.Inbox._cron_process()
        self.assertEqual(batches, [8, 8, 7, 3, 2, 2, 0])
        self.assertEqual(set(self.Inbox.search([]).mapped("state")), {"error"})

    def test_a_row_left_after_the_last_claim_runs_the_job_again(self):
        """A row that came in after a processing run's last claim: its webhook asked for the
        job while it ran, and Odoo does not start a running job twice, so the run ends by
        asking for another. Nothing left: no other run."""
        Inbox = type(self.Inbox)
        nothing = (self.Inbox.browse(), {}, set(), 0)
        with (
            patch.object(type(self.env["ir.cron"]), "_commit_progress", _no_commit),
            patch.object(Inbox, "_claim_apart", lambda *args, **kwargs: nothing),
        ):
            before = self._triggers()
            self.Inbox._cron_process()
            self.assertEqual(self._triggers(), before)
            self._rows(1)
            self.Inbox._cron_process()
            self.assertEqual(self._triggers(), before + 1)

    def test_two_processing_jobs_split_a_few_live_webhooks(self):
        """Threaded server: one job takes up to 50 of what waits. Multi-process server: two
        jobs share the queue, so a few dozen rows are split between them."""
        with patch.dict(config.options, {"workers": 0}):
            self.assertEqual([self.Inbox._batch_size(n) for n in (3, 41, 1000)], [50, 50, 200])
        with patch.dict(config.options, {"workers": 2}):
            self.assertEqual([self.Inbox._batch_size(n) for n in (3, 41, 1000)], [10, 20, 200])

    def test_a_backlog_calls_in_the_second_processing_job(self):
        """Odoo's multi-process server: when one batch takes all that waits, the job goes on
        alone; when more waits (rows came in while a batch ran), it calls the second
        processing job in. The
        threaded server never does (both jobs would share one Python interpreter), and its
        second job does nothing."""
        second = self.env.ref("storesync_connector.ir_cron_process_inbox_2")
        date = datetime(2025, 3, 1, 12, 0)

        def triggers():
            return self.env["ir.cron.trigger"].search_count([("cron_id", "=", second.id)])

        def queue(start, count):
            for index in range(count):
                self._upsert(start + index, date)

        before = triggers()
        with (
            patch.object(storesync_inbox, "BATCH_SIZE", 2),
            patch.object(storesync_inbox, "SHARED_BATCH_SIZE", 2),
            patch.object(storesync_inbox, "MAX_BATCH_SIZE", 2),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", _no_commit),
        ):
            with patch.dict(config.options, {"workers": 0}):
                queue(1000, 5)
                self.Inbox._cron_process_helper()
                self.assertEqual(len(self.Inbox.search([("state", "=", "pending")])), 5)
                self.Inbox._cron_process()
                self.assertEqual(triggers(), before)
            with patch.dict(config.options, {"workers": 2}):
                queue(2000, 2)
                self.Inbox._cron_process()
                self.assertEqual(triggers(), before)
                queue(3000, 5)
                self.Inbox._cron_process()
                called = triggers()
                self.assertGreater(called, before)
                # The second job does not call itself in.
                queue(4000, 5)
                self.Inbox.with_context(cron_id=second.id)._cron_process_helper()
                self.assertEqual(triggers(), called)
        self.assertFalse(self.Inbox.search([("state", "=", "pending")]))

    def _hold_by_another_connection(self, rows):
        """Make ``rows`` leased by a live connection other than the test's own."""
        other = self.registry.cursor()
        self.addCleanup(other.close)
        other.execute("SELECT pg_backend_pid()")
        rows.flush_recordset()
        self.env.cr.execute(
            "UPDATE storesync_inbox SET lease_pid = %s WHERE id IN %s",
            [other.fetchone()[0], tuple(rows.ids)],
        )
        rows.invalidate_recordset()

    def test_a_lease_a_failed_batch_left_is_taken_back_by_its_connection(self):
        """Webhook storm: releasing the leases of re-opened rows failed (the rows changed once
        more); the lease is still there, held by the processing job's own connection, which
        takes the rows again at its next claim instead of ten minutes later."""
        first, second = self._rows(2)
        rows, _revisions = self.Inbox._claim(store=self.store)
        self.assertEqual(rows, first | second)
        self.assertGreater(first.lease_until, fields.Datetime.now())
        self.assertEqual(self.Inbox._claim(store=self.store)[0], first | second)

    def test_a_lease_of_a_killed_worker_is_taken_back_at_once(self):
        """kill -9 of a worker mid-batch: its rows keep a lease for minutes, yet their holder's
        connection is gone, so the next claim takes them (make reliability: "killed server")."""
        first, second = self._rows(2)
        rows, _revisions = self.Inbox._claim(store=self.store)
        self.assertEqual(rows, first | second)
        self.env.cr.execute("SELECT pg_backend_pid()")
        (holder,) = self.env.cr.fetchone()
        self.assertEqual(first.lease_pid, holder)
        # A live holder keeps its rows, however long the lease still runs.
        self._hold_by_another_connection(first | second)
        self.assertFalse(self.Inbox._claim(store=self.store)[0])
        # The holder dies: a pid no connection has (PostgreSQL pids are below 2**22).
        self.env.cr.execute(
            "UPDATE storesync_inbox SET lease_pid = 2147483000 WHERE id = %s", [first.id]
        )
        first.invalidate_recordset()
        self.assertGreater(first.lease_until, fields.Datetime.now())
        self.assertEqual(self.Inbox._claim(store=self.store)[0], first)

    def test_a_row_reopened_while_processed_keeps_its_new_payload(self):
        date = datetime(2025, 3, 1, 12, 0)
        kept, reopened = self._rows(2, date)
        rows, revisions = self.Inbox._claim(store=self.store)
        self.assertEqual(rows, kept | reopened)
        # A newer payload lands while the batch still processes the older one.
        self._upsert(reopened.external_id, date + timedelta(minutes=1), "v2")

        self.assertFalse(rows._process_leased(revisions))

        self.assertRecordValues(
            kept | reopened,
            [
                {"state": "error", "attempts": 1, "lease_until": False, "revision": 1},
                {"state": "pending", "attempts": 0, "lease_until": False, "revision": 2},
            ],
        )
        self.assertTrue(kept.last_error)
        self.assertFalse(reopened.last_error)
        self.assertEqual(reopened.payload["text"], "v2")
        # ... and it goes again with the next batch.
        self.assertEqual(self.Inbox._claim(store=self.store)[0], reopened)
