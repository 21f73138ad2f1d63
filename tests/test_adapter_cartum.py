"""The Cartum adapter against the Cartum emulator over real HTTP: login and token, the
envelope's statuses, orders by creation window and by number, the catalogue, status and
tracking back, stock and prices through ``catalog/import``, webhook subscriptions.

No Odoo needed.
"""

import json
import time
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from store_emulator import EmulatorServer

try:
    from odoo.addons.storesync_connector.adapters import StoreSyncError, TokenCache
    from odoo.addons.storesync_connector.adapters.cartum import CartumAdapter
    from odoo.addons.storesync_connector.adapters.cartum_mapping import VAT_RATE
    from odoo.addons.storesync_connector.utils.line_planner import TaxSpec, plan_lines
except ImportError:
    import bare_addon  # noqa: F401

    from storesync_connector.adapters import StoreSyncError, TokenCache
    from storesync_connector.adapters.cartum import CartumAdapter
    from storesync_connector.adapters.cartum_mapping import VAT_RATE
    from storesync_connector.utils.line_planner import TaxSpec, plan_lines

LOGIN, PASSWORD = "api_admin", "s3cret-Pa55"
VAT_20 = {VAT_RATE: TaxSpec(tax_id=1, percent=D(20), price_include=True, name="ПДВ")}


@pytest.fixture(scope="module")
def emulator():
    emu = EmulatorServer(
        platform="cartum",
        seed=3,
        orders=60,
        products=12,
        consumer_key=LOGIN,
        consumer_secret=PASSWORD,
    ).start()
    yield emu
    emu.stop()


@pytest.fixture
def emu(emulator):
    emulator.reset()
    return emulator


def adapter(emu, **kwargs):
    kwargs.setdefault("retry_total", 0)
    credentials = {"cartum_login": LOGIN, "cartum_password": PASSWORD}
    credentials.update(kwargs.pop("credentials", {}))
    return CartumAdapter(emu.url, credentials, **kwargs)


def calls(emu, function):
    return [e for e in emu.request_log_snapshot() if e["path"].strip("/") == f"api/{function}"]


def test_check_connection_logs_in_once_and_reads_the_shops_currency(emu):
    cache = TokenCache()
    shop = adapter(emu, token_cache=cache)
    info = shop.check_connection()
    assert info["currency"] == "UAH"
    assert info["api_version"] == "horoshop"
    assert cache.load()[0]
    # A second adapter of the store shares the token: no second login.
    adapter(emu, token_cache=cache).get_orders([1])
    assert len(calls(emu, "auth")) == 1


def test_a_wrong_password_is_an_auth_error(emu):
    with pytest.raises(StoreSyncError) as caught:
        adapter(emu, credentials={"cartum_password": "wrong"}).check_connection()
    assert caught.value.kind == "auth"
    assert not caught.value.retryable


def test_a_token_the_shop_no_longer_knows_is_renewed_once(emu):
    cache = TokenCache()
    shop = adapter(emu, token_cache=cache)
    shop.get_orders([1])
    # The shop forgot it (a restart, another login elsewhere): UNAUTHORIZED, a new login.
    cache.save("0" * 32, datetime.now() + timedelta(minutes=5))
    assert shop.get_orders(sorted(emu.store.orders)[:2])
    assert len(calls(emu, "auth")) == 2


def test_all_orders_page_by_page_and_each_plans_to_its_total(emu):
    shop = adapter(emu)
    pages = list(shop.iter_orders(per_page=25))
    listed = [order for page in pages for order in page]
    assert sorted(o["order_id"] for o in listed) == sorted(emu.store.orders)
    assert [len(page) for page in pages] == [25, 25, 10]
    assert len(calls(emu, "orders/get")) == 3 + 1  # + the one that learned the currency
    for payload in listed:
        order = shop.map_order(payload)
        planned = plan_lines(order, VAT_20)
        assert sum((p.base + p.tax for p in planned), D(0)) == order.total, payload["order_id"]


def test_the_listing_filters_by_creation_window(emu):
    shop = adapter(emu)
    described = sorted(
        (shop.describe_order(o) for page in shop.iter_orders() for o in page),
        key=lambda item: item["external_date"],
    )
    middle = described[len(described) // 2]["external_date"]
    after = [o for page in shop.iter_orders(modified_after=middle) for o in page]
    before = [
        o for page in shop.iter_orders(modified_before=middle + timedelta(seconds=1)) for o in page
    ]
    expect_after = {i["external_id"] for i in described if i["external_date"] >= middle}
    expect_before = {i["external_id"] for i in described if i["external_date"] <= middle}
    assert {str(o["order_id"]) for o in after} == expect_after
    assert {str(o["order_id"]) for o in before} == expect_before
    # A new order is created now: the next window finds it.
    [new] = emu.store.create_orders(1)
    recent = [
        o
        for page in shop.iter_orders(modified_after=datetime.utcnow() - timedelta(minutes=1))
        for o in page
    ]
    assert [o["order_id"] for o in recent] == [new]


def test_orders_by_number_leave_out_what_the_shop_lacks(emu):
    shop = adapter(emu)
    numbers = sorted(emu.store.orders)[:3]
    found = shop.get_orders([*numbers, 999999])
    assert sorted(o["order_id"] for o in found) == numbers
    with pytest.raises(StoreSyncError) as caught:
        shop.get_order(999999)
    assert caught.value.kind == "not_found"


def test_catalogue_categories_and_products(emu):
    shop = adapter(emu)
    categories = shop.list_categories()
    by_id = {c["id"]: c for c in categories}
    assert all(c["parent"] == "0" or c["parent"] in by_id for c in categories)
    assert any(c["parent"] != "0" for c in categories), "two levels"
    articles = [p["article"] for p in emu.store.products.values()]
    products = shop.get_products([*articles[:5], "NO-SUCH"])
    assert sorted(p["article"] for p in products) == sorted(articles[:5])
    paths = {}
    for category in categories:
        names, node = [], category
        while node:
            names.insert(0, node["name"])
            node = by_id.get(node["parent"])
        paths[category["id"]] = tuple(names)
    for payload in products:
        product = shop.map_product(payload, category_paths=paths)
        assert product.sku == payload["article"]
        assert product.categories and len(product.categories[0]) == 2
    assert shop.list_variations("anything") == []


def test_store_settings(emu):
    settings = adapter(emu).list_store_settings()
    assert settings["tax_rates"] == [
        {"id": VAT_RATE, "label": "VAT included in the shop's prices", "percent": None}
    ]
    assert settings["prices_include_tax"] is True
    statuses = {s["id"]: s["title"] for s in settings["order_statuses"]}
    assert {"1", "2", "3", "4", "6", "7"} <= set(statuses)
    assert settings["shipping_methods"] and settings["payment_methods"]


def test_status_tracking_and_paid_go_back_in_one_call(emu):
    shop = adapter(emu)
    number = next(o["id"] for o in emu.store.orders.values() if o["status"] == 2)
    answer = shop.update_order_status(number, "6", tracking_code="20450000111222", paid=True)
    order = emu.store.orders[number]
    assert (order["status"], order["payed"], order["tracking"]) == (6, 1, "20450000111222")
    assert answer["stat_status"] == 6
    [write] = [r for r in emu.store.received if r["kind"] == "order_update"]
    assert write["body"]["orders"] == [
        {"order_id": number, "status": 6, "tracking_code": "20450000111222", "payed": 1}
    ]
    with pytest.raises(StoreSyncError) as caught:
        shop.update_order_status(number, "99")
    assert "status is not defined" in caught.value.message


def test_stock_and_prices_through_catalog_import(emu):
    shop = adapter(emu)
    product = next(p for p in emu.store.products.values() if p["stock"] is not None)
    article = product["article"]
    results = shop.update_stock(
        [{"id": article, "stock_quantity": 7}, {"id": "NO-SUCH", "stock_quantity": 1}]
    )
    assert [r["ok"] for r in results] == [True, False]
    assert results[1]["code"] == "6"  # a new article needs a title: nothing is created
    [exported] = shop.get_products([article])
    office = next(r for r in exported["residues"] if r["warehouse"] == "office")
    assert office["quantity"] == 7
    results = shop.update_prices([{"id": article, "regular_price": "1250", "sale_price": "990"}])
    assert results[0]["ok"]
    [exported] = shop.get_products([article])
    assert (exported["price"], exported["price_old"]) == (990, 1250)
    shop.update_prices([{"id": article, "regular_price": "1300", "sale_price": None}])
    [exported] = shop.get_products([article])
    assert (exported["price"], exported["price_old"]) == (1300, 0)


def test_many_stock_changes_take_one_call_per_fifty(emu):
    shop = adapter(emu)
    articles = [p["article"] for p in emu.store.products.values()]
    items = [{"id": articles[i % len(articles)], "stock_quantity": i} for i in range(120)]
    results = shop.update_stock(items)
    assert len(results) == 120
    assert len(calls(emu, "catalog/import")) == 3


def test_webhooks_subscribe_and_a_delivery_names_its_order(emu):
    shop = adapter(emu)
    url = "http://127.0.0.1:9/storesync/webhook/1/secret"
    result = shop.register_webhooks(url, "secret")
    assert [h["topic"] for h in result["created"]] == ["order_created", "order_update"]
    assert all(h["id"] for h in result["created"])
    # Registering again removes what it subscribed before: never two deliveries per event.
    again = shop.register_webhooks(url, "secret", previous=result["subscriptions"])
    assert sorted(h["id"] for h in again["deleted"]) == sorted(h["id"] for h in result["created"])
    assert len(emu.store.webhooks) == 2
    # A new secret's address replaces the old one.
    moved = shop.register_webhooks(url + "x", "secretx", previous=again["subscriptions"])
    assert {h["target_url"] for h in emu.store.webhooks.values()} == {url + "x"}
    # Subscriptions it does not know of (made elsewhere) fill the shop's 5 per event.
    for _ in range(4):
        shop.register_webhooks(url, "secret")
    with pytest.raises(StoreSyncError) as caught:
        shop.register_webhooks(url, "secret", previous=[{"id": "999", "url": url}])
    assert "limit" in caught.value.message
    assert moved["subscriptions"]
    body = json.dumps(
        emu.store.webhook_payload("order_created", next(iter(emu.store.orders.values())))
    )
    about = CartumAdapter.describe_webhook({}, body.encode())
    assert about["kind"] == "order" and about["topic"] == "order_created"
    assert about["refs"] == [str(next(iter(emu.store.orders)))]
    assert CartumAdapter.describe_webhook({}, b"")["ping"]
    # Only a whole number names an order to read again.
    odd = json.dumps({"event": "order_update", "order": {"order_id": "12; drop"}}).encode()
    assert CartumAdapter.describe_webhook({}, odd)["refs"] == []


def test_a_passing_server_error_is_retried_for_a_read(emu):
    shop = adapter(emu, retry_total=2, backoff_factor=0)
    shop.check_connection()
    emu.set_faults(["503"], count=1, retry_after=0)
    assert shop.get_orders(sorted(emu.store.orders)[:1])


def test_the_shops_rate_limit_is_waited_for(emu):
    emu.store.configure(rate_limit=2)
    try:
        shop = adapter(emu, retry_total=3, backoff_factor=0)
        start = time.monotonic()
        for number in sorted(emu.store.orders)[:4]:
            shop.get_orders([number])
        assert time.monotonic() - start >= 1
    finally:
        emu.store.configure(rate_limit=0)
