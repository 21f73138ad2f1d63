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
        cls.admin = new_test_user(
            cls.env,
            "sync_admin",
            groups="base.group_system,storesync_connector.group_storesync_manager",
        )
        cls.store.webhook_secret = "whsec_a"

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

    def test_manager_cannot_read_or_write_keys_and_secret(self):
        """API keys and the webhook secret are for system administrators, as Odoo's payment
        providers keep theirs; a Store Sync (or Sales) manager runs the store without them."""
        for user in (self.sync_manager, self.sales_admin):
            self.assertFalse(user.has_group("base.group_system"))
            store = self.store.with_user(user)
            for field in ("consumer_key", "consumer_secret", "webhook_secret"):
                with self.assertRaises(AccessError, msg=f"{user.login} reads {field}"):
                    store.read([field])
                with self.assertRaises(AccessError, msg=f"{user.login} writes {field}"):
                    store.write({field: "changed"})
            self.assertEqual(store.read(["name"])[0]["name"], "Shop A")
            # The adapter still gets them, through sudo inside the model.
            self.assertEqual(
                store._get_credentials(),
                {"consumer_key": "ck_secret_a", "consumer_secret": "cs_secret_a"},
            )
        form = self.env["storesync.store"].with_user(self.sync_manager).get_views([(False, "form")])
        arch = form["views"]["form"]["arch"]
        self.assertNotIn("consumer_key", arch)
        self.assertNotIn("consumer_secret", arch)

    def test_admin_reads_and_edits_keys_and_secret(self):
        store = self.store.with_user(self.admin)
        values = store.read(["consumer_key", "consumer_secret", "webhook_secret"])[0]
        self.assertEqual(
            (values["consumer_key"], values["consumer_secret"], values["webhook_secret"]),
            ("ck_secret_a", "cs_secret_a", "whsec_a"),
        )
        store.write({"consumer_secret": "cs_new", "webhook_secret": "whsec_new"})
        self.assertEqual(self.store.consumer_secret, "cs_new")
        self.assertEqual(self.store.webhook_secret, "whsec_new")
        form = self.env["storesync.store"].with_user(self.admin).get_views([(False, "form")])
        self.assertIn("consumer_secret", form["views"]["form"]["arch"])

    def test_sales_administrator_is_store_manager(self):
        self.assertTrue(self.sales_admin.has_group("storesync_connector.group_storesync_manager"))
        store = self.store.with_user(self.sales_admin)
        store.write({"name": "Shop A (renamed)"})
        self.assertEqual(self.store.name, "Shop A (renamed)")

    def test_outbox_retry_and_ignore_check_access(self):
        """Retry writes the queue in raw SQL: it checks the user's rights itself."""
        product = self.env["product.product"].create({"name": "Sold online"})
        Outbox = self.env["storesync.outbox"]
        Outbox._enqueue_pairs("price", [(self.store.id, product.id)], trigger=False)
        row = Outbox.search([("store_id", "=", self.store.id), ("product_id", "=", product.id)])
        row.write({"state": "error", "last_error": "The store refused it", "attempts": 8})

        for action in ("action_retry", "action_ignore"):
            with self.assertRaises(AccessError, msg=action):
                getattr(row.with_user(self.sync_user), action)()
        row.invalidate_recordset()
        self.assertRecordValues(row, [{"state": "error", "attempts": 8, "revision": 1}])

        row.with_user(self.sync_manager).action_ignore()
        self.assertEqual(row.state, "skipped")
        row.with_user(self.sync_manager).action_retry()
        row.invalidate_recordset()
        self.assertRecordValues(row, [{"state": "pending", "attempts": 0, "last_error": False}])

        # Another company's rows stay out of reach, Retry included.
        Outbox._enqueue_pairs("price", [(self.store_b.id, product.id)], trigger=False)
        row_b = Outbox.search([("store_id", "=", self.store_b.id)])
        self.assertEqual(row_b.company_id, self.company_b)
        with self.assertRaises(AccessError):
            row_b.with_user(self.sync_manager).action_retry()

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
