"""Manual syncs (Refresh on an order, Update orders on the list): at most one per store per
10 minutes, so impatient clicks cannot hammer a store's API.

Nothing here commits: a user's request reads what it needs from the store and queues the
rest for the crons (``orders_fetch_requested``, then ``ir.cron._trigger()``), which commit
their progress as crons do.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

MANUAL_SYNC_INTERVAL = timedelta(minutes=10)


class StoresyncStore(models.Model):
    # One concern per file (STYLE.md): the store's import lives in storesync_store_import.py.
    _inherit = "storesync.store"  # pylint: disable=consider-merging-classes-inherited

    orders_fetch_requested = fields.Boolean(
        string="Order Fetch Requested",
        readonly=True,
        copy=False,
        help="A user pressed “Update orders”: the fetch cron fetches this store's changed "
        "orders on its next run, whatever the import interval.",
    )

    def _check_manual_sync(self):
        """Allow one manual sync of these stores now, or raise saying when it is allowed.

        All stores or none: when one of them was synced by hand less than
        ``MANUAL_SYNC_INTERVAL`` ago nothing is recorded; otherwise every store's
        ``last_manual_sync`` becomes now. The write is done as superuser because Store Sync
        users may sync but not edit stores; it is part of the caller's transaction, so an
        attempt that fails (and rolls back) does not use up the slot.
        """
        now = fields.Datetime.now()
        blocked = self.filtered(
            lambda store: (
                store.last_manual_sync and store.last_manual_sync + MANUAL_SYNC_INTERVAL > now
            )
        )
        if blocked:
            raise UserError(
                "\n".join(
                    self.env._(
                        "%(store)s was synced by hand less than %(minutes)s minutes ago. "
                        "The next manual sync is allowed at %(next)s.",
                        store=store.display_name,
                        minutes=int(MANUAL_SYNC_INTERVAL.total_seconds() // 60),
                        next=format_datetime(
                            self.env, store.last_manual_sync + MANUAL_SYNC_INTERVAL
                        ),
                    )
                    for store in blocked
                )
            )
        self.sudo().write({"last_manual_sync": now})

    def _storesync_reread_orders(self, external_ids):
        """Read these orders again from the store and queue their fresh payloads.

        Their sync log rows get the payloads and go back in the queue even when nothing
        changed (the user asked for it, and a mapping fixed since may let an errored row
        through); the processing cron is asked to run. No commit: this runs in the user's
        request. Returns the rows and the ids the store no longer has.

        :raises StoreSyncError: the store could not be read.
        """
        self.ensure_one()
        with self._get_adapter() as adapter:
            payloads = adapter.get_orders(external_ids)
            items = [
                dict(item, payload=payload)
                for payload in payloads
                if (item := adapter.describe_order(payload))
            ]
        Inbox = self.env["storesync.inbox"].sudo()
        Inbox._upsert(self, "order", items)
        found = [item["external_id"] for item in items]
        rows = Inbox.search(
            [("store_id", "=", self.id), ("kind", "=", "order"), ("external_id", "in", found)]
        )._reopen()
        if rows:
            Inbox._trigger_processing()
        return rows, sorted(set(map(str, external_ids)) - set(found))

    def _request_orders_fetch(self):
        """Have the fetch cron fetch these stores' changed orders now (no commit here)."""
        self.sudo().write({"orders_fetch_requested": True})
        self.env.ref("storesync_connector.ir_cron_fetch_orders").sudo()._trigger()

    @api.model
    def _cron_fetch_requested_orders(self):
        """Fetch the changed orders of the stores a user asked to update, whatever their
        import interval or the wait of a failing store (run by the fetch cron before its
        regular pass, which then finds them fetched). One store's failure is written on that
        store and stops no other; stores left when the run's time budget is spent stay
        requested for the next run."""

        def done(store):
            # Done either way: a failing store waits for the regular cron, not for a loop.
            store.orders_fetch_requested = False

        requested = self.search([("orders_fetch_requested", "=", True)])
        for store in requested.filtered(lambda store: not store.import_orders):
            done(store)
        left = self._fetch_orders_of(requested.filtered("import_orders"), done=done)
        if left:
            return
        # Webhooks that are only triggers ask on the store's API session row.
        requested = self.env["storesync.api.session"].sudo()._take_fetch_requests()
        stores = self.browse(list(requested)).exists().filtered("active").filtered("import_orders")
        left = self._fetch_orders_of(stores, refs=requested)
        if left:
            # Asked again, so the next run fetches them (the orders webhooks named too).
            Session = self.env["storesync.api.session"].sudo()
            for store in left.filtered(lambda store: requested.get(store.id)):
                Session._request_fetch(store, requested[store.id])
            left._request_orders_fetch()
            self.env["ir.cron"]._commit_progress(0, remaining=len(left))
