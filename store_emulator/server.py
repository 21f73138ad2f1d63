"""The loopback HTTP server shared by all emulated platforms, plus its control endpoints.

A platform module (``store_emulator.platforms.<name>``) provides a ``Store`` (state, seeded
data, mutations) and an ``Api`` (``handle(request) -> Response`` and
``fault_response(fault) -> Response``). This module does the HTTP, the request log, fault
injection and the ``/_emulator/`` control endpoints, which need no authentication.
"""

import contextlib
import http.client
import importlib
import json
import queue
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from store_emulator.faults import ERROR_KINDS, FaultInjector
from store_emulator.platforms import PLATFORMS

# A PHP notice printed before the JSON: the classic broken answer of a PHP shop.
PHP_NOTICE = (
    b'<br />\n<b>Warning</b>:  Undefined array key "billing" in '
    b"<b>/var/www/html/wp-content/plugins/checkout-fields/fields.php</b> on line <b>42</b><br />\n"
)


class ApiError(Exception):
    """An error answered as ``{"code", "message", "data": {"status", ...}}``."""

    def __init__(self, status: int, code: str, message: str, **data):
        super().__init__(message)
        self.status, self.code, self.message, self.data = status, code, message, data

    def body(self) -> dict:
        """The JSON error body."""
        return {
            "code": self.code,
            "message": self.message,
            "data": {"status": self.status, **self.data},
        }


def post_delivery(url: str, body: bytes, headers: dict, method: str = "POST") -> int:
    """Send a webhook delivery (POST unless told) with the header names spelt as given
    (urllib would rewrite them); the receiver's HTTP status."""
    parts = urlsplit(url)
    conn_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_class(parts.netloc, timeout=5)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body, headers)
        return conn.getresponse().status
    finally:
        conn.close()


def deliver(url: str, body: bytes, headers: dict, method: str = "POST") -> dict:
    """Send one webhook delivery (POST unless told); what a delivery log keeps of it: ``url``,
    ``body`` and ``headers`` (to send it again, as a store retrying would), the receiver's
    ``status`` (None when it could not be reached, with ``error``) and the ``seconds`` it took
    to answer."""
    record = {"url": url, "body": body, "headers": dict(headers)}
    started = time.monotonic()
    try:
        record["status"] = post_delivery(url, body, headers, method)
    except Exception as exc:  # any failure is recorded: stores do not raise either
        record["status"] = None
        record["error"] = str(exc)
    record["seconds"] = time.monotonic() - started
    return record


class DeliverySender:
    """Mixin of a platform ``Store``: one sender thread, started with the first delivery,
    sends the jobs put on ``_deliveries()`` in order, through the Store's ``_send_loop(jobs)``
    (which ends at ``None``). ``_queue`` must start as None."""

    _queue: queue.Queue | None = None

    def _deliveries(self) -> queue.Queue:
        if self._queue is None:
            self._queue = queue.Queue()
            threading.Thread(target=self._send_loop, args=(self._queue,), daemon=True).start()
        return self._queue

    def _send_loop(self, jobs: queue.Queue) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stop the webhook sender."""
        if self._queue is not None:
            self._queue.put(None)
            self._queue = None


@dataclass
class Request:
    """One parsed HTTP request; ``query`` maps names (``status[]`` -> ``status``) to values."""

    method: str
    path: str
    query_pairs: list[tuple[str, str]]
    headers: Any
    body: bytes
    base_url: str
    raw_path: str = ""  # as sent, for the request log
    _json: Any = field(default=None, repr=False)

    @property
    def query(self) -> dict[str, list[str]]:
        """Query values by name; PHP-style ``name[]``/``name[0]`` keys are folded into ``name``."""
        out: dict[str, list[str]] = {}
        for key, value in self.query_pairs:
            out.setdefault(re.sub(r"\[[^\]]*\]$", "", key), []).append(value)
        return out

    def arg(self, name: str, default=None):
        """The last value of a query argument."""
        values = self.query.get(name)
        return values[-1] if values else default

    def json(self) -> Any:
        """The body as JSON (or a form), ``{}`` when empty."""
        if self._json is None:
            ctype = self.headers.get("Content-Type", "")
            text = self.body.decode("utf-8", "replace")
            if not text.strip():
                self._json = {}
            elif "application/x-www-form-urlencoded" in ctype:
                self._json = dict(parse_qsl(text, keep_blank_values=True))
            else:
                try:
                    self._json = json.loads(text)
                except ValueError as exc:
                    raise ApiError(
                        400,
                        "rest_invalid_json",
                        "Invalid JSON body passed.",
                        json_error_message=str(exc),
                    ) from None
        return self._json

    def control_json(self) -> dict:
        """The body of a control request as a JSON object, whatever its Content-Type.

        ``curl -d '{"count": 1}'`` sends JSON labelled as a form; it is read as JSON all the
        same. An empty body is ``{}``; anything else that is not a JSON object is a 400.
        """
        text = self.body.decode("utf-8", "replace")
        if not text.strip():
            return {}
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ApiError(
                400,
                "emulator_bad_request",
                "The body of a control request must be a JSON object.",
                json_error_message=str(exc),
            ) from None
        if not isinstance(value, dict):
            raise ApiError(
                400, "emulator_bad_request", "The body of a control request must be a JSON object."
            )
        return value


@dataclass
class Response:
    """An answer: ``body`` is encoded as compact JSON unless it is bytes."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        """The encoded body."""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":")).encode()


class Router:
    """A table of (methods, path regex, handler); the first full match wins."""

    def __init__(self):
        self.routes: list[tuple[set[str], re.Pattern, Any, str | None]] = []

    def add(self, methods: str, pattern: str, handler, record: str | None = None) -> None:
        """Register ``handler(request, **groups)`` for ``methods`` ("GET", "PUT|POST"...)."""
        self.routes.append((set(methods.split("|")), re.compile(pattern), handler, record))

    def match(self, method: str, path: str):
        """(handler, groups, record kind); raises 404 ``rest_no_route`` when nothing matches."""
        for methods, regex, handler, record in self.routes:
            found = regex.fullmatch(path)
            if found and method in methods:
                groups = {k: int(v) if v.isdigit() else v for k, v in found.groupdict().items()}
                return handler, groups, record
        raise ApiError(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into ``Request`` objects and writes ``Response`` objects."""

    protocol_version = "HTTP/1.1"  # keep-alive, like a real web server; we always send a length
    server_version = "Apache/2.4.62"
    sys_version = ""
    timeout = 60  # idle keep-alive connections do not keep threads forever

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        self.server.emulator._connections.add(self.connection)

    def finish(self):
        self.server.emulator._connections.discard(self.connection)
        with contextlib.suppress(OSError):  # the client may be gone already
            super().finish()

    def log_message(self, format, *args):
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _handle(self):
        emu = self.server.emulator
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        raw_path = unquote(url.path)
        path = raw_path.rstrip("/") or "/"  # shop routes ignore a trailing slash
        pairs = parse_qsl(url.query, keep_blank_values=True)
        req = Request(self.command, path, pairs, self.headers, body, emu.url, raw_path)
        if path == "/_emulator" or path.startswith("/_emulator/"):
            self._send(emu._control(req))
            return
        entry = emu._log_request(req)
        fault = emu.faults.pick(path)
        entry["fault"] = fault.kind if fault else None
        if fault and fault.kind in ERROR_KINDS:
            response = emu.api.fault_response(fault)
        elif fault and fault.kind == "hang":
            entry["status"] = 0  # no answer is ever sent
            emu._stop_event.wait(fault.hang)
            self.close_connection = True
            return
        else:
            if fault and fault.kind == "slow":
                emu._stop_event.wait(fault.delay)
            response = emu.api.handle(req)
        entry["status"] = response.status
        payload = response.payload()
        if fault and fault.kind == "malformed":
            payload = PHP_NOTICE + payload
        elif fault and fault.kind == "truncated":
            self._send(response, payload[: len(payload) // 2], length=len(payload))
            self.close_connection = True
            return
        self._send(response, payload)

    def _send(self, response: Response, payload: bytes | None = None, length: int | None = None):
        payload = response.payload() if payload is None else payload
        self.send_response(response.status, HTTPStatus(response.status).phrase)
        if "Content-Type" not in response.headers:  # a platform may answer HTML (nginx pages)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload) if length is None else length))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:  # the client gave up (timeout): nothing left to do
            self.close_connection = True


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for hanging requests
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # Clients that time out or disconnect are part of the game, not worth a traceback.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class EmulatorServer:
    """An emulated online store on ``127.0.0.1``.

    >>> with EmulatorServer(platform=PLATFORMS[0], seed=1, orders=50, products=20) as emu:
    ...     emu.url  # the API, where the platform module says (its docstring)

    ``currency`` None is the platform's default (its module's);
    ``store_options`` are platform-specific ``Store`` arguments (e.g. a shop name).
    ``store`` is the live state (orders, products, customers, received writes), ``request_log``
    lists every API request (not control requests) as ``{"method", "path", "query", "status",
    "fault", "time"}``.
    """

    def __init__(
        self,
        platform: str = PLATFORMS[0],
        seed: int = 1,
        orders: int = 50,
        products: int = 20,
        consumer_key: str = "ck_demo",
        consumer_secret: str = "cs_demo",
        port: int = 0,
        currency: str | None = None,
        prices_include_tax: bool = False,
        verbose: bool = False,
        tax_round_at_subtotal: bool = False,
        price_decimals: int | None = None,
        **store_options,
    ):
        if platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
        module = importlib.import_module(f"store_emulator.platforms.{platform}")
        self.platform = platform
        self.title = module.TITLE
        self.seed = seed
        self.port = port
        self.verbose = verbose
        self.store = module.Store(
            seed=seed,
            orders=orders,
            products=products,
            currency=currency,
            prices_include_tax=prices_include_tax,
            tax_round_at_subtotal=tax_round_at_subtotal,
            price_decimals=price_decimals,
            **store_options,
        )
        self.api = module.Api(self.store, consumer_key, consumer_secret)
        self.faults = FaultInjector(seed)
        self.request_log: list[dict] = []
        self._log_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._stop_event = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._control_routes = self._control_router()

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8071`` (known once started)."""
        if self._httpd is None:
            raise RuntimeError("the emulator is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> "EmulatorServer":
        """Bind (port 0 = any free port) and serve in a daemon thread; returns self."""
        self._stop_event.clear()
        self._httpd = _HTTPServer(("127.0.0.1", self.port), _Handler)
        self._httpd.emulator = self
        self.store.site_url = self.url
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging requests are released and open connections are cut."""
        if self._httpd is None:
            return
        self._stop_event.set()
        self._httpd.shutdown()
        for conn in list(self._connections):  # keep-alive connections would go on serving
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self.store.close()
        self._httpd = None

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ test helpers
    def set_faults(
        self,
        kinds,
        count: int | None = None,
        rate: float | None = None,
        retry_after: int | None = None,
        delay: float = 2.0,
        path_regex: str | None = None,
        hang: float = 30.0,
    ) -> dict:
        """Inject faults into the next ``count`` matching API requests (or a ``rate`` share).

        Kinds: "429" (with Retry-After where the platform sends one; ``retry_after`` None is
        the platform's default), "500", "502", "503", "slow" (answer after ``delay``
        seconds), "hang" (no answer for ``hang`` seconds), "malformed" (invalid JSON body),
        "truncated" (Content-Length larger than what is sent).
        """
        return self.faults.set(kinds, count, rate, retry_after, delay, path_regex, hang)

    def clear_faults(self) -> None:
        """Remove the fault plan."""
        self.faults.clear()

    def reset_rate_limit(self) -> None:
        """Forget the requests the platform's rate limit counted (its last second's window):
        the next client starts with the whole allowance, as after a pause."""
        window = getattr(self.api, "window", None)
        if window is not None:
            with self.api._rate_lock:
                window.clear()

    def clear_request_log(self) -> None:
        """Forget the logged API requests."""
        with self._log_lock:
            self.request_log.clear()

    def request_log_snapshot(self) -> list[dict]:
        """A copy of the request log that later requests do not change."""
        with self._log_lock:
            return [dict(entry) for entry in self.request_log]

    def reset(self) -> None:
        """Back to the seeded state: store, request log and faults."""
        self.store.reset()
        self.clear_request_log()
        self.clear_faults()

    def summary(self) -> dict:
        """What ``GET /_emulator/`` answers."""
        return {
            "platform": self.platform,
            "url": self.url,
            "seed": self.seed,
            **self.store.summary(),
            "requests": len(self.request_log),
            "faults": self.faults.describe(),
        }

    def _log_request(self, req: Request) -> dict:
        query: dict[str, Any] = {}
        for key, value in req.query_pairs:
            value = "***" if key == "consumer_secret" else value  # keep secrets out of logs
            if key not in query:
                query[key] = value
            elif isinstance(query[key], list):
                query[key].append(value)
            else:
                query[key] = [query[key], value]
        entry = {"method": req.method, "path": req.raw_path or req.path, "query": query}
        entry["status"] = None
        entry["time"] = time.time()
        with self._log_lock:
            self.request_log.append(entry)
        return entry

    # ------------------------------------------------------------------ control endpoints
    def _control_router(self) -> Router:
        store = self.store
        router = Router()
        router.add("GET", r"/_emulator/?", lambda req: self.summary())
        router.add(
            "POST",
            r"/_emulator/orders",
            lambda req: {"ids": store.create_orders(**req.control_json())},
        )
        router.add(
            "POST",
            r"/_emulator/orders/(?P<order_id>\d+)",
            lambda req, order_id: store.modify_order(order_id, **req.control_json()),
        )
        router.add(
            "POST",
            r"/_emulator/products/(?P<product_id>\d+)",
            lambda req, product_id: store.modify_product(product_id, **req.control_json()),
        )
        router.add("GET", r"/_emulator/received", lambda req: store.received)
        router.add("DELETE", r"/_emulator/received", lambda req: store.received.clear())
        router.add("GET", r"/_emulator/requests", lambda req: self.request_log_snapshot())
        router.add("DELETE", r"/_emulator/requests", lambda req: self.clear_request_log())
        router.add("GET", r"/_emulator/faults", lambda req: self.faults.describe())
        router.add("POST", r"/_emulator/faults", lambda req: self.set_faults(**req.control_json()))
        router.add("DELETE", r"/_emulator/faults", lambda req: self.clear_faults())
        router.add(
            "GET",
            r"/_emulator/webhooks",
            # What was sent and answered; the bodies and headers stay in the process.
            lambda req: [
                {k: v for k, v in d.items() if k not in ("body", "headers")}
                for d in store.webhook_deliveries
            ],
        )
        router.add("POST", r"/_emulator/reset", lambda req: self.reset())
        router.add("POST", r"/_emulator/config", lambda req: store.configure(**req.control_json()))
        return router

    def _control(self, req: Request) -> Response:
        try:
            handler, groups, _ = self._control_routes.match(req.method, req.path)
            with self.store.lock:
                result = handler(req, **groups)
                # Encoded under the lock: the log and the store keep changing meanwhile.
                body = json.dumps(result if result is not None else {"ok": True}).encode()
            return Response(200, body)
        except ApiError as exc:
            return Response(exc.status, exc.body())
        except (TypeError, ValueError, KeyError) as exc:  # bad control input: say what
            return Response(400, {"code": "emulator_bad_request", "message": str(exc)})
