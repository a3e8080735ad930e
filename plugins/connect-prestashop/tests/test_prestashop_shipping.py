"""Shipping confirmation: tracking number on order_carriers, then the shipped state through
order_histories; never twice."""

import pytest
from connect_prestashop import feeds

from hub.errors import ConfigurationError, TransientError
from hub.records import validate_record


def _shipment(order_id, tracking="6A12345678901", **extra):
    return {
        "shipment_id": f"SH-{order_id}",
        "order_external_id": str(order_id),
        "order_number": f"#{order_id}",
        "carrier": "Colissimo",
        "carrier_code": "4",
        "tracking_number": tracking,
        "notify_customer": False,
        "shipped_at": "2026-02-01T10:00:00Z",
        "lines": [{"sku": "PS00001", "order_line_external_id": "1", "quantity": 1}],
        **extra,
    }


def _ship(ctx, shipment):
    result = feeds.hub_push_shipment(ctx, shipment)
    validate_record("push_result", result)
    return result


@pytest.fixture
def paid_order(store):
    return store.control("POST", "orders", json={"state": "PS_OS_PAYMENT"})["id"]


def test_a_shipment_sets_tracking_and_the_shipped_state(store, ctx, paid_order):
    result = _ship(ctx, _shipment(paid_order, notify_customer=True))
    assert result["status"] == "ok" and result["key"] == f"SH-{paid_order}"
    order = store.control("GET", f"orders/{paid_order}")
    shipped = int(store.store.config("PS_OS_SHIPPING"))
    assert order["current_state"] == shipped
    assert order["tracking_numbers"] == ["6A12345678901"]
    assert order["carriers"] == [int(store.store["orders"].rows[paid_order]["id_carrier"])]
    assert store.state()["emails_sent"] == 1  # sendemail=1 because notify_customer


def test_a_second_confirmation_never_doubles(store, ctx, paid_order):
    assert _ship(ctx, _shipment(paid_order))["status"] == "ok"
    histories = store.control("GET", f"orders/{paid_order}")["histories"]
    writes = store.state()["writes"]
    again = _ship(ctx, _shipment(paid_order))
    assert again["status"] == "unchanged" and "already" in again["message"]
    assert store.control("GET", f"orders/{paid_order}")["histories"] == histories
    assert store.state()["writes"] == writes


def test_an_order_shipped_in_the_store_is_unchanged(store, ctx, paid_order):
    store.control("POST", f"orders/{paid_order}", json={"fulfilled": True})
    histories = store.control("GET", f"orders/{paid_order}")["histories"]
    result = _ship(ctx, _shipment(paid_order))
    # the tracking number was empty, so it is stored; the state is not posted again
    assert store.control("GET", f"orders/{paid_order}")["histories"] == histories
    assert store.control("GET", f"orders/{paid_order}")["tracking_numbers"] == ["6A12345678901"]
    assert result["status"] == "ok"
    assert _ship(ctx, _shipment(paid_order))["status"] == "unchanged"


def test_a_tracking_number_over_64_characters_is_an_error_with_a_hint(store, ctx, paid_order):
    writes = store.state()["writes"]
    result = _ship(ctx, _shipment(paid_order, tracking="X" * 65))
    assert result["status"] == "error" and "64" in result["message"] and result["hint"]
    assert store.state()["writes"] == writes


def test_the_store_validation_error_is_reported_clearly(store, ctx, paid_order):
    result = _ship(ctx, _shipment(paid_order, tracking="bad<tracking>"))
    assert result["status"] == "error"
    assert "[85]" in result["message"] and "tracking_number" in result["message"]


def test_a_cancelled_order_is_not_confirmed(store, ctx, paid_order):
    store.control("POST", f"orders/{paid_order}", json={"cancelled": True})
    result = _ship(ctx, _shipment(paid_order))
    assert result["status"] == "error" and "cancelled" in result["message"]


def test_the_configured_shipped_state_is_used(store, make_ctx, paid_order):
    delivered = store.store.config("PS_OS_DELIVERED")
    ctx = make_ctx(store, settings={"shipped_state_id": delivered})
    assert _ship(ctx, _shipment(paid_order))["status"] == "ok"
    assert store.control("GET", f"orders/{paid_order}")["current_state"] == int(delivered)


def test_a_shipped_state_that_does_not_exist_is_a_configuration_error(store, make_ctx, paid_order):
    ctx = make_ctx(store, settings={"shipped_state_id": "999"})
    with pytest.raises(ConfigurationError):
        feeds.hub_push_shipment(ctx, _shipment(paid_order))


def test_prestashop_17_puts_the_whole_order_carrier(emulator, make_ctx):
    live = emulator(version="1.7.8.11")
    order_id = live.control("POST", "orders", json={"state": "PS_OS_PAYMENT"})["id"]
    carrier_row = next(
        c for c in live.store["order_carriers"].rows.values() if c["id_order"] == str(order_id)
    )
    carrier_row["weight"] = "1.250000"
    assert _ship(make_ctx(live), _shipment(order_id))["status"] == "ok"
    assert carrier_row["tracking_number"] == "6A12345678901"
    assert carrier_row["weight"] == "1.250000"  # PUT carried every field


def test_the_history_post_is_never_resent_after_a_5xx(store, ctx, paid_order):
    store.fault("5xx", count=2, path="/api/order_histories")
    with pytest.raises(TransientError):  # the run is retried later; the session never re-sent
        feeds.hub_push_shipment(ctx, _shipment(paid_order))
    assert store.state()["faults_pending"] == 1  # one POST reached the store, not two
    store.emulator.faults.clear()
    assert _ship(ctx, _shipment(paid_order))["status"] == "ok"  # the next run decides
    assert (
        store.control("GET", f"orders/{paid_order}")["histories"].count(
            int(store.store.config("PS_OS_SHIPPING"))
        )
        == 1
    )


def test_an_unknown_order_is_an_error(store, ctx):
    assert _ship(ctx, _shipment(424242))["status"] == "error"
