"""Shipping confirmation: fulfillmentCreate on the order's fulfillment orders, exactly once."""

import pytest
from connect_shopify import feeds, queries
from connect_shopify.client import ShopifyClient
from connect_shopify_emulator import MAIN_LOCATION as MAIN
from connect_shopify_emulator import SECOND_LOCATION as LYON

from hub.errors import TransientError
from hub.records import validate_record


def _open_order(store):
    return next(
        o
        for o in store.emu.shop.orders
        if o.financial == "PAID" and not o.cancelled and o.displayFulfillmentStatus == "UNFULFILLED"
    )


def _shipment(order, number="TRACK-1", lines=None, sid="SHIP-1"):
    lines = lines or [(li, li.quantity) for li in order.lines]
    return validate_record(
        "shipment",
        {
            "shipment_id": sid,
            "order_external_id": order.id,
            "order_number": order.name,
            "carrier": "DHL Express",
            "tracking_number": number,
            "tracking_url": "https://track.example/" + number,
            "shipped_at": "2026-03-01T10:00:00Z",
            "lines": [
                {"sku": li.sku, "order_line_external_id": li.id, "quantity": q} for li, q in lines
            ],
        },
    )


def _dump(shipment):
    out = dict(shipment)
    out["shipped_at"] = "2026-03-01T10:00:00Z"
    return out


def test_shipment_creates_a_fulfillment_with_tracking(store, ctx):
    order = _open_order(store)
    result = feeds.hub_push_shipment(ctx, _dump(_shipment(order)))
    validate_record("push_result", result)
    assert result["status"] == "ok"
    assert result["external_id"].startswith("gid://shopify/Fulfillment/")
    seen = store.get(f"/_emulator/orders/{order.legacyResourceId}")
    assert seen["fulfillment"] == "FULFILLED"
    assert seen["fulfillments"] == [
        {
            "id": result["external_id"],
            "notify_customer": False,
            "tracking": [
                {
                    "company": "DHL Express",
                    "number": "TRACK-1",
                    "url": "https://track.example/TRACK-1",
                }
            ],
        }
    ]


def test_shipment_pushed_twice_is_confirmed_once(store, ctx):
    order = _open_order(store)
    shipment = _dump(_shipment(order))
    first = feeds.hub_push_shipment(ctx, shipment)
    second = feeds.hub_push_shipment(ctx, shipment)
    assert first["status"] == "ok"
    assert second["status"] == "unchanged"
    assert second["external_id"] == first["external_id"]
    assert len(store.get(f"/_emulator/orders/{order.id}")["fulfillments"]) == 1
    assert store.state()["counters"]["fulfillments_created"] == 1


def test_order_already_fulfilled_in_shopify_is_unchanged(store, ctx):
    order = _open_order(store)
    store.control(f"/_emulator/orders/{order.id}", {"fulfilled": True})
    result = feeds.hub_push_shipment(ctx, _dump(_shipment(order, number="OTHER")))
    assert result["status"] == "unchanged"
    assert "already fulfilled" in result["message"]


def test_partial_shipment_then_the_rest(store, ctx):
    order = next(
        o
        for o in store.emu.shop.orders
        if o.financial == "PAID"
        and not o.cancelled
        and o.displayFulfillmentStatus == "UNFULFILLED"
        and sum(li.quantity for li in o.lines) >= 2
    )
    first_line = order.lines[0]
    part = [(first_line, 1)]
    rest = [(li, li.quantity - (1 if li is first_line else 0)) for li in order.lines]
    rest = [(li, q) for li, q in rest if q]
    r1 = feeds.hub_push_shipment(ctx, _dump(_shipment(order, "P1", part, "S1")))
    assert r1["status"] == "ok"
    assert store.get(f"/_emulator/orders/{order.id}")["fulfillment"] == "PARTIALLY_FULFILLED"
    r2 = feeds.hub_push_shipment(ctx, _dump(_shipment(order, "P2", rest, "S2")))
    assert r2["status"] == "ok"
    assert store.get(f"/_emulator/orders/{order.id}")["fulfillment"] == "FULFILLED"


def test_notify_customer_follows_the_hub_shipment(store, ctx):
    # the hub decides (the integration's notify_customer setting, on every ShipmentRecord)
    order = _open_order(store)
    shipment = dict(_dump(_shipment(order)), notify_customer=True)
    assert feeds.hub_push_shipment(ctx, shipment)["status"] == "ok"
    assert store.get(f"/_emulator/orders/{order.id}")["fulfillments"][0]["notify_customer"]


def test_cancelled_order_and_unknown_lines_are_errors(store, ctx):
    cancelled = next(
        o
        for o in store.emu.shop.orders
        if o.cancelled and o.displayFulfillmentStatus != "FULFILLED"
    )
    result = feeds.hub_push_shipment(ctx, _dump(_shipment(cancelled)))
    assert result["status"] == "error" and "cancelled" in result["message"]
    order = _open_order(store)
    bad = _dump(_shipment(order))
    bad["lines"] = [
        {"sku": "X", "order_line_external_id": "gid://shopify/LineItem/1", "quantity": 1}
    ]
    result = feeds.hub_push_shipment(ctx, bad)
    assert result["status"] == "error" and "X" in result["message"]
    assert store.get(f"/_emulator/orders/{order.id}")["fulfillments"] == []


# -- large orders: every fulfillment order and every line, paged -------------------------------


def _big_order(store, lines, fulfillment_orders, locations=(MAIN,)):
    made = store.control(
        "/_emulator/orders",
        {
            "lines": lines,
            "fulfillment_orders": fulfillment_orders,
            "location_ids": list(locations),
        },
    )
    return store.emu.shop.find_order(made["id"])


def test_large_order_is_confirmed_completely_and_once(store, make_ctx):
    ctx = make_ctx(store, settings={"location_id": MAIN})
    # 12 fulfillment orders (more than a page of 10) of 55 lines (more than a page of 40),
    # at two locations: 6 x 55 = 330 lines per location, more than one call's 250
    order = _big_order(store, 12 * 55, 12, (MAIN, LYON))
    assert [len(fo.line_items) for fo in order.fulfillment_orders] == [55] * 12
    shipment = dict(_dump(_shipment(order, "BIG-1")), notify_customer=True)  # the hub's say
    result = feeds.hub_push_shipment(ctx, shipment)
    validate_record("push_result", result)
    assert result["status"] == "ok", result
    seen = store.get(f"/_emulator/orders/{order.id}")
    assert seen["fulfillment"] == "FULFILLED"
    assert seen["shipped"] == {li.id: 1 for li in order.lines}  # every line, exactly once
    assert {fo["remaining"] for fo in seen["fulfillment_orders"]} == {0}
    assert {fo["status"] for fo in seen["fulfillment_orders"]} == {"CLOSED"}
    # one fulfillment per location and per 250 line items; the customer gets one e-mail
    assert store.state()["counters"]["fulfillments_created"] == 4
    assert [f["notify_customer"] for f in seen["fulfillments"]] == [True, False, False, False]
    assert {f["tracking"][0]["number"] for f in seen["fulfillments"]} == {"BIG-1"}
    assert result["external_id"] == seen["fulfillments"][0]["id"]
    again = feeds.hub_push_shipment(ctx, shipment)
    assert again["status"] == "unchanged"
    assert again["external_id"] == result["external_id"]
    assert store.state()["counters"]["fulfillments_created"] == 4


def test_part_of_a_large_order(store, ctx):
    order = _big_order(store, 6 * 52, 6)  # more than the old 5 x 50 window
    last_fo = order.fulfillment_orders[-1]
    wanted = [(fli.line, 1) for fli in last_fo.line_items[-3:]]  # lines on the last page
    result = feeds.hub_push_shipment(ctx, _dump(_shipment(order, "PART-1", wanted)))
    assert result["status"] == "ok", result
    seen = store.get(f"/_emulator/orders/{order.id}")
    assert seen["shipped"] == {line.id: 1 for line, _ in wanted}
    assert seen["fulfillment"] == "PARTIALLY_FULFILLED"


def test_push_cut_off_half_way_sends_only_the_rest_when_retried(store, ctx, monkeypatch):
    order = _big_order(store, 300, 1)  # one fulfillment order, two calls of 250 + 50 lines
    shipment = _dump(_shipment(order, "CUT-1"))
    real = ShopifyClient.execute
    creates = []

    def second_create_fails(self, query, variables=None, name=None):
        if query is queries.FULFILLMENT_CREATE:
            creates.append(
                len(
                    variables["fulfillment"]["lineItemsByFulfillmentOrder"][0][
                        "fulfillmentOrderLineItems"
                    ]
                )
            )
            if len(creates) == 2:
                raise TransientError("Shopify answered 503 after retries")
        return real(self, query, variables, name)

    monkeypatch.setattr(ShopifyClient, "execute", second_create_fails)
    with pytest.raises(TransientError):
        feeds.hub_push_shipment(ctx, shipment)
    assert creates == [250, 50]
    seen = store.get(f"/_emulator/orders/{order.id}")
    assert len(seen["shipped"]) == 250 and seen["fulfillment"] == "PARTIALLY_FULFILLED"
    monkeypatch.undo()
    result = feeds.hub_push_shipment(ctx, shipment)  # the run's retry
    assert result["status"] == "ok", result
    seen = store.get(f"/_emulator/orders/{order.id}")
    assert seen["shipped"] == {li.id: 1 for li in order.lines}
    assert seen["fulfillment"] == "FULFILLED"
    assert store.state()["counters"]["fulfillments_created"] == 2
    assert result["external_id"] == seen["fulfillments"][0]["id"]
    assert feeds.hub_push_shipment(ctx, shipment)["status"] == "unchanged"
    assert store.state()["counters"]["fulfillments_created"] == 2


def test_emulator_caps_fulfillment_input_arrays_at_250(store):
    order = _big_order(store, 251, 1)
    fo = order.fulfillment_orders[0]
    body = store.graphql(
        queries.FULFILLMENT_CREATE,
        {
            "fulfillment": {
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": fo.id,
                        "fulfillmentOrderLineItems": [
                            {"id": li.id, "quantity": 1} for li in fo.line_items
                        ],
                    }
                ]
            }
        },
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert store.state()["counters"]["fulfillments_created"] == 0


def test_two_shipments_of_other_lines_under_one_tracking_number(store, ctx):
    order = _big_order(store, 4, 1)
    first, second = order.lines[:2], order.lines[2:]
    r1 = feeds.hub_push_shipment(
        ctx, _dump(_shipment(order, "SAME", [(li, 1) for li in first], "S1"))
    )
    r2 = feeds.hub_push_shipment(
        ctx, _dump(_shipment(order, "SAME", [(li, 1) for li in second], "S2"))
    )
    assert (r1["status"], r2["status"]) == ("ok", "ok")
    seen = store.get(f"/_emulator/orders/{order.id}")
    assert seen["shipped"] == {li.id: 1 for li in order.lines}
    assert seen["fulfillment"] == "FULFILLED"
    again = feeds.hub_push_shipment(
        ctx, _dump(_shipment(order, "SAME", [(li, 1) for li in second], "S2"))
    )
    assert again["status"] == "unchanged"
    assert store.state()["counters"]["fulfillments_created"] == 2
