"""Catalogue and customers to Shoprenter: Odoo products and contacts → outbox rows → batch
calls the emulator applies (pictures uploaded, texts in the shop's language, the merchant's
other languages left alone)."""

import base64

from platform_kits import PlatformCase

from odoo.tests import tagged

from store_emulator.platforms.shoprenter import parse_rid, rid
from storesync_common import StoresyncCase, png


def _name(category):
    """A shop category's name (its only description: the shop's language)."""
    return next(iter(category["descriptions"].values()))["name"]


@tagged("post_install", "-at_install")
class TestShoprenterCatalogue(PlatformCase, StoresyncCase):
    kit_name = "shoprenter"
    emulator_orders = 3
    emulator_products = 3

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        env = cls.env
        Category = env["product.category"]
        cls.garden = Category.create({"name": "Kert"})
        cls.tools = Category.create({"name": "Szerszámok", "parent_id": cls.garden.id})
        cls.other = Category.create({"name": "Belső"})
        cls.maker = env["storesync.brand"].create({"name": "Fiskars"})
        extra = env["ir.attachment"].create(
            {"name": "spade-2.png", "datas": base64.b64encode(png("blue")), "mimetype": "image/png"}
        )
        cls.spade = env["product.template"].create(
            {
                "name": "Ásó",
                "default_code": "ASO-1",
                "barcode": "5999999000011",
                "weight": 2.25,
                "categ_id": cls.tools.id,
                "storesync_brand_id": cls.maker.id,
                "description_sale": "Edzett acél.",
                "list_price": 12700.0,
                "type": "consu",
                "is_storable": True,
                "image_1920": base64.b64encode(png("red")),
                "storesync_image_ids": [(6, 0, extra.ids)],
            }
        )
        shop_product = next(iter(cls.emulator.store.products.values()))
        cls.shop_sku = shop_product["sku"]
        cls.known = env["product.template"].create(
            {"name": "Már a boltban", "default_code": cls.shop_sku, "categ_id": cls.tools.id}
        )
        cls.store.write({"product_filter": repr([("categ_id", "child_of", cls.garden.id)])})
        groups = cls.store._get_adapter().list_store_settings()["customer_groups"]
        cls.wholesale = next(g for g in groups if not g["default"])
        cls.wholesale_pricelist = env["product.pricelist"].create(
            {"name": "Nagyker", "currency_id": cls.store.pricelist_id.currency_id.id}
        )
        cls.store.customer_group_map_ids = [
            (
                0,
                0,
                {"store_group_id": cls.wholesale["id"], "pricelist_id": cls.wholesale_pricelist.id},
            )
        ]
        cls.buyer = env["res.partner"].create(
            {
                "name": "Nagy Péter",
                "email": "peter.nagy@example.hu",
                "phone": "+36 20 555 1234",
                "street": "Kossuth tér 2.",
                "city": "Szeged",
                "zip": "6720",
                "country_id": env.ref("base.hu").id,
                "customer_rank": 1,
                "property_product_pricelist": cls.wholesale_pricelist.id,
            }
        )

    def setUp(self):
        super().setUp()
        # Shoprenter's 3 requests a second are kept and tested in test_shoprenter_store;
        # here they would only make the catalogue calls wait.
        self.emulator.store.configure(rate_limit=0)
        self.store.request_rate = 1000
        self.outbox = self.env["storesync.outbox"]
        self.shop = self.emulator.store

    def _send(self):
        self.store.export_catalogue = True
        self.store.action_export_catalogue()
        self.outbox._cron_export()
        return self.outbox.search([("store_id", "=", self.store.id), ("kind", "=", "catalogue")])

    def _remote(self, template):
        binding = self.env["storesync.catalogue.binding"].search(
            [
                ("store_id", "=", self.store.id),
                ("res_model", "=", "product.template"),
                ("res_id", "=", template.id),
            ]
        )
        return self.shop.products[parse_rid(binding.external_id, "product", "product_id")]

    def test_products_go_with_category_manufacturer_and_uploaded_pictures(self):
        rows = self._send()
        self.assertEqual(
            {row.product_tmpl_id.name: row.state for row in rows},
            {"Ásó": "done", "Már a boltban": "done"},
            [(r.name, r.last_error) for r in rows],
        )
        spade = self._remote(self.spade)
        self.assertEqual(spade["sku"], "ASO-1")
        self.assertEqual(spade["gtin"], "5999999000011")
        self.assertEqual(spade["status"], "1")
        hungarian = spade["descriptions"][next(iter(spade["descriptions"]))]
        self.assertEqual(hungarian["name"], "Ásó")
        self.assertIn("Edzett acél.", hungarian["description"])
        category = self.shop.categories[spade["categories"][0]]
        self.assertEqual(_name(category), "Szerszámok")
        self.assertEqual(_name(self.shop.categories[category["parent"]]), "Kert")
        self.assertEqual(self.shop.manufacturers[spade["manufacturer"]]["name"], "Fiskars")
        self.assertEqual(len(self.shop.files), 2, "main picture and one more, uploaded")
        self.assertIn(spade["main_picture"], self.shop.files)
        images = [i for i in self.shop.product_images.values() if i["product_id"] == spade["id"]]
        self.assertEqual(
            [i["imagePath"] for i in images],
            [p for p in self.shop.files if p != spade["main_picture"]],
        )
        # The shop's own product with that SKU is linked, not duplicated.
        same_sku = [p for p in self.shop.products.values() if p["sku"] == self.shop_sku]
        self.assertEqual(len(same_sku), 1)
        self.assertEqual(self._remote(self.known)["name"], "Már a boltban")

        before = len(self.shop.received)
        self._send()
        self.assertEqual(len(self.shop.received), before, "second run: nothing sent")

        self.spade.name = "Kerti ásó"
        self.outbox._cron_export()
        sent = [e for e in self.shop.received[before:] if e["kind"] != "batch"]
        self.assertEqual([e["kind"] for e in sent], ["product_description_update"], sent)
        self.assertEqual(self._remote(self.spade)["name"], "Kerti ásó")

        self.spade.categ_id = self.other
        self.outbox._cron_export()
        self.assertEqual(self._remote(self.spade)["status"], "0", "unpublished, not deleted")

    def test_a_customer_the_shop_has_keeps_its_password(self):
        shop_customer = next(iter(self.shop.customers.values()))
        returning = self.env["res.partner"].create(
            {
                "name": "Visszatérő Vevő",
                "email": shop_customer["person"]["email"],
                "phone": "+36 1 234 5678",
                "street": "Fő tér 1.",
                "city": "Pécs",
                "zip": "7621",
                "country_id": self.env.ref("base.hu").id,
                "customer_rank": 1,
            }
        )
        self.store.export_customers = True
        self.outbox._cron_export()
        row = self.outbox.search([("kind", "=", "customer"), ("partner_id", "=", returning.id)])
        self.assertEqual(row.state, "done", row.last_error)
        self.assertIn("had a customer with this e-mail", row.last_error)
        update = next(e for e in self.shop.received if e["kind"] == "customer_update")
        self.assertNotIn("password", update["body"], "the buyer can still log in")
        self.assertEqual(shop_customer["addresses"][0]["city"], "Pécs")
        no_phone = self.env["res.partner"].create(
            {"name": "Telefon Nélkül", "email": "nophone@example.hu", "customer_rank": 1}
        )
        self.outbox._cron_export()
        row = self.outbox.search([("kind", "=", "customer"), ("partner_id", "=", no_phone.id)])
        self.assertEqual(row.state, "skipped")
        self.assertIn("phone", row.last_error)

    def test_customers_go_in_the_group_of_their_pricelist(self):
        self.store.export_customers = True
        self.outbox._cron_export()
        row = self.outbox.search([("kind", "=", "customer"), ("partner_id", "=", self.buyer.id)])
        self.assertEqual(row.state, "done", row.last_error)
        link = self.env["storesync.partner.binding"].search(
            [("store_id", "=", self.store.id), ("partner_id", "=", self.buyer.id)]
        )
        customer = self.shop.customers[parse_rid(link.external_id, "customer", "customer_id")]
        self.assertEqual(customer["person"]["email"], "peter.nagy@example.hu")
        self.assertEqual(
            customer["group"], parse_rid(self.wholesale["id"], "customerGroup", "customer_group_id")
        )
        self.assertRegex(customer["password"], r"^\$2[aby]\$")
        self.assertEqual(customer["addresses"][0]["city"], "Szeged")

    def _template_with_variants(self, name, code, attributes):
        """A template in the filtered category whose variants come from ``attributes``
        (``{attribute name: [value names]}``), each variant with a SKU of its values."""
        lines = []
        for attribute_name, values in attributes.items():
            attribute = self.env["product.attribute"].create(
                {"name": attribute_name, "value_ids": [(0, 0, {"name": v}) for v in values]}
            )
            lines.append(
                (
                    0,
                    0,
                    {"attribute_id": attribute.id, "value_ids": [(6, 0, attribute.value_ids.ids)]},
                )
            )
        template = self.env["product.template"].create(
            {
                "name": name,
                "categ_id": self.tools.id,
                "list_price": 5000.0,
                "type": "consu",
                "attribute_line_ids": lines,
            }
        )
        for variant in template.product_variant_ids:
            names = variant.product_template_attribute_value_ids.mapped("name")
            variant.default_code = "-".join([code, *names]).upper()
        return template

    def _list_values(self, product):
        """``{attribute name: value name}`` of a shop product, in the shop's language."""
        out = {}
        for value_id in product["list_values"]:
            value = self.shop.list_attribute_values[value_id]
            attribute = self.shop.list_attributes[value["attribute_id"]]
            out[next(iter(attribute["descriptions"].values()))["name"]] = next(
                iter(value["descriptions"].values())
            )
        return out

    def test_variants_go_as_child_products_of_a_parent(self):
        shirt = self._template_with_variants(
            "Póló", "POLO", {"Méret": ["S", "M"], "Szín": ["Piros", "Kék"]}
        )
        rows = self._send()
        row = rows.filtered(lambda r: r.product_tmpl_id == shirt)
        self.assertEqual(row.state, "done", row.last_error)
        parent = self._remote(shirt)
        self.assertEqual((parent["name"], parent["status"]), ("Póló", "1"))
        self.assertEqual(parent["orderable"], "0", "the parent is a shell, not a choice")
        self.assertIsNone(parent["parent"])
        self.assertEqual(parent["list_values"], [])
        children = [p for p in self.shop.products.values() if p["parent"] == parent["id"]]
        variants = {v.default_code: v for v in shirt.product_variant_ids}
        self.assertEqual(sorted(c["sku"] for c in children), sorted(variants))
        product_class = self.shop.product_classes[parent["product_class"]]
        attributes = {
            a: next(iter(self.shop.list_attributes[a]["descriptions"].values()))["name"]
            for a in (product_class["first"], product_class["second"])
        }
        self.assertEqual(sorted(attributes.values()), ["Méret", "Szín"])
        self.assertEqual(
            sorted(self.shop.list_attributes[a]["name"] for a in attributes), ["meret", "szin"]
        )
        for child in children:
            variant = variants[child["sku"]]
            options = {
                value.attribute_id.name: value.name
                for value in variant.product_template_attribute_value_ids
            }
            self.assertEqual(child["product_class"], product_class["id"])
            self.assertEqual(self._list_values(child), options, child["sku"])
            self.assertEqual(child["status"], "1")
            self.assertEqual(child["name"], f"Póló ({', '.join(options.values())})")
        links = self.env["storesync.product.binding"].search(
            [("store_id", "=", self.store.id), ("product_id", "in", shirt.product_variant_ids.ids)]
        )
        self.assertEqual(len(links), 4)
        self.assertEqual(set(links.mapped("variation_id")), {"0"})
        self.assertEqual(
            {parse_rid(link.external_id, "product", "product_id") for link in links},
            {child["id"] for child in children},
        )
        for link in links:
            child = self.shop.products[parse_rid(link.external_id, "product", "product_id")]
            self.assertEqual(child["sku"], link.product_id.default_code)

        before = len(self.shop.received)
        self._send()
        self.assertEqual(len(self.shop.received), before, "second run: nothing sent")

        variant = shirt.product_variant_ids[0]
        child_id = parse_rid(
            links.filtered(lambda link: link.product_id == variant).external_id,
            "product",
            "product_id",
        )
        variant.default_code = "POLO-UJ-1"
        self.outbox._cron_export()
        sent = [e for e in self.shop.received[before:] if e["kind"] != "batch"]
        self.assertEqual(
            [(e["kind"], e["method"]) for e in sent], [("product_update", "PUT")], sent
        )
        self.assertEqual(sent[0]["body"], {"sku": "POLO-UJ-1"})
        self.assertEqual(self.shop.products[child_id]["sku"], "POLO-UJ-1")
        self.assertEqual(
            len([p for p in self.shop.products.values() if p["parent"] == parent["id"]]), 4
        )

        # A new name reaches the parent and every child, each keeping its values.
        shirt.name = "Ing"
        self.outbox._cron_export()
        self.assertEqual(self._remote(shirt)["name"], "Ing")
        self.assertEqual(
            sorted(p["name"] for p in self.shop.products.values() if p["parent"] == parent["id"]),
            sorted(
                f"Ing ({', '.join(v.product_template_attribute_value_ids.mapped('name'))})"
                for v in shirt.product_variant_ids
            ),
        )

    def test_three_variant_attributes_are_refused(self):
        template = self._template_with_variants(
            "Kesztyű",
            "KESZTYU",
            {"Anyag": ["Bőr", "Vászon"], "Fazon": ["A", "B"], "Szín": ["Fekete", "Barna"]},
        )
        rows = self._send()
        row = rows.filtered(lambda r: r.product_tmpl_id == template)
        self.assertEqual(row.state, "error")
        self.assertIn("at most 2", row.last_error)
        self.assertFalse([p for p in self.shop.products.values() if p["sku"].startswith("KESZTYU")])

    def test_a_product_the_shop_refuses_is_an_error_row_the_others_go(self):
        # A delivery time the shop no longer has (deleted there after the mapping was made).
        self.store.delivery_time_map_ids = [
            (0, 0, {"store_status_id": rid("stockStatus", "stock_status_id=9"), "max_days": 1}),
            (0, 0, {"store_status_id": rid("stockStatus", "stock_status_id=99"), "max_days": 60}),
        ]
        refused = self.env["product.template"].create(
            {
                "name": "Hosszú szállítás",
                "default_code": "LONG-1",
                "categ_id": self.tools.id,
                "sale_delay": 50,
            }
        )
        no_sku = self.env["product.template"].create(
            {"name": "SKU nélkül", "categ_id": self.tools.id, "list_price": 100.0}
        )
        rows = self._send()
        row = rows.filtered(lambda r: r.product_tmpl_id == refused)
        self.assertEqual(row.state, "error")
        self.assertIn("40007", row.last_error, "the shop's own code, in the shop's words")
        self.assertFalse(
            self.env["storesync.catalogue.binding"].search(
                [("res_model", "=", "product.template"), ("res_id", "in", (refused | no_sku).ids)]
            )
        )
        self.assertFalse([p for p in self.shop.products.values() if p["sku"] == "LONG-1"])
        # Without a SKU nothing is sent: a lost answer could not be found again.
        row = rows.filtered(lambda r: r.product_tmpl_id == no_sku)
        self.assertEqual(row.state, "error")
        self.assertIn("no Internal Reference", row.last_error)
        self.assertEqual(rows.filtered(lambda r: r.product_tmpl_id == self.spade).state, "done")
        self.assertEqual(self._remote(self.spade)["sku"], "ASO-1")

    def test_a_product_deleted_in_the_shop_is_created_again(self):
        self._send()
        old = self._remote(self.spade)["id"]
        del self.shop.products[old]
        self.spade.weight = 2.5
        self.outbox._cron_export()
        row = self.outbox.search([("product_tmpl_id", "=", self.spade.id)])
        self.assertEqual(row.state, "pending", row.last_error)
        self.assertIn("no longer has this product", row.last_error)
        row.next_attempt = False
        self.outbox._cron_export()
        self.assertEqual(row.state, "done", row.last_error)
        spade = self._remote(self.spade)
        self.assertNotEqual(spade["id"], old)
        self.assertEqual(spade["sku"], "ASO-1")

    def test_the_lead_time_picks_the_shops_delivery_time(self):
        self.store.action_load_store_settings()
        rows = {row.name: row for row in self.store.delivery_time_map_ids}
        self.assertIn("Előrendelhető", rows, "the shop's own delivery times, in Hungarian")
        rows["Raktáron"].max_days = 1
        rows["2-3 napon belül szállítható"].max_days = 3
        rows["1-2 hét"].max_days = 14
        self.spade.sale_delay = 2
        self._send()
        self.assertEqual(self._remote(self.spade)["in_stock_status"], 6)
        self.spade.sale_delay = 10
        self.outbox._cron_export()
        self.assertEqual(self._remote(self.spade)["in_stock_status"], 8)
        self.spade.sale_delay = 30  # longer than any row: the shop's setting is cleared
        self.outbox._cron_export()
        self.assertFalse(self._remote(self.spade)["in_stock_status"])
