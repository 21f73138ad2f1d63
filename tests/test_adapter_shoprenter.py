"""The Shoprenter adapter's HTTP side, against `responses` answers shaped like the API docs.

The Shoprenter emulator (branch sr-emu) had no API yet when these were written; every answer
here follows /work/notes/shoprenter_contract.md and the official fixtures (collection envelope
with 0-based ``page``/``pageCount``/``next``, ``{"error", "message"}`` bodies, ``/batch`` with
per-item ``statusCode`` as strings or numbers, multipart webhook deliveries).
"""

import functools
import json
import pathlib
import re
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from urllib3 import encode_multipart_formdata

from store_emulator import EmulatorServer

try:
    from odoo.addons.storesync_connector.adapters import StoreSyncError, TokenCache
    from odoo.addons.storesync_connector.adapters.shoprenter import ShoprenterAdapter
except ImportError:
    import bare_addon  # noqa: F401

    from storesync_connector.adapters import StoreSyncError, TokenCache
    from storesync_connector.adapters.shoprenter import ShoprenterAdapter

BASE = "http://sr.test"
API = f"{BASE}/api"
TOKEN = f"{BASE}/demo/app/token"
CREDS = {"shop_name": "demo", "client_id": "ck_demo", "client_secret": "cs_demo"}
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "shoprenter"
ORDER = json.loads((FIXTURES / "order_172.json").read_text(encoding="utf-8"))


def now():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def adapter(**kwargs):
    kwargs.setdefault("retry_total", 0)
    return ShoprenterAdapter(BASE, CREDS, **kwargs)


def token_endpoint(tokens, ttl=3600):
    """Hand out tok1, tok2, ... and remember them."""

    def answer(request):
        body = json.loads(request.body)
        assert body == {
            "grant_type": "client_credentials",
            "client_id": "ck_demo",
            "client_secret": "cs_demo",
        }
        tokens.append(f"tok{len(tokens) + 1}")
        return (
            200,
            {},
            json.dumps({"token_type": "Bearer", "expires_in": ttl, "access_token": tokens[-1]}),
        )

    responses.add_callback(responses.POST, TOKEN, callback=answer)


def bearer(request):
    return request.headers.get("Authorization", "").removeprefix("Bearer ")


def envelope(items, page, page_count, path="orderExtend"):
    return {
        "href": f"{API}/{path}?page={page}",
        "page": str(page),
        "pageCount": str(page_count),
        "limit": "200",
        "first": {"href": f"{API}/{path}?page=0"},
        "previous": None if page == 0 else {"href": f"{API}/{path}?page={page - 1}"},
        "next": None if page >= page_count - 1 else {"href": f"{API}/{path}?page={page + 1}"},
        "last": {"href": f"{API}/{path}?page={page_count - 1}"},
        "items": items,
    }


def orders_listing(count, seen):
    """orderExtend with ``count`` orders, 200 a page, recording each request's query."""

    def answer(request):
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        seen.append(query)
        limit, page = int(query["limit"]), int(query["page"])
        pages = max(-(-count // limit), 1)
        items = []
        for n in range(page * limit, min(count, (page + 1) * limit)):
            items.append(dict(ORDER, innerId=str(1000 + n)))
        return 200, {}, json.dumps(envelope(items, page, pages))

    responses.add_callback(responses.GET, f"{API}/orderExtend", callback=answer)


@responses.activate
def test_token_is_cached_in_the_token_cache_and_reused():
    tokens, seen = [], []
    token_endpoint(tokens)
    orders_listing(3, seen)
    cache = TokenCache()
    with adapter(token_cache=cache) as shop:
        list(shop.iter_orders())
        list(shop.iter_orders())
    assert tokens == ["tok1"]
    token, expires = cache.load()
    assert token == "tok1" and timedelta(seconds=3590) < expires - now() <= timedelta(hours=1)
    assert all(bearer(call.request) == "tok1" for call in responses.calls[1:])
    # a new adapter (another cron run) sharing the cache asks for no token
    with adapter(token_cache=cache) as shop:
        list(shop.iter_orders())
    assert tokens == ["tok1"]


@responses.activate
def test_token_expiring_within_a_minute_is_renewed():
    tokens, seen = [], []
    token_endpoint(tokens)
    orders_listing(1, seen)
    cache = TokenCache()
    cache.save("old", now() + timedelta(seconds=30))
    with adapter(token_cache=cache) as shop:
        list(shop.iter_orders())
    assert tokens == ["tok1"] and cache.load()[0] == "tok1"


@responses.activate
def test_a_401_renews_the_token_and_retries_once():
    tokens = []
    token_endpoint(tokens)
    cache = TokenCache()
    cache.save("revoked", now() + timedelta(hours=1))

    def answer(request):
        if bearer(request) != "tok1":
            return 401, {}, json.dumps({"error": 40101, "message": "Unauthorized"})
        return 200, {}, json.dumps(envelope([ORDER], 0, 1))

    responses.add_callback(responses.GET, f"{API}/orderExtend", callback=answer)
    with adapter(token_cache=cache) as shop:
        (page,) = list(shop.iter_orders())
    assert [o["innerId"] for o in page] == ["172"] and tokens == ["tok1"]


@responses.activate
def test_a_second_401_is_an_auth_error():
    tokens = []
    token_endpoint(tokens)
    responses.get(f"{API}/orderExtend", status=401, json={"error": 40101, "message": "No right"})
    with adapter() as shop, pytest.raises(StoreSyncError) as caught:
        list(shop.iter_orders())
    assert caught.value.kind == "auth" and caught.value.code == "40101"
    assert caught.value.message == "No right" and len(tokens) == 2


@responses.activate
def test_refused_client_credentials():
    responses.post(
        TOKEN,
        status=401,
        json={"error": "invalid_client", "error_description": "Client authentication failed"},
    )
    with adapter() as shop, pytest.raises(StoreSyncError) as caught:
        shop.check_connection()
    assert caught.value.kind == "auth" and caught.value.code == "invalid_client"
    assert caught.value.message == "Client authentication failed"


@pytest.mark.parametrize(
    "status, body, kind",
    [
        (429, {"error": 42900, "message": "Too Many Requests"}, "rate_limited"),
        (404, {"error": 40401, "message": "Resource not found"}, "not_found"),
        (400, {"error": 40010, "message": "limit maximum is 200"}, "client"),
        (500, {"error": 50000, "message": "oops"}, "server"),
    ],
)
@responses.activate
def test_errors_map_to_kinds(status, body, kind):
    token_endpoint([])
    responses.get(f"{API}/orderExtend", status=status, json=body)
    with adapter() as shop, pytest.raises(StoreSyncError) as caught:
        shop.fetch_orders_page()
    assert (caught.value.kind, caught.value.code) == (kind, str(body["error"]))
    assert caught.value.message == body["message"]


@responses.activate
def test_paging_costs_ceil_n_over_200_and_throttles_every_request():
    seen, throttled = [], []
    token_endpoint([])
    orders_listing(401, seen)
    with adapter(throttle=lambda: throttled.append(1)) as shop:
        pages = list(
            shop.iter_orders(
                modified_after=datetime(2024, 7, 1, 8, 0),
                modified_before=datetime(2024, 7, 2, 8, 0),
            )
        )
    assert [len(p) for p in pages] == [200, 200, 1]
    assert [p.number for p in pages] == [1, 2, 3] and pages[0].total_pages == 3
    assert pages[0].total is None
    assert len(seen) == 3 and len(throttled) == 3  # the token request is not throttled
    assert [q["page"] for q in seen] == ["0", "1", "2"]
    query = seen[0]
    assert query["full"] == "1" and query["excludeAbandonedCart"] == "1"
    assert query["limit"] == "200"
    # naive UTC in, Budapest summer time out; "before" is exclusive, the shop's Max inclusive
    assert query["updatedAtMin"] == "2024-07-01T10:00:00"
    assert query["updatedAtMax"] == "2024-07-02T09:59:59"


@responses.activate
def test_get_orders_through_one_batch():
    token_endpoint([])
    calls = []

    def answer(request):
        body = json.loads(request.body)
        calls.append(body)
        out = []
        for item in body["data"]["requests"]:
            inner = parse_qs(urlsplit(item["uri"]).query)["innerId"][0]
            items = [dict(ORDER, innerId=inner)] if inner != "9" else []
            out.append(
                {
                    "method": "GET",
                    "uri": item["uri"],
                    "response": {
                        "header": {"statusCode": 200},
                        "body": envelope(items, 0, 1 if items else 0),
                    },
                }
            )
        return 200, {}, json.dumps({"requests": {"request": out}})

    responses.add_callback(responses.POST, f"{API}/batch", callback=answer)
    with adapter() as shop:
        orders = shop.get_orders(["172", 9, "44"])
    assert [o["innerId"] for o in orders] == ["44", "172"]
    (call,) = calls
    assert [r["method"] for r in call["data"]["requests"]] == ["GET"] * 3
    assert call["data"]["requests"][0]["uri"] == f"{API}/orderExtend?innerId=9&full=1"


def batch_echo(statuses, seen):
    """/batch answering each item with the next status (as a string) and an echo body."""

    def answer(request):
        body = json.loads(request.body)
        seen.append(body["data"]["requests"])
        out = []
        for item in body["data"]["requests"]:
            status = statuses.pop(0) if statuses else "200"
            payload = (
                {"id": item["uri"].rsplit("/", 1)[-1], **(item.get("data") or {})}
                if str(status).startswith("2")
                else {"error": 40005, "message": "Bad data"}
            )
            out.append(
                {
                    "method": item["method"],
                    "uri": item["uri"],
                    "response": {"header": {"statusCode": status}, "body": payload},
                }
            )
        return 200, {}, json.dumps({"requests": {"request": out}})

    responses.add_callback(responses.POST, f"{API}/batch", callback=answer)


@responses.activate
def test_update_stock_in_batches_of_200_with_per_item_results():
    token_endpoint([])
    seen = []
    statuses = ["200", 400] + ["200"] * 198 + ["503"]
    batch_echo(statuses, seen)
    items = [{"id": f"cHJvZC{n}", "stock_quantity": n + 0.5} for n in range(201)]
    with adapter() as shop:
        results = shop.update_stock(items)
    assert [len(chunk) for chunk in seen] == [200, 1]
    assert seen[0][0] == {"method": "PUT", "uri": f"{API}/products/cHJvZC0", "data": {"stock1": 0}}
    assert seen[0][3]["data"] == {"stock1": 3}  # 3.5 rounded down
    assert results[0]["ok"] and results[0]["data"]["stock1"] == 0
    assert results[1] == {
        "id": "cHJvZC1",
        "parent_id": None,
        "ok": False,
        "status": 400,
        "code": "40005",
        "message": "Bad data",
        "retryable": False,
        "data": None,
    }
    assert results[200]["status"] == 503 and results[200]["retryable"]


@responses.activate
def test_status_put_finds_the_order_resource():
    token_endpoint([])
    responses.get(
        f"{API}/orders",
        json=envelope([{"href": f"{API}/orders/b3JkZXItb3JkZXJfaWQ9MTcy"}], 0, 1, "orders"),
        match=[
            responses.matchers.query_param_matcher({"innerId": "172", "limit": "1", "page": "0"})
        ],
    )
    put = responses.put(f"{API}/orders/b3JkZXItb3JkZXJfaWQ9MTcy", json={"innerId": "172"})
    with adapter() as shop:
        answer = shop.update_order_status(
            "172", "b3JkZXJTdGF0dXMtb3JkZXJfc3RhdHVzX2lkPTM=", note="x"
        )
    assert answer == {"innerId": "172"}
    assert json.loads(put.calls[0].request.body) == {
        "orderStatus": {"id": "b3JkZXJTdGF0dXMtb3JkZXJfc3RhdHVzX2lkPTM="}
    }
    with adapter() as shop, pytest.raises(StoreSyncError) as caught:
        shop.add_order_note("172", "hello")
    assert caught.value.kind == "client" and shop.list_order_notes("172") == []


@responses.activate
def test_prices_and_specials_replace_only_ours():
    token_endpoint([])
    product = "cHJvZHVjdC1wcm9kdWN0X2lkPTE3MDc="
    specials = envelope(
        [
            {"id": "c3BlY2lhbDE=", "priority": "7", "customerGroup": {}, "price": "1000.0000"},
            {"id": "c3BlY2lhbDI=", "priority": "1", "customerGroup": {}, "price": "900.0000"},
        ],
        0,
        1,
        "productSpecials",
    )
    seen = []

    def answer(request):
        requests_ = json.loads(request.body)["data"]["requests"]
        seen.append(requests_)
        out = []
        for item in requests_:
            body = {"id": product, **(item.get("data") or {})}
            status = "200"
            if item["method"] == "GET":
                body = specials
            elif item["method"] == "DELETE":
                status, body = "204", None
            elif item["method"] == "POST":
                status, body = "201", {"id": "bmV3", **item["data"]}
            out.append({"method": item["method"], "uri": item["uri"],
                        "response": {"header": {"statusCode": status}, "body": body}})  # fmt: skip
        return 200, {}, json.dumps({"requests": {"request": out}})

    responses.add_callback(responses.POST, f"{API}/batch", callback=answer)
    with adapter() as shop:
        (result,) = shop.update_prices(
            [
                {
                    "id": product,
                    "regular_price": "2200",
                    "sale_price": "1800",
                    "sale_from": datetime(2025, 1, 1, 23, 0),
                    "sale_to": None,
                }
            ]
        )
    assert result["ok"] and result["data"]["productSpecial"]["id"] == "bmV3"
    prices, reads, writes = seen
    assert prices == [
        {"method": "PUT", "uri": f"{API}/products/{product}", "data": {"price": "2200"}}
    ]
    assert reads[0]["uri"].startswith(f"{API}/productSpecials?productId={product}")
    assert [(w["method"], w["uri"].rsplit("/", 1)[-1]) for w in writes] == [
        ("DELETE", "c3BlY2lhbDE="),  # ours (priority 7); the merchant's priority 1 stays
        ("POST", "productSpecials"),
    ]
    assert writes[1]["data"] == {
        "product": {"id": product},
        "customerGroup": {},
        "priority": "7",
        "price": "1800",
        "dateFrom": "2025-01-02 00:00:00",  # 23:00 UTC is midnight in Budapest (winter)
        "dateTo": "0000-00-00 00:00:00",
        "minQuantity": "0",
        "maxQuantity": "0",
    }


@responses.activate
def test_register_webhooks_is_idempotent():
    token_endpoint([])
    url = "https://odoo.example.com/storesync/webhook/3?token=s3cret"
    hooks = [
        {"id": "d2ViSG9vay0x", "event": "order_confirm", "status": "1",
         "webHookParameters": {"type": "json", "url": "https://other.example.com"}},
        {"id": "d2ViSG9vay0y", "event": "order_status_change", "status": "0",
         "webHookParameters": [{"type": "json", "url": url}]},
        {"id": "d2ViSG9vay0z", "event": "order_status_change", "status": "1",
         "webHookParameters": [{"type": "json", "url": url}]},
    ]  # fmt: skip

    def listing(request):
        return 200, {}, json.dumps(envelope(hooks, 0, 1, "webHooks"))

    def create(request):
        body = json.loads(request.body)
        hook = {"id": f"d2ViSG9vay{len(hooks)}", **body}
        hooks.append(hook)
        return 201, {}, json.dumps(hook)

    def delete(request):
        hooks[:] = [h for h in hooks if h["id"] != request.url.rsplit("/", 1)[-1]]
        return 204, {}, ""

    responses.add_callback(responses.GET, f"{API}/webHooks", callback=listing)
    responses.add_callback(responses.POST, f"{API}/webHooks", callback=create)
    responses.add_callback(responses.DELETE, re.compile(rf"{API}/webHooks/.+"), callback=delete)
    with adapter() as shop:
        first = shop.register_webhooks(url, "s3cret")
        second = shop.register_webhooks(url, "s3cret")
    assert [h["topic"] for h in first["created"]] == ["order_confirm"]
    assert first["kept"] == [{"id": "d2ViSG9vay0z", "topic": "order_status_change"}]
    assert first["deleted"] == [{"id": "d2ViSG9vay0y", "topic": "order_status_change"}]
    assert first["others"] == [{"id": "d2ViSG9vay0x", "topic": "order_confirm"}]
    assert second["created"] == [] and second["deleted"] == [] and len(second["kept"]) == 2
    created = next(h for h in hooks if h["id"] == first["created"][0]["id"])
    assert created["webHookParameters"] == [{"type": "json", "url": url}]
    assert created["status"] == "1"


def test_describe_webhook_reads_the_multipart_data_field():
    data = {
        "orders": {
            "order": [
                {
                    "innerId": "172",
                    "innerResourceId": "b3JkZXItb3JkZXJfaWQ9MTcy",
                    "total": "6400.0000",
                    "totalGross": "8128.0000",
                    "orderHistory": {"status": "2", "statusText": "Feldolgozás alatt"},
                    "orderProducts": {"orderProduct": [{"innerId": "157", "quantity": "1"}]},
                }
            ]
        }
    }
    body, ctype = encode_multipart_formdata({"data": json.dumps(data, ensure_ascii=False)})
    headers = {"Content-Type": ctype, "User-Agent": "ShopRenter"}
    about = ShoprenterAdapter.describe_webhook(headers, body)
    assert about == {
        "ping": False,
        "kind": "order",
        "topic": "order_status_change",
        "refs": ["172"],
    }
    assert not ShoprenterAdapter.verify_webhook(headers, body, "s3cret")
    form = "data=" + json.dumps({"orders": {"order": {"innerId": "9"}}})
    about = ShoprenterAdapter.describe_webhook(
        {"content-type": "application/x-www-form-urlencoded"}, form.encode()
    )
    assert (about["kind"], about["topic"], about["refs"]) == ("order", "order_confirm", ["9"])
    body, ctype = encode_multipart_formdata({"data": json.dumps({"subscriber": {"email": "a"}})})
    assert ShoprenterAdapter.describe_webhook({"Content-Type": ctype}, body)["kind"] is None


@responses.activate
def test_check_connection_and_store_settings():
    tokens = []
    token_endpoint(tokens)
    responses.get(
        f"{API}/currencies",
        json=envelope(
            [{"id": "eur", "code": "EUR", "value": "0.00250000"},
             {"id": "huf", "code": "HUF", "value": "1.00000000"}], 0, 1, "currencies",
        ),
    )  # fmt: skip
    responses.get(
        f"{API}/taxRates",
        json=envelope(
            [{"id": "a", "rate": "27.0000", "description": "ÁFA 27%"},
             {"id": "b", "rate": "5.0000", "description": "ÁFA 5%"},
             {"id": "c", "rate": "27", "description": "ÁFA 27% (EU)"}], 0, 1, "taxRates",
        ),
    )  # fmt: skip
    responses.get(
        f"{API}/shippingModeExtend",
        json=envelope(
            [{"id": "c2hpcHBpbmdNb2RlLWlkPTc=", "innerId": "7",
              "shippingModeDescriptions": [{"name": "GLS futárszolgálat"}]}], 0, 1, "s",
        ),
    )  # fmt: skip
    responses.get(
        f"{API}/paymentModes",
        json=envelope([{"code": "COD", "paymentDescription": [{"name": "Utánvét"}]}], 0, 1, "p"),
    )
    responses.get(
        f"{API}/languages",
        json=envelope([{"id": "bGFuZzE=", "code": "hu"}, {"id": "bGFuZzI=", "code": "en"}], 0, 1),
    )
    pending = "b3JkZXJTdGF0dXMtb3JkZXJfc3RhdHVzX2lkPTE="
    responses.get(
        f"{API}/orderStatusDescriptions",
        json=envelope(
            [{"name": "Pending", "orderStatus": {"href": f"{API}/orderStatuses/{pending}"},
              "language": {"href": f"{API}/languages/bGFuZzI="}},
             {"name": "Függőben", "orderStatus": {"href": f"{API}/orderStatuses/{pending}"},
              "language": {"href": f"{API}/languages/bGFuZzE="}}], 0, 1,
        ),
    )  # fmt: skip
    responses.get(f"{API}/orderStatuses", json=envelope([{"id": pending}], 0, 1))
    regular, default = (
        "Y3VzdG9tZXJHcm91cC1jdXN0b21lcl9ncm91cF9pZD02",
        "Y3VzdG9tZXJHcm91cC1jdXN0b21lcl9ncm91cF9pZD04",
    )
    responses.get(
        f"{API}/settings",
        json=envelope([{"href": f"{API}/settings/c2V0MQ==", "id": "c2V0MQ==", "group": "config",
                        "key": "config_customer_group_id", "value": "8"}], 0, 1),
    )  # fmt: skip
    responses.get(
        f"{API}/customerGroups",
        json=envelope(
            [{"href": f"{API}/customerGroups/{regular}", "id": regular, "innerId": "6",
              "name": "Regular customer", "percentDiscount": "20",
              "percentDiscountSpecialPrices": "0"},
             {"href": f"{API}/customerGroups/{default}", "id": default, "innerId": "8",
              "name": "Default", "percentDiscount": "0", "percentDiscountSpecialPrices": "0"}],
            0, 1,
        ),
    )  # fmt: skip
    in_stock = "c3RvY2tTdGF0dXMtc3RvY2tfc3RhdHVzX2lkPTk="
    responses.get(f"{API}/stockStatuses", json=envelope([{"id": in_stock}], 0, 1))
    responses.get(
        f"{API}/stockStatusDescriptions",
        json=envelope(
            [{"name": "In stock", "stockStatus": {"href": f"{API}/stockStatuses/{in_stock}"},
              "language": {"href": f"{API}/languages/bGFuZzI="}},
             {"name": "Raktáron", "stockStatus": {"href": f"{API}/stockStatuses/{in_stock}"},
              "language": {"href": f"{API}/languages/bGFuZzE="}}], 0, 1,
        ),
    )  # fmt: skip
    with adapter() as shop:
        info = shop.check_connection()
        settings = shop.list_store_settings()
    assert settings["delivery_times"] == [{"id": in_stock, "title": "Raktáron"}]
    assert ShoprenterAdapter.customer_group_prices
    assert settings["customer_groups"] == [
        {"id": regular, "title": "Regular customer", "default": False},
        {"id": default, "title": "Default", "default": True},
    ]
    assert info == {"name": "demo", "version": "", "api_version": "api2", "currency": "HUF"}
    assert [(r["id"], str(r["percent"])) for r in settings["tax_rates"]] == [
        ("5", "5"),
        ("27", "27"),
    ]
    assert settings["shipping_methods"] == [{"id": "7", "title": "GLS futárszolgálat"}]
    assert settings["payment_methods"] == [{"id": "COD", "title": "Utánvét"}]
    assert settings["order_statuses"] == [{"id": pending, "title": "Függőben"}]
    assert settings["prices_include_tax"] is False
    assert set(ShoprenterAdapter.default_status_actions) == set(ShoprenterAdapter.status_ladder) | {
        ShoprenterAdapter.default_export_statuses["cancelled"],
        "b3JkZXJTdGF0dXMtb3JkZXJfc3RhdHVzX2lkPTY=",
        "b3JkZXJTdGF0dXMtb3JkZXJfc3RhdHVzX2lkPTc=",
    }
    assert tokens == ["tok1"]


def test_real_shop_addresses():
    shop = ShoprenterAdapter("https://demo.myshoprenter.hu/", CREDS)
    assert shop.api_base == "https://demo.api2.myshoprenter.hu/api"
    assert shop.token_url == "https://oauth.app.shoprenter.net/demo/app/token"
    assert ShoprenterAdapter.requests_per_second == 3
    assert ShoprenterAdapter.webhook_auth == "url_token" and ShoprenterAdapter.webhook_is_trigger
    assert not ShoprenterAdapter.supports_tracking
    assert [f.name for f in ShoprenterAdapter.credential_fields if f.secret] == ["client_secret"]


def test_group_items_write_only_their_groups_special():
    """Against the emulator: a ``customer_group`` item leaves the product's price and every
    other special alone, and is answered with its group."""
    with EmulatorServer(platform="shoprenter", seed=4, orders=0, products=4) as emu:
        shop = emu.store
        inner = next(iter(shop.products))
        product = shop.product_rid(inner)
        group = shop.group_rid(6)
        price = shop.products[inner]["price"]
        merchant = {s["id"] for s in shop.specials.values() if s["product_id"] == inner}
        assert merchant, "the seeded shop's first products have specials of their own"
        start, end = datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 24, 23, 0)
        # the emulator keeps the shop's 3 requests per second, as the Odoo throttle would
        pace = functools.partial(time.sleep, 0.35)
        with ShoprenterAdapter(emu.url, CREDS, retry_total=0, throttle=pace) as api:
            everyone, grouped = api.update_prices(
                [
                    {"id": product, "regular_price": "1234", "sale_price": None},
                    {
                        "id": product,
                        "customer_group": group,
                        "sale_price": "999",
                        "sale_from": start,
                        "sale_to": end,
                    },
                ]
            )
            assert everyone["ok"] and "customer_group" not in everyone
            assert grouped["ok"] and grouped["customer_group"] == group
            assert shop.products[inner]["price"] == Decimal("1234") != price
            ours = [
                s
                for s in shop.specials.values()
                if s["product_id"] == inner and s["id"] not in merchant
            ]
            assert [(s["group"], s["price"], s["priority"], s["dateFrom"], s["dateTo"])
                    for s in ours] == [
                (6, Decimal("999"), "7", "2026-12-01 09:00:00", "2026-12-25 00:00:00")
            ]  # fmt: skip
            # no sale any more for the group: ours goes, the merchant's stays
            (result,) = api.update_prices([{"id": product, "customer_group": group,
                                            "sale_price": None}])  # fmt: skip
            assert result["ok"]
            assert {s["id"] for s in shop.specials.values() if s["product_id"] == inner} == (
                merchant
            )


def test_a_429_without_retry_after_is_waited_out_even_for_a_post():
    """No throttle at all: the shop's own 3 requests per second answer 429 (no Retry-After);
    the adapter waits out the one-second window and sends again, POSTs included (a 429 did
    nothing), so registering webhooks creates each one once."""
    with EmulatorServer(platform="shoprenter", seed=4, orders=0, products=2) as emu:
        with ShoprenterAdapter(emu.url, CREDS) as api:
            api.check_connection()
            for _ in range(3):
                api.register_webhooks("http://127.0.0.1:9/hook/secret", "secret")
        log = emu.request_log_snapshot()
        refused = [e for e in log if e["status"] == 429]
        assert refused, "unthrottled, the shop said 429"
        assert all(e["status"] in (200, 201, 429) for e in log)
        assert sorted(h["event"] for h in emu.store.webhooks.values()) == [
            "order_confirm",
            "order_status_change",
        ]
        for entry in refused:
            later = [
                e["time"] for e in log if e["time"] > entry["time"] and e["path"] == entry["path"]
            ]
            assert later and min(later) - entry["time"] >= 0.9
