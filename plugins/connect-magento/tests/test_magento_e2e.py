"""The hub's own feed engine against the Magento emulator (inline runs, SQLite)."""

from datetime import datetime

import pytest
from connect_magento_emulator.store import CARRIERS

from hub.testing import core

from .conftest import OAUTH_SECRETS


@pytest.fixture
def integration(emulator, hub_integration_factory):
    return hub_integration_factory(
        "magento",
        emulator.url,
        dict(OAUTH_SECRETS),
        orders_since=datetime(2025, 1, 1),
        carrier_mapping=dict(CARRIERS),
    )


def test_feeds_run_end_to_end(integration, hub_feed_runner, emulator):
    products = hub_feed_runner(integration, "update_products")
    assert products["status"] in ("succeeded", "succeeded_with_errors"), products
    simple = sum(1 for p in emulator.current.products.values() if p["type_id"] == "simple")
    assert products["counts"].get("created") == simple, products["counts"]

    again = hub_feed_runner(integration, "update_products")
    assert again["counts"].get("created", 0) == 0, again["counts"]

    stock = hub_feed_runner(integration, "import_stock")
    assert stock["status"].startswith("succeeded"), stock

    orders = hub_feed_runner(integration, "import_new_orders")
    assert orders["status"].startswith("succeeded"), orders
    counts = orders["counts"]
    assert counts.get("created", 0) >= 1 and counts.get("held", 0) + counts.get("skipped", 0) >= 1

    updates = hub_feed_runner(integration, "update_orders")
    assert updates["status"].startswith("succeeded"), updates


def test_shipping_confirmation_and_stock_export_in_production(
    integration, hub_feed_runner, emulator
):
    for feed in ("update_products", "import_stock", "import_new_orders"):
        assert hub_feed_runner(integration, feed)["status"].startswith("succeeded")

    def stocked(o):
        raw = emulator.current.orders[int(o["external_id"])]
        return raw["state"] == "processing" and all(
            emulator.current.source_items.get((i["sku"], "default"), {}).get("quantity", 0)
            >= i["qty_ordered"]
            for i in raw["items"]
        )

    order = next(o for o in core.orders(integration) if stocked(o))
    core.ship(order["id"], tracking_number="1Z-HUB-0001")
    core.go_live(integration, force=True)

    before = len(emulator.current.shipments)
    confirm = hub_feed_runner(integration, "shipping_confirmation")
    assert confirm["status"] == "succeeded", (confirm["counts"], confirm["events"])
    assert len(emulator.current.shipments) == before + 1
    shipment = emulator.current.shipments[max(emulator.current.shipments)]
    assert shipment["order_id"] == int(order["external_id"])
    assert shipment["tracks"][0]["track_number"] == "1Z-HUB-0001"
    assert hub_feed_runner(integration, "shipping_confirmation")["counts"].get("created", 0) == 0
    assert len(emulator.current.shipments) == before + 1  # never twice

    export = hub_feed_runner(integration, "export_stock")
    assert export["status"].startswith("succeeded"), export
    check = hub_feed_runner(integration, "stock_check")
    assert check["status"].startswith("succeeded"), check
