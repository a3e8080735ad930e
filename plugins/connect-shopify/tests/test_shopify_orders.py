"""Orders: new orders (every payment state), status updates, re-check of a held order."""

from connect_shopify import feeds
from connect_shopify_emulator.state import FINANCIAL

from hub import Invalid
from hub.records import validate_record


def _orders(stream, kind="order"):
    out = list(stream)
    for r in out:
        assert not isinstance(r, Invalid), r
        validate_record(kind, r)
    return out


def test_every_new_order_whatever_its_payment_state(store, ctx):
    records = _orders(feeds.hub_fetch_new_orders(ctx, None))
    shop = store.emu.shop
    assert len(records) == len(shop.orders)
    assert {r["store_status"].split("/")[0] for r in records} >= set(FINANCIAL)
    by_id = {r["external_id"]: r for r in records}
    for o in shop.orders:
        r = by_id[o.id]
        assert r["number"] == o.name
        assert r["paid"] == (o.financial in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED"))
        assert r["refunded"] == (o.financial == "REFUNDED")
        assert r["cancelled"] == (o.cancelled is not None)
        assert r["fulfilled"] == (o.displayFulfillmentStatus == "FULFILLED")
        assert r["shipping_method"] == {"code": o.shipping[0], "title": o.shipping[1]}
        assert r["shipping_address"]["country_code"] == o.address["countryCodeV2"]
        assert r["shipping_address"]["postcode"] == o.address["zip"]
        assert r["customer_email"] == o.email
        assert [
            (ln["external_id"], ln["sku"], ln["product_external_id"], ln["quantity"])
            for ln in r["lines"]
        ] == [(li.id, li.sku, li.variant.id, li.quantity) for li in o.lines]
    cursors = [r["cursor"] for r in records]
    assert cursors == sorted(cursors)


def test_payment_states_decided(store, ctx):
    records = _orders(feeds.hub_fetch_new_orders(ctx, None))
    paid = {r["store_status"].split("/")[0]: r["paid"] for r in records}
    assert paid["PAID"] and paid["PARTIALLY_REFUNDED"] and paid["REFUNDED"]
    for unpaid in ("PENDING", "AUTHORIZED", "PARTIALLY_PAID", "EXPIRED", "VOIDED"):
        assert paid[unpaid] is False, unpaid
    assert any(r["cancelled"] for r in records)
    assert any(r["fulfilled"] for r in records)


def test_new_orders_since_a_cursor(store, ctx):
    records = _orders(feeds.hub_fetch_new_orders(ctx, None))
    since = records[10]["cursor"]
    later = _orders(feeds.hub_fetch_new_orders(ctx, since))
    assert [r["external_id"] for r in later] == [r["external_id"] for r in records[10:]]


def test_order_updates_report_a_cancellation(store, ctx):
    statuses = _orders(feeds.hub_fetch_order_updates(ctx, None), "order_status")
    assert len(statuses) == len(store.emu.shop.orders)
    last = max(r["cursor"] for r in statuses)
    assert [r["cursor"] for r in statuses] == sorted(r["cursor"] for r in statuses)
    target = next(o for o in store.emu.shop.orders if not o.cancelled)
    store.control(f"/_emulator/orders/{target.legacyResourceId}", {"cancelled": True})
    updates = _orders(feeds.hub_fetch_order_updates(ctx, last), "order_status")
    changed = [r for r in updates if r["external_id"] == target.id]
    assert changed and changed[0]["cancelled"] is True
    assert changed[0]["cursor"] >= last


def test_held_order_is_rechecked_until_paid(store, ctx):
    pending = next(o for o in store.emu.shop.orders if o.financial == "PENDING")
    record = feeds.hub_fetch_order(ctx, pending.id)
    validate_record("order", record)
    assert record["paid"] is False
    store.control(f"/_emulator/orders/{pending.id}", {"paid": True})
    record = feeds.hub_fetch_order(ctx, pending.legacyResourceId)  # numeric id works too
    assert record["paid"] is True and record["external_id"] == pending.id
    assert feeds.hub_fetch_order(ctx, "gid://shopify/Order/1") is None


def _open_since(records, since):
    return [
        r
        for r in records
        if r["created_at"] >= since and not (r["cancelled"] or r["refunded"] or r["fulfilled"])
    ]


def test_open_orders_counted_since_a_date(store, ctx):
    """ordersCount with the created_at and status terms: the orders placed before the date,
    cancelled, refunded or shipped are not counted; a cancellation takes one off."""
    records = _orders(feeds.hub_fetch_new_orders(ctx, None))
    since = records[8]["created_at"]
    expected = _open_since(records, since)
    assert 0 < len(expected) < len(records[8:])  # some of the later orders are closed
    assert feeds.hub_count_open_orders(ctx, since) == len(expected)
    assert feeds.hub_count_open_orders(ctx, records[0]["created_at"]) == len(
        _open_since(records, records[0]["created_at"])
    )
    store.control(f"/_emulator/orders/{expected[0]['external_id']}", {"cancelled": True})
    assert feeds.hub_count_open_orders(ctx, since) == len(expected) - 1
