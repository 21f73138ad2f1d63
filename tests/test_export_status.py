"""Order status export: confirm / deliver / cancel in Odoo → the store's status and notes."""

from odoo.tests import tagged

from storesync_common import StoresyncCase


@tagged("post_install", "-at_install")
class TestStatusExport(StoresyncCase):
    emulator_orders = 0
    emulator_products = 8

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()
        service = cls.env["product.product"].create({"name": "DPD delivery", "type": "service"})
        cls.carrier = cls.env["delivery.carrier"].create(
            {"name": "DPD", "product_id": service.id, "delivery_type": "fixed"}
        )

    def _import_new_order(self, status):
        """A new store order in ``status``, imported; each test has its own orders, since
        the emulator keeps what earlier tests did to theirs."""
        (external_id,) = self.emulator.store.create_orders(1, status=status)
        self._fetch_and_process()
        order = self.env["sale.order"].search([("storesync_external_id", "=", str(external_id))])
        self.assertEqual(len(order), 1)
        return order, external_id

    def setUp(self):
        super().setUp()
        self.emulator.clear_faults()
        self.emulator.clear_request_log()
        self.outbox = self.env["storesync.outbox"]

    def _rows(self, order):
        return self.outbox.search([("kind", "=", "order_status"), ("order_id", "=", order.id)])

    def _store_order(self, external_id):
        return self.emulator.store.orders[external_id]

    def _customer_notes(self, external_id):
        return [n["note"] for n in self.emulator.store.notes[external_id] if n["customer_note"]]

    def _status_puts(self, external_id):
        return [
            entry
            for entry in self.emulator.request_log_snapshot()
            if entry["method"] == "PUT" and entry["path"].endswith(f"orders/{external_id}")
        ]

    def _deliver(self, order, tracking="TRK-0042"):
        picking = order.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        self.assertEqual(len(picking), 1)
        picking.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": tracking})
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual(picking.state, "done")
        return picking

    def test_imported_statuses_are_not_echoed_back(self):
        confirmed, _ = self._import_new_order("processing")
        quotation, _ = self._import_new_order("on-hold")
        self.assertTrue(confirmed.state == "sale" and quotation.state == "draft")
        self.assertFalse(self.outbox.search([("kind", "=", "order_status")]))

    def test_delivery_sends_tracking_note_and_completed_once(self):
        self.confirmed, self.processing_id = self._import_new_order("processing")
        self._deliver(self.confirmed)
        row = self._rows(self.confirmed)
        self.assertEqual(row.state, "pending")
        self.assertEqual(self._store_order(self.processing_id)["status"], "processing")

        self.outbox._cron_export()

        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(self._store_order(self.processing_id)["status"], "completed")
        notes = self._customer_notes(self.processing_id)
        self.assertEqual(len(notes), 1)
        self.assertIn("DPD", notes[0])
        self.assertIn("TRK-0042", notes[0])
        self.assertEqual(self.confirmed.storesync_status, "completed")
        self.assertEqual(row.request["status"], "completed")

        # Queued again (e.g. an invoice paid later): nothing new reaches the customer.
        self.confirmed._storesync_enqueue_status()
        self.outbox._cron_export()
        self.assertEqual(len(self._customer_notes(self.processing_id)), 1)
        self.assertEqual(len(self._status_puts(self.processing_id)), 1)

    def test_tracking_reference_typed_after_validation_is_sent(self):
        self.other, self.other_id = self._import_new_order("processing")
        picking = self._deliver(self.other, tracking=False)
        self.outbox._cron_export()
        self.assertEqual(self._store_order(self.other_id)["status"], "completed")
        self.assertEqual(self._customer_notes(self.other_id), [], "no reference, no note")
        picking.carrier_tracking_ref = "LATE-77"
        self.outbox._cron_export()
        notes = self._customer_notes(self.other_id)
        self.assertEqual(len(notes), 1, notes)
        self.assertIn("LATE-77", notes[0])

    def test_confirm_and_cancel_send_the_mapped_status(self):
        self.quotation, self.on_hold_id = self._import_new_order("on-hold")
        self.store.status_export_map_ids.filtered(
            lambda m: m.event == "confirmed"
        ).store_status = "processing"
        self.quotation.action_confirm()
        self.outbox._cron_export()
        self.assertEqual(self._store_order(self.on_hold_id)["status"], "processing")

        self.quotation._action_cancel()
        self.outbox._cron_export()
        self.assertEqual(self._store_order(self.on_hold_id)["status"], "cancelled")
        self.assertEqual(self._rows(self.quotation).state, "done")

    def test_rejected_status_is_an_error_row_and_odoo_goes_on(self):
        self.other, self.other_id = self._import_new_order("processing")
        self.store.status_export_map_ids.filtered(
            lambda m: m.event == "cancelled"
        ).store_status = "shipped-to-moon"
        self.other._action_cancel()
        self.assertEqual(self.other.state, "cancel")
        self.outbox._cron_export()
        row = self._rows(self.other)
        self.assertEqual(row.state, "error")
        self.assertIn("status", row.last_error)
        self.assertEqual(self._store_order(self.other_id)["status"], "processing")
        self.assertEqual(self.other.state, "cancel", "the user's action in Odoo stands")

    def test_note_is_not_sent_twice_after_an_unclear_failure(self):
        self.confirmed, self.processing_id = self._import_new_order("processing")
        self._deliver(self.confirmed, tracking="TRK-RETRY")
        # The note goes through, then every status PUT fails: the row waits for a retry.
        self.emulator.set_faults(["500"], count=10, path_regex=rf"orders/{self.processing_id}$")
        self.outbox._cron_export()
        row = self._rows(self.confirmed)
        self.assertEqual(row.state, "pending")
        self.assertEqual(len(self._customer_notes(self.processing_id)), 1)

        # As if the note's outcome had been lost: the retry looks before it writes.
        self.confirmed.picking_ids.storesync_note_sent = False
        self.emulator.clear_faults()
        row.next_attempt = False
        self.outbox._cron_export()
        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(len(self._customer_notes(self.processing_id)), 1)
        self.assertEqual(self._store_order(self.processing_id)["status"], "completed")

    def test_paid_invoice_sends_the_paid_status(self):
        quotation, external_id = self._import_new_order("on-hold")
        quotation.action_confirm()
        self.outbox._cron_export()
        self.assertEqual(self._store_order(external_id)["status"], "on-hold", "confirmed: nothing")
        invoice = quotation._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.outbox._cron_export()
        self.assertEqual(self._store_order(external_id)["status"], "processing")

    def _pay(self, order):
        invoice = order._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_status_never_moves_backwards(self):
        """A completed order whose invoice is paid later stays completed: "processing" would
        move it back and e-mail the buyer. A move up the ladder still goes."""
        completed, completed_id = self._import_new_order("completed")
        self.assertRecordValues(completed, [{"state": "sale", "storesync_status": "completed"}])
        self._pay(completed)
        row = self._rows(completed)
        self.assertEqual(row.state, "pending")
        self.assertEqual(completed._storesync_event(), "paid", "mapped to processing")

        self.outbox._cron_export()

        self.assertEqual(self._store_order(completed_id)["status"], "completed")
        self.assertFalse(self._status_puts(completed_id), "no call changes the store's status")
        self.assertEqual(self._customer_notes(completed_id), [])
        self.assertRecordValues(row, [{"state": "skipped", "request": False}])
        self.assertIn("never moves backwards", row.last_error)
        self.assertEqual(completed.storesync_status, "completed")

        pending, pending_id = self._import_new_order("pending")
        pending.action_confirm()
        self._pay(pending)
        self.outbox._cron_export()
        self.assertEqual(self._store_order(pending_id)["status"], "processing")
        self.assertEqual(len(self._status_puts(pending_id)), 1)
        self.assertEqual(pending.storesync_status, "processing")

    def test_tracking_note_is_in_the_store_language(self):
        self.env["res.lang"]._activate_lang("hu_HU")
        self.store.lang = "hu_HU"
        order, external_id = self._import_new_order("processing")
        self._deliver(order, tracking="HU-123")
        self.outbox._cron_export()
        (note,) = self._customer_notes(external_id)
        self.assertIn("Nyomkövetési szám: HU-123", note)
