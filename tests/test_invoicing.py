"""Invoices of store orders in bulk: the invoicing basket and “Invoice and send”, through the
real ORM on orders imported from the WooCommerce emulator (the per-platform invoice scenarios
are in test_platform_scenarios.py)."""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from storesync_common import StoresyncCase


@tagged("post_install", "-at_install")
class TestInvoicingBasket(StoresyncCase):
    emulator_orders = 30
    emulator_products = 10
    emulator_seed = 11

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()
        # A database that already has contacts and products: the buyer of one order is a
        # contact the merchant had.
        cls.rows = cls._fetch_and_process()
        cls.confirmed = cls.env["sale.order"].search(
            [("storesync_store_id", "=", cls.store.id), ("state", "=", "sale")], order="id"
        )
        cls.quotation = cls.env["sale.order"].search(
            [("storesync_store_id", "=", cls.store.id), ("state", "=", "draft")], limit=1
        )
        # Who invoices: a salesperson with the billing right; a plain salesperson may not.
        cls.biller = new_test_user(
            cls.env,
            login="storesync_biller",
            email="biller@example.com",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
        )
        cls.seller = new_test_user(
            cls.env, login="storesync_seller", groups="sales_team.group_sale_salesman_all_leads"
        )

    def _distinct_buyers(self, count):
        """``count`` confirmed orders of as many buyers (returning buyers have several)."""
        orders = self.env["sale.order"]
        for sale in self.confirmed:
            if sale.partner_id.commercial_partner_id not in orders.partner_id.commercial_partner_id:
                orders |= sale
        self.assertGreaterEqual(len(orders), count)
        return orders[:count]

    def _run_batches(self):
        self.env["storesync.invoice.batch"]._cron_run()

    def test_basket_takes_confirmed_orders_only(self):
        orders = self.confirmed[:3] | self.quotation
        self.assertTrue(self.quotation, "the seeded shop has an order kept as quotation")
        result = orders.action_storesync_add_to_basket()
        self.assertEqual(result["params"]["type"], "warning")
        basket = self.env["sale.order"].search([("storesync_in_basket", "=", True)])
        self.assertEqual(basket, self.confirmed[:3])
        basket[:1].action_storesync_remove_from_basket()
        self.assertFalse(basket[:1].storesync_in_basket)

    def test_invoice_and_send_goes_on_past_a_failing_order(self):
        orders = self._distinct_buyers(6)
        failing = orders[2]
        # A buyer without an e-mail address cannot be sent an invoice.
        (failing.partner_id | failing.partner_invoice_id).write({"email": False})
        orders.action_storesync_add_to_basket()
        mails_before = self.env["mail.mail"].search([])
        action = self.env["sale.order"].with_user(self.biller).action_storesync_invoice_and_send()
        batch = self.env["storesync.invoice.batch"].browse(action["res_id"])
        self.assertEqual(batch.line_ids.order_id, orders, "an empty selection: the whole basket")
        self.assertEqual(batch.user_id, self.biller)
        self.assertEqual((batch.state, batch.progress), ("queued", 0.0))
        self._run_batches()
        self.assertEqual(batch.state, "done")
        self.assertEqual(batch.progress, 100.0)
        failed = batch.line_ids.filtered(lambda line: line.state == "failed")
        self.assertEqual(
            (batch.done_count, batch.failed_count), (5, 1), "\n".join(failed.mapped("message"))
        )
        self.assertEqual(failed.order_id, failing)
        self.assertIn("has no e-mail address", failed.message)
        self.assertFalse(failing.invoice_ids, "nothing half-written for the failing order")
        self.assertTrue(failing.storesync_in_basket, "it waits in the basket")
        mails = self.env["mail.mail"].search([]) - mails_before
        for sale in orders - failing:
            invoice = sale.invoice_ids
            self.assertEqual(len(invoice), 1)
            self.assertEqual(invoice.state, "posted")
            self.assertTrue(invoice.is_move_sent)
            self.assertFalse(
                invoice.currency_id.compare_amounts(invoice.amount_total, sale.amount_total)
            )
            self.assertFalse(sale.storesync_in_basket)
            line = batch.line_ids.filtered(lambda line, sale=sale: line.order_id == sale)
            self.assertEqual(line.invoice_id, invoice)
            # One queued mail to the buyer, with the invoice's PDF, from Odoo's template.
            mail = mails.filtered(
                lambda m, invoice=invoice: m.model == "account.move" and m.res_id == invoice.id
            )
            self.assertEqual(len(mail), 1, sale.name)
            self.assertEqual(mail.state, "outgoing")
            # Made as the user who pressed the button (the sender is the invoice template's).
            self.assertEqual(mail.create_uid, self.biller)
            # (a company without an e-mail address: its buyer who ordered)
            buyer = (sale.partner_invoice_id | sale.partner_id).filtered("email")[:1]
            self.assertEqual(mail.recipient_ids, buyer)
            self.assertIn(invoice.name, mail.subject)
            pdf = invoice.name.replace("/", "_")
            self.assertTrue(any(pdf in name for name in mail.attachment_ids.mapped("name")))
        self.assertIn("5 of 6 orders invoiced and sent; 1 failed", batch.message_ids[0].body)

        # Fixed, the failed order goes through on a retry; nothing is invoiced twice.
        failing.partner_invoice_id.email = "buyer@example.com"
        batch.with_user(self.biller).action_retry_failed()
        self._run_batches()
        self.assertEqual((batch.done_count, batch.failed_count), (6, 0))
        self.assertEqual(len(orders.invoice_ids), 6)

    def test_only_users_with_the_billing_right_invoice_and_send(self):
        orders = self.confirmed[:2]
        orders.action_storesync_add_to_basket()
        with self.assertRaises(AccessError):
            orders.with_user(self.seller).action_storesync_invoice_and_send()
        self.assertFalse(self.env["storesync.invoice.batch"].search([]))
        batch = self.env["storesync.invoice.batch"].browse(
            orders.with_user(self.biller).action_storesync_invoice_and_send()["res_id"]
        )
        # A run is the system's record of what was done: users read it, never write it.
        with self.assertRaises(AccessError):
            batch.with_user(self.biller).write({"user_id": self.seller.id})
        with self.assertRaises(AccessError):
            self.env["storesync.invoice.batch"].with_user(self.seller).create(
                {"line_ids": [(0, 0, {"order_id": self.confirmed[3].id})]}
            )
        self.assertEqual(batch.with_user(self.seller).line_ids.order_id, orders)

    def test_an_order_failing_half_way_leaves_no_invoice(self):
        orders = self._distinct_buyers(3)
        failing = orders[1]
        orders.action_storesync_add_to_basket()
        batch = self.env["storesync.invoice.batch"].browse(
            orders.action_storesync_invoice_and_send()["res_id"]
        )
        send = type(self.env["account.move.send"])._generate_and_send_invoices

        def failing_send(model, moves, **kwargs):
            # The invoice is made and posted by now: the mail server refuses this buyer.
            if moves.invoice_line_ids.sale_line_ids.order_id == failing:
                raise UserError("The mail server refused the message.")
            return send(model, moves, **kwargs)

        with patch.object(
            type(self.env["account.move.send"]), "_generate_and_send_invoices", failing_send
        ):
            self._run_batches()
        self.assertEqual((batch.done_count, batch.failed_count), (2, 1))
        line = batch.line_ids.filtered(lambda line: line.order_id == failing)
        self.assertEqual(line.message, "The mail server refused the message.")
        self.assertFalse(failing.invoice_ids, "its invoice was undone with the rest")
        self.assertEqual(failing.invoice_status, "to invoice")
        self.assertEqual((orders - failing).invoice_ids.mapped("state"), ["posted", "posted"])

    def test_an_order_sent_already_fails_with_its_reason(self):
        sale = self.confirmed[0]
        sale.action_storesync_add_to_basket()
        sale.action_storesync_invoice_and_send()
        self._run_batches()
        self.assertEqual(len(sale.invoice_ids), 1)
        sale.action_storesync_add_to_basket()
        batch = self.env["storesync.invoice.batch"].browse(
            sale.action_storesync_invoice_and_send()["res_id"]
        )
        self._run_batches()
        self.assertEqual(batch.line_ids.state, "failed")
        self.assertIn("invoiced and sent already", batch.line_ids.message)
        self.assertEqual(len(sale.invoice_ids), 1)

    def test_draft_invoice_from_import_is_the_one_sent(self):
        sale = self.confirmed[1]
        draft = sale._storesync_create_invoice()
        sale.action_storesync_add_to_basket()
        sale.action_storesync_invoice_and_send()
        self._run_batches()
        self.assertEqual(sale.invoice_ids, draft)
        self.assertEqual(draft.state, "posted")
        self.assertTrue(draft.is_move_sent)


@tagged("post_install", "-at_install")
class TestInvoicesOnImport(StoresyncCase):
    """Invoices made by the import follow the store order's life."""

    emulator_orders = 5
    emulator_products = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()
        cls._fetch_and_process()

    def _new_order(self, status):
        [order_id] = self.emulator.store.create_orders(1, status=status)
        self._fetch_and_process()
        return order_id, self._sales().filtered(lambda s: s.storesync_external_id == str(order_id))

    def test_order_paid_later_gets_its_invoice_posted_then(self):
        self.store.invoice_policy = "paid"
        order_id, sale = self._new_order("on-hold")
        self.assertEqual(sale.state, "draft")
        self.assertFalse(sale.invoice_ids)
        self.emulator.store.modify_order(order_id, status="processing")
        self._fetch_and_process()
        self.assertEqual(sale.state, "sale")
        self.assertTrue(sale.storesync_paid)
        self.assertEqual(sale.invoice_ids.mapped("state"), ["posted"])
        self.assertEqual(sale.invoice_ids.ref, sale.storesync_number)

    def test_order_cancelled_on_the_store_cancels_its_draft_invoice(self):
        self.store.invoice_policy = "draft"
        order_id, sale = self._new_order("processing")
        draft = sale.invoice_ids
        self.assertEqual(draft.state, "draft")
        self.emulator.store.modify_order(order_id, status="cancelled")
        self._fetch_and_process()
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(draft.state, "cancel")

    def test_parcel_address_corrected_after_the_invoice_is_posted(self):
        self.store.invoice_policy = "paid"
        order_id, sale = self._new_order("processing")
        invoice = sale.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.emulator.store.modify_order(order_id, shipping={"city": "Debrecen"})
        rows = self._fetch_and_process()
        row = rows.filtered(lambda r: r.kind == "order" and r.external_id == str(order_id))
        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(sale.partner_shipping_id.city, "Debrecen")
        self.assertEqual(sale.invoice_ids, invoice, "the invoice stays as it is")

    def test_history_imported_as_done_is_not_invoiced(self):
        self.store.invoice_policy = "draft"
        self.store.status_map_ids.filtered(lambda m: m.store_status == "completed").action = "done"
        _order_id, sale = self._new_order("completed")
        self.assertEqual(sale.state, "sale")
        self.assertFalse(sale.invoice_ids)

    def test_buyer_contact_has_a_customer_code_and_follows_the_buyer(self):
        order_id, sale = self._new_order("processing")
        buyer = sale.partner_id
        self.assertTrue(buyer.storesync_created)
        self.assertRegex(buyer.ref or "", r"^C\d{6}$")
        # A contact made by an import before customer codes gets one when its buyer's data
        # comes again; the buyer's changed data updates the contact the import owns.
        buyer.ref = False
        self.emulator.store.modify_order(order_id, billing={"city": "Szeged"})
        self._fetch_and_process()
        self.assertRegex(buyer.ref or "", r"^C\d{6}$")
        self.assertEqual(sale.partner_invoice_id.city, "Szeged")
