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

    def test_two_step_delivery_reservations_stay_the_orders_own(self):
        """Pick then ship: the pick of an order reserves its stock (through the order's stock
        reference, not a sale line) and, once done, leaves the goods in Output, still the
        order's; stock another transfer reserves is taken."""
        warehouse = self.other_warehouse
        warehouse.delivery_steps = "pick_ship"
        self._stock(self.storable_a, 5, warehouse)
        newer = self._order(12, [(self.storable_a, 3)], warehouse)
        older = self._order(10, [(self.storable_a, 2)], warehouse)
        picks = (older | newer).picking_ids.filtered(
            lambda p: p.picking_type_id == warehouse.pick_type_id
        )
        self.assertEqual(len(picks), 2)
        self.assertEqual(sum(picks.move_ids.mapped("quantity")), 5, "both picks reserved")
        self.assertEqual(self._rows(older | newer).mapped("fulfillable"), [True, True])
        # The older order's pick is done: its goods wait in Output for the ship step.
        pick = picks.filtered(lambda p: p.sale_id == older)
        pick.move_ids.picked = True
        pick.button_validate()
        self.assertEqual(pick.state, "done")
        self.assertEqual(self._rows(older | newer).mapped("fulfillable"), [True, True])
        # A transfer of the warehouse's own takes 1 of the newer order's stock.
        newer.picking_ids.filtered(
            lambda p: p.picking_type_id == warehouse.pick_type_id
        ).do_unreserve()
        transfer = self.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.int_type_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.storable_a.id,
                            "product_uom_qty": 1,
                            "location_id": warehouse.lot_stock_id.id,
                            "location_dest_id": warehouse.lot_stock_id.id,
                        }
                    )
                ],
            }
        )
        transfer.action_confirm()
        transfer.action_assign()
        self.assertEqual(transfer.move_ids.quantity, 1)
        self.assertEqual(self._rows(older | newer).mapped("fulfillable"), [True, False])

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
        # A draft invoice (as stores that make them on import have) leaves it open.
        self.assertIn(invoiced, self._rows().order_id)
        invoice.action_post()
        self._deliver(delivered)
        self._deliver(partial, {self.storable_a: 1})
        rows = self._rows()
        self.assertNotIn(invoiced, rows.order_id)
        self.assertNotIn(delivered, rows.order_id)
        self.assertNotIn(not_from_a_store, rows.order_id)
        self.assertIn(partial, rows.order_id)
        # A cancelled invoice does not count.
        invoice.button_draft()
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

    def test_salesperson_with_own_documents_sees_own_orders(self):
        """The list follows the sales orders' record rules (own documents, companies)."""
        own = self._order(10, [(self.storable_a, 1)])
        other = self._order(11, [(self.storable_a, 1)])
        user = new_test_user(self.env, "fulfilment_own", groups="sales_team.group_sale_salesman")
        own.user_id = user
        rows = (
            self.env["storesync.fulfillable.order"]
            .with_user(user)
            .search([("store_id", "=", self.store.id)])
        )
        self.assertEqual(rows.order_id, own)
        self.assertNotIn(other, rows.order_id)
        other_company = self.env["res.company"].create({"name": "Ful company two"})
        self.seller.company_ids |= other_company
        seen = (
            self.env["storesync.fulfillable.order"]
            .with_user(self.seller)
            .with_context(allowed_company_ids=other_company.ids)
            .search([("store_id", "=", self.store.id)])
        )
        self.assertFalse(seen, "another company's orders are not listed")

    # ------------------------------------------------------------------ packing

    def test_packing_summary(self):
        self._stock(self.storable_a, 10)
        first = self._order(10, [(self.storable_a, 4), (self.consumable, 2), (self.service, 1)])
        second = self._order(11, [(self.storable_a, 3), (self.storable_b, 1)])
        self._deliver(second, {self.storable_a: 1})
        # As the salesperson who uses it (the administrator is first asked for a layout).
        rows = self._rows(first | second).with_user(self.seller)
        action = rows.action_storesync_packing_summary()
        summary = (
            self.env["storesync.packing.summary"].with_user(self.seller).browse(action["res_id"])
        )
        self.assertEqual(summary.order_ids, first | second)
        self.assertRecordValues(
            summary.line_ids,
            [
                {"product_id": self.storable_a.id, "default_code": "FUL-A", "quantity": 6.0,
                 "order_names": f"{first.name}, {second.name}"},
                {"product_id": self.storable_b.id, "default_code": "FUL-B", "quantity": 1.0,
                 "order_names": second.name},
                {"product_id": self.consumable.id, "default_code": "FUL-C", "quantity": 2.0,
                 "order_names": first.name},
            ],
        )  # fmt: skip
        # The same from the sales orders list, through its Actions menu.
        server_action = self.env.ref(
            "storesync_connector.action_storesync_packing_summary_sale_order"
        ).with_user(self.seller)
        again = server_action.with_context(
            active_model="sale.order", active_ids=(first | second).ids
        ).run()
        lines = self.env["storesync.packing.summary"].browse(again["res_id"]).line_ids
        self.assertEqual(lines.mapped("quantity"), [6.0, 1.0, 2.0])

        report = summary.action_print()
        self.assertEqual(
            report["report_name"], "storesync_connector.report_storesync_packing_summary"
        )
        # In test mode the PDF report renders as HTML.
        content, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
            "storesync_connector.action_report_storesync_packing_summary", summary.ids
        )
        html = content.decode()
        for text in (
            "Packing Summary",
            "FUL-A",
            "Ful storable A",
            "FUL-C",
            first.name,
            second.name,
        ):
            self.assertIn(text, html)
        self.assertNotIn("Ful shipping", html)

    # ------------------------------------------------------------------ purchase

    def test_purchase_needs(self):
        env = self.env
        self._stock(self.storable_a, 5)
        # Not selected and not a store order: its reservation (1) is somebody else's.
        self._order(1, [(self.storable_a, 1)], store=False)
        first = self._order(10, [(self.storable_a, 4), (self.consumable, 3)])
        second = self._order(11, [(self.storable_a, 3), (self.storable_b, 2)])
        # 2 of A on their way from a vendor; a draft receipt is not counted yet.
        vendor = env["res.partner"].create({"name": "Ful vendor"})
        other_vendor = env["res.partner"].create({"name": "Ful second vendor"})
        for qty, confirm in ((2, True), (50, False)):
            receipt = env["stock.picking"].create(
                {
                    "picking_type_id": self.warehouse.in_type_id.id,
                    "partner_id": vendor.id,
                    "location_id": env.ref("stock.stock_location_suppliers").id,
                    "location_dest_id": self.warehouse.lot_stock_id.id,
                    "move_ids": [
                        Command.create(
                            {"product_id": self.storable_a.id, "product_uom_qty": qty,
                             "location_id": env.ref("stock.stock_location_suppliers").id,
                             "location_dest_id": self.warehouse.lot_stock_id.id}
                        )
                    ],
                }
            )  # fmt: skip
            if confirm:
                receipt.action_confirm()
        env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.storable_a.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "product_min_qty": 2,
                "product_max_qty": 10,
            }
        )
        other_company = env["res.company"].create({"name": "Ful other company"})
        template = self.storable_a.product_tmpl_id.id
        env["product.supplierinfo"].create(
            [
                {"partner_id": other_vendor.id, "product_tmpl_id": template,
                 "sequence": 10, "product_code": "SECOND-A"},
                {"partner_id": vendor.id, "product_tmpl_id": template,
                 "sequence": 5, "product_code": "VEND-A"},
                {"partner_id": other_vendor.id, "product_tmpl_id": template,
                 "sequence": 1, "product_code": "ELSEWHERE", "company_id": other_company.id},
            ]
        )  # fmt: skip

        action = self._rows(first | second).with_user(self.seller).action_storesync_purchase_needs()
        needs = env["storesync.purchase.need"].with_user(self.seller).search(action["domain"])
        # A: needed 7, on hand 5, reserved 1 (by the other order), free 4, incoming 2,
        # minimum 2: to buy 7 + 2 - 4 - 2 = 3. B: needed 2, nothing anywhere: 2.
        # The consumable has no stock to compare: not listed.
        self.assertRecordValues(
            needs.sorted("default_code"),
            [
                {"product_id": self.storable_a.id, "warehouse_id": self.warehouse.id,
                 "needed": 7.0, "on_hand": 5.0, "reserved": 1.0, "free": 4.0, "incoming": 2.0,
                 "min_qty": 2.0, "to_buy": 3.0, "vendor_id": vendor.id, "vendor_code": "VEND-A"},
                {"product_id": self.storable_b.id, "warehouse_id": self.warehouse.id,
                 "needed": 2.0, "on_hand": 0.0, "reserved": 0.0, "free": 0.0, "incoming": 0.0,
                 "min_qty": 0.0, "to_buy": 2.0, "vendor_id": False, "vendor_code": False},
            ],
        )  # fmt: skip
        # Enough incoming: nothing to buy, never a negative figure.
        self._stock(self.storable_a, 20)
        action = first.action_storesync_purchase_needs()
        need_a = (
            env["storesync.purchase.need"]
            .search(action["domain"])
            .filtered(lambda n: n.product_id == self.storable_a)
        )
        self.assertRecordValues(need_a, [{"needed": 4.0, "on_hand": 25.0, "to_buy": 0.0}])
        # The list's fields are exported like any list.
        exported = need_a.export_data(["product_id", "to_buy", "vendor_id", "vendor_code"])
        self.assertEqual(exported["datas"][0][2:], ["Ful vendor", "VEND-A"])
