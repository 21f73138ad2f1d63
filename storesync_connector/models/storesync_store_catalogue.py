"""The catalogue going to the store: categories, manufacturers, products and variants.

One outbox row per product template (kind ``catalogue``). Sending reads what Odoo has now,
compares each value with the fingerprint of what the store got last time (on the store
object's binding) and sends only what changed, through the adapter's batch calls: a second
run with nothing changed makes no call at all. Stock and prices go with a product's
creation; after that they belong to the stock and price exports, as for any linked product.
"""

import hashlib
import hmac
import json
import mimetypes
import re
import secrets
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import plaintext2html

from ..adapters import StoreSyncError
from ..adapters.fields import empty
from .storesync_store_export import _jsonable

#: file extensions a store takes for pictures, by MIME type
#: the store's key in a picture address
PICTURE_KEY = re.compile(r"(/storesync/img/)[^/]+/")
#: the binary fields that hold product pictures
PICTURE_FIELDS = {("product.template", "image_1920"), ("product.product", "image_variant_1920")}
IMAGE_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
}


class StoresyncStore(models.Model):
    _inherit = "storesync.store"  # pylint: disable=consider-merging-classes-inherited

    export_catalogue = fields.Boolean(
        string="Send Catalogue",
        help="Create and update the products the product filter lets through in the store: "
        "names, descriptions, SKU, barcode, weight, category, manufacturer, variants and "
        "pictures. A product that leaves the filter is unpublished in the store, never "
        "deleted.",
    )
    image_token = fields.Char(
        string="Picture Address Key",
        readonly=True,
        copy=False,
        groups="base.group_system",
        default=lambda self: secrets.token_urlsafe(24),
        help="The secret part of the addresses the store downloads product pictures from.",
    )
    image_base_url = fields.Char(
        string="Odoo Address for the Store",
        help="Where the store reaches this Odoo to download product pictures (e.g. "
        "https://erp.example.com). Empty: Odoo's own web address (web.base.url).",
    )

    delivery_time_map_ids = fields.One2many(
        "storesync.delivery.time.map", "store_id", string="Delivery Times"
    )
    store_has_no_brands = fields.Char(
        string="No Manufacturers in the Store",
        readonly=True,
        copy=False,
        help="The store refused manufacturers (its platform version has none): products go "
        "without theirs until the catalogue is switched off and on again.",
    )

    def write(self, vals):
        if vals.get("export_catalogue"):
            vals = {**vals, "store_has_no_brands": False}  # a new start asks the store again
        result = super().write(vals)
        if vals.get("export_catalogue") or (
            "product_filter" in vals and any(self.mapped("export_catalogue"))
        ):
            for store in self.filtered("export_catalogue"):
                store._catalogue_relevant_templates()._storesync_enqueue_catalogue(stores=store)
        return result

    # ------------------------------------------------------------------ user actions

    def action_export_catalogue(self):
        """Queue every product this store gets (and those to unpublish)."""
        self.ensure_one()
        self.check_access("write")
        if not self.export_catalogue:
            raise UserError(self.env._("Sending the catalogue is switched off for this store."))
        templates = self._catalogue_relevant_templates()
        templates._storesync_enqueue_catalogue(stores=self)
        self.message_post(
            body=self.env._(
                "%(user)s queued %(count)s products for the store's catalogue.",
                user=self.env.user.name,
                count=len(templates),
            )
        )
        return self._notification(
            self.env._("Catalogue queued"),
            self.env._(
                "%(count)s products will be sent to the store within a minute; what did "
                "not change since the last time is not sent again.",
                count=len(templates),
            ),
        )

    # ------------------------------------------------------------------ what is sent

    def _catalogue_relevant_templates(self, templates=None):
        """The templates (among ``templates``, or all) this store's catalogue concerns: those
        with a variant the product filter lets through, and those sent before (which get
        unpublished when they left it). Products the store had before Odoo sent any are only
        updated while in the filter, never unpublished."""
        self.ensure_one()
        domain = self._catalogue_domain()
        sent = Domain("store_id", "=", self.id) & Domain("res_model", "=", "product.template")
        if templates is not None:
            domain &= Domain("product_tmpl_id", "in", templates.ids)
            sent &= Domain("res_id", "in", templates.ids)
        Template = self.env["product.template"].with_context(active_test=False)
        Product = self.env["product.product"].sudo().with_context(active_test=True)
        in_filter = Product.search(domain).product_tmpl_id
        bindings = self.env["storesync.catalogue.binding"].sudo().search(sent)
        # A template deleted since it was sent has no row to queue.
        sent_ids = Template.browse(bindings.mapped("res_id")).exists()
        return Template.browse(in_filter.ids) | sent_ids

    def _catalogue_domain(self):
        """The variants this store's catalogue gets: the product filter's, sellable, of the
        store's company or shared."""
        return (
            Domain(self._product_filter_domain())
            & Domain("sale_ok", "=", True)
            & Domain("company_id", "in", [False, self.company_id.id])
        )

    def _catalogue_variants_in_filter(self, templates):
        """``{template id: variants}``: the active, sellable variants the filter lets through."""
        domain = self._catalogue_domain() & Domain("product_tmpl_id", "in", templates.ids)
        variants = {}
        for product in self.env["product.product"].with_context(active_test=True).search(domain):
            variants.setdefault(product.product_tmpl_id.id, product.browse())
            variants[product.product_tmpl_id.id] |= product
        return variants

    # ------------------------------------------------------------------ sender (outbox)

    def _export_catalogue(self, rows):
        """Send these outbox rows' products; ``{row id: outcome}``."""
        self.ensure_one()
        if not self.export_catalogue:
            return self._skip_all(rows, self.env._("Sending the catalogue is switched off."))
        adapter_class = self._get_adapter_class()
        if not adapter_class.catalogue_export:
            return self._skip_all(
                rows,
                self.env._(
                    "Not sent: the catalogue export is not available for %(platform)s yet.",
                    platform=adapter_class.platform_label,
                ),
            )
        store = self.with_context(lang=self.lang or self.env.lang, active_test=False)
        templates = rows.product_tmpl_id.with_env(store.env)
        in_filter = store._catalogue_variants_in_filter(templates)
        bindings = store._catalogue_bindings("product.template", templates.ids)
        outcomes, plans = {}, {}
        for row in rows:
            template = row.product_tmpl_id.with_env(store.env)
            plan = store._catalogue_plan(template, in_filter.get(template.id), bindings)
            if "outcome" in plan:
                outcomes[row.id] = plan["outcome"]
            else:
                plans[row] = plan
        if not plans:
            return outcomes
        with self._get_adapter() as adapter:
            sending = [plan for plan in plans.values() if plan["variants"]]
            categories = store._catalogue_send_categories(
                adapter,
                store.env["product.category"].union(*(p["template"].categ_id for p in sending)),
            )
            brands = None  # None: the store gets no manufacturers
            if "brand" in adapter_class.catalogue_values and not self.store_has_no_brands:
                brands = store._catalogue_send_brands(
                    adapter,
                    store.env["storesync.brand"].union(
                        *(p["template"].storesync_brand_id for p in sending)
                    ),
                )
            items, owners = [], []
            for row, plan in plans.items():
                item = store._catalogue_item(plan, categories, brands, adapter_class)
                if "outcome" in item:
                    outcomes[row.id] = item["outcome"]
                elif item["item"] is None:
                    outcomes[row.id] = {
                        "state": "done",
                        "message": self.env._("Nothing to send: the store has it as it is."),
                    }
                else:
                    items.append(item["item"])
                    owners.append((row, plan, item))
            results, failure = [], None
            for start in range(0, len(items), adapter_class.batch_limit):
                try:
                    results += adapter.export_products(
                        items[start : start + adapter_class.batch_limit], language=self.lang
                    )
                except StoreSyncError as error:
                    if not start:
                        raise  # the first call failed: the store is down, the run waits
                    # What went through before is recorded; the rest waits for its retry
                    # (a create the store made without answering is found by its SKU).
                    failure = error
                    break
        for (row, plan, item), result in zip(owners, results, strict=False):
            outcomes[row.id] = store._catalogue_record(plan, item, result)
        for row, _plan, _item in owners[len(results) :]:
            outcomes[row.id] = {"error": failure}
        if brands and brands.get(None):
            # Written after the product calls: the store's row is not held while they run.
            self.store_has_no_brands = brands[None]
        return outcomes

    def _catalogue_plan(self, template, variants, bindings):
        """What this template's row is about: ``{"template", "variants" (in the filter;
        none: unpublish), "binding", "remote_id"}``, or ``{"outcome"}``."""
        binding = bindings.get(template.id)
        remote_id = binding.external_id if binding else None
        if not remote_id and variants:
            remote_id = self._catalogue_linked_id(template)
        if not variants and not binding:
            return {
                "outcome": {
                    "state": "skipped",
                    "message": self.env._("Not sent: outside the store's product filter."),
                }
            }
        options = template._storesync_variant_lines()
        if variants and options and not self._get_adapter_class().catalogue_variants:
            return {
                "outcome": {
                    "state": "skipped",
                    "message": self.env._(
                        "Not sent: products with variants do not go to %(platform)s yet.",
                        platform=self._get_adapter_class().platform_label,
                    ),
                }
            }
        limit = self._get_adapter_class().max_variant_attributes
        if variants and limit is not None and len(options) > limit:
            return {
                "outcome": {
                    "error": self.env._(
                        "%(platform)s takes at most %(limit)s attributes that make variants "
                        "per product; %(product)s has %(count)s (%(names)s).",
                        platform=self._get_adapter_class().platform_label,
                        limit=limit,
                        product=template.display_name,
                        count=len(options),
                        names=", ".join(options.attribute_id.mapped("name")),
                    )
                }
            }
        if variants and not remote_id:
            # A store product is found again by its SKU after a lost answer: without one a
            # retry would make a second copy.
            missing = (variants if options else variants[:1]).filtered(lambda p: not p.default_code)
            if missing:
                return {
                    "outcome": {
                        "error": self.env._(
                            "Not sent: %(products)s have no Internal Reference. The store "
                            "needs one (its SKU) to find the product again, so it is never "
                            "created twice.",
                            products=", ".join(missing.mapped("display_name")),
                        )
                    }
                }
        return {
            "template": template,
            "variants": variants or self.env["product.product"],
            "binding": binding,
            "remote_id": remote_id,
            "options": options,
        }

    def _catalogue_linked_id(self, template):
        """The store id of a template the store had already (linked by the order import):
        the product of a single-variant template, the parent of linked variations."""
        links = (
            self.env["storesync.product.binding"]
            .sudo()
            .search(
                [("store_id", "=", self.id), ("product_id", "in", template.product_variant_ids.ids)]
            )
        )
        if template.product_variant_count > 1:
            links = links.filtered(lambda link: link.variation_id not in ("", "0"))
        return links[:1].external_id or None

    def _catalogue_item(self, plan, categories, brands, adapter_class):
        """The adapter item of one plan with only what changed: ``{"item", "values",
        "variants"}`` (``item`` None: nothing to send), or ``{"outcome"}``."""
        template, binding = plan["template"], plan["binding"]
        create = plan["remote_id"] is None
        if not plan["variants"]:
            values = {"published": False}
        else:
            values = self._catalogue_values(template, plan, categories, brands)
            if "outcome" in values:
                return values
        if create and plan["options"]:
            values["sku"] = _parent_sku(template, plan["variants"])
        sent = _changed(values, None if create else (binding.hashes if binding else {}))
        images = dict(binding.images or {}) if binding else {}
        for image in sent.get("images") or ():
            image["id"] = images.get(image["key"])
            if adapter_class.image_transport == "upload" and not image["id"]:
                image["content"] = image.pop("attachment").raw
            image.pop("attachment", None)
        variant_items = []
        if plan["variants"] and plan["options"]:
            variant_items = self._catalogue_variant_items(plan, create)
        if create and plan["variants"] and not plan["options"]:
            sent.update(self._catalogue_create_values(plan["variants"][:1]))
        if not sent and not variant_items:
            return {"item": None}
        item = {"key": str(template.id), "id": plan["remote_id"], "values": sent}
        if variant_items:
            item["variants"] = variant_items
        return {"item": item, "values": values}

    def _catalogue_values(self, template, plan, categories, brands):
        """Every value of a template the store gets (fingerprinted, sent when changed)."""
        values = {
            "name": template.name,
            "description": str(plaintext2html(template.description_sale))
            if template.description_sale
            else "",
            "images": self._catalogue_images(template),
            "published": True,
        }
        if template.categ_id:
            category = categories.get(template.categ_id.id)
            if not isinstance(category, str):
                return {
                    "outcome": {"error": category["message"], "retryable": category["retryable"]}
                }
            values["category_ids"] = [category]
        adapter_class = self._get_adapter_class()
        if brands is not None:
            brand = (
                brands.get(template.storesync_brand_id.id) if template.storesync_brand_id else None
            )
            if isinstance(brand, dict) and brand["retryable"]:
                return {"outcome": {"error": brand["message"], "retryable": True}}
            if isinstance(brand, dict):
                plan["note"] = self.env._(
                    "Sent without its manufacturer: %(reason)s", reason=brand["message"]
                )
            values["brand_id"] = brand if isinstance(brand, str) else None
        if "lead_days" in adapter_class.catalogue_values:
            values["lead_days"] = template.sale_delay
        if "delivery_status" in adapter_class.catalogue_values:
            values["delivery_status"] = self._catalogue_delivery_status(template.sale_delay)
        if plan["options"]:
            values["options"] = [
                {"name": line.attribute_id.name, "values": line.value_ids.mapped("name")}
                for line in plan["options"]
            ]
        else:
            values.update(self._catalogue_identity(plan["variants"][:1]))
        return values

    def _catalogue_delivery_status(self, lead_days):
        """The store's delivery time for a lead time: the mapped row with the fewest days
        that still covers it (None: no row does)."""
        rows = self.delivery_time_map_ids.filtered(lambda row: row.max_days > 0)
        covering = rows.filtered(lambda row: row.max_days >= lead_days).sorted("max_days")
        return covering[:1].store_status_id or None

    def _catalogue_identity(self, product):
        weight = Decimal(str(product.weight)).normalize() if product.weight else None
        return {
            "sku": product.default_code or "",
            "barcode": product.barcode or "",
            "weight": weight,
        }

    def _catalogue_create_values(self, product):
        """Stock and prices of a product the store does not have yet: it is created with
        them; later changes go through the stock and price exports."""
        values = dict(self._price_values(product)[product.id])
        if product.is_storable:
            values["manage_stock"] = True
            values["stock_quantity"] = self._stock_quantities(product)[product.id]
        return values

    def _catalogue_variant_items(self, plan, create):
        """The items of a template's variants with only what changed."""
        template = plan["template"]
        links = {
            link.product_id.id: link
            for link in self.env["storesync.product.binding"]
            .sudo()
            .search(
                [("store_id", "=", self.id), ("product_id", "in", template.product_variant_ids.ids)]
            )
        }
        items = []
        for product in template.product_variant_ids:
            link = links.get(product.id)
            remote_id = None
            if link and not create:
                remote_id = (
                    link.variation_id if link.variation_id not in ("", "0") else link.external_id
                )
                if remote_id == plan["remote_id"]:
                    remote_id = None  # the link of the product it was before it had variants
            options = {
                value.attribute_id.name: value.name
                for value in product.product_template_attribute_value_ids
                if value.attribute_line_id in plan["options"]
            }
            published = product in plan["variants"]
            if remote_id is None and not published:
                continue  # an archived or filtered-out variant the store never had
            values = {
                **self._catalogue_identity(product),
                "options": options,
                "published": published,
                "image": self._catalogue_variant_image(product),
            }
            sent = _changed(values, (link.export_hashes or {}) if link and remote_id else None)
            # A picture is only in ``sent`` when it changed: it goes as a new one.
            if sent.get("image"):
                attachment = sent["image"].pop("attachment")
                if self._get_adapter_class().image_transport == "upload":
                    sent["image"]["content"] = attachment.raw
            if remote_id is None:
                sent.update(self._catalogue_create_values(product))
            if sent:
                items.append({"key": str(product.id), "id": remote_id, "values": sent})
        return items

    # ------------------------------------------------------------------ pictures

    def _catalogue_images(self, template):
        """The template's pictures for the store: its image, then its extra shop pictures."""
        main = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "product.template"),
                    ("res_field", "=", "image_1920"),
                    ("res_id", "=", template.id),
                ],
                limit=1,
            )
        )
        extra = template.sudo().storesync_image_ids.filtered(
            lambda a: a.mimetype in IMAGE_EXTENSIONS
        )
        attachments = (main | extra)[: self._get_adapter_class().max_images]
        return [
            self._catalogue_image(attachment, template, position)
            for position, attachment in enumerate(attachments, start=1)
        ]

    def _catalogue_variant_image(self, product):
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "product.product"),
                    ("res_field", "=", "image_variant_1920"),
                    ("res_id", "=", product.id),
                ],
                limit=1,
            )
        )
        return self._catalogue_image(attachment, product, 1) if attachment else None

    def _catalogue_image(self, attachment, record, position):
        """A picture as the adapters take it; its fingerprint (``key``) is its checksum."""
        extension = IMAGE_EXTENSIONS.get(attachment.mimetype) or mimetypes.guess_extension(
            attachment.mimetype or ""
        )
        slug = re.sub(r"[^a-z0-9]+", "-", (record.default_code or record.name or "").lower())
        name = f"{slug.strip('-') or 'product'}-{record.id}-{position}{extension or '.jpg'}"
        # The bytes are read only for a picture that is sent (``_catalogue_item``).
        image = {"key": attachment.checksum, "name": name, "alt": record.name or ""}
        if self._get_adapter_class().image_transport == "upload":
            image["attachment"] = attachment
        else:
            base = (self.image_base_url or self.get_base_url()).rstrip("/")
            image["url"] = f"{base}/storesync/img/{self.sudo().image_token}/{attachment.id}/{name}"
        return image

    @api.model
    def _catalogue_picture(self, token, attachment_id):
        """The product picture ``attachment_id`` when ``token`` is the picture address key
        of a store receiving the catalogue (an empty recordset otherwise): a product's or
        variant's image, or one of its extra shop pictures, nothing else."""
        Attachment = self.env["ir.attachment"].sudo()
        store = self.sudo().search(
            [("image_token", "=", token), ("export_catalogue", "=", True)], limit=1
        )
        if not store or not hmac.compare_digest(store.image_token.encode(), token.encode()):
            return Attachment
        attachment = Attachment.browse(attachment_id).exists()
        if not attachment or attachment.mimetype not in IMAGE_EXTENSIONS:
            return Attachment
        Template = self.env["product.template"].sudo().with_context(active_test=False)
        if (attachment.res_model, attachment.res_field) not in PICTURE_FIELDS:
            templates = Template.search([("storesync_image_ids", "in", attachment.ids)])
        elif attachment.res_model == "product.product":
            templates = self.env["product.product"].sudo().browse(attachment.res_id).product_tmpl_id
        else:
            templates = Template.browse(attachment.res_id)
        # Only the pictures of what this store's catalogue holds: not another company's,
        # nor a product outside its filter.
        return attachment if store._catalogue_relevant_templates(templates.exists()) else Attachment

    # ------------------------------------------------------------------ categories, brands

    def _catalogue_send_categories(self, adapter, categories):
        """Create or update ``categories`` and their parents in the store, parents first;
        ``{category id: store id | {"message", "retryable"}}``."""
        everything = categories.browse(
            {int(cid) for cid in "/".join(categories.mapped("parent_path")).split("/") if cid}
        )
        bindings = self._catalogue_bindings("product.category", everything.ids)
        done = {}
        levels = {}
        for category in everything:
            levels.setdefault(category.parent_path.count("/"), category.browse())
            levels[category.parent_path.count("/")] |= category
        for depth in sorted(levels):
            items = []
            for category in levels[depth]:
                parent = done.get(category.parent_id.id) if category.parent_id else None
                if isinstance(parent, dict):
                    done[category.id] = parent
                    continue
                values = {"name": category.name, "parent_id": parent}
                items.append(self._catalogue_term_item(category, values, bindings, done))
            self._catalogue_send_terms(
                adapter.export_categories, "product.category", items, bindings, done
            )
        return done

    def _catalogue_send_brands(self, adapter, brands):
        """``{brand id: store id | {"message", "retryable"}}``. A store that has no
        manufacturers at all (every one refused with a 404) is not asked again:
        ``store_has_no_brands`` keeps its reason."""
        bindings = self._catalogue_bindings("storesync.brand", brands.ids)
        done = {}
        items = [
            self._catalogue_term_item(brand, {"name": brand.name}, bindings, done)
            for brand in brands
        ]
        results = self._catalogue_send_terms(
            adapter.export_brands, "storesync.brand", items, bindings, done
        )
        missing = [result for result in results if not result["ok"] and result["status"] == 404]
        if missing and len(missing) == len(results):
            done[None] = missing[0]["message"]  # the store has none: see _export_catalogue
        return done

    def _catalogue_term_item(self, record, values, bindings, done):
        binding = bindings.get(record.id)
        sent = _changed(values, binding.hashes if binding else None)
        if binding and not sent:
            done[record.id] = binding.external_id
            return None
        return {
            "key": str(record.id),
            "id": binding.external_id if binding else None,
            "values": sent,
            "all": values,
        }

    def _catalogue_send_terms(self, send, res_model, items, bindings, done):
        items = [item for item in items if item]
        if not items:
            return []
        results = send(
            [{k: v for k, v in item.items() if k != "all"} for item in items], language=self.lang
        )
        for item, result in zip(items, results, strict=True):
            res_id = int(item["key"])
            if result["ok"]:
                done[res_id] = result["id"]
                self._catalogue_bind(res_model, res_id, result["id"], item["all"], bindings)
            else:
                if result.get("gone") and bindings.get(res_id):
                    bindings.pop(res_id).unlink()  # deleted in the store: made again next time
                done[res_id] = {
                    "message": self.env._(
                        "The store refused %(what)s: %(message)s (%(code)s)",
                        what=self.env[res_model].browse(res_id).display_name,
                        message=result["message"] or "-",
                        code=result["code"] or result["status"],
                    ),
                    "retryable": result["retryable"] or bool(result.get("gone")),
                }
        return results

    # ------------------------------------------------------------------ bindings

    def _catalogue_bindings(self, res_model, res_ids):
        bindings = (
            self.env["storesync.catalogue.binding"]
            .sudo()
            .search(
                [
                    ("store_id", "=", self.id),
                    ("res_model", "=", res_model),
                    ("res_id", "in", res_ids),
                ]
            )
        )
        return {binding.res_id: binding for binding in bindings}

    def _catalogue_bind(self, res_model, res_id, external_id, values, bindings, images=None):
        """Write down the store object of a record and the fingerprints of ``values``."""
        binding = bindings.get(res_id)
        hashes = dict((binding.hashes or {}) if binding else {}) | _hashes(values)
        vals = {"external_id": str(external_id), "hashes": hashes}
        if images is not None:
            vals["images"] = images
        if binding:
            if binding.external_id != str(external_id):
                # Another store object now (the old one was deleted in the store): all anew.
                vals["hashes"] = _hashes(values)
            binding.write(vals)
        else:
            bindings[res_id] = (
                self.env["storesync.catalogue.binding"]
                .sudo()
                .create({"store_id": self.id, "res_model": res_model, "res_id": res_id, **vals})
            )
        return bindings[res_id]

    def _catalogue_record(self, plan, item, result):
        """Write down what the store took of one product; the row's outcome."""
        template = plan["template"]
        request = _loggable(item["item"])
        if not result["ok"] and result.get("gone"):
            self._catalogue_forget(template)
            return {
                "error": self.env._(
                    "The store no longer has this product (deleted there): it is created "
                    "again with the next try. (%(message)s)",
                    message=result["message"] or result["code"] or "-",
                ),
                "retryable": True,
                "request": request,
            }
        if not result["ok"]:
            return {
                "error": self.env._(
                    "The store refused the product: %(message)s (%(code)s)",
                    message=result["message"] or "-",
                    code=result["code"] or result["status"],
                ),
                "retryable": result["retryable"],
                "request": request,
            }
        sent = item["item"]["values"]
        remote_id = result["id"]
        images = None
        if "images" in sent:
            keys = [image["key"] for image in sent["images"]]
            images = dict(zip(keys, result.get("images") or [], strict=False))
        fingerprinted = {key: item["values"][key] for key in sent if key in item["values"]}
        Link = self.env["storesync.product.binding"].sudo()
        if not plan["options"] and plan["variants"]:
            _link, conflict = self._catalogue_link(Link, plan["variants"][:1], remote_id, "0")
            if conflict:
                return {"error": conflict, "request": request}
        bindings = {template.id: plan["binding"]} if plan["binding"] else {}
        self._catalogue_bind(
            "product.template", template.id, remote_id, fingerprinted, bindings, images
        )
        failed, gone = [], False
        for variant_item, answer in zip(
            item["item"].get("variants") or [], result.get("variants") or [], strict=False
        ):
            product = self.env["product.product"].browse(int(variant_item["key"]))
            if not answer["ok"] and answer.get("gone"):
                Link.search(
                    [("store_id", "=", self.id), ("product_id", "=", product.id)]
                ).unlink()  # deleted in the store: created again with the next try
                gone = True
            if not answer["ok"]:
                failed.append(
                    self.env._(
                        "%(variant)s: %(message)s (%(code)s)",
                        variant=product.display_name,
                        message=answer["message"] or "-",
                        code=answer["code"] or answer["status"],
                    )
                )
                continue
            parent = answer.get("parent_id")
            link, conflict = self._catalogue_link(
                Link, product, parent or answer["id"], answer["id"] if parent else "0"
            )
            if conflict:
                failed.append(conflict)
                continue
            if parent:
                # The product it was before the template had variants is not this one's.
                Link.search(
                    [
                        ("store_id", "=", self.id),
                        ("product_id", "=", product.id),
                        ("external_id", "=", str(parent)),
                        ("variation_id", "in", ("", "0")),
                    ]
                ).unlink()
            values = variant_item["values"]
            hashes = dict(link.export_hashes or {}) | _hashes(
                {
                    key: values[key]
                    for key in ("sku", "barcode", "weight", "options", "published", "image")
                    if key in values
                }
            )
            link.export_hashes = hashes
        if (
            plan["remote_id"] is None
            and self.export_prices
            and self._get_adapter_class().customer_group_prices
        ):
            # Group prices need the store's product: they follow through the price export.
            template.product_variant_ids._storesync_enqueue_prices(stores=self)
        outcome = {"state": "done", "request": request}
        notes = [plan["note"]] if plan.get("note") else []
        if result.get("adopted"):
            notes.append(
                self.env._(
                    "The store had this product already (same SKU): it is linked and updated."
                )
            )
        if notes:
            outcome["message"] = "\n".join(notes)
        if failed:
            return {
                "error": self.env._("The store refused variants: %(list)s", list="; ".join(failed)),
                "retryable": gone,
                "request": request,
            }
        return outcome

    def _catalogue_forget(self, template):
        """The store deleted this product: its links go, the next send creates it anew
        (or adopts the store's product with its SKU)."""
        self.env["storesync.catalogue.binding"].sudo().search(
            [
                ("store_id", "=", self.id),
                ("res_model", "=", "product.template"),
                ("res_id", "=", template.id),
            ]
        ).unlink()
        self.env["storesync.product.binding"].sudo().search(
            [
                ("store_id", "=", self.id),
                (
                    "product_id",
                    "in",
                    template.with_context(active_test=False).product_variant_ids.ids,
                ),
            ]
        ).unlink()

    def _catalogue_link(self, Link, product, external_id, variation_id):
        """The product link of a product the catalogue export created or updated:
        ``(link, None)``, or ``(None, reason)`` when that store product is linked to another
        Odoo product (two products of the merchant with one SKU)."""
        external_id, variation_id = str(external_id), str(variation_id)
        link = Link.search(
            [
                ("store_id", "=", self.id),
                ("external_id", "=", external_id),
                ("variation_id", "=", variation_id),
            ],
            limit=1,
        )
        if link and link.product_id != product:
            return None, self.env._(
                "The store's product %(id)s is linked to %(other)s already, not to "
                "%(product)s: two products with one SKU?",
                id=external_id,
                other=link.product_id.display_name,
                product=product.display_name,
            )
        if link:
            link.last_sync = fields.Datetime.now()
            return link, None
        # A new link: the store keeps a quantity of what Odoo stocks. A link the import made
        # keeps what the store product said.
        link = Link.create(
            {
                "store_id": self.id,
                "product_id": product.id,
                "external_id": external_id,
                "variation_id": variation_id,
                "manage_stock": product.is_storable,
                "last_sync": fields.Datetime.now(),
            }
        )
        return link, None


# ---------------------------------------------------------------------- fingerprints


def _fingerprint(value) -> str:
    """A short stable hash of a value (pictures by their checksum, not their address)."""
    if isinstance(value, list) and value and isinstance(value[0], dict) and "key" in value[0]:
        value = [image["key"] for image in value]
    elif isinstance(value, dict) and "key" in value:
        value = value["key"]
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _hashes(values) -> dict:
    return {key: _fingerprint(value) for key, value in values.items()}


def _changed(values, hashes) -> dict:
    """The values whose fingerprint differs from ``hashes`` (None: everything, a create).

    On an update, an empty value (no description, no picture, no manufacturer...) is only
    sent to clear one Odoo sent before: a store object Odoo did not create (linked by the
    import, adopted by its SKU or e-mail) keeps what the merchant gave it there.
    """
    if hashes is None:
        return {key: _copy(value) for key, value in values.items()}
    return {
        key: _copy(value)
        for key, value in values.items()
        if hashes.get(key) != _fingerprint(value) and (key in hashes or not empty(value))
    }


def _copy(value):
    if isinstance(value, list):
        return [dict(v) if isinstance(v, dict) else v for v in value]
    return dict(value) if isinstance(value, dict) else value


def _loggable(value):
    """An adapter item as JSON for the sync log (``_jsonable``) without the picture address
    key: the log is read by more users than the key's administrators."""
    return json.loads(PICTURE_KEY.sub(r"\1***/", json.dumps(_jsonable(value))))


def _parent_sku(template, variants):
    """A SKU for the store product of a template with variants (the variants have theirs):
    the variants' common SKU prefix and the template's id, the same on every run, so a
    create whose answer was lost is found again by it."""
    skus = sorted(variants.mapped("default_code"))
    prefix = ""
    if skus and all(skus):
        first, last = skus[0], skus[-1]
        while prefix != first and last.startswith(first[: len(prefix) + 1]):
            prefix = first[: len(prefix) + 1]
    return f"{prefix.rstrip('-_/. ') or 'ODOO'}-P{template.id}"
