"""The order processor: one order payload of the sync log becomes a sales order.

The path of an order, store to ``sale.order``: the adapter fetches it
(``adapters/<platform>.py``, called by ``storesync_store_fetch.py``), the sync log keeps it
(``storesync_inbox.py``), this file maps it and writes the order, with its lines planned by the
pure ``utils/line_planner.py``. Buyers are matched on ``res.partner`` (``res_partner.py``),
products on the product models (``product_product.py``).
"""

from collections import defaultdict
from decimal import Decimal

from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import SQL, plaintext2html

from ..adapters import PayloadError
from ..utils.line_planner import PlanError, TaxSpec, plan_lines
from .storesync_inbox import (
    BATCH,
    DEFER_CONFIRM,
    IMPORT_LOCK_CLASS,
    LOOKAHEAD,
    LOOKAHEAD_ROWS,
    RESERVATIONS,
    StoresyncImportError,
    batch_prepared,
)


class SaleOrder(models.Model):
    # One concern per file (STYLE.md): the order's fields and manual sync live in sale_order.py.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    storesync_customer_note = fields.Text(
        string="Buyer's Note",
        readonly=True,
        copy=False,
        help="What the buyer wrote at checkout; also in the chatter and on the delivery.",
    )

    # ------------------------------------------------------------------ the processor

    @api.model
    def _storesync_process_row(self, store, row):
        """Turn one order payload into a sales order (created or updated); return row values.

        ``confirm_ids`` in the result lists orders to confirm when ``DEFER_CONFIRM`` is set.
        """
        prepared = batch_prepared(self.env)
        order = prepared.get("orders", {}).get(row.id)
        if order is None:
            order = store._get_adapter_class().map_order(row.payload)
        if (store.id, order.external_id) in prepared.get("existing", {}):
            # Looked up with the batch's others; the row's lease keeps any other job from
            # creating its order meanwhile (and the unique key would refuse a second one).
            existing = prepared["existing"][store.id, order.external_id]
        else:
            existing = self.search(
                [
                    ("storesync_store_id", "=", store.id),
                    ("storesync_external_id", "=", order.external_id),
                ],
                limit=1,
            )
        mapping, verdict = self._storesync_triage(store, order, existing)
        if verdict:
            return verdict
        batch = self.env.context.get(BATCH)
        if batch is None:
            # (A batch took the locks of all its rows before it made anything.)
            self._storesync_lock_keys(store, [order])
        if existing:
            sale, confirm = existing._storesync_update(store, order, mapping.action)
        elif batch is not None:
            # Created with the batch's other new orders (storesync.inbox._process).
            values = self._storesync_create_values(store, order)
            batch.new_orders.append((row.id, values, order, mapping.action))
            return {"state": "done"}
        else:
            sale, confirm = self._storesync_create(store, order, mapping.action)
        if confirm and not self.env.context.get(DEFER_CONFIRM):
            sale._storesync_confirm()
            confirm = False
        elif not confirm and mapping.action == "confirm":
            # Confirmed before (or refused): paid since, it may be invoiced now.
            sale._storesync_invoice_from_store()
        return {
            "state": "done",
            **sale._storesync_row_record(),
            "confirm_ids": sale.ids if confirm else [],
        }

    @api.model
    def _storesync_triage(self, store, order, existing):
        """What becomes of ``order`` before any record is touched: returns its status mapping
        and, when nothing is to be written, the row's values (done, as it is already; skipped,
        with the reason). An unmapped status is an error."""
        mapping = store.status_map_ids.filtered(lambda m: m.store_status == order.status)
        if not mapping:
            raise StoresyncImportError(
                self.env._(
                    "The store status “%(status)s” has no mapping. Add it under the store's "
                    "Order Statuses (or press “Create missing mappings”), then retry.",
                    status=order.status,
                )
            )
        if existing and existing.storesync_content_hash == order.content_hash:
            return mapping, {"state": "done", **existing._storesync_row_record()}
        if mapping.action == "skip" and not existing:
            return mapping, {
                "state": "skipped",
                "last_error": self.env._(
                    "Not imported: status “%(status)s” is mapped to “Do not import”.",
                    status=order.status,
                ),
            }
        if not order.product_lines and not existing:
            return mapping, {
                "state": "skipped",
                "last_error": self.env._(
                    "Not imported: the order has no product lines (a draft started in the "
                    "store's admin). It is imported once it has some."
                ),
            }
        return mapping, None

    @api.model
    def _storesync_prepare_batch(self, rows):
        """Before a batch's first row: map its order payloads and look up, in one query each
        per store, the orders they already are and the products bound to their lines; then
        find or create, together, the products of the lines and the buyers of the orders the
        batch writes (``product.product._storesync_prepare_line_products``,
        ``res.partner._storesync_prepare_buyers``)."""
        prepared = batch_prepared(self.env)
        orders = prepared.setdefault("orders", {})
        by_store = defaultdict(list)
        for row in rows:
            try:
                orders[row.id] = row.store_id._get_adapter_class().map_order(row.payload)
            except PayloadError:
                continue  # the row's own processing reports it
            by_store[row.store_id].append(orders[row.id])
        existing = prepared.setdefault("existing", {})
        products = prepared.setdefault("product_bindings", {})
        for store, store_orders in by_store.items():
            existing.update(dict.fromkeys(((store.id, o.external_id) for o in store_orders), self))
            for sale in self.search(
                [
                    ("storesync_store_id", "=", store.id),
                    ("storesync_external_id", "in", [o.external_id for o in store_orders]),
                ]
            ):
                existing[store.id, sale.storesync_external_id] = sale
            bound = self._storesync_line_bindings(store, store_orders)
            products.update({(store.id, *key): product for key, product in bound.items()})
            written = []
            for order in store_orders:
                try:
                    _mapping, verdict = self._storesync_triage(
                        store, order, existing[store.id, order.external_id]
                    )
                except StoresyncImportError:
                    continue  # the row's own processing reports it
                if verdict is None:
                    written.append(order)
            # What the rows would lock one by one, before anything is looked up or made.
            self._storesync_lock_keys(store, written, bound)
            self.env["product.product"]._storesync_prepare_line_products(
                store, [line for order in written for line in order.product_lines]
            )
            self.env["res.partner"]._storesync_prepare_buyers(store, written)

    @api.model
    def _storesync_line_bindings(self, store, orders):
        """The products bound to the lines of ``orders`` (of ``store``), in one query:
        ``{(store product id, variation id): product}``."""
        external_ids = {
            line.product_external_id for o in orders for line in o.lines if line.product_external_id
        }
        return {
            (binding.external_id, binding.variation_id): binding.product_id
            for binding in self.env["storesync.product.binding"].search_fetch(
                [("store_id", "=", store.id), ("external_id", "in", list(external_ids))],
                ["external_id", "variation_id", "product_id"],
            )
        }

    @api.model
    def _storesync_upcoming_options(self, store):
        """The options (``(attribute, value)`` pairs) that the store's pending orders sell of
        each store product: ``{store product id: {pairs}}``. A variation template made or
        grown now takes them too, so that it gets its variants once rather than once per
        batch that sells a new option of it (a history import sells them over hundreds of
        batches). Read once per processing run, from the first ``LOOKAHEAD_ROWS`` pending
        rows; orders whose status is not imported are left out. Outside a processing run
        (a retry, one row): nothing."""
        lookahead = self.env.context.get(LOOKAHEAD)
        if lookahead is None:
            return {}
        key = ("sale.order", "options", store.id)
        if key not in lookahead.values:
            skipped = store._skipped_statuses()
            adapter = store._get_adapter_class()
            options = defaultdict(set)
            rows = self.env["storesync.inbox"].search(
                [("store_id", "=", store.id), ("kind", "=", "order"), ("state", "=", "pending")],
                order="external_date NULLS FIRST, id",
                limit=LOOKAHEAD_ROWS,
            )
            for row in rows:
                try:
                    order = adapter.map_order(row.payload)
                except PayloadError:
                    continue  # the row's own processing reports it
                if order.status in skipped:
                    continue
                for line in order.product_lines:
                    if line.variation_external_id and line.attributes:
                        options[line.product_external_id].update(line.attributes)
            rows.invalidate_recordset(["payload"])  # not kept in memory for the whole run
            lookahead.values[key] = dict(options)
        return lookahead.values[key]

    def _storesync_row_record(self):
        return {"res_model": "sale.order", "res_id": self.id, "order_id": self.id}

    # ------------------------------------------------------------------ locks

    @api.model
    def _storesync_import_lock_keys(self, store, order, bound=frozenset(), options=frozenset()):
        """What this order may create that another job may be creating at the same time:
        its buyer (by account, e-mail and phone), its products (by store id and SKU) and the
        attributes of its new variations' options (by name).
        ``bound``: the ``(store product id, variation id)`` of lines whose product is bound
        already; the import only reads those, so they take no key (the stock they reserve is
        reserved after the batch, see ``storesync.inbox._reserve_deferred``). ``options``:
        the ``(attribute, value)`` pairs Odoo has already (``_storesync_known_options``): a
        new variation only reads those, so they take no key either."""
        company, customer = store.company_id.id, order.customer
        keys = {
            f"partner:{company}:{kind}:{value}"
            for kind, value in (
                ("store", customer.external_id and f"{store.id}:{customer.external_id}"),
                ("email", customer.email),
                ("phone", customer.phone_e164),
            )
            if value
        }
        for line in order.lines:
            if (line.product_external_id, line.variation_external_id or "0") in bound:
                continue
            # A new variation may make its options' attributes (found by name: made twice,
            # a line's options would be looked for under the other one).
            keys.update(
                f"attribute:{name}"
                for name, value in line.attributes or ()
                if (name, value) not in options
            )
            if line.product_external_id:
                keys.add(f"product:{store.id}:{line.product_external_id}")
            if line.sku:
                keys.add(f"sku:{company}:{line.sku}")
        return sorted(keys)

    @api.model
    def _storesync_claim_keys(self, rows):
        """What each of these order rows may create or change that another processing job's
        rows may too: ``{row id: lock keys}`` (see ``storesync.inbox._claim_apart``): the
        importer's lock keys, bound products left out, and the top categories of the
        products to be made. A row whose payload cannot be read has none: its processing
        reports it."""
        orders = {}
        for row in rows:
            try:
                orders[row] = row.store_id._get_adapter_class().map_order(row.payload)
            except PayloadError:
                continue
        rows.invalidate_recordset(["payload"])  # read again by the batch, not kept meanwhile
        keys = {}
        for store, store_rows in rows.grouped("store_id").items():
            store_orders = {row: orders[row] for row in store_rows if row in orders}
            bound = self._storesync_line_bindings(store, store_orders.values())
            options = self._storesync_known_options(store_orders.values(), bound)
            # A product to be made takes its category from the store product: made twice
            # by two jobs at once, a category Odoo does not have yet would be there twice.
            new = {
                line.product_external_id
                for order in store_orders.values()
                for line in order.lines
                if line.product_external_id
                and (line.product_external_id, line.variation_external_id or "0") not in bound
            }
            details = self.env["product.product"]._storesync_details_many(store, new)
            known_paths = self.env["product.category"]._storesync_known_paths(
                path
                for external_id in new
                if details[external_id]
                for path in details[external_id].categories
            )
            for row, order in store_orders.items():
                row_keys = set(self._storesync_import_lock_keys(store, order, bound, options))
                for line in order.lines:
                    if line.product_external_id in new and details[line.product_external_id]:
                        row_keys.update(
                            f"category:{path[0]}"
                            for path in details[line.product_external_id].categories
                            if path and tuple(path) not in known_paths
                        )
                keys[row.id] = sorted(row_keys)
        return keys

    @api.model
    def _storesync_known_options(self, orders, bound=frozenset()):
        """The options of the ``orders``' variations to be made (lines not in ``bound``)
        that Odoo has already, as ``(attribute, value)`` pairs."""
        return self.env["product.template"]._storesync_known_options(
            pair
            for order in orders
            for line in order.lines
            if (line.product_external_id, line.variation_external_id or "0") not in bound
            for pair in line.attributes or ()
        )

    @api.model
    def _storesync_lock_keys(self, store, orders, bound=frozenset()):
        """Serialise jobs that could create the same contact or product as ``orders``.

        Two processing jobs keep their batches apart when they claim them (the same keys,
        held from before the batch's transaction: ``storesync.inbox._claim_apart``), but
        "Retry" may process rows meanwhile: two orders of one new buyer must not make two
        contacts. Transaction-level advisory locks, taken in one statement in a fixed order,
        are released with the commit; a rare deadlock between two batches ends as a
        retryable row (see ``storesync.inbox._process_one``). ``bound``: see
        ``_storesync_import_lock_keys``.
        """
        options = self._storesync_known_options(orders, bound)
        keys = sorted(
            {
                key
                for order in orders
                for key in self._storesync_import_lock_keys(store, order, bound, options)
            }
        )
        if keys:
            self.env.cr.execute(
                SQL(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(key)) "
                    "FROM unnest(%s::text[]) AS key ORDER BY hashtext(key)",
                    IMPORT_LOCK_CLASS,
                    keys,
                )
            )

    # ------------------------------------------------------------------ create and update

    @api.model
    def _storesync_values(self, store, order, pricelist):
        partner, invoice, shipping = self.env["res.partner"]._storesync_import_customer(
            store, order.customer, order.created_at
        )
        payment = store.payment_map_ids.filtered(lambda m: m.method_code == order.payment_method)
        status = store.status_map_ids.filtered(lambda m: m.store_status == order.status)
        values = {
            "partner_id": partner.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": shipping.id,
            "pricelist_id": pricelist.id,
            "company_id": store.company_id.id,
            "client_order_ref": order.number,
            "date_order": order.created_at,
            "storesync_store_id": store.id,
            "storesync_external_id": order.external_id,
            "storesync_number": order.number,
            "storesync_created_at": order.created_at,
            "storesync_updated_at": order.modified_at,
            "storesync_last_sync": fields.Datetime.now(),
            "storesync_status": order.status,
            "storesync_paid": order.paid_at is not None or status.paid,
            "storesync_payment_method": order.payment_method_title or order.payment_method or False,
            "storesync_content_hash": order.content_hash,
            "storesync_customer_note": order.note or False,
        }
        if store.warehouse_id:
            values["warehouse_id"] = store.warehouse_id.id
        if payment.payment_term_id:
            values["payment_term_id"] = payment.payment_term_id.id
        return values

    @api.model
    def _storesync_owner_values(self, store, order):
        """Who the new order belongs to and how it ships: the store's salesperson and team,
        the delivery method of its shipping method.

        Set on creation only (the carrier again when the lines are replaced): the merchant
        may reassign an order, and changing the store's settings later must not count as a
        change of every order the store updates, nor refuse updates of delivered ones.
        """
        values = {"user_id": store.user_id.id}
        if store.team_id:
            values["team_id"] = store.team_id.id
        payment = store.payment_map_ids.filtered(lambda m: m.method_code == order.payment_method)
        if store.payment_term_id and not payment.payment_term_id:
            # The store's terms, unless the payment method's (see _storesync_values).
            values["payment_term_id"] = store.payment_term_id.id
        carrier = store._shipping_carrier(order)
        if carrier:
            # The deliveries take the order's carrier, and the tracking export reads theirs.
            values["carrier_id"] = carrier.id
        return values

    @api.model
    def _storesync_create(self, store, order, action):
        """Create the sales order of ``order``; return (order, whether to confirm it)."""
        values = self._storesync_create_values(store, order)
        return self._storesync_create_many([(values, order, action)])[0]

    @api.model
    def _storesync_create_values(self, store, order):
        """The ``create`` values of the new sales order of ``order``, with its lines (finding
        or creating its buyer and products on the way)."""
        pricelist = store._check_currency(order)
        values = self._storesync_values(store, order, pricelist)
        values["name"] = f"{store.order_prefix or ''}{order.number}"
        values.update(self._storesync_owner_values(store, order))
        values["order_line"] = [
            Command.create(vals) for vals in self._storesync_line_values(store, order, pricelist)
        ]
        return values

    @api.model
    def _storesync_create_many(self, items):
        """Create the sales orders of ``items`` ``(values, mapped order, status action)`` in
        one ``create``; return ``(order, whether to confirm it)`` for each, in order."""
        sales = self.with_context(tracking_disable=True).create([values for values, *_ in items])
        result = []
        for sale, (_values, order, action) in zip(sales, items, strict=True):
            sale._storesync_check_totals(order)
            if order.note:
                sale._storesync_post_note(order.note)
            result.append((sale, sale._storesync_apply_status(action)))
        return result

    def _storesync_update(self, store, order, action):
        """Apply a newer version of the store order; return (order, whether to confirm it).

        Once goods left or an invoice is posted, only what cannot hurt (the store's status,
        dates and the buyer's note) is taken; a change of lines, addresses or a cancellation
        is refused with an error row and a note on the order, and nothing is altered.
        """
        self.ensure_one()
        pricelist = store._check_currency(order)
        values = self._storesync_values(store, order, pricelist)
        new_lines = self._storesync_line_values(store, order, pricelist)
        lines_changed = self._storesync_lines_changed(new_lines)
        current = store._current_values(self, values)
        changed = {key: value for key, value in values.items() if current[key] != value}
        business_change = lines_changed or any(not k.startswith("storesync_") for k in changed)
        delivered = any(picking.state == "done" for picking in self.picking_ids)
        invoiced = any(move.state == "posted" for move in self.invoice_ids)
        cancelling = action == "cancel" and self.state != "cancel"
        # A posted invoice holds what was sold, to whom, at what price: a parcel address
        # corrected before shipping does not touch it.
        invoice_change = lines_changed or any(
            not key.startswith("storesync_") and key != "partner_shipping_id" for key in changed
        )
        if invoiced and (invoice_change or cancelling):
            raise StoresyncImportError(
                self.env._(
                    "Order %(order)s changed on the store after its invoice %(invoices)s was "
                    "posted: nothing was changed and no second invoice was made. Apply the "
                    "change by hand (a credit note, then a new invoice).",
                    order=self.name,
                    invoices=", ".join(
                        self.invoice_ids.filtered(lambda m: m.state == "posted").mapped("name")
                    ),
                ),
                self,
            )
        if (delivered or self.locked) and (business_change or cancelling):
            raise StoresyncImportError(
                self.env._(
                    "Order %(order)s changed on the store, but it is already delivered, "
                    "invoiced or locked in Odoo: nothing was changed. Apply the change by hand.",
                    order=self.name,
                ),
                self,
            )
        if "storesync_customer_note" in changed and order.note:
            self._storesync_post_note(order.note)
        if action == "cancel":
            if cancelling:
                self._action_cancel()
            self.write({k: v for k, v in changed.items() if k.startswith("storesync_")})
            return self, False
        if lines_changed:
            was_confirmed = self.state == "sale"
            if self.state == "sale":
                self._action_cancel()
            if self.state == "cancel":
                self.action_draft()
            values["carrier_id"] = store._shipping_carrier(order).id
            quiet = self.with_context(tracking_disable=True)
            # The header first: written together with the lines, a field the lines' taxes
            # depend on (the fiscal position, through the partner) would recompute the new
            # lines' taxes over the store's, and their manual amounts would no longer apply.
            quiet.write(values)
            quiet.write({"order_line": [Command.clear()] + [Command.create(v) for v in new_lines]})
            self._storesync_check_totals(order)
            return self, self._storesync_apply_status(
                "confirm" if was_confirmed and action not in ("quotation", "done") else action
            )
        # Only what changed: a confirmed order refuses even a same-value pricelist write.
        self.write(changed)
        if changed.keys() & {"partner_id", "partner_invoice_id", "pricelist_id"}:
            self._storesync_drop_stale_drafts()
        if self.state == "cancel" and action in ("confirm", "done", "quotation"):
            # Cancelled on the store, then paid after all: the order lives again.
            self.action_draft()
        return self, self._storesync_apply_status(action)

    def _storesync_post_note(self, note):
        self.message_post(
            body=Markup("<p>%s</p>%s")
            % (self.env._("Customer note from the store:"), plaintext2html(note))
        )

    def _storesync_lines_changed(self, new_lines):
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
            for line in self.order_line
            if not line.display_type
        )
        return old != sorted(key(vals) for vals in new_lines)

    def _storesync_apply_status(self, action):
        """Cancel now when the store's status says so; return whether to confirm the order."""
        self.ensure_one()
        if action == "confirm" and self.state in ("draft", "sent"):
            return True
        if action == "done" and self.state in ("draft", "sent"):
            # History the shop fulfilled before it was connected: a confirmed sale, but its
            # goods left long ago. ``skip_procurement`` is sale_stock's own switch for order
            # lines that must not procure (it sets it for lines added from a delivery): no
            # delivery is created and no stock reserved, and the order is not cancelled
            # afterwards, so it stays a confirmed sale in the reports.
            self.with_context(skip_procurement=True)._storesync_confirm()
            return False
        if action == "cancel" and self.state != "cancel":
            self._action_cancel()
        return False

    def _storesync_confirm(self):
        """Confirm these imported orders together and give their deliveries the buyer's note.

        In a processing job's batch (``RESERVATIONS``) their stock is reserved once the batch
        is committed (``storesync.inbox._reserve_deferred``): jobs processing orders of the
        same products side by side never update the same quants."""
        reservations = self.env.context.get(RESERVATIONS)
        if reservations is None:
            self.action_confirm()
        else:
            reservations.order_ids += self.ids
            self.with_context(storesync_defer_reservation=True).action_confirm()
        for sale in self:
            # Confirming stamps "now" as the order date; the store's order date is the real one.
            sale.date_order = sale.storesync_created_at
            if sale.storesync_customer_note:
                note = plaintext2html(sale.storesync_customer_note)
                sale.picking_ids.filtered(lambda p: not p.note).note = note
        if not self.env.context.get("skip_procurement"):
            # History imported as already done is never invoiced.
            self._storesync_invoice_from_store()

    def _storesync_check_totals(self, order):
        """The sales order must come to the store's total, in the currency's rounding."""
        currency = self.currency_id
        if currency.compare_amounts(self.amount_total, float(order.total)):
            raise StoresyncImportError(
                self.env._(
                    "Totals differ: Odoo %(odoo_total)s (untaxed %(odoo_untaxed)s, taxes "
                    "%(odoo_tax)s), store %(store_total)s (taxes %(store_tax)s). Check the tax "
                    "mappings.",
                    odoo_total=currency.round(self.amount_total),
                    odoo_untaxed=currency.round(self.amount_untaxed),
                    odoo_tax=currency.round(self.amount_tax),
                    store_total=order.total,
                    store_tax=order.total_tax,
                )
            )

    # ------------------------------------------------------------------ lines

    @api.model
    def _storesync_line_values(self, store, order, pricelist):
        """Sale order line values: products, shipping, fees, then coupons as negative lines.

        The amounts come from the pure line planner, in the store's rounding. Each line carries
        them as Odoo's manual tax amounts (``extra_tax_data``, Odoo's own mechanism for fixed
        tax amounts that invoices inherit), so the order adds up to the store's total to the
        cent while Odoo still books the mapped taxes.
        """
        specs = store._tax_specs()
        try:
            planned = plan_lines(order, specs)
        except PlanError as error:
            raise StoresyncImportError(store._plan_error_message(error)) from error
        Product = self.env["product.product"]
        values = []
        for line in planned:
            if line.kind == "product":
                product = Product._storesync_import_line_product(store, line.source)
                name = line.name
            elif line.kind == "shipping":
                product = store._shipping_product(line)
                name = line.name
            elif line.kind == "fee":
                product, name = store._fee_product(), line.name
            else:
                product = store._coupon_product()
                name = (
                    self.env._("Coupon %(codes)s", codes=line.name)
                    if line.name
                    else self.env._("Discount")
                )
            vals = self._storesync_line_vals(line, name, product, specs, pricelist.currency_id)
            if line.kind == "shipping":
                # A delivery line as the delivery module makes them (kept out of pricelist
                # updates, deletable once confirmed); its price stays the store's.
                vals["is_delivery"] = True
            values.append(vals)
        return values

    @api.model
    def _storesync_line_vals(self, line, name, product, specs, currency):
        """One order line with the planned base and taxes as Odoo's manual tax amounts."""
        taxes = self.env["account.tax"].browse(
            dict.fromkeys(specs[rate].tax_id for rate, _ in line.taxes)
        )
        manual = {}
        for rate, amount in line.taxes:
            entry = manual.setdefault(
                str(specs[rate].tax_id),
                {"base_amount_currency": float(line.base), "tax_amount_currency": 0.0},
            )
            entry["tax_amount_currency"] += float(amount)
        digits = self.env["decimal.precision"].precision_get("Product Price")
        price_unit = round(float(line.price_unit), digits)
        values = {
            "name": name,
            "product_id": product.id,
            "product_uom_qty": float(line.quantity),
            "price_unit": price_unit,
            "discount": 0.0,
            "tax_ids": [Command.set(taxes.ids)],
        }
        if taxes:
            values["extra_tax_data"] = {
                "manual_total_excluded_currency": float(line.base),
                "manual_tax_amounts": manual,
                "currency_id": currency.id,
                "price_unit": price_unit,
                "discount": 0.0,
                "quantity": float(line.quantity),
                "rate": 1.0,
            }
        return values


def tax_spec(tax):
    """The planner's view of an Odoo tax."""
    return TaxSpec(
        tax_id=tax.id,
        percent=Decimal(str(tax.amount)) if tax.amount_type == "percent" else None,
        price_include=tax.price_include,
        name=tax.display_name,
    )
