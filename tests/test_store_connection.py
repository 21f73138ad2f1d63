"""The store form's "Test connection" button, against the loopback WooCommerce emulator."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from odoo.exceptions import UserError
from odoo.tests import tagged

from storesync_common import CONSUMER_KEY, CONSUMER_SECRET, StoresyncCase, closed_port


class _HtmlHandler(BaseHTTPRequestHandler):
    """A web server that is not a store: every page is the same HTML."""

    def do_GET(self):
        body = b"<html><body>Just a blog</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestStoreConnection(StoresyncCase):
    emulator_orders = 3
    emulator_products = 3

    def test_success_notifies_store_name_and_version(self):
        action = self.store.action_test_connection()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        message = action["params"]["message"]
        self.assertIn("WooCommerce", message)
        self.assertIn("wc/v3", message)
        # The version the store reports, not a constant of ours.
        status = requests.get(
            f"{self.emulator.url}/wp-json/wc/v3/system_status",
            auth=(CONSUMER_KEY, CONSUMER_SECRET),
            timeout=5,
        ).json()
        self.assertIn(status["environment"]["version"], message)
        self.assertIn(message, self.store.message_ids[0].body)
        paths = [entry["path"] for entry in self.emulator.request_log]
        self.assertIn("/wp-json/wc/v3/system_status", paths)

    def test_wrong_keys(self):
        self.store.consumer_secret = "cs_wrong"
        with self.assertRaisesRegex(UserError, "refused the API keys.*401"):
            self.store.action_test_connection()

    def test_unreachable_host(self):
        self.store.base_url = f"http://127.0.0.1:{closed_port()}"
        with self.assertRaisesRegex(UserError, "Cannot reach"):
            self.store.action_test_connection()

    def test_tls_to_a_plain_http_server(self):
        self.store.base_url = self.emulator.url.replace("http://", "https://")
        with self.assertRaisesRegex(UserError, "secure connection \\(TLS\\)"):
            self.store.action_test_connection()

    def test_not_a_woocommerce_site(self):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.store.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        with self.assertRaisesRegex(UserError, "not a WooCommerce store"):
            self.store.action_test_connection()

    def test_store_error_is_reported_not_swallowed(self):
        self.emulator.set_faults(kinds=["500"], count=10)
        self.addCleanup(self.emulator.clear_faults)
        with self.assertRaisesRegex(UserError, "500"):
            self.store.action_test_connection()

    def test_load_mappings_from_store(self):
        tax = self.env["account.tax"].create(
            {"name": "VAT 27% (test)", "amount": 27, "type_tax_use": "sale"}
        )
        self.store.action_load_store_settings()
        taxes = self.store.tax_map_ids
        self.assertEqual(len(taxes), 14)
        hu = taxes.filtered(lambda m: m.store_tax_id == "1")
        self.assertRecordValues(hu, [{"label": "HU-VAT", "rate": 27.0}])
        same_rate = self.env["account.tax"].search(
            [("type_tax_use", "=", "sale"), ("amount", "=", 27.0), ("amount_type", "=", "percent")]
        )
        self.assertEqual(hu.tax_id, tax if len(same_rate) == 1 else self.env["account.tax"])
        self.assertEqual(
            sorted(self.store.shipping_map_ids.mapped("method_id")),
            ["flat_rate", "free_shipping", "local_pickup"],
        )
        self.assertIn("bacs", self.store.payment_map_ids.mapped("method_code"))
        # A second load adds nothing.
        count = len(taxes) + len(self.store.shipping_map_ids) + len(self.store.payment_map_ids)
        self.store.action_load_store_settings()
        self.assertEqual(
            len(self.store.tax_map_ids)
            + len(self.store.shipping_map_ids)
            + len(self.store.payment_map_ids),
            count,
        )
