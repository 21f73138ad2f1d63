"""The store's API session: credential fields declared by adapters, the shared token cache and
the request throttle kept in PostgreSQL, status names, tracking support."""

from datetime import datetime, timedelta
from unittest.mock import patch

from lxml import etree

from odoo.tests import TransactionCase, tagged

from odoo.addons.storesync_connector.adapters import get_adapter_class, platform_selection
from odoo.addons.storesync_connector.models import storesync_store_session


@tagged("post_install", "-at_install")
class TestStoreSession(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # New cursors (the throttle's and the token cache's own transactions) wrap the test's.
        cls.registry_enter_test_mode_cls()
        cls.platforms = [code for code, _label in platform_selection()]
        cls.store = cls.env["storesync.store"].create(
            {"name": "Session shop", "platform": cls.platforms[0], "base_url": "https://a.test"}
        )

    def test_every_declared_credential_is_an_administrators_only_field(self):
        Store = self.env["storesync.store"]
        for code in self.platforms:
            for credential in get_adapter_class(code).credential_fields:
                field = Store._fields[credential.name]
                self.assertEqual(field.type, "char")
                self.assertEqual(field.groups, "base.group_system")
                self.assertFalse(field.copy)

    def test_form_shows_each_platform_its_own_credentials(self):
        arch = self.env["storesync.store"].get_view(view_type="form")["arch"]
        tree = etree.fromstring(arch)
        for code in self.platforms:
            for credential in get_adapter_class(code).credential_fields:
                nodes = tree.xpath(f"//field[@name='{credential.name}']")
                self.assertEqual(len(nodes), 1, credential.name)
                self.assertIn(repr(code), nodes[0].get("invisible"))
                self.assertEqual(nodes[0].get("password") == "True", credential.secret)

    def test_adapter_gets_only_its_platform_credentials(self):
        adapter_class = get_adapter_class(self.store.platform)
        names = [credential.name for credential in adapter_class.credential_fields]
        self.store.write({name: f"value of {name}" for name in names})
        credentials = self.store._get_credentials()
        self.assertEqual(credentials, {name: f"value of {name}" for name in names})

    def test_token_is_kept_in_the_database_for_every_adapter_of_the_store(self):
        expires = datetime(2030, 1, 1, 12, 0, 0)
        self.store._get_adapter().token_cache.save("token-1", expires)
        # Another adapter (another cron run, another worker) finds it.
        self.assertEqual(self.store._get_adapter().token_cache.load(), ("token-1", expires))
        session = (
            self.env["storesync.api.session"].sudo().search([("store_id", "=", self.store.id)])
        )
        self.assertEqual(session.access_token, "token-1")
        self.store._get_adapter().token_cache.save(None, None)
        self.assertIsNone(self.store._get_adapter().token_cache.load())

    def test_throttle_spaces_the_requests_of_all_adapters_of_a_store(self):
        Session = self.env["storesync.api.session"]
        waits = []
        with patch.object(storesync_store_session.time, "sleep", waits.append):
            first = Session._throttle(self.store, 5)
            second = Session._throttle(self.store, 5)  # e.g. a webhook while a cron runs
            for throttle in (first, second, first, second):
                throttle()
        spacing = storesync_store_session.RATE_MARGIN / 5
        # The first request goes at once; each next one waits one more slot, whichever
        # adapter sends it (sleep is patched, so the clock hardly moves meanwhile).
        self.assertEqual(len(waits), 3)
        for index, wait in enumerate(waits, start=1):
            self.assertAlmostEqual(wait, index * spacing, delta=0.1)
        session = Session.search([("store_id", "=", self.store.id)])
        self.assertGreater(session.next_request_at, datetime.utcnow() + timedelta(seconds=0.7))

    def test_throttle_keeps_stores_apart(self):
        other = self.store.copy({"base_url": "https://b.test"})
        Session = self.env["storesync.api.session"]
        waits = []
        with patch.object(storesync_store_session.time, "sleep", waits.append):
            Session._throttle(self.store, 3)()
            Session._throttle(other, 3)()
        self.assertEqual(waits, [])

    def test_no_rate_no_throttle(self):
        self.assertIsNone(self.env["storesync.api.session"]._throttle(self.store, None))

    def test_status_names_come_from_the_store(self):
        self.store.status_map_ids.unlink()
        added = self.store._add_status_names(
            [{"id": "1", "title": "Függőben"}, {"id": "2", "title": "Teljesítve"}]
        )
        self.assertEqual(added, 2)
        self.store._add_status_names([{"id": "1", "title": "Renamed"}, {"id": "3", "title": ""}])
        rows = {row.store_status: row for row in self.store.status_map_ids}
        self.assertEqual(rows["1"].name, "Függőben")  # a name the user may have set is kept
        self.assertEqual(rows["3"].action, "quotation")
        self.assertEqual(rows["2"].display_name, "Teljesítve → Keep as quotation")
