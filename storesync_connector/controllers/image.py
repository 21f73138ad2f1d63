"""Product pictures for the stores that download them (``image_transport = "url"``).

``GET /storesync/img/<store key>/<attachment id>/<name>.<ext>``: the store's unguessable key
(``storesync.store.image_token``) opens only product pictures (a product's or variant's image,
or one of its extra shop pictures) of a store that receives the catalogue; anything else is
404. The address ends in a file name with the picture's extension because stores name the
downloaded file after it and refuse types they do not know.
"""

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request


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
        attachment = env["storesync.store"]._catalogue_picture(token, attachment_id)
        if not attachment:
            raise NotFound()
        stream = env["ir.binary"]._get_stream_from(attachment)
        return stream.get_response(as_attachment=False, max_age=3600)
