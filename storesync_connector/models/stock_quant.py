from odoo import api, models


class StockQuant(models.Model):
    _inherit = "stock.quant"

    @api.model
    def _update_available_quantity(
        self,
        product_id,
        location_id,
        quantity=False,
        reserved_quantity=False,
        lot_id=None,
        package_id=None,
        owner_id=None,
        in_date=None,
    ):
        # Every change of on-hand or reserved quantity passes here (validated moves,
        # inventory adjustments, reservations and their release): the one place to notice
        # that a store's stock figure may have changed.
        result = super()._update_available_quantity(
            product_id,
            location_id,
            quantity=quantity,
            reserved_quantity=reserved_quantity,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            in_date=in_date,
        )
        if (quantity or reserved_quantity) and location_id.usage == "internal":
            self.env["storesync.outbox"].sudo()._enqueue_stock_change(
                product_id, location_id, on_hand=bool(quantity)
            )
        return result
