"""The Odoo side of ``make bench``: each phase as a function of an Odoo environment.

``scripts/bench.py`` runs every phase in its own process (``python scripts/bench_odoo.py
<phase> ...`` under the project's ``.venv``), so peak RSS and the query count belong to one
phase. ``tests/test_bench.py`` calls the same functions at tiny size inside a test transaction,
so the benchmark's code paths cannot rot.

Functions here never commit themselves: the crons they call commit their progress through
``ir.cron._commit_progress`` (a plain COMMIT outside a cron, patched away in tests) and the
command line wrapper commits at the end of a phase.
"""

import argparse
import json
import resource
import sys
import threading
import time
from datetime import date, datetime, timedelta
from unittest.mock import patch

# Models whose new records make "the end state" of an import, compared between the import and
# the baseline. Inbox rows and bindings are the connector's bookkeeping: the baseline does not
# create them, so the ratio charges them to the connector.
END_STATE_MODELS = (
    "product.category",
    "product.attribute",
    "product.attribute.value",
    "product.template",
    "product.product",
    "res.partner",
    "sale.order",
    "sale.order.line",
    "stock.picking",
    "stock.move",
    "mail.message",
)
BOOKKEEPING_MODELS = ("storesync.inbox", "storesync.partner.binding", "storesync.product.binding")
PARTNER_FIELDS = (
    "name",
    "street",
    "street2",
    "city",
    "zip",
    "country_id",
    "state_id",
    "phone",
    "email",
    "vat",
    "lang",
    "company_name",
    "type",
    "storesync_address_date",
)
TEMPLATE_FIELDS = (
    "name",
    "description_sale",
    "categ_id",
    "list_price",
    "type",
    "is_storable",
    "uom_id",
    "sale_ok",
)
ORDER_FIELDS = (
    "name",
    "partner_id",
    "partner_invoice_id",
    "partner_shipping_id",
    "pricelist_id",
    "company_id",
    "client_order_ref",
    "date_order",
    "warehouse_id",
    "team_id",
    "payment_term_id",
    "note",
    "storesync_store_id",
    "storesync_external_id",
    "storesync_number",
    "storesync_created_at",
    "storesync_updated_at",
    "storesync_last_sync",
    "storesync_status",
    "storesync_content_hash",
)
LINE_FIELDS = (
    "sequence",
    "name",
    "product_id",
    "product_uom_qty",
    "price_unit",
    "discount",
    "tax_ids",
    "extra_tax_data",
    "display_type",
)
ORDER_BATCH = 200


def rss_mb():
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class QueryCounter:
    """Odoo's per-thread query counter (``sql_db`` increments ``thread.query_count``)."""

    def __enter__(self):
        self.thread = threading.current_thread()
        self.before = getattr(self.thread, "query_count", None)
        self.thread.query_count = 0
        return self

    def __exit__(self, *exc):
        self.count = self.thread.query_count
        if self.before is None:
            del self.thread.query_count
        else:
            self.thread.query_count = self.before + self.count


# --------------------------------------------------------------------------- setup


#: per platform: the store's currency, order prefix and how its credentials are named
PLATFORM_SETUP = {
    "woocommerce": ("EUR", "WOO-", ("consumer_key", "consumer_secret")),
    "shoprenter": ("HUF", "SR-", ("client_id", "client_secret")),
    "cartum": ("UAH", "CT-", ("cartum_login", "cartum_password")),
}


def setup_store(
    env,
    url,
    key,
    secret,
    name="Bench store (emulator)",
    platform="woocommerce",
    shop_name=None,
    commit=None,
):
    """What a merchant does once (as ``make run`` registers its demo stores).

    A pricelist in the store's currency (EUR; HUF for Shoprenter), the store's tax rates
    loaded and mapped (WooCommerce rate ids, Shoprenter rates "27", "18"...; a new tax where
    Odoo has none of that percentage), shipping methods mapped to one service product, the
    warehouse set (for stock export), the platform's default status mapping (paid orders
    confirmed, cancelled and refunded ones cancelled, failed ones skipped). ``commit`` is
    called once the store exists: the command line commits there, as the token cache and the
    request throttle write through cursors of their own, which must see the store.
    """
    currency_code, prefix, (key_field, secret_field) = PLATFORM_SETUP[platform]
    currency = env.ref(f"base.{currency_code}")
    currency.active = True
    pricelist = env["product.pricelist"].create(
        {"name": f"Bench web shop ({currency_code})", "currency_id": currency.id}
    )
    credentials = {key_field: key, secret_field: secret}
    if shop_name:
        credentials["shop_name"] = shop_name
    store = env["storesync.store"].create(
        {
            "name": name,
            "platform": platform,
            "base_url": url,
            **credentials,
            "order_prefix": prefix,
            "import_orders_since": False,  # the whole seeded history
            "pricelist_id": pricelist.id,
            "warehouse_id": env["stock.warehouse"]
            .search([("company_id", "=", env.company.id)], limit=1)
            .id,
        }
    )
    if commit:
        commit()
    load_store_settings(store)
    for row in store.tax_map_ids.filtered(lambda r: not r.tax_id):
        # A second store of the platform (make reliability) takes the taxes the first created.
        name = f"{row.label} {row.rate:g}%"
        row.tax_id = env["account.tax"].search(
            [("name", "=", name), ("company_id", "=", store.company_id.id)], limit=1
        ) or env["account.tax"].create(
            {
                "name": name,
                "amount": row.rate,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": store.company_id.id,
            }
        )
    shipping = env["product.product"].create({"name": "Bench shipping", "type": "service"})
    store.shipping_map_ids.filtered(lambda r: not r.product_id).product_id = shipping
    return store


def load_store_settings(store):
    """The store's tax rates and shipping methods as mapping rows ("Load store settings").

    The Shoprenter emulator serves no ``/languages`` yet, which the adapter reads for the
    status names: there, the rows its ``/taxRates`` and ``/shippingModeExtend`` would give.
    """
    from odoo.exceptions import UserError

    try:
        store.action_load_store_settings()
    except UserError:
        if store.platform != "shoprenter":
            raise
        store._add_missing_mappings(
            [(str(rate), f"ÁFA {rate}%", rate) for rate in (27, 18, 5, 0)],
            [
                ("18", "GLS futárszolgálat"),
                ("19", "Foxpost csomagautomata"),
                ("20", "Személyes átvétel"),
            ],
            [],
            match=True,
        )


def set_quotation_only(store):
    """Keep every imported order a quotation: the 'unconfirmed' variant of the import."""
    store.status_map_ids.filtered(lambda m: m.action == "confirm").action = "quotation"


def watermarks(env, models=END_STATE_MODELS + BOOKKEEPING_MODELS):
    """The highest id of each model now: records above it are what a phase created."""
    marks = {}
    for model in models:
        env.cr.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{env[model]._table}"')
        marks[model] = env.cr.fetchone()[0]
    return marks


def count_new(env, marks):
    """How many records of each model were created since ``marks``, orders by state."""
    env.flush_all()
    counts = {}
    for model, mark in marks.items():
        env.cr.execute(f'SELECT COUNT(*) FROM "{env[model]._table}" WHERE id > %s', [mark])
        counts[model] = env.cr.fetchone()[0]
    env.cr.execute(
        "SELECT state, COUNT(*) FROM sale_order WHERE id > %s GROUP BY state ORDER BY state",
        [marks["sale.order"]],
    )
    for state, count in env.cr.fetchall():
        counts[f"sale.order[{state}]"] = count
    return counts


# --------------------------------------------------------------------------- import


def run_import(env, store):
    """Fetch + process, end to end, as the two crons do; return timings and row states, and
    what the fetch read again by number (``reread``: the open orders of a platform whose
    listing finds new orders only, see ``storesync.store._fetch_open_orders``)."""
    Inbox = env["storesync.inbox"]
    adapter_class = type(store._get_adapter())
    reread = {"orders": 0, "requests": 0}
    original = adapter_class.get_orders

    def counting(adapter, ids):
        ids = list(ids)
        reread["orders"] += len(ids)
        reread["requests"] += -(-len(ids) // adapter.max_page_size)
        return original(adapter, ids)

    with QueryCounter() as queries, patch.object(adapter_class, "get_orders", counting):
        started = time.perf_counter()
        store._fetch_orders()
        fetched = time.perf_counter()
        Inbox._cron_process()
        done = time.perf_counter()
    env.cr.execute(
        "SELECT kind, state, COUNT(*) FROM storesync_inbox WHERE store_id = %s "
        "GROUP BY kind, state ORDER BY kind, state",
        [store.id],
    )
    rows = {f"{kind}:{state}": count for kind, state, count in env.cr.fetchall()}
    errors = Inbox.search([("store_id", "=", store.id), ("state", "=", "error")], limit=5)
    return {
        "fetch_s": fetched - started,
        "process_s": done - fetched,
        "total_s": done - started,
        "queries": queries.count,
        "rows": rows,
        "errors": errors.mapped("last_error"),
        "orders": env["sale.order"].search_count([("storesync_store_id", "=", store.id)]),
        "reread": reread,
    }


def bound_products(env, store):
    """The store products bound to Odoo products now, as ``[external_id, variation_id]``
    pairs: what a later fetch knows and need not ask the store about."""
    env.cr.execute(
        "SELECT external_id, variation_id FROM storesync_product_binding WHERE store_id = %s "
        "ORDER BY external_id, variation_id",
        [store.id],
    )
    return [list(row) for row in env.cr.fetchall()]


# --------------------------------------------------------------------------- baseline


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return value


def _read(records, fnames):
    """``records`` as plain dicts: many2one as id, x2many as ids, dates as strings."""
    out = []
    for record in records:
        vals = {"id": record.id}
        for fname in fnames:
            field = record._fields[fname]
            value = record[fname]
            if field.type == "many2one":
                value = value.id or False
            elif field.type in ("one2many", "many2many"):
                value = value.ids
            elif field.type == "html":
                value = str(value) if value else False
            vals[fname] = _plain(value)
        out.append(vals)
    return out


def dump_end_state(env, marks):
    """What an import created (records above ``marks``), in a form ``replay_baseline`` takes."""
    env.flush_all()

    def new(model, order="id"):
        return (
            env[model]
            .with_context(active_test=False)
            .search([("id", ">", marks[model])], order=order)
        )

    templates = new("product.template")
    products = new("product.product")
    orders = new("sale.order")
    messages = env["mail.message"].search(
        [
            ("id", ">", marks["mail.message"]),
            ("model", "=", "sale.order"),
            ("res_id", "in", orders.ids),
            ("body", "!=", False),
        ],
        order="id",
    )
    return {
        "categories": _read(new("product.category"), ("name", "parent_id")),
        "attributes": _read(new("product.attribute"), ("name", "create_variant")),
        "values": _read(new("product.attribute.value"), ("name", "attribute_id")),
        "templates": [
            dict(
                vals,
                lines=[
                    (line.attribute_id.id, line.value_ids.ids)
                    for line in template.attribute_line_ids
                ],
            )
            for vals, template in zip(_read(templates, TEMPLATE_FIELDS), templates, strict=True)
        ],
        "products": [
            {
                "id": product.id,
                "product_tmpl_id": product.product_tmpl_id.id,
                "default_code": product.default_code or False,
                "barcode": product.barcode or False,
                "values": sorted(
                    product.product_template_attribute_value_ids.product_attribute_value_id.ids
                ),
            }
            for product in products
        ],
        "partners": _read(new("res.partner"), ("parent_id", *PARTNER_FIELDS)),
        "orders": [
            dict(vals, state=order.state, lines=_read(order.order_line, LINE_FIELDS))
            for vals, order in zip(_read(orders, ORDER_FIELDS), orders, strict=True)
        ],
        "notes": [
            {"res_id": m.res_id, "body": str(m.body)} for m in messages if str(m.body).strip()
        ],
    }


def replay_baseline(env, dump):
    """Create the dumped end state with plain ORM ``create`` batches: no connector code.

    Same records, same values, same states: categories, attributes, product templates with
    their variants, contacts with delivery addresses, sales orders with their lines, taxes and
    Odoo's manual tax amounts, confirmed or cancelled as the import left them, customer notes
    in the chatter. Returns seconds per step; ``confirm_s`` is the confirmation alone.
    """
    Command = _command()
    timings = {}
    ids = {}  # (kind, old id) -> new id

    def ref(kind, old):
        return ids.get((kind, old), old) if old else False

    started = time.perf_counter()
    # Catalogue: categories level by level (a parent before its children).
    todo = list(dump["categories"])
    while todo:
        ready = [
            c
            for c in todo
            if not c["parent_id"]
            or ("categ", c["parent_id"]) in ids
            or c["parent_id"] not in {t["id"] for t in todo}
        ]
        created = env["product.category"].create(
            [{"name": c["name"], "parent_id": ref("categ", c["parent_id"])} for c in ready]
        )
        ids.update({("categ", c["id"]): new.id for c, new in zip(ready, created, strict=True)})
        todo = [c for c in todo if c not in ready]
    attributes = env["product.attribute"].create(
        [{"name": a["name"], "create_variant": a["create_variant"]} for a in dump["attributes"]]
    )
    ids.update(
        {("attr", a["id"]): n.id for a, n in zip(dump["attributes"], attributes, strict=True)}
    )
    values = env["product.attribute.value"].create(
        [
            {"name": v["name"], "attribute_id": ref("attr", v["attribute_id"])}
            for v in dump["values"]
        ]
    )
    ids.update({("value", v["id"]): n.id for v, n in zip(dump["values"], values, strict=True)})

    def template_vals(t):
        return {
            **{f: t[f] for f in TEMPLATE_FIELDS},
            "categ_id": ref("categ", t["categ_id"]),
        }

    variant_templates = [t for t in dump["templates"] if t["lines"]]
    templates = env["product.template"].create(
        [
            {
                **template_vals(t),
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": ref("attr", attr),
                            "value_ids": [Command.set([ref("value", v) for v in vals])],
                        }
                    )
                    for attr, vals in t["lines"]
                ],
            }
            for t in variant_templates
        ]
    )
    ids.update({("tmpl", t["id"]): n.id for t, n in zip(variant_templates, templates, strict=True)})
    by_template = {t["id"]: t for t in dump["templates"]}
    simple = [p for p in dump["products"] if not by_template[p["product_tmpl_id"]]["lines"]]
    created = env["product.product"].create(
        [
            {
                **template_vals(by_template[p["product_tmpl_id"]]),
                "default_code": p["default_code"],
                "barcode": p["barcode"],
            }
            for p in simple
        ]
    )
    ids.update({("product", p["id"]): n.id for p, n in zip(simple, created, strict=True)})
    variants = {
        (
            v.product_tmpl_id.id,
            tuple(sorted(v.product_template_attribute_value_ids.product_attribute_value_id.ids)),
        ): v
        for v in templates.product_variant_ids
    }
    for p in dump["products"]:
        if by_template[p["product_tmpl_id"]]["lines"]:
            key = (
                ref("tmpl", p["product_tmpl_id"]),
                tuple(sorted(ref("value", v) for v in p["values"])),
            )
            variant = variants[key]
            if p["default_code"]:
                variant.default_code = p["default_code"]
            ids[("product", p["id"])] = variant.id
    env.flush_all()
    timings["catalog_s"] = time.perf_counter() - started

    started = time.perf_counter()
    # Level by level, a parent before its children: companies, their contacts, and the
    # contacts' delivery addresses (Shoprenter buyers with a company name) make three.
    todo = list(dump["partners"])
    while todo:
        pending = {p["id"] for p in todo}
        level = [p for p in todo if p["parent_id"] not in pending]
        todo = [p for p in todo if p["parent_id"] in pending]
        created = env["res.partner"].create(
            [
                {
                    **{f: p[f] for f in PARTNER_FIELDS},
                    "parent_id": ref("partner", p["parent_id"]),
                }
                for p in level
            ]
        )
        ids.update({("partner", p["id"]): n.id for p, n in zip(level, created, strict=True)})
    env.flush_all()
    timings["partners_s"] = time.perf_counter() - started

    started = time.perf_counter()
    SaleOrder = env["sale.order"].with_context(tracking_disable=True)
    orders = env["sale.order"]
    for start in range(0, len(dump["orders"]), ORDER_BATCH):
        chunk = dump["orders"][start : start + ORDER_BATCH]
        orders |= SaleOrder.create(
            [
                {
                    **{f: o[f] for f in ORDER_FIELDS},
                    **{
                        f: ref("partner", o[f])
                        for f in ("partner_id", "partner_invoice_id", "partner_shipping_id")
                    },
                    "order_line": [
                        Command.create(
                            {
                                **{f: line[f] for f in LINE_FIELDS},
                                "product_id": ref("product", line["product_id"]),
                                "tax_ids": [Command.set(line["tax_ids"])],
                            }
                        )
                        for line in o["lines"]
                    ],
                }
                for o in chunk
            ]
        )
    env.flush_all()
    timings["orders_s"] = time.perf_counter() - started
    ids.update({("order", o["id"]): n.id for o, n in zip(dump["orders"], orders, strict=True)})
    states = {n.id: o for o, n in zip(dump["orders"], orders, strict=True)}

    started = time.perf_counter()
    confirmed = orders.filtered(lambda s: states[s.id]["state"] == "sale")
    confirmed.action_confirm()
    for sale in confirmed:
        # action_confirm stamps "now"; the store's order date is the real one (as imported).
        sale.date_order = states[sale.id]["date_order"]
    env.flush_all()
    timings["confirm_s"] = time.perf_counter() - started

    started = time.perf_counter()
    orders.filtered(lambda s: states[s.id]["state"] == "cancel")._action_cancel()
    for note in dump["notes"]:
        env["sale.order"].browse(ref("order", note["res_id"])).message_post(
            body=_markup(note["body"])
        )
    env.flush_all()
    timings["cancel_notes_s"] = time.perf_counter() - started
    timings["total_s"] = sum(timings.values())
    return timings


def _command():
    from odoo.fields import Command

    return Command


def _markup(text):
    from markupsafe import Markup

    return Markup(text)


# --------------------------------------------------------------------------- preload


def _clone_sql(env, table, overrides, source_id, count):
    """INSERT ``count`` copies of row ``source_id`` of ``table``; ``overrides``: column -> SQL
    expression over the copy's number ``g``."""
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
        [table],
    )
    columns = [row[0] for row in env.cr.fetchall()]
    select = ", ".join(overrides.get(c, f's."{c}"') for c in columns)
    cols = ", ".join(f'"{c}"' for c in columns)
    env.cr.execute(
        f'INSERT INTO "{table}" ({cols}) SELECT {select} FROM "{table}" s, '
        f"generate_series(1, %s) g WHERE s.id = %s",
        [count, source_id],
    )


def preload(env, store, orders, partners=None, products=None):
    """Put ``orders`` old orders of ``store`` in the database quickly (batched SQL).

    One real order (made through the ORM: contact, product, two taxed lines) is cloned: half as
    many contacts as orders (with e-mails, bound to the store), a tenth as many products (with
    SKUs, bound), the orders (two lines each, with taxes) and one done sync-log row per order,
    so every lookup the import makes runs against tables of a store that has been live for a
    while. Stock moves of the old orders are not made.
    """
    partners = partners or max(1, orders // 2)
    products = products or max(1, orders // 10)
    started = time.perf_counter()
    tax = store.tax_map_ids.filtered("tax_id")[:1].tax_id
    partner = env["res.partner"].create(
        {"name": "Preload sample", "email": "preload-sample@example.com", "ref": "bench-sample"}
    )
    product = env["product.product"].create(
        {
            "name": "Preload sample",
            "default_code": "PRE-SAMPLE",
            "list_price": 10.0,
            "is_storable": True,
        }
    )
    sample = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "pricelist_id": store.pricelist_id.id,
            "storesync_store_id": store.id,
            "storesync_external_id": "P0",
            "order_line": [
                _command().create(
                    {
                        "product_id": product.id,
                        "name": f"line {i}",
                        "product_uom_qty": 1,
                        "price_unit": 10.0,
                        "tax_ids": [_command().set(tax.ids)],
                    }
                )
                for i in (1, 2)
            ],
        }
    )
    env.flush_all()
    cr = env.cr
    _clone_sql(
        env,
        "res_partner",
        {
            "name": "'Preload customer ' || g",
            "complete_name": "'Preload customer ' || g",
            "email": "'preload' || g || '@example.com'",
            "email_normalized": "'preload' || g || '@example.com'",
            "ref": "'bench-preload'",
        },
        partner.id,
        partners,
    )
    cr.execute("SELECT array_agg(id ORDER BY id) FROM res_partner WHERE ref = 'bench-preload'")
    partner_ids = cr.fetchone()[0]
    cr.execute(
        "INSERT INTO storesync_partner_binding (store_id, company_id, external_id, partner_id, "
        "create_uid, write_uid, create_date, write_date) "
        "SELECT %s, %s, 'P' || n, id, 1, 1, now(), now() "
        "FROM unnest(%s::int[]) WITH ORDINALITY AS t(id, n)",
        [store.id, store.company_id.id, partner_ids],
    )
    _clone_sql(
        env,
        "product_template",
        {"name": "jsonb_build_object('en_US', 'Preload product ' || g)"},
        product.product_tmpl_id.id,
        products,
    )
    cr.execute(
        "SELECT array_agg(id ORDER BY id) FROM product_template WHERE id > %s",
        [product.product_tmpl_id.id],
    )
    template_ids = cr.fetchone()[0]
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'product_product' AND column_name != 'id'"
    )
    columns = [row[0] for row in cr.fetchall()]
    select = ", ".join(
        {"product_tmpl_id": "t.id", "default_code": "'PRE-' || t.n"}.get(c, f's."{c}"')
        for c in columns
    )
    cr.execute(
        f"INSERT INTO product_product ({', '.join(columns)}) SELECT {select} "
        "FROM product_product s, unnest(%s::int[]) WITH ORDINALITY AS t(id, n) WHERE s.id = %s",
        [template_ids, product.id],
    )
    cr.execute(
        "INSERT INTO storesync_product_binding (store_id, company_id, external_id, variation_id, "
        "product_id, create_uid, write_uid, create_date, write_date) "
        "SELECT %s, %s, 'P' || id, '0', id, 1, 1, now(), now() FROM product_product "
        "WHERE default_code LIKE 'PRE-%%' AND id > %s",
        [store.id, store.company_id.id, product.id],
    )
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'sale_order' AND column_name != 'id'"
    )
    columns = [row[0] for row in cr.fetchall()]
    overrides = {
        "name": "'PRE-' || g",
        "client_order_ref": "'PRE-' || g",
        "storesync_external_id": "'P' || g",
        "partner_id": "(%(partners)s::int[])[1 + g %% %(n)s]",
        "partner_invoice_id": "(%(partners)s::int[])[1 + g %% %(n)s]",
        "partner_shipping_id": "(%(partners)s::int[])[1 + g %% %(n)s]",
        "date_order": "s.date_order - (g || ' minutes')::interval",
    }
    select = ", ".join(overrides.get(c, f's."{c}"') for c in columns)
    cr.execute(
        f"INSERT INTO sale_order ({', '.join(columns)}) SELECT {select} "
        "FROM sale_order s, generate_series(1, %(count)s) g WHERE s.id = %(sample)s",
        {"partners": partner_ids, "n": len(partner_ids), "count": orders, "sample": sample.id},
    )
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'sale_order_line' AND column_name != 'id'"
    )
    columns = [row[0] for row in cr.fetchall()]
    overrides = {"order_id": "o.id", "order_partner_id": "o.partner_id"}
    select = ", ".join(overrides.get(c, f'l."{c}"') for c in columns)
    cr.execute(
        f"INSERT INTO sale_order_line ({', '.join(columns)}) SELECT {select} "
        "FROM sale_order o, sale_order_line l WHERE o.id > %s AND l.order_id = %s",
        [sample.id, sample.id],
    )
    cr.execute(
        "INSERT INTO account_tax_sale_order_line_rel (sale_order_line_id, account_tax_id) "
        "SELECT l.id, %s FROM sale_order_line l WHERE l.order_id > %s",
        [tax.id, sample.id],
    )
    cr.execute(
        "INSERT INTO storesync_inbox (store_id, company_id, kind, external_id, name, "
        "external_date, payload, content_hash, state, attempts, date_processed, res_model, "
        "res_id, order_id, create_uid, write_uid, create_date, write_date) "
        "SELECT %s, %s, 'order', storesync_external_id, name, date_order, "
        "'{\"preloaded\": true}'::jsonb, md5(name), 'done', 1, now(), 'sale.order', id, id, "
        "1, 1, now(), now() FROM sale_order WHERE id > %s",
        [store.id, store.company_id.id, sample.id],
    )
    for table in (
        "res_partner",
        "product_template",
        "product_product",
        "sale_order",
        "sale_order_line",
        "storesync_inbox",
        "storesync_partner_binding",
        "storesync_product_binding",
        "account_tax_sale_order_line_rel",
    ):
        cr.execute(f'ANALYZE "{table}"')
    env.invalidate_all()
    return {
        "orders": orders,
        "partners": len(partner_ids),
        "products": len(template_ids),
        "seconds": time.perf_counter() - started,
    }


# --------------------------------------------------------------------------- fulfillable

#: the Fulfillable Orders list's columns, as the web client asks for them
FULFILLABLE_SPEC = {
    "name": {},
    "storesync_number": {},
    "date_order": {},
    "store_id": {"fields": {"display_name": {}}},
    "warehouse_id": {"fields": {"display_name": {}}},
    "partner_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "company_id": {"fields": {"display_name": {}}},
    "currency_id": {"fields": {}},
    "amount_total": {},
    "stocked_line_count": {},
    "short_line_count": {},
    "fulfillable": {},
}


def fulfillable(env, store, orders):
    """Open the Fulfillable Orders list over ``orders`` open store orders; time it.

    The orders come from :func:`preload` (cloned in SQL, two lines each), then are made open
    orders of the store's warehouse in SQL: confirmed, their lines spread over the preloaded
    products (about 20 lines a product), and stock for about half of what each product
    needs, so the allotment has both fulfillable and short orders. No stock moves are made
    (the view reads quants, and moves only for reservations). Timed as the web client opens
    the list (``web_search_read``: first page of 80 oldest first, and the count), then
    grouped by store and fulfillable, then filtered on "Not fulfillable".
    """
    loaded = preload(env, store, orders)
    cr = env.cr
    warehouse = store.warehouse_id or env["stock.warehouse"].search(
        [("company_id", "=", store.company_id.id)], limit=1
    )
    cr.execute(
        "UPDATE sale_order SET state = 'sale', warehouse_id = %s "
        "WHERE storesync_store_id = %s AND name LIKE 'PRE-%%'",
        [warehouse.id, store.id],
    )
    cr.execute(
        "SELECT array_agg(id ORDER BY id) FROM product_product WHERE default_code LIKE 'PRE-%%'"
    )
    product_ids = cr.fetchone()[0]
    cr.execute(
        "UPDATE sale_order_line l SET state = 'sale', "
        "product_id = (%(products)s::int[])[1 + l.id %% %(n)s] "
        "FROM sale_order o WHERE o.id = l.order_id AND o.storesync_store_id = %(store)s "
        "AND o.name LIKE 'PRE-%%'",
        {"products": product_ids, "n": len(product_ids), "store": store.id},
    )
    cr.execute(
        "INSERT INTO stock_quant (product_id, company_id, location_id, quantity, "
        "reserved_quantity, in_date, create_uid, write_uid, create_date, write_date) "
        "SELECT l.product_id, %s, %s, floor(SUM(l.product_uom_qty) / 2), 0, now(), 1, 1, "
        "now(), now() FROM sale_order_line l JOIN sale_order o ON o.id = l.order_id "
        "WHERE o.storesync_store_id = %s AND o.name LIKE 'PRE-%%' GROUP BY l.product_id",
        [store.company_id.id, warehouse.lot_stock_id.id, store.id],
    )
    for table in ("sale_order", "sale_order_line", "stock_quant"):
        cr.execute(f'ANALYZE "{table}"')
    env.invalidate_all()
    Fulfillable = env["storesync.fulfillable.order"]
    started = time.perf_counter()
    page = Fulfillable.web_search_read([], FULFILLABLE_SPEC, limit=80)
    list_s = time.perf_counter() - started
    env.invalidate_all()
    started = time.perf_counter()
    groups = Fulfillable.formatted_read_group(
        [], ["store_id", "fulfillable"], ["__count", "amount_total:sum"]
    )
    group_s = time.perf_counter() - started
    env.invalidate_all()
    started = time.perf_counter()
    short = Fulfillable.web_search_read([("fulfillable", "=", False)], FULFILLABLE_SPEC, limit=80)
    filter_s = time.perf_counter() - started
    return {
        "orders": loaded["orders"],
        "listed": page["length"],
        "fulfillable": sum(g["__count"] for g in groups if g["fulfillable"]),
        "not_fulfillable": short["length"],
        "list_s": list_s,
        "group_s": group_s,
        "filter_s": filter_s,
    }


# --------------------------------------------------------------------------- export


def bind_store_products(env, store, items, count):
    """At least ``count`` store products bound to storable Odoo products.

    The import binds what its orders sold; the rest of the catalogue (``items``: dicts with
    ``product_id``, ``variation_id``, ``sku``, ``name`` from the store) is bound here as a
    merchant linking an existing catalogue would. Returns the bindings to change, ``count`` of
    them, in id order.
    """
    Binding = env["storesync.product.binding"]
    bindings = Binding.search([("store_id", "=", store.id)], order="id")
    known = {(b.external_id, b.variation_id) for b in bindings}
    missing = [
        item for item in items if (str(item["product_id"]), str(item["variation_id"])) not in known
    ][: max(0, count - len(bindings))]
    if missing:
        products = env["product.product"].create(
            [
                {
                    "name": item["name"],
                    "default_code": item["sku"] or False,
                    "type": "consu",
                    "is_storable": True,
                }
                for item in missing
            ]
        )
        bindings |= Binding.create(
            [
                {
                    "store_id": store.id,
                    "external_id": str(item["product_id"]),
                    "variation_id": str(item["variation_id"]),
                    "product_id": product.id,
                }
                for item, product in zip(missing, products, strict=True)
            ]
        )
    bindings = bindings[:count]
    # Services (fees, coupons) never carry stock; imported goods are storable already.
    bindings.product_id.filtered(lambda p: p.type == "consu" and not p.is_storable).write(
        {"is_storable": True}
    )
    # Stock is sent only where the store manages it: these are the products it does. A
    # virtual store product is a service in Odoo: it holds no stock (no quant), so it is left out.
    bindings = bindings.filtered(lambda b: b.product_id.type == "consu")
    bindings.filtered(lambda b: not b.manage_stock).write({"manage_stock": True})
    return bindings


def stock_available(env):
    """Whether the stock export (``storesync.outbox``) exists in this database."""
    return "storesync.outbox" in env and hasattr(env["storesync.outbox"], "_cron_export")


def change_stock(env, store, bindings, quantity_of):
    """An inventory adjustment setting each bound product to ``quantity_of(binding)``."""
    location = store.warehouse_id.lot_stock_id
    quants = (
        env["stock.quant"]
        .with_context(inventory_mode=True)
        .create(
            [
                {
                    "product_id": binding.product_id.id,
                    "location_id": location.id,
                    "inventory_quantity": quantity_of(binding),
                }
                for binding in bindings
            ]
        )
    )
    quants.action_apply_inventory()
    env.flush_all()
    return env["storesync.outbox"].search_count([("store_id", "=", store.id)])


def expected_quantities(env, store, bindings):
    """What the store should show per product: Odoo's own free (or on hand) quantity in the
    store's warehouse, in whole units, never below zero. Confirmed orders reserve goods, so
    the free quantity is below what the adjustment set."""
    field = "free_qty" if store.stock_quantity_mode == "free" else "qty_available"
    products = bindings.product_id.with_context(warehouse_id=store.warehouse_id.id)
    products.invalidate_recordset([field])
    return {product.id: max(int(product[field] // 1), 0) for product in products}


def export_stock(env):
    """One export cron run (sends the outbox in batches)."""
    with QueryCounter() as queries:
        started = time.perf_counter()
        env["storesync.outbox"]._cron_export()
        seconds = time.perf_counter() - started
    return {"export_s": seconds, "queries": queries.count}


# --------------------------------------------------------------------------- webhooks


def webhooks_available(env, store):
    """Whether the webhook controller and the registration action exist."""
    try:
        from odoo.addons.storesync_connector import controllers  # noqa: F401
    except ImportError:
        return False
    return hasattr(store, "action_register_webhooks")


def setup_webhooks(env, store, base_url):
    """Odoo's public URL, then the store's webhooks registered in the emulator.

    The fetch cron's schedule is out of the measurement, so every order arrives by webhook:
    switched off, or, where a delivery only asks the fetch cron to run at once (Shoprenter:
    ``webhook_is_trigger``), kept for those requests with its next scheduled run a day away.
    """
    env["ir.config_parameter"].set_param("web.base.url", base_url)
    env["ir.config_parameter"].set_param("web.base.url.freeze", "True")
    fetch = env.ref("storesync_connector.ir_cron_fetch_orders")
    if store._get_adapter_class().webhook_is_trigger:
        fetch.nextcall = datetime.now() + timedelta(days=1)
    else:
        fetch.active = False
    store.action_register_webhooks()


# --------------------------------------------------------------------------- command line


def _open_env(conf, db):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", conf, "-d", db, "--log-level=warn"])
    odoo.netsvc.init_logger()
    registry = Registry(db)
    cr = registry.cursor()
    return cr, api.Environment(cr, SUPERUSER_ID, {})


def _phase(name, env, args):
    store = env["storesync.store"].browse(args.get("store_id"))
    if name == "setup":
        store = setup_store(
            env,
            args["url"],
            args["key"],
            args["secret"],
            platform=args.get("platform", "woocommerce"),
            shop_name=args.get("shop_name"),
            commit=env.cr.commit,
        )
        if args.get("quotation_only"):
            set_quotation_only(store)
        return {"store_id": store.id}
    if name == "quotation_only":
        set_quotation_only(store)
        return {}
    if name == "import":
        if args.get("quotation_only"):
            set_quotation_only(store)
        marks = watermarks(env)
        env.cr.commit()
        result = run_import(env, store)
        result["marks"] = marks
        result["counts"] = count_new(env, marks)
        result["bound"] = bound_products(env, store)
        if args.get("dump"):
            with open(args["dump"], "w") as out:
                json.dump(dump_end_state(env, marks), out)
        return result
    if name == "baseline":
        with open(args["dump"]) as src:
            dump = json.load(src)
        marks = watermarks(env)
        with QueryCounter() as queries:
            timings = replay_baseline(env, dump)
        env.cr.commit()
        return {**timings, "queries": queries.count, "counts": count_new(env, marks)}
    if name == "preload":
        return preload(env, store, args["orders"])
    if name == "fulfillable":
        return fulfillable(env, store, args["orders"])
    if name == "export":
        if not stock_available(env):
            return {"unavailable": "no storesync.outbox model with _cron_export in this addon"}
        bindings = bind_store_products(env, store, args["items"], args["count"])
        env.cr.commit()
        targets = {(b.external_id, b.variation_id): 5000 + i for i, b in enumerate(bindings)}
        started = time.perf_counter()
        queued = change_stock(
            env, store, bindings, lambda b: targets[(b.external_id, b.variation_id)]
        )
        env.cr.commit()
        changed_at = time.time()
        change_s = time.perf_counter() - started
        result = export_stock(env)
        env.cr.commit()
        expected = expected_quantities(env, store, bindings)
        return {
            **result,
            "change_s": change_s,
            "changed_at": changed_at,
            "queued": queued,
            "set": [[k[0], k[1], q] for k, q in targets.items()],
            "targets": [
                [b.external_id, b.variation_id, expected[b.product_id.id]] for b in bindings
            ],
        }
    if name == "webhook_setup":
        if not webhooks_available(env, store):
            return {"unavailable": "no webhook controller / action_register_webhooks in this addon"}
        setup_webhooks(env, store, args["base_url"])
        return {}
    raise SystemExit(f"unknown phase {name}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="one Odoo-side phase of make bench")
    parser.add_argument("phase")
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--args", default="{}", help="JSON object of phase arguments")
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    options = parser.parse_args(argv)
    args = json.loads(options.args)
    if args.get("args_file"):
        with open(args["args_file"]) as src:
            args.update(json.load(src))
    cr, env = _open_env(options.conf, options.db)
    try:
        result = _phase(options.phase, env, args)
        cr.commit()
    finally:
        cr.close()
    result["rss_mb"] = rss_mb()
    with open(options.out, "w") as out:
        json.dump(result, out, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
