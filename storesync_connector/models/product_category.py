from odoo import api, models
from odoo.tools import SQL

from .storesync_inbox import VOLATILE, batch_prepared


class ProductCategory(models.Model):
    _inherit = "product.category"

    @api.model
    def _storesync_process_row(self, store, row):
        """A store category row becomes the Odoo category at the same path."""
        # Keyed like the payloads: ids are numbers on some platforms, strings on others.
        path = self._storesync_paths(store).get((row.payload or {}).get("id"))
        category = self._storesync_from_path(path)
        return {"state": "done", "res_model": "product.category", "res_id": category.id}

    @api.model
    def _storesync_paths(self, store):
        """Store category id -> names from the top, from the category rows of the sync log.

        Asked for every new product; rebuilt only when the category rows changed (the
        cursor-wide cache is keyed on their count and newest write), and checked once per
        batch of the processing job (its rows do not change the sync log's payloads).
        """
        prepared = batch_prepared(self.env)
        if ("category_paths", store.id) in prepared:
            return prepared["category_paths", store.id]
        self.env["storesync.inbox"].flush_model(["store_id", "kind", "payload"])
        self.env.cr.execute(
            SQL(
                "SELECT count(*), max(write_date) FROM storesync_inbox "
                "WHERE store_id = %s AND kind = 'category'",
                store.id,
            )
        )
        key = ("storesync_category_paths", store.id, *self.env.cr.fetchone())
        cache = self.env.cr.cache
        if key not in cache:
            cache[key] = self._storesync_compute_paths(store)
        prepared["category_paths", store.id] = cache[key]
        return cache[key]

    @api.model
    def _storesync_compute_paths(self, store):
        rows = self.env["storesync.inbox"].search(
            [("store_id", "=", store.id), ("kind", "=", "category")]
        )
        nodes = {row.payload["id"]: row.payload for row in rows if row.payload}
        paths = {}
        for category_id in nodes:
            names, node, seen = [], nodes.get(category_id), set()
            while node and node["id"] not in seen:
                seen.add(node["id"])
                names.insert(0, node["name"])
                node = nodes.get(node.get("parent"))
            paths[category_id] = tuple(names)
        return paths

    @api.model
    def _storesync_known_paths(self, paths):
        """Of ``paths`` (names from the top), those whose every category Odoo has already,
        where ``_storesync_from_path`` would find it: one query."""
        paths = {tuple(path) for path in paths if path}
        names = sorted({name for path in paths for name in path})
        nodes = (
            {
                (category.parent_id.id, category.name): category.id
                for category in self.search([("name", "in", names)])
            }
            if names
            else {}
        )
        known = set()
        for path in paths:
            parent = False
            for name in path:
                parent = nodes.get((parent, name))
                if parent is None:
                    break
            else:
                known.add(path)
        return known

    @api.model
    def _storesync_from_path(self, path):
        """The product category at ``path`` (names from the top), created where missing.

        Without a path: the connector's own default category (a data record).
        """
        if not path:
            return self.env.ref("storesync_connector.product_category_store")
        # Kept for the batch; dropped when a row fails, as what it created is undone.
        cache = batch_prepared(self.env).setdefault(VOLATILE, {}).setdefault("categories", {})
        path = tuple(path)
        if path not in cache:
            category = self
            for name in path:
                parent = category
                category = self.search(
                    [("name", "=", name), ("parent_id", "=", parent.id)], limit=1
                ) or self.create({"name": name, "parent_id": parent.id})
            cache[path] = category
        return cache[path]
