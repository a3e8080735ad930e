"""Shopify webhooks in the emulator: the subscriptions the Admin GraphQL API manages, and
signed HTTPS-style deliveries posted from a background thread.

What Shopify documents, and this emulator does:

* ``webhookSubscriptionCreate(topic:, webhookSubscription: {uri, format})``,
  ``webhookSubscriptionDelete(id:)``, ``webhookSubscriptions(first:, topics:, uri:)``
  (https://shopify.dev/docs/api/admin-graphql/latest/mutations/webhookSubscriptionCreate ;
  .../objects/WebhookSubscription: ``uri``, ``callbackUrl`` deprecated). A second subscription
  of the same topic to the same address is refused with the userError "Address for this topic
  has already been taken" (field ``["webhookSubscription", "callbackUrl"]``).
* The address must be HTTPS (https://shopify.dev/docs/apps/build/webhooks/subscribe/https:
  "Ensure your server is correctly configured to support HTTPS with a valid SSL certificate").
  Deviation, on purpose: a loopback ``http://`` address (127.0.0.1, localhost, ::1) is accepted
  so that tests and the demo can receive deliveries without certificates.
* A delivery is an HTTP POST of the resource's JSON with ``X-Shopify-Topic`` (``orders/create``),
  ``X-Shopify-Hmac-Sha256`` (base64 HMAC-SHA256 of the raw body keyed with the app's client
  secret), ``X-Shopify-Shop-Domain``, ``X-Shopify-API-Version``, ``X-Shopify-Webhook-Id``
  (the same on a redelivery), ``X-Shopify-Event-Id`` and ``X-Shopify-Triggered-At``
  (https://shopify.dev/docs/apps/build/webhooks/verify-deliveries ; .../delivery-structure).
  Shopify waits 1 s to connect and 5 s for the answer; so does this emulator.
* Not emulated: Shopify's 8 retries over 4 hours, and its removal of a subscription after
  repeated failures — a failed or dropped delivery is simply lost (a test of reconciliation
  wants exactly that). ``POST /_emulator/webhooks/drop {"count": n}`` loses the next n.
* Payloads carry what a receiver needs to act (``id``, ``admin_graphql_api_id``, ``name``,
  ``updated_at``; variants' ids for products), not the whole REST resource.
"""

import base64
import hashlib
import hmac
import json
import logging
import queue
import threading
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlparse

from connect_shopify_emulator.state import gid, iso

log = logging.getLogger("connect_shopify_emulator.webhooks")

# the GraphQL topic and the topic a delivery's header names
TOPICS = {
    "ORDERS_CREATE": "orders/create",
    "ORDERS_UPDATED": "orders/updated",
    "ORDERS_CANCELLED": "orders/cancelled",
    "PRODUCTS_UPDATE": "products/update",
    "APP_UNINSTALLED": "app/uninstalled",
}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CONNECT_TIMEOUT, ANSWER_TIMEOUT = 1, 5


class Subscription:
    TYPENAME = "WebhookSubscription"

    def __init__(self, num, topic, uri, fmt, created):
        self.num, self.topic, self.uri, self.format = num, topic, uri, fmt
        self.id = gid("WebhookSubscription", num)
        self.legacyResourceId = num
        self.createdAt = self.updatedAt = iso(created)
        self.apiVersion = None

    @property
    def callbackUrl(self):
        return self.uri


def address_error(uri):
    parsed = urlparse(uri or "")
    if parsed.scheme == "https" and parsed.netloc:
        return None
    if parsed.scheme == "http" and parsed.hostname in LOOPBACK:
        return None  # the emulator's deviation: loopback receivers in tests
    return "Address protocol is not supported: use https://"


def create(shop, clock, topic, data):
    uri = data.get("uri") or data.get("callbackUrl")
    field = ["webhookSubscription", "callbackUrl"]
    error = address_error(uri)
    if error:
        return {"webhookSubscription": None, "userErrors": [{"field": field, "message": error}]}
    subs = shop.webhook_subscriptions
    if any(s.topic == topic and s.uri == uri for s in subs.values()):
        return {
            "webhookSubscription": None,
            "userErrors": [
                {"field": field, "message": "Address for this topic has already been taken"}
            ],
        }
    sub = Subscription(shop.next_num(), topic, uri, data.get("format") or "JSON", clock())
    subs[sub.num] = sub
    return {"webhookSubscription": sub, "userErrors": []}


def delete(shop, subscription_id):
    for num, sub in list(shop.webhook_subscriptions.items()):
        if sub.id == subscription_id:
            del shop.webhook_subscriptions[num]
            return {"deletedWebhookSubscriptionId": sub.id, "userErrors": []}
    return {
        "deletedWebhookSubscriptionId": None,
        "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
    }


def order_payload(order):
    return {
        "id": order.num,
        "admin_graphql_api_id": order.id,
        "name": order.name,
        "financial_status": order.financial.lower(),
        "cancelled_at": iso(order.cancelled) if order.cancelled else None,
        "updated_at": iso(order.updated),
    }


def product_payload(product):
    return {
        "id": product.num,
        "admin_graphql_api_id": product.id,
        "title": product.title,
        "updated_at": iso(product.updated),
        "variants": [
            {"id": v.num, "admin_graphql_api_id": v.id, "sku": v.sku} for v in product._variants
        ],
    }


class Deliverer:
    """Posts deliveries in order from one background thread (started on first use)."""

    def __init__(self, secret, counters, clock):
        self.secret, self.counters, self.clock = secret, counters, clock
        self.drop = 0
        self.log = []  # the last deliveries: topic, webhook id, status
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread = None

    def publish(self, shop, topic, payload):
        """Queue a delivery of ``topic`` to every subscription of it (nothing when none)."""
        targets = [s for s in shop.webhook_subscriptions.values() if s.topic == topic]
        if not targets:
            return 0
        body = json.dumps(payload, separators=(",", ":")).encode()
        event_id = str(uuid.uuid4())
        for sub in targets:
            with self._lock:
                if self.drop > 0:
                    self.drop -= 1
                    self.counters["webhooks_dropped"] += 1
                    self._note(topic, None, "dropped")
                    continue
            headers = {
                "Content-Type": "application/json",
                "X-Shopify-Topic": TOPICS[topic],
                "X-Shopify-Hmac-Sha256": sign(self.secret, body),
                "X-Shopify-Shop-Domain": shop.domain,
                "X-Shopify-API-Version": "2026-10",
                "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                "X-Shopify-Event-Id": event_id,
                "X-Shopify-Triggered-At": iso(self.clock()),
            }
            self._start()
            self._queue.put((sub.uri, body, headers))
        return len(targets)

    def _start(self):
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="shopify-webhooks", daemon=True
                )
                self._thread.start()

    def _run(self):
        while True:
            uri, body, headers = self._queue.get()
            status = post(uri, body, headers)
            with self._lock:
                key = "webhooks_delivered" if status and 200 <= status < 300 else "webhooks_failed"
                self.counters[key] += 1
                self._note(headers["X-Shopify-Topic"], headers["X-Shopify-Webhook-Id"], status)
            self._queue.task_done()

    def _note(self, topic, webhook_id, status):
        self.log.append({"topic": topic, "webhook_id": webhook_id, "status": status})
        del self.log[:-100]

    def pending(self):
        return self._queue.unfinished_tasks


def sign(secret, body):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post(uri, body, headers):
    """One delivery; the receiver's status, or None when it could not be reached in time."""
    req = urllib.request.Request(uri, data=body, headers=headers, method="POST")  # noqa: S310 - the subscription's address, http(s) only
    try:
        with urllib.request.urlopen(req, timeout=ANSWER_TIMEOUT) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError) as exc:
        log.info("webhook delivery to %s failed: %s", urlparse(uri).netloc, exc)
        return None
