"""The VirtueMart adapter against a real MariaDB holding the emulated shop's tables: listing,
status back with VirtueMart's stock bookkeeping and history, stock and price rows, errors.
No Odoo."""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

try:
    from odoo.addons.storesync_connector.adapters import StoreSyncError, get_adapter_class
    from odoo.addons.storesync_connector.utils import line_planner
except ImportError:  # plain pytest without Odoo
    import bare_addon  # noqa: F401 (registers the bare package)

    from storesync_connector.adapters import StoreSyncError, get_adapter_class
    from storesync_connector.utils import line_planner

from store_emulator.platforms.virtuemart import VirtueMartShop


@pytest.fixture(scope="module")
def shop():
    with VirtueMartShop(seed=5, orders=25, products=10) as started:
        yield started


@pytest.fixture
def adapter(shop):
    with get_adapter_class("virtuemart")(shop.url, shop.credentials(), timeout=5) as made:
        yield made


def _simple_product(shop):
    [row] = shop.query(
        "SELECT p.virtuemart_product_id AS id, p.product_sku AS sku FROM {p}virtuemart_products p "
        "WHERE p.product_parent_id = 0 AND NOT EXISTS (SELECT 1 FROM {p}virtuemart_products c "
        "WHERE c.product_parent_id = p.virtuemart_product_id) ORDER BY 1 LIMIT 1"
    )
    return row


def test_listing_pages_by_modification_without_gaps_or_repeats(shop, adapter):
    seen = [
        p["order"]["virtuemart_order_id"] for page in adapter.iter_orders(per_page=7) for p in page
    ]
    assert sorted(seen) == sorted(int(i) for i in shop.order_totals())
    assert len(seen) == len(set(seen))
    first = adapter.fetch_orders_page(1, per_page=7)
    assert first.total == len(seen) and first.total_pages == -(-len(seen) // 7)
    stamps = [p["order"]["modified_on"] for p in first]
    assert stamps == sorted(stamps)


def test_window_is_strict_on_both_sides(shop, adapter):
    [order] = adapter.get_orders([3])
    moment = datetime.fromisoformat(order["order"]["modified_on"])
    inside = adapter.fetch_orders_page(
        1,
        modified_after=moment - timedelta(seconds=1),
        modified_before=moment + timedelta(seconds=1),
    )
    assert 3 in [p["order"]["virtuemart_order_id"] for p in inside]
    after = adapter.fetch_orders_page(
        1, modified_after=moment, modified_before=moment + timedelta(seconds=1)
    )
    assert 3 not in [p["order"]["virtuemart_order_id"] for p in after]


def test_status_back_books_stock_and_writes_history(shop, adapter):
    product = _simple_product(shop)
    [order_id] = shop.create_orders(1, status="C", lines=[{"sku": product["sku"], "quantity": 2}])
    before = shop.stock(product["id"])
    histories = len(
        shop.query(
            "SELECT 1 FROM {p}virtuemart_order_histories WHERE virtuemart_order_id=%s", order_id
        )
    )
    adapter.update_order_status(str(order_id), "S", note="Shipped with DHL. Tracking number: 123")
    after = shop.stock(product["id"])
    # C reserves (R), S takes the goods out (O): the reservation ends, the stock goes down.
    assert after["product_ordered"] == before["product_ordered"] - 2
    assert after["product_in_stock"] == before["product_in_stock"] - 2
    assert shop.order_status(order_id) == "S"
    items = shop.query(
        "SELECT order_status FROM {p}virtuemart_order_items WHERE virtuemart_order_id=%s", order_id
    )
    assert {row["order_status"] for row in items} == {"S"}
    rows = shop.query(
        "SELECT order_status_code, customer_notified, comments FROM {p}virtuemart_order_histories "
        "WHERE virtuemart_order_id=%s ORDER BY virtuemart_order_history_id",
        order_id,
    )
    assert len(rows) == histories + 1
    assert rows[-1] == {
        "order_status_code": "S",
        "customer_notified": 1,
        "comments": "Shipped with DHL. Tracking number: 123",
    }
    # Cancelled (A) after shipped: the goods come back.
    adapter.update_order_status(str(order_id), "X")
    assert shop.stock(product["id"])["product_in_stock"] == before["product_in_stock"]
    # The same status again books nothing twice.
    adapter.update_order_status(str(order_id), "X")
    assert shop.stock(product["id"]) == {**after, "product_in_stock": before["product_in_stock"]}


def test_notes_are_history_comments(shop, adapter):
    [order_id] = shop.create_orders(1, status="C")
    adapter.add_order_note(str(order_id), "Tracking number: 42", customer_note=True)
    notes = adapter.list_order_notes(str(order_id))
    assert notes[0]["note"] == "Tracking number: 42" and notes[0]["customer_note"]


def test_unknown_status_or_order_is_refused_and_changes_nothing(shop, adapter):
    [order_id] = shop.create_orders(1, status="C")
    with pytest.raises(StoreSyncError) as caught:
        adapter.update_order_status(str(order_id), "Q")
    assert caught.value.kind == "client" and not caught.value.retryable
    assert shop.order_status(order_id) == "C"
    with pytest.raises(StoreSyncError) as caught:
        adapter.update_order_status("999999", "S")
    assert caught.value.kind == "not_found"


def test_stock_is_odoos_free_quantity_plus_the_shops_reservations(shop, adapter):
    product = _simple_product(shop)
    ordered = shop.stock(product["id"])["product_ordered"]
    [result, missing] = adapter.update_stock(
        [{"id": str(product["id"]), "stock_quantity": 17}, {"id": "999999", "stock_quantity": 1}]
    )
    assert result["ok"] and not missing["ok"] and missing["gone"]
    stock = shop.stock(product["id"])
    assert stock["product_in_stock"] - stock["product_ordered"] == 17
    assert stock["product_ordered"] == ordered


def test_prices_base_sale_tiers_and_shopper_group(shop, adapter):
    product = _simple_product(shop)
    pid = product["id"]
    other_group = shop.query(
        "SELECT COUNT(*) AS n FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s "
        "AND virtuemart_shoppergroup_id NOT IN (0, 3)",
        pid,
    )[0]["n"]
    merchants = [
        row
        for row in shop.query(
            "SELECT product_price, product_price_publish_up AS up, "
            "product_price_publish_down AS down, price_quantity_start AS qs, "
            "price_quantity_end AS qe, product_tax_id, created_by "
            "FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s "
            "AND virtuemart_shoppergroup_id=0 ORDER BY virtuemart_product_price_id",
            pid,
        )
        if row["qs"] > 0
    ]
    start, end = datetime(2026, 12, 1), datetime(2026, 12, 24, 23, 59, 59)
    [result] = adapter.update_prices(
        [
            {
                "id": str(pid),
                "regular_price": Decimal("10.5"),
                "sale_price": Decimal("9"),
                "sale_from": start,
                "sale_to": end,
                "tiers": [
                    {"min_quantity": 10, "price": Decimal("8")},
                    {"min_quantity": 50, "price": Decimal("7")},
                ],
            }
        ]
    )
    assert result["ok"]
    rows = shop.query(
        "SELECT product_price, product_price_publish_up AS up, product_price_publish_down AS down, "
        "price_quantity_start AS qs, price_quantity_end AS qe, product_tax_id, created_by "
        "FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s "
        "AND virtuemart_shoppergroup_id=0 ORDER BY virtuemart_product_price_id",
        pid,
    )
    shaped = [
        (Decimal(str(r["product_price"])).normalize(), r["up"], r["down"], r["qs"], r["qe"])
        for r in rows
        if r["created_by"] == -1 or (r["up"] is None and r["qs"] == 0)
    ]
    assert shaped == [
        (Decimal("10.5"), None, None, 0, 0),
        (Decimal("9"), start, end, 0, 0),
        (Decimal("8"), None, None, 10, 49),
        (Decimal("7"), None, None, 50, 0),
    ]
    assert merchants == [r for r in rows if r["created_by"] != -1 and r["qs"] > 0], (
        "the merchant's own tier rows stay"
    )
    # A second export replaces Odoo's rows, it does not add to them.
    adapter.update_prices([{"id": str(pid), "regular_price": Decimal("10.5"), "sale_price": None}])
    again = shop.query(
        "SELECT COUNT(*) AS n FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s "
        "AND created_by = -1",
        pid,
    )
    assert again[0]["n"] == 0
    assert len({r["product_tax_id"] for r in rows}) == 1, "the product's tax rule is kept"
    # The wholesale group's own price; then none (it pays everyone's again).
    [group_result] = adapter.update_prices(
        [{"id": str(pid), "customer_group": "3", "price": Decimal("6.25")}]
    )
    assert group_result["ok"] and group_result["customer_group"] == "3"
    group_rows = shop.query(
        "SELECT product_price FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s "
        "AND virtuemart_shoppergroup_id=3",
        pid,
    )
    assert [Decimal(str(r["product_price"])).normalize() for r in group_rows] == [Decimal("6.25")]
    # A group item without "price" (the group has no pricelist of its own) keeps its row.
    adapter.update_prices([{"id": str(pid), "customer_group": "3", "sale_price": None}])
    assert shop.query(
        "SELECT 1 FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s "
        "AND virtuemart_shoppergroup_id=3",
        pid,
    )
    adapter.update_prices([{"id": str(pid), "customer_group": "3", "price": None}])
    assert not shop.query(
        "SELECT 1 FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s "
        "AND virtuemart_shoppergroup_id=3",
        pid,
    )
    assert (
        shop.query(
            "SELECT COUNT(*) AS n FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s "
            "AND virtuemart_shoppergroup_id NOT IN (0, 3)",
            pid,
        )[0]["n"]
        == other_group
    ), "other shopper groups' rows stay"


def test_store_settings(adapter):
    settings = adapter.list_store_settings()
    assert {(r["id"], r["percent"]) for r in settings["tax_rates"]} == {
        ("1", Decimal("19.0000")),
        ("2", Decimal("7.0000")),
    }
    assert {"W", "Z", "S"} <= {s["id"] for s in settings["order_statuses"]}
    assert [g["id"] for g in settings["customer_groups"] if g["default"]] == ["2"]
    assert settings["prices_include_tax"] is False
    assert adapter.check_connection()["currency"] == "EUR"


def test_errors_say_what_is_wrong(shop):
    adapter_class = get_adapter_class("virtuemart")
    wrong = {**shop.credentials(), "vm_db_password": "nope"}
    with pytest.raises(StoreSyncError) as caught:
        adapter_class(shop.url, wrong, timeout=5).check_connection()
    assert caught.value.kind == "auth"
    prefix = {**shop.credentials(), "vm_table_prefix": "other_"}
    with pytest.raises(StoreSyncError) as caught:
        adapter_class(shop.url, prefix, timeout=5).check_connection()
    assert caught.value.kind == "not_platform" and "prefix" in caught.value.message
    bad = {**shop.credentials(), "vm_table_prefix": "x`; DROP"}
    with pytest.raises(StoreSyncError):
        adapter_class(shop.url, bad, timeout=5).check_connection()


def test_dropped_connection_is_retryable_and_the_next_call_works(shop, adapter):
    shop.set_faults(["reset"], count=1)
    try:
        with pytest.raises(StoreSyncError) as caught:
            adapter.fetch_orders_page(1)
    finally:
        shop.clear_faults()
    assert caught.value.kind == "unreachable" and caught.value.retryable
    assert adapter.fetch_orders_page(1)


def test_a_failed_write_leaves_nothing(shop, adapter, monkeypatch):
    product = _simple_product(shop)
    before = shop.stock(product["id"])
    [order_id] = shop.create_orders(1, status="C", lines=[{"sku": product["sku"], "quantity": 1}])
    before = shop.stock(product["id"])
    original = adapter._add_history

    def failing(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("the connection broke after the history row")

    monkeypatch.setattr(adapter, "_add_history", failing)
    with pytest.raises(RuntimeError):
        adapter.update_order_status(str(order_id), "S")
    assert shop.order_status(order_id) == "C"
    assert shop.stock(product["id"]) == before
    assert not shop.query(
        "SELECT 1 FROM {p}virtuemart_order_histories WHERE virtuemart_order_id=%s "
        "AND order_status_code='S'",
        order_id,
    )


def test_connection_names_tables_that_cannot_roll_back(shop, adapter):
    assert adapter.check_connection()["untransactional_tables"] == []
    shop.execute("ALTER TABLE {p}virtuemart_product_prices ENGINE=MyISAM")
    try:
        found = adapter.check_connection()["untransactional_tables"]
    finally:
        shop.execute("ALTER TABLE {p}virtuemart_product_prices ENGINE=InnoDB")
    assert found == [f"{shop.prefix}virtuemart_product_prices"]


def test_a_read_only_user_imports_and_is_told_when_it_may_not_write(shop):
    """README: import needs only SELECT; an export with such a user fails with "auth"."""
    user, password = f"ro_{shop.database[-8:]}", "readonly-pw"
    shop.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
    try:
        shop.execute(f"GRANT SELECT ON `{shop.database}`.* TO '{user}'@'%'")
        credentials = {**shop.credentials(), "vm_db_user": user, "vm_db_password": password}
        with get_adapter_class("virtuemart")(shop.url, credentials, timeout=5) as reader:
            listed = [p for page in reader.iter_orders() for p in page]
            assert len(listed) == len(shop.order_totals())
            [order_id] = shop.create_orders(1, status="C")
            with pytest.raises(StoreSyncError) as caught:
                reader.update_order_status(str(order_id), "S")
        assert caught.value.kind == "auth" and not caught.value.retryable
        assert shop.order_status(order_id) == "C"
    finally:
        shop.execute(f"DROP USER '{user}'@'%'")


def test_a_group_without_its_own_price_still_gets_its_sale_and_tiers(shop, adapter):
    product = _simple_product(shop)
    pid = product["id"]
    start = datetime(2026, 12, 1)
    [result] = adapter.update_prices(
        [
            {
                "id": str(pid),
                "customer_group": "3",
                "price": None,
                "sale_price": Decimal("5"),
                "sale_from": start,
                "sale_to": None,
                "tiers": [{"min_quantity": 10, "price": Decimal("4.5")}],
            }
        ]
    )
    assert result["ok"]
    rows = shop.query(
        "SELECT product_price, product_price_publish_up AS up, price_quantity_start AS qs "
        "FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s "
        "AND virtuemart_shoppergroup_id=3 AND created_by = -1 ORDER BY virtuemart_product_price_id",
        pid,
    )
    assert [(Decimal(str(r["product_price"])).normalize(), r["up"], r["qs"]) for r in rows] == [
        (Decimal("5"), start, 0),
        (Decimal("4.5"), None, 10),
    ]


def test_sale_dates_are_written_in_the_sites_time_zone(shop):
    credentials = {**shop.credentials(), "vm_timezone": "Europe/Berlin"}
    product = _simple_product(shop)
    with get_adapter_class("virtuemart")(shop.url, credentials, timeout=5) as berlin:
        berlin.update_prices(
            [
                {
                    "id": str(product["id"]),
                    "regular_price": Decimal("10"),
                    "sale_price": Decimal("8"),
                    "sale_from": datetime(2026, 12, 1, 11, 0),  # UTC
                    "sale_to": datetime(2026, 7, 1, 10, 0),  # UTC, summer time
                }
            ]
        )
    [row] = shop.query(
        "SELECT product_price_publish_up AS up, product_price_publish_down AS down "
        "FROM {p}virtuemart_product_prices WHERE virtuemart_product_id=%s "
        "AND virtuemart_shoppergroup_id=0 AND created_by = -1 AND product_price = 8",
        product["id"],
    )
    assert (row["up"], row["down"]) == (datetime(2026, 12, 1, 12, 0), datetime(2026, 7, 1, 12, 0))
    bad = {**shop.credentials(), "vm_timezone": "Mars/Olympus"}
    with (
        get_adapter_class("virtuemart")(shop.url, bad, timeout=5) as mars,
        pytest.raises(StoreSyncError, match="time zone"),
    ):
        mars.update_prices(
                [{"id": str(product["id"]), "regular_price": 1, "sale_price": 1,
                  "sale_from": datetime(2026, 1, 1), "sale_to": None}]
            )  # fmt: skip


@pytest.mark.parametrize(
    "rules, coupon", [((10,), None), ((11,), None), ((10, 11), "SOMMER10"), ((10,), "TREUE10")]
)
def test_cart_rules_import_to_the_cent(shop, adapter, rules, coupon):
    """A cart meeting the shop's cart rules (before tax: 3 %, after tax: 5 %), with and
    without a coupon, as VirtueMart's checkout writes it, adds up to its total."""
    skus = [_simple_product(shop)["sku"]]
    skus += [
        row["product_sku"]
        for row in shop.query(
            "SELECT p.product_sku FROM {p}virtuemart_products p "
            "JOIN {p}virtuemart_product_prices pr USING (virtuemart_product_id) "
            "WHERE pr.product_tax_id = 2 AND p.product_parent_id = 0 LIMIT 1"
        )
    ]
    [order_id] = shop.create_orders(
        1,
        status="C",
        lines=[{"sku": sku, "quantity": 3} for sku in skus],
        cart_rules=rules,
        coupon=coupon,
    )
    [payload] = adapter.get_orders([order_id])
    kinds = {r["calc_kind"] for r in payload["calc_rules"]}
    assert {"DBTaxRulesBill", "DATaxRulesBill"} & kinds
    order = adapter.map_order(payload)
    cent = Decimal("0.01")
    # (a percentage coupon leaves VirtueMart's total unrounded: the buyer pays it rounded)
    assert order.total == Decimal(payload["order"]["order_total"]).quantize(cent, ROUND_HALF_UP)
    assert order.computed_total() == order.total
    specs = {
        rate.rate_id: line_planner.TaxSpec(
            tax_id=int(rate.rate_id), percent=rate.percent, price_include=False
        )
        for rate in order.tax_rates
    }
    planned = line_planner.plan_lines(order, specs)
    assert sum((line.base + line.tax for line in planned), Decimal(0)) == order.total
    assert sum((line.tax for line in planned), Decimal(0)) == Decimal(
        payload["order"]["order_billTaxAmount"]
    ).quantize(cent, ROUND_HALF_UP)


def test_tls_whenever_the_server_offers_it(shop, adapter):
    """The shop's server offers TLS (make test's has a certificate of its own): the
    adapter's session is encrypted without any setting; a server without TLS is read plain."""
    [offered] = shop.query("SHOW GLOBAL VARIABLES LIKE 'have_ssl'")
    [cipher] = adapter._select("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
    assert bool(cipher["Value"]) == (offered["Value"] == "YES")


def test_a_child_sharing_its_parents_stock_books_the_parent(shop, adapter):
    [child] = shop.query(
        "SELECT virtuemart_product_id AS id, product_parent_id AS parent, product_sku AS sku, "
        "product_params FROM {p}virtuemart_products WHERE product_parent_id > 0 LIMIT 1"
    )
    shop.execute(
        "UPDATE {p}virtuemart_products SET product_params = %s WHERE virtuemart_product_id = %s",
        (child["product_params"] or "").replace('shared_stock="0"', "") + 'shared_stock="1"|',
        child["id"],
    )
    try:
        [order_id] = shop.create_orders(1, status="P", lines=[{"sku": child["sku"], "quantity": 2}])
        parent, own = shop.stock(child["parent"]), shop.stock(child["id"])
        adapter.update_order_status(str(order_id), "S")
        # The shop reserved on the parent (P), Odoo ships from it (S): both the parent's.
        after = shop.stock(child["parent"])
        assert after["product_in_stock"] == parent["product_in_stock"] - 2
        assert after["product_ordered"] == parent["product_ordered"] - 2
        assert shop.stock(child["id"]) == own
    finally:
        shop.execute(
            "UPDATE {p}virtuemart_products SET product_params = %s "
            "WHERE virtuemart_product_id = %s",
            child["product_params"],
            child["id"],
        )
