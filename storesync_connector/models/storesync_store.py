from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..adapters import StoreSyncError, default_platform, platform_selection

#: who reads and writes API keys and webhook secrets, as Odoo's payment providers keep theirs;
#: the adapter gets them through ``sudo()`` inside the model (``_get_credentials``)
CREDENTIALS_GROUP = "base.group_system"


class StoresyncStore(models.Model):
    """One connected online store: where it is, how to reach it and how it maps into Odoo."""

    _name = "storesync.store"
    _description = "Online Store"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    platform = fields.Selection(
        selection="_selection_platform",
        required=True,
        default=lambda self: self._default_platform(),
        tracking=True,
        help="The store's software; each platform has its own adapter.",
    )
    base_url = fields.Char(
        string="Store URL",
        required=True,
        tracking=True,
        help="The store's home address, e.g. https://shop.example.com "
        "(with the sub-folder if the shop lives in one).",
    )
    # The credential fields each platform declares are added in storesync_store_session.py.
    timeout = fields.Integer(
        string="Timeout (seconds)",
        default=30,
        help="How long one call to the store may take before it counts as failed.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, tracking=True
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        help="Orders are delivered from this warehouse and its stock is sent to the store.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        default=lambda self: self.env.user,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        tracking=True,
        help="Salesperson of the imported orders (the import itself runs as a technical user).",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        check_company=True,
        help="Sales team of the imported orders; empty: the salesperson's team.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        help="Pricelist of the imported orders and source of the prices sent to the store.",
    )
    order_prefix = fields.Char(
        help="Put before the store's order number to make the Odoo order reference, e.g. WEB-."
    )
    product_match_key = fields.Selection(
        [("sku", "SKU = Internal Reference"), ("barcode", "Barcode"), ("name", "Name")],
        string="Match Products By",
        required=True,
        default="sku",
        help="How a store product finds its Odoo product when no link exists yet.",
    )
    lang = fields.Selection(
        selection="_selection_lang",
        string="Language",
        default=lambda self: self.env.lang,
        help="Language of the texts sent to the store and of the products created from it.",
    )
    import_orders = fields.Boolean(default=True)
    export_stock = fields.Boolean(default=True)
    export_prices = fields.Boolean(default=False)
    export_order_status = fields.Boolean(default=True)
    import_interval = fields.Integer(
        string="Import Every (minutes)", default=1, help="How often orders are fetched."
    )
    export_interval = fields.Integer(
        string="Export Every (minutes)", default=1, help="How often changes are sent."
    )
    orders_cursor = fields.Datetime(
        string="Orders Fetched Until",
        copy=False,
        help="Store orders modified before this moment are fetched; a first sync of a long "
        "history moves it forward window by window, across runs.",
    )
    products_cursor = fields.Datetime(
        string="Products Fetched Until",
        copy=False,
        help="Modification date of the newest store product already fetched.",
    )
    last_manual_sync = fields.Datetime(copy=False, readonly=True)

    _base_url_company_uniq = models.Constraint(
        "UNIQUE(base_url, company_id)",
        "This store is already connected to this company.",
    )
    _intervals_positive = models.Constraint(
        "CHECK(import_interval > 0 AND export_interval > 0 AND timeout > 0)",
        "Intervals and the timeout must be positive.",
    )

    @api.model
    def _selection_platform(self):
        return platform_selection()

    @api.model
    def _default_platform(self):
        # The adapters rank the platforms (lowest sequence first): the core names none.
        return default_platform() or False

    @api.model
    def _selection_lang(self):
        return self.env["res.lang"].get_installed()

    @api.constrains("base_url")
    def _check_base_url(self):
        for store in self:
            parts = urlsplit(store.base_url or "")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValidationError(
                    self.env._(
                        "The store URL must start with https:// (or http://) and name a host, "
                        "not “%(url)s”.",
                        url=store.base_url,
                    )
                )

    @api.model
    def _normalize_url(self, url):
        # One spelling per store, so the unique constraint catches "shop.hu/" vs "shop.hu".
        return url.strip().rstrip("/") if url else url

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("base_url"):
                vals["base_url"] = self._normalize_url(vals["base_url"])
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("base_url"):
            vals["base_url"] = self._normalize_url(vals["base_url"])
        return super().write(vals)

    def action_test_connection(self):
        """Ask the store who it is; notify the answer or raise a readable error."""
        self.ensure_one()
        try:
            with self._get_adapter() as adapter:
                about = adapter.check_connection()
        except StoreSyncError as error:
            raise UserError(self._connection_error_message(error)) from error
        message = self.env._(
            "Connected to %(name)s: %(platform)s %(version)s, API %(api)s.",
            name=about.get("name") or self.base_url,
            platform=self._platform_label(),
            version=about.get("version") or "?",
            api=about.get("api_version") or "?",
        )
        if about.get("untransactional_tables"):
            # A store written through its database: a failed write cannot be undone there.
            message += " " + self.env._(
                "Warning: these tables cannot undo a write that fails halfway (they are not "
                "InnoDB): %(tables)s. Convert them to InnoDB before sending anything to the "
                "store.",
                tables=", ".join(about["untransactional_tables"]),
            )
        self.message_post(body=message)
        return self._notification(self.env._("Connection works"), message)

    def _notification(self, title, message, reload=False):
        """The client action showing a success notification (then reloading the form)."""
        params = {"title": title, "message": message, "type": "success", "sticky": False}
        if reload:
            params["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}

    def _platform_label(self):
        return dict(self._fields["platform"]._description_selection(self.env)).get(
            self.platform, self.platform
        )

    def _connection_error_message(self, error):
        """Translate an adapter error into what the user can do about it."""
        params = {
            "url": self.base_url,
            "platform": self._platform_label(),
            "status": error.status or "-",
            "message": error.message or str(error),
            "timeout": self.timeout,
        }
        messages = {
            "auth": self.env._(
                "The store refused the API keys (HTTP %(status)s: %(message)s). Check the "
                "consumer key and secret and that they have read/write permission.",
                **params,
            ),
            "unreachable": self.env._(
                "Cannot reach %(url)s: the host does not answer or the address is wrong "
                "(%(message)s).",
                **params,
            ),
            "tls": self.env._(
                "The secure connection (TLS) to %(url)s failed: %(message)s. Check the "
                "store's certificate, or whether its address starts with http:// instead "
                "of https://.",
                **params,
            ),
            "timeout": self.env._(
                "The store at %(url)s did not answer within %(timeout)s seconds.", **params
            ),
            "not_platform": self.env._(
                "%(url)s answers, but it is not a %(platform)s store with its REST API "
                "enabled (%(message)s).",
                **params,
            ),
            "rate_limited": self.env._(
                "The store is limiting requests (HTTP 429). Try again in a minute.", **params
            ),
            "server": self.env._(
                "The store had an internal error (HTTP %(status)s): %(message)s", **params
            ),
            "not_found": self.env._(
                "The store answered “not found” (HTTP %(status)s): %(message)s", **params
            ),
            "malformed": self.env._(
                "The store sent an answer that is not valid JSON (%(message)s).", **params
            ),
        }
        return messages.get(
            error.kind,
            self.env._("The store answered with an error (HTTP %(status)s): %(message)s", **params),
        )
