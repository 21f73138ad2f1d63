"""Order import: store → inbox (fetch, network only) and inbox → sales orders (database only)."""

import logging
from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.tools import SQL

from ..adapters import PayloadError, StoreSyncError, get_adapter_class
from ..adapters.records import TaxAmount
from .storesync_inbox import CONFIRM_LATER, StoresyncImportError

_logger = logging.getLogger(__name__)

#: first key of the advisory locks the importer takes (the second is a hash of what it
#: locks), so they never collide with other modules' advisory locks
IMPORT_LOCK_CLASS = 0x5353  # "SS"

# Re-read a little before the cursor: store filters are "strictly after", to the second, and
# an order saved while we were paging may carry a modification date just behind the newest one.
CURSOR_OVERLAP = timedelta(minutes=5)
# Odoo's partner fields filled from a store address.
ADDRESS_FIELDS = ("name", "street", "street2", "city", "zip", "country_id", "state_id", "phone")


class StoresyncStore(models.Model):
    _inherit = "storesync.store"

    import_orders_since = fields.Datetime(
        help="On the first sync, only orders modified after this moment are imported. "
        "Empty: all orders.",
    )
    status_map_ids = fields.One2many("storesync.status.map", "store_id", string="Order Statuses")
    tax_map_ids = fields.One2many("storesync.tax.map", "store_id", string="Taxes")
    shipping_map_ids = fields.One2many(
        "storesync.shipping.map", "store_id", string="Shipping Methods"
    )
    payment_map_ids = fields.One2many("storesync.payment.map", "store_id", string="Payments")
    log_retention_days = fields.Integer(
        string="Keep Sync Log (days)",
        default=30,
        help="Done and skipped sync log rows older than this are deleted.",
    )
    orders_fetched_at = fields.Datetime(string="Orders Last Fetched", readonly=True, copy=False)
    orders_fetch_error = fields.Char(string="Last Fetch Error", readonly=True, copy=False)
    inbox_pending_count = fields.Integer(compute="_compute_inbox_counts")
    inbox_error_count = fields.Integer(compute="_compute_inbox_counts")
    order_count = fields.Integer(compute="_compute_order_count")

    def _compute_inbox_counts(self):
        counts = {
            (store.id, state): count
            for store, state, count in self.env["storesync.inbox"]._read_group(
                [("store_id", "in", self.ids), ("state", "in", ("pending", "error"))],
                ["store_id", "state"],
                ["__count"],
            )
        }
        for store in self:
            store.inbox_pending_count = counts.get((store.id, "pending"), 0)
            store.inbox_error_count = counts.get((store.id, "error"), 0)

    def _compute_order_count(self):
        counts = dict(
            self.env["sale.order"]._read_group(
                [("storesync_store_id", "in", self.ids)], ["storesync_store_id"], ["__count"]
            )
        )
        for store in self:
            store.order_count = counts.get(store, 0)

    def action_open_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action.update(domain=[("storesync_store_id", "=", self.id)], context={})
        return action

    def action_open_inbox(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "storesync_connector.storesync_inbox_action"
        )
        domain = [("store_id", "=", self.id)]
        if self.env.context.get("inbox_state"):
            domain.append(("state", "=", self.env.context["inbox_state"]))
        action.update(domain=domain, context={})
        return action

    def action_load_store_settings(self):
        """Add mapping rows for the store's tax rates, shipping and payment methods.

        Tax rows are matched to the one Odoo sales tax of the same percentage when there is
        exactly one; everything else stays for the user to choose.
        """
        self.ensure_one()
        try:
            settings = self._get_adapter().list_store_settings()
        except StoreSyncError as error:
            raise UserError(self._connection_error_message(error)) from error
        self.prices_include_tax = settings.get("prices_include_tax", False)
        added = self._add_missing_mappings(
            [(rate["id"], rate["label"], rate["percent"]) for rate in settings["tax_rates"]],
            [(method["id"], method["title"]) for method in settings["shipping_methods"]],
            [(method["id"], method["title"]) for method in settings["payment_methods"]],
            match_taxes=True,
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Mappings loaded"),
                "message": self.env._(
                    "%(count)s new mapping rows; fill in the empty ones.", count=added
                ),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _create_missing_mappings(self, order):
        """Empty mapping records for what ``order`` uses and the store has not mapped yet."""
        self.ensure_one()
        if order.status not in self.status_map_ids.mapped("store_status"):
            self.env["storesync.status.map"].create(
                {"store_id": self.id, "store_status": order.status}
            )
        self._add_missing_mappings(
            [(rate.rate_id, rate.label or rate.code, rate.percent) for rate in order.tax_rates],
            [(line.method_id, line.name) for line in order.lines_of("shipping")],
            [(order.payment_method, order.payment_method_title)] if order.payment_method else [],
        )

    def _add_missing_mappings(
        self, tax_rates, shipping_methods, payment_methods, match_taxes=False
    ):
        """Add a mapping row for each store tax rate and method this store has no row for.

        :param tax_rates: ``(rate id, label, percent or None)``
        :param shipping_methods: ``(method id, title)``; likewise ``payment_methods``
        :param match_taxes: fill the Odoo tax when exactly one sales tax has the same percentage
        :return: how many rows were added
        """
        self.ensure_one()
        vals = {"storesync.tax.map": [], "storesync.shipping.map": [], "storesync.payment.map": []}
        known = set(self.tax_map_ids.mapped("store_tax_id"))
        for rate_id, label, percent in tax_rates:
            if rate_id in known:
                continue
            known.add(rate_id)
            taxes = self.env["account.tax"]
            if match_taxes:
                taxes = taxes.search(
                    [
                        ("type_tax_use", "=", "sale"),
                        ("amount_type", "=", "percent"),
                        ("amount", "=", float(percent or 0.0)),
                        ("company_id", "parent_of", self.company_id.id),
                    ]
                )
            vals["storesync.tax.map"].append(
                {
                    "store_id": self.id,
                    "store_tax_id": rate_id,
                    "label": label,
                    "rate": float(percent or 0.0),
                    "tax_id": taxes.id if len(taxes) == 1 else False,
                }
            )
        for model, field, existing, methods in (
            ("storesync.shipping.map", "method_id", self.shipping_map_ids, shipping_methods),
            ("storesync.payment.map", "method_code", self.payment_map_ids, payment_methods),
        ):
            known = set(existing.mapped(field))
            for method_id, title in methods:
                if method_id not in known:
                    known.add(method_id)
                    vals[model].append({"store_id": self.id, field: method_id, "name": title})
        for model, vals_list in vals.items():
            self.env[model].create(vals_list)
        return sum(len(vals_list) for vals_list in vals.values())

    @api.model_create_multi
    def create(self, vals_list):
        stores = super().create(vals_list)
        stores._create_default_status_maps()
        return stores

    def _create_default_status_maps(self):
        """Every new store starts with the platform's statuses mapped (editable)."""
        vals_list = []
        for store in self:
            known = set(store.status_map_ids.mapped("store_status"))
            defaults = store._get_adapter_class().default_status_actions
            vals_list += [
                {"store_id": store.id, "store_status": status, "action": action, "sequence": seq}
                for seq, (status, action) in enumerate(defaults.items())
                if status not in known
            ]
        self.env["storesync.status.map"].create(vals_list)

    def _get_adapter_class(self):
        return get_adapter_class(self.platform)

    def _order_admin_url(self, external_id):
        self.ensure_one()
        return self._get_adapter_class().order_admin_url(self.base_url, external_id)

    # ------------------------------------------------------------------ fetch (network)

    @api.model
    def _cron_fetch_orders(self):
        """Fetch changed orders of every store whose import interval has elapsed."""
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
        newest, changed, product_ids = self.orders_cursor or None, 0, set()
        for page in adapter.iter_orders(modified_after=since):
            items = []
            for payload in page:
                item = adapter.describe_order(payload)
                if item:
                    items.append(dict(item, payload=payload))
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

    # ------------------------------------------------------------------ process (database)

    def _inbox_process_category(self, row):
        """A store category becomes the Odoo category at the same path."""
        category = self._odoo_category(self._category_paths().get(int(row.external_id)))
        return {"state": "done", "res_model": "product.category", "res_id": category.id}

    def _inbox_process_product(self, row):
        """A store product becomes (or updates) its Odoo product, category and description."""
        product = self._get_adapter_class().map_product(
            row.payload, category_paths=self._category_paths()
        )
        if product.type == "variable":
            return {
                "state": "skipped",
                "last_error": self.env._(
                    "Variable product: each variation becomes a product when an order sells it."
                ),
            }
        record = self._import_product_record(product)
        return {"state": "done", "res_model": "product.product", "res_id": record.id}

    def _category_paths(self):
        """Store category id -> names from the top, from the category rows of the sync log.

        Asked for every new product; rebuilt only when the category rows changed (the
        cursor-wide cache is keyed on their count and newest write).
        """
        self.env["storesync.inbox"].flush_model(["store_id", "kind", "payload"])
        self.env.cr.execute(
            SQL(
                "SELECT count(*), max(write_date) FROM storesync_inbox "
                "WHERE store_id = %s AND kind = 'category'",
                self.id,
            )
        )
        key = ("storesync_category_paths", self.id, *self.env.cr.fetchone())
        cache = self.env.cr.cache
        if key not in cache:
            cache[key] = self._compute_category_paths()
        return cache[key]

    def _compute_category_paths(self):
        rows = self.env["storesync.inbox"].search(
            [("store_id", "=", self.id), ("kind", "=", "category")]
        )
        nodes = {row.payload["id"]: row.payload for row in rows if row.payload}
        paths = {}
        for category_id in nodes:
            names, node, seen = [], nodes.get(category_id), set()
            while node and node["id"] not in seen:
                seen.add(node["id"])
                names.insert(0, node["name"])
                node = nodes.get(node.get("parent"))
            paths[category_id] = tuple(names)
        return paths

    def _odoo_category(self, path):
        """The product category at ``path`` (names from the top), created where missing."""
        Category = self.env["product.category"]
        category = Category
        for name in path or (self.env._("Online store products"),):
            parent = category
            category = Category.search(
                [("name", "=", name), ("parent_id", "=", parent.id)], limit=1
            ) or Category.create({"name": name, "parent_id": parent.id})
        return category

    def _inbox_process_order(self, row):
        """Turn one order payload into a sales order (created or updated); return row values."""
        self.ensure_one()
        order = self._get_adapter_class().map_order(row.payload)
        existing = self.env["sale.order"].search(
            [
                ("storesync_store_id", "=", self.id),
                ("storesync_external_id", "=", order.external_id),
            ],
            limit=1,
        )
        mapping = self.status_map_ids.filtered(lambda m: m.store_status == order.status)
        if not mapping:
            raise StoresyncImportError(
                self.env._(
                    "The store status “%(status)s” has no mapping. Add it under the store's "
                    "Order Statuses (or press “Create missing mappings”), then retry.",
                    status=order.status,
                )
            )
        if existing and existing.storesync_content_hash == order.content_hash:
            return {"state": "done", **self._row_record(existing)}
        if mapping.action == "skip" and not existing:
            return {
                "state": "skipped",
                "last_error": self.env._(
                    "Not imported: status “%(status)s” is mapped to “Do not import”.",
                    status=order.status,
                ),
            }
        self._lock_import_keys(order)
        if existing:
            sale = self._update_sale_order(existing, order, mapping.action)
        else:
            sale = self._create_sale_order(order, mapping.action)
        return {"state": "done", **self._row_record(sale)}

    def _import_lock_keys(self, order):
        """What this order may create that another job may be creating at the same time:
        its buyer (by account, e-mail and phone) and its products (by store id and SKU)."""
        company, customer = self.company_id.id, order.customer
        keys = {
            f"partner:{company}:{kind}:{value}"
            for kind, value in (
                ("store", customer.external_id and f"{self.id}:{customer.external_id}"),
                ("email", customer.email),
                ("phone", customer.phone_e164),
            )
            if value
        }
        for line in order.lines:
            if line.product_external_id:
                keys.add(f"product:{self.id}:{line.product_external_id}")
            if line.sku:
                keys.add(f"sku:{company}:{line.sku}")
        return sorted(keys)

    def _lock_import_keys(self, order):
        """Serialise jobs that could create the same contact or product.

        The processing cron never runs twice at once, but "Update orders", "Refresh" and
        "Retry" process rows in the user's request meanwhile: two orders of one new buyer
        must not make two contacts. Transaction-level advisory locks, taken in one statement
        in a fixed order, are released with the commit; a rare deadlock between two batches
        ends as a retryable row (see ``storesync.inbox._process_one``).
        """
        keys = self._import_lock_keys(order)
        if keys:
            self.env.cr.execute(
                SQL(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(key)) "
                    "FROM unnest(%s::text[]) AS key ORDER BY hashtext(key)",
                    IMPORT_LOCK_CLASS,
                    keys,
                )
            )

    @api.model
    def _row_record(self, sale):
        return {"res_model": "sale.order", "res_id": sale.id, "order_id": sale.id}

    def _check_currency(self, order):
        pricelist = self._get_pricelist()
        if pricelist.currency_id.name != order.currency:
            raise StoresyncImportError(
                self.env._(
                    "The order is in %(order)s but the store's pricelist %(pricelist)s is in "
                    "%(currency)s. Set a pricelist in %(order)s on the store.",
                    order=order.currency,
                    pricelist=pricelist.display_name,
                    currency=pricelist.currency_id.name,
                )
            )
        return pricelist

    def _get_pricelist(self):
        pricelist = self.pricelist_id or self.env["product.pricelist"].search(
            [("company_id", "in", (False, self.company_id.id))], limit=1
        )
        if not pricelist:
            raise StoresyncImportError(self.env._("The store has no pricelist: set one."))
        return pricelist

    def _order_values(self, order, pricelist):
        partner, invoice, shipping = self._import_customer(order.customer, order.created_at)
        payment = self.payment_map_ids.filtered(lambda m: m.method_code == order.payment_method)
        values = {
            "partner_id": partner.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": shipping.id,
            "pricelist_id": pricelist.id,
            "company_id": self.company_id.id,
            "client_order_ref": order.number,
            "date_order": order.created_at,
            "storesync_store_id": self.id,
            "storesync_external_id": order.external_id,
            "storesync_number": order.number,
            "storesync_created_at": order.created_at,
            "storesync_updated_at": order.modified_at,
            "storesync_last_sync": fields.Datetime.now(),
            "storesync_status": order.status,
            "storesync_content_hash": order.content_hash,
        }
        if order.note:
            # Only when the buyer wrote one: an empty note would wipe the default terms.
            values["note"] = order.note
        if self.warehouse_id:
            values["warehouse_id"] = self.warehouse_id.id
        if self.team_id:
            values["team_id"] = self.team_id.id
        if payment.payment_term_id:
            values["payment_term_id"] = payment.payment_term_id.id
        return values

    def _create_sale_order(self, order, action):
        pricelist = self._check_currency(order)
        values = self._order_values(order, pricelist)
        values["name"] = f"{self.order_prefix or ''}{order.number}"
        values["order_line"] = [
            Command.create(vals) for vals in self._line_values(order, pricelist)
        ]
        sale = self.env["sale.order"].with_context(tracking_disable=True).create(values)
        self._check_totals(sale, order)
        self._apply_status(sale, action)
        if order.note:
            sale.message_post(
                body=Markup("<p>%s</p><p>%s</p>")
                % (self.env._("Customer note from the store:"), order.note)
            )
        return sale

    def _update_sale_order(self, sale, order, action):
        """Apply a newer version of the store order.

        Once goods left or an invoice is posted, only what cannot hurt (the store's status and
        dates) is taken; a change of lines, addresses or a cancellation is refused with an
        error row and a note on the order, and nothing is altered.
        """
        pricelist = self._check_currency(order)
        values = self._order_values(order, pricelist)
        new_lines = self._line_values(order, pricelist)
        lines_changed = self._lines_changed(sale, new_lines)
        current = self._current_values(sale, values)
        changed = {key: value for key, value in values.items() if current[key] != value}
        business_change = lines_changed or any(not k.startswith("storesync_") for k in changed)
        delivered = any(picking.state == "done" for picking in sale.picking_ids)
        invoiced = any(move.state == "posted" for move in sale.invoice_ids)
        cancelling = action == "cancel" and sale.state != "cancel"
        if (delivered or invoiced or sale.locked) and (business_change or cancelling):
            raise StoresyncImportError(
                self.env._(
                    "Order %(order)s changed on the store, but it is already delivered, "
                    "invoiced or locked in Odoo: nothing was changed. Apply the change by hand.",
                    order=sale.name,
                ),
                sale,
            )
        if action == "cancel":
            if cancelling:
                sale._action_cancel()
            sale.write({k: v for k, v in changed.items() if k.startswith("storesync_")})
            return sale
        if lines_changed:
            was_confirmed = sale.state == "sale"
            if sale.state == "sale":
                sale._action_cancel()
            if sale.state == "cancel":
                sale.action_draft()
            values["order_line"] = [Command.clear()] + [Command.create(v) for v in new_lines]
            sale.with_context(tracking_disable=True).write(values)
            self._check_totals(sale, order)
            self._apply_status(
                sale, "confirm" if was_confirmed and action != "quotation" else action
            )
            return sale
        # Only what changed: a confirmed order refuses even a same-value pricelist write.
        sale.write(changed)
        if sale.state == "cancel" and action in ("confirm", "quotation"):
            # Cancelled on the store, then paid after all: the order lives again.
            sale.action_draft()
        self._apply_status(sale, action)
        return sale

    @api.model
    def _lines_changed(self, sale, new_lines):
        def key(vals):
            return (
                vals["product_id"],
                round(vals["product_uom_qty"], 3),
                round(vals["price_unit"], 4),
                tuple(sorted(vals["tax_ids"][0][2])) if vals.get("tax_ids") else (),
            )

        old = sorted(
            key(
                {
                    "product_id": line.product_id.id,
                    "product_uom_qty": line.product_uom_qty,
                    "price_unit": line.price_unit,
                    "tax_ids": [(6, 0, line.tax_ids.ids)],
                }
            )
            for line in sale.order_line
            if not line.display_type
        )
        return old != sorted(key(vals) for vals in new_lines)

    def _apply_status(self, sale, action):
        if action == "confirm" and sale.state in ("draft", "sent"):
            token = self.env.context.get(CONFIRM_LATER)
            if token:
                # The batch confirms its orders together (see storesync.inbox._process).
                self.env.cr.cache[CONFIRM_LATER, token].append(sale.id)
                return
            self._confirm_orders(sale)
        elif action == "cancel" and sale.state != "cancel":
            sale._action_cancel()

    @api.model
    def _confirm_orders(self, sales):
        sales.action_confirm()
        # Confirming stamps "now" as the order date; the store's order date is the real one.
        for sale in sales:
            sale.date_order = sale.storesync_created_at

    def _check_totals(self, sale, order):
        """The order must add up to the store's total, in the currency's rounding."""
        currency = sale.currency_id
        computed = order.computed_total()
        if currency.compare_amounts(float(computed), float(order.total)):
            raise StoresyncImportError(
                self.env._(
                    "The store's order does not add up: its lines make %(lines)s but its total "
                    "is %(total)s.",
                    lines=computed,
                    total=order.total,
                )
            )
        if currency.compare_amounts(sale.amount_total, float(order.total)):
            raise StoresyncImportError(
                self.env._(
                    "Totals differ: Odoo %(odoo_total)s (untaxed %(odoo_untaxed)s, taxes "
                    "%(odoo_tax)s), store %(store_total)s (taxes %(store_tax)s). Check the tax "
                    "mappings.",
                    odoo_total=currency.round(sale.amount_total),
                    odoo_untaxed=currency.round(sale.amount_untaxed),
                    odoo_tax=currency.round(sale.amount_tax),
                    store_total=order.total,
                    store_tax=order.total_tax,
                )
            )

    # ------------------------------------------------------------------ lines

    def _line_values(self, order, pricelist):
        """Sale order line values: products, shipping, fees, then coupons as negative lines.

        Each line carries the store's exact base and tax amounts (``extra_tax_data``'s manual
        amounts, Odoo's own mechanism for fixed tax amounts that invoices inherit), so the
        order adds up to the store's total to the cent while Odoo still books the mapped taxes.
        """
        currency = pricelist.currency_id
        taxes_by_rate = self._taxes_by_rate(order)
        values = []
        for line in order.lines_of("product"):
            product = self._import_product(line)
            values.append(
                self._line_vals(
                    line.name,
                    product,
                    line.quantity,
                    line.subtotal,
                    line.subtotal_taxes or line.taxes,
                    taxes_by_rate,
                    currency,
                )
            )
        for line in order.lines_of("shipping"):
            mapping = self.shipping_map_ids.filtered(
                lambda m, line=line: m.method_id == line.method_id
            )
            if not mapping.product_id:
                raise StoresyncImportError(
                    self.env._(
                        "The shipping method “%(method)s” (%(title)s) has no product: map it "
                        "under the store's Shipping Methods, then retry.",
                        method=line.method_id,
                        title=line.name,
                    )
                )
            values.append(
                self._line_vals(
                    line.name,
                    mapping.product_id,
                    Decimal(1),
                    line.total,
                    line.taxes,
                    taxes_by_rate,
                    currency,
                )
            )
        for line in order.lines_of("fee"):
            product = self._service_product(line.name)
            values.append(
                self._line_vals(
                    line.name,
                    product,
                    Decimal(1),
                    line.total,
                    line.taxes,
                    taxes_by_rate,
                    currency,
                )
            )
        values += self._coupon_values(order, taxes_by_rate, currency)
        return values

    def _coupon_values(self, order, taxes_by_rate, currency):
        """One negative line per tax combination: what the coupons took off the products."""
        codes = ", ".join(line.code for line in order.lines_of("coupon") if line.code)
        groups = {}
        for line in order.lines_of("product"):
            if not line.discount_amount:
                continue
            rates = tuple(sorted(tax.rate_id for tax in (line.subtotal_taxes or line.taxes)))
            group = groups.setdefault(rates, {"base": Decimal(0), "taxes": {}, "lines": 0})
            group["base"] += line.discount_amount
            group["lines"] += 1
            before = {tax.rate_id: tax.amount for tax in line.subtotal_taxes}
            after = {tax.rate_id: tax.amount for tax in line.taxes}
            for rate_id in set(before) | set(after):
                group["taxes"][rate_id] = group["taxes"].get(rate_id, Decimal(0)) + (
                    before.get(rate_id, Decimal(0)) - after.get(rate_id, Decimal(0))
                )
        if not groups:
            return []
        product = self._service_product(self.env._("Coupon"))
        name = self.env._("Coupon %(codes)s", codes=codes) if codes else self.env._("Discount")
        return [
            self._line_vals(
                name,
                product,
                Decimal(1),
                -group["base"],
                tuple(TaxAmount(rate_id=r, amount=-a) for r, a in group["taxes"].items()),
                taxes_by_rate,
                currency,
                rounded=2 * group["lines"],
            )
            for group in groups.values()
        ]

    def _line_vals(
        self, name, product, quantity, base, tax_amounts, taxes_by_rate, currency, rounded=1
    ):
        """One line with the store's base and taxes as Odoo's manual tax amounts.

        ``rounded`` is how many store roundings the amounts add up (a coupon line sums two
        per discounted line), which is how far the store's tax may be from rate times base.
        """
        taxes = self.env["account.tax"]
        manual = {}
        for tax_amount in tax_amounts:
            tax = taxes_by_rate[tax_amount.rate_id]
            self._check_tax_amount(tax, base, tax_amount, rounded)
            taxes |= tax
            entry = manual.setdefault(
                str(tax.id), {"base_amount_currency": float(base), "tax_amount_currency": 0.0}
            )
            entry["tax_amount_currency"] += float(tax_amount.amount)
        gross = base + sum((t.amount for t in tax_amounts), Decimal(0))
        included = taxes and all(tax.price_include for tax in taxes)
        digits = self.env["decimal.precision"].precision_get("Product Price")
        price_unit = round(float((gross if included else base) / quantity), digits)
        values = {
            "name": name,
            "product_id": product.id,
            "product_uom_qty": float(quantity),
            "price_unit": price_unit,
            "discount": 0.0,
            "tax_ids": [Command.set(taxes.ids)],
        }
        if taxes:
            values["extra_tax_data"] = {
                "manual_total_excluded_currency": float(base),
                "manual_tax_amounts": manual,
                "currency_id": currency.id,
                "price_unit": price_unit,
                "discount": 0.0,
                "quantity": float(quantity),
                "rate": 1.0,
            }
        return values

    def _check_tax_amount(self, tax, base, tax_amount, rounded=1):
        """A mapping to a tax of another rate must not hide behind the manual amounts."""
        if tax.amount_type != "percent" or not base:
            return
        expected = Decimal(str(tax.amount)) * base / 100
        if abs(expected - tax_amount.amount) > Decimal("0.005") * rounded + Decimal("0.0001"):
            raise StoresyncImportError(
                self.env._(
                    "The store taxed %(base)s with %(amount)s, but its rate is mapped to "
                    "%(tax)s (%(percent)s%%). Fix the tax mapping, then retry.",
                    base=base,
                    amount=tax_amount.amount,
                    tax=tax.display_name,
                    percent=tax.amount,
                )
            )

    def _taxes_by_rate(self, order):
        """Odoo tax per store rate id used by the order; unmapped rates are an error."""
        used = {tax.rate_id for line in order.lines for tax in (*line.taxes, *line.subtotal_taxes)}
        mappings = {m.store_tax_id: m for m in self.tax_map_ids}
        missing = [
            rate for rate in sorted(used) if not (rate in mappings and mappings[rate].tax_id)
        ]
        if missing:
            labels = {rate.rate_id: rate.label or rate.code for rate in order.tax_rates}
            raise StoresyncImportError(
                self.env._(
                    "No Odoo tax for the store's tax rate(s) %(rates)s. Map them under the "
                    "store's Taxes (or press “Create missing mappings”), then retry.",
                    rates=", ".join(f"{rate} ({labels.get(rate, '?')})" for rate in missing),
                )
            )
        return {rate: mappings[rate].tax_id for rate in used}

    # ------------------------------------------------------------------ customers

    def _import_customer(self, customer, ordered_at):
        """Find or create the buyer; return (partner, invoice address, delivery address).

        The contact takes the data of the buyer's newest order only: when an old order is
        re-imported (its status changed), its address of back then must not overwrite the
        one the buyer gave since.
        """
        Partner = self.env["res.partner"].with_context(active_test=False)
        Binding = self.env["storesync.partner.binding"]
        partner = binding = Partner
        if customer.external_id:
            binding = Binding.search(
                [("store_id", "=", self.id), ("external_id", "=", customer.external_id)], limit=1
            )
            partner = binding.partner_id
        company_domain = Domain("company_id", "in", (False, self.company_id.id)) & Domain(
            "parent_id", "=", False
        )
        if not partner and customer.email:
            partner = Partner.search(
                company_domain & Domain("email_normalized", "=", customer.email),
                order="id",
                limit=1,
            )
        if not partner and customer.phone_e164:
            partner = Partner.search(
                company_domain & Domain("storesync_phone_e164", "=", customer.phone_e164),
                order="id",
                limit=1,
            )
        values = self._address_values(customer.billing)
        values.update(email=customer.email or False, vat=customer.vat or False)
        if partner:
            newer = (
                not partner.storesync_address_date or ordered_at >= partner.storesync_address_date
            )
            # Only what the store says and Odoo does not already have: no write, no chatter.
            current = self._current_values(partner, values)
            changed = {
                key: value for key, value in values.items() if value and current[key] != value
            }
            if changed and newer:
                partner.write(dict(changed, storesync_address_date=ordered_at))
        else:
            values.update(
                lang=self.lang,
                company_name=customer.company or False,
                storesync_address_date=ordered_at,
            )
            partner = Partner.create(values)
        if customer.external_id and not binding:
            Binding.create(
                {
                    "store_id": self.id,
                    "external_id": customer.external_id,
                    "partner_id": partner.id,
                    "last_sync": fields.Datetime.now(),
                }
            )
        shipping = partner
        if customer.shipping:
            shipping = self._child_address(partner, "delivery", customer.shipping)
        return partner, partner, shipping

    def _child_address(self, partner, kind, address):
        values = self._address_values(address)
        for child in partner.child_ids.filtered(lambda c: c.type == kind):
            current = self._current_values(child, values)
            if all(current[key] == value for key, value in values.items() if key != "phone"):
                return child
        return self.env["res.partner"].create({**values, "type": kind, "parent_id": partner.id})

    @api.model
    def _current_values(self, record, values):
        """``record``'s values for the keys of ``values``, in write() form (ids, False)."""
        return {
            key: record[key].id if record._fields[key].type == "many2one" else record[key] or False
            for key in values
        }

    def _address_values(self, address):
        country = self._country(address.country_code)
        state = self._state(country, address.state_code)
        return {
            "name": address.name or address.email or self.env._("Store customer"),
            "street": address.street or False,
            "street2": address.street2 or False,
            "city": address.city or False,
            "zip": address.zip or False,
            "country_id": country.id,
            "state_id": state.id,
            "phone": address.phone or False,
        }

    def _country(self, code):
        if not code:
            return self.env["res.country"]
        return self.env["res.country"].search([("code", "=", code.upper())], limit=1)

    def _state(self, country, code):
        if not (country and code):
            return self.env["res.country.state"]
        return self.env["res.country.state"].search(
            [("country_id", "=", country.id), ("code", "=ilike", code)], limit=1
        )

    # ------------------------------------------------------------------ products

    def _import_product(self, line):
        """The order line's product: its binding, the match key, or a new product.

        A product created here takes its description and category from the store product's
        payload when the fetch brought it (see ``_fetch_new_products``).
        """
        binding = self.env["storesync.product.binding"].search(
            [
                ("store_id", "=", self.id),
                ("external_id", "=", line.product_external_id or False),
                ("variation_id", "=", line.variation_external_id or "0"),
            ],
            limit=1,
        )
        if binding:
            # The common case on a running store: one query, nothing else to look up.
            return binding.product_id
        details = self._product_details(line.product_external_id)
        if line.variation_external_id and line.attributes:
            return self._import_variant(line, details)
        return self._find_or_create_product(
            external_id=line.product_external_id,
            variation_id=line.variation_external_id or "0",
            sku=line.sku,
            barcode=(details.barcode if details and not line.variation_external_id else ""),
            name=line.name,
            list_price=line.price_unit,
            description=details.description if details else "",
            categories=details.categories if details else (),
        )

    def _import_variant(self, line, details):
        """A variation line (not bound yet) as a variant of the template of its store product.

        The template is created by the first variation an order sells, with the options that
        variation shows; later variations add their values to the attribute lines, so the
        template grows the variants the store actually sells. An existing product with the
        variation's SKU (or barcode/name, per the store's match key) is used as it is.
        """
        matched = self._find_or_create_product(
            external_id=False,
            variation_id="0",
            sku=line.sku,
            barcode="",
            name=line.name,
            list_price=line.price_unit,
            description="",
            categories=(),
            create=False,
        )
        variant = matched or self._variant_of(self._variant_template(line, details), line)
        if line.sku and not variant.default_code:
            variant.default_code = line.sku
        self.env["storesync.product.binding"].create(
            {
                "store_id": self.id,
                "external_id": line.product_external_id,
                "variation_id": line.variation_external_id,
                "product_id": variant.id,
                "last_sync": fields.Datetime.now(),
            }
        )
        return variant

    def _variant_template(self, line, details):
        """The template of the store product behind ``line``: bound already, or created."""
        sibling = self.env["storesync.product.binding"].search(
            [
                ("store_id", "=", self.id),
                ("external_id", "=", line.product_external_id),
                ("variation_id", "!=", "0"),
            ],
            limit=1,
        )
        if sibling:
            return sibling.product_id.product_tmpl_id
        category = self._odoo_category(
            details.categories[0] if details and details.categories else None
        )
        return self.env["product.template"].create(
            {
                "name": (details and details.name) or line.parent_name or line.name,
                "description_sale": (details and details.description) or False,
                "categ_id": category.id,
                "list_price": float(line.price_unit),
                "type": "consu",
                "is_storable": True,
                "uom_id": self.env.ref("uom.product_uom_unit").id,
            }
        )

    def _variant_of(self, template, line):
        """The variant of ``template`` with the line's options, adding missing values."""
        Attribute = self.env["product.attribute"]
        Value = self.env["product.attribute.value"]
        wanted = set()
        for name, value_name in line.attributes:
            attribute = Attribute.search([("name", "=", name)], limit=1) or Attribute.create(
                {"name": name, "create_variant": "always"}
            )
            value = Value.search(
                [("attribute_id", "=", attribute.id), ("name", "=", value_name)], limit=1
            ) or Value.create({"attribute_id": attribute.id, "name": value_name})
            wanted.add(value.id)
            attribute_line = template.attribute_line_ids.filtered(
                lambda al, attribute=attribute: al.attribute_id == attribute
            )
            if not attribute_line:
                template.write(
                    {
                        "attribute_line_ids": [
                            Command.create(
                                {
                                    "attribute_id": attribute.id,
                                    "value_ids": [Command.link(value.id)],
                                }
                            )
                        ]
                    }
                )
            elif value not in attribute_line.value_ids:
                attribute_line.value_ids = [Command.link(value.id)]
        variant = template.product_variant_ids.filtered(
            lambda v: (
                set(v.product_template_attribute_value_ids.product_attribute_value_id.ids) == wanted
            )
        )
        if not variant:
            raise StoresyncImportError(
                self.env._(
                    "No variant of %(product)s has the options %(options)s.",
                    product=template.display_name,
                    options=", ".join(f"{n}: {v}" for n, v in line.attributes),
                )
            )
        return variant[:1]

    def _import_product_record(self, product):
        """A simple store product (from its own payload) as an Odoo product, kept up to date."""
        return self._find_or_create_product(
            external_id=product.external_id,
            variation_id=product.variation_external_id or "0",
            sku=product.sku,
            barcode=product.barcode,
            name=product.name,
            list_price=product.regular_price or product.price or Decimal(0),
            description=product.description,
            categories=product.categories,
            update=True,
        )

    def _product_details(self, external_id):
        """The store product's mapped payload from the sync log, or None."""
        if not external_id:
            return None
        row = self.env["storesync.inbox"].search(
            [
                ("store_id", "=", self.id),
                ("kind", "=", "product"),
                ("external_id", "=", external_id),
            ],
            limit=1,
        )
        if not row.payload:
            return None
        try:
            return self._get_adapter_class().map_product(
                row.payload, category_paths=self._category_paths()
            )
        except PayloadError:
            return None  # the product row shows that error; the order can still go in

    def _find_or_create_product(
        self,
        *,
        external_id,
        variation_id,
        sku,
        barcode,
        name,
        list_price,
        description,
        categories,
        update=False,
        create=True,
    ):
        Binding = self.env["storesync.product.binding"]
        Product = self.env["product.product"].with_context(active_test=False)
        binding = Binding
        if external_id:
            binding = Binding.search(
                [
                    ("store_id", "=", self.id),
                    ("external_id", "=", external_id),
                    ("variation_id", "=", variation_id),
                ],
                limit=1,
            )
        product = binding.product_id
        company = Domain("company_id", "in", (False, self.company_id.id))
        if not product and self.product_match_key == "sku" and sku:
            product = Product.search(company & Domain("default_code", "=", sku), limit=1)
        elif not product and self.product_match_key == "barcode" and (barcode or sku):
            product = Product.search(company & Domain("barcode", "=", barcode or sku), limit=1)
        elif not product and self.product_match_key == "name":
            product = Product.search(company & Domain("name", "=", name), limit=1)
        if not (product or create):
            return product
        category = self._odoo_category(categories[0] if categories else None)
        values = {"description_sale": description or False, "categ_id": category.id}
        if barcode and Product.search_count([("barcode", "=", barcode)], limit=1):
            barcode = False  # barcodes are unique in Odoo; the store's may not be
        if not product:
            product = Product.create(
                {
                    **values,
                    "name": name,
                    "default_code": sku or False,
                    "barcode": barcode or False,
                    "list_price": float(list_price),
                    "type": "consu",
                    "is_storable": True,
                    "uom_id": self.env.ref("uom.product_uom_unit").id,
                }
            )
        elif update:
            current = self._current_values(product, values)
            changed = {key: value for key, value in values.items() if current[key] != value}
            if changed:
                product.write(changed)
        if external_id and not binding:
            Binding.create(
                {
                    "store_id": self.id,
                    "external_id": external_id,
                    "variation_id": variation_id,
                    "product_id": product.id,
                    "last_sync": fields.Datetime.now(),
                }
            )
        return product

    def _service_product(self, name):
        """Service product for fees and coupons, matched by name (created once)."""
        Product = self.env["product.product"].with_context(active_test=False)
        product = Product.search(
            [
                ("name", "=", name),
                ("type", "=", "service"),
                ("company_id", "in", (False, self.company_id.id)),
            ],
            limit=1,
        )
        return product or Product.create({"name": name, "type": "service", "sale_ok": True})
