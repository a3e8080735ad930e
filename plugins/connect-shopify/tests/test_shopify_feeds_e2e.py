"""End to end: the hub's own feed engine runs the Shopify feeds against the emulator."""

from datetime import datetime

from connect_shopify_emulator import DEMO_TOKEN, MAIN_LOCATION


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


def test_stock_feeds_read_the_bulk_export_through_the_engine(
    store, hub_integration_factory, hub_feed_runner
):
    integration = _integration(hub_integration_factory, store)
    assert hub_feed_runner(integration, "update_products")["status"] == "succeeded"
    levels = len(store.emu.shop.locations[0].levels)
    stock = hub_feed_runner(integration, "import_stock")
    assert stock["status"] == "succeeded", stock
    assert stock["counts"].get("updated", 0) + stock["counts"].get("unchanged", 0) == levels
    check = hub_feed_runner(integration, "stock_check")
    assert check["status"] == "succeeded", check
    assert check["counts"].get("updated", 0) + check["counts"].get("unchanged", 0) == levels
    # the store's available differs from the hub's on_hand only by what open orders hold
    main = store.emu.shop.locations[0].levels
    committed = sum(1 for a, c, u, _ in main.values() if c)
    assert check["counts"].get("updated", 0) == committed
    assert store.state()["counters"]["bulk_operations"] == 3  # products, import, check
