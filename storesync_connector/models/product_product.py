from decimal import Decimal

from odoo import api, fields, models
from odoo.fields import Domain

from ..adapters import PayloadError
from .storesync_inbox import batch_prepared


class ProductProduct(models.Model):
    _inherit = "product.product"

    storesync_binding_ids = fields.One2many(
        "storesync.product.binding", "product_id", string="Store Products"
    )

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
        product = store._get_adapter_class().map_product(
            row.payload, category_paths=self.env["product.category"]._storesync_paths(store)
        )
        if product.type == "variable":
            return {
                "state": "skipped",
                "last_error": self.env._(
                    "Variable product: each variation becomes a product when an order sells it."
                ),
            }
        manage_stock = product.manage_stock
        if product.stock_from_parent:
            parent = self._storesync_details(store, product.parent_external_id)
            manage_stock = bool(parent and parent.manage_stock)
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
            manage_stock=manage_stock,
            update=True,
        )
        return {"state": "done", "res_model": "product.product", "res_id": record.id}

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
        Template = self.env["product.template"]
        options = self._storesync_batch_options(store, line)
        variant = matched or Template._storesync_variant_template(
            store, line, details, options
        )._storesync_variant_of(line, options)
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
    def _storesync_batch_options(self, store, line):
        """The options of the other new variations of ``line``'s store product (with the same
        attributes) that the batch sells: its template gets them all at once."""
        names = tuple(sorted(name for name, _value in line.attributes))
        options = batch_prepared(self.env).get("variant_options", {})
        return tuple(options.get((store.id, line.product_external_id, names), ()))

    @api.model
    def _storesync_details(self, store, external_id):
        """The store product's mapped payload from the sync log, or None."""
        if not external_id:
            return None
        row = self.env["storesync.inbox"].search(
            [
                ("store_id", "=", store.id),
                ("kind", "=", "product"),
                ("external_id", "=", external_id),
            ],
            limit=1,
        )
        if not row.payload:
            return None
        try:
            return store._get_adapter_class().map_product(
                row.payload, category_paths=self.env["product.category"]._storesync_paths(store)
            )
        except PayloadError:
            return None  # the product row shows that error; the order can still go in

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
        company = Domain("company_id", "in", (False, store.company_id.id))
        if not product and store.product_match_key == "sku" and sku:
            product = Product.search(company & Domain("default_code", "=", sku), limit=1)
        elif not product and store.product_match_key == "barcode" and (barcode or sku):
            product = Product.search(company & Domain("barcode", "=", barcode or sku), limit=1)
        elif not product and store.product_match_key == "name":
            product = Product.search(company & Domain("name", "=", name), limit=1)
        if not (product or create):
            return product
        category = self.env["product.category"]._storesync_from_path(
            categories[0] if categories else None
        )
        values = {"description_sale": description or False, "categ_id": category.id}
        if barcode and Product.search_count([("barcode", "=", barcode)], limit=1):
            barcode = False  # barcodes are unique in Odoo; the store's may not be
        if not product:
            product = Product.create(
                {
                    **values,
                    "name": name,
                    "company_id": store.company_id.id,
                    "default_code": sku or False,
                    "barcode": barcode or False,
                    "list_price": float(list_price),
                    "uom_id": self.env.ref("uom.product_uom_unit").id,
                    "storesync_created": True,
                    **self.env["product.template"]._storesync_type_values(details),
                }
            )
        elif update:
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
