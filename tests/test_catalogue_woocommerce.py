"""Catalogue export to WooCommerce: Odoo products → outbox rows → batch calls the emulator
applies, pictures downloaded by the emulator from Odoo's test server (HttpCase)."""

import base64
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import config

from storesync_common import StoresyncCase, png


@tagged("post_install", "-at_install")
class TestWooCommerceCatalogue(StoresyncCase, HttpCase):
    emulator_orders = 0
    emulator_products = 4

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        # The shop downloads pictures without an Odoo session: as on a server in production,
        # the database filter picks the database.
        cls.startClassPatcher(
            patch.dict(config._runtime_options, {"dbfilter": f"^{cls.env.cr.dbname}$"})
        )
        env = cls.env
        Category = env["product.category"]
        cls.furniture = Category.create({"name": "Furniture"})
        cls.chairs = Category.create({"name": "Chairs", "parent_id": cls.furniture.id})
        cls.textiles = Category.create({"name": "Textiles", "parent_id": cls.furniture.id})
        cls.other = Category.create({"name": "Office use"})
        cls.acme = env["storesync.brand"].create({"name": "Acme Seating"})
        extra = env["ir.attachment"].create(
            [
                {
                    "name": f"chair-{n}.png",
                    "datas": base64.b64encode(png(color)),
                    "mimetype": "image/png",
                }
                for n, color in ((2, "blue"), (3, "green"), (4, "white"))
            ]
        )
        cls.chair = env["product.template"].create(
            {
                "name": "Oak Chair",
                "default_code": "OAK-CHAIR",
                "barcode": "5901234123457",
                "weight": 4.5,
                "categ_id": cls.chairs.id,
                "storesync_brand_id": cls.acme.id,
                "description_sale": "Solid oak.\nMade to last.",
                "list_price": 120.0,
                "type": "consu",
                "is_storable": True,
                "image_1920": base64.b64encode(png("red")),
                "storesync_image_ids": [(6, 0, extra.ids)],
            }
        )
        size = env["product.attribute"].create(
            {
                "name": "Size",
                "value_ids": [(0, 0, {"name": "S"}), (0, 0, {"name": "M"})],
            }
        )
        colour = env["product.attribute"].create(
            {
                "name": "Colour",
                "value_ids": [(0, 0, {"name": "Red"}), (0, 0, {"name": "Blue"})],
            }
        )
        cls.cushion = env["product.template"].create(
            {
                "name": "Seat Cushion",
                "categ_id": cls.textiles.id,
                "list_price": 20.0,
                "type": "consu",
                "attribute_line_ids": [
                    (0, 0, {"attribute_id": size.id, "value_ids": [(6, 0, size.value_ids.ids)]}),
                    (
                        0,
                        0,
                        {"attribute_id": colour.id, "value_ids": [(6, 0, colour.value_ids.ids)]},
                    ),
                ],
            }
        )
        for variant in cls.cushion.product_variant_ids:
            names = variant.product_template_attribute_value_ids.mapped("name")
            variant.default_code = "CUSHION-" + "-".join(names)
        # A product the shop has already, under the same SKU, not linked to Odoo yet.
        shop_item = next(iter(cls.emulator.store.products.values()))
        cls.shop_item_id = shop_item["id"]
        cls.known = env["product.template"].create(
            {
                "name": "Known in the shop",
                "default_code": shop_item["sku"],
                "categ_id": cls.chairs.id,
                "list_price": 15.0,
            }
        )
        cls.shop_item_before = cls.emulator.store.product_json(shop_item)
        cls.outside = env["product.template"].create(
            {
                "name": "Office chair (own use)",
                "categ_id": cls.other.id,
                "default_code": "OWN-1",
                "image_1920": base64.b64encode(png("gray")),
            }
        )
        other_company = env["res.company"].create({"name": "Sister company"})
        cls.foreign = env["product.template"].create(
            {
                "name": "Sister company's chair",
                "default_code": "SIS-1",
                "categ_id": cls.chairs.id,
                "company_id": other_company.id,
            }
        )
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        env["stock.quant"]._update_available_quantity(
            cls.chair.product_variant_id, warehouse.lot_stock_id, 7
        )
        cls.store.write(
            {
                "product_filter": repr([("categ_id", "child_of", cls.furniture.id)]),
                "export_stock": True,
                "export_prices": True,
            }
        )

    def setUp(self):
        super().setUp()
        self.store.image_base_url = self.base_url()
        self.outbox = self.env["storesync.outbox"]

    # ------------------------------------------------------------------ helpers

    def _export(self):
        """The export cron, with Odoo's test server open to the shop's picture downloads
        (requests without the test's cookie, as the shop sends them)."""
        with self.allow_requests(all_requests=True):
            self.outbox._cron_export()

    def _send(self):
        self.store.export_catalogue = True
        self.store.action_export_catalogue()
        self._export()
        return self.outbox.search([("store_id", "=", self.store.id), ("kind", "=", "catalogue")])

    def _binding(self, template):
        return self.env["storesync.catalogue.binding"].search(
            [
                ("store_id", "=", self.store.id),
                ("res_model", "=", "product.template"),
                ("res_id", "=", template.id),
            ]
        )

    def _shop_product(self, template):
        store = self.emulator.store
        return store.product_json(store.products[int(self._binding(template).external_id)])

    def _writes(self):
        return [entry for entry in self.emulator.store.received if entry["status"] < 400]

    # ------------------------------------------------------------------ tests

    def test_first_run_builds_the_shop_catalogue(self):
        rows = self._send()
        by_template = {row.product_tmpl_id: row for row in rows}
        self.assertEqual(
            {t.name: by_template[t].state for t in (self.chair, self.cushion, self.known)},
            {"Oak Chair": "done", "Seat Cushion": "done", "Known in the shop": "done"},
            [(r.name, r.last_error) for r in rows],
        )
        self.assertNotIn(self.outside, by_template, "outside the filter: no row at all")
        self.assertNotIn(self.foreign, by_template, "another company's product: not this shop's")

        store = self.emulator.store
        chair = self._shop_product(self.chair)
        self.assertEqual(chair["name"], "Oak Chair")
        self.assertEqual(chair["sku"], "OAK-CHAIR")
        self.assertEqual(chair["global_unique_id"], "5901234123457")
        self.assertEqual(chair["weight"], "4.5")
        self.assertEqual(chair["status"], "publish")
        self.assertEqual(chair["regular_price"], "120.00")
        self.assertTrue(chair["manage_stock"])
        self.assertEqual(chair["stock_quantity"], 7)
        self.assertIn("Solid oak.", chair["description"])
        self.assertEqual([c["name"] for c in chair["categories"]], ["Chairs"])
        shop_chairs = store.categories[chair["categories"][0]["id"]]
        self.assertEqual(store.categories[shop_chairs["parent"]]["name"], "Furniture")
        self.assertEqual([b["name"] for b in chair["brands"]], ["Acme Seating"])
        # Main image and the first two extra pictures, downloaded from Odoo by the shop.
        self.assertEqual(len(chair["images"]), 3)
        self.assertEqual(len(store.downloads), 3)
        for download in store.downloads:
            self.assertIn(f"/storesync/img/{self.store.image_token}/", download["url"])
            self.assertRegex(download["url"], r"\.png$")
        self.assertNotIn(self.store.image_token, by_template[self.chair].request_text)

        cushion = self._shop_product(self.cushion)
        self.assertEqual(cushion["type"], "variable")
        self.assertEqual(
            {a["name"]: sorted(a["options"]) for a in cushion["attributes"]},
            {"Size": ["M", "S"], "Colour": ["Blue", "Red"]},
        )
        variations = [store.variation_json(store.variations[v]) for v in cushion["variations"]]
        self.assertEqual(
            sorted(v["sku"] for v in variations),
            sorted(self.cushion.product_variant_ids.mapped("default_code")),
        )
        for variation in variations:
            options = {a["name"]: a["option"] for a in variation["attributes"]}
            self.assertEqual(variation["sku"], f"CUSHION-{options['Size']}-{options['Colour']}")
            self.assertEqual(variation["regular_price"], "20.00")
        links = self.env["storesync.product.binding"].search(
            [("product_id", "in", self.cushion.product_variant_ids.ids)]
        )
        self.assertEqual(len(links), 4)
        self.assertEqual(set(links.mapped("external_id")), {str(cushion["id"])})

        # The shop's own product with that SKU is linked, not duplicated.
        self.assertEqual(self._binding(self.known).external_id, str(self.shop_item_id))
        self.assertIn("same SKU", by_template[self.known].last_error)
        self.assertEqual(
            len([p for p in store.products.values() if p["sku"] == self.known.default_code]), 1
        )
        self.assertEqual(store.products[self.shop_item_id]["name"], "Known in the shop")
        # What Odoo has nothing of (description, pictures) stays as the merchant made it.
        known = store.product_json(store.products[self.shop_item_id])
        self.assertEqual(known["description"], self.shop_item_before["description"])
        self.assertEqual(known["images"], self.shop_item_before["images"])

    def test_a_new_product_in_the_filter_is_queued(self):
        self.store.export_catalogue = True
        stool = self.env["product.template"].create(
            {"name": "Oak Stool", "default_code": "OAK-STOOL", "categ_id": self.chairs.id}
        )
        row = self.outbox.search([("kind", "=", "catalogue"), ("product_tmpl_id", "=", stool.id)])
        self.assertEqual(row.state, "pending")
        self._export()
        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(self._shop_product(stool)["sku"], "OAK-STOOL")

    def test_second_run_sends_nothing(self):
        self._send()
        before = len(self.emulator.store.received)
        downloads = len(self.emulator.store.downloads)
        rows = self._send()
        self.assertEqual(len(self.emulator.store.received), before, "no call at all")
        self.assertEqual(len(self.emulator.store.downloads), downloads)
        self.assertEqual(set(rows.mapped("state")), {"done"})

    def test_a_change_sends_only_that_value(self):
        self._send()
        before = len(self.emulator.store.received)
        self.chair.name = "Oak Chair, oiled"
        self._export()
        sent = self.emulator.store.received[before:]
        self.assertEqual(len(sent), 1, sent)
        body = sent[0]["body"]
        self.assertEqual(
            body,
            {
                "update": [
                    {"id": int(self._binding(self.chair).external_id), "name": "Oak Chair, oiled"}
                ]
            },
        )
        self.assertEqual(self._shop_product(self.chair)["name"], "Oak Chair, oiled")

    def test_a_new_picture_is_downloaded_the_others_kept(self):
        self._send()
        old = self._shop_product(self.chair)["images"]
        downloads = len(self.emulator.store.downloads)
        self.chair.image_1920 = base64.b64encode(png("black"))
        self._export()
        new = self._shop_product(self.chair)["images"]
        self.assertEqual(len(self.emulator.store.downloads), downloads + 1)
        self.assertNotEqual(new[0]["id"], old[0]["id"])
        self.assertEqual([i["id"] for i in new[1:]], [i["id"] for i in old[1:]])

    def test_a_product_deleted_in_the_shop_is_created_again(self):
        self._send()
        old_id = int(self._binding(self.chair).external_id)
        del self.emulator.store.products[old_id]
        self.chair.name = "Oak Chair, oiled"
        self._export()
        row = self.outbox.search([("product_tmpl_id", "=", self.chair.id)])
        self.assertEqual(row.state, "pending", "retried, not given up")
        self.assertIn("no longer has this product", row.last_error)
        self.assertFalse(self._binding(self.chair))
        row.next_attempt = False
        self._export()
        self.assertEqual(row.state, "done", row.last_error)
        chair = self._shop_product(self.chair)
        self.assertNotEqual(chair["id"], old_id)
        self.assertEqual((chair["name"], chair["sku"]), ("Oak Chair, oiled", "OAK-CHAIR"))

    def test_a_product_that_gets_variants_becomes_variable(self):
        self._send()
        size = self.env["product.attribute"].create(
            {"name": "Height", "value_ids": [(0, 0, {"name": "Low"}), (0, 0, {"name": "High"})]}
        )
        self.chair.attribute_line_ids = [
            (0, 0, {"attribute_id": size.id, "value_ids": [(6, 0, size.value_ids.ids)]})
        ]
        for variant in self.chair.product_variant_ids:
            variant.default_code = "OAK-" + variant.product_template_attribute_value_ids.name
        self._export()
        row = self.outbox.search([("product_tmpl_id", "=", self.chair.id)])
        self.assertEqual(row.state, "done", row.last_error)
        chair = self._shop_product(self.chair)
        self.assertEqual(chair["type"], "variable")
        store = self.emulator.store
        skus = sorted(store.variations[v]["sku"] for v in chair["variations"])
        self.assertEqual(skus, ["OAK-High", "OAK-Low"])
        links = self.env["storesync.product.binding"].search(
            [("product_id", "in", self.chair.product_variant_ids.ids)]
        )
        self.assertEqual(len(links), 2, "one link per variant: its variation")
        self.assertNotIn("0", links.mapped("variation_id"))

    def test_leaving_the_filter_unpublishes(self):
        self._send()
        self.chair.categ_id = self.other
        self._export()
        chair = self._shop_product(self.chair)
        self.assertEqual(chair["status"], "draft", "unpublished, never deleted")
        self.chair.categ_id = self.chairs
        self._export()
        self.assertEqual(self._shop_product(self.chair)["status"], "publish")

    def test_an_unreachable_picture_fails_the_product_with_the_stores_reason(self):
        self.store.image_base_url = "http://127.0.0.1:9"
        rows = self._send()
        row = rows.filtered(lambda r: r.product_tmpl_id == self.chair)
        self.assertEqual(row.state, "error")
        self.assertIn("woocommerce_product_image_upload_error", row.last_error)
        self.assertFalse(self._binding(self.chair))
        # The others went through in the same batch.
        self.assertTrue(self._binding(self.cushion))

    def test_a_store_without_brands_gets_the_products_without_and_is_not_asked_again(self):
        self.emulator.store.configure(brands=False)
        rows = self._send()
        row = rows.filtered(lambda r: r.product_tmpl_id == self.chair)
        self.assertEqual(row.state, "done")
        self.assertIn("Sent without its manufacturer", row.last_error)
        self.assertTrue(self.store.store_has_no_brands)
        self.assertNotIn("brands", self._shop_product(self.chair))
        before = len(self.emulator.store.received)
        self._send()
        self.assertEqual(len(self.emulator.store.received), before, "no brand call again")

    def test_picture_addresses_open_only_product_pictures(self):
        self.store.export_catalogue = True
        attachment = self.chair.storesync_image_ids[:1]
        url = f"/storesync/img/{self.store.image_token}/{attachment.id}/x.png"
        self.assertEqual(self.url_open(url).status_code, 200)
        self.assertEqual(self.url_open(url).content, attachment.raw)
        self.assertEqual(
            self.url_open(f"/storesync/img/wrong/{attachment.id}/x.png").status_code, 404
        )
        other = self.env["ir.attachment"].create(
            {"name": "secret.png", "datas": base64.b64encode(png("red")), "mimetype": "image/png"}
        )
        url = f"/storesync/img/{self.store.image_token}/{other.id}/x.png"
        self.assertEqual(self.url_open(url).status_code, 404)
        # A product picture outside the store's filter is not the store's to see either.
        outside = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "product.template"),
                ("res_field", "=", "image_1920"),
                ("res_id", "=", self.outside.id),
            ]
        )
        url = f"/storesync/img/{self.store.image_token}/{outside.id}/x.png"
        self.assertEqual(self.url_open(url).status_code, 404)


@tagged("post_install", "-at_install")
class TestWooCommerceCustomers(StoresyncCase):
    emulator_orders = 3
    emulator_products = 2

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        env = cls.env
        hungary = env.ref("base.hu")
        cls.anna = env["res.partner"].create(
            {
                "name": "Anna Kovacs",
                "email": "Anna.Kovacs@example.hu",
                "phone": "+36 30 123 4567",
                "street": "Fő utca 1.",
                "city": "Budapest",
                "zip": "1011",
                "country_id": hungary.id,
                "customer_rank": 1,
            }
        )
        cls.anna_delivery = env["res.partner"].create(
            {
                "type": "delivery",
                "parent_id": cls.anna.id,
                "name": "Anna Kovacs",
                "street": "Raktár utca 9.",
                "city": "Debrecen",
                "zip": "4025",
                "country_id": hungary.id,
            }
        )
        shop_customer = next(iter(cls.emulator.store.customers.values()))
        cls.shop_customer_id = shop_customer["id"]
        cls.returning = env["res.partner"].create(
            {
                "name": "Returning Buyer",
                "email": shop_customer["email"].upper(),
                "city": "Wien",
                "country_id": env.ref("base.at").id,
                "customer_rank": 1,
            }
        )
        cls.no_email = env["res.partner"].create({"name": "Phone only", "customer_rank": 1})
        cls.vendor = env["res.partner"].create(
            {"name": "A Vendor", "email": "sales@vendor.example", "supplier_rank": 1}
        )

    def test_a_customer_filter_that_is_no_domain_is_refused(self):
        with self.assertRaises(ValidationError):
            self.store.customer_filter = "[('no_such_field', '=', 1)]"

    def _send(self):
        self.store.export_customers = True
        self.env["storesync.outbox"]._cron_export()
        return self.env["storesync.outbox"].search(
            [("store_id", "=", self.store.id), ("kind", "=", "customer")]
        )

    def _link(self, partner):
        return self.env["storesync.partner.binding"].search(
            [("store_id", "=", self.store.id), ("partner_id", "=", partner.id)]
        )

    def _shop_customer(self, partner):
        store = self.emulator.store
        return store.customer_json(store.customers[int(self._link(partner).external_id)])

    def test_contacts_become_store_customers_once(self):
        customers_before = len(self.emulator.store.customers)
        rows = self._send()
        self.assertEqual(
            {row.partner_id: row.state for row in rows},
            {self.anna: "done", self.returning: "done"},
            [(r.name, r.last_error) for r in rows],
        )
        anna = self._shop_customer(self.anna)
        self.assertEqual(anna["email"], "anna.kovacs@example.hu")
        self.assertEqual((anna["first_name"], anna["last_name"]), ("Anna", "Kovacs"))
        self.assertEqual(anna["billing"]["address_1"], "Fő utca 1.")
        self.assertEqual(anna["billing"]["country"], "HU")
        self.assertEqual(anna["billing"]["phone"], "+36 30 123 4567")
        self.assertEqual(anna["shipping"]["city"], "Debrecen")
        # The shop's account with that e-mail is the returning buyer's, updated.
        self.assertEqual(self._link(self.returning).external_id, str(self.shop_customer_id))
        self.assertEqual(self._shop_customer(self.returning)["billing"]["city"], "Wien")
        self.assertEqual(len(self.emulator.store.customers), customers_before + 1)

        before = len(self.emulator.store.received)
        self.store.action_export_customers()
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(len(self.emulator.store.received), before, "second run: no call")

        self.anna_delivery.city = "Szeged"
        self.env["storesync.outbox"]._cron_export()
        sent = self.emulator.store.received[before:]
        self.assertEqual(len(sent), 1)
        update = sent[0]["body"]["update"][0]
        self.assertEqual(set(update), {"id", "billing", "shipping"})
        self.assertEqual(self._shop_customer(self.anna)["shipping"]["city"], "Szeged")
