"""Fetch: store → sync log (network only). Each payload lands as one pending inbox row."""

import logging
from datetime import timedelta

from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from odoo import api, fields, models

from ..adapters import StoreSyncError

_logger = logging.getLogger(__name__)

# Re-read a little before the cursor: store filters are "strictly after", to the second, and
# an order saved while we were paging may carry a modification date just behind the newest one.
CURSOR_OVERLAP = timedelta(minutes=5)


class StoresyncStore(models.Model):
    # One concern per file (STYLE.md): the store's import settings live in
    # storesync_store_import.py.
    _inherit = "storesync.store"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _cron_fetch_orders(self):
        """Fetch changed orders of every store whose import interval has elapsed.

        One store's failure, expected (down, refusing us) or not, is written on that store and
        never stops the fetch of the others.
        """
        now = fields.Datetime.now()
        for store in self.search([("import_orders", "=", True)]):
            last = store.orders_fetched_at
            if last and last + timedelta(minutes=store.import_interval) > now + timedelta(
                seconds=5
            ):
                continue
            try:
                store._fetch_orders()
            except StoreSyncError as error:
                # The store is down or refuses us: log it, the next run tries again.
                _logger.warning("Store sync: fetching orders of %s failed: %s", store.name, error)
                store.orders_fetch_error = str(error)
            except Exception as error:
                # A bug or a payload nobody foresaw: this store shows it, the others go on.
                # Pages already in are committed; a failed statement aborted the rest.
                _logger.exception("Store sync: fetching orders of %s failed", store.name)
                if self.env.cr._cnx.get_transaction_status() == TRANSACTION_STATUS_INERROR:
                    self.env.cr.rollback()
                    self.env.invalidate_all()
                store.orders_fetch_error = self.env._(
                    "Unexpected error: %(error)s", error=repr(error)
                )
            self.env["ir.cron"]._commit_progress(0)

    def _fetch_orders(self):
        """Page through orders changed since the cursor into the inbox; return rows changed.

        Each page is written and committed before the next request, and the cursor moves only
        after every page is in, so a crash refetches (idempotently) instead of losing orders.
        """
        self.ensure_one()
        adapter = self._get_adapter()
        since = self.orders_cursor or self.import_orders_since or None
        if since and self.orders_cursor:
            since -= CURSOR_OVERLAP
        inbox = self.env["storesync.inbox"]
        skipped = set(
            self.status_map_ids.filtered(lambda m: m.action == "skip").mapped("store_status")
        )
        newest, changed, product_ids = self.orders_cursor or None, 0, set()
        for page in adapter.iter_orders(modified_after=since):
            items = []
            for payload in page:
                item = adapter.describe_order(payload)
                if item:
                    items.append(dict(item, payload=payload))
                    if item.get("status") not in skipped:
                        # Products of orders that will not be imported are not created either.
                        product_ids.update(item["product_ids"])
            changed += inbox._upsert(self, "order", items)
            dates = [item["external_date"] for item in items if item["external_date"]]
            if dates:
                newest = max([newest, *dates]) if newest else max(dates)
            self.env["ir.cron"]._commit_progress(len(items))
        changed += self._fetch_new_products(adapter, product_ids)
        self.write(
            {
                "orders_cursor": newest,
                "orders_fetched_at": fields.Datetime.now(),
                "orders_fetch_error": False,
            }
        )
        if changed:
            self.env.ref("storesync_connector.ir_cron_process_inbox")._trigger()
        return changed

    def _fetch_new_products(self, adapter, product_ids):
        """Full payloads of store products first seen in orders, and the category tree.

        Order lines only name a product; its description and category live in the product
        payload. Only products never seen before cost requests: 100 per call, plus the
        category listing when they arrive.
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
        categories = adapter.list_categories()
        changed = Inbox._upsert(
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
        items = []
        for payload in adapter.get_products(new):
            item = adapter.describe_product(payload)
            if item:
                items.append(dict(item, payload=payload))
        changed += Inbox._upsert(self, "product", items)
        self.env["ir.cron"]._commit_progress(len(items))
        return changed
