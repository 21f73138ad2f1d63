from odoo import models

from .storesync_store_export import EVENT_ORDER

#: context key the importer sets: a status that came from the store is not sent back to it
NO_STATUS_EXPORT = "storesync_no_status_export"


class SaleOrder(models.Model):
    """Order status export: Odoo events of synced orders queue an outbox row."""

    # One concern per file: what synced orders send back to the store.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    def _action_confirm(self):
        result = super()._action_confirm()
        self._storesync_enqueue_status()
        return result

    def _action_cancel(self):
        result = super()._action_cancel()
        self._storesync_enqueue_status()
        return result

    def _storesync_enqueue_status(self):
        """Queue the store's status of these orders (the cron sends it after commit)."""
        if self.env.context.get(NO_STATUS_EXPORT):
            return 0
        orders = self.filtered("storesync_external_id")
        pairs = [
            (order.storesync_store_id.id, order.id)
            for order in orders.sudo()
            if order.storesync_store_id.export_order_status
        ]
        return self.env["storesync.outbox"].sudo()._enqueue_pairs("order_status", pairs)

    def _storesync_events(self):
        """The Odoo events that happened to this order (see ``EVENT_ORDER``)."""
        self.ensure_one()
        events = set()
        if self.state == "cancel":
            events.add("cancelled")
        if self.state == "sale":
            events.add("confirmed")
            outgoing = self.picking_ids.filtered(
                lambda p: p.picking_type_code == "outgoing" and p.state != "cancel"
            )
            if outgoing and all(p.state == "done" for p in outgoing):
                events.add("delivered")
            invoices = self.invoice_ids.filtered(
                lambda m: m.move_type == "out_invoice" and m.state == "posted"
            )
            if invoices and all(m.payment_state in ("paid", "in_payment") for m in invoices):
                events.add("paid")
        return events

    def _storesync_event(self):
        """The furthest event: the one whose mapped status the store should show."""
        events = self._storesync_events()
        return next((event for event in EVENT_ORDER if event in events), None)

    def _storesync_tracking_pickings(self):
        """Validated deliveries whose tracking reference the customer was not told yet.

        A delivery without a reference gets no note (there is nothing to follow); typing
        the reference in later queues the order again, and the note goes then.
        """
        self.ensure_one()
        return self.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == "outgoing"
                and p.state == "done"
                and not p.storesync_note_sent
                and p.carrier_tracking_ref
            )
        )
