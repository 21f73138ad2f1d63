"""Errors, retries and updates of imported orders, against the emulator."""

import copy

from odoo.tests import tagged

from storesync_common import StoresyncCase


@tagged("post_install", "-at_install")
class TestOrderImportUpdates(StoresyncCase):
    emulator_orders = 40
    emulator_products = 10

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()
        cls.rows = cls._fetch_and_process()
        cls.inbox = cls.env["storesync.inbox"]

    def _row_for(self, payload):
        """Feed one payload to the inbox as a fetch or a webhook would, and process it."""
        item = self.store._get_adapter_class().describe_order(payload) or {
            "external_id": "bad",
            "name": "bad",
            "external_date": None,
            "content_hash": "x",
        }
        self.inbox._upsert(self.store, "order", [dict(item, payload=payload)])
        row = self.inbox.search(
            [("store_id", "=", self.store.id), ("external_id", "=", item["external_id"])]
        )
        row._process()
        return row

    def _new_payload(self, country=None, **changes):
        [order_id] = self.emulator.store.create_orders(1, status="processing", country=country)
        payload = copy.deepcopy(self._store_orders()[order_id])
        payload.update(changes)
        return payload

    def _assert_error(self, row, *fragments):
        self.assertEqual(row.state, "error")
        for fragment in fragments:
            self.assertIn(fragment, row.last_error)
        self.assertFalse(
            self.env["sale.order"].search(
                [
                    ("storesync_store_id", "=", self.store.id),
                    ("storesync_external_id", "=", row.external_id),
                ]
            ),
            "nothing half-written",
        )

    def test_malformed_payload(self):
        payload = self._new_payload()
        payload["line_items"][0]["quantity"] = "two"
        row = self._row_for(payload)
        self._assert_error(row, "malformed", "line_items[0].quantity")
        self.assertEqual(row.attempts, 1)

    def test_unknown_status_then_mapping_then_retry(self):
        payload = self._new_payload(status="awaiting-shipment")
        row = self._row_for(payload)
        self._assert_error(row, "awaiting-shipment")
        row.action_create_missing_mappings()
        mapping = self.store.status_map_ids.filtered(
            lambda m: m.store_status == "awaiting-shipment"
        )
        self.assertEqual(mapping.action, "quotation")
        mapping.action = "confirm"
        row.action_retry()
        self.assertEqual(row.state, "done")
        self.assertEqual(row.order_id.state, "sale")
        self.assertEqual(row.attempts, 1, "Retry starts counting again")

    def _hungarian_payload(self):
        """An order of a Hungarian buyer: every line carries one of the store's HU rates."""
        payload = self._new_payload(country="HU")
        self.assertTrue(all(line["taxes"] for line in payload["line_items"]), payload)
        return payload

    def test_unmapped_tax_then_retry(self):
        payload = self._hungarian_payload()
        rate_id = str(payload["line_items"][0]["taxes"][0]["id"])
        mapping = self.store.tax_map_ids.filtered(lambda m: m.store_tax_id == rate_id)
        tax = mapping.tax_id
        mapping.tax_id = False
        row = self._row_for(payload)
        self._assert_error(row, "No Odoo tax", rate_id)
        mapping.tax_id = tax
        row.action_retry()
        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(
            row.order_id.currency_id.compare_amounts(
                row.order_id.amount_total, float(payload["total"])
            ),
            0,
        )

    def test_wrong_tax_mapping_is_caught(self):
        payload = self._hungarian_payload()
        # Whatever its products, the order's own rate: 27%, 5% or 0% (gift cards).
        line = payload["line_items"][0]
        rate_id = str(line["taxes"][0]["id"])
        mapping = self.store.tax_map_ids.filtered(lambda m: m.store_tax_id == rate_id)
        mapping.tax_id = self.env["account.tax"].create(
            {"name": "Wrong 50%", "amount": 50, "type_tax_use": "sale"}
        )
        self._assert_error(self._row_for(payload), "mapped to", "Wrong 50%")

    def test_unmapped_shipping_method(self):
        payload = self._new_payload()
        # The same amounts by another method, so the order still adds up.
        lines = payload["shipping_lines"] or [
            {"id": 1, "total": "0.00", "total_tax": "0.00", "taxes": []}
        ]
        lines[0].update(method_title="Drone", method_id="drone")
        payload["shipping_lines"] = lines
        self._assert_error(self._row_for(payload), "drone")

    def test_wrong_currency(self):
        payload = self._new_payload(currency="HUF")
        self._assert_error(self._row_for(payload), "HUF", "EUR")

    def test_total_mismatch(self):
        payload = self._new_payload()
        payload["total"] = f"{float(payload['total']) + 1:.2f}"
        self._assert_error(self._row_for(payload), "does not add up", payload["total"])

    def test_ten_modified_orders_are_updated(self):
        # Buyers with one order in the store: a returning buyer's other orders (other tests of
        # the class create some) carry their own address and may be processed after these.
        emails = [o["billing"]["email"].lower() for o in self._store_orders().values()]
        sales = self._sales().filtered(
            lambda s: s.state != "cancel" and emails.count(s.partner_id.email) == 1
        )[:10]
        self.assertEqual(len(sales), 10)
        external_ids = sales.mapped("storesync_external_id")
        for sale in sales:
            self.emulator.store.modify_order(
                int(sale.storesync_external_id),
                billing={"city": "Szeged", "phone": "+36 62 555 1234"},
            )
        rows = self._fetch_and_process()
        self.assertFalse(rows.filtered(lambda r: r.state == "error").mapped("last_error"))
        self.assertEqual(
            self.env["sale.order"].search_count([("storesync_external_id", "in", external_ids)]),
            10,
        )
        for sale in sales:
            self.assertEqual(sale.partner_invoice_id.city, "Szeged")
            payload = self._store_orders()[int(sale.storesync_external_id)]
            self.assertEqual(sale.storesync_updated_at.isoformat(), payload["date_modified_gmt"])

    def test_cancelled_on_store_cancels_in_odoo(self):
        sale = self._sales().filtered(lambda s: s.state == "sale")[:1]
        self.emulator.store.modify_order(int(sale.storesync_external_id), status="cancelled")
        self._fetch_and_process()
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(sale.storesync_status, "cancelled")

    def test_change_after_delivery_is_refused(self):
        sale = self._sales().filtered(lambda s: s.state == "sale" and s.picking_ids)[:1]
        picking = sale.picking_ids[0]
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.emulator.store.modify_order(int(sale.storesync_external_id), status="cancelled")
        rows = self._fetch_and_process()
        row = rows.filtered(
            lambda r: r.kind == "order" and r.external_id == sale.storesync_external_id
        )
        self.assertEqual(row.state, "error")
        self.assertIn("already delivered", row.last_error)
        self.assertEqual(sale.state, "sale")
        self.assertIn("already delivered", sale.message_ids[0].body)

    def test_unchanged_payload_writes_nothing(self):
        # Other tests of the class change emulator orders; absorb that first.
        self._fetch_and_process()
        sale = self._sales()[0]
        row = self.rows.filtered(
            lambda r: r.kind == "order" and r.external_id == sale.storesync_external_id
        )
        written = (row.date_processed, row.attempts, sale.storesync_last_sync)
        self.emulator.store.modify_order(int(sale.storesync_external_id), touch=True)
        self._fetch_and_process()
        row.invalidate_recordset()
        sale.invalidate_recordset()
        self.assertEqual((row.date_processed, row.attempts, sale.storesync_last_sync), written)

    def test_rate_without_any_mapping_row_is_a_readable_error(self):
        payload = self._hungarian_payload()
        rate_ids = {str(t["id"]) for li in payload["line_items"] for t in li["taxes"]}
        self.store.tax_map_ids.filtered(lambda m: m.store_tax_id in rate_ids).unlink()
        self.assertGreater(len(self.store.tax_map_ids), 1)
        self._assert_error(self._row_for(payload), "No Odoo tax", sorted(rate_ids)[0])

    def test_status_change_after_delivery_is_applied(self):
        sale = self._sales().filtered(lambda s: s.state == "sale" and s.picking_ids)[:1]
        picking = sale.picking_ids[0]
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.button_validate()
        self.emulator.store.modify_order(int(sale.storesync_external_id), status="completed")
        rows = self._fetch_and_process()
        row = rows.filtered(
            lambda r: r.kind == "order" and r.external_id == sale.storesync_external_id
        )
        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(sale.storesync_status, "completed")
        self.assertEqual(sale.state, "sale")

    def test_cancelled_then_paid_order_comes_back(self):
        sale = self._sales().filtered(
            lambda s: s.state == "sale" and not s.picking_ids.filtered(lambda p: p.state == "done")
        )[:1]
        order_id = int(sale.storesync_external_id)
        self.emulator.store.modify_order(order_id, status="cancelled")
        self._fetch_and_process()
        self.assertEqual(sale.state, "cancel")
        self.emulator.store.modify_order(order_id, status="processing")
        self._fetch_and_process()
        self.assertEqual(sale.state, "sale")

    def test_an_old_order_does_not_bring_back_an_old_address(self):
        # The buyer of a seeded (older) order comes back today, living elsewhere now.
        emails = [o["billing"]["email"].lower() for o in self._store_orders().values()]
        old = self._sales().filtered(lambda s: emails.count(s.partner_id.email) == 1)[:1]
        partner = old.partner_id
        billing = self._store_orders()[int(old.storesync_external_id)]["billing"]
        # A guest order (no store account to match first): the e-mail finds the buyer.
        [new_id] = self.emulator.store.create_orders(
            1, status="processing", country=billing["country"]
        )
        self.emulator.store.modify_order(new_id, billing=dict(billing, city="New Town"))
        self._fetch_and_process()
        new = self._sales().filtered(lambda s: s.storesync_external_id == str(new_id))
        self.assertEqual(new.partner_id, partner, "a returning buyer")
        newest_city = partner.city
        # The oldest order of this buyer changes on the store (e.g. marked completed).
        self.emulator.store.modify_order(
            int(old.storesync_external_id), billing={"city": "Old Town"}
        )
        self._fetch_and_process()
        self.assertEqual(partner.city, newest_city)

    def test_one_failing_order_leaves_the_rest_of_its_batch_alone(self):
        """A row that ends in an error (its savepoint rolled back) must not break the rows
        processed after it in the same batch, nor their joint confirmation."""
        payloads = [self._new_payload() for _ in range(3)]
        payloads[1]["status"] = "awaiting-bank-transfer"  # no mapping for this status
        items = [
            dict(self.store._get_adapter_class().describe_order(payload), payload=payload)
            for payload in payloads
        ]
        self.inbox._upsert(self.store, "order", items)
        rows = self.inbox.search(
            [
                ("store_id", "=", self.store.id),
                ("external_id", "in", [item["external_id"] for item in items]),
            ]
        ).sorted(lambda row: int(row.external_id))
        self.assertEqual(len(rows), 3)
        rows._process()
        self.assertEqual(rows.mapped("state"), ["done", "error", "done"])
        self.assertIn("awaiting-bank-transfer", rows[1].last_error)
        self.assertRecordValues(
            rows[0].order_id | rows[2].order_id, [{"state": "sale"}, {"state": "sale"}]
        )
        self.assertFalse(rows[1].order_id)

    def test_a_note_through_delivery_then_completed_in_the_store(self):
        """The connector's own "completed" comes back as a store update of a delivered order
        with a buyer's note: the update is taken, not refused as a change of the order."""
        payload = self._new_payload(customer_note="Please ring twice.\nThe bell is broken.")
        row = self._row_for(payload)
        self.assertEqual(row.state, "done", row.last_error)
        sale = row.order_id
        self.assertNotIn("ring twice", str(sale.note))
        picking = sale.picking_ids
        self.assertIn("ring twice", str(picking.note))
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        payload = dict(payload, status="completed", date_modified_gmt="2099-01-01T00:00:00")
        row = self._row_for(payload)
        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(sale.storesync_status, "completed")
