"""Real-time orders through the stores' webhooks (issue 15 §3), end to end over loopback HTTP:
the Shopify emulator delivers signed webhooks from its own thread to the hub's web server,
which verifies, dedups and queues a run (trigger ``webhook``) on the real Huey queue; the run
fetches just those records. Polling stays the safety net: a lost delivery is reconciled by
the next poll, and a late delivery after the poll changes nothing."""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import datetime

import pytest
import requests
from conftest import BACKENDS
from connect_shopify_emulator import DEMO_CLIENT_SECRET, DEMO_TOKEN, MAIN_LOCATION, create_app
from connect_shopify_emulator.state import SHIPPING
from webhook_support import *  # noqa: F403  (the hub_url fixture)
from webhook_support import (
    hub_order,
    reserved,
    run_queued_webhook_runs,
    wait_for,
    webhook_runs,
)

from hub.testing import serve_app


class Shop:
    def __init__(self, server, app):
        self.url, self.emu = server.url, app.config["EMULATOR"]

    def control(self, path, payload=None):
        response = requests.post(self.url + path, json=payload or {}, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def state(self):
        return requests.get(self.url + "/_emulator/state", timeout=10).json()

    def delivered(self):
        """Wait until the emulator's delivery thread has nothing left to send."""
        wait_for(lambda: self.emu.webhooks.pending() == 0, what="the emulator's deliveries")


@pytest.fixture
def shop():
    app = create_app(products=4, orders=0, seed=3, restore_rate=1e6, bucket_size=1e6)
    with serve_app(app) as server:
        yield Shop(server, app)


@pytest.fixture
def shopify(hub_url, shop):
    """A Shopify integration with its catalogue imported, in production mode: its webhooks
    were registered at go-live."""
    from support import run

    from hub.models import Integration
    from hub.services.golive import go_live
    from hub.services.integrations import create_integration

    integration = create_integration(
        "Shopify",
        "shopify",
        shop.url,
        {
            "access_token": DEMO_TOKEN,
            "client_secret": DEMO_CLIENT_SECRET,
            "location_id": MAIN_LOCATION,
        },
        orders_since=datetime(2025, 1, 1),
        carrier_mapping={code: "UPS" for code, _ in SHIPPING},
    )
    assert run(integration, "update_products").status == "succeeded"
    result = go_live(Integration.get_by_id(integration.id), force=True)
    assert result["live"] and result["webhooks"]["registered_at"], result
    return Integration.get_by_id(integration.id)


def _address(integration):
    from hub.services.webhooks import _secrets

    return f"/webhooks/{integration.id}/{_secrets(integration)['path']}"


def _signed(payload, secret=DEMO_CLIENT_SECRET, topic="orders/create", webhook_id=None):
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
    }
    return body, headers


# -- registering ------------------------------------------------------------------------------


def test_go_live_registers_the_four_topics_once(shopify, shop, hub_url):
    from hub.services.webhooks import register_webhooks

    subs = shop.state()["webhook_subscriptions"]
    assert sorted(s["topic"] for s in subs) == [
        "ORDERS_CANCELLED",
        "ORDERS_CREATE",
        "ORDERS_UPDATED",
        "PRODUCTS_UPDATE",
    ]
    assert {s["uri"] for s in subs} == {hub_url + _address(shopify)}
    status = register_webhooks(shopify)  # again, from the dashboard: idempotent
    assert len(shop.state()["webhook_subscriptions"]) == 4
    assert status["enabled"] and len(status["topics"]) == 4
    assert _address(shopify).rsplit("/", 1)[1] not in status["address"]  # the path is masked


def test_test_mode_registers_nothing_and_without_public_url_webhooks_are_off(
    hub_db, shop, monkeypatch
):
    import hub.settings
    from hub.errors import BadInput
    from hub.services.integrations import create_integration
    from hub.services.webhooks import register_webhooks, webhook_status

    integration = create_integration(
        "Shopify", "shopify", shop.url, {"access_token": DEMO_TOKEN, "client_secret": "x"}
    )
    status = webhook_status(integration)
    assert not status["enabled"] and "HUB_PUBLIC_URL" in status["reason"]
    with pytest.raises(BadInput, match="HUB_PUBLIC_URL"):
        register_webhooks(integration)
    monkeypatch.setenv("HUB_PUBLIC_URL", "https://hub.example")
    hub.settings.set_settings(hub.settings.load_settings())
    with pytest.raises(BadInput, match="test mode"):
        register_webhooks(integration)
    assert shop.state()["webhook_subscriptions"] == []


# -- deliveries -------------------------------------------------------------------------------


def test_a_new_order_is_imported_and_reserved_by_a_worker_within_seconds(
    shopify, shop, worker_factory
):
    from hub.models import WebhookDelivery

    worker_factory("--workers", "2")
    sku = shop.emu.shop.variants[next(iter(shop.emu.shop.variants))].sku
    before = reserved(sku)
    created = shop.control("/_emulator/orders", {"lines": [{"sku": sku, "quantity": 2}]})
    order = wait_for(lambda: hub_order(shopify, created["id"]), what="the order in the hub")
    assert order.status == "to_ship"
    assert reserved(sku) == before + 2
    # the order's batch commits before the run records its end
    (webhook_run,) = wait_for(
        lambda: [r for r in webhook_runs(shopify, "import_new_orders") if r.status != "running"],
        what="the webhook run's end",
    )
    assert webhook_run.status == "succeeded" and webhook_run.created == 1
    delivery = WebhookDelivery.get(WebhookDelivery.integration == shopify.id)
    assert (delivery.event, delivery.external_ids, delivery.run_id) == (
        "order_created",
        [created["id"]],
        webhook_run.id,
    )


def test_a_bad_signature_is_refused_and_logged_and_a_wrong_address_is_a_404(shopify, hub_url):
    from hub.models import Event, FeedRun, WebhookDelivery

    body, headers = _signed({"id": 1, "admin_graphql_api_id": "gid://shopify/Order/1"})
    forged = dict(headers, **{"X-Shopify-Hmac-Sha256": base64.b64encode(b"x" * 32).decode()})
    answer = requests.post(hub_url + _address(shopify), data=body, headers=forged, timeout=10)
    assert answer.status_code == 401
    event = Event.get((Event.integration == shopify.id) & (Event.code == "webhook_rejected"))
    assert event.severity == "error" and "gid://shopify/Order/1" not in event.message
    wrong_secret = _signed({"id": 1}, secret="another-app")
    assert (
        requests.post(
            hub_url + _address(shopify), data=wrong_secret[0], headers=wrong_secret[1], timeout=10
        ).status_code
        == 401
    )
    for path in (
        f"/webhooks/{shopify.id}/not-the-secret-path",
        f"/webhooks/{shopify.id + 100}/{_address(shopify).rsplit('/', 1)[1]}",
        "/webhooks/Shopify/x",
    ):
        answer = requests.post(hub_url + path, data=body, headers=headers, timeout=10)
        assert answer.status_code == 404, path
    assert not WebhookDelivery.select().exists()
    assert not FeedRun.select().where(FeedRun.trigger == "webhook").exists()


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_a_redelivery_is_accepted_once_and_deliveries_within_the_window_make_one_run(
    shopify, shop, hub_url
):
    from hub.models import WebhookDelivery

    skus = [v.sku for v in list(shop.emu.shop.variants.values())[:3]]
    shop.control("/_emulator/webhooks/drop", {"count": 3})  # the emulator's own are lost
    orders = [
        shop.control("/_emulator/orders", {"lines": [{"sku": sku, "quantity": 1}]}) for sku in skus
    ]
    shop.delivered()
    assert shop.state()["counters"]["webhooks_dropped"] == 3
    answers = []
    for created in orders:  # delivered here, signed as Shopify signs
        body, headers = _signed(
            {"id": 1, "admin_graphql_api_id": created["id"]}, webhook_id=f"w-{created['id']}"
        )
        for _attempt in range(2):  # Shopify retries with the same X-Shopify-Webhook-Id
            answers.append(
                requests.post(hub_url + _address(shopify), data=body, headers=headers, timeout=10)
            )
    assert [a.status_code for a in answers] == [202, 200] * 3
    assert [a.json()["status"] for a in answers[:2]] == ["queued", "duplicate"]
    assert WebhookDelivery.select().count() == 3
    queued = webhook_runs(shopify)
    assert len(queued) == 1 and queued[0].status == "queued"  # one run for the three
    (done,) = run_queued_webhook_runs(shopify)
    assert done.status == "succeeded" and done.created == 3, done.message
    assert all(hub_order(shopify, o["id"]) for o in orders)


def test_a_lost_delivery_is_reconciled_by_the_poll_and_a_late_one_changes_nothing(shopify, shop):
    from support import scheduled

    from hub.models import Order, StockMovement

    sku = next(iter(shop.emu.shop.variants.values())).sku
    shop.control("/_emulator/webhooks/drop", {"count": 1})
    created = shop.control("/_emulator/orders", {"lines": [{"sku": sku, "quantity": 1}]})
    shop.delivered()
    assert webhook_runs(shopify) == []  # lost: nothing reached the hub
    poll = scheduled(shopify, "import_new_orders")
    assert poll.status == "succeeded" and poll.created == 1
    order = hub_order(shopify, created["id"])
    movements = StockMovement.select().where(StockMovement.reference_id == order.id).count()
    # the store touches the order (a note, a tag): orders/updated arrives after the poll
    shop.control(f"/_emulator/orders/{created['id']}", {})
    shop.delivered()
    wait_for(lambda: webhook_runs(shopify), what="the late delivery's run")
    (late,) = run_queued_webhook_runs(shopify)
    assert late.status == "succeeded" and late.created == 0 and late.unchanged == 1
    assert Order.select().where(Order.integration == shopify.id).count() == 1
    assert StockMovement.select().where(StockMovement.reference_id == order.id).count() == movements


def test_a_cancellation_in_the_store_cancels_the_order_and_releases_its_stock(shopify, shop):
    sku = next(iter(shop.emu.shop.variants.values())).sku
    before = reserved(sku)
    created = shop.control("/_emulator/orders", {"lines": [{"sku": sku, "quantity": 3}]})
    shop.delivered()
    wait_for(lambda: webhook_runs(shopify), what="the order's run")
    run_queued_webhook_runs(shopify)
    assert reserved(sku) == before + 3
    shop.control(f"/_emulator/orders/{created['id']}", {"cancelled": True})
    shop.delivered()
    wait_for(lambda: webhook_runs(shopify, "update_orders"), what="the cancellation's run")
    (update,) = run_queued_webhook_runs(shopify)
    assert update.feed == "update_orders" and update.status == "succeeded"
    assert hub_order(shopify, created["id"]).status == "cancelled"
    assert reserved(sku) == before


def test_a_product_update_refreshes_just_that_product(shopify, shop):
    from hub.models import Product

    product = shop.emu.shop.products[0]
    product.title = "Renamed in the admin"
    shop.control("/_emulator/products", {"touch": product.id})
    shop.delivered()
    wait_for(lambda: webhook_runs(shopify, "update_products"), what="the product's run")
    (run,) = run_queued_webhook_runs(shopify)
    assert run.status == "succeeded", run.message
    assert run.processed == len(product._variants) and run.updated == len(product._variants)
    skus = [v.sku for v in product._variants]
    names = {p.name for p in Product.select().where(Product.sku.in_(skus))}
    assert all("Renamed in the admin" in name for name in names), names
    assert Product.select().where(Product.status == "missing").count() == 0


# -- secrets and retention --------------------------------------------------------------------


def test_the_secret_path_stays_out_of_the_logs_and_survives_a_key_rotation(
    shopify, shop, hub_url, caplog, monkeypatch
):
    import logging

    import hub.settings
    from hub.models import Integration
    from hub.services.secrets import rotate_secret_key
    from hub.services.webhooks import _secrets, register_webhooks

    caplog.set_level(logging.DEBUG)
    values = _secrets(shopify)
    register_webhooks(shopify)
    body, headers = _signed({"id": 1, "admin_graphql_api_id": "gid://shopify/Order/9"})
    answer = requests.post(hub_url + _address(shopify), data=body, headers=headers, timeout=10)
    assert answer.status_code == 202
    assert "/webhooks/" in caplog.text  # the request was logged (werkzeug), its path masked
    assert values["path"] not in caplog.text and values["secret"] not in caplog.text

    old = hub.settings.get_settings().secret_key
    monkeypatch.setenv("HUB_SECRET_KEY", "a-new-secret-key-9876543210")
    hub.settings.set_settings(hub.settings.load_settings())
    rotate_secret_key(old, "a-new-secret-key-9876543210")
    rotated = Integration.get_by_id(shopify.id)
    assert _secrets(rotated) == values
    body, headers = _signed({"id": 2, "admin_graphql_api_id": "gid://shopify/Order/10"})
    answer = requests.post(hub_url + _address(rotated), data=body, headers=headers, timeout=10)
    assert answer.status_code == 202, answer.text


def test_deliveries_are_pruned_after_their_retention(shopify):
    from datetime import timedelta

    from hub.models import WebhookDelivery, utcnow
    from hub.services.retention import prune

    now = utcnow()
    for n, age in enumerate((timedelta(days=8), timedelta(days=6))):
        WebhookDelivery.create(
            integration=shopify, delivery_id=f"d{n}", event="order_created", received_at=now - age
        )
    assert prune(now=now)["webhooks"] == 1
    assert [d.delivery_id for d in WebhookDelivery.select()] == ["d1"]


# -- front ends -------------------------------------------------------------------------------


def test_the_integration_page_says_why_webhooks_are_off_then_registers_them(
    hub_db, shop, monkeypatch
):
    from web_support import PASSWORD, make_app, sign_in

    import hub.settings
    from hub.models import Integration
    from hub.services.integrations import create_integration
    from hub.services.users import create_user

    integration = create_integration(
        "Shopify",
        "shopify",
        shop.url,
        {"access_token": DEMO_TOKEN, "client_secret": DEMO_CLIENT_SECRET},
    )
    create_user("merchant", PASSWORD)
    client = sign_in(make_app(WTF_CSRF_ENABLED=False).test_client())
    page = client.get(f"/integrations/{integration.id}").get_data(as_text=True)
    assert "HUB_PUBLIC_URL is not set" in page

    monkeypatch.setenv("HUB_PUBLIC_URL", "http://127.0.0.1:9")
    hub.settings.set_settings(hub.settings.load_settings())
    page = client.get(f"/integrations/{integration.id}").get_data(as_text=True)
    assert "registered at go-live" in page and "Register webhooks" not in page
    Integration.update(mode="production").where(Integration.id == integration.id).execute()
    page = client.get(f"/integrations/{integration.id}").get_data(as_text=True)
    assert "Register webhooks" in page
    assert client.post(f"/integrations/{integration.id}/webhooks").status_code == 302
    subs = shop.state()["webhook_subscriptions"]
    assert len(subs) == 4
    assert all(s["uri"].startswith(f"http://127.0.0.1:9/webhooks/{integration.id}/") for s in subs)
    page = client.get(f"/integrations/{integration.id}").get_data(as_text=True)
    assert "ORDERS_CREATE" in page and subs[0]["uri"] not in page  # the path stays secret


def test_hub_integrations_webhooks_shows_and_registers(shopify, shop):
    from support import hub_cli

    shown = hub_cli("integrations", "webhooks", "Shopify", "--json", check=True)
    status = json.loads(shown.stdout)
    assert status["enabled"] and len(status["topics"]) == 4
    assert _address(shopify).rsplit("/", 1)[1] not in shown.stdout
    again = hub_cli("integrations", "webhooks", "Shopify", "--register", check=True)
    assert "ORDERS_CREATE" in again.stdout
    assert len(shop.state()["webhook_subscriptions"]) == 4


def test_a_webhook_run_waits_for_a_busy_feed_instead_of_being_skipped(shopify, shop, hub_url):
    from hub.engine import lease
    from hub.engine.runs import execute_run
    from hub.models import FeedRun
    from hub.tasks import huey

    sku = next(iter(shop.emu.shop.variants.values())).sku
    created = shop.control("/_emulator/orders", {"lines": [{"sku": sku, "quantity": 1}]})
    shop.delivered()
    (run,) = wait_for(lambda: webhook_runs(shopify), what="the order's run")
    queued_before = huey.pending_count()
    assert lease.acquire(shopify.id, "import_new_orders", 999_999, 60, holder="a poll")[0]
    execute_run(run.id)  # the scheduled import holds the feed
    waiting = FeedRun.get_by_id(run.id)
    assert waiting.status == "queued" and "waiting" in waiting.message
    assert huey.pending_count() == queued_before + 1  # put back on the queue, delayed
    lease.release(shopify.id, "import_new_orders", 999_999)
    execute_run(run.id)
    assert FeedRun.get_by_id(run.id).status == "succeeded"
    assert hub_order(shopify, created["id"]) is not None


def test_the_api_shows_the_webhooks_and_only_an_admin_registers_them(shopify, shop, hub_url):
    from hub.services.users import create_token, create_user

    admin = create_token(create_user("admin", "correct horse battery"))
    operator = create_token(create_user("bob", "correct horse battery", is_admin=False))
    url = f"{hub_url}/api/v1/integrations/{shopify.id}/webhooks"
    shown = requests.get(url, headers={"Authorization": f"Bearer {operator}"}, timeout=10)
    assert shown.status_code == 200
    assert shown.json()["enabled"] and len(shown.json()["topics"]) == 4
    assert _address(shopify).rsplit("/", 1)[1] not in shown.text
    refused = requests.post(
        url, json={}, headers={"Authorization": f"Bearer {operator}"}, timeout=10
    )
    assert refused.status_code == 403
    done = requests.post(url, json={}, headers={"Authorization": f"Bearer {admin}"}, timeout=10)
    assert done.status_code == 200 and done.json()["registered_at"]
    assert len(shop.state()["webhook_subscriptions"]) == 4
