"""What only Cartum stores do, through the ORM against the Cartum emulator: buyers found by
their phone first, open orders read again (the API lists new orders only), a webhook that
only names an order, quantity edits before and after the goods left, the shop's currency,
products made from the catalogue, the store's own request rate."""

from unittest.mock import patch

from platform_kits import PlatformCase

from odoo.tests import tagged

from odoo.addons.storesync_connector.models import storesync_store_fetch

from storesync_common import StoresyncCase


@tagged("post_install", "-at_install")
class TestCartumStore(PlatformCase, StoresyncCase):
    kit_name = "cartum"
    emulator_orders = 12
    emulator_products = 8
    emulator_seed = 5

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()

    def _errors(self, rows):
        return "\n".join(f"{r.name}: {r.last_error}" for r in rows if r.state == "error")

    def _import(self):
        rows = self._fetch_and_process()
        self.assertFalse(self._errors(rows), self._errors(rows))
        return rows

    def _place(self, status="2", **options):
        store = self.emulator.store
        article = self.kit.skus(self.emulator)[0]
        options.setdefault("lines", [{"article": article, "quantity": 2}])
        [number] = store.create_orders(1, status=int(status), **options)
        return str(number)

    def _orders_get_calls(self):
        return [
            entry
            for entry in self.emulator.request_log_snapshot()
            if entry["path"].strip("/") == "api/orders/get"
        ]

    # ------------------------------------------------------------------ buyers
    def test_the_same_phone_typed_another_way_is_the_same_buyer(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Постійна клієнтка",
                "phone": "067 123 45 67",
                "email": "old@example.com",
                "country_id": self.env.ref("base.ua").id,
            }
        )
        other = self.env["res.partner"].create(
            {"name": "Someone else", "email": "olena.new@example.com"}
        )
        number = self._place(phone="+38 (067) 123-45-67", customer="guest")
        self.emulator.store.orders[int(number)]["email"] = "olena.new@example.com"
        self._import()
        sale = self._sale(number)
        # The phone finds her first, though another contact has the order's e-mail.
        self.assertEqual(sale.partner_id, contact)
        self.assertEqual(contact.name, "Постійна клієнтка")
        self.assertEqual(contact.email, "old@example.com")
        self.assertFalse(self._sales().filtered(lambda s: s.partner_id == other))
        # Her next order, the phone typed as digits only: still her, no new contact (the
        # order's address may become one of hers).
        top = [("parent_id", "=", False)]
        partners = self.env["res.partner"].search_count(top)
        again = self._place(phone="380671234567", customer="guest")
        self._import()
        self.assertEqual(self._sale(again).partner_id, contact)
        self.assertEqual(self.env["res.partner"].search_count(top), partners)

    def test_a_contact_without_country_is_read_in_the_companys(self):
        self.env.company.country_id = self.env.ref("base.ua")
        contact = self.env["res.partner"].create({"name": "Без країни", "phone": "050 111 22 33"})
        self.assertEqual(contact.storesync_phone_e164, "+380501112233")
        number = self._place(phone="+380501112233", customer="guest")
        self._import()
        self.assertEqual(self._sale(number).partner_id, contact)

    # ------------------------------------------------------------------ changes of open orders
    def test_a_status_changed_in_the_shop_arrives_with_the_next_fetch(self):
        number = self._place(status="1")
        self._import()
        sale = self._sale(number)
        self.assertEqual(sale.state, "draft")
        # No webhook: the listing (by creation date) cannot show it; the re-read does.
        self.emulator.store.modify_order(int(number), status=2)
        self.emulator.clear_request_log()
        self._import()
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.storesync_status, "2")

    def test_a_fetch_of_new_orders_reads_the_listing_page_by_page(self):
        """The listing by creation has no count to size time windows by: it is read page by
        page (orders only join it at its end), then the open orders once."""
        self._import()
        for _ in range(5):
            self._place()
        self.emulator.clear_request_log()
        self.store._fetch_orders(per_page=2)
        calls = self._orders_get_calls()
        # The shop's currency (its time zone), pages of 2, 2, 1, then one read by number.
        self.assertEqual(len(calls), 1 + 3 + 1, calls)
        self._process_pending()
        self.assertEqual(len(self._sales()), len(self.kit.order_totals(self.emulator)))

    def test_a_new_product_of_a_known_page_costs_no_category_tree(self):
        """The category tree takes a call per page: read again only for a page not seen."""
        self._import()
        Inbox = self.env["storesync.inbox"]
        pages = Inbox.search([("store_id", "=", self.store.id), ("kind", "=", "category")])
        page = pages.filtered(lambda row: row.payload["parent"] != "0")[:1]
        self.assertTrue(page)
        with self.store._get_adapter() as adapter:
            adapter._call(
                "catalog/import",
                {
                    "products": [
                        {
                            "article": "NEW-PAGE-KNOWN",
                            "title": {"ua": "Новинка"},
                            "price": 250,
                            "parent": int(page.external_id),
                            "residues": [{"warehouse": "office", "quantity": 5}],
                        }
                    ]
                },
            )
        number = self._place(lines=[{"article": "NEW-PAGE-KNOWN", "quantity": 1}])
        self.emulator.clear_request_log()
        self._import()
        paths = [e["path"].strip("/") for e in self.emulator.request_log_snapshot()]
        self.assertNotIn("api/pages/export", paths)
        self.assertIn("api/catalog/export", paths)
        product = self._sale(number).order_line.product_id.filtered(
            lambda p: p.default_code == "NEW-PAGE-KNOWN"
        )
        self.assertEqual(product.categ_id.name, page.payload["name"])

    def test_open_orders_are_read_again_in_bounded_turns(self):
        for _ in range(10):
            self._place(status="1")
        self._import()
        open_rows = self.env["storesync.inbox"].search(
            [("store_id", "=", self.store.id), ("kind", "=", "order")]
        )
        self.assertGreater(len(open_rows), 4)
        closed = {"3", "4"}
        self.store.orders_reread_cursor = 0
        with patch.object(storesync_store_fetch, "REREAD_PER_FETCH", 4):
            fetched = []
            original = type(self.store._get_adapter()).get_orders

            def counting(adapter, ids):
                fetched.append(sorted(ids))
                return original(adapter, ids)

            with patch.object(type(self.store._get_adapter()), "get_orders", counting):
                self.store._fetch_orders()
                self.store._fetch_orders()
        self.assertEqual([len(ids) for ids in fetched], [4, 4])
        self.assertFalse(set(fetched[0]) & set(fetched[1]), "the second turn goes on")
        for ids in fetched:
            for number in ids:
                sale = self._sale(number)
                self.assertNotIn(sale.storesync_status, closed, number)

    def test_a_webhook_only_makes_its_order_read_again(self):
        self._import()
        number = self._place()
        self.emulator.clear_request_log()
        self.env["storesync.api.session"]._request_fetch(self.store, [number])
        self.env["storesync.store"]._cron_fetch_requested_orders()
        self._process_pending()
        self.assertEqual(self._sale(number).state, "sale")
        calls = self._orders_get_calls()
        self.assertEqual(len(calls), 1, calls)

    def test_a_webhooks_order_is_read_after_a_failed_try_too(self):
        self._import()
        number = self._place()
        Session = self.env["storesync.api.session"]
        Session._request_fetch(self.store, [number])
        self.emulator.set_faults(["503"], count=20, retry_after=0)
        self.env["storesync.store"]._cron_fetch_requested_orders()
        self.emulator.clear_faults()
        self.assertTrue(self.store.orders_fetch_error)
        self.assertEqual(Session._take_fetch_requests(), {self.store.id: [number]})

    # ------------------------------------------------------------------ quantity edits
    def test_a_quantity_edit_before_delivery_updates_the_order_after_it_is_refused(self):
        number = self._place()
        self._import()
        sale = self._sale(number)
        article = self.kit.order_skus(self.emulator, number)[0]
        self.emulator.store.modify_order(int(number), quantities={article: 3})
        self._import()
        line = sale.order_line.filtered(lambda x: x.product_id.default_code == article)
        self.assertEqual(line.product_uom_qty, 3)
        totals = self.kit.order_totals(self.emulator)
        self.assertEqual(
            sale.currency_id.compare_amounts(sale.amount_total, float(totals[number])), 0
        )

        picking = sale.picking_ids
        picking.move_ids.quantity = 3
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.emulator.store.modify_order(int(number), quantities={article: 1})
        rows = self._fetch_and_process()
        row = rows.filtered(lambda r: r.external_id == number and r.kind == "order")
        self.assertEqual(row.state, "error")
        self.assertIn("already delivered", row.last_error)
        self.assertEqual(line.product_uom_qty, 3)
        self.assertIn("already delivered", sale.message_ids[0].body)

    def test_a_quantity_edit_replaces_the_draft_invoice_and_is_refused_once_posted(self):
        self.store.invoice_policy = "draft"
        number = self._place()
        self._import()
        sale = self._sale(number)
        first = sale.invoice_ids
        self.assertEqual(first.state, "draft")
        article = self.kit.order_skus(self.emulator, number)[0]
        self.emulator.store.modify_order(int(number), quantities={article: 3})
        self._import()
        self.assertEqual(first.state, "cancel", "the draft of the old lines")
        draft = sale.invoice_ids.filtered(lambda m: m.state == "draft")
        self.assertEqual(len(draft), 1)
        total = self.kit.order_totals(self.emulator)[number]
        self.assertEqual(draft.currency_id.compare_amounts(draft.amount_total, float(total)), 0)

        draft.action_post()
        self.emulator.store.modify_order(int(number), quantities={article: 1})
        rows = self._fetch_and_process()
        row = rows.filtered(lambda r: r.external_id == number and r.kind == "order")
        self.assertEqual(row.state, "error")
        self.assertIn(f"after its invoice {draft.name} was posted", row.last_error)
        line = sale.order_line.filtered(lambda x: x.product_id.default_code == article)
        self.assertEqual(line.product_uom_qty, 3)
        self.assertEqual(sale.invoice_ids.filtered(lambda m: m.state != "cancel"), draft)

    def test_the_delivery_goes_back_with_its_tracking_number_in_one_call(self):
        number = self._place()
        self._import()
        sale = self._sale(number)
        picking = sale.picking_ids
        picking.carrier_tracking_ref = "20450000111222"
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.emulator.store.received.clear()
        self.env["storesync.outbox"]._cron_export()
        order = self.emulator.store.orders[int(number)]
        self.assertEqual((order["status"], order["tracking"]), (6, "20450000111222"))
        [write] = [r for r in self.emulator.store.received if r["kind"] == "order_update"]
        self.assertEqual(
            write["body"]["orders"],
            [{"order_id": int(number), "status": 6, "tracking_code": "20450000111222"}],
        )
        self.assertTrue(picking.storesync_note_sent)
        self.assertEqual(sale.storesync_status, "6")

    def test_an_order_paid_in_odoo_tells_the_shop_it_is_paid(self):
        number = self._place(payment="cod")
        self._import()
        sale = self._sale(number)
        self.assertFalse(sale.storesync_paid)
        invoice = sale._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.emulator.store.received.clear()
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(self.emulator.store.orders[int(number)]["payed"], 1)
        [write] = [r for r in self.emulator.store.received if r["kind"] == "order_update"]
        # Its status is the store's already: only the flag goes.
        self.assertEqual(write["body"]["orders"], [{"order_id": int(number), "payed": 1}])
        self.assertTrue(sale.storesync_paid)
        # Told once.
        self.emulator.store.received.clear()
        sale._storesync_enqueue_status()
        self.env["storesync.outbox"]._cron_export()
        self.assertFalse([r for r in self.emulator.store.received if r["kind"] == "order_update"])

    def test_an_order_the_shop_says_is_paid_is_not_told_again(self):
        number = self._place(payment="card")
        self.emulator.store.modify_order(int(number), payed=1)
        self._import()
        self.assertTrue(self._sale(number).storesync_paid)

    # ------------------------------------------------------------------ money and products
    def test_an_order_in_another_currency_is_an_error_row_that_says_so(self):
        number = self._place()
        payload = self.emulator.store.order_json(self.emulator.store.orders[int(number)])
        payload["currency"] = "RON"
        item = self.store._get_adapter_class().describe_order(payload)
        Inbox = self.env["storesync.inbox"]
        Inbox._upsert(self.store, "order", [dict(item, payload=payload)])
        self._process_pending()
        row = Inbox.search([("store_id", "=", self.store.id), ("external_id", "=", number)])
        self.assertEqual(row.state, "error")
        self.assertIn("RON", row.last_error)
        self.assertFalse(self._sale(number))

    def test_new_products_take_the_article_name_and_category_of_the_shop(self):
        self._import()
        bindings = self.env["storesync.product.binding"].search([("store_id", "=", self.store.id)])
        self.assertTrue(bindings)
        units = self.env.ref("uom.product_uom_unit")
        for binding in bindings:
            product = binding.product_id
            shop = self.emulator.store.product_by_article(binding.external_id)
            self.assertEqual(product.default_code, shop["article"])
            self.assertEqual(product.name, shop["title"]["ua"])
            self.assertEqual(product.uom_id, units)
            page = self.emulator.store.page(shop["page"])
            self.assertEqual(product.categ_id.name, page[2][0])
        # Two products of one page share its category: made once.
        names = bindings.product_id.categ_id.mapped("complete_name")
        self.assertEqual(len(names), len(set(names)))

    def test_the_stores_own_request_rate_is_kept(self):
        self.store.request_rate = 0
        with patch.object(type(self.env["storesync.api.session"]), "_throttle") as throttle:
            self.store._get_adapter()
            self.assertEqual(throttle.call_args.args[1], 2)
            self.store.request_rate = 0.5
            self.store._get_adapter()
            self.assertEqual(throttle.call_args.args[1], 0.5)
