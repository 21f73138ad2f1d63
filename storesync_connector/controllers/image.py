"""Product pictures for the stores that download them (``image_transport = "url"``).

``GET /storesync/img/<store key>/<attachment id>/<name>.<ext>``: the store's unguessable key
(``storesync.store.image_token``) opens only product pictures (a product's or variant's image,
or one of its extra shop pictures) of a store that receives the catalogue; anything else is
404. The address ends in a file name with the picture's extension because stores name the
downloaded file after it and refuse types they do not know.
"""

import hmac

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from ..models.storesync_store_catalogue import IMAGE_EXTENSIONS

#: the binary fields that hold product pictures
PICTURE_FIELDS = {("product.template", "image_1920"), ("product.product", "image_variant_1920")}


class StoresyncImageController(http.Controller):
    @http.route(
        "/storesync/img/<string:token>/<int:attachment_id>/<string:filename>",
        type="http",
        auth="public",
        methods=["GET", "HEAD"],
        csrf=False,
        readonly=True,
    )
    def storesync_image(self, token, attachment_id, filename, **_kwargs):
        del filename  # only there for the store's file name
        env = request.env(su=True)
        store = env["storesync.store"].search(
            [("image_token", "=", token), ("export_catalogue", "=", True)], limit=1
        )
        if not store or not hmac.compare_digest(store.image_token.encode(), token.encode()):
            raise NotFound()
        attachment = env["ir.attachment"].browse(attachment_id).exists()
        if not attachment or attachment.mimetype not in IMAGE_EXTENSIONS:
            raise NotFound()
        extra = env["product.template"].search_count(
            [("storesync_image_ids", "in", attachment.ids)], limit=1
        )
        if (attachment.res_model, attachment.res_field) not in PICTURE_FIELDS and not extra:
            raise NotFound()
        stream = env["ir.binary"]._get_stream_from(attachment)
        return stream.get_response(as_attachment=False, max_age=3600)
