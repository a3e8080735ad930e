"""Orders: every state, configurable lines, incremental cursors, single re-check."""

from decimal import Decimal

import pytest
from connect_magento import feeds

from hub import Invalid
from hub.outcomes import is_outcome
from hub.records import validate_record


def orders(ctx, since=None):
    out = list(feeds.hub_fetch_new_orders(ctx, since))
    for item in out:
        if not is_outcome(item):
            validate_record("order", item)
    return out


EXPECTED = {
    # status: (paid, cancelled, refunded, fulfilled)
    "pending": (False, False, False, False),
    "pending_payment": (False, False, False, False),
    "processing": (True, False, False, False),
    "complete": (True, False, False, True),
    "closed": (True, False, True, False),
    "canceled": (False, True, False, False),
    "holded": (False, False, False, False),
    "payment_review": (False, False, False, False),
    "fraud": (False, False, False, False),
}


def test_every_order_is_fetched_whatever_its_state(ctx, emulator):
    out = orders(ctx)
    assert {o["external_id"] for o in out} == {str(i) for i in emulator.current.orders}
    statuses = {o["store_status"] for o in out}
    assert set(EXPECTED) <= statuses
    for o in out:
        assert (o["paid"], o["cancelled"], o["refunded"], o["fulfilled"]) == EXPECTED[
            o["store_status"]
        ], o["store_status"]
    cursors = [o["cursor"] for o in out]
    assert cursors == sorted(cursors)


def test_order_values(ctx, emulator):
    raw = emulator.current.orders[3]
    o = next(o for o in orders(ctx) if o["external_id"] == "3")
    assert o["number"] == raw["increment_id"]
    assert Decimal(o["total"]) == Decimal(str(raw["grand_total"]))
    assert o["currency"] == "USD" and o["customer_email"] == raw["customer_email"]
    shipping = raw["extension_attributes"]["shipping_assignments"][0]["shipping"]
    assert o["shipping_method"] == {
        "code": shipping["method"],
        "title": raw["shipping_description"],
    }
    address = shipping["address"]
    assert o["shipping_address"]["name"] == f"{address['firstname']} {address['lastname']}"
    assert o["shipping_address"]["address1"] == address["street"][0]
    assert o["shipping_address"]["country_code"] == address["country_id"]
    assert o["created_at"] == raw["created_at"].replace(" ", "T") + "Z"


def test_configurable_lines_keep_the_child_sku_and_the_parent_price(ctx, emulator):
    store = emulator.current
    child = next(
        p for p in store.products.values() if p["parent"] and store.sellable_qty(p["sku"]) >= 3
    )
    created = emulator.post(
        "/_emulator/orders", {"skus": [child["sku"]], "state": "processing", "status": "processing"}
    )
    o = next(o for o in orders(ctx) if o["external_id"] == str(created["entity_id"]))
    assert len(o["lines"]) == 1  # the configurable parent line is not a line of its own
    line = o["lines"][0]
    raw_child = next(i for i in created["items"] if "parent_item_id" in i)
    assert line["external_id"] == str(raw_child["item_id"])
    assert line["sku"] == child["sku"] and line["product_external_id"] == str(child["id"])
    assert Decimal(line["price"]) == Decimal(str(child["price"]))
    assert line["quantity"] == int(raw_child["qty_ordered"])


def test_new_orders_since_a_cursor(ctx, emulator):
    first = orders(ctx)
    last = first[-1]["cursor"]
    created = emulator.post("/_emulator/orders", {"state": "new", "status": "pending"})
    again = orders(ctx, last)
    assert [o["external_id"] for o in again if o["cursor"] > last] == [str(created["entity_id"])]
    assert not again[-1]["paid"]


def test_order_updates_report_status_changes(ctx, emulator):
    updates = list(feeds.hub_fetch_order_updates(ctx, None))
    for u in updates:
        validate_record("order_status", u)
    last = max(u["cursor"] for u in updates)
    pending = next(o for o in emulator.current.orders.values() if o["state"] == "new")
    emulator.post(f"/_emulator/orders/{pending['entity_id']}", {"cancelled": True})
    later = [u for u in feeds.hub_fetch_order_updates(ctx, last) if u["cursor"] > last]
    assert [(u["external_id"], u["cancelled"], u["store_status"]) for u in later] == [
        (str(pending["entity_id"]), True, "canceled")
    ]


def test_fetch_order_rechecks_a_held_order(ctx, emulator):
    held = next(o for o in emulator.current.orders.values() if o["state"] == "pending_payment")
    record = feeds.hub_fetch_order(ctx, str(held["entity_id"]))
    assert record["paid"] is False
    emulator.post(f"/_emulator/orders/{held['entity_id']}", {"paid": True})
    record = feeds.hub_fetch_order(ctx, str(held["entity_id"]))
    validate_record("order", record)
    assert record["paid"] is True and record["store_status"] == "processing"


def test_fetch_order_of_a_missing_order_is_none(ctx):
    assert feeds.hub_fetch_order(ctx, "987654") is None
    assert feeds.hub_fetch_order(ctx, "not-a-number") is None


def test_processing_with_money_still_due_is_not_paid(ctx, emulator):
    # Magento moves an order to processing when it is shipped before it is invoiced
    target = next(o for o in emulator.current.orders.values() if o["state"] == "new")
    emulator.post(
        f"/_emulator/orders/{target['entity_id']}", {"state": "processing", "status": "processing"}
    )
    assert feeds.hub_fetch_order(ctx, str(target["entity_id"]))["paid"] is False


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"increment_id": None}, "number"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"grand_total": "lots"}, "total"),
    ],
)
def test_bad_orders_are_invalid_outcomes_naming_the_field(ctx, emulator, raw, field):
    target = next(iter(emulator.current.orders.values()))
    emulator.post(f"/_emulator/orders/{target['entity_id']}", {"raw": raw})
    out = list(feeds.hub_fetch_new_orders(ctx, None))
    bad = [o for o in out if isinstance(o, Invalid)]
    assert len(bad) == 1 and field in bad[0].errors, bad
    assert bad[0].external_id == str(target["entity_id"]) and bad[0].cursor
    assert len(out) == len(emulator.current.orders)  # the stream went on


def test_a_fractional_quantity_is_invalid_naming_the_line(ctx, emulator):
    target = next(iter(emulator.current.orders.values()))
    items = [dict(i) for i in target["items"]]
    leaf = next(i for i in items if not any(c.get("parent_item_id") == i["item_id"] for c in items))
    leaf["qty_ordered"] = 1.5
    emulator.post(f"/_emulator/orders/{target['entity_id']}", {"raw": {"items": items}})
    bad = feeds.hub_fetch_order(ctx, str(target["entity_id"]))
    assert isinstance(bad, Invalid)
    assert "quantity" in next(iter(bad.errors["lines"].values()))


def _open_since(records, since):
    return [
        o
        for o in records
        if o["created_at"] >= since and not (o["cancelled"] or o["refunded"] or o["fulfilled"])
    ]


def test_open_orders_counted_since_a_date(ctx, emulator):
    """total_count of a one-row page: orders before the date and canceled, closed or complete
    ones are not counted; a cancellation takes one off."""
    records = sorted(orders(ctx), key=lambda o: o["created_at"])
    since = records[len(records) // 3]["created_at"]
    expected = _open_since(records, since)
    later = [o for o in records if o["created_at"] >= since]
    assert 0 < len(expected) < len(later) < len(records)
    assert feeds.hub_count_open_orders(ctx, since) == len(expected)
    assert feeds.hub_count_open_orders(ctx, since.replace("T", " ")[:10]) == len(
        _open_since(records, since[:10] + "T00:00:00Z")
    )
    emulator.post(f"/_emulator/orders/{expected[0]['external_id']}", {"cancelled": True})
    assert feeds.hub_count_open_orders(ctx, since) == len(expected) - 1
