"""Batch-shaped import: what a batch of rows shares (lookups, new variants, one create)."""

from collections import Counter
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from types import SimpleNamespace
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.storesync_connector.adapters.records import OrderLine
from odoo.addons.storesync_connector.models.storesync_inbox import BATCH, _Batch

from storesync_common import StoresyncCase


def _variation_line(variation_id, options):
    return OrderLine(
        kind="product",
        external_id=f"line-{variation_id}",
        name="Batch tee",
        quantity=Decimal(1),
        subtotal=Decimal(10),
        total=Decimal(10),
        product_external_id="9001",
        variation_external_id=str(variation_id),
        attributes=options,
        parent_name="Batch tee",
    )


@tagged("post_install", "-at_install")
class TestImportBatch(StoresyncCase):
    emulator_orders = 0
    emulator_products = 10

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()

    @contextmanager
    def _attribute_line_writes(self, template):
        """The writes of templates' attribute lines made while the block runs."""
        Template = type(template)
        writes = []
        original = Template.write

        def counting(records, vals):
            if "attribute_line_ids" in vals:
                writes.append(vals)
            return original(records, vals)

        with patch.object(Template, "write", counting):
            yield writes

    def test_a_new_variation_keeps_the_jobs_making_its_attributes_apart(self):
        """Two processing jobs making the same attribute would make it twice: a variation
        line not bound yet takes a key per attribute of its options (one bound takes none)."""
        line = _variation_line(1, (("Batch colour", "Red"), ("Batch size", "M")))
        customer = SimpleNamespace(external_id="", email="tee@example.com", phone_e164="")
        order = SimpleNamespace(customer=customer, lines=[line])
        Sale = self.env["sale.order"]
        keys = Sale._storesync_import_lock_keys(self.store, order)
        self.assertIn("attribute:Batch colour", keys)
        self.assertIn("attribute:Batch size", keys)
        self.assertIn(f"product:{self.store.id}:9001", keys)
        bound = Sale._storesync_import_lock_keys(self.store, order, {("9001", "1")})
        self.assertEqual(bound, [f"partner:{self.store.company_id.id}:email:tee@example.com"])

    def test_options_odoo_has_keep_no_jobs_apart(self):
        """A new variation only reads the attribute values Odoo has already: only an option
        still to be made (a new attribute, or a new value of one) takes its attribute's key."""
        line = _variation_line(1, (("Batch colour", "Red"), ("Batch size", "M")))
        customer = SimpleNamespace(external_id="", email="tee@example.com", phone_e164="")
        order = SimpleNamespace(customer=customer, lines=[line])
        Sale, Template = self.env["sale.order"], self.env["product.template"]
        self.assertEqual(Sale._storesync_known_options([order]), set())
        Template._storesync_attribute_value("Batch colour", "Red")
        Template._storesync_attribute_value("Batch size", "S")

        options = Sale._storesync_known_options([order])

        self.assertEqual(options, {("Batch colour", "Red")})
        keys = Sale._storesync_import_lock_keys(self.store, order, options=options)
        self.assertNotIn("attribute:Batch colour", keys)
        self.assertIn("attribute:Batch size", keys)  # "M" is still to be made
        self.assertIn(f"product:{self.store.id}:9001", keys)
        # A bound line's options are not even looked up.
        self.assertEqual(Sale._storesync_known_options([order], {("9001", "1")}), set())

    def test_new_variations_sold_together_make_the_variants_in_one_write(self):
        template = self.env["product.template"].create({"name": "Batch tee"})
        red = _variation_line(1, (("Batch colour", "Red"), ("Batch size", "M")))
        blue = _variation_line(2, (("Batch colour", "Blue"), ("Batch size", "L")))
        with self._attribute_line_writes(template) as writes:
            variant = template._storesync_variant_of(red, (*red.attributes, *blue.attributes))
            # The batch's second line finds its variant made already: no write at all.
            other = template._storesync_variant_of(blue, (*red.attributes, *blue.attributes))
        self.assertEqual(len(writes), 1)
        self.assertEqual(len(template.product_variant_ids), 4)  # colour x size
        self.assertEqual(
            sorted(variant.product_template_attribute_value_ids.mapped("name")), ["M", "Red"]
        )
        self.assertEqual(
            sorted(other.product_template_attribute_value_ids.mapped("name")), ["Blue", "L"]
        )

    def test_templates_of_a_batch_grow_together(self):
        Template = self.env["product.template"]
        red = Template._storesync_attribute_value("Batch colour", "Red")
        shirt, scarf = Template.create(
            [
                {
                    "name": name,
                    "attribute_line_ids": [
                        Command.create(
                            {
                                "attribute_id": red.attribute_id.id,
                                "value_ids": [Command.set(red.ids)],
                            }
                        )
                    ],
                }
                for name in ("Batch shirt", "Batch scarf")
            ]
        )
        calls = []
        original = type(Template)._create_variant_ids

        def counting(templates):
            calls.append(templates)
            return original(templates)

        with patch.object(type(Template), "_create_variant_ids", counting):
            Template._storesync_add_options(
                {
                    shirt: [("Batch colour", "Blue")],
                    scarf: [("Batch colour", "Green"), ("Batch colour", "Red")],
                }
            )
        self.assertEqual(len(calls), 1, "the variants of both templates made at once")
        self.assertEqual(calls[0], shirt | scarf)
        self.assertEqual(
            sorted(shirt.product_variant_ids.product_template_attribute_value_ids.mapped("name")),
            ["Blue", "Red"],
        )
        self.assertEqual(
            sorted(scarf.product_variant_ids.product_template_attribute_value_ids.mapped("name")),
            ["Green", "Red"],
        )

    def test_the_variations_of_one_template_are_found_together(self):
        template = self.env["product.template"].create({"name": "Batch tee"})
        red = _variation_line(1, (("Batch colour", "Red"), ("Batch size", "M")))
        blue = _variation_line(2, (("Batch colour", "Blue"), ("Batch size", "L")))
        again = _variation_line(3, (("Batch colour", "Red"), ("Batch size", "M")))
        with self._attribute_line_writes(template) as writes:
            variants = template._storesync_variants_of([red, blue, again])
        self.assertEqual(len(writes), 1, "the missing values added in one write")
        self.assertEqual(len(template.product_variant_ids), 4)  # colour x size
        self.assertEqual(
            [sorted(v.product_template_attribute_value_ids.mapped("name")) for v in variants],
            [["M", "Red"], ["Blue", "L"], ["M", "Red"]],
        )
        self.assertEqual(variants[0], variants[2])

    def test_a_variation_alone_still_grows_its_template(self):
        template = self.env["product.template"].create({"name": "Batch tee"})
        red = _variation_line(1, (("Batch colour", "Red"),))
        blue = _variation_line(2, (("Batch colour", "Blue"),))
        first = template._storesync_variant_of(red)
        second = template._storesync_variant_of(blue)
        self.assertEqual(len(template.product_variant_ids), 2)
        self.assertNotEqual(first, second)
        self.assertTrue(first.active)
        self.assertEqual(second.product_template_attribute_value_ids.name, "Blue")

    def test_a_batch_prepares_its_orders_buyers_and_makes_its_products_together(self):
        self._setup_import_mappings()
        self.emulator.store.create_orders(12, status="processing")
        self.store._fetch_orders()
        rows = self.env["storesync.inbox"].search(
            [("store_id", "=", self.store.id), ("kind", "=", "order")]
        )
        # One order imported already: the batch finds it, and the products it bound.
        rows[:1]._process()
        known = rows[:1].order_id
        self.assertTrue(known)
        bound_before = self.env["storesync.product.binding"].search(
            [("store_id", "=", self.store.id)]
        )
        batch = _Batch()
        creates = Counter()
        originals = {}

        def counting(model):
            def create(records, vals_list):
                creates[model] += 1
                return originals[model](records, vals_list)

            return create

        classes = {
            model: type(self.env[model])
            for model in ("product.template", "product.product", "storesync.product.binding")
        }
        for model, cls in classes.items():
            originals[model] = cls.create
        with ExitStack() as stack:
            for model, cls in classes.items():
                stack.enter_context(patch.object(cls, "create", counting(model)))
            self.env["sale.order"].with_context(**{BATCH: batch})._storesync_prepare_batch(rows)
        prepared = batch.prepared
        self.assertEqual(set(prepared["orders"]), set(rows.ids))
        existing = prepared["existing"]
        self.assertEqual(existing[self.store.id, known.storesync_external_id], known)
        self.assertEqual(len(existing), len(rows))
        self.assertEqual(sum(1 for sale in existing.values() if sale), 1)
        # Every product line of the batch's new orders has its product now, bound.
        lines = [
            line
            for row_id, order in prepared["orders"].items()
            if row_id != rows[:1].id
            for line in order.product_lines
        ]
        bindings = self.env["storesync.product.binding"].search([("store_id", "=", self.store.id)])
        self.assertGreater(len(bindings), len(bound_before), "the batch must sell new products")
        bound = {(self.store.id, b.external_id, b.variation_id): b.product_id for b in bindings}
        for line in lines:
            key = (self.store.id, line.product_external_id, line.variation_external_id or "0")
            self.assertEqual(prepared["product_bindings"][key], bound[key])
        # ... made together: one create of new products, one of new variation templates
        # with their variants (each makes the other model's records in one more create).
        self.assertLessEqual(creates["product.product"], 2)
        self.assertLessEqual(creates["product.template"], 2)
        self.assertEqual(creates["storesync.product.binding"], 1)
        new_variations = [
            line
            for line in lines
            if line.variation_external_id
            and line.attributes
            and (self.store.id, line.product_external_id, line.variation_external_id)
            not in {(self.store.id, b.external_id, b.variation_id) for b in bound_before}
        ]
        self.assertTrue(new_variations, "the emulator must sell new variations")
        for line in new_variations:
            variant = bound[self.store.id, line.product_external_id, line.variation_external_id]
            self.assertEqual(
                set(variant.product_template_attribute_value_ids.mapped("name")),
                {value for _name, value in line.attributes},
            )
        # The rows then use what was made: nothing more is created for their lines.
        count = len(bindings)
        rows[1:]._process()
        self.assertEqual(
            self.env["storesync.product.binding"].search_count([("store_id", "=", self.store.id)]),
            count,
        )
        self.assertEqual(set(rows.mapped("state")), {"done"})

    def test_what_a_failed_row_created_is_not_reused_by_the_next(self):
        batch = _Batch()
        Template = self.env["product.template"].with_context(**{BATCH: batch})
        savepoint = self.env.cr.savepoint()
        created = Template._storesync_attribute_value("Batch fabric", "Linen")
        self.assertEqual(Template._storesync_attribute_value("Batch fabric", "Linen"), created)
        savepoint.rollback()  # the row that created it failed: its savepoint undid it
        savepoint.close(rollback=False)
        failing = self.env["storesync.inbox"].create(
            {"store_id": self.store.id, "kind": "customer", "external_id": "c-1", "payload": {}}
        )
        failing.with_context(**{BATCH: batch})._process_one()
        self.assertEqual(failing.state, "error")
        again = Template._storesync_attribute_value("Batch fabric", "Linen")
        self.assertTrue(again.exists())
        self.assertEqual((again.attribute_id.name, again.name), ("Batch fabric", "Linen"))

    def test_a_batch_creates_its_new_buyers_together_and_finds_the_merchants(self):
        self._setup_import_mappings()
        merchant = self.env["res.partner"].create(
            {"name": "Merchant's Customer", "email": "known.buyer@example.com"}
        )
        ids = self.emulator.store.create_orders(4, status="processing", country="HU")
        for order_id, email in zip(
            ids[:3],
            ("new.buyer@example.com", "new.buyer@example.com", "known.buyer@example.com"),
            strict=True,
        ):
            self.emulator.store.modify_order(order_id, billing={"email": email})
        parcel = {
            "first_name": "Anna",
            "last_name": "Batch",
            "address_1": "Fő utca 1",
            "city": "Budapest",
            "postcode": "1011",
            "country": "HU",
        }
        for order_id in ids[:2]:  # the new guest's two orders go to one other place
            self.emulator.store.modify_order(order_id, shipping=parcel)
        self.store._fetch_orders()
        rows = self.env["storesync.inbox"].search(
            [("store_id", "=", self.store.id), ("kind", "=", "order")]
        )
        self.assertEqual(len(rows), 4)
        Partner = type(self.env["res.partner"])
        create, buyer_creates = Partner.create, []

        def counting(model, vals_list):
            vals_list = vals_list if isinstance(vals_list, list) else [vals_list]
            if any(vals.get("storesync_created") for vals in vals_list):
                buyer_creates.append(len(vals_list))
            return create(model, vals_list)

        with patch.object(Partner, "create", counting):
            rows._process()
        self.assertEqual(set(rows.mapped("state")), {"done"})
        self.assertEqual(len(buyer_creates), 1, "the batch's new buyers are made in one create")
        by_order = {row.external_id: row.order_id.partner_id for row in rows}
        new = by_order[str(ids[0])]
        self.assertEqual(by_order[str(ids[1])], new, "the same guest twice is one contact")
        self.assertTrue(new.storesync_created)
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=", "new.buyer@example.com")]), 1
        )
        self.assertEqual(by_order[str(ids[2])], merchant)
        self.assertEqual(merchant.name, "Merchant's Customer", "the merchant's contact is kept")
        self.assertFalse(merchant.storesync_created)
        self.assertNotIn(by_order[str(ids[3])], (new, merchant))
        # Delivery addresses: one per place, each the delivery address of its orders.
        for row in rows:
            sale = row.order_id
            self.assertIn(sale.partner_shipping_id, sale.partner_id | sale.partner_id.child_ids)
        deliveries = new.child_ids.filtered(lambda child: child.type == "delivery")
        shipped_to = rows.order_id.filtered(lambda sale: sale.partner_id == new).partner_shipping_id
        self.assertEqual(deliveries, shipped_to - new)
        self.assertRecordValues(deliveries, [{"street": "Fő utca 1", "zip": "1011"}])

    def test_a_batch_of_store_products_creates_the_new_ones_together(self):
        merchant = self.env["product.product"].create(
            {"name": "Merchant's mug", "default_code": "BATCH-MUG", "description_sale": False}
        )
        emulated = self.emulator.store
        payloads = [
            emulated.product_json(emulated.create_product(body))
            for body in (
                {"name": "Batch lamp", "sku": "BATCH-LAMP", "regular_price": "20.00"},
                {"name": "Batch rug", "sku": "BATCH-RUG", "regular_price": "35.50"},
                {"name": "Store mug", "sku": "BATCH-MUG", "regular_price": "9.90"},
            )
        ]
        adapter = self.store._get_adapter_class()
        Inbox = self.env["storesync.inbox"]
        Inbox._upsert(
            self.store,
            "product",
            [dict(adapter.describe_product(payload), payload=payload) for payload in payloads],
        )
        rows = Inbox.search(
            [
                ("store_id", "=", self.store.id),
                ("kind", "=", "product"),
                ("external_id", "in", [str(payload["id"]) for payload in payloads]),
            ]
        )
        self.assertEqual(len(rows), 3)
        Product = type(self.env["product.product"])
        create, product_creates = Product.create, []

        def counting(model, vals_list):
            vals_list = vals_list if isinstance(vals_list, list) else [vals_list]
            product_creates.append(len(vals_list))
            return create(model, vals_list)

        find_or_create, looked_up = Product._storesync_find_or_create, []

        def looking_up(model, store, **kwargs):
            looked_up.append(kwargs["sku"])
            return find_or_create(model, store, **kwargs)

        with (
            patch.object(Product, "create", counting),
            patch.object(Product, "_storesync_find_or_create", looking_up),
        ):
            rows._process()
        self.assertEqual(set(rows.mapped("state")), {"done"}, rows.mapped("last_error"))
        self.assertEqual(product_creates, [2], "the two new products in one create")
        # The rows of the products the batch made are done; only the matched one is looked at.
        self.assertEqual(looked_up, ["BATCH-MUG"])
        products = {row.external_id: self.env["product.product"].browse(row.res_id) for row in rows}
        lamp, rug, mug = (products[str(payload["id"])] for payload in payloads)
        self.assertEqual(mug, merchant, "matched by SKU, not duplicated")
        self.assertEqual(merchant.name, "Merchant's mug", "the merchant's product is kept")
        self.assertRecordValues(
            lamp | rug,
            [
                {"name": "Batch lamp", "default_code": "BATCH-LAMP", "list_price": 20.0},
                {"name": "Batch rug", "default_code": "BATCH-RUG", "list_price": 35.5},
            ],
        )
        self.assertTrue(lamp.storesync_created)
        bindings = self.env["storesync.product.binding"].search(
            [("store_id", "=", self.store.id), ("product_id", "in", (lamp | rug | mug).ids)]
        )
        self.assertEqual(len(bindings), 3)

    def test_a_new_variation_template_takes_the_options_the_pending_orders_sell(self):
        """A history import sells a store product's options over many batches: the template
        made by the first batch takes those the pending orders sell too (not those of orders
        that are not imported), so later batches find their variants made."""
        self._setup_import_mappings()
        emulated = self.emulator.store
        product = next(
            p
            for p in emulated.products.values()
            if len(p["variations"]) >= 3 and p["status"] == "publish"
        )

        def options(variation):
            return {(a["name"], a["option"]) for a in variation["attributes"]}

        first, second, *others = (emulated.variations[v] for v in product["variations"])
        sold = options(first) | options(second)
        failed = next((v for v in others if options(v) - sold), None)
        self.assertIsNotNone(failed, "the emulator's product must have a third option")
        # Two batches of two orders: the first sells one option twice, the second the other
        # and one of an order that is not imported.
        for variation, status in (
            (first, "processing"),
            (first, "processing"),
            (second, "processing"),
            (failed, "failed"),
        ):
            emulated.create_orders(
                1, status=status, lines=[{"product_id": variation["id"], "price": "10.00"}]
            )
        self.store._fetch_orders()
        rows = self.env["storesync.inbox"].search([("store_id", "=", self.store.id)])
        rows.filtered(lambda row: row.kind != "order")._process()
        Inbox = type(self.env["storesync.inbox"])
        Line = type(self.env["product.template.attribute.line"])
        claim, update = Inbox._claim, Line._update_product_template_attribute_values
        regenerated = []

        def two_rows_a_batch(rows, limit=2, store=None):
            return claim(rows, 2, store)

        def counting(lines):
            regenerated.append(lines.product_tmpl_id)
            return update(lines)

        with (
            patch.object(Inbox, "_claim", two_rows_a_batch),
            patch.object(Line, "_update_product_template_attribute_values", counting),
        ):
            self.env["storesync.inbox"]._cron_process()
        rows = self.env["storesync.inbox"].search(
            [("store_id", "=", self.store.id), ("kind", "=", "order")]
        )
        self.assertEqual(
            sorted(rows.mapped("state")),
            ["done", "done", "done", "skipped"],
            rows.mapped("last_error"),
        )
        sales = rows.order_id
        self.assertEqual(len(sales), 3)
        template = sales.order_line.product_id.product_tmpl_id
        self.assertEqual(len(template), 1, "the two variations are variants of one template")
        self.assertEqual(
            regenerated, [template], "made once; the second batch finds its variant made"
        )
        values = template.attribute_line_ids.value_ids
        self.assertEqual({(v.attribute_id.name, v.name) for v in values}, sold)
        for variation, sale in zip((first, first, second), sales.sorted("id"), strict=True):
            variant = sale.order_line.product_id & template.product_variant_ids
            self.assertEqual(
                {
                    (v.attribute_id.name, v.name)
                    for v in variant.product_template_attribute_value_ids
                },
                options(variation),
            )
