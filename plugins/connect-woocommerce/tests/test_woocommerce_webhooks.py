"""Webhooks against the emulator: subscriptions kept idempotent, real deliveries verified."""

import threading
import time

import pytest
from connect_woocommerce import webhooks
from connect_woocommerce.client import WooClient
from flask import Flask, request

from hub.errors import WebhookRejected
from hub.records import validate_record
from hub.testing import serve_app

from .conftest import in_stock

SECRET = "hub-integration-secret"


@pytest.fixture
def receiver():
    """A loopback endpoint that keeps every delivery: ``(headers, raw body)``."""
    app = Flask("receiver")
    received, lock = [], threading.Lock()

    @app.post("/hook/<path:anything>")
    def hook(anything):
        with lock:
            received.append((dict(request.headers), request.get_data()))
        return "", 200

    with serve_app(app) as server:
        yield server.url, received


def _wait_for(received, count, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(received) < count:
        time.sleep(0.05)
    return list(received)


def test_registration_is_idempotent_and_replaces_an_old_address(store, ctx, receiver):
    url, _received = receiver
    old = webhooks.hub_register_webhooks(ctx, f"{url}/hook/old-path", SECRET)
    assert {s["topic"] for s in old} == set(webhooks.TOPICS)
    assert len(store.control("GET", "webhooks")) == 3
    first = webhooks.hub_register_webhooks(ctx, f"{url}/hook/new-path", SECRET)
    for subscription in first:
        validate_record("webhook_subscription", subscription)
    again = webhooks.hub_register_webhooks(ctx, f"{url}/hook/new-path", SECRET)
    assert sorted(again, key=str) == sorted(first, key=str)
    kept = store.control("GET", "webhooks")
    assert sorted(w["topic"] for w in kept) == sorted(webhooks.TOPICS)
    assert {w["delivery_url"] for w in kept} == {f"{url}/hook/new-path"}
    assert {w["secret"] for w in kept} == {SECRET}
    assert {w["status"] for w in kept} == {"active"}


def test_subscriptions_of_others_are_left_alone(store, ctx, receiver):
    url, _received = receiver
    other = WooClient(ctx).json(
        "POST",
        "webhooks",
        json={"name": "ERP", "topic": "order.created", "delivery_url": f"{url}/hook/erp"},
    )
    webhooks.hub_register_webhooks(ctx, f"{url}/hook/hub", SECRET)
    webhooks.hub_register_webhooks(ctx, f"{url}/hook/hub2", SECRET)
    ids = {w["id"] for w in store.control("GET", "webhooks")}
    assert other["id"] in ids and len(ids) == 4


def test_deliveries_are_verified_and_read(store, ctx, receiver):
    url, received = receiver
    webhooks.hub_register_webhooks(ctx, f"{url}/hook/x", SECRET)
    pings = _wait_for(received, 3)
    for headers, body in pings:  # WooCommerce pings each new webhook, unsigned
        assert webhooks.hub_read_webhook(ctx, headers, body, SECRET)["event"] == "ignored"
    received.clear()
    sku = in_stock(ctx)[0]["sku"]
    order = store.control(
        "POST", "orders", json={"lines": [{"sku": sku, "quantity": 1}], "status": "processing"}
    )
    deliveries = _wait_for(received, 2)
    time.sleep(0.3)  # and any later one of the same sale
    deliveries = list(received)
    read = [webhooks.hub_read_webhook(ctx, h, b, SECRET) for h, b in deliveries]
    for delivery in read:
        validate_record("webhook_delivery", delivery)
    assert {d["event"] for d in read} >= {"order_created"}
    orders = [d for d in read if d["event"].startswith("order_")]
    assert orders and all(d["external_ids"] == [str(order["id"])] for d in orders)
    # the sale changed the product's stock: product.updated names the product (or its parent)
    products = [d for d in read if d["event"] == "product_updated"]
    sold = store.control("GET", f"sku/{sku}")
    assert [d["external_ids"] for d in products] in (
        [],
        [[str(sold.get("parent_id") or sold["id"])]],
    )
    assert len({d["delivery_id"] for d in read}) == len(read)
    headers, body = deliveries[0]
    with pytest.raises(WebhookRejected):
        webhooks.hub_read_webhook(ctx, headers, body, "another-secret")
    with pytest.raises(WebhookRejected):
        webhooks.hub_read_webhook(ctx, headers, body + b" ", SECRET)
