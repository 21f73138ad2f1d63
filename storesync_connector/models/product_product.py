from odoo import fields, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    storesync_binding_ids = fields.One2many(
        "storesync.product.binding", "product_id", string="Store Products"
    )
