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
import hashlib
import re
import secrets
import unicodedata
from urllib.parse import urlencode

from passlib.hash import bcrypt

from .fields import empty
from .shoprenter_mapping import batch_answer_problem, href_id, inner_id_of

#: characters Shoprenter takes in an uploaded file's name
FILE_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9()_\-.]+")
#: the values at the end of a variant's name, "Póló (M, Piros)"
CHILD_SUFFIX = re.compile(r"\(([^()]*)\)\s*$")


class ShoprenterCatalogue:
    """``export_categories``, ``export_brands``, ``export_products``, ``export_customers``."""

    catalogue_export = True
    catalogue_variants = True
    customer_export = True
    #: what the shop refuses a customer without (40003/40005): a phone and a postal address
    customer_required = ("phone", "street", "zip", "city", "country_code")
    image_transport = "upload"
    # "delivery_status": the shop's own stock statuses ("2-3 napon belül szállítható") are
    # its delivery times; the one mapped to the product's lead time is its inStockStatus.
    catalogue_values = frozenset({"brand", "delivery_status"})
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
        found = self._find_by(
            "manufacturers", "name", [items[i]["values"]["name"] for i in creates], str.strip
        )
        adopted = set()
        for index, manufacturer_id in zip(creates, found, strict=True):
            if manufacturer_id:
                items[index] = {**items[index], "id": manufacturer_id}
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
        found instead (adopted). An item with ``options`` or ``variants`` is a product with
        variants: the product type and its list attributes are found or made first
        (``_variant_structures``), the item's product is the parent and every variant a
        child product of its own (``_export_variants``).
        """
        items = [{**item, "values": dict(item["values"])} for item in items]
        language_id = self._language_id(language)
        results: list[dict | None] = [None] * len(items)
        # 1. pictures (the products' and the variants' own)
        uploads, owners = [], []
        for index, item in enumerate(items):
            pictures = [i for i in item["values"].get("images") or () if not i.get("id")]
            for variant in item.get("variants") or ():
                image = variant["values"].get("image")
                if image and image.get("content"):
                    # Sent only when it changed: always uploaded (the same file name is
                    # overwritten), whatever id the last picture had.
                    pictures.append(image)
            for image in pictures:
                path = "product/" + _file_name(image["name"])
                image["id"] = path
                uploads.append(_upload(path, image["content"]))
                owners.append(index)
        for index, (status, body) in zip(owners, self._batch(uploads), strict=True):
            if (status is None or status >= 300) and results[index] is None:
                results[index] = _result(items[index], status, body)
        # 2. who is there already (by SKU): products, parents of variants, variants
        for item in items:
            if item["id"] is None and _has_variants(item):
                item["values"].setdefault("sku", _parent_sku(item))
        wanted = [
            (index, None)
            for index, item in enumerate(items)
            if item["id"] is None and results[index] is None and item["values"].get("sku")
        ]
        wanted += [
            (index, position)
            for index, item in enumerate(items)
            if results[index] is None
            for position, variant in enumerate(item.get("variants") or ())
            if variant["id"] is None and variant["values"].get("sku")
        ]
        found = self._find_by(
            "productExtend",
            "sku",
            [
                (items[i] if p is None else items[i]["variants"][p])["values"]["sku"]
                for i, p in wanted
            ],
        )
        adopted, adopted_variants = set(), set()
        for (index, position), product_id in zip(wanted, found, strict=True):
            if not product_id:
                continue
            if position is None:
                items[index]["id"] = product_id
                # The shop's product keeps what Odoo has nothing of (a description,
                # pictures): only values are sent, no blanks.
                items[index]["values"] = _unblank(items[index]["values"])
                adopted.add(index)
            else:
                variant = dict(items[index]["variants"][position], id=product_id)
                items[index]["variants"] = [
                    variant if p == position else v for p, v in enumerate(items[index]["variants"])
                ]
                adopted_variants.add((index, position))
        # 3. product types, attributes and their values for products with variants
        structures = self._variant_structures(
            {
                index: _option_lines(item)
                for index, item in enumerate(items)
                if results[index] is None and _needs_structure(item)
            },
            language_id,
        )
        for index, structure in structures.items():
            if "error" in structure:
                results[index] = _result(items[index], *structure["error"])
        # 4. the products
        writes, owners = [], []
        for index, item in enumerate(items):
            if results[index] is not None:
                continue
            body = _product_body(item["values"], language_id, create=item["id"] is None)
            if _has_variants(item):
                body.update(_parent_extras(item, structures.get(index), index in adopted))
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
        # 5. texts of products the shop had, in the shop's language only
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
        # 6. the pictures after the main one
        pictured = [
            i for i, item in enumerate(items) if results[i]["ok"] and "images" in item["values"]
        ]
        self._replace_product_images([items[i] for i in pictured], [results[i] for i in pictured])
        # 7. the variants: child products under their parent
        variants, texted_children = self._export_variants(
            items, results, structures, adopted_variants, language_id
        )
        # 8. a renamed product's variants are renamed with it
        self._rename_children(
            [i for i in texted if results[i]["ok"] and i not in adopted],
            items,
            results,
            texted_children,
            language_id,
        )
        for index, item in enumerate(items):
            results[index]["images"] = [image["id"] for image in item["values"].get("images") or ()]
            results[index]["variants"] = variants.get(index, []) if results[index]["ok"] else None
        return results

    def _find_by(self, resource, field, wanted, fold=str) -> list[str | None]:
        """The id of the shop's ``resource`` whose ``field`` is each of ``wanted`` (compared
        through ``fold``: case, spaces), else None: ``GET <resource>?<field>=``, one batch."""
        lookups = self._batch(
            [
                {"method": "GET", "uri": f"{resource}?" + urlencode({field: value, "full": 1})}
                for value in wanted
            ]
        )
        return [
            next(
                (
                    row["id"]
                    for row in _items(body)
                    if row.get("id") and fold(str(row.get(field) or "")) == fold(value)
                ),
                None,
            )
            for value, (_status, body) in zip(wanted, lookups, strict=True)
        ]

    # ------------------------------------------------------------------ variants

    def _variant_structures(self, wanted, language_id) -> dict:
        """The product type of each ``{index: [(attribute name, [value names])]}``:
        ``{index: {"class": id, "values": {(name, value): value id}, "attributes": {name:
        id}}}`` or ``{index: {"error": (status, body)}}``.

        A list attribute is the one whose name in the shop's language is the option's name,
        else the one whose (technical, ``[a-z0-9_]``) name is the option's slug; a value is
        the attribute's value of that name. A product type is the one whose two variant
        parameters are these attributes, else one is made, named after the attributes (a
        type of that name without parameters, e.g. ours whose answer was lost, is taken).
        Everything is looked up before it is made: a lost answer never makes a second one.
        """
        if not wanted:
            return {}
        names = list(dict.fromkeys(name for lines in wanted.values() for name, _v in lines))
        values_of = {name: [] for name in names}
        for lines in wanted.values():
            for name, values in lines:
                values_of[name] += [v for v in values if v not in values_of[name]]
        failed = {}  # attribute name or class key -> (status, body)
        # Reads: attributes (by name in the shop's language, by technical name), types.
        by_label = {}
        for row in self._all("attributeDescriptions", {"languageId": language_id}):
            if "/listAttributes/" in str((row.get("attribute") or {}).get("href") or ""):
                by_label.setdefault(_norm(row.get("name")), href_id(row["attribute"], "attribute"))
        by_slug = {a.get("name"): a.get("id") for a in self._all("listAttributes") if a.get("id")}
        attributes, labelled = {}, set()
        for name in names:
            attributes[name] = by_label.get(_norm(name)) or by_slug.get(_slug(name))
            if attributes[name] in by_label.values():
                labelled.add(name)  # named in the shop's language already (maybe otherwise)
        # Round 1: new attributes; the values of the attributes the shop has.
        new = [name for name in names if not attributes[name]]
        known = [name for name in names if attributes[name]]
        answers = self._batch(
            [
                {
                    "method": "POST",
                    "uri": "listAttributes",
                    "data": {
                        "type": "LIST",
                        "name": _slug(name),
                        "priority": "NORMAL",
                        "required": "0",
                        "presentation": "TEXT",
                    },
                }
                for name in new
            ]
            + [
                {
                    "method": "GET",
                    "uri": "listAttributeValues?"
                    + urlencode({"listAttributeId": attributes[name], "full": 1, "limit": 200}),
                }
                for name in known
            ]
        )
        value_ids = {}
        for name, (status, body) in zip(new, answers[: len(new)], strict=True):
            if _ok(status) and isinstance(body, dict) and body.get("id"):
                attributes[name] = body["id"]
            else:
                failed[name] = (status, body)
        shop_values = {
            name: [v["id"] for v in _items(body) if v.get("id")]
            for name, (_status, body) in zip(known, answers[len(new) :], strict=True)
        }
        if any(shop_values.values()):
            labels = {}
            for row in self._all("listAttributeValueDescriptions", {"languageId": language_id}):
                value = href_id(row.get("listAttributeValue"), "listAttributeValue")
                labels.setdefault(value, _norm(row.get("name")))
            for name, ids in shop_values.items():
                for value in values_of[name]:
                    match = next((v for v in ids if labels.get(v) == _norm(value)), None)
                    if match:
                        value_ids[(name, value)] = match
        # The product type of each combination of attributes.
        classes = self._all("productClasses")
        taken = {str(c.get("name") or "") for c in classes}
        keys, orders = {}, {}
        for index, lines in wanted.items():
            key = tuple(attributes[name] for name, _v in lines)
            if all(key):
                # one type per set of attributes, whatever order a template has them in
                keys[index] = orders.setdefault(frozenset(key), key)
        plans = {}  # class key -> {"id", "name", "attached" (None: read them)}
        for key in dict.fromkeys(keys.values()):
            match = next((c for c in classes if _class_params(c) == set(key)), None)
            if match:
                plans[key] = {"id": match["id"], "ready": True}
                continue
            label = " / ".join(
                next(n for n in names if attributes[n] == attribute) for attribute in key
            )
            name, number = label, 1
            while name in taken:
                spare = next(
                    (c for c in classes if c.get("name") == name and not _class_params(c)), None
                )
                if spare:
                    plans[key] = {"id": spare["id"], "ready": False, "read": True}
                    break
                number += 1
                name = f"{label} ({number})"
            else:
                taken.add(name)
                plans[key] = {"id": None, "ready": False, "name": name}
        # Round 2: names of new attributes, new values, new types, attached attributes.
        requests_, owners = [], []
        for name in names:
            if attributes[name] and name not in labelled:
                requests_.append(
                    {
                        "method": "POST",
                        "uri": "attributeDescriptions",
                        "data": {
                            "name": name,
                            "attribute": {"id": attributes[name]},
                            "language": {"id": language_id},
                        },
                    }
                )
                owners.append(("label", name, None))
            if not attributes[name]:
                continue
            for value in values_of[name]:
                if (name, value) not in value_ids:
                    requests_.append(
                        {
                            "method": "POST",
                            "uri": "listAttributeValues",
                            "data": {"listAttribute": {"id": attributes[name]}},
                        }
                    )
                    owners.append(("value", name, value))
        for key, plan in plans.items():
            if plan["id"] is None:
                requests_.append(
                    {"method": "POST", "uri": "productClasses", "data": {"name": plan["name"]}}
                )
                owners.append(("class", key, None))
            elif plan.get("read"):
                requests_.append(
                    {
                        "method": "GET",
                        "uri": "productClassAttributeRelations?"
                        + urlencode({"productClassId": plan["id"], "full": 1, "limit": 200}),
                    }
                )
                owners.append(("attached", key, None))
        for (kind, name, value), (status, body) in zip(owners, self._batch(requests_), strict=True):
            good = _ok(status) and isinstance(body, dict)
            if kind == "label" and not good:
                failed[name] = (status, body)
            elif kind == "value":
                if good and body.get("id"):
                    value_ids[(name, value)] = body["id"]
                else:
                    failed[name] = (status, body)
            elif kind == "class":
                if good and body.get("id"):
                    plans[name]["id"] = body["id"]
                    plans[name]["attached"] = set()
                else:
                    failed[name] = (status, body)
            elif kind == "attached":
                plans[name]["attached"] = {
                    href_id(r.get("attribute"), "attribute") for r in _items(body)
                }
        # Round 3: the values' names; attributes attached to new types, then made their
        # variant parameters (in this order: a parameter must be attached first).
        requests_, owners = [], []
        for (name, value), value_id in list(value_ids.items()):
            if value_id in shop_values.get(name, ()):
                continue
            requests_.append(
                {
                    "method": "POST",
                    "uri": "listAttributeValueDescriptions",
                    "data": {
                        "name": value,
                        "language": {"id": language_id},
                        "listAttributeValue": {"id": value_id},
                    },
                }
            )
            owners.append(name)
        for key, plan in plans.items():
            if plan["ready"] or not plan["id"]:
                continue
            for attribute in key:
                if attribute not in plan.get("attached", set()):
                    requests_.append(
                        {
                            "method": "POST",
                            "uri": "productClassAttributeRelations",
                            "data": {
                                "productClass": {"id": plan["id"]},
                                "attribute": {"id": attribute},
                            },
                        }
                    )
                    owners.append(key)
            params = {"firstVariantParameter": {"id": key[0]}}
            if len(key) > 1:
                params["secondVariantParameter"] = {"id": key[1]}
            requests_.append(
                {"method": "PUT", "uri": f"productClasses/{plan['id']}", "data": params}
            )
            owners.append(key)
        for owner, (status, body) in zip(owners, self._batch(requests_), strict=True):
            if not _ok(status):
                failed.setdefault(owner, (status, body))
        structures = {}
        for index, lines in wanted.items():
            error = next((failed[name] for name, _v in lines if name in failed), None)
            key = keys.get(index)
            if error is None:
                error = failed.get(key) if key is not None else (None, None)
            if error is None and not plans[key]["id"]:
                error = (None, None)
            if error is not None:
                structures[index] = {"error": error}
                continue
            structures[index] = {
                "class": plans[key]["id"],
                "attributes": {name: attributes[name] for name, _v in lines},
                "values": {
                    (name, value): value_ids[(name, value)]
                    for name, values in lines
                    for value in values
                    if (name, value) in value_ids
                },
            }
        return structures

    def _export_variants(self, items, results, structures, adopted, language_id) -> tuple:
        """The variants of the products written: ``({index: [variant results]}, {ids of
        the children whose texts were written whole})``.

        The parent is a shell, not one of the choices (ex08's first way: "a product named
        parent and two more, the children"): every Odoo variant is then a child product of
        its own, with its own SKU, price and stock, so the stock and price exports reach
        each variant directly, a variant can be archived without touching the listing, and
        the template's texts and pictures never fight a variant's SKU on one product. The
        parent is not orderable and carries the lowest price for the listings.
        """
        out = {}
        jobs = [
            (index, position, variant)
            for index, item in enumerate(items)
            if results[index]["ok"]
            for position, variant in enumerate(item.get("variants") or ())
        ]
        if not jobs:
            return out, set()
        named = {
            index
            for index, position, variant in jobs
            if variant["id"] is None
            or (index, position) in adopted
            or "options" in variant["values"]
        }
        parents = self._parent_texts(items, sorted(named), language_id)
        writes, owners = [], []
        for index, position, variant in jobs:
            item, values = items[index], variant["values"]
            fresh = variant["id"] is None or (index, position) in adopted
            body = _product_body(
                {
                    **values,
                    **(_child_text(parents[index], values) if variant["id"] is None else {}),
                },
                language_id,
                create=variant["id"] is None,
            )
            if fresh or "options" in values:
                body["productClass"] = {"id": structures[index]["class"]}
            if fresh:
                body["parentProduct"] = {"id": item["id"]}
            if values.get("image"):
                body["mainPicture"] = values["image"]["id"]
            elif fresh and item["values"].get("images"):
                body["mainPicture"] = item["values"]["images"][0]["id"]
            elif "image" in values:
                body["mainPicture"] = ""
            if variant["id"] is None:
                writes.append({"method": "POST", "uri": "productExtend", "data": body})
            elif body:
                writes.append(
                    {"method": "PUT", "uri": f"productExtend/{variant['id']}", "data": body}
                )
            else:
                owners.append((index, position, None))
                continue
            owners.append((index, position, len(writes) - 1))
        answers = self._batch(writes)
        answered = {}
        for index, position, slot in owners:
            variant = items[index]["variants"][position]
            status, body = answers[slot] if slot is not None else (200, {"id": variant["id"]})
            result = _result(variant, status, body, adopted=(index, position) in adopted)
            image = variant["values"].get("image")
            result.update(parent_id=None, images=[image["id"]] if image else [])
            out.setdefault(index, []).append(result)
            answered[(index, position)] = result
        # Their values of the list attributes (productListAttributeValueRelations: read-only
        # in productExtend, a resource of its own), and the texts of adopted or re-valued ones.
        valued = [
            (index, position)
            for index, position, variant in jobs
            if answered[(index, position)]["ok"] and "options" in variant["values"]
        ]
        self._write_list_values(items, answered, structures, valued, adopted)
        renamed = [
            (index, position)
            for index, position, variant in jobs
            if answered[(index, position)]["ok"]
            and variant["id"] is not None
            and ((index, position) in adopted or "options" in variant["values"])
        ]
        texts = self._write_descriptions(
            "productDescriptions",
            "productId",
            "product",
            [
                (
                    answered[(i, p)]["id"],
                    _child_text(parents[i], items[i]["variants"][p]["values"])
                    if (i, p) in adopted
                    else {
                        "name": _child_text(parents[i], items[i]["variants"][p]["values"])["name"]
                    },
                )
                for i, p in renamed
            ],
            language_id,
        )
        for (index, position), (status, body) in zip(renamed, texts, strict=True):
            if status >= 300:
                answered[(index, position)].update(
                    _result(items[index]["variants"][position], status, body)
                )
        texted = {
            answered[(i, p)]["id"]
            for i, p, v in jobs
            if answered[(i, p)]["ok"] and (v["id"] is None or (i, p) in adopted)
        }
        return out, texted

    def _parent_texts(self, items, indexes, language_id) -> dict:
        """``{index: {"name", "description"}}``: the parent's text in the shop's language
        (from the item, else read from the shop), for its children's names."""
        texts = {}
        missing = []
        for index in indexes:
            values = items[index]["values"]
            if "name" in values and "description" in values:
                texts[index] = _description(values)
            else:
                missing.append(index)
        answers = self._batch(
            [
                {
                    "method": "GET",
                    "uri": "productDescriptions?"
                    + urlencode(
                        {"productId": items[i]["id"], "languageId": language_id, "full": 1}
                    ),
                }
                for i in missing
            ]
        )
        for index, (_status, body) in zip(missing, answers, strict=True):
            row = next(iter(_items(body)), {})
            text = {
                "name": _plain(row.get("name")),
                "description": _plain(row.get("description")),
            }
            texts[index] = {**text, **_description(items[index]["values"])}
        return texts

    def _write_list_values(self, items, answered, structures, valued, adopted):
        """Give each child its value of each variant attribute: the relations it has to
        other values of those attributes are deleted, the missing ones added."""
        if not valued:
            return
        reread = [(i, p) for i, p in valued if items[i]["variants"][p]["id"] is not None]
        existing = self._batch(
            [
                {
                    "method": "GET",
                    "uri": "productListAttributeValueRelations?"
                    + urlencode({"productId": answered[key]["id"], "full": 1, "limit": 200}),
                }
                for key in reread
            ]
        )
        has = {
            key: {
                href_id(r.get("listAttributeValue"), "listAttributeValue"): r.get("id")
                for r in _items(body)
            }
            for key, (_status, body) in zip(reread, existing, strict=True)
        }
        writes, owners = [], []
        for index, position in valued:
            structure = structures[index]
            ours = set(structure["values"].values())
            wanted = {
                structure["values"].get((name, value))
                for name, value in items[index]["variants"][position]["values"]["options"].items()
            } - {None}
            product_id = answered[(index, position)]["id"]
            current = has.get((index, position), {})
            for value_id, relation_id in current.items():
                if value_id in ours and value_id not in wanted and relation_id:
                    writes.append(
                        {
                            "method": "DELETE",
                            "uri": f"productListAttributeValueRelations/{relation_id}",
                        }
                    )
                    owners.append((index, position))
            for value_id in sorted(wanted - set(current)):
                writes.append(
                    {
                        "method": "POST",
                        "uri": "productListAttributeValueRelations",
                        "data": {
                            "product": {"id": product_id},
                            "listAttributeValue": {"id": value_id},
                        },
                    }
                )
                owners.append((index, position))
        for key, write, (status, body) in zip(owners, writes, self._batch(writes), strict=True):
            if write["method"] == "DELETE" and status == 404:
                continue
            if not _ok(status):
                variant = items[key[0]]["variants"][key[1]]
                answered[key].update(_result(variant, status, body, adopted=key in adopted))

    def _rename_children(self, indexes, items, results, done, language_id):
        """A product whose name or description changed passes it on to its variants (the
        children the shop has under it; those written in this run have theirs already). A
        child's name keeps its values: "Póló (M, Piros)" becomes "Ing (M, Piros)"."""
        parents = [i for i in indexes if results[i]["ok"] and inner_id_of(items[i]["id"] or "")]
        if not parents:
            return
        listings = self._batch(
            [
                {
                    "method": "GET",
                    "uri": "productExtend?"
                    + urlencode(
                        {
                            "parentProductId": inner_id_of(items[i]["id"]),
                            "full": 1,
                            "limit": 200,
                        }
                    ),
                }
                for i in parents
            ]
        )
        texts, owners = [], []
        for index, (_status, body) in zip(parents, listings, strict=True):
            values = items[index]["values"]
            for child in _items(body):
                if not child.get("id") or child["id"] in done or child["id"] == items[index]["id"]:
                    continue
                text = {}
                if "name" in values:
                    current = next(
                        (
                            d.get("name")
                            for d in child.get("productDescriptions") or ()
                            if isinstance(d, dict)
                            and href_id(d.get("language"), "language") == language_id
                        ),
                        "",
                    )
                    suffix = CHILD_SUFFIX.search(_plain(current))
                    text["name"] = values["name"] + (f" ({suffix.group(1)})" if suffix else "")
                if "description" in values:
                    text["description"] = values["description"] or ""
                texts.append((child["id"], text))
                owners.append(index)
        answers = self._write_descriptions(
            "productDescriptions", "productId", "product", texts, language_id
        )
        for index, (status, body) in zip(owners, answers, strict=True):
            if status >= 300 and results[index]["ok"]:
                results[index].update(_result(items[index], status, body))

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
        found = self._find_by(
            "customerExtend", "email", [items[i]["values"]["email"] for i in creates], str.lower
        )
        adopted = set()
        for index, customer_id in zip(creates, found, strict=True):
            if customer_id:
                items[index]["id"] = customer_id
                items[index]["values"] = _unblank(items[index]["values"])
                adopted.add(index)
        countries = self._country_ids()
        writes = []
        for item in items:
            create = item["id"] is None
            # An adopted account keeps its password, status and newsletter choice.
            body = _customer_body(item["values"], countries, create=create)
            if "group_id" in item["values"] and not item["values"]["group_id"]:
                # No group of its own (any more): the shop's default group.
                default = next((g["id"] for g in self._customer_groups() if g["default"]), None)
                if default:
                    body["customerGroup"] = {"id": default}
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

    def _delivery_times(self) -> list[dict]:
        """The shop's stock statuses (read-only in the API) with their Hungarian names:
        ``[{"id", "title"}]``."""
        hungarian = self._language_id("hu_HU")
        titles = {}
        for description in self._all("stockStatusDescriptions"):
            status = href_id(description.get("stockStatus"), "stockStatus")
            language = href_id(description.get("language"), "language")
            if status and (status not in titles or language == hungarian):
                titles[status] = str(description.get("name") or "")
        return [
            {"id": sid, "title": titles.get(sid) or sid}
            for sid in (
                status.get("id") or href_id(status, "stockStatus")
                for status in self._all("stockStatuses")
            )
            if sid
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
    if "delivery_status" in values:
        status = values["delivery_status"]
        body["inStockStatus"] = {"id": status} if status else {}
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


def _unblank(values) -> dict:
    """``values`` without the empty ones (None, "", [], {})."""
    return {k: v for k, v in values.items() if not empty(v)}


def _file_name(name):
    """A picture's file name as Shoprenter takes it: English letters, digits, ``()_-.``."""
    return FILE_NAME_UNSAFE.sub("-", name).strip("-") or "picture.jpg"


# ---------------------------------------------------------------------- variants


def _has_variants(item) -> bool:
    return bool(item["values"].get("options") or item.get("variants"))


def _needs_structure(item) -> bool:
    """Whether this run touches the item's product type or its variants' values."""
    return "options" in item["values"] or any(
        "options" in v["values"] for v in item.get("variants") or ()
    )


def _option_lines(item) -> list[tuple[str, list[str]]]:
    """``[(attribute name, [value names])]`` of a product with variants, in the template's
    order, with every value its variants in this item use."""
    lines = {o["name"]: list(o["values"]) for o in item["values"].get("options") or ()}
    for variant in item.get("variants") or ():
        for name, value in (variant["values"].get("options") or {}).items():
            values = lines.setdefault(name, [])
            if value not in values:
                values.append(value)
    return list(lines.items())


def _parent_sku(item) -> str:
    """A SKU for the parent (Shoprenter wants one; an Odoo template with variants has
    none): the variants' common SKU prefix and the template's key, so it stays the same
    on the next run and a lost answer is found again by it."""
    skus = [v["values"].get("sku") or "" for v in item.get("variants") or ()]
    prefix = ""
    if skus and all(skus):
        first, last = min(skus), max(skus)
        while prefix != first and last.startswith(first[: len(prefix) + 1]):
            prefix = first[: len(prefix) + 1]
    prefix = prefix.rstrip("-_/. ")
    return f"{prefix or 'ODOO'}-P{item['key']}"


def _parent_extras(item, structure, adopted) -> dict:
    """The parent's product type; a new (or adopted) parent is a shell: not orderable,
    priced at its cheapest variant for the listings."""
    extras = {}
    fresh = item["id"] is None or adopted
    if structure and "class" in structure and ("options" in item["values"] or fresh):
        extras["productClass"] = {"id": structure["class"]}
    if fresh:
        extras["orderable"] = "0"
        prices = [
            v["values"]["regular_price"]
            for v in item.get("variants") or ()
            if v["values"].get("regular_price") is not None
        ]
        if prices:
            extras["price"] = format(min(prices), "f")
    return extras


def _class_params(product_class) -> set:
    """The ids of a product type's variant parameters."""
    return {
        href_id(product_class.get(field), field)
        for field in ("firstVariantParameter", "secondVariantParameter")
    } - {None}


def _child_text(parent, values) -> dict:
    """A variant's name: the parent's with its values, "Póló (M, Piros)"."""
    options = ", ".join(str(v) for v in (values.get("options") or {}).values())
    name = parent.get("name") or ""
    return {
        "name": f"{name} ({options})" if options else name,
        "description": parent.get("description") or "",
    }


def _upload(path, content):
    return {
        "method": "POST",
        "uri": "files",
        "data": {
            "filePath": path,
            "type": "image",
            "attachment": base64.b64encode(content).decode(),
        },
    }


def _slug(name) -> str:
    """A list attribute's technical name: lowercase English letters, digits, ``_``."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return slug or "attribute_" + hashlib.sha1(str(name).encode()).hexdigest()[:8]


def _norm(text) -> str:
    return " ".join(_plain(text).split()).casefold()


def _plain(value) -> str:
    """A text field (the API prints an empty one as ``{}``)."""
    return value if isinstance(value, str) else ""


def _ok(status) -> bool:
    return status is not None and 200 <= status < 300


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
    problem = batch_answer_problem(status, body)
    if problem:
        # an update of something the shop deleted: 404
        return {**result, **problem, "gone": status == 404 and item.get("id") is not None}
    body = body if isinstance(body, dict) else {}
    remote_id = body.get("id") or item.get("id")
    if not remote_id:
        return {
            **result,
            "code": "storesync_missing_id",
            "message": "The shop's answer for this item has no id.",
            "retryable": True,
        }
    return {**result, "ok": True, "id": str(remote_id)}
