"""What is Shoprenter's own, through the ORM against its emulator: the token kept in the
database, 3 requests per second shared by every process, 200 orders per request, several
shops per company, the order number and the buyer's comment, no tracking notes."""

import math
import threading
from datetime import datetime, timedelta

from platform_kits import KITS, PlatformCase

from odoo.tests import tagged
from odoo.tests.common import release_test_lock

from odoo.addons.storesync_connector.adapters import get_adapter_class

from storesync_common import StoresyncCase


def _calls(emulator, path_end, method="GET"):
    return [
        entry
        for entry in emulator.request_log_snapshot()
        if entry["method"] == method and entry["path"].endswith(path_end)
    ]


@tagged("post_install", "-at_install")
class TestShoprenterStore(PlatformCase, StoresyncCase):
    kit_name = "shoprenter"
    emulator_orders = 250
    emulator_products = 20
    emulator_seed = 5

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.store.write({"order_prefix": "SR1-", "warehouse_id": cls.warehouse.id})
        # The shop's 250 orders imported once for the class: each test starts from a store
        # in use (its own fetches bring only what it changes).
        cls.first_rows = cls._fetch_and_process()
        cls.first_token_posts = len(_calls(cls.emulator, "/demo/app/token", "POST"))
        cls.emulator.clear_request_log()

    def _session(self, store=None):
        return (
            self.env["storesync.api.session"]
            .sudo()
            .search([("store_id", "=", (store or self.store).id)])
        )

    def test_changed_orders_cost_one_request_per_200_and_the_token_one_per_hour(self):
        self.assertFalse(self.first_rows.filtered(lambda r: r.state == "error"))
        # Every adapter of the first run (fetch, settings, products) used one token from the
        # database.
        self.assertEqual(self.first_token_posts, 1)
        self.assertTrue(self._session().access_token)
        # A running store: 210 orders change in the shop (a bulk status change, say).
        changed = sorted(self.kit.order_totals(self.emulator))[:210]
        for external_id in changed:
            self.emulator.store.modify_order(int(external_id), touch=True)
        self.emulator.clear_request_log()
        rows = self._fetch_and_process()
        pages = _calls(self.emulator, "/api/orderExtend")
        self.assertEqual(len(pages), math.ceil(210 / 200))
        self.assertTrue(all(p["query"].get("excludeAbandonedCart") == "1" for p in pages))
        self.assertTrue(all(p["query"].get("limit") == "200" for p in pages))
        self.assertEqual([p["query"]["page"] for p in pages], ["0", "1"])
        self.assertFalse([e for e in self.emulator.request_log_snapshot() if e["status"] == 429])
        self.assertFalse(_calls(self.emulator, "/demo/app/token", "POST"), "the token is reused")
        self.assertFalse(rows.filtered(lambda r: r.state == "error"))

    def test_a_refused_token_is_renewed_once_and_the_run_goes_on(self):
        self._session().unlink()
        cache = self.store._get_adapter().token_cache
        cache.save("revoked-token", datetime.utcnow() + timedelta(hours=1))
        self.store._fetch_orders()
        self.assertEqual(len(_calls(self.emulator, "/demo/app/token", "POST")), 1)
        token, _expires = cache.load()
        self.assertNotEqual(token, "revoked-token")
        self.assertFalse(self.store.orders_fetch_error)

    def test_two_processes_together_stay_under_three_requests_per_second(self):
        """Two adapters in two threads (a cron and a webhook, say) hit the shop at once."""
        self.store._get_adapter().check_connection()  # one token for both
        adapters = [self.store._get_adapter() for _ in range(2)]
        self.emulator.clear_request_log()
        errors = []

        def work(adapter):
            try:
                for _ in range(4):
                    adapter.list_categories()
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=work, args=(a,)) for a in adapters]
        with release_test_lock():  # their own transactions, as other processes would have
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        self.assertFalse(errors)
        log = self.emulator.request_log_snapshot()
        self.assertGreaterEqual(len(log), 8)
        self.assertFalse([e for e in log if e["status"] == 429], "the shop never said 429")
        times = sorted(e["time"] for e in log)
        limit = get_adapter_class("shoprenter").requests_per_second
        for index in range(len(times) - limit):
            self.assertGreaterEqual(times[index + limit] - times[index], 1.0)

    def test_order_number_prefix_warehouse_and_comment(self):
        sku = self.kit.skus(self.emulator)[0]
        external_id = self.kit.place_order(self.emulator, sku)
        self.emulator.store.modify_order(int(external_id), comment="Kérem, csengessen kétszer!")
        self._fetch_and_process()
        sale = self._sale(external_id)
        self.assertEqual(sale.name, f"SR1-{external_id}")
        self.assertEqual(sale.warehouse_id, self.warehouse)
        self.assertEqual(sale.storesync_customer_note, "Kérem, csengessen kétszer!")
        self.assertIn("csengessen", "".join(sale.message_ids.mapped("body")))

    def test_two_shops_of_one_company_keep_their_orders_apart(self):
        kit = KITS["shoprenter"]
        other_emulator = kit.start_emulator(9, 6, 8)
        self.addCleanup(other_emulator.stop)
        other_warehouse = self.env["stock.warehouse"].create({"name": "Second shop", "code": "SR2"})
        other = self.env["storesync.store"].create(
            {
                "name": "Second Shoprenter shop",
                "platform": "shoprenter",
                "import_orders_since": False,
                "order_prefix": "SR2-",
                "warehouse_id": other_warehouse.id,
                "pricelist_id": self.pricelist.id,
                "tax_map_ids": [
                    (0, 0, {"store_tax_id": m.store_tax_id, "tax_id": m.tax_id.id})
                    for m in self.store.tax_map_ids
                ],
                "shipping_map_ids": [
                    (0, 0, {"method_id": m.method_id, "product_id": m.product_id.id})
                    for m in self.store.shipping_map_ids
                ],
                **kit.store_values(other_emulator),
            }
        )
        self._fetch_and_process(other)
        self._fetch_and_process()
        second = self._sales(other)
        self.assertEqual(len(second), len(kit.order_totals(other_emulator)))
        self.assertTrue(all(s.name.startswith("SR2-") for s in second))
        self.assertEqual(second.warehouse_id, other_warehouse)
        first = self._sales()
        self.assertTrue(first and all(s.name.startswith("SR1-") for s in first))
        self.assertNotEqual(self._session(other).access_token, self._session().access_token)

    def test_delivery_sends_the_status_but_no_tracking_note(self):
        sku = self.kit.skus(self.emulator)[1]
        external_id = self.kit.place_order(self.emulator, sku)
        self._fetch_and_process()
        sale = self._sale(external_id)
        self.assertEqual(sale.state, "sale")
        self.assertFalse(self.store.tracking_supported)
        picking = sale.picking_ids
        picking.carrier_tracking_ref = "GLS-123"
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        self.emulator.clear_request_log()
        self.env["storesync.outbox"]._cron_export()
        self.assertEqual(
            self.kit.order_status(self.emulator, external_id),
            get_adapter_class("shoprenter").default_export_statuses["delivered"],
        )
        # The order gets its status and nothing else (the stock export goes by /batch).
        writes = [
            (e["method"], e["path"].rsplit("/", 2)[-2])
            for e in self.emulator.request_log_snapshot()
            if e["method"] != "GET" and not e["path"].endswith("/batch")
        ]
        self.assertEqual(writes, [("PUT", "orders")])
        self.assertFalse(picking.storesync_note_sent)

    def test_load_settings_lists_rates_modes_and_the_shops_own_statuses(self):
        self.store.write({"tax_map_ids": [(5,)], "shipping_map_ids": [(5,)]})
        self.store.action_load_store_settings()
        self.assertEqual(
            sorted(self.store.tax_map_ids.mapped("store_tax_id"), key=float), ["0", "5", "18", "27"]
        )
        self.assertEqual(
            sorted(self.store.shipping_map_ids.mapped("method_id")), ["18", "19", "20"]
        )
        names = {row.store_status: row.name for row in self.store.status_map_ids if row.name}
        self.assertEqual(names[KITS["shoprenter"].statuses["completed"]], "Teljesítve")
        self.assertEqual(len(names), 7)
        self.assertFalse(self.store.prices_include_tax)
