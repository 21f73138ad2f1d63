"""“Invoice and send” on the invoicing basket: one invoice per order, posted and e-mailed to
the buyer with Odoo's invoice template, by a cron in the background, committed order by order,
so hundreds of orders neither hold a user's request nor get lost half-way. An order that fails
is listed with its reason and the others go on."""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .storesync_inbox import TRANSIENT_DB_ERRORS, StoresyncImportError

_logger = logging.getLogger(__name__)

#: orders invoiced between two commits of the cron (each one in its own savepoint)
CHUNK = 10


class StoresyncInvoiceBatch(models.Model):
    _name = "storesync.invoice.batch"
    _description = "Invoicing Run"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, default=lambda self: self._default_name())
    user_id = fields.Many2one(
        "res.users",
        string="Started By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        help="The invoices are e-mailed in this user's name.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    state = fields.Selection(
        [("queued", "Waiting"), ("running", "Running"), ("done", "Done")],
        required=True,
        default="queued",
        readonly=True,
        tracking=True,
    )
    line_ids = fields.One2many("storesync.invoice.batch.line", "batch_id", string="Orders")
    order_count = fields.Integer(compute="_compute_counts", string="Number of Orders")
    done_count = fields.Integer(compute="_compute_counts", string="Sent")
    failed_count = fields.Integer(compute="_compute_counts", string="Failed")
    progress = fields.Float(compute="_compute_counts", help="Orders handled, in percent.")

    @api.model
    def _default_name(self):
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        return self.env._("Invoicing of %(date)s", date=now.strftime("%Y-%m-%d %H:%M"))

    @api.depends("line_ids.state")
    def _compute_counts(self):
        counts = {
            (batch.id, state): count
            for batch, state, count in self.env["storesync.invoice.batch.line"]._read_group(
                [("batch_id", "in", self.ids)], ["batch_id", "state"], ["__count"]
            )
        }
        for batch in self:
            total = sum(counts.get((batch.id, s), 0) for s in ("pending", "done", "failed"))
            batch.order_count = total
            batch.done_count = counts.get((batch.id, "done"), 0)
            batch.failed_count = counts.get((batch.id, "failed"), 0)
            handled = batch.done_count + batch.failed_count
            batch.progress = 100.0 * handled / total if total else 100.0

    @api.model
    def _start(self, orders):
        """A run for ``orders``, queued for the cron, which is asked to start now.

        Only a user who may invoice them starts one (Invoicing's billing right, write access
        to the orders): the cron makes, posts and sends the invoices in that user's name and
        with that user's rights. Runs are made here as the system: users only read them."""
        self._start_check_rights(orders)
        busy = (
            self.env["storesync.invoice.batch.line"]
            .sudo()
            .search([("order_id", "in", orders.ids), ("state", "=", "pending")])
        )
        if busy:
            raise UserError(
                self.env._(
                    "%(orders)s are already being invoiced by another run.",
                    orders=", ".join(busy.order_id.mapped("display_name")),
                )
            )
        batch = self.sudo().create(
            {
                "user_id": self.env.user.id,
                "company_id": self.env.company.id,
                "line_ids": [fields.Command.create({"order_id": order.id}) for order in orders],
            }
        )
        self.env.ref("storesync_connector.ir_cron_invoice_batches")._trigger()
        return batch

    @api.model
    def _start_check_rights(self, orders):
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._(
                    "Only users with invoicing rights (Invoicing: Billing) may invoice and send "
                    "orders."
                )
            )
        orders.check_access("write")

    @api.model
    def _cron_run(self):
        """Work through the waiting runs, oldest first, committing every ``CHUNK`` orders
        (the progress the run shows), until they are done or the cron's time is up."""
        cron = self.env["ir.cron"]
        Line = self.env["storesync.invoice.batch.line"]
        while True:
            lines = Line.search(
                [("state", "=", "pending"), ("batch_id.state", "!=", "done")],
                order="id",
                limit=CHUNK,
            )
            if not lines:
                break
            lines.batch_id.filtered(lambda b: b.state == "queued").state = "running"
            for line in lines:
                line._run()
            finished = lines.batch_id.filtered(
                lambda b: "pending" not in b.line_ids.mapped("state")
            )
            finished._finish()
            remaining = Line.search_count([("state", "=", "pending")])
            if cron._commit_progress(len(lines), remaining=remaining) <= 0:
                break

    def _finish(self):
        for batch in self:
            batch.state = "done"
            batch.message_post(
                body=self.env._(
                    "%(done)s of %(count)s orders invoiced and sent; %(failed)s failed.",
                    done=batch.done_count,
                    count=batch.order_count,
                    failed=batch.failed_count,
                ),
                partner_ids=batch.user_id.partner_id.ids,
            )

    def action_retry_failed(self):
        """Try the failed orders again (after fixing what their reasons say)."""
        failed = self.line_ids.filtered(lambda line: line.state == "failed")
        if not failed:
            raise UserError(self.env._("No order of this run failed."))
        self.env["storesync.invoice.batch"]._start_check_rights(failed.order_id)
        failed.sudo().write({"state": "pending", "message": False})
        self.sudo().state = "queued"
        self.env.ref("storesync_connector.ir_cron_invoice_batches")._trigger()

    def action_open_invoices(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Invoices"),
            "res_model": "account.move",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", self.line_ids.invoice_id.ids)],
        }


class StoresyncInvoiceBatchLine(models.Model):
    _name = "storesync.invoice.batch.line"
    _description = "Order of an Invoicing Run"
    _order = "batch_id, state desc, id"

    batch_id = fields.Many2one(
        "storesync.invoice.batch", required=True, ondelete="cascade", index=True
    )
    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="batch_id.company_id", store=True)
    partner_id = fields.Many2one(related="order_id.partner_invoice_id", string="Invoice To")
    amount_total = fields.Monetary(related="order_id.amount_total")
    currency_id = fields.Many2one(related="order_id.currency_id")
    state = fields.Selection(
        [("pending", "Waiting"), ("done", "Sent"), ("failed", "Failed")],
        required=True,
        default="pending",
        index=True,
    )
    invoice_id = fields.Many2one("account.move", readonly=True)
    message = fields.Text(string="Reason", readonly=True)

    def _run(self):
        """Invoice, post and e-mail this line's order, in a savepoint: a failure is the
        line's reason, and nothing of the order's attempt stays."""
        self.ensure_one()
        user = self.batch_id.user_id
        order = self.order_id.with_user(user).with_company(self.order_id.company_id)
        try:
            with self.env.cr.savepoint():
                invoice = order._storesync_invoice_and_send(user)
        # (pylint cannot see that psycopg2's C-defined errors are exceptions)
        except TRANSIENT_DB_ERRORS:  # pylint: disable=catching-non-exception
            # Another job (the import invoicing the same order) was at it: the cron's run is
            # undone back to its last commit and this order tried again on the next.
            raise
        except Exception as error:  # pylint: disable=broad-except
            # Any error, the user's or a bug's, is this order's; the others go on.
            if not isinstance(error, (UserError, StoresyncImportError)):
                _logger.exception("Store sync: invoicing %s failed", self.order_id.display_name)
            self.write({"state": "failed", "message": self._reason(error)})
            return
        self.write({"state": "done", "invoice_id": invoice.id, "message": False})

    def _reason(self, error):
        if isinstance(error, (UserError, StoresyncImportError)):
            return error.args[0] if error.args else str(error)
        return self.env._("Unexpected error: %(error)s", error=repr(error))
