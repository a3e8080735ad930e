"""Reading a delivery: the signature WooCommerce computes (class-wc-webhook.php), the ping."""

import base64
import hashlib
import hmac
import json

import pytest
from connect_woocommerce.webhooks import hub_read_webhook

from hub.errors import WebhookRejected
from hub.testing import make_context

SECRET = "per-integration-secret"


def _ctx():
    return make_context(
        "woocommerce", "http://127.0.0.1:1", secrets={"consumer_key": "ck", "consumer_secret": "cs"}
    )


def _signed(body, topic, secret=SECRET):
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Signature": signature,
        "X-WC-Webhook-Delivery-ID": "d41d8cd98f00b204e9800998ecf8427e",
        "X-WC-Webhook-ID": "3",
    }


def test_a_signed_order_delivery_names_the_order():
    body = json.dumps({"id": 812, "status": "processing"}).encode()
    delivery = hub_read_webhook(_ctx(), _signed(body, "order.created"), body, SECRET)
    assert delivery["event"] == "order_created"
    assert delivery["external_ids"] == ["812"]
    assert delivery["delivery_id"].startswith("order.created:d41d8cd98f00b204e9800998ecf8427e:")


def test_two_deliveries_in_one_second_have_different_ids():
    # WooCommerce's X-WC-Webhook-Delivery-ID is wp_hash(webhook id . the current second)
    first = json.dumps({"id": 1, "status": "processing"}).encode()
    second = json.dumps({"id": 2, "status": "processing"}).encode()
    a = hub_read_webhook(_ctx(), _signed(first, "order.updated"), first, SECRET)
    b = hub_read_webhook(_ctx(), _signed(second, "order.updated"), second, SECRET)
    assert a["delivery_id"] != b["delivery_id"]


def test_a_cancelled_order_and_a_variation_update():
    body = json.dumps({"id": 9, "status": "cancelled"}).encode()
    assert hub_read_webhook(_ctx(), _signed(body, "order.updated"), body, SECRET)["event"] == (
        "order_cancelled"
    )
    body = json.dumps({"id": 31, "type": "variation", "parent_id": 30}).encode()
    delivery = hub_read_webhook(_ctx(), _signed(body, "product.updated"), body, SECRET)
    assert (delivery["event"], delivery["external_ids"]) == ("product_updated", ["30"])


def test_a_wrong_or_missing_signature_is_rejected():
    body = json.dumps({"id": 812}).encode()
    with pytest.raises(WebhookRejected):
        hub_read_webhook(_ctx(), _signed(body, "order.created", "another"), body, SECRET)
    headers = _signed(body, "order.created")
    del headers["X-WC-Webhook-Signature"]
    with pytest.raises(WebhookRejected):
        hub_read_webhook(_ctx(), headers, body, SECRET)
    tampered = json.dumps({"id": 813}).encode()
    with pytest.raises(WebhookRejected):
        hub_read_webhook(_ctx(), _signed(body, "order.created"), tampered, SECRET)


def test_the_creation_ping_is_ignored():
    delivery = hub_read_webhook(_ctx(), {}, b"webhook_id=3", SECRET)
    assert delivery == {"delivery_id": None, "event": "ignored", "external_ids": []}
