from decimal import Decimal

from odoo import api, fields, models
from odoo.fields import Domain

from ..adapters import PayloadError


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
            update=True,
        )
        return {"state": "done", "res_model": "product.product", "res_id": record.id}

    @api.model
    def _storesync_import_line_product(self, store, line):
        """The order line's product: its binding, the match key, or a new product.

        A product created here takes its description and category from the store product's
        payload when the fetch brought it (see ``storesync.store._fetch_new_products``).
        """
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
        variant = matched or Template._storesync_variant_template(
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
                "last_sync": fields.Datetime.now(),
            }
        )
        return variant

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
        update=False,
        create=True,
    ):
        """The product bound to the store product, else matched by the store's key, else new."""
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
                    "default_code": sku or False,
                    "barcode": barcode or False,
                    "list_price": float(list_price),
                    "type": "consu",
                    "is_storable": True,
                    "uom_id": self.env.ref("uom.product_uom_unit").id,
                }
            )
        elif update:
            current = store._current_values(product, values)
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
                    "last_sync": fields.Datetime.now(),
                }
            )
        return product
