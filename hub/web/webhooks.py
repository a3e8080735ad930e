"""``POST /webhooks/<integration id>/<secret path>``: where the stores deliver their webhooks.

No login and no CSRF token (the store is the caller): the secret path finds the integration
and the connector verifies the signature (``hub.services.webhooks``). The answer is quick and
small — the delivery is stored and a run queued, never handled inline (Shopify waits 5 s):
202 queued, 200 duplicate or ignored, 401 bad signature, 404 unknown address, 400 unreadable.
"""

from flask import Blueprint, jsonify, request

from hub.errors import BadInput, NotFound, WebhookRejected
from hub.services import webhooks

bp = Blueprint("webhooks", __name__)


@bp.post("/webhooks/<integration>/<path>")
def deliver(integration, path):
    if (request.content_length or 0) > webhooks.MAX_BODY_BYTES:
        return jsonify({"error": "the delivery is too large"}), 413
    try:
        result = webhooks.receive(integration, path, request.headers, request.get_data())
    except NotFound:
        return jsonify({"error": "not found"}), 404
    except WebhookRejected:
        return jsonify({"error": "the signature does not verify"}), 401
    except BadInput as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify(result), 202 if result["status"] == "queued" else 200
