from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _should_assign_at_confirm(self):
        # Orders a processing job confirms: their stock is reserved once the batch is
        # committed (storesync.inbox._reserve_deferred); moves that reserve nothing are
        # assigned at once as usual.
        if self.env.context.get("storesync_defer_reservation"):
            return self._should_bypass_reservation()
        return super()._should_assign_at_confirm()
