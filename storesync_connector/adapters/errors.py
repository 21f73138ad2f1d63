"""The one error type adapters raise, and the error of payloads the mappers cannot read.

Pure Python: no Odoo import. The Odoo side maps ``StoreSyncError.kind`` to translated
messages and uses ``retryable`` to decide between "try again later" and "needs a human".
"""

import json
from decimal import Decimal

# kind -> what it means; the Odoo side keys its translated messages on these.
KINDS = {
    "auth": "the store refused the credentials (HTTP 401/403)",
    "unreachable": "no connection: DNS failure, refused or dropped connection, connect timeout",
    "tls": "the TLS handshake failed (bad certificate, https:// to a plain-HTTP server)",
    "timeout": "connected, but the answer did not come within the read timeout (or HTTP 408)",
    "not_platform": "the server answers but is not this platform's API (HTML, no route)",
    "rate_limited": "the store or its host is throttling us (HTTP 429)",
    "server": "the store failed (HTTP 5xx)",
    "client": "the store refused the request itself (HTTP 4xx other than the above)",
    "not_found": "the resource does not exist in the store (HTTP 404 on a known route)",
    "malformed": "the answer is not the JSON it should be (invalid, truncated, wrong shape)",
}

# Kinds where the same call can succeed later without anyone changing anything. The default of
# ``StoreSyncError.retryable``; a few cases override it (an invalid URL is "unreachable" but
# retrying cannot help, a 501 is "server" but permanent).
RETRYABLE_KINDS = frozenset({"unreachable", "timeout", "rate_limited", "server", "malformed"})


class StoreSyncError(Exception):
    """A store call failed; ``kind`` says how, ``retryable`` whether trying later can help.

    :param kind: one of ``KINDS``.
    :param message: the store's message when it sent one, else ours (English).
    :param status: the HTTP status, or None when no answer came.
    :param code: the store's machine-readable error code (``woocommerce_rest_...``) or None.
    :param retryable: defaults to ``kind in RETRYABLE_KINDS``.
    :param details: extra plain data (url, method, retry_after, per-item results, ...).
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retryable: bool | None = None,
        details: dict | None = None,
    ):
        if kind not in KINDS:
            raise ValueError(f"unknown StoreSyncError kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.code = code
        self.retryable = kind in RETRYABLE_KINDS if retryable is None else bool(retryable)
        self.details = dict(details or {})

    def __str__(self):
        head = self.kind if self.status is None else f"{self.kind}, HTTP {self.status}"
        code = f" [{self.code}]" if self.code else ""
        where = self.details.get("url")
        where = f" ({self.details.get('method', 'GET')} {where})" if where else ""
        return f"{head}{code}: {self.message}{where}"

    def __repr__(self):
        return (
            f"StoreSyncError(kind={self.kind!r}, status={self.status!r}, code={self.code!r}, "
            f"retryable={self.retryable!r}, message={self.message!r})"
        )

    def __reduce__(self):
        # Exceptions with keyword-only arguments do not pickle by default; multiprocessing and
        # some test runners need it.
        return (
            _rebuild_error,
            (self.kind, self.message, self.status, self.code, self.retryable, self.details),
        )


def _rebuild_error(kind, message, status, code, retryable, details):
    return StoreSyncError(
        kind, message, status=status, code=code, retryable=retryable, details=details
    )


class PayloadError(ValueError):
    """A store payload lacks or garbles what the mappers need; the message says what.

    Raised by the pure mapping code (not by HTTP calls): the row it came from becomes an error
    row, and retrying cannot help until the store's data changes.
    """


class FieldPayloadError(PayloadError):
    """A payload lacks or garbles one field; the mappers raise it as ``PayloadError``.

    ``str(error)`` is a readable English sentence starting with the field path; ``field`` is
    that path (``""`` for the payload as a whole), ``problem`` the sentence without it and
    ``value`` the offending value.
    """

    def __init__(self, field: str, problem: str, value=None):
        # All three in args so the error pickles and compares like any exception.
        super().__init__(field, problem, value)
        self.field = field
        self.problem = problem
        self.value = value

    def __str__(self):
        return f"{self.field}: {self.problem}" if self.field else self.problem


def show_value(value) -> str:
    """A short JSON rendering of a bad value for an error message."""
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= 60 else text[:57] + "..."


#: numbers a store payload may hold: below a trillion in size, at most 20 decimals. Far beyond
#: any real order, and small enough that products and sums stay inside Decimal's 28 digits
#: (beyond them, rounding to cents raises decimal.InvalidOperation).
MAX_NUMBER = Decimal(10) ** 12
MAX_DECIMALS = 20


def checked_number(number: Decimal, field: str, value) -> Decimal:
    """``number`` (read from ``value`` at ``field``) if it is within the bounds above."""
    if abs(number) >= MAX_NUMBER:
        raise FieldPayloadError(field, f"{show_value(value)} is out of range", value)
    if number.as_tuple().exponent < -MAX_DECIMALS:
        raise FieldPayloadError(
            field, f"{show_value(value)} has more than {MAX_DECIMALS} decimals", value
        )
    return number
