from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import float_compare


class StoresyncPackingSummary(models.TransientModel):
    """What to take off the shelves for a set of orders: product x quantity, printable.

    Built from the selected orders' confirmed goods lines (storable and consumable products;
    services such as shipping are not packed), each counted for what is left to deliver
    (ordered - delivered), converted to the product's unit and summed per product.
    Quotations and cancelled orders among the selected ones are left out.
    """

    _name = "storesync.packing.summary"
    _description = "Packing summary"

    order_ids = fields.Many2many("sale.order", string="Orders", readonly=True)
    line_ids = fields.One2many(
        "storesync.packing.summary.line", "summary_id", string="To Prepare", readonly=True
    )

    @api.model
    def _create_for_orders(self, orders):
        """A summary of ``orders`` (sale.order records the user may read)."""
        orders = orders.filtered(lambda order: order.state == "sale")
        quantities = defaultdict(float)
        names = defaultdict(list)
        for line in orders.order_line:
            product = line.product_id
            if product.type != "consu":
                continue
            qty = line.product_uom_id._compute_quantity(
                line.product_uom_qty - line.qty_delivered, product.uom_id, round=False
            )
            if float_compare(qty, 0.0, precision_rounding=product.uom_id.rounding) <= 0:
                continue
            quantities[product] += qty
            if line.order_id.name not in names[product]:
                names[product].append(line.order_id.name)
        if not quantities:
            raise UserError(
                self.env._("The selected orders have nothing left to deliver (confirmed goods).")
            )
        products = sorted(quantities, key=lambda p: (p.default_code or "", p.display_name, p.id))
        return self.create(
            {
                "order_ids": [Command.set(orders.ids)],
                "line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": quantities[product],
                            "order_names": ", ".join(names[product]),
                        }
                    )
                    for product in products
                ],
            }
        )

    def action_print(self):
        """The packing summary as a PDF."""
        return self.env.ref(
            "storesync_connector.action_report_storesync_packing_summary"
        ).report_action(self)


class StoresyncPackingSummaryLine(models.TransientModel):
    """One product of a packing summary and how much of it to prepare."""

    _name = "storesync.packing.summary.line"
    _description = "Packing summary line"
    _order = "id"

    summary_id = fields.Many2one(
        "storesync.packing.summary", required=True, ondelete="cascade", index=True
    )
    product_id = fields.Many2one("product.product", readonly=True)
    default_code = fields.Char(related="product_id.default_code", string="Internal Reference")
    quantity = fields.Float(digits="Product Unit", readonly=True)
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    order_names = fields.Char(string="Orders", readonly=True)
