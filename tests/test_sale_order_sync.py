"""What users see on synced orders: Refresh, Update orders, the throttle, the read-only group.

Refresh and Update orders run in a user's request and must never commit: nothing here patches
``ir.cron._commit_progress`` around them, so a COMMIT on their path fails the test (the test
cursor refuses it). Only the crons they trigger commit, and those are run with it patched.
"""

import ast
from datetime import datetime, timedelta
from unittest.mock import patch

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import format_datetime

from storesync_common import StoresyncCase

SALESMAN = "sales_team.group_sale_salesman_all_leads"
SYNC_USER = "storesync_connector.group_storesync_user"
EDIT_GROUP = "storesync_connector.group_storesync_edit_orders"


def _no_commit(self, processed=0, *, remaining=None, deactivate=False):
    # The crons' commits (never the request's): the test transaction must not be committed.
    return float("inf")


@tagged("post_install", "-at_install")
class TestSaleOrderSync(StoresyncCase):
    emulator_orders = 12
    emulator_products = 8

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_import_mappings()
        # This class's own orders, so that tests changing the shared emulator do not depend
        # on which statuses the seeded orders happen to have.
        shop = cls.emulator.store
        (cls.quotation_id,) = shop.create_orders(1, status="on-hold")
        (cls.confirmed_id,) = shop.create_orders(1, status="processing")
        with cls._cron_commits_skipped():
            cls.store._fetch_orders()
        cls._process_pending()
        Order = cls.env["sale.order"]
        cls.quotation = Order.search([("storesync_external_id", "=", str(cls.quotation_id))])
        cls.confirmed = Order.search([("storesync_external_id", "=", str(cls.confirmed_id))])
        cls.syncer = new_test_user(
            cls.env, "syncer", groups=f"{SALESMAN},{SYNC_USER}", tz="Europe/Budapest"
        )
        cls.salesman = new_test_user(cls.env, "plain_salesman", groups=SALESMAN)
        cls.editor = new_test_user(cls.env, "editor", groups=f"{SALESMAN},{EDIT_GROUP}")
        cls.partner = cls.env["res.partner"].create({"name": "Walk-in customer"})
        cls.local_order = Order.create({"partner_id": cls.partner.id})

    @classmethod
    def _cron_commits_skipped(cls):
        """For running what the crons run (they commit their progress; this test must not)."""
        return patch.object(type(cls.env["ir.cron"]), "_commit_progress", _no_commit)

    def _triggered(self, xmlid):
        cron = self.env.ref(f"storesync_connector.{xmlid}")
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

    def _row(self, external_id):
        return self.env["storesync.inbox"].search(
            [
                ("store_id", "=", self.store.id),
                ("kind", "=", "order"),
                ("external_id", "=", str(external_id)),
            ]
        )

    def _store_sales(self):
        return self.env["sale.order"].search([("storesync_store_id", "=", self.store.id)])

    # ------------------------------------------------------------------ throttle

    def test_manual_sync_is_throttled_per_store(self):
        self.assertTrue(self.quotation and self.confirmed, "the class's orders were imported")
        store = self.store.with_user(self.syncer)
        store._check_manual_sync()
        last = self.store.last_manual_sync
        self.assertTrue(last)
        with self.assertRaises(UserError) as caught:
            store._check_manual_sync()
        message = str(caught.exception)
        self.assertIn(self.store.name, message)
        self.assertIn(format_datetime(store.env, last + timedelta(minutes=10)), message)
        self.assertEqual(self.store.last_manual_sync, last, "a blocked click records nothing")

        # Another store is not held back by this one ...
        other = self.env["storesync.store"].create(
            {"name": "Other shop", "base_url": f"{self.emulator.url}/other"}
        )
        other.with_user(self.syncer)._check_manual_sync()
        # ... but a sync of both is refused as a whole.
        other.last_manual_sync = False
        with self.assertRaises(UserError):
            (self.store | other).with_user(self.syncer)._check_manual_sync()
        self.assertFalse(other.last_manual_sync)

        # Ten minutes later it is allowed again.
        self.store.last_manual_sync = last - timedelta(minutes=11)
        store._check_manual_sync()
        self.assertGreaterEqual(self.store.last_manual_sync, last)

    def test_refresh_is_throttled(self):
        order = self.quotation.with_user(self.syncer)
        order.action_storesync_refresh()
        with self.assertRaises(UserError) as caught:
            order.action_storesync_refresh()
        self.assertIn("next manual sync is allowed at", str(caught.exception))

    # ------------------------------------------------------------------ refresh

    def test_refresh_reimports_a_changed_order(self):
        self.assertRecordValues(self.quotation, [{"state": "draft", "storesync_status": "on-hold"}])
        before = self.quotation.storesync_updated_at
        self.emulator.store.modify_order(self.quotation_id, status="processing")
        self.emulator.clear_request_log()

        action = self.quotation.with_user(self.syncer).action_storesync_refresh()

        self.assertRecordValues(
            self.quotation, [{"state": "sale", "storesync_status": "processing"}]
        )
        self.assertGreater(self.quotation.storesync_updated_at, before)
        self.assertEqual(
            [(r["method"], r["path"]) for r in self.emulator.request_log],
            [("GET", f"/wp-json/wc/v3/orders/{self.quotation_id}")],
            "Refresh asks the store for this one order only",
        )
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("processing", action["params"]["message"])
        self.assertEqual(action["params"]["next"]["tag"], "soft_reload")

    def test_refresh_reports_the_rows_error(self):
        self.store.status_map_ids.filtered(lambda m: m.store_status == "completed").unlink()
        self.emulator.store.modify_order(self.quotation_id, status="completed")

        action = self.quotation.with_user(self.syncer).action_storesync_refresh()

        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("completed", action["params"]["message"])
        self.assertRecordValues(self.quotation, [{"state": "draft", "storesync_status": "on-hold"}])
        row = self.env["storesync.inbox"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", str(self.quotation_id))]
        )
        self.assertEqual(row.state, "error")

    def test_refresh_store_error_is_a_user_error(self):
        lost = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "storesync_store_id": self.store.id,
                "storesync_external_id": "987654",
            }
        )
        with self.assertRaises(UserError) as caught:
            lost.with_user(self.syncer).action_storesync_refresh()
        self.assertIn("not found", str(caught.exception))
        self.assertFalse(self.store.last_manual_sync, "a failed refresh keeps the slot")

    def test_sync_needs_the_store_sync_right(self):
        with self.assertRaises(AccessError):
            self.quotation.with_user(self.salesman).action_storesync_refresh()
        with self.assertRaises(AccessError):
            self.quotation.with_user(self.salesman).action_storesync_update_orders()

    # ------------------------------------------------------------------ update orders

    def test_update_orders_of_the_selected_orders(self):
        other = self.env["storesync.store"].create(
            {"name": "Another shop", "base_url": f"{self.emulator.url}/another"}
        )
        new_ids = self.emulator.store.create_orders(2, status="processing")
        self.emulator.clear_request_log()

        action = self.quotation.with_user(self.syncer).action_storesync_update_orders()

        params = action["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertEqual(
            params["message"],
            "Emulated shop: 1 selected orders read again from the store; they and the orders "
            "changed since the last fetch are updated in the background.",
        )
        self.assertEqual(
            [(r["path"], r["query"]["include"]) for r in self.emulator.request_log],
            [("/wp-json/wc/v3/orders", str(self.quotation_id))],
            "the request reads the selected order only; the fetch is the cron's",
        )
        self.assertEqual(self._row(self.quotation_id).state, "pending")
        self.assertTrue(self._triggered("ir_cron_process_inbox"))
        self.assertTrue(self._triggered("ir_cron_fetch_orders"))
        self.assertRecordValues(self.store, [{"orders_fetch_requested": True}])
        self.assertTrue(self.store.last_manual_sync)
        self.assertFalse(other.last_manual_sync, "only the stores of the selected orders")
        self.assertFalse(other.orders_fetch_requested)
        with self.assertRaises(UserError):
            self.quotation.with_user(self.syncer).action_storesync_update_orders()

        # What the triggered crons then do.
        with self._cron_commits_skipped():
            self.env["storesync.store"]._cron_fetch_requested_orders()
        self.assertFalse(self.store.orders_fetch_requested)
        self._process_pending()
        sales = self._store_sales().filtered(lambda s: int(s.storesync_external_id) in new_ids)
        self.assertEqual(len(sales), 2)
        self.assertEqual(set(sales.mapped("state")), {"sale"})

    def test_update_orders_brings_a_change_the_fetch_missed(self):
        """A change the cursor missed (a lost webhook, a clock skew in the store): selecting
        the order and pressing Update orders brings it, as the name promises."""
        self.assertRecordValues(self.quotation, [{"state": "draft", "storesync_status": "on-hold"}])
        self.emulator.store.modify_order(self.quotation_id, status="processing")
        modified = datetime.fromisoformat(
            self._store_orders()[self.quotation_id]["date_modified_gmt"]
        )
        self.store.orders_cursor = modified + timedelta(hours=1)
        with self._cron_commits_skipped():
            self.assertEqual(self.store._fetch_orders(), 0, "the fetch alone misses it")

        self.quotation.with_user(self.syncer).action_storesync_update_orders()
        self._process_pending()

        self.assertRecordValues(
            self.quotation, [{"state": "sale", "storesync_status": "processing"}]
        )
        row = self._row(self.quotation_id)
        self.assertRecordValues(
            row, [{"state": "done", "attempts": 1, "order_id": self.quotation.id}]
        )

    def test_update_orders_without_selection_syncs_every_store(self):
        broken = self.env["storesync.store"].create(
            {"name": "Closed shop", "base_url": f"{self.emulator.url}/closed", "timeout": 5}
        )
        new_ids = self.emulator.store.create_orders(1, status="processing")
        self.emulator.clear_request_log()

        action = self.env["sale.order"].with_user(self.syncer).action_storesync_update_orders()

        self.assertFalse(self.emulator.request_log, "the fetch is left to the cron")
        params = action["params"]
        self.assertEqual(params["type"], "success")
        # Stores in their order (sequence, name): the closed one first.
        self.assertEqual(
            params["message"].split("\n"),
            [
                "Closed shop: its changed orders are fetched and imported in the background.",
                "Emulated shop: its changed orders are fetched and imported in the background.",
            ],
        )
        self.assertRecordValues(self.store | broken, [{"orders_fetch_requested": True}] * 2)
        self.assertTrue(self._triggered("ir_cron_fetch_orders"))

        # The fetch cron's run: the closed store shows its error, the other one is fetched.
        with self._cron_commits_skipped():
            self.env["storesync.store"]._cron_fetch_requested_orders()
        self.assertTrue(broken.orders_fetch_error)
        self.assertRecordValues(self.store | broken, [{"orders_fetch_requested": False}] * 2)
        self._process_pending()
        self.assertTrue(
            self._store_sales().filtered(lambda s: s.storesync_external_id == str(new_ids[0]))
        )

    def test_update_orders_store_down_keeps_the_slot(self):
        self.emulator.set_faults(kinds=["503"], count=50)
        self.addCleanup(self.emulator.clear_faults)

        action = self.confirmed.with_user(self.syncer).action_storesync_update_orders()

        params = action["params"]
        self.assertEqual(params["type"], "warning")
        self.assertTrue(
            params["message"].startswith("Emulated shop: reading the selected orders failed: "),
            params["message"],
        )
        self.assertFalse(self.store.last_manual_sync, "a store that failed keeps its manual sync")
        self.assertFalse(self.store.orders_fetch_requested)

    def test_update_orders_server_action(self):
        action = self.env.ref("storesync_connector.action_storesync_update_orders")
        self.assertRecordValues(
            action,
            [
                {
                    "model_id": self.env["ir.model"]._get_id("sale.order"),
                    "binding_model_id": self.env["ir.model"]._get_id("sale.order"),
                    "binding_view_types": "list",
                    "state": "code",
                }
            ],
        )
        self.assertIn(self.env.ref(SYNC_USER), action.group_ids)
        bound = self.env["ir.actions.actions"].with_user(self.syncer).get_bindings("sale.order")
        self.assertIn(action.id, [a["id"] for a in bound["action"]])
        bound = self.env["ir.actions.actions"].with_user(self.salesman).get_bindings("sale.order")
        self.assertNotIn(action.id, [a["id"] for a in bound.get("action", [])])

        result = (
            action.with_user(self.syncer)
            .with_context(
                active_model="sale.order",
                active_ids=self.confirmed.ids,
                active_id=self.confirmed.id,
            )
            .run()
        )
        self.assertEqual(result["tag"], "display_notification")
        self.assertTrue(result["params"]["message"].startswith("Emulated shop: "))

    # ------------------------------------------------------------------ fields and views

    def test_store_admin_link(self):
        expected = f"{self.emulator.url}/wp-admin/post.php?post={self.quotation_id}&action=edit"
        self.assertEqual(self.quotation.storesync_url, expected)
        self.assertEqual(self.quotation.with_user(self.salesman).storesync_url, expected)
        self.assertFalse(self.local_order.storesync_url)

    def test_views(self):
        Order = self.env["sale.order"].with_user(self.syncer)
        form = etree.fromstring(Order.get_view(view_type="form")["arch"])
        self.assertTrue(form.xpath("//button[@name='action_storesync_refresh']"))
        self.assertTrue(form.xpath("//field[@name='storesync_url'][@widget='url']"))
        for fname in ("partner_id", "partner_shipping_id", "date_order", "client_order_ref"):
            for node in form.xpath(f"//field[@name='{fname}'][not(@invisible='1')]"):
                if node.getparent().tag == "list":
                    continue
                self.assertIn("storesync_locked", node.get("readonly", ""), fname)
        order_line = form.xpath("//field[@name='order_line']")[0]
        self.assertIn("storesync_locked", order_line.get("readonly"))
        price = order_line.xpath("./list/field[@name='price_unit']")[0]
        self.assertIn("parent.storesync_locked", price.get("readonly"))
        # Without Store Sync rights, no Refresh button.
        form = etree.fromstring(
            self.env["sale.order"].with_user(self.salesman).get_view(view_type="form")["arch"]
        )
        self.assertFalse(form.xpath("//button[@name='action_storesync_refresh']"))

        for view in ("sale.view_order_tree", "sale.view_quotation_tree"):
            arch = Order.get_view(self.env.ref(view).id, "list")["arch"]
            tree = etree.fromstring(arch)
            self.assertTrue(tree.xpath("//field[@name='storesync_store_id'][@optional='show']"))
            self.assertTrue(tree.xpath("//field[@name='storesync_url'][@widget='url']"))
        search = etree.fromstring(Order.get_view(view_type="search")["arch"])
        self.assertTrue(search.xpath("//field[@name='storesync_store_id']"))
        (flt,) = search.xpath("//filter[@name='storesync_from_stores']")
        self.assertEqual(
            self.env["sale.order"].search(ast.literal_eval(flt.get("domain"))),
            self._store_sales(),
        )
        self.assertTrue(search.xpath("//filter[@name='storesync_groupby_store']"))

    # ------------------------------------------------------------------ read-only group

    def test_store_fields_are_read_only_without_the_group(self):
        other = self.env["res.partner"].create({"name": "Someone else"})
        synced = self.quotation.with_user(self.salesman)
        self.assertTrue(synced.storesync_locked)
        self.assertFalse(self.local_order.with_user(self.salesman).storesync_locked)
        with self.assertRaises(UserError) as caught:
            synced.write({"partner_id": other.id})
        self.assertIn("Customer", str(caught.exception))
        with self.assertRaises(UserError):
            synced.write({"date_order": fields.Datetime.now() - timedelta(days=3)})
        line = synced.order_line.filtered(lambda line: not line.display_type)[:1]
        with self.assertRaises(UserError):
            line.write({"price_unit": line.price_unit + 1})
        with self.assertRaises(UserError):
            synced.write(
                {"order_line": [(0, 0, {"name": "Gift wrap", "display_type": "line_note"})]}
            )
        # What the store does not own stays editable, and so does the same value again.
        synced.write({"note": "Call before delivery", "partner_id": synced.partner_id.id})
        # Confirming stamps the order date: allowed.
        synced.action_confirm()
        self.assertEqual(self.quotation.state, "sale")
        # Orders that did not come from a store are not concerned.
        self.local_order.with_user(self.salesman).write({"partner_id": other.id})
        # A context key is no way around the lock (RPC callers set their own context).
        with self.assertRaises(UserError):
            synced.with_context(storesync_import=True).write({"client_order_ref": "#X"})
        # The importer's own writes (as superuser) pass.
        synced.sudo().write({"client_order_ref": "#X"})

    def test_store_fields_are_editable_with_the_group(self):
        other = self.env["res.partner"].create({"name": "Someone else"})
        synced = self.quotation.with_user(self.editor)
        self.assertFalse(synced.storesync_locked)
        synced.write({"partner_id": other.id, "client_order_ref": "Changed"})
        line = synced.order_line.filtered(lambda line: not line.display_type)[:1]
        line.write({"price_unit": line.price_unit + 1})
        self.assertEqual(self.quotation.partner_id, other)
        manager = new_test_user(
            self.env,
            "sync_manager",
            groups=f"{SALESMAN},storesync_connector.group_storesync_manager",
        )
        self.assertTrue(manager.has_group(EDIT_GROUP), "Store Sync managers may edit synced orders")
