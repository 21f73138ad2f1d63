"""Webhooks of a platform that signs nothing: the secret is in the URL, and a delivery only
triggers a fetch through the API (Shoprenter's multipart deliveries)."""

import json
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

SECRET = "sr_url_secret_0123456789"


@tagged("post_install", "-at_install")
class TestWebhookUrlToken(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = cls.env["storesync.store"].create(
            {
                "name": "Token shop",
                "platform": "shoprenter",
                "base_url": "https://tokenshop.myshoprenter.hu",
                "shop_name": "tokenshop",
                "client_id": "id",
                "client_secret": "secret",
                "webhook_secret": SECRET,
            }
        )
        cls.fetch_cron = cls.env.ref("storesync_connector.ir_cron_fetch_orders")
        cls.trigger = cls.startClassPatcher(patch.object(type(cls.fetch_cron), "_trigger"))

    def setUp(self):
        super().setUp()
        self.trigger.reset_mock()

    def _post(self, token=SECRET, orders=None):
        """POST a delivery as Shoprenter sends it: a multipart form whose ``data`` is JSON."""
        orders = orders if orders is not None else [{"innerId": "1043", "email": "a@b.hu"}]
        path = f"/storesync/webhook/{self.store.id}" + (f"/{token}" if token else "")
        return self.url_open(
            path,
            files={"data": (None, json.dumps({"orders": {"order": orders}}))},
            headers={"User-Agent": "ShopRenter"},
        )

    def _requested(self):
        return self.env["storesync.api.session"]._take_fetch_requests()

    def _rows(self):
        return self.env["storesync.inbox"].search([("store_id", "=", self.store.id)])

    def test_delivery_with_the_url_secret_triggers_a_fetch_and_imports_nothing_itself(self):
        response = self._post()
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"result": "accepted"})
        self.assertEqual(self._requested(), [self.store.id])
        self.assertFalse(self._requested(), "taken once")
        self.trigger.assert_called()
        self.assertFalse(self._rows(), "the body is never imported: the API is the truth")

    def test_wrong_missing_or_unset_secret_is_refused_and_writes_nothing(self):
        for token in ("wrong", None):
            response = self._post(token=token)
            self.assertEqual(response.status_code, 401, token)
        self.store.webhook_secret = False
        self.assertEqual(self._post().status_code, 401)
        self.assertFalse(self._requested())
        self.trigger.assert_not_called()

    def test_delivery_without_orders_or_with_import_off_is_acknowledged(self):
        self.assertEqual(self._post(orders=[]).json(), {"result": "ignored"})
        self.store.import_orders = False
        self.assertEqual(self._post().json(), {"result": "ignored"})
        self.assertFalse(self._requested())

    def test_delivery_url_carries_the_secret_for_this_platform_only(self):
        self.assertEqual(self.store._webhook_delivery_url(), f"{self.store.webhook_url}/{SECRET}")
        self.assertNotIn(SECRET, self.store.webhook_url, "the shown URL keeps the secret out")
