"""End to end: the hub's own feed engine runs the Shopify feeds against the emulator."""

from datetime import datetime

from connect_shopify.emulator import DEMO_TOKEN, MAIN_LOCATION


def _integration(make, store):
    integration = make(
        "shopify", store.url, {"access_token": DEMO_TOKEN, "location_id": MAIN_LOCATION}
    )
    integration.orders_since = datetime(2025, 1, 1)  # the seeded orders are from 2026-01
    integration.save()
    return integration


def test_product_feeds_through_the_engine(store, hub_integration_factory, hub_feed_runner):
    integration = _integration(hub_integration_factory, store)
    variants = len(store.emu.shop.variants)
    run = hub_feed_runner(integration, "update_products")
    assert run["status"] == "succeeded", run
    assert run["counts"]["created"] == variants
    again = hub_feed_runner(integration, "import_new_products")
    assert again["status"] == "succeeded", again
    assert again["counts"]["created"] == 0  # the same variants: bound by external id


def test_orders_and_stock_feeds_through_the_engine(store, hub_integration_factory, hub_feed_runner):
    integration = _integration(hub_integration_factory, store)
    assert hub_feed_runner(integration, "update_products")["status"] == "succeeded"
    stock = hub_feed_runner(integration, "import_stock")
    assert stock["status"] == "succeeded", stock
    orders = hub_feed_runner(integration, "import_new_orders")
    assert orders["status"] in ("succeeded", "succeeded_with_errors"), orders
    assert sum(orders["counts"].values()) == len(store.emu.shop.orders), orders["counts"]
    severities = {e["severity"] for e in orders["events"]}
    assert "retry" in severities  # unpaid orders are held by the core's rules
