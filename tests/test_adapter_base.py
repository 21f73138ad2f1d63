"""The adapter layer's shared parts: registry, error type, retry policy. No network, no Odoo."""

import ast
import pathlib
import pickle
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from urllib3.util.retry import RequestHistory

try:
    from odoo.addons.storesync_connector.adapters import (
        KINDS,
        StoreAdapter,
        StoreSyncError,
        build_session,
        get_adapter_class,
        platform_selection,
    )
    from odoo.addons.storesync_connector.adapters import http as adapter_http
except ImportError:  # plain pytest without Odoo: load the pure-Python package directly
    import bare_addon  # noqa: F401 (registers the bare package)

    from storesync_connector.adapters import (
        KINDS,
        StoreAdapter,
        StoreSyncError,
        build_session,
        get_adapter_class,
        platform_selection,
    )
    from storesync_connector.adapters import http as adapter_http

ADAPTERS_DIR = pathlib.Path(__file__).resolve().parents[1] / "storesync_connector" / "adapters"


@pytest.fixture
def registry(monkeypatch):
    """A scratch copy of the platform registry, restored after the test."""
    base = sys.modules[StoreAdapter.__module__]
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    return base._REGISTRY


def test_adapters_never_import_odoo():
    for path in ADAPTERS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            assert not any(n == "odoo" or n.startswith("odoo.") for n in names), path


def test_woocommerce_is_registered():
    assert ("woocommerce", "WooCommerce") in platform_selection()
    adapter_class = get_adapter_class("woocommerce")
    assert issubclass(adapter_class, StoreAdapter)
    assert (adapter_class.batch_limit, adapter_class.max_page_size) == (100, 100)
    with pytest.raises(ValueError, match="no_such_shop"):
        get_adapter_class("no_such_shop")


def test_a_new_platform_is_one_subclass(registry):
    class Demo(StoreAdapter):
        platform = "demo"
        platform_label = "Demo Shop"

    assert get_adapter_class("demo") is Demo
    assert ("demo", "Demo Shop") in platform_selection()
    adapter = Demo("https://demo.example.com/", {})
    with pytest.raises(NotImplementedError):
        adapter.check_connection()

    class Helper(StoreAdapter):  # no platform: an intermediate base, not registered
        pass

    assert "" not in registry
    with pytest.raises(TypeError, match="already registered"):

        class Other(StoreAdapter):
            platform = "demo"
            platform_label = "Another demo"


def test_base_url_keeps_the_sub_folder():
    adapter_class = get_adapter_class("woocommerce")
    for given, expected in [
        (" https://shop.example.com/ ", "https://shop.example.com"),
        ("https://example.com/wordpress/", "https://example.com/wordpress"),
        ("https://example.com/wp/wp-json/wc/v3/", "https://example.com/wp"),
    ]:
        assert adapter_class(given, {}).base_url == expected


def test_timeouts():
    adapter_class = get_adapter_class("woocommerce")
    assert adapter_class("https://x.example", {}).timeout == (5.0, 30.0)
    assert adapter_class("https://x.example", {}, timeout=12).timeout == (5.0, 12.0)
    assert adapter_class("https://x.example", {}, timeout=2).timeout == (2.0, 2.0)
    assert adapter_class("https://x.example", {}, timeout=(1, 60)).timeout == (1.0, 60.0)


def test_store_sync_error():
    error = StoreSyncError(
        "rate_limited",
        "Too Many Requests",
        status=429,
        code="too_many_requests",
        details={"url": "https://x.example/wp-json/wc/v3/orders", "retry_after": 60},
    )
    assert error.retryable and error.kind in KINDS
    assert str(error) == (
        "rate_limited, HTTP 429 [too_many_requests]: Too Many Requests "
        "(GET https://x.example/wp-json/wc/v3/orders)"
    )
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.kind, copy.status, copy.code, copy.details) == (
        "rate_limited",
        429,
        "too_many_requests",
        error.details,
    )
    assert not StoreSyncError("auth", "no").retryable
    assert not StoreSyncError("server", "501", retryable=False).retryable
    with pytest.raises(ValueError):
        StoreSyncError("oops", "unknown kind")


def test_retry_policy():
    retry = adapter_http.make_retry(retry_total=3, backoff_factor=10, max_retry_after=7)
    assert set(retry.allowed_methods) == {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
    assert set(retry.status_forcelist) == {429, 502, 503, 504}
    assert 500 not in retry.status_forcelist
    assert retry.respect_retry_after_header and not retry.raise_on_status
    assert retry.read == 1 and retry.other == 0
    # The caps survive urllib3 rebuilding the object on every attempt.
    history = tuple(RequestHistory("GET", "/", None, 503, None) for _ in range(5))
    later = retry.new(history=history)
    assert (later.max_retry_after, later.max_backoff) == (7, 30.0)
    assert later.get_backoff_time() == 30.0  # 10 * 2**4 = 160 s, capped


def test_retry_after_values():
    parse = adapter_http.retry_after_seconds
    assert parse({"Retry-After": "12"}) == 12.0
    assert parse({}) is None
    assert parse({"Retry-After": "soon"}) is None
    in_a_minute = datetime.now(timezone.utc) + timedelta(seconds=60)
    assert 55 < parse({"Retry-After": format_datetime(in_a_minute, usegmt=True)}) <= 60
    assert parse({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0


def test_session_mounts_the_retrying_adapter():
    session = build_session(retry_total=2)
    adapter = session.get_adapter("https://shop.example.com/")
    assert isinstance(adapter, adapter_http.StoreHTTPAdapter)
    assert adapter.max_retries.total == 2
    assert "POST" not in adapter.max_retries.allowed_methods
    assert "POST" in adapter.idempotent_retries.allowed_methods
    assert session.headers["User-Agent"] == "storesync_connector/19.0 (+Odoo)"
