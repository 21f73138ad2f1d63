import json
import logging

import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import SQL, mute_logger

_logger = logging.getLogger(__name__)


class StoresyncLogMixin(models.AbstractModel):
    """What the two halves of the sync log (received and sent rows) share: the row's state,
    attempts and last error, the record it is about, Ignore, and the clean-up of old
    finished rows."""

    _name = "storesync.log.mixin"
    _description = "Store Sync Log Row"

    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("done", "Done"),
            ("skipped", "Skipped"),
            ("error", "Error"),
        ],
        default="pending",
        required=True,
        index=True,
        readonly=True,
    )
    attempts = fields.Integer(readonly=True)
    last_error = fields.Text(readonly=True)
    lease_pid = fields.Integer(
        string="Held by Connection",
        readonly=True,
        copy=False,
        help="PostgreSQL connection of the job processing this row: once it is gone (its "
        "worker was killed), the row is free again without waiting for the lease to end.",
    )

    @api.model
    def _lease_free_sql(self, now):
        """Rows no live job holds: never leased, lease over, or held by a connection that is
        gone (a worker killed mid-batch leaves its lease behind; PostgreSQL ends its
        connection, so the rows come back at once instead of when the lease runs out).

        Rows leased by this very connection are free too: a job works through one claimed
        batch at a time and ends every lease of it before claiming again, so a lease of ours
        still there at a claim is one a failed batch left behind."""
        return SQL(
            "(lease_until IS NULL OR lease_until < %(now)s OR lease_pid IS NULL"
            " OR lease_pid = pg_backend_pid()"
            " OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = lease_pid))",
            now=now,
        )

    def _release_leases(self):
        """End the lease of these rows (a newer payload or value re-queued them while their
        batch ran), once that batch is committed: they are pending and go with the next claim.
        If they changed once more meanwhile (a webhook storm), the lease stays and this job's
        next claim takes them back (see ``_lease_free_sql``)."""
        if not self:
            return
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "UPDATE %s SET lease_until = NULL WHERE id IN %s",
                        SQL.identifier(self._table),
                        tuple(self.ids),
                    )
                )
        # (pylint cannot see that psycopg2's C-defined errors are exceptions)
        except psycopg2.errors.TransactionRollbackError:  # pylint: disable=catching-non-exception
            _logger.debug("Store sync: leases of %s left to this job's next claim", self)
        self.invalidate_recordset(["lease_until"])

    @staticmethod
    def _json_text(value):
        """A payload or request as indented JSON for the form (False when empty)."""
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) if value else False

    def action_ignore(self):
        self.write(
            {
                "state": "skipped",
                "last_error": self.env._("Ignored by %(user)s", user=self.env.user.name),
            }
        )
        return True

    def action_open_record(self):
        self.ensure_one()
        if not (self.res_model and self.res_id):
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    @api.model
    def _cron_vacuum(self):
        """Delete done and skipped rows older than each store's retention."""
        stores = self.env["storesync.store"].with_context(active_test=False).search([], limit=None)
        for store in stores:
            limit = fields.Datetime.subtract(fields.Datetime.now(), days=store.log_retention_days)
            self.search(
                [
                    ("store_id", "=", store.id),
                    ("state", "in", ("done", "skipped")),
                    ("write_date", "<", limit),
                ]
            ).unlink()
