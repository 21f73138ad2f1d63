"""Fulfilment (issue 14): the Fulfillable Orders list, the packing summary, the purchase needs.

Orders are made through the ORM as the connector leaves them (sales orders of a store,
confirmed, with their deliveries); stock is put in with quants, receipts and reordering rules
as a warehouse user would. Every assertion filters on this class's own records: the database
may hold other orders, products and stock.
"""

from datetime import datetime

from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFulfilment(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.other_warehouse = env["stock.warehouse"].create(
            {"name": "Fulfilment second warehouse", "code": "FUL2"}
        )
        cls.store = env["storesync.store"].create(
            {
                "name": "Fulfilment shop",
                "platform": "woocommerce",
                "base_url": "https://shop.example.com",
                "consumer_key": "ck_fulfilment",
                "consumer_secret": "cs_fulfilment",
                "warehouse_id": cls.warehouse.id,
            }
        )
        cls.customer = env["res.partner"].create({"name": "Fulfilment customer"})
        product = env["product.product"]
        cls.storable_a = product.create(
            {"name": "Ful storable A", "default_code": "FUL-A", "is_storable": True}
        )
        cls.storable_b = product.create(
            {"name": "Ful storable B", "default_code": "FUL-B", "is_storable": True}
        )
        cls.consumable = product.create(
            {"name": "Ful consumable", "default_code": "FUL-C", "type": "consu"}
        )
        cls.service = product.create({"name": "Ful shipping", "type": "service"})
        cls.products = cls.storable_a | cls.storable_b | cls.consumable | cls.service
        cls.products.invoice_policy = "order"
        cls.seller = new_test_user(
            env, "fulfilment_seller", groups="sales_team.group_sale_salesman_all_leads"
        )

    # ------------------------------------------------------------------ helpers

    def _stock(self, product, quantity, warehouse=None):
        warehouse = warehouse or self.warehouse
        self.env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, quantity
        )

    def _order(self, day, lines, warehouse=None, store=True):
        """A confirmed order dated 2026-01-``day`` (older orders come first)."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "storesync_store_id": self.store.id if store else False,
                "warehouse_id": (warehouse or self.warehouse).id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty, **extra})
                    for product, qty, *rest in lines
                    for extra in [rest[0] if rest else {}]
                ],
            }
        )
        order.action_confirm()
        # Confirming stamps today's date; the store's order date is what ranks orders.
        order.sudo().date_order = datetime(2026, 1, day, 10, 0)
        return order

    def _rows(self, orders=None):
        # A new request would start with an empty cache: the rows are computed again.
        self.env["storesync.fulfillable.order"].invalidate_model()
        rows = self.env["storesync.fulfillable.order"].search([("store_id", "=", self.store.id)])
        return rows.filtered(lambda r: r.order_id in orders) if orders is not None else rows

    def _deliver(self, order, quantities=None):
        """Deliver ``quantities`` (product -> qty; everything by default) of ``order``."""
        picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        for move in picking.move_ids:
            if quantities is not None and move.product_id not in quantities:
                continue
            move.quantity = (quantities or {}).get(move.product_id, move.product_uom_qty)
            move.picked = True
        # What is not delivered stays to deliver, in a backorder.
        picking.with_context(skip_backorder=True).button_validate()

    # ------------------------------------------------------------------ fulfillable

    def test_oldest_order_gets_the_stock(self):
        """5 in stock: the older order (4) is fulfillable, the newer (3) is not, whichever
        was confirmed first and holds the reservation."""
        self._stock(self.storable_a, 5)
        newer = self._order(12, [(self.storable_a, 3)])
        older = self._order(10, [(self.storable_a, 4)])
        # The newer order reserved 3 when confirmed first: still the older one is served.
        self.assertEqual(sum(newer.picking_ids.move_ids.mapped("quantity")), 3)
        rows = self._rows(older | newer)
        self.assertEqual(rows.order_id, older | newer, "oldest first")
        self.assertRecordValues(
            rows,
            [
                {"order_id": older.id, "fulfillable": True, "stocked_line_count": 1,
                 "short_line_count": 0, "warehouse_id": self.warehouse.id},
                {"order_id": newer.id, "fulfillable": False, "stocked_line_count": 1,
                 "short_line_count": 1, "warehouse_id": self.warehouse.id},
            ],
        )  # fmt: skip
        self.assertEqual(rows[0].amount_total, older.amount_total)
        self.assertEqual(rows[0].store_id, self.store)
        # With 2 more, both are.
        self._stock(self.storable_a, 2)
        self.assertEqual(self._rows(older | newer).mapped("fulfillable"), [True, True])
        # The search view's filters.
        Fulfillable = self.env["storesync.fulfillable.order"]
        self._stock(self.storable_a, -1)
        self.assertEqual(
            Fulfillable.search([("store_id", "=", self.store.id), ("fulfillable", "=", True)]),
            rows[0],
        )
        self.assertEqual(
            Fulfillable.search([("store_id", "=", self.store.id), ("fulfillable", "=", False)]),
            rows[1],
        )
        groups = Fulfillable.formatted_read_group(
            [("store_id", "=", self.store.id)], ["store_id", "fulfillable"], ["__count"]
        )
        self.assertEqual(
            sorted((g["fulfillable"], g["__count"]) for g in groups), [(False, 1), (True, 1)]
        )

    def test_one_short_line_blocks_the_order(self):
        self._stock(self.storable_a, 10)
        self._stock(self.storable_b, 1)
        order = self._order(10, [(self.storable_a, 2), (self.storable_b, 2)])
        self.assertRecordValues(
            self._rows(order),
            [{"fulfillable": False, "stocked_line_count": 2, "short_line_count": 1}],
        )

    def test_two_lines_of_one_product_are_allotted_together(self):
        self._stock(self.storable_a, 3)
        order = self._order(10, [(self.storable_a, 2), (self.storable_a, 2)])
        self.assertRecordValues(
            self._rows(order),
            [{"fulfillable": False, "stocked_line_count": 2, "short_line_count": 2}],
        )

    def test_stock_reserved_by_others_is_taken(self):
        """An order that is not from a store holds 3 of the 5: 2 are left for store orders."""
        self._stock(self.storable_a, 5)
        self._order(1, [(self.storable_a, 3)], store=False)
        order = self._order(10, [(self.storable_a, 3)])
        self.assertRecordValues(self._rows(order), [{"fulfillable": False}])
        small = self._order(9, [(self.storable_a, 2)])
        self.assertEqual(self._rows(small | order).mapped("fulfillable"), [True, False])

    def test_quantity_in_the_product_unit(self):
        """A line of 1 dozen needs 12 units."""
        dozen = self.env.ref("uom.product_uom_dozen")
        self._stock(self.storable_a, 11)
        order = self._order(10, [(self.storable_a, 1, {"product_uom_id": dozen.id})])
        self.assertRecordValues(self._rows(order), [{"fulfillable": False}])
        self._stock(self.storable_a, 1)
        self.assertRecordValues(self._rows(order), [{"fulfillable": True}])

    def test_not_stored_products_never_block(self):
        order = self._order(10, [(self.consumable, 5), (self.service, 1), (self.storable_b, 1)])
        self._stock(self.storable_b, 1)
        self.assertRecordValues(
            self._rows(order),
            [{"fulfillable": True, "stocked_line_count": 1, "short_line_count": 0}],
        )
        only_consumable = self._order(11, [(self.consumable, 2)])
        self.assertRecordValues(
            self._rows(only_consumable),
            [{"fulfillable": True, "stocked_line_count": 0, "short_line_count": 0}],
        )
        # Nothing but a service left: nothing to deliver, not listed.
        self.assertFalse(self._rows(self._order(12, [(self.service, 1)])))

    def test_other_warehouse_stock_is_not_counted(self):
        self._stock(self.storable_a, 10, self.other_warehouse)
        here = self._order(10, [(self.storable_a, 1)])
        there = self._order(11, [(self.storable_a, 1)], warehouse=self.other_warehouse)
        self.assertRecordValues(
            self._rows(here | there),
            [
                {"order_id": here.id, "fulfillable": False},
                {"order_id": there.id, "fulfillable": True},
            ],
        )

    def test_invoiced_delivered_and_other_orders_are_not_listed(self):
        self._stock(self.storable_a, 10)
        invoiced = self._order(10, [(self.storable_a, 1)])
        delivered = self._order(11, [(self.storable_a, 2)])
        partial = self._order(12, [(self.storable_a, 3)])
        not_from_a_store = self._order(13, [(self.storable_a, 1)], store=False)
        invoice = invoiced._create_invoices()
        self._deliver(delivered)
        self._deliver(partial, {self.storable_a: 1})
        rows = self._rows()
        self.assertNotIn(invoiced, rows.order_id)
        self.assertNotIn(delivered, rows.order_id)
        self.assertNotIn(not_from_a_store, rows.order_id)
        self.assertIn(partial, rows.order_id)
        # A cancelled invoice does not count.
        invoice.button_cancel()
        self.assertIn(invoiced, self._rows().order_id)

    def test_partly_delivered_order_needs_the_rest(self):
        self._stock(self.storable_a, 3)
        partial = self._order(10, [(self.storable_a, 3)])
        self._deliver(partial, {self.storable_a: 1})
        # 2 left on hand, 2 left to deliver.
        newer = self._order(11, [(self.storable_a, 1)])
        self.assertEqual(self._rows(partial | newer).mapped("fulfillable"), [True, False])

    def test_sales_user_reads_the_list_and_opens_the_order(self):
        self._stock(self.storable_a, 1)
        order = self._order(10, [(self.storable_a, 1)])
        rows = self._rows(order).with_user(self.seller)
        self.assertEqual(rows.read(["fulfillable"])[0]["fulfillable"], True)
        action = rows.action_open_order()
        self.assertEqual((action["res_model"], action["res_id"]), ("sale.order", order.id))
        # The menu's action opens for that user.
        menu = self.env.ref("storesync_connector.menu_storesync_fulfillable_order")
        self.assertIn(self.env.ref("sales_team.group_sale_salesman"), menu.group_ids)
