"""Webhooks: the receiving controller, the "Register webhooks" button, and the whole path from
the emulator's signed delivery to a sales order.

HttpCase: the Odoo test server runs in-process and shares the test's cursor (``url_open``
flushes, the request runs on a savepoint of the test transaction). Run with ``--odoo-http``.
"""

import contextlib
import http.client
import json
import time
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from store_emulator.platforms.woocommerce import webhook_signature
from storesync_common import StoresyncCase

SECRET = "whsec_test_0123456789"
TOPICS = {"order.created", "order.updated"}
MAX_BODY_SIZE = 1024 * 1024


def _no_commit(*_args, **_kwargs):
    return float("inf")


@tagged("post_install", "-at_install")
class TestWebhook(StoresyncCase, HttpCase):
    emulator_orders = 5
    emulator_products = 5

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_import_mappings()
        cls.store.webhook_secret = SECRET
        cls.path = f"/storesync/webhook/{cls.store.id}"
        cls.process_cron = cls.env.ref("storesync_connector.ir_cron_process_inbox")
        # The processing cron commits batch by batch; the test transaction must not.
        cls.startClassPatcher(
            patch.object(type(cls.env["ir.cron"]), "_commit_progress", _no_commit)
        )

    def setUp(self):
        super().setUp()
        # The emulator lives for the class: each test starts without webhooks.
        with self.emulator.store.lock:
            self.emulator.store.webhooks.clear()
            self.emulator.store.webhook_deliveries.clear()

    # ------------------------------------------------------------------ helpers
    def _new_order_payload(self, status="processing"):
        [order_id] = self.emulator.store.create_orders(1, status=status)
        return self.emulator.store.order_json(self.emulator.store.orders[order_id])

    def _post(self, body, secret=SECRET, topic="order.created", path=None, headers=None):
        """POST ``body`` as WooCommerce delivers it, signed with ``secret`` (None: unsigned)."""
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        resource, _dot, event = topic.partition(".")
        sent = {
            "Content-Type": "application/json",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-ID": "1",
            "X-WC-Webhook-Delivery-ID": "4df0a951a314adc554e0f2016102e020",
        }
        if secret is not None:
            sent["X-WC-Webhook-Signature"] = webhook_signature(body, secret)
        sent.update(headers or {})
        self._snapshot()
        return self.url_open(path or self.path, data=body, headers=sent, method="POST")

    def _raw_post(self, headers, body=b""):
        """POST with exactly these headers (no Content-Length added): ``(status, body)``."""
        self._snapshot()
        host, port = self.base_url().split("//", 1)[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        with self.allow_requests(), contextlib.closing(conn):
            conn.putrequest("POST", self.path, skip_accept_encoding=True)
            cookies = "; ".join(f"{k}={v}" for k, v in self.opener.cookies.items())
            conn.putheader("Cookie", cookies)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders(body)
            response = conn.getresponse()
            return response.status, response.read()

    def _store_state(self):
        """What a delivery could change outside the sync log: the store's stored fields (its
        secrets and fetch request included), its chatter, every store's sync log."""
        self.env.flush_all()
        self.env.cr.precommit.run()  # the test's own tracking messages, posted at commit
        self.env.invalidate_all()
        store = self.store.sudo().with_context(active_test=False)
        names = [n for n, f in store._fields.items() if f.store and f.type != "one2many"]
        return (
            store.read(names),
            self.env["mail.message"].search_count(
                [("model", "=", store._name), ("res_id", "=", store.id)]
            ),
            self.env["storesync.inbox"].with_context(active_test=False).search_count([]),
            self.env["ir.cron.trigger"].search_count([]),
        )

    def _snapshot(self):
        self._before = self._store_state()

    def _rows(self):
        return self.env["storesync.inbox"].search([("store_id", "=", self.store.id)])

    def _triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.process_cron.id)])

    def _assert_refused(self, response, status):
        if isinstance(response, tuple):
            self.assertEqual(response[0], status, response[1])
        else:
            self.assertEqual(response.status_code, status, response.text)
        self.assertFalse(self._rows(), "a refused delivery writes nothing")
        self.assertFalse(self._triggers(), "a refused delivery triggers nothing")
        self.assertEqual(self._store_state(), self._before, "nor changes the store")

    def _hooks(self, url=None):
        """The emulator's webhooks at our delivery URL for our topics."""
        url = url or self.store.webhook_url
        return [
            dict(hook)
            for hook in self.emulator.store.webhooks.values()
            if hook["delivery_url"] == url and hook["topic"] in TOPICS
        ]

    # ------------------------------------------------------------------ controller
    def test_signed_order_becomes_a_pending_row_then_a_sales_order_without_fetching(self):
        self.assertFalse(self._triggers())
        payload = self._new_order_payload()
        self.emulator.clear_request_log()
        response = self._post(payload)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"result": "accepted"})
        row = self._rows()
        self.assertRecordValues(
            row,
            [
                {
                    "kind": "order",
                    "external_id": str(payload["id"]),
                    "state": "pending",
                    "payload": payload,
                    "name": f"#{payload['number']}",
                }
            ],
        )
        self.assertTrue(self._triggers(), "the processing cron is asked to run at once")
        self.env["storesync.inbox"]._cron_process()
        self.assertEqual(row.state, "done", row.last_error)
        sale = self._sales()
        self.assertRecordValues(
            sale,
            [{"storesync_external_id": str(payload["id"]), "state": "sale", "id": row.order_id.id}],
        )
        self.assertFalse(self.emulator.request_log, "the payload is the order: no fetch")

    def test_same_delivery_twice_changes_nothing(self):
        payload = self._new_order_payload()
        self.assertEqual(self._post(payload).status_code, 200)
        self._triggers().unlink()
        row = self._rows()
        write_date = row.write_date
        response = self._post(payload)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self._rows(), row)
        self.assertEqual(row.write_date, write_date)
        self.assertFalse(self._triggers(), "nothing new, nothing to process")

    def test_update_delivered_before_the_creation_it_follows(self):
        """Deliveries race: ``order.updated`` lands before the ``order.created`` it follows.
        The late, older payload must not replace the newer one: the order ends as the store
        has it now, not as it was created."""
        created = self._new_order_payload(status="on-hold")
        order_id = created["id"]
        # The creation is a minute older than the update (store dates count in seconds).
        earlier = datetime.fromisoformat(created["date_modified_gmt"]) - timedelta(minutes=1)
        created["date_modified_gmt"] = earlier.isoformat()
        updated = self.emulator.store.modify_order(order_id, status="processing")

        response = self._post(updated, topic="order.updated")
        self.assertEqual(response.json(), {"result": "accepted"})
        self._triggers().unlink()
        response = self._post(created, topic="order.created")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"result": "accepted"})

        row = self._rows()
        self.assertRecordValues(row, [{"state": "pending", "payload": updated}])
        self.assertFalse(self._triggers(), "the older payload changed nothing")
        self.env["storesync.inbox"]._cron_process()
        self.assertEqual(row.state, "done", row.last_error)
        self.assertRecordValues(
            self._sales(),
            [{"storesync_external_id": str(order_id), "storesync_status": "processing"}],
        )
        self.assertEqual(row.order_id.state, "sale")

        # Delivered again after the import, it still changes nothing.
        self.assertEqual(self._post(created, topic="order.created").status_code, 200)
        self.assertRecordValues(row, [{"state": "done", "payload": updated}])
        self.assertEqual(row.order_id.storesync_status, "processing")

    def test_unsigned_delivery_is_refused(self):
        self._assert_refused(self._post(self._new_order_payload(), secret=None), 401)

    def test_wrong_signature_is_refused(self):
        response = self._post(
            self._new_order_payload(),
            secret=None,
            headers={"X-WC-Webhook-Signature": "xDHr5XRGdiaAVKotCrxsHHfLXWaO+MzXOmBVKs1uNWQ="},
        )
        self._assert_refused(response, 401)

    def test_signature_with_another_secret_is_refused(self):
        self._assert_refused(self._post(self._new_order_payload(), secret="another"), 401)

    def test_store_without_secret_refuses_everything(self):
        self.store.webhook_secret = False
        self._assert_refused(self._post(self._new_order_payload(), secret=""), 401)

    def test_body_over_one_megabyte_is_refused(self):
        payload = self._new_order_payload()
        payload["customer_note"] = "x" * MAX_BODY_SIZE
        self._assert_refused(self._post(payload), 413)
        form = b"webhook_id=1&filler=" + b"x" * MAX_BODY_SIZE
        response = self._post(form, headers={"Content-Type": "application/x-www-form-urlencoded"})
        self._assert_refused(response, 413)

    def test_signed_body_that_is_not_a_json_object_is_refused(self):
        self._assert_refused(self._post(b"<html>not json</html>"), 400)
        self._assert_refused(self._post(b"[1, 2, 3]"), 400)
        self._assert_refused(self._post({"status": "processing"}), 400)  # no id

    def test_empty_or_scalar_signed_body_is_refused(self):
        self._assert_refused(self._post(b""), 400)
        self._assert_refused(self._post(b"", secret=None), 401)
        self._assert_refused(self._post(b'"an order"'), 400)
        self._assert_refused(self._post(b"12"), 400)
        self._assert_refused(self._post(b"null"), 400)
        self._assert_refused(self._post(b"[" * 100000 + b"]" * 100000), 400)

    def test_form_body_is_never_an_order(self):
        """WooCommerce sends orders as JSON: a form body, signed or not, imports nothing."""
        form = b"id=42&status=processing&number=42"
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        self._assert_refused(self._post(form, secret=None, headers=headers), 401)
        self._assert_refused(self._post(form, headers=headers), 400)
        self._snapshot()
        multipart = self.url_open(
            self.path,
            files={"id": (None, "42"), "status": (None, "processing")},
            headers={"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Signature": "x"},
        )
        self._assert_refused(multipart, 401)

    def test_huge_or_missing_content_length_is_refused_before_reading(self):
        payload = json.dumps(self._new_order_payload()).encode()
        headers = {
            "Content-Type": "application/json",
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Signature": webhook_signature(payload, SECRET),
        }
        # A length announced over the limit, the body never sent: refused, nothing written.
        # (The in-process test server answers 400 here: werkzeug fails the short read.)
        for length in (MAX_BODY_SIZE + 1, 10**12):
            status, body = self._raw_post({**headers, "Content-Length": str(length)}, payload)
            self.assertIn(status, (400, 413), body)
            self._assert_refused((413, body), 413)
        chunked = self._raw_post(
            {**headers, "Transfer-Encoding": "chunked"},
            b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload),
        )
        self._assert_refused(chunked, 411)

    def test_secret_in_the_url_does_not_authenticate_a_signing_platform(self):
        payload = self._new_order_payload()
        response = self._post(payload, secret=None, path=f"{self.path}/{SECRET}")
        self._assert_refused(response, 401)

    def test_unknown_or_archived_store_is_not_found(self):
        payload = self._new_order_payload()
        path = f"/storesync/webhook/{self.store.id + 1000}"
        self._assert_refused(self._post(payload, path=path), 404)
        self._assert_refused(self._post(payload, path="/storesync/webhook/0"), 404)
        self.store.active = False
        self._assert_refused(self._post(payload), 404)
        self._assert_refused(self._post(payload, secret=None), 404)

    def test_ping_is_answered_and_writes_nothing(self):
        self._snapshot()
        response = self.url_open(
            self.path,
            data=b"webhook_id=12",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"result": "ping"})
        self._assert_refused(response, 200)

    def test_topics_we_do_not_import_are_acknowledged_and_ignored(self):
        product = self.emulator.store.product_json(
            next(iter(self.emulator.store.products.values()))
        )
        response = self._post(product, topic="product.updated")
        self.assertEqual(response.json(), {"result": "ignored"})
        self._assert_refused(response, 200)
        self._assert_refused(self._post({"id": 5}, topic="order.deleted"), 200)
        self.store.import_orders = False
        self._assert_refused(self._post(self._new_order_payload()), 200)

    # ------------------------------------------------------------------ register button
    def test_register_creates_two_signed_hooks_then_nothing_more(self):
        self.store.webhook_secret = False
        self.assertEqual(
            self.store.webhook_url, f"{self.base_url()}/storesync/webhook/{self.store.id}"
        )
        self.store.action_register_webhooks()
        secret = self.store.webhook_secret
        self.assertGreaterEqual(len(secret), 40)
        hooks = self._hooks()
        self.assertEqual(sorted(h["topic"] for h in hooks), sorted(TOPICS))
        for hook in hooks:
            self.assertEqual((hook["status"], hook["secret"]), ("active", secret))
        self.assertIn("created: order.created", self.store.message_ids[0].body)

        self.emulator.clear_request_log()
        self.store.action_register_webhooks()
        self.assertEqual(self.store.webhook_secret, secret, "one secret per store")
        self.assertEqual([h["id"] for h in self._hooks()], [h["id"] for h in hooks])
        self.assertFalse(
            [e for e in self.emulator.request_log if e["method"] == "POST"], "nothing created"
        )
        self.assertIn("created: none", self.store.message_ids[0].body)

    def test_register_repairs_our_hooks_and_leaves_others_alone(self):
        store = self.emulator.store
        foreign = store.add_webhook(self.store.webhook_url + "/other", "order.updated", "theirs")
        foreign_before = store.webhook_json(foreign)
        self.store.action_register_webhooks()
        created, updated = sorted(self._hooks(), key=lambda h: h["topic"])
        with store.lock:
            store.webhooks[created["id"]]["status"] = "disabled"
            store.webhooks[updated["id"]]["secret"] = "changed in wp-admin"
        self.store.action_register_webhooks()
        for hook in self._hooks():
            self.assertEqual((hook["status"], hook["secret"]), ("active", SECRET))
        self.assertEqual(len(self._hooks()), 2)
        self.assertIn(
            f"re-activated: order.created (#{created['id']})", self.store.message_ids[0].body
        )
        self.assertEqual(store.webhook_json(store.webhooks[foreign["id"]]), foreign_before)
        self.assertEqual(store.webhooks[foreign["id"]]["secret"], "theirs")

    def test_register_store_error_is_a_readable_user_error(self):
        self.store.consumer_secret = "wrong"
        with self.assertRaisesRegex(UserError, "refused the API keys"):
            self.store.action_register_webhooks()
        self.assertFalse(self._hooks())

    def test_register_and_secret_are_for_managers(self):
        user = new_test_user(
            self.env, "storesync_webhook_user", groups="storesync_connector.group_storesync_user"
        )
        store = self.store.with_user(user)
        self.assertTrue(store.webhook_url)
        with self.assertRaises(AccessError):
            store.action_register_webhooks()
        with self.assertRaises(AccessError):
            store.read(["webhook_secret"])
        self.assertFalse(self._hooks())
        copy = self.store.copy({"base_url": self.emulator.url + "/copy"})
        self.assertFalse(copy.webhook_secret)

    # ------------------------------------------------------------------ end to end
    def test_emulator_delivery_reaches_odoo(self):
        """The store's own signed delivery (its thread, its HTTP client) lands in the inbox."""
        self.store.action_register_webhooks()
        self.env.flush_all()
        self.env.invalidate_all()
        deliveries = self.emulator.store.webhook_deliveries
        with self.allow_requests(all_requests=True):
            # While the test lock is released only the server thread may use the cursor.
            start = time.monotonic()
            [order_id] = self.emulator.store.create_orders(1, status="processing")
            while time.monotonic() - start < 10 and not any(
                d["topic"] == "order.created" and not d["ping"] for d in list(deliveries)
            ):
                time.sleep(0.05)
            elapsed = time.monotonic() - start
        [delivery] = [d for d in deliveries if d["topic"] == "order.created" and not d["ping"]]
        self.assertEqual(delivery["status"], 200, delivery)
        self.assertLess(elapsed, 5)
        row = self._rows()
        self.assertRecordValues(row, [{"external_id": str(order_id), "state": "pending"}])
        self.assertTrue(self._triggers())
