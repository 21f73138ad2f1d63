from odoo import api, fields, models
from odoo.fields import Domain

from ..utils.phone import normalize_phone


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

    # ------------------------------------------------------------------ store buyers

    @api.model
    def _storesync_import_customer(self, store, customer, ordered_at):
        """Find or create the buyer; return (partner, invoice address, delivery address).

        Matched by the store account's binding, then e-mail, then E.164 phone. The contact
        takes the data of the buyer's newest order only: when an old order is re-imported (its
        status changed), its address of back then must not overwrite the one given since.
        """
        Partner = self.with_context(active_test=False)
        Binding = self.env["storesync.partner.binding"]
        partner = binding = Partner
        if customer.external_id:
            binding = Binding.search(
                [("store_id", "=", store.id), ("external_id", "=", customer.external_id)],
                limit=1,
            )
            partner = binding.partner_id
        company_domain = Domain("company_id", "in", (False, store.company_id.id)) & Domain(
            "parent_id", "=", False
        )
        if not partner and customer.email:
            partner = Partner.search(
                company_domain & Domain("email_normalized", "=", customer.email),
                order="id",
                limit=1,
            )
        if not partner and customer.phone_e164:
            partner = Partner.search(
                company_domain & Domain("storesync_phone_e164", "=", customer.phone_e164),
                order="id",
                limit=1,
            )
        values = self._storesync_address_values(customer.billing)
        values.update(email=customer.email or False, vat=customer.vat or False)
        if partner:
            newer = (
                not partner.storesync_address_date or ordered_at >= partner.storesync_address_date
            )
            # Only what the store says and Odoo does not already have: no write, no chatter.
            current = store._current_values(partner, values)
            changed = {
                key: value for key, value in values.items() if value and current[key] != value
            }
            if changed and newer:
                partner.write(dict(changed, storesync_address_date=ordered_at))
        else:
            values.update(
                lang=store.lang,
                company_name=customer.company or False,
                storesync_address_date=ordered_at,
            )
            partner = Partner.create(values)
        if customer.external_id and not binding:
            Binding.create(
                {
                    "store_id": store.id,
                    "external_id": customer.external_id,
                    "partner_id": partner.id,
                    "last_sync": fields.Datetime.now(),
                }
            )
        shipping = partner
        if customer.shipping:
            shipping = partner._storesync_child_address(store, "delivery", customer.shipping)
        return partner, partner, shipping

    def _storesync_child_address(self, store, kind, address):
        """This contact's child address of ``kind`` at ``address``, created when missing."""
        self.ensure_one()
        values = self._storesync_address_values(address)
        for child in self.child_ids.filtered(lambda c: c.type == kind):
            current = store._current_values(child, values)
            if all(current[key] == value for key, value in values.items() if key != "phone"):
                return child
        return self.create({**values, "type": kind, "parent_id": self.id})

    @api.model
    def _storesync_address_values(self, address):
        country = self._storesync_country(address.country_code)
        state = self._storesync_state(country, address.state_code)
        return {
            "name": address.name or address.email or self.env._("Store customer"),
            "street": address.street or False,
            "street2": address.street2 or False,
            "city": address.city or False,
            "zip": address.zip or False,
            "country_id": country.id,
            "state_id": state.id,
            "phone": address.phone or False,
        }

    @api.model
    def _storesync_country(self, code):
        if not code:
            return self.env["res.country"]
        return self.env["res.country"].search([("code", "=", code.upper())], limit=1)

    @api.model
    def _storesync_state(self, country, code):
        if not (country and code):
            return self.env["res.country.state"]
        return self.env["res.country.state"].search(
            [("country_id", "=", country.id), ("code", "=ilike", code)], limit=1
        )
