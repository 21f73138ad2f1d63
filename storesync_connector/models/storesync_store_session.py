"""What a store's API session needs besides the URL: the credentials the platform declares,
its access token and its request rate, kept in the database so every Odoo process shares them.

* Credentials: each adapter declares its ``credential_fields`` (as payment providers declare
  theirs); one administrators-only Char field per declared name is added to the store, and the
  store form shows the ones of the store's platform (``_get_view``).
* Access token: platforms with expiring tokens get a ``TokenCache`` backed by
  ``storesync.api.session``; a token is asked for once per lifetime, not once per cron run.
* Request rate: an adapter declaring ``requests_per_second`` gets a throttle that books the next
  free request slot of the store in the same table, through its own short transaction, so crons,
  webhooks, buttons and several workers together stay under the store's limit.

The session rows are only ever written through a separate cursor that commits at once: the
caller's transaction (which may hold the store's row for minutes) is never involved, so two
processes wait at most for each other's one-statement transaction.
"""

import contextlib
import json
import logging
import time
from datetime import timedelta

import psycopg2.errors
from lxml import etree

from odoo import api, fields, models, sql_db

from ..adapters import get_adapter_class, platform_selection
from .storesync_store import CREDENTIALS_GROUP

_logger = logging.getLogger(__name__)

#: requests are spaced by a little more than 1/rate, so that network jitter never puts
#: rate + 1 of them into one second at the store
RATE_MARGIN = 1.1


def _credential_fields():
    """``{field name: (CredentialField, [platform codes])}`` over every registered adapter."""
    found = {}
    for code, _label in platform_selection():
        for credential in get_adapter_class(code).credential_fields:
            found.setdefault(credential.name, (credential, []))[1].append(code)
    return found


class StoresyncStore(models.Model):
    _inherit = "storesync.store"  # pylint: disable=consider-merging-classes-inherited

    tracking_supported = fields.Boolean(
        compute="_compute_tracking_supported",
        help="Whether the platform's API can receive a delivery's carrier and tracking number.",
    )

    @api.depends("platform")
    def _compute_tracking_supported(self):
        for store in self:
            adapter_class = store.platform and get_adapter_class(store.platform)
            store.tracking_supported = not adapter_class or adapter_class.supports_tracking
            store.webhooks_supported = not adapter_class or adapter_class.webhook_auth != "none"
            store.buyer_notified_by_store = not adapter_class or adapter_class.notifies_buyer

    webhooks_supported = fields.Boolean(
        compute="_compute_tracking_supported",
        help="Whether the platform can tell Odoo of new orders by webhook.",
    )
    buyer_notified_by_store = fields.Boolean(
        compute="_compute_tracking_supported",
        help="Whether the store e-mails its buyers itself when Odoo changes an order's status.",
    )
    status_mail = fields.Boolean(
        string="E-mail Buyers Their Status",
        default=True,
        help="The platform does not e-mail the buyer when Odoo writes a new order status: "
        "Odoo sends the buyer the status e-mail (with the carrier and tracking number), in "
        "the store's language.",
    )

    customer_group_prices = fields.Boolean(
        compute="_compute_customer_group_prices",
        help="Whether the platform keeps prices per customer group.",
    )

    delivery_time_statuses = fields.Boolean(
        compute="_compute_customer_group_prices",
        help="Whether the platform shows a delivery time of its own choosing per product.",
    )

    @api.depends("platform")
    def _compute_customer_group_prices(self):
        for store in self:
            adapter_class = store.platform and get_adapter_class(store.platform)
            store.customer_group_prices = bool(
                adapter_class and adapter_class.customer_group_prices
            )
            store.delivery_time_statuses = bool(
                adapter_class and "delivery_status" in adapter_class.catalogue_values
            )

    _request_rate_positive = models.Constraint(
        "CHECK(request_rate >= 0)", "The requests per second cannot be negative."
    )
    request_rate = fields.Float(
        string="Requests per Second",
        digits=(6, 2),
        help="At most this many API requests a second go to the store, from every Odoo "
        "process together. 0: the platform's default (its published limit, or a careful one "
        "where it publishes none).",
    )

    def _get_credentials(self):
        """The credentials the store's adapter declares, read as superuser (administrators-only
        fields), so a Store Sync manager's actions still reach the store."""
        self.ensure_one()
        store = self.sudo()
        names = [c.name for c in get_adapter_class(self.platform).credential_fields]
        return {name: store[name] or "" for name in names}

    def _get_adapter(self, **options):
        """The platform adapter for this store (no ORM inside; plain HTTP), with the shared
        token cache and request throttle its platform needs.

        :param options: more adapter arguments (``retry_total``...); the context key
            ``storesync_no_retry`` sets ``retry_total`` to 0 (a store already failing)
        """
        self.ensure_one()
        adapter_class = get_adapter_class(self.platform)
        Session = self.env["storesync.api.session"]
        if self.env.context.get("storesync_no_retry"):
            options.setdefault("retry_total", 0)
        return adapter_class(
            self.base_url,
            self._get_credentials(),
            timeout=self.timeout,
            token_cache=Session._token_cache(self),
            throttle=Session._throttle(
                self, self.request_rate or adapter_class.requests_per_second
            ),
            **options,
        )

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """Put each platform's credential fields after the store URL of the form."""
        arch, view = super()._get_view(view_id, view_type, **options)
        anchors = arch.xpath("//field[@name='base_url']") if view_type == "form" else []
        if anchors:
            anchor = anchors[0]
            for name, (credential, codes) in reversed(_credential_fields().items()):
                platforms = repr(tuple(codes)) if len(codes) > 1 else repr(codes[0])
                test = "in" if len(codes) > 1 else "=="
                node = etree.Element("field", name=name)
                anchor.addnext(node)
                node.set("groups", CREDENTIALS_GROUP)
                node.set("invisible", f"not (platform {test} {platforms})")
                node.set("required", f"platform {test} {platforms}")
                if credential.secret:
                    node.set("password", "True")
        return arch, view


def _declare_credential_fields(model_class):
    """Add one Char field per declared credential to the model definition class."""
    for name, (credential, _codes) in _credential_fields().items():
        field = fields.Char(
            string=credential.label,
            help=credential.help or None,
            groups=CREDENTIALS_GROUP,
            copy=False,
        )
        setattr(model_class, name, field)
        field.__set_name__(model_class, name)


_declare_credential_fields(StoresyncStore)


class StoresyncApiSession(models.Model):
    """A store's shared API state: its cached access token and its next free request slot."""

    _name = "storesync.api.session"
    _description = "Store API Session"
    _log_access = False

    store_id = fields.Many2one("storesync.store", required=True, ondelete="cascade", index=True)
    access_token = fields.Char(groups=CREDENTIALS_GROUP)
    token_expires_at = fields.Datetime(groups=CREDENTIALS_GROUP)
    next_request_at = fields.Datetime(
        help="Before this moment the store's next request waits (its rate limit)."
    )
    fetch_requested = fields.Boolean(
        help="A webhook said orders changed: the fetch cron reads the store's changed orders."
    )
    fetch_refs = fields.Json(
        help="The orders webhooks named, for a platform whose listing cannot find changed "
        "orders: the fetch cron reads these again by id."
    )

    _store_uniq = models.Constraint("UNIQUE(store_id)", "One API session per store.")

    @api.model
    def _request_fetch(self, store, refs=()):
        """Ask the fetch cron for the store's changed orders (a webhook that is a trigger);
        ``refs``: the store's ids of the orders the webhook named, kept for the fetch.

        Written in a transaction of its own, on this row rather than the store's: a fetch in
        progress holds and writes the store row, and must not fail because a webhook came.
        """
        refs = json.dumps(sorted({str(ref) for ref in refs}))
        with _own_transaction(self.env.registry) as cr:
            cr.execute(
                """
                INSERT INTO storesync_api_session AS s (store_id, fetch_requested, fetch_refs)
                VALUES (%s, TRUE, %s::jsonb)
                ON CONFLICT (store_id) DO UPDATE SET
                    fetch_requested = TRUE,
                    fetch_refs = COALESCE(s.fetch_refs, '[]'::jsonb) || EXCLUDED.fetch_refs
                """,
                [store.id, refs],
            )

    @api.model
    def _take_fetch_requests(self):
        """``{store id: order ids named}`` of the stores a webhook asked to fetch, clearing
        the requests first (a webhook arriving during the fetch asks again)."""
        with _own_transaction(self.env.registry) as cr:
            # The rows locked first: a webhook committing meanwhile is waited for, and the
            # refs it added are the ones returned (an UPDATE ... FROM itself would re-check
            # the new row but return its joined copy as it was, losing them).
            cr.execute(
                """
                WITH taken AS (
                    SELECT id, fetch_refs FROM storesync_api_session
                    WHERE fetch_requested FOR UPDATE
                )
                UPDATE storesync_api_session s SET fetch_requested = FALSE, fetch_refs = NULL
                FROM taken WHERE taken.id = s.id
                RETURNING s.store_id, taken.fetch_refs
                """
            )
            return {
                store_id: sorted({str(ref) for ref in refs or []})
                for store_id, refs in cr.fetchall()
            }

    @api.model
    def _token_cache(self, store):
        return _DatabaseTokenCache(self.env.registry, store.id)

    @api.model
    def _throttle(self, store, per_second):
        """A callable that waits for the store's next request slot (None: no limit)."""
        if not per_second:
            return None
        registry, store_id = self.env.registry, store.id
        spacing = RATE_MARGIN / per_second

        def throttle():
            try:
                wait = _book_slot(registry, store_id, spacing)
            except psycopg2.errors.ForeignKeyViolation:
                return  # a store not committed yet: its first requests are not paced

            if wait > 0:
                time.sleep(wait)

        return throttle


@contextlib.contextmanager
def _own_transaction(registry):
    """A short committed transaction of its own, in READ COMMITTED: two processes updating
    the same session row wait for each other instead of failing to serialize (the default
    REPEATABLE READ of Odoo's cursors would). A test cursor runs inside the test's."""
    with registry.cursor() as cr:
        if isinstance(cr, sql_db.Cursor):
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        yield cr


def _book_slot(registry, store_id, spacing):
    """Book the store's next request slot in one committed statement; seconds to wait.

    The slot is the later of now and the previous booking's end; the booking ends ``spacing``
    seconds after it. Concurrent callers serialise on the one row for the statement only.
    """
    with _own_transaction(registry) as cr:
        cr.execute(
            """
            INSERT INTO storesync_api_session AS s (store_id, next_request_at)
            VALUES (%(store)s, (clock_timestamp() AT TIME ZONE 'UTC') + %(spacing)s)
            ON CONFLICT (store_id) DO UPDATE SET next_request_at =
                GREATEST(s.next_request_at, clock_timestamp() AT TIME ZONE 'UTC') + %(spacing)s
            RETURNING EXTRACT(EPOCH FROM (
                next_request_at - %(spacing)s - (clock_timestamp() AT TIME ZONE 'UTC')))
            """,
            {"store": store_id, "spacing": timedelta(seconds=spacing)},
        )
        return float(cr.fetchone()[0])


class _DatabaseTokenCache:
    """``TokenCache`` in ``storesync.api.session``, read and written in committed transactions
    of their own, so a token fetched by a run that later fails is kept all the same."""

    def __init__(self, registry, store_id):
        self.registry = registry
        self.store_id = store_id

    def load(self):
        with _own_transaction(self.registry) as cr:
            cr.execute(
                "SELECT access_token, token_expires_at FROM storesync_api_session "
                "WHERE store_id = %s",
                [self.store_id],
            )
            row = cr.fetchone()
        return (row[0], row[1]) if row and row[0] else None

    def save(self, token, expires_at):
        with (
            contextlib.suppress(psycopg2.errors.ForeignKeyViolation),
            _own_transaction(self.registry) as cr,
        ):
            # (a store not committed yet keeps its token in the adapter only)
            cr.execute(
                """
                INSERT INTO storesync_api_session AS s (store_id, access_token, token_expires_at)
                VALUES (%s, %s, %s)
                ON CONFLICT (store_id) DO UPDATE
                SET access_token = EXCLUDED.access_token,
                    token_expires_at = EXCLUDED.token_expires_at
                """,
                [self.store_id, token or None, expires_at if token else None],
            )
