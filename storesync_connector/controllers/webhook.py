"""Webhook receiver: a store's deliveries land in the sync log, processing happens in a cron.

``POST /storesync/webhook/<store id>``, or ``.../<store id>/<token>`` for platforms that sign
nothing (``webhook_auth = "url_token"``: the store's secret travels in the URL only the store
knows). The request only checks the delivery and writes (or refreshes) one inbox row, then asks
the processing cron to run at once: the store gets its answer in milliseconds, whatever the
order costs to import. For platforms whose deliveries are only triggers
(``webhook_is_trigger``) the body is never imported: the store's changed orders are fetched
through its API by the fetch cron, which is asked to run at once. Every refused request writes
nothing.

Answers: 200 accepted, ignored (a topic we do not import) or ping; 400 not a JSON object or no
usable id; 401 unsigned or badly signed; 404 unknown or archived store; 411 no Content-Length;
413 body over 1 MB.
"""

import hmac
import json
import logging
from urllib.parse import urlencode

from werkzeug.datastructures import Headers

from odoo import http
from odoo.http import request

from ..adapters import get_adapter_class

_logger = logging.getLogger(__name__)

#: largest body accepted (an order with hundreds of lines is far below)
MAX_BODY_SIZE = 1024 * 1024
#: what the store sends that the importer turns into Odoo records: kind -> the adapter's
#: static method giving the sync-log key of a payload of that kind
IMPORTED_KINDS = {"order": "describe_order"}
#: the store switch that enables each imported kind
KIND_SWITCHES = {"order": "import_orders"}


class StoresyncWebhookController(http.Controller):
    @http.route(
        ["/storesync/webhook/<int:store_id>", "/storesync/webhook/<int:store_id>/<string:token>"],
        type="http",
        auth="public",
        methods=["POST", "PUT"],
        csrf=False,
        save_session=False,
        # werkzeug refuses bigger form bodies (413) while parsing them, before this code runs
        max_content_length=MAX_BODY_SIZE,
    )
    def storesync_webhook(self, store_id, token=None, **_form):
        """Receive one delivery of store ``store_id``; see the module docstring for answers."""
        httprequest = request.httprequest
        length = httprequest.content_length
        if length is None:
            # Bounded reads need the length up front; stores always send it.
            return self._refuse(store_id, 411, "length_required", "no Content-Length")
        if length > MAX_BODY_SIZE:
            return self._refuse(store_id, 413, "too_large", f"{length} bytes announced")
        raw = httprequest.get_data()  # a stream limited to Content-Length
        headers = httprequest.headers
        if not raw and httprequest.form:
            # A form body (a ping, a multipart delivery) was parsed and consumed by werkzeug:
            # the adapter gets its fields url-encoded, and headers that say so.
            raw = urlencode(list(httprequest.form.items(multi=True))).encode()
            headers = Headers(headers)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if len(raw) > MAX_BODY_SIZE:
            return self._refuse(store_id, 413, "too_large", f"{len(raw)} bytes read")

        env = request.env(su=True)
        store = env["storesync.store"].browse(store_id).exists()
        if not store or not store.active:
            return self._refuse(store_id, 404, "unknown_store", "unknown or archived store")
        adapter_class = get_adapter_class(store.platform)
        about = adapter_class.describe_webhook(headers, raw)
        if about["ping"]:
            _logger.info("Store sync webhook: ping for store %s", store_id)
            return self._answer(200, "ping")
        secret = store.webhook_secret or ""
        if adapter_class.webhook_auth == "url_token":
            given = (token or "").encode()
            authentic = bool(secret) and hmac.compare_digest(given, secret.encode())
            reason = "token does not match" if secret else "no secret set"
        else:
            authentic = adapter_class.verify_webhook(headers, raw, secret)
            reason = "signature does not match" if secret else "no secret set"
        if not authentic:
            return self._refuse(store_id, 401, "bad_signature", f"{about['topic']}: {reason}")
        if adapter_class.webhook_is_trigger:
            return self._trigger_fetch(store, about)
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError):
            payload = None
        if not isinstance(payload, dict):
            return self._refuse(store_id, 400, "not_json", f"{about['topic']}: not a JSON object")
        kind = about["kind"]
        if kind not in IMPORTED_KINDS or not store[KIND_SWITCHES[kind]]:
            # 2xx all the same: the store disables a webhook after a few failed deliveries.
            _logger.info("Store sync webhook: store %s, topic %r ignored", store_id, about["topic"])
            return self._answer(200, "ignored")
        item = getattr(adapter_class, IMPORTED_KINDS[kind])(payload)
        if not item:
            return self._refuse(store_id, 400, "no_id", f"{about['topic']}: no usable id")
        changed = env["storesync.inbox"]._upsert(store, kind, [dict(item, payload=payload)])
        if changed:
            env.ref("storesync_connector.ir_cron_process_inbox")._trigger()
        _logger.info(
            "Store sync webhook: store %s, %s %s %s",
            store_id,
            about["topic"],
            item["external_id"],
            "queued" if changed else "unchanged",
        )
        return self._answer(200, "accepted")

    def _trigger_fetch(self, store, about):
        """A delivery that only says "this order changed": fetch the store's changed orders now.

        A body that names no order (not JSON, not the platform's delivery document) is refused
        like a non-JSON body of a platform that sends the payload itself."""
        if not about["kind"] and not about["topic"]:
            return self._refuse(store.id, 400, "not_a_delivery", "no order in the body")
        if about["kind"] not in IMPORTED_KINDS or not store[KIND_SWITCHES[about["kind"]]]:
            _logger.info("Store sync webhook: store %s, topic %r ignored", store.id, about["topic"])
            return self._answer(200, "ignored")
        request.env["storesync.api.session"].sudo()._request_fetch(store, about.get("refs") or ())
        request.env.ref("storesync_connector.ir_cron_fetch_orders").sudo()._trigger()
        _logger.info(
            "Store sync webhook: store %s, %s %s: fetch requested",
            store.id,
            about["topic"],
            ", ".join(about.get("refs") or []),
        )
        return self._answer(200, "accepted")

    def _answer(self, status, result):
        return request.make_json_response({"result": result}, status=status)

    def _refuse(self, store_id, status, code, reason):
        """Log why a delivery was refused (never the secret or the signature) and answer."""
        httprequest = request.httprequest
        _logger.warning(
            "Store sync webhook refused (HTTP %s) for store %s from %s: %s",
            status,
            store_id,
            httprequest.remote_addr,
            reason,
        )
        return request.make_json_response({"error": code}, status=status)
