"""VirtueMart adapter: the shop's MySQL/MariaDB database is its API (VirtueMart has no REST API).

Facts it relies on (/work/shared/store_apis/virtuemart.md; VirtueMart's ``install.sql``,
``models/orders.php``):

* Tables are ``<Joomla prefix>virtuemart_*``; texts live in per-language tables
  (``virtuemart_products_de_de``...), the shop language being a credential.
* Orders are listed by ``modified_on`` (UTC, second precision; no index on it, the listing is
  keyset-paged on ``(modified_on, virtuemart_order_id)``). An order payload is the order row
  with its BT/ST address rows (``order_userinfos``), items, calculation rules (per-item VAT,
  shipment and payment tax), its currency, method names and status name, read in one
  consistent snapshot.
* The status goes back as VirtueMart's own ``updateStatusForOneOrder`` writes it without
  Joomla: order and item statuses, an ``order_histories`` row (the comment carries carrier and
  tracking, ``customer_notified``), and the stock bookkeeping of the statuses' stock handles
  (R: reserved in ``product_ordered``, O: out of ``product_in_stock``, A: neither). VirtueMart
  e-mails the buyer only from inside Joomla: ``notifies_buyer`` is False and Odoo sends the
  status e-mail itself.
* Every write is one transaction: a failure leaves the shop's data as it was, on InnoDB
  tables (older VirtueMart installs make many MyISAM, which cannot roll back:
  ``check_connection`` names them; the stock, on the products table, is booked last).
"""

import json
import re
import socket
import ssl
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pymysql
import pymysql.cursors

from . import virtuemart_mapping
from .base import CredentialField, Page, StoreAdapter
from .errors import StoreSyncError
from .virtuemart_catalogue import VirtueMartCatalogue

#: order statuses VirtueMart installs (``install_essential_data.sql``), with English names
PENDING, CONFIRMED_BY_SHOPPER, CONFIRMED, CANCELLED, REFUNDED, SHIPPED, COMPLETED, DENIED = (
    "P", "U", "C", "X", "R", "S", "F", "D"
)  # fmt: skip
#: the availability pictures VirtueMart ships (components/com_virtuemart/assets/images/
#: availability), the values of ``product_availability`` a shop uses most
AVAILABILITY_IMAGES = (
    "24h.gif", "48h.gif", "2-3d.gif", "3-5d.gif", "7d.gif", "14d.gif", "1-4w.gif", "1-2m.gif",
    "on-order.gif", "not_available.gif",
)  # fmt: skip
#: stock handles of the order statuses: reserved, out of stock, neither
RESERVED, OUT, NEITHER = "R", "O", "A"
#: ``created_by`` of the price rows Odoo writes: Joomla's user ids are positive, so the
#: merchant's rows (made in the backend, or by an import tool: 0) are never taken for Odoo's
CONNECTOR_USER = -1
#: the part of a table prefix Joomla allows (letters, digits, underscore)
_PREFIX = re.compile(r"^[A-Za-z0-9_]{0,20}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}_[a-z]{2,3}$")
#: MySQL error codes meaning the account may not (1044, 1045, 1142, 1143: denied), the database
#: or a table is missing (1049, 1146), or the server is gone (2003, 2006, 2013)
_AUTH_CODES = {1044, 1045, 1142, 1143, 1227}
_MISSING_CODES = {1049, 1146, 1054}
_GONE_CODES = {2002, 2003, 2005, 2006, 2013, 2055}
_RETRY_CODES = {1205, 1213}  # lock wait timeout, deadlock


class VirtueMartAdapter(VirtueMartCatalogue, StoreAdapter):
    """VirtueMart 3/4 on Joomla, through the shop's database (PyMySQL)."""

    platform = "virtuemart"
    platform_label = "VirtueMart"
    sequence = 40
    api_version = "database"
    #: rows per multi-row statement of the stock and price export
    batch_limit = 500
    #: orders per page of the listing
    max_page_size = 100
    supports_tracking = True
    #: the carrier and tracking go as an ``order_histories`` comment, before the status
    tracking_with_status = False
    #: registered buyers by their VirtueMart user id (the customer's ``external_id``), guests
    #: by e-mail
    buyer_match = ("email",)
    customer_group_prices = True
    quantity_tiers = True
    notifies_buyer = False
    default_mailed_statuses = virtuemart_mapping.DEFAULT_MAILED_STATUSES
    webhook_auth = "none"
    credential_fields = (
        CredentialField(
            "vm_db_host",
            "Database Host",
            help="The host of the shop's MySQL/MariaDB server (Joomla's configuration.php: $host).",
        ),
        CredentialField("vm_db_port", "Database Port", help="Usually 3306."),
        CredentialField(
            "vm_db_name", "Database Name", help="Joomla's database (configuration.php: $db)."
        ),
        CredentialField(
            "vm_db_user",
            "Database User",
            help="A user of its own for Odoo (see the README for the tables it needs).",
        ),
        CredentialField("vm_db_password", "Database Password", secret=True),
        CredentialField(
            "vm_table_prefix",
            "Table Prefix",
            help="Joomla's table prefix with its underscore (configuration.php: $dbprefix), "
            "e.g. jos_.",
        ),
        CredentialField(
            "vm_timezone",
            "Site Time Zone",
            help="Joomla's Website Time Zone (Global Configuration > Server), e.g. "
            "Europe/Berlin: VirtueMart compares the dates of special prices with the site's "
            "local time. Empty: UTC.",
        ),
        CredentialField(
            "vm_language",
            "Shop Language",
            help="The language of the shop's texts as VirtueMart names its tables: en_gb, de_de…",
        ),
        CredentialField(
            "vm_image_path",
            "Picture Folder",
            help="The shop's images/virtuemart/product folder, mounted where Odoo runs: "
            "product pictures are written there (without it, products go without pictures).",
        ),
    )
    default_status_names = {
        PENDING: "Pending",
        CONFIRMED_BY_SHOPPER: "Confirmed by shopper",
        CONFIRMED: "Confirmed",
        CANCELLED: "Cancelled",
        REFUNDED: "Refunded",
        SHIPPED: "Shipped",
        COMPLETED: "Completed",
        DENIED: "Denied",
    }
    default_status_actions = {
        PENDING: "quotation",
        CONFIRMED_BY_SHOPPER: "confirm",
        CONFIRMED: "confirm",
        SHIPPED: "confirm",
        COMPLETED: "confirm",
        CANCELLED: "cancel",
        REFUNDED: "cancel",
        DENIED: "cancel",
    }
    default_export_statuses = {
        "confirmed": "",
        "paid": CONFIRMED,
        "delivered": SHIPPED,
        "cancelled": CANCELLED,
    }
    status_ladder = (PENDING, CONFIRMED_BY_SHOPPER, CONFIRMED, SHIPPED, COMPLETED)

    map_order = staticmethod(virtuemart_mapping.map_order)
    describe_order = staticmethod(virtuemart_mapping.describe_order)
    map_product = staticmethod(virtuemart_mapping.map_product)
    describe_product = staticmethod(virtuemart_mapping.describe_product)

    def __init__(self, base_url, credentials, **kwargs):
        super().__init__(base_url, credentials, **kwargs)
        self._connection = None
        #: where a page of a listing ended: (bounds, page) -> the last (modified_on, id), so
        #: the next page goes on from there (keyset) instead of skipping rows (offset)
        self._keyset = {}
        self._currencies = None

    # ------------------------------------------------------------------ connection
    @property
    def prefix(self) -> str:
        prefix = (self.credentials.get("vm_table_prefix") or "").strip()
        if not _PREFIX.match(prefix):
            raise StoreSyncError(
                "client",
                f"The table prefix {prefix!r} is not one Joomla makes (letters, digits, _).",
                retryable=False,
            )
        return prefix

    @property
    def language(self) -> str:
        language = (self.credentials.get("vm_language") or "en_gb").strip().lower()
        language = language.replace("-", "_")
        if not _LANGUAGE.match(language):
            raise StoreSyncError(
                "client",
                f"The shop language {language!r} is not a VirtueMart one (en_gb, de_de…).",
                retryable=False,
            )
        return language

    def table(self, name: str, translated: bool = False) -> str:
        """The quoted name of VirtueMart table ``name`` ("orders" -> `jos_virtuemart_orders`;
        "users" is Joomla's own), in the shop language when ``translated``."""
        full = name if name == "users" else f"virtuemart_{name}"
        if translated:
            full = f"{full}_{self.language}"
        return f"`{self.prefix}{full}`"

    def _connect(self):
        credentials = self.credentials
        host = (credentials.get("vm_db_host") or "").strip()
        if not host:
            raise StoreSyncError("unreachable", "No database host is set.", retryable=False)
        try:
            port = int(credentials.get("vm_db_port") or 3306)
        except ValueError:
            raise StoreSyncError(
                "unreachable",
                f"The database port {credentials.get('vm_db_port')!r} is not a number.",
                retryable=False,
            ) from None
        where = {
            "method": "CONNECT",
            "url": f"mysql://{host}:{port}/{credentials.get('vm_db_name')}",
        }
        try:
            return pymysql.connect(
                host=host,
                port=port,
                user=credentials.get("vm_db_user") or "",
                password=credentials.get("vm_db_password") or "",
                database=credentials.get("vm_db_name") or None,
                charset="utf8mb4",
                connect_timeout=max(1, int(self.timeout[0])),
                read_timeout=max(1, int(self.timeout[1])),
                write_timeout=max(1, int(self.timeout[1])),
                cursorclass=pymysql.cursors.DictCursor,
                autocommit=False,
                # TLS when the server offers it (PyMySQL's "preferred" mode), Joomla's UTC
                init_command="SET time_zone = '+00:00'",
            )
        except pymysql.MySQLError as exc:
            raise self._db_error(exc, where) from exc

    def _db_error(self, exc, where=None) -> StoreSyncError:
        """A ``StoreSyncError`` for a PyMySQL failure (its error code decides the kind)."""
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        text = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        details = dict(where or {}, mysql_code=code)
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ssl.SSLError) and not isinstance(
            cause, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)
        ):
            # A handshake that fails (a certificate, a protocol); a connection dropped
            # during it is "unreachable", like any dropped connection.
            return StoreSyncError("tls", text, details=details)
        if code in _AUTH_CODES:
            return StoreSyncError("auth", text, code=str(code), details=details)
        if code in _MISSING_CODES:
            return StoreSyncError(
                "not_platform",
                f"{text}: is this the database of a VirtueMart shop, with this table prefix "
                "and language?",
                code=str(code),
                retryable=False,
                details=details,
            )
        if isinstance(exc, pymysql.err.OperationalError) and (
            code in _GONE_CODES or isinstance(exc.__cause__, (OSError, socket.timeout))
        ):
            if "timed out" in text:
                return StoreSyncError("timeout", text, code=str(code), details=details)
            return StoreSyncError("unreachable", text, code=str(code), details=details)
        if code in _RETRY_CODES:
            return StoreSyncError("server", text, code=str(code), details=details)
        if isinstance(exc, (pymysql.err.DataError, pymysql.err.IntegrityError)):
            return StoreSyncError("client", text, code=str(code), retryable=False, details=details)
        return StoreSyncError("server", text, code=str(code), details=details)

    @contextmanager
    def transaction(self):
        """A cursor inside one transaction: committed when the block ends, rolled back (and
        the connection dropped) when anything fails, so a failure writes nothing."""
        if self._connection is None:
            self._connection = self._connect()
        connection = self._connection
        try:
            connection.begin()
            with connection.cursor() as cursor:
                yield cursor
            connection.commit()
        except pymysql.MySQLError as exc:
            self._drop(connection)
            raise self._db_error(exc) from exc
        except BaseException:
            self._drop(connection)
            raise

    def _drop(self, connection):
        with suppress(pymysql.MySQLError, OSError):
            connection.rollback()
        with suppress(pymysql.MySQLError, OSError):
            connection.close()
        self._connection = None

    def _select(self, sql, args=()):
        """Rows of one read (a transaction of its own: a consistent snapshot)."""
        with self.transaction() as cursor:
            cursor.execute(sql, args)
            return list(cursor.fetchall())

    def close(self):
        """Close the database connection (and the unused HTTP session)."""
        if self._connection is not None:
            with suppress(pymysql.MySQLError, OSError):
                self._connection.close()
            self._connection = None
        return super().close()

    # ------------------------------------------------------------------ addresses
    @classmethod
    def order_admin_url(cls, base_url, external_id) -> str:
        """The order in Joomla's administrator (VirtueMart's order view)."""
        return (
            f"{cls.normalize_base_url(base_url)}/administrator/index.php?option=com_virtuemart"
            f"&view=orders&task=edit&virtuemart_order_id={external_id}"
        )

    # ------------------------------------------------------------------ interface
    def check_connection(self) -> dict:
        """The vendor's store name, VirtueMart's version (from Joomla's extension table when
        the account may read it) and the vendor currency."""
        rows = self._select(
            f"SELECT v.vendor_name AS name, c.currency_code_3 AS currency "
            f"FROM {self.table('vendors')} v "
            f"LEFT JOIN {self.table('currencies')} c "
            f"ON c.virtuemart_currency_id = v.vendor_currency "
            f"ORDER BY v.virtuemart_vendor_id LIMIT 1"
        )
        self._select(f"SELECT 1 FROM {self.table('orders')} LIMIT 1")
        self._select(f"SELECT 1 FROM {self.table('products', translated=True)} LIMIT 1")
        about = rows[0] if rows else {}
        engines = self._select(
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name LIKE %s "
            "AND engine IS NOT NULL AND engine <> 'InnoDB' ORDER BY table_name",
            [self.prefix.replace("_", "\\_") + "virtuemart\\_%"],
        )
        return {
            "name": about.get("name") or self.base_url,
            "version": self._component_version(),
            "api_version": f"MySQL {self.credentials.get('vm_db_name') or ''}".strip(),
            "currency": about.get("currency") or "",
            # Older VirtueMart installs make many tables MyISAM, which cannot roll back.
            "untransactional_tables": [row["name"] for row in engines],
        }

    def _component_version(self) -> str:
        """VirtueMart's version from Joomla's extension registry; "" when the account may
        not read it (a user limited to VirtueMart's tables) or Joomla keeps none."""
        try:
            rows = self._select(
                f"SELECT manifest_cache FROM `{self.prefix}extensions` "
                f"WHERE element = 'com_virtuemart' LIMIT 1"
            )
        except StoreSyncError:
            return ""
        try:
            manifest = json.loads(rows[0]["manifest_cache"]) if rows else {}
        except (TypeError, ValueError):
            return ""
        return str(manifest.get("version") or "") if isinstance(manifest, dict) else ""

    # ------------------------------------------------------------------ orders
    def _page_size(self, per_page) -> int:
        return max(1, min(int(per_page or self.max_page_size), self.max_page_size))

    def _order_filter(self, modified_after, modified_before, status):
        where, args = ["1 = 1"], []
        if modified_after:
            where.append("o.modified_on > %s")
            args.append(self.to_utc(modified_after))
        if modified_before:
            where.append("o.modified_on < %s")
            args.append(self.to_utc(modified_before))
        if status:
            statuses = [status] if isinstance(status, str) else list(status)
            where.append(f"o.order_status IN ({', '.join(['%s'] * len(statuses))})")
            args += statuses
        return " AND ".join(where), args

    def fetch_orders_page(
        self, page=1, modified_after=None, per_page=None, status=None, modified_before=None
    ) -> Page:
        """One page of the orders changed in the window, oldest change first. A page read
        right after the one before it goes on from that one's last row (keyset); any other
        page number is an offset."""
        size = self._page_size(per_page)
        where, args = self._order_filter(modified_after, modified_before, status)
        key = (modified_after, modified_before, str(status), size)
        after = self._keyset.get((key, page - 1)) if page > 1 else None
        orders = self.table("orders")
        with self.transaction() as cursor:
            cursor.execute(f"SELECT COUNT(*) AS n FROM {orders} o WHERE {where}", args)
            total = cursor.fetchone()["n"]
            if after:
                keyset = " AND (o.modified_on, o.virtuemart_order_id) > (%s, %s)"
                cursor.execute(
                    f"SELECT o.virtuemart_order_id AS id, o.modified_on FROM {orders} o "
                    f"WHERE {where}{keyset} "
                    f"ORDER BY o.modified_on, o.virtuemart_order_id LIMIT %s",
                    [*args, *after, size],
                )
            else:
                cursor.execute(
                    f"SELECT o.virtuemart_order_id AS id, o.modified_on FROM {orders} o "
                    f"WHERE {where} ORDER BY o.modified_on, o.virtuemart_order_id "
                    f"LIMIT %s OFFSET %s",
                    [*args, size, (page - 1) * size],
                )
            heads = cursor.fetchall()
            payloads = self._order_payloads(cursor, [row["id"] for row in heads])
        if heads:
            self._keyset[(key, page)] = (heads[-1]["modified_on"], heads[-1]["id"])
        pages = max(1, -(-total // size))
        return Page(payloads, number=page, total=total, total_pages=pages)

    def iter_orders(self, modified_after=None, per_page=None, status=None, modified_before=None):
        page = 1
        while True:
            found = self.fetch_orders_page(page, modified_after, per_page, status, modified_before)
            if found:
                yield found
            if page >= (found.total_pages or 1) or not found:
                return
            page += 1

    def oldest_order_date(self):
        rows = self._select(f"SELECT MIN(modified_on) AS oldest FROM {self.table('orders')}")
        return rows[0]["oldest"] if rows and rows[0]["oldest"] else None

    def get_orders(self, ids) -> list[dict]:
        numbers = [int(i) for i in ids if str(i).isdigit()]
        if not numbers:
            return []
        with self.transaction() as cursor:
            return self._order_payloads(cursor, numbers)

    def get_order(self, external_id) -> dict:
        found = self.get_orders([external_id])
        if not found:
            raise StoreSyncError(
                "not_found",
                f"The shop has no order {external_id}.",
                details={"order_id": external_id},
            )
        return found[0]

    def _rows_by_order(self, cursor, sql, ids):
        cursor.execute(sql.format(ids=", ".join(["%s"] * len(ids))), ids)
        grouped = {}
        for row in cursor.fetchall():
            grouped.setdefault(row["virtuemart_order_id"], []).append(_plain(row))
        return grouped

    def _order_payloads(self, cursor, ids) -> list[dict]:
        """The payloads of orders ``ids`` (in that order), each read with everything the
        mapper needs, in the caller's transaction."""
        if not ids:
            return []
        lang = self.language
        cursor.execute(
            f"SELECT o.*, COALESCE(c.currency_code_3, vc.currency_code_3) AS currency_code, "
            f"COALESCE(c.currency_decimal_place, vc.currency_decimal_place) "
            f"AS currency_decimals, "
            f"pm.payment_name AS payment_name, sm.shipment_name AS shipment_name, "
            f"os.order_status_name AS status_name "
            f"FROM {self.table('orders')} o "
            f"LEFT JOIN {self.table('currencies')} c "
            f"ON c.virtuemart_currency_id = o.order_currency "
            # An order without a currency is in the vendor's (VirtueMart's default).
            f"LEFT JOIN {self.table('vendors')} v ON v.virtuemart_vendor_id = "
            f"IF(o.virtuemart_vendor_id > 0, o.virtuemart_vendor_id, 1) "
            f"LEFT JOIN {self.table('currencies')} vc "
            f"ON vc.virtuemart_currency_id = v.vendor_currency "
            f"LEFT JOIN {self.table('paymentmethods', translated=True)} pm "
            f"ON pm.virtuemart_paymentmethod_id = o.virtuemart_paymentmethod_id "
            f"LEFT JOIN {self.table('shipmentmethods', translated=True)} sm "
            f"ON sm.virtuemart_shipmentmethod_id = o.virtuemart_shipmentmethod_id "
            f"LEFT JOIN {self.table('orderstates')} os ON os.order_status_code = o.order_status "
            f"WHERE o.virtuemart_order_id IN ({', '.join(['%s'] * len(ids))})",
            ids,
        )
        headers = {row["virtuemart_order_id"]: _plain(row) for row in cursor.fetchall()}
        if not headers:
            return []
        found = list(headers)
        addresses = self._rows_by_order(
            cursor,
            f"SELECT u.*, co.country_2_code AS country_code, st.state_2_code AS state_code "
            f"FROM {self.table('order_userinfos')} u "
            f"LEFT JOIN {self.table('countries')} co "
            f"ON co.virtuemart_country_id = u.virtuemart_country_id "
            f"LEFT JOIN {self.table('states')} st "
            f"ON st.virtuemart_state_id = u.virtuemart_state_id "
            "WHERE u.virtuemart_order_id IN ({ids}) ORDER BY u.virtuemart_order_userinfo_id",
            found,
        )
        items = self._rows_by_order(
            cursor,
            f"SELECT i.*, p.product_parent_id FROM {self.table('order_items')} i "
            f"LEFT JOIN {self.table('products')} p "
            f"ON p.virtuemart_product_id = i.virtuemart_product_id "
            "WHERE i.virtuemart_order_id IN ({ids}) ORDER BY i.virtuemart_order_item_id",
            found,
        )
        rules = self._rows_by_order(
            cursor,
            f"SELECT * FROM {self.table('order_calc_rules')} "
            "WHERE virtuemart_order_id IN ({ids}) ORDER BY virtuemart_order_calc_rule_id",
            found,
        )
        # The shop's VAT rules, for an amount taxed without its rule row in the order.
        cursor.execute(
            f"SELECT virtuemart_calc_id, calc_name, calc_value FROM {self.table('calcs')} "
            f"WHERE calc_kind IN ('VatTax', 'Tax') AND calc_value_mathop = '+%' "
            f"AND published = 1 ORDER BY virtuemart_calc_id"
        )
        vat_rules = [_plain(row) for row in cursor.fetchall()]
        payloads = []
        for order_id in ids:
            header = headers.get(order_id)
            if header is None:
                continue
            payloads.append(
                {
                    "order": header,
                    "addresses": addresses.get(order_id, []),
                    "items": items.get(order_id, []),
                    "calc_rules": rules.get(order_id, []),
                    "vat_rules": vat_rules,
                    "language": lang,
                }
            )
        return payloads

    # ------------------------------------------------------------------ products
    def _product_payloads(self, cursor, where, args, limit=None):
        cursor.execute(
            f"SELECT p.*, l.product_name, l.product_s_desc, l.product_desc, "
            f"pr.product_price, pr.product_tax_id, pr.product_override_price, pr.override "
            f"FROM {self.table('products')} p "
            f"LEFT JOIN {self.table('products', translated=True)} l "
            f"ON l.virtuemart_product_id = p.virtuemart_product_id "
            f"LEFT JOIN {self.table('product_prices')} pr "
            f"ON pr.virtuemart_product_price_id = ("
            f"SELECT x.virtuemart_product_price_id FROM {self.table('product_prices')} x "
            f"WHERE x.virtuemart_product_id = p.virtuemart_product_id "
            f"AND COALESCE(x.virtuemart_shoppergroup_id, 0) = 0 "
            f"AND COALESCE(x.price_quantity_start, 0) <= 1 "
            f"AND IFNULL(x.product_price_publish_up, 0) = 0 "
            f"ORDER BY x.virtuemart_product_price_id LIMIT 1) "
            f"WHERE {where} ORDER BY p.modified_on, p.virtuemart_product_id"
            + (" LIMIT %s" if limit else ""),
            [*args, *([limit] if limit else [])],
        )
        products = [_plain(row) for row in cursor.fetchall()]
        if not products:
            return []
        ids = [p["virtuemart_product_id"] for p in products]
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"SELECT virtuemart_product_id, virtuemart_category_id "
            f"FROM {self.table('product_categories')} WHERE virtuemart_product_id IN ({marks}) "
            f"ORDER BY ordering, id",
            ids,
        )
        categories = {}
        for row in cursor.fetchall():
            categories.setdefault(row["virtuemart_product_id"], []).append(
                str(row["virtuemart_category_id"])
            )
        cursor.execute(
            f"SELECT virtuemart_calc_id, calc_value FROM {self.table('calcs')} "
            f"WHERE calc_kind IN ('VatTax', 'Tax')"
        )
        rates = {str(row["virtuemart_calc_id"]): str(row["calc_value"]) for row in cursor}
        for product in products:
            product["category_ids"] = categories.get(product["virtuemart_product_id"], [])
            product["tax_percent"] = rates.get(str(product.get("product_tax_id") or ""))
        return products

    def iter_products(self, modified_after=None, per_page=None):
        size = self._page_size(per_page)
        after = self.to_utc(modified_after) if modified_after else datetime(1970, 1, 1)
        last_id, number = 0, 1
        while True:
            with self.transaction() as cursor:
                found = self._product_payloads(
                    cursor,
                    "(p.modified_on, p.virtuemart_product_id) > (%s, %s)",
                    [after, last_id],
                    limit=size,
                )
            if found:
                yield Page(found, number=number)
            if len(found) < size:
                return
            after = datetime.fromisoformat(found[-1]["modified_on"])
            last_id, number = found[-1]["virtuemart_product_id"], number + 1

    def get_products(self, ids) -> list[dict]:
        numbers = [int(i) for i in ids if str(i).isdigit()]
        if not numbers:
            return []
        with self.transaction() as cursor:
            return self._product_payloads(
                cursor,
                f"p.virtuemart_product_id IN ({', '.join(['%s'] * len(numbers))})",
                numbers,
            )

    def list_categories(self) -> list[dict]:
        rows = self._select(
            f"SELECT c.virtuemart_category_id AS id, c.category_parent_id AS parent, "
            f"l.category_name AS name FROM {self.table('categories')} c "
            f"LEFT JOIN {self.table('categories', translated=True)} l "
            f"ON l.virtuemart_category_id = c.virtuemart_category_id "
            f"ORDER BY c.virtuemart_category_id"
        )
        return [
            {"id": str(r["id"]), "name": r["name"] or str(r["id"]), "parent": str(r["parent"] or 0)}
            for r in rows
        ]

    def list_variations(self, product_id) -> list[dict]:
        """A VirtueMart variant is a product of its own (a child): none to list here."""
        del product_id
        return []

    # ------------------------------------------------------------------ settings
    def list_store_settings(self) -> dict:
        """VAT rules (``calcs`` of kind VatTax/Tax), payment and shipment methods in the shop
        language, order states, shopper groups; VirtueMart's prices are net of tax."""
        with self.transaction() as cursor:
            cursor.execute(
                f"SELECT virtuemart_calc_id AS id, calc_name AS label, calc_value AS percent, "
                f"calc_value_mathop AS mathop FROM {self.table('calcs')} "
                f"WHERE calc_kind IN ('VatTax', 'Tax') ORDER BY ordering, virtuemart_calc_id"
            )
            rates = [
                {
                    "id": str(r["id"]),
                    "label": r["label"] or str(r["id"]),
                    "percent": Decimal(str(r["percent"])) if r["mathop"] == "+%" else None,
                }
                for r in cursor.fetchall()
            ]
            methods = {}
            for kind in ("shipment", "payment"):
                cursor.execute(
                    f"SELECT m.virtuemart_{kind}method_id AS id, l.{kind}_name AS title "
                    f"FROM {self.table(kind + 'methods')} m "
                    f"LEFT JOIN {self.table(kind + 'methods', translated=True)} l "
                    f"ON l.virtuemart_{kind}method_id = m.virtuemart_{kind}method_id "
                    f"ORDER BY m.ordering, m.virtuemart_{kind}method_id"
                )
                methods[kind] = [
                    {"id": str(r["id"]), "title": r["title"] or str(r["id"])}
                    for r in cursor.fetchall()
                ]
            cursor.execute(
                f"SELECT order_status_code AS id, order_status_name AS name "
                f"FROM {self.table('orderstates')} ORDER BY ordering, virtuemart_orderstate_id"
            )
            rows = cursor.fetchall()
            mailed = self._mailed_statuses(cursor)
            statuses = [
                {
                    "id": r["id"],
                    "title": virtuemart_mapping.status_title(r["id"], r["name"]),
                    "notify": r["id"] in mailed,
                }
                for r in rows
            ]
            cursor.execute(
                f"SELECT virtuemart_shoppergroup_id AS id, shopper_group_name AS name, "
                f"`default` AS is_default FROM {self.table('shoppergroups')} "
                f"ORDER BY ordering, virtuemart_shoppergroup_id"
            )
            groups = [
                {
                    "id": str(r["id"]),
                    "title": virtuemart_mapping.group_title(r["name"]),
                    "default": r["is_default"] == 1,
                }
                for r in cursor.fetchall()
            ]
        return {
            "delivery_times": self._delivery_times(),
            "tax_rates": rates,
            "shipping_methods": methods["shipment"],
            "payment_methods": methods["payment"],
            "prices_include_tax": False,
            "order_statuses": statuses,
            "customer_groups": groups,
        }

    def _delivery_times(self) -> list[dict]:
        """What ``product_availability`` may say: the pictures VirtueMart ships in its
        availability folder, then the texts and pictures the shop's products use."""
        used = self._select(
            f"SELECT DISTINCT product_availability AS value FROM {self.table('products')} "
            f"WHERE product_availability IS NOT NULL AND product_availability <> '' "
            f"ORDER BY product_availability"
        )
        values = dict.fromkeys([*AVAILABILITY_IMAGES, *(row["value"] for row in used)])
        return [{"id": value, "title": value} for value in values]

    def _mailed_statuses(self, cursor) -> tuple:
        """The statuses whose change VirtueMart e-mails the shopper about: the shop's
        configuration ``email_os_s`` (``virtuemart_configs`` row 1, ``key=<json>|...``), by
        default U, C, X, R, S (``models/orders.php`` ``notifyCustomer``)."""
        try:
            cursor.execute(
                f"SELECT config FROM {self.table('configs')} WHERE virtuemart_config_id = 1"
            )
            row = cursor.fetchone()
        except pymysql.MySQLError:
            row = None  # no such table, or the user may not read it: VirtueMart's default
        return virtuemart_mapping.mailed_statuses(row and row["config"])

    # ------------------------------------------------------------------ status back
    def _stock_handles(self, cursor):
        cursor.execute(
            f"SELECT order_status_code AS code, order_stock_handle AS handle "
            f"FROM {self.table('orderstates')}"
        )
        return {row["code"]: row["handle"] for row in cursor.fetchall()}

    def update_order_status(self, external_id, status, note=None, customer_note=True) -> dict:
        """Set the order's status as VirtueMart does: the order and its items, an
        ``order_histories`` row (with ``note`` as its comment), and the stock of the items'
        products moved from the old status's stock handle to the new one's. One
        transaction: the order row is locked, so two senders never book stock twice."""
        order_id = _order_id(external_id)
        with self.transaction() as cursor:
            cursor.execute(
                f"SELECT order_status FROM {self.table('orders')} "
                f"WHERE virtuemart_order_id = %s FOR UPDATE",
                [order_id],
            )
            row = cursor.fetchone()
            if row is None:
                raise StoreSyncError(
                    "not_found",
                    f"The shop has no order {external_id}.",
                    retryable=False,
                    details={"order_id": external_id},
                )
            handles = self._stock_handles(cursor)
            if status not in handles:
                raise StoreSyncError(
                    "client",
                    f"The shop has no order status {status!r}.",
                    retryable=False,
                    details={"order_id": external_id, "status": status},
                )
            bookings = []
            if status != row["order_status"]:
                now = _now()
                cursor.execute(
                    f"SELECT virtuemart_order_item_id, virtuemart_product_id, product_quantity, "
                    f"order_status FROM {self.table('order_items')} "
                    f"WHERE virtuemart_order_id = %s",
                    [order_id],
                )
                for item in cursor.fetchall():
                    old = item["order_status"] or row["order_status"]
                    if old in handles:  # VirtueMart books nothing from a status it lacks
                        bookings.append(
                            (
                                item["virtuemart_product_id"],
                                item["product_quantity"] or 0,
                                handles[old],
                                handles[status],
                            )
                        )
                cursor.execute(
                    f"UPDATE {self.table('order_items')} SET order_status = %s, modified_on = %s "
                    f"WHERE virtuemart_order_id = %s",
                    [status, now, order_id],
                )
                cursor.execute(
                    f"UPDATE {self.table('orders')} SET order_status = %s, modified_on = %s "
                    f"WHERE virtuemart_order_id = %s",
                    [status, now, order_id],
                )
                self._add_history(cursor, order_id, status, note or "", customer_note, now)
            elif note:
                self._add_history(cursor, order_id, status, note, customer_note, _now())
            payload = self._order_payloads(cursor, [order_id])[0]
            # The stock last, just before the commit: on a shop whose products table is
            # MyISAM (older VirtueMart installs) it cannot be rolled back, so nothing that
            # may still fail comes after it.
            for booking in bookings:
                self._book_stock(cursor, *booking)
            return payload

    def _book_stock(self, cursor, product_id, quantity, old, new):
        """What VirtueMart's ``handleStockAfterStatusChangedPerProduct`` does: undo the old
        handle's booking, make the new one's."""
        if not product_id or not quantity or old == new:
            return
        cursor.execute(
            f"SELECT product_parent_id, product_params FROM {self.table('products')} "
            f"WHERE virtuemart_product_id = %s",
            [product_id],
        )
        found = cursor.fetchone()
        if (
            found
            and found["product_parent_id"]
            and virtuemart_mapping.shared_stock(found["product_params"])
        ):
            # A child sharing its parent's stock (``updateStockInDB``): the parent's is booked.
            product_id = found["product_parent_id"]
        ordered = in_stock = 0
        if old == RESERVED:
            ordered -= quantity
        elif old == OUT:
            in_stock += quantity
        if new == RESERVED:
            ordered += quantity
        elif new == OUT:
            in_stock -= quantity
        # updateStockInDB: what leaves the stock counts as sold (product_sales), and back.
        cursor.execute(
            f"UPDATE {self.table('products')} SET product_ordered = product_ordered + %s, "
            f"product_in_stock = product_in_stock + %s, product_sales = product_sales - %s "
            f"WHERE virtuemart_product_id = %s",
            [ordered, in_stock, in_stock, product_id],
        )

    def _add_history(self, cursor, order_id, status, comment, notified, now):
        cursor.execute(
            f"INSERT INTO {self.table('order_histories')} (virtuemart_order_id, "
            f"order_status_code, customer_notified, comments, created_on, modified_on) "
            f"VALUES (%s, %s, %s, %s, %s, %s)",
            [order_id, status[:1], 1 if notified else 0, comment, now, now],
        )
        return cursor.lastrowid

    def list_order_notes(self, external_id) -> list[dict]:
        """The order's history rows with a comment, newest first."""
        rows = self._select(
            f"SELECT virtuemart_order_history_id AS id, comments, customer_notified "
            f"FROM {self.table('order_histories')} WHERE virtuemart_order_id = %s "
            f"AND comments IS NOT NULL AND comments <> '' "
            f"ORDER BY virtuemart_order_history_id DESC",
            [_order_id(external_id)],
        )
        return [
            {
                "id": str(r["id"]),
                "note": r["comments"],
                "customer_note": bool(r["customer_notified"]),
            }
            for r in rows
        ]

    def add_order_note(self, external_id, note, customer_note=True) -> dict:
        """A history row with the order's current status and ``note`` as its comment (what
        the buyer sees in their order view)."""
        order_id = _order_id(external_id)
        with self.transaction() as cursor:
            cursor.execute(
                f"SELECT order_status FROM {self.table('orders')} WHERE virtuemart_order_id = %s",
                [order_id],
            )
            row = cursor.fetchone()
            if row is None:
                raise StoreSyncError(
                    "not_found", f"The shop has no order {external_id}.", retryable=False
                )
            # The order's modified_on stays: a comment changes nothing Odoo imports.
            history = self._add_history(
                cursor, order_id, row["order_status"] or PENDING, note, customer_note, _now()
            )
        return {"id": str(history), "note": note, "customer_note": bool(customer_note)}

    # ------------------------------------------------------------------ stock and prices
    def _existing(self, cursor, ids):
        numbers = sorted({int(i) for i in ids if str(i).isdigit()})
        if not numbers:
            return {}
        cursor.execute(
            f"SELECT virtuemart_product_id AS id, product_ordered FROM {self.table('products')} "
            f"WHERE virtuemart_product_id IN ({', '.join(['%s'] * len(numbers))})",
            numbers,
        )
        return {row["id"]: row for row in cursor.fetchall()}

    def update_stock(self, items) -> list[dict]:
        """``product_in_stock`` of each product in one statement per batch. VirtueMart shows
        ``product_in_stock - product_ordered`` as available; Odoo's quantity already leaves
        out what the shop's reserved orders hold (Odoo reserves for them), so the shop gets
        the quantity plus its own reservations and shows Odoo's number."""
        items = list(items)
        results = []
        for start in range(0, len(items), self.batch_limit):
            chunk = items[start : start + self.batch_limit]
            with self.transaction() as cursor:
                known = self._existing(cursor, [item["id"] for item in chunk])
                cases, args, ids = [], [], []
                for item in chunk:
                    product_id = _int_or_none(item["id"])
                    if product_id in known:
                        cases.append("WHEN %s THEN %s + product_ordered")
                        args += [product_id, int(item["stock_quantity"])]
                        ids.append(product_id)
                if ids:
                    cursor.execute(
                        f"UPDATE {self.table('products')} SET product_in_stock = CASE "
                        f"virtuemart_product_id {' '.join(cases)} END, modified_on = %s "
                        f"WHERE virtuemart_product_id IN ({', '.join(['%s'] * len(ids))})",
                        [*args, _now(), *ids],
                    )
            results += [_result(item, _int_or_none(item["id"]) in known) for item in chunk]
        return results

    def update_prices(self, items) -> list[dict]:
        """Price rows of ``product_prices`` (net prices, the product's tax rule kept):

        * everyone's (shopper group 0) or a shopper group's (``customer_group``) base row,
          quantity 0 on, no dates: updated in place (created when missing);
        * the sale price: a dated row (``product_price_publish_up/down`` in the site's time
          zone, an open end is NULL), which VirtueMart prefers while it runs;
        * quantity tiers: a row per tier (``price_quantity_start``, ``price_quantity_end`` the
          next tier's start - 1).

        The dated and tier rows Odoo wrote before (marked ``created_by`` =
        ``CONNECTOR_USER``) are replaced; the merchant's own rows stay, and so do other
        shopper groups'. A group item without ``price`` leaves the group's base row alone;
        with ``price`` None Odoo's rows of the group go. One transaction per batch."""
        items = list(items)
        results = []
        for start in range(0, len(items), self.batch_limit):
            chunk = items[start : start + self.batch_limit]
            with self.transaction() as cursor:
                known = self._existing(cursor, [item["id"] for item in chunk])
                currency = self._vendor_currency(cursor)
                for item in chunk:
                    product_id = _int_or_none(item["id"])
                    if product_id in known:
                        self._write_prices(cursor, product_id, item, currency)
            results += [
                {
                    **_result(item, _int_or_none(item["id"]) in known),
                    **(
                        {"customer_group": item["customer_group"]}
                        if item.get("customer_group")
                        else {}
                    ),
                }
                for item in chunk
            ]
        return results

    def _vendor_currency(self, cursor):
        cursor.execute(
            f"SELECT vendor_currency FROM {self.table('vendors')} "
            f"ORDER BY virtuemart_vendor_id LIMIT 1"
        )
        row = cursor.fetchone()
        return row["vendor_currency"] if row else None

    def _write_prices(self, cursor, product_id, item, currency):
        """One item's price rows (see ``update_prices``): the group's base row is Odoo's
        price; dated and tier rows Odoo wrote (``created_by`` = ``CONNECTOR_USER``) are
        replaced, the merchant's own ones stay."""
        group = int(item.get("customer_group") or 0)
        prices = self.table("product_prices")
        cursor.execute(
            f"SELECT virtuemart_product_price_id AS id, product_tax_id, product_discount_id, "
            f"product_price_publish_up AS up, price_quantity_start AS qstart, created_by, "
            f"modified_by "
            f"FROM {prices} WHERE virtuemart_product_id = %s "
            f"AND COALESCE(virtuemart_shoppergroup_id, 0) = %s "
            f"ORDER BY virtuemart_product_price_id",
            [product_id, group],
        )
        rows = cursor.fetchall()
        main = next((r for r in rows if _no_date(r["up"]) and not (r["qstart"] or 0) > 1), None)
        like = main
        if like is None:
            # A new row takes the product's tax and discount rules from its other rows.
            cursor.execute(
                f"SELECT product_tax_id, product_discount_id FROM {prices} "
                f"WHERE virtuemart_product_id = %s "
                f"ORDER BY COALESCE(virtuemart_shoppergroup_id, 0), virtuemart_product_price_id "
                f"LIMIT 1",
                [product_id],
            )
            like = cursor.fetchone() or {}
        rules = (like.get("product_tax_id"), like.get("product_discount_id"))
        ours = [r["id"] for r in rows if r is not main and r["created_by"] == CONNECTOR_USER]
        base = item.get("price") if group else item.get("regular_price")
        if group and "price" in item and item["price"] is None:
            # The group has no base price of its own (any more): Odoo's base row of it goes
            # (the merchant's stays); its own sale and tiers are still written below.
            if main and CONNECTOR_USER in (main["created_by"], main["modified_by"]):
                ours.append(main["id"])
                main = None
            self._delete_prices(cursor, ours)
        elif "sale_price" in item or "tiers" in item:
            self._delete_prices(cursor, ours)
        if base is not None and main is not None:
            cursor.execute(
                f"UPDATE {prices} SET product_price = %s, modified_on = %s, modified_by = %s "
                f"WHERE virtuemart_product_price_id = %s",
                [Decimal(str(base)), _now(), CONNECTOR_USER, main["id"]],
            )
        elif base is not None:
            self._insert_price(cursor, product_id, group, base, rules, currency)
        if item.get("sale_price") is not None:
            self._insert_price(
                cursor,
                product_id,
                group,
                item["sale_price"],
                rules,
                currency,
                up=item.get("sale_from") or datetime(1970, 1, 2),
                down=item.get("sale_to"),
            )
        tiers = sorted(item.get("tiers") or [], key=lambda t: Decimal(str(t["min_quantity"])))
        for index, tier in enumerate(tiers):
            following = tiers[index + 1] if index + 1 < len(tiers) else None
            self._insert_price(
                cursor,
                product_id,
                group,
                tier["price"],
                rules,
                currency,
                quantity=(
                    int(Decimal(str(tier["min_quantity"]))),
                    int(Decimal(str(following["min_quantity"]))) - 1 if following else 0,
                ),
            )

    def _delete_prices(self, cursor, ids):
        if ids:
            cursor.execute(
                f"DELETE FROM {self.table('product_prices')} WHERE virtuemart_product_price_id "
                f"IN ({', '.join(['%s'] * len(ids))})",
                ids,
            )

    def _site_time(self, moment):
        """A naive UTC moment as the site's local time (VirtueMart compares price dates with
        it, ``models/product.php`` ``loadProductPrices``)."""
        if not moment:
            return None
        name = (self.credentials.get("vm_timezone") or "UTC").strip() or "UTC"
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise StoreSyncError(
                "client",
                f"{name!r} is not a time zone (e.g. Europe/Berlin).",
                retryable=False,
            ) from None
        utc = self.to_utc(moment).replace(tzinfo=timezone.utc)
        return utc.astimezone(zone).replace(tzinfo=None)

    def _insert_price(
        self, cursor, product_id, group, price, rules, currency, *, up=None, down=None,
        quantity=(0, 0),
    ):  # fmt: skip
        now = _now()
        cursor.execute(
            f"INSERT INTO {self.table('product_prices')} (virtuemart_product_id, "
            f"virtuemart_shoppergroup_id, product_price, override, product_override_price, "
            f"product_tax_id, product_discount_id, product_currency, "
            f"product_price_publish_up, product_price_publish_down, price_quantity_start, "
            f"price_quantity_end, created_on, created_by, modified_on, modified_by) "
            f"VALUES (%s, %s, %s, 0, 0, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                product_id,
                group,
                Decimal(str(price)),
                rules[0],
                rules[1],
                currency,
                self._site_time(up),
                self._site_time(down),
                quantity[0],
                quantity[1],
                now,
                CONNECTOR_USER,
                now,
                CONNECTOR_USER,
            ],
        )

    # ------------------------------------------------------------------ webhooks
    @classmethod
    def verify_webhook(cls, headers, raw_body: bytes, secret: str) -> bool:
        """VirtueMart sends no webhooks: nothing is ever accepted."""
        del headers, raw_body, secret
        return False

    @classmethod
    def describe_webhook(cls, headers, raw_body: bytes) -> dict:
        del headers, raw_body
        return {"ping": False, "kind": None, "topic": ""}

    def register_webhooks(self, delivery_url: str, secret: str, previous=()) -> dict:
        raise StoreSyncError(
            "client",
            "VirtueMart sends no webhooks: its orders are read from the database every minute.",
            retryable=False,
        )


def _now() -> datetime:
    """Now in UTC, to the second, as Joomla stores its datetimes."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _no_date(value) -> bool:
    """NULL, or MySQL's zero date (which PyMySQL hands over as text): no date."""
    return not value or str(value).startswith("0000-00-00")


def _int_or_none(value):
    try:
        return int(str(value))
    except ValueError:
        return None


def _order_id(external_id) -> int:
    number = _int_or_none(external_id)
    if number is None:
        raise StoreSyncError(
            "client", f"{external_id!r} is no VirtueMart order id.", retryable=False
        )
    return number


def _result(item, ok) -> dict:
    return {
        "id": item["id"],
        "parent_id": item.get("parent_id"),
        "ok": ok,
        "status": 200 if ok else 404,
        "code": None if ok else "not_found",
        "message": "" if ok else f"The shop has no product {item['id']} (deleted?).",
        "retryable": False,
        "data": None,
        **({} if ok else {"gone": True}),
    }


def _plain(row: dict) -> dict:
    """A database row as JSON-safe values: decimals as strings (exact), datetimes as
    ``YYYY-MM-DD HH:MM:SS`` (UTC), bytes as text."""
    plain = {}
    for key, value in row.items():
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S")
        elif isinstance(value, (bytes, bytearray)):
            value = value.decode("utf-8", "replace")
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        plain[key] = value
    return plain


__all__ = ["VirtueMartAdapter"]
