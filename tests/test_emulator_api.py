"""Store emulator: the WooCommerce REST v3 API over HTTP (auth, paging, filters, writes)."""

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from store_emulator import EmulatorServer

AUTH = ("ck_demo", "cs_demo")


@pytest.fixture(scope="module")
def emu():
    """A read-mostly store with 250 orders shared by the module."""
    with EmulatorServer(platform="woocommerce", seed=1, orders=250, products=40, port=0) as server:
        yield server


@pytest.fixture
def fresh():
    """A small store of its own, for tests that write."""
    with EmulatorServer(seed=2, orders=30, products=15, currency="HUF") as server:
        yield server


def api(server, path, method="GET", auth=AUTH, **kwargs):
    return requests.request(
        method, f"{server.url}/wp-json/wc/v3/{path}", auth=auth, timeout=10, **kwargs
    )


def test_auth_basic_query_and_failures(emu):
    assert api(emu, "orders").status_code == 200
    query = {"consumer_key": "ck_demo", "consumer_secret": "cs_demo"}
    assert api(emu, "orders", auth=None, params=query).status_code == 200
    for auth, message in [
        (("ck_bad", "cs_demo"), "Consumer key is invalid."),
        (("ck_demo", "x"), "Consumer secret is invalid."),
    ]:
        r = api(emu, "orders", auth=auth)
        assert r.status_code == 401
        assert r.json() == {
            "code": "woocommerce_rest_authentication_error",
            "message": message,
            "data": {"status": 401},
        }
    r = api(emu, "orders", auth=None)
    assert r.status_code == 401 and r.json()["code"] == "woocommerce_rest_cannot_view"
    r = api(emu, "nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "rest_no_route"
    logged = [e for e in emu.request_log if e["query"].get("consumer_key") == "ck_demo"]
    assert logged and logged[-1]["query"]["consumer_secret"] == "***"


def test_index_and_system_status(emu):
    index = requests.get(f"{emu.url}/wp-json/", timeout=5).json()  # no keys needed
    assert "wc/v3" in index["namespaces"] and index["authentication"] == {}
    assert index["url"] == emu.url and "/wc/v3/orders" in index["routes"]
    status = api(emu, "system_status").json()
    assert status["environment"]["version"] == "9.4.2"
    assert status["environment"]["home_url"] == emu.url and status["settings"]["currency"] == "EUR"
    assert {e["path"] for e in emu.request_log} >= {"/wp-json/", "/wp-json/wc/v3/system_status"}


def test_pagination_headers_and_links(emu):
    first = api(emu, "orders", params={"per_page": 100, "status": "any"})
    assert (first.headers["X-WP-Total"], first.headers["X-WP-TotalPages"]) == ("250", "3")
    assert len(first.json()) == 100
    links = first.links
    assert set(links) == {"first", "next", "last"}
    assert "status=any" in links["next"]["url"] and links["last"]["url"].endswith("page=3")
    last = requests.get(links["last"]["url"], auth=AUTH, timeout=5)
    assert len(last.json()) == 50 and set(last.links) == {"first", "prev", "last"}
    ids = [
        o["id"]
        for page in (1, 2, 3)
        for o in api(emu, "orders", params={"per_page": 100, "page": page}).json()
    ]
    assert len(set(ids)) == 250
    assert api(emu, "orders", params={"per_page": 100, "page": 9}).json() == []
    assert len(api(emu, "orders").json()) == 10  # default page size
    offset = api(emu, "orders", params={"per_page": 5, "offset": 3}).json()
    assert [o["id"] for o in offset] == ids[3:8]


@pytest.mark.parametrize("per_page", ["101", "0", "abc"])
def test_per_page_out_of_bounds(emu, per_page):
    r = api(emu, "orders", params={"per_page": per_page})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "rest_invalid_param" and "per_page" in body["data"]["params"]


def test_order_filters(emu):
    orders = list(emu.store.orders.values())

    def ids(**params):
        return [o["id"] for o in api(emu, "orders", params={"per_page": 100, **params}).json()]

    assert all(emu.store.orders[i]["status"] == "refunded" for i in ids(status="refunded"))
    both = ids(status="cancelled,failed")
    assert both and both == ids(**{"status[]": ["cancelled", "failed"]})
    assert api(emu, "orders", params={"status": "shipped"}).status_code == 400
    modified = sorted(o["date_modified"] for o in orders)[-7]  # local time
    modified_gmt = sorted(o["date_modified_gmt"] for o in orders)[-7]
    assert len(ids(modified_after=modified)) == 6
    assert len(ids(modified_after=modified_gmt, dates_are_gmt="true")) == 6
    # A GMT cursor read as local time is an hour or two off: more orders match.
    assert len(ids(modified_after=modified_gmt)) > 6
    created = sorted(o["date_created"] for o in orders)[-20]
    assert len(ids(after=created)) == 19
    assert api(emu, "orders", params={"after": "yesterday"}).status_code == 400
    ascending = ids(orderby="id", order="asc")
    assert ascending == sorted(ascending)
    newest = api(emu, "orders", params={"per_page": 100}).json()
    assert [o["date_created_gmt"] for o in newest] == sorted(
        (o["date_created_gmt"] for o in newest), reverse=True
    )
    customer = next(o["customer_id"] for o in orders if o["customer_id"])
    assert set(ids(customer=customer)) == {o["id"] for o in orders if o["customer_id"] == customer}
    include = [orders[5]["id"], orders[1]["id"]]
    assert ids(include=",".join(map(str, include)), orderby="include") == include
    fields = api(emu, "orders", params={"_fields": "id,date_modified_gmt"}).json()
    assert set(fields[0]) == {"id", "date_modified_gmt"}


def test_single_order_and_links(emu):
    order = next(iter(emu.store.orders.values()))
    body = api(emu, f"orders/{order['id']}").json()
    assert body["id"] == order["id"] and body["number"] == str(order["id"])
    assert body["_links"]["self"][0]["href"] == f"{emu.url}/wp-json/wc/v3/orders/{order['id']}"
    r = api(emu, "orders/99999999")
    assert r.status_code == 404 and r.json()["code"] == "woocommerce_rest_shop_order_invalid_id"


def test_status_update_and_notes_are_recorded(fresh):
    order = next(o for o in fresh.store.orders.values() if o["status"] == "processing")
    before = order["date_modified_gmt"]
    r = api(fresh, f"orders/{order['id']}", "PUT", json={"status": "completed"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "completed" and body["date_modified_gmt"] > before
    assert body["date_completed_gmt"] is not None
    r = api(
        fresh,
        f"orders/{order['id']}/notes",
        "POST",
        json={"note": "Shipped, tracking 123", "customer_note": True},
    )
    assert r.status_code == 201
    note = r.json()
    assert note["note"] == "Shipped, tracking 123" and note["customer_note"] is True
    assert set(note) >= {"id", "author", "date_created", "date_created_gmt"}
    listed = api(fresh, f"orders/{order['id']}/notes").json()
    assert listed[0]["id"] == note["id"]
    assert any("to Completed" in n["note"] for n in listed)  # WooCommerce's own status note
    assert api(fresh, f"orders/{order['id']}/notes", "POST", json={}).status_code == 400
    assert api(fresh, f"orders/{order['id']}", "PUT", json={"status": "shipped"}).status_code == 400
    received = requests.get(f"{fresh.url}/_emulator/received", timeout=5).json()
    assert [(e["kind"], e["status"]) for e in received] == [
        ("order_update", 200),
        ("order_note", 201),
        ("order_note", 400),
        ("order_update", 400),
    ]
    assert received[0]["body"] == {"status": "completed"} and received[0]["ids"] == {
        "order_id": order["id"]
    }


def test_batches_over_100_items_are_refused(fresh):
    product = next(iter(fresh.store.products.values()))
    items = [{"id": product["id"], "stock_quantity": 1}] * 101
    for path in ("products/batch", "orders/batch", f"products/{product['id']}/variations/batch"):
        r = api(fresh, path, "POST", json={"update": items[:60], "delete": [1] * 41})
        assert r.status_code == 413, path
        assert r.json()["code"] == "woocommerce_rest_request_entity_too_large"
        assert r.json()["message"] == "Unable to accept more than 100 items for this request."


def test_products_variations_categories(emu):
    products = list(emu.store.products.values())
    listed = api(emu, "products", params={"per_page": 100})
    assert listed.headers["X-WP-Total"] == str(len(products))
    sku = next(p["sku"] for p in products if p["sku"])
    assert [p["sku"] for p in api(emu, "products", params={"sku": sku}).json()] == [sku]
    variable = api(emu, "products", params={"type": "variable", "per_page": 1}).json()[0]
    assert variable["type"] == "variable" and variable["variations"]
    variations = api(emu, f"products/{variable['id']}/variations", params={"per_page": 100}).json()
    assert [v["id"] for v in variations] == variable["variations"]
    assert all(v["sku"] and v["attributes"][0]["option"] for v in variations)
    one = api(emu, f"products/{variable['id']}/variations/{variations[0]['id']}").json()
    assert one["price"] == variations[0]["price"]
    assert api(emu, "products/1").status_code == 404
    cats = api(emu, "products/categories", params={"per_page": 100}).json()
    clothing = next(c for c in cats if c["name"] == "Clothing")
    children = api(emu, "products/categories", params={"parent": clothing["id"]}).json()
    assert {c["name"] for c in children} == {"T-shirts", "Hoodies", "Socks"}
    for field in [
        "date_on_sale_from_gmt",
        "stock_status",
        "manage_stock",
        "tax_class",
        "weight",
        "date_modified_gmt",
    ]:
        assert field in variable


def test_product_writes_batch_and_single(fresh):
    store = fresh.store
    simple = [p for p in store.products.values() if p["type"] == "simple"]
    managed, other = simple[0], simple[1]
    store.modify_product(managed["id"], manage_stock=True, stock_quantity=3)
    body = {
        "update": [
            {"id": managed["id"], "stock_quantity": 0},
            {"id": 987654, "stock_quantity": 5},
            {"id": other["id"], "sku": managed["sku"] or "X-1"},
        ]
    }
    if not managed["sku"]:
        store.modify_product(managed["id"], sku="X-1")
    r = api(fresh, "products/batch", "POST", json=body)
    assert r.status_code == 200
    ok, unknown, duplicate = r.json()["update"]
    assert ok["stock_quantity"] == 0 and ok["stock_status"] == "outofstock"
    assert (
        unknown["id"] == 987654
        and unknown["error"]["code"] == "woocommerce_rest_product_invalid_id"
    )
    assert unknown["error"]["data"]["status"] == 400
    assert duplicate["error"]["code"] == "product_invalid_sku"
    # Single PUT: WordPress validates types; stock_quantity needs managed stock.
    r = api(fresh, f"products/{other['id']}", "PUT", json={"regular_price": 12.5})
    assert r.status_code == 400 and r.json()["data"]["params"]["regular_price"]
    r = api(
        fresh,
        f"products/{other['id']}",
        "PUT",
        json={"regular_price": "12.50", "manage_stock": True, "stock_quantity": 7},
    )
    assert (r.json()["price"], r.json()["stock_quantity"]) == ("12.50", 7)
    variable = next(p for p in store.products.values() if p["type"] == "variable")
    vid = variable["variations"][0]
    r = api(
        fresh,
        f"products/{variable['id']}/variations/batch",
        "POST",
        json={"update": [{"id": vid, "manage_stock": True, "stock_quantity": 42}]},
    )
    assert r.json()["update"][0]["stock_quantity"] == 42
    assert store.variations[vid]["stock_quantity"] == 42
    writes = store.product_writes()
    assert writes[0] == {
        "product_id": managed["id"],
        "variation_id": 0,
        "changes": {"id": managed["id"], "stock_quantity": 0},
        "kind": "product_batch",
        "status": 200,
    }
    assert writes[-1]["variation_id"] == vid and writes[-1]["product_id"] == variable["id"]


def test_customers(emu):
    customers = api(emu, "customers", params={"per_page": 100, "orderby": "id"}).json()
    assert len(customers) == min(100, len(emu.store.customers))
    first = customers[0]
    assert set(first) >= {
        "id",
        "email",
        "first_name",
        "last_name",
        "username",
        "billing",
        "shipping",
        "date_created_gmt",
    }
    assert api(emu, f"customers/{first['id']}").json()["email"] == first["email"]
    assert api(emu, "customers", params={"email": first["email"]}).json()[0]["id"] == first["id"]
    assert api(emu, "customers/1").status_code == 404


def test_control_endpoints_create_and_modify(fresh):
    url = f"{fresh.url}/_emulator"
    summary = requests.get(f"{url}/", timeout=5).json()
    assert summary["orders"] == 30 and summary["platform"] == "woocommerce"
    cursor = max(o["date_modified_gmt"] for o in fresh.store.orders.values())
    new_ids = requests.post(f"{url}/orders", json={"count": 3}, timeout=5).json()["ids"]
    assert len(new_ids) == 3 and min(new_ids) > max(fresh.store.orders) - 4
    params = {"modified_after": cursor, "dates_are_gmt": "true", "per_page": 100}
    found = [o["id"] for o in api(fresh, "orders", params=params).json()]
    assert set(new_ids) <= set(found)
    old = next(iter(fresh.store.orders.values()))
    changed = requests.post(
        f"{url}/orders/{old['id']}",
        json={"status": "cancelled", "billing": {"phone": "+36 1 234 5678"}},
        timeout=5,
    ).json()
    assert changed["status"] == "cancelled" and changed["billing"]["phone"] == "+36 1 234 5678"
    assert changed["date_modified_gmt"] > cursor
    assert old["id"] in [o["id"] for o in api(fresh, "orders", params=params).json()]
    touched = fresh.store.modify_order(new_ids[0], touch=True)
    assert touched["date_modified_gmt"] >= cursor
    assert (
        requests.post(f"{url}/orders/{old['id']}", json={"colour": "red"}, timeout=5).status_code
        == 400
    )
    product = next(p for p in fresh.store.products.values() if p["type"] == "simple")
    stock = requests.post(
        f"{url}/products/{product['id']}", json={"stock_quantity": 17}, timeout=5
    ).json()
    assert (
        stock["stock_quantity"] == 17
        and api(fresh, f"products/{product['id']}").json()["stock_quantity"] == 17
    )
    assert requests.get(f"{url}/requests", timeout=5).json()
    requests.delete(f"{url}/requests", timeout=5)
    assert fresh.request_log == []
    assert requests.post(f"{url}/reset", timeout=5).status_code == 200
    assert len(fresh.store.orders) == 30 and fresh.store.received == []


def test_control_body_is_json_whatever_its_content_type(fresh):
    """The README's ``curl -d '{"count": 1, "status": "processing"}'``: curl labels the JSON
    a form (application/x-www-form-urlencoded); it is read as JSON all the same."""
    url = f"{fresh.url}/_emulator"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for status in ("processing", "on-hold", "completed"):
        r = requests.post(
            f"{url}/orders", data=f'{{"count": 2, "status": "{status}"}}', headers=form, timeout=5
        )
        assert r.status_code == 200, r.text
        ids = r.json()["ids"]
        assert len(ids) == 2
        assert {fresh.store.orders[i]["status"] for i in ids} == {status}
    order_id = ids[0]
    r = requests.post(
        f"{url}/orders/{order_id}", data='{"status": "cancelled"}', headers=form, timeout=5
    )
    assert r.status_code == 200 and fresh.store.orders[order_id]["status"] == "cancelled"
    # Without any Content-Type (requests' data=str) too.
    r = requests.post(f"{url}/orders", data=b'{"status": "on-hold"}', timeout=5)
    assert r.status_code == 200 and fresh.store.orders[r.json()["ids"][0]]["status"] == "on-hold"
    # An empty body takes the defaults.
    r = requests.post(f"{url}/orders", timeout=5)
    assert r.status_code == 200 and len(r.json()["ids"]) == 1


def test_control_body_that_is_not_a_json_object_is_refused(fresh):
    url = f"{fresh.url}/_emulator"
    before = len(fresh.store.orders)
    for body in ("count=2&status=processing", "[1, 2]", '{"count": 2'):
        r = requests.post(
            f"{url}/orders",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=5,
        )
        assert r.status_code == 400, body
        assert r.json()["code"] == "emulator_bad_request"
    assert len(fresh.store.orders) == before, "a refused request creates nothing"


class _Receiver(BaseHTTPRequestHandler):
    calls: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.calls.append((self.headers, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_subscription_ping_and_signed_delivery(fresh):
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        r = api(
            fresh,
            "webhooks",
            "POST",
            json={"topic": "order.updated", "delivery_url": hook_url, "secret": "s3cret"},
        )
        assert r.status_code == 201 and "secret" not in r.json()
        order_id = next(iter(fresh.store.orders))
        fresh.store.modify_order(order_id, status="on-hold")
        deadline = threading.Event()
        for _ in range(50):
            if len(_Receiver.calls) >= 2:
                break
            deadline.wait(0.1)
        (_, ping), (headers, body) = _Receiver.calls[:2]
        assert ping == f"webhook_id={r.json()['id']}".encode()
        expected = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
        assert headers["X-WC-Webhook-Signature"] == expected
        assert headers["X-WC-Webhook-Topic"] == "order.updated"
        assert json.loads(body)["id"] == order_id
    finally:
        receiver.shutdown()
        receiver.server_close()
