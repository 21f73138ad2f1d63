"""Fetch: store → sync log (network only). Each payload lands as one pending inbox row."""

import logging
import time
from datetime import datetime, timedelta

import psycopg2.errors
from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from odoo import api, fields, models
from odoo.tools import SQL, config, format_datetime

from odoo.addons.base.models.ir_cron import MIN_TIME_PER_JOB

from ..adapters import StoreSyncError

_logger = logging.getLogger(__name__)

# Re-read a little before the cursor: store filters are "strictly after", to the second, and
# an order saved while we were paging may carry a modification date just behind the newest one.
CURSOR_OVERLAP = timedelta(minutes=5)
ONE_SECOND = timedelta(seconds=1)
#: where a fetch of the whole history starts when the store cannot say its oldest order
HISTORY_FLOOR = datetime(2000, 1, 1)
#: an open listing of up to this many pages is read page by page rather than in windows
PAGED_LISTING_MAX_PAGES = 5
#: a fetch window is sized to fill this share of a page, so the next one, like it, still fits
WINDOW_FILL = 0.8
#: a window is at most this many times as long as the one before (a quiet month, then a sale)
WINDOW_GROWTH = 8
#: a store whose fetch failed waits 1, 2, 4... minutes before the next try, at most this long
BACKOFF_MAX = timedelta(minutes=60)
#: open orders a fetch reads again, at most, for a platform whose listing finds new orders
#: only (``order_listing_by_creation``): a few requests of ids (``max_page_size`` a request)
REREAD_PER_FETCH = 300
#: ...among those created in this many days (an order open longer is left as it is)
REREAD_DAYS = 60
#: a cron job starts no store's fetch after this many seconds...
RUN_BUDGET = 60
#: ...nor after this share of Odoo's time limit for a cron (``limit_time_real_cron``, else
#: ``limit_time_real``): the store begun last still has time to finish, with its timeouts
RUN_BUDGET_SHARE = 0.3


def _pages(adapter, first, bounds):
    """``first`` and the pages after it, up to the last page the store reports."""
    page, number = first, 1
    yield page
    # Without the page count (a proxy strips it), a short page is the last.
    while (
        number < page.total_pages
        if page.total_pages is not None
        else len(page) >= bounds["per_page"]
    ):
        number += 1
        page = adapter.fetch_orders_page(number, **bounds)
        if not page:
            return
        yield page


def _whole_seconds(delta):
    return max(timedelta(seconds=int(delta.total_seconds())), ONE_SECOND)


class StoresyncStore(models.Model):
    # One concern per file (STYLE.md): the store's import settings live in
    # storesync_store_import.py.
    _inherit = "storesync.store"  # pylint: disable=consider-merging-classes-inherited

    orders_fetch_failures = fields.Integer(
        string="Failed Fetch Attempts",
        readonly=True,
        copy=False,
        help="Order fetches in a row that failed; the fetch cron waits longer after each "
        "(1, 2, 4... minutes, at most an hour). A fetch that works resets it.",
    )
    orders_failing_since = fields.Datetime(
        string="Fetch Failing Since",
        readonly=True,
        copy=False,
        help="When the first of the failed order fetches in a row happened.",
    )
    orders_reread_cursor = fields.Integer(
        string="Re-read Orders From",
        readonly=True,
        copy=False,
        help="Where the next re-read of open orders goes on (a sync log row id), for a "
        "platform whose order listing finds new orders only.",
    )
    orders_next_try = fields.Datetime(
        string="Next Fetch Attempt",
        readonly=True,
        copy=False,
        help="A store whose fetch keeps failing is not tried by the fetch cron before this "
        "moment; “Update orders” tries it at once.",
    )

    @api.model
    def _storesync_run_budget(self):
        """Seconds a cron job may spend starting store calls: ``RUN_BUDGET``, and well under
        Odoo's time limit for a cron, so no run is killed by it (which restarts Odoo)."""
        limit = config.get("limit_time_real_cron") or 0
        if limit <= 0:
            limit = config.get("limit_time_real") or 0
        return min(RUN_BUDGET, limit * RUN_BUDGET_SHARE) if limit > 0 else RUN_BUDGET

    @api.model
    def _storesync_time_left(self):
        """Seconds this cron job may still start a store's fetch (infinite outside a cron).

        The budget runs from the job's start (Odoo calls the job's code again while it
        reports work remaining), which ``ir.cron`` tells as ``cron_end_time``: the start plus
        ``MIN_TIME_PER_JOB``.
        """
        end = self.env.context.get("cron_end_time")
        if end is None:
            return float("inf")
        started = end - MIN_TIME_PER_JOB
        return started + self._storesync_run_budget() - time.monotonic()

    @api.model
    def _cron_fetch_orders(self):
        """Fetch changed orders of every store whose import interval has elapsed.

        One store's failure, expected (down, refusing us) or not, is written on that store and
        never stops the fetch of the others. A store whose fetches keep failing waits before
        its next try (``orders_next_try``); stores that worked are fetched first, and no store
        is begun once the run's time budget is spent: the rest go to the next run, which Odoo
        starts at once as this one reports them remaining.
        """
        now = fields.Datetime.now()
        soon = now + timedelta(seconds=5)
        due = self.search([("import_orders", "=", True)]).filtered(
            lambda store: (
                not (
                    store.orders_fetched_at
                    and store.orders_fetched_at + timedelta(minutes=store.import_interval) > soon
                )
                and not (store.orders_next_try and store.orders_next_try > soon)
            )
        )
        # Stores known to work first, then those never fetched yet (new, or not reached by
        # an earlier run: they may be down too), then the failing ones, longest waiting first.
        due = due.sorted(
            lambda store: (
                bool(store.orders_fetch_failures),
                not store.orders_fetched_at,
                store.orders_next_try or now,
            )
        )
        self._fetch_orders_of(due)

    @api.model
    def _fetch_orders_of(self, stores, done=None, refs=None):
        """Fetch these stores in turn within the cron's time budget, committing after each;
        ``done`` is called on each store fetched; ``refs``: ``{store id: order ids}`` that
        webhooks named (see ``_fetch_orders``). Returns the stores left for the next run."""
        cron = self.env["ir.cron"]
        for index, store in enumerate(stores):
            if self._storesync_time_left() <= 0:
                left = stores[index:]
                _logger.info(
                    "Store sync: time budget spent, %s store(s) left for the next run",
                    len(left),
                )
                cron._commit_progress(0, remaining=len(left))
                return left
            try:
                named = (refs or {}).get(store.id)
                if named:
                    store._fetch_orders_safely(refs=named)
                else:
                    store._fetch_orders_safely()
                if done:
                    done(store)
                cron._commit_progress(1, remaining=len(stores) - index - 1)
            # (pylint cannot see that psycopg2's C-defined errors are exceptions)
            except psycopg2.errors.TransactionRollbackError:  # pylint: disable=catching-non-exception
                # Another transaction changed the same rows meanwhile (a webhook asking for a
                # fetch, the processing job, a second server, a user saving the store):
                # nothing is wrong with the store. The windows already committed stay; the
                # rest goes again with the next run, and the store is not counted as failing.
                _logger.info(
                    "Store sync: fetching orders of %s met a concurrent update; "
                    "the next run goes on",
                    store.name,
                )
                self.env.cr.rollback()
                self.env.invalidate_all()
        return stores.browse()

    def _fetch_orders_safely(self, refs=None):
        """``_fetch_orders`` for a cron: a failure, expected (down, refusing us) or not, is
        written on this store and logged, and never raised to stop the other stores.

        A failure makes the store wait before the fetch cron tries it again; the first
        fetch that works again says on the store what happened meanwhile."""
        self.ensure_one()
        try:
            self._fetch_orders(**({"refs": refs} if refs else {}))
        except StoreSyncError as error:
            # The store is down or refuses us: log it, the next run tries again.
            _logger.warning("Store sync: fetching orders of %s failed: %s", self.name, error)
            self._note_fetch_failure(self._connection_error_message(error))
            if refs:
                # The orders webhooks named are read again by the next try.
                self.env["storesync.api.session"].sudo()._request_fetch(self, refs)
        except psycopg2.errors.TransactionRollbackError:  # pylint: disable=catching-non-exception
            raise  # a concurrent update, not the store's failure: see _fetch_orders_of
        except Exception as error:
            # A bug or a payload nobody foresaw: this store shows it, the others go on.
            # Pages already in are committed; a failed statement aborted the rest.
            _logger.exception("Store sync: fetching orders of %s failed", self.name)
            if self.env.cr._cnx.get_transaction_status() == TRANSACTION_STATUS_INERROR:
                self.env.cr.rollback()
                self.env.invalidate_all()
            self._note_fetch_failure(self.env._("Unexpected error: %(error)s", error=repr(error)))
        else:
            self._note_fetch_success()

    def _note_fetch_failure(self, message):
        """One more failed fetch: the store waits 1, 2, 4... minutes (at most
        ``BACKOFF_MAX``) before the fetch cron tries it again."""
        self.ensure_one()
        now = fields.Datetime.now()
        failures = self.orders_fetch_failures + 1
        wait = min(timedelta(minutes=2 ** min(failures - 1, 16)), BACKOFF_MAX)
        self.write(
            {
                "orders_fetch_error": message,
                "orders_fetch_failures": failures,
                "orders_failing_since": self.orders_failing_since or now,
                "orders_next_try": now + wait,
            }
        )

    def _note_fetch_success(self):
        """A fetch worked: a store that was failing says so in its chatter, and waits no
        more."""
        self.ensure_one()
        if not self.orders_fetch_failures:
            return
        self.message_post(
            body=self.env._(
                "The store is reachable again after %(attempts)s failed order fetches since "
                "%(since)s; the orders changed meanwhile are being fetched.",
                attempts=self.orders_fetch_failures,
                since=format_datetime(self.env, self.orders_failing_since),
            )
        )
        self.write(
            {
                "orders_fetch_failures": 0,
                "orders_failing_since": False,
                "orders_next_try": False,
                "orders_fetch_error": False,
            }
        )

    def _fetch_adapter(self):
        """The adapter a fetch uses: for a store already failing, one attempt per call,
        without retries, so a store that is down costs the cron one timeout, not a chain."""
        self.ensure_one()
        options = {"retry_total": 0} if self.orders_fetch_failures else {}
        return self._get_adapter(**options)

    def _fetch_orders(self, per_page=None, refs=None):
        """Fetch the orders changed since the cursor into the inbox; return rows changed.

        Stores list orders by id and not every store API can sort them by modification date,
        so the changes are read in time windows (modified from one moment and before another),
        oldest first. A window is sized to fit one page: one that holds more is shrunk in
        proportion and asked again, one that held few makes the next one larger. Once a
        window's orders (and the products they introduce) are in the inbox, the cursor moves
        to the window's end and both are committed together: a first sync of a long history
        goes on across cron runs where it stopped, and an interruption costs one window.
        A listing of a few pages from the start on (the usual run) is read page by page.

        A platform whose listing filters by creation date (``order_listing_by_creation``)
        shows no change of an order already listed: after the new orders, the open ones are
        read again by id (``_fetch_open_orders``); and the orders a webhook named (``refs``)
        are read by id, alone.

        :param per_page: page size (default and at most the adapter's largest)
        :param refs: store ids of orders webhooks named
        """
        self.ensure_one()
        with self._fetch_adapter() as adapter:
            return self._fetch_orders_with(adapter, per_page, refs)

    def _fetch_orders_with(self, adapter, per_page, refs):
        """``_fetch_orders`` with the store's adapter (closed by the caller)."""
        if refs and adapter.order_listing_by_creation:
            changed, _held = self._fetch_window(adapter, [adapter.get_orders(refs)])
            if changed:
                self.env["storesync.inbox"]._trigger_processing()
            return changed
        per_page = min(per_page or adapter.max_page_size, adapter.max_page_size)
        # Second precision, as store filters are: windows then tile time without gaps.
        now = fields.Datetime.now().replace(microsecond=0)
        # Nothing modified before "Import orders since", even in the cursor's overlap.
        bounds = [self.orders_cursor and self.orders_cursor - CURSOR_OVERLAP]
        start = max(filter(None, [*bounds, self.import_orders_since]), default=None)
        start = start and start.replace(microsecond=0)
        if start and start > now:
            self.orders_fetched_at = fields.Datetime.now()
            return 0
        # None: everything up to now, in one request when it fits a page (the usual run).
        window, changed, triggered = None, 0, False
        while True:
            end = now if window is None else min(start + window, now)
            # The store's filters are strict on both sides: "after start - 1s" keeps orders
            # modified in start's own second, which the previous window ("before") left out.
            bounds = {
                "modified_after": start - ONE_SECOND if start else None,
                # The last window is open: an order saved this very second is not left out.
                "modified_before": end if end < now else None,
                "per_page": per_page,
            }
            first = adapter.fetch_orders_page(1, **bounds)
            more = (
                first.total_pages > 1 if first.total_pages is not None else len(first) >= per_page
            )
            span = end - (start or HISTORY_FLOOR)
            # A short open listing is read page by page: nothing leaves it meanwhile (a
            # changed order stays, being modified after the start), so its pages never shift.
            # So is any open listing by creation date (``order_listing_by_creation``, which
            # gives no count to size windows by): orders only join it at its end.
            more = more and not (
                window is None
                and (
                    adapter.order_listing_by_creation
                    or (
                        first.total_pages is not None
                        and first.total_pages <= PAGED_LISTING_MAX_PAGES
                    )
                )
            )
            paged = len(first) >= per_page
            if more and start is None:
                # The whole history, more than a page: it starts with the oldest order.
                oldest = adapter.oldest_order_date() or HISTORY_FLOOR
                start = min(oldest.replace(microsecond=0), end)
                span = end - start
            if more and span > ONE_SECOND:
                # Too many for one page: shrink the window to what should fill most of a page.
                total = first.total or 2 * per_page
                window = _whole_seconds(span * (WINDOW_FILL * per_page / total))
                continue
            # A short open listing, or a single second holding more than a page (a bulk
            # edit), is paged through.
            pages = _pages(adapter, first, bounds) if paged or more else [first]
            window_changed, held = self._fetch_window(adapter, pages)
            changed += window_changed
            if window_changed and not triggered:
                # Processing starts while a long history is still being fetched.
                self.env.ref("storesync_connector.ir_cron_process_inbox")._trigger()
                triggered = True
            self.write({"orders_cursor": end, "orders_fetch_error": False})
            time_left = self.env["ir.cron"]._commit_progress(held)
            if end >= now or time_left <= 0:
                break
            window = _whole_seconds(span * min(WINDOW_GROWTH, WINDOW_FILL * per_page / (held or 1)))
            start = end
        if adapter.order_listing_by_creation:
            reread = self._fetch_open_orders(adapter)
            if reread and not triggered:
                self.env["storesync.inbox"]._trigger_processing()
            changed += reread
        self.orders_fetched_at = fields.Datetime.now()
        return changed

    def _fetch_open_orders(self, adapter):
        """Read the store's open orders again, by id: the changes of orders already listed,
        for a platform whose listing finds new orders only (``order_listing_by_creation``).

        Open: listed in the last ``REREAD_DAYS`` days and not imported in one of the
        platform's ``closed_statuses`` (orders skipped or in error too: their status may
        change). At most ``REREAD_PER_FETCH`` a fetch, in turns: each fetch goes on where
        the previous one stopped (``orders_reread_cursor``). Returns the rows changed."""
        since = fields.Datetime.now() - timedelta(days=REREAD_DAYS)
        self.env["storesync.inbox"].flush_model()
        self.env["sale.order"].flush_model(["storesync_status"])

        def candidates(after):
            self.env.cr.execute(
                SQL(
                    """
                    SELECT row.id, row.external_id
                      FROM storesync_inbox row
                      LEFT JOIN sale_order sale ON sale.id = row.order_id
                     WHERE row.store_id = %(store)s AND row.kind = 'order'
                       AND row.state IN ('done', 'skipped', 'error')
                       AND row.external_date >= %(since)s
                       AND (sale.storesync_status IS NULL
                            OR sale.storesync_status <> ALL(%(closed)s::varchar[]))
                       AND row.id > %(after)s
                     ORDER BY row.id
                     LIMIT %(limit)s
                    """,
                    store=self.id,
                    since=since,
                    closed=list(adapter.closed_statuses),
                    after=after,
                    limit=REREAD_PER_FETCH,
                )
            )
            return self.env.cr.fetchall()

        rows = candidates(self.orders_reread_cursor or 0)
        if len(rows) < REREAD_PER_FETCH and self.orders_reread_cursor:
            # The end of the list: the turn starts again from its beginning.
            seen = {row_id for row_id, _ref in rows}
            rows += [row for row in candidates(0) if row[0] not in seen][
                : REREAD_PER_FETCH - len(rows)
            ]
        if not rows:
            return 0
        changed, _held = self._fetch_window(
            adapter, [adapter.get_orders([ref for _row_id, ref in rows])]
        )
        last = rows[-1][0]
        self.orders_reread_cursor = last if len(rows) >= REREAD_PER_FETCH else 0
        return changed

    def _fetch_window(self, adapter, pages):
        """Put the order pages of one window, and the products they introduce, in the inbox.

        :return: (rows changed, orders listed)
        """
        inbox = self.env["storesync.inbox"]
        skipped = self._skipped_statuses()
        changed, held, product_ids = 0, 0, set()
        for page in pages:
            items = []
            for payload in page:
                item = adapter.describe_order(payload)
                if item:
                    items.append(dict(item, payload=payload))
                    if item.get("status") not in skipped:
                        # Products of orders that will not be imported are not created either.
                        product_ids.update(item["product_ids"])
            changed += inbox._upsert(self, "order", items)
            held += len(page)
        changed += self._fetch_new_products(adapter, product_ids)
        return changed, held

    def _fetch_new_products(self, adapter, product_ids):
        """Full payloads of store products first seen in orders, and the category tree.

        Order lines only name a product; its description and category live in the product
        payload. Only products never seen before cost requests: 100 per call, plus the
        category listing when they arrive, unless the platform names their categories
        (``describe_product``'s ``category_ids``) and the sync log has them all already (a
        platform whose tree takes a call per category is not read again for each product).
        """
        Inbox = self.env["storesync.inbox"]
        known = set(
            self.env["storesync.product.binding"]
            .search([("store_id", "=", self.id), ("external_id", "in", list(product_ids))])
            .mapped("external_id")
        ) | set(
            Inbox.search(
                [
                    ("store_id", "=", self.id),
                    ("kind", "=", "product"),
                    ("external_id", "in", list(product_ids)),
                ]
            ).mapped("external_id")
        )
        new = product_ids - known
        if not new:
            return 0
        items = []
        for payload in adapter.get_products(new):
            item = adapter.describe_product(payload)
            if item:
                items.append(dict(item, payload=payload))
        named = {str(c) for item in items for c in item.get("category_ids") or ()}
        listed = set(
            Inbox.search(
                [
                    ("store_id", "=", self.id),
                    ("kind", "=", "category"),
                    ("external_id", "in", sorted(named)),
                ]
            ).mapped("external_id")
        )
        changed = 0
        if any("category_ids" not in item for item in items) or named - listed:
            categories = adapter.list_categories()
            changed += Inbox._upsert(
                self,
                "category",
                [
                    {
                        "external_id": str(category["id"]),
                        "name": category["name"],
                        "external_date": None,
                        "payload": category,
                        "content_hash": f"{category['name']}|{category['parent']}",
                    }
                    for category in categories
                ],
            )
        changed += Inbox._upsert(self, "product", items)
        self.env["ir.cron"]._commit_progress(len(items))
        return changed
