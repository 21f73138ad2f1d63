from odoo import fields, models


class StoresyncPartnerBinding(models.Model):
    """Links a store's customer account to an Odoo contact (one contact, many stores)."""

    _name = "storesync.partner.binding"
    _inherit = ["storesync.store.mixin"]
    _description = "Store Customer Link"

    external_id = fields.Char(string="External ID", required=True)
    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade")
    last_sync = fields.Datetime()
    export_hashes = fields.Json(
        copy=False,
        help="Fingerprints of the customer values last sent: only values whose fingerprint "
        "changed are sent again.",
    )

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

    export_hashes = fields.Json(
        copy=False,
        help="Fingerprints of the catalogue values last sent for this variant: only values "
        "whose fingerprint changed are sent again.",
    )


class StoresyncCatalogueBinding(models.Model):
    """Links an Odoo record the catalogue export sends (a product, a category, a brand) to
    the store's copy, with fingerprints of what was sent, so a second run sends nothing."""

    _name = "storesync.catalogue.binding"
    _inherit = ["storesync.store.mixin"]
    _description = "Store Catalogue Link"
    _rec_name = "external_id"

    res_model = fields.Char(string="Record Model", required=True, index=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", required=True)
    external_id = fields.Char(string="External ID", required=True)
    hashes = fields.Json(copy=False, help="Fingerprints of the values last sent, per value.")
    images = fields.Json(
        copy=False, help="The store's ids of the pictures sent, by picture fingerprint."
    )

    _store_record_uniq = models.Constraint(
        "UNIQUE(store_id, res_model, res_id)", "A record is sent to a store as one store object."
    )
