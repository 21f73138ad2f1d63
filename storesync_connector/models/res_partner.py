from odoo import api, fields, models
from odoo.fields import Domain

from ..utils.phone import normalize_phone
from .storesync_inbox import batch_prepared

#: contact fields a store customer holds
CUSTOMER_FIELDS = {
    "name",
    "email",
    "phone",
    "street",
    "street2",
    "city",
    "zip",
    "state_id",
    "country_id",
    "vat",
    "property_product_pricelist",
    "customer_rank",
}


def _fold(value):
    """Case- and whitespace-insensitive form of a field value, for comparisons only."""
    return " ".join(value.split()).casefold() if isinstance(value, str) else value


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
    storesync_created = fields.Boolean(
        string="Created by Store Import",
        readonly=True,
        copy=False,
        help="The store import created this contact, so the buyer's newest order may update "
        "its name, VAT and address. A contact the merchant had is only completed, never "
        "rewritten.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        """A contact the store import creates gets the next customer code as its Reference
        (the ``storesync.customer`` sequence), unless it is an address of another contact."""
        new_buyers = [v for v in vals_list if v.get("storesync_created") and not v.get("ref")]
        if new_buyers:
            # As next_by_code, with the sequence looked up once for a batch's new buyers.
            sequence = (
                self.env["ir.sequence"]
                .sudo()
                .search(
                    [
                        ("code", "=", "storesync.customer"),
                        ("company_id", "in", [self.env.company.id, False]),
                    ],
                    order="company_id",
                    limit=1,
                )
            )
            for vals in new_buyers:
                vals["ref"] = sequence._next() if sequence else False
        partners = super().create(vals_list)
        partners._storesync_enqueue_customers()
        return partners

    def write(self, vals):
        result = super().write(vals)
        if CUSTOMER_FIELDS & set(vals):
            # An invoice or delivery address changes its contact's store customer.
            (self | self.parent_id)._storesync_enqueue_customers()
        return result

    def _storesync_enqueue_customers(self, stores=None):
        """Queue these contacts for the stores that receive customers (all, or only
        ``stores``) whose customer filter lets them through."""
        if not self or self.env.context.get("storesync_no_catalogue_export"):
            return 0
        if stores is None:
            stores = self.env["storesync.store"].sudo().search([("export_customers", "=", True)])
        pairs = []
        for store in stores:
            pairs += [(store.id, pid) for pid in store._customer_relevant_partners(self).ids]
        return self.env["storesync.outbox"].sudo()._enqueue_pairs("customer", pairs)

    @api.depends("phone", "country_id", "company_id.country_id")
    def _compute_storesync_phone_e164(self):
        """A national number ("067 123 45 67") is read in the contact's country, else in its
        company's (a merchant's contacts often have none)."""
        for partner in self:
            region = (
                partner.country_id or partner.company_id.country_id or self.env.company.country_id
            ).code
            partner.storesync_phone_e164 = normalize_phone(partner.phone or "", region)

    # ------------------------------------------------------------------ store buyers

    @api.model
    def _storesync_import_customer(self, store, customer, ordered_at):
        """Find or create the buyer; return (partner, invoice address, delivery address).

        Matched by the store account's binding, then e-mail, then E.164 phone (phone first
        where the platform says so: ``buyer_match``), among customer contacts only: never an
        internal user's contact nor a company's own. A contact the import created takes the
        data of the buyer's newest order only: when an old order is re-imported (its status
        changed), its address of back then must not overwrite the one given since. A contact
        the merchant had keeps its name, VAT and address (only empty fields are filled); a
        billing address that differs from it becomes an invoice address. A billing company
        becomes a company contact with the buyer as its contact person.
        """
        Partner = self.with_context(active_test=False)
        Binding = self.env["storesync.partner.binding"]
        partner = binding = Partner
        if customer.external_id:
            # Looked up with the batch's other buyers, if it is there.
            batch_bindings = batch_prepared(self.env).get("partner_bindings", {})
            account = (store.id, customer.external_id)
            binding = (
                batch_bindings[account]
                if account in batch_bindings
                else Binding.search(
                    [("store_id", "=", store.id), ("external_id", "=", customer.external_id)],
                    limit=1,
                )
            )
            partner = binding.partner_id
        keys = {"email": ("email_normalized", customer.email)}
        keys["phone"] = ("storesync_phone_e164", customer.phone_e164)
        for key in store._get_adapter_class().buyer_match:
            fname, value = keys[key]
            if not partner and value:
                partner = self._storesync_find_buyer(store, fname, value)
        before = partner._storesync_buyer_keys(store)
        values = self._storesync_buyer_values(customer)
        invoice = shipping = Partner
        if partner and not partner.storesync_created:
            invoice, shipping = partner._storesync_complete(store, customer, values)
        elif partner:
            newer = (
                not partner.storesync_address_date or ordered_at >= partner.storesync_address_date
            )
            if partner.parent_id:
                # Address and VAT belong to the company (see _storesync_company).
                values = {
                    key: value for key, value in values.items() if key in ("name", "email", "phone")
                }
            # Only what the store says and Odoo does not already have: no write, no chatter.
            current = store._current_values(partner, values)
            changed = {
                key: value for key, value in values.items() if value and current[key] != value
            }
            if changed and newer:
                partner.write(dict(changed, storesync_address_date=ordered_at))
            if not partner.ref:
                # Made by an import before customer codes were given.
                partner.ref = self.env["ir.sequence"].sudo().next_by_code("storesync.customer")
            if partner.parent_id.is_company and customer.company and newer:
                partner.parent_id._storesync_update_company(store, customer, ordered_at)
        else:
            values = self._storesync_new_buyer_values(store, customer, ordered_at)
            if customer.company:
                company = self._storesync_company(store, customer, ordered_at)
                values.update(parent_id=company.id, type="contact", vat=False)
            partner = Partner.create(values)
        if customer.external_id and not binding:
            binding = Binding.create(
                {
                    "store_id": store.id,
                    "external_id": customer.external_id,
                    "partner_id": partner.id,
                    "last_sync": fields.Datetime.now(),
                }
            )
            if account in batch_bindings:
                batch_bindings[account] = binding
        after = partner._storesync_buyer_keys(store)
        if after != before:
            # What the batch looked up for these e-mails and phones may be out of date now.
            for stale in (*before, *after):
                batch_prepared(self.env).get("buyers", {}).pop(stale, None)
        invoice = invoice or partner.parent_id.filtered("is_company") or partner
        if customer.shipping:
            shipping = partner._storesync_child_address(store, "delivery", customer.shipping)
        return partner, invoice, shipping or partner

    @api.model
    def _storesync_find_buyer(self, store, fname, value):
        """The first contact a store buyer may be (see ``_storesync_buyer_domain``) whose
        ``fname`` is ``value``: looked up with the batch's other buyers, if it is there."""
        known = batch_prepared(self.env).get("buyers", {})
        key = (store.company_id.id, fname, value)
        if key in known:
            return known[key]
        return self.with_context(active_test=False).search(
            self._storesync_buyer_domain(store) & Domain(fname, "=", value), order="id", limit=1
        )

    def _storesync_buyer_keys(self, store):
        """The keys of ``_storesync_find_buyer`` this contact is found by."""
        return tuple(
            (store.company_id.id, fname, self[fname])
            for fname in ("email_normalized", "storesync_phone_e164")
            if self and self[fname]
        )

    @api.model
    def _storesync_prepare_buyers(self, store, orders):
        """Before a batch's rows: the buyers of ``orders`` (mapped orders of one store, oldest
        first) looked up by store account, e-mail and phone in one query each; those met for
        the first time created together, with their store accounts and delivery addresses.

        What ``_storesync_import_customer`` does for a new buyer, for the batch: the rows then
        find their buyers among the batch's. A buyer with a company (a company contact to find
        or make first), or sharing an account, e-mail or phone with one, is left to its row.
        """
        prepared = batch_prepared(self.env)
        bindings = prepared.setdefault("partner_bindings", {})
        known = prepared.setdefault("buyers", {})
        Binding = self.env["storesync.partner.binding"]
        accounts = {o.customer.external_id for o in orders if o.customer.external_id}
        for binding in Binding.search(
            [("store_id", "=", store.id), ("external_id", "in", list(accounts))]
        ):
            bindings[store.id, binding.external_id] = binding
        for account in accounts:
            bindings.setdefault((store.id, account), Binding)
        company = store.company_id.id
        for fname, attr in (("email_normalized", "email"), ("storesync_phone_e164", "phone_e164")):
            values = {getattr(o.customer, attr) for o in orders} - {"", None}
            values -= {value for (c, f, value) in known if (c, f) == (company, fname)}
            if not values:
                continue
            for partner in self.with_context(active_test=False).search(
                self._storesync_buyer_domain(store) & Domain(fname, "in", list(values)),
                order="id",
            ):
                known.setdefault((company, fname, partner[fname]), partner)
            for value in values:
                known.setdefault((company, fname, value), self.browse())

        def identities(customer):
            return [
                key
                for key in (
                    ("account", customer.external_id),
                    (company, "email_normalized", customer.email),
                    (company, "storesync_phone_e164", customer.phone_e164),
                )
                if key[-1]
            ]

        with_company = {key for o in orders if o.customer.company for key in identities(o.customer)}
        new = {}  # identity -> index in new_values
        new_values = []
        shipments = []  # (index in new_values, delivery address)
        for order in orders:
            customer, keys = order.customer, identities(order.customer)
            if (
                customer.company
                or with_company.intersection(keys)
                or (customer.external_id and bindings[store.id, customer.external_id])
                or any(known.get(key) for key in keys if key[0] != "account")
            ):
                continue  # found, or left to its row
            index = next((new[key] for key in keys if key in new), None)
            if index is None:
                index = len(new_values)
                new_values.append(
                    self._storesync_new_buyer_values(store, customer, order.created_at)
                )
            for key in keys:
                new.setdefault(key, index)
            if customer.shipping:
                shipments.append((index, customer.shipping))
        if not new_values:
            return
        Partner = self.with_context(active_test=False)
        partners = Partner.create(new_values)
        deliveries = {}  # (buyer, address but its phone) -> values: one per address
        for index, shipping in shipments:
            values = self._storesync_address_values(shipping)
            address = tuple(sorted((k, v) for k, v in values.items() if k != "phone"))
            deliveries.setdefault(
                (index, address), partners[index]._storesync_child_values(store, "delivery", values)
            )
        Partner.create(list(deliveries.values()))
        for key, index in new.items():
            if key[0] != "account":
                known[key] = partners[index]
        accounts = [(key[1], partners[index]) for key, index in new.items() if key[0] == "account"]
        for (account, _partner), binding in zip(
            accounts,
            Binding.create(
                [
                    {
                        "store_id": store.id,
                        "external_id": account,
                        "partner_id": partner.id,
                        "last_sync": fields.Datetime.now(),
                    }
                    for account, partner in accounts
                ]
            ),
            strict=True,
        ):
            bindings[store.id, account] = binding

    @api.model
    def _storesync_buyer_values(self, customer):
        """What the store says of the buyer: billing name, address and phone, e-mail, VAT."""
        values = self._storesync_address_values(customer.billing)
        values.update(email=customer.email or False, vat=customer.vat or False)
        return values

    @api.model
    def _storesync_new_buyer_values(self, store, customer, ordered_at):
        """The ``create`` values of the contact of a new store buyer."""
        return dict(
            self._storesync_buyer_values(customer),
            lang=store.lang,
            company_id=store.company_id.id,
            storesync_address_date=ordered_at,
            storesync_created=True,
        )

    @api.model
    def _storesync_buyer_domain(self, store):
        """Contacts a store buyer may be: people and companies of the store's company, not
        the contacts of internal users nor of the companies themselves, not child addresses."""
        prepared = batch_prepared(self.env)
        if "not_buyers" not in prepared:  # once per batch of the processing job
            everyone = self.env(su=True, context=dict(self.env.context, active_test=False))
            staff = everyone["res.users"].search([("share", "=", False)]).partner_id
            own = everyone["res.company"].search([("partner_id", "!=", False)]).partner_id
            prepared["not_buyers"] = (staff | own).ids
        return (
            Domain("company_id", "in", (False, store.company_id.id))
            & Domain("type", "=", "contact")
            & Domain("id", "not in", prepared["not_buyers"])
        )

    def _storesync_complete(self, store, customer, values):
        """Fill what this merchant's contact lacks; return its (invoice, delivery) addresses.

        Its name, VAT and address stay as the merchant keeps them: a billing address that
        differs becomes an invoice child address, which is also where the parcel goes when
        the buyer gave no other delivery address.
        """
        self.ensure_one()
        current = store._current_values(self, values)
        address_keys = ("street", "street2", "city", "zip", "country_id", "state_id")
        fill = {
            key: values[key]
            # VAT is the company's when the contact works for one (Odoo syncs it upwards).
            for key in ("email", "phone", "vat")
            if values[key] and not current[key] and not (key == "vat" and self.parent_id)
        }
        has_address = any(current[key] for key in address_keys)
        if not has_address and not self.parent_id:
            fill.update({key: values[key] for key in address_keys if values[key]})
        if fill:
            self.write(fill)
        if not has_address:
            return self.browse(), self.browse()
        billing = {key: values[key] for key in ("name", *address_keys)}
        current = store._current_values(self, billing)
        if all(_fold(current[key]) == _fold(value) for key, value in billing.items()):
            return self.browse(), self.browse()
        invoice = self._storesync_child_address(store, "invoice", customer.billing)
        return invoice, (self.browse() if customer.shipping else invoice)

    @api.model
    def _storesync_company(self, store, customer, ordered_at):
        """The company contact of a buyer's billing company: found by VAT among companies,
        or by name among those the import created; created otherwise."""
        Partner = self.with_context(active_test=False)
        companies = self._storesync_buyer_domain(store) & Domain("is_company", "=", True)
        company = Partner
        if customer.vat:
            company = Partner.search(
                companies & Domain("vat", "=", customer.vat), order="id", limit=1
            )
        if not company:
            company = Partner.search(
                companies
                & Domain("storesync_created", "=", True)
                & Domain("name", "=ilike", customer.company),
                order="id",
                limit=1,
            )
        if company:
            return company
        values = self._storesync_address_values(customer.billing)
        values.pop("phone")
        return Partner.create(
            {
                **values,
                "name": customer.company,
                "is_company": True,
                "vat": customer.vat or False,
                "lang": store.lang,
                "company_id": store.company_id.id,
                "storesync_address_date": ordered_at,
                "storesync_created": True,
            }
        )

    def _storesync_update_company(self, store, customer, ordered_at):
        """The newest order's billing address and VAT on a company the import created."""
        self.ensure_one()
        if not self.storesync_created:
            return
        values = self._storesync_address_values(customer.billing)
        values.pop("phone")
        values.update(name=customer.company or self.name, vat=customer.vat or False)
        current = store._current_values(self, values)
        changed = {key: value for key, value in values.items() if value and current[key] != value}
        if changed:
            self.write(dict(changed, storesync_address_date=ordered_at))

    def _storesync_child_address(self, store, kind, address):
        """This contact's child address of ``kind`` at ``address``, created when missing."""
        self.ensure_one()
        values = self._storesync_address_values(address)
        for child in self.child_ids.filtered(lambda c: c.type == kind):
            current = store._current_values(child, values)
            if all(current[key] == value for key, value in values.items() if key != "phone"):
                return child
        return self.create(self._storesync_child_values(store, kind, values))

    def _storesync_child_values(self, store, kind, values):
        """The ``create`` values of this contact's child address of ``kind`` at ``values``."""
        return {**values, "type": kind, "parent_id": self.id, "company_id": store.company_id.id}

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
        cache = batch_prepared(self.env).setdefault("countries", {})
        if code.upper() not in cache:
            cache[code.upper()] = self.env["res.country"].search(
                [("code", "=", code.upper())], limit=1
            )
        return cache[code.upper()]

    @api.model
    def _storesync_state(self, country, code):
        if not (country and code):
            return self.env["res.country.state"]
        cache = batch_prepared(self.env).setdefault("states", {})
        if (country.id, code.casefold()) not in cache:
            cache[country.id, code.casefold()] = self.env["res.country.state"].search(
                [("country_id", "=", country.id), ("code", "=ilike", code)], limit=1
            )
        return cache[country.id, code.casefold()]
