"""The VirtueMart emulator (store_emulator.platforms.virtuemart): a real MariaDB shop.

Run: cd tests && ../.venv/bin/python -m pytest test_emulator_virtuemart.py -q -p no:randomly
-p no:odoo (needs the STORESYNC_MARIADB_* server, see scripts/dev.py ensure_mariadb).
"""

import json
import secrets
from collections import Counter, defaultdict
from decimal import Decimal

import pymysql
import pytest

from store_emulator.platforms import PLATFORMS
from store_emulator.platforms.virtuemart import (
    VirtueMartShop,
    r2,
    schema_statements,
    seed_demo,
    server_settings,
)


@pytest.fixture(scope="module")
def shop():
    with VirtueMartShop(seed=3, orders=40, products=12).start() as shop:
        yield shop


def test_not_an_http_platform():
    assert "virtuemart" not in PLATFORMS


def test_schema_follows_install_sql(shop):
    columns = {
        row["COLUMN_NAME"]: row
        for row in shop.query(
            "SELECT * FROM information_schema.columns WHERE table_schema=%s AND table_name=%s",
            shop.database,
            "jml4_virtuemart_orders",
        )
    }
    assert columns["order_total"]["COLUMN_TYPE"] == "decimal(15,5)"
    assert columns["coupon_discount"]["COLUMN_TYPE"] == "decimal(12,2)"
    assert columns["order_payment"]["COLUMN_TYPE"] == "decimal(12,2)"
    assert columns["order_status"]["COLUMN_TYPE"] == "char(3)"
    tables = {
        row["TABLE_NAME"]
        for row in shop.query(
            "SELECT table_name AS TABLE_NAME FROM information_schema.tables WHERE table_schema=%s",
            shop.database,
        )
    }
    for name in (
        "products_de_de",
        "categories_de_de",
        "manufacturers_de_de",
        "paymentmethods_de_de",
        "shipmentmethods_de_de",
        "order_userinfos",
    ):
        assert f"jml4_virtuemart_{name}" in tables
    assert "jml4_users" in tables
    assert "jml4_user_usergroup_map" in tables
    assert len(schema_statements("x_", "en_gb")) == len(tables)
    assert all(
        "x_virtuemart_" in s or "x_users" in s or "x_user_usergroup_map" in s
        for s in schema_statements("x_", "en_gb")
    )


def _orders(shop):
    orders = {
        row["virtuemart_order_id"]: row for row in shop.query("SELECT * FROM {p}virtuemart_orders")
    }
    items, rules, infos = defaultdict(list), defaultdict(list), defaultdict(dict)
    for row in shop.query("SELECT * FROM {p}virtuemart_order_items"):
        items[row["virtuemart_order_id"]].append(row)
    for row in shop.query("SELECT * FROM {p}virtuemart_order_calc_rules"):
        rules[row["virtuemart_order_id"]].append(row)
    for row in shop.query("SELECT * FROM {p}virtuemart_order_userinfos"):
        infos[row["virtuemart_order_id"]][row["address_type"]] = row
    return orders, items, rules, infos


def check_money(order, items, rules):
    rates = {
        r["virtuemart_order_item_id"]: r["calc_value"] for r in rules if r["calc_kind"] == "VatTax"
    }
    for item in items:
        rate = rates[item["virtuemart_order_item_id"]]
        final = r2(item["product_item_price"] * (1 + rate / 100))
        assert item["product_final_price"] == final
        assert item["product_subtotal_with_tax"] == final * item["product_quantity"]
        assert item["product_tax"] == final - item["product_priceWithoutTax"]
        assert item["product_priceWithoutTax"] == r2(final / (1 + rate / 100))
        assert item["product_subtotal_discount"] == 0
    sales = sum(i["product_subtotal_with_tax"] for i in items)
    assert order["order_salesPrice"] == sales
    assert order["order_subtotal"] == sum(
        i["product_priceWithoutTax"] * i["product_quantity"] for i in items
    )
    assert order["order_tax"] == sum(i["product_tax"] * i["product_quantity"] for i in items)
    assert order["order_total"] == (
        sales
        + order["order_shipment"]
        + order["order_shipment_tax"]
        + order["order_payment"]
        + order["order_payment_tax"]
        + order["coupon_discount"]
    )
    assert order["order_shipment_tax"] == r2(order["order_shipment"] * Decimal("0.19"))
    assert order["order_payment_tax"] == r2(order["order_payment"] * Decimal("0.19"))
    assert order["coupon_discount"] <= 0
    assert (order["coupon_code"] is None) == (order["coupon_discount"] == 0)
    # calc rules: one VatTax per item, payment + shipment rows
    kinds = Counter(r["calc_kind"] for r in rules)
    assert kinds == {"VatTax": len(items), "payment": 1, "shipment": 1}
    bill_tax = json.loads(order["order_billTax"])
    by_item = {i["virtuemart_order_item_id"]: i for i in items}
    coupon_tax = Decimal(0)
    for rule in rules:
        if rule["calc_kind"] == "VatTax":
            assert rule["calc_amount"] == by_item[rule["virtuemart_order_item_id"]]["product_tax"]
            entry = bill_tax[str(rule["virtuemart_calc_id"])]
            assert rule["calc_result"] == Decimal(str(entry["result"]))
            assert Decimal(entry["calc_value"]) == rule["calc_value"]
        elif rule["calc_kind"] == "payment":
            assert rule["calc_amount"] == order["order_payment_tax"]
        else:
            assert rule["calc_amount"] == order["order_shipment_tax"]
    results = sum(Decimal(str(e["result"])) for e in bill_tax.values())
    coupon_tax = (
        results - order["order_tax"] - order["order_shipment_tax"] - order["order_payment_tax"]
    )
    assert (
        order["order_billTaxAmount"]
        == order["order_tax"]
        + order["order_shipment_tax"]
        + order["order_payment_tax"]
        + coupon_tax
    )
    if order["coupon_code"]:
        assert coupon_tax < 0
    else:
        assert coupon_tax == 0


def test_money_identity_for_every_seeded_order(shop):
    orders, items, rules, _ = _orders(shop)
    assert len(orders) == 40
    for order_id, order in orders.items():
        check_money(order, items[order_id], rules[order_id])
    assert sum(1 for o in orders.values() if o["coupon_code"]) >= 3
    assert sum(1 for o in orders.values() if o["order_payment"]) >= 3
    assert any(o["order_shipment"] == 0 for o in orders.values())
    assert shop.order_totals() == {str(k): o["order_total"] for k, o in orders.items()}


def test_addresses_customers_and_dates(shop):
    orders, _, _, infos = _orders(shop)
    guest_mails = Counter()
    for order_id, order in orders.items():
        bt = infos[order_id]["BT"]
        assert bt["email"] and "@" in bt["email"]
        assert ("ST" in infos[order_id]) == (order["STsameAsBT"] == 0)
        assert order["modified_on"] >= order["created_on"]
        if order["virtuemart_user_id"] == 0:
            guest_mails[bt["email"]] += 1
            assert order["customer_number"].startswith("nonreg_")
        else:
            user = shop.query("SELECT email FROM {p}users WHERE id=%s", order["virtuemart_user_id"])
            assert user[0]["email"] == bt["email"]
    assert guest_mails and max(guest_mails.values()) >= 2
    assert any(o["virtuemart_user_id"] for o in orders.values())
    assert any(o["STsameAsBT"] == 0 for o in orders.values())
    assert any(i["BT"]["company"] for i in infos.values())


def test_statuses(shop):
    states = {
        r["order_status_code"]: r["order_stock_handle"]
        for r in shop.query("SELECT * FROM {p}virtuemart_orderstates")
    }
    assert states == {
        "P": "R",
        "U": "R",
        "C": "R",
        "X": "A",
        "R": "A",
        "S": "O",
        "F": "R",
        "D": "A",
        "W": "R",
        "Z": "A",
    }
    used = Counter(o["order_status"] for o in shop.query("SELECT * FROM {p}virtuemart_orders"))
    assert set(used) == set("PUCSFXWR")
    assert used["R"] == 2
    names = {
        r["virtuemart_paymentmethod_id"]: r["payment_name"]
        for r in shop.query("SELECT * FROM {p}virtuemart_paymentmethods_{lang}")
    }
    assert names[1] == "Vorkasse"


def test_seeded_stock_matches_orders(shop):
    handles = {
        r["order_status_code"]: r["order_stock_handle"]
        for r in shop.query("SELECT * FROM {p}virtuemart_orderstates")
    }
    reserved = Counter()
    for item in shop.query("SELECT * FROM {p}virtuemart_order_items"):
        if handles[item["order_status"]] == "R":
            reserved[item["virtuemart_product_id"]] += item["product_quantity"]
    for product in shop.query("SELECT * FROM {p}virtuemart_products"):
        assert product["product_ordered"] == reserved[product["virtuemart_product_id"]]


def test_create_and_modify_order_bookkeeping(shop):
    product = shop.product_by_sku("VM-1005")
    pid = product["virtuemart_product_id"]
    before = shop.stock(pid)
    [order_id] = shop.create_orders(
        1,
        status="C",
        lines=[{"sku": "VM-1005", "quantity": 2}],
        email="neu.kunde@example.de",
        payment=3,
        shipment=1,
    )
    order = shop.query("SELECT * FROM {p}virtuemart_orders WHERE virtuemart_order_id=%s", order_id)[
        0
    ]
    assert order["order_status"] == "C" and order["paid"] == order["order_total"]
    assert order["order_payment"] == Decimal("1.50") and order["order_payment_tax"] == Decimal(
        "0.29"
    )
    after = shop.stock(pid)
    assert after["product_ordered"] == before["product_ordered"] + 2
    assert after["product_in_stock"] == before["product_in_stock"]
    _, items, rules, infos = _orders(shop)
    check_money(order, items[order_id], rules[order_id])
    assert infos[order_id]["BT"]["email"] == "neu.kunde@example.de"
    assert items[order_id][0]["order_item_name"] == product["product_name"]

    shop.modify_order(order_id, status="S", comment="Tracking: 00340434161234567890")
    shipped = shop.stock(pid)
    assert shipped["product_ordered"] == before["product_ordered"]
    assert shipped["product_in_stock"] == before["product_in_stock"] - 2
    assert shop.order_status(order_id) == "S"
    assert {
        i["order_status"]
        for i in shop.query(
            "SELECT * FROM {p}virtuemart_order_items WHERE virtuemart_order_id=%s", order_id
        )
    } == {"S"}
    shop.modify_order(order_id, status="Z")
    assert shop.stock(pid)["product_in_stock"] == before["product_in_stock"]
    history = shop.query(
        "SELECT * FROM {p}virtuemart_order_histories WHERE "
        "virtuemart_order_id=%s ORDER BY virtuemart_order_history_id",
        order_id,
    )
    assert [(h["order_status_code"], h["customer_notified"]) for h in history] == [
        ("P", 0),
        ("C", 1),
        ("S", 1),
        ("Z", 1),
    ]
    assert history[2]["comments"].startswith("Tracking:")
    row = shop.query("SELECT * FROM {p}virtuemart_orders WHERE virtuemart_order_id=%s", order_id)[0]
    assert row["modified_on"] >= row["created_on"]
    shop.modify_order(order_id, order_note="Kunde informiert")
    assert (
        shop.query(
            "SELECT order_note FROM {p}virtuemart_orders WHERE virtuemart_order_id=%s", order_id
        )[0]["order_note"]
        == "Kunde informiert"
    )


def test_prices_coupons_and_groups(shop):
    def item_price(order_id):
        return shop.query(
            "SELECT * FROM {p}virtuemart_order_items WHERE virtuemart_order_id=%s", order_id
        )[0]["product_item_price"]

    prices = {
        (
            r["virtuemart_product_id"],
            r["virtuemart_shoppergroup_id"],
            r["price_quantity_start"],
            r["product_price_publish_up"] is not None,
        ): r["product_price"]
        for r in shop.query("SELECT * FROM {p}virtuemart_product_prices")
    }
    [small] = shop.create_orders(1, lines=[{"sku": "VM-1001", "quantity": 1}], email="a@b.de")
    [tier] = shop.create_orders(1, lines=[{"sku": "VM-1001", "quantity": 5}], email="a@b.de")
    assert item_price(small) == r2(prices[(1, 0, 0, False)])
    assert item_price(tier) == r2(prices[(1, 0, 5, False)])
    [special] = shop.create_orders(1, lines=[{"sku": "VM-1003", "quantity": 1}], email="a@b.de")
    assert item_price(special) == r2(prices[(3, 0, 0, True)])
    [expired] = shop.create_orders(1, lines=[{"sku": "VM-1004", "quantity": 1}], email="a@b.de")
    assert item_price(expired) == r2(prices[(4, 0, 0, False)])
    trader = shop.query(
        "SELECT virtuemart_user_id FROM {p}virtuemart_vmuser_shoppergroups "
        "WHERE virtuemart_shoppergroup_id=3"
    )[0]["virtuemart_user_id"]
    [trade] = shop.create_orders(1, lines=[{"sku": "VM-1002", "quantity": 1}], user_id=trader)
    assert item_price(trade) == r2(prices[(2, 3, 0, False)])
    [coupon] = shop.create_orders(
        1, lines=[{"sku": "VM-1004", "quantity": 1}], coupon="SOMMER10", email="a@b.de"
    )
    orders, items, rules, _ = _orders(shop)
    assert orders[coupon]["coupon_discount"] == Decimal("-10.00")
    for order_id in (small, tier, special, expired, trade, coupon):
        check_money(orders[order_id], items[order_id], rules[order_id])
    [percent] = shop.create_orders(
        1, lines=[{"sku": "VM-1004", "quantity": 1}], coupon="TREUE10", email="a@b.de"
    )
    order = shop.query("SELECT * FROM {p}virtuemart_orders WHERE virtuemart_order_id=%s", percent)[
        0
    ]
    assert order["coupon_discount"] == -r2(order["order_salesPrice"] / 10)


def test_faults(shop):
    def connect(timeout=3):
        conn = pymysql.connect(
            host=shop.host,
            port=shop.port,
            user=shop.user,
            password=shop.password,
            database=shop.database,
            connect_timeout=timeout,
            read_timeout=timeout,
        )
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM jml4_virtuemart_orders")
                return cur.fetchone()[0]
        finally:
            conn.close()

    assert connect() >= 40
    shop.set_faults("refuse")
    with pytest.raises(pymysql.err.OperationalError):
        connect()
    assert connect() >= 40
    shop.set_faults(["reset", "503"])
    for _ in range(2):
        with pytest.raises(pymysql.err.OperationalError):
            connect()
    shop.set_faults("stall", count=3)
    with pytest.raises(pymysql.err.OperationalError):
        connect(timeout=1)
    shop.clear_faults()
    assert connect() >= 40
    creds = shop.credentials()
    assert creds["vm_db_port"] == str(shop.port) and creds["vm_table_prefix"] == "jml4_"


def test_stop_drops_database_and_demo_is_kept():
    shop = VirtueMartShop(seed=2, orders=3, products=4).start()
    name = shop.database
    assert name.startswith("vm_") and shop.url.startswith("http://vm-")
    shop.stop()

    def exists(database):
        conn = pymysql.connect(**server_settings())
        try:
            with conn.cursor() as cur:
                return bool(cur.execute("SHOW DATABASES LIKE %s", (database,)))
        finally:
            conn.close()

    assert not exists(name)
    demo_name = f"vm_demo_test_{secrets.token_hex(3)}"
    try:
        demo = seed_demo(demo_name, orders=5, products=4)
        assert demo.port == server_settings()["port"]
        demo.stop()
        assert exists(demo_name)
        again = seed_demo(demo_name, orders=9, products=4)
        assert len(again.order_totals()) == 5
        again.stop()
    finally:
        conn = pymysql.connect(**server_settings())
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{demo_name}`")
        conn.close()


def test_snapshot_and_restore_put_every_table_back():
    with VirtueMartShop(seed=2, orders=3, products=4) as shop:
        state = shop.store.snapshot()
        totals, status = shop.order_totals(), shop.order_status(1)
        [order_id] = shop.create_orders(1, status="C")
        shop.modify_order(1, status="X")
        shop.store.restore(state)
        assert shop.order_totals() == totals
        assert shop.order_status(1) == status
        [again] = shop.create_orders(1, status="C")
        assert again == order_id, "auto-increment counters come back too"
        database = shop.database
    left = shop_server_databases(f"{database}%")
    assert not left, "the shop's and its snapshot's databases are dropped"


def shop_server_databases(pattern):
    settings = server_settings()
    connection = pymysql.connect(
        host=settings["host"],
        port=settings["port"],
        user=settings["user"],
        password=settings["password"],
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW DATABASES LIKE %s", (pattern,))
            return [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()
