"""19.0.1.2.0: every store gets a picture address key of its own.

When the column is added, its default is computed once for all existing stores: they would
share one key, and one store's key would open another's pictures.
"""

import secrets

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for store in env["storesync.store"].with_context(active_test=False).search([]):
        store.image_token = secrets.token_urlsafe(24)
