"""``make bench``'s code paths at tiny size, so the benchmark cannot rot. Nothing is timed."""

import contextlib
import io
import json
import random
from datetime import datetime, timedelta
from unittest.mock import patch

import pytest

from odoo.tests import TransactionCase, tagged

from scripts import bench, bench_odoo
from store_emulator import EmulatorServer
from storesync_common import _no_commit

KEY, SECRET = "ck_bench_test", "cs_bench_test"


class _Rollback(Exception):
    pass


@tagged("post_install", "-at_install")
class TestBench(TransactionCase):
    platform = "woocommerce"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.profile = bench.PLATFORMS[cls.platform]
        cls.emulator = EmulatorServer(
            platform=cls.platform,
            seed=3,
            orders=6,
            products=5,
            consumer_key=KEY,
            consumer_secret=SECRET,
            port=0,
            **cls.profile.emulator_options,
        ).start()
        cls.addClassCleanup(cls.emulator.stop)
        # The crons commit their progress; a test transaction must not.
        cron = type(cls.env["ir.cron"])
        cls.startClassPatcher(patch.object(cron, "_commit_progress", _no_commit))
        cls.startClassPatcher(patch.object(cron, "_trigger"))
        # The token cache and the request throttle use cursors of their own: in a test they
        # wrap the test's, as a committed store would be seen by them.
        cls.registry_enter_test_mode_cls()
        setup = dict(cls.profile.setup_args(cls.emulator), key=KEY, secret=SECRET)
        cls.store = bench_odoo.setup_store(cls.env, **setup)

    def _import_then_roll_back(self):
        """Import, keep its numbers and its end state as JSON, then undo the import."""
        marks = bench_odoo.watermarks(self.env)
        try:
            with self.env.cr.savepoint():
                result = bench_odoo.run_import(self.env, self.store)
                counts = bench_odoo.count_new(self.env, marks)
                dump = json.loads(json.dumps(bench_odoo.dump_end_state(self.env, marks)))
                raise _Rollback
        except _Rollback:
            pass
        self.env.invalidate_all()
        return marks, result, counts, dump

    def test_baseline_replays_the_import_end_state(self):
        marks, result, counts, dump = self._import_then_roll_back()
        self.assertFalse(result["errors"])
        self.assertTrue(result["orders"])
        self.assertGreater(result["queries"], 0)
        self.assertEqual(counts["sale.order"], result["orders"])
        self.assertEqual(bench_odoo.count_new(self.env, marks)["sale.order"], 0)

        timings = bench_odoo.replay_baseline(self.env, dump)
        self.assertIn("confirm_s", timings)
        replayed = bench_odoo.count_new(self.env, marks)
        # Same records and states; the chatter differs by design (contacts the import updated
        # get tracking messages), and the baseline writes none of the connector's bookkeeping.
        for model, count in counts.items():
            if model == "mail.message":
                continue
            expected = 0 if model in bench_odoo.BOOKKEEPING_MODELS else count
            self.assertEqual(replayed[model], expected, model)
        names = set(
            self.env["sale.order"].search([("id", ">", marks["sale.order"])]).mapped("name")
        )
        self.assertEqual(names, {order["name"] for order in dump["orders"]})

    def test_import_on_a_preloaded_database(self):
        before = self.env["sale.order"].search_count([("storesync_store_id", "=", self.store.id)])
        loaded = bench_odoo.preload(self.env, self.store, 30)
        self.assertEqual(loaded["orders"], 30)
        sales = self.env["sale.order"].search([("storesync_store_id", "=", self.store.id)])
        # The clones plus the sample they were cloned from.
        self.assertEqual(len(sales) - before, 31)
        self.assertEqual(len(sales.order_line), 62)
        result = bench_odoo.run_import(self.env, self.store)
        self.assertFalse(result["errors"])
        self.assertGreater(result["orders"], len(sales))
        self.assertFalse(result["rows"].get("order:error"))

    def test_fulfillable_list_over_open_orders(self):
        result = bench_odoo.fulfillable(self.env, self.store, 30)
        self.assertEqual(result["orders"], 30)
        # Every clone is an open order of the store; stock covers about half of the needs,
        # allotted oldest first: both kinds are listed.
        self.assertEqual(result["listed"], 30)
        self.assertEqual(result["fulfillable"] + result["not_fulfillable"], 30)
        self.assertTrue(result["fulfillable"] and result["not_fulfillable"], result)
        for key in ("list_s", "group_s", "filter_s"):
            self.assertGreater(result[key], 0)
        rows = self.env["storesync.fulfillable.order"].search([("store_id", "=", self.store.id)])
        self.assertTrue(rows[0].fulfillable, "the oldest order gets the stock first")

    def test_quotation_only_import_confirms_nothing(self):
        bench_odoo.set_quotation_only(self.store)
        result = bench_odoo.run_import(self.env, self.store)
        sales = self.env["sale.order"].search([("storesync_store_id", "=", self.store.id)])
        self.assertEqual(len(sales), result["orders"])
        self.assertNotIn("sale", sales.mapped("state"))

    def test_stock_export(self):
        self.assertTrue(bench_odoo.stock_available(self.env), "make bench sees the stock export")
        bench_odoo.run_import(self.env, self.store)
        store = self.emulator.store
        items = self.profile.export_items(store)
        bindings = bench_odoo.bind_store_products(self.env, self.store, items, 3)
        self.assertEqual(len(bindings), 3)
        targets = {b.id: 40 + i for i, b in enumerate(bindings)}
        queued = bench_odoo.change_stock(self.env, self.store, bindings, lambda b: targets[b.id])
        self.assertGreaterEqual(queued, 3)
        targets = {(b.external_id, b.variation_id): b for b in bindings}
        received = len(store.received)
        log_start = len(self.emulator.request_log_snapshot())
        bench_odoo.export_stock(self.env)
        expected = bench_odoo.expected_quantities(self.env, self.store, bindings)
        wrong = bench.Bench._stock_mismatches(
            store,
            {key: expected[b.product_id.id] for key, b in targets.items()},
            self.platform,
        )
        self.assertFalse(wrong)
        writes = [w for w in store.received[received:] if w["method"] != "GET"]
        # A call the store's rate limit refused (429, retried) wrote nothing: on a loaded
        # machine the requests the client spaced may reach the store closer together.
        log = [e for e in self.emulator.request_log_snapshot()[log_start:] if e["status"] != 429]
        calls, _kinds = self.profile.export_calls(writes, log)
        # Three products fit one batch call.
        self.assertEqual(calls, 1)
        self.assertEqual(self.profile.api_minimum(targets), 1)

    def test_webhook_registration(self):
        self.assertTrue(
            bench_odoo.webhooks_available(self.env, self.store), "make bench sees the webhooks"
        )
        bench_odoo.setup_webhooks(self.env, self.store, "http://127.0.0.1:9")
        self.assertTrue(self.emulator.store.webhooks)
        fetch = self.env.ref("storesync_connector.ir_cron_fetch_orders")
        if self.store._get_adapter_class().webhook_is_trigger:
            # Deliveries only ask the fetch cron to run: it stays, its schedule a day away.
            self.assertTrue(fetch.active)
            self.assertGreater(fetch.nextcall, datetime.now() + timedelta(hours=12))
        else:
            self.assertFalse(fetch.active)

    def test_report_ends_with_the_json_line(self):
        marks, result, counts, dump = self._import_then_roll_back()
        result.update(counts=counts, http=3, http_paths={"GET orders": 1}, rss_mb=100.0)
        baseline = bench_odoo.replay_baseline(self.env, dump)
        baseline.update(counts=bench_odoo.count_new(self.env, marks), queries=10, rss_mb=90.0)
        run = bench.Bench.__new__(bench.Bench)
        run.args = bench.parse_args(["--quick", "--platform", self.platform])
        run.profile = bench.PLATFORMS[self.platform]
        run.notes = []
        run.results = {
            "import": result,
            "baseline": baseline,
            "quotations": dict(result),
            "export": {"unavailable": "not run in this test"},
            "webhooks": {"unavailable": "not run in this test"},
        }
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            run.report()
        last = json.loads(out.getvalue().strip().splitlines()[-1])
        self.assertEqual(list(last), FIRST_KEYS + NEW_KEYS)
        self.assertEqual(last["platform"], self.platform)
        self.assertIsNone(last["stock_s"])
        # Phases that did not run: null figures, not made-up ones.
        for key in NEW_KEYS:
            self.assertIsNone(last[key], key)
        self.assertIn("not available: not run in this test", out.getvalue())

    def test_steady_state_fetch_lists_orders_only(self):
        """New orders of products the import bound: the fetch asks the store for no product
        and no category, only the order listing (plus a token where the platform needs one)."""
        first = bench_odoo.run_import(self.env, self.store)
        self.assertFalse(first["errors"])
        bound = bench_odoo.bound_products(self.env, self.store)
        self.assertTrue(bound)
        store = self.emulator.store
        ids = self.profile.place_known_orders(store, 4, bound, random.Random(5))
        self.assertEqual(len(ids), 4)
        log_start = len(self.emulator.request_log_snapshot())
        result = bench_odoo.run_import(self.env, self.store)
        # A request the store's rate limit refused (429, retried) is not one more listing.
        log = [e for e in self.emulator.request_log_snapshot()[log_start:] if e["status"] != 429]
        paths = bench._paths(log)
        self.assertFalse(result["errors"])
        self.assertEqual(result["orders"], first["orders"] + 4)
        listing = {"woocommerce": "GET orders", "shoprenter": "GET orderExtend"}[self.platform]
        self.assertEqual(paths.pop(listing), 1, paths)
        self.assertEqual(set(paths) - {"POST demo/app/token"}, set(), paths)
        # Still every product of the new orders bound (none created by the steady fetch).
        self.assertEqual(bench_odoo.bound_products(self.env, self.store), bound)

    def test_request_paths_without_ids(self):
        rid = "cHJvZHVjdC1wcm9kdWN0X2lkPTEwMQ=="  # product-product_id=101
        log = [
            {"method": "GET", "path": "/wp-json/wc/v3/orders"},
            {"method": "PUT", "path": "/wp-json/wc/v3/products/12/variations/34"},
            {"method": "POST", "path": "/demo/app/token"},
            {"method": "GET", "path": "/api/orderExtend"},
            {"method": "GET", "path": "/api/orderExtend"},
            {"method": "GET", "path": f"/api/products/{rid}"},
        ]
        self.assertEqual(
            bench._paths(log),
            {
                "GET orders": 1,
                "PUT products/<id>/variations/<id>": 1,
                "POST demo/app/token": 1,
                "GET orderExtend": 2,
                "GET products/<id>": 1,
            },
        )


FIRST_KEYS = [
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
]
NEW_KEYS = ["http_steady_per_100", "stock_min_calls", "rss_mb_10k", "fulfillable_10k_s"]


def test_arguments_burst_and_10k_import():
    args = bench.parse_args([])
    assert (args.webhook_rate, args.webhook_seconds, args.rss_orders) == (20, 10, 10_000)
    assert bench.webhook_count(args) == 200
    # The quick run: small sizes, but the same preload, burst and 10,000-order import.
    quick = bench.parse_args(["--quick"])
    assert (quick.orders, quick.products, quick.preload, quick.stock) == (100, 50, 100_000, 50)
    assert (quick.webhook_rate, quick.webhook_seconds, quick.rss_orders) == (20, 10, 10_000)
    assert (args.fulfillable, quick.fulfillable) == (10_000, 10_000)
    assert bench.parse_args(["--fulfillable", "0"]).fulfillable == 0
    other = bench.parse_args(["--webhook-rate", "5", "--webhook-seconds", "3", "--rss-orders", "0"])
    assert bench.webhook_count(other) == 15
    assert other.rss_orders == 0
    # Odoo's multi-process server, as production runs it, unless told otherwise.
    assert (args.webhook_workers, quick.webhook_workers) == (2, 2)
    assert bench.parse_args(["--webhook-workers", "0"]).webhook_workers == 0
    for wrong in (
        ["--webhooks", "10"],
        ["--webhook-rate", "0"],
        ["--rss-orders", "-1"],
        ["--webhook-workers", "-1"],
        ["--fulfillable", "-1"],
    ):
        with contextlib.redirect_stderr(io.StringIO()), pytest.raises(SystemExit):
            bench.parse_args(wrong)


def test_targets_met():
    figures = {
        "ratio": 0.8,
        "quotation_ratio": 0.79,
        "http_per_100": 3.0,
        "http_steady_per_100": 1.0,
        "preload_ratio": None,
        "rss_mb_10k": 500.1,
        "stock_calls": 10,
        "stock_min_calls": 10,
        "stock_s": 0.9,
        "webhook_max_s": 5.0,
        "fulfillable_10k_s": 2.01,
    }
    assert bench.targets_met(figures) == {
        "ratio": True,
        "quotation_ratio": False,
        "http_per_100": False,
        "http_steady_per_100": True,
        "preload_ratio": None,
        "rss_mb_10k": False,
        "stock_calls": True,
        "stock_s": True,
        "webhook_max_s": True,
        "fulfillable_10k_s": False,
    }
    assert bench.targets_met(dict(figures, fulfillable_10k_s=2.0))["fulfillable_10k_s"] is True
    met = bench.targets_met(
        dict(figures, stock_calls=11, http_steady_per_100=1.01, webhook_max_s=None)
    )
    assert (met["stock_calls"], met["http_steady_per_100"], met["webhook_max_s"]) == (
        False,
        False,
        None,
    )
    assert bench.targets_met(dict(figures, stock_min_calls=None))["stock_calls"] is None
    assert bench.target_text("stock_calls", figures) == "= 10"
    assert bench.target_text("http_steady_per_100") == "<= 1"
    assert bench.target_text("ratio") == ">= 0.8"


def row_of(lines, start):
    return next(line for line in lines if line.startswith(start)).split()


def _finished_run(argv, **results):
    """A Bench whose phases 'ran' with these results (no Odoo, no emulator)."""
    run = bench.Bench.__new__(bench.Bench)
    run.args = bench.parse_args(argv)
    run.profile = bench.PLATFORMS["woocommerce"]
    run.notes = []
    counts = {"sale.order": 95, "storesync.inbox": 161}
    run.results = {
        "import": {
            "total_s": 10.0,
            "queries": 13_000,
            "rss_mb": 150.0,
            "http": 3,
            "http_paths": {"GET orders": 1},
            "counts": counts,
        },
        "baseline": {
            "total_s": 4.0,
            "confirm_s": 2.0,
            "queries": 3_500,
            "rss_mb": 140.0,
            "counts": counts,
        },
        "quotations": {"total_s": 8.0},
        **results,
    }
    return run


def test_report_new_figures_and_their_targets():
    run = _finished_run(
        ["--quick"],
        steady={"placed": 100, "http": 2, "http_paths": {"GET orders": 1, "GET products": 1}},
        large={"rss_mb": 612.5, "total_s": 800.04, "orders": 9500},
        export={"products": 50, "calls": 10, "api_minimum": 9, "stock_s": 0.9, "wrong": 0},
        webhooks={"committed": 200, "sent": 200, "rate": 20.0, "p50_s": 1.5, "max_s": 4.2},
        fulfillable={
            "listed": 10_000,
            "fulfillable": 4_900,
            "not_fulfillable": 5_100,
            "list_s": 1.234,
            "group_s": 0.51,
            "filter_s": 0.6,
        },
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run.report()
    lines = out.getvalue().strip().splitlines()
    last = json.loads(lines[-1])
    assert list(last) == FIRST_KEYS + NEW_KEYS
    assert last["fulfillable_10k_s"] == 1.23
    assert last["http_steady_per_100"] == 2.0
    assert (last["stock_calls"], last["stock_min_calls"]) == (10, 9)
    assert last["rss_mb_10k"] == 612.5
    assert last["webhook_max_s"] == 4.2

    def row(start):
        return next(line for line in lines if line.startswith(start)).split()

    assert row("steady state HTTP per 100 orders")[-3:] == ["<=", "1", "MISSED"]
    assert row("peak RSS import process, MB (10000 orders)")[-3:] == ["<=", "500", "MISSED"]
    assert row("stock export calls")[-3:] == ["=", "9", "MISSED"]
    assert row("webhook -> order, max s")[-3:] == ["<=", "5", "met"]
    assert row("fulfillable list opened, s (10000 open orders)")[-4:] == ["1.23", "<=", "2", "met"]
    assert "steady state requests: {'GET orders': 1, 'GET products': 1}" in lines


def test_report_burst_with_orders_never_committed_is_missed():
    run = _finished_run(
        ["--quick"],
        steady={"placed": 100, "http": 1, "http_paths": {"GET orders": 1}},
        webhooks={"committed": 150, "sent": 200, "rate": 20.0, "p50_s": 1.0, "max_s": None},
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run.report()
    lines = out.getvalue().strip().splitlines()
    last = json.loads(lines[-1])
    assert last["http_steady_per_100"] == 1.0
    assert last["webhook_max_s"] is None
    assert last["rss_mb_10k"] is None
    steady = next(line for line in lines if line.startswith("steady state HTTP"))
    assert steady.split()[-1] == "met"
    hooks = next(line for line in lines if line.startswith("webhook -> order, max s"))
    assert hooks.split()[-1] == "MISSED"
    assert any(line.startswith("peak RSS import, 10k orders") for line in lines)
    assert last["fulfillable_10k_s"] is None
    assert row_of(lines, "fulfillable list opened, s")[-1] == "n/a"


@tagged("post_install", "-at_install")
class TestBenchShoprenter(TestBench):
    """The same code paths with ``make bench ARGS="--platform shoprenter"``: forint shop,
    VAT by rate, OAuth client credentials, stock through ``/batch``."""

    platform = "shoprenter"

    def test_store_is_set_up_like_a_merchant_would(self):
        self.assertRecordValues(
            self.store,
            [{"platform": "shoprenter", "shop_name": "demo", "order_prefix": "SR-"}],
        )
        self.assertEqual(self.store.pricelist_id.currency_id.name, "HUF")
        self.assertEqual(
            sorted(self.store.tax_map_ids.mapped("store_tax_id")), ["0", "18", "27", "5"]
        )
        self.assertTrue(all(self.store.tax_map_ids.mapped("tax_id")))
        self.assertEqual(
            sorted(self.store.shipping_map_ids.mapped("method_id")), ["18", "19", "20"]
        )
