from odoo import models


class SaleOrder(models.Model):
    """Fulfilment actions on sales orders: what to pack, what to buy."""

    # One concern per file: the fulfilment views' actions.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    def action_storesync_packing_summary(self):
        """Open the packing summary of these orders: product x quantity to prepare, printable."""
        summary = self.env["storesync.packing.summary"]._create_for_orders(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Packing Summary"),
            "res_model": "storesync.packing.summary",
            "res_id": summary.id,
            "views": [
                [self.env.ref("storesync_connector.storesync_packing_summary_view_form").id, "form"]
            ],
            "target": "new",
        }

    def action_storesync_purchase_needs(self):
        """Open the purchase needs of these orders: per product, what to buy and from whom."""
        needs = self.env["storesync.purchase.need"]._create_for_orders(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Purchase Needs"),
            "res_model": "storesync.purchase.need",
            "views": [
                [self.env.ref("storesync_connector.storesync_purchase_need_view_list").id, "list"]
            ],
            "domain": [("id", "in", needs.ids)],
            "context": {"create": False, "delete": False},
            "target": "current",
        }
