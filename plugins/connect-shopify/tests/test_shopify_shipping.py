"""Shipping confirmation: fulfillmentCreate on the order's fulfillment orders, exactly once."""

from connect_shopify import plugin

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
    result = plugin.hub_push_shipment(ctx, _dump(_shipment(order)))
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
    first = plugin.hub_push_shipment(ctx, shipment)
    second = plugin.hub_push_shipment(ctx, shipment)
    assert first["status"] == "ok"
    assert second["status"] == "unchanged"
    assert second["external_id"] == first["external_id"]
    assert len(store.get(f"/_emulator/orders/{order.id}")["fulfillments"]) == 1
    assert store.state()["counters"]["fulfillments_created"] == 1


def test_order_already_fulfilled_in_shopify_is_unchanged(store, ctx):
    order = _open_order(store)
    store.control(f"/_emulator/orders/{order.id}", {"fulfilled": True})
    result = plugin.hub_push_shipment(ctx, _dump(_shipment(order, number="OTHER")))
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
    r1 = plugin.hub_push_shipment(ctx, _dump(_shipment(order, "P1", part, "S1")))
    assert r1["status"] == "ok"
    assert store.get(f"/_emulator/orders/{order.id}")["fulfillment"] == "PARTIALLY_FULFILLED"
    r2 = plugin.hub_push_shipment(ctx, _dump(_shipment(order, "P2", rest, "S2")))
    assert r2["status"] == "ok"
    assert store.get(f"/_emulator/orders/{order.id}")["fulfillment"] == "FULFILLED"


def test_notify_customer_setting(store, make_ctx):
    ctx = make_ctx(
        store,
        settings={"location_id": "gid://shopify/Location/81000000001", "notify_customer": True},
    )
    order = _open_order(store)
    assert plugin.hub_push_shipment(ctx, _dump(_shipment(order)))["status"] == "ok"
    assert store.get(f"/_emulator/orders/{order.id}")["fulfillments"][0]["notify_customer"]


def test_cancelled_order_and_unknown_lines_are_errors(store, ctx):
    cancelled = next(
        o
        for o in store.emu.shop.orders
        if o.cancelled and o.displayFulfillmentStatus != "FULFILLED"
    )
    result = plugin.hub_push_shipment(ctx, _dump(_shipment(cancelled)))
    assert result["status"] == "error" and "cancelled" in result["message"]
    order = _open_order(store)
    bad = _dump(_shipment(order))
    bad["lines"] = [
        {"sku": "X", "order_line_external_id": "gid://shopify/LineItem/1", "quantity": 1}
    ]
    result = plugin.hub_push_shipment(ctx, bad)
    assert result["status"] == "error" and "X" in result["message"]
    assert store.get(f"/_emulator/orders/{order.id}")["fulfillments"] == []
