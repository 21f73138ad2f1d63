"""Manual syncs (Refresh on an order, Update orders on the list): at most one per store per
10 minutes, so impatient clicks cannot hammer a store's API. Crons never go through here."""

from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

MANUAL_SYNC_INTERVAL = timedelta(minutes=10)


class StoresyncStore(models.Model):
    # One concern per file (STYLE.md): the store's import lives in storesync_store_import.py.
    _inherit = "storesync.store"  # pylint: disable=consider-merging-classes-inherited

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
