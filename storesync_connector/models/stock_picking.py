from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    storesync_note_sent = fields.Boolean(
        string="Tracking Sent to Store",
        copy=False,
        readonly=True,
        help="The store's customer got the carrier and tracking reference of this delivery.",
    )

    def _action_done(self):
        result = super()._action_done()
        self._storesync_enqueue_orders()
        return result

    def _add_delivery_cost_to_so(self):
        # The store charged the buyer its shipping price, already on the order: a carrier
        # invoiced "on real cost" must not add or rewrite a delivery line of a store order.
        if self.sale_id.storesync_store_id:
            return None
        return super()._add_delivery_cost_to_so()

    def write(self, vals):
        result = super().write(vals)
        if "carrier_tracking_ref" in vals or "carrier_id" in vals:
            # A tracking number typed in after validation still reaches the customer.
            self.filtered(lambda p: p.state == "done")._storesync_enqueue_orders()
        return result

    def _storesync_enqueue_orders(self):
        outgoing = self.filtered(lambda p: p.picking_type_code == "outgoing")
        return outgoing.sale_id._storesync_enqueue_status()

    def _storesync_tracking_note(self, lang=None):
        """The customer-visible note about this delivery, in the store's language."""
        self.ensure_one()
        picking = self.with_context(lang=lang or self.env.lang)
        env = picking.env
        if picking.carrier_id:
            text = env._(
                "Your order has been shipped with %(carrier)s. Tracking number: %(ref)s",
                carrier=picking.carrier_id.name,
                ref=picking.carrier_tracking_ref,
            )
        else:
            text = env._(
                "Your order has been shipped. Tracking number: %(ref)s",
                ref=picking.carrier_tracking_ref,
            )
        if picking.carrier_tracking_url:
            text += " " + picking.carrier_tracking_url
        return text
