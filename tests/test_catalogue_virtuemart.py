"""Catalogue and customers to VirtueMart: Odoo products and contacts → outbox rows → rows in
the shop's MariaDB tables (pictures as files in the shop's picture folder)."""

import base64
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from platform_kits import PlatformCase

from odoo.tests import tagged

from storesync_common import StoresyncCase, png


@tagged("post_install", "-at_install")
class TestVirtueMartCatalogue(PlatformCase, StoresyncCase):
    kit_name = "virtuemart"
    emulator_orders = 3
    emulator_products = 3

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls.folder = Path(tempfile.mkdtemp(prefix="vm-pictures-"))
        cls.addClassCleanup(shutil.rmtree, cls.folder, True)
        cls.store.write({"vm_image_path": str(cls.folder)})
        env = cls.env
        Category = env["product.category"]
        cls.garden = Category.create({"name": "Garten"})  # the shop has one: adopted
        cls.tools = Category.create({"name": "Gartenwerkzeug", "parent_id": cls.garden.id})
        cls.maker = env["storesync.brand"].create({"name": "Fiskars"})
        extra = env["ir.attachment"].create(
            {
                "name": "spaten-2.png",
                "datas": base64.b64encode(png("blue")),
                "mimetype": "image/png",
            }
        )
        cls.spade = env["product.template"].create(
            {
                "name": "Spaten",
                "default_code": "SPATEN-1",
                "barcode": "4006381333931",
                "weight": 2.25,
                "categ_id": cls.tools.id,
                "storesync_brand_id": cls.maker.id,
                "description_sale": "Gehärteter Stahl.",
                "list_price": 25.0,
                "type": "consu",
                "is_storable": True,
                "image_1920": base64.b64encode(png("red")),
                "storesync_image_ids": [(6, 0, extra.ids)],
            }
        )
        attribute = env["product.attribute"].create(
            {"name": "Größe", "value_ids": [(0, 0, {"name": "M"}), (0, 0, {"name": "L"})]}
        )
        cls.shirt = env["product.template"].create(
            {
                "name": "Gartenhemd",
                "categ_id": cls.tools.id,
                "list_price": 30.0,
                "type": "consu",
                "attribute_line_ids": [
                    (
                        0,
                        0,
                        {
                            "attribute_id": attribute.id,
                            "value_ids": [(6, 0, attribute.value_ids.ids)],
                        },
                    )
                ],
            }
        )
        for variant in cls.shirt.product_variant_ids:
            size = variant.product_template_attribute_value_ids.name
            variant.write(
                {
                    "default_code": f"HEMD-{size}",
                    "image_variant_1920": base64.b64encode(png("green")),
                }
            )
        cls.store.write({"product_filter": repr([("categ_id", "child_of", cls.garden.id)])})
        cls.buyer = env["res.partner"].create(
            {
                "name": "Erika Mustermann",
                "email": "erika.mustermann@example.de",
                "phone": "+49 221 123456",
                "street": "Heidestraße 17",
                "city": "Köln",
                "zip": "51147",
                "country_id": env.ref("base.de").id,
                "customer_rank": 1,
            }
        )

    def setUp(self):
        super().setUp()  # the shop's tables as the class's setup left them
        self.outbox = self.env["storesync.outbox"]
        self.shop = self.emulator

    def _send(self):
        self.store.export_catalogue = True
        self.store.action_export_catalogue()
        self.outbox._cron_export()
        return self.outbox.search([("store_id", "=", self.store.id), ("kind", "=", "catalogue")])

    def _remote_id(self, template):
        binding = self.env["storesync.catalogue.binding"].search(
            [
                ("store_id", "=", self.store.id),
                ("res_model", "=", "product.template"),
                ("res_id", "=", template.id),
            ]
        )
        self.assertTrue(binding, template.name)
        return int(binding.external_id)

    def _product(self, product_id):
        return self.shop.query(
            "SELECT p.*, l.product_name, l.product_desc, l.slug FROM {p}virtuemart_products p "
            "JOIN {p}virtuemart_products_{lang} l USING (virtuemart_product_id) "
            "WHERE p.virtuemart_product_id = %s",
            product_id,
        )[0]

    def test_products_with_category_manufacturer_pictures_and_variants(self):
        rows = self._send()
        self.assertEqual(
            {row.product_tmpl_id.name: row.state for row in rows},
            {"Spaten": "done", "Gartenhemd": "done"},
            [(r.name, r.last_error) for r in rows],
        )
        spade_id = self._remote_id(self.spade)
        spade = self._product(spade_id)
        self.assertEqual(
            (spade["product_sku"], spade["product_gtin"], spade["published"]),
            ("SPATEN-1", "4006381333931", 1),
        )
        self.assertEqual(spade["product_weight"], Decimal("2.2500"))
        self.assertEqual(spade["product_name"], "Spaten")
        self.assertIn("Gehärteter Stahl.", spade["product_desc"])
        category = self.shop.query(
            "SELECT c.category_parent_id AS parent, l.category_name AS name "
            "FROM {p}virtuemart_product_categories pc JOIN {p}virtuemart_categories c "
            "USING (virtuemart_category_id) JOIN {p}virtuemart_categories_{lang} l "
            "USING (virtuemart_category_id) WHERE pc.virtuemart_product_id = %s",
            spade_id,
        )
        self.assertEqual(category, [{"parent": 2, "name": "Gartenwerkzeug"}], "under Garten (2)")
        maker = self.shop.query(
            "SELECT l.mf_name FROM {p}virtuemart_product_manufacturers pm "
            "JOIN {p}virtuemart_manufacturers_{lang} l USING (virtuemart_manufacturer_id) "
            "WHERE pm.virtuemart_product_id = %s",
            spade_id,
        )
        self.assertEqual(maker, [{"mf_name": "Fiskars"}])
        price = self.shop.query(
            "SELECT product_price, product_tax_id FROM {p}virtuemart_product_prices "
            "WHERE virtuemart_product_id = %s",
            spade_id,
        )
        self.assertEqual(len(price), 1)
        self.assertEqual(price[0]["product_tax_id"], 0, "the shop's tax rules apply")
        medias = self.shop.query(
            "SELECT m.file_url FROM {p}virtuemart_product_medias pm JOIN {p}virtuemart_medias m "
            "USING (virtuemart_media_id) WHERE pm.virtuemart_product_id = %s ORDER BY pm.ordering",
            spade_id,
        )
        self.assertEqual(len(medias), 2)
        files = sorted(p.name for p in self.folder.iterdir())
        self.assertEqual(
            sorted(m["file_url"].rsplit("/", 1)[1] for m in medias),
            sorted(f for f in files if f.startswith("spaten")),
        )
        # The variants: children of the shirt, each with its SKU, picture and value.
        shirt_id = self._remote_id(self.shirt)
        children = self.shop.query(
            "SELECT p.virtuemart_product_id AS id, p.product_sku AS sku, l.product_name AS name "
            "FROM {p}virtuemart_products p JOIN {p}virtuemart_products_{lang} l "
            "USING (virtuemart_product_id) WHERE p.product_parent_id = %s ORDER BY p.product_sku",
            shirt_id,
        )
        self.assertEqual(
            [(c["sku"], c["name"]) for c in children],
            [("HEMD-L", "Gartenhemd (L)"), ("HEMD-M", "Gartenhemd (M)")],
        )
        generic = self.shop.query(
            "SELECT c.field_type FROM {p}virtuemart_product_customfields f "
            "JOIN {p}virtuemart_customs c USING (virtuemart_custom_id) "
            "WHERE f.virtuemart_product_id = %s",
            shirt_id,
        )
        self.assertEqual(generic, [{"field_type": "A"}])
        links = self.env["storesync.product.binding"].search(
            [
                ("store_id", "=", self.store.id),
                ("product_id", "in", self.shirt.product_variant_ids.ids),
            ]
        )
        self.assertEqual(
            {(link.product_id.default_code, int(link.external_id)) for link in links},
            {(c["sku"], c["id"]) for c in children},
        )
        for child in children:
            self.assertEqual(
                len(
                    self.shop.query(
                        "SELECT 1 FROM {p}virtuemart_product_medias WHERE virtuemart_product_id=%s",
                        child["id"],
                    )
                ),
                1,
            )

        # A second run writes nothing.
        stamp = self.shop.query("SELECT MAX(modified_on) AS m FROM {p}virtuemart_products")[0]["m"]
        count = self.shop.query("SELECT COUNT(*) AS n FROM {p}virtuemart_products")[0]["n"]
        self._send()
        self.assertEqual(
            self.shop.query("SELECT MAX(modified_on) AS m FROM {p}virtuemart_products")[0]["m"],
            stamp,
        )
        self.assertEqual(
            self.shop.query("SELECT COUNT(*) AS n FROM {p}virtuemart_products")[0]["n"], count
        )

        # A new name reaches the product; leaving the filter unpublishes it, never deletes.
        self.spade.name = "Gartenspaten"
        self.outbox._cron_export()
        self.assertEqual(self._product(spade_id)["product_name"], "Gartenspaten")
        self.spade.categ_id = self.env["product.category"].create({"name": "Sonstiges"})
        self.outbox._cron_export()
        self.assertEqual(self._product(spade_id)["published"], 0)

    def test_without_a_picture_folder_no_copies_are_made(self):
        """A product the shop could not take with its pictures is not written at all: the
        core does not bind a failed result, a committed product would be made again with
        every retry."""
        self.store.vm_image_path = False
        count = self.shop.query("SELECT COUNT(*) AS n FROM {p}virtuemart_products")[0]["n"]
        for _attempt in range(2):
            rows = self._send()
            rows.action_retry()
            rows = self._send()
            for row in rows:
                self.assertNotEqual(row.state, "done", row.product_tmpl_id.name)
                self.assertIn("picture folder", row.last_error)
            self.assertEqual(
                self.shop.query("SELECT COUNT(*) AS n FROM {p}virtuemart_products")[0]["n"],
                count,
            )
        self.store.vm_image_path = str(self.folder)
        rows.action_retry()
        rows = self._send()
        self.assertEqual(
            {row.product_tmpl_id.name: row.state for row in rows},
            {"Spaten": "done", "Gartenhemd": "done"},
            [(r.name, r.last_error) for r in rows],
        )
        skus = self.shop.query(
            "SELECT l.slug FROM {p}virtuemart_products p JOIN {p}virtuemart_products_{lang} l "
            "USING (virtuemart_product_id) WHERE p.product_sku IN "
            "('SPATEN-1', 'HEMD-M', 'HEMD-L') ORDER BY l.slug"
        )
        self.assertEqual(
            [s["slug"] for s in skus], ["gartenhemd-l", "gartenhemd-m", "spaten"], "no copies"
        )

    def test_delivery_time_from_the_lead_time(self):
        self.store.action_load_store_settings()
        rows = {row.store_status_id: row for row in self.store.delivery_time_map_ids}
        self.assertIn("2-3d.gif", rows, "VirtueMart's availability pictures are offered")
        rows["24h.gif"].max_days = 1
        rows["2-3d.gif"].max_days = 3
        rows["7d.gif"].max_days = 7
        self.spade.sale_delay = 2
        self._send()
        spade_id = self._remote_id(self.spade)
        self.assertEqual(self._product(spade_id)["product_availability"], "2-3d.gif")
        self.spade.sale_delay = 6
        self.outbox._cron_export()
        self.assertEqual(self._product(spade_id)["product_availability"], "7d.gif")

    def test_customer_account_with_address(self):
        self.store.export_customers = True
        self.outbox._cron_export()
        row = self.outbox.search([("kind", "=", "customer"), ("partner_id", "=", self.buyer.id)])
        self.assertEqual(row.state, "done", row.last_error)
        link = self.env["storesync.partner.binding"].search(
            [("store_id", "=", self.store.id), ("partner_id", "=", self.buyer.id)]
        )
        user_id = int(link.external_id)
        user = self.shop.query("SELECT * FROM {p}users WHERE id = %s", user_id)[0]
        self.assertEqual(user["username"], "erika.mustermann@example.de")
        self.assertRegex(user["password"], r"^\$2y\$")
        bt = self.shop.query(
            "SELECT * FROM {p}virtuemart_userinfos WHERE virtuemart_user_id = %s", user_id
        )
        self.assertEqual(
            [(b["address_type"], b["first_name"], b["last_name"], b["city"]) for b in bt],
            [("BT", "Erika", "Mustermann", "Köln")],
        )
        self.assertEqual(bt[0]["virtuemart_country_id"], 81)
        self.assertTrue(
            self.shop.query(
                "SELECT 1 FROM {p}virtuemart_vmusers WHERE virtuemart_user_id = %s", user_id
            )
        )
        # A returning shop customer is adopted by e-mail and keeps the password.
        seeded = self.shop.query(
            "SELECT u.id, u.email, u.password FROM {p}users u JOIN {p}virtuemart_vmusers v "
            "ON v.virtuemart_user_id = u.id WHERE u.id <> %s ORDER BY u.id LIMIT 1",
            user_id,
        )[0]
        returning = self.env["res.partner"].create(
            {
                "name": "Hans Wiederkehr",
                "email": seeded["email"],
                "street": "Marktplatz 1",
                "city": "Bonn",
                "zip": "53111",
                "country_id": self.env.ref("base.de").id,
                "customer_rank": 1,
            }
        )
        self.outbox._cron_export()
        row = self.outbox.search([("kind", "=", "customer"), ("partner_id", "=", returning.id)])
        self.assertEqual(row.state, "done", row.last_error)
        self.assertIn("had a customer with this e-mail", row.last_error)
        self.assertEqual(
            self.shop.query("SELECT password FROM {p}users WHERE id = %s", seeded["id"])[0],
            {"password": seeded["password"]},
        )
