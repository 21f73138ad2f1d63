"""Imports into a database that already holds the merchant's products and contacts.

Each case is built explicitly: an emulator order placed now, its payload edited to carry the
exact buyer or product of the case, then fed to the sync log as a fetch or webhook would.
"""

import copy

from odoo.tests import new_test_user, tagged

from storesync_common import StoresyncCase


@tagged("post_install", "-at_install")
class MerchantDataCase(StoresyncCase):
    emulator_orders = 5
    emulator_products = 10

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()
        cls.inbox = cls.env["storesync.inbox"]
        cls.Partner = cls.env["res.partner"]
        cls.Product = cls.env["product.product"]

    def _upsert(self, kind, payload):
        """Put one payload in the sync log as a fetch or a webhook would; return its row."""
        adapter = self.store._get_adapter_class()
        describe = adapter.describe_order if kind == "order" else adapter.describe_product
        item = describe(payload)
        self.inbox._upsert(self.store, kind, [dict(item, payload=payload)])
        return self.inbox.search(
            [
                ("store_id", "=", self.store.id),
                ("kind", "=", kind),
                ("external_id", "=", item["external_id"]),
            ]
        )

    def _feed(self, kind, payload):
        """Put one payload in the sync log and process it; it must end done."""
        row = self._upsert(kind, payload)
        row._process()
        self.assertEqual(row.state, "done", row.last_error)
        return row

    def _new_payload(self, **changes):
        """A new order placed in the store now, with ``changes`` on its payload."""
        [order_id] = self.emulator.store.create_orders(1, status="processing")
        payload = copy.deepcopy(self._store_orders()[order_id])
        for key, value in changes.items():
            if isinstance(value, dict):
                payload[key] = {**payload[key], **value}
            else:
                payload[key] = value
        return payload

    def _simple_line_product(self, payload):
        """The order's first line and its store product (payload), made a simple product."""
        line = payload["line_items"][0]
        line["variation_id"] = 0
        shop = self.emulator.store
        product = copy.deepcopy(shop.product_json(shop.products[line["product_id"]]))
        product.update(type="simple", variations=[], parent_id=0)
        return line, product

    @staticmethod
    def _line(sale, name):
        return sale.order_line.filtered(lambda line: line.name == name)


@tagged("post_install", "-at_install")
class TestMerchantProducts(MerchantDataCase):
    def setUp(self):
        super().setUp()
        self.merchant_category = self.env["product.category"].create({"name": "Merchant shelf"})

    def _merchant_product(self, sku, description="The merchant's own words."):
        return self.Product.create(
            {
                "name": "Merchant product",
                "default_code": sku,
                "categ_id": self.merchant_category.id,
                "description_sale": description,
                "type": "consu",
                "is_storable": True,
            }
        )

    def _order_with_sku(self, sku):
        payload = self._new_payload()
        line, product = self._simple_line_product(payload)
        line["sku"] = sku
        product["sku"] = sku
        product["description"] = "<p>The store's words.</p>"
        return payload, line, product

    def test_product_row_never_rewrites_the_merchants_product(self):
        payload, line, product = self._order_with_sku("MERCH-1")
        mine = self._merchant_product("MERCH-1")
        self._feed("product", product)
        self.assertEqual(mine.storesync_binding_ids.external_id, str(line["product_id"]))
        self.assertRecordValues(
            mine,
            [
                {
                    "categ_id": self.merchant_category.id,
                    "description_sale": "The merchant's own words.",
                }
            ],
        )
        # An order of it uses it as it is.
        row = self._feed("order", payload)
        self.assertIn(mine, row.order_id.order_line.product_id)
        self.assertEqual(mine.description_sale, "The merchant's own words.")
        self.assertEqual(mine.categ_id, self.merchant_category)

    def test_product_row_fills_what_the_merchants_product_lacks(self):
        _payload, _line, product = self._order_with_sku("MERCH-2")
        mine = self._merchant_product("MERCH-2", description=False)
        mine.categ_id = False
        self._feed("product", product)
        self.assertEqual(mine.description_sale, "The store's words.")
        self.assertTrue(mine.categ_id)
        self.assertFalse(mine.storesync_created)

    def test_product_row_updates_a_product_the_import_created(self):
        payload, line, product = self._order_with_sku("NEW-3")
        row = self._feed("order", payload)
        created = self._line(row.order_id, line["name"]).product_id
        self.assertEqual(created.default_code, "NEW-3")
        self.assertTrue(created.storesync_created)
        product["description"] = "<p>Rewritten in the store.</p>"
        product["categories"] = [{"id": 999001, "name": "Brand new shelf", "slug": "bns"}]
        self._feed("product", product)
        self.assertEqual(created.description_sale, "Rewritten in the store.")
        self.assertEqual(created.categ_id.name, "Brand new shelf")

    def test_virtual_product_becomes_a_service(self):
        _payload, _line, product = self._order_with_sku("GIFT-4")
        product.update(virtual=True, downloadable=False)
        record = self.Product.browse(self._feed("product", product).res_id)
        self.assertRecordValues(record, [{"type": "service", "is_storable": False}])

    def test_downloadable_product_from_an_order_is_not_stocked(self):
        payload, line, product = self._order_with_sku("EBOOK-5")
        product.update(virtual=False, downloadable=True, manage_stock=True, stock_quantity=5)
        # The fetch brings the store product's payload with the order; the order creates it.
        self._upsert("product", product)
        record = self._line(self._feed("order", payload).order_id, line["name"]).product_id
        self.assertEqual(record.default_code, "EBOOK-5")
        self.assertRecordValues(record, [{"type": "consu", "is_storable": False}])
        self.assertTrue(record.storesync_binding_ids.manage_stock)

    def test_store_managed_stock_is_kept_on_the_binding(self):
        _payload, _line, product = self._order_with_sku("STOCK-6")
        product.update(manage_stock=False, stock_quantity=None)
        record = self.Product.browse(self._feed("product", product).res_id)
        self.assertRecordValues(record, [{"type": "consu", "is_storable": True}])
        self.assertFalse(record.storesync_binding_ids.manage_stock)
        product.update(manage_stock=True, stock_quantity=4, date_modified_gmt="2099-01-01T00:00:00")
        self._feed("product", product)
        self.assertTrue(record.storesync_binding_ids.manage_stock)

    def test_variation_stock_held_by_its_parent(self):
        _payload, _line, parent = self._order_with_sku("")
        parent.update(id=990001, type="variable", manage_stock=True, variations=[990002])
        variation = {
            "id": 990002,
            "parent_id": 990001,
            "type": "variation",
            "name": parent["name"],
            "sku": "VAR-7-M",
            "description": "",
            "regular_price": "12.00",
            "sale_price": "",
            "price": "12.00",
            "manage_stock": "parent",
            "stock_quantity": None,
            "virtual": False,
            "downloadable": False,
            "date_modified_gmt": parent["date_modified_gmt"],
            "attributes": [{"id": 0, "name": "Size", "option": "M"}],
            "meta_data": [],
        }
        self.assertEqual(self._upsert("product", parent).external_id, "990001")
        row = self._feed("product", variation)
        binding = self.Product.browse(row.res_id).storesync_binding_ids
        self.assertRecordValues(
            binding, [{"external_id": "990001", "variation_id": "990002", "manage_stock": True}]
        )

    def test_deleted_store_product_is_one_product_for_all_its_orders(self):
        products = self.Product
        for _ in range(2):
            payload = self._new_payload()
            line = payload["line_items"][0]
            line.update(product_id=0, variation_id=0, sku="", name="Discontinued teapot")
            products |= self._line(self._feed("order", payload).order_id, line["name"]).product_id
        self.assertEqual(len(products), 1)
        self.assertEqual(products.name, "Discontinued teapot")
        self.assertFalse(products.storesync_binding_ids)


@tagged("post_install", "-at_install")
class TestMerchantContacts(MerchantDataCase):
    @staticmethod
    def _buyer(email, phone="+36 30 123 4567", **address):
        billing = {
            "first_name": "Anna",
            "last_name": "Kiss",
            "company": "",
            "address_1": "Fő utca 1.",
            "address_2": "",
            "city": "Budapest",
            "state": "",
            "postcode": "1011",
            "country": "HU",
            "email": email,
            "phone": phone,
            **address,
        }
        shipping = {k: v for k, v in billing.items() if k not in ("email", "phone")}
        return {"customer_id": 0, "billing": billing, "shipping": shipping}

    def _order(self, **buyer):
        return self._feed("order", self._new_payload(**buyer)).order_id

    def _contacts(self, email):
        return self.Partner.with_context(active_test=False).search(
            [("email_normalized", "=", email)]
        )

    def test_guest_ordering_twice_is_one_contact(self):
        first = self._order(**self._buyer("guest.twice@example.com"))
        second = self._order(**self._buyer("guest.twice@example.com", phone=""))
        self.assertEqual(first.partner_id, second.partner_id)
        self.assertEqual(len(self._contacts("guest.twice@example.com")), 1)

    def test_returning_buyer_matched_by_phone_written_differently(self):
        first = self._order(**self._buyer("phone.one@example.com", phone="+36 30 123 4567"))
        second = self._order(**self._buyer("phone.two@example.com", phone="06301234567"))
        self.assertEqual(first.partner_id.storesync_phone_e164, "+36301234567")
        self.assertEqual(first.partner_id, second.partner_id)

    def test_internal_users_contact_is_never_the_buyer(self):
        user = new_test_user(self.env, login="staff.buyer", email="staff.buyer@example.com")
        name = user.partner_id.name
        sale = self._order(**self._buyer("staff.buyer@example.com", phone=""))
        self.assertNotEqual(sale.partner_id, user.partner_id)
        self.assertTrue(sale.partner_id.storesync_created)
        self.assertEqual(user.partner_id.name, name)
        self.assertFalse(user.partner_id.street)

    def test_company_partner_is_never_the_buyer(self):
        company = self.env.company.partner_id
        company.write({"email": "office@merchant.example", "phone": "+36 1 555 0000"})
        sale = self._order(**self._buyer("office@merchant.example", phone="+36 1 555 0000"))
        self.assertNotEqual(sale.partner_id, company)

    def test_merchants_contact_is_matched_but_not_rewritten(self):
        vendor = self.Partner.create(
            {
                "name": "Kiss Anna Kft. (our supplier)",
                "email": "anna.vendor@example.com",
                "street": "Váci út 99.",
                "city": "Budapest",
                "zip": "1133",
                "country_id": self.env.ref("base.hu").id,
                "vat": "HU12345676",
            }
        )
        sale = self._order(**self._buyer("anna.vendor@example.com", phone="+36 30 765 4321"))
        self.assertEqual(sale.partner_id, vendor)
        self.assertRecordValues(
            vendor,
            [
                {
                    "name": "Kiss Anna Kft. (our supplier)",
                    "street": "Váci út 99.",
                    "zip": "1133",
                    "vat": "HU12345676",
                    "phone": "+36 30 765 4321",  # was empty: filled
                    "storesync_created": False,
                }
            ],
        )
        invoice = sale.partner_invoice_id
        self.assertRecordValues(
            invoice,
            [
                {
                    "type": "invoice",
                    "parent_id": vendor.id,
                    "name": "Anna Kiss",
                    "street": "Fő utca 1.",
                }
            ],
        )
        # The parcel goes where the buyer asked (the billing address), not the supplier's.
        self.assertEqual(sale.partner_shipping_id.street, "Fő utca 1.")
        self.assertNotEqual(sale.partner_shipping_id, vendor)
        # The next order at the same address reuses the invoice address.
        again = self._order(**self._buyer("anna.vendor@example.com"))
        self.assertEqual(again.partner_invoice_id, invoice)

    def test_import_created_contact_takes_the_newest_address(self):
        first = self._order(**self._buyer("mover@example.com"))
        second = self._order(**self._buyer("mover@example.com", address_1="Új utca 2."))
        self.assertEqual(first.partner_id, second.partner_id)
        self.assertRecordValues(
            second.partner_id, [{"street": "Új utca 2.", "storesync_created": True}]
        )
        self.assertEqual(second.partner_invoice_id, second.partner_id)

    def test_billing_company_becomes_a_company_with_the_buyer(self):
        buyer = self._buyer("anna.buyer@example.com", company="Kiss Trade Kft.")
        buyer["meta_data"] = [{"id": 1, "key": "_billing_vat", "value": "HU87654321"}]
        sale = self._order(**buyer)
        person = sale.partner_id
        company = person.parent_id
        self.assertRecordValues(
            company,
            [
                {
                    "name": "Kiss Trade Kft.",
                    "is_company": True,
                    "vat": "HU87654321",
                    "city": "Budapest",
                }
            ],
        )
        self.assertRecordValues(person, [{"name": "Anna Kiss", "is_company": False}])
        self.assertEqual(sale.partner_invoice_id, company)
        again = self._order(**buyer)
        self.assertEqual(again.partner_id, person)
        self.assertEqual(again.partner_id.parent_id, company)
        self.assertEqual(self.Partner.search_count([("name", "=", "Kiss Trade Kft.")]), 1)
