"""The emulator's stock rules, mode by mode (the vendor code of each is cited in
``connect_magento_emulator/store.py``)."""

import pytest
import requests

from .conftest import OAUTH_SECRETS


def a_sku(store, at_least=10):
    touched = {i["sku"] for o in store.orders.values() for i in o["items"]}
    return next(
        p["sku"]
        for p in store.products.values()
        if p["type_id"] == "simple"
        and p["sku"] not in touched
        and store.source_items.get((p["sku"], "default"), {}).get("quantity", 0) >= at_least
    )


def place(emulator, sku, qty, state="new"):
    status = {"new": "pending"}.get(state, state)
    return emulator.post(
        "/_emulator/orders", {"skus": [sku], "qty": qty, "state": state, "status": status}
    )


def salable(emulator, sku):
    return emulator.get(f"/_emulator/salable/{sku}")


def source_qty(emulator, sku):
    return emulator.current.source_items[(sku, "default")]["quantity"]


def ship_all(ctx, emulator, order_id):
    from connect_magento.client import MagentoClient

    return MagentoClient(ctx).request("POST", f"order/{order_id}/ship", json={})


# -- MSI -------------------------------------------------------------------------------------


def test_msi_reserves_every_placed_order_paid_or_not(emulator):
    sku = a_sku(emulator.current)
    before = source_qty(emulator, sku)
    unpaid = place(emulator, sku, 2)
    paid = place(emulator, sku, 1, state="processing")
    emulator.post(f"/_emulator/orders/{paid['entity_id']}", {"paid": True})
    assert source_qty(emulator, sku) == before  # sources do not move at order placement
    rows = [r for r in emulator.get("/_emulator/reservations") if r["sku"] == sku]
    assert [(r["quantity"], r["metadata"]["event_type"]) for r in rows] == [
        (-2.0, "order_placed"),
        (-1.0, "order_placed"),
    ]
    assert rows[0]["metadata"]["object_id"] == str(unpaid["entity_id"])
    assert salable(emulator, sku)["sellable"] == before - 3


def test_msi_salable_quantity_route(ctx, emulator):
    from connect_magento.client import MagentoClient

    sku = a_sku(emulator.current)
    place(emulator, sku, 2)
    mc = MagentoClient(ctx)
    assert (
        mc.get(f"inventory/get-product-salable-quantity/{sku}/1") == source_qty(emulator, sku) - 2
    )
    with pytest.raises(Exception, match="doesn't exist"):
        mc.get("inventory/get-product-salable-quantity/NO-SUCH/1")
    configurable = next(p for p in emulator.current.products.values() if p["children"])
    with pytest.raises(Exception, match="without Source Items support"):
        mc.get(f"inventory/get-product-salable-quantity/{configurable['sku']}/1")


def test_msi_shipment_deducts_the_source_and_compensates_the_reservation(ctx, emulator):
    sku = a_sku(emulator.current)
    before = source_qty(emulator, sku)
    order = place(emulator, sku, 3)
    emulator.post(f"/_emulator/orders/{order['entity_id']}", {"paid": True})
    ship_all(ctx, emulator, order["entity_id"])
    assert source_qty(emulator, sku) == before - 3
    rows = [r for r in emulator.get("/_emulator/reservations") if r["sku"] == sku]
    assert [(r["quantity"], r["metadata"]["event_type"]) for r in rows] == [
        (-3.0, "order_placed"),
        (3.0, "shipment_created"),
    ]
    assert salable(emulator, sku)["sellable"] == before - 3


def test_msi_refuses_a_shipment_that_would_take_the_source_below_zero(ctx, emulator):
    from hub.errors import StoreRejected

    sku = a_sku(emulator.current)
    order = place(emulator, sku, 2)
    emulator.current.source_items[(sku, "default")]["quantity"] = 1.0
    shipments = len(emulator.current.shipments)
    with pytest.raises(StoreRejected, match="Not all of your products are available"):
        ship_all(ctx, emulator, order["entity_id"])
    assert source_qty(emulator, sku) == 1.0
    assert len(emulator.current.shipments) == shipments  # nothing saved
    assert emulator.current.orders[order["entity_id"]]["items"][0]["qty_shipped"] == 0


def test_msi_cancellation_compensates_what_was_not_invoiced_or_shipped(emulator):
    sku = a_sku(emulator.current)
    before = source_qty(emulator, sku)
    order = place(emulator, sku, 2)
    emulator.post(f"/_emulator/orders/{order['entity_id']}", {"cancelled": True})
    rows = [r for r in emulator.get("/_emulator/reservations") if r["sku"] == sku]
    assert [(r["quantity"], r["metadata"]["event_type"]) for r in rows] == [
        (-2.0, "order_placed"),
        (2.0, "order_canceled"),
    ]
    assert salable(emulator, sku)["sellable"] == before


def test_placing_more_than_the_store_can_sell_is_refused(emulator):
    sku = a_sku(emulator.current)
    qty = int(salable(emulator, sku)["sellable"]) + 1
    response = requests.post(
        emulator.url + "/_emulator/orders", json={"skus": [sku], "qty": qty}, timeout=10
    )
    assert response.status_code == 400
    assert "Not all of your products" in response.json()["message"]


def test_seeded_open_orders_are_reserved(emulator):
    store = emulator.current
    open_states = {"new", "pending_payment", "processing", "holded", "payment_review"}
    expected = {}
    for order in store.orders.values():
        for item in store.stock_lines(order):
            if order["state"] in open_states:
                expected[item["sku"]] = expected.get(item["sku"], 0) - store.remaining(item)
    for sku, qty in expected.items():
        assert store.reserved(sku) == qty, sku
    assert all(store.reserved(p) == 0 for p in store.by_sku if p not in expected)


# -- MSI with a module that deducts at order placement ----------------------------------------


@pytest.fixture
def deducting(emulator):
    emulator.post("/_emulator/config", {"deduct_at_order": True})
    return emulator


def test_deduct_at_order_takes_the_source_at_placement_not_at_shipment(ctx, deducting):
    sku = a_sku(deducting.current)
    before = source_qty(deducting, sku)
    order = place(deducting, sku, 2)
    assert source_qty(deducting, sku) == before - 2
    assert not [r for r in deducting.get("/_emulator/reservations") if r["sku"] == sku]
    deducting.post(f"/_emulator/orders/{order['entity_id']}", {"paid": True})
    ship_all(ctx, deducting, order["entity_id"])
    assert source_qty(deducting, sku) == before - 2
    other = place(deducting, sku, 1)
    deducting.post(f"/_emulator/orders/{other['entity_id']}", {"cancelled": True})
    assert source_qty(deducting, sku) == before - 2
    view = salable(deducting, sku)
    assert (view["mode"], view["sellable"], view["reserved"]) == (
        "msi_deduct_at_order",
        before - 2,
        0,
    )


# -- legacy CatalogInventory -----------------------------------------------------------------


@pytest.fixture
def legacy(emulator):
    emulator.post("/_emulator/config", {"msi": False})
    return emulator


def test_legacy_qty_goes_down_at_placement_back_at_cancel_and_not_at_shipment(ctx, legacy):
    from connect_magento.client import MagentoClient

    mc = MagentoClient(ctx)
    sku = a_sku(legacy.current)
    before = mc.get(f"stockItems/{sku}")["qty"]
    order = place(legacy, sku, 2)
    assert mc.get(f"stockItems/{sku}")["qty"] == before - 2
    cancelled = place(legacy, sku, 3)
    legacy.post(f"/_emulator/orders/{cancelled['entity_id']}", {"cancelled": True})
    assert mc.get(f"stockItems/{sku}")["qty"] == before - 2
    legacy.post(f"/_emulator/orders/{order['entity_id']}", {"paid": True})
    ship_all(ctx, legacy, order["entity_id"])
    assert mc.get(f"stockItems/{sku}")["qty"] == before - 2
    assert legacy.get(f"/_emulator/salable/{sku}")["sellable"] == before - 2
    # the MSI routes do not exist without MSI
    with pytest.raises(Exception, match="does not match any route"):
        mc.get(f"inventory/get-product-salable-quantity/{sku}/1")


def test_legacy_without_can_subtract_never_moves(legacy):
    legacy.post("/_emulator/config", {"can_subtract": False})
    sku = a_sku(legacy.current)
    before = source_qty(legacy, sku)
    order = place(legacy, sku, 2)
    legacy.post(f"/_emulator/orders/{order['entity_id']}", {"cancelled": True})
    assert source_qty(legacy, sku) == before


def test_legacy_cancel_of_an_invoiced_order_returns_nothing(legacy):
    sku = a_sku(legacy.current)
    before = source_qty(legacy, sku)
    order = place(legacy, sku, 2)
    legacy.post(f"/_emulator/orders/{order['entity_id']}", {"paid": True})
    legacy.post(f"/_emulator/orders/{order['entity_id']}", {"cancelled": True})
    assert source_qty(legacy, sku) == before - 2  # qty_ordered - max(shipped, invoiced) = 0


# -- ACL -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_a_denied_resource_is_refused_naming_it(emulator, status):
    from hub.testing import make_context

    emulator.post(
        "/_emulator/config",
        {"denied_resources": ["Magento_InventoryApi::source"], "acl_status": status},
    )
    ctx = make_context("magento", emulator.url, secrets=OAUTH_SECRETS)
    from connect_magento.client import MagentoClient

    mc = MagentoClient(ctx)
    assert mc.get("store/storeConfigs")  # the rest still works
    with pytest.raises(Exception, match="Magento_InventoryApi::source") as info:
        mc.get("inventory/sources", {"searchCriteria": ""})
    assert info.value.status == status
