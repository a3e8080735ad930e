"""WooCommerce webhooks: the hub's subscriptions, and reading a delivery.

From ``includes/class-wc-webhook.php`` (WooCommerce core):

* a delivery is a POST of the resource's REST JSON (``build_payload``) with the headers
  ``X-WC-Webhook-Source``, ``-Topic``, ``-Resource``, ``-Event``, ``-Signature``, ``-ID`` and
  ``-Delivery-ID`` (``deliver``); the signature is base64 HMAC-SHA256 of the raw body with the
  webhook's secret (``generate_signature``);
* ``-Delivery-ID`` is ``wp_hash(webhook id . strtotime('now'))`` (``get_new_delivery_id``): two
  deliveries of one webhook in the same second share it, so the hub's dedup key adds the topic
  and a digest of the body to it;
* on creation WooCommerce posts a ping, ``webhook_id=<id>`` as a form body and without a
  signature (``deliver_ping``): read as ``ignored``;
* subscriptions are managed with ``/webhooks`` (``Version3/class-wc-rest-webhooks-controller.php``:
  ``name``, ``topic``, ``delivery_url``, ``secret``, ``status``); WooCommerce disables a
  webhook after more than 5 failed deliveries in a row (``failed_delivery``), and
  registering again turns it back on.
"""

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping

from connect_woocommerce import mapping
from connect_woocommerce.client import Row, WooClient
from hub import hookimpl
from hub.context import ConnectorContext
from hub.errors import WebhookRejected
from hub.records import WebhookDeliveryDict, WebhookEvent, WebhookSubscriptionDict

TOPICS = ("order.created", "order.updated", "product.updated")
EVENTS: dict[str, WebhookEvent] = {
    "order.created": "order_created",
    "order.updated": "order_updated",
}
PING = re.compile(rb"^webhook_id=\d+$")


def subscription_name(ctx: ConnectorContext, topic: str) -> str:
    """The name the hub gives its subscriptions: how it recognises its own older ones."""
    return f"connect-hub {ctx.integration}: {topic}"


def _subscriptions(wc: WooClient) -> list[Row]:
    found: list[Row] = []
    page = 1
    while True:
        rows, _total = wc.rows("webhooks", {"per_page": wc.page_size, "page": page})
        found.extend(r for r in rows if isinstance(r, dict))
        if len(rows) < wc.page_size:
            return found
        page += 1


@hookimpl
def hub_register_webhooks(
    ctx: ConnectorContext, url: str, secret: str
) -> list[WebhookSubscriptionDict]:
    """One active subscription per topic delivering to ``url``, signed with ``secret``.

    A subscription of ours (same name) that delivers elsewhere (an older public URL) is
    deleted; ours at ``url`` get the secret and ``active`` again (WooCommerce does not show a
    secret back, and disables a webhook after failed deliveries); subscriptions of others are
    left alone."""
    wc = WooClient(ctx)
    existing = _subscriptions(wc)
    ours = {subscription_name(ctx, topic): topic for topic in TOPICS}
    kept: dict[str, Row] = {}
    for hook in existing:
        if hook.get("name") not in ours and hook.get("delivery_url") != url:
            continue  # someone else's
        topic = hook.get("topic")
        if hook.get("delivery_url") == url and topic in TOPICS and topic not in kept:
            wc.json("PUT", f"webhooks/{hook['id']}", json={"secret": secret, "status": "active"})
            kept[topic] = hook
        elif hook.get("name") in ours:
            wc.json("DELETE", f"webhooks/{hook['id']}", params={"force": "true"})
    for topic in TOPICS:
        if topic not in kept:
            kept[topic] = wc.json(
                "POST",
                "webhooks",
                json={
                    "name": subscription_name(ctx, topic),
                    "topic": topic,
                    "delivery_url": url,
                    "secret": secret,
                    "status": "active",
                },
                once=True,
            )
    return [
        {"topic": topic, "external_id": str(kept[topic]["id"]), "address": url} for topic in TOPICS
    ]


def signature_of(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _resource(body: bytes) -> Row:
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@hookimpl
def hub_read_webhook(
    ctx: ConnectorContext, headers: Mapping[str, str], body: bytes, secret: str
) -> WebhookDeliveryDict:
    lowered = {str(k).lower(): v for k, v in headers.items()}  # whatever mapping it came in
    topic = lowered.get("x-wc-webhook-topic") or ""
    signature = lowered.get("x-wc-webhook-signature") or ""
    if not signature and not topic and PING.match(body.strip()):
        return {"delivery_id": None, "event": "ignored", "external_ids": []}
    if not signature or not hmac.compare_digest(signature_of(body, secret), signature):
        raise WebhookRejected(
            "WooCommerce webhook delivery with a missing or wrong X-WC-Webhook-Signature",
            hint="Register the webhooks again from the integration page: the store's "
            "subscriptions then carry this integration's current secret.",
        )
    resource = _resource(body)
    delivery = lowered.get("x-wc-webhook-delivery-id") or ""
    digest = hashlib.sha256(body).hexdigest()[:16]
    delivery_id = f"{topic}:{delivery}:{digest}"
    ident = resource.get("id")
    if topic.startswith("order.") and topic in EVENTS and ident:
        event = EVENTS[topic]
        if topic == "order.updated" and resource.get("status") in mapping.CANCELLED:
            event = "order_cancelled"
        return {"delivery_id": delivery_id, "event": event, "external_ids": [str(ident)]}
    if topic == "product.updated" and ident:
        # a variation's update names its variable product: the hub re-reads that product
        parent = resource.get("parent_id") if resource.get("type") == "variation" else None
        return {
            "delivery_id": delivery_id,
            "event": "product_updated",
            "external_ids": [str(parent or ident)],
        }
    return {"delivery_id": delivery_id, "event": "ignored", "external_ids": []}
