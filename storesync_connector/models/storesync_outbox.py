import json
import logging
from datetime import timedelta
from functools import partial

import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import SQL, mute_logger

from ..adapters import StoreSyncError

_logger = logging.getLogger(__name__)

#: rows one export cron step claims, per kind: product rows in large multiples of the batch
#: size (stock and prices go 100 a call, variations per parent product, so the more rows a
#: step holds the fewer calls); order statuses few enough that one call per row ends well
#: within the lease
CLAIM_SIZE = {"stock": 1000, "price": 1000, "order_status": 50, "catalogue": 200, "customer": 200}
#: how long a claimed row stays with the worker that claimed it (a crashed worker's rows come
#: back after this)
LEASE = timedelta(minutes=10)
#: retryable failures are tried again after 1, 2, 4 ... minutes, then the row is an error
MAX_ATTEMPTS = 8
KIND_MODELS = {
    "stock": "product.product",
    "price": "product.product",
    "order_status": "sale.order",
    "catalogue": "product.template",
    "customer": "res.partner",
}
#: the row's column pointing at its record, per model
LINK_FIELDS = {
    "product.product": "product_id",
    "sale.order": "order_id",
    "product.template": "product_tmpl_id",
    "res.partner": "partner_id",
}


class StoresyncOutbox(models.Model):
    """One thing to tell a store: the outgoing half of the sync log.

    Odoo changes enqueue rows keyed by (store, kind, record); ten changes of one product
    before the export cron runs are one row, because the values are read when sending.
    Sending happens in the export cron, after the change is committed, never inside the
    user's transaction. A row claimed by a worker carries a lease instead of a lock, so a
    user's change never waits for a store's answer; each enqueue bumps ``revision``, and a
    row whose revision moved while it was being sent stays pending and goes again.
    """

    _name = "storesync.outbox"
    _inherit = ["storesync.store.mixin", "storesync.log.mixin"]
    _description = "Store Sync Log (outgoing)"
    _order = "write_date desc, id desc"
    _rec_name = "name"

    store_id = fields.Many2one(readonly=True)
    kind = fields.Selection(
        [
            ("stock", "Stock"),
            ("price", "Price"),
            ("order_status", "Order Status"),
            ("catalogue", "Catalogue"),
            ("customer", "Customer"),
        ],
        required=True,
        readonly=True,
    )
    res_model = fields.Char(string="Record Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True, readonly=True
    )
    product_id = fields.Many2one(
        "product.product", readonly=True, index="btree_not_null", ondelete="cascade"
    )
    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product Template",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    name = fields.Char(compute="_compute_name")
    revision = fields.Integer(readonly=True, default=1)
    next_attempt = fields.Datetime(readonly=True, help="Retry not before this moment.")
    lease_until = fields.Datetime(readonly=True, copy=False)
    date_sent = fields.Datetime(string="Sent on", readonly=True)
    request = fields.Json(string="Request Sent", readonly=True)
    request_text = fields.Text(string="Request", compute="_compute_request_text")

    _store_kind_record_uniq = models.Constraint(
        "UNIQUE(store_id, kind, res_id)",
        "A store is told about a record once per kind; newer changes refresh the row.",
    )

    @api.depends("res_model", "res_id", "kind")
    def _compute_name(self):
        for row in self:
            record = row.product_id or row.order_id or row.product_tmpl_id or row.partner_id
            row.name = record.display_name if record else f"{row.res_model},{row.res_id}"

    @api.depends("request")
    def _compute_request_text(self):
        for row in self:
            row.request_text = self._json_text(row.request)

    # ------------------------------------------------------------------ enqueue

    @api.model
    def _enqueue(self, store, kind, records):
        """Queue ``records`` (products or sales orders) to be sent to ``store``; one SQL
        statement, no read of the records. Returns how many rows were (re)queued."""
        if not records or not store:
            return 0
        store.ensure_one()
        pairs = [(store.id, rid) for rid in records.ids]
        return self._enqueue_pairs(kind, pairs, trigger=True)

    @api.model
    def _enqueue_pairs(self, kind, pairs, trigger=True):
        """Queue ``(store id, record id)`` pairs of one kind; duplicates are merged.

        A store exporting every N minutes collects changes for N - 1 minutes before the
        first send (``next_attempt``); with the default of 1 the row is due at once.
        """
        pairs = sorted(set(pairs))
        if not pairs:
            return 0
        # Raw SQL below: ORM writes to these rows (Ignore, ...) must reach the table first,
        # or the invalidation after it would write them over the new state.
        self.flush_model()
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                count = self._upsert_rows(kind, pairs)
        # (pylint cannot see that psycopg2's C-defined errors are exceptions)
        except psycopg2.errors.TransactionRollbackError:  # pylint: disable=catching-non-exception
            # The export job wrote one of these rows after this transaction began (REPEATABLE
            # READ: this one cannot touch it). Order confirmations must not fail on it: the
            # rows are queued in a transaction of their own right after this one commits.
            _logger.info("Store sync: %s %s row(s) queued after the commit", len(pairs), kind)
            self.env.cr.postcommit.add(partial(self._enqueue_after_commit, kind, pairs, trigger))
            return len(pairs)
        self.invalidate_model()
        if count and trigger:
            self._trigger_export()
        return count

    @api.model
    def _enqueue_after_commit(self, kind, pairs, trigger):
        """``_enqueue_pairs`` in a transaction of its own (a post-commit hook)."""
        with self.env.registry.cursor() as cr:
            self.with_env(self.env(cr=cr))._enqueue_pairs(kind, pairs, trigger)

    @api.model
    def _upsert_rows(self, kind, pairs):
        """Insert or re-open the rows of ``pairs``; return how many."""
        model = KIND_MODELS[kind]
        link = LINK_FIELDS[model]
        now = fields.Datetime.now()
        values = SQL(", ").join(SQL("(%s, %s)", store_id, res_id) for store_id, res_id in pairs)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO storesync_outbox (
                    store_id, company_id, kind, res_model, res_id, %(link)s, state, revision,
                    attempts, next_attempt, create_uid, create_date, write_uid, write_date
                )
                SELECT v.store_id, s.company_id, %(kind)s, %(model)s, v.res_id, v.res_id,
                       'pending', 1, 0,
                       %(now)s + (GREATEST(s.export_interval, 1) - 1) * INTERVAL '1 minute',
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (VALUES %(values)s) AS v(store_id, res_id)
                  JOIN storesync_store s ON s.id = v.store_id
                ON CONFLICT (store_id, kind, res_id) DO UPDATE SET
                    state = 'pending',
                    revision = storesync_outbox.revision + 1,
                    attempts = 0,
                    -- A row already waiting keeps its moment: more changes never postpone it.
                    next_attempt = CASE
                        WHEN storesync_outbox.state = 'pending' AND storesync_outbox.attempts = 0
                        THEN LEAST(COALESCE(storesync_outbox.next_attempt, %(now)s),
                                   EXCLUDED.next_attempt)
                        ELSE EXCLUDED.next_attempt END,
                    last_error = NULL,
                    write_uid = EXCLUDED.write_uid,
                    write_date = EXCLUDED.write_date
                RETURNING id
                """,
                link=SQL.identifier(link),
                kind=kind,
                model=model,
                uid=self.env.uid,
                now=now,
                values=values,
            )
        )
        return len(self.env.cr.fetchall())

    @api.model
    def _trigger_export(self):
        """Ask the export cron to run now, once per transaction (a trigger is a row)."""
        data = self.env.cr.precommit.data
        if not data.get("storesync_export_triggered"):
            data["storesync_export_triggered"] = True
            self.env.ref("storesync_connector.ir_cron_export_outbox").sudo()._trigger()

    @api.model
    def _enqueue_stock_change(self, product, location, on_hand=True):
        """A quant of ``product`` in ``location`` changed: queue it for every store that
        exports stock from the warehouse holding ``location`` and sells the product.

        ``on_hand`` False means only the reserved quantity moved, which matters to stores
        that get the free quantity. One query when the product is not in any store.
        """
        self.env["storesync.product.binding"].flush_model(["store_id", "product_id"])
        self.env["storesync.store"].flush_model(
            ["active", "export_stock", "stock_quantity_mode", "warehouse_id", "company_id"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT b.store_id
                  FROM storesync_product_binding b
                  JOIN storesync_store s ON s.id = b.store_id
                  JOIN stock_warehouse w ON w.id = COALESCE(
                        s.warehouse_id,
                        (SELECT id FROM stock_warehouse
                          WHERE company_id = s.company_id AND active
                          ORDER BY sequence, id LIMIT 1))
                  JOIN stock_location wl ON wl.id = w.view_location_id
                 WHERE b.product_id = %(product)s
                   AND s.active AND s.export_stock
                   AND (%(on_hand)s OR s.stock_quantity_mode = 'free')
                   AND %(path)s LIKE wl.parent_path || '%%'
                """,
                product=product.id,
                on_hand=on_hand,
                path=location.parent_path,
            )
        )
        pairs = [(store_id, product.id) for (store_id,) in self.env.cr.fetchall()]
        return self._enqueue_pairs("stock", pairs)

    # ------------------------------------------------------------------ sending

    @api.model
    def _claim(self, limit=None, store=None, served=()):
        """Lease up to ``limit`` due pending rows of one store and kind to this worker.

        ``served`` lists the ``(store id, kind)`` pairs this cron run already claimed in its
        current round: the others go first, stores not served yet before all, so one store
        with thousands of rows does not starve the others (round-robin).
        Product rows come ordered by their store product, so the variations of one parent
        travel together (a store API may batch variations per parent only).
        """
        self.flush_model()
        self.env["storesync.product.binding"].flush_model(["store_id", "product_id", "external_id"])
        now = fields.Datetime.now()
        where = SQL(
            "state = 'pending' AND (next_attempt IS NULL OR next_attempt <= %(now)s) AND %(free)s",
            now=now,
            free=self._lease_free_sql(now),
        )
        if store:
            where = SQL("%s AND store_id IN %s", where, tuple(store.ids))
        # A store whose calls keep failing waits (``export_next_try``); stores that work go
        # before the failing ones, so a store that is down holds up no other.
        self.env["storesync.store"].flush_model(["export_failures", "export_next_try"])
        where = SQL(
            "%s AND store_id NOT IN (SELECT id FROM storesync_store WHERE export_next_try > %s)",
            where,
            now,
        )
        order = SQL(
            "(SELECT COALESCE(s.export_failures, 0) > 0 FROM storesync_store s "
            "WHERE s.id = storesync_outbox.store_id), store_id, kind"
        )
        if served:
            order = SQL(
                "(store_id, kind) IN (%s), store_id IN %s, %s",
                SQL(", ").join(SQL("(%s, %s)", store_id, kind) for store_id, kind in served),
                tuple({store_id for store_id, _kind in served}),
                order,
            )
        self.env.cr.execute(
            SQL(
                "SELECT store_id, kind FROM storesync_outbox WHERE %s ORDER BY %s LIMIT 1",
                where,
                order,
            )
        )
        first = self.env.cr.fetchone()
        if not first:
            return self.browse(), {}
        store_id, kind = first
        self.env.cr.execute(
            SQL(
                """
                UPDATE storesync_outbox SET lease_until = %(lease)s, lease_pid = pg_backend_pid()
                 WHERE id IN (SELECT o.id FROM storesync_outbox o
                               WHERE %(where)s AND o.store_id = %(store_id)s
                                 AND o.kind = %(kind)s
                               ORDER BY (SELECT min(b.external_id)
                                           FROM storesync_product_binding b
                                          WHERE b.product_id = o.product_id
                                            AND b.store_id = o.store_id), o.id
                               LIMIT %(limit)s
                               FOR UPDATE SKIP LOCKED)
             RETURNING id, revision
                """,
                lease=now + LEASE,
                where=where,
                store_id=store_id,
                kind=kind,
                limit=limit or CLAIM_SIZE[kind],
            )
        )
        claimed = dict(self.env.cr.fetchall())
        self.invalidate_model(["lease_until", "lease_pid"])
        return self.browse(sorted(claimed)), claimed

    def _send(self, revisions):
        """Send these claimed rows, grouped by store and kind; record every outcome."""
        outcomes = {}
        for (store, kind), rows in self.grouped(lambda r: (r.store_id, r.kind)).items():
            if not store.active:
                message = self.env._("Not sent: the store is archived.")
                outcomes.update({row.id: {"state": "skipped", "message": message} for row in rows})
                continue
            # A store already failing gets one attempt per call, without retries: a store
            # that is down costs the run one timeout, not a chain of them.
            sender = getattr(
                store.sudo().with_context(storesync_no_retry=bool(store.export_failures)),
                f"_export_{kind}",
            )
            try:
                # One sender's unexpected failure (even one that breaks the SQL transaction)
                # rolls back only its own writes: its rows become errors, the others go on.
                with self.env.cr.savepoint():
                    outcomes.update(sender(rows))
            except StoreSyncError as error:
                # The whole call failed (store down, auth...): every row of the group waits,
                # and so does the store.
                for row in rows:
                    outcomes[row.id] = {"error": error}
                if error.retryable:
                    store.sudo()._note_export_failure()
            except Exception as error:
                _logger.exception("Store sync: unexpected error while exporting %s", kind)
                for row in rows:
                    outcomes[row.id] = {"error": error}
            else:
                store.sudo()._note_export_success()
        return self._record_outcomes(outcomes, revisions)

    def _record_outcomes(self, outcomes, revisions):
        """Write what happened to each row; a row re-queued meanwhile stays pending.

        Returns the rows re-queued by a transaction committed while this one ran: this one
        cannot write them (REPEATABLE READ), so their lease is ended after the commit
        (``_release_leases``); they keep their new revision and go with the next claim."""
        self.flush_model()
        now = fields.Datetime.now()
        stale = self.browse()
        for row in self:
            outcome = outcomes.get(row.id) or {"state": "skipped"}
            values = {
                "attempts": row.attempts + 1,
                "request": outcome.get("request"),
                "date_sent": now if outcome.get("request") else row.date_sent,
            }
            error = outcome.get("error")
            if error is None:
                values.update(
                    state=outcome.get("state", "done"),
                    last_error=outcome.get("message"),
                    next_attempt=None,
                )
            else:
                retryable = getattr(error, "retryable", False) or outcome.get("retryable")
                values["last_error"] = self._error_message(row, error)
                if retryable and values["attempts"] < MAX_ATTEMPTS:
                    values.update(
                        state="pending",
                        next_attempt=now + timedelta(minutes=2 ** (values["attempts"] - 1)),
                    )
                else:
                    values.update(state="error", next_attempt=None)
            try:
                with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                    self._write_outcome(row, values, revisions[row.id], now)
            # (pylint cannot see that psycopg2's C-defined errors are exceptions)
            except psycopg2.errors.TransactionRollbackError:  # pylint: disable=catching-non-exception
                stale |= row
        self.invalidate_recordset()
        return stale

    def _write_outcome(self, row, values, revision, now):
        """One row's outcome, unless its revision moved (then it stays pending, anew)."""
        self.env.cr.execute(
            SQL(
                """
                    UPDATE storesync_outbox
                       SET state = CASE WHEN revision = %(revision)s THEN %(state)s
                                        ELSE 'pending' END,
                           attempts = CASE WHEN revision = %(revision)s THEN %(attempts)s
                                           ELSE 0 END,
                           next_attempt = CASE WHEN revision = %(revision)s
                                               THEN %(next_attempt)s::timestamp END,
                           last_error = %(last_error)s,
                           request = %(request)s::jsonb,
                           date_sent = %(date_sent)s,
                           lease_until = NULL,
                           write_date = %(now)s
                     WHERE id = %(id)s
                    """,
                revision=revision,
                state=values["state"],
                attempts=values["attempts"],
                next_attempt=values["next_attempt"],
                last_error=values["last_error"] or None,
                request=json.dumps(values["request"]) if values["request"] else None,
                date_sent=values["date_sent"] or None,
                now=now,
                id=row.id,
            )
        )

    def _error_message(self, row, error):
        if isinstance(error, StoreSyncError):
            return row.store_id._connection_error_message(error)
        if isinstance(error, str):
            return error
        return self.env._("Unexpected error: %(error)s", error=repr(error))

    @api.model
    def _cron_export(self, store=None):
        """Send pending rows in claimed batches, committing after each, until the run's time
        budget (``storesync.store._storesync_time_left``) is spent."""
        cron = self.env["ir.cron"]
        served = []
        while self.env["storesync.store"]._storesync_time_left() > 0:
            rows, revisions = self._claim(store=store, served=served)
            if not rows:
                break
            turn = (rows[:1].store_id.id, rows[:1].kind)
            if turn in served:
                served = []  # every store and kind with due rows had its turn: a new round
            served.append(turn)
            # The lease is committed before any HTTP call: row locks are released, so a user
            # changing stock meanwhile never waits for the store.
            cron._commit_progress(0)
            stale = rows._send(revisions)
            remaining = self.search_count([("state", "=", "pending")])
            time_left = cron._commit_progress(len(rows), remaining=remaining)
            if stale:
                stale._release_leases()
                time_left = cron._commit_progress(0)
            if time_left <= 0:
                break

    # ------------------------------------------------------------------ user actions

    def action_retry(self):
        """Queue these rows again and ask the export cron to run now.

        The queue is written in raw SQL, so the user's right to change these rows is checked
        here (Store Sync managers; record rules included). Only the cron trigger runs as
        superuser (``_trigger_export``): asking for an early run is not the user's right to
        grant, and it changes no data.
        """
        self.check_access("write")
        for (store, kind), rows in self.grouped(lambda r: (r.store_id, r.kind)).items():
            self._enqueue_pairs(kind, [(store.id, res_id) for res_id in rows.mapped("res_id")])
        return True
