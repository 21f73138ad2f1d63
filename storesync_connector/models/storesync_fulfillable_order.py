from odoo import api, fields, models, tools
from odoo.tools import SQL

#: below this, a quantity short of the stock is rounding noise (the UoM conversion divides)
QTY_EPSILON = 0.00001


def open_orders_sql():
    """The open store orders: confirmed, something left to deliver, not invoiced yet.

    "Something left to deliver" is a goods line (product type ``consu``: storable or not)
    whose ordered quantity exceeds the delivered one; an order with only services left
    (shipping, fees) is not listed. "Not invoiced" is: no posted customer invoice is linked
    to any of its lines (``sale_order_line_invoice_rel``). A draft invoice (stores that make
    them on import) leaves the order open, and a credit note does not make it invoiced.
    """
    return SQL(
        """
        SELECT so.id
          FROM sale_order so
         WHERE so.storesync_store_id IS NOT NULL
           AND so.state = 'sale'
           AND EXISTS (
               SELECT 1
                 FROM sale_order_line sol
                 JOIN product_product pp ON pp.id = sol.product_id
                 JOIN product_template pt ON pt.id = pp.product_tmpl_id
                WHERE sol.order_id = so.id
                  AND pt.type = 'consu'
                  AND sol.product_uom_qty > sol.qty_delivered)
           AND NOT EXISTS (
               SELECT 1
                 FROM sale_order_line sol
                 JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
                 JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                 JOIN account_move am ON am.id = aml.move_id
                WHERE sol.order_id = so.id
                  AND am.move_type = 'out_invoice'
                  AND am.state = 'posted')
        """
    )


def need_lines_sql(order_ids_sql):
    """Goods lines of the orders ``order_ids_sql`` (a query of sale order ids) with what is
    left to deliver, in the product's unit: ``line_id, order_id, warehouse_id, product_id,
    is_storable, qty``.

    ``(product_uom_qty - qty_delivered)`` is in the line's unit; ``uom.uom.factor`` is each
    unit's size in its reference unit (Odoo 19: ``relative_factor`` chained up the
    ``relative_uom_id`` tree), so ``qty * line_factor / product_factor`` is what
    ``uom.uom._compute_quantity`` does, without its rounding.
    """
    return SQL(
        """
        SELECT sol.id AS line_id,
               so.id AS order_id,
               so.warehouse_id,
               sol.product_id,
               COALESCE(pt.is_storable, FALSE) AS is_storable,
               (sol.product_uom_qty - sol.qty_delivered) * line_uom.factor / product_uom.factor
                   AS qty
          FROM sale_order so
          JOIN sale_order_line sol ON sol.order_id = so.id
          JOIN product_product pp ON pp.id = sol.product_id
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
          JOIN uom_uom line_uom ON line_uom.id = sol.product_uom_id
          JOIN uom_uom product_uom ON product_uom.id = pt.uom_id
         WHERE so.id IN (%(orders)s)
           AND pt.type = 'consu'
           AND sol.product_uom_qty > sol.qty_delivered
        """,
        orders=order_ids_sql,
    )


def warehouse_stock_sql(products_sql, own_order_ids_sql):
    """Stock per (warehouse, product) for the products ``products_sql`` (a query of product
    ids): ``warehouse_id, product_id, on_hand, reserved``.

    ``on_hand``: quants in the warehouse's internal locations (``stock_location.warehouse_id``
    is Odoo's stored "under this warehouse's view location"). ``reserved``: what moves
    reserve there (the quants' ``reserved_quantity``) less what the moves of the orders
    ``own_order_ids_sql`` reserve, found through the move's sale line (the delivery) or its
    stock reference (the earlier steps of a two- or three-step delivery): stock those orders
    already hold is theirs to allot, not somebody else's.
    """
    return SQL(
        """
        SELECT warehouse_id, product_id, SUM(on_hand) AS on_hand, SUM(reserved) AS reserved
          FROM (
            SELECT sl.warehouse_id, q.product_id,
                   q.quantity AS on_hand, q.reserved_quantity AS reserved
              FROM stock_quant q
              JOIN stock_location sl ON sl.id = q.location_id
             WHERE sl.usage = 'internal'
               AND sl.warehouse_id IS NOT NULL
               AND q.product_id IN (%(products)s)
            UNION ALL
            SELECT sl.warehouse_id, sml.product_id, 0, -sml.quantity_product_uom
              FROM stock_move_line sml
              JOIN stock_move sm ON sm.id = sml.move_id
              JOIN stock_location sl ON sl.id = sml.location_id
             WHERE sml.state NOT IN ('done', 'cancel')
               AND sl.usage = 'internal'
               AND sl.warehouse_id IS NOT NULL
               AND sml.product_id IN (%(products)s)
               AND (sm.sale_line_id IN (SELECT id FROM sale_order_line
                                         WHERE order_id IN (%(own)s))
                    OR EXISTS (SELECT 1
                                 FROM stock_reference_move_rel srm
                                 JOIN stock_reference_sale_rel srs
                                   ON srs.reference_id = srm.reference_id
                                WHERE srm.move_id = sm.id AND srs.sale_id IN (%(own)s)))
          ) stock
         GROUP BY warehouse_id, product_id
        """,
        products=products_sql,
        own=own_order_ids_sql,
    )


class StoresyncFulfillableOrder(models.Model):
    """Open store orders, and whether the warehouse's stock covers each of them.

    A read-only SQL view (like ``sale.report``), computed for the whole list at once. One row
    per open store order (see :func:`open_orders_sql`: confirmed, a goods line left to
    deliver, no customer invoice).

    **Allotment.** What each line still needs (ordered less delivered, in the product's unit)
    is allotted from its warehouse's stock oldest order first (``date_order``, then ``id``):
    per (warehouse, product), the running total of the needs of the orders up to and including
    this one is compared with the available quantity. A product whose running total exceeds it
    is short for this order (and for every newer one); one short line makes the order not
    fulfillable. Two lines of the same product in one order are allotted together. Only
    storable products (``is_storable``) are allotted: a consumable, a service or a kit line
    never blocks an order.

    **Available** = on hand in the warehouse's internal locations - quantity reserved there by
    moves that do *not* belong to the listed orders. Reservations of the listed orders are left
    in the available stock, because the allotment decides who gets it: counting them as taken
    and also allotting them to the order holding them would count them twice, and an order
    that happens to hold a reservation would not jump the queue of older orders. Stock reserved
    for anything else (a manual transfer, an order not from a store, an invoiced order still
    to deliver) is taken.
    """

    _name = "storesync.fulfillable.order"
    _description = "Fulfillable store order"
    _auto = False
    _order = "date_order, id"
    _rec_name = "name"
    # What the view reads: flushed before it is queried.
    _depends = {
        "sale.order": [
            "name",
            "state",
            "storesync_store_id",
            "storesync_number",
            "warehouse_id",
            "partner_id",
            "user_id",
            "company_id",
            "date_order",
            "amount_total",
            "currency_id",
        ],
        "sale.order.line": [
            "order_id",
            "product_id",
            "product_uom_id",
            "product_uom_qty",
            "qty_delivered",
            "invoice_lines",
        ],
        "product.product": ["product_tmpl_id"],
        "product.template": ["type", "is_storable", "uom_id"],
        "uom.uom": ["factor"],
        "account.move.line": ["move_id"],
        "account.move": ["move_type", "state"],
        "stock.quant": ["product_id", "location_id", "quantity", "reserved_quantity"],
        "stock.location": ["usage", "warehouse_id"],
        "stock.move.line": [
            "move_id",
            "product_id",
            "location_id",
            "state",
            "quantity_product_uom",
        ],
        "stock.move": ["sale_line_id", "reference_ids"],
        "stock.reference": ["sale_ids"],
    }

    order_id = fields.Many2one("sale.order", readonly=True)
    name = fields.Char(string="Order Reference", readonly=True)
    store_id = fields.Many2one("storesync.store", readonly=True)
    storesync_number = fields.Char(string="Store Order Number", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date_order = fields.Datetime(string="Order Date", readonly=True)
    amount_total = fields.Monetary(string="Total", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    stocked_line_count = fields.Integer(
        string="Stocked Lines",
        readonly=True,
        help="Lines of storable products with a quantity left to deliver.",
    )
    short_line_count = fields.Integer(
        string="Short Lines",
        readonly=True,
        help="Stocked lines the warehouse's free stock does not cover once older orders had "
        "theirs.",
    )
    fulfillable = fields.Boolean(
        readonly=True,
        help="The warehouse's free stock covers every stocked line, stock being allotted to "
        "orders oldest first.",
    )

    def _query(self):
        """The view's SELECT (see the class docstring for what it computes)."""
        return SQL(
            """
            WITH open_order AS (%(open_orders)s),
            need_line AS (%(need_lines)s),
            order_product AS (
                SELECT order_id, warehouse_id, product_id, SUM(qty) AS qty
                  FROM need_line
                 WHERE is_storable
                 GROUP BY order_id, warehouse_id, product_id
            ),
            stock AS (%(stock)s),
            allotted AS (
                SELECT op.order_id,
                       op.product_id,
                       SUM(op.qty) OVER (
                           PARTITION BY op.warehouse_id, op.product_id
                           ORDER BY so.date_order, so.id
                       ) - COALESCE(st.on_hand, 0) + COALESCE(st.reserved, 0)
                           > %(epsilon)s AS short
                  FROM order_product op
                  JOIN sale_order so ON so.id = op.order_id
                  LEFT JOIN stock st
                         ON st.warehouse_id = op.warehouse_id
                        AND st.product_id = op.product_id
            ),
            counted AS (
                SELECT nl.order_id,
                       COUNT(*) FILTER (WHERE nl.is_storable) AS stocked_line_count,
                       COUNT(*) FILTER (WHERE a.short) AS short_line_count
                  FROM need_line nl
                  LEFT JOIN allotted a
                         ON nl.is_storable
                        AND a.order_id = nl.order_id
                        AND a.product_id = nl.product_id
                 GROUP BY nl.order_id
            )
            SELECT so.id,
                   so.id AS order_id,
                   so.name,
                   so.storesync_store_id AS store_id,
                   so.storesync_number,
                   so.warehouse_id,
                   so.partner_id,
                   so.user_id,
                   so.company_id,
                   so.date_order,
                   so.amount_total,
                   so.currency_id,
                   c.stocked_line_count,
                   c.short_line_count,
                   c.short_line_count = 0 AS fulfillable
              FROM counted c
              JOIN sale_order so ON so.id = c.order_id
            """,
            open_orders=open_orders_sql(),
            need_lines=need_lines_sql(SQL("SELECT id FROM open_order")),
            stock=warehouse_stock_sql(
                SQL("SELECT product_id FROM need_line WHERE is_storable"),
                SQL("SELECT id FROM open_order"),
            ),
            epsilon=QTY_EPSILON,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    @api.readonly
    def action_open_order(self):
        """Open the sales order of this row."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "views": [[False, "form"]],
            "res_id": self.order_id.id,
        }

    def action_storesync_packing_summary(self):
        """What to prepare for the selected orders (see ``storesync.packing.summary``)."""
        return self.order_id.action_storesync_packing_summary()

    def action_storesync_purchase_needs(self):
        """What to buy for the selected orders (see ``storesync.purchase.need``)."""
        return self.order_id.action_storesync_purchase_needs()
