from odoo import fields, models


class StoresyncBrand(models.Model):
    """A manufacturer or brand, sent with the products that carry it to the stores whose
    platform has one (``"brand" in StoreAdapter.catalogue_values``)."""

    _name = "storesync.brand"
    _description = "Manufacturer / Brand"
    _order = "name, id"

    name = fields.Char(required=True, translate=False)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Empty: shared by every company, like product categories.",
    )
    product_tmpl_ids = fields.One2many(
        "product.template", "storesync_brand_id", string="Products", readonly=True
    )

    _name_uniq = models.Constraint(
        "UNIQUE(name, company_id)", "A manufacturer of that name exists already."
    )
