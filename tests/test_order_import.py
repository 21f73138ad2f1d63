"""Order import end to end: emulator → fetch → inbox → sales orders, through the real ORM."""

from odoo.tests import tagged

from storesync_common import StoresyncCase


@tagged("post_install", "-at_install")
class TestOrderImport(StoresyncCase):
    """The seeded store imported once for the class; each test checks one aspect."""

    # The acceptance size: every country, guests, returning buyers, variations, both tax
    # rates, shipping, fees and coupons occur in 300 seeded orders.
    emulator_orders = 300
    emulator_products = 80

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()
        cls.rows = cls._fetch_and_process()
        cls.order_rows = cls.rows.filtered(lambda r: r.kind == "order")

    def test_every_order_imported_once_with_store_totals(self):
        rows = self.order_rows
        errors = self.rows.filtered(lambda r: r.state == "error")
        self.assertFalse(errors, "\\n".join(errors.mapped("last_error")))
        store_orders = self._store_orders()
        sales = self.env["sale.order"].search([("storesync_store_id", "=", self.store.id)])
        skipped = rows.filtered(lambda r: r.state == "skipped")
        self.assertEqual(len(sales) + len(skipped), len(store_orders))
        for sale in sales:
            payload = store_orders[int(sale.storesync_external_id)]
            self.assertEqual(
                sale.currency_id.compare_amounts(sale.amount_total, float(payload["total"])),
                0,
                f"{sale.name}: {sale.amount_total} != {payload['total']}",
            )
            self.assertEqual(
                sale.currency_id.compare_amounts(sale.amount_tax, float(payload["total_tax"])), 0
            )
            self.assertEqual(sale.name, payload["number"])
            self.assertEqual(sale.partner_id.email, payload["billing"]["email"].lower())
        # A second sync creates nothing and changes nothing.
        count = len(sales)
        self._fetch_and_process()
        self.assertEqual(
            self.env["sale.order"].search_count([("storesync_store_id", "=", self.store.id)]),
            count,
        )

    def test_statuses_follow_the_mapping(self):
        expected = {"draft": {"pending", "on-hold"}, "sale": {"processing", "completed"}}
        expected["cancel"] = {"cancelled", "refunded"}
        sales = self.env["sale.order"].search([("storesync_store_id", "=", self.store.id)])
        for sale in sales:
            self.assertIn(sale.storesync_status, expected[sale.state], sale.name)
            self.assertEqual(sale.date_order, sale.storesync_created_at, sale.name)
        self.assertTrue(sales.filtered(lambda s: s.state == "sale").picking_ids)
        skipped = self.order_rows.filtered(lambda r: r.state == "skipped")
        payloads = skipped.mapped("payload")
        self.assertTrue(all(p["status"] in ("failed", "checkout-draft") for p in payloads))

    def test_lines_products_coupons_fees_and_shipping(self):
        sales = self._sales()
        store_orders = self._store_orders()
        with_coupon = with_fee = 0
        for sale in sales:
            payload = store_orders[int(sale.storesync_external_id)]
            lines = sale.order_line
            self.assertEqual(
                len(lines),
                len(payload["line_items"])
                + len(payload["shipping_lines"])
                + len(payload["fee_lines"])
                + len(
                    {
                        tuple(sorted(t["id"] for t in li["taxes"]))
                        for li in payload["line_items"]
                        if li["subtotal"] != li["total"]
                    }
                ),
                sale.name,
            )
            # Product lines come first, in the store's order.
            for item, line in zip(payload["line_items"], lines.sorted("id"), strict=False):
                self.assertEqual(line.name, item["name"])
                self.assertEqual(line.product_uom_qty, item["quantity"])
                if item["sku"]:
                    self.assertEqual(line.product_id.default_code, item["sku"])
                self.assertEqual(
                    sorted(line.tax_ids.ids),
                    sorted({self.taxes_by_rate[str(t["id"])].id for t in item["taxes"]}),
                )
            if payload["coupon_lines"]:
                with_coupon += 1
                coupon = lines.filtered(lambda li: li.price_unit < 0)
                self.assertTrue(coupon, sale.name)
                self.assertIn(payload["coupon_lines"][0]["code"], coupon[0].name)
            for fee in payload["fee_lines"]:
                with_fee += 1
                self.assertTrue(lines.filtered(lambda li, fee=fee: li.name == fee["name"]))
        self.assertTrue(with_coupon and with_fee, "the seed must exercise coupons and fees")
        # One product per SKU, one binding per store product/variation.
        imported = [store_orders[int(sale.storesync_external_id)] for sale in sales]
        skus = {item["sku"] for order in imported for item in order["line_items"] if item["sku"]}
        products = self.env["product.product"].search([("default_code", "in", list(skus))])
        self.assertEqual(len(products), len(skus))
        bindings = self.env["storesync.product.binding"].search([("store_id", "=", self.store.id)])
        self.assertEqual(
            len(bindings),
            len(
                {
                    (i["product_id"], i["variation_id"])
                    for o in imported
                    for i in o["line_items"]
                    if i["product_id"]
                }
            ),
        )

    def test_customers_are_deduplicated(self):
        store_orders = self._store_orders()
        emails = {order["billing"]["email"].lower() for order in store_orders.values()}
        sales = self.env["sale.order"].search([("storesync_store_id", "=", self.store.id)])
        # One contact per buyer e-mail, whatever the phone formatting or the guest status.
        self.assertEqual(len(sales.partner_id), len({s.partner_id.email for s in sales}))
        self.assertLessEqual(len(sales.partner_id), len(emails))
        returning = [
            email
            for email in emails
            if sum(o["billing"]["email"].lower() == email for o in store_orders.values()) > 1
        ]
        self.assertTrue(returning, "the seed must contain returning customers")
        for sale in sales:
            payload = store_orders[int(sale.storesync_external_id)]
            if payload["customer_id"]:
                binding = self.env["storesync.partner.binding"].search(
                    [
                        ("store_id", "=", self.store.id),
                        ("external_id", "=", str(payload["customer_id"])),
                    ]
                )
                self.assertEqual(binding.partner_id, sale.partner_id)
            self.assertEqual(sale.partner_id.country_id.code, payload["billing"]["country"])

    def test_request_count_is_one_list_call_per_100_orders(self):
        self.store.orders_cursor = False  # a first sync: every order is listed
        self.emulator.clear_request_log()
        self.store._fetch_orders()
        list_calls = [
            entry for entry in self.emulator.request_log if entry["path"].endswith("/orders")
        ]
        self.assertLessEqual(len(list_calls), -(-self.emulator_orders // 100) + 1)
        self.assertFalse(
            [e for e in self.emulator.request_log if "/orders/" in e["path"]],
            "no per-order GET when the list carries whole orders",
        )

    def test_fetch_triggers_processing_and_moves_the_cursor(self):
        newest = max(row.external_date for row in self.order_rows)
        self.assertGreaterEqual(self.store.orders_cursor, newest)
        previous = self.store.orders_cursor
        self.trigger_mock.reset_mock()
        [new_id] = self.emulator.store.create_orders(1, status="processing")
        self.assertEqual(self.store._fetch_orders(), 1)
        self.trigger_mock.assert_called()
        self._process_pending()
        sale = self._sales().filtered(lambda s: s.storesync_external_id == str(new_id))
        self.assertEqual(sale.state, "sale")
        self.assertGreaterEqual(self.store.orders_cursor, previous)

    def test_the_seed_covers_what_the_importer_must_handle(self):
        orders = list(self._store_orders().values())
        self.assertEqual(
            {o["billing"]["country"] for o in orders} >= {"HU", "DE", "RO", "US"}, True
        )
        self.assertTrue([o for o in orders if o["customer_id"] == 0], "guests")
        self.assertTrue([i for o in orders for i in o["line_items"] if i["variation_id"]])
        self.assertTrue([o for o in orders if o["shipping_lines"]])
        sales = self._sales()
        guests = sales.filtered(
            lambda s: (
                not self.env["storesync.partner.binding"].search_count(
                    [("partner_id", "=", s.partner_id.id)]
                )
            )
        )
        self.assertTrue(guests, "guest orders import without a store account")

    def test_vacuum_deletes_old_done_rows_only(self):
        all_done = self.rows.filtered(lambda r: r.state == "done")
        done, rest = all_done[:3], all_done[3:]
        self.env.cr.execute(
            "UPDATE storesync_inbox SET write_date = now() - interval '40 days' WHERE id IN %s",
            [tuple(done.ids)],
        )
        self.env["storesync.inbox"].invalidate_model()
        self.env["storesync.inbox"]._cron_vacuum()
        self.assertFalse(done.exists())
        self.assertEqual(rest.exists(), rest)

    def test_new_products_get_store_category_path_and_description(self):
        store = self.emulator.store
        by_id = {p["id"]: p for p in (store.product_json(p) for p in store.products.values())}
        categories = store.categories
        bindings = self.env["storesync.product.binding"].search(
            [("store_id", "=", self.store.id), ("variation_id", "=", "0")]
        )
        self.assertTrue(bindings)
        for binding in bindings:
            payload = by_id[int(binding.external_id)]
            leaf = categories[payload["categories"][0]["id"]]
            path = [leaf["name"]]
            while leaf["parent"]:
                leaf = categories[leaf["parent"]]
                path.insert(0, leaf["name"])
            self.assertEqual(binding.product_id.categ_id.complete_name, " / ".join(path))
            self.assertEqual(binding.product_id.uom_id, self.env.ref("uom.product_uom_unit"))
            # Gift cards (virtual) are services, downloads are not stocked either.
            stocked = not (payload["virtual"] or payload["downloadable"])
            self.assertEqual(binding.product_id.is_storable, stocked)
            if payload["description"]:
                self.assertTrue(binding.product_id.description_sale)
        kinds = set(self.rows.mapped("kind"))
        self.assertEqual(kinds, {"order", "product", "category"})

    def test_variations_become_variants_of_one_template(self):
        lines = [
            item
            for sale in self._sales()
            for item in self._store_orders()[int(sale.storesync_external_id)]["line_items"]
            if item["variation_id"]
        ]
        self.assertTrue(lines, "the seed must sell variations")
        templates = {}
        for item in lines:
            binding = self.env["storesync.product.binding"].search(
                [
                    ("store_id", "=", self.store.id),
                    ("external_id", "=", str(item["product_id"])),
                    ("variation_id", "=", str(item["variation_id"])),
                ]
            )
            variant = binding.product_id
            self.assertEqual(variant.default_code, item["sku"])
            options = {
                (value.attribute_id.name, value.name)
                for value in variant.product_template_attribute_value_ids
            }
            expected = {
                (meta["display_key"], meta["display_value"])
                for meta in item["meta_data"]
                if not meta["key"].startswith("_")
            }
            self.assertEqual(options, expected)
            templates.setdefault(item["product_id"], set()).add(variant.product_tmpl_id)
        for store_product, template in templates.items():
            self.assertEqual(len(template), 1, f"store product {store_product}: one template")
            self.assertEqual(
                template.pop().name,
                next(i["parent_name"] for i in lines if i["product_id"] == store_product),
            )

    def test_customer_note_reaches_the_chatter_and_delivery_not_the_terms(self):
        noted = [
            sale
            for sale in self._sales()
            if self._store_orders()[int(sale.storesync_external_id)]["customer_note"]
        ]
        self.assertTrue(noted, "the seed must contain customer notes")
        for sale in noted:
            note = self._store_orders()[int(sale.storesync_external_id)]["customer_note"]
            # The terms and conditions stay the merchant's.
            self.assertNotIn(note, str(sale.note))
            self.assertEqual(sale.storesync_customer_note, note)
            self.assertTrue(any(note in str(m.body) for m in sale.message_ids))
            for picking in sale.picking_ids:
                self.assertIn(note, str(picking.note))
