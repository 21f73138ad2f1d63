"""The WooCommerce adapter against the loopback store emulator (and `responses` for odd shapes).

No Odoo needed: ``python -m pytest -p no:odoo tests/test_adapter_woocommerce.py``.
"""

import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import responses

from store_emulator import EmulatorServer
from store_emulator.platforms.woocommerce import webhook_signature

try:
    from odoo.addons.storesync_connector.adapters import StoreSyncError, get_adapter_class
except ImportError:  # plain pytest without Odoo: load the pure-Python package directly
    import bare_addon  # noqa: F401 (registers the bare package)

    from storesync_connector.adapters import StoreSyncError, get_adapter_class

KEYS = {"consumer_key": "ck_demo", "consumer_secret": "cs_demo"}
WooCommerce = get_adapter_class("woocommerce")


def make(url, credentials=KEYS, **kwargs):
    """An adapter with test-sized waits: tiny backoff, short timeouts."""
    kwargs.setdefault("backoff_factor", 0.01)
    kwargs.setdefault("timeout", (2, 5))
    return WooCommerce(url, credentials, **kwargs)


@pytest.fixture(scope="module")
def emu():
    """A read-only store with 250 orders, shared by the module; faults cleared per test."""
    with EmulatorServer(platform="woocommerce", seed=1, orders=250, products=20, port=0) as server:
        yield server


@pytest.fixture(autouse=True)
def _clean(request):
    yield
    if "emu" in request.fixturenames:
        server = request.getfixturevalue("emu")
        server.clear_faults()
        server.clear_request_log()


@pytest.fixture
def shop():
    """A small store of its own, for tests that change data."""
    with EmulatorServer(platform="woocommerce", seed=3, orders=30, products=20, port=0) as server:
        yield server


def statuses(server):
    return [entry["status"] for entry in server.request_log]


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raises(call, *args, **kwargs) -> StoreSyncError:
    with pytest.raises(StoreSyncError) as info:
        call(*args, **kwargs)
    return info.value


# ---------------------------------------------------------------------- connection
def test_check_connection_reports_the_store(emu):
    about = make(emu.url + "/").check_connection()
    # The version the store reports, read independently of the adapter.
    status = requests.get(
        f"{emu.url}/wp-json/wc/v3/system_status", auth=tuple(KEYS.values()), timeout=5
    ).json()
    assert about["version"] == status["environment"]["version"]
    assert about["currency"] == status["settings"]["currency"]
    assert about["name"] == "StoreSync Demo Shop"
    assert about["api_version"] == "wc/v3"
    assert about["supports_modified_after"] is True
    assert about["redirected_to"] is None
    paths = [entry["path"].rstrip("/") for entry in emu.request_log]
    assert "/wp-json" in paths and "/wp-json/wc/v3/system_status" in paths


def test_wrong_keys_are_auth_errors(emu):
    error = raises(make(emu.url, {**KEYS, "consumer_secret": "cs_wrong"}).check_connection)
    assert (error.kind, error.status, error.retryable) == ("auth", 401, False)
    assert error.code == "woocommerce_rest_authentication_error"
    assert error.message == "Consumer secret is invalid."
    assert error.details["insecure_url"] is True  # real stores refuse Basic auth over http
    assert "401" in str(error) and "cs_wrong" not in str(error)


def test_missing_keys_fail_before_sending_anything(emu):
    adapter = make(emu.url, {"consumer_key": "ck_demo", "consumer_secret": ""})
    error = raises(adapter.get_order, 1000)
    assert error.kind == "auth" and error.status is None
    assert emu.request_log == []


def test_closed_port_is_unreachable_and_retryable():
    start = time.monotonic()
    error = raises(make(f"http://127.0.0.1:{closed_port()}").check_connection)
    assert (error.kind, error.retryable, error.status) == ("unreachable", True, None)
    assert "refused" in error.message.lower()
    assert time.monotonic() - start < 5


def test_https_to_a_plain_http_server_is_tls(emu):
    error = raises(make(emu.url.replace("http://", "https://")).check_connection)
    assert (error.kind, error.retryable) == ("tls", False)


class _BlogHandler(BaseHTTPRequestHandler):
    """A web server that is not a store: every address is the same HTML page."""

    def do_GET(self):
        body = b"<!DOCTYPE html><html><body>Just a blog</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_plain_website_is_not_woocommerce():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BlogHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        error = raises(make(f"http://127.0.0.1:{server.server_address[1]}").check_connection)
    finally:
        server.shutdown()
        server.server_close()
    assert (error.kind, error.retryable) == ("not_platform", False)


@responses.activate
def test_wordpress_without_woocommerce_is_not_woocommerce():
    responses.get("https://blog.example.com/wp-json/", json={"namespaces": ["oembed/1.0", "wp/v2"]})
    error = raises(make("https://blog.example.com").check_connection)
    assert error.kind == "not_platform"
    assert "not installed or not active" in error.message
    assert len(responses.calls) == 1  # the keys are never sent to it


@responses.activate
def test_missing_wc_v3_route_is_not_woocommerce():
    # The index is cached or lies, but the route is not there: WordPress's 404 rest_no_route.
    responses.get("https://shop.example.com/wp-json/", json={"namespaces": ["wc/v3"]})
    responses.get(
        "https://shop.example.com/wp-json/wc/v3/system_status",
        status=404,
        json={
            "code": "rest_no_route",
            "message": "No route was found matching the URL and request method.",
            "data": {"status": 404},
        },
    )
    error = raises(make("https://shop.example.com").check_connection)
    assert (error.kind, error.code, error.status) == ("not_platform", "rest_no_route", 404)


@responses.activate
def test_sub_folder_site_hidden_index_user_agent_and_basic_auth():
    base = "https://example.com/shop"
    # Some security plugins hide the index from anonymous visitors: the keys decide then.
    responses.get(
        f"{base}/wp-json/",
        status=401,
        json={"code": "rest_not_logged_in", "message": "Not logged in.", "data": {"status": 401}},
    )
    responses.get(
        f"{base}/wp-json/wc/v3/system_status",
        json={
            "environment": {"version": "8.2.1", "site_url": base},
            "settings": {"currency": "HUF"},
        },
    )
    about = make(f"{base}/wp-json/wc/v3/").check_connection()
    assert (about["version"], about["currency"], about["name"]) == ("8.2.1", "HUF", base)
    assert about["supports_modified_after"] is True
    sent = responses.calls[1].request
    assert sent.headers["User-Agent"] == "storesync_connector/19.0 (+Odoo)"
    assert sent.headers["Authorization"] == requests.auth._basic_auth_str("ck_demo", "cs_demo")
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_redirect_to_https_and_an_old_woocommerce_are_reported():
    for scheme in ("http", "https"):
        responses.get(
            f"{scheme}://shop.example.com/wp-json/wc/v3/system_status",
            json={"environment": {"version": "5.7.2"}, "settings": {"currency": "EUR"}},
        )
    responses.get(
        "http://shop.example.com/wp-json/",
        status=301,
        headers={"Location": "https://shop.example.com/wp-json/"},
    )
    responses.get(
        "https://shop.example.com/wp-json/", json={"name": "Tom &amp; Co", "namespaces": ["wc/v3"]}
    )
    about = make("http://shop.example.com").check_connection()
    assert about["redirected_to"] == "https://shop.example.com"
    assert about["name"] == "Tom & Co"  # WordPress sends HTML entities
    assert about["supports_modified_after"] is False  # modified_after needs WooCommerce 5.8


# ---------------------------------------------------------------------- reading
def test_250_orders_cost_exactly_three_requests(emu):
    pages = list(make(emu.url).iter_orders())
    assert [len(page) for page in pages] == [100, 100, 50]
    assert [(p.number, p.total, p.total_pages) for p in pages] == [
        (1, 250, 3),
        (2, 250, 3),
        (3, 250, 3),
    ]
    ids = [order["id"] for page in pages for order in page]
    assert ids == sorted(emu.store.orders)  # every order once, by id
    assert [(e["path"], e["query"]["page"]) for e in emu.request_log] == [
        ("/wp-json/wc/v3/orders", "1"),
        ("/wp-json/wc/v3/orders", "2"),
        ("/wp-json/wc/v3/orders", "3"),
    ]


def test_fetch_orders_page_and_status_filter(emu):
    page = make(emu.url).fetch_orders_page(2, per_page=7, status=["processing", "completed"])
    assert len(page) == 7 and page.number == 2
    assert {order["status"] for order in page} <= {"processing", "completed"}
    expected = sum(o["status"] in ("processing", "completed") for o in emu.store.orders.values())
    assert page.total == expected
    assert emu.request_log[0]["query"]["status"] == "processing,completed"


def test_modified_after_returns_only_changed_orders(shop):
    cursor = max(datetime.fromisoformat(o["date_modified_gmt"]) for o in shop.store.orders.values())
    changed = sorted(shop.store.orders)[3:6]
    for order_id in changed:
        shop.store.modify_order(order_id, status="completed")
    created = shop.store.create_orders(2)
    adapter = make(shop.url)
    shop.clear_request_log()
    pages = list(adapter.iter_orders(modified_after=cursor))
    assert [o["id"] for page in pages for o in page] == [*changed, *created]
    assert len(shop.request_log) == 1
    query = shop.request_log[0]["query"]
    assert query["modified_after"] == cursor.strftime("%Y-%m-%dT%H:%M:%S")
    assert query["dates_are_gmt"] == "true"
    # An aware datetime means the same moment.
    aware = cursor.replace(tzinfo=timezone.utc).astimezone(timezone(timedelta(hours=2)))
    assert [o["id"] for p in adapter.iter_orders(modified_after=aware) for o in p] == [
        *changed,
        *created,
    ]
    # Nothing new: one request, no page.
    newest = max(datetime.fromisoformat(o["date_modified_gmt"]) for o in shop.store.orders.values())
    shop.clear_request_log()
    assert list(adapter.iter_orders(modified_after=newest)) == []
    assert len(shop.request_log) == 1


def test_get_order_and_not_found(emu):
    adapter = make(emu.url)
    order_id = sorted(emu.store.orders)[10]
    order = adapter.get_order(str(order_id))
    assert order["id"] == order_id and order["line_items"]
    error = raises(adapter.get_order, 999999)
    assert (error.kind, error.status, error.retryable) == ("not_found", 404, False)
    assert error.code == "woocommerce_rest_shop_order_invalid_id"
    with pytest.raises(ValueError):
        adapter.get_order("abc")


def test_products_and_variations(emu):
    adapter = make(emu.url)
    pages = list(adapter.iter_products())
    products = [p for page in pages for p in page]
    assert len(pages) == 1 and len(emu.request_log) == 1
    assert {p["id"] for p in products} == {
        p["id"] for p in emu.store.products.values() if p["status"] != "trash"
    }
    variable = next(p for p in products if p["type"] == "variable")
    variations = adapter.list_variations(variable["id"])
    assert sorted(v["id"] for v in variations) == sorted(variable["variations"])
    assert all(v["parent_id"] == variable["id"] for v in variations)


@responses.activate
def test_paging_without_total_headers_and_a_cache_ignoring_page():
    url = "https://shop.example.com/wp-json/wc/v3/orders"
    responses.get(url, json=[{"id": 1}, {"id": 2}], match=[_page(1)])
    responses.get(url, json=[{"id": 3}], match=[_page(2)])
    adapter = make("https://shop.example.com")
    assert [[o["id"] for o in p] for p in adapter.iter_orders(per_page=2)] == [[1, 2], [3]]
    responses.reset()
    responses.get(url, json=[{"id": 1}, {"id": 2}])  # every ?page= gets page 1
    with pytest.raises(StoreSyncError) as info:
        list(adapter.iter_orders(per_page=2))
    assert info.value.kind == "malformed" and "cache" in info.value.message


def _page(number):
    return responses.matchers.query_param_matcher({"page": str(number)}, strict_match=False)


# ---------------------------------------------------------------------- retries
def test_429_honours_retry_after_then_succeeds(emu):
    emu.set_faults(kinds=["429"], count=1, retry_after=1)
    start = time.monotonic()
    assert make(emu.url).get_order(1000)["id"] == 1000
    assert time.monotonic() - start >= 0.9  # waited as asked
    assert statuses(emu) == [429, 200]


def test_503_twice_then_success(emu):
    emu.set_faults(kinds=["503", "502"], count=2, retry_after=0)
    pages = list(make(emu.url).iter_orders(per_page=100))
    assert len(pages) == 3
    assert statuses(emu) == [503, 502, 200, 200, 200]


def test_500_is_not_retried_but_reported_retryable(emu):
    emu.set_faults(kinds=["500"], count=5)
    error = raises(make(emu.url).get_order, 1000)
    assert (error.kind, error.status, error.retryable) == ("server", 500, True)
    assert error.message == "There has been a critical error on this website."
    assert statuses(emu) == [500]


def test_exhausted_retries_report_the_last_answer(emu):
    emu.set_faults(kinds=["503"], count=10, retry_after=0)
    error = raises(make(emu.url, retry_total=2).get_order, 1000)
    assert (error.kind, error.status, error.retryable) == ("server", 503, True)
    assert error.code == "service_unavailable"
    assert statuses(emu) == [503, 503, 503]
    assert error.details["retries"] == 2


def test_429_on_a_post_is_retried_since_the_store_did_nothing(shop):
    adapter = make(shop.url)
    order_id = sorted(shop.store.orders)[0]
    before = len(shop.store.notes.get(order_id, []))
    shop.clear_request_log()
    shop.set_faults(kinds=["429"], count=1, retry_after=0, path_regex=r"/notes$")
    adapter.add_order_note(order_id, "Shipped: GLS 456")
    assert [(e["method"], e["status"]) for e in shop.request_log] == [("POST", 429), ("POST", 201)]
    assert len(shop.store.notes[order_id]) == before + 1, "one note, not two"


def test_rate_limit_exhausted_is_retryable(emu):
    emu.set_faults(kinds=["429"], count=10, retry_after=0)
    error = raises(make(emu.url, retry_total=1).get_order, 1000)
    assert (error.kind, error.status, error.retryable) == ("rate_limited", 429, True)
    assert statuses(emu) == [429, 429]


def test_retry_after_beyond_the_cap_fails_fast(emu):
    emu.set_faults(kinds=["429"], count=3, retry_after=120)
    start = time.monotonic()
    error = raises(make(emu.url, max_retry_after=5).get_order, 1000)
    assert time.monotonic() - start < 2
    assert (error.kind, error.retryable) == ("rate_limited", True)
    assert error.details["retry_after"] == 120
    assert statuses(emu) == [429]


def test_hang_beyond_the_read_timeout_is_a_timeout(emu):
    emu.set_faults(kinds=["hang"], count=5, hang=5)
    start = time.monotonic()
    error = raises(make(emu.url, timeout=(1, 0.5)).get_order, 1000)
    elapsed = time.monotonic() - start
    assert (error.kind, error.retryable, error.status) == ("timeout", True, None)
    assert len(emu.request_log) == 2  # a read timeout is retried once, not retry_total times
    assert 0.9 < elapsed < 3


def test_slow_answer_within_the_timeout_succeeds(emu):
    emu.set_faults(kinds=["slow"], count=1, delay=0.3)
    assert make(emu.url, timeout=(1, 2)).get_order(1000)["id"] == 1000


@pytest.mark.parametrize("fault", ["malformed", "truncated"])
def test_broken_json_is_malformed(emu, fault):
    emu.set_faults(kinds=[fault], count=1)
    error = raises(make(emu.url).get_order, 1000)
    assert (error.kind, error.retryable) == ("malformed", True)
    # urllib3 1.26 hands over the short body (status 200); 2.x enforces Content-Length and
    # fails while reading, before requests has a response to show.
    assert error.status in (200, None)
    assert statuses(emu) == [200]
    # The next call is fine: nothing stuck in the connection pool.
    assert make(emu.url).get_order(1000)["id"] == 1000


# ---------------------------------------------------------------------- writes
def test_order_status_with_note_and_post_not_retried(shop):
    adapter = make(shop.url)
    order_id = sorted(shop.store.orders)[0]
    order = adapter.update_order_status(order_id, "completed", note="Shipped: GLS 123")
    assert order["status"] == "completed" == shop.store.orders[order_id]["status"]
    note = shop.store.notes[order_id][0]
    assert (note["note"], note["customer_note"]) == ("Shipped: GLS 123", True)
    # A failing note POST is not retried (it would mail the customer twice); the PUT is.
    shop.clear_request_log()
    shop.set_faults(kinds=["503"], count=1, retry_after=0, path_regex=r"/notes$")
    error = raises(adapter.update_order_status, order_id, "processing", note="again")
    assert (error.kind, error.status) == ("server", 503)
    assert [(e["method"], e["status"]) for e in shop.request_log] == [("PUT", 200), ("POST", 503)]
    shop.set_faults(kinds=["503"], count=1, retry_after=0, path_regex=rf"/orders/{order_id}$")
    shop.clear_request_log()
    adapter.update_order_status(order_id, "on-hold")
    assert [(e["method"], e["status"]) for e in shop.request_log] == [("PUT", 503), ("PUT", 200)]


def test_update_stock_in_batches_with_per_item_results(shop):
    adapter = make(shop.url)
    simple = [p for p in shop.store.products.values() if p["type"] == "simple"]
    variable = next(p for p in shop.store.products.values() if p["type"] == "variable")
    variation_id = variable["variations"][0]
    # 150 product items (the same products several times) + a variation + an unknown id.
    items = [{"id": simple[i % len(simple)]["id"], "stock_quantity": i} for i in range(150)]
    items.insert(10, {"id": variation_id, "parent_id": variable["id"], "stock_quantity": 7.9})
    items.append({"id": 999999, "stock_quantity": 1})
    shop.clear_request_log()
    results = adapter.update_stock(items)
    assert len(results) == len(items)
    assert [r["id"] for r in results] == [i["id"] for i in items]
    assert all(r["ok"] for r in results[:-1])
    bad = results[-1]
    assert (bad["ok"], bad["status"], bad["code"]) == (
        False,
        400,
        "woocommerce_rest_product_invalid_id",
    )
    calls = [(e["method"], e["path"], e["status"]) for e in shop.request_log]
    assert calls == [
        ("POST", "/wp-json/wc/v3/products/batch", 200),  # 100 items: the store's limit
        ("POST", "/wp-json/wc/v3/products/batch", 200),  # 51
        ("POST", f"/wp-json/wc/v3/products/{variable['id']}/variations/batch", 200),
    ]
    # The last value for each product won, and the variation got whole units.
    last = {item["id"]: item["stock_quantity"] for item in items[:-1]}
    for product in simple:
        if product["id"] in last:
            assert shop.store.products[product["id"]]["stock_quantity"] == last[product["id"]]
            assert shop.store.products[product["id"]]["manage_stock"] is True
    assert shop.store.variations[variation_id]["stock_quantity"] == 7


def test_batch_post_opts_in_to_retries(shop):
    adapter = make(shop.url)
    product = next(p for p in shop.store.products.values() if p["type"] == "simple")
    shop.set_faults(kinds=["503"], count=1, retry_after=0, path_regex=r"/products/batch$")
    shop.clear_request_log()
    items = [{"id": product["id"], "regular_price": Decimal("12.30"), "sale_price": 9.9}]
    results = adapter.update_prices(items)
    assert results[0]["ok"] and results[0]["data"]["regular_price"] == "12.30"
    assert shop.store.products[product["id"]]["sale_price"] == "9.9"
    assert statuses(shop) == [503, 200]


def test_failed_batch_call_keeps_the_results_so_far(shop):
    adapter = make(shop.url, retry_total=0)
    adapter.batch_limit = 2  # an instance may send smaller batches than the store allows
    ids = [p["id"] for p in shop.store.products.values() if p["type"] == "simple"][:4]
    # The first batch call goes through (a "slow" fault of 0 s), the second gets a 502.
    shop.set_faults(kinds=["slow", "502"], count=2, delay=0, path_regex=r"/products/batch$")
    error = raises(adapter.update_stock, [{"id": i, "stock_quantity": 4} for i in ids])
    assert (error.kind, error.status, error.retryable) == ("server", 502, True)
    assert [(r["id"], r["ok"]) for r in error.details["results"]] == [
        (ids[0], True),
        (ids[1], True),
    ]
    assert statuses(shop) == [200, 502]


@responses.activate
def test_redirected_write_is_refused_not_followed():
    responses.post(
        "http://shop.example.com/wp-json/wc/v3/products/batch",
        status=301,
        headers={"Location": "https://shop.example.com/wp-json/wc/v3/products/batch"},
    )
    error = raises(make("http://shop.example.com").update_stock, [{"id": 5, "stock_quantity": 1}])
    assert (error.kind, error.status) == ("client", 301)
    assert error.details["location"].startswith("https://")
    assert len(responses.calls) == 1


# ---------------------------------------------------------------------- webhooks
def test_verify_webhook_matches_the_store_signature(shop):
    body = b'{"id":1234,"status":"processing"}'
    signature = webhook_signature(body, "s3cret")
    headers = {"x-wc-webhook-signature": signature, "X-WC-Webhook-Topic": "order.updated"}
    assert WooCommerce.verify_webhook(headers, body, "s3cret")
    assert make(shop.url).verify_webhook({"X-WC-Webhook-Signature": signature}, body, "s3cret")
    assert not WooCommerce.verify_webhook(headers, body + b" ", "s3cret")
    assert not WooCommerce.verify_webhook(headers, body, "other")
    assert not WooCommerce.verify_webhook(headers, body, "")
    assert not WooCommerce.verify_webhook({}, body, "s3cret")
    assert not WooCommerce.verify_webhook({"X-WC-Webhook-Signature": "é"}, body, "s3cret")


def test_store_settings_say_whether_prices_include_tax(emu):
    assert make(emu.url).list_store_settings()["prices_include_tax"] is False
    with EmulatorServer(
        platform="woocommerce", seed=2, orders=1, products=2, port=0, prices_include_tax=True
    ) as gross:
        settings = make(gross.url).list_store_settings()
    assert settings["prices_include_tax"] is True
    assert settings["tax_rates"] and settings["shipping_methods"]
