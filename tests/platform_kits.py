"""What a scenario test needs to know of one platform's emulator, one class per platform.

The scenario tests (``test_platform_scenarios.py``) are written once against this interface
and run for every kit in ``KITS``: adding a platform to them is one kit here, not a copy of the
tests. A kit reads the store's side through the emulator's in-process state and drives it
through the same mutations the control endpoints call.
"""

import base64
from decimal import Decimal

from store_emulator import EmulatorServer

CLIENT_KEY = "ck_test_0123456789"
CLIENT_SECRET = "cs_test_0123456789"


class PlatformKit:
    platform = ""
    #: ``EmulatorServer`` settings of the scenario shop
    emulator_options: dict = {}
    #: the store's currency
    currency = ""
    #: event -> the store status code meaning it ("cancelled", "completed", "processing")
    statuses: dict = {}
    #: the webhook topic of a new order, as the emulator records deliveries
    created_topic = ""
    #: the shop's own statuses (beyond the platform's) and what the merchant maps them to
    own_statuses: dict = {}

    def start_emulator(self, seed, orders, products) -> EmulatorServer:
        return EmulatorServer(
            platform=self.platform,
            seed=seed,
            orders=orders,
            products=products,
            consumer_key=CLIENT_KEY,
            consumer_secret=CLIENT_SECRET,
            port=0,
            **self.emulator_options,
        ).start()

    def store_values(self, emulator) -> dict:
        """Where the store is and its credentials, as a merchant types them."""
        raise NotImplementedError

    def tax_rates(self, emulator) -> list[tuple[str, Decimal]]:
        """``(store rate id, percent)`` of every tax rate the store's orders may use."""
        raise NotImplementedError

    def shipping_methods(self, emulator) -> list[str]:
        """The ids of the store's shipping methods, as the shipping mapping rows name them."""
        raise NotImplementedError

    def order_totals(self, emulator) -> dict[str, Decimal]:
        """``{external id: gross total}`` of the store's orders (abandoned carts left out)."""
        raise NotImplementedError

    def order_status(self, emulator, external_id) -> str:
        raise NotImplementedError

    def buyer_email(self, emulator, external_id) -> str:
        raise NotImplementedError

    def order_skus(self, emulator, external_id) -> list[str]:
        raise NotImplementedError

    def skus(self, emulator) -> list[str]:
        """SKUs of simple products a shopper can order."""
        raise NotImplementedError

    def place_order(self, emulator, sku, quantity=1, status=None) -> str:
        """A shopper orders ``quantity`` of ``sku``; the new order's external id."""
        raise NotImplementedError

    def set_order_status(self, emulator, external_id, status) -> None:
        """The merchant changes the status in the store's back office."""
        raise NotImplementedError

    def stock(self, emulator, product_external_id) -> int:
        raise NotImplementedError

    def price(self, emulator, product_external_id) -> Decimal:
        """The product's regular price in the store (as the store holds it)."""
        raise NotImplementedError


class WooCommerceKit(PlatformKit):
    platform = "woocommerce"
    currency = "EUR"
    statuses = {"processing": "processing", "completed": "completed", "cancelled": "cancelled"}
    created_topic = "order.created"

    def store_values(self, emulator):
        return {
            "base_url": emulator.url,
            "consumer_key": CLIENT_KEY,
            "consumer_secret": CLIENT_SECRET,
        }

    def tax_rates(self, emulator):
        from store_emulator.data import TAX_RATES

        return [(str(rate.id), rate.percent) for rate in TAX_RATES]

    def shipping_methods(self, emulator):
        return ["flat_rate", "free_shipping", "local_pickup"]

    def order_totals(self, emulator):
        return {str(oid): Decimal(order["total"]) for oid, order in emulator.store.orders.items()}

    def order_status(self, emulator, external_id):
        return emulator.store.orders[int(external_id)]["status"]

    def buyer_email(self, emulator, external_id):
        return emulator.store.orders[int(external_id)]["billing"]["email"]

    def order_skus(self, emulator, external_id):
        return [line["sku"] for line in emulator.store.orders[int(external_id)]["line_items"]]

    def skus(self, emulator):
        products = emulator.store.products.values()
        return [p["sku"] for p in products if p["type"] == "simple" and p["sku"]]

    def place_order(self, emulator, sku, quantity=1, status=None):
        product = next(p for p in emulator.store.products.values() if p["sku"] == sku)
        line = {
            "product_id": product["id"],
            "quantity": quantity,
            "price": product["price"],
            "tax_class": product["tax_class"] or "standard",
        }
        [order_id] = emulator.store.create_orders(1, status=status or "processing", lines=[line])
        return str(order_id)

    def set_order_status(self, emulator, external_id, status):
        emulator.store.modify_order(int(external_id), status=status)

    def stock(self, emulator, product_external_id):
        return emulator.store.products[int(product_external_id)]["stock_quantity"]

    def price(self, emulator, product_external_id):
        return Decimal(emulator.store.products[int(product_external_id)]["regular_price"])


def _shoprenter_status(inner: int) -> str:
    """The store status code of Shoprenter status ``inner``: its resource id."""
    return base64.b64encode(f"orderStatus-order_status_id={inner}".encode()).decode()


class ShoprenterKit(PlatformKit):
    platform = "shoprenter"
    currency = "HUF"
    statuses = {
        "processing": _shoprenter_status(2),
        "completed": _shoprenter_status(4),
        "cancelled": _shoprenter_status(5),
    }
    created_topic = "order_confirm"
    shop_name = "demo"

    def store_values(self, emulator):
        return {
            "base_url": emulator.url,
            "shop_name": self.shop_name,
            "client_id": CLIENT_KEY,
            "client_secret": CLIENT_SECRET,
        }

    def tax_rates(self, emulator):
        from store_emulator.platforms.shoprenter import TAX_CLASSES

        return [(str(int(rate)), rate) for _name, _text, rate, _id in TAX_CLASSES.values()]

    def shipping_methods(self, emulator):
        from store_emulator.platforms.shoprenter import SHIPPING_MODES

        return [str(inner) for inner in SHIPPING_MODES]

    def _order(self, emulator, external_id):
        store = emulator.store
        return store.order_json(store.orders[int(external_id)], extend=True)

    def order_totals(self, emulator):
        store = emulator.store
        return {
            str(inner): Decimal(store.order_json(order, extend=True)["total"])
            for inner, order in store.orders.items()
            if order["status"]  # abandoned carts have none
        }

    def order_status(self, emulator, external_id):
        return _shoprenter_status(emulator.store.orders[int(external_id)]["status"])

    def buyer_email(self, emulator, external_id):
        return self._order(emulator, external_id)["email"]

    def order_skus(self, emulator, external_id):
        return [line["sku"] for line in emulator.store.orders[int(external_id)]["lines"]]

    def skus(self, emulator):
        return [p["sku"] for p in emulator.store.products.values() if p["sku"]]

    def place_order(self, emulator, sku, quantity=1, status=None):
        status = status or self.statuses["processing"]
        inner = int(base64.b64decode(status).decode().rpartition("=")[2])
        [order_id] = emulator.store.create_orders(
            1, status=inner, lines=[{"sku": sku, "quantity": quantity}]
        )
        return str(order_id)

    def set_order_status(self, emulator, external_id, status):
        inner = int(base64.b64decode(status).decode().rpartition("=")[2])
        emulator.store.modify_order(int(external_id), status=inner)

    def _product(self, emulator, product_external_id):
        inner = int(base64.b64decode(product_external_id).decode().rpartition("=")[2])
        return emulator.store.products[inner]

    def stock(self, emulator, product_external_id):
        return self._product(emulator, product_external_id)["stock"][0]

    def price(self, emulator, product_external_id):
        return self._product(emulator, product_external_id)["price"]


class CartumKit(PlatformKit):
    """A Ukrainian shop (UAH): gross prices, one "vat" rate (20 % here), status ids."""

    platform = "cartum"
    currency = "UAH"
    statuses = {"processing": "2", "completed": "3", "cancelled": "4"}
    created_topic = "order_created"
    # The emulated shop's "Awaiting payment" and "Returned".
    own_statuses = {"7": "quotation", "8": "cancel"}

    def store_values(self, emulator):
        return {
            "base_url": emulator.url,
            "cartum_login": CLIENT_KEY,
            "cartum_password": CLIENT_SECRET,
            # The emulator on loopback: no need for the careful 2 a second of a real shop
            # (tests/test_cartum_store.py checks the default is kept).
            "request_rate": 50,
        }

    def tax_rates(self, emulator):
        return [("vat", Decimal(20))]

    def shipping_methods(self, emulator):
        return [str(inner) for inner in emulator.store.shop["deliveries"]]

    def _json(self, emulator, external_id):
        store = emulator.store
        return store.order_json(store.orders[int(external_id)])

    def order_totals(self, emulator):
        totals = {}
        for inner in emulator.store.orders:
            order = self._json(emulator, inner)
            totals[str(inner)] = (
                Decimal(str(order["total_sum"]))
                + max(Decimal(str(order["delivery_price"])), Decimal(0))
                + Decimal(str(order["payment_price"]))
            )
        return totals

    def order_status(self, emulator, external_id):
        return str(emulator.store.orders[int(external_id)]["status"])

    def buyer_email(self, emulator, external_id):
        return self._json(emulator, external_id)["delivery_email"]

    def order_skus(self, emulator, external_id):
        return [line["article"] for line in self._json(emulator, external_id)["products"]]

    def skus(self, emulator):
        return [p["article"] for p in emulator.store.products.values() if p["stock"] is not None]

    def place_order(self, emulator, sku, quantity=1, status=None):
        [order_id] = emulator.store.create_orders(
            1,
            status=int(status or self.statuses["processing"]),
            lines=[{"article": sku, "quantity": quantity}],
        )
        return str(order_id)

    def set_order_status(self, emulator, external_id, status):
        emulator.store.modify_order(int(external_id), status=int(status))

    def stock(self, emulator, product_external_id):
        product = emulator.store.product_by_article(product_external_id)
        return product["stock"]["office"]

    def price(self, emulator, product_external_id):
        return emulator.store.product_by_article(product_external_id)["price"]


class VirtueMartKit(PlatformKit):
    """A German VirtueMart shop (EUR, 19 %/7 % VAT) in a real MariaDB database: the
    "emulator" is the shop's database, which the adapter reads and writes."""

    platform = "virtuemart"
    currency = "EUR"
    statuses = {"processing": "C", "completed": "F", "cancelled": "X"}
    created_topic = ""
    # The shop's own "Warten auf Vorkasse" (awaiting prepayment) and "Retoure" (returned).
    own_statuses = {"W": "quotation", "Z": "cancel"}

    def start_emulator(self, seed, orders, products):
        from store_emulator.platforms.virtuemart import VirtueMartShop

        return VirtueMartShop(seed=seed, orders=orders, products=products).start()

    def store_values(self, emulator):
        return {"base_url": emulator.url, **emulator.credentials()}

    def tax_rates(self, emulator):
        rows = emulator.query(
            "SELECT virtuemart_calc_id AS id, calc_value FROM {p}virtuemart_calcs "
            "WHERE calc_kind IN ('VatTax', 'Tax')"
        )
        return [(str(row["id"]), Decimal(str(row["calc_value"])).normalize()) for row in rows]

    def shipping_methods(self, emulator):
        rows = emulator.query(
            "SELECT virtuemart_shipmentmethod_id AS id FROM {p}virtuemart_shipmentmethods"
        )
        return [str(row["id"]) for row in rows]

    def order_totals(self, emulator):
        return emulator.order_totals()

    def order_status(self, emulator, external_id):
        return emulator.order_status(int(external_id))

    def buyer_email(self, emulator, external_id):
        [row] = emulator.query(
            "SELECT email FROM {p}virtuemart_order_userinfos "
            "WHERE virtuemart_order_id = %s AND address_type = 'BT'",
            int(external_id),
        )
        return row["email"] or ""

    def order_skus(self, emulator, external_id):
        rows = emulator.query(
            "SELECT order_item_sku FROM {p}virtuemart_order_items WHERE virtuemart_order_id = %s "
            "ORDER BY virtuemart_order_item_id",
            int(external_id),
        )
        return [row["order_item_sku"] for row in rows]

    def skus(self, emulator):
        rows = emulator.query(
            "SELECT p.product_sku FROM {p}virtuemart_products p WHERE p.published = 1 "
            "AND p.product_sku <> '' AND NOT EXISTS (SELECT 1 FROM {p}virtuemart_products c "
            "WHERE c.product_parent_id = p.virtuemart_product_id) "
            "ORDER BY p.virtuemart_product_id"
        )
        return [row["product_sku"] for row in rows]

    def place_order(self, emulator, sku, quantity=1, status=None):
        [order_id] = emulator.create_orders(
            1,
            status=status or self.statuses["processing"],
            lines=[{"sku": sku, "quantity": quantity}],
        )
        return str(order_id)

    def set_order_status(self, emulator, external_id, status):
        emulator.modify_order(int(external_id), status=status)

    def stock(self, emulator, product_external_id):
        """What the shop shows as available: in stock less what its orders reserve."""
        [row] = emulator.query(
            "SELECT product_in_stock - product_ordered AS available FROM {p}virtuemart_products "
            "WHERE virtuemart_product_id = %s",
            int(product_external_id),
        )
        return row["available"]

    def price(self, emulator, product_external_id):
        """The net price of everyone's undated base row."""
        rows = emulator.query(
            "SELECT product_price FROM {p}virtuemart_product_prices "
            "WHERE virtuemart_product_id = %s AND COALESCE(virtuemart_shoppergroup_id, 0) = 0 "
            "AND product_price_publish_up IS NULL AND COALESCE(price_quantity_start, 0) <= 1 "
            "ORDER BY virtuemart_product_price_id LIMIT 1",
            int(product_external_id),
        )
        return Decimal(str(rows[0]["product_price"])).normalize()


KITS = {
    kit.platform: kit for kit in (WooCommerceKit(), ShoprenterKit(), CartumKit(), VirtueMartKit())
}


class PlatformCase:
    """Mixed into a ``StoresyncCase``: its store is on the emulator of ``kit_name``."""

    kit_name = ""

    @classmethod
    def setUpClass(cls):
        cls.kit = KITS[cls.kit_name]
        super().setUpClass()
        if not cls._registry_patched:
            # The shared token cache and request throttle use cursors of their own: in a
            # test they wrap the test's, as a committed store would be seen by them.
            cls.registry_enter_test_mode_cls()
        cls._setup_platform_mappings()

    @classmethod
    def _emulated_store(cls, name, *, seed, orders, products, store_values=None, **options):
        emulator = cls.kit.start_emulator(seed, orders, products)
        cls.addClassCleanup(emulator.stop)
        store = cls.env["storesync.store"].create(
            {
                "name": name,
                "platform": cls.kit.platform,
                "timeout": 5,
                "import_orders_since": False,
                **cls.kit.store_values(emulator),
                **(store_values or {}),
            }
        )
        return emulator, store

    @classmethod
    def _setup_platform_mappings(cls):
        """A pricelist in the store's currency, an Odoo tax per store rate, shipping."""
        env, store, kit = cls.env, cls.store, cls.kit
        money = env.ref(f"base.{kit.currency}")
        money.active = True
        pricelist = env["product.pricelist"].create(
            {"name": f"Shop {kit.currency}", "currency_id": money.id}
        )
        rates = kit.tax_rates(cls.emulator)
        taxes = env["account.tax"].create(
            [
                {
                    "name": f"Store rate {rate_id} ({percent}%)",
                    "amount": float(percent),
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "company_id": store.company_id.id,
                }
                for rate_id, percent in rates
            ]
        )
        shipping = env["product.product"].create({"name": "Shop shipping", "type": "service"})
        store.write(
            {
                "pricelist_id": pricelist.id,
                "tax_map_ids": [
                    (0, 0, {"store_tax_id": rate_id, "tax_id": tax.id})
                    for (rate_id, _percent), tax in zip(rates, taxes, strict=True)
                ],
                "shipping_map_ids": [
                    (0, 0, {"method_id": method, "product_id": shipping.id})
                    for method in kit.shipping_methods(cls.emulator)
                ],
                "status_map_ids": [
                    (0, 0, {"store_status": status, "action": action})
                    for status, action in kit.own_statuses.items()
                ],
            }
        )
        cls.pricelist = pricelist

    def _sale(self, external_id):
        return self.env["sale.order"].search(
            [
                ("storesync_store_id", "=", self.store.id),
                ("storesync_external_id", "=", external_id),
            ]
        )
