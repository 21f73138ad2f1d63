"""Webhooks of a platform that signs nothing: the secret is in the URL, and a delivery only
triggers a fetch through the API (Shoprenter's multipart deliveries)."""

import base64
import hashlib
import hmac
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

    def _post_raw(self, body, token=SECRET, store_id=None, content_type=None):
        path = f"/storesync/webhook/{store_id or self.store.id}/{token}"
        headers = {"User-Agent": "ShopRenter"}
        if content_type:
            headers["Content-Type"] = content_type
        return self.url_open(path, data=body, headers=headers, method="POST")

    def _assert_nothing_written(self, response, status, result=None):
        self.assertEqual(response.status_code, status, response.text)
        if result:
            self.assertEqual(response.json(), result)
        self.assertFalse(self._requested(), "no fetch requested")
        self.trigger.assert_not_called()
        self.assertFalse(self._rows())
        self.store.invalidate_recordset()
        self.assertFalse(self.store.orders_fetch_requested)

    def _requested(self):
        return self.env["storesync.api.session"]._take_fetch_requests()

    def _rows(self):
        return self.env["storesync.inbox"].search([("store_id", "=", self.store.id)])

    def test_delivery_with_the_url_secret_triggers_a_fetch_and_imports_nothing_itself(self):
        response = self._post()
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"result": "accepted"})
        # The store to fetch, and the order the delivery named (kept for a platform whose
        # listing cannot find a changed order).
        self.assertEqual(self._requested(), {self.store.id: ["1043"]})
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
        self.assertEqual(self._post(orders=[]).status_code, 400, "names no order: refused")
        self.store.import_orders = False
        self.assertEqual(self._post().json(), {"result": "ignored"})
        self.assertFalse(self._requested())

    def test_delivery_url_carries_the_secret_for_this_platform_only(self):
        self.assertEqual(self.store._webhook_delivery_url(), f"{self.store.webhook_url}/{SECRET}")
        self.assertNotIn(SECRET, self.store.webhook_url, "the shown URL keeps the secret out")

    def test_unknown_or_archived_store_is_not_found(self):
        self._assert_nothing_written(
            self._post_raw(b"data=%7B%7D", store_id=self.store.id + 999), 404
        )
        self.store.active = False
        self._assert_nothing_written(self._post(), 404)

    def test_oversized_delivery_is_refused_whatever_the_token(self):
        big = json.dumps({"orders": {"order": [{"innerId": "1", "note": "x" * 1024 * 1024}]}})
        for token in (SECRET, "wrong"):
            path = f"/storesync/webhook/{self.store.id}/{token}"
            response = self.url_open(path, files={"data": (None, big)})
            self._assert_nothing_written(response, 413)

    def test_bad_token_with_any_body_is_refused(self):
        for body, ctype in (
            (b"", None),
            (b"not json", "text/plain"),
            (b"[1, 2]", "application/json"),
            (b'"order"', "application/json"),
            (json.dumps({"orders": {"order": [{"innerId": "7"}]}}).encode(), "application/json"),
        ):
            with self.subTest(body=body):
                self._assert_nothing_written(self._post_raw(body, "x" + SECRET, None, ctype), 401)

    def test_unusable_body_with_the_secret_fetches_nothing(self):
        """An authentic request whose body is no delivery (empty, not JSON, a list, a string,
        a form without ``data``) is refused (make reliability, hostile input) and triggers
        nothing."""
        for body, ctype in (
            (b"", None),
            (b"<html>not json</html>", "text/html"),
            (b"[1, 2]", "application/json"),
            (b'"order"', "application/json"),
            (b"data=not+json", "application/x-www-form-urlencoded"),
            (b"orders=1043", "application/x-www-form-urlencoded"),
            (json.dumps({"orders": {"order": "1043"}}).encode(), "application/json"),
        ):
            with self.subTest(body=body):
                response = self._post_raw(body, content_type=ctype)
                self._assert_nothing_written(response, 400, {"error": "not_a_delivery"})

    def test_hmac_signature_does_not_replace_the_url_secret(self):
        body = json.dumps({"orders": {"order": [{"innerId": "1043"}]}}).encode()
        signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
        response = self.url_open(
            f"/storesync/webhook/{self.store.id}",
            data=body,
            headers={"Content-Type": "application/json", "X-WC-Webhook-Signature": signature},
        )
        self._assert_nothing_written(response, 401)
