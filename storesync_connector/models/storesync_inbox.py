import json
import logging

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..adapters import PayloadError

_logger = logging.getLogger(__name__)

BATCH_SIZE = 50
#: context key: the processors leave confirmations to the batch (see ``_process``)
DEFER_CONFIRM = "storesync_defer_confirm"
#: the processor of each payload kind: a model with ``_storesync_process_row(store, row)``
PROCESSORS = {
    "order": "sale.order",
    "product": "product.product",
    "category": "product.category",
}
#: how the importer runs: a status that came from the store is not sent back to it; the
#: contacts, products and deliveries it creates get no "created" message and no follower
#: (nobody follows them for the import's sake); changes stay tracked
IMPORT_CONTEXT = {
    "storesync_no_status_export": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
}
#: tries after which a payload still hitting "transient" database errors becomes an error row
TRANSIENT_ATTEMPTS = 5
#: database errors that say "someone else was at it", not "this payload is wrong"
TRANSIENT_DB_ERRORS = (
    psycopg2.errors.TransactionRollbackError,  # deadlock, serialization failure
    psycopg2.errors.LockNotAvailable,
    psycopg2.errors.QueryCanceled,
    psycopg2.errors.UniqueViolation,
)


class StoresyncImportError(Exception):
    """A payload that cannot become Odoo records as it is; the message is for the user.

    ``record``, when given, gets the message in its chatter once the row's savepoint has been
    rolled back (so the note survives while everything else of the attempt is undone).
    """

    def __init__(self, message, record=None):
        super().__init__(message)
        self.record = record


class StoresyncInbox(models.Model):
    """One payload received from a store: the incoming half of the sync log.

    Rows are keyed by (store, kind, external id). Fetching and webhooks only write rows; the
    processing cron turns pending rows into Odoo records, each row in its own savepoint, so a
    row ends as done (with its record), skipped (with the reason) or error (with the reason).
    """

    _name = "storesync.inbox"
    _inherit = ["storesync.store.mixin", "storesync.log.mixin"]
    _description = "Store Sync Log (incoming)"
    _order = "id desc"
    _rec_name = "name"

    store_id = fields.Many2one(readonly=True)
    kind = fields.Selection(
        [
            ("order", "Order"),
            ("product", "Product"),
            ("category", "Product Category"),
            ("customer", "Customer"),
        ],
        required=True,
        readonly=True,
    )
    external_id = fields.Char(string="External ID", required=True, readonly=True)
    name = fields.Char(readonly=True)
    external_date = fields.Datetime(
        string="Modified on Store", readonly=True, help="The store's modification date."
    )
    payload = fields.Json(string="Raw Payload", readonly=True)
    payload_text = fields.Text(string="Payload", compute="_compute_payload_text")
    content_hash = fields.Char(readonly=True, copy=False)
    date_processed = fields.Datetime(string="Processed on", readonly=True)
    res_model = fields.Char(string="Record Model", readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", readonly=True)
    order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )

    _store_kind_external_uniq = models.Constraint(
        "UNIQUE(store_id, kind, external_id)",
        "A store payload is kept once per kind and external ID.",
    )

    @api.depends("payload")
    def _compute_payload_text(self):
        for row in self:
            row.payload_text = self._json_text(row.payload)

    # ------------------------------------------------------------------ writing rows

    @api.model
    def _upsert(self, store, kind, items):
        """Insert or refresh rows for payloads received from a store; return how many changed.

        ``items`` are dicts with ``external_id``, ``name``, ``external_date`` (naive UTC),
        ``payload`` and ``content_hash``. A payload with other content and a modification
        date at least as new replaces the row and re-opens it, whatever its state: store dates
        count in seconds, so two versions can share one, and the later fetch is the current
        version. An older payload (a late webhook) never replaces a newer one, and an
        identical payload (same content hash) changes nothing, so re-fetching is free.
        """
        if not items:
            return 0
        self.flush_model()
        now = fields.Datetime.now()
        values = SQL(", ").join(
            SQL(
                "(%s, %s, %s, %s, %s, %s, %s::jsonb, %s, 'pending', 0, %s, %s, %s, %s)",
                store.id,
                store.company_id.id,
                kind,
                str(item["external_id"]),
                item.get("name"),
                item.get("external_date"),
                json.dumps(item["payload"]),
                item.get("content_hash"),
                self.env.uid,
                now,
                self.env.uid,
                now,
            )
            for item in items
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO storesync_inbox (
                    store_id, company_id, kind, external_id, name, external_date, payload,
                    content_hash, state, attempts, create_uid, create_date, write_uid, write_date
                ) VALUES %(values)s
                ON CONFLICT (store_id, kind, external_id) DO UPDATE SET
                    name = EXCLUDED.name,
                    external_date = EXCLUDED.external_date,
                    payload = EXCLUDED.payload,
                    content_hash = EXCLUDED.content_hash,
                    state = 'pending',
                    write_uid = EXCLUDED.write_uid,
                    write_date = EXCLUDED.write_date
                WHERE storesync_inbox.content_hash IS DISTINCT FROM EXCLUDED.content_hash
                  AND (storesync_inbox.external_date IS NULL
                       OR EXCLUDED.external_date IS NULL
                       OR EXCLUDED.external_date >= storesync_inbox.external_date)
                RETURNING id
                """,
                values=values,
            )
        )
        changed = len(self.env.cr.fetchall())
        # Rows were written behind the ORM's back.
        self.invalidate_model()
        return changed

    # ------------------------------------------------------------------ processing

    @api.model
    def _lock_pending(self, limit=BATCH_SIZE, store=None):
        """Take up to ``limit`` pending rows no other worker holds (FOR UPDATE SKIP LOCKED)."""
        # Raw SQL below: states written through the ORM must reach the table first.
        self.flush_model()
        where = SQL("state = 'pending'")
        if store:
            where = SQL("%s AND store_id IN %s", where, tuple(store.ids))
        self.env.cr.execute(
            SQL(
                "SELECT id FROM storesync_inbox WHERE %s "
                "ORDER BY external_date NULLS FIRST, id LIMIT %s FOR UPDATE SKIP LOCKED",
                where,
                limit,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _process(self):
        """Process these rows, each in its own savepoint; never raise for one bad row.

        Orders to confirm are confirmed together at the end: one ``action_confirm`` for the
        batch costs less than one per order (stock rules, procurements, pickings). If that
        fails, the whole batch is undone and processed again one row at a time, each order
        confirmed in its own row's savepoint, so a failing confirmation is that row's error
        and nothing else is lost. A row that ends in an error never touches the others.
        """
        if len(self) > 1 and not self.env.context.get(DEFER_CONFIRM):
            deferred = self.with_context(**{DEFER_CONFIRM: True})
            confirm_ids = []
            try:
                with self.env.cr.savepoint():
                    for row in deferred:
                        confirm_ids += row._process_one()
                    if confirm_ids:
                        Sale = self.env["sale.order"].sudo().with_context(**IMPORT_CONTEXT)
                        Sale.browse(confirm_ids)._storesync_confirm()
                return
            except Exception:
                _logger.info(
                    "Store sync: confirming %s orders together failed; one by one instead",
                    len(confirm_ids),
                    exc_info=True,
                )
                self.invalidate_recordset()
        for row in self.with_context(**{DEFER_CONFIRM: False}):
            row._process_one()

    def _process_one(self):
        """Process this row with its kind's processor; return the order ids left to confirm."""
        self.ensure_one()
        # The importer writes what the store owns (contacts, products, synced orders): it acts
        # as the system, whoever triggered it (see IMPORT_CONTEXT).
        store = self.store_id.sudo().with_context(**IMPORT_CONTEXT)
        processor = PROCESSORS.get(self.kind)
        values = {"attempts": self.attempts + 1, "date_processed": fields.Datetime.now()}
        confirm_ids = []
        try:
            if processor is None:
                raise StoresyncImportError(
                    self.env._("Payloads of kind %(kind)s cannot be processed.", kind=self.kind)
                )
            with self.env.cr.savepoint():
                result = store.env[processor]._storesync_process_row(store, self)
        # (pylint cannot see that psycopg2's C-defined errors are exceptions)
        except TRANSIENT_DB_ERRORS as error:  # pylint: disable=catching-non-exception
            # Another job held or changed the same records (a lock wait cut short, a
            # deadlock, a unique key taken meanwhile): the savepoint undid this attempt and
            # the row waits for the next run, which will find the other job's records.
            _logger.info("Store sync: %s retried later: %s", self.display_name, error)
            values.update(
                # A conflict that keeps coming back is not a passing one: stop and show it.
                state="pending" if values["attempts"] < TRANSIENT_ATTEMPTS else "error",
                last_error=self.env._(
                    "Another job was changing the same records; this payload is tried again "
                    "on the next run (%(error)s).",
                    error=type(error).__name__,
                ),
            )
        except (StoresyncImportError, PayloadError, UserError, ValidationError) as error:
            values.update(state="error", last_error=self._error_text(error))
            record = getattr(error, "record", None)
            if record and hasattr(record, "message_post"):
                record.message_post(body=values["last_error"])
        except Exception as error:
            _logger.exception("Store sync: unexpected error on %s", self.display_name)
            values.update(
                state="error",
                last_error=self.env._("Unexpected error: %(error)s", error=repr(error)),
            )
        else:
            result = dict(result or {"state": "done"})
            confirm_ids = result.pop("confirm_ids", [])
            values.update(result)
            values.setdefault("state", "done")
            if values["state"] != "error":
                values.setdefault("last_error", False)
        self.write(values)
        return confirm_ids

    def _error_text(self, error):
        if isinstance(error, PayloadError):
            return self.env._("The store sent a malformed payload: %(error)s", error=str(error))
        if isinstance(error, (UserError, ValidationError)):
            return error.args[0] if error.args else str(error)
        return str(error)

    @api.model
    def _cron_process(self):
        """Process pending rows in batches, committing after each batch, until time is up."""
        cron = self.env["ir.cron"]
        while True:
            batch = self._lock_pending()
            if not batch:
                break
            batch._process()
            remaining = self.search_count([("state", "=", "pending")])
            if cron._commit_progress(len(batch), remaining=remaining) <= 0:
                break

    # ------------------------------------------------------------------ user actions

    def action_retry(self):
        """Put rows back in the queue and process them now, as the crons would (superuser:
        the importer creates contacts and products a Store Sync manager may not create)."""
        self.write({"state": "pending"})
        self.sudo()._process()
        return True

    def action_create_missing_mappings(self):
        """Add empty mappings for the statuses, taxes and methods this payload uses."""
        self.ensure_one()
        try:
            order = self.store_id._get_adapter_class().map_order(self.payload)
        except PayloadError as error:
            raise UserError(
                self.env._(
                    "This payload cannot be read, so there is nothing to map: %(error)s",
                    error=str(error),
                )
            ) from error
        self.store_id._create_missing_mappings(order)
        return {
            "type": "ir.actions.act_window",
            "res_model": "storesync.store",
            "res_id": self.store_id.id,
            "view_mode": "form",
        }
