"""Webhooks (class-wc-webhook.php): CRUD, the creation ping, signed background deliveries, lost
deliveries and the failure count that disables a webhook — to a real receiver over loopback."""

import base64
import hashlib
import hmac
import json
import threading
import time

import pytest
from flask import Flask, request

from hub.testing import serve_app


class Receiver:
    """A delivery URL: records every POST; ``status`` / ``delay`` shape its answer."""

    def __init__(self):
        self.received = []
        self.status = 200
        self.gate = threading.Event()  # deliveries wait on it; set unless a test holds them
        self.gate.set()
        self.lock = threading.Lock()
        app = Flask("receiver")

        @app.post("/hook")
        def hook():
            is_ping = request.mimetype == "application/x-www-form-urlencoded"
            if not is_ping:
                self.gate.wait(timeout=30)
            with self.lock:
                self.received.append((dict(request.headers), request.get_data()))
            return "", self.status

        self.app = app

    def deliveries(self):
        with self.lock:
            return [(h, b) for h, b in self.received if "X-Wc-Webhook-Topic" in h]

    def wait_for(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.deliveries()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.deliveries()


@pytest.fixture
def receiver():
    hooks = Receiver()
    with serve_app(hooks.app) as server:
        hooks.url = f"{server.url}/hook"
        yield hooks


def subscribe(shop, receiver, topic, secret="s3cret-hub"):  # noqa: S107 - a test secret
    response = shop.post(
        "/webhooks", {"name": topic, "topic": topic, "delivery_url": receiver.url, "secret": secret}
    )
    assert response.status_code == 201, response.text
    return response.json()


def verify(headers, body, secret):
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, headers["X-Wc-Webhook-Signature"])


def buy(shop, status="processing"):
    variation = next(
        r
        for r in shop.store.products.values()
        if r["type"] == "variation"
        and r["sku"]
        and r["manage_stock"] is True
        and r["stock_quantity"] > 2
    )
    return shop.control(
        "POST",
        "orders",
        json={"lines": [{"sku": variation["sku"], "quantity": 1}], "status": status},
    )


def test_crud_ping_and_a_signed_order_created_delivery(shop, receiver):
    hook = subscribe(shop, receiver, "order.created")
    assert hook["status"] == "active" and hook["topic"] == "order.created"
    assert "secret" not in hook
    assert hook["hooks"] == ["woocommerce_new_order"]
    ping_headers, ping_body = receiver.received[0]  # sent before the create answered
    assert ping_body == f"webhook_id={hook['id']}".encode()
    assert "X-Wc-Webhook-Signature" not in ping_headers
    order = buy(shop)
    ((headers, body),) = receiver.wait_for(1)
    assert verify(headers, body, "s3cret-hub")
    assert not verify(headers, body, "another-secret")
    # wp_json_encode escapes "/": only the raw bytes verify, not the JSON re-serialised
    assert b"http:\\/\\/" in body
    assert not verify(headers, json.dumps(json.loads(body)).encode(), "s3cret-hub")
    assert headers["X-Wc-Webhook-Topic"] == "order.created"
    assert (headers["X-Wc-Webhook-Resource"], headers["X-Wc-Webhook-Event"]) == ("order", "created")
    assert headers["X-Wc-Webhook-Id"] == str(hook["id"])
    assert headers["X-Wc-Webhook-Source"] == shop.url + "/"
    assert len(headers["X-Wc-Webhook-Delivery-Id"]) == 32
    assert headers["User-Agent"].startswith("WooCommerce/")
    payload = json.loads(body)
    assert payload["id"] == order["id"] and payload["status"] == "processing"
    assert payload["line_items"][0]["sku"] == order["line_items"][0]["sku"]
    assert [w["id"] for w in shop.get("/webhooks").json()] == [hook["id"]]
    paused = shop.put(f"/webhooks/{hook['id']}", {"status": "paused"}).json()
    assert paused["status"] == "paused"
    buy(shop)
    time.sleep(0.3)
    assert len(receiver.deliveries()) == 1, "a paused webhook delivers nothing"
    assert shop.session.delete(f"{shop.api}/webhooks/{hook['id']}", timeout=10).status_code == 501
    forced = shop.session.delete(
        f"{shop.api}/webhooks/{hook['id']}", params={"force": "true"}, timeout=10
    )
    assert forced.status_code == 200 and shop.get("/webhooks").json() == []


def test_bad_subscriptions_are_refused(shop, receiver):
    bad_topic = shop.post("/webhooks", {"topic": "order.shipped", "delivery_url": receiver.url})
    assert (
        bad_topic.status_code == 400
        and bad_topic.json()["code"] == "woocommerce_rest_webhook_invalid_topic"
    )
    bad_url = shop.post("/webhooks", {"topic": "order.created", "delivery_url": "ftp://x"})
    assert bad_url.json()["code"] == "woocommerce_rest_webhook_invalid_delivery_url"
    missing = shop.post("/webhooks", {"topic": "order.created"})
    assert missing.json()["code"] == "rest_missing_callback_param"
    unknown = shop.get("/webhooks/999")
    assert (unknown.status_code, unknown.json()["message"]) == (400, "ID is invalid.")
    not_forced = shop.session.delete(f"{shop.api}/webhooks/999", timeout=10)
    assert not_forced.status_code == 501  # "do not support trashing" comes before the id check
    forced = shop.session.delete(f"{shop.api}/webhooks/999", params={"force": "true"}, timeout=10)
    assert (forced.status_code, forced.json()["message"]) == (404, "Invalid ID.")


def test_order_updated_and_product_updated_for_a_variation(shop, receiver):
    subscribe(shop, receiver, "order.updated")
    subscribe(shop, receiver, "product.updated")
    order = buy(shop)
    time.sleep(0.2)
    receiver.received.clear()
    assert shop.put(f"/orders/{order['id']}", {"status": "completed"}).status_code == 200
    deliveries = receiver.wait_for(1)
    assert [(h["X-Wc-Webhook-Topic"], json.loads(b)["status"]) for h, b in deliveries] == [
        ("order.updated", "completed")
    ]
    variation = next(
        r
        for r in shop.store.products.values()
        if r["type"] == "variation" and r["manage_stock"] is True
    )
    shop.control("POST", f"products/{variation['id']}/stock", json={"quantity": 5})
    deliveries = receiver.wait_for(2)
    headers, body = deliveries[1]
    payload = json.loads(body)
    assert headers["X-Wc-Webhook-Topic"] == "product.updated"
    assert (payload["id"], payload["type"], payload["parent_id"]) == (
        variation["id"],
        "variation",
        variation["parent_id"],
    )
    assert payload["stock_quantity"] == 5


def test_a_paid_order_reducing_stock_sends_order_created_and_product_updated(shop, receiver):
    subscribe(shop, receiver, "order.created")
    subscribe(shop, receiver, "product.updated")
    order = buy(shop)
    deliveries = receiver.wait_for(2)
    topics = sorted((h["X-Wc-Webhook-Topic"], json.loads(b)["id"]) for h, b in deliveries)
    assert topics == sorted(
        [
            ("order.created", order["id"]),
            ("product.updated", order["line_items"][0]["variation_id"]),
        ]
    )


def test_deliveries_run_in_the_background_and_never_block_the_request(shop, receiver):
    subscribe(shop, receiver, "order.created")
    receiver.gate.clear()  # the receiver holds every delivery until the gate opens
    order = buy(shop)  # answers although its delivery is stuck at the receiver
    state = shop.control("GET", "state")
    assert state["deliveries_pending"] == 1 and receiver.deliveries() == []
    assert shop.get(f"/orders/{order['id']}").status_code == 200  # the store still serves
    receiver.gate.set()
    assert [json.loads(b)["id"] for _h, b in receiver.wait_for(1)] == [order["id"]]


def test_a_dropped_delivery_is_lost(shop, receiver):
    subscribe(shop, receiver, "order.created")
    shop.control("POST", "webhooks/drop", json={"count": 1})
    lost = buy(shop)
    kept = buy(shop)
    deliveries = receiver.wait_for(1)
    time.sleep(0.2)
    assert [json.loads(b)["id"] for _h, b in receiver.deliveries()] == [kept["id"]]
    log = shop.control("GET", "webhooks/deliveries", params={"wait": 5})
    assert [(e["resource_id"], e.get("dropped", False)) for e in log if not e.get("ping")] == [
        (lost["id"], True),
        (kept["id"], False),
    ]
    assert deliveries


def test_more_than_five_failures_disable_the_webhook(shop, receiver):
    hook = subscribe(shop, receiver, "order.created")
    receiver.status = 500
    for _ in range(7):
        buy(shop)
    receiver.wait_for(7)
    shop.control("GET", "webhooks/deliveries", params={"wait": 5})
    assert shop.get(f"/webhooks/{hook['id']}").json()["status"] == "disabled"
    buy(shop)
    time.sleep(0.3)
    assert len(receiver.deliveries()) == 7


def test_one_webhook_in_one_second_repeats_its_delivery_id(shop, receiver):
    """wp_hash( $webhook_id . strtotime('now') ): the vendor's delivery id is per webhook and
    second, so it is not a unique delivery key."""
    subscribe(shop, receiver, "order.created")
    same_second = 0
    for _attempt in range(5):
        buy(shop), buy(shop)
        log = shop.control("GET", "webhooks/deliveries", params={"wait": 5})
        first, second = [e for e in log if not e.get("ping")][-2:]
        if first["second"] == second["second"]:
            same_second += 1
            assert first["delivery_id"] == second["delivery_id"]
        else:
            assert first["delivery_id"] != second["delivery_id"]
        if same_second:
            break
    assert same_second, "two deliveries never fell in one second"
    received = [h["X-Wc-Webhook-Delivery-Id"] for h, _b in receiver.wait_for(2)]
    assert first["delivery_id"] in received
