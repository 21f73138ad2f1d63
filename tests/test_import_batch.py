"""Batch-shaped import: what a batch of rows shares (lookups, new variants, one create)."""

from collections import Counter
from contextlib import ExitStack
from decimal import Decimal
from unittest.mock import patch

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

    def test_new_variations_sold_together_make_the_variants_in_one_write(self):
        template = self.env["product.template"].create({"name": "Batch tee"})
        Template = type(template)
        writes = []
        original = Template.write

        def counting(records, vals):
            if "attribute_line_ids" in vals:
                writes.append(vals)
            return original(records, vals)

        red = _variation_line(1, (("Batch colour", "Red"), ("Batch size", "M")))
        blue = _variation_line(2, (("Batch colour", "Blue"), ("Batch size", "L")))
        with patch.object(Template, "write", counting):
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
