#!/usr/bin/env python3
"""``make reliability``: no order lost or duplicated, bad input only ever an error row, proved
against real Odoo servers and the store emulators, with figures.

Same setup as ``make run`` (``scripts/dev.py``), then one throwaway database ``rel_<pid>``
copied from the bench's (the addon installed), the store emulators inside this process and
``odoo-bin`` servers with HTTP workers and a cron worker each, all on loopback. For every
platform that has an adapter, each scenario has a store (and an emulator) of its own:

1. faulty store: the whole history fetched while the store answers 10 % 429 (Retry-After),
   5 % 5xx, 2 % no answer and 1 % malformed JSON; 1 % of its orders are broken themselves;
2. killed server: ``kill -9`` of the whole server at random moments of an import, restarted;
3. two servers, one database: both with workers and crons, webhooks delivered to both;
4. webhook storm: orders placed and changed at a steady rate while earlier deliveries are
   sent again, in random order (repeats, updates out of order);
5. stores down: one reachable store per platform among unreachable ones (connection refused,
   or accepted and never answered), by the cron's own clock; then one comes back;
6. hostile input: every mapper fuzzed with hypothesis (``tests/fuzz_payloads.py``), and
   forged, oversized and non-JSON webhooks sent to the server;
7. access: over JSON-RPC, as a Store Sync user (no secrets) and as a user of another company
   (none of the first company's stores, orders, contacts or sync rows).

Figures come from the database (orders per store and external id, totals against the
store's, the sync log) and the emulators (what they hold, what they delivered). The last line
printed is one JSON object (README: Reliability); ``docs/RELIABILITY.md`` explains each figure.
"""

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

sys.path[:0] = [
    str(Path(__file__).resolve().parent),
    str(Path(__file__).resolve().parent.parent),
    str(Path(__file__).resolve().parent.parent / "tests"),
]
import bench  # noqa: E402  (the bench's databases and platform profiles)
import dev  # noqa: E402  (scripts/dev.py: the setup `make run` uses)

REPO = dev.REPO
KEY, SECRET = bench.KEY, bench.SECRET
CRONS = {
    "fetch": "ir_cron_fetch_orders",
    "process": "ir_cron_process_inbox",
    "export": "ir_cron_export_outbox",
}
#: Odoo's default real-time limit of a request or cron run, seconds (``limit_time_real``)
TIME_LIMIT = 120
SCENARIOS = ["faulty", "killed", "pair", "storm", "down", "hostile", "access"]
SIZES = {
    # orders per store, products, kills, storm deliveries and seconds, stores in the "down"
    # scenario, fuzz examples per mapper, seconds a scenario may take to settle
    "quick": {
        "orders": 30,
        "products": 30,
        "kills": 2,
        "storm": 100,
        "storm_s": 10,
        "down": 6,
        "ticks": 2,
        "fuzz": 60,
        "settle": 150,
    },
    "full": {
        "orders": 1000,
        "products": 200,
        "kills": 5,
        "storm": 500,
        "storm_s": 20,
        "down": 20,
        "ticks": 3,
        "fuzz": 1000,
        "settle": 900,
    },
}
#: figures that must be 0 for the run to succeed (its exit status)
CORRECTNESS = (
    "lost",
    "duplicated",
    "wrong_totals",
    "stale",
    "stuck_rows",
    "fuzz_failures",
    "access_failures",
)
FAULTS = ["429"] * 10 + ["500", "502", "503", "502", "503"] + ["hang"] * 2 + ["malformed"]
FAULT_RATE = 0.18  # 10 % 429, 5 % 5xx, 2 % no answer, 1 % malformed


#: the platforms whose stores the scenarios know how to break, place orders in and change
#: (``Profile``); Cartum's bench profile exists, its scenarios do not yet
PLATFORMS = ("shoprenter", "woocommerce")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (inside make test)")
    parser.add_argument("--orders", type=int, help="orders per scenario store")
    parser.add_argument("--kills", type=int, help="kill -9 of the server during the import")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the run (7)")
    parser.add_argument(
        "--platform",
        action="append",
        dest="only",
        choices=sorted(PLATFORMS),
        help="only this platform (repeatable; default: every platform the scenarios know)",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        dest="scenarios",
        choices=SCENARIOS,
        help="only this scenario (repeatable; default: all of them, in order)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the rel_<pid> database")
    args = parser.parse_args(argv)
    size = dict(SIZES["quick" if args.quick else "full"])
    size["orders"] = args.orders or size["orders"]
    size["kills"] = args.kills if args.kills is not None else size["kills"]
    args.size = size
    args.platforms = args.only or sorted(PLATFORMS)
    return args


# --------------------------------------------------------------------------- plumbing


def _adapter_class(platform):
    import bare_addon  # noqa: F401  (the addon's pure packages without Odoo)

    from storesync_connector.adapters import get_adapter_class

    return get_adapter_class(platform)


class Profile:
    """What a scenario needs of one platform's emulator, beyond the bench's profile."""

    def __init__(self, platform):
        self.name = platform
        self.bench = bench.PLATFORMS[platform]
        self.adapter = _adapter_class(platform)

    def render(self, store, order):
        """An order as the store's API lists it for the import."""
        if self.name == "shoprenter":
            return store.order_json(order, extend=True)
        return store.order_json(order)

    def listed(self, order):
        """Whether the order is listed at all (Shoprenter: abandoned carts are not)."""
        return self.name != "shoprenter" or bool(order["status"])

    def truth(self, emulator):
        """``{external id: (store status, total)}`` of every listed order, as the store says."""
        store = emulator.store
        with store.lock:
            payloads = [self.render(store, o) for o in store.orders.values() if self.listed(o)]
        out = {}
        for payload in payloads:
            about = self.adapter.describe_order(payload)
            if about:
                out[about["external_id"]] = (about.get("status"), payload.get("total"))
        return out

    def break_order(self, emulator, order_id):
        """Serve the order with an unreadable total, as a broken shop extension would."""
        if self.name == "shoprenter":
            # Shoprenter's total is the TOTAL row of orderTotals (the top-level one a fallback).
            emulator.store.override_order(
                order_id, orderTotals=[{"name": "Összesen", "type": "TOTAL", "value": "n/a"}]
            )
        else:
            emulator.store.override_order(order_id, total="12,50 (n/a)")

    def place(self, emulator, count=1):
        """New orders, placed now by shoppers; their ids."""
        if self.name == "shoprenter":
            return emulator.store.create_orders(count, status=2)
        return emulator.store.create_orders(count, status="processing")

    def change(self, emulator, order_id, rng):
        """A shop manager moves an order on to another status."""
        if self.name == "shoprenter":
            emulator.store.modify_order(order_id, status=rng.choice([2, 3, 4, 5]))
        else:
            emulator.store.modify_order(
                order_id, status=rng.choice(["processing", "on-hold", "completed", "cancelled"])
            )

    def unreachable_credentials(self):
        return {"key": KEY, "secret": SECRET, "shop_name": bench.SHOP_NAME}


class Server:
    """One ``odoo-bin`` with HTTP workers and a cron worker, in a process group of its own
    (``kill -9`` takes the whole server: master, workers and their children)."""

    def __init__(self, suite, name, port):
        self.suite, self.name, self.port = suite, name, port
        self.url = f"http://127.0.0.1:{port}"
        self.log = suite.tmp / f"odoo-{name}.log"
        self.proc = None
        self.starts = 0

    def start(self):
        conf = dev.write_config(
            self.suite.src,
            self.suite.pg_env,
            f"reliability-{self.name}.conf",
            http_port=self.port,
            dbfilter=f"^{self.suite.db}$",
            log_file=self.log,
        )
        cmd = dev.odoo_cmd(
            self.suite.src,
            conf,
            "-d",
            self.suite.db,
            "--workers=2",
            "--max-cron-threads=2",
            f"--gevent-port={bench._free_port()}",
            f"--limit-time-real={TIME_LIMIT}",
            "--limit-time-cpu=600",
            "--log-level=info",
        )
        self.proc = subprocess.Popen(cmd, env=self.suite.odoo_env, cwd=REPO, start_new_session=True)
        self.starts += 1
        if not dev.wait_http(f"{self.url}/web/health", 180, self.proc):
            raise dev.SetupError(f"Odoo server {self.name} did not start, see {self.log}")
        return self

    def kill(self):
        """``kill -9`` of the whole server, as the OOM killer or a power cut would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_lines(self):
        return self.log.read_text(errors="replace").splitlines() if self.log.exists() else []


class Blackhole:
    """A port that accepts connections and never answers (a store whose PHP hangs)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


class Suite(bench.Bench):
    """One reliability run: its database, emulators, Odoo servers and figures."""

    def __init__(self, args, odoo_src, pg_env):
        super().__init__(args, odoo_src, pg_env)
        self.tag = f"rel_{os.getpid()}"
        self.tmp = Path(tempfile.mkdtemp(prefix="storesync-reliability-"))
        self.rng = random.Random(args.seed)
        self.size = args.size
        self.profiles = {p: Profile(p) for p in args.platforms}
        self.emulators = {}  # (scenario, platform) -> EmulatorServer
        self.stores = {}  # (scenario, platform) or key name -> store id
        self.servers = []
        self.rows = []  # (scenario, platform, figure, value, ok)
        self.figures = {
            "orders": 0,
            "lost": 0,
            "duplicated": 0,
            "wrong_totals": 0,
            "stale": 0,
            "error_rows_expected": 0,
            "error_rows": 0,
            "kills": 0,
            "stuck_rows": 0,
            "webhook_deliveries": 0,
            "webhook_max_s": 0.0,
            "down_order_max_s": None,
            "down_stock_max_s": None,
            "down_cron_max_s": None,
            "time_limit_hits": 0,
            "recovered": None,
            "fuzz_examples": 0,
            "fuzz_failures": 0,
            "access_checks": 0,
            "access_failures": 0,
        }
        bin_dir = str(dev.venv_python().parent)
        # Odoo re-executes "python" from PATH when it restarts itself: the venv's.
        self.odoo_env = dict(pg_env, PATH=f"{bin_dir}{os.pathsep}{pg_env.get('PATH', '')}")
        self.conn = None
        self.db = None

    # ---- database access (autocommit, read-mostly)
    def sql(self, query, params=(), db=None):
        import psycopg2

        if db:
            conn = psycopg2.connect(dbname=db, **bench._pg_kwargs(self.pg_env))
            conn.autocommit = True
            try:
                with conn.cursor() as cur:
                    cur.execute(query, params)
                    return cur.fetchall() if cur.description else []
            finally:
                conn.close()
        if self.conn is None or self.conn.closed:
            self.conn = psycopg2.connect(dbname=self.db, **bench._pg_kwargs(self.pg_env))
            self.conn.autocommit = True
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else []

    def trigger(self, *crons):
        """Ask the cron workers to run these jobs now, as ``ir.cron._trigger`` does."""
        for name in crons:
            self.sql(
                "INSERT INTO ir_cron_trigger (cron_id, call_at) SELECT res_id, "
                "(now() AT TIME ZONE 'UTC') FROM ir_model_data "
                "WHERE module = 'storesync_connector' AND name = %s",
                [CRONS[name]],
            )
        self.sql("SELECT pg_notify('cron_trigger', %s)", [self.db], db="postgres")

    def enable(self, *keys, values=None):
        ids = [self.stores[k] for k in keys]
        self.sql(
            "UPDATE storesync_store SET import_orders = true, orders_fetched_at = NULL "
            "WHERE id = ANY(%s)",
            [ids],
        )
        if values:
            for column, value in values.items():
                self.sql(
                    f"UPDATE storesync_store SET {column} = %s WHERE id = ANY(%s)", [value, ids]
                )

    def disable(self, *keys):
        ids = [self.stores[k] for k in keys]
        self.sql("UPDATE storesync_store SET import_orders = false WHERE id = ANY(%s)", [ids])

    def pending(self, store_ids):
        return self.sql(
            "SELECT count(*) FROM storesync_inbox WHERE store_id = ANY(%s) AND state = 'pending'",
            [list(store_ids)],
        )[0][0]

    # ---- the emulators
    def emulator(self, scenario, platform, orders, **options):
        from store_emulator import EmulatorServer

        emu = EmulatorServer(
            platform=platform,
            seed=self.args.seed + len(self.emulators),
            orders=orders,
            products=self.size["products"],
            consumer_key=KEY,
            consumer_secret=SECRET,
            port=options.pop("port", 0),
            **self.profiles[platform].bench.emulator_options,
        ).start()
        self.emulators[(scenario, platform)] = emu
        return emu

    # ---- the run
    def run(self):
        started = time.monotonic()
        try:
            self._run()
        finally:
            for server in self.servers:
                server.stop()
            for emu in self.emulators.values():
                with contextlib.suppress(Exception):
                    emu.stop()
            for hole in getattr(self, "holes", []):
                hole.close()
            if self.conn is not None:
                self.conn.close()
            self.drop_dbs()
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.figures["seconds"] = round(time.monotonic() - started)
            self.report()

    def _run(self):
        size = self.size
        seed = self.seed_db()
        self.db = self.copy_db(seed, "db")
        port_a, port_b = bench._free_port(), bench._free_port()
        specs = []
        for platform in self.args.platforms:
            profile = self.profiles[platform]
            for scenario, orders in (
                ("faulty", size["orders"]),
                ("killed", size["orders"]),
                ("pair", 5),
                ("storm", 5),
                ("down", 5),
            ):
                emu = self.emulator(scenario, platform, orders)
                specs.append(
                    dict(
                        profile.bench.setup_args(emu),
                        name=f"{scenario} {platform}",
                        key_name=f"{scenario}:{platform}",
                        webhooks=scenario in ("pair", "storm"),
                        values={"timeout": 3} if scenario == "faulty" else {},
                    )
                )
        # Stores nobody answers: half refuse the connection, half accept and stay silent.
        self.holes, self.refused_ports = [], []
        for index in range(size["down"] - len(self.args.platforms)):
            platform = self.args.platforms[index % len(self.args.platforms)]
            if index % 2:
                hole = Blackhole()
                self.holes.append(hole)
                port = hole.port
            else:
                port = bench._free_port()  # nothing listens there
                self.refused_ports.append((platform, port, f"unreachable:{index}"))
            specs.append(
                dict(
                    self.profiles[platform].unreachable_credentials(),
                    url=f"http://127.0.0.1:{port}",
                    platform=platform,
                    # A merchant's own timeout; the quick run's is short, the full run keeps
                    # the default (30 s: the worst a store that never answers can cost).
                    timeout=5 if self.args.quick else None,
                    name=f"unreachable {index} {platform}",
                    key_name=f"unreachable:{index}",
                    unreachable=True,
                )
            )
        dev.step(f"registering {len(specs)} stores, a second company and its users")
        result = self._setup(specs, f"http://127.0.0.1:{port_a}")
        self.stores = {tuple(k.split(":", 1)): v for k, v in result["stores"].items()}
        self.users = result["users"]
        # The fetch cron's own schedule is out of the way: scenarios trigger it.
        self.sql(
            "UPDATE ir_cron SET nextcall = now() + interval '1 day' WHERE id IN "
            "(SELECT res_id FROM ir_model_data WHERE module = 'storesync_connector' "
            "AND model = 'ir.cron')"
        )
        server_a = Server(self, "a", port_a)
        self.servers.append(server_a)
        dev.step("odoo-bin a: 2 HTTP workers, 2 cron workers")
        server_a.start()
        wanted = self.args.scenarios or SCENARIOS
        for name in ("faulty", "killed"):
            if name in wanted:
                getattr(self, f"scenario_{name}")(server_a)
        if {"pair", "storm"} & set(wanted):
            server_b = Server(self, "b", port_b)
            self.servers.append(server_b)
            for name in ("pair", "storm"):
                if name in wanted:
                    getattr(self, f"scenario_{name}")(server_a, server_b)
            server_b.stop()
        for name in ("down", "hostile", "access"):
            if name in wanted:
                getattr(self, f"scenario_{name}")(server_a)
        self.scan_logs()

    def _setup(self, specs, base_url):
        args_file, out = self.tmp / "setup-args.json", self.tmp / "setup.json"
        args_file.write_text(json.dumps({"stores": specs, "base_url": base_url}))
        cmd = [
            str(dev.venv_python()),
            str(REPO / "scripts" / "reliability_odoo.py"),
            "setup",
            "--conf",
            str(self.conf),
            "--db",
            self.db,
            "--args",
            str(args_file),
            "--out",
            str(out),
        ]
        bench.run_json_worker(cmd, self.pg_env, out, "reliability setup")
        return json.loads(out.read_text())

    # ---- waiting and counting
    def settle(self, keys, crons=("fetch", "process"), until=None, timeout=None, each_round=None):
        """Trigger the crons every few seconds until ``until()`` holds (default: every order
        the stores list is in the sync log and nothing is pending); the seconds it took."""
        timeout = timeout or self.size["settle"]
        ids = [self.stores[k] for k in keys]
        started = time.monotonic()
        until = until or (lambda: self._all_logged(keys) and not self.pending(ids))
        while time.monotonic() - started < timeout:
            # Time compressed: each round is the next minute of the cron's schedule, so a
            # store that failed is due again (its back-off is for stores down for long).
            self.sql(
                "UPDATE storesync_store SET orders_next_try = NULL, orders_fetched_at = NULL "
                "WHERE id = ANY(%s)",
                [ids],
            )
            self.trigger(*crons)
            if each_round:
                each_round()
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:
                if until():
                    return time.monotonic() - started
                time.sleep(0.5)
        return None

    def _all_logged(self, keys):
        for key in keys:
            truth = self.profiles[key[1]].truth(self.emulators[key])
            logged = {
                row[0]
                for row in self.sql(
                    "SELECT external_id FROM storesync_inbox "
                    "WHERE store_id = %s AND kind = 'order'",
                    [self.stores[key]],
                )
            }
            if set(truth) - logged:
                return False
        return True

    def check_orders(self, scenario, key, broken=()):
        """Lost, duplicated, wrong totals and stale statuses of one store against its emulator."""
        profile, store_id = self.profiles[key[1]], self.stores[key]
        truth = profile.truth(self.emulators[key])
        actions = dict(
            self.sql(
                "SELECT store_status, action FROM storesync_status_map WHERE store_id = %s",
                [store_id],
            )
        )
        orders = {}
        for external_id, count, total, status, currency_digits in self.sql(
            "SELECT o.storesync_external_id, count(*), max(o.amount_total), "
            "max(o.storesync_status), max(c.decimal_places) FROM sale_order o "
            "JOIN res_currency c ON c.id = o.currency_id "
            "WHERE o.storesync_store_id = %s GROUP BY 1",
            [store_id],
        ):
            orders[external_id] = (count, total, status, currency_digits)
        rows = dict(
            self.sql(
                "SELECT external_id, state FROM storesync_inbox "
                "WHERE store_id = %s AND kind = 'order'",
                [store_id],
            )
        )
        errors = dict(
            self.sql(
                "SELECT external_id, last_error FROM storesync_inbox "
                "WHERE store_id = %s AND kind = 'order' AND state = 'error'",
                [store_id],
            )
        )
        lost = wrong = stale = 0
        expected = 0
        for external_id, (status, total) in truth.items():
            if external_id in broken:
                continue
            if external_id not in orders:
                # Never imported: right only for a status the mapping skips.
                if actions.get(status) != "skip" or rows.get(external_id) not in (
                    "skipped",
                    "done",
                ):
                    lost += 1
                continue
            expected += 1
            _count, amount, imported_status, digits = orders[external_id]
            quantum = Decimal(1).scaleb(-int(digits))
            if Decimal(str(amount)).quantize(quantum) != Decimal(str(total)).quantize(quantum):
                wrong += 1
            if imported_status != status:
                stale += 1
        duplicated = sum(count - 1 for count, *_ in orders.values())
        stray = [e for e in errors if e not in broken]
        named = [e for e in broken if e in errors and str(e) in (errors[e] or "") + f"#{e}"]
        f = self.figures
        f["orders"] += expected
        f["lost"] += lost
        f["duplicated"] += duplicated
        f["wrong_totals"] += wrong
        f["stale"] += stale
        f["error_rows_expected"] += len(broken)
        f["error_rows"] += len(errors)
        platform = key[1]
        self.row(scenario, platform, "orders imported", expected, True)
        self.row(scenario, platform, "lost", lost, lost == 0)
        self.row(scenario, platform, "duplicated", duplicated, duplicated == 0)
        self.row(scenario, platform, "totals not the store's", wrong, wrong == 0)
        self.row(scenario, platform, "status not the store's latest", stale, stale == 0)
        if broken or stray:
            self.row(
                scenario,
                platform,
                "error rows (broken orders)",
                f"{len(named)}/{len(broken)}" + (f", {len(stray)} unexpected" if stray else ""),
                len(named) == len(broken) and not stray,
            )
        return lost, duplicated

    def check_stuck(self, scenario, keys):
        ids = [self.stores[k] for k in keys]
        stuck = self.sql(
            "SELECT count(*) FROM storesync_inbox WHERE store_id = ANY(%s) AND state = 'pending'",
            [ids],
        )[0][0]
        self.figures["stuck_rows"] += stuck
        self.row(scenario, "all", "rows stuck pending", stuck, stuck == 0)

    def check_records(self, scenario, keys):
        """Contacts and products the import created twice (same e-mail, same store item)."""
        ids = [self.stores[k] for k in keys]
        contacts = self.sql(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM res_partner p "
            "WHERE p.parent_id IS NULL AND NOT p.is_company AND p.email IS NOT NULL "
            "AND p.id IN (SELECT partner_id FROM sale_order WHERE storesync_store_id = ANY(%s)) "
            "GROUP BY p.company_id, lower(p.email)) AS g",
            [ids],
        )[0][0]
        products = self.sql(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(DISTINCT b.product_id) AS n "
            "FROM storesync_product_binding b WHERE b.store_id = ANY(%s) "
            "GROUP BY b.store_id, b.external_id, b.variation_id) AS g",
            [ids],
        )[0][0]
        codes = self.sql(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM product_product pp "
            "JOIN storesync_product_binding b ON b.product_id = pp.id "
            "WHERE b.store_id = ANY(%s) AND pp.default_code IS NOT NULL "
            "GROUP BY b.store_id, pp.default_code HAVING count(DISTINCT pp.id) > 1) AS g",
            [ids],
        )[0][0]
        self.figures["duplicated"] += int(contacts) + int(products) + int(codes)
        self.row(scenario, "all", "contacts created twice", int(contacts), not contacts)
        self.row(scenario, "all", "products created twice", int(products + codes), not products)

    def row(self, scenario, platform, figure, value, ok):
        self.rows.append((scenario, platform, figure, value, ok))

    # ---- 1. faulty store
    def scenario_faulty(self, server):
        dev.step("1. faulty store: 10 % 429, 5 % 5xx, 2 % no answer, 1 % malformed JSON")
        keys = [("faulty", p) for p in self.args.platforms]
        broken = {}
        for key in keys:
            emu, profile = self.emulators[key], self.profiles[key[1]]
            truth = profile.truth(emu)
            actions = dict(
                self.sql(
                    "SELECT store_status, action FROM storesync_status_map WHERE store_id = %s",
                    [self.stores[key]],
                )
            )
            candidates = sorted(e for e, (s, _t) in truth.items() if actions.get(s) != "skip")
            chosen = self.rng.sample(candidates, max(1, len(truth) // 100))
            for external_id in chosen:
                profile.break_order(emu, int(external_id))
            broken[key] = set(chosen)
            # Every kind at once first (a burst the retries cannot hide: the fetch fails and
            # the next run goes on), then the rates for the rest of the run.
            emu.set_faults(["429", "503", "hang", "malformed"], count=4, retry_after=1, hang=5)
        self.enable(*keys)

        def rates():
            for key in keys:
                plan = self.emulators[key].faults.describe()
                if plan and plan.get("remaining") == 0:
                    self.emulators[key].set_faults(FAULTS, rate=FAULT_RATE, retry_after=1, hang=5)

        seconds = self.settle(keys, each_round=rates)
        for key in keys:
            log = self.emulators[key].request_log_snapshot()
            self.emulators[key].clear_faults()
            faulted = sum(1 for entry in log if entry.get("fault"))
            self.row("faulty", key[1], "requests / faults injected", f"{len(log)}/{faulted}", True)
        if seconds is None:
            self.row("faulty", "all", "settled", "no (timeout)", False)
        for key in keys:
            self.check_orders("faulty", key, broken[key])
        self.check_stuck("faulty", keys)
        self.disable(*keys)

    # ---- 2. killed server
    def scenario_killed(self, server):
        kills = self.size["kills"]
        dev.step(f"2. killed server: kill -9 at {kills} random moments of the import")
        keys = [("killed", p) for p in self.args.platforms]
        self.enable(*keys)
        for _ in range(kills):
            self.trigger("fetch", "process")
            time.sleep(self.rng.uniform(1.0, 6.0))
            server.kill()
            self.figures["kills"] += 1
            server.start()
        seconds = self.settle(keys)
        self.row("killed", "all", "kill -9 / settled after restart", kills, seconds is not None)
        for key in keys:
            self.check_orders("killed", key)
        self.check_stuck("killed", keys)
        self.disable(*keys)

    # ---- 3. two servers
    def scenario_pair(self, server_a, server_b):
        dev.step("3. two servers, one database: webhooks delivered to both, both crons on")
        server_b.start()
        keys = [("pair", p) for p in self.args.platforms]
        for key in keys:
            emu = self.emulators[key]
            with emu.store.lock:
                hooks = list(emu.store.webhooks.values())
            for hook in hooks:  # the same subscriptions, delivered to the second server too
                url = hook.get("delivery_url") or hook["params"][0]["url"]
                topic = hook.get("topic") or hook["event"]
                emu.store.add_webhook(
                    url.replace(server_a.url, server_b.url), topic, hook.get("secret", "")
                )
        self.enable(*keys)
        self.trigger("fetch", "process")
        end = time.monotonic() + self.size["storm_s"]
        placed = {key: [] for key in keys}
        while time.monotonic() < end:
            for key in keys:
                placed[key] += self.profiles[key[1]].place(self.emulators[key], 1)
                if len(placed[key]) > 2 and self.rng.random() < 0.5:
                    self.profiles[key[1]].change(
                        self.emulators[key], self.rng.choice(placed[key]), self.rng
                    )
            time.sleep(0.5)
        seconds = self.settle(keys, until=lambda: self._settled_states(keys))
        self.row("pair", "all", "settled (s)", round(seconds or -1, 1), seconds is not None)
        for key in keys:
            self.check_orders("pair", key)
        self.check_records("pair", keys)
        self.check_stuck("pair", keys)
        self.disable(*keys)

    def _settled_states(self, keys):
        if not self._all_logged(keys) or self.pending([self.stores[k] for k in keys]):
            return False
        for key in keys:
            truth = self.profiles[key[1]].truth(self.emulators[key])
            imported = dict(
                self.sql(
                    "SELECT storesync_external_id, storesync_status FROM sale_order "
                    "WHERE storesync_store_id = %s",
                    [self.stores[key]],
                )
            )
            if any(e in imported and imported[e] != s for e, (s, _t) in truth.items()):
                return False
        return True

    # ---- 4. webhook storm
    def scenario_storm(self, server_a, server_b):
        total, seconds = self.size["storm"], self.size["storm_s"]
        dev.step(f"4. webhook storm: {total} deliveries in {seconds} s, repeats out of order")
        keys = [("storm", p) for p in self.args.platforms]
        for key in keys:
            with self.emulators[key].store.lock:
                self.emulators[key].store.webhook_deliveries.clear()
        self.enable(*keys)
        # The store's own deliveries (about 3 of 5) plus earlier ones sent again (2 of 5).
        per_tick = max(1, round(total * 0.6 / len(keys) / (seconds / 0.5) / 2))
        replays, answers = [], []
        pool = ThreadPoolExecutor(max_workers=8)
        from store_emulator.server import deliver

        def replay(record, url):
            answer = deliver(url, record["body"], record["headers"])
            answers.append(answer)

        end = time.monotonic() + seconds
        placed = {key: [] for key in keys}
        while time.monotonic() < end:
            for key in keys:
                emu, profile = self.emulators[key], self.profiles[key[1]]
                placed[key] += profile.place(emu, per_tick)
                for order_id in self.rng.sample(placed[key], min(per_tick, len(placed[key]))):
                    profile.change(emu, order_id, self.rng)
                with emu.store.lock:
                    sent = [d for d in emu.store.webhook_deliveries if d.get("body")]
                for record in self.rng.sample(sent, min(len(sent), per_tick * 2)):
                    target = self.rng.choice([server_a, server_b])
                    url = record["url"].replace(server_a.url, target.url)
                    replays.append(pool.submit(replay, record, url))
            time.sleep(0.5)
        pool.shutdown(wait=True)
        time.sleep(2)
        own = []
        for key in keys:
            with self.emulators[key].store.lock:
                own += list(self.emulators[key].store.webhook_deliveries)
        every = own + answers
        slowest = max((d["seconds"] for d in every), default=0.0)
        refused = sum(1 for d in every if (d.get("status") or 0) // 100 != 2)
        self.figures["webhook_deliveries"] += len(every)
        self.figures["webhook_max_s"] = round(max(self.figures["webhook_max_s"], slowest), 2)
        self.row("storm", "all", "deliveries (store's + repeats)", f"{len(own)}+{len(answers)}", 1)
        self.row("storm", "all", "slowest answer (s)", round(slowest, 2), slowest <= 5)
        self.row("storm", "all", "deliveries not answered 2xx", refused, refused == 0)
        settled = self.settle(keys, until=lambda: self._settled_states(keys))
        self.row("storm", "all", "settled (s)", round(settled or -1, 1), settled is not None)
        for key in keys:
            self.check_orders("storm", key)
        self.check_records("storm", keys)
        self.check_stuck("storm", keys)
        self.disable(*keys)

    # ---- 5. stores down
    def scenario_down(self, server):
        dev.step(
            f"5. stores down: {len(self.args.platforms)} reachable among "
            f"{self.size['down']} stores, by the cron's clock"
        )
        reachable = [("down", p) for p in self.args.platforms]
        down = [k for k in self.stores if k[0] == "unreachable"]
        # The export cron runs on its own one-minute schedule here, as in production.
        self.sql(
            "UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC' WHERE id = "
            "(SELECT res_id FROM ir_model_data WHERE module = 'storesync_connector' "
            "AND name = %s)",
            [CRONS["export"]],
        )
        # The reachable stores have been working: their orders and products are in.
        self.enable(*reachable)
        self.settle(reachable)
        self.enable(*down)
        # Runs as the schedule would make them: the fetch cron ticks, the stores answer or not.
        admin = self._rpc(server, None)
        order_s, stock_s, cron_s, order_s_steady, stock_s_steady = [], [], [], [], []
        for tick in range(self.size["ticks"]):
            skip = len(server.log_lines())
            placed = {
                key: [str(i) for i in self.profiles[key[1]].place(self.emulators[key], 1)]
                for key in reachable
            }
            moved = self._move_stock(reachable, admin)
            at = time.monotonic()
            self.sql(
                # A minute later by the stores' clock: each one's interval has run out (a store
                # that was fetched before stays one that was).
                "UPDATE storesync_store SET orders_fetched_at = orders_fetched_at "
                "- make_interval(mins => import_interval) WHERE id = ANY(%s)",
                [[self.stores[k] for k in reachable + down]],
            )
            self.trigger("fetch", "export")
            done_order, done_stock = {}, {}
            while time.monotonic() - at < TIME_LIMIT:
                now = time.monotonic() - at
                for key in reachable:
                    if key not in done_order and self._imported(key, placed[key]):
                        done_order[key] = now
                    if key not in done_stock and self._stock_arrived(key, moved.get(key)):
                        done_stock[key] = now
                if len(done_order) == len(reachable) and len(done_stock) == len(reachable):
                    break
                time.sleep(0.5)
            for key in reachable:
                if key not in done_stock:
                    self._explain_stock(key, moved[key])
            while not self._fetch_runs(server, skip) and time.monotonic() - at < TIME_LIMIT + 10:
                time.sleep(1)
            cron = max(self._fetch_runs(server, skip), default=float(TIME_LIMIT))
            order_s += [done_order.get(k, TIME_LIMIT) for k in reachable]
            stock_s += [done_stock.get(k, TIME_LIMIT) for k in reachable]
            cron_s.append(cron)
            latest = max(order_s[-len(reachable) :]), max(stock_s[-len(reachable) :])
            # The first minute is when the stores go down: each is found out once, at the
            # price of its timeouts; from the next minute on they wait and cost nothing.
            steady = tick > 0
            self.row(
                "down",
                "all",
                f"minute {tick + 1}{'' if steady else ' (stores go down)'}: "
                "order in / stock out / fetch run (s)",
                f"{latest[0]:.1f} / {latest[1]:.1f} / {cron:.1f}",
                cron < TIME_LIMIT and (not steady or max(latest) <= 60),
            )
            if steady:
                order_s_steady.extend(order_s[-len(reachable) :])
                stock_s_steady.extend(stock_s[-len(reachable) :])
        f = self.figures
        f["down_order_max_s"] = round(max(order_s_steady, default=-1), 1)
        f["down_stock_max_s"] = round(max(stock_s_steady, default=-1), 1)
        f["down_cron_max_s"] = round(max(cron_s), 1)
        self._recover()
        self.disable(*reachable, *down)

    def _imported(self, key, external_ids):
        found = self.sql(
            "SELECT count(*) FROM sale_order WHERE storesync_store_id = %s "
            "AND storesync_external_id = ANY(%s)",
            [self.stores[key], external_ids],
        )[0][0]
        return found == len(external_ids)

    def _move_stock(self, keys, admin):
        """Count one bound product of each store anew in Odoo (an inventory adjustment, as a
        warehouse user would); ``{key: (product id, {row id: revision})}`` to follow its export."""
        moved = {}
        for key in keys:
            rows = self.sql(
                "SELECT b.product_id, w.lot_stock_id FROM storesync_product_binding b "
                "JOIN storesync_store s ON s.id = b.store_id "
                "JOIN stock_warehouse w ON w.id = s.warehouse_id "
                "WHERE b.store_id = %s AND b.manage_stock ORDER BY b.id LIMIT 1",
                [self.stores[key]],
            )
            if not rows:
                continue
            product_id, location_id = rows[0]
            # Where its rows stand before: a send of the change is a row done at a later
            # revision (``date_sent`` has whole seconds, too coarse to tell).
            before = dict(
                self.sql(
                    "SELECT id, revision FROM storesync_outbox WHERE store_id = %s "
                    "AND product_id = %s AND kind = 'stock'",
                    [self.stores[key], product_id],
                )
            )
            context = {"context": {"inventory_mode": True}}
            quant = admin(
                "stock.quant",
                "create",
                [
                    {
                        "product_id": product_id,
                        "location_id": location_id,
                        "inventory_quantity": self.rng.randint(1000, 9000),
                    }
                ],
                context,
            )
            admin("stock.quant", "action_apply_inventory", [[quant]], context)
            moved[key] = (product_id, before)
        return moved

    def _stock_arrived(self, key, moved):
        if not moved:
            return True
        product_id, before = moved
        return any(
            revision > before.get(row_id, 0)
            for row_id, revision in self.sql(
                "SELECT id, revision FROM storesync_outbox WHERE store_id = %s "
                "AND product_id = %s AND kind = 'stock' AND state = 'done'",
                [self.stores[key], product_id],
            )
        )

    def _explain_stock(self, key, moved):
        """Print where a stock change that did not leave in time stands."""
        product_id, before = moved
        print(f"    stock of {key} not sent; its rows and the store's export state:", flush=True)
        for row in self.sql(
            "SELECT o.id, o.state, o.attempts, o.next_attempt, o.lease_until, o.lease_pid, "
            "o.date_sent, o.revision, left(o.last_error, 120), s.export_failures, "
            "s.export_next_try, now() AT TIME ZONE 'UTC' FROM storesync_outbox o "
            "JOIN storesync_store s ON s.id = o.store_id "
            "WHERE o.store_id = %s AND o.product_id = %s AND o.kind = 'stock'",
            [self.stores[key], product_id],
        ):
            print(f"      {row} (before the change: {before})", flush=True)

    def _fetch_runs(self, server, skip=0):
        """Durations of the fetch cron's finished runs in the server's log, after the first
        ``skip`` log lines."""
        pattern = re.compile(r"Job 'Store Sync: fetch changed orders' .*duration ([\d.]+)s")
        return [
            float(match.group(1))
            for line in server.log_lines()[skip:]
            if (match := pattern.search(line))
        ]

    def _recover(self):
        """A refusing store comes back: its fetch catches up by itself, and the store's chatter
        says what happened meanwhile."""
        if not self.refused_ports:
            return
        platform, port, key_name = self.refused_ports[0]
        key = ("back", platform)
        self.stores[key] = self.stores[tuple(key_name.split(":", 1))]
        self.emulator("back", platform, 5, port=port)
        # Its back-off runs out (time compressed: each settle round is the next minute).
        seconds = self.settle([key], crons=("fetch", "process"), timeout=120)
        told = self.sql(
            "SELECT count(*) FROM mail_message WHERE model = 'storesync.store' AND res_id = %s "
            "AND body::text ILIKE %s",
            [self.stores[key], "%reachable again%"],
        )[0][0]
        self.figures["recovered"] = seconds is not None and bool(told)
        self.row(
            "down",
            platform,
            "store back: caught up (s), chatter says so",
            f"{seconds if seconds is None else round(seconds, 1)}, {'yes' if told else 'no'}",
            self.figures["recovered"],
        )

    # ---- 6. hostile input
    def scenario_hostile(self, server):
        dev.step("6. hostile input: mappers fuzzed, forged and broken webhooks")
        from fuzz_payloads import run_fuzz

        result = run_fuzz(self.size["fuzz"], seed=self.args.seed)
        failures = result["failures"]
        self.figures["fuzz_examples"] += result["examples"]
        self.figures["fuzz_failures"] += len(failures)
        self.row("hostile", "all", "fuzzed payloads / failures", result["examples"], not failures)
        for failure in failures[:5]:
            print(f"    fuzz failure: {failure}", flush=True)
        self._hostile_webhooks(server)

    def _hostile_webhooks(self, server):
        import requests

        def inbox_count():
            return self.sql("SELECT count(*), max(write_date) FROM storesync_inbox")[0]

        cases = []
        for platform in self.args.platforms:
            store_id = self.stores[("storm", platform)]
            secret = self.sql(
                "SELECT webhook_secret FROM storesync_store WHERE id = %s", [store_id]
            )[0][0]
            base = f"{server.url}/storesync/webhook/{store_id}"
            adapter = self.profiles[platform].adapter
            if adapter.webhook_auth == "url_token":
                url = f"{base}/{secret}"
                cases += [
                    ("no URL secret", base, b'{"orders": {"order": []}}', {}),
                    ("wrong URL secret", f"{base}/not-{secret}", b"{}", {}),
                    ("oversized", url, b"x" * (20 << 20), {}),
                    ("not JSON", url, b"\x00\xff<html>", {"Content-Type": "application/json"}),
                ]
            else:
                good = self._signed(adapter, secret, b'{"id": 1}')
                cases += [
                    ("no signature", base, b'{"id": 1}', {"Content-Type": "application/json"}),
                    (
                        "wrong signature",
                        base,
                        b'{"id": 1}',
                        {"Content-Type": "application/json", **self._signed(adapter, "x", b"")},
                    ),
                    ("oversized", base, b"x" * (20 << 20), good),
                    ("not JSON, signed", base, b"<html>", self._signed(adapter, secret, b"<html>")),
                ]
            cases.append(("unknown store", f"{server.url}/storesync/webhook/999999", b"{}", {}))
        failures = 0
        for name, url, body, headers in cases:
            before = inbox_count()
            try:
                status = requests.post(url, data=body, headers=headers, timeout=30).status_code
            except requests.RequestException:
                status = 0  # the connection cut on an oversized body is a refusal too
            written = inbox_count() != before
            bad = (200 <= status < 300) or written
            failures += bad
            if bad:
                print(f"    webhook '{name}': HTTP {status}, written {written}", flush=True)
        self.figures["fuzz_examples"] += len(cases)
        self.figures["fuzz_failures"] += failures
        self.row("hostile", "all", "forged/broken webhooks refused", len(cases), not failures)

    @staticmethod
    def _signed(adapter, secret, body):
        """The headers of a delivery signed with ``secret`` (WooCommerce's scheme)."""
        import base64
        import hashlib
        import hmac

        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
        return {
            "Content-Type": "application/json",
            "X-WC-Webhook-Signature": signature.decode(),
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "updated",
        }

    # ---- 7. access
    def scenario_access(self, server):
        dev.step("7. access: a Store Sync user, and a user of another company, over JSON-RPC")
        checks = failures = 0
        admin = self._rpc(server, None)
        sync_a = self._rpc(server, "rel_sync_a")
        user_b = self._rpc(server, "rel_user_b")
        fields = admin("storesync.store", "fields_get", [], {"attributes": ["groups"]})
        secrets = sorted(
            name
            for name, spec in fields.items()
            if re.search(r"^consumer_key$|secret|token|^client_id$|password", name)
        )
        store_ids = sorted(set(self.stores.values()))
        for name in secrets:
            checks += 1
            ok, _value = sync_a.attempt("storesync.store", "read", [store_ids[:1], [name]])
            if ok:
                failures += 1
                print(f"    a Store Sync user reads storesync.store.{name}", flush=True)
        for model in ("storesync.api.session",):
            checks += 1
            ok, value = sync_a.attempt(model, "search_read", [[], ["access_token"]])
            if ok and any(r.get("access_token") for r in value):
                failures += 1
                print(f"    a Store Sync user reads {model}.access_token", flush=True)
        partner_ids = [
            r[0]
            for r in self.sql(
                "SELECT DISTINCT partner_id FROM sale_order WHERE storesync_store_id IS NOT NULL"
            )
        ]
        order_ids = [r[0] for r in self.sql("SELECT id FROM sale_order LIMIT 200")]
        seen_by_b = {
            "storesync.store": [("id", "in", store_ids)],
            "sale.order": [("id", "in", order_ids)],
            "res.partner": [("id", "in", partner_ids)],
            "storesync.inbox": [],
            "storesync.outbox": [],
            "storesync.product.binding": [],
            "storesync.partner.binding": [],
            "storesync.status.map": [],
        }
        for model, domain in seen_by_b.items():
            checks += 1
            ok, value = user_b.attempt(model, "search_count", [domain])
            if ok and value:
                failures += 1
                print(f"    a user of company B sees {value} {model} of company A", flush=True)
        for model, ids in (
            ("storesync.store", store_ids[:1]),
            ("sale.order", order_ids[:1]),
            ("res.partner", partner_ids[:1]),
        ):
            if not ids:
                continue
            checks += 1
            ok, _value = user_b.attempt(model, "read", [ids, ["display_name"]])
            if ok:
                failures += 1
                print(f"    a user of company B reads {model} {ids[0]} of company A", flush=True)
        self.figures["access_checks"] += checks
        self.figures["access_failures"] += failures
        self.row("access", "all", "checks / failures", f"{checks}/{failures}", not failures)

    def _rpc(self, server, login):
        """A JSON-RPC caller logged in as ``login`` (None: the administrator)."""
        import requests

        session = requests.Session()
        password = self.users.get(login) if login else "admin"
        answer = session.post(
            f"{server.url}/web/session/authenticate",
            json={
                "jsonrpc": "2.0",
                "params": {"db": self.db, "login": login or "admin", "password": password},
            },
            timeout=60,
        ).json()
        if answer.get("error") or not (answer.get("result") or {}).get("uid"):
            raise dev.SetupError(f"cannot log in as {login or 'admin'}: {answer.get('error')}")

        def call(model, method, args, kwargs=None):
            ok, value = call.attempt(model, method, args, kwargs)
            if not ok:
                raise dev.SetupError(f"{model}.{method} failed: {value}")
            return value

        def attempt(model, method, args, kwargs=None):
            answer = session.post(
                f"{server.url}/web/dataset/call_kw",
                json={
                    "jsonrpc": "2.0",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                },
                timeout=60,
            ).json()
            if answer.get("error"):
                return False, answer["error"].get("data", {}).get("name")
            return True, answer.get("result")

        call.attempt = attempt
        return call

    # ---- logs and output
    def scan_logs(self):
        hits = 0
        for server in self.servers:
            for line in server.log_lines():
                if re.search(r"timeout after \d+s|virtual real time limit|limit_time_real", line):
                    hits += 1
        self.figures["time_limit_hits"] = hits
        self.row("down", "all", "cron runs that hit the time limit", hits, hits == 0)

    def correct(self):
        """No order lost, doubled or wrong, no row stuck, every bad input refused, no access
        where there should be none: what the exit status (and so ``make test``) stands for.
        The timings are figures of the table and of ``passed``; on a loaded machine they vary,
        and are never a pass/fail of a test run."""
        f = self.figures
        return (
            not any(f[key] for key in CORRECTNESS) and f["error_rows"] == f["error_rows_expected"]
        )

    def report(self):
        f = self.figures
        print(flush=True)
        width = max((len(r[2]) for r in self.rows), default=20)
        print(f"{'scenario':<9} {'platform':<12} {'figure':<{width}}  {'value':>14}  ok")
        for scenario, platform, figure, value, ok in self.rows:
            mark = "yes" if ok else "NO"
            print(f"{scenario:<9} {platform:<12} {figure:<{width}}  {value!s:>14}  {mark}")
        print(flush=True)
        print(
            json.dumps(
                {
                    **f,
                    "platforms": self.args.platforms,
                    "quick": bool(self.args.quick),
                    "correct": self.correct(),
                    "passed": all(r[4] for r in self.rows),
                }
            ),
            flush=True,
        )


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    # A terminated run still stops its servers and drops its database (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        odoo_src = dev.odoo_source_in_venv(__file__, argv)
        pg_env = dev.ensure_postgres()
        suite = Suite(args, odoo_src, pg_env)
        suite.run()
    except dev.SetupError as exc:
        print(f"\nERROR: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0 if suite.correct() else 1


if __name__ == "__main__":
    sys.exit(main())
