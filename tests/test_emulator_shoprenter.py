"""Store emulator: the Shoprenter API2 over HTTP (token, limits, paging, money, writes)."""

import base64
import json
import math
import re
import subprocess
import sys
import threading
import time
from decimal import Decimal as D
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from store_emulator import EmulatorServer
from store_emulator.platforms.shoprenter import parse_rid, rid

CREDS = {"grant_type": "client_credentials", "client_id": "ck_demo", "client_secret": "cs_demo"}


def token(server, shop="demo", **changes):
    return requests.post(f"{server.url}/{shop}/app/token", json={**CREDS, **changes}, timeout=10)


class Client:
    """A bearer-token client that keeps under the rate limit unless told otherwise."""

    def __init__(self, server, pace=0.0):
        self.server, self.pace = server, pace
        self.headers = {"Accept": "application/json"}
        self.headers["Authorization"] = "Bearer " + token(server).json()["access_token"]

    def __call__(self, method, path, **kwargs):
        if self.pace:
            time.sleep(self.pace)
        return requests.request(
            method, f"{self.server.url}/api/{path}", headers=self.headers, timeout=10, **kwargs
        )

    def get(self, path, **params):
        return self("GET", path, params=params)

    def all(self, path, limit=200, **params):
        """Every item of a collection, page by page until next is null."""
        items, page, pages = [], 0, 0
        while True:
            body = self.get(path, page=page, limit=limit, full=1, **params).json()
            items += body["items"]
            pages += 1
            if body["next"] is None:
                return items, pages, body
            page += 1


@pytest.fixture(scope="module")
def emu():
    """A read-mostly shop with 450 orders; the rate limit is off for speed."""
    with EmulatorServer(platform="shoprenter", seed=3, orders=450, products=30) as server:
        server.store.configure(rate_limit=0)
        yield server


@pytest.fixture(scope="module")
def api(emu):
    return Client(emu)


@pytest.fixture
def fresh():
    """A small shop of its own, for tests that write (rate limit off unless a test sets it)."""
    with EmulatorServer(platform="shoprenter", seed=5, orders=20, products=10) as server:
        server.store.configure(rate_limit=0)
        yield server


def control(server, path, body=None, method="POST"):
    return requests.request(method, f"{server.url}/_emulator/{path}", json=body, timeout=10)


# ------------------------------------------------------------------------- token and auth
def test_token_and_401s(emu):
    r = token(emu)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    claims = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[1] + "=="))
    assert claims["exp"] - claims["iat"] == 3600
    for changes, shop in [
        ({"client_secret": "x"}, "demo"),
        ({"client_id": "x"}, "demo"),
        ({}, "other"),
    ]:
        r = token(emu, shop, **changes)
        assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = token(emu, client_id="")
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert "client_id" in r.json()["hint"]
    r = requests.get(f"{emu.url}/api/orderExtend", timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "access_denied"
    xml = {"Authorization": f"Bearer {body['access_token']}"}  # no Accept: the shop speaks XML
    assert requests.get(f"{emu.url}/api/orders", headers=xml, timeout=10).status_code == 406
    bad = {"Authorization": "Bearer nope"}
    assert requests.get(f"{emu.url}/api/orders", headers=bad, timeout=10).status_code == 401


def test_token_expiry(fresh):
    assert control(fresh, "config", {"token_ttl": 1}).json()["token_ttl"] == 1
    api = Client(fresh)
    assert api.get("orders").status_code == 200
    time.sleep(1.2)
    r = api.get("orders")
    assert r.status_code == 401 and "expired" in r.json()["hint"]
    assert Client(fresh).get("orders").status_code == 200  # a new token works again


def test_rate_limit(fresh):
    control(fresh, "config", {"rate_limit": 3})
    api = Client(fresh)
    codes = [api.get("orderStatuses").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
    r = api.get("orderStatuses")
    assert r.status_code == 429 and "Retry-After" not in r.headers
    assert r.json() == {"error": 429, "message": "Too Many Requests"}
    # Forgetting the window (a test starting afresh) gives the whole allowance back.
    fresh.reset_rate_limit()
    assert api.get("orderStatuses").status_code == 200
    time.sleep(1.05)
    paced = Client(fresh, pace=0.36)
    assert [paced.get("orderStatuses").status_code for _ in range(8)] == [200] * 8
    # a batch counts once, the token endpoint not at all
    time.sleep(1.05)
    for _ in range(5):
        assert token(fresh).status_code == 200
    items = [{"method": "GET", "uri": f"{fresh.url}/api/orderStatuses"}] * 10
    assert paced("POST", "batch", json={"data": {"requests": items}}).status_code == 200


def test_injected_faults(fresh):
    api = Client(fresh)
    fresh.set_faults(kinds=["429", "503"], count=2)
    r = api.get("orders")
    assert r.status_code == 429 and "Retry-After" not in r.headers
    assert r.json() == {"error": 429, "message": "Too Many Requests"}
    r = api.get("orders")
    assert r.status_code == 503 and r.json()["error"] == 503
    fresh.set_faults(kinds=["429"], count=1, retry_after=4)
    assert api.get("orders").headers["Retry-After"] == "4"
    assert api.get("orders").status_code == 200


# ------------------------------------------------------------------------- collections
def test_paging_envelope_and_limits(emu, api):
    items, pages, last = api.all("orderExtend")
    assert len(items) == 450 and pages == math.ceil(450 / 200) == last["pageCount"]
    assert last["next"] is None and last["page"] == 2 and "total" not in last
    first = api.get("orderExtend", limit=200).json()
    assert first["previous"] is None and "page=1" in first["next"]["href"]
    assert "page=2" in first["last"]["href"] and first["items"][0] == {
        "href": f"{emu.url}/api/orderExtend/{rid('order', 'order_id=' + items[0]['innerId'])}"
    }
    inner = [int(o["innerId"]) for o in items]
    assert inner == sorted(inner)
    assert all(parse_rid(o["id"], "order", "order_id") == int(o["innerId"]) for o in items)
    r = api.get("orderExtend", limit=201)
    assert r.status_code == 400 and r.json()["error"] == 40010
    r = api.get("orderExtend", page=3, limit=200)
    assert r.status_code == 400 and r.json()["error"] == 40008
    r = api.get("orderExtend", updatedAfter="2026-01-01T00:00:00")
    assert r.status_code == 400 and r.json()["error"] == 40010
    r = api.get("orderExtend", updatedAtMin="2026-01-01")
    assert r.status_code == 400 and r.json()["error"] == 40009


def test_order_filters(emu, api):
    everything, _, _ = api.all("orderExtend")
    real, _, _ = api.all("orderExtend", excludeAbandonedCart=1)
    carts = [o for o in everything if o["orderStatus"] is None]
    assert carts and len(real) == len(everything) - len(carts)
    for cart in carts:
        assert all(p[f"stock{i}"] == "0" for p in cart["orderProducts"] for i in range(1, 5))
    stamps = sorted(o["dateUpdated"] for o in real)
    middle = stamps[len(stamps) // 2]
    newer, _, _ = api.all("orderExtend", updatedAtMin=middle, excludeAbandonedCart=1)
    assert newer and all(o["dateUpdated"] >= middle for o in newer)
    assert len(newer) == sum(1 for s in stamps if s >= middle)
    older, _, _ = api.all("orderExtend", updatedAtMax=middle, excludeAbandonedCart=1)
    assert all(o["dateUpdated"] <= middle for o in older)
    target = real[10]["innerId"]
    one = api.get("orderExtend", innerId=target, full=1).json()["items"]
    assert [o["innerId"] for o in one] == [target]
    tail, _, _ = api.all("orderExtend", innerIdMin=target)
    assert min(int(o["innerId"]) for o in tail) == int(target)
    links = api.get("orders", innerId=target).json()["items"]
    assert links == [{"href": f"{emu.url}/api/orders/{real[10]['id']}"}]


def test_money_adds_up_on_every_order(api):
    orders, _, _ = api.all("orderExtend")
    kinds = set()
    for order in orders:
        totals = {}
        for row in order["orderTotals"]:
            totals.setdefault(row["type"], []).append(D(row["value"]))
            kinds.add(row["type"])
        assert D(order["currency"]["decimalPlace"]) == 0
        sub = sum(D(p["total"]) for p in order["orderProducts"])
        assert totals["SUB_TOTAL"] == [sub]
        for line in order["orderProducts"]:
            qty = sum(int(line[f"stock{i}"]) for i in range(1, 5))
            if order["orderStatus"]:
                assert qty > 0 and D(line["total"]) == D(line["price"]) * qty
            gross = D(line["price"]) * (1 + D(line["taxRate"]) / 100)
            assert abs(gross - D(line["grossPrice"])) < D("0.01")
            assert D(line["grossPrice"]) == D(line["grossPrice"]).to_integral_value()
        taxes = totals.get("TAX", [])
        assert all(t == t.to_integral_value() for t in taxes)
        exact = (
            sub
            + sum(sum(totals.get(k, []), D(0)) for k in ("SHIPPING", "PAYMENT", "COUPON"))
            + sum(taxes, D(0))
        )
        total = totals["TOTAL"][0]
        assert total == exact.quantize(D(1), rounding="ROUND_HALF_UP")
        assert D(order["total"]) == total
        if order["paymentMethodCode"] == "cod":
            assert totals["PAYMENT"] == [D(400)]
        if "Személyes" in order["shippingMethodName"]:
            assert totals["SHIPPING"] == [D(0)]
        if order["shippingMethodName"].startswith("GLS"):
            assert totals["SHIPPING"][0] > 0
        if order["coupon"]:
            assert totals["COUPON"][0] < 0
    assert {"SUB_TOTAL", "TAX", "SHIPPING", "PAYMENT", "COUPON", "TOTAL"} <= kinds
    rates = {p["taxRate"] for o in orders for p in o["orderProducts"]}
    assert {"27.0000", "18.0000", "5.0000", "0.0000"} <= rates


def test_order_payload_shape(emu, api):
    order = api.get("orderExtend", full=1, limit=1, excludeAbandonedCart=1).json()["items"][0]
    assert order["currency"]["code"] == "HUF" and order["innerId"].isdigit()
    assert order["dateCreated"][10] == "T" and len(order["dateCreated"]) == 19
    line = order["orderProducts"][0]
    for key in ("price", "grossPrice", "priceCurrency", "grossPriceCurrency", "sku", "gtin"):
        assert key in line
    assert "quantity" not in line and line["modelNumber"] == {}
    product = api.get(line["product"]["href"].split("/api/")[1]).json()
    assert product["sku"] == line["sku"]
    status = order["orderStatus"]["href"].rsplit("/", 1)[1]
    names = api.get("orderStatusDescriptions", orderStatusId=status, full=1).json()["items"]
    assert len(names) == 1 and names[0]["name"]
    statuses = api.get("orderStatuses", full=1).json()["items"]
    assert len(statuses) == 7
    history = api.get("orderHistories", orderId=order["id"], full=1).json()["items"]
    assert history and len(history[-1]["dateAdded"]) == 19 and history[-1]["dateAdded"][10] == " "
    plain = api.get(f"orders/{order['id']}").json()
    assert plain["orderTotals"] == {"href": f"{emu.url}/api/orderTotals?orderId={order['id']}"}
    assert plain["paymentMethodCode"] == order["paymentMethodCode"].upper()
    for path in (
        "customerGroups",
        "categoryExtend",
        "taxClasses",
        "taxRates",
        "paymentModes",
        "shippingModeExtend",
        "settings",
        "productSpecials",
    ):
        body = api.get(path, full=1).json()
        assert body["items"], path
    modes = api.get("shippingModeExtend", full=1).json()["items"]
    costs = {
        m["shippingModeDescriptions"][0]["name"][:3]: m["shippingLanes"][0]["costNet"]
        for m in modes
    }
    assert D(costs["GLS"]) > 0 and D(costs["Sze"]) == 0


def test_seed_is_deterministic():
    def dump(seed):
        with EmulatorServer(platform="shoprenter", seed=seed, orders=15, products=8) as server:
            api = Client(server)
            return [api.all(p)[0] for p in ("orderExtend", "productExtend")]

    a, b, c = dump(7), dump(7), dump(8)
    assert _no_ports(a) == _no_ports(b) and _no_ports(a) != _no_ports(c)


def _no_ports(data):
    """The JSON text without the port (hrefs carry it)."""
    return re.sub(r"127\.0\.0\.1:\d+", "host", json.dumps(data))


# ------------------------------------------------------------------------- products
def test_products_stock_price_sku(fresh):
    api = Client(fresh)
    products, _, _ = api.all("productExtend")
    product = products[0]
    found = api.get("products", sku=product["sku"], full=1).json()["items"]
    assert [p["id"] for p in found] == [product["id"]]
    assert api.get("products", sku="NOPE").json()["items"] == []
    r = api("PUT", f"products/{product['id']}", json={"stock1": 7, "stock2": "3", "price": "1000"})
    assert r.status_code == 200
    body = r.json()
    assert (body["stock1"], body["stock2"], body["price"]) == ("7", "3", "1000.0000")
    assert body["dateUpdated"] >= product["dateUpdated"]
    r = api("PUT", f"products/{product['id']}", json={"data": {"stock1": "x"}})
    assert r.status_code == 400 and r.json()["error"] == 40005
    received = control(fresh, "received", method="GET").json()
    assert [e["status"] for e in received] == [200, 400]
    later, _, _ = api.all("productExtend", updatedAfter=body["dateUpdated"])
    assert product["id"] in [p["id"] for p in later]
    r = control(fresh, f"products/{product['innerId']}", {"stock": 2, "name": "Új név"})
    assert r.json()["stock1"] == "2"
    assert r.json()["productDescriptions"][0]["name"] == "Új név"


def test_batch_per_item_status(fresh):
    api = Client(fresh)
    products, _, _ = api.all("products")
    good = products[0]["id"]
    missing = rid("product", "product_id=99999")
    requests_ = [
        {
            "method": "PUT",
            "uri": f"https://demo.api2.myshoprenter.hu/api/products/{good}",
            "data": {"stock1": 11},
        },
        {"method": "PUT", "uri": f"{fresh.url}/api/products/{missing}", "data": {"stock1": 1}},
        {"method": "GET", "uri": f"{fresh.url}/api/products/{good}"},
    ]
    r = api("POST", "batch", json={"data": {"requests": requests_}})
    assert r.status_code == 200
    items = r.json()["requests"]["request"]
    assert [i["response"]["header"]["statusCode"] for i in items] == ["200", "404", "200"]
    assert items[1]["response"]["body"]["error"] == 40401
    assert items[2]["response"]["body"]["stock1"] == "11"
    too_many = [{"method": "GET", "uri": f"{fresh.url}/api/orderStatuses"}] * 201
    r = api("POST", "batch", json={"data": {"requests": too_many}})
    assert r.status_code == 400


def test_product_specials_crud(fresh):
    api = Client(fresh)
    product = api.all("products")[0][1]["id"]
    group = rid("customerGroup", "customer_group_id=6")
    r = api(
        "POST",
        "productSpecials",
        json={
            "product": {"id": product},
            "customerGroup": {"id": group},
            "price": "900",
            "priority": "1",
            "dateFrom": "2026-11-01",
            "dateTo": "2026-12-31 23:59:59",
        },
    )
    assert r.status_code == 201
    special = r.json()
    assert special["price"] == "900.0000" and special["dateFrom"] == "2026-11-01 00:00:00"
    assert special["customerGroup"]["href"].endswith(group)
    listed = api.get("productSpecials", productId=product, full=1).json()["items"]
    assert special["id"] in [s["id"] for s in listed]
    r = api("PUT", f"productSpecials/{special['id']}", json={"price": "850", "customerGroup": {}})
    assert r.json()["price"] == "850.0000" and r.json()["customerGroup"] == {}
    assert api("DELETE", f"productSpecials/{special['id']}").status_code == 204
    assert api.get(f"productSpecials/{special['id']}").status_code == 404
    assert api("DELETE", f"productSpecials/{special['id']}").status_code == 404
    r = api("POST", "productSpecials", json={"price": "1"})
    assert r.status_code == 400 and r.json()["error"] == 40003


# ------------------------------------------------------------------------- orders and webhooks
class _Sink(BaseHTTPRequestHandler):
    got: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        fields = {
            part.get_param("name", header="content-disposition"): part.get_content()
            for part in message.iter_parts()
        }
        type(self).got.append(
            {
                "agent": self.headers["User-Agent"],
                "fields": fields,
                "ctype": self.headers["Content-Type"],
            }
        )
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sink():
    _Sink.got = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook?key=s3cret", _Sink.got
    server.shutdown()


def wait_for(predicate, timeout=5):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_status_put_history_and_webhook(fresh, sink):
    url, got = sink
    api = Client(fresh)
    for event in ("order_confirm", "order_status_change"):
        r = api(
            "POST",
            "webHooks",
            json={
                "label": event,
                "event": event,
                "status": 1,
                "webHookParameters": [{"type": "json", "url": url}],
            },
        )
        assert r.status_code == 201 and r.json()["webHookParameters"]["url"] == url
    assert len(api.get("webHooks").json()["items"]) == 2
    ids = control(
        fresh,
        "orders",
        {
            "count": 1,
            "lines": [{"product_id": next(iter(fresh.store.products)), "quantity": 2}],
            "shipping": "gls",
            "payment_method": "cod",
            "customer": "guest",
            "coupon": "TAVASZ10",
        },
    ).json()["ids"]
    assert wait_for(lambda: len(got) == 1)
    data = json.loads(got[0]["fields"]["data"])["orders"]["order"][0]
    assert got[0]["agent"] == "ShopRenter" and got[0]["ctype"].startswith("multipart/form-data")
    assert data["innerId"] == str(ids[0]) and data["orderHistory"]["status"] == "1"
    assert data["orderProducts"]["orderProduct"][0]["quantity"] == "2"
    order = api.get("orderExtend", innerId=ids[0], full=1).json()["items"][0]
    assert order["customer"] is None and order["coupon"]["code"] == "TAVASZ10"
    before = order["dateUpdated"]
    time.sleep(1.1)  # dateUpdated has whole seconds
    shipped = rid("orderStatus", "order_status_id=3")
    r = api("PUT", f"orders/{order['id']}", json={"orderStatus": {"id": shipped}})
    assert r.status_code == 200 and r.json()["orderStatus"]["href"].endswith(shipped)
    assert r.json()["dateUpdated"] > before
    history = api.get("orderHistories", orderId=order["id"], full=1).json()["items"]
    assert [h["orderStatus"]["href"].rsplit("/", 1)[1] for h in history][-1] == shipped
    assert wait_for(lambda: len(got) == 2)
    data = json.loads(got[1]["fields"]["data"])["orders"]["order"][0]
    assert data["orderHistory"]["status"] == "3" and data["orderHistory"]["statusText"]
    deliveries = control(fresh, "webhooks", method="GET").json()
    assert [d["event"] for d in deliveries] == ["order_confirm", "order_status_change"]
    assert all(d["status"] == 200 for d in deliveries)
    r = api("PUT", f"orders/{order['id']}", json={"orderStatus": {"id": "bogus"}})
    assert r.status_code == 400 and r.json()["error"] == 40007
    newer = api.get("orderExtend", updatedAtMin=history[-1]["dateAdded"].replace(" ", "T"))
    assert order["id"] in [o["href"].rsplit("/", 1)[1] for o in newer.json()["items"]]


def test_control_orders(fresh):
    api = Client(fresh)
    r = control(
        fresh,
        "orders",
        {
            "count": 2,
            "status": "Teljesítve",
            "customer": "registered",
            "shipping": "pickup",
            "payment_method": "bank_transfer",
        },
    )
    ids = r.json()["ids"]
    assert len(ids) == 2 and all(isinstance(i, int) for i in ids)
    for inner in ids:
        order = api.get("orderExtend", innerId=inner, full=1).json()["items"][0]
        assert order["orderStatus"]["href"].endswith(rid("orderStatus", "order_status_id=4"))
        assert order["customer"] is not None
        assert [t["value"] for t in order["orderTotals"] if t["type"] == "SHIPPING"] == ["0.0000"]
    cart = control(fresh, "orders", {"status": 0}).json()["ids"][0]
    assert api.get("orderExtend", innerId=cart, excludeAbandonedCart=1).json()["items"] == []
    r = control(fresh, f"orders/{ids[0]}", {"status": 5, "comment": "Visszamondta"})
    assert r.status_code == 200 and r.json()["comment"] == "Visszamondta"
    assert control(fresh, "orders", {"status": "nonsense"}).status_code == 400
    assert control(fresh, "orders", {"coupon": "NOPE"}).status_code == 400


def test_snapshot_restore(fresh):
    api = Client(fresh)
    state = fresh.store.snapshot()
    before = api.all("orderExtend")[0]
    control(fresh, "orders", {"count": 3})
    assert len(api.all("orderExtend")[0]) == len(before) + 3
    fresh.store.restore(state)
    assert api.all("orderExtend")[0] == before
    fresh.store.restore(state)  # reusable
    assert len(api.all("orderExtend")[0]) == len(before)


def test_command_line_prints_shop(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "store_emulator",
            "--platform",
            "shoprenter",
            "--port",
            "0",
            "--orders",
            "5",
            "--products",
            "5",
            "--shop-name",
            "teszt",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "Shoprenter emulator listening on http://127.0.0.1:" in line
        assert "(client id ck_demo, client secret cs_demo, shop name teszt, 5 orders" in line
    finally:
        proc.terminate()
        proc.wait(timeout=10)
