"""Shipping confirmation: Shipment Tracking, status completed, a note — exactly once."""

import time

import pytest
from connect_woocommerce import outbound

from hub.errors import TransientError

from .conftest import in_stock


def _shipment(store, ctx, shipment_id="s-1", status="processing", **extra):
    record = in_stock(ctx)[0]
    order = store.control(
        "POST",
        "orders",
        json={"lines": [{"sku": record["sku"], "quantity": 1}], "status": status},
    )
    line = order["line_items"][0]
    return {
        "shipment_id": shipment_id,
        "order_external_id": str(order["id"]),
        "order_number": str(order["number"]),
        "carrier": "Colissimo",
        "carrier_code": "flat_rate",
        "tracking_number": "6A12345678901",
        "tracking_url": "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901",
        "notify_customer": True,
        "shipped_at": "2026-02-01T10:00:00Z",
        "lines": [{"sku": record["sku"], "order_line_external_id": str(line["id"]), "quantity": 1}],
        **extra,
    }


def _order(store, shipment):
    return store.control("GET", f"orders/{shipment['order_external_id']}")


def _ours(order, shipment):
    return [n for n in order["notes"] if f"[hub shipment {shipment['shipment_id']}]" in n]


def test_tracking_status_and_note_exactly_once(emulator, make_ctx):
    store = emulator(shipment_tracking=True)
    ctx = make_ctx(store)
    shipment = _shipment(store, ctx)
    result = outbound.hub_push_shipment(ctx, shipment)
    assert result["status"] == "ok", result
    order = _order(store, shipment)
    assert order["status"] == "completed"
    assert [t["tracking_number"] for t in order["trackings"]] == ["6A12345678901"]
    tracking = order["trackings"][0]
    assert (tracking["tracking_provider"], tracking["tracking_link"]) == (
        "Colissimo",
        shipment["tracking_url"],
    )
    assert len(_ours(order, shipment)) == 1
    again = outbound.hub_push_shipment(ctx, shipment)
    assert again["status"] == "unchanged"
    after = _order(store, shipment)
    assert after["notes"] == order["notes"] and after["trackings"] == order["trackings"]


def test_without_the_extension_the_tracking_number_goes_in_the_note(emulator, make_ctx):
    store = emulator(shipment_tracking=False)
    ctx = make_ctx(store)
    shipment = _shipment(store, ctx)
    assert outbound.hub_push_shipment(ctx, shipment)["status"] == "ok"
    order = _order(store, shipment)
    (note,) = _ours(order, shipment)
    assert "6A12345678901" in note and "Colissimo" in note
    assert order["status"] == "completed"
    assert outbound.hub_push_shipment(ctx, shipment)["status"] == "unchanged"
    assert not outbound.tracking_extension(outbound.WooClient(ctx))


def test_a_push_cut_off_before_the_note_completes_once_retried(emulator, make_ctx):
    store = emulator(shipment_tracking=True)
    ctx = make_ctx(store)
    shipment = _shipment(store, ctx)
    store.fault("500", count=20, path="/notes?oauth")
    with pytest.raises(TransientError):
        outbound.hub_push_shipment(ctx, shipment)
    cut = _order(store, shipment)
    assert cut["status"] == "completed" and len(cut["trackings"]) == 1
    assert _ours(cut, shipment) == []
    store.emulator.faults.clear()  # the store is back
    result = outbound.hub_push_shipment(ctx, shipment)
    assert result["status"] == "ok"
    assert result["message"].endswith("note added") and "tracking" not in result["message"]
    done = _order(store, shipment)
    assert len(done["trackings"]) == 1 and len(_ours(done, shipment)) == 1


def test_a_lost_answer_to_the_note_is_not_written_twice(emulator, make_ctx):
    store = emulator(shipment_tracking=True)
    ctx = make_ctx(store)
    shipment = _shipment(store, ctx)
    ctx.session_once.timeout = (2, 0.5)
    store.fault("timeout", count=1, delay=1.5, path="/notes?oauth")
    with pytest.raises(TransientError):
        outbound.hub_push_shipment(ctx, shipment)
    time.sleep(1.5)  # the store finishes the request whose answer was lost
    assert len(_ours(_order(store, shipment), shipment)) == 1
    assert outbound.hub_push_shipment(ctx, shipment)["status"] == "unchanged"
    assert len(_ours(_order(store, shipment), shipment)) == 1


def test_a_cancelled_order_is_an_error(store, ctx):
    shipment = _shipment(store, ctx)
    store.control(
        "POST", f"orders/{shipment['order_external_id']}/status", json={"status": "cancelled"}
    )
    result = outbound.hub_push_shipment(ctx, shipment)
    assert result["status"] == "error" and "cancelled" in result["message"]
    assert _order(store, shipment)["status"] == "cancelled"


def test_an_unknown_order_is_an_error(store, ctx):
    shipment = {**_shipment(store, ctx), "order_external_id": "999999"}
    assert outbound.hub_push_shipment(ctx, shipment)["status"] == "error"
