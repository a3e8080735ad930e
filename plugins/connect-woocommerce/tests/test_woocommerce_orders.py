"""Orders: keyset streams on created/modified GMT dates, statuses, faults."""

import pytest
from connect_woocommerce import feeds
from connect_woocommerce.client import WooClient

from hub.errors import TransientError
from hub.outcomes import is_outcome

from .conftest import in_stock


def _order(store, ctx, status="processing", quantity=1):
    sku = in_stock(ctx)[0]["sku"]
    return store.control(
        "POST",
        "orders",
        json={
            "lines": [{"sku": sku, "quantity": quantity}],
            "status": status,
            "shipping_method_id": "flat_rate",
        },
    )


def test_new_orders_stream_after_the_cursor(store, ctx, records_of):
    records, outcomes = records_of("order", feeds.hub_fetch_new_orders(ctx, None))
    total = int(WooClient(ctx).call("GET", "orders").headers["X-WP-Total"])
    assert len(records) + len(outcomes) == total
    cursors = [r["cursor"] for r in records]
    assert cursors == sorted(cursors)
    last = max(cursors)
    assert records_of("order", feeds.hub_fetch_new_orders(ctx, last)) == ([], [])
    placed = _order(store, ctx)
    new, _ = records_of("order", feeds.hub_fetch_new_orders(ctx, last))
    assert [r["external_id"] for r in new] == [str(placed["id"])]
    order = new[0]
    assert order["paid"] and not order["cancelled"]
    assert order["shipping_method"]["code"] == "flat_rate"
    assert order["lines"][0]["sku"] == placed["line_items"][0]["sku"]


def test_the_first_run_starts_at_orders_since(store, ctx, records_of):
    every, _ = records_of("order", feeds.hub_fetch_new_orders(ctx, None))
    every.sort(key=lambda r: r["cursor"])
    middle = every[len(every) // 2]["created_at"]
    since, _ = records_of("order", feeds.hub_fetch_new_orders(ctx, middle))
    assert since and all(r["created_at"] >= middle for r in since)
    assert {r["external_id"] for r in every if r["created_at"] >= middle} == {
        r["external_id"] for r in since
    }


@pytest.mark.parametrize(
    ("status", "paid", "cancelled"),
    [("pending", False, False), ("on-hold", False, False), ("processing", True, False)],
)
def test_statuses_come_through_with_the_hubs_meaning(store, ctx, status, paid, cancelled):
    placed = _order(store, ctx, status=status)
    record = feeds.hub_fetch_order(ctx, str(placed["id"]))
    assert (record["paid"], record["cancelled"], record["store_status"]) == (
        paid,
        cancelled,
        status,
    )


def test_order_updates_follow_modified_after(store, ctx, records_of):
    updates, _ = records_of("order_status", feeds.hub_fetch_order_updates(ctx, None))
    last = max(r["cursor"] for r in updates)
    placed = _order(store, ctx, status="pending")
    store.control("POST", f"orders/{placed['id']}/status", json={"status": "cancelled"})
    changed, _ = records_of("order_status", feeds.hub_fetch_order_updates(ctx, last))
    assert [(r["external_id"], r["cancelled"]) for r in changed] == [(str(placed["id"]), True)]


def test_a_deleted_order_is_none(store, ctx):
    assert feeds.hub_fetch_order(ctx, "999999") is None


@pytest.mark.parametrize("fault", ["429", "500", "503"])
def test_throttling_and_server_errors_are_retried(store, ctx, records_of, fault):
    store.fault(fault, count=1)
    records, _ = records_of("order", feeds.hub_fetch_new_orders(ctx, None))
    assert records


def test_a_malformed_answer_is_a_clear_transient_error(store, ctx):
    store.fault("malformed", count=1)
    with pytest.raises(TransientError, match=r"not JSON|without a list"):
        list(feeds.hub_fetch_new_orders(ctx, None))


def test_a_store_that_keeps_failing_is_a_transient_error(store, ctx):
    store.fault("500", count=20)
    with pytest.raises(TransientError, match="500"):
        list(feeds.hub_fetch_new_orders(ctx, None))


def test_an_order_changed_while_the_run_reads_does_not_hide_another(store, make_ctx):
    """Page-number paging would skip one: the changed order leaves page 1, and the first
    order of page 2 slides onto page 1, already read. The keyset stream asks "after the last
    row seen" instead."""
    ctx = make_ctx(store, settings={"page_size": 5})
    every = {
        r["external_id"] for r in feeds.hub_fetch_order_updates(ctx, None) if not is_outcome(r)
    }
    stream = feeds.hub_fetch_order_updates(ctx, None)
    first = next(stream)
    seen = [first["external_id"]]
    status = "processing" if first["store_status"] == "on-hold" else "on-hold"
    store.control("POST", f"orders/{seen[0]}/status", json={"status": status})
    seen += [r["external_id"] for r in stream]
    assert set(seen) == every
    assert seen.count(seen[0]) == 2  # read again, at the end, with its new date


def _open_since(records, since):
    return [
        r
        for r in records
        if r["created_at"] >= since and not (r["cancelled"] or r["refunded"] or r["fulfilled"])
    ]


def test_open_orders_counted_since_a_date(store, ctx, records_of):
    """X-WP-Total of a one-row page: orders before the date and cancelled, failed, refunded
    or completed ones are not counted; a cancellation takes one off."""
    every, _ = records_of("order", feeds.hub_fetch_new_orders(ctx, None))
    every.sort(key=lambda r: r["cursor"])
    since = every[len(every) // 3]["created_at"]
    expected = _open_since(every, since)
    later = [r for r in every if r["created_at"] >= since]
    assert 0 < len(expected) < len(later) < len(every)
    assert feeds.hub_count_open_orders(ctx, since) == len(expected)
    target = expected[0]["external_id"]
    store.control("POST", f"orders/{target}/status", json={"status": "cancelled"})
    assert feeds.hub_count_open_orders(ctx, since) == len(expected) - 1
