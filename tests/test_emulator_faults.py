"""Store emulator: injected faults, shutdown with hanging requests, determinism over HTTP, CLI."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from store_emulator import EmulatorServer

AUTH = ("ck_demo", "cs_demo")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def emu():
    with EmulatorServer(seed=3, orders=20, products=10) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_faults_left(emu):
    yield
    emu.clear_faults()


def orders(server, timeout=5, **params):
    return requests.get(
        f"{server.url}/wp-json/wc/v3/orders", auth=AUTH, params=params, timeout=timeout
    )


@pytest.mark.parametrize("kind", ["429", "500", "502", "503"])
def test_error_faults_answer_json_and_are_consumed(emu, kind):
    emu.set_faults(kinds=[kind], count=2, retry_after=7)
    for _ in range(2):
        r = orders(emu)
        assert r.status_code == int(kind)
        assert r.json()["data"]["status"] == int(kind) and r.json()["code"]
        assert ("Retry-After" in r.headers) == (kind in ("429", "503"))
    if kind == "429":
        assert r.headers["Retry-After"] == "7"
    assert orders(emu).status_code == 200  # the count is used up
    log = emu.request_log[-3:]
    assert [e["status"] for e in log] == [int(kind), int(kind), 200]
    assert [e["fault"] for e in log] == [kind, kind, None]


def test_malformed_and_truncated_bodies(emu):
    emu.set_faults(kinds=["malformed", "truncated"], count=2)
    r = orders(emu)
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    try:
        r = orders(emu)
    except requests.exceptions.RequestException:
        pass  # urllib3 2 checks Content-Length itself
    else:  # urllib3 1.26 (Odoo's pin) hands over the short body: it is no JSON
        assert len(r.content) < int(r.headers["Content-Length"])
        with pytest.raises(ValueError):
            r.json()
    assert orders(emu).json()


def test_slow_and_hang(emu):
    emu.set_faults(kinds=["slow"], count=1, delay=0.4)
    start = time.monotonic()
    assert orders(emu).status_code == 200
    assert time.monotonic() - start >= 0.4
    emu.set_faults(kinds=["hang"], count=1)
    with pytest.raises(requests.exceptions.Timeout):
        orders(emu, timeout=0.3)
    start = time.monotonic()
    assert orders(emu).status_code == 200  # other requests are served meanwhile
    assert time.monotonic() - start < 1
    assert emu.request_log[-2]["fault"] == "hang"


def test_faults_spare_control_endpoints_and_follow_path_regex(emu):
    emu.set_faults(kinds=["500"], count=5, path_regex=r"/products")
    assert requests.get(f"{emu.url}/_emulator/", timeout=5).status_code == 200
    assert orders(emu).status_code == 200
    r = requests.get(f"{emu.url}/wp-json/wc/v3/products", auth=AUTH, timeout=5)
    assert r.status_code == 500
    control = requests.post(
        f"{emu.url}/_emulator/faults", json={"kinds": ["503"], "count": 1}, timeout=5
    )
    assert control.json()["remaining"] == 1
    assert requests.get(f"{emu.url}/_emulator/faults", timeout=5).json()["kinds"] == ["503"]
    assert orders(emu).status_code == 503
    assert requests.delete(f"{emu.url}/_emulator/faults", timeout=5).status_code == 200
    assert emu.faults.describe() is None
    bad = requests.post(f"{emu.url}/_emulator/faults", json={"kinds": ["teapot"]}, timeout=5)
    assert bad.status_code == 400


def test_fault_rate():
    with EmulatorServer(seed=4, orders=5, products=5) as server:
        server.set_faults(kinds=["502"], rate=0.5)
        statuses = [orders(server).status_code for _ in range(40)]
        assert 5 < statuses.count(502) < 35 and statuses.count(200) + statuses.count(502) == 40


def test_stop_returns_quickly_with_a_hanging_request():
    server = EmulatorServer(seed=4, orders=5, products=5).start()
    url = server.url
    session = requests.Session()
    assert session.get(f"{url}/wp-json/", timeout=5).ok  # a kept-alive connection
    server.set_faults(kinds=["hang"], count=1, hang=60)
    with pytest.raises(requests.exceptions.Timeout):
        orders(server, timeout=0.3)
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 2
    with pytest.raises(requests.exceptions.ConnectionError):  # neither kept-alive nor new ones
        session.get(f"{url}/wp-json/", timeout=2)


def test_same_seed_same_json_over_http():
    def pages(seed):
        with EmulatorServer(seed=seed, orders=30, products=12) as server:
            texts = []
            for path in ("orders?per_page=100", "products?per_page=100", "customers?per_page=100"):
                r = requests.get(f"{server.url}/wp-json/wc/v3/{path}", auth=AUTH, timeout=5)
                texts.append(
                    r.text.replace(server.url.replace("/", "\\/"), "").replace(server.url, "")
                )
            return texts

    assert pages(21) == pages(21)
    assert pages(21) != pages(22)


def test_cli_prints_url_serves_and_stops_on_sigterm():
    cmd = [sys.executable, "-m", "store_emulator", "--platform", "woocommerce", "--port", "0"]
    cmd += ["--seed", "1", "--orders", "15", "--products", "8", "--prices-include-tax"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        found = re.fullmatch(
            r"WooCommerce emulator listening on (http://127\.0\.0\.1:\d+) \(consumer key ck_demo, "
            r"consumer secret cs_demo, 15 orders, 8 products\)\n",
            line,
        )
        assert found, line
        r = requests.get(f"{found.group(1)}/wp-json/wc/v3/orders", auth=AUTH, timeout=5)
        assert r.headers["X-WP-Total"] == "15" and r.json()[0]["prices_include_tax"] is True
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
