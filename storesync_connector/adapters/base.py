"""``StoreAdapter``: the interface every platform implements, and the platform registry.

A platform is one module defining one subclass with ``platform = "<code>"`` and
``platform_label = "<English label>"``; ``__init_subclass__`` registers it, so the Odoo
selection field and ``get_adapter_class`` know it without any ``if platform == ...``.

Adapters speak HTTP and return plain Python data (dicts and lists as the store sends them);
they never touch the ORM. Every failure is a ``StoreSyncError``.
"""

import base64
import hashlib
import hmac
import json
import logging
import re
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import requests
import urllib3.exceptions as u3

from .errors import StoreSyncError
from .http import IDEMPOTENT_HEADER, build_session, normalize_timeout, retry_after_seconds

_logger = logging.getLogger(__name__)

_REGISTRY: dict[str, type["StoreAdapter"]] = {}


def get_adapter_class(platform: str) -> type["StoreAdapter"]:
    """The adapter class registered for ``platform`` (e.g. "woocommerce").

    :raises ValueError: no adapter for that code.
    """
    try:
        return _REGISTRY[platform]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ValueError(f"No store adapter for platform {platform!r} (known: {known})") from None


def default_platform() -> str | None:
    """The platform a new store starts with: the lowest ``sequence`` (then label), so adding
    a platform does not change what existing forms and scripts get."""
    ranked = sorted(_REGISTRY.values(), key=lambda cls: (cls.sequence, cls.platform_label.lower()))
    return ranked[0].platform if ranked else None


def platform_selection() -> list[tuple[str, str]]:
    """``[(code, label), ...]`` of the registered platforms, for an Odoo Selection field.

    Labels are plain English; the Odoo side translates them.
    """
    ranked = sorted(_REGISTRY.values(), key=lambda cls: (cls.sequence, cls.platform_label.lower()))
    return [(cls.platform, cls.platform_label) for cls in ranked]


@dataclass(frozen=True)
class CredentialField:
    """One credential a platform needs, as the store form shows it.

    :ivar name: the key in the adapter's ``credentials`` (also the Odoo field, prefixed)
    :ivar label: plain English; the Odoo side translates it
    :ivar secret: shown as a password and never logged
    :ivar help: one sentence: where the merchant finds it
    """

    name: str
    label: str
    secret: bool = False
    help: str = ""


#: a cached access token this close to its expiry is renewed before a call
TOKEN_MARGIN = timedelta(seconds=60)


class TokenCache:
    """Where an adapter keeps its access token between runs: the Odoo side stores it in the
    database, so no cron run or worker asks the store for a new one while it is valid.

    This in-memory one is for scripts and tests.
    """

    def __init__(self):
        self._token = None

    def load(self) -> tuple[str, datetime] | None:
        """``(token, expires_at)`` (naive UTC) or None."""
        return self._token

    def save(self, token: str | None, expires_at: datetime | None) -> None:
        """Keep a new token (``None`` forgets it)."""
        self._token = (token, expires_at) if token else None


class Page(list):
    """One page of a store listing: a list of payloads plus where it sits in the listing.

    :ivar number: 1-based page number.
    :ivar total: number of items the store reports for the whole listing (None if unknown).
    :ivar total_pages: number of pages the store reports (None if unknown).
    """

    def __init__(self, items=(), number=1, total=None, total_pages=None):
        super().__init__(items)
        self.number = number
        self.total = total
        self.total_pages = total_pages

    def __repr__(self):
        return (
            f"Page(number={self.number}, total={self.total}, total_pages={self.total_pages}, "
            f"items={len(self)})"
        )


class StoreAdapter:
    """Base class of the platform adapters: HTTP plumbing plus the interface, unimplemented.

    :param base_url: the store's home address, with its sub-folder if any
        (``https://shop.example.com/wp``); a trailing slash is ignored.
    :param credentials: platform-specific keys (WooCommerce: ``consumer_key``,
        ``consumer_secret``).
    :param timeout: None (5 s connect, 30 s read), one number (read timeout in seconds) or a
        ``(connect, read)`` pair.
    :param session: a ``requests.Session`` to use instead of building one (tests, or sharing
        one pool between adapters of the same store); the retry settings then do not apply.
    :param retry_total: retries after the first attempt, see ``http.build_session``.
    :param backoff_factor: exponential backoff base in seconds.
    :param max_retry_after: longest Retry-After (seconds) we wait; longer fails fast.
    """

    platform: str = ""
    platform_label: str = ""
    #: order of the platforms in the store form's selection; the lowest is the default
    sequence: int = 100
    #: items per batch write call (the store refuses more)
    batch_limit: int = 100
    #: largest page size the listing endpoints accept
    max_page_size: int = 100
    #: the API version the adapter speaks, reported by ``check_connection``
    api_version: str = ""
    #: the credentials the store form asks for, as payment providers declare theirs: the
    #: keys of ``credentials``; the Odoo side keeps them administrators-only
    credential_fields: tuple["CredentialField", ...] = ()
    #: at most this many requests per second per store, across every Odoo process (None: the
    #: store sets no such limit); the Odoo side enforces it through the ``throttle`` callable
    requests_per_second: float | None = None
    #: how webhook deliveries prove they come from the store: "signature" (``verify_webhook``
    #: checks a signature of the body with the store's secret), "url_token" (the platform
    #: signs nothing: the secret travels in the delivery URL, which only the store knows) or
    #: "none" (the platform sends no webhooks: its orders are only fetched)
    webhook_auth: str = "signature"
    #: a delivery is only a trigger: its body is not trusted as the order, the orders it names
    #: are fetched again through the API (see ``describe_webhook``'s ``refetch``)
    webhook_is_trigger: bool = False
    #: the store can receive a delivery's carrier and tracking number (``add_order_note``)
    supports_tracking: bool = True
    #: the store e-mails the buyer itself when Odoo changes an order's status or adds a
    #: note for them; False: Odoo sends the buyer the status e-mail (when the store asks)
    notifies_buyer: bool = True
    #: with ``notifies_buyer`` False: the statuses the platform's shops e-mail buyers about
    #: by default (a shop's own choice comes with ``list_store_settings``' ``notify``)
    default_mailed_statuses: tuple = ()
    #: the tracking number and the paid flag go with the status, in one call
    #: (``update_order_status(..., tracking_code=, paid=)``), not as a note
    tracking_with_status: bool = False
    #: what finds a returning buyer without a store account, in this order: "email" and
    #: "phone" (E.164, whatever way it was typed)
    buyer_match: tuple = ("email", "phone")
    #: the order listing filters by creation date, not by modification (the API has no
    #: changed-since filter): the fetch reads the store's open orders again by id to see
    #: their changes (``storesync.store._fetch_open_orders``), and a webhook's orders by id
    order_listing_by_creation: bool = False
    #: the store statuses after which an order no longer changes (not read again)
    closed_statuses: tuple = ()
    #: the store keeps prices per customer group: ``list_store_settings`` lists the groups
    #: (``customer_groups``) and ``update_prices`` takes items with a ``customer_group``
    customer_group_prices: bool = False
    #: the store has quantity tiers (a lower price from a minimum quantity): price items
    #: carry ``"tiers"``
    quantity_tiers: bool = False
    #: the catalogue export (``export_products``) is built for this platform
    catalogue_export: bool = False
    #: how the store takes product pictures: "url" (it downloads each from an address Odoo
    #: serves, ``image["url"]``) or "upload" (the bytes go with the request,
    #: ``image["content"]``)
    image_transport: str = "url"
    #: pictures per product the export sends (the first is the main picture)
    max_images: int = 3
    #: product values beyond the common ones the platform has a place for: "brand" (a
    #: manufacturer or brand of its own, ``export_brands``), "lead_days" (a delivery time)
    catalogue_values: frozenset = frozenset()
    #: products with variants go with their variants (``export_products``' ``variants``)
    catalogue_variants: bool = False
    #: variant-forming attributes one store product may have (None: no limit)
    max_variant_attributes: int | None = None
    #: the customer export (``export_customers``) is built for this platform
    customer_export: bool = False
    #: values a store customer cannot go without (``export_customers``' values, or of its
    #: billing address): a contact missing one is not sent
    customer_required: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        code = cls.__dict__.get("platform")
        if not code:
            return  # an intermediate base class, not a platform
        previous = _REGISTRY.get(code)
        if previous is not None and (previous.__module__, previous.__qualname__) != (
            cls.__module__,
            cls.__qualname__,
        ):
            raise TypeError(
                f"platform {code!r} is already registered by "
                f"{previous.__module__}.{previous.__qualname__}"
            )
        if not cls.__dict__.get("platform_label"):
            raise TypeError(f"{cls.__qualname__} must define platform_label")
        # Same class again (a module reload) simply replaces the old one.
        _REGISTRY[code] = cls

    def __init__(
        self,
        base_url: str,
        credentials: dict,
        *,
        timeout=None,
        session: requests.Session | None = None,
        retry_total: int = 3,
        backoff_factor: float = 0.5,
        max_retry_after: float = 30,
        token_cache=None,
        throttle=None,
    ):
        self.base_url = self.normalize_base_url(base_url)
        self.credentials = dict(credentials or {})
        #: where an access token lives between runs (``TokenCache``; by default in this
        #: object only)
        self.token_cache = token_cache if token_cache is not None else TokenCache()
        #: called with no argument before every request; it sleeps as long as the store's
        #: ``requests_per_second`` asks, across processes (None: no limit is kept)
        self.throttle = throttle
        self.timeout = normalize_timeout(timeout)
        self.max_retry_after = max_retry_after
        self._owns_session = session is None
        self.session = session or build_session(
            retry_total=retry_total,
            backoff_factor=backoff_factor,
            max_retry_after=max_retry_after,
        )

    def __repr__(self):
        return f"<{type(self).__name__} {self.base_url}>"  # never the credentials

    # ------------------------------------------------------------------ lifecycle
    def close(self):
        """Close the HTTP connections, if the session is ours."""
        if self._owns_session:
            self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ helpers
    def _cached_token(self, renew=False):
        """The access token in ``token_cache`` while it has ``TOKEN_MARGIN`` to live, else
        None (and None when ``renew``: the store refused it)."""
        cached = None if renew else self.token_cache.load()
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        if cached and cached[0] and cached[1] and cached[1] - TOKEN_MARGIN > now:
            return cached[0]
        return None

    @staticmethod
    def normalize_base_url(url: str) -> str:
        """Strip blanks and trailing slashes; keep the scheme, host and any path prefix."""
        return (url or "").strip().rstrip("/")

    @staticmethod
    def to_utc(moment: datetime) -> datetime:
        """A naive UTC datetime; naive input is taken as UTC (that is what Odoo stores)."""
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment.replace(microsecond=0)

    def _auth(self):
        """The ``auth`` argument of ``requests`` for this platform (None: no auth)."""
        return None

    def _request(
        self,
        method: str,
        url: str,
        *,
        params=None,
        json_body=None,
        auth=True,
        idempotent: bool | None = None,
        expect_json: bool = True,
        allow_redirects: bool | None = None,
    ):
        """One HTTP call with our timeout, retries and error mapping.

        :param auth: send the platform's credentials.
        :param idempotent: allow automatic retries for a POST (its effect must not depend on
            how many times it arrives); GET/PUT/DELETE are always retried.
        :param expect_json: parse the body; invalid JSON raises ``malformed``.
        :param allow_redirects: default: follow them for GET/HEAD only, because requests
            turns a redirected POST into a GET and the write would be lost.
        :return: ``(data, response)``; ``data`` is None when ``expect_json`` is False.
        :raises StoreSyncError: on any failure, with ``kind`` set by ``_error_from_*``.
        """
        method = method.upper()
        headers = {IDEMPOTENT_HEADER: "1"} if idempotent and method == "POST" else {}
        if allow_redirects is None:
            allow_redirects = method in ("GET", "HEAD")
        where = {"method": method, "url": url}
        if self.throttle is not None:
            self.throttle()
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json_body,
                headers=headers,
                auth=self._auth() if auth else None,
                timeout=self.timeout,
                allow_redirects=allow_redirects,
            )
        except requests.exceptions.RequestException as exc:
            error = self._error_from_exception(exc, where)
            _logger.debug("%s %s failed: %s", method, url, error)
            raise error from exc
        _logger.debug(
            "%s %s -> %s in %.2fs (retries: %s)",
            method,
            url,
            response.status_code,
            response.elapsed.total_seconds(),
            _retries_done(response),
        )
        if response.status_code >= 300:
            raise self._error_from_response(response, where)
        if not expect_json:
            return None, response
        return self._json(response, where), response

    def _json(self, response, where: dict):
        """The body as JSON; anything else is a ``malformed`` error (retryable)."""
        expected = response.headers.get("Content-Length")
        if (
            expected
            and expected.isdigit()
            and not response.headers.get("Content-Encoding")
            and len(response.content) < int(expected)
        ):
            # urllib3 1.26 does not enforce Content-Length: say "cut off", not "bad JSON".
            raise StoreSyncError(
                "malformed",
                f"Incomplete answer: {len(response.content)} of {expected} bytes arrived.",
                status=response.status_code,
                details={**where, "body_start": _snippet(response)},
            )
        try:
            # utf-8-sig: a BOM left by a PHP file is harmless, unlike real garbage
            return json.loads(response.content.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise StoreSyncError(
                "malformed",
                f"The answer is not valid JSON: {exc}",
                status=response.status_code,
                details={**where, "body_start": _snippet(response)},
            ) from None

    def _error_from_exception(self, exc: Exception, where: dict) -> StoreSyncError:
        """Map a ``requests`` exception (no usable HTTP answer) to a ``StoreSyncError``.

        requests wraps urllib3's errors inconsistently (a read timeout after the retries is a
        ``ConnectionError`` around ``MaxRetryError(ReadTimeoutError)``), so the decision is
        made on the innermost urllib3/ssl cause.
        """
        exc_ = requests.exceptions
        cause = _root_cause(exc)
        text = _reason(cause)
        if isinstance(exc, exc_.SSLError) or isinstance(cause, (u3.SSLError, ssl.SSLError)):
            return StoreSyncError("tls", text, details=where)
        if isinstance(exc, exc_.ReadTimeout) or isinstance(cause, u3.ReadTimeoutError):
            return StoreSyncError(
                "timeout",
                f"No answer within {self.timeout[1]:g} seconds.",
                details={**where, "timeout": self.timeout[1]},
            )
        if isinstance(exc, exc_.ConnectTimeout) or isinstance(cause, u3.ConnectTimeoutError):
            # Refused, DNS failure (urllib3's NewConnectionError) or no TCP handshake within
            # the connect timeout: to the user that is "cannot reach", not "the store is slow".
            return StoreSyncError("unreachable", text, details=where)
        if isinstance(exc, (exc_.ChunkedEncodingError, exc_.ContentDecodingError)):
            # The answer started but broke off (truncated body, bad gzip): a transient glitch.
            return StoreSyncError("malformed", f"Incomplete answer: {text}", details=where)
        if isinstance(exc, (exc_.InvalidURL, exc_.MissingSchema, exc_.InvalidSchema)):
            return StoreSyncError(
                "unreachable", f"Invalid store URL: {text}", retryable=False, details=where
            )
        if isinstance(exc, exc_.TooManyRedirects):
            return StoreSyncError("client", f"Too many redirects: {text}", details=where)
        if isinstance(exc, exc_.RetryError):
            # Only with a foreign session that raises on exhausted status retries.
            return StoreSyncError("server", text, details=where)
        # ConnectionError with a dropped connection (ProtocolError) and anything else.
        return StoreSyncError("unreachable", text, details=where)

    def _error_from_response(self, response, where: dict) -> StoreSyncError:
        """Map an HTTP error answer (status >= 300) to a ``StoreSyncError``.

        Platforms refine this through ``_parse_error_body`` and ``_error_kind``.
        """
        status = response.status_code
        body = self._parse_error_body(response)
        code, message = body.get("code"), body.get("message")
        details = {**where, **body.get("details", {})}
        kind, retryable = self._error_kind(status, code, body.get("is_json", False), where)
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            details["location"] = location
            message = message or f"The store redirected the request to {location}"
        if status in (429, 503):
            wait = retry_after_seconds(response.headers)
            if wait is not None:
                details["retry_after"] = wait
                if wait > self.max_retry_after:
                    message = f"{message or response.reason} (asked to wait {wait:g}s)"
        retries = _retries_done(response)
        if retries:
            details["retries"] = retries
        if not message:
            message = f"HTTP {status} {response.reason or ''}".strip()
        return StoreSyncError(
            kind, message, status=status, code=code, retryable=retryable, details=details
        )

    def _parse_error_body(self, response) -> dict:
        """``{"code", "message", "details", "is_json"}`` from an error body (platform format)."""
        try:
            data = response.json()
        except ValueError:
            return {"is_json": False, "details": {"body_start": _snippet(response)}}
        return {"is_json": True, "details": {"body": data}}

    def _error_kind(self, status: int, code, is_json: bool, where: dict) -> tuple[str, bool]:
        """``(kind, retryable)`` for an HTTP error status; platforms override for their codes.

        ``code`` (the store's error code), ``is_json`` (whether the body was the platform's
        JSON) and ``where`` (method, url) are for those overrides.
        """
        del code, is_json, where  # generic mapping: the status alone decides
        if status in (401, 403):
            return "auth", False
        if status == 404:
            return "not_found", False
        if status == 408:
            return "timeout", True
        if status == 429:
            return "rate_limited", True
        if status == 501:
            return "server", False  # "not implemented" will not become implemented by retrying
        if status >= 500:
            return "server", True
        return "client", False

    #: the names of the statuses in ``default_status_actions`` where codes are not words
    default_status_names: dict = {}
    #: what Odoo does with an order in each store status, for new stores' default mappings:
    #: "quotation", "confirm", "cancel" or "skip"
    default_status_actions: dict = {}
    #: the store status each Odoo event sends back, for new stores' default mappings:
    #: events "confirmed", "paid", "delivered", "cancelled"; "" sends nothing
    default_export_statuses: dict = {}
    #: the order statuses an order climbs through in the store, lowest first; the status
    #: export never sends one lower than the store's current status. Statuses off the ladder
    #: (cancelled, refunded, failed...) are sent as mapped. Empty: no ladder, nothing held back
    status_ladder: tuple = ()

    @classmethod
    def moves_backwards(cls, current, status) -> bool:
        """True when ``status`` is below ``current`` on ``status_ladder`` (both on it)."""
        ladder = cls.status_ladder
        return (
            current in ladder and status in ladder and ladder.index(status) < ladder.index(current)
        )

    # ------------------------------------------------------------------ payloads (no HTTP)
    @staticmethod
    def map_order(payload: dict):
        """The platform's order payload as a ``records.Order``; raises ``PayloadError``."""
        raise NotImplementedError

    @staticmethod
    def map_product(payload: dict, variation=None, category_paths=None, language=None):
        """The platform's product payload as a ``records.Product``; raises ``PayloadError``.
        ``language``: the store's Odoo language code, for a platform whose products come in
        several languages."""
        raise NotImplementedError

    @staticmethod
    def describe_order(payload) -> dict | None:
        """The sync-log key of an order payload, without validating it.

        :return: ``{"external_id", "name", "external_date", "content_hash", "product_ids"}``
            (external_date naive UTC or None; product_ids the store product ids the order
            sells), or None when the payload has no usable id at all.
        """
        raise NotImplementedError

    @classmethod
    def order_admin_url(cls, base_url, external_id) -> str:
        """The order's page in the store's back office (no request: a link for the UI)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ interface
    def check_connection(self) -> dict:
        """Ask the store who it is, with the credentials.

        :return: at least ``{"name", "version", "api_version", "currency"}``: the site name,
            the platform's version (e.g. WooCommerce "9.4.2"), the API spoken ("wc/v3") and the
            store currency (ISO code); a store written through its database may add
            ``"untransactional_tables"``: tables the connector writes that cannot roll back.
        :raises StoreSyncError: ``auth``, ``unreachable``, ``tls``, ``timeout``,
            ``not_platform``...
        """
        raise NotImplementedError

    def iter_orders(
        self,
        modified_after: datetime | None = None,
        per_page=None,
        status=None,
        modified_before: datetime | None = None,
    ):
        """Yield ``Page`` objects of order payloads changed after ``modified_after``.

        One request per page; pages are yielded as they arrive so the caller can store each
        before the next is fetched. Order within a listing is platform-defined (not by
        modification date): take the cursor from the payloads, not from the last item.

        :param modified_after: naive UTC (or aware) datetime; None lists everything.
        :param per_page: page size, at most ``max_page_size`` (default).
        :param status: a status or a list of statuses to keep (None: all but trashed).
        :param modified_before: only orders changed strictly before this moment; with
            ``modified_after`` a time window, the way a long history is fetched oldest first
            (see ``storesync.store._fetch_orders``).
        """
        raise NotImplementedError

    def fetch_orders_page(
        self, page=1, modified_after=None, per_page=None, status=None, modified_before=None
    ) -> Page:
        """One page of ``iter_orders``; ``Page.total`` and ``Page.total_pages`` say how many."""
        raise NotImplementedError

    def oldest_order_date(self) -> datetime | None:
        """When the store's oldest order was created (naive UTC), where a first sync of the
        whole history starts; None when unknown (the fetch then starts far in the past)."""
        return None

    def get_order(self, external_id) -> dict:
        """One order payload by its store id.

        :raises StoreSyncError: ``not_found`` when the store has no such order.
        """
        raise NotImplementedError

    def get_orders(self, ids) -> list[dict]:
        """Order payloads by store id, as few requests as the page size allows.

        Orders the store no longer has (deleted, trashed) are simply not in the answer.
        """
        raise NotImplementedError

    def iter_products(self, modified_after: datetime | None = None, per_page=None):
        """Yield ``Page`` objects of product payloads changed after ``modified_after``."""
        raise NotImplementedError

    def get_products(self, ids) -> list[dict]:
        """Product payloads by store id, as few requests as the page size allows."""
        raise NotImplementedError

    def list_categories(self) -> list[dict]:
        """Every product category as ``{"id", "name", "parent"}`` (parent 0 at the top)."""
        raise NotImplementedError

    @staticmethod
    def describe_product(payload) -> dict | None:
        """Like ``describe_order``, for a product payload; may add ``"category_ids"``, the
        store categories the product is in, so a fetch reads the category tree only when
        one of them is new."""
        raise NotImplementedError

    def list_variations(self, product_id) -> list[dict]:
        """All variations of a variable product (every page)."""
        raise NotImplementedError

    def list_store_settings(self) -> dict:
        """What the mapping screens need, in platform-neutral form.

        :return: ``{"tax_rates": [{"id", "label", "percent" (Decimal)}],
            "shipping_methods": [{"id", "title"}], "payment_methods": [{"id", "title"}],
            "prices_include_tax": bool}`` (whether the store's catalogue prices include tax),
            and ``"order_statuses": [{"id", "title"}]`` where the store defines its own
            statuses (absent: the adapter's ``default_status_actions`` name them all), and
            ``"customer_groups": [{"id", "title", "default" (bool)}]`` where the adapter has
            ``customer_group_prices``
        """
        raise NotImplementedError

    def update_order_status(self, external_id, status, note=None, customer_note=True) -> dict:
        """Set an order's store status, optionally adding a note; returns the updated order."""
        raise NotImplementedError

    def list_order_notes(self, external_id) -> list[dict]:
        """The order's notes as ``{"id", "note", "customer_note"}``, newest first."""
        raise NotImplementedError

    def add_order_note(self, external_id, note, customer_note=True) -> dict:
        """Add a note to the order (shown to the customer when ``customer_note``).

        Creates something in the store: never retried automatically; the caller checks
        ``list_order_notes`` before sending it again after an unclear failure.
        """
        raise NotImplementedError

    def update_stock(self, items) -> list[dict]:
        """Set stock quantities in batches of ``batch_limit``; per-item results in input order.

        :param items: dicts ``{"id", "stock_quantity"}`` plus ``"parent_id"`` for variations.
        :return: ``[{"id", "parent_id", "ok", "status", "code", "message", "retryable",
            "data"}]``; ``data`` is the store's payload of the item when ``ok``.
        """
        raise NotImplementedError

    def update_prices(self, items) -> list[dict]:
        """Set prices in batches of ``batch_limit``; per-item results as ``update_stock``.

        :param items: dicts ``{"id", "regular_price"}`` (and optionally ``"sale_price"``,
            ``"sale_from"`` and ``"sale_to"``: naive UTC datetimes or None for an open end)
            plus ``"parent_id"`` for variations; prices as str, Decimal, int or float.
            With ``customer_group_prices``, an item may instead name a ``"customer_group"``
            (an id of ``list_store_settings()["customer_groups"]``): it carries only the
            group's ``"price"`` (its own price of the product, None: it has none) and its
            ``"sale_price"`` with dates (None: no sale of its own), and leaves the product's
            price alone. Results then carry the item's ``"customer_group"`` too.
            With ``quantity_tiers``, items carry ``"tiers"``: ``[{"min_quantity", "price"}]``,
            the store's lower prices from a quantity on (everyone's, or the group's).
        """
        raise NotImplementedError

    # ------------------------------------------------------------------ catalogue out
    # Items and results of the catalogue calls share one shape. An item is ``{"key", "id",
    # "values"}``: ``key`` is the caller's name for it (echoed in its result), ``id`` the
    # store's id (None: create it) and ``values`` what to set, only what changed on an
    # update. A result is ``{"key", "id", "ok", "adopted", "status", "code", "message",
    # "retryable"}``, in input order; ``adopted`` says a create found the thing already in
    # the store (same SKU, same name under the same parent) and updated that one instead;
    # ``gone`` (on a failure) that the store has no such thing (any more): it was deleted.
    # ``language`` is the store's language as Odoo names it ("hu_HU"): texts are in it.

    def export_categories(self, items, language=None) -> list[dict]:
        """Create or update product categories, parents before children.

        ``values``: ``name`` and ``parent_id`` (the store id of the parent, None at the top).
        """
        raise NotImplementedError

    def export_brands(self, items, language=None) -> list[dict]:
        """Create or update manufacturers / brands (``"brand" in catalogue_values``).

        ``values``: ``name``.
        """
        raise NotImplementedError

    def export_products(self, items, language=None) -> list[dict]:
        """Create or update products with their variants, batched at the store's limits.

        ``values`` of a product: ``name``, ``description`` (HTML), ``short_description``,
        ``sku``, ``barcode``, ``weight`` (Decimal, kg), ``category_ids`` (store ids),
        ``brand_id`` (store id or None), ``images`` (at most ``max_images`` dicts ``{"key",
        "id", "name", "alt", "url" | "content"}``; ``id`` is the store's id of a picture it
        has already), ``published``, ``lead_days``, ``options`` (``[{"name", "values"}]``,
        the variant-forming attributes of a product with variants), and on create the stock
        and price values of ``update_stock`` and ``update_prices``. An item may carry
        ``variants``: items of their own whose ``values`` hold ``sku``, ``barcode``,
        ``weight``, ``image``, ``published``, ``options`` (``{attribute name: value}``) and
        on create stock and prices.

        Results carry ``images`` (the store ids of the pictures, in order) and ``variants``
        (results of the variants, each with ``parent_id``: the product id when the store
        keeps the variant under its product, None when a variant is a product of its own).
        Creates are never retried blindly: a create whose answer was lost is found again by
        its SKU (adopted) the next time.
        """
        raise NotImplementedError

    def export_customers(self, items, language=None) -> list[dict]:
        """Create or update customer accounts; a create whose e-mail the store knows
        updates that account (adopted).

        ``values``: ``email``, ``first_name``, ``last_name``, ``company``, ``phone``,
        ``billing`` and ``shipping`` (``records.Address`` fields as a dict; shipping None:
        the billing address) and, with ``customer_group_prices``, ``group_id`` (the store's
        customer group, None: its default one).
        """
        raise NotImplementedError

    @classmethod
    def verify_webhook(cls, headers, raw_body: bytes, secret: str) -> bool:
        """True when ``raw_body`` is signed with ``secret`` the platform's way.

        A class method: a webhook controller can check a delivery without building an adapter.
        """
        raise NotImplementedError

    @classmethod
    def describe_webhook(cls, headers, raw_body: bytes) -> dict:
        """What a webhook delivery carries, read from its headers and body, before trusting it.

        Nothing here is verified: the caller checks the signature (``verify_webhook``) of
        anything that is not a ping before using it.

        :param headers: any mapping of header names (matched case-insensitively).
        :param raw_body: the body exactly as received.
        :return: ``{"ping": bool, "kind": "order" | "product" | None, "topic": str}``:
            ``ping`` for the store's unsigned "is this address alive" call that carries no data;
            ``kind`` the sync-log kind of the payload, None when the body is not a whole
            resource we know (e.g. a deletion, a coupon); ``topic`` the platform's own name
            of the event, for logs ("" when absent). A platform whose deliveries are only
            triggers (``webhook_is_trigger``) also gives ``"refs"``: the store's numbers of
            the orders the delivery names, for logs; the Odoo side then fetches the store's
            changed orders through the API and never imports the body itself.
        """
        raise NotImplementedError

    def register_webhooks(self, delivery_url: str, secret: str, previous=()) -> dict:
        """Create or repair the store's webhooks for new and changed orders.

        The store's webhooks pointing at ``delivery_url`` for our topics are ours: one per
        topic is kept (made active, with ``secret`` and ``delivery_url`` sent again, since the
        store never shows a secret), missing ones are created, duplicates deleted. Every other
        webhook of the store is left alone.

        :return: ``{"created": [...], "updated": [...], "kept": [...], "deleted": [...],
            "others": [...]}``, each a list of ``{"id": str, "topic": str}``: ``updated`` are
            ours that were not active (re-activated), ``kept`` ours that were already active,
            ``others`` the webhooks left untouched. A platform that cannot list its webhooks
            also returns ``"subscriptions"``: ``[{"id", "topic", "url"}]``, what to pass as
            ``previous`` next time (its webhooks of before, removed first).
        :raises StoreSyncError: the store refused or failed a call (what was done before it
            stays done; calling again finishes the job).
        """
        raise NotImplementedError

    # ------------------------------------------------------------------ shared pieces
    @staticmethod
    def _hmac_sha256_b64(secret: str, raw_body: bytes) -> str:
        """base64(HMAC-SHA256(raw_body, secret)), the signature WooCommerce and Shopify use."""
        digest = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).digest()
        return base64.b64encode(digest).decode("ascii")


def _snippet(response, size=200) -> str:
    """The start of a body, for error details (never the whole page)."""
    try:
        return response.content[:size].decode("utf-8", "replace")
    except Exception:  # the body itself may be what broke; details are best effort
        return ""


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost urllib3/ssl/socket error behind a requests exception."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, u3.MaxRetryError) and exc.reason is not None:
            exc = exc.reason
        elif isinstance(exc, requests.exceptions.RequestException) and exc.args:
            if not isinstance(exc.args[0], BaseException):
                break
            exc = exc.args[0]
        elif isinstance(exc, u3.ProtocolError) and len(exc.args) > 1:
            if not isinstance(exc.args[1], BaseException):
                break
            exc = exc.args[1]  # ("Connection aborted.", RemoteDisconnected(...))
        else:
            break
    return exc


def _reason(exc: BaseException) -> str:
    """Readable text of an error, without urllib3's "<... object at 0x...>:" prefixes."""
    text = re.sub(r"<[^<>]* object at 0x[0-9a-fA-F]+>:\s*", "", str(exc))
    text = re.sub(r"^\w+ConnectionPool\(host='[^']*', port=\d+\): ", "", text)
    return text.strip() or type(exc).__name__


def _retries_done(response) -> int:
    """How many retries urllib3 made before this answer (0 when unknown)."""
    retries = getattr(getattr(response, "raw", None), "retries", None)
    history = getattr(retries, "history", None)
    return len(history) if history else 0
