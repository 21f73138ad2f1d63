"""The catalogue and customers going to VirtueMart: categories, manufacturers, products with
their child variants and pictures, customer accounts, written into the shop's database.

Mixed into ``VirtueMartAdapter``; pure Python. What VirtueMart's own models write when the
merchant saves in the backend (``models/product.php``, ``models/category.php``,
``models/manufacturer.php``, ``models/media.php``, ``models/user.php``, ``tables/*.php`` of VM
3.0.12.4 in the mirror; tables from ``install.sql`` and ``install_essential_data.sql``):

* Texts live in the shop language's table (``products_de_de``…) with a ``slug`` that is UNIQUE
  in it: a new row gets its name's slug, with ``-2``, ``-3``… when it is taken (VirtueMart
  itself appends a number too). A renamed row keeps its slug (its address stays).
* A create is looked up first (the SKU, the name under the same parent, the e-mail) and the
  row found is updated instead (``adopted``): a lost answer never makes a second copy.
* One transaction per item (a product with its variants, pictures and relations; a customer
  with its user, addresses and groups): a failure leaves none of it. That holds for InnoDB
  tables (the emulator's, VirtueMart 4's); MySQL cannot roll back MyISAM tables, which older
  VirtueMart installs use for some of these.
* Nothing of the merchant's is deleted: only relation rows (a product's categories,
  manufacturer, pictures; a customer's shopper group) are replaced by Odoo's, the way saving
  the product in VirtueMart's backend replaces them. Medias rows and picture files stay.
* Texts are cut to their columns' sizes (``TEXT_SIZES``: install.sql, the language tables,
  the userfields' sizes, Joomla's ``users``): MySQL's strict mode refuses a longer value,
  other modes cut it themselves. A lookup (a category's or manufacturer's name, an
  e-mail) uses the cut value, so a second send finds what the first one wrote. The SKU is
  not cut: it is how a product is found again; a longer one fails the item.
* Pictures that cannot be written (no ``vm_image_path`` folder, or one Odoo may not write
  to) fail the whole item and roll all of it back: nothing of the product or its variants
  is committed. The Odoo side binds only successful results and ignores the ``message`` of
  one, and it records the pictures of a successful one as sent: "ok without the pictures"
  would lose them for good (and the merchant would not be told), a committed failure
  would make another copy of the product with every retry. So the sync log says "set the
  picture folder", and the send after that creates the product once, with its pictures.
"""

import hashlib
import mimetypes
import os
import re
import secrets
import unicodedata
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from passlib.hash import bcrypt

from .errors import StoreSyncError
from .fields import empty

#: where VirtueMart keeps product pictures, relative to Joomla's root (its default
#: ``media_product_path``); ``file_url`` of a medias row starts with it
PRODUCT_IMAGE_URL = "images/virtuemart/product/"
#: the custom field kind "generic child variant" (models/custom.php getCustomTypes: 'A')
GENERIC_VARIANT = "A"
#: the custom field kind "string" ('S'), for a child's value of each variant attribute
STRING_FIELD = "S"
#: the generic child variant's parameters (VM's ``key="value"|`` format, getVarsToPush('A')):
#: the parent is not a choice of its own and cannot be ordered
GENERIC_VARIANT_PARAMS = 'withParent="0"|parentOrderable="0"|wPrice="0"|browseajax="0"|'
#: what VirtueMart writes into a new product's ``product_params`` (NOT NULL, no default)
PRODUCT_PARAMS = 'min_order_level=""|max_order_level=""|step_order_level=""|product_box=""|'
#: Joomla's "Registered" group, the one com_users gives a new account (new_usertype)
REGISTERED_GROUP = 2
#: characters a picture file name keeps
FILE_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_\-.]+")
#: the size (characters) of the text columns written, per table ("<table>_lang": the shop
#: language's table); install.sql of VM 3.0.12.4, tableupdater's language tables, the
#: userfields' sizes (userinfos), Joomla's ``users``. ``product_sku`` is not cut (see above).
TEXT_SIZES = {
    "products": {"product_gtin": 64, "product_availability": 32, "product_weight_uom": 7},
    "products_lang": {"product_name": 180, "product_s_desc": 2000, "slug": 191},
    "categories_lang": {"category_name": 180, "slug": 191},
    "manufacturers_lang": {"mf_name": 180, "slug": 191},
    "medias": {
        "file_title": 126,
        "file_description": 254,
        "file_meta": 254,
        "file_mimetype": 64,
        "file_url": 900,
    },
    "customs": {"custom_title": 255},
    "product_customfields": {"customfield_value": 2500},
    "vmusers": {"customer_number": 32},
    "userinfos": {
        "address_type_name": 32,
        "company": 64,
        "first_name": 96,
        "last_name": 96,
        "phone_1": 32,
        "address_1": 96,
        "address_2": 64,
        "city": 96,
        "zip": 32,
    },
    "users": {"name": 400, "username": 150, "email": 100},
}
#: the values at the end of a variant's name, "T-Shirt (M, Rot)"
CHILD_SUFFIX = re.compile(r"\(([^()]*)\)\s*$")
#: Joomla's German transliteration (language/de-DE localise.php) before the ASCII fold
_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


class VirtueMartCatalogue:
    """``export_categories``, ``export_brands``, ``export_products``, ``export_customers``."""

    catalogue_export = True
    #: a variant is a child product (``product_parent_id``) with its own SKU, price and stock;
    #: the parent carries a "generic child variant" custom field: the shop's dropdown of its
    #: children, by name ("T-Shirt (M, Rot)")
    catalogue_variants = True
    customer_export = True
    #: what VirtueMart's BT address cannot go without (userfields ``required`` = 1 in
    #: install_essential_data.sql: first and last name, address_1, zip, city, country)
    customer_required = ("first_name", "last_name", "street", "zip", "city", "country_code")
    image_transport = "upload"
    max_images = 3
    # "delivery_status": ``product_availability`` (varchar 32) holds a picture of VirtueMart's
    # availability folder ("24h.gif", "3-5d.gif"...) or a text shown as it is; the merchant
    # maps lead times to the ones the shop uses (``list_store_settings``' delivery_times).
    catalogue_values = frozenset({"brand", "delivery_status"})
    #: a child's name carries all its values: no limit
    max_variant_attributes = None

    # ------------------------------------------------------------------ shared

    def _run(self, item, write, **extra_failure):
        """``write(cursor, item)`` in one transaction; its result, or a failure result."""
        try:
            with self.transaction() as cursor:
                return write(cursor, item)
        except StoreSyncError as error:
            return {**_failure(item, error), **extra_failure}

    def _exists(self, cursor, table, key, row_id) -> bool:
        cursor.execute(f"SELECT 1 FROM {self.table(table)} WHERE {key} = %s", [row_id])
        return cursor.fetchone() is not None

    def _write_text(self, cursor, table, key, row_id, columns, slug_source):
        """Set ``columns`` of row ``row_id`` in the shop-language table of ``table``; a
        missing row is inserted with a unique slug. Only what differs is written."""
        texts = self.table(table, translated=True)
        columns = _fit(f"{table}_lang", columns)
        cursor.execute(f"SELECT * FROM {texts} WHERE {key} = %s", [row_id])
        row = cursor.fetchone()
        if row is None:
            columns = {**columns, "slug": self._unique_slug(cursor, table, key, slug_source, 0)}
            names = ", ".join([key, *columns])
            cursor.execute(
                f"INSERT INTO {texts} ({names}) VALUES ({', '.join(['%s'] * (len(columns) + 1))})",
                [row_id, *columns.values()],
            )
            return True
        changed = {k: v for k, v in columns.items() if (row.get(k) or "") != (v or "")}
        if changed:
            cursor.execute(
                f"UPDATE {texts} SET {', '.join(f'{k} = %s' for k in changed)} WHERE {key} = %s",
                [*changed.values(), row_id],
            )
        return bool(changed)

    def _unique_slug(self, cursor, table, key, source, row_id) -> str:
        """The slug of ``source`` that no other row of the language table has."""
        base = _slugify(source)[:180].strip("-") or table.rstrip("s")
        cursor.execute(
            f"SELECT slug FROM {self.table(table, translated=True)} "
            f"WHERE (slug = %s OR slug LIKE %s) AND {key} <> %s",
            [base, base + "-%", row_id],
        )
        taken = {row["slug"] for row in cursor.fetchall()}
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        return slug

    def _update_row(self, cursor, table, key, row_id, columns) -> bool:
        """Write the ``columns`` that differ from the row (and ``modified_on`` then)."""
        if not columns:
            return False
        columns = _fit(table, columns)
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {self.table(table)} WHERE {key} = %s", [row_id]
        )
        row = cursor.fetchone() or {}
        changed = {k: v for k, v in columns.items() if not _same(row.get(k), v)}
        if changed:
            changed["modified_on"] = _now()
            cursor.execute(
                f"UPDATE {self.table(table)} SET {', '.join(f'{k} = %s' for k in changed)} "
                f"WHERE {key} = %s",
                [*changed.values(), row_id],
            )
        return bool(changed)

    def _insert_row(self, cursor, table, columns) -> int:
        now = _now()
        columns = {**_fit(table, columns), "created_on": now, "modified_on": now}
        cursor.execute(
            f"INSERT INTO {self.table(table)} ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            list(columns.values()),
        )
        return cursor.lastrowid

    # ------------------------------------------------------------------ categories

    def export_categories(self, items, language=None) -> list[dict]:
        """``categories`` and their shop-language rows (``category_name``, ``slug``); the
        parent is ``category_parent_id`` (0 at the top). A create adopts the category of
        the same name under the same parent."""
        del language
        return [self._run(item, self._write_category) for item in items]

    def _write_category(self, cursor, item):
        values = _fit("categories_lang", item["values"], name="category_name")
        category_id, adopted = _int(item["id"]), False
        parent = _int(values.get("parent_id")) or 0
        key = "virtuemart_category_id"
        if category_id is None:
            cursor.execute(
                f"SELECT c.virtuemart_category_id AS id FROM {self.table('categories')} c "
                f"JOIN {self.table('categories', translated=True)} l "
                f"ON l.virtuemart_category_id = c.virtuemart_category_id "
                f"WHERE COALESCE(c.category_parent_id, 0) = %s AND LOWER(TRIM(l.category_name)) "
                f"= LOWER(TRIM(%s)) ORDER BY c.virtuemart_category_id LIMIT 1",
                [parent, values["name"]],
            )
            found = cursor.fetchone()
            category_id, adopted = (found["id"], True) if found else (None, False)
        elif not self._exists(cursor, "categories", key, category_id):
            return _gone(item, "category")
        if category_id is None:
            cursor.execute(
                f"SELECT COALESCE(MAX(ordering), 0) + 1 AS n FROM {self.table('categories')} "
                f"WHERE COALESCE(category_parent_id, 0) = %s",
                [parent],
            )
            category_id = self._insert_row(
                cursor,
                "categories",
                {
                    "category_parent_id": parent,
                    "virtuemart_vendor_id": 1,
                    "published": 1,
                    "ordering": cursor.fetchone()["n"],
                },
            )
            self._write_text(
                cursor,
                "categories",
                key,
                category_id,
                {"category_name": values["name"], "category_description": ""},
                values["name"],
            )
        else:
            if "parent_id" in values and not adopted:
                self._update_row(
                    cursor, "categories", key, category_id, {"category_parent_id": parent}
                )
            if "name" in values:
                self._write_text(
                    cursor, "categories", key, category_id, {"category_name": values["name"]},
                    values["name"],
                )  # fmt: skip
        if parent:
            cursor.execute(
                f"UPDATE {self.table('categories')} SET has_children = 1 "
                f"WHERE virtuemart_category_id = %s AND NOT (has_children <=> 1)",
                [parent],
            )
        return _ok(item, category_id, adopted)

    # ------------------------------------------------------------------ manufacturers

    def export_brands(self, items, language=None) -> list[dict]:
        """``manufacturers`` and their shop-language rows (``mf_name``, ``slug``); a create
        adopts the manufacturer of the same name."""
        del language
        return [self._run(item, self._write_brand) for item in items]

    def _write_brand(self, cursor, item):
        values = _fit("manufacturers_lang", item["values"], name="mf_name")
        key = "virtuemart_manufacturer_id"
        brand_id, adopted = _int(item["id"]), False
        if brand_id is None:
            cursor.execute(
                f"SELECT {key} AS id FROM {self.table('manufacturers', translated=True)} "
                f"WHERE LOWER(TRIM(mf_name)) = LOWER(TRIM(%s)) ORDER BY {key} LIMIT 1",
                [values["name"]],
            )
            found = cursor.fetchone()
            brand_id, adopted = (found["id"], True) if found else (None, False)
        elif not self._exists(cursor, "manufacturers", key, brand_id):
            return _gone(item, "manufacturer")
        if brand_id is None:
            brand_id = self._insert_row(cursor, "manufacturers", {"published": 1})
            self._write_text(
                cursor,
                "manufacturers",
                key,
                brand_id,
                {"mf_name": values["name"], "mf_desc": ""},
                values["name"],
            )
        elif "name" in values:
            self._write_text(
                cursor, "manufacturers", key, brand_id, {"mf_name": values["name"]}, values["name"]
            )
        return _ok(item, brand_id, adopted)

    # ------------------------------------------------------------------ products

    def export_products(self, items, language=None) -> list[dict]:
        """``products`` with their shop-language text, price rows (on create), category,
        manufacturer and picture relations, and their variants; one transaction each.

        * A create first looks the SKU up (``product_sku``) and updates that product
          (adopted; only Odoo's non-empty values go then).
        * Prices (on create only; later the price export): a base row for everyone (shopper
          group 0, net price) with ``product_tax_id`` 0, which in VirtueMart means "apply
          the shop's tax rules" (calculationh.php gatherEffectingRulesForProductPrice: -1 is
          none, a positive id that rule); sale price and tiers as ``update_prices`` writes
          them. Stock (on create): ``product_in_stock``.
        * Pictures: each new one is written as a file into the folder of the ``vm_image_path``
          credential (the shop's ``images/virtuemart/product``, mounted where Odoo runs),
          named after Odoo's picture with its checksum (a changed picture is a new file, so
          VirtueMart's cached thumbnail is never stale), with a ``medias`` row (found again by
          its ``file_url``); ``product_medias`` then lists the product's pictures in order.
          A new picture without a usable folder fails the item with nothing of it written
          (``storesync_no_image_folder``, not retried by itself): set the folder, send
          again. Pictures the shop has already (an ``id``, no ``content``) need no folder.
        * Variants: each is a child product (``product_parent_id``), with its own SKU, GTIN,
          weight, price and stock, named "<parent name> (<values>)", and for each variant
          attribute a string custom field row (field type 'S', titled as the attribute) with
          its value. The parent gets the shop's "generic child variant" custom field (type
          'A', ``customfield_value`` 'product_name'), VirtueMart's dropdown of a parent's
          children (sublayouts/customfield.php: it lists ``product_parent_id`` children and
          shows the chosen column); children need no row of it (VM's sample data has none:
          they inherit the parent's custom fields). [INF: the 'S' rows per child follow how
          VM stores a product's string field; VM does not need them to offer the choice.]
          The parent is priced at its cheapest variant for listings and cannot be ordered.
        """
        del language
        folder = self._image_folder()
        return [self._export_product(item, folder) for item in items]

    def _image_folder(self):
        """The picture folder when it is set and writable, else None."""
        path = (self.credentials.get("vm_image_path") or "").strip()
        if not path:
            return None
        folder = Path(path)
        return folder if folder.is_dir() and os.access(folder, os.W_OK) else None

    def _export_product(self, item, folder):
        item = {**item, "values": dict(item["values"])}
        written = []  # picture files this item made: removed again when its writes fail
        try:
            with self.transaction() as cursor:
                return self._write_product(cursor, item, folder, written)
        except BaseException as error:
            for path in written:
                path.unlink(missing_ok=True)
            if isinstance(error, StoreSyncError):
                return {**_failure(item, error), "images": [], "variants": None}
            raise

    def _write_product(self, cursor, item, folder, written):
        values = item["values"]
        key = "virtuemart_product_id"
        product_id, adopted = _int(item["id"]), False
        if product_id is None and values.get("sku"):
            product_id = self._product_by_sku(cursor, values["sku"])
            if product_id is not None:
                adopted = True
                values = item["values"] = _unblank(values)
        elif product_id is not None and not self._exists(cursor, "products", key, product_id):
            return {**_gone(item, "product"), "images": [], "variants": None}
        create = product_id is None
        variants = item.get("variants") or []
        parent_price = None
        if values.get("options") or variants:
            prices = [
                v["values"]["regular_price"]
                for v in variants
                if v["values"].get("regular_price") is not None
            ]
            parent_price = min(prices) if prices else None
        columns = _product_columns(values, create)
        if create:
            product_id = self._insert_product(cursor, 0, columns)
        else:
            self._update_row(cursor, "products", key, product_id, columns)
        text = _product_text(values)
        renamed = "name" in values and not create and not adopted
        old_name = self._product_name(cursor, product_id) if renamed else None
        if create or text:
            self._write_text(cursor, "products", key, product_id, text, values.get("name") or "")
        if create:
            self._create_prices(cursor, product_id, values, parent_price)
        if "category_ids" in values:
            ids = [_int(c) for c in values["category_ids"] if _int(c)]
            self._replace_links(cursor, "product_categories", product_id, "category", ids)
        if "brand_id" in values:
            brand = _int(values["brand_id"])
            self._replace_links(
                cursor,
                "product_manufacturers",
                product_id,
                "manufacturer",
                [brand] if brand else [],
            )
        images = None
        if "images" in values:
            images = self._write_pictures(cursor, values["images"], folder, written)
            self._replace_links(cursor, "product_medias", product_id, "media", images)
        variant_results = []
        if values.get("options") or variants:
            self._ensure_generic_variant(cursor, product_id)
            parent_name = values.get("name") or self._product_name(cursor, product_id)
            for variant in variants:
                variant_results.append(
                    self._write_variant(cursor, product_id, parent_name, variant, folder, written)
                )
        if renamed:
            self._rename_children(cursor, product_id, old_name, values["name"], variants)
        self._set_flags(cursor, product_id)
        return {
            **_ok(item, product_id, adopted),
            "images": [str(i) for i in images or ()] if images is not None else [],
            "variants": variant_results,
        }

    def _product_by_sku(self, cursor, sku):
        cursor.execute(
            f"SELECT virtuemart_product_id AS id FROM {self.table('products')} "
            f"WHERE product_sku = %s ORDER BY virtuemart_product_id LIMIT 1",
            [sku],
        )
        row = cursor.fetchone()
        return row["id"] if row else None

    def _product_name(self, cursor, product_id) -> str:
        cursor.execute(
            f"SELECT product_name FROM {self.table('products', translated=True)} "
            f"WHERE virtuemart_product_id = %s",
            [product_id],
        )
        row = cursor.fetchone()
        return (row or {}).get("product_name") or ""

    def _insert_product(self, cursor, parent_id, columns) -> int:
        cursor.execute(
            f"SELECT COALESCE(MAX(pordering), 0) + 1 AS n FROM {self.table('products')} "
            f"WHERE product_parent_id = %s",
            [parent_id],
        )
        ordering = cursor.fetchone()["n"]
        return self._insert_row(
            cursor,
            "products",
            {
                "virtuemart_vendor_id": 1,
                "product_parent_id": parent_id,
                "product_params": PRODUCT_PARAMS,
                "product_weight_uom": "KG",
                "pordering": ordering,
                "published": 0,
                **columns,
            },
        )

    def _create_prices(self, cursor, product_id, values, fallback=None):
        """A new product's base price row (tax rule 0: the shop's rules), then its sale
        price and tiers the way ``update_prices`` writes them."""
        price = values.get("regular_price", fallback)
        if price is None:
            return
        currency = self._vendor_currency(cursor)
        self._insert_price(cursor, product_id, 0, price, (0, 0), currency)
        extra = {
            k: values[k] for k in ("sale_price", "sale_from", "sale_to", "tiers") if k in values
        }
        if extra.get("sale_price") is not None or extra.get("tiers"):
            self._write_prices(cursor, product_id, extra, currency)

    def _replace_links(self, cursor, table, product_id, kind, ids):
        """Make the product's ``<kind>`` relation rows be ``ids`` (in that order where the
        table has an ``ordering``): the others are removed, missing ones added."""
        column = f"virtuemart_{kind}_id"
        ordered = table != "product_manufacturers"
        cursor.execute(
            f"SELECT id, {column} AS target{', ordering' if ordered else ''} "
            f"FROM {self.table(table)} WHERE virtuemart_product_id = %s",
            [product_id],
        )
        current = {row["target"]: row for row in cursor.fetchall()}
        stale = [row["id"] for target, row in current.items() if target not in ids]
        if stale:
            cursor.execute(
                f"DELETE FROM {self.table(table)} WHERE id IN ({', '.join(['%s'] * len(stale))})",
                stale,
            )
        for position, target in enumerate(dict.fromkeys(ids)):
            row = current.get(target)
            if row is None:
                extra = ", ordering" if ordered else ""
                cursor.execute(
                    f"INSERT INTO {self.table(table)} (virtuemart_product_id, {column}{extra}) "
                    f"VALUES (%s, %s{', %s' if ordered else ''})",
                    [product_id, target, *([position] if ordered else [])],
                )
            elif ordered and row["ordering"] != position:
                cursor.execute(
                    f"UPDATE {self.table(table)} SET ordering = %s WHERE id = %s",
                    [position, row["id"]],
                )

    def _set_flags(self, cursor, product_id):
        """``has_categories``, ``has_manufacturers``, ``has_medias``, ``has_prices``: whether
        the product has such rows (VirtueMart keeps them to skip empty lookups)."""
        flags = {}
        for flag, table in (
            ("has_categories", "product_categories"),
            ("has_manufacturers", "product_manufacturers"),
            ("has_medias", "product_medias"),
            ("has_prices", "product_prices"),
        ):
            cursor.execute(
                f"SELECT EXISTS(SELECT 1 FROM {self.table(table)} "
                f"WHERE virtuemart_product_id = %s) AS yes",
                [product_id],
            )
            flags[flag] = int(cursor.fetchone()["yes"])
        where = " OR ".join(f"NOT ({flag} <=> %s)" for flag in flags)
        cursor.execute(
            f"UPDATE {self.table('products')} SET {', '.join(f'{f} = %s' for f in flags)} "
            f"WHERE virtuemart_product_id = %s AND ({where})",
            [*flags.values(), product_id, *flags.values()],
        )

    # ------------------------------------------------------------------ pictures

    def _write_pictures(self, cursor, images, folder, written):
        """The medias ids of ``images`` in order (new ones written as files with a medias
        row). A new one that cannot be written raises: the whole item is rolled back."""
        if any(image.get("content") for image in images) and folder is None:
            raise _no_folder(self.credentials.get("vm_image_path"))
        ids = []
        for image in images:
            if image.get("content"):
                image["id"] = str(self._write_picture(cursor, image, folder, written))
            media_id = _int(image.get("id"))
            if media_id:
                ids.append(media_id)
        return ids

    def _write_picture(self, cursor, image, folder, written) -> int:
        name = _file_name(image)
        path = folder / name
        if not path.exists():
            try:
                path.write_bytes(image["content"])
            except OSError as error:
                path.unlink(missing_ok=True)
                raise _no_folder(str(folder), error) from error
            written.append(path)
        url = PRODUCT_IMAGE_URL + name
        cursor.execute(
            f"SELECT virtuemart_media_id AS id FROM {self.table('medias')} "
            f"WHERE file_url = %s ORDER BY virtuemart_media_id LIMIT 1",
            [url],
        )
        row = cursor.fetchone()
        if row:
            return row["id"]
        alt = image.get("alt") or ""
        return self._insert_row(
            cursor,
            "medias",
            {
                "virtuemart_vendor_id": 1,
                "file_title": name,
                "file_description": alt,
                "file_meta": alt,
                "file_mimetype": mimetypes.guess_type(name)[0] or "image/jpeg",
                "file_type": "product",
                "file_url": url,
                "file_url_thumb": "",
                "published": 1,
            },
        )

    # ------------------------------------------------------------------ variants

    def _write_variant(self, cursor, parent_id, parent_name, variant, folder, written):
        """One child product; its result."""
        values = dict(variant["values"])
        key = "virtuemart_product_id"
        child_id, adopted = _int(variant["id"]), False
        if child_id is None and values.get("sku"):
            child_id = self._product_by_sku(cursor, values["sku"])
            if child_id is not None:
                adopted = True
                values = _unblank(values)
        elif child_id is not None and not self._exists(cursor, "products", key, child_id):
            return {**_gone(variant, "variant"), "parent_id": None, "images": []}
        columns = _product_columns(values, child_id is None)
        if child_id is None:
            child_id = self._insert_product(cursor, parent_id, columns)
            self._create_prices(cursor, child_id, values)
        else:
            if adopted:
                columns["product_parent_id"] = parent_id
            self._update_row(cursor, "products", key, child_id, columns)
        if variant["id"] is None or "options" in values:
            name = _child_name(parent_name, values.get("options") or {})
            self._write_text(cursor, "products", key, child_id, {"product_name": name}, name)
        if "options" in values:
            self._write_child_values(cursor, child_id, values["options"])
        images = []
        if "image" in values:
            image = values["image"]
            ids = self._write_pictures(cursor, [image] if image else [], folder, written)
            self._replace_links(cursor, "product_medias", child_id, "media", ids)
            images = [str(i) for i in ids]
        self._set_flags(cursor, child_id)
        return {**_ok(variant, child_id, adopted), "parent_id": None, "images": images}

    def _ensure_generic_variant(self, cursor, product_id):
        """The parent's "generic child variant" custom field row (the shop's custom of type
        'A', made when it has none); one the product has already is left as it is."""
        customs = self.table("customs")
        cursor.execute(
            f"SELECT virtuemart_custom_id AS id FROM {customs} WHERE field_type = %s "
            f"AND custom_parent_id = 0 ORDER BY published DESC, virtuemart_custom_id LIMIT 1",
            [GENERIC_VARIANT],
        )
        row = cursor.fetchone()
        custom_id = row["id"] if row else None
        if custom_id is None:
            custom_id = self._insert_row(
                cursor,
                "customs",
                {
                    "custom_title": "Variant",
                    "show_title": 0,
                    "field_type": GENERIC_VARIANT,
                    "layout_pos": "ontop",
                    "custom_params": GENERIC_VARIANT_PARAMS,
                    "virtuemart_shoppergroup_id": "",
                    "published": 1,
                },
            )
        fields_ = self.table("product_customfields")
        cursor.execute(
            f"SELECT 1 FROM {fields_} WHERE virtuemart_product_id = %s "
            f"AND virtuemart_custom_id = %s",
            [product_id, custom_id],
        )
        if cursor.fetchone() is None:
            cursor.execute(
                f"INSERT INTO {fields_} (virtuemart_product_id, virtuemart_custom_id, "
                f"customfield_value, customfield_params, published, ordering) "
                f"VALUES (%s, %s, 'product_name', %s, 1, 0)",
                [product_id, custom_id, GENERIC_VARIANT_PARAMS],
            )

    def _write_child_values(self, cursor, child_id, options):
        """One string custom field row per variant attribute on the child, with its value
        (the custom titled as the attribute, made when missing)."""
        customs = self.table("customs")
        fields_ = self.table("product_customfields")
        for ordering, (name, value) in enumerate(options.items(), start=1):
            cursor.execute(
                f"SELECT virtuemart_custom_id AS id FROM {customs} WHERE field_type = %s "
                f"AND custom_parent_id = 0 AND custom_title = %s AND is_cart_attribute = 0 "
                f"ORDER BY virtuemart_custom_id LIMIT 1",
                [STRING_FIELD, _fit("customs", {"custom_title": name})["custom_title"]],
            )
            row = cursor.fetchone()
            custom_id = row["id"] if row else None
            if custom_id is None:
                custom_id = self._insert_row(
                    cursor,
                    "customs",
                    {
                        "custom_title": name,
                        "show_title": 1,
                        "field_type": STRING_FIELD,
                        "custom_params": "",
                        "virtuemart_shoppergroup_id": "",
                        "published": 1,
                    },
                )
            cursor.execute(
                f"SELECT virtuemart_customfield_id AS id, customfield_value AS value "
                f"FROM {fields_} WHERE virtuemart_product_id = %s AND virtuemart_custom_id = %s "
                f"ORDER BY virtuemart_customfield_id",
                [child_id, custom_id],
            )
            rows = cursor.fetchall()
            value = _fit("product_customfields", {"customfield_value": str(value)})
            value = value["customfield_value"]
            if not rows:
                cursor.execute(
                    f"INSERT INTO {fields_} (virtuemart_product_id, virtuemart_custom_id, "
                    f"customfield_value, customfield_params, published, ordering) "
                    f"VALUES (%s, %s, %s, '', 1, %s)",
                    [child_id, custom_id, str(value), ordering],
                )
            elif rows[0]["value"] != str(value):
                cursor.execute(
                    f"UPDATE {fields_} SET customfield_value = %s "
                    f"WHERE virtuemart_customfield_id = %s",
                    [str(value), rows[0]["id"]],
                )

    def _rename_children(self, cursor, parent_id, old_name, name, variants):
        """A renamed parent passes its name on to its children Odoo made: those sent in
        this run (``variants``) and those named "<old parent name> (…)"; a child's name
        keeps its values: "T-Shirt (M, Rot)" → "Hemd (M, Rot)". A child the merchant made
        in the shop under another name ("Sonderedition") keeps it."""
        sent = {_int(v["id"]) for v in variants if v["id"] is not None}
        prefix = f"{old_name} (" if old_name else None
        cursor.execute(
            f"SELECT p.virtuemart_product_id AS id, l.product_name AS name "
            f"FROM {self.table('products')} p JOIN {self.table('products', translated=True)} l "
            f"ON l.virtuemart_product_id = p.virtuemart_product_id "
            f"WHERE p.product_parent_id = %s",
            [parent_id],
        )
        for child in cursor.fetchall():
            current = child["name"] or ""
            if prefix and current.startswith(prefix):
                new = name + current[len(old_name) :]
            elif child["id"] in sent:
                suffix = CHILD_SUFFIX.search(current)
                new = name + (f" ({suffix.group(1)})" if suffix else "")
            else:
                continue  # the merchant's own child
            self._write_text(
                cursor, "products", "virtuemart_product_id", child["id"], {"product_name": new}, new
            )

    # ------------------------------------------------------------------ customers

    def export_customers(self, items, language=None) -> list[dict]:
        """A Joomla account (``users``: name, username = e-mail, e-mail, a random password
        hash nobody knows: the customer sets one through "forgot password"; group
        "Registered" in ``user_usergroup_map``), its ``vmusers`` row (``customer_number``
        as VirtueMart makes it), the BT address in ``userinfos`` (and an ST one for a
        delivery address of its own) and the shopper group (``vmuser_shoppergroups``; none:
        the shop's default group applies). A create whose e-mail the shop knows updates
        that account (adopted): its password and Joomla groups are never touched."""
        del language
        self._user_group_map = None
        return [self._run(item, self._write_customer) for item in items]

    def _has_group_map(self, cursor) -> bool:
        if getattr(self, "_user_group_map", None) is None:
            cursor.execute("SHOW TABLES LIKE %s", [f"{self.prefix}user_usergroup_map"])
            self._user_group_map = cursor.fetchone() is not None
        return self._user_group_map

    def _write_customer(self, cursor, item):
        values = _fit("users", item["values"])  # the e-mail as the shop keeps it
        users = self.table("users")
        user_id, adopted = _int(item["id"]), False
        if user_id is None:
            cursor.execute(
                f"SELECT id FROM {users} WHERE LOWER(email) = LOWER(%s) ORDER BY id LIMIT 1",
                [values["email"]],
            )
            row = cursor.fetchone()
            if row:
                user_id, adopted = row["id"], True
                values = _unblank(values)
        elif not self._exists(cursor, "users", "id", user_id):
            return _gone(item, "customer")
        name = (
            " ".join(part for part in (values.get("first_name"), values.get("last_name")) if part)
            or values.get("company")
            or values.get("email")
        )
        name = _fit("users", {"name": name})["name"]
        if user_id is None:
            email = values["email"]
            cursor.execute(
                f"INSERT INTO {users} (name, username, email, password, block, sendEmail, "
                f"registerDate, activation, params) VALUES (%s, %s, %s, %s, 0, 0, %s, '', '{{}}')",
                [name, email, email, _unusable_password(), _now()],
            )
            user_id = cursor.lastrowid
            if self._has_group_map(cursor):
                cursor.execute(
                    f"INSERT IGNORE INTO `{self.prefix}user_usergroup_map` (user_id, group_id) "
                    f"VALUES (%s, %s)",
                    [user_id, REGISTERED_GROUP],
                )
        else:
            cursor.execute(f"SELECT name, username, email FROM {users} WHERE id = %s", [user_id])
            row = cursor.fetchone()
            changes = {}
            if {"first_name", "last_name", "company"} & set(values) and name != row["name"]:
                changes["name"] = name
            if "email" in values and values["email"] != row["email"]:
                changes["email"] = values["email"]
                if row["username"] == row["email"]:
                    changes["username"] = values["email"]  # the login follows the e-mail
            if changes:
                cursor.execute(
                    f"UPDATE {users} SET {', '.join(f'{k} = %s' for k in changes)} WHERE id = %s",
                    [*changes.values(), user_id],
                )
        self._ensure_vmuser(cursor, user_id, values.get("email") or "")
        if {"billing", "first_name", "last_name", "company", "phone"} & set(values):
            self._write_address(cursor, user_id, "BT", values, values.get("billing") or {})
        if values.get("shipping"):
            self._write_address(cursor, user_id, "ST", {}, values["shipping"])
        if "group_id" in values:
            group = _int(values["group_id"])
            self._replace_groups(cursor, user_id, [group] if group else [])
        return _ok(item, user_id, adopted)

    def _ensure_vmuser(self, cursor, user_id, email):
        cursor.execute(
            f"SELECT 1 FROM {self.table('vmusers')} WHERE virtuemart_user_id = %s", [user_id]
        )
        if cursor.fetchone() is None:
            cursor.execute(f"SELECT username FROM {self.table('users')} WHERE id = %s", [user_id])
            username = (cursor.fetchone() or {}).get("username") or email
            # models/user.php saveUserData: two letters of the username and 7 of its md5
            number = username[:2].upper() + hashlib.md5(username.encode()).hexdigest()[:7]
            self._insert_row(
                cursor,
                "vmusers",
                {
                    "virtuemart_user_id": user_id,
                    "virtuemart_vendor_id": 0,
                    "user_is_vendor": 0,
                    "customer_number": number,
                    "agreed": 0,
                },
            )

    def _write_address(self, cursor, user_id, kind, values, address):
        """The user's BT (or first ST) ``userinfos`` row: created, or its differing columns
        updated."""
        columns = {}
        for column, field in (
            ("first_name", "first_name"),
            ("last_name", "last_name"),
            ("company", "company"),
        ):
            if field in address or field in values:
                columns[column] = address.get(field) or values.get(field) or ""
        if "phone" in values or address.get("phone"):
            columns["phone_1"] = values.get("phone") or address.get("phone") or ""
        if address:
            columns.update(
                address_1=address.get("street") or "",
                address_2=address.get("street2") or "",
                city=address.get("city") or "",
                zip=address.get("zip") or "",
            )
            country, state = self._country_state(
                cursor, address.get("country_code"), address.get("state_code")
            )
            columns.update(virtuemart_country_id=country, virtuemart_state_id=state)
        if kind == "ST":
            label = ", ".join(p for p in (address.get("street"), address.get("city")) if p)
            columns["address_type_name"] = label
        infos = self.table("userinfos")
        cursor.execute(
            f"SELECT virtuemart_userinfo_id AS id FROM {infos} WHERE virtuemart_user_id = %s "
            f"AND address_type = %s ORDER BY virtuemart_userinfo_id LIMIT 1",
            [user_id, kind],
        )
        row = cursor.fetchone()
        if row:
            self._update_row(cursor, "userinfos", "virtuemart_userinfo_id", row["id"], columns)
        else:
            self._insert_row(
                cursor,
                "userinfos",
                {"virtuemart_user_id": user_id, "address_type": kind, **columns},
            )

    def _country_state(self, cursor, country_code, state_code):
        if not country_code:
            return 0, 0
        cursor.execute(
            f"SELECT virtuemart_country_id AS id FROM {self.table('countries')} "
            f"WHERE country_2_code = %s LIMIT 1",
            [country_code.upper()],
        )
        row = cursor.fetchone()
        if row is None:
            raise StoreSyncError(
                "client", f"The shop has no country {country_code}.", retryable=False
            )
        state = 0
        if state_code:
            cursor.execute(
                f"SELECT virtuemart_state_id AS id FROM {self.table('states')} "
                f"WHERE virtuemart_country_id = %s AND state_2_code = %s LIMIT 1",
                [row["id"], state_code.upper()],
            )
            found = cursor.fetchone()
            state = found["id"] if found else 0
        return row["id"], state

    def _replace_groups(self, cursor, user_id, groups):
        """The user's shopper groups become ``groups`` (none: the shop's default group,
        which VirtueMart applies to a user without a row)."""
        table = self.table("vmuser_shoppergroups")
        cursor.execute(
            f"SELECT id, virtuemart_shoppergroup_id AS group_id FROM {table} "
            f"WHERE virtuemart_user_id = %s",
            [user_id],
        )
        current = {row["group_id"]: row["id"] for row in cursor.fetchall()}
        stale = [row_id for group, row_id in current.items() if group not in groups]
        if stale:
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(stale))})", stale
            )
        for group in groups:
            if group not in current:
                cursor.execute(
                    f"INSERT INTO {table} (virtuemart_user_id, virtuemart_shoppergroup_id) "
                    f"VALUES (%s, %s)",
                    [user_id, group],
                )


# ---------------------------------------------------------------------- values


def _product_columns(values, create) -> dict:
    """The ``products`` columns of ``values``."""
    columns = {}
    if "sku" in values:
        columns["product_sku"] = values["sku"] or ""
    if "barcode" in values:
        columns["product_gtin"] = values["barcode"] or ""
    if "weight" in values:
        weight = values["weight"]
        columns["product_weight"] = Decimal(str(weight)) if weight else None
        if weight:
            columns["product_weight_uom"] = "KG"
    if "published" in values:
        columns["published"] = 1 if values["published"] else 0
    if values.get("delivery_status"):
        # None: no mapped delivery time covers the lead time; the shop's own text stays.
        columns["product_availability"] = str(values["delivery_status"])
    if create and "stock_quantity" in values:
        columns["product_in_stock"] = int(values["stock_quantity"] or 0)
    return columns


def _product_text(values) -> dict:
    """The shop-language columns of ``values`` (the short description is the start of
    the description's text when Odoo has no short one)."""
    text = {}
    if "name" in values:
        text["product_name"] = values["name"] or ""
    if "description" in values:
        text["product_desc"] = values["description"] or ""
    if "short_description" in values:
        text["product_s_desc"] = values["short_description"] or ""
    return text


def _child_name(parent_name, options) -> str:
    """A variant's name: the parent's with its values, "T-Shirt (M, Rot)"."""
    labels = ", ".join(str(v) for v in options.values())
    return (f"{parent_name} ({labels})" if labels else parent_name)[:180]


def _fit(table, columns, **renamed) -> dict:
    """``columns`` with each text cut to its column's size in ``table`` (``TEXT_SIZES``);
    ``renamed`` maps a key of ``columns`` to its column ("name"="category_name")."""
    sizes = TEXT_SIZES.get(table, {})
    fitted = {}
    for key, value in columns.items():
        size = sizes.get(renamed.get(key, key))
        fitted[key] = value[:size] if size and isinstance(value, str) else value
    return fitted


def _slugify(text) -> str:
    """A slug as Joomla makes one (JFilterOutput::stringURLSafe): transliterated to ASCII,
    lower case, words joined by hyphens."""
    text = unicodedata.normalize("NFKD", str(text or "").translate(_GERMAN))
    text = text.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _file_name(image) -> str:
    """The picture's file name with (part of) its checksum: a changed picture is a new
    file."""
    name = FILE_NAME_UNSAFE.sub("-", image.get("name") or "picture.jpg").strip("-.")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, "jpg"
    stem = stem[:100]  # file systems take 255 bytes a name
    tag = re.sub(r"[^A-Za-z0-9]", "", str(image.get("key") or ""))[:8]
    return f"{stem or 'picture'}{'-' + tag if tag else ''}.{extension.lower()}"


def _unusable_password() -> str:
    """A bcrypt hash (PHP's ``$2y$``, what Joomla checks with password_verify) of a random
    secret nobody is told."""
    return bcrypt.using(rounds=10, ident="2y").hash(secrets.token_urlsafe(24))


def _unblank(values) -> dict:
    """``values`` without the empty ones (None, "", [], {})."""
    return {k: v for k, v in values.items() if not empty(v)}


def _same(current, wanted) -> bool:
    if isinstance(current, Decimal) or isinstance(wanted, Decimal):
        if current is None or wanted is None:
            return current is None and wanted is None
        return Decimal(str(current)) == Decimal(str(wanted))
    return current == wanted


def _int(value):
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _now() -> datetime:
    return datetime.utcnow().replace(microsecond=0)


# ---------------------------------------------------------------------- answers


def _ok(item, remote_id, adopted=False) -> dict:
    return {
        "key": item.get("key"),
        "id": str(remote_id),
        "ok": True,
        "adopted": adopted,
        "status": 200,
        "code": None,
        "message": None,
        "retryable": False,
    }


def _failure(item, error) -> dict:
    return {
        "key": item.get("key"),
        "id": item.get("id"),
        "ok": False,
        "adopted": False,
        "status": error.status,
        "code": error.code or error.kind,
        "message": error.message,
        "retryable": error.retryable,
    }


def _gone(item, what) -> dict:
    return {
        "key": item.get("key"),
        "id": item.get("id"),
        "ok": False,
        "adopted": False,
        "status": 404,
        "code": "not_found",
        "message": f"The shop has no {what} {item.get('id')} (deleted?).",
        "retryable": False,
        "gone": True,
    }


def _no_folder(path, error=None) -> StoreSyncError:
    """Pictures that cannot be written: the item fails with nothing of it in the shop."""
    if error is not None:
        where = f" ({path}: {error.strerror or error})"
    else:
        where = f" ({path} is no folder Odoo may write to)" if path else ""
    return StoreSyncError(
        "client",
        "Nothing of the product was written, its pictures cannot be stored: set the shop's "
        f"picture folder (images/virtuemart/product) in the store's credentials{where}, "
        "then send the product again.",
        code="storesync_no_image_folder",
        retryable=False,
    )
