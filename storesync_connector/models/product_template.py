from odoo import api, fields, models
from odoo.fields import Command

from .storesync_inbox import VOLATILE, StoresyncImportError, batch_prepared

#: product fields the store's regular price depends on
PRICE_FIELDS = ("list_price", "taxes_id", "uom_id", "categ_id")
#: product fields the catalogue sent to the stores holds
CATALOGUE_FIELDS = {
    "name",
    "description_sale",
    "default_code",
    "barcode",
    "weight",
    "categ_id",
    "image_1920",
    "sale_ok",
    "active",
    "attribute_line_ids",
    "sale_delay",
    "storesync_brand_id",
    "storesync_image_ids",
}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    storesync_created = fields.Boolean(
        string="Created by Store Import",
        readonly=True,
        copy=False,
        help="The store import created this product, so later store updates may change its "
        "category and description. A product the merchant had is only completed, never "
        "rewritten.",
    )

    storesync_brand_id = fields.Many2one(
        "storesync.brand",
        string="Manufacturer",
        index="btree_not_null",
        help="Sent to the stores as the product's manufacturer or brand, where the platform "
        "has one.",
    )
    storesync_image_ids = fields.Many2many(
        "ir.attachment",
        "storesync_product_template_image_rel",
        "product_tmpl_id",
        "attachment_id",
        string="More Shop Pictures",
        help="Pictures the stores show after the product's main image (the first two: a "
        "store gets at most three pictures per product).",
    )

    def write(self, vals):
        result = super().write(vals)
        if any(fname in vals for fname in PRICE_FIELDS):
            self.product_variant_ids._storesync_enqueue_prices()
        if CATALOGUE_FIELDS & set(vals):
            self._storesync_enqueue_catalogue()
        return result

    def _storesync_enqueue_catalogue(self, stores=None):
        """Queue these products for the stores that receive the catalogue (all, or only
        ``stores``): those the store's product filter lets through, and those the store has
        already (to unpublish one that left the filter)."""
        if not self or self.env.context.get("storesync_no_catalogue_export"):
            return 0
        if stores is None:
            stores = self.env["storesync.store"].sudo().search([("export_catalogue", "=", True)])
        pairs = []
        for store in stores:
            pairs += [(store.id, tid) for tid in store._catalogue_relevant_templates(self).ids]
        return self.env["storesync.outbox"].sudo()._enqueue_pairs("catalogue", pairs)

    def _storesync_variant_lines(self):
        """The attribute lines that make this template's variants (none for a template with
        one variant): what a store offers as the buyer's choices."""
        self.ensure_one()
        if self.product_variant_count < 2:
            return self.attribute_line_ids.browse()
        return self.attribute_line_ids.filtered(
            lambda line: line.attribute_id.create_variant != "no_variant" and line.value_ids
        )

    # ------------------------------------------------------------------ store variations

    @api.model
    def _storesync_variant_template(self, store, line, details):
        """The template of the store product behind ``line``: bound already, or created with
        the attribute lines of the line's options."""
        sibling = self.env["storesync.product.binding"].search(
            [
                ("store_id", "=", store.id),
                ("external_id", "=", line.product_external_id),
                ("variation_id", "!=", "0"),
            ],
            limit=1,
        )
        if sibling:
            return sibling.product_id.product_tmpl_id
        return self.create(self._storesync_variant_template_values(store, line, details))

    @api.model
    def _storesync_variant_template_values(self, store, line, details, options=()):
        """The ``create`` values of the template of the store product behind ``line``: its
        attribute lines hold the line's options and ``options``."""
        category = self.env["product.category"]._storesync_from_path(
            details.categories[0] if details and details.categories else None
        )
        return {
            "name": (details and details.name) or line.parent_name or line.name,
            "company_id": store.company_id.id,
            "description_sale": (details and details.description) or False,
            "categ_id": category.id,
            "list_price": float(line.price_unit),
            "uom_id": self.env.ref("uom.product_uom_unit").id,
            "storesync_created": True,
            **self._storesync_type_values(details),
            "attribute_line_ids": [
                Command.create(
                    {"attribute_id": attribute.id, "value_ids": [Command.set(values.ids)]}
                )
                for attribute, values in self._storesync_attribute_values(
                    [*line.attributes, *options]
                ).items()
            ],
        }

    @api.model
    def _storesync_add_options(self, options):
        """Give templates more values on the attribute lines they have, all in one go:
        ``options`` maps a template to ``(attribute, value)`` pairs. The lines are written
        without Odoo's update of each line, then updated together (Odoo's own
        ``_update_product_template_attribute_values``), so the new values and variants of
        all templates are made in one ``create`` each instead of once per template.
        Attributes a template has no line for are left to ``_storesync_variant_of``."""
        written = self.env["product.template.attribute.line"]
        for template, pairs in options.items():
            for _attribute, line, values in template._storesync_missing_values(pairs):
                if line:
                    line.with_context(update_product_template_attribute_values=False).write(
                        {"value_ids": [Command.link(value.id) for value in values]}
                    )
                    written |= line
        if written:
            written._update_product_template_attribute_values()

    def _storesync_missing_values(self, pairs):
        """The values of ``pairs`` (``(attribute, value)`` names) this template lacks, as
        ``(attribute, its attribute line or none, values)`` per attribute."""
        self.ensure_one()
        for attribute, values in self._storesync_attribute_values(pairs).items():
            line = self.attribute_line_ids.filtered(
                lambda al, attribute=attribute: al.attribute_id == attribute
            )
            values -= line.value_ids
            if values:
                yield attribute, line, values

    @api.model
    def _storesync_attribute_values(self, pairs):
        """``(attribute name, value name)`` pairs as ``{attribute: values}``, creating the
        attributes and values Odoo does not have yet (looked up once per batch)."""
        Value = self.env["product.attribute.value"]
        result = {}
        for pair in pairs:
            value = self._storesync_attribute_value(*pair)
            result[value.attribute_id] = result.get(value.attribute_id, Value) | value
        return result

    @api.model
    def _storesync_known_options(self, pairs):
        """Of ``(attribute name, value name)`` pairs, those Odoo has already, where
        ``_storesync_attribute_value`` finds them (the first attribute of the name): two
        queries."""
        pairs = set(pairs)
        if not pairs:
            return set()
        first = {}
        for attribute in self.env["product.attribute"].search(
            [("name", "in", sorted({name for name, _value in pairs}))]
        ):
            first.setdefault(attribute.name, attribute)
        values = self.env["product.attribute.value"].search(
            [
                ("attribute_id", "in", [attribute.id for attribute in first.values()]),
                ("name", "in", sorted({value for _name, value in pairs})),
            ]
        )
        return {(value.attribute_id.name, value.name) for value in values} & pairs

    @api.model
    def _storesync_attribute_value(self, name, value_name):
        # Kept for the batch; dropped when a row fails, as what it created is undone.
        cache = batch_prepared(self.env).setdefault(VOLATILE, {}).setdefault("values", {})
        if (name, value_name) not in cache:
            Attribute = self.env["product.attribute"]
            Value = self.env["product.attribute.value"]
            attribute = Attribute.search([("name", "=", name)], limit=1) or Attribute.create(
                {"name": name, "create_variant": "always"}
            )
            cache[name, value_name] = Value.search(
                [("attribute_id", "=", attribute.id), ("name", "=", value_name)], limit=1
            ) or Value.create({"attribute_id": attribute.id, "name": value_name})
        return cache[name, value_name]

    @api.model
    def _storesync_type_values(self, details):
        """Product type of a new product for the store product ``details`` (None: unknown).

        Nothing to ship (virtual) is a service; a download is goods Odoo keeps no stock of;
        everything else is stocked goods.
        """
        if details and details.virtual:
            return {"type": "service", "is_storable": False}
        if details and details.downloadable:
            return {"type": "consu", "is_storable": False}
        return {"type": "consu", "is_storable": True}

    def _storesync_variant_of(self, line, options=()):
        """The variant of this template with the line's options, adding missing values.

        ``options`` are more ``(attribute, value)`` pairs to add at the same time (the other
        variations of this store product that the batch sells): the template's variants are
        regenerated once instead of once per variation.
        """
        return self._storesync_variants_of([line], options)[0]

    def _storesync_variants_of(self, lines, options=()):
        """``_storesync_variant_of`` for several lines of this template: its missing values
        added at once, its variants read once; the variants in the order of ``lines``."""
        self.ensure_one()
        commands = []
        for attribute, attribute_line, values in self._storesync_missing_values(
            [*(pair for line in lines for pair in line.attributes), *options]
        ):
            if attribute_line:
                commands.append(
                    Command.update(
                        attribute_line.id, {"value_ids": [Command.link(v.id) for v in values]}
                    )
                )
            else:
                commands.append(
                    Command.create(
                        {"attribute_id": attribute.id, "value_ids": [Command.set(values.ids)]}
                    )
                )
        if commands:
            self.write({"attribute_line_ids": commands})
        by_values = {}
        for variant in self.product_variant_ids:
            values = variant.product_template_attribute_value_ids.product_attribute_value_id
            by_values.setdefault(frozenset(values.ids), variant)
        variants = []
        for line in lines:
            wanted = frozenset(
                self._storesync_attribute_value(*pair).id for pair in line.attributes
            )
            if wanted not in by_values:
                raise StoresyncImportError(
                    self.env._(
                        "No variant of %(product)s has the options %(options)s.",
                        product=self.display_name,
                        options=", ".join(f"{n}: {v}" for n, v in line.attributes),
                    )
                )
            variants.append(by_values[wanted])
        return variants
