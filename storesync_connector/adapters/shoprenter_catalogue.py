"""The catalogue and customers going to Shoprenter: categories, manufacturers, products with
their pictures, customer accounts.

Mixed into ``ShoprenterAdapter``; pure Python. Every write goes through ``POST /batch``
(sequential, at most ``batch_limit`` requests a call), one round per step that needs the ids
of the one before (docs/catalogue.md). Two Extend rules shape it: a POST *adds* related rows
and a PUT *replaces* them, so texts go to their own resources (``productDescriptions``,
``categoryDescriptions``) and only the merchant's language is touched; and a create is looked
up first (SKU, e-mail, name) so a lost answer never makes a second copy.
"""

import base64
import re
import secrets
from urllib.parse import urlencode

from passlib.hash import bcrypt

from .shoprenter_mapping import href_id

#: characters Shoprenter takes in an uploaded file's name
FILE_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9()_\-.]+")


class ShoprenterCatalogue:
    """``export_categories``, ``export_brands``, ``export_products``, ``export_customers``."""

    catalogue_export = True
    customer_export = True
    image_transport = "upload"
    catalogue_values = frozenset({"brand"})
    max_variant_attributes = 2

    # ------------------------------------------------------------------ categories

    def export_categories(self, items, language=None) -> list[dict]:
        """``categoryExtend``: a create first looks for a category of that name (in the
        shop's language) under the same parent and adopts it."""
        items = list(items)
        language_id = self._language_id(language)
        results = [None] * len(items)
        creates = [i for i, item in enumerate(items) if item["id"] is None]
        found = self._find_categories([items[i]["values"] for i in creates], language_id)
        for index, category_id in zip(creates, found, strict=True):
            if category_id:
                items[index] = {**items[index], "id": category_id}
                results[index] = {"adopted": True}
        requests_, owners = [], []
        for index, item in enumerate(items):
            values = item["values"]
            body = {}
            if "parent_id" in values or item["id"] is None:
                parent = values.get("parent_id")
                body["parentCategory"] = {"id": parent} if parent else {}
            if item["id"] is None:
                body.update(
                    status="1",
                    categoryDescriptions=[
                        {"name": values["name"], "language": {"id": language_id}}
                    ],
                )
                requests_.append({"method": "POST", "uri": "categoryExtend", "data": body})
            elif body:
                requests_.append(
                    {"method": "PUT", "uri": f"categoryExtend/{item['id']}", "data": body}
                )
            else:
                continue
            owners.append(index)
        answers = dict(zip(owners, self._batch(requests_), strict=True))
        renamed = [
            i
            for i, item in enumerate(items)
            if item["id"] is not None and "name" in item["values"] and not results[i]
        ]
        texts = self._write_descriptions(
            "categoryDescriptions",
            "categoryId",
            "category",
            [(items[i]["id"], {"name": items[i]["values"]["name"]}) for i in renamed],
            language_id,
        )
        texts = dict(zip(renamed, texts, strict=True))
        for index, item in enumerate(items):
            status, body = answers.get(index, (200, {"id": item["id"]}))
            if index in texts and texts[index][0] >= 300:
                status, body = texts[index]
            results[index] = _result(item, status, body, adopted=bool(results[index]))
        return results

    def _find_categories(self, values_list, language_id) -> list[str | None]:
        """The id of a category named so in the shop's language under the same parent."""
        if not values_list:
            return []
        lookups = self._batch(
            [
                {
                    "method": "GET",
                    "uri": "categoryDescriptions?"
                    + urlencode({"name": v["name"], "languageId": language_id, "full": 1}),
                }
                for v in values_list
            ]
        )
        candidates = [
            [
                href_id(d.get("category"), "category")
                for d in _items(body)
                if str(d.get("name") or "").strip() == values["name"].strip()
            ]
            for values, (_status, body) in zip(values_list, lookups, strict=True)
        ]
        wanted = sorted({cid for ids in candidates for cid in ids if cid})
        parents = dict(
            zip(
                wanted,
                (
                    href_id((body or {}).get("parentCategory"), "parentCategory")
                    if status == 200
                    else False
                    for status, body in self._batch(
                        [{"method": "GET", "uri": f"categoryExtend/{cid}"} for cid in wanted]
                    )
                ),
                strict=True,
            )
        )
        return [
            next(
                (cid for cid in ids if parents.get(cid) in (values.get("parent_id") or None,)),
                None,
            )
            for values, ids in zip(values_list, candidates, strict=True)
        ]

    # ------------------------------------------------------------------ manufacturers

    def export_brands(self, items, language=None) -> list[dict]:
        """``manufacturers``: a create adopts the manufacturer of the same name (an embedded
        manufacturer without id would make a new one on every call, so products only ever
        point at one by id)."""
        del language
        items = list(items)
        creates = [i for i, item in enumerate(items) if item["id"] is None]
        lookups = self._batch(
            [
                {
                    "method": "GET",
                    "uri": "manufacturers?"
                    + urlencode({"name": items[i]["values"]["name"], "full": 1}),
                }
                for i in creates
            ]
        )
        adopted = set()
        for index, (_status, body) in zip(creates, lookups, strict=True):
            name = items[index]["values"]["name"].strip()
            match = next((m for m in _items(body) if str(m.get("name")).strip() == name), None)
            if match and match.get("id"):
                items[index] = {**items[index], "id": match["id"]}
                adopted.add(index)
        requests_ = []
        for item in items:
            name = {"name": item["values"]["name"]} if "name" in item["values"] else {}
            if item["id"] is None:
                requests_.append({"method": "POST", "uri": "manufacturers", "data": name})
            else:
                requests_.append(
                    {"method": "PUT", "uri": f"manufacturers/{item['id']}", "data": name}
                )
        return [
            _result(item, status, body, adopted=index in adopted)
            for index, (item, (status, body)) in enumerate(
                zip(items, self._batch(requests_), strict=True)
            )
        ]

    # ------------------------------------------------------------------ products

    def export_products(self, items, language=None) -> list[dict]:
        """``productExtend`` with its descriptions, category relations, manufacturer, main
        picture and ``productImages``; pictures are uploaded first (``POST /files``).

        A create first looks the SKU up (``productExtend?sku=``) and updates the product
        found instead (adopted).
        """
        items = [dict(item) for item in items]
        language_id = self._language_id(language)
        results: list[dict | None] = [None] * len(items)
        # 1. pictures
        uploads, owners = [], []
        for index, item in enumerate(items):
            for image in item["values"].get("images") or ():
                if not image.get("id"):
                    path = "product/" + _file_name(image["name"])
                    image["id"] = path
                    uploads.append(
                        {
                            "method": "POST",
                            "uri": "files",
                            "data": {
                                "filePath": path,
                                "type": "image",
                                "attachment": base64.b64encode(image["content"]).decode(),
                            },
                        }
                    )
                    owners.append(index)
        for index, (status, body) in zip(owners, self._batch(uploads), strict=True):
            if (status is None or status >= 300) and results[index] is None:
                results[index] = _result(items[index], status, body)
        # 2. who is there already (by SKU)
        creates = [
            i
            for i, item in enumerate(items)
            if item["id"] is None and results[i] is None and item["values"].get("sku")
        ]
        lookups = self._batch(
            [
                {
                    "method": "GET",
                    "uri": "productExtend?"
                    + urlencode({"sku": items[i]["values"]["sku"], "full": 1}),
                }
                for i in creates
            ]
        )
        adopted = set()
        for index, (_status, body) in zip(creates, lookups, strict=True):
            sku = items[index]["values"]["sku"]
            match = next((p for p in _items(body) if p.get("sku") == sku), None)
            if match and match.get("id"):
                items[index]["id"] = match["id"]
                adopted.add(index)
        # 3. the products
        writes, owners = [], []
        for index, item in enumerate(items):
            if results[index] is not None:
                continue
            body = _product_body(item["values"], language_id, create=item["id"] is None)
            if item["id"] is None:
                writes.append({"method": "POST", "uri": "productExtend", "data": body})
            elif body:
                writes.append({"method": "PUT", "uri": f"productExtend/{item['id']}", "data": body})
            else:
                continue
            owners.append(index)
        created = set()
        for index, (status, body) in zip(owners, self._batch(writes), strict=True):
            result = _result(items[index], status, body, adopted=index in adopted)
            results[index] = result
            if result["ok"] and items[index]["id"] is None:
                created.add(index)
            if result["ok"]:
                items[index]["id"] = result["id"]
        for index, item in enumerate(items):
            if results[index] is None:
                results[index] = _result(item, 200, {"id": item["id"]}, adopted=index in adopted)
        # 4. texts of products the shop had, in the shop's language only
        texted = [
            i
            for i, item in enumerate(items)
            if results[i]["ok"]
            and i not in created
            and {"name", "description"} & set(item["values"])
        ]
        texts = self._write_descriptions(
            "productDescriptions",
            "productId",
            "product",
            [(items[i]["id"], _description(items[i]["values"])) for i in texted],
            language_id,
        )
        for index, (status, body) in zip(texted, texts, strict=True):
            if status >= 300:
                results[index] = _result(items[index], status, body)
        # 5. the pictures after the main one
        pictured = [
            i for i, item in enumerate(items) if results[i]["ok"] and "images" in item["values"]
        ]
        self._replace_product_images([items[i] for i in pictured], [results[i] for i in pictured])
        for index, item in enumerate(items):
            results[index]["images"] = [image["id"] for image in item["values"].get("images") or ()]
            results[index]["variants"] = [] if results[index]["ok"] else None
        return results

    def _replace_product_images(self, items, results):
        """The pictures after the first become the product's ``productImages`` (ours
        replace what was there: the list is the product's pictures as Odoo has them)."""
        if not items:
            return
        existing = self._batch(
            [
                {
                    "method": "GET",
                    "uri": "productImages?" + urlencode({"productId": item["id"], "full": 1}),
                }
                for item in items
            ]
        )
        writes, owners = [], []
        for position, (item, (_status, body)) in enumerate(zip(items, existing, strict=True)):
            for image in _items(body):
                if image.get("id"):
                    writes.append({"method": "DELETE", "uri": f"productImages/{image['id']}"})
                    owners.append(position)
            for order, image in enumerate(item["values"]["images"][1:], start=1):
                writes.append(
                    {
                        "method": "POST",
                        "uri": "productImages",
                        "data": {
                            "imagePath": image["id"],
                            "imageAlt": image.get("alt") or "",
                            "sortOrder": str(order),
                            "product": {"id": item["id"]},
                        },
                    }
                )
                owners.append(position)
        for position, write, (status, body) in zip(
            owners, writes, self._batch(writes), strict=True
        ):
            if write["method"] == "DELETE" and status == 404:
                continue
            if status is None or status >= 300:
                results[position].update(_result(items[position], status, body))

    def _write_descriptions(self, resource, parent_param, parent_field, texts, language_id):
        """Set the shop-language description of each ``(parent id, values)``: the existing
        row is updated (other languages stay), a missing one is added. ``[(status, body)]``."""
        if not texts:
            return []
        found = self._batch(
            [
                {
                    "method": "GET",
                    "uri": f"{resource}?"
                    + urlencode({parent_param: parent_id, "languageId": language_id, "full": 1}),
                }
                for parent_id, _values in texts
            ]
        )
        writes = []
        for (parent_id, values), (_status, body) in zip(texts, found, strict=True):
            row = next(iter(_items(body)), None)
            if row and row.get("id"):
                writes.append({"method": "PUT", "uri": f"{resource}/{row['id']}", "data": values})
            else:
                data = {
                    **values,
                    parent_field: {"id": parent_id},
                    "language": {"id": language_id},
                }
                writes.append({"method": "POST", "uri": resource, "data": data})
        return [(status or 0, body) for status, body in self._batch(writes)]

    # ------------------------------------------------------------------ customers

    def export_customers(self, items, language=None) -> list[dict]:
        """``customerExtend``: a create whose e-mail the shop knows updates that customer
        (adopted). New customers get a random password (bcrypt, as the API requires): they
        set their own through the shop's "forgotten password"."""
        del language
        items = [dict(item) for item in items]
        creates = [i for i, item in enumerate(items) if item["id"] is None]
        lookups = self._batch(
            [
                {
                    "method": "GET",
                    "uri": "customerExtend?"
                    + urlencode({"email": items[i]["values"]["email"], "full": 1}),
                }
                for i in creates
            ]
        )
        adopted = set()
        for index, (_status, body) in zip(creates, lookups, strict=True):
            email = items[index]["values"]["email"].lower()
            match = next(
                (c for c in _items(body) if str(c.get("email") or "").lower() == email), None
            )
            if match and match.get("id"):
                items[index]["id"] = match["id"]
                adopted.add(index)
        countries = self._country_ids()
        writes = []
        for index, item in enumerate(items):
            create = item["id"] is None
            body = _customer_body(item["values"], countries, create=create or index in adopted)
            if create:
                writes.append({"method": "POST", "uri": "customerExtend", "data": body})
            else:
                writes.append(
                    {"method": "PUT", "uri": f"customerExtend/{item['id']}", "data": body}
                )
        return [
            _result(item, status, body, adopted=index in adopted)
            for index, (item, (status, body)) in enumerate(
                zip(items, self._batch(writes), strict=True)
            )
        ]

    def _country_ids(self) -> dict:
        """``{ISO code: country id}`` (``/countries`` has no ISO filter: read once)."""
        if getattr(self, "_countries", None) is None:
            self._countries = {
                str(c.get("isoCode2") or "").upper(): c.get("id")
                for c in self._all("countries")
                if c.get("id")
            }
        return self._countries

    def _language_id(self, language) -> str | None:
        """The shop's language id for an Odoo language ("hu_HU"), else its first one."""
        if getattr(self, "_languages", None) is None:
            self._languages = {
                str(lang.get("code") or "").lower(): lang.get("id")
                for lang in self._all("languages")
                if lang.get("id")
            }
        code = (language or "hu").split("_")[0].lower()
        return self._languages.get(code) or next(iter(self._languages.values()), None)


# ---------------------------------------------------------------------- bodies


def _product_body(values, language_id, create):
    body = {}
    if "sku" in values:
        body["sku"] = values["sku"] or ""
    if "barcode" in values:
        body["gtin"] = values["barcode"] or ""
    if "weight" in values:
        body["weight"] = format(values["weight"], "f") if values["weight"] else "0"
    if "published" in values:
        body["status"] = "1" if values["published"] else "0"
    if "brand_id" in values:
        body["manufacturer"] = {"id": values["brand_id"]} if values["brand_id"] else {}
    if "category_ids" in values:
        body["productCategoryRelations"] = [
            {"category": {"id": cid}} for cid in values["category_ids"]
        ]
    if "images" in values:
        images = values["images"]
        body["mainPicture"] = images[0]["id"] if images else ""
    if "regular_price" in values:
        body["price"] = format(values["regular_price"], "f")
    if "stock_quantity" in values:
        body["stock1"] = str(int(values["stock_quantity"]))
        body["subtractStock"] = "1"
    if create:
        body["productDescriptions"] = [{**_description(values), "language": {"id": language_id}}]
    return body


def _description(values):
    text = {}
    if "name" in values:
        text["name"] = values["name"]
    if "description" in values:
        text["description"] = values["description"] or ""
    return text


def _customer_body(values, countries, create):
    body = {}
    for key, field in (
        ("first_name", "firstname"),
        ("last_name", "lastname"),
        ("email", "email"),
        ("phone", "telephone"),
    ):
        if key in values:
            body[field] = values[key] or ""
    if create:
        body.update(status="1", approved="1", newsletter="0", password=_random_password())
    if values.get("group_id"):
        body["customerGroup"] = {"id": values["group_id"]}
    if "billing" in values or "shipping" in values:
        addresses = [values.get("billing"), values.get("shipping")]
        body["addresses"] = [_address(a, countries) for a in addresses if a]
    return body


def _address(address, countries):
    body = {
        "firstname": address.get("first_name") or "",
        "lastname": address.get("last_name") or "",
        "company": address.get("company") or "",
        "taxNumber": address.get("vat") or "",
        "type": "business" if address.get("company") else "private",
        "address1": address.get("street") or "",
        "address2": address.get("street2") or "",
        "postcode": address.get("zip") or "",
        "city": address.get("city") or "",
    }
    country = countries.get((address.get("country_code") or "").upper())
    if country:
        body["country"] = {"id": country}
    return body


def _random_password():
    """A bcrypt hash of a random password (passlib comes with Odoo)."""
    return bcrypt.using(rounds=10).hash(secrets.token_urlsafe(18))


def _file_name(name):
    """A picture's file name as Shoprenter takes it: English letters, digits, ``()_-.``."""
    return FILE_NAME_UNSAFE.sub("-", name).strip("-") or "picture.jpg"


# ---------------------------------------------------------------------- answers


def _items(body) -> list[dict]:
    items = body.get("items") if isinstance(body, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _result(item, status, body, adopted=False) -> dict:
    result = {
        "key": item.get("key"),
        "id": item.get("id"),
        "ok": False,
        "adopted": adopted,
        "status": status,
        "code": None,
        "message": None,
        "retryable": False,
    }
    if status is None:
        return {
            **result,
            "code": "storesync_missing_item",
            "message": "The shop's batch answer has no entry for this item.",
            "retryable": True,
        }
    body = body if isinstance(body, dict) else {}
    if status >= 300:
        return {
            **result,
            "code": None if body.get("error") in (None, "") else str(body.get("error")),
            "message": str(body.get("message") or f"HTTP {status}"),
            "retryable": status >= 500 or status == 429,
        }
    remote_id = body.get("id") or item.get("id")
    if not remote_id:
        return {
            **result,
            "code": "storesync_missing_id",
            "message": "The shop's answer for this item has no id.",
            "retryable": True,
        }
    return {**result, "ok": True, "id": str(remote_id)}
