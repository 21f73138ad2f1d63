{
    "name": "Store Sync Connector",
    "summary": "Sync online stores (WooCommerce, then Shoprenter and Shopify) with Odoo: "
    "orders in, stock, prices and order status out",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "author": "storesync_connector contributors",
    "website": "https://github.com/storesync/storesync_connector",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["sale_management", "stock_delivery", "mail"],
    "external_dependencies": {"python": ["phonenumbers", "requests"]},
    "data": [
        "security/storesync_security.xml",
        "security/storesync_sale_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "data/storesync_server_actions.xml",
        "views/storesync_store_views.xml",
        "views/storesync_inbox_views.xml",
        "views/sale_order_views.xml",
        "views/storesync_menus.xml",
    ],
}
