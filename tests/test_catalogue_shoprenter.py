"""Catalogue and customers to Shoprenter: Odoo products and contacts → outbox rows → batch
calls the emulator applies (pictures uploaded, texts in the shop's language, the merchant's
other languages left alone)."""

import base64
import io

from PIL import Image
from platform_kits import PlatformCase

from odoo.tests import tagged

from store_emulator.platforms.shoprenter import parse_rid
from storesync_common import StoresyncCase


def _name(category):
    """A shop category's name (its only description: the shop's language)."""
    return next(iter(category["descriptions"].values()))["name"]


def png(color):
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buffer, "PNG")
    return buffer.getvalue()


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
