"""Hostile payloads for the pure mappers: random JSON and mutated real-shaped payloads.

Every entry point that reads a store payload before the ORM (the ``map_*`` mappers, the
``describe_*`` sync-log keys, the webhook readers and the date/link helpers) gets random JSON
values and the fixtures of ``fixtures/`` with keys dropped and values swapped for random JSON,
wrong types, huge numbers, NaN-like strings or empty containers. A mapper may only raise its
own ``PayloadError``; the tolerant ``describe_*`` functions may raise nothing at all.

Importable without Odoo (``scripts/reliability.py`` calls ``run_fuzz``)::

    >>> run_fuzz(max_examples=200, seed=0)
    {"examples": 4200, "failures": [], "targets": 21, "seconds": 3.1}
"""

import copy
import json
import pathlib
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"


def _load_modules():
    try:
        from odoo.addons.storesync_connector import adapters
        from odoo.addons.storesync_connector.utils import line_planner
    except ImportError:  # no Odoo: the bare package over the addon folder
        if str(HERE) not in sys.path:
            sys.path.insert(0, str(HERE))
        import bare_addon  # noqa: F401 (registers the bare package)

        from storesync_connector import adapters
        from storesync_connector.utils import line_planner
    return adapters, line_planner


adapters, line_planner = _load_modules()
errors = adapters.errors
woo_mapping = adapters.woocommerce.woocommerce_mapping
sr_mapping = adapters.shoprenter.shoprenter_mapping
WooCommerceAdapter = adapters.woocommerce.WooCommerceAdapter
ShoprenterAdapter = adapters.shoprenter.ShoprenterAdapter

# ---------------------------------------------------------------------------------------------
# Strategies

#: strings a sloppy store or plugin really sends where numbers, dates or ids belong
NASTY_STRINGS = (
    "",
    " ",
    "NaN",
    "nan",
    "-NaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1e999999",
    "-1e999999",
    "1E+1000000000",
    "9" * 400,
    "9" * 20,
    "0." + "0" * 25 + "1",
    "0.000000000000000000000000000001",
    "1_000",
    "١٢",  # Arabic-Indic digits: str.isdigit() and int() accept them
    "²",
    "0x1A",
    "12,50",
    " 12.5 ",
    "-0",
    "+5",
    ".5",
    "5.",
    "1e5",
    "0000-00-00 00:00:00",
    "0000-00-00T00:00:00",
    "-0001-11-30 00:00:00",
    "2024-02-30T10:00:00",
    "2024-13-01 00:00:00",
    "9999-12-31T23:59:59",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "2024-03-31 02:30:00",
    "2024-05-01T10:00:00Z",
    "2024-05-01T10:00:00+25:00",
    "null",
    "true",
    "[]",
    "{}",
    "/",
    "?",
    "https://shop.example.com/orderExtend/",
    "https://shop.example.com/x?id=",
    "\x00",
    "\ud800",
    "é" * 300,
)

NASTY_NUMBERS = (
    0,
    -1,
    2**31,
    2**63,
    -(2**63),
    10**30,
    -(10**30),
    10**400,
    1e308,
    -1e308,
    float("inf"),
    float("-inf"),
    float("nan"),
    5e-324,
    -0.0,
    0.1,
)


def _deep(depth: int):
    value = []
    for _ in range(depth):
        value = [value]
    return value


NASTY_VALUES = (
    None,
    True,
    False,
    [],
    {},
    [None],
    [[]],
    [{}],
    {"": None},
    {"id": None},
    {"href": ""},
    _deep(200),
    *NASTY_NUMBERS,
    *NASTY_STRINGS,
)

_keys = st.one_of(
    st.sampled_from(["id", "href", "name", "value", "key", "", "0", "price", "total"]),
    st.text(max_size=8),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    # copies: a later mutation inside a drawn list must not change NASTY_VALUES
    st.sampled_from(NASTY_VALUES).map(copy.deepcopy),
)


def json_values(max_leaves: int = 12):
    """Any value ``json.loads`` can produce (NaN and Infinity included), plus nasty ones."""
    return st.recursive(
        _scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def _paths(value, prefix=()):
    """Every (path, value) inside a JSON value, the root included."""
    yield prefix, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _wrong_type(value):
    """The same content in another JSON type: 12 -> "12", "12" -> 12.0, [x] -> {"0": x}..."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return [value]
    if isinstance(value, list):
        return {str(i): item for i, item in enumerate(value)}
    if isinstance(value, dict):
        return list(value.values())
    return 0


@st.composite
def mutated(draw, base, max_mutations: int = 3):
    """``base`` (a list of call arguments, deep-copied) with 1..max_mutations mutations.

    A mutation picks any node below an argument and drops it (from its dict or list), puts a
    random JSON value or a nasty value in its place, changes its type, empties it, or
    duplicates a list item. The arguments themselves may be replaced, never dropped.
    """
    args = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=max_mutations))):
        paths = [path for path, _value in _paths(args) if path]
        path = draw(st.sampled_from(paths))
        parent = args
        for step in path[:-1]:
            parent = parent[step]
        last, current = path[-1], parent[path[-1]]
        operation = draw(
            st.sampled_from(["drop", "random", "nasty", "wrong_type", "empty", "duplicate"])
        )
        if operation == "drop" and len(path) > 1:
            del parent[last]
        elif operation == "duplicate" and len(path) > 1 and isinstance(parent, list):
            parent.append(copy.deepcopy(current))
        elif operation == "nasty":
            parent[last] = copy.deepcopy(draw(st.sampled_from(NASTY_VALUES)))
        elif operation == "wrong_type":
            parent[last] = _wrong_type(current)
        elif operation == "empty":
            parent[last] = type(current)() if isinstance(current, (str, list, dict)) else None
        else:
            parent[last] = copy.deepcopy(draw(json_values()))
    return args


# ---------------------------------------------------------------------------------------------
# Targets


def load(platform: str, name: str):
    return json.loads((FIXTURES / platform / f"{name}.json").read_text(encoding="utf-8"))


def _fixtures(platform: str, prefix: str):
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((FIXTURES / platform).glob(f"{prefix}*.json"))
    ]


def _raw(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")


@dataclass
class Target:
    """One entry point: ``call(*args)`` on mutations of each ``bases`` item (a list of
    arguments) and on random JSON in place of the first argument when ``random_first``.
    ``allowed`` are the exceptions it may raise; ``check`` validates what it returns."""

    name: str
    call: object
    bases: list = field(default_factory=list)
    allowed: tuple = (errors.PayloadError,)
    check: object = None
    random_first: bool = True


def _planned(mapper):
    """``mapper`` then the line planner, each rate mapped to an Odoo tax of its percentage:
    what the import does before it writes a sales order. Planning may refuse (PlanError)."""

    def call(payload):
        order = mapper(payload)
        taxes = {
            rate.rate_id: line_planner.TaxSpec(
                tax_id=index,
                percent=rate.percent,
                price_include=order.prices_include_tax,
                name=rate.label or rate.code,
            )
            for index, rate in enumerate(order.tax_rates, 1)
        }
        return line_planner.plan_lines(order, taxes)

    return call


def _key_or_none(result):
    assert result is None or (isinstance(result, dict) and result.get("external_id")), result


def _category_or_none(result):
    assert result is None or (
        isinstance(result, dict)
        and result["id"]
        and isinstance(result["name"], str)
        and (result["parent"] is None or isinstance(result["parent"], (int, str)))
    ), result


def _webhook_about(result):
    assert isinstance(result, dict) and "kind" in result and "ping" in result, result


def _headers(value) -> dict:
    """Headers as a web server hands them over: text names and values."""
    if not isinstance(value, dict):
        return {}
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


def _woo_webhook(headers, body):
    return WooCommerceAdapter.describe_webhook(_headers(headers), _raw(body))


def _sr_webhook(content_type, body):
    """A Shoprenter delivery: the JSON in a form field ``data`` or as the whole body."""
    text = json.dumps(body, ensure_ascii=False, default=str)
    if content_type == "application/x-www-form-urlencoded":
        raw = urlencode({"data": text.encode("utf-8", "surrogatepass")}).encode()
    elif isinstance(content_type, str) and content_type.startswith("multipart/form-data"):
        raw = (
            b'--xyz\r\nContent-Disposition: form-data; name="data"\r\n\r\n'
            + text.encode("utf-8", "surrogatepass")
            + b"\r\n--xyz--\r\n"
        )
    else:
        raw = text.encode("utf-8", "surrogatepass")
    return ShoprenterAdapter.describe_webhook(_headers({"Content-Type": content_type}), raw)


def targets() -> list[Target]:
    """Every pure entry point the import runs on a store payload, with its real shapes.

    The fixtures are the platforms' documented examples (``fixtures/``): WooCommerce REST v3
    orders, products, a variation, a customer and a category; Shoprenter orderExtend,
    productExtend and categoryExtend.
    """
    woo_orders = _fixtures("woocommerce", "order_")
    woo_products = [load("woocommerce", "product_794"), load("woocommerce", "product_22_variable")]
    woo_parent, woo_variation = load("woocommerce", "product_22_variable"), None
    woo_variation = load("woocommerce", "variation_732")
    woo_customer = load("woocommerce", "customer_25")
    woo_category = load("woocommerce", "category_9")
    sr_category = load("shoprenter", "category_924")
    sr_child = {
        **sr_category,
        "parentCategory": {
            "href": "https://shopname.api.myshoprenter.hu/categories/Y2F0ZWdvcnktY2F0ZWdvcnlfaWQ9NTM="
        },
    }
    sr_orders = _fixtures("shoprenter", "order_")
    sr_products = _fixtures("shoprenter", "product_")
    category_paths = {15: ("Clothing", "Hoodies"), 9: ("Clothing",)}
    sr_category_paths = {
        cat.get("id"): ("Root", "Leaf")
        for product in sr_products
        for raw in product.get("productCategoryRelations") or []
        if isinstance(raw, dict)
        for cat in [raw.get("category") or {}]
        if isinstance(cat, dict)
    }
    woo_hook_headers = {
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": "updated",
        "X-WC-Webhook-Signature": "c2lnbmF0dXJl",
    }
    sr_hook = {
        "orders": {
            "order": [
                {**sr_orders[0], "orderHistory": {"statusId": "2", "comment": ""}},
                {"innerId": "1043", "orderHistory": {}},
            ]
        }
    }
    return [
        Target("woocommerce.map_order", woo_mapping.map_order, [[o] for o in woo_orders]),
        Target(
            "woocommerce.map_order+plan_lines",
            _planned(woo_mapping.map_order),
            [[o] for o in woo_orders],
            allowed=(errors.PayloadError, line_planner.PlanError),
            random_first=False,
        ),
        Target(
            "woocommerce.map_product",
            lambda payload: woo_mapping.map_product(payload, category_paths=category_paths),
            [[p] for p in woo_products],
        ),
        Target(
            "woocommerce.map_product(variation)",
            lambda parent, variation: woo_mapping.map_product(parent, variation, category_paths),
            [[woo_parent, woo_variation]],
        ),
        Target(
            "woocommerce.map_product(lone variation)",
            woo_mapping.map_product,
            [[{**woo_variation, "parent_id": 22}]],
        ),
        Target("woocommerce.map_customer", woo_mapping.map_customer, [[woo_customer]]),
        Target("woocommerce.parse_date", woo_mapping.parse_date, [["2017-03-22T16:28:08"]]),
        Target(
            "woocommerce.describe_order",
            WooCommerceAdapter.describe_order,
            [[o] for o in woo_orders],
            allowed=(),
            check=_key_or_none,
        ),
        Target(
            "woocommerce.describe_product",
            WooCommerceAdapter.describe_product,
            [[p] for p in woo_products],
            allowed=(),
            check=_key_or_none,
        ),
        Target(
            "woocommerce.describe_webhook",
            _woo_webhook,
            [[woo_hook_headers, woo_orders[0]]],
            allowed=(),
            check=_webhook_about,
            random_first=False,
        ),
        Target(
            "woocommerce.describe_category",
            woo_mapping.describe_category,
            [[woo_category], [{**woo_category, "id": 15, "parent": 9}]],
            allowed=(),
            check=_category_or_none,
        ),
        Target("shoprenter.map_order", sr_mapping.map_order, [[o] for o in sr_orders]),
        Target(
            "shoprenter.map_order+plan_lines",
            _planned(sr_mapping.map_order),
            [[o] for o in sr_orders],
            allowed=(errors.PayloadError, line_planner.PlanError),
            random_first=False,
        ),
        Target(
            "shoprenter.map_product",
            lambda payload: sr_mapping.map_product(payload, category_paths=sr_category_paths),
            [[p] for p in sr_products],
        ),
        Target("shoprenter.shop_datetime", sr_mapping.shop_datetime, [["2019-01-09 13:45:18"]]),
        Target(
            "shoprenter.href_id",
            sr_mapping.href_id,
            [[{"href": "https://shop.api.myshoprenter.hu/products/cHJvZHVjdC1wcm9kdWN0X2lkPTE="}]],
        ),
        Target(
            "shoprenter.describe_order",
            sr_mapping.describe_order,
            [[o] for o in sr_orders],
            allowed=(),
            check=_key_or_none,
        ),
        Target(
            "shoprenter.describe_product",
            sr_mapping.describe_product,
            [[p] for p in sr_products],
            allowed=(),
            check=_key_or_none,
        ),
        Target(
            "shoprenter.describe_category",
            sr_mapping.describe_category,
            [[sr_category], [sr_child]],
            allowed=(),
            check=_category_or_none,
        ),
        Target(
            "shoprenter.describe_webhook",
            _sr_webhook,
            [
                ["application/x-www-form-urlencoded", sr_hook],
                ["multipart/form-data; boundary=xyz", sr_hook],
                ["application/json", sr_hook],
            ],
            allowed=(),
            check=_webhook_about,
            random_first=False,
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Runner


def _short(value, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fuzz_target(target: Target, max_examples: int, seed: int = 0) -> tuple[int, dict | None]:
    """Run hypothesis on one target: (examples run, the failure or None).

    The failure is the shrunk example: ``{"target", "error", "payload"}``.
    """
    strategies = [mutated(base) for base in target.bases]
    if target.random_first:
        extra = [copy.deepcopy(arg) for arg in target.bases[0][1:]]
        strategies.append(json_values().map(lambda value: [value, *extra]))
    calls = 0
    failure = {}

    @hypothesis_seed(seed)
    @settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        report_multiple_bugs=False,
        print_blob=False,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(strategies))
    def check(args):
        nonlocal calls
        calls += 1
        shown = _short(args if len(args) > 1 else args[0])
        try:
            result = target.call(*args)
        except target.allowed:
            return
        except Exception as exc:  # anything else is the defect we hunt
            failure.update(target=target.name, error=_short(exc), payload=shown)
            raise
        if target.check is not None:
            try:
                target.check(result)
            except AssertionError as exc:
                failure.update(
                    target=target.name, error=f"bad result {_short(exc, 120)}", payload=shown
                )
                raise

    try:
        check()
    except Exception as exc:  # the shrunk example's error
        return calls, dict(failure) or {"target": target.name, "error": _short(exc), "payload": ""}
    return calls, None


def run_fuzz(max_examples: int, seed: int = 0) -> dict:
    """Fuzz every target with ``max_examples`` examples each (more when shrinking a failure).

    :returns: ``{"examples": total calls, "failures": [{"target", "error", "payload"}],
        "targets": number of targets, "seconds": wall time}``; one failing target does not
        stop the others.
    """
    started = time.monotonic()
    examples, failures = 0, []
    all_targets = targets()
    for target in all_targets:
        calls, failure = fuzz_target(target, max_examples, seed)
        examples += calls
        if failure:
            failures.append(failure)
    return {
        "examples": examples,
        "failures": failures,
        "targets": len(all_targets),
        "seconds": round(time.monotonic() - started, 2),
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    report = run_fuzz(count, int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print(json.dumps(report, indent=2, ensure_ascii=False))
