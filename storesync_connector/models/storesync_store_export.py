import logging
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import float_repr
from odoo.tools.safe_eval import safe_eval

from ..adapters import StoreSyncError

_logger = logging.getLogger(__name__)

#: Odoo events of a synced order, the furthest first: the first that applies is the stage
EVENT_ORDER = ("cancelled", "delivered", "paid", "confirmed")
#: a store whose export calls fail waits 1, 2, 4... minutes before the next, at most this long
EXPORT_BACKOFF_MAX = timedelta(minutes=60)


class StoresyncStore(models.Model):
    # One concern per file (STYLE.md): the export to the store lives here.
    _inherit = "storesync.store"  # pylint: disable=consider-merging-classes-inherited

    stock_quantity_mode = fields.Selection(
        [("free", "Free to use (on hand minus reserved)"), ("on_hand", "On hand")],
        string="Stock Sent",
        required=True,
        default="free",
        help="Which quantity of the store's warehouse the store gets. Free to use also "
        "changes when an order reserves goods or releases them.",
    )
    product_filter = fields.Char(
        string="Products to Export",
        default="[]",
        help="Only linked products matching this filter get their stock and prices sent.",
    )
    prices_include_tax = fields.Boolean(
        string="Store Prices Include Tax",
        help="The store's catalogue prices are entered with tax. Prices are sent with or "
        "without the product's Odoo sales taxes to match; “Load mappings from store” reads it.",
    )
    status_export_map_ids = fields.One2many(
        "storesync.status.export.map", "store_id", string="Statuses Sent"
    )
    customer_group_map_ids = fields.One2many(
        "storesync.customer.group.map", "store_id", string="Customer Groups"
    )
    outbox_pending_count = fields.Integer(compute="_compute_outbox_counts")
    outbox_error_count = fields.Integer(compute="_compute_outbox_counts")
    export_failures = fields.Integer(
        string="Failed Export Calls",
        readonly=True,
        copy=False,
        help="Export calls in a row the store did not take (down, refusing us); the export "
        "cron waits longer after each (1, 2, 4... minutes, at most an hour).",
    )
    export_next_try = fields.Datetime(
        string="Next Export Attempt",
        readonly=True,
        copy=False,
        help="The export cron sends nothing to a store whose calls keep failing before this "
        "moment: the other stores' changes do not wait behind it.",
    )

    def _note_export_failure(self):
        """One more whole export call failed: the store's rows wait 1, 2, 4... minutes (at
        most ``EXPORT_BACKOFF_MAX``) before the export cron claims them again."""
        self.ensure_one()
        failures = self.export_failures + 1
        wait = min(timedelta(minutes=2 ** min(failures - 1, 16)), EXPORT_BACKOFF_MAX)
        self.write({"export_failures": failures, "export_next_try": fields.Datetime.now() + wait})

    def _note_export_success(self):
        """The store took an export call: it waits no more."""
        self.ensure_one()
        if self.export_failures or self.export_next_try:
            self.write({"export_failures": 0, "export_next_try": False})

    def _compute_outbox_counts(self):
        counts = defaultdict(int)
        if self.ids:
            groups = self.env["storesync.outbox"]._read_group(
                [("store_id", "in", self.ids), ("state", "in", ("pending", "error"))],
                ["store_id", "state"],
                ["__count"],
            )
            for store, state, count in groups:
                counts[store.id, state] = count
        for store in self:
            store.outbox_pending_count = counts[store.id, "pending"]
            store.outbox_error_count = counts[store.id, "error"]

    @api.constrains("product_filter")
    def _check_product_filter(self):
        for store in self:
            try:
                self.env["product.product"].search_count(store._product_filter_domain(), limit=1)
            except Exception as error:
                raise ValidationError(
                    self.env._(
                        "The product filter of %(store)s is not a valid domain: %(error)s",
                        store=store.name,
                        error=error,
                    )
                ) from error

    def _filter_domain(self, text):
        """A filter field's domain (a domain widget's text, ``uid`` known)."""
        return list(Domain(safe_eval(text or "[]", {"uid": self.env.uid})))

    @api.model_create_multi
    def create(self, vals_list):
        stores = super().create(vals_list)
        stores._create_default_export_maps()
        return stores

    def write(self, vals):
        result = super().write(vals)
        if {"pricelist_id", "prices_include_tax"} & set(vals) or vals.get("export_prices"):
            # Another pricelist or tax convention: other prices for everything it sells.
            for store in self.filtered("export_prices"):
                store._linked_products()._storesync_enqueue_prices(stores=store)
        return result

    def _create_default_export_maps(self):
        """Every new store starts with the platform's statuses to send (editable)."""
        vals_list = []
        for store in self:
            known = set(store.status_export_map_ids.mapped("event"))
            defaults = store._get_adapter_class().default_export_statuses
            vals_list += [
                {"store_id": store.id, "event": event, "store_status": status}
                for event, status in defaults.items()
                if event not in known
            ]
        self.env["storesync.status.export.map"].create(vals_list)

    # ------------------------------------------------------------------ user actions

    def action_open_outbox(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "storesync_connector.storesync_outbox_action"
        )
        action["domain"] = [("store_id", "=", self.id)]
        state = self.env.context.get("outbox_state")
        action["context"] = {"search_default_state_" + state: 1} if state else {}
        return action

    def action_export_all(self):
        """Queue stock and prices of every linked product the filter lets through."""
        self.ensure_one()
        self.check_access("write")
        products = self._exportable_products(self._linked_products())
        count = 0
        if self.export_stock:
            count += self.env["storesync.outbox"]._enqueue(self, "stock", products)
        if self.export_prices:
            count += self.env["storesync.outbox"]._enqueue(self, "price", products)
        if not (self.export_stock or self.export_prices):
            raise UserError(self.env._("Neither stock nor price export is switched on."))
        self.message_post(
            body=self.env._(
                "%(user)s queued %(count)s products for export.",
                user=self.env.user.name,
                count=len(products),
            )
        )
        return self._notification(
            self.env._("Export queued"),
            self.env._(
                "%(count)s products will be sent to the store within a minute.",
                count=len(products),
            ),
        )

    # ------------------------------------------------------------------ what is exported

    def _product_filter_domain(self):
        self.ensure_one()
        return self._filter_domain(self.product_filter)

    def _linked_products(self):
        self.ensure_one()
        return (
            self.env["storesync.product.binding"]
            .sudo()
            .search([("store_id", "=", self.id)])
            .product_id
        )

    def _exportable_products(self, products):
        """The ones among ``products`` the store's product filter lets through."""
        self.ensure_one()
        if not products:
            return products
        domain = Domain("id", "in", products.ids) & Domain(self._product_filter_domain())
        return products.with_context(active_test=False).search(domain)

    def _export_warehouse(self):
        self.ensure_one()
        return self.warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)], limit=1
        )

    def _store_items(self, products):
        """``{product id: [{"id", "parent_id", "manage_stock"}, ...]}``: the store items each
        product is, and whether each keeps a stock quantity in the store."""
        items = defaultdict(list)
        bindings = (
            self.env["storesync.product.binding"]
            .sudo()
            .search([("store_id", "=", self.id), ("product_id", "in", products.ids)])
        )
        for binding in bindings:
            variation = binding.variation_id not in (False, "", "0")
            items[binding.product_id.id].append(
                {
                    "id": binding.variation_id if variation else binding.external_id,
                    "parent_id": binding.external_id if variation else None,
                    "manage_stock": binding.manage_stock,
                }
            )
        return items

    def _stock_quantities(self, products):
        """Whole units per product in the store's warehouse (free or on hand), never < 0."""
        warehouse = self._export_warehouse()
        field = "free_qty" if self.stock_quantity_mode == "free" else "qty_available"
        products = products.with_context(warehouse_id=warehouse.id)
        # Not stored, so possibly cached from before the change that queued the row.
        products.invalidate_recordset([field])
        return {product.id: max(int(product[field] // 1), 0) for product in products}

    def _price_items(self, products):
        """``{product id: [values, ...]}``: the store's prices of each product
        (``_price_values``), then, where the platform keeps prices per customer group
        (``customer_group_prices``), one entry per mapped group: ``{"customer_group",
        "price", "sale_price", "sale_from", "sale_to"}`` (and ``"tiers"`` where the platform
        has quantity tiers).

        A group with a pricelist of its own gets that pricelist's price without dates as its
        ``price`` when it differs from the store's (None: the group has no price of its
        own; never for the store's default group, which sees the store's prices), its dated
        rule as its sale when it gives less, and its quantity tiers. A group without a
        pricelist, or with the store's own, gets no ``price`` (the group prices the merchant
        keeps in the store stay) and None for the rest, which clears the sales and tiers
        Odoo sent the group before.
        """
        self.ensure_one()
        adapter_class = self._get_adapter_class()
        tiers = adapter_class.quantity_tiers
        values = self._price_values(products, tiers=tiers)
        items = {product_id: [vals] for product_id, vals in values.items()}
        if not adapter_class.customer_group_prices:
            return items
        currency = self.pricelist_id.currency_id or self.company_id.currency_id
        for mapping in self.customer_group_map_ids:
            pricelist = mapping.pricelist_id
            own = pricelist and pricelist != self.pricelist_id
            group_values = self._price_values(products, pricelist, tiers=tiers) if own else {}
            for product in products:
                group = group_values.get(product.id)
                vals = {"sale_price": None, "sale_from": None, "sale_to": None}
                if tiers:
                    vals["tiers"] = []
                if group:
                    vals.update({key: group[key] for key in vals})
                    # The group's own price is Odoo's only for a group with a pricelist of
                    # its own (then None clears it): otherwise the merchant's stays.
                    regular = values[product.id]["regular_price"]
                    vals["price"] = None
                    if not mapping.is_default and currency.compare_amounts(
                        float(group["regular_price"]), float(regular)
                    ):
                        vals["price"] = group["regular_price"]
                items[product.id].append({"customer_group": mapping.store_group_id, **vals})
        return items

    def _price_values(self, products, pricelist=None, tiers=False):
        """Regular price and dated sale price per product, in the store's currency, with
        or without the product's sales taxes as the store enters its prices.

        The regular price is what the store's pricelist gives outside any dated rule (the
        product's sales price without a pricelist). A pricelist rule with a start or end date
        that has not ended becomes the store's sale price with its dates, when it is lower.
        Rules are taken in the pricelist's own order, so a dated rule placed after an
        undated one that applies is ignored, exactly as Odoo would ignore it.

        With ``tiers``, ``"tiers"`` lists the quantity tiers: for each minimum quantity of
        the pricelist's rules without dates, the price Odoo gives at that quantity when it
        is below the regular price (and below the tier before), as ``{"min_quantity",
        "price"}``.

        :param pricelist: the pricelist to read (default: the store's)
        """
        self.ensure_one()
        pricelist = pricelist or self.pricelist_id
        currency = pricelist.currency_id or self.company_id.currency_id
        now = fields.Datetime.now()
        Item = self.env["product.pricelist.item"]
        rules = Item
        if pricelist:
            # Odoo's own rule domain (product_pricelist._get_applicable_rules_domain) minus
            # "valid now": a sale that starts next week is sent now, with its dates.
            rules = Item.search(
                Domain.AND(
                    [
                        [("pricelist_id", "=", pricelist.id)],
                        [
                            "|",
                            ("categ_id", "=", False),
                            ("categ_id", "parent_of", products.categ_id.ids),
                        ],
                        [
                            "|",
                            ("product_tmpl_id", "=", False),
                            ("product_tmpl_id", "in", products.product_tmpl_id.ids),
                        ],
                        ["|", ("product_id", "=", False), ("product_id", "in", products.ids)],
                        ["|", ("date_end", "=", False), ("date_end", ">=", now)],
                    ]
                )
            )
        values = {}
        for product in products:
            regular_rule = sale_rule = Item
            for rule in rules:
                if not rule._is_applicable_for(product, 1.0):
                    continue
                if rule.date_start or rule.date_end:
                    sale_rule = sale_rule or rule
                    continue
                regular_rule = rule
                break
            taxes = product.taxes_id.filtered(
                lambda tax: (
                    tax.company_id in (self.company_id, self.company_id.parent_ids)
                    or not tax.company_id
                )
            )

            def store_price(price, product=product, taxes=taxes):
                # The pricelist gives Odoo's price (with or without tax as the taxes say);
                # the store wants its own convention.
                result = taxes.compute_all(price, currency, 1.0, product=product)
                key = "total_included" if self.prices_include_tax else "total_excluded"
                return currency.round(result[key])

            regular = store_price(
                regular_rule._compute_price(product, 1.0, product.uom_id, now, currency=currency)
            )
            # No sale: the store's sale price and its dates are cleared.
            vals = {
                "regular_price": _money(regular, currency),
                "sale_price": None,
                "sale_from": None,
                "sale_to": None,
            }
            if sale_rule:
                sale = store_price(
                    sale_rule._compute_price(
                        product,
                        1.0,
                        product.uom_id,
                        max(sale_rule.date_start or now, now),
                        currency=currency,
                    )
                )
                if currency.compare_amounts(sale, regular) < 0:
                    vals.update(
                        sale_price=_money(sale, currency),
                        sale_from=sale_rule.date_start or None,
                        sale_to=sale_rule.date_end or None,
                    )
            if tiers:
                vals["tiers"] = self._price_tiers(product, rules, regular, store_price, currency)
            values[product.id] = vals
        return values

    def _price_tiers(self, product, rules, regular, store_price, currency):
        """The quantity tiers of ``product`` in ``rules`` (see ``_price_values``)."""
        undated = rules.filtered(lambda rule: not (rule.date_start or rule.date_end))
        now = fields.Datetime.now()
        tiers, last = [], regular
        for quantity in sorted({rule.min_quantity for rule in undated if rule.min_quantity > 1}):
            rule = next((r for r in undated if r._is_applicable_for(product, quantity)), None)
            if not rule or rule.min_quantity <= 1:
                continue  # at that quantity Odoo gives the regular price
            price = store_price(
                rule._compute_price(product, quantity, product.uom_id, now, currency=currency)
            )
            if currency.compare_amounts(price, last) < 0:
                tiers.append({"min_quantity": int(quantity), "price": _money(price, currency)})
                last = price
        return tiers

    # ------------------------------------------------------------------ senders (outbox)

    def _export_stock(self, rows):
        """Send these outbox rows' stock; ``{row id: outcome}`` (see ``_record_outcomes``)."""
        if not self.export_stock:
            return self._skip_all(rows, self.env._("Stock export is switched off."))
        return self._export_products(rows, self._stock_quantities, "stock_quantity")

    def _export_price(self, rows):
        if not self.export_prices:
            return self._skip_all(rows, self.env._("Price export is switched off."))
        return self._export_products(rows, self._price_items, None)

    def _skip_all(self, rows, message):
        return {row.id: {"state": "skipped", "message": message} for row in rows}

    def _export_products(self, rows, compute, field):
        """Batch product rows to the store; each row's outcome from its items' answers.

        Stock goes only to store items that manage their stock, of products stocked in Odoo:
        a service or a good Odoo does not count has no quantity to send, and sending one
        would put a downloadable product out of stock in the store.
        """
        self.ensure_one()
        outcomes = {}
        stock = field == "stock_quantity"
        products = self._exportable_products(rows.product_id)
        store_items = self._store_items(products)
        for product_id, product_items in store_items.items():
            store_items[product_id] = [
                {key: value for key, value in item.items() if key != "manage_stock"}
                | ({"manage_stock": True} if stock else {})
                for item in product_items
                if item["manage_stock"] or not stock
            ]
        sent = products.filtered(lambda p: store_items.get(p.id) and (p.is_storable or not stock))
        values = compute(sent)
        items, owners = [], []
        for row in rows:
            product = row.product_id
            if product not in products:
                message = self.env._("Not sent: outside the store's product filter.")
            elif product.id not in store_items:
                message = self.env._("Not sent: the product is not linked to the store.")
            elif product not in sent and not product.is_storable:
                message = self.env._(
                    "Not sent: the product is not tracked in stock in Odoo (a service or a "
                    "good without inventory tracking), so the store keeps its own stock."
                )
            elif product not in sent:
                message = self.env._(
                    "Not sent: the store product does not manage its stock, so the store "
                    "keeps its own stock status."
                )
            else:
                message = None
                # prices: a list of value dicts, one store item each (customer groups)
                value = values[product.id]
                for item in store_items[product.id]:
                    for extra in value if field is None else [{field: value}]:
                        items.append({**item, **extra})
                        owners.append(row)
            if message:
                outcomes[row.id] = {"state": "skipped", "message": message}
        if not items:
            return outcomes
        method = "update_stock" if field == "stock_quantity" else "update_prices"
        failure = None
        with self._get_adapter() as adapter:
            try:
                results = getattr(adapter, method)(items)
            except StoreSyncError as error:
                # A whole call failed after others went through: those items are done.
                failure, results = error, error.details.get("results") or []
        by_key = {_item_key(r): r for r in results}
        per_row = defaultdict(list)
        for item, row in zip(items, owners, strict=True):
            key = _item_key(item)
            per_row[row].append((item, by_key.get(key)))
        for row, pairs in per_row.items():
            request = [_jsonable(item) for item, _result in pairs]
            failed = [result for _item, result in pairs if not (result and result["ok"])]
            if not failed:
                outcomes[row.id] = {"state": "done", "request": request}
            elif any(result is None for result in failed):
                outcomes[row.id] = {"error": failure, "request": request}
            else:
                outcomes[row.id] = {
                    "error": "; ".join(
                        self.env._(
                            "The store refused item %(item)s: %(message)s (%(code)s)",
                            item=result["id"],
                            message=result["message"] or "-",
                            code=result["code"] or result["status"],
                        )
                        for result in failed
                    ),
                    "retryable": all(result["retryable"] for result in failed),
                    "request": request,
                }
        return outcomes

    def _export_order_status(self, rows):
        """Send each order's mapped status, and its tracking notes once.

        Three passes: what to send (reads only), the calls to the store, then what Odoo
        records about them. No row this transaction writes is locked while it waits for the
        store, and a failure while recording rolls back nothing the store already has.
        """
        self.ensure_one()
        if not self.export_order_status:
            return self._skip_all(rows, self.env._("Order status export is switched off."))
        mapping = {m.event: m.store_status for m in self.status_export_map_ids}
        outcomes, plans = {}, {}
        for row in rows:
            plan = self._status_plan(row.order_id, mapping)
            if "outcome" in plan:
                outcomes[row.id] = plan["outcome"]
            else:
                plans[row] = plan
        if not plans:
            return outcomes
        sent = {}
        with self._get_adapter() as adapter:
            for row, plan in plans.items():
                sent[row] = self._send_status(adapter, plan)
        # Only now the ORM writes, after every call of this batch.
        for row, (done, error) in sent.items():
            outcomes[row.id] = self._record_status_sent(plans[row], done, error)
        return outcomes

    def _status_plan(self, order, mapping):
        """What this order's row sends: ``{"order", "notes": {picking: text}, "status",
        "message"}`` (``message``: a status held back, see ``StoreAdapter.status_ladder``),
        or ``{"outcome": ...}`` when there is nothing to send."""
        if not order.storesync_external_id or order.storesync_store_id != self:
            return {
                "outcome": {
                    "state": "skipped",
                    "message": self.env._("Not sent: the order does not come from this store."),
                }
            }
        adapter_class = self._get_adapter_class()
        pickings = order._storesync_tracking_pickings()
        if not adapter_class.supports_tracking:
            pickings = pickings.browse()  # the platform's API has nowhere to put it
        if adapter_class.tracking_with_status:
            # One tracking number per order: the newest delivery's goes with the status.
            newest = pickings.sorted(lambda p: (p.date_done, p.id))[-1:]
            notes = dict.fromkeys(pickings, newest.carrier_tracking_ref)
        else:
            notes = {picking: picking._storesync_tracking_note(self.lang) for picking in pickings}
        event = order._storesync_event()
        status = mapping.get(event) if event else None
        current = order.storesync_status
        held_back = None
        if status == current:
            status = None
        elif status and self._get_adapter_class().moves_backwards(current, status):
            # e.g. an order imported as completed whose invoice is paid later: "processing"
            # would move it backwards and e-mail the buyer.
            held_back, status = status, None
        message = None
        if held_back:
            message = self.env._(
                "Status %(status)s not sent: the store already shows %(current)s, which is "
                "further along, and a store status never moves backwards.",
                status=held_back,
                current=current,
            )
        # Where the paid flag goes with the status: an order paid in Odoo that the store does
        # not show as paid tells it, with or without a status to send.
        paid = (
            adapter_class.tracking_with_status
            and not order.storesync_paid
            and "paid" in order._storesync_events()
        )
        if not (notes or status or paid):
            if held_back:
                return {"outcome": {"state": "skipped", "message": message}}
            return {
                "outcome": {
                    "state": "done",
                    "message": self.env._(
                        "Nothing to send: the store already has status %(status)s.",
                        status=current or "-",
                    ),
                }
            }
        return {
            "order": order,
            "notes": notes,
            "status": status,
            "message": message,
            "paid": paid or None,
        }

    def _send_status(self, adapter, plan):
        """The store calls of one order (no ORM): ``(done, error)``, ``done`` what went
        through (``{"pickings", "status"}``) even when a later call failed."""
        external_id = plan["order"].storesync_external_id
        done = {"pickings": self.env["stock.picking"], "status": None, "paid": False}
        try:
            if adapter.tracking_with_status:
                tracking = next(iter(plan["notes"].values()), None)
                adapter.update_order_status(
                    external_id, plan["status"], tracking_code=tracking, paid=plan["paid"]
                )
                done["pickings"] |= self.env["stock.picking"].union(*plan["notes"])
                done["status"] = plan["status"]
                done["paid"] = bool(plan["paid"])
                return done, None
            if plan["notes"]:
                # An earlier attempt may have added a note without learning it (a timeout):
                # look before writing something the customer is e-mailed, never send it twice.
                known = {_plain(note["note"]) for note in adapter.list_order_notes(external_id)}
                for picking, note in plan["notes"].items():
                    if _plain(note) not in known:
                        adapter.add_order_note(external_id, note, customer_note=True)
                    done["pickings"] |= picking
            if plan["status"]:
                adapter.update_order_status(external_id, plan["status"])
                done["status"] = plan["status"]
        except StoreSyncError as error:
            return done, error
        return done, None

    def _record_status_sent(self, plan, done, error):
        """Write down in Odoo what reached the store; the row's outcome."""
        order = plan["order"]
        request = {}
        if done["pickings"]:
            done["pickings"].storesync_note_sent = True
            request["notes"] = [plan["notes"][picking] for picking in done["pickings"]]
        if done["status"]:
            order.storesync_status = done["status"]
            request["status"] = done["status"]
        if done["paid"]:
            order.storesync_paid = True
            request["paid"] = True
        if request:
            order.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Sent to the store: %(what)s",
                    what=", ".join(
                        (
                            [self.env._("status %(status)s", status=request["status"])]
                            if "status" in request
                            else []
                        )
                        + [self.env._("tracking note")] * bool(request.get("notes"))
                        + [self.env._("paid")] * bool(request.get("paid"))
                    ),
                )
            )
        if done["status"] or done["pickings"]:
            self._mail_status(order, done["status"], bool(done["pickings"]))
        if error:
            return {"error": error, "request": request or None}
        return {"state": "done", "request": request, "message": plan["message"]}

    def _mail_status(self, order, status, tracking=False):
        """E-mail the buyer the new status and tracking, for a platform that does not
        (``notifies_buyer``), when the store asks for it: a new ``status`` whose mapping
        says *E-mail Buyer* (the store's own setting), or a ``tracking`` number sent. The
        mail template, in the store's language, queued with Odoo's outgoing mail."""
        if (
            self._get_adapter_class().notifies_buyer
            or not self.status_mail
            or not order.partner_id.email
        ):
            return
        if (
            not tracking
            and status
            and not self.status_map_ids.filtered(
                lambda m: m.store_status == status and m.notify_buyer
            )
        ):
            return
        template = self.env.ref("storesync_connector.mail_template_storesync_status")
        template.send_mail(order.id, email_layout_xmlid="mail.mail_notification_light")
        order.message_post(
            body=self.env._(
                "Status e-mail sent to %(email)s.", email=order.partner_id.email_formatted
            )
        )


def _item_key(item):
    """What tells an item (or its result) from the others of one call."""
    return (
        str(item["id"]),
        str(item.get("parent_id") or ""),
        str(item.get("customer_group") or ""),
    )


def _money(amount, currency):
    return Decimal(float_repr(amount, currency.decimal_places))


def _jsonable(value):
    """An adapter item as JSON for the sync log (Decimal and datetime as text, bytes by
    their size)."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _plain(note):
    return " ".join(str(note).split())
