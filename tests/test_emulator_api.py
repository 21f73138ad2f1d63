"""Store emulator: the WooCommerce REST v3 API over HTTP (auth, paging, filters, writes)."""

import base64
import hashlib
import hmac
import json
import pathlib
import subprocess
import sys
import threading
from decimal import Decimal as D
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


# --------------------------------------------------------------------------- store money settings
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "woocommerce"
FIXTURE_ORDERS = {
    # fixture: (store options, control body that places the same order)
    "order_round_per_line": (
        {"currency": "RON"},
        {
            "lines": [
                {"price": "90.75", "quantity": 2, "tax_class": "standard"},
                {"price": "335.50", "quantity": 1, "tax_class": "standard"},
            ],
            "country": "RO",
            "shipping": {"method_id": "local_pickup", "total": "0"},
        },
    ),
    "order_round_at_subtotal": (
        {"tax_round_at_subtotal": True},
        {
            "lines": [
                {"price": "2.60", "quantity": 1, "tax_class": "reduced-rate"},
                {"price": "1.95", "quantity": 2, "tax_class": "reduced-rate"},
                {"price": "3.90", "quantity": 1, "tax_class": "reduced-rate"},
            ],
            "country": "HU",
            "shipping": {"method_id": "local_pickup", "total": "0"},
        },
    ),
}
MONEY_KEYS = ["discount_total", "discount_tax", "shipping_total", "shipping_tax", "cart_tax"]
MONEY_KEYS += ["total", "total_tax", "prices_include_tax"]


def _settings(server, group):
    return {s["id"]: s["value"] for s in api(server, f"settings/{group}").json()}


def _place(server, **body):
    """Place one order through the control endpoint and read it back through the API."""
    r = requests.post(f"{server.url}/_emulator/orders", json=body, timeout=5)
    assert r.status_code == 200, r.text
    [order_id] = r.json()["ids"]
    return api(server, f"orders/{order_id}").json()


def _money(order):
    """What a WooCommerce order says about money, without ids, names and people."""
    lines = [
        {k: li[k] for k in ("quantity", "subtotal", "subtotal_tax", "total", "total_tax")}
        | {"taxes": li["taxes"], "price": li["price"]}
        for li in order["line_items"]
    ]
    taxes = [
        {k: t[k] for k in ("rate_id", "tax_total", "shipping_tax_total", "rate_percent")}
        for t in order["tax_lines"]
    ]
    ships = [{k: s[k] for k in ("total", "total_tax", "taxes")} for s in order["shipping_lines"]]
    return {k: order[k] for k in MONEY_KEYS} | {"lines": lines, "taxes": taxes, "ships": ships}


def test_store_money_settings_are_exposed():
    with EmulatorServer(seed=3, orders=2, products=12) as default:
        assert _settings(default, "tax")["woocommerce_tax_round_at_subtotal"] == "no"
        assert _settings(default, "general")["woocommerce_price_num_decimals"] == "2"
        assert api(default, "system_status").json()["settings"]["number_of_decimals"] == 2
    with EmulatorServer(
        seed=3, orders=2, products=12, currency="HUF", tax_round_at_subtotal=True
    ) as forint:
        assert _settings(forint, "tax")["woocommerce_tax_round_at_subtotal"] == "yes"
        assert _settings(forint, "general")["woocommerce_price_num_decimals"] == "0"
        assert api(forint, "system_status").json()["settings"]["number_of_decimals"] == 0
        product = next(p for p in forint.store.products.values() if p["type"] == "simple")
        assert api(forint, f"products/{product['id']}").json()["regular_price"].isdigit()
    with EmulatorServer(seed=3, orders=2, products=12, currency="HUF", price_decimals=2) as two:
        assert _settings(two, "general")["woocommerce_price_num_decimals"] == "2"
        assert api(two, "orders").json()[0]["total"].endswith(".00")


def test_cli_shows_the_money_options():
    out = subprocess.run(
        [sys.executable, "-m", "store_emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--tax-round-at-subtotal" in out and "--price-decimals" in out


@pytest.mark.parametrize("name", sorted(FIXTURE_ORDERS))
def test_fixture_orders_are_what_the_store_sends(name):
    """The JSON fixtures have every key a real order has and the emulator's money, to the digit."""
    fixture = json.loads((FIXTURES / f"{name}.json").read_text())
    options, body = FIXTURE_ORDERS[name]
    with EmulatorServer(seed=7, orders=0, products=30, **options) as server:
        placed = _place(server, status="processing", **body)
    assert list(fixture) == list(placed)
    assert _money(fixture) == _money(placed)
    for block in ("line_items", "shipping_lines", "tax_lines"):
        assert [list(row) for row in fixture[block]] == [list(row) for row in placed[block]]


def test_round_per_line_order():
    fixture = json.loads((FIXTURES / "order_round_per_line.json").read_text())
    lines = fixture["line_items"]
    assert [li["taxes"][0]["total"] for li in lines] == ["38.115", "70.455"]
    assert [li["total_tax"] for li in lines] == ["38.12", "70.46"]
    assert [(t["rate_id"], t["tax_total"]) for t in fixture["tax_lines"]] == [(7, "108.58")]
    assert (fixture["cart_tax"], fixture["total_tax"], fixture["total"]) == (
        "108.58",
        "108.58",
        "625.58",
    )


def test_round_at_subtotal_order():
    fixture = json.loads((FIXTURES / "order_round_at_subtotal.json").read_text())
    lines = fixture["line_items"]
    assert [li["taxes"][0]["total"] for li in lines] == ["0.13", "0.195", "0.195"]
    assert [li["total_tax"] for li in lines] == ["0.13", "0.20", "0.20"]  # 0.53 line by line
    assert [(t["rate_id"], t["tax_total"]) for t in fixture["tax_lines"]] == [(2, "0.52")]
    assert (fixture["cart_tax"], fixture["total_tax"], fixture["total"]) == (
        "0.52",
        "0.52",
        "10.92",
    )


def test_control_orders_with_explicit_lines_per_mode():
    body = {
        "status": "processing",
        "lines": [
            {"price": "10.50", "quantity": 1, "tax_class": "standard"},
            {"price": "12.50", "quantity": 3},
        ],
        "shipping": "3.90",
        "country": "HU",
    }
    results = {}
    for mode in (False, True):
        with EmulatorServer(seed=2, orders=3, products=12, tax_round_at_subtotal=mode) as server:
            order = _place(server, **body)
            assert order["status"] == "processing" and order["billing"]["country"] == "HU"
            results[mode] = order
    for order in results.values():
        assert [li["taxes"][0]["total"] for li in order["line_items"]] == ["2.835", "10.125"]
        assert [li["total_tax"] for li in order["line_items"]] == ["2.84", "10.13"]
        assert order["shipping_lines"][0]["taxes"] == [{"id": 1, "total": "1.053", "subtotal": ""}]
        assert (order["shipping_total"], order["shipping_tax"]) == ("3.90", "1.05")
    per_line, once = results[False], results[True]
    assert (per_line["cart_tax"], per_line["total_tax"], per_line["total"]) == (
        "12.97",
        "14.02",
        "65.92",
    )
    assert (once["cart_tax"], once["total_tax"], once["total"]) == ("12.96", "14.01", "65.91")


def test_control_order_tax_inclusive_with_gross_coupon():
    with EmulatorServer(seed=2, orders=3, products=12, prices_include_tax=True) as server:
        order = _place(
            server,
            status="processing",
            lines=[{"price": "12.70"}, {"price": "10.00", "quantity": 1}],
            coupon={"code": "minus254", "discount_type": "fixed_cart", "amount": "2.54"},
            shipping="3.90",
            fees=[{"name": "Gift wrapping", "total": "2.50"}],
        )
    first, second = order["line_items"]
    # 12.70 and 10.00 gross; the 2.54 gross coupon takes 1.43 and 1.11 of them (in cents,
    # floor of the shares, the cent left to the largest line).
    assert (first["subtotal"], first["subtotal_tax"], first["taxes"][0]["subtotal"]) == (
        "10.00",
        "2.70",
        "2.7",
    )
    assert (second["subtotal"], second["taxes"][0]["subtotal"]) == ("7.87", "2.125984")
    # 11.27 gross: tax 2.395984, net 8.874016 shown 8.87; 8.89 gross: tax 1.89, net 7.00.
    assert [(li["total"], li["total_tax"], li["taxes"][0]["total"]) for li in (first, second)] == [
        ("8.87", "2.40", "2.395984"),
        ("7.00", "1.89", "1.89"),
    ]
    assert (order["discount_total"], order["discount_tax"]) == ("2.00", "0.54")
    coupon = order["coupon_lines"][0]
    assert D(coupon["discount"]) + D(coupon["discount_tax"]) == D("2.54")
    assert order["fee_lines"][0]["taxes"][0]["total"] == "0.675"  # fees are net
    assert order["fee_lines"][0]["total_tax"] == "0.68"
    parts = sum(D(li["total"]) for li in order["line_items"]) + D("3.90") + D("2.50")
    assert D(order["total"]) == parts + D(order["total_tax"])


def test_control_order_in_a_forint_store():
    with EmulatorServer(seed=2, orders=3, products=12, currency="HUF") as server:
        order = _place(
            server,
            status="processing",
            lines=[{"price": "1050", "quantity": 1}, {"price": 1150, "quantity": 1}],
            shipping="1560",
            coupon="welcome10",
        )
        bad = requests.post(
            f"{server.url}/_emulator/orders", json={"lines": [{"price": "10.50"}]}, timeout=5
        )
        assert bad.status_code == 400 and "decimals" in bad.json()["message"]
    # 10 % off in whole forints: 105 + 115; taxes 255.15 and 279.45 stay unrounded.
    assert [li["total"] for li in order["line_items"]] == ["945", "1035"]
    assert [li["taxes"][0]["total"] for li in order["line_items"]] == ["255.15", "279.45"]
    assert [li["total_tax"] for li in order["line_items"]] == ["255", "279"]
    assert order["shipping_lines"][0]["taxes"][0]["total"] == "421.2"
    assert (order["discount_total"], order["cart_tax"], order["shipping_tax"]) == (
        "220",
        "534",
        "421",
    )
    assert order["total"] == str(945 + 1035 + 1560 + 534 + 421)
    assert all("." not in order[k] for k in MONEY_KEYS if k != "prices_include_tax")


@pytest.mark.parametrize(
    "body",
    [
        {"lines": []},
        {"lines": [{"price": "-1"}]},
        {"lines": [{"price": "1.005"}]},
        {"lines": [{"price": "1", "quantity": 0}]},
        {"lines": [{"price": "1", "tax_class": "luxury"}]},
        {"lines": [{"price": "1", "colour": "red"}]},
        {"lines": [{"price": "1", "product_id": 1}]},
        {"lines": [{"price": "1"}], "coupon": "nosuchcode"},
        {"lines": [{"price": "1"}], "shipping": {"method_id": "teleport"}},
        {"lines": [{"price": "1"}], "country": "FR"},
        {"lines": [{"price": "1"}], "gift": True},
        {"coupon": "welcome10"},
    ],
)
def test_control_orders_refuse_what_they_cannot_place(fresh, body):
    before = len(fresh.store.orders)
    r = requests.post(f"{fresh.url}/_emulator/orders", json=body, timeout=5)
    assert r.status_code == 400 and r.json()["code"] == "emulator_bad_request", r.text
    assert len(fresh.store.orders) == before
