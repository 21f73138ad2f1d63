from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.storesync_fulfillable_order import need_lines_sql, warehouse_stock_sql


class StoresyncPurchaseNeed(models.TransientModel):
    """What to buy for a set of orders: one row per (warehouse, storable product).

    - **Needed**: what the selected orders' lines still need (ordered - delivered, in the
      product's unit), summed.
    - **On Hand**: quantity in the warehouse's internal locations.
    - **Reserved**: what moves reserve there, except the moves of the selected orders
      (their reservations serve the need counted above, so they are not taken twice; the same
      rule as the Fulfillable Orders list, applied to the selection).
    - **Free** = on hand - reserved.
    - **Incoming**: receipts and transfers into the warehouse not done yet (moves into its
      internal locations from anywhere else, neither draft nor cancelled).
    - **Minimum Stock**: the warehouse's reordering rules for the product (their minimum
      quantities, summed), 0 without a rule.
    - **To Buy** = max(0, needed + minimum - free - incoming): what keeps the minimum in stock
      once the selected orders are delivered and the incoming goods arrived.
    - **Vendor**, **Vendor Product Code**: the product's first vendor price line in Odoo's own
      order (sequence, then larger minimum quantity, price) for the warehouse's company, valid
      today.

    Consumables that are not stored have no stock to compare and are left out (the packing
    summary lists them). Rows are transient: the list is exported like any Odoo list.
    """

    _name = "storesync.purchase.need"
    _description = "Purchase need"
    _order = "to_buy desc, id"

    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    default_code = fields.Char(related="product_id.default_code", string="Internal Reference")
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    needed = fields.Float(digits="Product Unit", readonly=True)
    on_hand = fields.Float(digits="Product Unit", readonly=True)
    reserved = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Reserved in the warehouse for anything but the selected orders.",
    )
    free = fields.Float(digits="Product Unit", readonly=True, help="On hand - reserved.")
    incoming = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Receipts and transfers into the warehouse that are not done yet.",
    )
    min_qty = fields.Float(
        string="Minimum Stock",
        digits="Product Unit",
        readonly=True,
        help="The minimum quantity of the warehouse's reordering rules for the product.",
    )
    to_buy = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="max(0, needed + minimum stock - free - incoming)",
    )
    vendor_id = fields.Many2one("res.partner", readonly=True)
    vendor_code = fields.Char(string="Vendor Product Code", readonly=True)

    @api.model
    def _create_for_orders(self, orders):
        """The purchase needs of ``orders`` (sale.order records the user may read)."""
        orders = orders.filtered(lambda order: order.state == "sale")
        self.env.flush_all()
        order_ids = SQL("SELECT unnest(%s::int[])", orders.ids or [0])
        rows = self.env.execute_query_dict(
            SQL(
                """
                WITH need AS (
                    SELECT warehouse_id, product_id, SUM(qty) AS needed
                      FROM (%(need_lines)s) nl
                     WHERE is_storable AND warehouse_id IS NOT NULL
                     GROUP BY warehouse_id, product_id
                ),
                stock AS (%(stock)s),
                incoming AS (
                    SELECT dst.warehouse_id, sm.product_id, SUM(sm.product_qty) AS qty
                      FROM stock_move sm
                      JOIN stock_location dst ON dst.id = sm.location_dest_id
                      JOIN stock_location src ON src.id = sm.location_id
                     WHERE sm.state NOT IN ('draft', 'done', 'cancel')
                       AND dst.usage = 'internal'
                       AND dst.warehouse_id IS NOT NULL
                       AND (src.usage != 'internal'
                            OR src.warehouse_id IS DISTINCT FROM dst.warehouse_id)
                       AND sm.product_id IN (SELECT product_id FROM need)
                     GROUP BY dst.warehouse_id, sm.product_id
                ),
                minimum AS (
                    SELECT warehouse_id, product_id, SUM(product_min_qty) AS qty
                      FROM stock_warehouse_orderpoint
                     WHERE active AND product_id IN (SELECT product_id FROM need)
                     GROUP BY warehouse_id, product_id
                )
                SELECT n.warehouse_id,
                       n.product_id,
                       n.needed,
                       COALESCE(st.on_hand, 0) AS on_hand,
                       COALESCE(st.reserved, 0) AS reserved,
                       COALESCE(i.qty, 0) AS incoming,
                       COALESCE(m.qty, 0) AS min_qty
                  FROM need n
                  LEFT JOIN stock st
                         ON st.warehouse_id = n.warehouse_id AND st.product_id = n.product_id
                  LEFT JOIN incoming i
                         ON i.warehouse_id = n.warehouse_id AND i.product_id = n.product_id
                  LEFT JOIN minimum m
                         ON m.warehouse_id = n.warehouse_id AND m.product_id = n.product_id
                 ORDER BY n.warehouse_id, n.product_id
                """,
                need_lines=need_lines_sql(order_ids),
                stock=warehouse_stock_sql(SQL("SELECT product_id FROM need"), order_ids),
            )
        )
        if not rows:
            raise UserError(
                self.env._(
                    "The selected orders have no storable product left to deliver from a warehouse."
                )
            )
        warehouses = self.env["stock.warehouse"].browse({row["warehouse_id"] for row in rows})
        products = self.env["product.product"].browse({row["product_id"] for row in rows})
        products.fetch(["seller_ids"])
        vals_list = []
        for row in rows:
            warehouse = warehouses.browse(row["warehouse_id"])
            product = products.browse(row["product_id"])
            seller = self._default_seller(product, warehouse.company_id)
            free = row["on_hand"] - row["reserved"]
            to_buy = max(0.0, row["needed"] + row["min_qty"] - free - row["incoming"])
            vals_list.append(
                {
                    **row,
                    "free": free,
                    "to_buy": product.uom_id.round(to_buy, rounding_method="UP"),
                    "vendor_id": seller.partner_id.id,
                    "vendor_code": seller.product_code or False,
                }
            )
        return self.create(vals_list)

    @api.model
    def _default_seller(self, product, company):
        """The vendor price line Odoo would pick first for ``product`` in ``company``."""
        today = fields.Date.context_today(self)
        sellers = product.with_company(company)._prepare_sellers()
        return sellers.filtered(
            lambda s: (
                (not s.date_start or s.date_start <= today)
                and (not s.date_end or s.date_end >= today)
            )
        )[:1]
