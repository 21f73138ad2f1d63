from odoo import fields, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    storesync_binding_ids = fields.One2many(
        "storesync.product.binding", "product_id", string="Store Products"
    )

    def _storesync_enqueue_prices(self, stores=None):
        """Queue the price of these products for the stores that sell them and export
        prices (all such stores, or only ``stores``)."""
        bindings = (
            self.env["storesync.product.binding"]
            .sudo()
            .search([("product_id", "in", self.ids), ("store_id.export_prices", "=", True)])
        )
        if stores is not None:
            bindings = bindings.filtered(lambda b: b.store_id in stores)
        pairs = [(binding.store_id.id, binding.product_id.id) for binding in bindings]
        return self.env["storesync.outbox"].sudo()._enqueue_pairs("price", pairs)
