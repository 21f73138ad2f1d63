from odoo import api, fields, models
from odoo.exceptions import ValidationError


class StoresyncStatusMap(models.Model):
    """What Odoo does with a store order in a given store status (import direction)."""

    _name = "storesync.status.map"
    _inherit = ["storesync.store.mixin"]
    _description = "Store Order Status Mapping"
    _order = "store_id, sequence, store_status"

    sequence = fields.Integer(default=10)
    store_status = fields.Char(
        required=True, help="The status code the store uses, e.g. processing."
    )
    name = fields.Char(
        string="Store Status Name",
        help="The status as the store's back office names it (stores with their own statuses).",
    )
    action = fields.Selection(
        [
            ("quotation", "Keep as quotation"),
            ("confirm", "Confirm the order"),
            ("done", "Import as already done"),
            ("cancel", "Cancel the order"),
            ("skip", "Do not import"),
        ],
        required=True,
        default="quotation",
        help="Import as already done: the order is confirmed without a delivery and without "
        "reserving stock, for orders the shop fulfilled before it was connected.",
    )

    paid = fields.Boolean(
        help="Orders in this status are paid, whatever the store's payment data says: for "
        "stores whose API does not tell whether an order is paid, and that have a status "
        "for it. Paid orders' invoices are posted when the store's invoices are made "
        "“Posted when paid”.",
    )

    notify_buyer = fields.Boolean(
        string="E-mail Buyer",
        help="When Odoo sets this status in the store, it e-mails the buyer (for platforms "
        "that do not: the store's own setting, loaded with the mappings).",
    )

    _store_status_uniq = models.Constraint(
        "UNIQUE(store_id, store_status)", "Each store status is mapped once per store."
    )

    @api.depends("store_status", "action")
    def _compute_display_name(self):
        actions = dict(self._fields["action"]._description_selection(self.env))
        for mapping in self:
            status = mapping.name or mapping.store_status
            mapping.display_name = f"{status} → {actions.get(mapping.action, '')}"


class StoresyncTaxMap(models.Model):
    """Which Odoo tax stands for a tax rate of the store."""

    _name = "storesync.tax.map"
    _inherit = ["storesync.store.mixin"]
    _description = "Store Tax Mapping"
    _order = "store_id, store_tax_id"

    store_tax_id = fields.Char(
        string="Store Tax Rate ID", required=True, help="The store's tax rate id (rate_id)."
    )
    label = fields.Char(help="The store's name of the rate, e.g. HU-VAT-27.")
    rate = fields.Float(string="Rate (%)", digits=(16, 4))
    tax_id = fields.Many2one(
        "account.tax",
        string="Odoo Tax",
        domain="[('type_tax_use', '=', 'sale'), ('company_id', 'parent_of', company_id)]",
    )

    _store_tax_uniq = models.Constraint(
        "UNIQUE(store_id, store_tax_id)", "Each store tax rate is mapped once per store."
    )


class StoresyncShippingMap(models.Model):
    """Which product (and carrier) a shipping method of the store becomes on the order."""

    _name = "storesync.shipping.map"
    _inherit = ["storesync.store.mixin"]
    _description = "Store Shipping Method Mapping"
    _order = "store_id, method_id"

    method_id = fields.Char(
        string="Store Method", required=True, help="The store's shipping method id, e.g. flat_rate."
    )
    name = fields.Char(help="The method's title as the store shows it.")
    product_id = fields.Many2one(
        "product.product",
        string="Shipping Product",
        domain="[('type', '=', 'service')]",
        help="The service product of the shipping line on the sales order; empty: the "
        "delivery method's product.",
    )
    carrier_id = fields.Many2one(
        "delivery.carrier",
        string="Delivery Method",
        domain="[('company_id', 'in', (False, company_id))]",
        help="The delivery method of the orders shipped this way: their deliveries carry it, "
        "and with it the tracking sent back to the store.",
    )

    _store_method_uniq = models.Constraint(
        "UNIQUE(store_id, method_id)", "Each shipping method is mapped once per store."
    )


class StoresyncPaymentMap(models.Model):
    """Which payment terms an order paid with a given store payment method gets."""

    _name = "storesync.payment.map"
    _inherit = ["storesync.store.mixin"]
    _description = "Store Payment Method Mapping"
    _order = "store_id, method_code"

    method_code = fields.Char(
        string="Store Method", required=True, help="The store's payment method code, e.g. bacs."
    )
    name = fields.Char(help="The method's title as the store shows it.")
    payment_term_id = fields.Many2one("account.payment.term", string="Payment Terms")

    _store_method_uniq = models.Constraint(
        "UNIQUE(store_id, method_code)", "Each payment method is mapped once per store."
    )


class StoresyncStatusExportMap(models.Model):
    """Which store status an Odoo event on a synced order sends back (export direction)."""

    _name = "storesync.status.export.map"
    _inherit = ["storesync.store.mixin"]
    _description = "Store Order Status Export Mapping"
    _order = "store_id, event"

    event = fields.Selection(
        [
            ("confirmed", "Order confirmed"),
            ("paid", "Invoice paid"),
            ("delivered", "Delivery done"),
            ("cancelled", "Order cancelled"),
        ],
        string="Odoo Event",
        required=True,
        help="When several apply, the furthest wins: cancelled, then delivered, then paid, "
        "then confirmed.",
    )
    store_status = fields.Char(
        help="The status the store order gets, e.g. completed. Empty: tell the store nothing."
    )

    _store_event_uniq = models.Constraint(
        "UNIQUE(store_id, event)", "Each Odoo event is mapped once per store."
    )

    @api.depends("event", "store_status")
    def _compute_display_name(self):
        events = dict(self._fields["event"]._description_selection(self.env))
        for mapping in self:
            mapping.display_name = (
                f"{events.get(mapping.event, '')} → {mapping.store_status or '-'}"
            )


class StoresyncCustomerGroupMap(models.Model):
    """Which Odoo pricelist gives a customer group of the store its own prices."""

    _name = "storesync.customer.group.map"
    _inherit = ["storesync.store.mixin"]
    _description = "Store Customer Group Mapping"
    _order = "store_id, is_default desc, name, store_group_id"
    _check_company_auto = True

    store_group_id = fields.Char(required=True, help="The store's id of the customer group.")
    name = fields.Char(help="The group's name as the store shows it.")
    is_default = fields.Boolean(
        string="Default Group",
        readonly=True,
        help="The group the store puts new customers in.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        help="The prices this group sees in the store: its dated rules become the group's "
        "sale prices with their dates, a lower price without dates the group's own price. "
        "Empty: the group sees the store's prices (the store's pricelist).",
    )

    _store_group_uniq = models.Constraint(
        "UNIQUE(store_id, store_group_id)", "Each customer group is mapped once per store."
    )

    @api.constrains("pricelist_id")
    def _check_pricelist_currency(self):
        for mapping in self.filtered("pricelist_id"):
            currency = mapping.store_id.pricelist_id.currency_id
            if currency and mapping.pricelist_id.currency_id != currency:
                raise ValidationError(
                    self.env._(
                        "The pricelist of customer group %(group)s must be in %(currency)s, "
                        "the currency of the store's pricelist.",
                        group=mapping.name or mapping.store_group_id,
                        currency=currency.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        mappings = super().create(vals_list)
        mappings.filtered("pricelist_id")._enqueue_store_prices()
        return mappings

    def write(self, vals):
        if "pricelist_id" in vals:
            # Prices of the group before and after: the store's specials follow both.
            self.filtered("pricelist_id")._enqueue_store_prices()
        result = super().write(vals)
        if "pricelist_id" in vals:
            self.filtered("pricelist_id")._enqueue_store_prices()
        return result

    def _enqueue_store_prices(self):
        for store in self.store_id.filtered("export_prices"):
            store._linked_products()._storesync_enqueue_prices(stores=store)


class StoresyncDeliveryTimeMap(models.Model):
    """Which of the store's delivery time texts a product gets, by its lead time."""

    _name = "storesync.delivery.time.map"
    _inherit = ["storesync.store.mixin"]
    _description = "Store Delivery Time Mapping"
    _order = "store_id, max_days, name, store_status_id"

    store_status_id = fields.Char(
        string="Store Status ID", required=True, help="The store's id of the stock status."
    )
    name = fields.Char(help="The delivery time as the store shows it.")
    max_days = fields.Integer(
        string="Lead Time Up To (Days)",
        help="Products whose customer lead time is at most this many days (and more than "
        "the row before) show this delivery time in the store. Empty: not used.",
    )

    _store_status_uniq = models.Constraint(
        "UNIQUE(store_id, store_status_id)", "Each delivery time is mapped once per store."
    )
