"""What the hub sends must mean what Magento means (issue 11 §2), through the hub's engine.

Each scenario runs the real feeds (inline, SQLite) against the emulator over HTTP, with the
seeded order history plus an unpaid order (held by the hub) and a paid one (imported) placed
in the store, then goes live and exports stock. Afterwards what the *store* can still sell
of every SKU must equal the hub's available, and the stock check must find nothing:

* MSI: the store keeps source quantities and reserves every placed order (paid or not), so
  the hub writes available + what its imported *and held* orders reserve;
* legacy CatalogInventory (no MSI): the store's qty already went down at order placement, so
  it is sellable: the hub writes its available, and reads on hand back as qty + its orders;
* MSI with a module that deducts at order placement (``stock_deducted_at_order``): same as
  legacy, on source items.
"""

from datetime import datetime

import pytest
from connect_magento_emulator.store import CARRIERS

from hub.testing import core

from .conftest import OAUTH_SECRETS

MODES = {
    "msi": ({"msi": True}, {}),
    "legacy": ({"msi": False}, {}),
    "msi_deduct_at_order": (
        {"msi": True, "deduct_at_order": True},
        {"stock_deducted_at_order": True},
    ),
}


@pytest.fixture(params=list(MODES))
def mode(request):
    return request.param


@pytest.fixture
def emulator_options(mode):
    return dict(MODES[mode][0])


@pytest.fixture
def integration(emulator, mode, hub_integration_factory):
    return hub_integration_factory(
        "magento",
        emulator.url,
        {**OAUTH_SECRETS, **MODES[mode][1]},
        orders_since=datetime(2025, 1, 1),
        carrier_mapping=dict(CARRIERS),
    )


def hub_stock(sku):
    return core.stock_level(sku)


def quiet_skus(store, n, at_least=10):
    """Simple SKUs with enough stock that no seeded order touches."""
    touched = {i["sku"] for o in store.orders.values() for i in o["items"]}
    skus = [
        p["sku"]
        for p in store.products.values()
        if p["type_id"] == "simple"
        and p["status"] == 1
        and p["sku"] not in touched
        and store.source_items.get((p["sku"], "default"), {}).get("quantity", 0) >= at_least
    ]
    assert len(skus) >= n
    return skus[:n]


def place(emulator, sku, qty, *, paid):
    state = ("processing", "processing") if paid else ("new", "pending")
    order = emulator.post(
        "/_emulator/orders", {"skus": [sku], "qty": qty, "state": state[0], "status": state[1]}
    )
    if paid:
        emulator.post(f"/_emulator/orders/{order['entity_id']}", {"paid": True})
    return order


def store_sellable(emulator, sku):
    return emulator.get(f"/_emulator/salable/{sku}")["sellable"]


def assert_store_sells_what_the_hub_has(emulator, integration):
    """For every SKU the hub exports: the store's sellable quantity = the hub's available
    (both floored at 0: a negative available is exported as 0)."""
    skus = [p["sku"] for p in core.bound_products(integration)]
    assert skus
    wrong = {}
    for sku in skus:
        hub = max(hub_stock(sku)["available"], 0)
        store = max(store_sellable(emulator, sku), 0)
        if hub != store:
            wrong[sku] = {"hub available": hub, "store sells": store}
    assert not wrong, wrong


def test_after_go_live_the_store_sells_what_the_hub_has_available(
    mode, integration, emulator, hub_feed_runner
):
    store = emulator.current
    held_sku, paid_sku = quiet_skus(store, 2)
    physical = {
        s: int(store.source_items[(s, "default")]["quantity"]) for s in (held_sku, paid_sku)
    }
    held_order = place(emulator, held_sku, 3, paid=False)  # unpaid: the hub holds it
    place(emulator, paid_sku, 2, paid=True)  # paid: the hub imports it
    if mode == "msi":  # Magento reserves for every placed order, paid or not
        assert store_sellable(emulator, held_sku) == physical[held_sku] - 3
        assert store.source_items[(held_sku, "default")]["quantity"] == physical[held_sku]
    else:  # the quantity itself went down when the order was placed
        assert store.source_items[(held_sku, "default")]["quantity"] == physical[held_sku] - 3

    for feed in ("update_products", "import_new_orders", "import_stock"):
        run = hub_feed_runner(integration, feed)
        assert run["status"].startswith("succeeded"), (feed, run["message"], run.get("events"))
    assert str(held_order["entity_id"]) in core.held_orders(integration), "the unpaid order is held"

    # the hub's on hand is the physical stock, whatever the store's quantity means
    for sku, qty in ((held_sku, 3), (paid_sku, 2)):
        assert hub_stock(sku) == {
            "on_hand": physical[sku],
            "reserved": qty,
            "available": physical[sku] - qty,
        }, sku

    core.go_live(integration, force=True)
    export = hub_feed_runner(integration, "export_stock")
    assert export["status"] == "succeeded", (export["counts"], export.get("events"))
    assert_store_sells_what_the_hub_has(emulator, integration)
    for sku, qty in ((held_sku, 3), (paid_sku, 2)):
        assert store_sellable(emulator, sku) == physical[sku] - qty

    check = hub_feed_runner(integration, "stock_check")
    assert check["status"] == "succeeded", check
    assert check["discrepancies"] == [], check["discrepancies"]

    # a new unpaid order placed after go-live: still in step after the next runs
    place(emulator, held_sku, 1, paid=False)
    for feed in ("import_new_orders", "export_stock", "stock_check"):
        run = hub_feed_runner(integration, feed)
        assert run["status"] == "succeeded", (feed, run["counts"], run.get("events"))
    assert run["discrepancies"] == [], run["discrepancies"]
    assert_store_sells_what_the_hub_has(emulator, integration)
    assert store_sellable(emulator, held_sku) == physical[held_sku] - 4
    assert hub_stock(held_sku)["on_hand"] == physical[held_sku]
