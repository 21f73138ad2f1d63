"""Access rights: who sees stores, who sees their API keys, and company separation."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestStoresyncSecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.store = cls.env["storesync.store"].create(
            {
                "name": "Shop A",
                "base_url": "https://a.example.com",
                "consumer_key": "ck_secret_a",
                "consumer_secret": "cs_secret_a",
            }
        )
        cls.store_b = cls.env["storesync.store"].create(
            {
                "name": "Shop B",
                "base_url": "https://b.example.com",
                "company_id": cls.company_b.id,
            }
        )
        cls.sync_user = new_test_user(
            cls.env, "sync_user", groups="storesync_connector.group_storesync_user"
        )
        cls.sync_manager = new_test_user(
            cls.env, "sync_manager", groups="storesync_connector.group_storesync_manager"
        )
        cls.sales_admin = new_test_user(
            cls.env, "sales_admin", groups="sales_team.group_sale_manager"
        )
        cls.plain_user = new_test_user(cls.env, "plain_user", groups="base.group_user")

    def test_user_reads_store_but_not_credentials(self):
        store = self.store.with_user(self.sync_user)
        self.assertEqual(store.name, "Shop A")
        with self.assertRaises(AccessError):
            store.read(["consumer_key"])
        with self.assertRaises(AccessError):
            store.read(["consumer_secret"])

    def test_user_cannot_write_or_create(self):
        with self.assertRaises(AccessError):
            self.store.with_user(self.sync_user).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["storesync.store"].with_user(self.sync_user).create(
                {"name": "New", "base_url": "https://new.example.com"}
            )

    def test_manager_reads_and_edits_credentials(self):
        store = self.store.with_user(self.sync_manager)
        self.assertEqual(store.read(["consumer_key"])[0]["consumer_key"], "ck_secret_a")
        store.write({"consumer_secret": "cs_new"})
        self.assertEqual(self.store.consumer_secret, "cs_new")

    def test_sales_administrator_is_store_manager(self):
        self.assertTrue(self.sales_admin.has_group("storesync_connector.group_storesync_manager"))
        store = self.store.with_user(self.sales_admin)
        self.assertEqual(store.consumer_key, "ck_secret_a")

    def test_users_without_store_sync_group_see_nothing(self):
        with self.assertRaises(AccessError):
            self.env["storesync.store"].with_user(self.plain_user).search([])

    def test_multi_company_rule(self):
        stores = self.env["storesync.store"].with_user(self.sync_manager).search([])
        self.assertIn(self.store, stores)
        self.assertNotIn(self.store_b, stores)
        self.sync_manager.write({"company_ids": [(4, self.company_b.id)]})
        both = (
            self.env["storesync.store"]
            .with_user(self.sync_manager)
            .with_context(allowed_company_ids=[self.env.company.id, self.company_b.id])
            .search([])
        )
        self.assertIn(self.store_b, both)

    def test_menus_follow_the_groups(self):
        config_menu = self.env.ref("storesync_connector.menu_storesync_store_config")
        stores_menu = self.env.ref("storesync_connector.menu_storesync_store")
        salesman = new_test_user(
            self.env,
            "salesman_sync",
            groups="sales_team.group_sale_salesman,storesync_connector.group_storesync_user",
        )
        admin_menus = self.env["ir.ui.menu"].with_user(self.sales_admin)._visible_menu_ids()
        self.assertIn(config_menu.id, admin_menus)
        self.assertIn(stores_menu.id, admin_menus)
        salesman_menus = self.env["ir.ui.menu"].with_user(salesman)._visible_menu_ids()
        self.assertIn(stores_menu.id, salesman_menus)
        self.assertNotIn(config_menu.id, salesman_menus)
