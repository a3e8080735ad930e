"""Shipping confirmation: POST /V1/order/{id}/ship exactly once, read back from the store."""

import pytest
from connect_magento import feeds

from hub.errors import TransientError
from hub.records import validate_record

from .conftest import shippable


def order_in(emulator, state):
    """An order in ``state`` whose lines the default source can ship (MSI refuses a shipment
    that would take a source below zero)."""
    return next(
        o
        for o in emulator.current.orders.values()
        if o["state"] == state and shippable(emulator.current, o)
    )


def leaf_lines(order):
    items = order["items"]
    parents = {i.get("parent_item_id") for i in items}
    return [i for i in items if i["item_id"] not in parents]


def shipment_for(order, shipment_id="S-1", tracking="1Z999AA10123456784", lines=None, notify=False):
    lines = (
        lines
        if lines is not None
        else [
            {
                "sku": i["sku"],
                "order_line_external_id": str(i["item_id"]),
                "product_external_id": str(i["product_id"]),
                "quantity": int(i["qty_ordered"]),
            }
            for i in leaf_lines(order)
        ]
    )
    shipment = {
        "shipment_id": shipment_id,
        "order_external_id": str(order["entity_id"]),
        "order_number": order["increment_id"],
        "carrier": "United Parcel Service",
        "carrier_code": "ups",
        "tracking_number": tracking,
        "tracking_url": None,
        "notify_customer": notify,
        "shipped_at": "2026-02-01T10:00:00Z",
        "lines": lines,
    }
    return validate_record("shipment", shipment) and shipment


def push(ctx, shipment):
    result = feeds.hub_push_shipment(ctx, shipment)
    validate_record("push_result", result)
    return result


def test_a_shipment_is_created_with_its_tracking_and_completes_the_order(ctx, emulator):
    order = order_in(emulator, "processing")
    before = {
        i["sku"]: emulator.current.source_items.get((i["sku"], "default"))
        for i in leaf_lines(order)
    }
    before = {k: dict(v) for k, v in before.items() if v}
    result = push(ctx, shipment_for(order))
    assert result["status"] == "ok" and result["external_id"]
    shipment = emulator.current.shipments[int(result["external_id"])]
    assert shipment["order_id"] == order["entity_id"]
    assert shipment["tracks"][0]["track_number"] == "1Z999AA10123456784"
    assert shipment["tracks"][0]["carrier_code"] == "ups"
    assert shipment["tracks"][0]["title"] == "United Parcel Service"
    assert shipment["extension_attributes"]["source_code"] == "default"
    assert emulator.current.orders[order["entity_id"]]["state"] == "complete"
    # Magento (MSI) deducts the shipped quantity from the source: physical stock
    for i in leaf_lines(order):
        if i["sku"] in before:
            assert (
                emulator.current.source_items[(i["sku"], "default")]["quantity"]
                == before[i["sku"]]["quantity"] - i["qty_ordered"]
            )


def test_a_retried_shipment_never_ships_twice(ctx, emulator):
    order = order_in(emulator, "processing")
    first = push(ctx, shipment_for(order))
    again = push(ctx, shipment_for(order))
    assert first["status"] == "ok"
    assert again["status"] == "unchanged" and again["external_id"] == first["external_id"]
    assert (
        sum(1 for s in emulator.current.shipments.values() if s["order_id"] == order["entity_id"])
        == 1
    )
    assert emulator.state()["requests"]["order_ship"] == 1


def test_a_retry_after_a_lost_answer_is_recognised(ctx, emulator):
    """The store shipped but the answer was lost: the retry finds our shipment, by its
    tracking number, and does not post again."""
    order = order_in(emulator, "processing")
    push(ctx, shipment_for(order))
    emulator.current.shipments[max(emulator.current.shipments)]["tracks"] = []  # comment only
    again = push(ctx, shipment_for(order, tracking="OTHER"))
    assert again["status"] == "unchanged"
    assert emulator.state()["requests"]["order_ship"] == 1


def test_a_configurable_child_line_is_shipped_through_its_parent_line(ctx, emulator):
    store = emulator.current
    child = next(
        p
        for p in store.products.values()
        if p["parent"]
        and store.source_items.get((p["sku"], "default"), {}).get("quantity", 0) >= 3
        and store.sellable_qty(p["sku"]) >= 3
    )
    created = emulator.post("/_emulator/orders", {"skus": [child["sku"]]})
    emulator.post(f"/_emulator/orders/{created['entity_id']}", {"paid": True})
    order = emulator.current.orders[created["entity_id"]]
    record = feeds.hub_fetch_order(ctx, str(order["entity_id"]))
    line = record["lines"][0]
    result = push(
        ctx,
        shipment_for(
            order,
            lines=[
                {
                    "sku": line["sku"],
                    "order_line_external_id": line["external_id"],
                    "quantity": line["quantity"],
                }
            ],
        ),
    )
    assert result["status"] == "ok", result
    shipment = emulator.current.shipments[int(result["external_id"])]
    parent_item = next(i for i in order["items"] if i["product_type"] == "configurable")
    assert shipment["items"][0]["order_item_id"] == parent_item["item_id"]
    assert emulator.current.orders[order["entity_id"]]["state"] == "complete"


def test_partial_shipments_then_overshipping_is_refused(ctx, emulator):
    child = next(
        p
        for p in emulator.current.products.values()
        if not p["parent"] and p["type_id"] == "simple"
    )
    created = emulator.post("/_emulator/orders", {"skus": [child["sku"]]})
    emulator.post(f"/_emulator/orders/{created['entity_id']}", {"paid": True})
    order = emulator.current.orders[created["entity_id"]]
    item = leaf_lines(order)[0]
    item["qty_ordered"] = 3
    one = [{"sku": item["sku"], "order_line_external_id": str(item["item_id"]), "quantity": 2}]
    assert push(ctx, shipment_for(order, "S-a", "T-1", lines=one))["status"] == "ok"
    assert emulator.current.orders[order["entity_id"]]["state"] == "processing"
    result = push(ctx, shipment_for(order, "S-b", "T-2", lines=one))
    assert result["status"] == "error" and "1 left to ship" in result["message"]


def test_an_order_already_shipped_in_magento_gets_the_tracking_number(ctx, emulator):
    order = order_in(emulator, "complete")
    shipments = [
        s for s in emulator.current.shipments.values() if s["order_id"] == order["entity_id"]
    ]
    result = push(ctx, shipment_for(order, tracking="HUB-TRACK-9"))
    assert result["status"] == "unchanged" and "already shipped" in result["message"]
    assert result["external_id"] == str(shipments[-1]["entity_id"])
    assert shipments[-1]["tracks"][-1]["track_number"] == "HUB-TRACK-9"
    assert "order_ship" not in emulator.state()["requests"]
    # and a retry finds it by its tracking number
    assert push(ctx, shipment_for(order, tracking="HUB-TRACK-9"))["status"] == "unchanged"
    assert len(shipments[-1]["tracks"]) == 1


def test_a_cancelled_order_cannot_be_shipped(ctx, emulator):
    order = order_in(emulator, "canceled")
    result = push(ctx, shipment_for(order))
    assert result["status"] == "error" and "canceled in Magento" in result["message"]
    assert "order_ship" not in emulator.state()["requests"]


def test_magentos_refusal_is_an_error_result_with_its_message_filled(ctx, emulator):
    order = order_in(emulator, "holded")
    result = push(ctx, shipment_for(order))
    assert result["status"] == "error"
    assert (
        "Shipment Document Validation Error(s): The order does not allow a shipment to be "
        "created." in result["message"]
    )
    assert "%1" not in result["message"]


def test_unknown_order_and_line(ctx, emulator):
    order = order_in(emulator, "processing")
    missing = shipment_for(order)
    missing["order_external_id"] = "99999"
    assert push(ctx, missing)["status"] == "error"
    wrong_line = shipment_for(
        order, lines=[{"sku": "X", "order_line_external_id": "123456", "quantity": 1}]
    )
    result = push(ctx, wrong_line)
    assert result["status"] == "error" and "no line 123456" in result["message"]


@pytest.mark.parametrize(
    ("setting", "hub_flag", "expected"),
    [(False, True, 1), (False, False, None), (True, False, None), ("no", True, 1)],
)
def test_notify_follows_the_hub_shipment_not_the_setting(
    make_ctx, emulator, setting, hub_flag, expected
):
    # the hub decides (its ShipmentRecord carries the integration's notify_customer setting)
    ctx = make_ctx(settings={"notify_customer": setting})
    order = order_in(emulator, "processing")
    result = push(ctx, shipment_for(order, notify=hub_flag))
    assert emulator.current.shipments[int(result["external_id"])]["email_sent"] == expected


@pytest.mark.parametrize(
    ("method", "expected"),
    [("ups_GND", "ups"), ("flatrate_flatrate", "custom"), (None, "custom"), ("fedex", "fedex")],
)
def test_track_carrier_code_from_the_shipping_method(ctx, emulator, method, expected):
    order = order_in(emulator, "processing")
    shipment = shipment_for(order)
    shipment["carrier_code"] = method
    result = push(ctx, shipment)
    track = emulator.current.shipments[int(result["external_id"])]["tracks"][0]
    assert track["carrier_code"] == expected and track["title"] == "United Parcel Service"


def test_a_5xx_on_ship_is_retried_without_double_shipping(ctx, emulator):
    order = order_in(emulator, "processing")
    emulator.fault("5xx", count=1, status=502, path="/ship")
    assert push(ctx, shipment_for(order))["status"] == "ok"
    assert (
        sum(1 for s in emulator.current.shipments.values() if s["order_id"] == order["entity_id"])
        == 1
    )


def test_a_store_down_during_ship_raises_transient(ctx, emulator):
    order = order_in(emulator, "processing")
    emulator.fault("5xx", count=100, status=500, path="/ship")
    with pytest.raises(TransientError):
        feeds.hub_push_shipment(ctx, shipment_for(order))
    assert not any(s["order_id"] == order["entity_id"] for s in emulator.current.shipments.values())
