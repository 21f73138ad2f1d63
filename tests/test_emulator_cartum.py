# ruff: noqa: RUF001 (Ukrainian text: Cyrillic letters are meant)
"""Store emulator: the Cartum (Horoshop) API over HTTP (envelope, token, orders, catalogue,
hooks, faults)."""

import json
import pathlib
import re
import subprocess
import sys
import threading
import time
from decimal import Decimal as D
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from store_emulator import EmulatorServer

FIXTURES = Path(__file__).parent / "fixtures" / "cartum"


class Client:
    """Logs in once and sends ``token`` in every JSON body."""

    def __init__(self, server):
        self.server = server
        self.token = self.call("auth", login="ck_demo", password="cs_demo").json()["response"][
            "token"
        ]

    def call(self, function, **params):
        body = {**params, "token": self.token} if hasattr(self, "token") else params
        return requests.post(f"{self.server.url}/api/{function}/", json=body, timeout=10)

    def __call__(self, function, **params):
        """The envelope of a call that must answer HTTP 200."""
        r = self.call(function, **params)
        assert r.status_code == 200, r.text
        return r.json()

    def orders(self, **params):
        body = self("orders/get", **params)
        return body["response"]["orders"] if body["status"] == "OK" else []


@pytest.fixture(scope="module")
def emu():
    """A read-only shop with 300 orders."""
    with EmulatorServer(platform="cartum", seed=3, orders=300, products=30) as server:
        yield server


@pytest.fixture(scope="module")
def api(emu):
    return Client(emu)


@pytest.fixture
def fresh():
    """A small shop of its own, for tests that write."""
    with EmulatorServer(platform="cartum", seed=5, orders=12, products=12) as server:
        yield server


def control(server, path, body=None, method="POST"):
    return requests.request(method, f"{server.url}/_emulator/{path}", json=body, timeout=10)


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


# ------------------------------------------------------------------------- envelope and auth
def test_auth_envelope_and_errors(emu):
    url = f"{emu.url}/api"
    r = requests.post(f"{url}/auth/", json={"login": "ck_demo", "password": "cs_demo"})
    assert r.status_code == 200 and r.json()["status"] == "OK"
    assert re.fullmatch(r"[0-9a-f]{32}", r.json()["response"]["token"])
    assert set(r.json()) == set(fixture("auth_ok.json"))
    r = requests.post(f"{url}/auth", json={"login": "ck_demo", "password": "nope"})
    assert r.status_code == 200 and r.json()["status"] == "ERROR"
    assert r.json()["response"]["message"]
    for body in ({"limit": 1}, {"token": "0" * 32}):
        r = requests.post(f"{url}/orders/get/", json=body)
        assert r.status_code == 200 and r.json() == fixture("auth_unauthorized.json")
    r = requests.post(f"{url}/orders/nothing/", json={})
    assert r.status_code == 200 and r.json() == {"status": "UNDEFINED_FUNCTION", "response": []}
    r = requests.post(f"{url}/auth/", data="{nope", headers={"Content-Type": "application/json"})
    assert r.json() == {
        "status": "HTTP_ERROR",
        "response": {"message": "payload is not json", "code": 400},
    }


def test_get_with_query_string_and_form(emu, api):
    """PHP reads $_REQUEST: a GET with PHP-style query keys works like the JSON body."""
    first = api.orders(limit=2)
    params = {"token": api.token, "ids[]": [o["order_id"] for o in first]}
    r = requests.get(f"{emu.url}/api/orders/get/", params=params, timeout=10)
    assert [o["order_id"] for o in r.json()["response"]["orders"]] == [o["order_id"] for o in first]
    r = requests.post(f"{emu.url}/api/pages/export/", data={"token": api.token}, timeout=10)
    assert r.json()["status"] == "OK"
    r = requests.get(f"{emu.url}/api/pages/export/", timeout=10)  # no parameters at all
    assert r.json()["status"] == "UNAUTHORIZED"


def test_token_expiry(fresh):
    fresh.store.configure(token_ttl=1)
    api = Client(fresh)
    assert api("pages/export")["status"] == "OK"
    time.sleep(1.2)
    assert api("pages/export")["status"] == "UNAUTHORIZED"
    assert Client(fresh)("pages/export")["status"] == "OK"


def test_rate_limit_and_faults(fresh):
    api = Client(fresh)
    assert control(fresh, "config", {"rate_limit": 3}).json() == {
        "token_ttl": 600,
        "rate_limit": 3,
    }
    codes = [api.call("pages/export").status_code for _ in range(5)]
    assert codes[:3] == [200] * 3 and 429 in codes[3:]
    r = api.call("pages/export")
    assert r.status_code == 429 and r.headers["Retry-After"] == "1" and "nginx" in r.text
    fresh.store.configure(rate_limit=0)
    fresh.set_faults(kinds=["429", "503", "500", "502"], count=4, retry_after=7)
    r = api.call("orders/get")
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    r = api.call("orders/get")
    assert r.status_code == 503 and r.headers["Retry-After"] == "7"
    assert r.headers["Content-Type"].startswith("text/html")
    assert api.call("orders/get").status_code == 500
    assert api.call("orders/get").status_code == 502
    assert api("orders/get", limit=1)["status"] == "OK"


# ------------------------------------------------------------------------- orders/get
def test_paging_without_count(emu, api):
    everything = api.orders()
    assert len(everything) == 300
    ids = [o["order_id"] for o in everything]
    assert ids == sorted(ids)
    pages, offset = [], 0
    while True:
        body = api("orders/get", limit=70, offset=offset)
        if body["status"] == "EMPTY":
            assert body == fixture("orders_get_empty.json")
            break
        assert set(body["response"]) == {"orders"}  # no count anywhere
        pages.append(body["response"]["orders"])
        offset += 70
    assert [len(p) for p in pages] == [70, 70, 70, 70, 20]
    assert [o["order_id"] for p in pages for o in p] == ids
    # offset alone is ignored (documented); a limit above 500 is cut to 500
    assert [o["order_id"] for o in api.orders(offset=50)] == ids
    with EmulatorServer(platform="cartum", seed=4, orders=520, products=5) as big:
        assert len(Client(big).orders(limit=1000)) == 500


def test_date_filters(emu, api):
    everything = api.orders()
    target = everything[150]
    stamp = target["stat_created"]
    day, clock = stamp.split(" ")
    dotted = ".".join(reversed(day.split("-")))
    same_day = [o["order_id"] for o in everything if o["stat_created"][:10] == day]
    for start, end in ((day, day), (dotted, dotted)):
        assert [o["order_id"] for o in api.orders(**{"from": start, "to": end})] == same_day
    exact = api.orders(**{"from": stamp, "to": f"{dotted} {clock}"})
    assert target["order_id"] in [o["order_id"] for o in exact]
    assert all(o["stat_created"] == stamp for o in exact)
    later = api.orders(**{"from": stamp})
    assert [o["order_id"] for o in later] == [
        o["order_id"] for o in everything if o["stat_created"] >= stamp
    ]
    r = api("orders/get", **{"from": "2026/01/01"})
    assert r["status"] == "ERROR" and r["response"]["message"]


def test_ids_and_status_filters(emu, api):
    everything = api.orders()
    wanted = [everything[3]["order_id"], everything[40]["order_id"]]
    for key in ("ids", "ids[]"):
        assert [o["order_id"] for o in api.orders(**{key: wanted})] == wanted
    delivered = api.orders(status=3)
    assert delivered and all(o["stat_status"] == 3 for o in delivered)
    two = api.orders(status=[1, "6"])
    assert {o["stat_status"] for o in two} == {1, 6}
    assert api("orders/get", ids=[1])["status"] == "EMPTY"


def test_order_payload_and_money(emu, api):
    orders = api.orders(additionalData=True)
    sample = fixture("orders_get_ok.json")["response"]["orders"][1]
    for order in orders:
        assert set(order) == set(sample)
        assert all(set(line) == set(sample["products"][0]) for line in order["products"])
        assert isinstance(order["order_id"], int) and isinstance(order["user"], int)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", order["stat_created"])
        assert order["currency"] == "UAH" and order["payed"] in (0, 1)
        assert {"id", "title"} <= set(order["delivery_type"])
        if order["delivery_type"]["id"] == 1:  # Nova Poshta: the flag adds the warehouse ref
            assert set(order["additional_data"]) == {"recipient_warehouse_ref"}
        else:
            assert order["additional_data"] == []
        lines = order["products"]
        for line in lines:
            assert D(str(line["total_price"])) == D(str(line["price"])) * line["quantity"]
            if line["type"] == "gift":
                assert line["price"] == 0
        total_default = sum(D(str(x["total_price"])) for x in lines)
        assert D(str(order["total_default"])) == total_default
        assert order["total_quantity"] == sum(x["quantity"] for x in lines)
        discount = D(str(order["discount_value"]))
        assert D(str(order["total_sum"])) == total_default - discount
        if order["coupon_percent"]:
            coupon = (total_default * order["coupon_percent"] / 100).quantize(D("0.01"))
            assert D(str(order["coupon_discount_value"])) == coupon <= discount
        if order["delivery_data"] and order["delivery_data"]["tnNumber"]:
            assert order["delivery_data"]["tnNumber"].isdigit()
        if order["coupon_percent"]:
            assert order["coupon_code"] and order["coupon_type"] == 1
        gifts = [x for x in lines if x["type"] == "gift"]
        if gifts:
            assert lines[0]["type"] == "gift_parent" and gifts[0]["price"] == 0

    def count(test):
        return sum(1 for o in orders if test(o))

    assert count(lambda o: o["coupon_percent"]) > 5
    assert count(lambda o: o["delivery_price"] == -1) > 20
    assert count(lambda o: any(x["type"] == "gift" for x in o["products"])) > 5
    assert count(lambda o: o["payed"] == 1) > 20
    assert count(lambda o: o["delivery_data"] and o["delivery_data"]["tnNumber"]) > 10
    assert count(lambda o: o["delivery_data"] and not o["delivery_data"]["tnNumber"]) > 10
    assert count(lambda o: o["delivery_data"] == []) > 5
    assert count(lambda o: any(x["parent_storage_id"] for x in o["products"]))
    assert count(lambda o: o["user"] == 0) > 20 and count(lambda o: o["user"]) > 20
    assert count(lambda o: o["discount_value"] > o["coupon_discount_value"]) > 0
    assert count(lambda o: any(x["discount_marker"] == "PRICE_OLD" for x in o["products"]))
    assert {o["stat_status"] for o in orders} >= {1, 2, 3, 4, 6, 7}
    assert all(re.search("[а-яіїєґ]", o["delivery_name"].lower()) for o in orders)
    assert all(o["additional_data"] == [] for o in api.orders(limit=50))


def test_one_buyer_types_the_phone_differently(emu, api):
    by_user: dict = {}
    for order in api.orders():
        if order["user"]:
            by_user.setdefault(order["user"], []).append(order["delivery_phone"])
    phones = max(by_user.values(), key=len)
    assert len(phones) >= 4 and len(set(phones)) >= 3
    digits = {re.sub(r"\D", "", p)[-9:] for p in phones}
    assert len(digits) == 1  # one number: 0671234567, +380 67 123 45 67, 380671234567...
    assert any(p.startswith("0") for p in phones) or any(p.startswith("+") for p in phones)


def test_statuses_and_pages(api):
    statuses = api("orders/get_available_statuses")["response"]["statuses"]
    built_in = fixture("get_available_statuses.json")["response"]["statuses"]
    assert set(built_in) < set(statuses)  # plus custom ones
    for key, status in built_in.items():
        assert statuses[key]["id"] == status["id"]
        assert statuses[key]["is_successful"] == status["is_successful"]
        assert statuses[key]["title"]["ua"] == status["title"]["ua"]
    top = api("pages/export")["response"]["pages"]
    assert set(top[0]) == set(fixture("pages_export.json")["response"]["pages"][0])
    assert top and all(p["parent"] == 0 for p in top)
    assert set(top[0]["title"]) == {"ua", "ru"}
    children = api("pages/export", parent=top[0]["id"])["response"]["pages"]
    assert children and all(p["parent"] == top[0]["id"] for p in children)
    assert api("pages/export", parent=children[0]["id"]) == {"status": "EMPTY", "response": []}


# ------------------------------------------------------------------------- orders/update
class _Sink(BaseHTTPRequestHandler):
    got: list = []

    def do_PUT(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).got.append({"method": self.command, "path": self.path, "body": json.loads(body)})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT

    def log_message(self, *args):
        pass


@pytest.fixture
def sink():
    _Sink.got = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/storesync/webhook/1", _Sink.got
    server.shutdown()


def wait_for(predicate, timeout=5):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_orders_update_log_stock_and_webhook(fresh, sink):
    url, got = sink
    api = Client(fresh)
    store = fresh.store
    product = next(p for p in store.products.values() if p["stock"] is not None)
    office = product["stock"]["office"]
    for event in ("order_created", "order_update"):
        r = api.call("hooks/subscribe", event=event, target_url=url)
        assert r.status_code == 201 and set(r.json()) == set(fixture("hooks_subscribe.json"))
    [order_id] = control(
        fresh, "orders", {"lines": [{"article": product["article"], "quantity": 2}]}
    ).json()["ids"]
    assert product["stock"]["office"] == office - 2
    assert wait_for(lambda: len(got) == 1)
    assert got[0]["method"] == "PUT" and got[0]["body"]["event"] == "order_created"
    assert got[0]["body"]["order"]["order_id"] == order_id
    r = api(
        "orders/update",
        orders=[
            {"order_id": order_id, "status": 4, "tracking_code": "20450000000001", "payed": 1},
            {"order_id": 999999, "status": 2},
            {"order_id": order_id, "status": 5},
        ],
    )
    assert r["status"] == "WARNING"
    assert [x["status"] for x in r["response"]["log"]] == ["OK", "ERROR", "ERROR"]
    assert set(r["response"]["log"][0]) == set(
        fixture("orders_update_answer.json")["response"]["log"][0]
    )
    assert r["response"]["log"][0]["messages"] == "UPDATED"
    assert r["response"]["log"][2]["messages"] == "status is not defined or defined incorrectly"
    order = api.orders(ids=[order_id])[0]
    assert (order["stat_status"], order["payed"]) == (4, 1)
    assert order["delivery_data"]["tnNumber"] == "20450000000001"
    assert product["stock"]["office"] == office - 2  # the API's cancel gives no stock back
    assert api("orders/update", orders=[{"order_id": order_id, "status": 2}])["status"] == "OK"
    assert api("orders/update", orders=[{"order_id": 1, "status": 2}])["status"] == "ERROR"
    received = control(fresh, "received", method="GET").json()
    assert [(e["kind"], e["result"]) for e in received] == [
        ("webhook_create", None),
        ("webhook_create", None),
        ("order_update", "WARNING"),
        ("order_update", "OK"),
        ("order_update", "ERROR"),
    ]
    assert received[2]["body"]["token"] == "***"
    assert wait_for(lambda: len(got) == 3)
    deliveries = control(fresh, "webhooks", method="GET").json()
    assert [d["topic"] for d in deliveries] == ["order_created", "order_update", "order_update"]
    assert all(d["status"] == 200 and d["method"] == "PUT" for d in deliveries)


def test_hooks_limit_and_unsubscribe(fresh):
    api = Client(fresh)
    ids = []
    for n in range(5):
        r = api.call("hooks/subscribe", event="order_created", target_url=f"http://x/{n}")
        assert r.status_code == 201
        ids.append(r.json()["id"])
    r = api.call("hooks/subscribe", event="order_created", target_url="http://x/6")
    assert r.status_code == 400
    assert (
        r.json()["response"]["message"] == "Subscriptions limit for current event has been reached"
    )
    r = api.call("hooks/subscribe", event="nothing", target_url="http://x/6")
    assert r.status_code == 400 and r.json()["status"] == "ERROR"
    r = api.call("hooks/unSubscribe", id=ids[0], target_url="http://x/0")
    assert r.status_code == 410 and r.json() == {"status": "OK"}
    r = api.call("hooks/unSubscribe", id=ids[0], target_url="http://x/0")
    assert r.status_code == 404
    assert api.call("hooks/subscribe", event="order_created", target_url="http://x/6").ok


def test_control_orders_and_back_office_changes(fresh, sink):
    url, got = sink
    store = fresh.store
    store.add_webhook(url, "order_update", "s3cret")
    api = Client(fresh)
    products = [p for p in store.products.values() if p["stock"] is not None][:2]
    r = control(
        fresh,
        "orders",
        {
            "count": 2,
            "status": "В обробці",
            "lines": [{"product_id": p["id"], "quantity": 3} for p in products],
            "coupon": "ZNYZHKA10",
            "delivery": "courier",
            "payment": "card",
            "customer": "guest",
            "phone": "+380 67 123 45 67",
        },
    )
    ids = r.json()["ids"]
    assert len(ids) == 2 and all(isinstance(i, int) for i in ids)
    order = api.orders(ids=ids[:1])[0]
    assert order["stat_status"] == 2 and order["user"] == 0 and order["coupon_percent"] == 10
    assert order["delivery_phone"] == "+380 67 123 45 67"
    assert order["delivery_type"]["title"].startswith("Кур")
    stock = products[0]["stock"]["office"]
    changed = control(
        fresh, f"orders/{ids[0]}", {"quantities": {products[0]["article"]: 1}, "payed": 1}
    ).json()
    line = changed["products"][0]
    assert (line["quantity"], line["total_price"]) == (1, line["price"])
    assert changed["total_default"] == line["price"] + changed["products"][1]["total_price"]
    assert D(str(changed["total_sum"])) == D(str(changed["total_default"])) - D(
        str(changed["discount_value"])
    )
    assert products[0]["stock"]["office"] == stock + 2
    control(fresh, f"orders/{ids[0]}", {"status": 4})  # the back office's cancel
    assert products[0]["stock"]["office"] == stock + 3
    assert wait_for(lambda: len(got) == 2)
    assert got[0]["path"] == "/storesync/webhook/1/s3cret"
    assert control(fresh, "orders", {"status": "nonsense"}).status_code == 400
    assert control(fresh, "orders", {"coupon": "NOPE"}).status_code == 400
    assert control(fresh, "orders", {"delivery": "zeppelin"}).status_code == 400


# ------------------------------------------------------------------------- catalogue
def test_catalog_export(emu, api):
    products = api("catalog/export")["response"]["products"]
    assert len(products) == 30
    sample = fixture("catalog_export.json")["response"]["products"][0]
    assert all(set(sample) - {"color"} <= set(p) for p in products)
    variants = [p for p in products if p["parent_article"] != p["article"]]
    groups = {p["parent_article"] for p in variants}
    assert variants and groups <= {p["article"] for p in products}
    assert any("color" in p for p in variants)
    assert any("size" in p["characteristics"] for p in variants)
    untracked = [p for p in products if p["residues"] == []]
    assert untracked and all(p["quantity"] == 0 for p in untracked)
    tracked = next(p for p in products if p["residues"])
    assert tracked["quantity"] == sum(r["quantity"] for r in tracked["residues"])
    assert {r["warehouse"] for r in tracked["residues"]} == {"office", "kyiv"}
    assert set(tracked["title"]) == {"ua", "ru"} and tracked["currency"] == "UAH"
    wanted = [products[4]["article"], products[1]["article"]]
    found = api("catalog/export", expr={"article": wanted})["response"]["products"]
    assert sorted(p["article"] for p in found) == sorted(wanted)
    page = api("catalog/export", limit=10, offset=25)["response"]["products"]
    assert [p["article"] for p in page] == [p["article"] for p in products[25:]]
    assert api("catalog/export", offset=40, limit=10)["response"]["products"] == []


def test_catalog_import(fresh):
    api = Client(fresh)
    tracked = next(p for p in fresh.store.products.values() if p["stock"] is not None)
    article = tracked["article"]
    r = api(
        "catalog/import",
        products=[
            {
                "article": article,
                "price": 777,
                "price_old": 999,
                "residues": [{"warehouse": "office", "quantity": 4}],
                "quantity": 50,
            },
            {"article": "NEW-1", "price": 10},
            {
                "article": "NEW-2",
                "title": {"ua": "Новий", "ru": "Новый"},
                "price": 12.5,
                "color": "red",
                "parent": "Одяг/Футболки",
            },
        ],
    )
    assert r["status"] == "WARNING"
    log = r["response"]["log"]
    assert [x["article"] for x in log] == [article, "NEW-1", "NEW-2"]
    assert log[0]["info"] == [{"code": 0, "message": "Товар обновлен"}]
    assert [i["code"] for i in log[1]["info"]] == [6]
    assert [i["code"] for i in log[2]["info"]] == [0, 11]
    [product] = api("catalog/export", expr={"article": [article]})["response"]["products"]
    assert (product["price"], product["price_old"]) == (777, 999)
    assert product["residues"][0] == {"warehouse": "office", "quantity": 4}  # not 50
    [new] = api("catalog/export", expr={"article": "NEW-2"})["response"]["products"]
    assert new["title"]["ua"] == "Новий" and new["price"] == 12.5 and new["parent"]["id"] == 2
    assert api("catalog/import", products=[{"article": article, "price": 1}])["status"] == "OK"
    received = control(fresh, "received", method="GET").json()
    assert [(e["kind"], e["result"]) for e in received] == [
        ("product_import", "WARNING"),
        ("product_import", "OK"),
    ]
    r = control(fresh, f"products/{tracked['id']}", {"stock": 9, "price": "555"})
    assert r.json()["residues"][0]["quantity"] == 9 and r.json()["price"] == 555


# ------------------------------------------------------------------------- shops and state
def test_romanian_shop():
    with EmulatorServer(
        platform="cartum", seed=2, orders=30, products=10, currency="RON", prices_include_tax=True
    ) as server:
        api = Client(server)
        orders = api.orders()
        assert {o["currency"] for o in orders} == {"RON"}
        phones = [o["delivery_phone"] for o in orders]
        assert all(re.sub(r"\D", "", p).lstrip("0").removeprefix("40")[:1] in "237" for p in phones)
        assert any(p.startswith("+40") for p in phones) and any(p.startswith("07") for p in phones)
        pages = api("pages/export")["response"]["pages"]
        assert set(pages[0]["title"]) == {"ro", "en"}
        product = api("catalog/export", limit=1)["response"]["products"][0]
        assert set(product["title"]) == {"ro", "en"} and product["currency"] == "RON"
    with pytest.raises(ValueError):
        EmulatorServer(platform="cartum", currency="EUR")


def test_seed_is_deterministic_and_snapshot():
    def dump(seed):
        with EmulatorServer(platform="cartum", seed=seed, orders=15, products=8) as server:
            api = Client(server)
            return api.orders(), api("catalog/export")["response"]["products"]

    assert dump(7) == dump(7) != dump(8)
    with EmulatorServer(platform="cartum", seed=1, orders=5, products=5) as server:
        api = Client(server)
        state = server.store.snapshot()
        before = api.orders()
        control(server, "orders", {"count": 3})
        assert len(api.orders()) == 8
        server.store.restore(state)
        assert api.orders() == before


def test_command_line():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "store_emulator",
            "--platform",
            "cartum",
            "--port",
            "0",
            "--orders",
            "5",
            "--products",
            "5",
            "--currency",
            "RON",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=pathlib.Path(__file__).resolve().parents[1],
    )
    try:
        line = proc.stdout.readline()
        assert "Cartum emulator listening on http://127.0.0.1:" in line
        assert "(login ck_demo, password cs_demo, 5 orders, 5 products)" in line
    finally:
        proc.terminate()
        proc.wait(timeout=10)
