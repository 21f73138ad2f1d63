"""The catalogue going to WooCommerce: categories, brands, products and their variations.

Mixed into ``WooCommerceAdapter``; pure Python like the rest of the adapter. Everything goes
through the batch endpoints (``{"create", "update"}``, at most ``batch_limit`` items a call,
per-item answers in request order, docs/catalogue.md). What WooCommerce core has no place for
(quantity tiers, customer groups, a delivery time) is simply not sent.
"""

import secrets

from .errors import StoreSyncError
from .fields import empty
from .woocommerce_mapping import batch_answer_problem

#: WooCommerce's answer when a term (category, brand) of that name exists under that parent
TERM_EXISTS = "term_exists"
#: ... and when another product or variation owns the SKU
SKU_TAKEN = "product_invalid_sku"
#: the codes ending an update's error when the thing is not in the shop (any more)
GONE_CODES = ("_invalid_id", "_term_invalid")
#: ... and when an account has that e-mail address
EMAIL_TAKEN = "registration-error-email-exists"


class WooCommerceCatalogue:
    """``export_categories``, ``export_brands`` and ``export_products`` for WooCommerce."""

    catalogue_export = True
    catalogue_variants = True
    customer_export = True
    image_transport = "url"
    catalogue_values = frozenset({"brand"})

    def export_categories(self, items, language=None) -> list[dict]:
        """``products/categories/batch``; a name that exists under the same parent is that
        category (``term_exists`` names it): adopted."""
        del language  # one text per category in WooCommerce core
        return self._export_terms("products/categories", items, _category_body)

    def export_brands(self, items, language=None) -> list[dict]:
        """``products/brands/batch`` (WooCommerce 9.4+ core Brands). A store without brands
        answers 404: every item fails, not retryable, with a message saying so."""
        del language
        try:
            return self._export_terms("products/brands", items, _brand_body)
        except StoreSyncError as error:
            if error.status != 404:
                raise
            message = (
                "This store has no product brands (WooCommerce 9.4 or later has them): "
                f"{error.message}"
            )
            return [_failed(item, 404, "rest_no_route", message) for item in items]

    def export_products(self, items, language=None) -> list[dict]:
        """``products/batch``, then each product's ``variations/batch``.

        A create refused for its SKU (``product_invalid_sku`` with the owner's id) updates
        the product that owns it instead: the shop's product is adopted, not duplicated.
        """
        del language  # one text per product in WooCommerce core (plugins add languages)
        items = list(items)
        results = self._send_batch("products", items, _product_body, adopt_code=SKU_TAKEN)
        for item, result in zip(items, results, strict=True):
            result["images"] = _image_ids(result.pop("data", None), "images")
            variants = item.get("variants") or []
            if not result["ok"] or not variants:
                result["variants"] = [] if result["ok"] else None
                continue
            path = f"products/{result['id']}/variations"
            answers = self._send_batch(path, variants, _variation_body)
            for answer in answers:
                answer["parent_id"] = result["id"]
                answer["images"] = _image_ids(answer.pop("data", None), "image")
            result["variants"] = answers
        return results

    def export_customers(self, items, language=None) -> list[dict]:
        """``customers/batch``; a create whose e-mail has an account already
        (``registration-error-email-exists``) updates that account, found by
        ``GET customers?email=`` (adopted). New accounts get a random password: WooCommerce
        needs one when the shop does not generate them, and the buyer sets their own through
        "Lost your password?"."""
        del language
        items = list(items)
        results = self._send_batch("customers", items, _customer_body)
        adopt = []
        for position, (item, result) in enumerate(zip(items, results, strict=True)):
            result.pop("data", None)
            if item["id"] is None and result["code"] == EMAIL_TAKEN:
                email = item["values"].get("email")
                data, _response = self._request(
                    "GET", self.api_url("customers"), params={"email": email, "role": "all"}
                )
                found = [c for c in _list(data) if isinstance(c, dict) and c.get("id")]
                if found:
                    adopt.append((position, {**item, "id": str(found[0]["id"])}))
        if adopt:
            answers = self._send_batch("customers", [item for _pos, item in adopt], _customer_body)
            for (position, _item), answer in zip(adopt, answers, strict=True):
                answer.pop("data", None)
                results[position] = {**answer, "adopted": True}
        return results

    # ------------------------------------------------------------------ batches

    def _export_terms(self, path, items, make_body) -> list[dict]:
        results = self._send_batch(path, list(items), make_body, adopt_code=TERM_EXISTS)
        for result in results:
            result.pop("data", None)
        return results

    def _send_batch(self, path, items, make_body, adopt_code=None) -> list[dict]:
        """Creates and updates of ``items`` through ``<path>/batch``; results in input order,
        with the answer's object as ``data``. Creates refused with ``adopt_code`` whose error
        names the existing resource become updates of it (one more batch)."""
        results: list[dict | None] = [None] * len(items)
        jobs = [(position, item) for position, item in enumerate(items)]
        adopted = []
        for chunk in _chunks(jobs, self.batch_limit):
            answers = self._batch_call(path, chunk, make_body)
            for (position, item), answer in zip(chunk, answers, strict=True):
                result = _result(item, answer)
                owner = (answer.get("error") or {}).get("data", {}) if answer else {}
                if (
                    adopt_code
                    and item.get("id") is None
                    and not result["ok"]
                    and result["code"] == adopt_code
                    and owner.get("resource_id")
                ):
                    # The shop's product keeps what Odoo has nothing of (a description,
                    # pictures): only values are sent, no blanks.
                    values = {k: v for k, v in item["values"].items() if not empty(v)}
                    adopted.append(
                        (position, {**item, "id": owner["resource_id"], "values": values})
                    )
                results[position] = result
        for chunk in _chunks(adopted, self.batch_limit):
            answers = self._batch_call(path, chunk, make_body)
            for (position, item), answer in zip(chunk, answers, strict=True):
                results[position] = {**_result(item, answer), "adopted": True}
        return results

    def _batch_call(self, path, chunk, make_body) -> list[dict | None]:
        """One ``<path>/batch`` call; the answer of each job, in the chunk's order."""
        creates = [make_body(item["values"], True) for _pos, item in chunk if item["id"] is None]
        updates = [
            {"id": int(item["id"]), **make_body(item["values"], False)}
            for _pos, item in chunk
            if item["id"] is not None
        ]
        body = {key: value for key, value in (("create", creates), ("update", updates)) if value}
        # A batch with creates is never retried blindly: a lost answer would create twice.
        data, _response = self._request(
            "POST", self.api_url(f"{path}/batch"), json_body=body, idempotent=not creates
        )
        data = data if isinstance(data, dict) else {}
        created = iter(_list(data.get("create")))
        updated = iter(_list(data.get("update")))
        return [next(created if item["id"] is None else updated, None) for _pos, item in chunk]


# ---------------------------------------------------------------------- bodies


def _category_body(values, create):
    body = {}
    if "name" in values:
        body["name"] = values["name"]
    if "parent_id" in values or create:
        body["parent"] = int(values.get("parent_id") or 0)
    return body


def _brand_body(values, create):
    del create
    return {"name": values["name"]} if "name" in values else {}


def _product_body(values, create):
    """A product's values in WooCommerce's words; only the keys given."""
    body = _common_body(values)
    if "name" in values:
        body["name"] = values["name"]
    if "description" in values:
        body["description"] = values["description"] or ""
    if "short_description" in values:
        body["short_description"] = values["short_description"] or ""
    if "category_ids" in values:
        body["categories"] = [{"id": int(cid)} for cid in values["category_ids"]]
    if "brand_id" in values:
        body["brands"] = [{"id": int(values["brand_id"])}] if values["brand_id"] else []
    if "images" in values:
        body["images"] = [_image(image) for image in values["images"]]
    if "published" in values:
        body["status"] = "publish" if values["published"] else "draft"
    options = values.get("options")
    if create or options:
        # Options sent to a product the shop has: it got variants, it becomes variable.
        body["type"] = "variable" if options else "simple"
    if options is not None:
        body["attributes"] = [
            {
                "name": option["name"],
                "position": position,
                "visible": True,
                "variation": True,
                "options": list(option["values"]),
            }
            for position, option in enumerate(options)
        ]
    return body


def _variation_body(values, create):
    del create
    body = _common_body(values)
    if "image" in values:
        body["image"] = _image(values["image"]) if values["image"] else {}
    if "published" in values:
        # A variation has no draft: "private" takes it off the shop front.
        body["status"] = "publish" if values["published"] else "private"
    if "options" in values:
        body["attributes"] = [
            {"name": name, "option": option} for name, option in values["options"].items()
        ]
    return body


def _common_body(values):
    """Identity, stock and price values products and variations share."""
    body = {}
    if "sku" in values:
        body["sku"] = values["sku"] or ""
    if "barcode" in values:
        body["global_unique_id"] = values["barcode"] or ""
    if "weight" in values:
        weight = values["weight"]
        body["weight"] = format(weight.normalize(), "f") if weight else ""
    if "stock_quantity" in values:
        body["manage_stock"] = bool(values.get("manage_stock", True))
        body["stock_quantity"] = int(values["stock_quantity"])
    if "regular_price" in values:
        body["regular_price"] = _price_text(values["regular_price"])
    if "sale_price" in values:
        body["sale_price"] = _price_text(values["sale_price"])
    for key, field in (("sale_from", "date_on_sale_from_gmt"), ("sale_to", "date_on_sale_to_gmt")):
        if key in values:
            body[field] = values[key].isoformat() if values[key] else ""
    return body


def _customer_body(values, create):
    body = {}
    for key in ("email", "first_name", "last_name"):
        if key in values:
            body[key] = values[key] or ""
    if create:
        body["password"] = secrets.token_urlsafe(18)
    if "billing" in values:
        body["billing"] = _address(values["billing"], with_email=True)
    # No delivery address of its own: the shop's shipping address is the billing one.
    shipping = values.get("shipping") or values.get("billing")
    if shipping and ("shipping" in values or create):
        body["shipping"] = _address(shipping)
    return body


def _address(address, with_email=False):
    """An address in WooCommerce's words (billing carries the e-mail, both the phone)."""
    address = address or {}
    body = {
        "first_name": address.get("first_name") or "",
        "last_name": address.get("last_name") or "",
        "company": address.get("company") or "",
        "address_1": address.get("street") or "",
        "address_2": address.get("street2") or "",
        "city": address.get("city") or "",
        "state": address.get("state_code") or "",
        "postcode": address.get("zip") or "",
        "country": address.get("country_code") or "",
        "phone": address.get("phone") or "",
    }
    if with_email:
        body["email"] = address.get("email") or ""
    return body


def _price_text(value):
    return "" if value is None else format(value, "f")


def _image(image):
    """An image the store has already goes by its id: a ``src`` would be downloaded again."""
    if image.get("id"):
        return {"id": int(image["id"])}
    return {"src": image["url"], "name": image.get("name") or "", "alt": image.get("alt") or ""}


# ---------------------------------------------------------------------- answers


def _result(item, answer) -> dict:
    result = {
        "key": item.get("key"),
        "id": item.get("id"),
        "ok": False,
        "adopted": False,
        "status": 200,
        "code": None,
        "message": None,
        "retryable": False,
        "data": None,
    }
    problem = batch_answer_problem(answer)
    if problem:
        # An update of something the shop deleted: WooCommerce's "invalid id" codes.
        gone = item.get("id") is not None and str(problem["code"] or "").endswith(GONE_CODES)
        return {**result, **problem, "gone": gone}
    if not answer.get("id"):
        return {
            **result,
            "code": "storesync_missing_id",
            "message": "The store's answer for this item has no id.",
            "retryable": True,
        }
    return {**result, "ok": True, "id": str(answer["id"]), "data": answer}


def _failed(item, status, code, message) -> dict:
    return {
        "key": item.get("key"),
        "id": item.get("id"),
        "ok": False,
        "adopted": False,
        "status": status,
        "code": code,
        "message": message,
        "retryable": False,
    }


def _image_ids(answer, field) -> list[str]:
    if not isinstance(answer, dict):
        return []
    images = answer.get(field)
    if isinstance(images, dict):
        images = [images]
    return [
        str(image["id"]) for image in _list(images) if isinstance(image, dict) and image.get("id")
    ]


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _chunks(jobs, size):
    for start in range(0, len(jobs), size):
        yield jobs[start : start + size]
