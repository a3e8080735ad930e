"""The Shopify connector's webhook hooks against the emulator: registration is idempotent and
replaces only the hub's own older address, deliveries are verified with the app's client
secret, and a product is read with all its variants."""

import base64
import hashlib
import hmac
import json

import pytest
from connect_shopify.webhooks import (
    hub_fetch_products_by_id,
    hub_read_webhook,
    hub_register_webhooks,
)
from connect_shopify_emulator import DEMO_CLIENT_SECRET, DEMO_TOKEN

from hub.errors import ConfigurationError, WebhookRejected
from hub.outcomes import is_outcome
from hub.records import validate_record

HUB = "https://hub.example/webhooks/7"
CREATE = """
mutation C($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id uri } userErrors { field message }
  }
}
"""


@pytest.fixture
def wctx(store, make_ctx):
    return make_ctx(
        store, secrets={"access_token": DEMO_TOKEN, "client_secret": DEMO_CLIENT_SECRET}
    )


def _subs(store):
    return sorted((s["topic"], s["uri"]) for s in store.state()["webhook_subscriptions"])


def test_registration_is_idempotent_and_replaces_only_the_hubs_older_address(store, wctx):
    other = store.graphql(
        CREATE, {"topic": "ORDERS_CREATE", "sub": {"uri": "https://erp.example/hook"}}
    ).json()["data"]["webhookSubscriptionCreate"]
    assert other["userErrors"] == []
    first = hub_register_webhooks(wctx, f"{HUB}/old-path", "unused")
    assert len(first) == 4 and all(validate_record("webhook_subscription", s) for s in first)
    assert hub_register_webhooks(wctx, f"{HUB}/old-path", "unused") == first  # nothing new
    hub_register_webhooks(wctx, f"{HUB}/new-path", "unused")
    subs = _subs(store)
    assert ("ORDERS_CREATE", "https://erp.example/hook") in subs  # someone else's: kept
    ours = [uri for _, uri in subs if uri.startswith(HUB)]
    assert sorted(set(ours)) == [f"{HUB}/new-path"] and len(ours) == 4


def test_the_emulator_refuses_a_plain_http_address_and_a_duplicate(store):
    for uri, message in (
        ("http://hub.example/webhooks/1/x", "not supported"),
        ("https://erp.example/hook", None),
        ("https://erp.example/hook", "already been taken"),
    ):
        payload = store.graphql(CREATE, {"topic": "ORDERS_CREATE", "sub": {"uri": uri}}).json()
        errors = payload["data"]["webhookSubscriptionCreate"]["userErrors"]
        if message is None:
            assert errors == []
        else:
            assert message in errors[0]["message"]


def test_registration_needs_the_client_secret(store, make_ctx):
    with pytest.raises(ConfigurationError, match="client secret"):
        hub_register_webhooks(make_ctx(store), f"{HUB}/p", "unused")


def _delivery(payload, topic="orders/create", secret=DEMO_CLIENT_SECRET):
    body = json.dumps(payload).encode()
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": digest,
        "X-Shopify-Webhook-Id": "w1",
    }
    return headers, body


def test_a_delivery_is_verified_with_the_client_secret_and_read(wctx, make_ctx, store):
    headers, body = _delivery({"id": 5, "admin_graphql_api_id": "gid://shopify/Order/5"})
    read = hub_read_webhook(wctx, headers, body, "the hub's secret, unused by Shopify")
    assert read == {
        "delivery_id": "w1",
        "event": "order_created",
        "external_ids": ["gid://shopify/Order/5"],
    }
    cancelled = hub_read_webhook(wctx, *_delivery({"id": 6}, "orders/cancelled"), "")
    assert cancelled["event"] == "order_cancelled"
    assert cancelled["external_ids"] == ["gid://shopify/Order/6"]
    assert hub_read_webhook(wctx, *_delivery({"id": 1}, "app/uninstalled"), "")["event"] == (
        "ignored"
    )
    with pytest.raises(WebhookRejected):
        hub_read_webhook(wctx, headers, body + b" ", "")  # the body changed on the way
    with pytest.raises(WebhookRejected):
        hub_read_webhook(wctx, *_delivery({"id": 5}, secret="another app"), "")
    with pytest.raises(WebhookRejected):
        hub_read_webhook(wctx, {"X-Shopify-Topic": "orders/create"}, body, "")  # unsigned
    with pytest.raises(WebhookRejected, match="client secret"):
        hub_read_webhook(make_ctx(store), headers, body, "")


def test_a_product_is_read_with_all_its_variants(store, wctx):
    product = max(store.emu.shop.products, key=lambda p: len(p._variants))
    items = list(hub_fetch_products_by_id(wctx, [product.id, "gid://shopify/Product/1"]))
    records = [validate_record("product", i) for i in items if not is_outcome(i)]
    assert sorted(r["external_id"] for r in records) == sorted(v.id for v in product._variants)
    assert {r["parent"] for r in records} == {product.id}  # the unknown id: nothing
