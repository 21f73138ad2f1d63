import json
import logging
import time
from datetime import datetime, timedelta

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, config, mute_logger

from ..adapters import PayloadError

_logger = logging.getLogger(__name__)

#: rows a processing batch takes: this many when few wait (live webhooks: each batch is
#: committed sooner), up to ``MAX_BATCH_SIZE`` when many do (a history import, a fetch after
#: downtime: bigger batches cost less per order); see ``_batch_size``
BATCH_SIZE = 50
MAX_BATCH_SIZE = 200
#: the fewest rows a batch takes when two processing jobs share the queue (``_batch_size``)
SHARED_BATCH_SIZE = 10
#: how long a claimed row stays with the worker processing it; a killed worker's rows are
#: taken again after this
LEASE = timedelta(minutes=10)
#: the processing jobs that share the inbox (``_cron_process``): the first runs every minute
#: and on every webhook; in Odoo's multi-process server it calls the others in when rows come
#: in faster than it processes them
PROCESSING_CRONS = (
    "storesync_connector.ir_cron_process_inbox",
    "storesync_connector.ir_cron_process_inbox_2",
)
#: how long a processing job waits before claiming again when every row it could take
#: shares a contact or product with a batch another job is processing
BUSY_WAIT = 0.2
#: first key of the advisory locks the importer takes (the second is a hash of what it
#: locks), so they never collide with other modules' advisory locks
IMPORT_LOCK_CLASS = 0x5353  # "SS"
#: the importer's advisory lock that processing jobs reserve stock under, one at a time
RESERVATION_LOCK = "stock:reservation"
#: context key: the ``_Reservations`` of a processing batch (see ``_reserve_deferred``)
RESERVATIONS = "storesync_inbox_reservations"
#: a Retry of more rows than this queues them for the processing cron instead of processing
#: them in the user's request
RETRY_IN_REQUEST = 10
#: context key: where ``_process_one`` leaves each row's outcome instead of writing it (the
#: processing cron writes them all at the end of the batch, see ``_process_leased``)
OUTCOMES = "storesync_inbox_outcomes"
#: context key: the processors leave confirmations to the batch (see ``_process``)
DEFER_CONFIRM = "storesync_defer_confirm"
#: context key: the ``_Batch`` of the rows being processed together; a processor leaves its
#: new records there, to be created with the batch's others in one ``create``
BATCH = "storesync_inbox_batch"
#: context key: a batch's first try processes its rows without a savepoint each; a row that
#: fails ends the try (see ``_process``)
NO_ROW_SAVEPOINT = "storesync_no_row_savepoint"
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
    # what the store sent is not sent back to it (catalogue and customer export)
    "storesync_no_catalogue_export": True,
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


#: context key: the ``_Lookahead`` of one processing run (see ``_cron_process``)
LOOKAHEAD = "storesync_inbox_lookahead"
#: how many pending rows of a store a processing run looks ahead at (``_Lookahead``)
LOOKAHEAD_ROWS = 1000


#: key of ``_Batch.prepared`` for what rows of the batch created and others reuse: dropped
#: when a row fails (its savepoint undid what it created)
VOLATILE = "volatile"


def batch_prepared(env):
    """What ``_prepare_batch`` looked up for the batch being processed ({} outside one)."""
    batch = env.context.get(BATCH)
    return batch.prepared if batch is not None else {}


class StoresyncImportError(Exception):
    """A payload that cannot become Odoo records as it is; the message is for the user.

    ``record``, when given, gets the message in its chatter once the row's savepoint has been
    rolled back (so the note survives while everything else of the attempt is undone).
    """

    def __init__(self, message, record=None):
        super().__init__(message)
        self.record = record


class _Outcomes:
    """The values each row of a leased batch ends with, written once the batch is done.

    A plain object: the context compares it by identity, never by its changing content.
    """

    def __init__(self):
        self.values = {}


class _RowsFailed(Exception):
    """Rows of a batch ended in an error: the batch's savepoint undoes what it did."""


class _Batch:
    """What the rows of one batch share: what was looked up for all of them at once before
    the first row (``prepared``, filled by each processor's ``_storesync_prepare_batch``),
    and what they leave to be done together: the new sales orders, each
    ``(row id, order values, mapped order, status action)``, created in one ``create``."""

    def __init__(self):
        self.new_orders = []
        self.prepared = {}


class _Reservations:
    """The orders a processing batch confirmed without reserving their stock (``order_ids``),
    to reserve once the batch is committed. A plain object, compared by identity in the
    context."""

    def __init__(self):
        self.order_ids = []


class _Lookahead:
    """What one processing run learns once of the rows still pending, for all its batches:
    ``values`` is filled by the processors (the options later orders sell, say), keyed as
    they like. A plain object, compared by identity in the context."""

    def __init__(self):
        self.values = {}


class StoresyncInbox(models.Model):
    """One payload received from a store: the incoming half of the sync log.

    Rows are keyed by (store, kind, external id). Fetching and webhooks only write rows; the
    processing cron turns pending rows into Odoo records, each row in its own savepoint, so a
    row ends as done (with its record), skipped (with the reason) or error (with the reason).

    The cron claims a batch with a lease and commits before processing it, like the outbox:
    the rows are not locked while the batch runs, so a webhook refreshing one of them never
    waits. Each new payload bumps ``revision``; a row re-opened while it was being processed
    keeps its new payload and stays pending, and the batch's outcome for it is dropped.
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
    revision = fields.Integer(readonly=True, default=1, copy=False)
    lease_until = fields.Datetime(
        string="Being Processed Until",
        readonly=True,
        copy=False,
        help="A processing job holds this row until then; after it, another job takes it.",
    )
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
        version. A re-opened row starts counting its attempts again, forgets its last error
        and gets a new revision (a batch processing the older payload meanwhile does not
        write its outcome over it). An older payload (a late webhook) never replaces a newer
        one, and an identical payload (same content hash) changes nothing, so re-fetching is
        free. A row leased by a processing job is not locked: this never waits for it.
        """
        if not items:
            return 0
        self.flush_model()
        now = fields.Datetime.now()
        values = SQL(", ").join(
            SQL(
                "(%s, %s, %s, %s, %s, %s, %s::jsonb, %s, 'pending', 0, 1, %s, %s, %s, %s)",
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
                    content_hash, state, attempts, revision, create_uid, create_date, write_uid,
                    write_date
                ) VALUES %(values)s
                ON CONFLICT (store_id, kind, external_id) DO UPDATE SET
                    name = EXCLUDED.name,
                    external_date = EXCLUDED.external_date,
                    payload = EXCLUDED.payload,
                    content_hash = EXCLUDED.content_hash,
                    state = 'pending',
                    attempts = 0,
                    last_error = NULL,
                    revision = storesync_inbox.revision + 1,
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

    def _reopen(self):
        """Put these rows back in the queue as new: pending, no attempts, no last error, and a
        new revision (a batch processing one of them meanwhile does not write over it)."""
        if not self:
            return self
        # Raw SQL below: ORM writes to these rows must reach the table first.
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE storesync_inbox
                   SET state = 'pending', attempts = 0, last_error = NULL,
                       revision = revision + 1, write_uid = %(uid)s, write_date = %(now)s
                 WHERE id IN %(ids)s
                """,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                ids=tuple(self.ids),
            )
        )
        self.invalidate_recordset()
        return self

    @api.model
    def _pending_where(self, store=None):
        """Pending rows no processing job holds (no lease, or an expired one)."""
        where = SQL("state = 'pending' AND %s", self._lease_free_sql(fields.Datetime.now()))
        if store:
            where = SQL("%s AND store_id IN %s", where, tuple(store.ids))
        return where

    @api.model
    def _lock_pending(self, limit=BATCH_SIZE, store=None):
        """Take up to ``limit`` pending rows no other worker holds (FOR UPDATE SKIP LOCKED),
        for processing within this transaction (the rows stay locked until it ends)."""
        # Raw SQL below: states written through the ORM must reach the table first.
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM storesync_inbox WHERE %s "
                "ORDER BY external_date NULLS FIRST, id LIMIT %s FOR UPDATE SKIP LOCKED",
                self._pending_where(store),
                limit,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _claim(self, limit=BATCH_SIZE, store=None):
        """Lease up to ``limit`` pending rows to this worker; return them and their revisions.

        The caller commits the lease before processing (see ``_cron_process``): from then on
        the rows are not locked, and a row whose lease ran out (its worker was killed) is
        pending and free for the next claim.
        """
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE storesync_inbox SET lease_until = %(lease)s, lease_pid = pg_backend_pid()
                 WHERE id IN (SELECT id FROM storesync_inbox
                               WHERE %(where)s
                               ORDER BY external_date NULLS FIRST, id
                               LIMIT %(limit)s
                               FOR UPDATE SKIP LOCKED)
             RETURNING id, revision, external_date
                """,
                lease=fields.Datetime.now() + LEASE,
                where=self._pending_where(store),
                limit=limit,
            )
        )
        # Oldest payloads first, as they were selected (RETURNING keeps no order).
        claimed = sorted(
            self.env.cr.fetchall(),
            key=lambda row: (row[2] is not None, row[2] or datetime.min, row[0]),
        )
        self.invalidate_model(["lease_until", "lease_pid"])
        rows = self.browse([row_id for row_id, _revision, _date in claimed])
        return rows, {row_id: revision for row_id, revision, _date in claimed}

    @api.model
    def _claim_apart(self, limit=BATCH_SIZE):
        """Claim like ``_claim``, keeping only rows whose contacts and products no other
        processing job is at: several jobs share the inbox (``PROCESSING_CRONS``).

        What each row may create or change is named by its processor
        (``_storesync_claim_keys(rows)``: ``{row id: keys}``, the keys of the importer's
        advisory locks). They are taken here with session-level locks that outlive the
        claim's commit, so the batch's transaction starts after them and sees whatever the
        job that held them before committed; Odoo's transactions being REPEATABLE READ, a lock
        first waited for inside the batch would leave it reading records as they were before
        the other job's commit. A row with a key another job holds is let go (its lease
        ended) for a later claim. Returns the rows kept, their revisions, the keys held (to
        let go with ``_let_go`` once the batch is committed) and how many rows were let go
        (or 1 when the claim met another job's and is to be made again). When one job runs
        alone (``_jobs_share_queue``), a plain claim.
        """
        if not self._jobs_share_queue():
            rows, revisions = self._claim(limit)
            return rows, revisions, set(), 0
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                rows, revisions = self._claim(limit)
        # (pylint cannot see that psycopg2's C-defined errors are exceptions)
        except psycopg2.errors.TransactionRollbackError:  # pylint: disable=catching-non-exception
            # Another job changed rows this claim would take since this transaction began
            # (REPEATABLE READ): claim again in a new one.
            return self.browse(), {}, set(), 1
        wanted = {}
        for kind, kind_rows in rows.grouped("kind").items():
            processor = PROCESSORS.get(kind) and self.env[PROCESSORS[kind]]
            if processor is not None and hasattr(processor, "_storesync_claim_keys"):
                wanted.update(processor.sudo()._storesync_claim_keys(kind_rows))
        keys = sorted({key for row_keys in wanted.values() for key in row_keys})
        got = set()
        if keys:
            self.env.cr.execute(
                SQL(
                    "SELECT key FROM unnest(%s::text[]) AS key "
                    "WHERE pg_try_advisory_lock(%s, hashtext(key))",
                    keys,
                    IMPORT_LOCK_CLASS,
                )
            )
            got = {key for (key,) in self.env.cr.fetchall()}
        busy = rows.filtered(lambda row: not got.issuperset(wanted.get(row.id, ())))
        kept = rows - busy
        held = {key for row in kept for key in wanted.get(row.id, ())}
        self._let_go(got - held)
        if busy:
            self.env.cr.execute(
                SQL(
                    "UPDATE storesync_inbox SET lease_until = NULL, lease_pid = NULL "
                    "WHERE id IN %s",
                    tuple(busy.ids),
                )
            )
            busy.invalidate_recordset(["lease_until", "lease_pid"])
        return kept, {row_id: revisions[row_id] for row_id in kept.ids}, held, len(busy)

    @api.model
    def _let_go(self, keys):
        """Release the session-level locks ``_claim_apart`` took on ``keys``."""
        if keys:
            self.env.cr.execute(
                SQL(
                    "SELECT pg_advisory_unlock(%s, hashtext(key)) FROM unnest(%s::text[]) AS key",
                    IMPORT_LOCK_CLASS,
                    sorted(keys),
                )
            )

    def _process_leased(self, revisions):
        """Process these claimed rows, then write each outcome unless the row was re-opened
        meanwhile (its ``revision`` moved): that row keeps its new payload, stays pending and
        goes again. Returns the rows re-opened by a transaction committed while this one ran:
        this transaction cannot touch them (see ``_lock_revisions``), so their lease is released by
        ``_release_leases`` after the commit. Every other row's lease ends here."""
        outcomes = _Outcomes()
        self.with_context(**{OUTCOMES: outcomes})._process()
        self.flush_model()
        self.invalidate_recordset()
        current, stale = self._lock_revisions()
        for row in self - stale:
            if row.id not in current:
                continue  # deleted meanwhile
            values = {"lease_until": False}
            if current[row.id] == revisions.get(row.id):
                values.update(outcomes.values.get(row.id, {}))
            row.write(values)
        return stale

    def _lock_revisions(self):
        """Lock these rows for the few statements left before the commit, so no newer
        payload slips in between the revision check and the write; return their current
        revisions ``{id: revision}`` (a deleted row has none) and the rows that cannot be
        locked: Odoo's transactions are REPEATABLE READ, so a row another transaction changed
        and committed after this one began cannot be locked or written here. All rows in one
        statement; one by one when one of them is such a row. A row changed meanwhile is
        expected here, not an error for the server log."""
        if not self:
            return {}, self
        query = "SELECT id, revision FROM storesync_inbox WHERE id IN %s FOR UPDATE"
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL(query, tuple(self.ids)))
                return dict(self.env.cr.fetchall()), self.browse()
        # (pylint cannot see that psycopg2's C-defined errors are exceptions)
        except psycopg2.errors.TransactionRollbackError:  # pylint: disable=catching-non-exception
            if len(self) == 1:
                return {}, self
        current, stale = {}, self.browse()
        for row in self:
            row_current, row_stale = row._lock_revisions()
            current.update(row_current)
            stale |= row_stale
        return current, stale

    def _process(self):
        """Process these rows; never raise for one bad row.

        A batch is batch-shaped: its processors look up what all its rows need first and
        create what none of them has yet, together (``_prepare_batch``); its new orders are
        created in one ``create`` and confirmed with one ``action_confirm`` at the end, which
        costs less than once per order (defaults, computes, stock rules, procurements,
        pickings). The first try takes no savepoint per row. A row that ends in an error (or
        is to be retried) undoes the batch: it goes again with a savepoint per row, to learn
        which rows fail, then without them, and they are processed on their own, so what the
        batch made for them (a product, a contact) is not left behind. If the batch fails as a
        whole, or fails again, its rows are processed one at a time, each order created and
        confirmed in its own row's savepoint: a failing order is that row's error and nothing
        else is lost.
        """
        if len(self) > 1 and not self.env.context.get(DEFER_CONFIRM):
            failed = self._process_together(row_savepoints=False)
            if failed is not None and not failed:
                # The first try ended at a failing row, or failed as a whole.
                failed = self._process_together()
            if failed is None:
                return
            rest = self - failed
            if failed and len(rest) > 1 and rest._process_together() is None:
                for row in failed.with_context(**{DEFER_CONFIRM: False, BATCH: None}):
                    row._process_one()
                return
        for row in self.with_context(**{DEFER_CONFIRM: False, BATCH: None}):
            row._process_one()

    def _process_together(self, row_savepoints=True):
        """Process these rows as one batch (see ``_process``). Returns None when every row
        is done or skipped; else everything of the attempt is undone and it returns the rows
        that failed (none when the batch failed as a whole). Without ``row_savepoints`` (the
        first try, two statements less per row) the first row that fails ends the attempt,
        which then returns no rows."""
        batch = _Batch()
        deferred = self.with_context(
            **{DEFER_CONFIRM: True, BATCH: batch, NO_ROW_SAVEPOINT: not row_savepoints}
        )
        failed = self.browse()
        try:
            with self.env.cr.savepoint():
                deferred._prepare_batch()
                confirm_ids = []
                for row in deferred:
                    state, row_confirm_ids = row._process_one()
                    confirm_ids += row_confirm_ids
                    if state in ("error", "pending"):
                        failed |= row
                if failed:
                    raise _RowsFailed()
                confirm_ids += self._create_batch_orders(batch)
                if confirm_ids:
                    Sale = self.env["sale.order"].sudo().with_context(**IMPORT_CONTEXT)
                    Sale.browse(confirm_ids)._storesync_confirm()
            return None
        except _RowsFailed:
            if failed:
                _logger.info(
                    "Store sync: %s of %s rows failed together; again without them",
                    len(failed),
                    len(self),
                )
        except Exception:
            _logger.log(
                logging.INFO if row_savepoints else logging.DEBUG,
                "Store sync: processing %s rows together failed; "
                + ("one by one instead" if row_savepoints else "again, each row on its own"),
                len(self),
                exc_info=True,
            )
            failed = self.browse()
        self.invalidate_recordset()
        outcomes = self.env.context.get(OUTCOMES)
        if outcomes is not None:
            for row_id in self.ids:
                outcomes.values.pop(row_id, None)
        return failed

    def _prepare_batch(self):
        """Let each kind's processor look up what these rows need, in a few queries for all
        of them (``_storesync_prepare_batch(rows)``, optional)."""
        for kind, rows in self.grouped("kind").items():
            processor = PROCESSORS.get(kind) and self.env[PROCESSORS[kind]]
            if processor is not None and hasattr(processor, "_storesync_prepare_batch"):
                processor.sudo().with_context(**IMPORT_CONTEXT)._storesync_prepare_batch(rows)

    def _create_batch_orders(self, batch):
        """Create the batch's new sales orders in one ``create``; give each row its order.
        Returns the ids of the orders to confirm. Any failure is the whole batch's (see
        ``_process``)."""
        if not batch.new_orders:
            return []
        Sale = self.env["sale.order"].sudo().with_context(**IMPORT_CONTEXT)
        created = Sale._storesync_create_many([item[1:] for item in batch.new_orders])
        outcomes = self.env.context.get(OUTCOMES)
        confirm_ids = []
        for (row_id, *_item), (sale, confirm) in zip(batch.new_orders, created, strict=True):
            if outcomes is None:
                self.browse(row_id).write(sale._storesync_row_record())
            else:
                outcomes.values[row_id].update(sale._storesync_row_record())
            if confirm:
                confirm_ids.append(sale.id)
        return confirm_ids

    def _process_one(self):
        """Process this row with its kind's processor; return its state and the order ids
        left to confirm."""
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
            if self.env.context.get(NO_ROW_SAVEPOINT):
                # The batch's own savepoint undoes it all if this row fails (``_process``).
                try:
                    result = store.env[processor]._storesync_process_row(store, self)
                except Exception as error:
                    raise _RowsFailed() from error
            else:
                with self.env.cr.savepoint():
                    result = store.env[processor]._storesync_process_row(store, self)
        except _RowsFailed:
            raise  # the batch's first try ends here (see NO_ROW_SAVEPOINT)
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
        batch = self.env.context.get(BATCH)
        if batch is not None and values.get("state") in ("error", "pending"):
            batch.prepared.pop(VOLATILE, None)
        outcomes = self.env.context.get(OUTCOMES)
        if outcomes is None:
            self.write(values)
        else:
            outcomes.values[self.id] = values
        return values["state"], confirm_ids

    def _error_text(self, error):
        if isinstance(error, PayloadError):
            return self.env._("The store sent a malformed payload: %(error)s", error=str(error))
        if isinstance(error, (UserError, ValidationError)):
            return error.args[0] if error.args else str(error)
        return str(error)

    @api.model
    def _cron_process(self):
        """Process pending rows in leased batches, committing after each, until time is up.

        Several jobs may run this at once (``PROCESSING_CRONS``, see ``_claim_apart``): in
        Odoo's multi-process server, when rows came in while a batch ran, this job calls the
        others in, and the stock of the orders a batch confirms is reserved after its commit
        (``_reserve_deferred``)."""
        cron = self.env["ir.cron"]
        # The batches of this run share what they learn of the rows still to come.
        Inbox = self.with_context(**{LOOKAHEAD: _Lookahead()})
        remaining = self.search_count([("state", "=", "pending")])
        while True:
            batch, revisions, held, busy = Inbox._claim_apart(self._batch_size(remaining))
            if not batch:
                # Every row it could take may be another job's business for now.
                if not busy or cron._commit_progress(0) <= 0:
                    break
                time.sleep(BUSY_WAIT)
                continue
            # The lease is committed before processing: the rows are not locked while the
            # batch runs, so a webhook bringing a newer payload for one of them never waits.
            reservations = _Reservations() if self._jobs_share_queue() else None
            try:
                cron._commit_progress(0)
                stale = batch.with_context(**{RESERVATIONS: reservations})._process_leased(
                    revisions
                )
                remaining = self.search_count([("state", "=", "pending")])
                if remaining and self._jobs_share_queue():
                    # Rows came in while this batch ran: the other jobs share the queue.
                    self._trigger_processing(others=True)
                time_left = cron._commit_progress(len(batch), remaining=remaining)
            except Exception:
                # Session-level locks outlive a rollback: they must not outlive this job.
                self.env.cr.rollback()
                raise
            finally:
                self._let_go(held)
            if reservations is not None:
                self._reserve_deferred(reservations.order_ids)
            if stale:
                stale._release_leases()
                time_left = cron._commit_progress(0)
            if time_left <= 0:
                break
        if self._claimable():
            # Rows came in after the last claim, or another job held them when this one
            # claimed: their webhooks' calls, if any, came while this job ran (a running job
            # is not started twice), so it runs again.
            self._trigger_processing()
            cron._commit_progress(0)

    @api.model
    def _claimable(self):
        """Whether a pending row is free for the next claim."""
        self.flush_model()
        self.env.cr.execute(
            SQL("SELECT 1 FROM storesync_inbox WHERE %s LIMIT 1", self._pending_where())
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _reserve_deferred(self, order_ids):
        """Reserve the stock of orders a batch confirmed without it (``RESERVATIONS``), once
        the batch is committed, as Odoo would have at their confirmation. Processing jobs side
        by side do it one at a time, under an advisory lock taken before the reservation's
        transaction begins: each then sees the quants the other committed (Odoo's
        transactions are REPEATABLE READ: of two updating one quant, the second fails). What
        another transaction's change keeps from being reserved now is left to Odoo's
        scheduler, as for any confirmed delivery."""
        if not order_ids:
            return
        cron, cr = self.env["ir.cron"], self.env.cr
        lock = SQL("%s, hashtext(%s)", IMPORT_LOCK_CLASS, RESERVATION_LOCK)
        cr.execute(SQL("SELECT pg_advisory_lock(%s)", lock))
        try:
            cron._commit_progress(0)
            orders = self.env["sale.order"].sudo().browse(order_ids).exists()
            orders.picking_ids.move_ids.filtered(
                lambda move: (
                    move.state in ("confirmed", "partially_available")
                    and move._should_assign_at_confirm()
                )
            )._action_assign()
            cron._commit_progress(0)
        # (pylint cannot see that psycopg2's C-defined errors are exceptions)
        except TRANSIENT_DB_ERRORS as error:  # pylint: disable=catching-non-exception
            cr.rollback()
            _logger.info(
                "Store sync: stock of %s imported orders left to the scheduler: %s",
                len(order_ids),
                error,
            )
        except Exception:
            cr.rollback()
            raise
        finally:
            cr.execute(SQL("SELECT pg_advisory_unlock(%s)", lock))

    @api.model
    def _jobs_share_queue(self):
        """Whether several processing jobs may run at once: in Odoo's multi-process server
        (``--workers``), see ``_cron_process_helper``. Alone, a job needs neither to keep its
        claims apart nor to reserve stock after its batches."""
        return bool(config["workers"])

    @api.model
    def _cron_process_helper(self):
        """The second processing job (``PROCESSING_CRONS``): processes like the first, which
        calls it in when rows come in faster than it processes them; only in Odoo's multi-process
        server (``--workers``): in the threaded one, both jobs would share one Python
        interpreter, and the second would only compete with the first."""
        if self._jobs_share_queue():
            self._cron_process()

    @api.model
    def _batch_size(self, waiting):
        """How many of ``waiting`` pending rows the next batch takes: half of them, within
        ``BATCH_SIZE`` and ``MAX_BATCH_SIZE``. In Odoo's multi-process server, where two jobs
        share the queue, a few live webhooks are split between them too: half of what waits,
        from ``SHARED_BATCH_SIZE`` up."""
        floor = SHARED_BATCH_SIZE if self._jobs_share_queue() else BATCH_SIZE
        return min(MAX_BATCH_SIZE, max(floor, waiting // 2))

    @api.model
    def _trigger_processing(self, others=False):
        """Ask the processing cron to run now (again, if it is the job running this);
        ``others``: the other processing jobs (not the first, nor the one running this), to
        share a backlog."""
        for xmlid in PROCESSING_CRONS[1:] if others else PROCESSING_CRONS[:1]:
            cron = self.env.ref(xmlid, raise_if_not_found=False)
            if not cron or not cron.sudo().active:
                continue
            if others and cron.id == self.env.context.get("cron_id"):
                continue
            cron.sudo()._trigger()

    # ------------------------------------------------------------------ user actions

    def action_retry(self):
        """Put rows back in the queue as new (attempts and last error cleared).

        A few rows are processed at once, in this request and as the crons would
        (superuser: the importer creates contacts and products a Store Sync manager may not
        create); more are left to the processing cron, which is asked to run now, so a
        Retry of thousands of rows never holds the user's request (or its locks) for long.
        """
        self._reopen()
        if len(self) <= RETRY_IN_REQUEST:
            # Rows a processing job holds right now go again after it (new revision).
            now = fields.Datetime.now()
            free = self.filtered(lambda row: not row.lease_until or row.lease_until < now)
            free.sudo()._process()
            return True
        self._trigger_processing()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Retry"),
                "message": self.env._(
                    "%(count)s rows are queued; they are processed in the background.",
                    count=len(self),
                ),
                "type": "info",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

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
