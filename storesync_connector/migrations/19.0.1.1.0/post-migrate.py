"""19.0.1.1.0: stores get payment terms for their invoices.

The field's default (8 days) is not there yet when the column is added: stores connected
before this version get it here, once.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    term = env.ref("storesync_connector.payment_term_8_days", raise_if_not_found=False)
    if term:
        stores = env["storesync.store"].with_context(active_test=False)
        stores.search([("payment_term_id", "=", False)]).payment_term_id = term
