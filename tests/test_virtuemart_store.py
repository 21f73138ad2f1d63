"""A VirtueMart shop (its MariaDB database) through the real ORM: settings loaded from the
shop, the status back with carrier and tracking in the order history, VirtueMart's stock
bookkeeping, and the buyer's status e-mail that Odoo sends in the shop's stead."""

from platform_kits import PlatformCase

from odoo.tests import tagged

from storesync_common import StoresyncCase


@tagged("post_install", "-at_install")
class TestVirtueMartStore(PlatformCase, StoresyncCase):
    kit_name = "virtuemart"
    emulator_orders = 6
    emulator_products = 8
    emulator_seed = 4

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        service = cls.env["product.product"].create({"name": "DHL parcel", "type": "service"})
        cls.carrier = cls.env["delivery.carrier"].create(
            {"name": "DHL", "product_id": service.id, "delivery_type": "fixed"}
        )
        cls.store._create_default_export_maps()
        # The shop's own statuses and its choice of the statuses shoppers are e-mailed about.
        cls.store.action_load_store_settings()

    def _new_order(self, status="C"):
        sku = self.kit.skus(self.emulator)[0]
        external_id = self.kit.place_order(self.emulator, sku, quantity=2, status=status)
        rows = self._fetch_and_process()
        self.assertFalse(rows.filtered(lambda r: r.state == "error"), rows.mapped("last_error"))
        return self._sale(external_id), external_id

    def _deliver(self, sale, tracking="00340434161094042557"):
        picking = sale.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        picking.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": tracking})
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        return picking

    def test_settings_come_from_the_shop(self):
        self.store.action_load_store_settings()
        self.assertEqual(
            sorted(self.store.tax_map_ids.mapped("store_tax_id")), ["1", "2"], "19 % and 7 %"
        )
        statuses = {m.store_status: m.name for m in self.store.status_map_ids if m.store_status}
        self.assertEqual(statuses.get("S"), "Shipped")
        self.assertEqual(statuses.get("W"), "Warten auf Vorkasse")
        notified = {m.store_status for m in self.store.status_map_ids if m.notify_buyer}
        self.assertEqual(notified, {"C", "S", "X", "R"}, "the shop's email_os_s")
        self.assertFalse(self.store.webhooks_supported)
        self.assertFalse(self.store.buyer_notified_by_store)
        self.assertTrue(self.store.status_mail)

    def test_delivery_sends_shipped_with_tracking_and_mails_the_buyer(self):
        # Only the status goes: the stock export would set the shop's stock to Odoo's.
        self.store.export_stock = False
        sale, external_id = self._new_order()
        self.assertEqual(sale.state, "sale")
        sku = self.kit.order_skus(self.emulator, external_id)[0]
        product = self.emulator.product_by_sku(sku)
        before = self.emulator.stock(product["virtuemart_product_id"])
        self._deliver(sale)
        mails = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", sale.id)]
        )
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(self.kit.order_status(self.emulator, external_id), "S")
        self.assertEqual(sale.storesync_status, "S")
        histories = self.emulator.query(
            "SELECT order_status_code, customer_notified, comments "
            "FROM {p}virtuemart_order_histories WHERE virtuemart_order_id = %s "
            "ORDER BY virtuemart_order_history_id",
            int(external_id),
        )
        comments = [
            h["comments"] for h in histories if "00340434161094042557" in (h["comments"] or "")
        ]
        self.assertEqual(len(comments), 1, histories)
        self.assertIn("DHL", comments[0])
        self.assertEqual(histories[-1]["order_status_code"], "S")
        # C (reserved) -> S (out): VirtueMart's bookkeeping, done by Odoo.
        after = self.emulator.stock(product["virtuemart_product_id"])
        self.assertEqual(after["product_ordered"], before["product_ordered"] - 2)
        self.assertEqual(after["product_in_stock"], before["product_in_stock"] - 2)
        # The buyer's e-mail, in the store's language, with the carrier and tracking.
        new = (
            self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", sale.id)])
            - mails
        )
        self.assertEqual(len(new), 1)
        self.assertEqual(new.recipient_ids, sale.partner_id)
        self.assertIn("00340434161094042557", new.body_html)
        self.assertIn("DHL", new.body_html)
        self.assertIn("Shipped", new.subject)
        self.assertIn(sale.storesync_number, new.subject)
        # Sent once: a second export run has nothing to send.
        self.env["storesync.outbox"]._cron_export()
        again = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", sale.id)]
        )
        self.assertEqual(again - mails, new)

    def test_a_new_store_mails_virtuemarts_default_statuses(self):
        store = self.env["storesync.store"].create(
            {
                "name": "Second VirtueMart shop",
                "platform": "virtuemart",
                "base_url": "https://second-shop.example",
            }
        )
        store._create_default_status_maps()
        self.assertEqual(
            {m.store_status for m in store.status_map_ids if m.notify_buyer},
            {"U", "C", "X", "R", "S"},
        )

    def test_tracking_is_mailed_with_a_status_the_shop_does_not_mail_about(self):
        self.store.export_stock = False
        self.store.status_export_map_ids.filtered(lambda m: m.event == "delivered").write(
            {"store_status": "F"}
        )
        sale, external_id = self._new_order()
        mails = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", sale.id)]
        )
        self._deliver(sale, tracking="TRK-F-1")
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(self.kit.order_status(self.emulator, external_id), "F")
        new = (
            self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", sale.id)])
            - mails
        )
        self.assertEqual(len(new), 1)
        self.assertIn("TRK-F-1", new.body_html)

    def test_no_mail_when_the_store_does_not_ask(self):
        self.store.status_mail = False
        sale, external_id = self._new_order()
        mails = self.env["mail.mail"].search_count([("model", "=", "sale.order")])
        sale._action_cancel()
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(self.kit.order_status(self.emulator, external_id), "X")
        self.assertEqual(self.env["mail.mail"].search_count([("model", "=", "sale.order")]), mails)

    def test_no_mail_for_a_status_the_shop_does_not_mail_about(self):
        sale, external_id = self._new_order()
        self.store.status_export_map_ids.filtered(lambda m: m.event == "cancelled").write(
            {"store_status": "D"}
        )
        mails = self.env["mail.mail"].search_count([("model", "=", "sale.order")])
        sale._action_cancel()
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(self.kit.order_status(self.emulator, external_id), "D")
        self.assertEqual(self.env["mail.mail"].search_count([("model", "=", "sale.order")]), mails)

    def test_registered_buyer_by_user_id_and_guest_by_email(self):
        sku = self.kit.skus(self.emulator)[0]
        [user] = self.emulator.query("SELECT id FROM {p}users WHERE id >= 500 ORDER BY id LIMIT 1")
        first, second = self.emulator.create_orders(
            2, status="C", user_id=user["id"], lines=[{"sku": sku, "quantity": 1}]
        )
        # The shopper changed the account's e-mail between the two orders.
        self.emulator.execute(
            "UPDATE {p}virtuemart_order_userinfos SET email = 'neu@example.de' "
            "WHERE virtuemart_order_id = %s AND address_type = 'BT'",
            second,
        )
        guest_a, guest_b = self.emulator.create_orders(
            2, status="C", email="Gast.Kunde@Example.de", lines=[{"sku": sku, "quantity": 1}]
        )
        rows = self._fetch_and_process()
        self.assertFalse(rows.filtered(lambda r: r.state == "error"), rows.mapped("last_error"))
        registered = self._sale(str(first)).partner_id | self._sale(str(second)).partner_id
        self.assertEqual(len(registered), 1, "one VirtueMart user, one contact")
        guests = self._sale(str(guest_a)).partner_id | self._sale(str(guest_b)).partner_id
        self.assertEqual(len(guests), 1, "one guest e-mail, one contact")
        self.assertEqual(guests.email, "gast.kunde@example.de")
        self.assertNotEqual(registered, guests)

    def test_cart_rules_and_a_percentage_coupon_import_to_the_cent(self):
        skus = self.kit.skus(self.emulator)[:3]
        [external_id] = self.emulator.create_orders(
            1,
            status="C",
            lines=[{"sku": sku, "quantity": 2} for sku in skus],
            cart_rules=(10, 11),
            coupon="TREUE10",
        )
        rows = self._fetch_and_process()
        self.assertFalse(rows.filtered(lambda r: r.state == "error"), rows.mapped("last_error"))
        sale = self._sale(str(external_id))
        [row] = self.emulator.query(
            "SELECT ROUND(order_total, 2) AS total, coupon_code FROM {p}virtuemart_orders "
            "WHERE virtuemart_order_id = %s",
            external_id,
        )
        self.assertEqual(row["coupon_code"], "TREUE10")
        self.assertEqual(
            sale.currency_id.compare_amounts(sale.amount_total, float(row["total"])), 0
        )
        self.assertTrue(sale.order_line.filtered(lambda line: "Frühjahrsrabatt" in line.name))
        self.assertTrue(sale.order_line.filtered(lambda line: "Treuerabatt" in line.name))

    def test_shop_down_is_an_error_row_and_nothing_is_lost(self):
        self.emulator.set_faults(["refuse"], count=50)
        try:
            self.store._fetch_orders_safely()
        finally:
            self.emulator.clear_faults()
        self.assertTrue(self.store.orders_fetch_error)
        rows = self._fetch_and_process()
        self.assertEqual(
            len(rows.filtered(lambda r: r.kind == "order")),
            len(self.kit.order_totals(self.emulator)),
        )
