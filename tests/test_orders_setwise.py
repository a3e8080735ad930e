"""import_new_orders writes a batch's new orders and holds set-wise (``OrderBatch``, issue 16):
the rows must be those the row-by-row path writes — orders, addresses, lines, bindings, held
records, stock movements with their running levels, events and the run's log — for a batch of
new, known (imported or held before) and malformed orders.

Two integrations read the same test store, each into a warehouse of its own; one imports as
the feed does, the other with every order written on its own (``process_order`` without a
batch, as before the set-wise path). Their rows are compared, hub ids mapped to numbers."""

import pytest
from conftest import BACKENDS
from support import run

import hub.feeds.orders as orders_feed
from hub.models import (
    Binding,
    Checkpoint,
    Event,
    FeedRun,
    HeldRecord,
    Order,
    OrderLine,
    Product,
    RunLog,
    StockLevel,
    StockMovement,
)
from hub.services.stock import create_warehouse, verify_ledger

pytestmark = pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)


def second_integration(integration, store, name):
    from hub_testshop.store import TOKEN

    from hub.services.integrations import create_integration

    return create_integration(
        name,
        "testshop",
        store.url,
        {"token": TOKEN},
        orders_since=integration.orders_since,
        carrier_mapping=integration.carrier_mapping,
        allow_duplicate=True,  # the same store on purpose
    )


def own_warehouse(integration, name):
    warehouse = create_warehouse(name)
    integration.default_warehouse = warehouse.id
    integration.save()
    return warehouse


def row_by_row(monkeypatch):
    """The feed with every order processed and written on its own."""
    one_by_one = orders_feed.process_order

    def process_order(job, record, held=None, known=None, batch=None):
        return one_by_one(job, record, held=held, known=known)

    monkeypatch.setattr(orders_feed, "process_order", process_order)
    return monkeypatch.undo


def snapshot(integration, warehouse, first_run):
    """What the runs of ``integration`` wrote, without hub ids, integration names or times."""
    number = dict(Order.select(Order.id, Order.number).tuples())
    held_ref = dict(HeldRecord.select(HeldRecord.id, HeldRecord.external_id).tuples())
    sku = dict(Product.select(Product.id, Product.sku).tuples())

    def text(value):
        return value.replace(integration.name, "NAME") if isinstance(value, str) else value

    orders = []
    for o in Order.select().where(Order.integration == integration.id).order_by(Order.id):
        addresses = [
            {k: getattr(a, k) for k in ("name", "city", "country_code")} if a else None
            for a in (o.shipping_address, o.billing_address)
        ]
        orders.append(
            (
                o.number,
                o.external_id,
                o.status,
                o.paid,
                o.store_status,
                o.currency,
                o.total,
                o.customer_email,
                o.shipping_method_code,
                o.shipping_method_title,
                o.carrier,
                o.ordered_at,
                o.warehouse_id == warehouse.id,
                *map(str, addresses),
            )
        )
    lines = [
        (
            number[line.order_id],
            line.sku,
            sku[line.product_id],
            line.external_id,
            line.name,
            line.quantity,
            line.price,
        )
        for line in OrderLine.select()
        .join(Order)
        .where(Order.integration == integration.id)
        .order_by(OrderLine.id)
    ]
    bindings = sorted(
        (b.external_id, number[b.hub_id])
        for b in Binding.select().where(
            (Binding.integration == integration.id) & (Binding.kind == "order")
        )
    )
    held = [
        (
            h.external_id,
            h.reference,
            h.reason,
            h.status,
            h.payload,
            h.ordered_at,
            h.next_check_at is None,
            h.checks,
        )
        for h in HeldRecord.select()
        .where(HeldRecord.integration == integration.id)
        .order_by(HeldRecord.id)
    ]
    movements = [
        (
            sku[m.product_id],
            m.type,
            m.quantity,
            m.reserved_change,
            m.on_hand_after,
            m.reserved_after,
            m.reference_type,
            m.reference,
            (number if m.reference_type == "order" else held_ref)[m.reference_id],
        )
        for m in StockMovement.select()
        .where(StockMovement.warehouse == warehouse.id)
        .order_by(StockMovement.id)
    ]
    levels = sorted(
        (sku[lv.product_id], lv.on_hand, lv.reserved)
        for lv in StockLevel.select().where(StockLevel.warehouse == warehouse.id)
    )
    events = sorted(
        (
            e.code,
            e.reference,
            e.severity,
            e.external_id,
            text(e.message),
            text(e.hint),
            e.count,
            e.resolved_at is None,
            e.feed,
            repr(sorted((k, number[v] if k == "order_id" else v) for k, v in e.details.items())),
        )
        for e in Event.select().where(Event.integration == integration.id)
    )
    log = [
        (r.run_id == first_run.id, r.severity, r.code, r.reference, text(r.message), text(r.hint))
        for r in RunLog.select()
        .join(FeedRun)
        .where(FeedRun.integration == integration.id)
        .order_by(RunLog.id)
    ]
    return {
        "orders": orders,
        "lines": lines,
        "bindings": bindings,
        "held": held,
        "movements": movements,
        "levels": levels,
        "events": events,
        "log": log,
    }


def counts(result):
    return (result.status, result.created, result.skipped, result.failed, result.unchanged)


def test_a_batch_writes_what_order_by_order_writes(integration, store, monkeypatch):
    store.add_product(1, "A", "Apple")
    store.add_product(2, "B", "Banana")
    store.add_product(3, "C", "Cherry")
    one_by_one = second_integration(integration, store, "One by one")
    warehouses = {
        integration.id: own_warehouse(integration, "Batched"),
        one_by_one.id: own_warehouse(one_by_one, "One by one"),
    }
    for each in (integration, one_by_one):  # the products, and each integration's bindings
        assert run(each, "import_new_products").status == "succeeded"

    def both():
        batched = run(integration, "import_new_orders")
        undo = row_by_row(monkeypatch)
        try:
            single = run(one_by_one, "import_new_orders")
        finally:
            undo()
        assert counts(batched) == counts(single)
        return batched, single

    # new orders: imported ones sharing SKUs (the running reserved levels), cancelled, unpaid,
    # unmapped carrier, unknown SKU (its known line reserved), before the cut-off, malformed
    store.add_order(1, "#1001", [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}])
    store.add_order(2, "#1002", [{"sku": "B", "qty": 3}, {"sku": "A", "qty": 1}])
    store.add_order(3, "#1003", [{"sku": "A", "qty": 4}], paid=False)
    store.add_order(4, "#1004", [{"sku": "C", "qty": 1}], cancelled=True)
    store.add_order(5, "#1005", [{"sku": "B", "qty": 2}], method="pigeon")
    store.add_order(6, "#1006", [{"sku": "ZZZ", "qty": 1}, {"sku": "C", "qty": 5}])
    store.add_order(7, "#0999", [{"sku": "A", "qty": 9}], created="2025-12-01T00:00:00Z")
    store.add_order(8, "#1008", [{"sku": "A", "qty": "two"}])  # invalid: held by its id
    store.add_order(9, "#1009", [{"sku": "C", "qty": 1}, {"sku": "A", "qty": 1}])
    first = both()
    # read again from the start with new ones: the imported are known, a held one now paid is
    # imported (the row-by-row way, between the batch's new orders), the others stay held
    Checkpoint.delete().execute()
    store.orders["3"]["paid"] = True
    later = "2026-06-02T10:00:00Z"
    store.add_order(10, "#1010", [{"sku": "A", "qty": 1}], created=later)
    store.add_order(11, "#1011", [{"sku": "B", "qty": 1}], paid=False, created=later)
    second = both()
    assert second[0].created == 2 and second[0].unchanged == 3  # #1003, #1010 new

    batched = snapshot(integration, warehouses[integration.id], first[0])
    single = snapshot(one_by_one, warehouses[one_by_one.id], first[1])
    for part in batched:
        assert batched[part] == single[part], part
    # and they are what the rules say (not two equal wrongs)
    assert [o[0] for o in batched["orders"]] == ["#1001", "#1002", "#1009", "#1003", "#1010"]
    assert batched["levels"] == [("A", 0, 2 + 1 + 1 + 4 + 1), ("B", 0, 1 + 3 + 2 + 1), ("C", 0, 6)]
    assert [h[:4] for h in batched["held"]] == [
        ("8", "#1008", "invalid_record", "held"),
        ("3", "#1003", "awaiting_payment", "imported"),
        ("5", "#1005", "unmapped_shipping_method", "held"),
        ("6", "#1006", "unknown_sku", "held"),
        ("11", "#1011", "awaiting_payment", "held"),
    ]
    # A's reserved level after each movement: #1001, #1002, held #1003, #1009; then #1003
    # imported (reserved) and its hold released; #1010
    assert [m[5] for m in batched["movements"] if m[0] == "A"] == [2, 3, 7, 8, 12, 8, 9]
    verify_ledger()
