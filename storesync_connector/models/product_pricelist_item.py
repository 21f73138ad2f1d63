from odoo import api, models
from odoo.fields import Domain


class ProductPricelistItem(models.Model):
    """A rule of a store's pricelist (or of one of its customer groups') changed: the prices
    of what it covers go to the store."""

    _inherit = "product.pricelist.item"

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        items._storesync_enqueue_prices()
        return items

    def write(self, vals):
        self._storesync_enqueue_prices()  # what the rule covered before
        result = super().write(vals)
        self._storesync_enqueue_prices()  # and what it covers now
        return result

    def unlink(self):
        self._storesync_enqueue_prices()
        return super().unlink()

    def _storesync_enqueue_prices(self):
        pricelists = self.pricelist_id
        stores = (
            self.env["storesync.store"]
            .sudo()
            .search(
                [
                    ("export_prices", "=", True),
                    "|",
                    ("pricelist_id", "in", pricelists.ids),
                    ("customer_group_map_ids.pricelist_id", "in", pricelists.ids),
                ]
            )
        )
        if not stores:
            return 0
        # A store's prices come from its pricelist and its customer groups' pricelists.
        store_pricelists = {
            store: store.pricelist_id | store.customer_group_map_ids.pricelist_id
            for store in stores
        }
        Binding = self.env["storesync.product.binding"].sudo()
        pairs = set()
        for item in self:
            domain = Domain(
                "store_id",
                "in",
                [
                    store.id
                    for store, lists in store_pricelists.items()
                    if item.pricelist_id in lists
                ],
            )
            if item.product_id:
                domain &= Domain("product_id", "=", item.product_id.id)
            elif item.product_tmpl_id:
                domain &= Domain("product_id.product_tmpl_id", "=", item.product_tmpl_id.id)
            elif item.categ_id:
                domain &= Domain("product_id.categ_id", "child_of", item.categ_id.id)
            pairs.update((b.store_id.id, b.product_id.id) for b in Binding.search(domain))
        return self.env["storesync.outbox"].sudo()._enqueue_pairs("price", pairs)
