#!/usr/bin/env python3
"""Retake the README's screenshots: ``make screenshots``.

Standard library only, like scripts/dev.py: the browser is Debian's ``chromium`` (installed
with apt-get when missing and we are root), driven headless over the Chrome DevTools Protocol
through the small WebSocket client below, so nothing is downloaded besides that package.

By default the demo runs as ``make run`` starts it (scripts/dev.py ``demo_running``), on a
database of its own (``storesync_screenshots``, so that ``make run``'s demo database is left
alone) and on ports 8481 (Odoo) and 8482-8484 (the emulators); ``--url`` takes the shots on an
Odoo already running instead. Every entry of ``SHOTS`` becomes ``docs/img/<name>.png``.

Adding a shot: append to ``SHOTS``. Keys:
- ``name``: the file name (``docs/img/<name>.png``), lowercase letters, digits and ``_``;
- ``action``: the xml id of a window action, opened as ``/odoo/action-<xml id>``;
- ``record`` (optional): the record to open in that action, ``(model, domain)``, the first
  match by id; or ``res_id``: a fixed id;
- ``steps`` (optional): what to do before the shot, each a tuple:
  ``("filter", "From online stores")`` turns on a filter of the search panel,
  ``("select_all",)`` ticks the list's header checkbox (the records of the page),
  ``("action_menu", "Packing summary")`` opens the gear (Actions) menu item of that text,
  ``("click", "css selector")`` or ``("click", "css selector", "text")`` clicks an element,
  ``("wait", "css selector")`` waits until an element shows;
- ``before`` (optional): what the demo needs first, each ``(model, domain, limit, method)``:
  ``method`` called (as the web client calls a button's) on the first ``limit`` records of
  ``model`` matching ``domain``, e.g. orders put in the invoicing basket;
- ``wait_for`` (optional): a CSS selector that must be visible before the shot;
- ``viewport`` (optional): ``(width, height)``, by default 1280 x 800.
tests/test_screenshots.py checks the entries against the addon's XML and docs/img.
"""

import argparse
import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dev  # scripts/dev.py: the setup `make run` uses

IMG_DIR = dev.REPO / "docs" / "img"
SCREENSHOTS_DB = "storesync_screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
VIEWPORT = (1280, 800)
#: how long a shot's record may take to appear (seconds)
RECORD_TIMEOUT = 120
# Flags that work headless in containers (cf. Odoo's own ChromeBrowser, odoo/tests/common.py).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--disable-translate",
    "--hide-scrollbars",
    "--mute-audio",
    "--lang=en-US",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)

# The README's images, in the order they appear there (keys: this module's docstring).
SHOTS = [
    {
        "name": "store_form",
        "action": "storesync_connector.storesync_store_action",
        "record": ("storesync.store", [("platform", "=", "woocommerce")]),
        "wait_for": ".o_form_view",
    },
    {
        "name": "sync_log",
        "action": "storesync_connector.storesync_inbox_action",
        "steps": [("filter", "Orders")],
        "wait_for": ".o_list_view .o_data_row",
    },
    {
        "name": "store_orders",
        "action": "sale.action_orders",
        "steps": [("filter", "From online stores")],
        "wait_for": ".o_list_view .o_data_row",
    },
    {
        "name": "store_invoices",
        "action": "storesync_connector.storesync_store_action",
        "record": ("storesync.store", [("invoice_policy", "=", "draft")]),
        "wait_for": ".o_form_view",
        "viewport": (1280, 1000),
    },
    {
        "name": "fulfillable_orders",
        "action": "storesync_connector.storesync_fulfillable_order_action",
        "wait_for": ".o_list_view .o_data_row",
    },
    {
        "name": "packing_summary",
        "action": "storesync_connector.storesync_fulfillable_order_action",
        "steps": [("filter", "Fulfillable"), ("select_all",), ("action_menu", "Packing summary")],
        "wait_for": ".modal .o_list_view .o_data_row",
    },
    {
        "name": "purchase_needs",
        "action": "storesync_connector.storesync_fulfillable_order_action",
        "steps": [
            ("filter", "Not fulfillable"),
            ("select_all",),
            ("action_menu", "Purchase needs"),
        ],
        "wait_for": ".o_list_view .o_data_row",
    },
    {
        "name": "invoicing_basket",
        "action": "storesync_connector.sale_order_action_storesync_basket",
        "before": [
            (
                "sale.order",
                [
                    ("storesync_store_id.invoice_policy", "=", "never"),
                    ("state", "=", "sale"),
                    ("invoice_ids", "=", False),
                    ("storesync_in_basket", "=", False),
                ],
                12,
                "action_storesync_add_to_basket",
            )
        ],
        "wait_for": ".o_list_view .o_data_row",
    },
    {
        "name": "invoicing_run",
        "action": "storesync_connector.storesync_invoice_batch_action",
        "before": [
            (
                "sale.order",
                [("storesync_in_basket", "=", True)],
                12,
                "action_storesync_invoice_and_send",
            )
        ],
        "record": ("storesync.invoice.batch", [("state", "=", "done")]),
        "wait_for": ".o_form_view .o_data_row",
    },
]
STEPS = {"filter": 1, "select_all": 0, "action_menu": 1, "click": (1, 2), "wait": 1}


def shot_url(base, shot, res_id=None):
    """The web client address that opens a shot's action (and record)."""
    path = f"/odoo/action-{shot['action']}"
    res_id = res_id or shot.get("res_id")
    if res_id:
        path += f"/{int(res_id)}"
    return base.rstrip("/") + path


# --------------------------------------------------------------------------- chromium


def ensure_chromium():
    """Debian's chromium: installed with apt-get when missing and we may, else explained."""
    dev.step("Chromium")
    if os.access(CHROMIUM, os.X_OK):
        version = dev.run([CHROMIUM, "--version"], check=False).stdout.strip()
        dev.info(f"{CHROMIUM}: {version or 'present'}")
        return CHROMIUM
    if CHROMIUM != "/usr/bin/chromium":
        raise dev.SetupError(f"CHROMIUM={CHROMIUM} is not an executable")
    dev.ensure_debian_package("chromium", "chromium", "the browser that takes the screenshots")
    if not os.access(CHROMIUM, os.X_OK):
        raise dev.SetupError("apt-get installed chromium but /usr/bin/chromium is missing")
    return CHROMIUM


class CdpError(Exception):
    """The browser refused a command, or the page did not get where we waited for."""


class Cdp:
    """One page target over the Chrome DevTools Protocol: a minimal WebSocket client
    (RFC 6455 text frames, client-masked), enough for the commands below."""

    def __init__(self, ws_url, timeout=60):
        parts = urllib.parse.urlsplit(ws_url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        self.rfile = self.sock.makefile("rb")
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        status = self.rfile.readline()
        if b" 101 " not in status:
            raise CdpError(f"no WebSocket from the browser: {status!r}")
        while self.rfile.readline() not in (b"\r\n", b""):
            pass
        self.next_id = 0
        self.inflight = {}  # request id -> (url, start), for "the network is quiet"
        self.last_network = time.monotonic()
        self.errors = []  # uncaught exceptions in the page

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()

    def _frame(self, opcode, payload):
        header = bytearray([0x80 | opcode])
        size = len(payload)
        if size < 126:
            header.append(0x80 | size)
        elif size < 1 << 16:
            header += bytes([0x80 | 126]) + size.to_bytes(2, "big")
        else:
            header += bytes([0x80 | 127]) + size.to_bytes(8, "big")
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.sock.sendall(bytes(header) + mask + masked)

    def _read(self, size):
        data = self.rfile.read(size)
        if len(data) < size:
            raise CdpError("the browser closed the connection")
        return data

    def _message(self):
        message = b""
        while True:
            first, second = self._read(2)
            opcode, size = first & 0x0F, second & 0x7F
            if size == 126:
                size = int.from_bytes(self._read(2), "big")
            elif size == 127:
                size = int.from_bytes(self._read(8), "big")
            mask = self._read(4) if second & 0x80 else None
            data = self._read(size)
            if mask:
                data = bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))
            if opcode == 0x8:
                raise CdpError("the browser closed the connection")
            if opcode == 0x9:
                self._frame(0xA, data)
                continue
            if opcode == 0xA:
                continue
            message += data
            if first & 0x80:
                return json.loads(message)

    def _event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            # The bus's long-lived connection never finishes: it is not "loading".
            if "/websocket" not in url and "/longpolling" not in url:
                self.inflight[params["requestId"]] = (url, time.monotonic())
            self.last_network = time.monotonic()
        elif method in ("Network.loadingFinished", "Network.loadingFailed"):
            self.inflight.pop(params["requestId"], None)
            self.last_network = time.monotonic()
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append(details.get("exception", {}).get("description") or str(details))
        elif method == "Page.javascriptDialogOpening":
            self._send("Page.handleJavaScriptDialog", {"accept": True})

    def _send(self, method, params):
        self.next_id += 1
        self._frame(
            0x1, json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        )
        return self.next_id

    def call(self, method, **params):
        """Send a command, handle the events that arrive meanwhile, return its result."""
        wanted = self._send(method, params)
        while True:
            message = self._message()
            if message.get("id") == wanted:
                if "error" in message:
                    raise CdpError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            if "method" in message:
                self._event(message)

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise CdpError(details.get("exception", {}).get("description") or str(details))
        return result.get("result", {}).get("value")


@contextlib.contextmanager
def chromium_page(binary):
    """A headless Chromium on a fresh profile and a CDP connection to its first page."""
    profile = tempfile.mkdtemp(prefix="storesync-chromium-")
    proc = subprocess.Popen(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    page = None
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise CdpError(f"{binary} did not start (exit code {proc.poll()})")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        for _ in range(50):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as resp:
                targets = [t for t in json.load(resp) if t.get("type") == "page"]
            if targets:
                break
            time.sleep(0.1)
        else:
            raise CdpError("Chromium shows no page")
        page = Cdp(targets[0]["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Network"):
            page.call(f"{domain}.enable")
        yield page
    finally:
        if page:
            page.close()
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


# --------------------------------------------------------------------------- the web client

# The first visible element matching a selector and, when given, whose text is the text (or
# else contains it).
FIND = """((selector, text) => {
    const shown = [...document.querySelectorAll(selector)].filter(el =>
        el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden');
    const label = el => el.textContent.replace(/\\s+/g, ' ').trim();
    return text ? shown.find(el => label(el) === text) || shown.find(el => label(el).includes(text))
        : shown[0]; })"""
# Odoo's web client at rest: an action shown, no loading indicator, no blocking overlay.
IDLE = """(() => document.readyState === 'complete' && document.fonts.status === 'loaded'
    && !!document.querySelector('.o_action_manager > .o_action')
    && ![...document.querySelectorAll('.o_loading_indicator')]
        .some(el => el.getClientRects().length)
    && !document.querySelector('.o_blockUI:not(.o_blockUI_invisible)'))()"""
CURRENT_ACTION = (
    "(odoo.__WOWL_DEBUG__?.root.env.services.action.currentController?.action.id ?? null)"
)
ERROR = """(() => { const dialog = document.querySelector('.o_error_dialog');
    return dialog ? dialog.textContent.replace(/\\s+/g, ' ').trim().slice(0, 500) : null; })()"""


class WebClient:
    """Odoo's web client in one Chromium page: log in, open actions, act, shoot."""

    def __init__(self, page, base_url, timeout=120):
        self.page, self.base_url, self.timeout = page, base_url.rstrip("/"), timeout

    def wait_until(self, expression, what, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            with contextlib.suppress(CdpError):
                if self.page.evaluate(expression):
                    return
            error = self._error()
            if error:
                raise CdpError(f"Odoo shows an error while waiting for {what}: {error}")
            time.sleep(0.2)
        raise CdpError(f"timed out waiting for {what} on {self.page.evaluate('location.href')}")

    def _error(self):
        with contextlib.suppress(CdpError):
            return self.page.evaluate(ERROR)
        return None

    def wait_idle(self, quiet=0.5, settle=0.4):
        """The web client shows its action, nothing loads, the network has been quiet."""
        self.wait_until(IDLE, "the web client to be idle")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self.page.evaluate("1")  # collects the network events that arrived
            now = time.monotonic()
            # A request running for 20 s is a long poll or lost: not what the view waits for.
            busy = [url for url, start in self.page.inflight.values() if now - start < 20]
            if not busy and now - self.page.last_network > quiet:
                break
            time.sleep(0.1)
        else:
            dev.info(f"network still busy: {busy[:3]}")
        self.wait_until(IDLE, "the web client to be idle")
        time.sleep(settle)
        error = self._error()
        if error:
            raise CdpError(f"Odoo shows an error: {error}")

    def navigate(self, url):
        # The old document's requests end without events: forget them.
        self.page.inflight.clear()
        self.page.call("Page.navigate", url=url)
        self.wait_until("document.readyState === 'complete'", url)

    def login(self, login, password, db=None):
        url = f"{self.base_url}/web/login"
        if db:
            url += f"?db={urllib.parse.quote(db)}"
        self.navigate(url)
        self.wait_until(f"!!{FIND}('input[name=login]')", "the login form")
        self.page.evaluate(
            f"""(() => {{
                document.querySelector('input[name=login]').value = {json.dumps(login)};
                document.querySelector('input[name=password]').value = {json.dumps(password)};
                document.querySelector('input[name=login]').form.submit(); }})()"""
        )
        self.wait_until(
            "location.pathname.startsWith('/odoo') || !!document.querySelector('.alert-danger')",
            "the login to finish",
        )
        if not self.page.evaluate("location.pathname.startsWith('/odoo')"):
            raise CdpError(f"logging in as {login} failed on {url}")

    def rpc(self, model, method, *args, **kwargs):
        """A JSON-RPC call with the browser's session (as the web client makes them)."""
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
        }
        reply = self.page.evaluate(
            f"""fetch('/web/dataset/call_kw/{model}/{method}', {{method: 'POST',
                headers: {{'Content-Type': 'application/json'}},
                body: {json.dumps(json.dumps(body))}}}).then(r => r.json())"""
        )
        if reply.get("error"):
            raise CdpError(f"{model}.{method}: {reply['error'].get('data', {}).get('message')}")
        return reply["result"]

    def wait_for_orders(self, timeout=600):
        """The demo stores import their orders at start, the crons the rest: wait until
        Sales has orders and the sync log nothing pending, so that every run shows the
        same settled demo (after ``timeout`` seconds, the shots are taken as things are)."""
        deadline = time.monotonic() + timeout
        said = 0
        while True:
            orders = self.rpc("sale.order", "search_count", [("storesync_store_id", "!=", False)])
            pending = self.rpc("storesync.inbox", "search_count", [("state", "=", "pending")])
            if orders and not pending:
                dev.info(f"{orders} store orders in Odoo, none pending")
                return
            if time.monotonic() > deadline:
                if not orders:
                    raise CdpError("the demo stores imported no orders")
                dev.info(f"still {pending} rows pending after {timeout} s: taking the shots")
                return
            if time.monotonic() - said > 30:
                dev.info(f"{orders} store orders, {pending} rows pending: the crons import them")
                said = time.monotonic()
            time.sleep(3)

    def click(self, selector, text=None):
        """A real mouse click in the middle of the element (as a user's)."""
        find = f"{FIND}({json.dumps(selector)}, {json.dumps(text)})"
        what = f"{selector}" + (f" with {text!r}" if text else "")
        self.wait_until(f"!!{find}", what, timeout=30)
        rect = self.page.evaluate(
            f"""(() => {{ const el = {find}; el.scrollIntoView({{block: 'center'}});
                const r = el.getBoundingClientRect();
                return [r.left + r.width / 2, r.top + r.height / 2]; }})()"""
        )
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.page.call(
                "Input.dispatchMouseEvent",
                type=kind,
                x=rect[0],
                y=rect[1],
                button="left",
                clickCount=1,
            )
        time.sleep(0.2)

    def run_step(self, step):
        kind, *params = step
        if kind == "filter":
            self.click(".o_searchview_dropdown_toggler")
            self.click(".o_filter_menu .o_menu_item", params[0])
            self.wait_idle()
            self.click(".o_searchview_dropdown_toggler")  # closes the panel again
        elif kind == "select_all":
            self.click("thead .o_list_record_selector input")
            self.wait_until(f"!!{FIND}('.o_selection_box')", "the selection")
        elif kind == "action_menu":
            self.click(".o_control_panel .o_cp_action_menus button:has(.fa-cog)")
            self.click(".o-dropdown--menu .o-dropdown-item", params[0])
        elif kind == "click":
            self.click(*params)
        elif kind == "wait":
            self.wait_until(f"!!{FIND}({json.dumps(params[0])})", params[0])
        else:
            raise CdpError(f"unknown step {kind!r}")
        self.wait_idle()

    def take(self, shot, out_dir):
        width, height = shot.get("viewport", VIEWPORT)
        self.page.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        module, _, name = shot["action"].partition(".")
        rows = self.rpc(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name), ("model", "like", "ir.actions.%")],
            fields=["res_id"],
        )
        if not rows:
            raise CdpError(f"{shot['name']}: no action {shot['action']} (is the addon updated?)")
        for model, domain, limit, method in shot.get("before", ()):
            ids = self.rpc(model, "search", domain, limit=limit, order="id")
            if not ids:
                raise CdpError(f"{shot['name']}: no {model} matches {domain} for {method}")
            self.rpc(model, method, ids)
        res_id = None
        if shot.get("record"):
            model, domain = shot["record"]
            # What a ``before`` call started in the background (a cron) may take a while.
            deadline = time.monotonic() + RECORD_TIMEOUT
            while not (ids := self.rpc(model, "search", domain, limit=1, order="id")):
                if time.monotonic() > deadline:
                    raise CdpError(f"{shot['name']}: no {model} matches {domain}")
                time.sleep(2)
            res_id = ids[0]
        self.navigate(shot_url(self.base_url, shot, res_id))
        # Odoo shows its home instead of an action it cannot open: say so rather than wait.
        self.wait_until(f"{CURRENT_ACTION} !== null", f"the action {shot['action']}")
        shown = self.page.evaluate(CURRENT_ACTION)
        if shown != rows[0]["res_id"]:
            href = self.page.evaluate("location.href")
            raise CdpError(f"{shot['name']}: Odoo shows {href}, not {shot['action']}")
        self.wait_idle()
        for step in shot.get("steps", ()):
            self.run_step(step)
        if shot.get("wait_for"):
            self.wait_until(f"!!{FIND}({json.dumps(shot['wait_for'])})", shot["wait_for"])
            self.wait_idle()
        # No caret or hover left behind by the steps: the pointer leaves the window.
        self.page.evaluate("document.activeElement && document.activeElement.blur()")
        self.page.call("Input.dispatchMouseEvent", type="mouseMoved", x=width + 100, y=height + 100)
        time.sleep(0.2)
        data = base64.b64decode(self.page.call("Page.captureScreenshot", format="png")["data"])
        path = Path(out_dir) / f"{shot['name']}.png"
        path.write_bytes(data)
        return path


# --------------------------------------------------------------------------- main


def take_all(base_url, shots, args, binary):
    out_dir = Path(args.out or IMG_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    with chromium_page(binary) as page:
        client = WebClient(page, base_url)
        dev.step(f"logging in to {base_url} as {args.login}")
        client.login(args.login, args.password, args.db)
        client.wait_for_orders()
        for shot in shots:
            started = time.monotonic()
            try:
                path = client.take(shot, out_dir)
            except CdpError as exc:
                # What the browser showed instead: the first thing to look at.
                failed = Path(tempfile.gettempdir()) / f"storesync-{shot['name']}-failed.png"
                with contextlib.suppress(CdpError, OSError):
                    data = page.call("Page.captureScreenshot", format="png")["data"]
                    failed.write_bytes(base64.b64decode(data))
                    exc.args = (f"{exc.args[0]} (the page as it was: {failed})",)
                raise
            shown = path.relative_to(dev.REPO) if path.is_relative_to(dev.REPO) else path
            dev.info(
                f"{shown}: {path.stat().st_size // 1024} KB ({time.monotonic() - started:.1f} s)"
            )
        if page.errors:
            dev.info("JavaScript errors in the page: " + " | ".join(page.errors[:3]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", help="take the shots on this running Odoo instead of starting the demo"
    )
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--db", help="the database to log in to (with --url, when several)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="retake these shots only")
    parser.add_argument("--out", help="write the images there instead of docs/img")
    parser.add_argument(
        "--http-port", type=int, default=int(os.environ.get("SCREENSHOTS_HTTP_PORT", 8481))
    )
    parser.add_argument(
        "--emulator-port", type=int, default=int(os.environ.get("SCREENSHOTS_EMULATOR_PORT", 8482))
    )
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--products", type=int, default=200)
    args = parser.parse_args(argv)
    # The Shoprenter and Cartum emulators on the two ports after the WooCommerce one.
    args.shoprenter_port = args.cartum_port = 0
    shots = SHOTS
    if args.only:
        unknown = set(args.only) - {shot["name"] for shot in SHOTS}
        if unknown:
            parser.error(f"no such shot: {', '.join(sorted(unknown))}")
        shots = [shot for shot in SHOTS if shot["name"] in args.only]
    started = time.monotonic()
    try:
        binary = ensure_chromium()
        if args.url:
            take_all(args.url, shots, args, binary)
        else:
            with dev.demo_running(
                args,
                db=SCREENSHOTS_DB,
                conf_name="screenshots.conf",
                log_file=dev.STATE / "screenshots-odoo.log",
            ) as demo:
                take_all(demo.url, shots, args, binary)
    except (dev.SetupError, CdpError) as exc:
        print(f"\nERROR: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    dev.step(f"{len(shots)} screenshots in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
