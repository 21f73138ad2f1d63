from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    storesync_store_id = fields.Many2one(
        "storesync.store",
        string="Store",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The online store whose order this invoice was made from by the connector.",
    )

    def _invoice_paid_hook(self):
        result = super()._invoice_paid_hook()
        orders = self.filtered(lambda m: m.is_invoice()).invoice_line_ids.sale_line_ids.order_id
        orders._storesync_enqueue_status()
        return result
