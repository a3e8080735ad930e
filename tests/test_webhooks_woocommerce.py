"""The hub's webhook side with the second store that has them: WooCommerce (the connector's
``hub_register_webhooks`` / ``hub_read_webhook`` / ``hub_fetch_products_by_id``, the emulator's
``/wc/v3/webhooks`` and its signed background deliveries), end to end over loopback HTTP."""

from datetime import datetime

import pytest
import requests
from connect_woocommerce_emulator import DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, create_app
from webhook_support import *  # noqa: F403  (the hub_url fixture)
from webhook_support import (
    hub_order,
    reserved,
    run_queued_webhook_runs,
    wait_for,
    webhook_runs,
)

from hub.testing import serve_app

CARRIERS = {"flat_rate": "Colissimo", "free_shipping": "La Poste", "local_pickup": "Pickup"}


class Woo:
    def __init__(self, server, app):
        self.url, self.emu = server.url, app.config["EMULATOR"]

    def control(self, method, path, **kwargs):
        response = requests.request(method, f"{self.url}/_emulator/{path}", timeout=10, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def delivered(self):
        assert self.emu.dispatcher.wait(20), "the emulator's deliveries did not end"

    def simple_sku(self):
        store = self.emu.store
        return next(
            p["sku"]
            for p in store.products.values()
            if p["type"] == "simple" and p.get("sku") and p.get("manage_stock")
        )


@pytest.fixture
def woo():
    app = create_app(products=8, orders=0, seed=3)
    with serve_app(app) as server:
        yield Woo(server, app)


@pytest.fixture
def woocommerce(hub_url, woo):
    from support import run

    from hub.models import Integration
    from hub.services.golive import go_live
    from hub.services.integrations import create_integration

    integration = create_integration(
        "Woo",
        "woocommerce",
        woo.url,
        {"consumer_key": DEMO_CONSUMER_KEY, "consumer_secret": DEMO_CONSUMER_SECRET},
        orders_since=datetime(2020, 1, 1),
        carrier_mapping=CARRIERS,
    )
    assert run(integration, "update_products").status in ("succeeded", "succeeded_with_errors")
    result = go_live(Integration.get_by_id(integration.id), force=True)
    assert result["webhooks"] and result["webhooks"]["registered_at"], result
    return Integration.get_by_id(integration.id)


def test_registration_creates_the_topics_with_the_integrations_secret(woocommerce, woo, hub_url):
    from hub.services.webhooks import _secrets, register_webhooks

    hooks = woo.control("GET", "webhooks")
    assert sorted(h["topic"] for h in hooks) == [
        "order.created",
        "order.updated",
        "product.updated",
    ]
    values = _secrets(woocommerce)
    assert {h["secret"] for h in hooks} == {values["secret"]}
    assert {h["delivery_url"] for h in hooks} == {
        f"{hub_url}/webhooks/{woocommerce.id}/{values['path']}"
    }
    register_webhooks(woocommerce)  # again: idempotent
    assert len(woo.control("GET", "webhooks")) == 3


def test_an_order_arrives_then_its_cancellation_through_the_webhooks(woocommerce, woo):
    sku = woo.simple_sku()
    before = reserved(sku)
    order = woo.control(
        "POST", "orders", json={"lines": [{"sku": sku, "quantity": 2}], "status": "processing"}
    )
    woo.delivered()
    wait_for(lambda: webhook_runs(woocommerce), what="the order's webhook run")
    run_queued_webhook_runs(woocommerce)
    imported = hub_order(woocommerce, str(order["id"]))
    assert imported is not None and imported.status == "to_ship"
    assert reserved(sku) == before + 2

    woo.control("POST", f"orders/{order['id']}/status", json={"status": "cancelled"})
    woo.delivered()
    wait_for(
        lambda: [r for r in webhook_runs(woocommerce) if r.status == "queued"],
        what="the cancellation's run",
    )
    run_queued_webhook_runs(woocommerce)
    assert hub_order(woocommerce, str(order["id"])).status == "cancelled"
    assert reserved(sku) == before


def test_a_lost_delivery_is_imported_once_by_the_poll(woocommerce, woo):
    from support import scheduled

    from hub.models import Order

    woo.control("POST", "webhooks/drop", json={"count": 5})
    order = woo.control(
        "POST", "orders", json={"lines": [{"sku": woo.simple_sku(), "quantity": 1}]}
    )
    woo.delivered()
    assert webhook_runs(woocommerce) == []
    poll = scheduled(woocommerce, "import_new_orders")
    assert poll.created == 1, poll.message
    assert hub_order(woocommerce, str(order["id"])) is not None
    assert scheduled(woocommerce, "import_new_orders").created == 0
    assert Order.select().where(Order.integration == woocommerce.id).count() == 1


def test_a_product_edit_in_the_admin_updates_the_product(woocommerce, woo):
    from hub.models import Product

    sku = woo.simple_sku()
    product_id = woo.emu.store.by_sku[sku]
    woo.control("POST", f"products/{product_id}", json={"name": "Renamed in wp-admin"})
    woo.delivered()
    wait_for(lambda: webhook_runs(woocommerce, "update_products"), what="the product's run")
    (run,) = run_queued_webhook_runs(woocommerce)
    assert run.status == "succeeded", run.message
    assert Product.get(Product.sku == sku).name == "Renamed in wp-admin"
