"""The store's import settings: mappings, what imported records default to, sync log counts.

The import itself: ``storesync_store_fetch.py`` (store → sync log, network only), then per
payload kind a processor (``sale_order_import.py`` for orders, ``product_product.py`` and
``product_category.py`` for the catalogue), with the order lines planned by the pure
``utils/line_planner.py``.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..adapters import StoreSyncError, get_adapter_class
from .sale_order_import import tax_spec
from .storesync_inbox import StoresyncImportError, batch_prepared


class StoresyncStore(models.Model):
    _inherit = "storesync.store"

    import_orders_since = fields.Datetime(
        default=fields.Datetime.now,
        copy=False,
        help="On the first sync, only orders modified from this moment on are imported. "
        "A new store starts from the moment it was created: set an earlier date to bring "
        "in history (map old statuses to “Import as already done”). Empty: all orders.",
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
    fee_product_id = fields.Many2one(
        "product.product",
        default=lambda self: self.env.ref(
            "storesync_connector.product_store_fee", raise_if_not_found=False
        ),
        domain=[("type", "=", "service")],
        help="Product of the order lines for the store's fees (cash on delivery, gift "
        "wrapping...); each line keeps the fee's name.",
    )
    coupon_product_id = fields.Many2one(
        "product.product",
        string="Discount Product",
        default=lambda self: self.env.ref(
            "storesync_connector.product_store_coupon", raise_if_not_found=False
        ),
        domain=[("type", "=", "service")],
        help="Product of the negative order lines for what coupons took off.",
    )
    invoice_policy = fields.Selection(
        [
            ("never", "Never"),
            ("draft", "As drafts on import"),
            ("paid", "Posted when paid on the store"),
        ],
        string="Create Invoices",
        required=True,
        default="never",
        help="Never: invoice the orders in Odoo as usual. As drafts: each confirmed store "
        "order gets its draft invoice at once, to be confirmed with one click. Posted when "
        "paid: the invoice is made and posted once the store says the order is paid. Orders "
        "imported as already done are never invoiced.",
    )
    payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Payment Terms",
        check_company=True,
        default=lambda self: self.env.ref(
            "storesync_connector.payment_term_8_days", raise_if_not_found=False
        ),
        help="Payment terms of the imported orders and their invoices, unless the order's "
        "payment method maps to others. The invoice's due date follows from them.",
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
        """Add mapping rows for the store's tax rates, shipping and payment methods (and
        customer groups, where the platform keeps prices per group).

        Tax rows are matched to the one Odoo sales tax of the same percentage, shipping rows
        to the one delivery method of the same name, when there is exactly one; everything
        else stays for the user to choose.
        """
        self.ensure_one()
        try:
            with self._get_adapter() as adapter:
                settings = adapter.list_store_settings()
        except StoreSyncError as error:
            raise UserError(self._connection_error_message(error)) from error
        self.prices_include_tax = settings.get("prices_include_tax", False)
        added = self._add_status_names(settings.get("order_statuses") or [])
        added += self._add_customer_groups(settings.get("customer_groups") or [])
        added += self._add_delivery_times(settings.get("delivery_times") or [])
        added += self._add_missing_mappings(
            [(rate["id"], rate["label"], rate["percent"]) for rate in settings["tax_rates"]],
            [(method["id"], method["title"]) for method in settings["shipping_methods"]],
            [(method["id"], method["title"]) for method in settings["payment_methods"]],
            match=True,
        )
        return self._notification(
            self.env._("Mappings loaded"),
            self.env._("%(count)s new mapping rows; fill in the empty ones.", count=added),
            reload=True,
        )

    def _add_status_names(self, statuses):
        """Name the status rows after the store's own statuses, adding the missing ones
        ("Keep as quotation" until the user decides), and take the store's own choice of
        the statuses its buyers are e-mailed about (``notify``, where the store says);
        returns how many were added."""
        rows = {row.store_status: row for row in self.status_map_ids}
        new = []
        for status in statuses:
            code, title = str(status["id"]), status.get("title") or ""
            notify = {"notify_buyer": bool(status["notify"])} if "notify" in status else {}
            if code in rows:
                if title and not rows[code].name:
                    rows[code].name = title
                if notify:
                    rows[code].write(notify)
            else:
                new.append({"store_id": self.id, "store_status": code, "name": title, **notify})
                rows[code] = True
        self.env["storesync.status.map"].create(new)
        return len(new)

    def _add_customer_groups(self, groups):
        """A row for each customer group of the store not mapped yet (no pricelist: the
        group sees the store's prices until the user picks one); known rows get the store's
        name and default flag. Returns how many were added."""
        rows = {row.store_group_id: row for row in self.customer_group_map_ids}
        new = []
        for group in groups:
            code, title = str(group["id"]), group.get("title") or ""
            default = bool(group.get("default"))
            if code in rows:
                row = rows[code]
                if (title and row.name != title) or row.is_default != default:
                    row.write({"name": title or row.name, "is_default": default})
            else:
                new.append(
                    {
                        "store_id": self.id,
                        "store_group_id": code,
                        "name": title,
                        "is_default": default,
                    }
                )
                rows[code] = True
        self.env["storesync.customer.group.map"].create(new)
        return len(new)

    def _add_delivery_times(self, statuses):
        """A row for each delivery time (stock status) of the store not mapped yet, without
        days until the user sets them; known rows get the store's name. Returns how many
        were added."""
        rows = {row.store_status_id: row for row in self.delivery_time_map_ids}
        new = []
        for status in statuses:
            code, title = str(status["id"]), status.get("title") or ""
            if code in rows:
                if title and rows[code].name != title:
                    rows[code].name = title
            else:
                new.append({"store_id": self.id, "store_status_id": code, "name": title})
                rows[code] = True
        self.env["storesync.delivery.time.map"].create(new)
        return len(new)

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

    def _add_missing_mappings(self, tax_rates, shipping_methods, payment_methods, match=False):
        """Add a mapping row for each store tax rate and method this store has no row for.

        :param tax_rates: ``(rate id, label, percent or None)``
        :param shipping_methods: ``(method id, title)``; likewise ``payment_methods``
        :param match: fill the Odoo tax when exactly one sales tax has the same percentage,
            and the delivery method when exactly one has the shipping method's title
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
            if match:
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
        if match:
            for row in filter(lambda row: row["name"], vals["storesync.shipping.map"]):
                carriers = self.env["delivery.carrier"].search(
                    [
                        ("name", "=ilike", row["name"]),
                        ("company_id", "in", (False, self.company_id.id)),
                    ],
                    limit=2,
                )
                if len(carriers) == 1:
                    row["carrier_id"] = carriers.id
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
            adapter_class = store._get_adapter_class()
            names = adapter_class.default_status_names
            vals_list += [
                {
                    "store_id": store.id,
                    "store_status": status,
                    "name": names.get(status, False),
                    "action": action,
                    "sequence": seq,
                    "notify_buyer": status in adapter_class.default_mailed_statuses,
                }
                for seq, (status, action) in enumerate(adapter_class.default_status_actions.items())
                if status not in known
            ]
        self.env["storesync.status.map"].create(vals_list)

    def _get_adapter_class(self):
        return get_adapter_class(self.platform)

    def _map_product(self, payload, category_paths):
        """A store product payload as a ``records.Product``, in the store's language where
        the platform sends several; raises ``PayloadError``."""
        self.ensure_one()
        return self._get_adapter_class().map_product(
            payload, category_paths=category_paths, language=self.lang
        )

    def _order_admin_url(self, external_id):
        self.ensure_one()
        return self._get_adapter_class().order_admin_url(self.base_url, external_id)

    # ------------------------------------------------------------------ helpers of the processors

    def _skipped_statuses(self):
        """The store statuses mapped to "Do not import": their orders make no records."""
        return set(
            self.status_map_ids.filtered(lambda m: m.action == "skip").mapped("store_status")
        )

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

    @api.model
    def _current_values(self, record, values):
        """``record``'s values for the keys of ``values``, in write() form (ids, False)."""
        return {
            key: record[key].id if record._fields[key].type == "many2one" else record[key] or False
            for key in values
        }

    def _tax_specs(self):
        """Store rate id -> the planner's view of its Odoo tax, for the mapped rates (once
        per batch of the processing job)."""
        cache = batch_prepared(self.env).setdefault("tax_specs", {})
        if self.id not in cache:
            cache[self.id] = {
                mapping.store_tax_id: tax_spec(mapping.tax_id)
                for mapping in self.tax_map_ids
                if mapping.tax_id
            }
        return cache[self.id]

    def _plan_error_message(self, error):
        """The user's words for a ``line_planner.PlanError``."""
        params = error.params
        if error.code == "unmapped_tax":
            return self.env._(
                "No Odoo tax for the store's tax rate(s) %(rates)s. Map them under the "
                "store's Taxes (or press “Create missing mappings”), then retry.",
                rates=", ".join(f"{rate} ({label})" for rate, label in params["rates"]),
            )
        if error.code == "tax_mismatch":
            if params.get("store_percent") is not None:
                return self.env._(
                    "The store's tax rate %(rate)s is %(store_percent)s%%, but it is mapped to "
                    "%(tax)s (%(percent)s%%). Fix the tax mapping, then retry.",
                    **params,
                )
            return self.env._(
                "The store taxed %(base)s with %(amount)s, but its rate is mapped to "
                "%(tax)s (%(percent)s%%). Fix the tax mapping, then retry.",
                **params,
            )
        if error.code == "gross_needs_percent":
            return self.env._(
                "The store's prices include tax without saying how much: its tax rate "
                "%(rate)s must be mapped to one Odoo tax that is a percentage (not %(tax)s). "
                "Fix the tax mapping, then retry.",
                **params,
            )
        return self.env._(
            "The store's order does not add up: its lines make %(lines)s but its total "
            "is %(total)s.",
            **params,
        )

    def _shipping_product(self, line):
        """The product of a planned shipping line, from the shipping method's mapping."""
        mapping = self._shipping_mapping(line.method_id)
        product = mapping.product_id or mapping.carrier_id.product_id
        if not product:
            raise StoresyncImportError(
                self.env._(
                    "The shipping method “%(method)s” (%(title)s) has no product or delivery "
                    "method: map it under the store's Shipping Methods, then retry.",
                    method=line.method_id,
                    title=line.name,
                )
            )
        return product

    def _shipping_mapping(self, method_id):
        return self.shipping_map_ids.filtered(lambda m: m.method_id == method_id)[:1]

    def _shipping_carrier(self, order):
        """The delivery method of ``order``: that of its first shipping line that has one."""
        for line in order.lines_of("shipping"):
            carrier = self._shipping_mapping(line.method_id).carrier_id
            if carrier:
                return carrier
        return self.env["delivery.carrier"]

    def _fee_product(self):
        return self.fee_product_id or self.env.ref("storesync_connector.product_store_fee")

    def _coupon_product(self):
        return self.coupon_product_id or self.env.ref("storesync_connector.product_store_coupon")
