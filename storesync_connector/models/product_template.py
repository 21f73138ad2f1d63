from odoo import models

#: product fields the store's regular price depends on
PRICE_FIELDS = ("list_price", "taxes_id", "uom_id", "categ_id")


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def write(self, vals):
        result = super().write(vals)
        if any(fname in vals for fname in PRICE_FIELDS):
            self.product_variant_ids._storesync_enqueue_prices()
        return result
