"""WooCommerce webhooks at the adapter level: registering/repairing them and reading deliveries.

No Odoo needed: ``python -m pytest -p no:odoo tests/test_adapter_woocommerce_webhooks.py``.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from store_emulator import EmulatorServer

try:
    from odoo.addons.storesync_connector.adapters import StoreSyncError, get_adapter_class
except ImportError:  # plain pytest without Odoo: load the pure-Python package directly
    import bare_addon  # noqa: F401 (registers the bare package)

    from storesync_connector.adapters import StoreSyncError, get_adapter_class

KEYS = {"consumer_key": "ck_demo", "consumer_secret": "cs_demo"}
WooCommerce = get_adapter_class("woocommerce")
SECRET = "whsec_0123456789"
TOPICS = {"order.created", "order.updated"}


class _Receiver(BaseHTTPRequestHandler):
    """Records every POST (headers, body) and answers 200, as a webhook endpoint would."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.calls.append((dict(self.headers.items()), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.calls = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/storesync/webhook/1"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def shop():
    with EmulatorServer(platform="woocommerce", seed=5, orders=5, products=5, port=0) as server:
        yield server


def make(url, credentials=None):
    return WooCommerce(url, credentials or KEYS, backoff_factor=0.01, timeout=(2, 5))


def ours(shop, url):
    """The emulator's webhooks at ``url`` for our topics, by topic (secrets included)."""
    hooks = {}
    for hook in shop.store.webhooks.values():
        if hook["delivery_url"] == url and hook["topic"] in TOPICS:
            hooks.setdefault(hook["topic"], []).append(dict(hook))
    return hooks


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def topics(refs):
    return sorted(ref["topic"] for ref in refs)


# ---------------------------------------------------------------------- register_webhooks
def test_register_creates_one_active_signed_hook_per_topic(shop, receiver):
    result = make(shop.url).register_webhooks(receiver.url, SECRET)
    assert topics(result["created"]) == sorted(TOPICS)
    assert not (result["updated"] or result["kept"] or result["deleted"] or result["others"])
    hooks = ours(shop, receiver.url)
    assert {topic: len(found) for topic, found in hooks.items()} == dict.fromkeys(TOPICS, 1)
    for (hook,) in hooks.values():
        assert (hook["status"], hook["secret"]) == ("active", SECRET)
    assert {ref["id"] for ref in result["created"]} == {
        str(hook["id"]) for (hook,) in hooks.values()
    }


def test_register_again_creates_nothing(shop, receiver):
    adapter = make(shop.url)
    adapter.register_webhooks(receiver.url, SECRET)
    before = {hook_id: dict(hook) for hook_id, hook in shop.store.webhooks.items()}
    shop.clear_request_log()
    result = adapter.register_webhooks(receiver.url, SECRET)
    assert not result["created"] and not result["deleted"]
    assert topics(result["kept"]) == sorted(TOPICS)
    assert set(shop.store.webhooks) == set(before)
    assert not [e for e in shop.request_log if e["method"] == "POST"]


def test_register_repairs_a_disabled_hook_and_a_changed_secret(shop, receiver):
    adapter = make(shop.url)
    adapter.register_webhooks(receiver.url, SECRET)
    created = ours(shop, receiver.url)
    disabled_id = created["order.created"][0]["id"]
    changed_id = created["order.updated"][0]["id"]
    with shop.store.lock:
        shop.store.webhooks[disabled_id]["status"] = "disabled"
        shop.store.webhooks[changed_id]["secret"] = "changed in wp-admin"
    result = adapter.register_webhooks(receiver.url, SECRET)
    assert result["updated"] == [{"id": str(disabled_id), "topic": "order.created"}]
    assert result["kept"] == [{"id": str(changed_id), "topic": "order.updated"}]
    assert not result["created"]
    for hook_id in (disabled_id, changed_id):
        hook = shop.store.webhooks[hook_id]
        assert (hook["status"], hook["secret"], hook["delivery_url"]) == (
            "active",
            SECRET,
            receiver.url,
        )


def test_register_deletes_duplicates_and_leaves_other_hooks_alone(shop, receiver):
    store = shop.store
    older = store.add_webhook(receiver.url, "order.created", "old", status="paused")
    active = store.add_webhook(receiver.url, "order.created", "old")
    foreign = [
        store.add_webhook(receiver.url + "/crm", "order.created", "theirs"),
        store.add_webhook(receiver.url, "product.updated", "theirs"),
        store.add_webhook(receiver.url + "/other", "order.updated", "theirs", status="paused"),
    ]
    # What the store's API shows (failure counts move with the pings in the background).
    foreign_before = {hook["id"]: store.webhook_json(hook) for hook in foreign}
    result = make(shop.url).register_webhooks(receiver.url, SECRET)
    # The active one is kept, the paused duplicate goes, order.updated is created.
    assert result["kept"] == [{"id": str(active["id"]), "topic": "order.created"}]
    assert result["deleted"] == [{"id": str(older["id"]), "topic": "order.created"}]
    assert topics(result["created"]) == ["order.updated"]
    assert older["id"] not in store.webhooks
    assert store.webhooks[active["id"]]["secret"] == SECRET
    assert {ref["id"] for ref in result["others"]} == {str(hook_id) for hook_id in foreign_before}
    for hook_id, hook in foreign_before.items():
        assert store.webhook_json(store.webhooks[hook_id]) == hook
        assert store.webhooks[hook_id]["secret"] == "theirs"


def test_register_reads_every_page_of_the_listing(shop, receiver):
    for index in range(5):
        shop.store.add_webhook(f"{receiver.url}/other/{index}", "order.created", "x")
    adapter = make(shop.url)
    adapter.register_webhooks(receiver.url, SECRET)
    adapter.max_page_size = 2  # our hooks are now on the last of 4 pages
    shop.clear_request_log()
    result = adapter.register_webhooks(receiver.url, SECRET)
    assert not result["created"] and len(result["others"]) == 5
    pages = [e["query"] for e in shop.request_log if e["path"].endswith("/webhooks")]
    assert len(pages) == 4


def test_register_errors_are_store_sync_errors(shop, receiver):
    with pytest.raises(StoreSyncError) as info:
        make(shop.url, {"consumer_key": "ck_demo", "consumer_secret": "wrong"}).register_webhooks(
            receiver.url, SECRET
        )
    assert info.value.kind == "auth"
    assert not shop.store.webhooks


# ---------------------------------------------------------------------- deliveries
def test_real_deliveries_are_described_and_verified(shop, receiver):
    make(shop.url).register_webhooks(receiver.url, SECRET)
    [order_id] = shop.store.create_orders(1)
    shop.store.modify_order(order_id, status="completed")
    assert wait_for(lambda: len(receiver.calls) >= 4), receiver.calls
    pings = [(h, b) for h, b in receiver.calls if WooCommerce.describe_webhook(h, b)["ping"]]
    deliveries = [(h, b) for h, b in receiver.calls if (h, b) not in pings]
    assert len(pings) == 2
    for headers, body in pings:
        assert WooCommerce.describe_webhook(headers, body) == {
            "ping": True,
            "kind": None,
            "topic": "",
        }
        assert not WooCommerce.verify_webhook(headers, body, SECRET)
    assert [WooCommerce.describe_webhook(h, b) for h, b in deliveries] == [
        {"ping": False, "kind": "order", "topic": "order.created"},
        {"ping": False, "kind": "order", "topic": "order.updated"},
    ]
    for headers, body in deliveries:
        assert WooCommerce.verify_webhook(headers, body, SECRET)
        assert not WooCommerce.verify_webhook(headers, body, "another secret")
        assert WooCommerce.describe_order(json.loads(body))["external_id"] == str(order_id)


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"X-WC-Webhook-Topic": "product.updated", "X-WC-Webhook-Resource": "product"}, "product"),
        ({"x-wc-webhook-topic": "order.restored"}, "order"),
        # A deletion carries only the id, not a payload to import.
        ({"X-WC-Webhook-Topic": "order.deleted", "X-WC-Webhook-Event": "deleted"}, None),
        ({"X-WC-Webhook-Topic": "coupon.created"}, None),
        ({"X-WC-Webhook-Topic": "action.woocommerce_add_to_cart"}, None),
        ({}, None),
    ],
)
def test_describe_webhook_topics(headers, kind):
    described = WooCommerce.describe_webhook(headers, b'{"id": 5}')
    assert described == {
        "ping": False,
        "kind": kind,
        "topic": next(iter(headers.values()), ""),
    }


def test_a_ping_is_only_the_bare_form_body():
    assert WooCommerce.describe_webhook({}, "webhook_id=12\n")["ping"]
    assert not WooCommerce.describe_webhook({}, b"webhook_id=12&id=5")["ping"]
    assert not WooCommerce.describe_webhook({}, b'{"webhook_id": 12}')["ping"]
    topic = {"X-WC-Webhook-Topic": "order.updated"}
    assert not WooCommerce.describe_webhook(topic, b"webhook_id=12")["ping"]
