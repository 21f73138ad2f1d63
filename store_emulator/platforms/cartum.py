# ruff: noqa: RUF001 (Ukrainian and Russian text: Cyrillic letters are meant)
"""Cartum (the Horoshop API): ``POST /api/<function>/`` with a JSON body, envelope answers.

Behaviour follows ``/work/shared/store_apis/cartum.md`` and ``/work/notes/cartum_payloads.md``
(tags: [DOC] vendor docs, [FIX] vendor example, [3P] third-party code or measurement, [INF]
inference); keys and types follow the fixtures in ``tests/fixtures/cartum/``.

* Every call is ``/api/<function>/`` (trailing slash optional). The parameters are the JSON
  body; a form body, or the query string of a body-less request, is read too (PHP's
  ``$_REQUEST``: bilovol's client sends ``orders/get`` as GET with ``ids[0]=..``; the docs
  call GET deprecated but working), with PHP-style keys (``ids[]``, ``expr[article]``). Any
  HTTP method is served the same way (clients send ``orders/update`` as PUT or POST). A body
  that is not JSON (and not a form) is ``HTTP_ERROR`` ``{"message": "payload is not json",
  "code": 400}``; a request without parameters is UNAUTHORIZED (or ERROR for ``auth``).
* The answer is HTTP 200 with ``{"status", "response"}``: OK, EMPTY (``response`` ``[]``),
  WARNING (partial success with a ``log``), ERROR (``response.message``; a wrong login on
  ``auth`` [DOC]), EXCEPTION (catalog/export's error), UNAUTHORIZED (missing, unknown or
  expired ``token``; ``response`` ``{}``), HTTP_ERROR, UNDEFINED_FUNCTION (``response``
  ``[]``). ``hooks/*`` answer bare bodies with HTTP statuses: subscribe 201 ``{"id": N}``,
  unSubscribe 410 ``{"status": "OK"}`` [FIX]; their refusals 400/404 with an ERROR envelope
  [INF]. The rate limit and injected faults answer nginx's HTML with their own status.
* ``auth`` ``{"login", "password"}`` (the EmulatorServer's consumer key/secret) -> ``{"token"}``
  (32 hex digits) living ``token_ttl`` s (600); the token travels in every later body.
* ``orders/get``: ``from``/``to`` inclusive on the creation date (``stat_created``, shop time:
  Europe/Kyiv or Europe/Bucharest), as ``YYYY-MM-DD``, ``DD.MM.YYYY`` or either with
  `` HH:mm:ss``; a bare date covers the whole day. ``ids`` (or ``ids[]``), ``status`` (one or a
  list), ``additionalData`` (adds ``additional_data.recipient_warehouse_ref`` to Nova Poshta
  orders), ``limit`` (at most 500, unverified; larger is cut) and ``offset`` (ignored without
  ``limit``, as documented). No count; ascending ``order_id``; without ``limit`` every match.
  ``delivery_data`` comes without the flag: ``[]`` for pickup/courier, else the carrier's
  block with ``tnNumber`` null until a waybill exists.
* ``orders/update``: ``log`` entries ``{"status": "OK"|"ERROR", "messages": "UPDATED"|<why>}``
  in request order, no ``order_id`` [FIX]; OK, WARNING, or ERROR when none was updated.
  Status 4 through the API does not give stock back [3P measured], while the back office's
  cancel (``modify_order(status=4)``) does.
* ``catalog/export``: limit default and max 500 (cut silently), ``expr`` by ``article``,
  ``parent_article``, ``parent``/``parent.id``, ``display_in_showcase``; ``includedParams`` /
  ``excludedParams``. A main product's ``parent_article`` is its own article, modifications
  name it. Stock: ``quantity`` (total, 0 when untracked) and ``residues`` per warehouse
  [INF: no source shows the export shape]. ``catalog/import``: upsert by ``article``;
  ``log[{article, info: [{code, message}]}]`` with codes 0 (done), 6 (a new product without
  ``title``), 11 (a field or warehouse the data template lacks: the rest is applied);
  top-level ``quantity`` is accepted and ignored, stock goes in ``residues: [{"warehouse",
  "quantity"}]``. ``pages/export``: one level under ``parent`` (default 0), EMPTY under a
  leaf. ``orders/get_available_statuses``: an object keyed by the id string.
* ``hooks/subscribe`` at most 5 subscriptions per event ("Subscriptions limit for current
  event has been reached"). Deliveries: the sender thread sends each event at once (the real
  shop queues them for a cron of about 5 minutes and retries) as ``PUT`` with a JSON body
  ``{"event", "order"}`` (the order as ``orders/get`` shows it) [INF: no source shows the
  body]; no signature, so the secret lives in the target URL.
* Rate limit: none documented; ``configure(rate_limit=N)`` allows N API requests per second
  (0, the default, is off); beyond it 429 with ``Retry-After: 1``.

Money: prices are gross (VAT inside, no tax data). ``total_price`` = ``price`` x ``quantity``,
``total_default`` = sum of the lines, ``coupon_discount_value`` = ``coupon_percent`` of
``total_default`` (2 decimals, half up), ``discount_value`` = coupon + any other order-level
discount (a loyalty discount), ``total_sum`` = ``total_default`` - ``discount_value``; delivery
is not in ``total_sum`` (``delivery_price`` -1 = at the carrier's rates, unknown). Amounts are
JSON numbers: whole amounts as integers (hryvnia prices), else 2 decimals (lei, coupons).
"""

import copy
import hashlib
import hmac
import json
import queue
import random
import re
import threading
import time
import traceback
import unicodedata
import uuid
from collections import deque
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import parse_qsl

from faker import Faker

from store_emulator.data import (
    EPOCH,
    DataGenerator,
    phone_e164,
    render_phone,
    store_offset,
    utcnow,
)
from store_emulator.server import DeliverySender, Response, deliver

TITLE = "Cartum"
CREDENTIAL_NAMES = ("login", "password")  # = EmulatorServer consumer_key/_secret
WEBHOOK_TOPICS = ("order_created", "order_update")
WEBHOOK_EVENTS = (
    "order_created",
    "order_update",
    "order_paid",
    "user_signup",
    "user_update",
    "request_call_me",
    "comments_created",
)
HOOKS_PER_EVENT = 5
TOKEN_TTL = 600
ORDERS_LIMIT_MAX = 500  # undocumented for orders/get: an assumption
CATALOG_LIMIT = 500  # catalog/export default and maximum [DOC]
CENT = Decimal("0.01")
ZERO = Decimal(0)

# id: (titles by language, is_successful, English alias); 1-6 built in, 7-8 custom
STATUSES = {  # ua/en titles as in the fixture get_available_statuses.json
    1: ({"ua": "Нове", "ru": "Новый", "en": "New", "ro": "Nouă"}, 0, "new"),
    2: (
        {"ua": "В обробці", "ru": "В обработке", "en": "Processing", "ro": "În procesare"},
        0,
        "processing",
    ),
    3: (
        {"ua": "Доставлене", "ru": "Доставлен", "en": "Delivered", "ro": "Livrată"},
        1,
        "delivered",
    ),
    4: (
        {"ua": "Не доставлене", "ru": "Не доставлен", "en": "Canceled", "ro": "Anulată"},
        0,
        "cancelled",
    ),
    6: (
        {"ua": "Надіслане", "ru": "Отправлен", "en": "Shipping", "ro": "În livrare"},
        0,
        "shipping",
    ),
    7: (
        {
            "ua": "Очікує оплату",
            "ru": "Ожидает оплаты",
            "en": "Awaiting payment",
            "ro": "Așteaptă plata",
        },
        0,
        "awaiting_payment",
    ),
    8: ({"ua": "Повернення", "ru": "Возврат", "en": "Returned", "ro": "Returnată"}, 0, "returned"),
}
CANCELLED = 4

# Two shops: everything that differs between the hryvnia and the lei shop.
SHOPS = {
    "UAH": {
        "languages": ("ua", "ru"),
        "time_zone": "Europe/Kyiv",
        "domain": "demo-shop.com.ua",
        "pages": [  # id, parent, titles, discount (%)
            (1, 0, ("Одяг", "Одежда"), 0),
            (2, 1, ("Футболки", "Футболки"), 10),
            (3, 1, ("Худі та світшоти", "Худи и свитшоты"), 0),
            (4, 0, ("Дім і кухня", "Дом и кухня"), 0),
            (5, 4, ("Чашки", "Чашки"), 0),
            (6, 4, ("Текстиль", "Текстиль"), 0),
            (7, 0, ("Кава і чай", "Кофе и чай"), 0),
            (8, 7, ("Кава в зернах", "Кофе в зернах"), 0),
            (9, 7, ("Чай", "Чай"), 0),
            (10, 0, ("Подарункові сертифікати", "Подарочные сертификаты"), 0),
        ],
        # page: (article prefix, names by language, price range, variant attribute)
        "kinds": {
            2: (
                "TS",
                [
                    ("Футболка базова", "Футболка базовая"),
                    ("Футболка оверсайз", "Футболка оверсайз"),
                ],
                (399, 899),
                "size",
            ),
            3: (
                "HD",
                [("Худі з капюшоном", "Худи с капюшоном"), ("Світшот", "Свитшот")],
                (999, 1899),
                "colour",
            ),
            5: (
                "MG",
                [("Чашка керамічна", "Чашка керамическая"), ("Термочашка", "Термокружка")],
                (149, 499),
                None,
            ),
            6: (
                "TX",
                [("Рушник кухонний", "Полотенце кухонное"), ("Плед вовняний", "Плед шерстяной")],
                (199, 1299),
                None,
            ),
            8: (
                "CF",
                [
                    ("Кава Ефіопія 250 г", "Кофе Эфиопия 250 г"),
                    ("Кава Колумбія 250 г", "Кофе Колумбия 250 г"),
                    ("Кава Бразилія 1 кг", "Кофе Бразилия 1 кг"),
                ],
                (259, 899),
                None,
            ),
            9: (
                "TE",
                [
                    ("Чай Ерл Грей 100 г", "Чай Эрл Грей 100 г"),
                    ("Чай Сенча 100 г", "Чай Сенча 100 г"),
                ],
                (129, 349),
                None,
            ),
            10: ("GC", [("Подарунковий сертифікат", "Подарочный сертификат")], (500, 2000), None),
        },
        "colours": [
            ("чорний", "черный"),
            ("білий", "белый"),
            ("сірий", "серый"),
            ("синій", "синий"),
        ],
        "brands": ["Gorgany", "Lviv Craft", "Coffee Lab", "Teaholic", "Dobro"],
        "presence": {
            1: ("В наявності", "В наличии"),
            2: ("Немає в наявності", "Нет в наличии"),
            3: ("Під замовлення", "Под заказ"),
        },
        "warehouses": ("office", "kyiv"),
        # id: (title, alias, cost: -1 = at carrier's rates)
        "deliveries": {
            1: ("Нова Пошта", "nova_poshta", Decimal(-1)),
            2: ("Укрпошта", "ukrposhta", Decimal(45)),
            3: ("Самовивіз з магазину", "pickup", ZERO),
            4: ("Кур'єр по Києву", "courier", Decimal(150)),
        },
        "payments": {
            1: ("Накладений платіж", "cod"),
            2: ("Оплата карткою онлайн (LiqPay)", "card"),
            3: ("Безготівковий розрахунок", "bank"),
        },
        "coupons": {"ZNYZHKA10": 10, "VESNA15": 15},
        "carrier_states": ("Прямує до відділення", "Відправлення отримано"),
        "comment": "Передзвоніть, будь ласка",
        "loyalty": Decimal(50),
        "step": Decimal(1),  # prices in whole hryvnias
        # canonical city (delivery_city_stable), how buyers type it
        "cities": [
            ("Київ", ["Київ", "м. Київ", "Киев", "київ"]),
            ("Львів", ["Львів", "м. Львів", "Львов"]),
            ("Одеса", ["Одеса", "Одесса"]),
            ("Харків", ["Харків", "Харьков"]),
            ("Дніпро", ["Дніпро", "Днепр"]),
            ("Вінниця", ["Вінниця", "Винница"]),
            ("Полтава", ["Полтава", "м.Полтава"]),
        ],
        "streets": [
            "вул. Шевченка",
            "вул. Івана Франка",
            "просп. Перемоги",
            "вул. Соборна",
            "вул. Грушевського",
            "вул. Садова",
            "вул. Героїв Майдану",
        ],
    },
    "RON": {
        "languages": ("ro", "en"),
        "time_zone": "Europe/Bucharest",
        "domain": "demo-shop.ro",
        "pages": [  # id, parent, titles, discount (%)
            (1, 0, ("Îmbrăcăminte", "Clothing"), 0),
            (2, 1, ("Tricouri", "T-shirts"), 10),
            (3, 1, ("Hanorace", "Hoodies"), 0),
            (4, 0, ("Casă și bucătărie", "Home & kitchen"), 0),
            (5, 4, ("Căni", "Mugs"), 0),
            (6, 4, ("Textile", "Textiles"), 0),
            (7, 0, ("Cafea și ceai", "Coffee & tea"), 0),
            (8, 7, ("Cafea boabe", "Coffee beans"), 0),
            (9, 7, ("Ceai", "Tea"), 0),
            (10, 0, ("Carduri cadou", "Gift cards"), 0),
        ],
        "kinds": {
            2: (
                "TS",
                [("Tricou basic", "Basic T-shirt"), ("Tricou oversize", "Oversize T-shirt")],
                (49, 119),
                "size",
            ),
            3: (
                "HD",
                [("Hanorac cu glugă", "Hooded sweatshirt"), ("Bluză sport", "Sweatshirt")],
                (129, 249),
                "colour",
            ),
            5: (
                "MG",
                [("Cană ceramică", "Ceramic mug"), ("Cană termos", "Travel mug")],
                (29, 79),
                None,
            ),
            6: (
                "TX",
                [("Prosop de bucătărie", "Tea towel"), ("Pătură de lână", "Wool blanket")],
                (25, 199),
                None,
            ),
            8: (
                "CF",
                [
                    ("Cafea Etiopia 250 g", "Ethiopia coffee 250 g"),
                    ("Cafea Columbia 250 g", "Colombia coffee 250 g"),
                    ("Cafea Brazilia 1 kg", "Brazil coffee 1 kg"),
                ],
                (39, 129),
                None,
            ),
            9: (
                "TE",
                [
                    ("Ceai Earl Grey 100 g", "Earl Grey tea 100 g"),
                    ("Ceai Sencha 100 g", "Sencha tea 100 g"),
                ],
                (19, 49),
                None,
            ),
            10: ("GC", [("Card cadou", "Gift card")], (100, 400), None),
        },
        "colours": [("negru", "black"), ("alb", "white"), ("gri", "grey"), ("bleumarin", "navy")],
        "brands": ["Carpați", "Cluj Roasters", "Dacia Textile", "Ceainăria", "Bun"],
        "presence": {
            1: ("În stoc", "In stock"),
            2: ("Stoc epuizat", "Out of stock"),
            3: ("La comandă", "On order"),
        },
        "warehouses": ("office", "cluj"),
        "deliveries": {
            1: ("Fan Courier", "fan", Decimal("19.99")),
            2: ("Sameday easybox", "sameday", Decimal("12.99")),
            3: ("Ridicare personală", "pickup", ZERO),
            4: ("Cargus", "cargus", Decimal(-1)),
        },
        "payments": {
            1: ("Ramburs la livrare", "cod"),
            2: ("Card online", "card"),
            3: ("Transfer bancar", "bank"),
        },
        "coupons": {"REDUCERE10": 10, "PRIMAVARA15": 15},
        "carrier_states": ("În tranzit", "Livrat"),
        "comment": "Vă rog să sunați înainte de livrare.",
        "loyalty": Decimal(10),
        "step": CENT,
        "cities": [],  # data.py's Romanian addresses
        "streets": [],
    },
}
SIZES = ["S", "M", "L", "XL"]
UA_MOBILE = ["50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"]
# How Ukrainians type the same mobile number (a = operator code, s = 7 digits).
UA_PHONE_FORMATS = [
    "0{a}{s}",
    "+380 {a} {s1} {s2} {s3}",
    "380{a}{s}",
    "+380{a}{s}",
    "0{a} {s1} {s2} {s3}",
    "(0{a}) {s1}-{s2}-{s3}",
    "+38 (0{a}) {s1}-{s2}-{s3}",
]
UA_LATIN = {  # Ukrainian national transliteration, plus the Russian letters
    **dict(zip("абвгґдезийклмнопрстуфхцчшыэ", "abvhgdezyiklmnoprstufhcsyye", strict=True)),
    **{"є": "ie", "ж": "zh", "і": "i", "ї": "i", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh"},
    **{"щ": "shch", "ю": "iu", "я": "ia", "ё": "e", "ь": "", "ъ": "", "'": ""},
}
NGINX_PAGES = {
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    404: "404 Not Found",
}


# ---------------------------------------------------------------------------- helpers
def money(value) -> Decimal:
    """Rounded to 2 decimals, half up (PHP's round)."""
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def num(value):
    """An amount as the API prints it: an integer when whole, else a number with 2 decimals."""
    value = money(value)
    return int(value) if value == value.to_integral_value() else float(value)


def shop_time(gmt: datetime) -> datetime:
    """GMT -> shop time (Kyiv and Bucharest: one hour ahead of Budapest, same DST rule)."""
    return gmt + store_offset(gmt) + timedelta(hours=1)


def nginx_page(status: int) -> bytes:
    """nginx's default HTML error page."""
    title = NGINX_PAGES[status]
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1>"
        "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


def latin(text: str) -> str:
    """A rough transliteration for e-mail addresses (Ukrainian national system)."""
    out = "".join(UA_LATIN.get(c, c) for c in text.lower())
    return unicodedata.normalize("NFKD", out).encode("ascii", "ignore").decode()


def php_params(pairs) -> dict:
    """Query or form pairs with PHP's bracket keys (``ids[]=1``, ``expr[article]=A``,
    ``orders[0][order_id]=5``) as nested dicts and lists, the way PHP builds ``$_REQUEST``."""
    out: dict = {}
    for key, value in pairs:
        found = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
        parts = [found[1], *re.findall(r"\[([^\[\]]*)\]", found[2])] if found else [key]
        node = out
        for index, part in enumerate(parts):
            part = part or str(len(node))  # "[]" appends
            if index == len(parts) - 1:
                node[part] = value
            else:
                if not isinstance(node.get(part), dict):
                    node[part] = {}
                node = node[part]
    return {k: _listify(v) for k, v in out.items()}


def _listify(value):
    """Dicts keyed 0..n (from ``[]`` or ``[0]`` keys) become lists."""
    if not isinstance(value, dict):
        return value
    value = {k: _listify(v) for k, v in value.items()}
    if value and all(k.isdigit() for k in value):
        return [value[k] for k in sorted(value, key=int)]
    return value


class CartumError(Exception):
    """A non-OK envelope: ``{"status": status, "response": response}`` with ``http`` status."""

    def __init__(self, status: str, message: str | None = None, http: int = 200, **response):
        super().__init__(message or status)
        self.status, self.http = status, http
        self.response = ({"message": message} if message else {}) | response

    def as_response(self) -> Response:
        return Response(self.http, {"status": self.status, "response": self.response})


def envelope(status: str, response, http: int = 200) -> Response:
    return Response(http, {"status": status, "response": response})


def _int(value, name: str) -> int:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if isinstance(value, bool) or number is None or number != number.to_integral_value():
        raise ValueError(f"{name}: {value!r} is not an integer")
    return int(number)


def _amount(value, name: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        number = None
    if isinstance(value, bool) or number is None or not number.is_finite() or number < 0:
        raise ValueError(f"{name}: {value!r} is not an amount >= 0")
    return money(number)


def _flag(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


# ---------------------------------------------------------------------------- store
class Store(DeliverySender):
    """The state of one emulated Cartum shop (UAH, Ukrainian; or RON, Romanian).

    ``orders`` and ``products`` map int ids to internal dicts rendered by ``order_json`` and
    ``product_json``; ``received`` lists every API write, ``webhooks`` the subscriptions,
    ``webhook_deliveries`` what the sender thread sent. Hold ``lock`` while reading or
    changing. ``prices_include_tax``, ``tax_round_at_subtotal`` and ``price_decimals`` are
    accepted and ignored (Cartum prices are gross; 2 decimals at most).
    """

    def __init__(
        self,
        seed=1,
        orders=50,
        products=20,
        currency=None,
        prices_include_tax=False,
        tax_round_at_subtotal=False,
        price_decimals=None,
    ):
        currency = currency or "UAH"
        if currency not in SHOPS:
            raise ValueError(
                f"the Cartum emulator seeds hryvnia (UAH) or lei (RON) shops, not {currency!r}"
            )
        self.config = {
            "seed": seed,
            "orders": int(orders),
            "products": max(int(products), 1),
            "currency": currency,
            "token_ttl": TOKEN_TTL,
            "rate_limit": 0,
        }
        self.shop = SHOPS[currency]
        self.currency = currency
        self.languages = self.shop["languages"]
        self.lock = threading.RLock()
        self.site_url = "http://127.0.0.1"
        self._queue: queue.Queue | None = None
        self.reset()

    # ------------------------------------------------------------------ seeding
    def reset(self) -> None:
        """Rebuild the seeded state; forget writes, subscriptions and deliveries."""
        with self.lock:
            cfg = self.config
            self.rng = random.Random(f"cartum-{cfg['seed']}-{self.currency}")
            self.gen = DataGenerator(cfg["seed"], "RON")  # Romanian people
            self.faker = Faker("uk_UA")
            self.faker.seed_instance(cfg["seed"])
            self._counters = {"order": 1000, "product": 100, "user": 500, "hook": 0, "seq": 0}
            self.received: list[dict] = []
            self.webhooks: dict[int, dict] = {}
            self.webhook_deliveries: list[dict] = []
            self.products: dict[int, dict] = {}
            self.users: dict[int, dict] = {}
            self.orders: dict[int, dict] = {}
            self._seed_catalogue(cfg["products"])
            self._seed_orders(cfg["orders"])

    def configure(self, token_ttl=None, rate_limit=None) -> dict:
        """``POST /_emulator/config``: token lifetime (s) for new tokens, API requests per
        second (0 = no limit)."""
        with self.lock:
            if token_ttl is not None:
                if int(token_ttl) < 1:
                    raise ValueError("token_ttl must be at least 1 second")
                self.config["token_ttl"] = int(token_ttl)
            if rate_limit is not None:
                if int(rate_limit) < 0:
                    raise ValueError("rate_limit must be 0 (off) or more")
                self.config["rate_limit"] = int(rate_limit)
            return {k: self.config[k] for k in ("token_ttl", "rate_limit")}

    #: what ``snapshot`` leaves out: the lock and the webhook sender, which live on
    _LIVE = frozenset({"lock", "_queue", "site_url", "shop"})

    def snapshot(self) -> dict:
        """The whole state, to come back to with ``restore``."""
        with self.lock:
            return copy.deepcopy({k: v for k, v in vars(self).items() if k not in self._LIVE})

    def restore(self, state: dict) -> None:
        """Back to a ``snapshot``; the snapshot stays reusable."""
        with self.lock:
            vars(self).update(copy.deepcopy(state))

    def _next(self, kind: str, gap: int = 1) -> int:
        self._counters[kind] += self.rng.randint(1, gap) if gap > 1 else 1
        return self._counters[kind]

    def _titles(self, pair) -> dict:
        return dict(zip(self.languages, pair, strict=True))

    def _price(self, low: int, high: int) -> Decimal:
        """A shelf price: 459 (hryvnias end in 9) or 49.99 (lei)."""
        base = self.rng.randint(low, high)
        if self.shop["step"] == 1:
            return Decimal(base // 10 * 10 + 9)
        return Decimal(base) + self.rng.choice([Decimal("0.99"), Decimal("0.90"), ZERO])

    def _seed_catalogue(self, count: int) -> None:
        rng = self.rng
        kinds = self.shop["kinds"]
        leaves = list(kinds)
        made = 0
        index = 0
        while made < count:
            # The first ones cover every case (a variable product of each attribute, an
            # untracked gift card); then at random.
            page = leaves[index] if index < len(leaves) else rng.choice(leaves[:-1] * 3 + [10])
            prefix, names, (low, high), attribute = kinds[page]
            name = rng.choice(names)
            article = f"{prefix}-{1000 + index}"
            price = self._price(low, high)
            base = {
                "page": page,
                "brand": rng.choice(self.shop["brands"]) if page != 10 else "",
                "tracked": page != 10 and rng.random() > 0.08,
                "created": EPOCH - timedelta(days=rng.uniform(130, 700)),
            }
            if attribute and made + 2 <= count:
                values = (
                    SIZES[: rng.randint(3, 4)]
                    if attribute == "size"
                    else rng.sample(self.shop["colours"], 3)
                )
                group = None
                for value in values[: count - made]:
                    label = value if isinstance(value, str) else None
                    suffix = label or latin(value[0])[:3].upper()
                    titles = [f"{n}, {label or value[i]}" for i, n in enumerate(name)]
                    product = self._add_product(f"{article}-{suffix}", titles, price, base, group)
                    group = group or product["article"]
                    product["variant"] = (attribute, [label] * 2 if label else list(value))
                    made += 1
            else:
                if page == 10:
                    price = Decimal(
                        rng.choice([500, 1000, 2000])
                        if self.currency == "UAH"
                        else rng.choice([100, 200, 400])
                    )
                self._add_product(article, list(name), price, base, None)
                made += 1
            index += 1

    def _add_product(self, article, titles, price, base, group) -> dict:
        rng = self.rng
        warehouses = self.shop["warehouses"]
        stock = None
        if base["tracked"]:
            roll = rng.random()
            office = 0 if roll < 0.1 else rng.randint(1, 4) if roll < 0.3 else rng.randint(5, 80)
            stock = {warehouses[0]: office, warehouses[1]: rng.choice([0, 0, rng.randint(1, 9)])}
        price_old = ZERO
        if rng.random() < 0.15:  # on sale: the old price crossed out
            price_old = (price * Decimal("1.25")).quantize(Decimal(10), ROUND_HALF_UP) - 1
            if self.shop["step"] != 1:  # lei: 144.99
                price_old = int(price * Decimal("1.25")) + Decimal("0.99")
        inner = self._next("product", 2)
        product = {
            "id": inner,
            "article": article,
            "parent_article": group or article,  # a main product names itself
            "variant": None,  # (attribute, values by language) of a modification
            "title": self._titles(titles),
            "description": self._titles([f"<p>{t}</p>" for t in titles]),
            "price": price,
            "price_old": price_old,
            "page": base["page"],
            "brand": base["brand"],
            "stock": stock,
            "presence": 1,
            "display": 1,
            "created": base["created"],
            "extra": {},
        }
        self._update_presence(product)
        self.products[inner] = product
        return product

    def _update_presence(self, product: dict) -> None:
        if product["stock"] is not None:
            product["presence"] = 1 if sum(product["stock"].values()) > 0 else 2

    def product_by_article(self, article: str) -> dict | None:
        """The product with this article (None when there is none)."""
        return next((p for p in self.products.values() if p["article"] == str(article)), None)

    # ------------------------------------------------------------------ people
    def _ua_phone(self) -> dict:
        sub = str(self.rng.randint(2, 9)) + "".join(str(self.rng.randint(0, 9)) for _ in range(6))
        return {"country": "UA", "area": self.rng.choice(UA_MOBILE), "sub": sub}

    @staticmethod
    def render_phone(phone: dict, style: int) -> str:
        """The phone as a buyer typed it (style picks the way)."""
        if phone["country"] != "UA":
            return render_phone(phone, style)
        s = phone["sub"]
        form = UA_PHONE_FORMATS[style % len(UA_PHONE_FORMATS)]
        return form.format(a=phone["area"], s=s, s1=s[:3], s2=s[3:5], s3=s[5:])

    @staticmethod
    def phone_e164(phone: dict) -> str:
        """The canonical number every rendering stands for."""
        if phone["country"] == "UA":
            return f"+380{phone['area']}{phone['sub']}"
        return phone_e164(phone)

    def _person(self) -> dict:
        """A new buyer of the shop's country."""
        rng = self.rng
        if self.currency == "RON":
            p = self.gen.new_person("RO")
            city = p["city"]
            typed = [city, latin(city).title()]
            address = ", ".join(x for x in (p["address_1"], p["address_2"]) if x)
            return {
                "name": f"{p['first_name']} {p['last_name']}",
                "email": p["email"],
                "phone": p["phone"],
                "phone_style": p["phone_style"],
                "city": city,
                "city_typed": rng.choice(typed),
                "street": address,
                "postcode": p["postcode"],
            }
        female = rng.random() < 0.5
        faker = self.faker
        first = faker.first_name_female() if female else faker.first_name_male()
        last = faker.last_name_female() if female else faker.last_name_male()
        city, typed = rng.choice(self.shop["cities"])
        local = rng.choice([f"{latin(first)}.{latin(last)}", f"{latin(last)}{rng.randint(1, 99)}"])
        domain = rng.choice(["gmail.com", "ukr.net", "i.ua", "meta.ua"])
        street = f"{rng.choice(self.shop['streets'])}, {rng.randint(1, 120)}"
        if rng.random() < 0.5:
            street += f", кв. {rng.randint(1, 200)}"
        return {
            # people type "first last" mostly, sometimes "last first"
            "name": f"{first} {last}" if rng.random() < 0.8 else f"{last} {first}",
            "email": f"{local.replace(' ', '')}@{domain}",
            "phone": self._ua_phone(),
            "phone_style": rng.randrange(len(UA_PHONE_FORMATS)),
            "city": city,
            "city_typed": rng.choice(typed),
            "street": street,
            "postcode": f"{rng.randint(1, 99):02d}{rng.randint(0, 999):03d}",
        }

    def _register(self, person: dict) -> int:
        user = self._next("user", 4)
        self.users[user] = {"id": user, "person": person}
        return user

    def _buyer(self, customer=None) -> tuple[int, dict]:
        """(user id or 0, person): a guest, a new or a returning registered buyer."""
        rng = self.rng
        if customer is None:
            customer = "guest" if rng.random() < 0.45 else "registered"
        if customer == "guest":
            return 0, self._person()
        if customer == "registered":
            if self.users and rng.random() < 0.3:
                user = rng.choice(list(self.users))
                return user, self.users[user]["person"]
            person = self._person()
            return self._register(person), person
        user = _int(customer, "customer")
        if user not in self.users:
            raise ValueError(f"customer: no registered user {user}")
        return user, self.users[user]["person"]

    # ------------------------------------------------------------------ orders
    def _seed_orders(self, count: int) -> None:
        rng = self.rng
        span = 120 * 24 * 3600
        moments = sorted(rng.randrange(span) for _ in range(count))
        # One regular buyer orders several times, typing the phone differently each time.
        regular = None
        if count >= 4:
            person = self._person()
            regular = self._register(person)
        slots = {count * k // 4 + 1 for k in range(4)} if regular else set()
        for index, moment in enumerate(moments):
            created = EPOCH - timedelta(seconds=span - moment)
            customer = regular if index in slots else None
            order = self._make_order(created, None, customer=customer)
            if index in slots:  # a new way of typing the same number each time
                order["phone_text"] = self.render_phone(
                    self.users[regular]["person"]["phone"], sorted(slots).index(index)
                )

    def _pick_status(self, created: datetime) -> int:
        age = (EPOCH - created).days
        weights = [2, 2, 9, 1.5, 2, 0.5, 0.4] if age > 10 else [6, 4, 1, 0.5, 3, 1, 0.1]
        return self.rng.choices(list(STATUSES), weights)[0]

    def _random_lines(self) -> list[dict]:
        rng = self.rng
        pool = [p for p in self.products.values() if p["page"] != 10] or list(
            self.products.values()
        )
        if rng.random() < 0.05:
            pool = list(self.products.values())
        picked = rng.sample(pool, min(len(pool), rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]))
        return [{"product": p, "quantity": rng.choices([1, 2, 3], [70, 22, 8])[0]} for p in picked]

    def _make_order(
        self,
        created: datetime,
        status,
        lines=None,
        coupon=None,
        delivery=None,
        payment=None,
        customer=None,
        phone=None,
        gift=None,
    ) -> dict:
        """An order placed at ``created`` (GMT); random where the caller gave nothing."""
        rng = self.rng
        user, person = self._buyer(customer)
        lines = lines or self._random_lines()
        if delivery is None:
            delivery = rng.choices(list(self.shop["deliveries"]), [6, 2, 1, 1])[0]
        if payment is None:
            payment = rng.choices(list(self.shop["payments"]), [6, 4, 1])[0]
        if status is None:
            status = self._pick_status(created)
        coupon_pct = None
        if coupon is None and rng.random() < 0.15:
            coupon = rng.choice(list(self.shop["coupons"]))
        if coupon is not None:
            coupon_pct = Decimal(
                coupon if isinstance(coupon, Decimal) else self.shop["coupons"][coupon]
            )
        if gift is None:
            gift = rng.random() < 0.1
        style = person["phone_style"]
        if user and rng.random() < 0.5:  # a returning buyer types it another way
            style += rng.randint(1, 4)
        items = []
        for line in lines:
            product = line["product"]
            items.append(self._line(product, int(line["quantity"]), line.get("type", "product")))
        if gift:
            cheap = min(self.products.values(), key=lambda p: (p["price"], p["id"]))
            items[0]["type"] = "gift_parent"
            items.append(self._line(cheap, 1, "gift"))
        order = {
            "id": self._next("order", 3),
            "user": user,
            "name": person["name"],
            "email": person["email"] if rng.random() > 0.05 else "",
            "phone_text": phone if phone is not None else self.render_phone(person["phone"], style),
            "phone": person["phone"],
            "city": person["city"],
            "city_typed": person["city_typed"],
            "address": self._address(person, delivery),
            "delivery": delivery,
            "delivery_price": self._delivery_price(delivery),
            "payment": payment,
            "payed": 0,
            "status": status,
            "created": created,
            "updated": created,
            "lines": items,
            "coupon_percent": coupon_pct,
            "loyalty": self.shop["loyalty"] if user and rng.random() < 0.08 else ZERO,
            "tracking": "",
            "coupon_code": coupon
            if isinstance(coupon, str)
            else ("" if coupon is None else f"COUPON{num(coupon)}"),
            "comment": rng.choice(["", "", "", "", self.shop["comment"]]),
            "callback": rng.random() < 0.3,
            "analytics": self._analytics(),
            "history": [(created, status)],
        }
        paid_online = payment == 2 and status != 7
        if paid_online or (status == 3 and rng.random() < 0.8):  # delivered: mostly paid
            order["payed"] = 1
        if status in (3, 6) and delivery in (1, 2, 4) and rng.random() < 0.9:
            order["tracking"] = self._tracking(delivery)
        self._price_order(order)
        self.orders[order["id"]] = order
        return order

    def _line(self, product: dict, quantity: int, kind: str = "product") -> dict:
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        gift = kind == "gift"
        group = self.product_by_article(product["parent_article"])
        return {
            "product_id": product["id"],
            "parent_id": group["id"] if group and group is not product else None,
            "article": product["article"],
            "title": product["title"][self.languages[0]],
            "price": ZERO if gift else product["price"],
            "quantity": quantity,
            "type": kind,
            "discount_marker": "PRICE_OLD"
            if not gift and product["price_old"] > product["price"]
            else "NONE",
        }

    def _delivery_price(self, delivery: int) -> Decimal:
        cost = self.shop["deliveries"][delivery][2]
        if cost > 0 and self.rng.random() < 0.2:
            return ZERO  # free delivery over a threshold
        return cost

    def _address(self, person: dict, delivery: int) -> str:
        rng = self.rng
        alias = self.shop["deliveries"][delivery][1]
        if alias == "pickup":
            return ""
        if alias == "nova_poshta":
            return f"Відділення №{rng.randint(1, 180)}: {person['street'].split(', кв.')[0]}"
        if alias == "ukrposhta":  # the parts joined with "@", as the docs describe
            street, _, flat = person["street"].partition(", кв. ")
            name, _, house = street.rpartition(", ")
            return "@".join([person["postcode"], person["city"], name, house, flat])
        if alias == "sameday":
            return f"easybox {person['city']} {rng.randint(1, 90)}"
        return person["street"]

    def _tracking(self, delivery: int) -> str:
        rng = self.rng
        alias = self.shop["deliveries"][delivery][1]
        if alias == "nova_poshta":
            return "2045" + "".join(str(rng.randint(0, 9)) for _ in range(10))
        if alias == "ukrposhta":
            return "05" + "".join(str(rng.randint(0, 9)) for _ in range(11))
        return "".join(str(rng.randint(0, 9)) for _ in range(12))

    def _analytics(self) -> dict:
        rng = self.rng
        source = rng.choices(["", "(direct)", "google", "facebook"], [3, 3, 3, 1])[0]
        medium = {"": "", "(direct)": "(none)", "google": "cpc", "facebook": "social"}[source]
        campaign = ""
        if medium == "cpc":  # Google Ads campaign ids arrive as JSON numbers
            campaign = rng.randint(10**10, 3 * 10**10)
        elif medium:
            campaign = "spring_sale" if rng.random() < 0.5 else ""
        client = (
            f"GA1.1.{rng.randint(10**8, 2 * 10**9)}.{rng.randint(1_700_000_000, 1_800_000_000)}"
        )
        return {
            "utm_source": source,
            "utm_medium": medium,
            "utm_campaign": campaign,
            "utm_term": "",
            "utm_content": "",
            "google_client_id": client if source else "",
        }

    @staticmethod
    def _price_order(order: dict) -> None:
        """Line totals, order totals and discounts (see the module docstring)."""
        total_default = ZERO
        quantity = 0
        for line in order["lines"]:
            line["total_price"] = money(line["price"] * line["quantity"])
            total_default += line["total_price"]
            quantity += line["quantity"]
        coupon = ZERO
        if order["coupon_percent"]:
            coupon = money(total_default * order["coupon_percent"] / 100)
        discount = min(coupon + order["loyalty"], total_default)
        order["total_default"] = total_default
        order["total_quantity"] = quantity
        order["coupon_discount_value"] = coupon
        order["discount_value"] = discount
        order["total_sum"] = total_default - discount

    # ------------------------------------------------------------------ rendering
    def order_json(self, order: dict, additional: bool = False) -> dict:
        """An order as ``orders/get`` answers it (keys and types of ``orders_get_ok.json``)."""
        delivery_title, carrier, _ = self.shop["deliveries"][order["delivery"]]
        payment_title = self.shop["payments"][order["payment"]][0]
        coupon = order["coupon_percent"]
        out = {
            "order_id": order["id"],
            "user": order["user"],
            "delivery_name": order["name"],
            "delivery_email": order["email"],
            "delivery_phone": order["phone_text"],
            "delivery_city": order["city_typed"],
            "delivery_city_stable": order["city"],
            "delivery_address": order["address"],
            "delivery_type": {"id": order["delivery"], "title": delivery_title},
            "delivery_price": num(order["delivery_price"]),
            "comment": order["comment"],
            "payment_type": {"id": order["payment"], "title": payment_title},
            "payment_price": 0,
            "payed": order["payed"],
            "total_default": num(order["total_default"]),
            "total_sum": num(order["total_sum"]),
            "total_quantity": order["total_quantity"],
            "discount_percent": 0,
            "discount_value": num(order["discount_value"]),
            "coupon_code": order["coupon_code"],
            "coupon_percent": num(coupon or 0),
            "coupon_discount_value": num(order["coupon_discount_value"]),
            "coupon_type": 1 if coupon else 0,
            "stat_status": order["status"],
            "stat_created": shop_time(order["created"]).strftime("%Y-%m-%d %H:%M:%S"),
            "currency": self.currency,
            "order_without_callback": order["callback"],
            "manager_id": 0,
            "manager_comment": "",
            "manager_discount": 0,
            "manager_discount_title": "",
            "products": [
                {
                    "title": line["title"],
                    "article": line["article"],
                    "price": num(line["price"]),
                    "quantity": line["quantity"],
                    "total_price": num(line["total_price"]),
                    "discount_marker": line["discount_marker"],
                    "type": line["type"],
                    "storage_id": line["product_id"],
                    "parent_storage_id": line["parent_id"],
                }
                for line in order["lines"]
            ],
            # PHP's empty array; the flag adds Nova Poshta's warehouse reference
            "additional_data": [],
            "delivery_data": self._delivery_data(order, carrier),
            "analytics": dict(order["analytics"]),
        }
        if additional and carrier == "nova_poshta":
            ref = uuid.UUID(hashlib.md5(order["address"].encode()).hexdigest())
            out["additional_data"] = {"recipient_warehouse_ref": str(ref)}
        return out

    def _delivery_data(self, order: dict, carrier: str):
        """The carrier's block: ``[]`` without a carrier, nulls until a waybill exists."""
        if carrier in ("pickup", "courier"):
            return []
        tracked = bool(order["tracking"])
        moment = shop_time(order["updated"])
        return {
            "deliveryOperatorType": carrier.replace("_", ""),
            "tnNumber": order["tracking"] or None,
            "tnId": str(uuid.UUID(hashlib.md5(order["tracking"].encode()).hexdigest()))
            if tracked
            else None,
            "tnStatusName": self.shop["carrier_states"][order["status"] == 3] if tracked else None,
            "tnTrackingUpdateDate": moment.strftime("%Y-%m-%d %H:%M:%S") if tracked else None,
            "estimatedDeliveryDate": (moment + timedelta(days=2)).strftime("%Y-%m-%d")
            if tracked
            else None,
            "ownTTNPicked": 0,
            "departure": None,
            "destination": None,
        }

    def product_json(self, product: dict) -> dict:
        """A product as ``catalog/export`` answers it (keys of ``catalog_export.json``; the
        per-warehouse ``residues`` and the ``images`` list are the emulator's [INF])."""
        stock = product["stock"]
        variant = product["variant"]
        characteristics: dict = {"title": []}  # the empty key every product carries
        out = {
            "article": product["article"],
            "parent_article": product["parent_article"],
            "article_for_display": product["article"],
            "creation_time": shop_time(product["created"]).strftime("%Y-%m-%d %H:%M:%S"),
            "title": dict(product["title"]),
            "mod_title": self._titles(variant[1]) if variant else dict.fromkeys(self.languages, ""),
            "description": dict(product["description"]),
            "display_in_showcase": product["display"],
            "price": num(product["price"]),
            "price_old": num(product["price_old"]),
            "discount": 0,
            "currency": self.currency,
            "presence": self.shop["presence"][product["presence"]][0],
            "quantity": sum(stock.values()) if stock is not None else 0,
            "parent": {"id": product["page"]},
            "brand": product["brand"],
            "link": f"https://{self.shop['domain']}/{product['article'].lower()}/",
            "wholesale_prices": [],
            "gifts": [],
            "characteristics": characteristics,
            "residues": [
                {"warehouse": w, "quantity": stock.get(w, 0)} for w in self.shop["warehouses"]
            ]
            if stock is not None
            else [],
            "images": [
                f"https://{self.shop['domain']}/content/images/{product['article'].lower()}.jpg"
            ],
        }
        if variant and variant[0] == "size":
            characteristics["size"] = self._titles(variant[1])
        elif variant:
            colour_id = 20 + [c[0] for c in self.shop["colours"]].index(variant[1][0])
            out["color"] = {"id": colour_id, "value": self._titles(variant[1])}
        out.update(product["extra"])
        return out

    def page(self, page_id: int):
        return next((p for p in self.shop["pages"] if p[0] == page_id), None)

    def pages_json(self, parent_id: int = 0) -> list[dict]:
        """The pages right under ``parent_id`` (0: the top level), as ``pages/export``."""
        return [
            {"id": pid, "parent": parent, "title": self._titles(titles), "discount": discount}
            for pid, parent, titles, discount in self.shop["pages"]
            if parent == parent_id
        ]

    def statuses_json(self) -> dict:
        langs = [*self.languages, *(["en"] if "en" not in self.languages else [])]
        return {
            str(sid): {
                "id": sid,
                "title": {lang: titles[lang] for lang in langs},
                "is_successful": ok,
            }
            for sid, (titles, ok, _) in STATUSES.items()
        }

    # ------------------------------------------------------------------ mutations
    def resolve_status(self, value) -> int:
        """A status id, title (any language) or English alias."""
        text = str(value).strip()
        if text.isdigit() and int(text) in STATUSES:
            return int(text)
        for sid, (titles, _, alias) in STATUSES.items():
            if text.lower() in {alias, *(t.lower() for t in titles.values())}:
                return sid
        raise ValueError(f"unknown status {value!r}; known: {sorted(STATUSES)} or their titles")

    def _choice(self, table: dict, value, name: str) -> int:
        text = str(value).strip().lower()
        for key, (title, alias, *_) in table.items():
            if text in (str(key), alias, title.lower()):
                return key
        aliases = ", ".join(spec[1] for spec in table.values())
        raise ValueError(f"{name}: one of {aliases} (or an id/title)")

    def _lines(self, lines) -> list[dict]:
        if not isinstance(lines, list) or not lines:
            raise ValueError("lines: a non-empty list of {article or product_id, quantity}")
        out = []
        for index, line in enumerate(lines):
            if not isinstance(line, dict):
                raise ValueError(f"lines[{index}]: an object {{article or product_id, quantity}}")
            unknown = set(line) - {"article", "product_id", "quantity", "type"}
            if unknown:
                raise ValueError(f"lines[{index}]: unknown keys {sorted(unknown)}")
            if "product_id" in line:
                product = self.products.get(_int(line["product_id"], "product_id"))
            else:
                product = self.product_by_article(line.get("article", ""))
            if product is None:
                raise ValueError(f"lines[{index}]: no such product")
            quantity = _int(line.get("quantity", 1), f"lines[{index}].quantity")
            if quantity < 1:
                raise ValueError(f"lines[{index}].quantity: at least 1")
            kind = line.get("type", "product")
            if kind not in ("product", "gift"):
                raise ValueError(f"lines[{index}].type: product or gift")
            out.append({"product": product, "quantity": quantity, "type": kind})
        return out

    def _take_stock(self, order: dict, sign: int = 1) -> None:
        """Write stock off for an order's lines (sign -1: give it back)."""
        for line in order["lines"]:
            self._move_stock(line["product_id"], sign * line["quantity"])

    def _move_stock(self, product_id: int, quantity: int) -> None:
        product = self.products.get(product_id)
        if product is None or product["stock"] is None or not quantity:
            return
        office = self.shop["warehouses"][0]
        product["stock"][office] = product["stock"].get(office, 0) - quantity
        self._update_presence(product)

    def create_orders(
        self,
        count: int = 1,
        status=None,
        lines=None,
        coupon=None,
        delivery=None,
        payment=None,
        customer=None,
        phone=None,
    ) -> list[int]:
        """Place ``count`` orders now (stock written off, ``order_created`` fires); their ids.

        ``status``: id, title or alias (default 1 New); ``lines``: ``[{"article" or
        "product_id", "quantity", "type": "product"|"gift"}]`` (random otherwise, a gift at
        price 0); ``coupon``: a shop code (ZNYZHKA10, VESNA15 / REDUCERE10, PRIMAVARA15) or a
        percentage; ``delivery``: nova_poshta, ukrposhta, pickup, courier (UAH) / fan,
        sameday, pickup, cargus (RON), or an id; ``payment``: cod, card, bank or an id;
        ``customer``: "guest", "registered" or a registered user id; ``phone``: the phone as
        typed.
        """
        with self.lock:
            sid = 1 if status is None else self.resolve_status(status)
            chosen = None if lines is None else self._lines(lines)
            pct = None
            if coupon is not None:
                if str(coupon).upper() in self.shop["coupons"]:
                    pct = str(coupon).upper()
                else:
                    pct = _amount(coupon, "coupon")
                    if not 0 < pct <= 100:
                        raise ValueError(
                            f"coupon: one of {', '.join(self.shop['coupons'])} or a percentage"
                        )
            ship = (
                None
                if delivery is None
                else self._choice(self.shop["deliveries"], delivery, "delivery")
            )
            pay = (
                None if payment is None else self._choice(self.shop["payments"], payment, "payment")
            )
            if customer is not None and customer not in ("guest", "registered"):
                _int(customer, "customer")
            ids = []
            for _ in range(int(count)):
                order = self._make_order(
                    utcnow(),
                    sid,
                    lines=chosen,
                    coupon=pct,
                    delivery=ship,
                    payment=pay,
                    customer=customer,
                    phone=None if phone is None else str(phone),
                    gift=False if chosen is not None else None,
                )
                self._take_stock(order)
                ids.append(order["id"])
                self._emit("order_created", order)
            return ids

    def get_order(self, order_id) -> dict:
        order = self.orders.get(_int(order_id, "order_id"))
        if order is None:
            raise ValueError(f"no order {order_id}")
        return order

    def set_status(self, order: dict, status: int, return_stock: bool) -> None:
        """A status change (the back office's cancel gives stock back, the API's does not)."""
        if return_stock and status == CANCELLED and order["status"] != CANCELLED:
            self._take_stock(order, -1)
        elif return_stock and order["status"] == CANCELLED and status != CANCELLED:
            self._take_stock(order)
        order["status"] = status
        order["history"].append((utcnow(), status))

    def modify_order(
        self, order_id, status=None, quantities=None, payed=None, tracking_code=None
    ) -> dict:
        """A merchant's change in the back office (``order_update`` fires); the order payload.

        ``status``: id/title/alias (4 gives stock back, unlike the API); ``quantities``:
        ``{article: quantity}`` (0 removes the line; totals recomputed, stock moved);
        ``payed``: 0/1; ``tracking_code``: the carrier's number ("" removes it).
        """
        with self.lock:
            order = self.get_order(order_id)
            if status is not None:
                self.set_status(order, self.resolve_status(status), return_stock=True)
            if quantities is not None:
                if not isinstance(quantities, dict):
                    raise ValueError("quantities: {article: quantity}")
                for article, qty in quantities.items():
                    qty = _int(qty, f"quantities[{article}]")
                    line = next((x for x in order["lines"] if x["article"] == article), None)
                    if line is None or qty < 0:
                        raise ValueError(f"quantities: no line {article!r} (or quantity < 0)")
                    if order["status"] != CANCELLED:
                        self._move_stock(line["product_id"], qty - line["quantity"])
                    if qty == 0:
                        order["lines"].remove(line)
                    else:
                        line["quantity"] = qty
                if not order["lines"]:
                    raise ValueError("quantities: an order keeps at least one line")
                self._price_order(order)
            if payed is not None:
                order["payed"] = 1 if _flag(payed) else 0
            if tracking_code is not None:
                order["tracking"] = str(tracking_code)
            order["updated"] = utcnow()
            self._emit("order_update", order)
            return self.order_json(order)

    def modify_product(
        self, product_id, stock=None, price=None, article=None, title=None, price_old=None
    ) -> dict:
        """Control endpoint (a merchant's edit): ``stock`` (an int for the first warehouse,
        "office", or ``{warehouse: quantity}``; an untracked product becomes tracked),
        ``price``, ``price_old``, ``article`` (its variants follow), ``title`` (a string for
        every language, or ``{lang: text}``); the product as ``catalog/export`` shows it."""
        with self.lock:
            product = self.products.get(_int(product_id, "product_id"))
            if product is None:
                raise ValueError(f"no product {product_id}")
            if stock is not None:
                warehouses = self.shop["warehouses"]
                values = stock if isinstance(stock, dict) else {warehouses[0]: stock}
                unknown = set(values) - set(warehouses)
                if unknown:
                    raise ValueError(f"stock: unknown warehouse(s) {sorted(unknown)}")
                current = product["stock"] or dict.fromkeys(warehouses, 0)
                product["stock"] = current | {w: _int(q, f"stock[{w}]") for w, q in values.items()}
                self._update_presence(product)
            if price is not None:
                product["price"] = _amount(price, "price")
            if price_old is not None:
                product["price_old"] = _amount(price_old, "price_old")
            if article is not None:
                if not str(article).strip():
                    raise ValueError("article: not empty")
                old = product["article"]
                for other in self.products.values():
                    if other["parent_article"] == old:
                        other["parent_article"] = str(article)
                product["article"] = str(article)
            if title is not None:
                product["title"] = (
                    {**product["title"], **title}
                    if isinstance(title, dict)
                    else dict.fromkeys(self.languages, str(title))
                )
            return self.product_json(product)

    def record(self, kind: str, function: str, body) -> dict:
        """Remember an API write (``received``); ``status`` (HTTP) and ``result`` (envelope
        status) are filled in with the answer."""
        if isinstance(body, dict) and "token" in body:
            body = {**body, "token": "***"}
        entry = {
            "seq": self._next("seq"),
            "time": utcnow().strftime("%Y-%m-%dT%H:%M:%S"),
            "kind": kind,
            "method": "POST",
            "path": f"/api/{function}/",
            "ids": {},
            "body": body,
            "status": None,
            "result": None,
        }
        self.received.append(entry)
        return entry

    def summary(self) -> dict:
        with self.lock:
            by_status: dict[str, int] = {}
            for order in self.orders.values():
                key = STATUSES[order["status"]][2]
                by_status[key] = by_status.get(key, 0) + 1
            return {
                **self.config,
                "api": f"{self.site_url}/api/",
                "languages": list(self.languages),
                "time_zone": self.shop["time_zone"],
                "orders": len(self.orders),
                "orders_by_status": dict(sorted(by_status.items())),
                "products": len(self.products),
                "users": len(self.users),
                "received": len(self.received),
                "webhooks": len(self.webhooks),
            }

    # ------------------------------------------------------------------ webhooks
    def add_webhook(self, url: str, topic: str, secret: str = "") -> dict:
        """Subscribe ``url`` to ``topic`` (an event). Cartum signs nothing: a ``secret`` is
        put in the URL as its last path segment (unless the URL holds it already)."""
        if topic not in WEBHOOK_EVENTS:
            raise ValueError(f"unknown event {topic!r}; known: {', '.join(WEBHOOK_EVENTS)}")
        if secret and secret not in url:
            head, sep, query = url.partition("?")
            url = f"{head.rstrip('/')}/{secret}{sep}{query}"
        with self.lock:
            if sum(1 for h in self.webhooks.values() if h["event"] == topic) >= HOOKS_PER_EVENT:
                raise ValueError("Subscriptions limit for current event has been reached")
            hook = {"id": self._next("hook"), "event": topic, "target_url": url}
            self.webhooks[hook["id"]] = hook
            return hook

    def webhook_payload(self, event: str, order: dict) -> dict:
        """The JSON body of a delivery [INF: the real schema is undocumented]."""
        return {"event": event, "order": self.order_json(order)}

    def _emit(self, event: str, order: dict) -> None:
        hooks = [h for h in self.webhooks.values() if h["event"] == event]
        if not hooks:
            return
        text = json.dumps(self.webhook_payload(event, order), ensure_ascii=False)
        for hook in hooks:
            self._deliveries().put((hook, order["id"], text))

    def _send_loop(self, jobs: queue.Queue) -> None:
        while (job := jobs.get()) is not None:
            hook, order_id, text = job
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "Cartum-Webhooks/1.0",
                "Accept": "*/*",
            }
            record = {
                "webhook_id": hook["id"],
                "topic": hook["event"],
                "event": hook["event"],
                "url": hook["target_url"],
                "method": "PUT",
                "order_id": order_id,
                "data": json.loads(text),
                "time": time.time(),
            }
            record.update(deliver(hook["target_url"], text.encode(), headers, "PUT"))
            with self.lock:
                self.webhook_deliveries.append(record)


# ---------------------------------------------------------------------------- API
class Api:
    """``/api/<function>/``: parameters, token, rate limit, envelope; handlers use ``Store``."""

    def __init__(self, store: Store, consumer_key: str, consumer_secret: str):
        self.store = store
        self.login, self.password = consumer_key, consumer_secret
        self.tokens: dict[str, float] = {}  # token -> expiry (time.time())
        self.window: deque = deque()
        self._rate_lock = threading.Lock()
        # function (lower case): (handler, needs a token, received kind)
        self.functions = {
            "auth": (self.auth, False, None),
            "orders/get": (self.orders_get, True, None),
            "orders/get_available_statuses": (self.statuses, True, None),
            "orders/update": (self.orders_update, True, "order_update"),
            "catalog/export": (self.catalog_export, True, None),
            "catalog/import": (self.catalog_import, True, "product_import"),
            "pages/export": (self.pages_export, True, None),
            "hooks/subscribe": (self.subscribe, True, "webhook_create"),
            "hooks/unsubscribe": (self.unsubscribe, True, "webhook_delete"),
        }

    # ------------------------------------------------------------------ dispatch
    def handle(self, req) -> Response:
        """Rate limit, parameters, function, token, handler; always an envelope (or a hook's
        bare answer)."""
        if not (req.path == "/api" or req.path.startswith("/api/")):
            return Response(404, nginx_page(404), {"Content-Type": "text/html"})
        if self._limited():
            return Response(429, nginx_page(429), {"Content-Type": "text/html", "Retry-After": "1"})
        name = req.path[len("/api/") :].strip("/")
        try:
            function = self.functions.get(name.lower())
            if function is None:
                return envelope("UNDEFINED_FUNCTION", [])
            params = self._params(req)
            handler, needs_token, kind = function
            if needs_token:
                self._authenticate(params)
            with self.store.lock:
                entry = self.store.record(kind, name, params) if kind else None
                try:
                    response = handler(params)
                except CartumError as exc:
                    response = exc.as_response()
                if entry:
                    entry["method"] = req.method
                    entry["status"] = response.status
                    entry["result"] = (
                        response.body.get("status") if isinstance(response.body, dict) else None
                    )
                response.body = response.payload()
                return response
        except CartumError as exc:
            return exc.as_response()
        except Exception as exc:  # a bug: PHP would answer its 500 page
            traceback.print_exc()
            return Response(500, f"Internal error: {exc}".encode(), {"Content-Type": "text/html"})

    def _params(self, req) -> dict:
        """The request's parameters: JSON body, form body, or the query string."""
        text = req.body.decode("utf-8-sig", "replace")
        ctype = req.headers.get("Content-Type", "")
        if text.strip():
            if "application/x-www-form-urlencoded" in ctype:
                params = php_params(parse_qsl(text, keep_blank_values=True))
            else:
                try:
                    params = json.loads(text)
                except ValueError:
                    raise CartumError("HTTP_ERROR", "payload is not json", code=400) from None
        else:
            params = php_params(req.query_pairs)
        if not isinstance(params, dict):
            raise CartumError("HTTP_ERROR", "payload is not json", code=400)
        return params

    def _authenticate(self, params: dict) -> None:
        # The body of UNAUTHORIZED is unverified: empty, as in auth_unauthorized.json.
        with self._rate_lock:
            expiry = self.tokens.get(str(params.get("token") or ""))
        if expiry is None or expiry <= time.time():
            raise CartumError("UNAUTHORIZED")

    def _limited(self) -> bool:
        limit = self.store.config["rate_limit"]
        if not limit:
            return False
        now = time.monotonic()
        with self._rate_lock:
            while self.window and now - self.window[0] >= 1.0:
                self.window.popleft()
            if len(self.window) >= limit:
                return True
            self.window.append(now)
        return False

    def fault_response(self, fault) -> Response:
        """An injected 429/5xx as the shop's nginx answers it: its HTML page (500: PHP's
        blank page); 429 and 503 carry Retry-After (1 s unless the fault says)."""
        status = int(fault.kind)
        headers = {"Content-Type": "text/html"}
        if fault.kind in ("429", "503"):
            headers["Retry-After"] = str(1 if fault.retry_after is None else fault.retry_after)
        body = b"" if status == 500 else nginx_page(status)
        return Response(status, body, headers)

    # ------------------------------------------------------------------ functions
    def auth(self, params: dict) -> Response:
        login, password = str(params.get("login", "")), str(params.get("password", ""))
        good = hmac.compare_digest(login, self.login) and hmac.compare_digest(
            password, self.password
        )
        if not (login and password and good):
            raise CartumError("ERROR", "Incorrect login or password")  # [DOC]: ERROR + message
        token = uuid.uuid4().hex
        with self._rate_lock:
            self.tokens[token] = time.time() + self.store.config["token_ttl"]
        return envelope("OK", {"token": token})

    @staticmethod
    def _moment(value, name: str, end: bool) -> datetime:
        text = str(value).strip()
        for fmt in ("%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S"):
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                day = datetime.strptime(text, fmt)
            except ValueError:
                continue
            return day + timedelta(days=1, seconds=-1) if end else day
        raise CartumError("ERROR", f"Incorrect date format in '{name}'")

    @staticmethod
    def _int_param(params: dict, name: str) -> int | None:
        value = params.get(name)
        if value in (None, ""):
            return None
        try:
            return _int(value, name)
        except ValueError:
            raise CartumError("ERROR", f"'{name}' must be an integer") from None

    @staticmethod
    def _list(value) -> list:
        if value is None or value == "":
            return []
        if isinstance(value, dict):
            return list(value.values())
        return value if isinstance(value, list) else [value]

    def orders_get(self, params: dict) -> Response:
        store = self.store
        orders = sorted(store.orders.values(), key=lambda o: o["id"])
        if params.get("from"):
            start = self._moment(params["from"], "from", False)
            orders = [o for o in orders if shop_time(o["created"]) >= start]
        if params.get("to"):
            end = self._moment(params["to"], "to", True)
            orders = [o for o in orders if shop_time(o["created"]) <= end]
        ids = self._list(params.get("ids", params.get("ids[]")))
        if ids:
            try:
                wanted = {_int(i, "ids") for i in ids}
            except ValueError:
                raise CartumError("ERROR", "'ids' must be a list of order numbers") from None
            orders = [o for o in orders if o["id"] in wanted]
        statuses = self._list(params.get("status"))
        if statuses:
            try:
                wanted = {_int(s, "status") for s in statuses}
            except ValueError:
                raise CartumError("ERROR", "'status' must be a status id or a list") from None
            orders = [o for o in orders if o["status"] in wanted]
        limit = self._int_param(params, "limit")
        if limit is not None and limit > 0:
            offset = max(self._int_param(params, "offset") or 0, 0)
            orders = orders[offset : offset + min(limit, ORDERS_LIMIT_MAX)]
        if not orders:
            return envelope("EMPTY", [])  # PHP's empty array, as in orders_get_empty.json
        additional = _flag(params.get("additionalData", False))
        return envelope("OK", {"orders": [store.order_json(o, additional) for o in orders]})

    def statuses(self, params: dict) -> Response:
        return envelope("OK", {"statuses": self.store.statuses_json()})

    def orders_update(self, params: dict) -> Response:
        store = self.store
        items = params.get("orders")
        if isinstance(items, dict):
            items = list(items.values())
        if not isinstance(items, list) or not items:
            raise CartumError("ERROR", "orders is not defined or defined incorrectly")
        log, failed = [], 0
        for item in items:
            item = item if isinstance(item, dict) else {}
            raw_id = item.get("order_id")
            try:
                order = store.orders.get(_int(raw_id, "order_id"))
            except ValueError:
                order = None
            problem = None
            status = None
            if order is None:
                problem = "order_id is not defined or defined incorrectly"
            elif "status" in item:
                try:
                    status = _int(item["status"], "status")
                except ValueError:
                    status = None
                if status not in STATUSES:
                    problem = "status is not defined or defined incorrectly"
            elif "tracking_code" not in item and "payed" not in item:
                problem = "status is not defined or defined incorrectly"
            if problem:
                failed += 1
                log.append({"status": "ERROR", "messages": problem})
                continue
            if status is not None and status != order["status"]:
                store.set_status(order, status, return_stock=False)
            if "tracking_code" in item:
                order["tracking"] = str(item["tracking_code"] or "")
            if "payed" in item:
                order["payed"] = 1 if _flag(item["payed"]) else 0
            order["updated"] = utcnow()
            store._emit("order_update", order)
            log.append({"status": "OK", "messages": "UPDATED"})
        if failed == len(items):
            return envelope("ERROR", {"log": log, "message": "No orders were updated"})
        return envelope("WARNING" if failed else "OK", {"log": log})

    def catalog_export(self, params: dict) -> Response:
        store = self.store
        expr = params.get("expr") or {}
        if not isinstance(expr, dict):
            raise CartumError("EXCEPTION", "expr must be an object")
        products = sorted(store.products.values(), key=lambda p: p["id"])
        for key, value in expr.items():
            values = {str(v) for v in self._list(value)}
            if key == "article":
                products = [p for p in products if p["article"] in values]
            elif key == "parent_article":
                products = [p for p in products if p["parent_article"] in values]
            elif key in ("parent", "parent.id"):
                products = [p for p in products if str(p["page"]) in values]
            elif key == "display_in_showcase":
                products = [p for p in products if str(p["display"]) in values]
            else:
                raise CartumError("EXCEPTION", f"Unknown expression key '{key}'")
        limit = self._int_param(params, "limit") or CATALOG_LIMIT
        offset = max(self._int_param(params, "offset") or 0, 0)
        page = products[offset : offset + min(max(limit, 1), CATALOG_LIMIT)]
        rendered = [store.product_json(p) for p in page]
        included = self._names(params.get("includedParams"))
        excluded = self._names(params.get("excludedParams"))
        if included:
            rendered = [
                {k: v for k, v in p.items() if k in included | {"article"}} for p in rendered
            ]
        if excluded:
            rendered = [{k: v for k, v in p.items() if k not in excluded} for p in rendered]
        return envelope("OK", {"products": rendered})

    @staticmethod
    def _names(value) -> set[str]:
        if not value:
            return set()
        items = value if isinstance(value, list) else str(value).split(",")
        return {str(i).strip() for i in items if str(i).strip()}

    #: catalog/import fields the emulated data template knows; ``quantity`` is accepted but
    #: not applied (measured by third parties), the others are kept and shown by export
    IMPORT_FIELDS = frozenset(
        {
            "article",
            "parent_article",
            "title",
            "description",
            "price",
            "price_old",
            "residues",
            "presence",
            "parent",
            "brand",
            "display_in_showcase",
            "quantity",
            "currency",
            "discount",
            "images",
        }
    )

    def catalog_import(self, params: dict) -> Response:
        store = self.store
        items = params.get("products")
        if isinstance(items, dict):
            items = list(items.values())
        if not isinstance(items, list) or not items:
            raise CartumError("ERROR", "products is not defined or defined incorrectly")
        log, warned = [], False
        for item in items:
            item = item if isinstance(item, dict) else {}
            article = str(item.get("article", "")).strip()
            info = []
            if not article:
                log.append({"article": "", "info": [{"code": 1, "message": "article is required"}]})
                warned = True
                continue
            product = store.product_by_article(article)
            if product is None and not item.get("title"):
                log.append(
                    {
                        "article": article,
                        "info": [{"code": 6, "message": "Title is required"}],
                    }
                )
                warned = True
                continue
            for key in item:
                if key not in self.IMPORT_FIELDS:
                    info.append(
                        {"code": 11, "message": f'Field "{key}" is not in the data template'}
                    )
            try:
                product, created = self._upsert(product, article, item, info)
            except ValueError as exc:
                info.append({"code": 11, "message": str(exc)})
                log.append({"article": article, "info": info})
                warned = True
                continue
            warned = warned or bool(info)
            info.insert(
                0, {"code": 0, "message": "Товар добавлен" if created else "Товар обновлен"}
            )
            log.append({"article": article, "info": info})
        return envelope("WARNING" if warned else "OK", {"log": log})

    def _upsert(self, product, article: str, item: dict, info: list) -> tuple[dict, bool]:
        """Apply one catalog/import item; ValueError leaves the product untouched."""
        store = self.store
        changes: dict = {}
        if "title" in item:
            changes["title"] = self._text(item["title"], product["title"] if product else None)
        if "description" in item:
            changes["description"] = self._text(
                item["description"], product["description"] if product else None
            )
        for key in ("price", "price_old"):
            if key in item:
                changes[key] = _amount(item[key] or 0, key)
        if "residues" in item:
            residues = self._list(item["residues"])
            stock = dict(product["stock"] or {}) if product else {}
            for row in residues:
                if not isinstance(row, dict) or "quantity" not in row:
                    raise ValueError("residues: [{warehouse, quantity}]")
                warehouse = str(row.get("warehouse") or store.shop["warehouses"][0])
                if warehouse not in store.shop["warehouses"]:
                    info.append({"code": 11, "message": f'Warehouse "{warehouse}" not found'})
                    continue
                stock[warehouse] = _int(row["quantity"], "residues.quantity")
            changes["stock"] = stock or (product["stock"] if product else None)
        if "presence" in item:
            changes["presence"] = self._presence(item["presence"])
        if "parent" in item:
            changes["page"] = self._page(item["parent"])
        if "brand" in item:
            changes["brand"] = str(item["brand"] or "")
        if "display_in_showcase" in item:
            changes["display"] = 1 if _flag(item["display_in_showcase"]) else 0
        if "parent_article" in item:
            changes["parent_article"] = str(item["parent_article"] or "")
        created = product is None
        if created:
            base = {
                "page": changes.get("page", store.shop["pages"][-1][0]),
                "brand": "",
                "tracked": False,
                "created": utcnow(),
            }
            titles = [changes["title"][lang] for lang in store.languages]
            product = store._add_product(article, titles, changes.get("price", ZERO), base, None)
            product["price_old"] = ZERO
            product["stock"] = None
        for key, value in changes.items():
            product[key] = value
        store._update_presence(product)
        for key in ("images", "currency", "discount"):
            if key in item:
                product["extra"][key] = item[key]
        return product, created

    def _text(self, value, current) -> dict:
        langs = self.store.languages
        if isinstance(value, dict):
            unknown = set(value) - set(langs)
            if unknown:
                raise ValueError(f"unknown language(s) {sorted(unknown)}")
            base = dict(current) if current else dict.fromkeys(langs, "")
            return base | {k: str(v) for k, v in value.items()}
        return (
            dict.fromkeys(langs, str(value))
            if current is None
            else {
                **current,
                langs[0]: str(value),
            }
        )

    def _presence(self, value) -> int:
        table = self.store.shop["presence"]
        if isinstance(value, dict):
            value = value.get("id", value.get("value"))
        text = str(value).strip()
        for pid, titles in table.items():
            if text == str(pid) or text.lower() in (t.lower() for t in titles):
                return pid
        raise ValueError(f'presence "{value}" not found')

    def _page(self, value) -> int:
        pages = self.store.shop["pages"]
        if isinstance(value, dict):
            value = value.get("id", value.get("value"))
        text = str(value).strip()
        for pid, parent, titles, _ in pages:
            parent_titles = next((p[2] for p in pages if p[0] == parent), ())
            paths = {
                "/".join([*([pt] if pt else []), t]).lower()
                for pt, t in zip(parent_titles or [""] * len(titles), titles, strict=True)
            }
            if text == str(pid) or text.lower().replace(" / ", "/") in paths:
                return pid
        raise ValueError(f'category "{value}" not found')

    def pages_export(self, params: dict) -> Response:
        """One level of the category tree under ``parent`` (default 0); EMPTY under a leaf."""
        pages = self.store.pages_json(self._int_param(params, "parent") or 0)
        return envelope("OK", {"pages": pages}) if pages else envelope("EMPTY", [])

    def subscribe(self, params: dict) -> Response:
        event, url = str(params.get("event", "")), str(params.get("target_url", ""))
        if event not in WEBHOOK_EVENTS:
            raise CartumError("ERROR", f"Unknown event '{event}'", http=400)
        if not url.startswith(("http://", "https://")):
            raise CartumError("ERROR", "target_url must be an http(s) URL", http=400)
        try:
            hook = self.store.add_webhook(url, event)
        except ValueError as exc:
            raise CartumError("ERROR", str(exc), http=400) from None
        return Response(201, {"id": hook["id"]})

    def unsubscribe(self, params: dict) -> Response:
        try:
            hook_id = _int(params.get("id", ""), "id")
        except ValueError:
            hook_id = None
        hook = self.store.webhooks.get(hook_id)
        if hook is None or hook["target_url"] != str(params.get("target_url", "")):
            raise CartumError("ERROR", "Subscription not found", http=404)
        del self.store.webhooks[hook["id"]]
        return Response(410, {"status": "OK"})  # 410 Gone, as the docs' example
