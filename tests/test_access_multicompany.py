"""Access after a real import: company B never sees what store A brought in, and a Store Sync
user of company A never reads a secret (API keys, OAuth client secret, webhook secret, cached
access token), whatever the way in (read, search, grouping, export).

The import runs as the crons do (fetch, then processing of the sync log) into a store of the
main company; the user of company B is a Store Sync user who sees all sales documents, so only
the company rules can hide A's records from them.
"""

import copy

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from storesync_common import StoresyncCase

#: every field that holds a secret or an API key: administrators only
SECRET_FIELDS = {
    "storesync.store": ["webhook_secret"],  # plus every adapter's credential fields
    "storesync.api.session": ["access_token", "token_expires_at"],
}
#: the addon's models that hold a company's data, found through their company_id
COMPANY_MODELS = [
    "storesync.store",
    "storesync.inbox",
    "storesync.outbox",
    "storesync.partner.binding",
    "storesync.product.binding",
    "storesync.status.map",
    "storesync.tax.map",
    "storesync.shipping.map",
    "storesync.payment.map",
    "storesync.status.export.map",
    "storesync.customer.group.map",
]


@tagged("post_install", "-at_install")
class TestAccessMultiCompany(StoresyncCase):
    emulator_orders = 4
    emulator_products = 5

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._patch_cron_commits()
        cls._setup_import_mappings()
        cls.company_a = cls.store.company_id
        cls.company_b = cls.env["res.company"].create({"name": "Company B (access)"})
        cls.store.webhook_secret = "whsec_company_a"
        cls.store.write(
            {
                "status_map_ids": [(0, 0, {"store_status": "access-test", "action": "skip"})],
                "payment_map_ids": [(0, 0, {"method_code": "access-test"})],
            }
        )
        cls._fetch_and_process()
        # One order of a billing company with a separate delivery address: the import makes a
        # company contact, its contact person and a delivery address.
        [order_id] = cls.emulator.store.create_orders(1, status="processing")
        payload = copy.deepcopy(cls.emulator.store.order_json(cls.emulator.store.orders[order_id]))
        payload["billing"].update(company="Access Trade Kft.", email="buyer@access.example")
        payload["shipping"].update(
            company="", address_1="Raktár utca 9.", city="Győr", postcode="9021"
        )
        adapter = cls.store._get_adapter_class()
        inbox = cls.env["storesync.inbox"]
        inbox._upsert(cls.store, "order", [dict(adapter.describe_order(payload), payload=payload)])
        cls._process_pending()
        cls.company_sale = cls.env["sale.order"].search(
            [("storesync_store_id", "=", cls.store.id), ("storesync_external_id", "=", order_id)]
        )
        product = cls.env["product.product"].search([], limit=1)
        cls.env["storesync.outbox"]._enqueue_pairs("price", [(cls.store.id, product.id)], False)
        cls.session = cls.env["storesync.api.session"].create(
            {"store_id": cls.store.id, "access_token": "cached-token-a"}
        )

        cls.user_b = new_test_user(
            cls.env,
            "storesync_user_company_b",
            groups="storesync_connector.group_storesync_user,"
            "sales_team.group_sale_salesman_all_leads,base.group_allow_export",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.user_a = new_test_user(
            cls.env,
            "storesync_user_company_a",
            groups="storesync_connector.group_storesync_user,"
            "sales_team.group_sale_salesman_all_leads,base.group_allow_export",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.manager_a = new_test_user(
            cls.env,
            "storesync_manager_company_a",
            groups="storesync_connector.group_storesync_manager,sales_team.group_sale_manager,"
            "base.group_allow_export",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )

    # ------------------------------------------------------------------ helpers
    def _records_of_a(self):
        """``{model: records}`` the import and the setup made for store A (none empty)."""
        sales = self._sales()
        found = {
            model: self.env[model].search([("store_id", "=", self.store.id)])
            for model in COMPANY_MODELS
            if model != "storesync.store"
        }
        found["storesync.store"] = self.store
        found["sale.order"] = sales
        found["sale.order.line"] = sales.order_line
        # Every contact the import made: buyers, billing companies, delivery addresses.
        found["res.partner"] = (
            sales.partner_id
            | sales.partner_id.parent_id
            | sales.partner_invoice_id
            | sales.partner_shipping_id
        )
        return found

    def _secret_fields(self):
        Store = self.env["storesync.store"]
        names = [
            name
            for name, field in Store._fields.items()
            if field.groups == "base.group_system" and field.type == "char"
        ]
        return {**SECRET_FIELDS, "storesync.store": sorted(set(names) | {"webhook_secret"})}

    # ------------------------------------------------------------------ the import's records
    def test_import_gives_every_record_the_store_company(self):
        found = self._records_of_a()
        for model, records in found.items():
            if model == "storesync.status.export.map" or model == "storesync.customer.group.map":
                continue  # the store has none of these in this setup
            self.assertTrue(records, f"the setup made {model} records for store A")
            self.assertEqual(records.company_id, self.company_a, model)
        # The billing company, its contact person, the delivery and invoice addresses.
        person = self.company_sale.partner_id
        self.assertTrue(person.parent_id.is_company)
        partners = (
            person
            | person.parent_id
            | self.company_sale.partner_shipping_id
            | self.company_sale.partner_invoice_id
        )
        self.assertEqual(len(partners), 3, "person, company, delivery address")
        self.assertEqual(self.company_sale.partner_shipping_id.type, "delivery")
        self.assertEqual(partners.company_id, self.company_a)
        self.assertLessEqual(partners, found["res.partner"])
        self.assertTrue(person.storesync_created and person.parent_id.storesync_created)
        self.assertEqual(self.company_sale.company_id, self.company_a)

    # ------------------------------------------------------------------ company B
    def test_company_b_user_sees_nothing_of_company_a(self):
        for model, records in self._records_of_a().items():
            if not records:
                continue
            Model = self.env[model].with_user(self.user_b)
            with self.subTest(model=model):
                self.assertFalse(Model.search([("id", "in", records.ids)]))
                self.assertEqual(Model.search_count([("id", "in", records.ids)]), 0)
                self.assertFalse(Model.search_read([("id", "in", records.ids)], ["id"]))
                with self.assertRaises(AccessError):
                    records.with_user(self.user_b).read(["display_name"])
        # Through the store's one2many fields neither.
        with self.assertRaises(AccessError):
            self.store.with_user(self.user_b).read(["tax_map_ids"])
        # Nor by claiming company A in the context.
        with self.assertRaises(AccessError):
            self.env["storesync.store"].with_user(self.user_b).with_context(
                allowed_company_ids=self.company_a.ids
            ).search([])

    def test_company_b_user_reaches_no_api_session(self):
        with self.assertRaises(AccessError):
            self.env["storesync.api.session"].with_user(self.user_b).search([])
        with self.assertRaises(AccessError):
            self.session.with_user(self.user_b).read(["store_id"])

    def test_company_a_user_sees_company_a(self):
        """The same checks hide nothing from a user of company A: they test the company."""
        for model, records in self._records_of_a().items():
            if not records:
                continue
            with self.subTest(model=model):
                Model = self.env[model].with_user(self.user_a)
                self.assertEqual(Model.search([("id", "in", records.ids)]), records)
                records.with_user(self.user_a).read(["display_name"])

    # ------------------------------------------------------------------ secrets
    def test_store_sync_users_and_managers_read_no_secret(self):
        store_secrets = self._secret_fields()["storesync.store"]
        self.assertGreaterEqual(
            set(store_secrets),
            {"consumer_key", "consumer_secret", "client_id", "client_secret", "webhook_secret"},
        )
        for user in (self.user_a, self.manager_a):
            Store = self.env["storesync.store"].with_user(user)
            store = self.store.with_user(user)
            visible = Store.fields_get()
            for name in store_secrets:
                with self.subTest(user=user.login, field=name):
                    self.assertNotIn(name, visible)
                    with self.assertRaises(AccessError):
                        store.read([name])
                    with self.assertRaises(AccessError):
                        Store.search([(name, "=", "whsec_company_a")])
                    with self.assertRaises(AccessError):
                        Store.search([(name, "!=", False)], order=f"{name} desc")
                    with self.assertRaises(AccessError):
                        Store.formatted_read_group([], [name], ["__count"])
                    with self.assertRaises(AccessError):
                        store.export_data([name])
                    with self.assertRaises(AccessError):
                        store.write({name: "overwritten"})
            # The store itself is readable.
            self.assertEqual(store.read(["name"])[0]["name"], self.store.name)
        self.assertEqual(self.store.webhook_secret, "whsec_company_a")

    def test_no_store_sync_user_reaches_the_access_token(self):
        for user in (self.user_a, self.manager_a):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["storesync.api.session"].with_user(user).search(
                    [("access_token", "!=", False)]
                )
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.session.with_user(user).read(["access_token"])

    # ------------------------------------------------------------------ every model
    def test_every_model_of_the_addon_has_rights_and_a_company_rule(self):
        """A model added later without access rights or company rule fails here."""
        models = self.env["ir.model.data"].search(
            [("module", "=", "storesync_connector"), ("model", "=", "ir.model")]
        )
        names = self.env["ir.model"].browse(models.mapped("res_id")).mapped("model")
        checked = []
        for name in names:
            Model = self.env[name]
            if (
                Model._abstract
                or Model._transient
                or Model._original_module != "storesync_connector"
            ):
                continue
            checked.append(name)
            with self.subTest(model=name):
                rights = self.env["ir.model.access"].search([("model_id.model", "=", name)])
                self.assertTrue(rights, "access rights")
                self.assertFalse(rights.filtered(lambda r: not r.group_id), "no right for all")
                if "company_id" in Model._fields:
                    rules = self.env["ir.rule"].search(
                        [("model_id.model", "=", name), ("global", "=", True)]
                    )
                    self.assertTrue(
                        rules.filtered(lambda r: "company_ids" in (r.domain_force or "")),
                        "multi-company rule",
                    )
                else:
                    # No company: only system administrators may reach it.
                    self.assertEqual(rights.group_id, self.env.ref("base.group_system"))
        self.assertGreaterEqual(set(checked), set(COMPANY_MODELS) | {"storesync.api.session"})

    def test_secret_like_fields_are_for_administrators(self):
        """Any field whose name says key, secret, token or password is administrators-only."""
        words = ("key", "secret", "token", "password")
        for model in ("storesync.store", "storesync.api.session"):
            for name, field in self.env[model]._fields.items():
                if field.type == "char" and any(word in name for word in words):
                    with self.subTest(model=model, field=name):
                        self.assertEqual(field.groups, "base.group_system")
