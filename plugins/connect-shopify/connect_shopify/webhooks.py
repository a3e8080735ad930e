"""Shopify webhooks: the subscriptions (GraphQL Admin API) and reading a delivery.

* Subscriptions: ``webhookSubscriptions`` lists the app's subscriptions of the hub's topics,
  ``webhookSubscriptionCreate(topic:, webhookSubscription: {uri, format: JSON})`` creates the
  missing ones, ``webhookSubscriptionDelete`` removes the hub's own subscriptions to an older
  address of this integration (https://shopify.dev/docs/api/admin-graphql/latest/mutations/
  webhookSubscriptionCreate ; .../objects/WebhookSubscription: ``uri`` replaces the deprecated
  ``callbackUrl``). Subscriptions to any other address are never touched.
* Deliveries (https://shopify.dev/docs/apps/build/webhooks/verify-deliveries): the body is
  signed with HMAC-SHA256, keyed with the app's client secret, base64 in
  ``X-Shopify-Hmac-Sha256``; ``X-Shopify-Webhook-Id`` is the same on a retry (dedup);
  ``X-Shopify-Topic`` names the topic (``orders/create``…). The hub's own per-integration
  secret is not used: Shopify signs with the app's secret, so the integration needs its
  ``client_secret`` (also for a custom app's access token: the app's "API secret key").
* Payloads are the REST resource JSON; ``admin_graphql_api_id`` is the GID the connector
  uses everywhere else as the record's ``external_id``.
"""

import base64
import binascii
import hashlib
import hmac
import json

from connect_shopify import queries
from connect_shopify.client import ShopifyClient
from connect_shopify.feeds import product_with_variants
from hub import hookimpl
from hub.errors import ConfigurationError, StoreRejected, WebhookRejected

# GraphQL topic (subscriptions) -> the hub's event; the same topics as delivery headers
TOPICS = {
    "ORDERS_CREATE": "order_created",
    "ORDERS_UPDATED": "order_updated",
    "ORDERS_CANCELLED": "order_cancelled",
    "PRODUCTS_UPDATE": "product_updated",
}
HEADER_TOPICS = {
    "orders/create": "order_created",
    "orders/updated": "order_updated",
    "orders/cancelled": "order_cancelled",
    "products/update": "product_updated",
}
GID_KIND = {"order": "Order", "product": "Product"}
SIGNING_HINT = (
    "Enter the app's client secret (API secret key) in the integration's settings: Shopify "
    "signs its webhooks with it."
)

SUBSCRIPTIONS = """
query WebhookSubscriptions($first: Int!, $cursor: String, $topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: $first, after: $cursor, topics: $topics) {
    pageInfo { hasNextPage endCursor }
    nodes { id topic uri }
  }
}
"""
CREATE = """
mutation WebhookSubscriptionCreate(
  $topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!
) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""
DELETE = """
mutation WebhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}
"""
PRODUCT_WITH_VARIANTS = """
query ProductWithVariants($id: ID!, $cursor: String, $first: Int!) {
  product(id: $id) {
    id legacyResourceId title status createdAt updatedAt
    variants(first: $first, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes { %s }
    }
  }
}
""".replace("%s", queries.VARIANT_FIELDS)


def _same_integration(uri, url):
    """A subscription to another secret path of this integration's address (a refresh)."""
    return uri != url and uri.rsplit("/", 1)[0] == url.rsplit("/", 1)[0]


def _check(payload, what):
    errors = (payload or {}).get("userErrors") or []
    if errors:
        raise StoreRejected(
            f"Shopify refused to {what}: " + "; ".join(e.get("message", "?") for e in errors)
        )
    return payload


@hookimpl
def hub_register_webhooks(ctx, url, secret):
    if not ctx.secret("client_secret"):
        raise ConfigurationError("Shopify webhooks need the app's client secret", hint=SIGNING_HINT)
    client = ShopifyClient(ctx)
    existing = []
    for _result, page in client.paginate(
        SUBSCRIPTIONS, {"first": 100, "topics": list(TOPICS)}, ("webhookSubscriptions",)
    ):
        existing.extend(page.get("nodes") or [])
    in_place = []
    for sub in existing:
        if sub.get("uri") == url and sub.get("topic") in TOPICS:
            in_place.append(sub)
        elif _same_integration(sub.get("uri") or "", url):
            data = client.execute(DELETE, {"id": sub["id"]}).data
            _check(data.get("webhookSubscriptionDelete"), "delete an old webhook subscription")
    have = {sub["topic"] for sub in in_place}
    for topic in TOPICS:
        if topic in have:
            continue
        variables = {"topic": topic, "webhookSubscription": {"uri": url, "format": "JSON"}}
        data = client.execute(CREATE, variables).data
        payload = _check(data.get("webhookSubscriptionCreate"), f"subscribe to {topic}")
        in_place.append(payload["webhookSubscription"])
    return [{"topic": s["topic"], "external_id": s["id"], "address": s["uri"]} for s in in_place]


@hookimpl
def hub_read_webhook(ctx, headers, body, secret):
    key = ctx.secret("client_secret")
    if not key:
        raise WebhookRejected("no client secret to verify Shopify's signature", hint=SIGNING_HINT)
    try:
        sent = base64.b64decode(headers.get("X-Shopify-Hmac-Sha256") or "", validate=True)
    except (binascii.Error, ValueError):
        sent = b""
    expected = hmac.new(key.encode(), body, hashlib.sha256).digest()
    if not sent or not hmac.compare_digest(sent, expected):
        raise WebhookRejected("the X-Shopify-Hmac-Sha256 signature does not match the body")
    event = HEADER_TOPICS.get(headers.get("X-Shopify-Topic") or "", "ignored")
    delivery_id = headers.get("X-Shopify-Webhook-Id") or None
    if event == "ignored":
        return {"delivery_id": delivery_id, "event": "ignored", "external_ids": []}
    try:
        payload = json.loads(body)
        kind = "product" if event == "product_updated" else "order"
        gid = (
            payload.get("admin_graphql_api_id") or f"gid://shopify/{GID_KIND[kind]}/{payload['id']}"
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise StoreRejected("a signed Shopify delivery without the resource's id") from None
    return {"delivery_id": delivery_id, "event": event, "external_ids": [str(gid)]}


@hookimpl
def hub_fetch_products_by_id(ctx, external_ids):
    """The variants of these products (``product(id:)`` with its variants, paged)."""
    client = ShopifyClient(ctx)
    currency = client.shop_currency()
    for product_id in external_ids:
        variables = {"id": product_id, "first": queries.VARIANT_PAGE, "cursor": None}
        result, _ = client.execute_sized(PRODUCT_WITH_VARIANTS, variables, ("first",))
        product = result.data.get("product")
        if product:  # else deleted meanwhile: the nightly update_products flags it
            yield from product_with_variants(client, product, currency, result, ("product",))
