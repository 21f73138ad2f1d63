"""WooCommerce adapter: orders read again by id (what "Update orders" asks the store)."""

from store_emulator import EmulatorServer

try:
    from odoo.addons.storesync_connector.adapters import get_adapter_class
except ImportError:  # plain pytest without Odoo: load the pure-Python package directly
    import bare_addon  # noqa: F401 (registers the bare package)

    from storesync_connector.adapters import get_adapter_class

KEYS = {"consumer_key": "ck_demo", "consumer_secret": "cs_demo"}


def test_get_orders_by_id_100_a_request():
    with EmulatorServer(platform="woocommerce", seed=5, orders=150, products=10) as emu:
        store = emu.store
        ids = sorted(store.orders)[:130]
        trashed = ids[7]
        store.orders[trashed]["status"] = "trash"
        emu.clear_request_log()
        adapter = get_adapter_class("woocommerce")(emu.url, KEYS, timeout=(2, 5))

        orders = adapter.get_orders([str(i) for i in reversed(ids)] + [ids[0], 999999])

        assert sorted(order["id"] for order in orders) == [i for i in ids if i != trashed]
        assert orders[0] == store.order_json(store.orders[ids[0]]), "the listing's payload"
        requests = [(r["method"], r["path"]) for r in emu.request_log]
        assert requests == [("GET", "/wp-json/wc/v3/orders")] * 2
        first, second = (r["query"] for r in emu.request_log)
        assert first["per_page"] == second["per_page"] == "100"
        assert first["include"] == ",".join(map(str, ids[:100]))
        assert second["include"] == ",".join(map(str, [*ids[100:], 999999]))
        assert adapter.get_orders([]) == [] and len(emu.request_log) == 2
