from odoo import fields, models


class StoresyncPartnerBinding(models.Model):
    """Links a store's customer account to an Odoo contact (one contact, many stores)."""

    _name = "storesync.partner.binding"
    _inherit = ["storesync.store.mixin"]
    _description = "Store Customer Link"

    external_id = fields.Char(string="External ID", required=True)
    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade")
    last_sync = fields.Datetime()

    _store_external_uniq = models.Constraint(
        "UNIQUE(store_id, external_id)", "A store customer is linked to one contact."
    )


class StoresyncProductBinding(models.Model):
    """Links a store product (or one of its variations) to an Odoo product variant."""

    _name = "storesync.product.binding"
    _inherit = ["storesync.store.mixin"]
    _description = "Store Product Link"

    external_id = fields.Char(string="External ID", required=True, help="The store's product id.")
    variation_id = fields.Char(
        string="Variation ID",
        required=True,
        default="0",
        help="The store's variation id, 0 for a product without variations.",
    )
    product_id = fields.Many2one("product.product", required=True, index=True, ondelete="cascade")
    manage_stock = fields.Boolean(
        string="Store Manages Stock",
        default=False,
        copy=False,
        help="The store product keeps a stock quantity, read from the store product. Only "
        "then, and only for products stocked in Odoo, is the quantity sent.",
    )
    last_sync = fields.Datetime()

    _store_external_uniq = models.Constraint(
        "UNIQUE(store_id, external_id, variation_id)",
        "A store product or variation is linked to one Odoo product.",
    )
