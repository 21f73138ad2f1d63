#!/usr/bin/env python3
"""``make bench``: what syncing costs on top of Odoo, as ratios measured in one run.

Same setup as ``make run`` (``scripts/dev.py``: Odoo source, ``.venv``, PostgreSQL, the template
database), then throwaway databases ``bench_<pid>_*`` copied from one with the addon installed,
and the store emulator on loopback inside this process. Every Odoo phase runs in its own
process (``scripts/bench_odoo.py``), so peak RSS and query counts are per phase:

1. baseline: the import's end state re-created with plain ORM ``create`` batches;
2. import: N orders fetched and processed by the connector's crons, end to end;
3. ratio import/baseline (for confirmed orders and for quotations), requests per 100 orders;
4. scale: the same import with ``--preload`` orders already in the database;
5. steady state: N more orders, every product in them already known, fetched and processed:
   HTTP requests per 100 orders once the catalogue is in;
6. export: K stock changes sent back to the store;
7. webhooks: a burst of orders (20 a second for 10 s), from webhook to committed sales order,
   against Odoo's multi-process server (``--webhook-workers``);
8. 10k: the peak RSS of an import of 10,000 orders, on a database and an emulator of its own;
9. fulfillable: the Fulfillable Orders list opened over 10,000 open store orders (made in SQL
   on a database of its own).

The last line printed is one JSON object with the headline figures (README: Benchmark).
``--platform shoprenter`` runs the same phases against the Shoprenter emulator (HUF, VAT by
rate, OAuth client credentials, 3 requests per second throttled through PostgreSQL).
"""

import argparse
import base64
import binascii
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]
import dev  # noqa: E402  (scripts/dev.py: the setup `make run` uses)

REPO = dev.REPO
KEY, SECRET = "ck_bench", "cs_bench"
SHOP_NAME = "demo"
#: figure -> (comparison, target): what ``targets_met`` checks in the summary
TARGETS = {
    "ratio": (">=", 0.8),
    "quotation_ratio": (">=", 0.8),
    "http_per_100": ("<=", 1.2),
    "http_steady_per_100": ("<=", 1.0),
    "preload_ratio": (">=", 0.9),
    "rss_mb_10k": ("<=", 500),
    "stock_calls": ("<=", "stock_min_calls"),
    "stock_s": ("<=", 60),
    "webhook_max_s": ("<=", 5),
    "fulfillable_10k_s": ("<=", 2.0),
}


JSON_KEYS = (
    "orders",
    "baseline_per_s",
    "import_per_s",
    "ratio",
    "http_per_100",
    "queries_per_order",
    "rss_mb",
    "preload_ratio",
    "stock_products",
    "stock_calls",
    "stock_s",
    "webhook_p50_s",
    "webhook_max_s",
    "platform",
    # added with issue 12 (after the first ones, which other tools read)
    "http_steady_per_100",
    "stock_min_calls",
    "rss_mb_10k",
    # added with issue 14
    "fulfillable_10k_s",
)


def targets_met(summary):
    """Each figure of ``TARGETS`` -> True (met), False (missed) or None (not measured).

    A target may name another figure of the summary (``stock_calls`` <= ``stock_min_calls``).
    """
    met = {}
    for key, (op, target) in TARGETS.items():
        value = summary.get(key)
        if isinstance(target, str):
            target = summary.get(target)
        if value is None or target is None:
            met[key] = None
        else:
            met[key] = value >= target if op == ">=" else value <= target
    return met


def target_text(key, summary=None):
    """A target as the table shows it (``<= 1.0``; ``= 10`` for the stock calls' floor)."""
    op, target = TARGETS[key]
    if isinstance(target, str):
        floor = (summary or {}).get(target)
        return f"= {floor}" if floor is not None else f"= {target}"
    return f"{op} {target:g}"


class WooCommerceProfile:
    """What the bench needs to know of one platform's emulator (WooCommerce here)."""

    name = "woocommerce"
    #: store items per stock-export call (the platform's batch limit)
    batch_size = 100
    minimum_label = "  fewest the API allows (variations per parent)"
    emulator_options: dict = {}

    def setup_args(self, emulator):
        """The ``setup`` phase's arguments: where the store is and its credentials."""
        return {"url": emulator.url, "key": KEY, "secret": SECRET, "platform": self.name}

    def export_items(self, store):
        """Every store item that can carry stock: ``product_id``, ``variation_id``, ``sku``,
        ``name``, as ``bench_odoo.bind_store_products`` takes them (hold ``store.lock``)."""
        return [
            {"product_id": p["id"], "variation_id": 0, "sku": p["sku"], "name": p["name"]}
            for p in store.products.values()
            if p["type"] != "variable"
        ] + [
            {
                "product_id": v["parent_id"],
                "variation_id": v["id"],
                "sku": v["sku"],
                "name": f"{store.products[v['parent_id']]['name']} ({v['id']})",
            }
            for v in store.variations.values()
        ]

    def place_known_orders(self, store, count, bound, rng):
        """Place ``count`` new paid orders drawn by the emulator's own generator (buyers,
        coupons, fees, shipping, variants) from the products in ``bound`` only
        (``[external_id, variation_id]`` pairs the import bound); returns their ids."""
        known = {str(external_id) for external_id, _variation in bound}
        with store.lock:
            gen, catalogue = store.gen, store.gen.products
            gen.products = [p for p in catalogue if str(p["id"]) in known]
            if not gen.products:
                gen.products = catalogue
                raise dev.SetupError("no store product of the import is bound")
            try:
                return store.create_orders(count, status="processing")
            finally:
                gen.products = catalogue

    def stock_of(self, store, product_id, variation_id):
        """The store's quantity of one item (None: no such item)."""
        item = (
            store.variations.get(int(variation_id))
            if variation_id != "0"
            else store.products.get(int(product_id))
        )
        return item.get("stock_quantity") if item else None

    def export_calls(self, writes, log):
        """``(calls, {kind: count})`` of the stock export: ``writes`` are the store's recorded
        non-GET writes, ``log`` the HTTP requests made meanwhile."""
        return len(writes), _count(w["kind"] for w in writes)

    def api_minimum(self, targets):
        # WooCommerce takes simple products 100 a call on products/batch, but variations only
        # through their parent's variations/batch: the fewest calls the API allows.
        endpoints = _count(str(p) if str(v) not in ("0", "") else "" for p, v in targets)
        return sum(-(-n // self.batch_size) for n in endpoints.values())


class ShoprenterProfile(WooCommerceProfile):
    """The Shoprenter emulator: shop name, client id/secret, products keyed by resource id,
    stock in warehouse 1 (``stock1``), writes through ``/batch`` (200 items a call)."""

    name = "shoprenter"
    batch_size = 200
    minimum_label = "  fewest the API allows (200 per /batch)"
    emulator_options = {"shop_name": SHOP_NAME}

    def setup_args(self, emulator):
        return dict(super().setup_args(emulator), shop_name=SHOP_NAME)

    def export_items(self, store):
        return [
            {
                "product_id": store.product_rid(inner),
                "variation_id": 0,
                "sku": p["sku"],
                "name": p["name"],
            }
            for inner, p in store.products.items()
        ]

    def place_known_orders(self, store, count, bound, rng):
        # The store's own generator takes the lines it is given, the rest (buyer, shipping,
        # payment, coupon) it draws: lines as it would draw them, from bound products.
        known = sorted({inner for rid, _v in bound if (inner := _inner_id(rid)) in store.products})
        if not known:
            raise dev.SetupError("no store product of the import is bound")
        ids = []
        for _ in range(count):
            picked = rng.sample(known, min(len(known), rng.randint(1, 4)))
            lines = [{"product_id": p, "quantity": rng.choice([1, 1, 1, 2, 3])} for p in picked]
            ids += store.create_orders(1, status="processing", lines=lines)
        return ids

    def stock_of(self, store, product_id, variation_id):
        inner = _inner_id(product_id)
        item = store.products.get(inner) if inner is not None else None
        return item["stock"][0] if item else None

    def export_calls(self, writes, log):
        # The store records each item of a /batch as a write of its own: count HTTP calls.
        calls = [e for e in log if e["method"] != "GET" and not e["path"].endswith("/app/token")]
        return len(calls), _count(w["kind"] for w in writes)

    def api_minimum(self, targets):
        return -(-len(targets) // self.batch_size)


class CartumProfile(WooCommerceProfile):
    """The Cartum emulator (a UAH shop): admin login and password, products keyed by
    article, stock in the ``office`` warehouse, writes through ``catalog/import`` (50 a
    call). Its API lists orders by creation only: each fetch also reads the open orders again
    by number, which the steady state's requests show (``POST api/orders/get`` beyond the
    listing's pages, at most 3 a fetch)."""

    name = "cartum"
    batch_size = 50
    minimum_label = "  fewest the API allows (50 per catalog/import)"

    def export_items(self, store):
        return [
            {
                "product_id": p["article"],
                "variation_id": 0,
                "sku": p["article"],
                "name": next(iter(p["title"].values())),
            }
            for p in store.products.values()
            if p["stock"] is not None
        ]

    def place_known_orders(self, store, count, bound, rng):
        known = sorted({str(article) for article, _v in bound if store.product_by_article(article)})
        if not known:
            raise dev.SetupError("no store product of the import is bound")
        ids = []
        for _ in range(count):
            picked = rng.sample(known, min(len(known), rng.randint(1, 4)))
            lines = [{"article": a, "quantity": rng.choice([1, 1, 1, 2, 3])} for a in picked]
            ids += store.create_orders(1, status=2, lines=lines)
        return ids

    def stock_of(self, store, product_id, variation_id):
        product = store.product_by_article(str(product_id))
        return product["stock"]["office"] if product and product["stock"] is not None else None

    def export_calls(self, writes, log):
        calls = [e for e in log if e["path"].strip("/") == "api/catalog/import"]
        return len(calls), _count(w["kind"] for w in writes)

    def api_minimum(self, targets):
        return -(-len(targets) // self.batch_size)


PLATFORMS = {
    profile.name: profile
    for profile in (WooCommerceProfile(), ShoprenterProfile(), CartumProfile())
}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000, help="orders to import (2000)")
    parser.add_argument(
        "--products", type=int, default=400, help="products in the emulated store (400)"
    )
    parser.add_argument(
        "--preload", type=int, default=100_000, help="orders already in the database (100000)"
    )
    parser.add_argument("--stock", type=int, default=1000, help="stock changes to export (1000)")
    parser.add_argument(
        "--webhook-rate",
        type=float,
        default=20.0,
        help="orders placed per second in the webhook burst (20)",
    )
    parser.add_argument(
        "--webhook-seconds",
        type=float,
        default=10.0,
        help="how long the webhook burst lasts, in seconds (10)",
    )
    parser.add_argument(
        "--webhook-workers",
        type=int,
        default=2,
        help="Odoo's HTTP worker processes in the webhook burst (2: the multi-process server "
        "of production setups, N workers and 2 cron worker processes; 0: Odoo's threaded "
        "development server, one process for requests and crons)",
    )
    parser.add_argument(
        "--rss-orders",
        type=int,
        default=10_000,
        help="orders of the import whose peak RSS is rss_mb_10k (10000; 0 skips it)",
    )
    parser.add_argument(
        "--fulfillable",
        type=int,
        default=10_000,
        help="open store orders the Fulfillable Orders list is timed over (10000; 0 skips it)",
    )
    parser.add_argument("--seed", type=int, default=1, help="the emulator's data seed (1)")
    parser.add_argument(
        "--platform",
        choices=sorted(PLATFORMS),
        default="woocommerce",
        help="the emulated store's platform (woocommerce)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes: 100 orders, 50 products, 50 stock changes (the 100,000 orders of "
        "the preload, the webhook burst, the 10,000-order import and the 10,000 fulfillable "
        "orders as in a full run, so every figure is measured)",
    )
    parser.add_argument(
        "--http-port",
        type=int,
        default=0,
        help="the webhook phase's Odoo port (default: any free port)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench_<pid>_* databases")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="also write a cProfile of the import phase to FILE (pstats format)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.orders, args.products, args.stock = 100, 50, 50
    for name in ("orders", "products", "webhook_rate", "webhook_seconds"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be above 0")
    for name in ("preload", "stock", "rss_orders", "webhook_workers", "fulfillable"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must not be below 0")
    return args


def webhook_count(args):
    """Orders in the webhook burst: ``--webhook-rate`` a second for ``--webhook-seconds``."""
    return max(1, round(args.webhook_rate * args.webhook_seconds))


# --------------------------------------------------------------------------- plumbing


class Bench:
    """One benchmark run: its databases, its emulator, its Odoo worker processes."""

    def __init__(self, args, odoo_src, pg_env):
        self.args = args
        self.src = odoo_src
        self.pg_env = pg_env
        self.tag = f"bench_{os.getpid()}"
        self.dbs = []
        self.tmp = Path(tempfile.mkdtemp(prefix="storesync-bench-"))
        self.conf = dev.write_config(odoo_src, pg_env, "bench.conf", http_port=0)
        self.results = {}
        self.notes = []
        self.profile = PLATFORMS[getattr(args, "platform", "woocommerce")]

    # ---- databases
    def seed_db(self):
        """A database with the addon installed, kept between runs while the addon is unchanged."""
        template = dev.ensure_template(self.src, self.conf, self.pg_env)
        seed = f"bench_seed_{dev.addon_digest()}"
        existing = dev.run(
            [
                "psql",
                "-d",
                "postgres",
                "-tAc",
                "SELECT datname FROM pg_database WHERE datname LIKE 'bench_seed_%'",
            ],
            env=self.pg_env,
        ).stdout.split()
        for old in existing:
            if old != seed:
                dev.run(["dropdb", "--if-exists", old], check=False, env=self.pg_env)
        if seed in existing:
            dev.info(f"reusing {seed} (addon unchanged)")
            return seed
        dev.step(f"database {seed}: {template} + {dev.ADDON}")
        building = f"{seed}_building"
        dev.run(["dropdb", "--if-exists", building], env=self.pg_env)
        dev.run(["createdb", "-T", template, building], env=self.pg_env)
        dev.odoo_step(
            self.src,
            self.conf,
            self.pg_env,
            ["-d", building, "-i", dev.ADDON],
            "install",
            "bench-install.log",
        )
        dev.run(
            ["psql", "-d", "postgres", "-c", f'ALTER DATABASE "{building}" RENAME TO "{seed}"'],
            env=self.pg_env,
        )
        return seed

    def copy_db(self, source, suffix):
        name = f"{self.tag}_{suffix}"
        dev.run(["dropdb", "--if-exists", name], env=self.pg_env)
        dev.run(["createdb", "-T", source, name], env=self.pg_env)
        self.dbs.append(name)
        return name

    def drop_dbs(self):
        if self.args.keep:
            dev.info(f"kept {', '.join(self.dbs)}")
            return
        for name in self.dbs:
            dev.run(["dropdb", "--if-exists", name], check=False, env=self.pg_env)
            shutil.rmtree(dev.STATE / "data" / "filestore" / name, ignore_errors=True)

    # ---- Odoo workers
    def worker(self, phase, db, profile=None, **args):
        """Run one phase of bench_odoo.py in its own process; return its JSON result."""
        out = self.tmp / f"{phase}-{db}.json"
        args_file = self.tmp / f"{phase}-{db}-args.json"
        args_file.write_text(json.dumps(args))
        cmd = [str(dev.venv_python())]
        if profile:
            cmd += ["-m", "cProfile", "-o", profile]
        cmd += [
            str(REPO / "scripts" / "bench_odoo.py"),
            phase,
            "--conf",
            str(self.conf),
            "--db",
            db,
            "--args",
            json.dumps({"args_file": str(args_file)}),
            "--out",
            str(out),
        ]
        proc = run_json_worker(cmd, self.pg_env, out, f"bench phase {phase} on {db}")
        noisy = [line for line in proc.stderr.splitlines() if " ERROR " in line]
        if noisy:
            print("\n".join(noisy[:10]), flush=True)
        return json.loads(out.read_text())

    def requests_during(self, emulator, fn):
        before = len(emulator.request_log_snapshot())
        result = fn()
        log = emulator.request_log_snapshot()[before:]
        return result, log

    # ---- phases
    def _start_emulator(self, orders):
        """The run's store emulator (its platform, seed, products) with ``orders`` orders."""
        from store_emulator import EmulatorServer

        return EmulatorServer(
            platform=self.profile.name,
            seed=self.args.seed,
            orders=orders,
            products=self.args.products,
            consumer_key=KEY,
            consumer_secret=SECRET,
            port=0,
            **self.profile.emulator_options,
        ).start()

    def run(self):
        a = self.args
        dev.step(
            f"{self.profile.name} store emulator: {a.orders} orders, {a.products} products, "
            f"seed {a.seed}"
        )
        started = time.perf_counter()
        emulator = self._start_emulator(a.orders)
        dev.info(f"{emulator.url}, generated in {time.perf_counter() - started:.1f} s")
        try:
            self._run(emulator)
        finally:
            emulator.stop()
            self.drop_dbs()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _run(self, emulator):
        a, r = self.args, self.results
        seed = self.seed_db()
        ready = self.copy_db(seed, "ready")
        dev.step("registering the emulator as a store (mappings, taxes, pricelist, warehouse)")
        store_id = self.worker("setup", ready, **self.profile.setup_args(emulator))["store_id"]
        imp = self.copy_db(ready, "import")
        base = self.copy_db(ready, "baseline")
        quot = self.copy_db(ready, "quotations")
        scale = self.copy_db(ready, "preload") if a.preload else None
        # Copied now: another checkout's bench on the same PostgreSQL drops a seed database
        # of a different addon digest when it starts.
        large = self.copy_db(seed, "large") if a.rss_orders else None
        fulfil = self.copy_db(ready, "fulfillable") if a.fulfillable else None

        dev.step(f"import: {a.orders} orders, fetch + process crons")
        dump = self.tmp / "end-state.json"
        r["import"], log = self.requests_during(
            emulator,
            lambda: self.worker(
                "import", imp, profile=a.profile, store_id=store_id, dump=str(dump)
            ),
        )
        r["import"]["http"] = len(log)
        r["import"]["http_paths"] = _paths(log)
        self._show_import("import", r["import"])

        dev.step("baseline: the same end state through plain ORM create batches")
        r["baseline"] = self.worker("baseline", base, dump=str(dump))
        dev.info(
            f"{r['baseline']['total_s']:.1f} s (catalog {r['baseline']['catalog_s']:.1f}, "
            f"contacts {r['baseline']['partners_s']:.1f}, orders {r['baseline']['orders_s']:.1f}, "
            f"confirm {r['baseline']['confirm_s']:.1f}, cancel+notes "
            f"{r['baseline']['cancel_notes_s']:.1f})"
        )

        dev.step("import as quotations only (no confirmation)")
        r["quotations"], log = self.requests_during(
            emulator,
            lambda: self.worker("import", quot, store_id=store_id, quotation_only=True),
        )
        self._show_import("quotations", r["quotations"])

        if scale:
            self._optional("scale", lambda: self.scale_phase(emulator, scale, store_id))
        # After every import of the seeded history: the new orders would be in theirs.
        self._optional(
            "steady",
            lambda: self.steady_phase(emulator, imp, store_id, r["import"].get("bound", [])),
        )
        self._optional("export", lambda: self.export_phase(emulator, imp, store_id))
        self._optional("webhooks", lambda: self.webhook_phase(emulator, imp, store_id))
        if fulfil:
            self._optional("fulfillable", lambda: self.fulfillable_phase(fulfil, store_id))
        if large:
            self._optional("large", lambda: self.large_phase(large))
        self.report()

    def _optional(self, name, phase):
        """Run a phase after the import; if it fails, report what was measured anyway."""
        try:
            phase()
        except dev.SetupError as exc:
            reason = str(exc).strip().splitlines()
            print(str(exc)[-3000:], flush=True)
            self.results.pop(name, None)
            self.results[name] = {"unavailable": f"failed ({reason[-1][:150]})"}
            self.notes.append(f"{name}: failed, see the output above")

    def scale_phase(self, emulator, db, store_id):
        a, r = self.args, self.results
        dev.step(f"preload: {a.preload} orders through batched SQL")
        r["preload"] = self.worker("preload", db, store_id=store_id, orders=a.preload)
        dev.info(
            f"{r['preload']['orders']} orders, {r['preload']['partners']} contacts, "
            f"{r['preload']['products']} products in {r['preload']['seconds']:.1f} s"
        )
        dev.step(f"import with {a.preload} orders already in the database")
        r["scale"], _log = self.requests_during(
            emulator, lambda: self.worker("import", db, store_id=store_id)
        )
        self._show_import("scale", r["scale"])

    def steady_phase(self, emulator, db, store_id, bound):
        """N new orders of products the import bound: the fetch should only list orders."""
        a, r = self.args, self.results
        dev.step(f"steady state: {a.orders} new orders of known products, fetch + process")
        ids = self.profile.place_known_orders(
            emulator.store, a.orders, bound, random.Random(a.seed)
        )
        result, log = self.requests_during(
            emulator, lambda: self.worker("import", db, store_id=store_id)
        )
        result["placed"] = len(ids)
        result["http"] = len(log)
        result["http_paths"] = _paths(log)
        r["steady"] = result
        self._show_import("steady", result)
        dev.info(f"{len(log)} requests for {len(ids)} orders: {result['http_paths']}")
        if result.get("reread", {}).get("orders"):
            dev.info(
                f"of which open orders read again by number: {result['reread']['orders']} "
                f"in {result['reread']['requests']} requests"
            )

    def large_phase(self, db):
        """Peak RSS of the import process at ``--rss-orders`` (10,000) orders: an emulator
        generating that history and a database of their own (``db``: the addon installed, no
        store yet), then one import worker."""
        a, r = self.args, self.results
        dev.step(f"10k: {a.rss_orders} orders, {a.products} products, a store of their own")
        started = time.perf_counter()
        emulator = self._start_emulator(a.rss_orders)
        try:
            dev.info(f"{emulator.url}, generated in {time.perf_counter() - started:.1f} s")
            store_id = self.worker("setup", db, **self.profile.setup_args(emulator))["store_id"]
            result, log = self.requests_during(
                emulator, lambda: self.worker("import", db, store_id=store_id)
            )
        finally:
            emulator.stop()
        result["fetched"] = a.rss_orders
        result["http"] = len(log)
        r["large"] = result
        self._show_import("10k", result)

    def fulfillable_phase(self, db, store_id):
        """The Fulfillable Orders list over ``--fulfillable`` open store orders: opened (first
        page and count), grouped by store and fulfillable, filtered on not fulfillable."""
        a, r = self.args, self.results
        dev.step(f"fulfillable: {a.fulfillable} open store orders (SQL), list opened")
        result = self.worker("fulfillable", db, store_id=store_id, orders=a.fulfillable)
        r["fulfillable"] = result
        dev.info(
            f"{result['listed']} listed ({result['fulfillable']} fulfillable): opened in "
            f"{result['list_s']:.2f} s, grouped {result['group_s']:.2f} s, "
            f"filtered {result['filter_s']:.2f} s"
        )

    def _show_import(self, name, result):
        dev.info(
            f"{result['orders']} sales orders in {result['total_s']:.1f} s (fetch "
            f"{result['fetch_s']:.1f}, process {result['process_s']:.1f}), "
            f"{result['queries']} queries, peak RSS {result['rss_mb']} MB"
        )
        dev.info(f"sync log rows: {result['rows']}")
        for error in result["errors"]:
            dev.info(f"ERROR ROW: {error[:300]}")
            self.notes.append(f"{name}: error rows, e.g. {error[:200]}")

    def export_phase(self, emulator, db, store_id):
        a, r = self.args, self.results
        dev.step(f"export: {a.stock} stock changes")
        store = emulator.store
        with store.lock:
            items = self.profile.export_items(store)
        count = min(a.stock, len(items))
        if count < a.stock:
            self.notes.append(f"export: the store has {len(items)} products, {count} changed")
        received = len(store.received)
        result, log = self.requests_during(
            emulator, lambda: self.worker("export", db, store_id=store_id, items=items, count=count)
        )
        if result.get("unavailable"):
            r["export"] = result
            dev.info(f"not available: {result['unavailable']}")
            return
        # The export cron ran to its end inside the worker: what it sent is in the store now,
        # else give the store up to 60 s (an export that would finish later).
        targets = {(str(p), str(v)): q for p, v, q in result["targets"]}
        deadline = time.time() + 60
        while True:
            wrong = self._stock_mismatches(store, targets, self.profile.name)
            if not wrong or time.time() > deadline:
                break
            time.sleep(0.1)
        result["stock_s"] = time.time() - result["changed_at"]
        result["wrong"] = len(wrong)
        writes = [w for w in store.received[received:] if w["method"] != "GET"]
        result["calls"], result["call_kinds"] = self.profile.export_calls(writes, log)
        result["http"] = len(log)
        result["products"] = count
        result["api_minimum"] = self.profile.api_minimum(targets)
        r["export"] = result
        dev.info(
            f"{count} products: {result['queued']} outbox rows, inventory {result['change_s']:.1f}"
            f" s, export {result['export_s']:.1f} s in {result['calls']} calls "
            f"{result['call_kinds']}, store right after {result['stock_s']:.1f} s"
            + (f", {len(wrong)} STILL WRONG" if wrong else "")
        )

    @staticmethod
    def _stock_mismatches(store, targets, platform="woocommerce"):
        profile = PLATFORMS[platform]
        wrong = []
        with store.lock:
            for (product_id, variation_id), quantity in targets.items():
                if profile.stock_of(store, product_id, variation_id) != quantity:
                    wrong.append((product_id, variation_id))
        return wrong

    def webhook_phase(self, emulator, db, store_id):
        a, r = self.args, self.results
        dev.step(
            f"webhooks: {webhook_count(a)} orders, {a.webhook_rate:g} a second for "
            f"{a.webhook_seconds:g} s"
            + (f", Odoo with {a.webhook_workers} HTTP workers" if a.webhook_workers else "")
        )
        port = a.http_port or _free_port()
        url = f"http://127.0.0.1:{port}"
        setup = self.worker("webhook_setup", db, store_id=store_id, base_url=url)
        if setup.get("unavailable"):
            r["webhooks"] = setup
            dev.info(f"not available: {setup['unavailable']}")
            return
        log = dev.STATE / "bench-http.log"
        log.unlink(missing_ok=True)
        conf = dev.write_config(
            self.src,
            self.pg_env,
            "bench-http.conf",
            http_port=port,
            dbfilter=f"^{db}$",
            log_file=log,
        )
        # Odoo's default of two cron threads (or cron worker processes with --workers):
        # fetch and export do not wait for the processing.
        workers = [f"--workers={a.webhook_workers}"] if a.webhook_workers else []
        server = subprocess.Popen(
            dev.odoo_cmd(
                self.src, conf, "-d", db, "--max-cron-threads=2", "--log-level=warn", *workers
            ),
            env=self.pg_env,
            cwd=REPO,
        )
        try:
            if not dev.wait_http(f"{url}/web/health", 120, server):
                raise dev.SetupError(f"Odoo did not start for the webhook test, see {log}")
            r["webhooks"] = self._time_webhooks(emulator, db, a.webhook_rate, a.webhook_seconds)
        finally:
            # What Odoo logs once told to stop (a cron job cut off mid-way: "cursor already
            # closed") is the stop, not the burst: only the log up to here is looked at.
            measured = log.stat().st_size if log.exists() else 0
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=20)
            if server.poll() is None:
                server.kill()
        result = r["webhooks"]
        if measured:
            with log.open("rb") as src:
                text = src.read(measured).decode(errors="replace")
            errors = [line for line in text.splitlines() if " ERROR " in line]
            if errors:
                dev.info(f"Odoo logged {len(errors)} errors (see {log}), e.g. {errors[0][:300]}")
                self.notes.append(f"webhooks: Odoo logged {len(errors)} errors, see {log}")
        dev.info(
            f"{result['committed']}/{result['sent']} committed (placed in {result['placed_s']} s),"
            f" median {result['p50_s']} s, max {result['max_s']} s"
        )

    def _time_webhooks(self, emulator, db, rate, seconds, timeout=None):
        """Place orders in a burst, ``rate`` a second for ``seconds`` (each at its own moment
        on the schedule, not after the one before); time each from its placement to its
        committed sales order. ``timeout``: how long after the burst the last may take
        (default 60 s plus one second per order).

        One warm-up order goes first and is not counted: a freshly started Odoo's cron thread
        runs every job that is due on its first wake-up (mail, procurement scheduler...), which
        a server that has been running does not do at each webhook.
        """
        import psycopg2

        conn = psycopg2.connect(dbname=db, **_pg_kwargs(self.pg_env))
        conn.autocommit = True

        def committed(ids):
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT storesync_external_id FROM sale_order "
                    "WHERE storesync_external_id = ANY(%s)",
                    [list(ids)],
                )
                return {row[0] for row in cur.fetchall()}

        try:
            # "processing" (paid): an order the mapping imports and confirms; a random status
            # could be "failed", which is rightly never imported.
            warm = {str(oid) for oid in emulator.store.create_orders(1, status="processing")}
            deadline = time.time() + 120
            while not committed(warm) and time.time() < deadline:
                time.sleep(0.1)
            warm_ok = bool(committed(warm))
            sent, seen = {}, {}
            stop = threading.Event()

            def poll():
                while True:
                    last_round = stop.is_set()
                    # (a copy: the burst adds to ``sent`` meanwhile)
                    waiting = [oid for oid in list(sent) if oid not in seen]
                    if waiting:
                        now = time.time()
                        for oid in committed(waiting):
                            seen.setdefault(oid, now)
                    if last_round:
                        return
                    time.sleep(0.05)

            poller = threading.Thread(target=poll, daemon=True)
            poller.start()
            count = max(1, round(rate * seconds))
            started = time.time()
            for index in range(count):
                # On schedule: a placement that ran late is not made up for by the next.
                delay = started + index / rate - time.time()
                if delay > 0:
                    time.sleep(delay)
                at = time.time()
                for oid in emulator.store.create_orders(1, status="processing"):
                    sent[str(oid)] = at
            placed_s = time.time() - started
            deadline = time.time() + (60 + count if timeout is None else timeout)
            while len(seen) < len(sent) and time.time() < deadline:
                time.sleep(0.1)
            stop.set()
            poller.join(5)
        finally:
            conn.close()
        latencies = sorted(seen[oid] - sent[oid] for oid in seen)
        with emulator.store.lock:
            deliveries = list(emulator.store.webhook_deliveries)
        return {
            "warm_up_ok": warm_ok,
            "rate": rate,
            "placed_s": round(placed_s, 2),
            "sent": len(sent),
            "committed": len(seen),
            "deliveries": len(deliveries),
            "delivery_errors": sum(
                1 for d in deliveries if not str(d.get("status", "")).startswith("2")
            ),
            "p50_s": round(statistics.median(latencies), 2) if latencies else None,
            "max_s": round(latencies[-1], 2) if latencies and len(seen) == len(sent) else None,
            "latencies": [round(x, 3) for x in latencies],
        }

    # ---- output
    def summary(self):
        a, r = self.args, self.results
        imp, base, quot = r["import"], r["baseline"], r["quotations"]
        n = a.orders
        import_per_s = n / imp["total_s"]
        baseline_per_s = n / base["total_s"]
        baseline_quot_s = base["total_s"] - base["confirm_s"]
        scale = r.get("scale") if "total_s" in r.get("scale", {}) else None
        export = r.get("export") or {}
        hooks = r.get("webhooks") or {}
        steady = r.get("steady") if "http" in r.get("steady", {}) else None
        large = r.get("large") if "rss_mb" in r.get("large", {}) else None
        fulfil = r.get("fulfillable") if "list_s" in r.get("fulfillable", {}) else None
        return {
            "orders": n,
            "baseline_per_s": round(baseline_per_s, 1),
            "import_per_s": round(import_per_s, 1),
            "ratio": round(import_per_s / baseline_per_s, 2),
            "quotation_baseline_per_s": round(n / baseline_quot_s, 1),
            "quotation_import_per_s": round(n / quot["total_s"], 1),
            "quotation_ratio": round(baseline_quot_s / quot["total_s"], 2),
            "http_per_100": round(imp["http"] * 100 / n, 2),
            "http_steady_per_100": (
                round(steady["http"] * 100 / steady["placed"], 2) if steady else None
            ),
            "queries_per_order": round(imp["queries"] / n, 1),
            "baseline_queries_per_order": round(base["queries"] / n, 1),
            "rss_mb": imp["rss_mb"],
            "baseline_rss_mb": base["rss_mb"],
            "rss_orders": a.rss_orders if large else None,
            "rss_mb_10k": large["rss_mb"] if large else None,
            "import_10k_s": round(large["total_s"], 1) if large else None,
            "preload": a.preload,
            "preload_ratio": (round((n / scale["total_s"]) / import_per_s, 2) if scale else None),
            "stock_products": export.get("products"),
            "stock_calls": export.get("calls"),
            "stock_min_calls": export.get("api_minimum"),
            "stock_s": round(export["stock_s"], 2) if "stock_s" in export else None,
            "webhook_p50_s": hooks.get("p50_s"),
            "webhook_max_s": hooks.get("max_s"),
            "platform": self.profile.name,
            "fulfillable_orders": fulfil["listed"] if fulfil else None,
            "fulfillable_10k_s": round(fulfil["list_s"], 2) if fulfil else None,
            "fulfillable_group_s": round(fulfil["group_s"], 2) if fulfil else None,
        }

    def rows(self, s):
        """The table's rows: (figure, value, target, met/MISSED/n/a)."""
        a, r = self.args, self.results
        imp = r["import"]
        met_of = targets_met(s)

        def met(key):
            ok = met_of[key]
            return "n/a" if ok is None else ("met" if ok else "MISSED")

        def target(key):
            return target_text(key, s)

        rows = [
            ("baseline (ORM create batches), orders/s", s["baseline_per_s"], "", ""),
            ("import (fetch + process), orders/s", s["import_per_s"], "", ""),
            ("ratio import / baseline", s["ratio"], target("ratio"), met("ratio")),
            ("  quotations only: baseline orders/s", s["quotation_baseline_per_s"], "", ""),
            ("  quotations only: import orders/s", s["quotation_import_per_s"], "", ""),
            (
                "  quotations only: ratio",
                s["quotation_ratio"],
                target("quotation_ratio"),
                met("quotation_ratio"),
            ),
            ("HTTP requests (import)", imp["http"], "", ""),
            (
                "HTTP requests per 100 orders",
                s["http_per_100"],
                target("http_per_100"),
                met("http_per_100"),
            ),
        ]
        steady = r.get("steady") or {}
        if steady.get("unavailable") or s["http_steady_per_100"] is None:
            rows.append(
                (
                    "steady state HTTP per 100 orders",
                    steady.get("unavailable", "not run"),
                    "",
                    "n/a",
                )
            )
        else:
            rows.append(
                (
                    f"steady state HTTP per 100 orders ({steady['placed']} orders)",
                    s["http_steady_per_100"],
                    target("http_steady_per_100"),
                    met("http_steady_per_100"),
                )
            )
            reread = steady.get("reread") or {}
            if reread.get("orders"):
                # A listing by creation (Cartum): each fetch also reads open orders again.
                rows.append(
                    (
                        f"  of them: open orders read again ({reread['orders']} orders)",
                        reread["requests"],
                        "",
                        "",
                    )
                )
        rows += [
            ("SQL queries per order (import)", s["queries_per_order"], "", ""),
            ("SQL queries per order (baseline)", s["baseline_queries_per_order"], "", ""),
            (f"peak RSS import process, MB ({a.orders} orders)", s["rss_mb"], "", ""),
            ("peak RSS baseline process, MB", s["baseline_rss_mb"], "", ""),
        ]
        large = r.get("large") or {}
        if large.get("unavailable") or s["rss_mb_10k"] is None:
            rows.append(
                ("peak RSS import, 10k orders", large.get("unavailable", "not run"), "", "n/a")
            )
        else:
            rows += [
                (
                    f"peak RSS import process, MB ({s['rss_orders']} orders)",
                    s["rss_mb_10k"],
                    target("rss_mb_10k"),
                    met("rss_mb_10k"),
                ),
                (
                    f"  that import, s ({large['orders']} sales orders)",
                    s["import_10k_s"],
                    "",
                    "",
                ),
            ]
        fulfil = r.get("fulfillable") or {}
        if fulfil.get("unavailable") or s["fulfillable_10k_s"] is None:
            rows.append(
                (
                    "fulfillable list opened, s",
                    fulfil.get("unavailable", "not run"),
                    target("fulfillable_10k_s"),
                    "n/a",
                )
            )
        else:
            rows += [
                (
                    f"fulfillable list opened, s ({s['fulfillable_orders']} open orders)",
                    s["fulfillable_10k_s"],
                    target("fulfillable_10k_s"),
                    met("fulfillable_10k_s"),
                ),
                ("  grouped by store and fulfillable, s", s["fulfillable_group_s"], "", ""),
            ]
        if r.get("scale", {}).get("unavailable"):
            rows.append(
                ("preload ratio", r["scale"]["unavailable"], target("preload_ratio"), "n/a")
            )
        elif s["preload_ratio"] is None:
            rows.append(("preload ratio", "not run", target("preload_ratio"), "n/a (--preload 0)"))
        else:
            rows.append(
                (
                    f"preload ratio ({a.preload} orders in the database)",
                    s["preload_ratio"],
                    target("preload_ratio"),
                    met("preload_ratio"),
                )
            )
        export = r.get("export") or {}
        if export.get("unavailable") or not export:
            rows.append(("stock export", f"not available: {export.get('unavailable')}", "", "n/a"))
        else:
            rows += [
                ("stock changes (products)", s["stock_products"], "", ""),
                ("stock export calls", s["stock_calls"], target("stock_calls"), met("stock_calls")),
                (self.profile.minimum_label, s["stock_min_calls"], "", ""),
                (
                    "seconds until the store is right",
                    s["stock_s"],
                    target("stock_s"),
                    "MISSED" if export["wrong"] else met("stock_s"),
                ),
            ]
        hooks = r.get("webhooks") or {}
        if hooks.get("unavailable") or not hooks:
            rows.append(("webhooks", f"not available: {hooks.get('unavailable')}", "", "n/a"))
        else:
            rows += [
                (
                    f"webhook -> order, median s ({hooks['committed']}/{hooks['sent']}, "
                    f"{hooks['rate']:g}/s)",
                    s["webhook_p50_s"],
                    "",
                    "",
                ),
                (
                    "webhook -> order, max s",
                    s["webhook_max_s"],
                    target("webhook_max_s"),
                    # Orders never committed: the burst missed, whatever the others took.
                    met("webhook_max_s") if hooks["committed"] == hooks["sent"] else "MISSED",
                ),
            ]
        return rows

    def report(self):
        a, r = self.args, self.results
        s = self.summary()
        imp, base = r["import"], r["baseline"]
        rows = self.rows(s)
        width = max(len(row[0]) for row in rows)
        print(f"\n{'':=<{width + 40}}")
        print(
            f"storesync bench ({self.profile.name}): {a.orders} orders, {a.products} products, "
            f"seed {a.seed}, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs"
        )
        print(f"{'':-<{width + 40}}")
        for name, value, target, status in rows:
            print(f"{name:<{width}}  {value!s:>10}  {target:<20} {status}")
        print(f"{'':-<{width + 40}}")
        print("end state, new records (import / baseline):")
        for model, count in imp["counts"].items():
            if model.startswith("storesync."):
                continue
            other = base["counts"].get(model)
            mark = "" if other == count else "   <-- differs"
            print(f"  {model:<28} {count:>8} {other!s:>8}{mark}")
        print(
            "  connector bookkeeping (import only): "
            + ", ".join(f"{m} {c}" for m, c in imp["counts"].items() if m.startswith("storesync."))
        )
        print(f"import requests: {imp['http_paths']}")
        if r.get("steady", {}).get("http_paths") is not None:
            print(f"steady state requests: {r['steady']['http_paths']}")
        for note in self.notes:
            print(f"note: {note}")
        print(f"{'':=<{width + 40}}")
        print(json.dumps({key: s[key] for key in JSON_KEYS}), flush=True)


def run_json_worker(cmd, env, out, what):
    """Run an Odoo-side script that writes its result to ``out``; raise with the tail of its
    output when it fails. Returns the finished process."""
    proc = subprocess.run(cmd, env=env, cwd=REPO, text=True, capture_output=True)
    if proc.returncode or not out.exists():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise dev.SetupError(f"{what} failed:\n{tail}")
    return proc


def _paths(log):
    """Requests by method and path without ids (e.g. ``GET orders``: 20; Shoprenter's
    ``GET orderExtend``, ``POST <shop>/app/token``)."""
    counts = {}
    for entry in log:
        path = entry["path"].split("?", 1)[0]
        for api in ("/wc/v3/", "/api/"):
            if api in path:
                path = path.split(api, 1)[1]
                break
        path = "/".join(
            "<id>" if part.isdigit() or _inner_id(part) is not None else part
            for part in path.strip("/").split("/")
        )
        key = f"{entry['method']} {path}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def _inner_id(resource_id):
    """The innerId in a Shoprenter resource id (base64 of ``product-product_id=12``), or None."""
    try:
        text = base64.b64decode(str(resource_id), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    _key, equals, inner = text.rpartition("=")
    return int(inner) if equals and "-" in _key and inner.isdigit() else None


def _count(values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_kwargs(env):
    kwargs = {"user": env.get("PGUSER")}
    for key, name in (("PGHOST", "host"), ("PGPORT", "port"), ("PGPASSWORD", "password")):
        if env.get(key):
            kwargs[name] = env[key]
    return kwargs


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        odoo_src = dev.odoo_source_in_venv(__file__, argv)
        pg_env = dev.ensure_postgres()
        Bench(args, odoo_src, pg_env).run()
    except dev.SetupError as exc:
        print(f"\nERROR: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
