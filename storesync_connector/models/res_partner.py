from odoo import api, fields, models

from ..adapters.woocommerce_mapping import normalize_phone


class ResPartner(models.Model):
    _inherit = "res.partner"

    storesync_phone_e164 = fields.Char(
        string="Phone (E.164)",
        compute="_compute_storesync_phone_e164",
        store=True,
        index="btree_not_null",
        help="The phone in international form, so store buyers who type it differently match.",
    )
    storesync_address_date = fields.Datetime(
        string="Address From Store Order Of",
        copy=False,
        help="Creation date of the store order whose address this contact holds; older "
        "orders imported later do not overwrite it.",
    )
    storesync_binding_ids = fields.One2many(
        "storesync.partner.binding", "partner_id", string="Store Accounts"
    )

    @api.depends("phone", "country_id")
    def _compute_storesync_phone_e164(self):
        for partner in self:
            partner.storesync_phone_e164 = normalize_phone(
                partner.phone or "", partner.country_id.code
            )
