"""Settings a merchant expects: salesperson and team, shipping as delivery lines of a carrier,
records in the store's company."""

from odoo import Command
from odoo.tests import new_test_user, tagged

from storesync_common import CONSUMER_KEY, CONSUMER_SECRET, StoresyncCase

SHIPPING_METHODS = ("flat_rate", "free_shipping", "local_pickup")


@tagged("post_install", "-at_install")
class TestStoreOwnerAndCarrier(StoresyncCase):
    emulator_orders = 12
    emulator_products = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()
        cls.salesperson = new_test_user(
            cls.env, "web_seller", groups="sales_team.group_sale_salesman"
        )
        cls.team = cls.env["crm.team"].create({"name": "Web shop team"})
        service = cls.env["product.product"].create({"name": "GLS parcel", "type": "service"})
        cls.carrier = cls.env["delivery.carrier"].create(
            {
                "name": "GLS",
                "product_id": service.id,
                "delivery_type": "fixed",
                "fixed_price": 9.99,
                "invoice_policy": "real",
            }
        )
        # Every shipping method goes by GLS, with no product of its own: the carrier's is used.
        cls.store.shipping_map_ids.write({"carrier_id": cls.carrier.id, "product_id": False})
        cls.store.write({"user_id": cls.salesperson.id, "team_id": cls.team.id})
        cls.rows = cls._fetch_and_process()
        cls.sales = cls.env["sale.order"].search([("storesync_store_id", "=", cls.store.id)])

    def test_orders_carry_the_store_salesperson_and_team(self):
        self.assertTrue(self.sales)
        self.assertEqual(self.sales.user_id, self.salesperson)
        self.assertEqual(self.sales.team_id, self.team)
        # "My Quotations", the sales app's default filter, shows them to their salesperson.
        mine = (
            self.env["sale.order"]
            .with_user(self.salesperson)
            .search([("user_id", "=", self.salesperson.id)])
        )
        self.assertEqual(mine, self.sales.with_user(self.salesperson))

    def test_salesperson_defaults_to_the_user_who_creates_the_store(self):
        manager = new_test_user(
            self.env,
            "shop_owner",
            groups="storesync_connector.group_storesync_manager,sales_team.group_sale_manager",
        )
        store = (
            self.env["storesync.store"]
            .with_user(manager)
            .create({"name": "Own shop", "base_url": "https://own.example.com"})
        )
        self.assertEqual(store.user_id, manager)

    def test_shipping_lines_are_delivery_lines_of_the_mapped_carrier(self):
        store_orders = self._store_orders()
        shipped = self.sales.filtered(
            lambda s: store_orders[int(s.storesync_external_id)]["shipping_lines"]
        )
        self.assertTrue(shipped, "the seeded orders ship")
        for sale in shipped:
            delivery = sale.order_line.filtered("is_delivery")
            payload = store_orders[int(sale.storesync_external_id)]
            self.assertEqual(len(delivery), len(payload["shipping_lines"]), sale.name)
            self.assertEqual(delivery.product_id, self.carrier.product_id)
            self.assertEqual(sale.carrier_id, self.carrier)
            self.assertFalse(
                sale.currency_id.compare_amounts(sale.amount_total, float(payload["total"]))
            )
        confirmed = shipped.filtered(lambda s: s.state == "sale" and s.picking_ids)
        self.assertTrue(confirmed, "some seeded orders are processing")
        sale = confirmed[0]
        picking = sale.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        self.assertEqual(picking.carrier_id, self.carrier)
        # Validating the delivery ships with the carrier (which invoices "on real cost"), yet
        # the order keeps the store's shipping price.
        total, lines = sale.amount_total, sale.order_line
        picking.picking_type_id.print_label = True
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual(picking.state, "done")
        self.assertEqual(sale.order_line, lines)
        self.assertFalse(sale.currency_id.compare_amounts(sale.amount_total, total))
        # The tracking note sent to the store names the carrier nobody typed on the delivery.
        picking.carrier_tracking_ref = "GLS-0042"
        self.assertIn("GLS", picking._storesync_tracking_note())

    def test_a_carrier_mapped_later_leaves_delivered_orders_alone(self):
        store_orders = self._store_orders()
        sale = self.sales.filtered(
            lambda s: (
                s.state == "sale"
                and s.picking_ids
                and store_orders[int(s.storesync_external_id)]["shipping_lines"]
            )
        )[:1]
        self.assertTrue(sale, "some seeded orders are processing and ship")
        # As if imported before the carrier was mapped, then delivered.
        sale.carrier_id = False
        picking = sale.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()

        self.emulator.store.modify_order(int(sale.storesync_external_id), status="completed")
        rows = self._fetch_and_process()
        row = rows.filtered(
            lambda r: r.kind == "order" and r.external_id == sale.storesync_external_id
        )
        self.assertEqual(row.state, "done", row.last_error)
        self.assertFalse(sale.carrier_id, "the order keeps what it was given")

    def test_load_mappings_matches_carriers_by_name(self):
        titles = {
            m["id"]: m["title"]
            for m in self.store._get_adapter().list_store_settings()["shipping_methods"]
        }
        unique, ambiguous = titles["flat_rate"], titles["local_pickup"]
        product = self.env["product.product"].create({"name": "Carrier fee", "type": "service"})
        carriers = self.env["delivery.carrier"].create(
            [
                {"name": unique.upper(), "product_id": product.id},
                {"name": ambiguous, "product_id": product.id},
                {"name": ambiguous, "product_id": product.id},
            ]
        )
        self.store.shipping_map_ids.unlink()
        self.store.action_load_store_settings()
        rows = {row.method_id: row for row in self.store.shipping_map_ids}
        self.assertEqual(rows["flat_rate"].carrier_id, carriers[0])
        self.assertFalse(rows["local_pickup"].carrier_id)


@tagged("post_install", "-at_install")
class TestStoreInSecondCompany(StoresyncCase):
    """A store of a second company: what its import creates belongs to that company."""

    emulator_orders = 6
    emulator_products = 5

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create(
            {"name": "Web Shop Ltd", "country_id": cls.env.ref("base.hu").id}
        )
        cls.env["account.tax.group"].create({"name": "VAT", "company_id": cls.company_b.id})
        cls.store.base_url = "https://elsewhere.example.com"
        cls.env.flush_all()
        cls.store_b = cls.env["storesync.store"].create(
            {
                "name": "Shop of company B",
                "base_url": cls.emulator.url,
                "consumer_key": CONSUMER_KEY,
                "consumer_secret": CONSUMER_SECRET,
                "timeout": 5,
                "company_id": cls.company_b.id,
                "import_orders_since": False,
            }
        )
        cls._setup_import_mappings(store=cls.store_b).company_id = cls.company_b
        cls.rows = cls._fetch_and_process(cls.store_b)
        cls.sales = cls.env["sale.order"].search([("storesync_store_id", "=", cls.store_b.id)])
        cls.user_a = new_test_user(
            cls.env,
            "seller_a",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )

    def test_orders_contacts_and_products_belong_to_the_store_company(self):
        orders = self.rows.filtered(lambda r: r.kind == "order")
        self.assertLessEqual(
            set(orders.mapped("state")), {"done", "skipped"}, orders.mapped("last_error")
        )
        self.assertTrue(self.sales)
        self.assertFalse(self.sales.filtered(lambda s: s.company_id != self.company_b))
        customers = self.sales.partner_id | self.sales.partner_shipping_id
        self.assertFalse(customers.filtered(lambda p: p.company_id != self.company_b))
        products = self.sales.order_line.product_id.filtered(
            lambda p: p.type == "consu"  # the store's products, not the shared service ones
        )
        self.assertTrue(products)
        self.assertFalse(products.filtered(lambda p: p.company_id != self.company_b))

        sales_a = self.env["sale.order"].with_user(self.user_a)
        self.assertFalse(sales_a.search([("id", "in", self.sales.ids)]))
        self.assertFalse(
            self.env["res.partner"].with_user(self.user_a).search([("id", "in", customers.ids)])
        )
        self.assertFalse(
            self.env["product.product"].with_user(self.user_a).search([("id", "in", products.ids)])
        )
