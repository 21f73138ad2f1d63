"""The shared HTTP layer: one ``requests.Session`` with urllib3 ``Retry`` for every adapter.

Written for urllib3 1.26 (Odoo 19 pins 1.26.5 with requests 2.31) and 2.x alike: only
``Retry`` arguments present in both are passed (``allowed_methods`` exists since 1.26.0), the
backoff cap is applied in ``get_backoff_time`` instead of ``backoff_max`` (2.x only) or the
class attribute ``BACKOFF_MAX`` (renamed ``DEFAULT_BACKOFF_MAX`` later), and the Retry-After
header is read through ``response.headers`` (``getheader`` is gone in 2.x).

Retry policy (``StoreRetry``):

* Methods: idempotent ones only (GET, HEAD, OPTIONS, PUT, DELETE). A POST that creates
  something (an order note) is never retried blindly; a POST whose effect is fixed by its
  content (a batch setting stock or prices) may opt in per request, see ``IDEMPOTENT_HEADER``.
* Statuses: 429, 502, 503, 504 -- throttling and gateways that did not reach PHP or gave up
  on it. A 429 is retried for every method (the store did nothing), after at least
  ``RATE_WINDOW`` when it names no Retry-After. 500 is not retried here: on WooCommerce it
  is mostly a PHP fatal that repeats for the same request, so hammering does not help (the
  error still says ``retryable`` so the next cron run tries again).
* Retry-After is honoured up to ``max_retry_after`` seconds; a longer one ends the retries at
  once and the caller gets the 429/503 answer (mapped to a retryable error carrying
  ``retry_after``), so a cron never sleeps for minutes on one request.
* Connection errors (DNS, refused, connect timeout) are retried ``total`` times; a read error
  (read timeout, connection dropped mid-answer, the classic stale keep-alive) only once,
  because every read retry costs a full read timeout; TLS and other errors never (retrying
  cannot fix a certificate).
* Backoff between attempts: ``backoff_factor * 2 ** (n - 1)`` (urllib3's formula, first retry
  immediate), capped at ``backoff_max``.

Worst case for one call: ``(total + 1)`` attempts x the read timeout plus the sleeps, which
``retry_total``, ``max_retry_after`` and the timeout bound.
"""

import threading
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

USER_AGENT = "storesync_connector/19.0 (+Odoo)"
DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A request carrying this header may be retried even if its method is POST; the header is
# removed before the request leaves (see ``StoreHTTPAdapter.send``).
IDEMPOTENT_HEADER = "X-StoreSync-Idempotent"
#: seconds a store's request rate is counted over: a 429 without Retry-After waits this long
RATE_WINDOW = 1.0


def retry_after_seconds(headers) -> float | None:
    """Retry-After from ``headers`` in seconds (delta-seconds or HTTP date), None if absent.

    A date in the past gives 0; a garbled value counts as absent (urllib3 1.26 would raise).
    """
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max((moment - datetime.now(timezone.utc)).total_seconds(), 0.0)


class StoreRetry(Retry):
    """urllib3 ``Retry`` with a cap on Retry-After and on the backoff, on urllib3 1.26 and 2.x.

    :param max_retry_after: longest Retry-After we sleep for; above it no more retries.
    :param max_backoff: longest exponential-backoff sleep.
    """

    def __init__(self, *args, max_retry_after=30.0, max_backoff=30.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after
        self.max_backoff = max_backoff

    def new(self, **kw):
        # urllib3 rebuilds the object from a fixed list of its own arguments on each attempt.
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        retry.max_backoff = self.max_backoff
        return retry

    def get_backoff_time(self):
        """urllib3's exponential backoff, capped at ``max_backoff``."""
        return min(super().get_backoff_time(), self.max_backoff)

    def is_retry(self, method, status_code, has_retry_after=False):
        """A 429 is retried whatever the method: the store refused the request without doing
        it, so sending a POST again cannot do anything twice."""
        if status_code == 429 and self.total and 429 in (self.status_forcelist or ()):
            return True
        return super().is_retry(method, status_code, has_retry_after)

    def sleep(self, response=None):
        """A 429 without Retry-After (Shoprenter sends none) waits out the store's one-second
        rate window at least, instead of urllib3's immediate first retry."""
        if (
            response is not None
            and response.status == 429
            and self.get_retry_after(response) is None
        ):
            time.sleep(max(self.get_backoff_time(), RATE_WINDOW))
            return
        super().sleep(response)

    def get_retry_after(self, response):
        """Retry-After in seconds; unlike urllib3 1.26, a garbled header counts as absent."""
        return retry_after_seconds(response.headers if response is not None else {})

    def increment(self, method=None, url=None, response=None, error=None, **kwargs):
        """Stop at once when the store asks us to wait longer than ``max_retry_after``.

        Raising MaxRetryError here makes urllib3 (with ``raise_on_status=False``) hand the 429
        or 503 answer back to requests, so the adapter reports the store's own error.
        """
        if response is not None and self.respect_retry_after_header:
            wait, cap = self.get_retry_after(response), self.max_retry_after
            if wait is not None and cap is not None and wait > cap:
                raise MaxRetryError(
                    kwargs.get("_pool"),
                    url,
                    ResponseError(f"Retry-After {wait:g}s exceeds {cap:g}s"),
                )
        return super().increment(method, url, response=response, error=error, **kwargs)


def make_retry(retry_total=3, backoff_factor=0.5, max_retry_after=30.0, backoff_max=30.0):
    """The ``StoreRetry`` the session uses by default (see the module docstring)."""
    total = max(int(retry_total), 0)
    return StoreRetry(
        total=total,
        connect=total,
        read=min(total, 1),
        other=0,
        redirect=0,  # requests follows redirects itself; urllib3 never sees them
        status=total,
        allowed_methods=IDEMPOTENT_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        raise_on_redirect=False,
        raise_on_status=False,  # hand back the last answer: the adapter maps the store's error
        respect_retry_after_header=True,
        max_retry_after=max_retry_after,
        max_backoff=backoff_max,
    )


class StoreHTTPAdapter(HTTPAdapter):
    """``HTTPAdapter`` that can also retry a POST, for requests that opt in by a header.

    ``requests`` reads ``self.max_retries`` inside ``send``; a thread-local override makes the
    per-request choice safe when one session serves several threads.
    """

    __attrs__ = [*HTTPAdapter.__attrs__, "idempotent_retries"]  # what pickling keeps

    def __init__(self, retry: StoreRetry, **kwargs):
        self._local = threading.local()
        super().__init__(max_retries=retry, **kwargs)
        self.idempotent_retries = retry.new(allowed_methods=IDEMPOTENT_METHODS | {"POST"})

    @property
    def max_retries(self):
        return getattr(self._local, "retries", None) or self._max_retries

    @max_retries.setter
    def max_retries(self, value):
        self._max_retries = value

    def send(self, request, *args, **kwargs):
        """Send, with POST retries when the request carries ``IDEMPOTENT_HEADER``."""
        opted_in = request.headers.pop(IDEMPOTENT_HEADER, None)
        self._local.retries = self.idempotent_retries if opted_in else None
        try:
            return super().send(request, *args, **kwargs)
        finally:
            self._local.retries = None

    def __setstate__(self, state):
        self._local = threading.local()
        return super().__setstate__(state)


def build_session(
    retry_total=3,
    backoff_factor=0.5,
    max_retry_after=30.0,
    backoff_max=30.0,
    pool_maxsize=10,
) -> requests.Session:
    """A ``requests.Session`` with the retry policy above and our User-Agent.

    :param retry_total: retries after the first attempt (0 disables retrying).
    :param backoff_factor: base of the exponential backoff, seconds.
    :param max_retry_after: longest Retry-After honoured; a longer one fails fast.
    :param backoff_max: longest backoff sleep.
    :param pool_maxsize: kept-alive connections per host.
    """
    retry = make_retry(retry_total, backoff_factor, max_retry_after, backoff_max)
    session = requests.Session()
    adapter = StoreHTTPAdapter(retry, pool_maxsize=pool_maxsize)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


def normalize_timeout(timeout) -> tuple[float, float]:
    """``(connect, read)`` seconds from None (defaults), one number or a pair.

    One number is the read timeout (what users configure: "how long may the store take");
    connecting never waits longer than the default connect timeout for it.
    """
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, (tuple, list)):
        connect, read = timeout
        return float(connect), float(read)
    read = float(timeout)
    if read <= 0:
        raise ValueError("timeout must be positive")
    return min(DEFAULT_TIMEOUT[0], read), read
