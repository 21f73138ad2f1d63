from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools import float_compare

from ..adapters import StoreSyncError

USER_GROUP = "storesync_connector.group_storesync_user"
EDIT_GROUP = "storesync_connector.group_storesync_edit_orders"
# What the store owns on a synced order: read-only there without "Edit synced orders".
LOCKED_ORDER_FIELDS = (
    "partner_id",
    "partner_invoice_id",
    "partner_shipping_id",
    "date_order",
    "pricelist_id",
    "client_order_ref",
    "order_line",
)
LOCKED_LINE_FIELDS = ("product_id", "product_uom_qty", "price_unit", "tax_ids", "discount")


def _may_edit_synced(env):
    """Whether this environment may change what the store owns on synced orders."""
    # The importer runs as superuser (crons, Refresh, Update orders, Retry); a context key
    # would be no lock at all, as RPC callers choose their context.
    return env.su or env.user.has_group(EDIT_GROUP)


def _x2many_changes(record, fname, commands):
    """Whether x2many ``commands`` change which records ``record.<fname>`` holds.

    Updates of existing lines are not counted here (the line's own write checks them);
    creating anything is a change.
    """
    current = set(record[fname].ids)
    ids = set(current)
    for command in commands:
        if not isinstance(command, (list, tuple)):
            ids.add(command)
        elif command[0] == Command.CREATE:
            return True
        elif command[0] in (Command.DELETE, Command.UNLINK):
            ids.discard(command[1])
        elif command[0] == Command.LINK:
            ids.add(command[1])
        elif command[0] == Command.CLEAR:
            ids.clear()
        elif command[0] == Command.SET:
            ids = set(command[2])
    return ids != current


def _value_changes(record, fname, value):
    """Whether writing ``value`` to ``record.<fname>`` would change it."""
    field = record._fields[fname]
    if field.type in ("one2many", "many2many"):
        return _x2many_changes(record, fname, value or ())
    new = field.convert_to_record(field.convert_to_cache(value, record), record)
    old = record[fname]
    if field.type == "float":
        digits = field.get_digits(record.env)
        return float_compare(new, old, precision_digits=digits[1] if digits else 6) != 0
    if field.type == "many2one":
        return new.id != old.id
    return (new or False) != (old or False)


def _check_locked(records, fnames, vals, orders):
    """Refuse ``vals`` on ``records`` (of synced ``orders``) when they change ``fnames``."""
    changed = [
        fname
        for fname in fnames
        if fname in vals and any(_value_changes(record, fname, vals[fname]) for record in records)
    ]
    if changed:
        env = records.env
        raise UserError(
            env._(
                "%(fields)s of %(records)s come from the online store and cannot be changed "
                "in Odoo: change them in the store, the next sync brings them over. Users with "
                "the “Edit synced orders” right may change them here.",
                fields=", ".join(
                    f"“{records._fields[fname]._description_string(env)}”" for fname in changed
                ),
                records=", ".join(orders.mapped("display_name")),
            )
        )


class SaleOrder(models.Model):
    _inherit = "sale.order"

    storesync_store_id = fields.Many2one(
        "storesync.store", string="Store", index="btree_not_null", readonly=True, copy=False
    )
    storesync_external_id = fields.Char(string="External ID", readonly=True, copy=False)
    storesync_number = fields.Char(string="Store Order Number", readonly=True, copy=False)
    storesync_created_at = fields.Datetime(string="Created on Store", readonly=True, copy=False)
    storesync_updated_at = fields.Datetime(
        string="Last Update", readonly=True, copy=False, help="The store's modification date."
    )
    storesync_last_sync = fields.Datetime(string="Last Sync", readonly=True, copy=False)
    storesync_status = fields.Char(string="Store Status", readonly=True, copy=False)
    storesync_status_name = fields.Char(
        string="Store Status Name",
        compute="_compute_storesync_status_name",
        help="The store status as the store's status mapping names it.",
    )
    storesync_paid = fields.Boolean(
        string="Paid on Store",
        readonly=True,
        copy=False,
        help="The store shows the order as paid (as it said, or as Odoo told it).",
    )
    storesync_content_hash = fields.Char(readonly=True, copy=False)
    storesync_url = fields.Char(string="Store Admin Link", compute="_compute_storesync_url")

    @api.depends("storesync_status", "storesync_store_id.status_map_ids.name")
    def _compute_storesync_status_name(self):
        for order in self:
            mapping = order.storesync_store_id.status_map_ids.filtered(
                lambda m, status=order.storesync_status: m.store_status == status
            )[:1]
            order.storesync_status_name = mapping.name or order.storesync_status or False

    storesync_locked = fields.Boolean(
        string="Locked by Store",
        compute="_compute_storesync_locked",
        help="The order comes from an online store and you may not change what the store owns "
        "(customer, addresses, date, pricelist, reference, lines).",
    )

    _storesync_external_uniq = models.Constraint(
        "UNIQUE(storesync_store_id, storesync_external_id)",
        "This store order was already imported.",
    )

    @api.depends("storesync_store_id", "storesync_external_id")
    def _compute_storesync_url(self):
        for order in self:
            # As superuser: salespeople without Store Sync rights see the link too.
            store = order.storesync_store_id.sudo()
            order.storesync_url = (
                store._order_admin_url(order.storesync_external_id)
                if store and order.storesync_external_id
                else False
            )

    @api.depends("storesync_store_id")
    @api.depends_context("uid")
    def _compute_storesync_locked(self):
        may_edit = self.env.user.has_group(EDIT_GROUP)
        for order in self:
            order.storesync_locked = bool(order.storesync_store_id) and not may_edit

    def write(self, vals):
        if any(fname in vals for fname in LOCKED_ORDER_FIELDS) and not _may_edit_synced(self.env):
            fnames = list(LOCKED_ORDER_FIELDS)
            if vals.get("state") == "sale":
                # Confirming stamps the order date: Odoo's bookkeeping, not a user's edit.
                fnames.remove("date_order")
            synced = self.filtered("storesync_store_id")
            if synced:
                _check_locked(synced, fnames, vals, synced)
        return super().write(vals)

    # ------------------------------------------------------------------ manual sync

    def action_storesync_refresh(self):
        """Re-import this order from its store now (at most once per 10 minutes per store).

        One request to the store and this one order processed in the user's request, so
        the user sees the outcome; nothing is committed here.
        """
        self.ensure_one()
        self._storesync_check_sync_right()
        if not (self.storesync_store_id and self.storesync_external_id):
            raise UserError(self.env._("This order does not come from an online store."))
        store = self.storesync_store_id.sudo()
        self.storesync_store_id._check_manual_sync()
        try:
            with store._get_adapter() as adapter:
                payload = adapter.get_order(self.storesync_external_id)
                item = adapter.describe_order(payload)
        except StoreSyncError as error:
            raise UserError(store._connection_error_message(error)) from error
        if not item:
            raise UserError(
                self.env._(
                    "The store's answer for order %(order)s is not an order this connector can "
                    "read.",
                    order=self.storesync_number or self.storesync_external_id,
                )
            )
        inbox = self.env["storesync.inbox"].sudo()
        inbox._upsert(store, "order", [dict(item, payload=payload)])
        row = inbox.search(
            [
                ("store_id", "=", store.id),
                ("kind", "=", "order"),
                ("external_id", "=", item["external_id"]),
            ],
            limit=1,
        )
        # Process it even when the payload did not change: the user asked for it, and a
        # mapping fixed since the last attempt may now let an errored row through.
        row._reopen()._process()
        self.invalidate_recordset()
        if row.state in ("error", "skipped"):
            title = self.env._("%(order)s was not refreshed", order=self.display_name)
            return self._storesync_notification(title, row.last_error or "", "warning")
        return self._storesync_notification(
            self.env._("%(order)s refreshed", order=self.display_name),
            self.env._(
                "The order is up to date with the store (store status: %(status)s).",
                status=self.storesync_status or "-",
            ),
            "success",
        )

    def action_storesync_update_orders(self):
        """Update these orders from their stores, and fetch what changed in those stores.

        The selected orders are read again from the store now (100 per request) and queued
        with their fresh payloads; each store's changed orders are fetched by the fetch cron,
        asked to run now. Without orders (or with orders from no store): every store that
        imports orders is fetched. Each store at most once per 10 minutes. Nothing is
        committed in the user's request: the crons import in the background.
        """
        self._storesync_check_sync_right()
        stores = self._storesync_stores_to_update()
        previous = {store.id: store.last_manual_sync for store in stores}
        stores._check_manual_sync()
        selected = self.filtered("storesync_external_id")
        lines, trouble = [], False
        for store in stores.sudo():
            orders = selected.filtered(lambda order, store=store: order.storesync_store_id == store)
            if not orders:
                store._request_orders_fetch()
                lines.append(
                    self.env._(
                        "%(store)s: its changed orders are fetched and imported in the background.",
                        store=store.display_name,
                    )
                )
                continue
            try:
                rows, missing = store._storesync_reread_orders(
                    orders.mapped("storesync_external_id")
                )
            except StoreSyncError as error:
                trouble = True
                lines.append(
                    self.env._(
                        "%(store)s: reading the selected orders failed: %(error)s",
                        store=store.display_name,
                        error=store._connection_error_message(error),
                    )
                )
                # A store that could not be reached did not use up its manual sync.
                store.last_manual_sync = previous[store.id]
                continue
            store._request_orders_fetch()
            lines.append(
                self.env._(
                    "%(store)s: %(count)s selected orders read again from the store; they and "
                    "the orders changed since the last fetch are updated in the background.",
                    store=store.display_name,
                    count=len(rows),
                )
            )
            if missing:
                trouble = True
                lines.append(
                    self.env._(
                        "%(store)s: the store no longer has %(count)s of the selected orders "
                        "(%(ids)s).",
                        store=store.display_name,
                        count=len(missing),
                        ids=", ".join(missing),
                    )
                )
        return self._storesync_notification(
            self.env._("Updating orders"), "\n".join(lines), "warning" if trouble else "success"
        )

    def _storesync_check_sync_right(self):
        if not (self.env.su or self.env.user.has_group(USER_GROUP)):
            raise AccessError(
                self.env._("Only Store Sync users may sync orders with the online stores.")
            )

    def _storesync_stores_to_update(self):
        """The selected orders' stores that import orders, or all such stores if none."""
        Store = self.env["storesync.store"]
        selected = self.storesync_store_id
        stores = selected.filtered(lambda store: store.active and store.import_orders)
        if selected and not stores:
            raise UserError(
                self.env._(
                    "Order import is switched off for %(stores)s.",
                    stores=", ".join(selected.mapped("display_name")),
                )
            )
        stores = stores or Store.search([("import_orders", "=", True)])
        if not stores:
            raise UserError(self.env._("No online store imports orders."))
        return stores

    def _storesync_notification(self, title, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": kind != "success",
                "className": "text-prewrap",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def write(self, vals):
        if any(fname in vals for fname in LOCKED_LINE_FIELDS) and not _may_edit_synced(self.env):
            synced = self.filtered(
                lambda line: (
                    line.order_id.storesync_store_id
                    and not line.display_type
                    and not line.is_downpayment
                )
            )
            if synced:
                _check_locked(synced, LOCKED_LINE_FIELDS, vals, synced.order_id)
        return super().write(vals)
