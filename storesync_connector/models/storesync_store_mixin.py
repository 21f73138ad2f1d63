from odoo import fields, models


class StoresyncStoreMixin(models.AbstractModel):
    """Records that belong to one store: mappings, links and sync log rows.

    They go with their store (deleted with it) and carry its company, stored, so the
    multi-company rules of ``security/storesync_security.xml`` can filter them.
    """

    _name = "storesync.store.mixin"
    _description = "Belongs to an Online Store"

    store_id = fields.Many2one("storesync.store", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True)
