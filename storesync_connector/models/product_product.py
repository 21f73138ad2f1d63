from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.fields import Domain

from ..adapters import PayloadError
from .storesync_inbox import batch_prepared

#: variant fields the catalogue sent to the stores holds
VARIANT_CATALOGUE_FIELDS = {"default_code", "barcode", "weight", "image_variant_1920", "active"}


class ProductProduct(models.Model):
    _inherit = "product.product"

    storesync_binding_ids = fields.One2many(
        "storesync.product.binding", "product_id", string="Store Products"
    )

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        # A new template (it creates its variants) or a new variant of one: the template goes.
        products.product_tmpl_id._storesync_enqueue_catalogue()
        return products

    def write(self, vals):
        result = super().write(vals)
        if VARIANT_CATALOGUE_FIELDS & set(vals):
            self.product_tmpl_id._storesync_enqueue_catalogue()
        return result

    def _storesync_enqueue_prices(self, stores=None):
        """Queue the price of these products for the stores that sell them and export
        prices (all such stores, or only ``stores``)."""
        bindings = (
            self.env["storesync.product.binding"]
            .sudo()
            .search([("product_id", "in", self.ids), ("store_id.export_prices", "=", True)])
        )
        if stores is not None:
            bindings = bindings.filtered(lambda b: b.store_id in stores)
        pairs = [(binding.store_id.id, binding.product_id.id) for binding in bindings]
        return self.env["storesync.outbox"].sudo()._enqueue_pairs("price", pairs)

    # ------------------------------------------------------------------ store products

    @api.model
    def _storesync_process_row(self, store, row):
        """A store product row becomes (or updates) its Odoo product."""
        product = store._map_product(
            row.payload, self.env["product.category"]._storesync_paths(store)
        )
        if product.type == "variable":
            return {
                "state": "skipped",
                "last_error": self.env._(
                    "Variable product: each variation becomes a product when an order sells it."
                ),
            }
        key = (store.id, product.external_id, product.variation_external_id or "0")
        made = batch_prepared(self.env).get("made_from_rows", {}).get(key)
        if made:
            # Made from this very payload with the batch's others: nothing to update.
            return {"state": "done", "res_model": "product.product", "res_id": made.id}
        record = self._storesync_find_or_create(
            store,
            external_id=product.external_id,
            variation_id=product.variation_external_id or "0",
            sku=product.sku,
            barcode=product.barcode,
            name=product.name,
            list_price=product.regular_price or product.price or Decimal(0),
            description=product.description,
            categories=product.categories,
            details=product,
            manage_stock=self._storesync_manage_stock(store, product),
            update=True,
        )
        return {"state": "done", "res_model": "product.product", "res_id": record.id}

    @api.model
    def _storesync_manage_stock(self, store, product):
        """Whether the store tracks the stock of the store product ``product`` (mapped): a
        variation that says "parent" shares its parent's."""
        if product.stock_from_parent:
            parent = self._storesync_details(store, product.parent_external_id)
            return bool(parent and parent.manage_stock)
        return product.manage_stock

    @api.model
    def _storesync_prepare_batch(self, rows):
        """Before a batch's first row: the store products of these product rows that Odoo
        has no product for (no binding, nothing the store's match key finds), created
        together with their bindings; their rows are then done with them, and the other rows
        find or update their products as usual (``_storesync_process_row``)."""
        Binding = self.env["storesync.product.binding"]
        for store, store_rows in rows.grouped("store_id").items():
            paths = self.env["product.category"]._storesync_paths(store)
            mapped = {}
            for row in store_rows:
                try:
                    product = store._map_product(row.payload, paths)
                except PayloadError:
                    continue  # the row's own processing reports it
                if product.type != "variable":
                    key = (product.external_id, product.variation_external_id or "0")
                    mapped.setdefault(key, product)
            bound = {
                (binding.external_id, binding.variation_id)
                for binding in Binding.search(
                    [
                        ("store_id", "=", store.id),
                        ("external_id", "in", list({key[0] for key in mapped})),
                    ]
                )
            }
            todo = {key: product for key, product in mapped.items() if key not in bound}
            found = self._storesync_match_many(
                store, [(p.sku, p.barcode, p.name) for p in todo.values()]
            )
            new = {
                key: p
                for key, p in todo.items()
                if self._storesync_match(store, p.sku, p.barcode, p.name) not in found
            }
            if not new:
                continue
            self._storesync_details_many(
                store, {p.parent_external_id for p in new.values() if p.stock_from_parent}
            )
            created = self._storesync_create_new(
                store,
                {
                    key: {
                        "sku": p.sku,
                        "barcode": p.barcode,
                        "name": p.name,
                        "list_price": p.regular_price or p.price or Decimal(0),
                        "description": p.description,
                        "categories": p.categories,
                        "details": p,
                    }
                    for key, p in new.items()
                },
            )
            Binding.create(
                [
                    {
                        "store_id": store.id,
                        "external_id": key[0],
                        "variation_id": key[1],
                        "product_id": created[key].id,
                        "manage_stock": self._storesync_manage_stock(store, p),
                        "last_sync": fields.Datetime.now(),
                    }
                    for key, p in new.items()
                ]
            )
            made = batch_prepared(self.env).setdefault("made_from_rows", {})
            made.update({(store.id, *key): product for key, product in created.items()})

    @api.model
    def _storesync_import_line_product(self, store, line):
        """The order line's product: its binding, the match key, or a new product.

        A product created here takes its description and category from the store product's
        payload when the fetch brought it (see ``storesync.store._fetch_new_products``).
        """
        key = (store.id, line.product_external_id, line.variation_external_id or "0")
        known = batch_prepared(self.env).get("product_bindings", {}).get(key)
        if known:
            return known  # looked up with the batch's other lines
        binding = self.env["storesync.product.binding"].search(
            [
                ("store_id", "=", store.id),
                ("external_id", "=", line.product_external_id or False),
                ("variation_id", "=", line.variation_external_id or "0"),
            ],
            limit=1,
        )
        if binding:
            # The common case on a running store: one query, nothing else to look up.
            return binding.product_id
        if not line.product_external_id:
            return self._storesync_deleted_line_product(store, line)
        details = self._storesync_details(store, line.product_external_id)
        if line.variation_external_id and line.attributes:
            return self._storesync_import_variant(store, line, details)
        return self._storesync_find_or_create(
            store,
            external_id=line.product_external_id,
            variation_id=line.variation_external_id or "0",
            sku=line.sku,
            barcode=(details.barcode if details and not line.variation_external_id else ""),
            name=line.name,
            list_price=line.price_unit,
            description=details.description if details else "",
            categories=details.categories if details else (),
            details=details,
            # For a variation line the payload is the parent's: its variations that say
            # "parent" share its stock.
            manage_stock=bool(details and details.manage_stock),
        )

    @api.model
    def _storesync_prepare_line_products(self, store, lines):
        """Before a batch's rows: the products of ``lines`` (order lines of one store) that no
        binding knows yet, matched or created for all of them at once.

        What ``_storesync_import_line_product`` does for one line, for the batch: one query
        for the store products' payloads, one per match key, one ``create`` for the new
        products, one for the new variation templates (each with the options of every
        variation of it the batch sells, and those the store's pending orders sell, so its
        variants are made at once), one for the bindings. Each row then finds its lines'
        products among the batch's bindings. Lines whose store product was deleted are left
        to their rows.
        """
        prepared = batch_prepared(self.env)
        known = prepared.setdefault("product_bindings", {})
        todo = {}
        for line in lines:
            key = (store.id, line.product_external_id, line.variation_external_id or "0")
            if line.product_external_id and key not in known:
                todo.setdefault(key, line)
        if not todo:
            return
        details = self._storesync_details_many(store, {key[1] for key in todo})
        variations = {
            key: line
            for key, line in todo.items()
            if line.variation_external_id and line.attributes
        }
        simple = {k: line for k, line in todo.items() if k not in variations}
        wanted = {
            key: (
                line.sku,
                details[key[1]].barcode
                if details[key[1]] and not line.variation_external_id
                else "",
                line.name,
            )
            for key, line in simple.items()
        }
        wanted.update({key: (line.sku, "", line.name) for key, line in variations.items()})
        found = self._storesync_match_many(store, wanted.values())
        matches = {key: self._storesync_match(store, *item) for key, item in wanted.items()}
        products = {key: found[matches[key]] for key in todo if matches[key] in found}
        products.update(
            self._storesync_create_new(
                store,
                {
                    key: {
                        "sku": wanted[key][0],
                        "barcode": wanted[key][1],
                        "name": wanted[key][2],
                        "list_price": line.price_unit,
                        "description": details[key[1]].description if details[key[1]] else "",
                        "categories": details[key[1]].categories if details[key[1]] else (),
                        "details": details[key[1]],
                    }
                    for key, line in simple.items()
                    if key not in products
                },
            )
        )
        new_variations = defaultdict(dict)  # store product -> {key: line} of its new variations
        for key, line in variations.items():
            if key not in products:
                new_variations[key[1]][key] = line
        # Store product -> the new options the batch sells of it, and those the orders still
        # pending sell of the same attributes (sale.order._storesync_upcoming_options).
        upcoming = new_variations and self.env["sale.order"]._storesync_upcoming_options(store)
        options = {}
        for external_id, lines in new_variations.items():
            pairs = [pair for line in lines.values() for pair in line.attributes]
            names = {name for name, _value in pairs}
            later = upcoming.get(external_id, ())
            options[external_id] = pairs + sorted(p for p in later if p[0] in names)
        templates = self._storesync_prepare_templates(store, new_variations, details, options)
        self.env["product.template"]._storesync_add_options(
            {templates[external_id]: pairs for external_id, pairs in options.items()}
        )
        for external_id, lines in new_variations.items():
            products.update(
                zip(
                    lines,
                    templates[external_id]._storesync_variants_of(
                        list(lines.values()), options[external_id]
                    ),
                    strict=True,
                )
            )
        for key, line in variations.items():
            if line.sku and not products[key].default_code:
                products[key].default_code = line.sku
        self.env["storesync.product.binding"].create(
            [
                {
                    "store_id": store.id,
                    "external_id": key[1],
                    "variation_id": key[2],
                    "product_id": product.id,
                    "manage_stock": bool(details.get(key[1]) and details[key[1]].manage_stock),
                    "last_sync": fields.Datetime.now(),
                }
                for key, product in products.items()
            ]
        )
        known.update(products)

    @api.model
    def _storesync_create_new(self, store, specs):
        """New products for store products no product matches, in one ``create``: ``specs``
        maps a key to the keyword arguments of ``_storesync_new_product_values``. Store
        products with the same match value (the same SKU, say) share one product, as they do
        when made one at a time. Returns ``{key: product}``."""
        entries = {}  # key -> its entry in new_values
        new_values = {}  # match (or key when none) -> create values: one product per match
        for key, spec in specs.items():
            match = self._storesync_match(store, spec["sku"], spec["barcode"], spec["name"])
            new_values.setdefault(match or key, self._storesync_new_product_values(store, **spec))
            entries[key] = match or key
        self._storesync_free_barcodes(list(new_values.values()))
        created = dict(
            zip(
                new_values,
                self.with_context(active_test=False).create(list(new_values.values())),
                strict=True,
            )
        )
        return {key: created[entry] for key, entry in entries.items()}

    @api.model
    def _storesync_free_barcodes(self, vals_list):
        """Barcodes are unique in Odoo; the store's may not be: a new product's barcode that
        a product has already (or another of ``vals_list``) is left out."""
        barcodes = [vals["barcode"] for vals in vals_list if vals["barcode"]]
        if not barcodes:
            return
        taken = set(
            self.with_context(active_test=False)
            .search([("barcode", "in", barcodes)])
            .mapped("barcode")
        )
        for vals in vals_list:
            if vals["barcode"] in taken:
                vals["barcode"] = False
            taken.add(vals["barcode"])

    @api.model
    def _storesync_prepare_templates(self, store, new_variations, details, options):
        """The template of each store product of ``new_variations`` (``{store product id:
        {key: line}}``, variations no product matches): the one its bound variations share,
        else created with the options of all of them and ``options`` (``{store product id:
        pairs}``)."""
        Template = self.env["product.template"]
        if not new_variations:
            return {}
        templates = {
            sibling.external_id: sibling.product_id.product_tmpl_id
            for sibling in self.env["storesync.product.binding"].search(
                [
                    ("store_id", "=", store.id),
                    ("external_id", "in", list(new_variations)),
                    ("variation_id", "!=", "0"),
                ],
                order="id desc",
            )
        }
        missing = [external_id for external_id in new_variations if external_id not in templates]
        values_list = []
        for external_id in missing:
            first = next(iter(new_variations[external_id].values()))
            values_list.append(
                Template._storesync_variant_template_values(
                    store, first, details.get(external_id), options[external_id]
                )
            )
        created = Template.create(values_list)
        templates.update(zip(missing, created, strict=True))
        # One prefetch set: their attribute lines and variants are read for all at once.
        together = Template.union(*templates.values())
        return {
            key: template.with_prefetch(together._prefetch_ids)
            for key, template in templates.items()
        }

    @api.model
    def _storesync_details_many(self, store, external_ids):
        """``_storesync_details`` of several store products in one query, kept for the batch:
        ``{external id: mapped payload or None}``."""
        cache = batch_prepared(self.env).setdefault("details", {})
        missing = [i for i in external_ids if (store.id, i) not in cache]
        if missing:
            paths = self.env["product.category"]._storesync_paths(store)
            for row in self.env["storesync.inbox"].search(
                [
                    ("store_id", "=", store.id),
                    ("kind", "=", "product"),
                    ("external_id", "in", missing),
                ]
            ):
                try:
                    details = row.payload and store._map_product(row.payload, paths)
                except PayloadError:
                    details = None  # the product row shows that error; the order can still go in
                cache[store.id, row.external_id] = details or None
        for external_id in external_ids:
            cache.setdefault((store.id, external_id), None)
        return {external_id: cache[store.id, external_id] for external_id in external_ids}

    @api.model
    def _storesync_match(self, store, sku, barcode, name):
        """What a store product is matched on, per the store's match key: ``(field, value)``,
        or None when it has no such value."""
        if store.product_match_key == "sku" and sku:
            return ("default_code", sku)
        if store.product_match_key == "barcode" and (barcode or sku):
            return ("barcode", barcode or sku)
        if store.product_match_key == "name" and name:
            return ("name", name)
        return None

    @api.model
    def _storesync_match_many(self, store, wanted):
        """The products of the store's company that ``wanted`` ``(sku, barcode, name)`` match,
        in one query: ``{(field, value): product}``, the first in Odoo's product order."""
        matches = {self._storesync_match(store, *item) for item in wanted} - {None}
        if not matches:
            return {}
        field = next(iter(matches))[0]
        found = {}
        for product in self.with_context(active_test=False).search(
            Domain("company_id", "in", (False, store.company_id.id))
            & Domain(field, "in", [value for _field, value in matches])
        ):
            found.setdefault((field, product[field]), product)
        return found

    @api.model
    def _storesync_deleted_line_product(self, store, line):
        """The product of a line whose store product was deleted (no store id to bind).

        Matched by SKU, else by name among products that no store product is bound to, so
        every order of the same deleted product shares one product instead of making its own.
        """
        Product = self.with_context(active_test=False)
        company = Domain("company_id", "in", (False, store.company_id.id))
        product = Product
        if line.sku:
            product = Product.search(company & Domain("default_code", "=", line.sku), limit=1)
        if not product:
            product = Product.search(
                company
                & Domain("name", "=", line.name)
                & Domain("storesync_binding_ids", "=", False),
                order="id",
                limit=1,
            )
        return product or Product.create(
            {
                "name": line.name,
                "default_code": line.sku or False,
                "list_price": float(line.price_unit),
                "categ_id": self.env["product.category"]._storesync_from_path(None).id,
                "uom_id": self.env.ref("uom.product_uom_unit").id,
                "storesync_created": True,
                **self.env["product.template"]._storesync_type_values(None),
            }
        )

    @api.model
    def _storesync_import_variant(self, store, line, details):
        """A variation line (not bound yet) as a variant of the template of its store product.

        The template is created by the first variation an order sells, with the options that
        variation shows; later variations add their values to the attribute lines, so the
        template grows the variants the store actually sells. An existing product with the
        variation's SKU (or barcode/name, per the store's match key) is used as it is.
        """
        matched = self._storesync_find_or_create(
            store,
            external_id=False,
            variation_id="0",
            sku=line.sku,
            barcode="",
            name=line.name,
            list_price=line.price_unit,
            description="",
            categories=(),
            create=False,
        )
        variant = matched or self.env["product.template"]._storesync_variant_template(
            store, line, details
        )._storesync_variant_of(line)
        if line.sku and not variant.default_code:
            variant.default_code = line.sku
        self.env["storesync.product.binding"].create(
            {
                "store_id": store.id,
                "external_id": line.product_external_id,
                "variation_id": line.variation_external_id,
                "product_id": variant.id,
                "manage_stock": bool(details and details.manage_stock),
                "last_sync": fields.Datetime.now(),
            }
        )
        return variant

    @api.model
    def _storesync_details(self, store, external_id):
        """The store product's mapped payload from the sync log, or None."""
        if not external_id:
            return None
        return self._storesync_details_many(store, {external_id})[external_id]

    @api.model
    def _storesync_find_or_create(
        self,
        store,
        *,
        external_id,
        variation_id,
        sku,
        barcode,
        name,
        list_price,
        description,
        categories,
        details=None,
        manage_stock=False,
        update=False,
        create=True,
    ):
        """The product bound to the store product, else matched by the store's key, else new.

        ``details`` is the store product's mapped payload (its type), ``manage_stock`` whether
        the store tracks its stock (kept on the binding). With ``update`` the category and
        description follow the store on a product the import created; a product the merchant
        had only gets them where it has none.
        """
        Binding = self.env["storesync.product.binding"]
        Product = self.with_context(active_test=False)
        binding = Binding
        if external_id:
            binding = Binding.search(
                [
                    ("store_id", "=", store.id),
                    ("external_id", "=", external_id),
                    ("variation_id", "=", variation_id),
                ],
                limit=1,
            )
        product = binding.product_id
        match = self._storesync_match(store, sku, barcode, name)
        if not product and match:
            product = Product.search(
                Domain("company_id", "in", (False, store.company_id.id))
                & Domain(match[0], "=", match[1]),
                limit=1,
            )
        if not (product or create):
            return product
        if not product:
            values = self._storesync_new_product_values(
                store,
                sku=sku,
                barcode=barcode,
                name=name,
                list_price=list_price,
                description=description,
                categories=categories,
                details=details,
            )
            self._storesync_free_barcodes([values])
            product = Product.create(values)
        elif update:
            category = self.env["product.category"]._storesync_from_path(
                categories[0] if categories else None
            )
            values = {"description_sale": description or False, "categ_id": category.id}
            current = store._current_values(product, values)
            if not product.storesync_created:
                # The merchant's product: fill what is empty, never rewrite what they set.
                # The connector's default category counts as empty: it only says "from the store".
                default = self.env["product.category"]._storesync_from_path(None)
                values = {
                    key: value
                    for key, value in values.items()
                    if not current[key] or (key == "categ_id" and current[key] == default.id)
                }
            changed = {key: value for key, value in values.items() if current[key] != value}
            if changed:
                product.write(changed)
        if external_id and not binding:
            Binding.create(
                {
                    "store_id": store.id,
                    "external_id": external_id,
                    "variation_id": variation_id,
                    "product_id": product.id,
                    "manage_stock": manage_stock,
                    "last_sync": fields.Datetime.now(),
                }
            )
        elif update and binding.manage_stock != manage_stock:
            binding.manage_stock = manage_stock
        return product

    @api.model
    def _storesync_new_product_values(
        self, store, *, sku, barcode, name, list_price, description, categories, details
    ):
        """The ``create`` values of a new product for a store product."""
        category = self.env["product.category"]._storesync_from_path(
            categories[0] if categories else None
        )
        return {
            "description_sale": description or False,
            "categ_id": category.id,
            "name": name,
            "company_id": store.company_id.id,
            "default_code": sku or False,
            "barcode": barcode or False,
            "list_price": float(list_price),
            "uom_id": self.env.ref("uom.product_uom_unit").id,
            "storesync_created": True,
            **self.env["product.template"]._storesync_type_values(details),
        }
