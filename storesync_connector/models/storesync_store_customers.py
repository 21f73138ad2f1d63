"""Contacts going to the store as customers, with their addresses and customer group.

One outbox row per contact (kind ``customer``). As for the catalogue, each value is compared
with the fingerprint of what the store got last time (on the contact's store link) and only
what changed is sent; a contact the store knows by its e-mail (a returning guest, an account
made in the shop) is that customer, updated, never a second account.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from .storesync_store_catalogue import _changed, _hashes, _loggable


class StoresyncStore(models.Model):
    _inherit = "storesync.store"  # pylint: disable=consider-merging-classes-inherited

    export_customers = fields.Boolean(
        string="Send Customers",
        help="Create and update the contacts matching the customer filter as customers of "
        "the store, with their invoice and delivery address and, where the store has "
        "customer groups, the group of their pricelist.",
    )
    customer_filter = fields.Char(
        string="Customers to Export",
        default="[('customer_rank', '>', 0)]",
        help="Contacts with an e-mail address matching this filter become store customers.",
    )

    def write(self, vals):
        result = super().write(vals)
        if vals.get("export_customers") or (
            "customer_filter" in vals and any(self.mapped("export_customers"))
        ):
            for store in self.filtered("export_customers"):
                store._customer_relevant_partners()._storesync_enqueue_customers(stores=store)
        return result

    def action_export_customers(self):
        """Queue every contact this store gets as a customer."""
        self.ensure_one()
        self.check_access("write")
        if not self.export_customers:
            raise UserError(self.env._("Sending customers is switched off for this store."))
        partners = self._customer_relevant_partners()
        partners._storesync_enqueue_customers(stores=self)
        return self._notification(
            self.env._("Customers queued"),
            self.env._(
                "%(count)s contacts will be sent to the store within a minute.",
                count=len(partners),
            ),
        )

    @api.constrains("customer_filter")
    def _check_customer_filter(self):
        # A filter that does not evaluate would fail every contact's save (it is queued).
        for store in self:
            try:
                self.env["res.partner"].search_count(store._customer_filter_domain(), limit=1)
            except Exception as error:
                raise ValidationError(
                    self.env._(
                        "The customer filter of %(store)s is not a valid domain: %(error)s",
                        store=store.name,
                        error=error,
                    )
                ) from error

    def _customer_filter_domain(self):
        self.ensure_one()
        return (
            Domain(self._filter_domain(self.customer_filter))
            & Domain("email", "!=", False)
            & Domain("type", "=", "contact")
            & Domain("company_id", "in", [False, self.company_id.id])
        )

    def _customer_relevant_partners(self, partners=None):
        """The contacts (among ``partners``, or all) the filter lets through."""
        self.ensure_one()
        domain = self._customer_filter_domain()
        if partners is not None:
            domain &= Domain("id", "in", partners.ids)
        return self.env["res.partner"].sudo().search(domain)

    # ------------------------------------------------------------------ sender (outbox)

    def _export_customer(self, rows):
        """Send these outbox rows' contacts; ``{row id: outcome}``."""
        self.ensure_one()
        if not self.export_customers:
            return self._skip_all(rows, self.env._("Sending customers is switched off."))
        adapter_class = self._get_adapter_class()
        if not adapter_class.customer_export:
            return self._skip_all(
                rows,
                self.env._(
                    "Not sent: the customer export is not available for %(platform)s yet.",
                    platform=adapter_class.platform_label,
                ),
            )
        partners = self._customer_relevant_partners(rows.partner_id)
        links = {
            link.partner_id.id: link
            for link in self.env["storesync.partner.binding"]
            .sudo()
            .search([("store_id", "=", self.id), ("partner_id", "in", rows.partner_id.ids)])
        }
        groups = {m.pricelist_id.id: m.store_group_id for m in self.customer_group_map_ids}
        outcomes, items, owners = {}, [], []
        for row in rows:
            partner = row.partner_id
            if partner not in partners:
                outcomes[row.id] = {
                    "state": "skipped",
                    "message": self.env._("Not sent: outside the store's customer filter."),
                }
                continue
            link = links.get(partner.id)
            values = self._customer_values(partner, groups)
            missing = [
                key
                for key in adapter_class.customer_required
                if not (values.get(key) or values["billing"].get(key))
            ]
            if missing:
                outcomes[row.id] = {
                    "state": "skipped",
                    "message": self.env._(
                        "Not sent: %(platform)s takes no customer without %(fields)s.",
                        platform=adapter_class.platform_label,
                        fields=", ".join(missing),
                    ),
                }
                continue
            sent = _changed(values, (link.export_hashes or {}) if link else None)
            if "shipping" in sent:
                sent["billing"] = values["billing"]  # no delivery address: the billing one
            if not sent:
                outcomes[row.id] = {
                    "state": "done",
                    "message": self.env._("Nothing to send: the store has it as it is."),
                }
                continue
            item = {"key": str(partner.id), "id": link.external_id if link else None}
            items.append({**item, "values": sent})
            owners.append((row, partner, link, values))
        if not items:
            return outcomes
        with self._get_adapter() as adapter:
            results = adapter.export_customers(items, language=self.lang)
        Link = self.env["storesync.partner.binding"].sudo()
        for (row, partner, link, values), item, result in zip(owners, items, results, strict=True):
            request = _loggable(item)
            if not result["ok"]:
                outcomes[row.id] = {
                    "error": self.env._(
                        "The store refused the customer: %(message)s (%(code)s)",
                        message=result["message"] or "-",
                        code=result["code"] or result["status"],
                    ),
                    "retryable": result["retryable"],
                    "request": request,
                }
                continue
            sent = {key: values[key] for key in item["values"]}
            if link and link.external_id == str(result["id"]):
                link.write(
                    {
                        "export_hashes": dict(link.export_hashes or {}) | _hashes(sent),
                        "last_sync": fields.Datetime.now(),
                    }
                )
            else:
                existing = Link.search(
                    [("store_id", "=", self.id), ("external_id", "=", str(result["id"]))]
                )
                if existing and existing.partner_id != partner:
                    outcomes[row.id] = {
                        "error": self.env._(
                            "The store's customer %(id)s (same e-mail) is linked to "
                            "%(other)s already.",
                            id=result["id"],
                            other=existing.partner_id.display_name,
                        ),
                        "request": request,
                    }
                    continue
                (link or existing).unlink()
                Link.create(
                    {
                        "store_id": self.id,
                        "partner_id": partner.id,
                        "external_id": str(result["id"]),
                        "export_hashes": _hashes(values),
                        "last_sync": fields.Datetime.now(),
                    }
                )
            outcomes[row.id] = {"state": "done", "request": request}
            if result.get("adopted"):
                outcomes[row.id]["message"] = self.env._(
                    "The store had a customer with this e-mail: it is linked and updated."
                )
        return outcomes

    def _customer_values(self, partner, groups):
        """Everything the store gets of one contact (fingerprinted, sent when changed)."""
        addresses = partner.address_get(["invoice", "delivery"])
        invoice = partner.browse(addresses["invoice"])
        delivery = partner.browse(addresses["delivery"])
        first, last = _split_name(partner.name if not partner.is_company else "")
        values = {
            "email": (partner.email or "").strip().lower(),
            "first_name": first,
            "last_name": last,
            "company": partner.commercial_company_name or "",
            "phone": partner.phone or "",
            "billing": self._customer_address(invoice, partner),
            "shipping": self._customer_address(delivery, partner) if delivery != partner else None,
        }
        if self._get_adapter_class().customer_group_prices:
            pricelist = partner.with_company(self.company_id).property_product_pricelist
            values["group_id"] = groups.get(pricelist.id) or None
        return values

    def _customer_address(self, address, partner):
        first, last = _split_name(address.name if not address.is_company else "")
        if not first and not last:
            first, last = _split_name(partner.name if not partner.is_company else "")
        return {
            "first_name": first,
            "last_name": last,
            "company": address.commercial_company_name or "",
            "street": address.street or "",
            "street2": address.street2 or "",
            "city": address.city or "",
            "zip": address.zip or "",
            "state_code": address.state_id.code or "",
            "country_code": address.country_id.code or "",
            "email": (address.email or partner.email or "").strip().lower(),
            "phone": address.phone or partner.phone or "",
            "vat": address.vat or partner.commercial_partner_id.vat or "",
        }


def _split_name(name):
    """First and last name of one name field: the last word is the last name."""
    words = (name or "").split()
    if len(words) < 2:
        return " ".join(words), ""
    return " ".join(words[:-1]), words[-1]
