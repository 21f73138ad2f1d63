"""Invoices of store orders: made on import as the store's settings say (``invoice_policy``),
or in bulk from the invoicing basket (``storesync.invoice.batch``).

An invoice of a store order is the order as the store sold it: every line at its full
quantity with the order's manual tax amounts (``extra_tax_data``, which invoice lines take
over), so it comes to the store's total to the cent, whatever the products' invoicing policy
says about delivered quantities. Its date is the store's order date, its reference the
store's order number, its due date follows the payment terms of the order's payment method
(else the store's), and it names the payment method.
"""

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import float_compare

from .storesync_inbox import StoresyncImportError


class SaleOrder(models.Model):
    # One concern per file (STYLE.md): the order's fields and manual sync live in sale_order.py.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    storesync_payment_method = fields.Char(
        string="Store Payment Method",
        readonly=True,
        copy=False,
        help="How the buyer paid, as the store names it; printed on the order's invoices.",
    )
    storesync_in_basket = fields.Boolean(
        string="In Invoicing Basket",
        copy=False,
        index=True,
        help="Waiting in the invoicing basket for “Invoice and send”.",
    )

    # ------------------------------------------------------------------ on import

    def _storesync_invoice_from_store(self):
        """Invoice these confirmed store orders as their stores' settings say: a draft
        invoice at once, or a posted one once the store says the order is paid. An order that
        has its invoice already keeps it (a draft is posted once paid, if the store wants it
        posted). Any error is the import row's: nothing is half-written."""
        for order in self:
            policy = order.storesync_store_id.invoice_policy
            if order.state != "sale" or policy in (False, "never"):
                continue
            if policy == "paid" and not order.storesync_paid:
                continue
            invoices = order._storesync_invoices() or order._storesync_create_invoice()
            if policy == "paid":
                # Only what the connector made: a draft of the merchant's is theirs to post.
                order._storesync_post_invoices(invoices.filtered("storesync_store_id"))

    def _storesync_post_invoices(self, invoices):
        """Post the draft ones of this order's ``invoices``, each checked against the order's
        total first (a draft may have been edited since it was made)."""
        drafts = invoices.filtered(lambda move: move.state == "draft")
        for draft in drafts:
            self._storesync_check_invoice_total(draft)
        drafts.action_post()

    def _storesync_drop_stale_drafts(self):
        """Cancel the draft invoices the import made of this order: its buyer, invoice
        address or pricelist changed on the store, so they are made again from the order."""
        self._storesync_invoices().filtered(
            lambda move: move.state == "draft" and move.storesync_store_id
        ).button_cancel()

    def _storesync_invoices(self):
        """This order's customer invoices that count: not cancelled ones, nor credit notes."""
        return self.invoice_ids.filtered(
            lambda move: move.move_type == "out_invoice" and move.state != "cancel"
        )

    def _storesync_create_invoice(self):
        """Create the draft customer invoice of this confirmed order, for everything it has
        not invoiced yet, as the store sold it (see the module's docstring)."""
        self.ensure_one()
        order = self.with_company(self.company_id)
        if order.partner_invoice_id.lang:
            order = order.with_context(lang=order.partner_invoice_id.lang)
        digits = order.env["decimal.precision"].precision_get("Product Unit")
        lines = order.order_line.filtered(
            lambda line: (
                line.display_type
                or float_compare(
                    line.product_uom_qty - line.qty_invoiced, 0, precision_digits=digits
                )
                > 0
            )
        )
        if all(line.display_type for line in lines):
            raise UserError(
                order.env._("%(order)s has nothing left to invoice.", order=order.display_name)
            )
        store = order.storesync_store_id
        values = order._prepare_invoice()
        values.update(
            storesync_store_id=store.id,
            invoice_date=order._storesync_order_date(),
            invoice_payment_term_id=(order.payment_term_id or store.payment_term_id).id,
            narration=order._storesync_invoice_note(values.get("narration")),
            invoice_line_ids=[
                Command.create(
                    line._prepare_invoice_line(
                        sequence=sequence, quantity=line.product_uom_qty - line.qty_invoiced
                    )
                )
                for sequence, line in enumerate(lines, start=1)
            ],
        )
        invoice = (
            order.env["account.move"]
            .sudo()
            .with_context(default_move_type="out_invoice", mail_create_nolog=True)
            .create(values)
        )
        invoice.message_post_with_source(
            "mail.message_origin_link",
            render_values={"self": invoice, "origin": order},
            subtype_xmlid="mail.mt_note",
        )
        order._storesync_check_invoice_total(invoice)
        return invoice

    def _storesync_order_date(self):
        """The store's order date, as a date where the order's salesperson (or the company)
        is: the invoice's date."""
        moment = self.storesync_created_at or self.date_order
        tz = self.user_id.tz or self.company_id.partner_id.tz or "UTC"
        return fields.Date.context_today(self.with_context(tz=tz), timestamp=moment)

    def _storesync_invoice_note(self, note):
        """The invoice's terms: the payment method first, then the order's own terms."""
        if not self.storesync_payment_method:
            return note
        method = Markup("<p>%s</p>") % self.env._(
            "Payment method: %(method)s", method=self.storesync_payment_method
        )
        return method + Markup(note or "")

    def _storesync_check_invoice_total(self, invoice):
        """The invoice must come to the order's total: the store's, to the cent (an order
        invoiced in parts is left to its user)."""
        if len(self.invoice_ids.filtered(lambda move: move.state != "cancel")) > 1:
            return
        currency = self.currency_id
        if currency.compare_amounts(invoice.amount_total, self.amount_total):
            raise StoresyncImportError(
                self.env._(
                    "The invoice of %(order)s would come to %(invoice)s, the order to %(total)s: "
                    "no invoice was made.",
                    order=self.display_name,
                    invoice=currency.round(invoice.amount_total),
                    total=currency.round(self.amount_total),
                ),
                self,
            )

    # ------------------------------------------------------------------ invoicing basket

    def _storesync_invoice_and_send(self, user):
        """Invoice this order (its draft invoice, if it has one), post the invoice and e-mail
        it to the buyer with Odoo's invoice template, in ``user``'s name; take the order out
        of the basket. Return the invoice. The mail is queued (Odoo's mail queue sends it)."""
        self.ensure_one()
        if self.state != "sale":
            raise UserError(
                self.env._("%(order)s is not a confirmed order.", order=self.display_name)
            )
        invoices = self._storesync_invoices()
        if invoices and all(invoice.is_move_sent for invoice in invoices):
            raise UserError(
                self.env._(
                    "%(order)s is invoiced and sent already (%(invoices)s).",
                    order=self.display_name,
                    invoices=", ".join(invoices.mapped("name")),
                )
            )
        # A company's invoice goes to the buyer who ordered when the company has no e-mail.
        recipient = (self.partner_invoice_id | self.partner_id).filtered("email")[:1]
        if not recipient:
            raise UserError(
                self.env._(
                    "%(partner)s, the buyer of %(order)s, has no e-mail address.",
                    partner=self.partner_id.display_name,
                    order=self.display_name,
                )
            )
        invoices = invoices.filtered(lambda move: not move.is_move_sent)
        invoices = invoices or self._storesync_create_invoice()
        self._storesync_post_invoices(invoices)
        self.env["account.move.send"].with_context(
            mail_notify_force_send=False
        )._generate_and_send_invoices(
            invoices,
            sending_methods={"email"},
            author_user_id=user.id,
            author_partner_id=user.partner_id.id,
            mail_partner_ids=recipient.ids,
        )
        self.storesync_in_basket = False
        return invoices[:1]

    def action_storesync_add_to_basket(self):
        """Put the selected confirmed orders in the invoicing basket."""
        orders = self.filtered(
            lambda order: order.state == "sale" and not order.storesync_in_basket
        )
        orders.storesync_in_basket = True
        left_out = len(self.filtered(lambda order: order.state != "sale"))
        message = self.env._("%(count)s orders added to the invoicing basket.", count=len(orders))
        if left_out:
            message += "\n" + self.env._(
                "%(count)s orders are not confirmed and were left out.", count=left_out
            )
        return self._storesync_notification(
            self.env._("Invoicing basket"), message, "warning" if left_out else "success"
        )

    def action_storesync_remove_from_basket(self):
        self.storesync_in_basket = False
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_storesync_invoice_and_send(self):
        """Invoice, post and e-mail the selected basket orders (the whole basket if none is
        selected) in the background; open the run, which shows its progress."""
        orders = self or self.search([("storesync_in_basket", "=", True)])
        if not orders:
            raise UserError(self.env._("The invoicing basket is empty."))
        batch = self.env["storesync.invoice.batch"]._start(orders)
        return {
            "type": "ir.actions.act_window",
            "res_model": "storesync.invoice.batch",
            "res_id": batch.id,
            "views": [(False, "form")],
            "target": "current",
        }
