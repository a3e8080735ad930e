"""Orders: the status workflow, shipping (stock out, reservation released), cancelling."""

import types

import pytest
from backoffice_support import (
    assert_ledger_consistent,
    backorders,
    bo_db_fixture,  # noqa: F401  (fixture bo_db)
    make_integration,
    make_order,
    make_product,
    on_hand,
)

from hub.db import db
from hub.errors import BadInput, NotFound
from hub.feeds import shipping
from hub.models import Order, OrderLine, Shipment, StockMovement
from hub.services import orders, stock


@pytest.fixture
def queued(monkeypatch):
    """Records the runs ``hub.feeds.shipping.ship_and_confirm`` queues (instead of queuing)."""
    calls = []

    def queue_run(integration, feed, trigger="manual"):
        calls.append(
            (integration.name, feed, trigger, db.in_transaction(), Shipment.select().count())
        )

    monkeypatch.setattr(shipping, "queue_run", queue_run)
    return calls


@pytest.fixture
def shop(bo_db):
    """An integration, two products with stock, and order #1001 (3 x A, 2 x B) reserved."""
    integration = make_integration("shop")
    a, b = make_product("A"), make_product("B")
    stock.adjust(a, 10, reason="count")
    stock.adjust(b, 5, reason="count")
    order = make_order(integration, "#1001", [(a, 3), (b, 2)])
    return types.SimpleNamespace(integration=integration, a=a, b=b, order=order)


def reload(order):
    return Order.get_by_id(order.id)


def line(order, sku):
    return OrderLine.get((OrderLine.order == order.id) & (OrderLine.sku == sku))


# --------------------------------------------------------------------------- workflow


def test_transitions_table_and_enforcement(bo_db):
    assert orders.TRANSITIONS == {
        "to_ship": ("partially_shipped", "shipped", "cancelled"),
        "partially_shipped": ("partially_shipped", "shipped", "cancelled"),
        "shipped": (),
        "cancelled": (),
    }
    order = make_order(make_integration(), "#1", [(make_product("A"), 1)], reserve=False)
    orders.transition(order, "partially_shipped")
    assert reload(order).status == "partially_shipped"
    orders.transition(order, "shipped")
    assert reload(order).shipped_at is not None
    with pytest.raises(
        BadInput,
        match=r"order #1 \(id \d+\) is shipped: it cannot become "
        r"cancelled \(allowed from shipped: none\)",
    ):
        orders.transition(order, "cancelled")
    other = make_order(make_integration("b"), "#2", [(make_product("B"), 1)], reserve=False)
    with pytest.raises(
        BadInput,
        match="is to_ship: it cannot become to_ship "
        r"\(allowed from to_ship: partially_shipped, shipped, "
        r"cancelled\)",
    ):
        orders.transition(other, "to_ship")
    with pytest.raises(BadInput, match="unknown order status 'lost'"):
        orders.transition(other, "lost")
    orders.transition(other, "cancelled")
    assert reload(other).cancelled_at is not None
    assert_ledger_consistent()


def test_find_order(bo_db):
    one, two = make_integration("one"), make_integration("two")
    p = make_product("A")
    o1 = make_order(one, "#1001", [(p, 1)])
    o2 = make_order(two, "#1001", [(p, 1)])
    o3 = make_order(one, "5001", [(p, 1)])
    assert orders.find_order(o3.id).id == o3.id
    assert orders.find_order("5001").id == o3.id
    assert orders.find_order("#5001").id == o3.id  # with or without the hash
    assert orders.find_order(f"id:{o1.id}").id == o1.id
    assert orders.find_order("two/#1001").id == o2.id
    assert orders.find_order("two/1001").id == o2.id
    with pytest.raises(
        BadInput,
        match=rf"order '#1001' is ambiguous: one/#1001 \(id {o1.id}\), "
        rf"two/#1001 \(id {o2.id}\)",
    ):
        orders.find_order("#1001")
    with pytest.raises(NotFound, match="unknown order '#9'"):
        orders.find_order("#9")
    with pytest.raises(NotFound, match="unknown order id 999"):
        orders.find_order(999)
    assert_ledger_consistent()


# --------------------------------------------------------------------------- shipping


def test_ship_everything(shop, queued):
    shipment = shipping.ship_and_confirm(
        shop.order,
        carrier="ups",
        tracking_number=" 1Z999 ",
        tracking_url="https://ups.example/1Z999",
        user="eve",
    )
    assert (shipment.carrier, shipment.tracking_number, shipment.created_by) == (
        "UPS",
        "1Z999",
        "eve",
    )  # carrier spelled as mapped
    assert shipment.confirmation_status == "pending"
    assert shipment.warehouse.code == "MAIN"
    assert sorted((sl.order_line.sku, sl.quantity) for sl in shipment.lines) == [("A", 3), ("B", 2)]
    order = reload(shop.order)
    assert order.status == "shipped" and order.shipped_at is not None
    assert (line(order, "A").shipped_quantity, line(order, "B").shipped_quantity) == (3, 2)
    assert on_hand(shop.a) == (7, 0, 7) and on_hand(shop.b) == (3, 0, 3)
    moves = list(StockMovement.select().where(StockMovement.type == "shipment"))
    assert {
        (
            m.product_id,
            m.quantity,
            m.reserved_change,
            m.reference_type,
            m.reference_id,
            m.reference,
            m.user,
        )
        for m in moves
    } == {
        (shop.a.id, -3, -3, "shipment", shipment.id, "#1001", "eve"),
        (shop.b.id, -2, -2, "shipment", shipment.id, "#1001", "eve"),
    }
    # queued once, after the commit
    assert queued == [("shop", "shipping_confirmation", "shipment", False, 1)]
    assert orders.shipment_summary(shipment)["lines"] == [
        {"sku": "A", "quantity": 3},
        {"sku": "B", "quantity": 2},
    ]
    assert_ledger_consistent()


def test_ship_in_parts_then_refuse_a_shipped_order(shop, queued):
    s1 = shipping.ship_and_confirm(shop.order, lines={"A": 1}, tracking_number="T1")
    assert s1.carrier == "UPS"  # the order's mapped carrier
    assert reload(shop.order).status == "partially_shipped"
    assert on_hand(shop.a) == (9, 2, 7)
    a_line = line(shop.order, "A")
    shipping.ship_and_confirm(
        shop.order, lines={a_line: 2, "B": 1}, carrier="DHL", tracking_number="T2"
    )
    order = reload(shop.order)
    assert order.status == "partially_shipped"
    assert (line(order, "A").remaining, line(order, "B").remaining) == (0, 1)
    with pytest.raises(
        BadInput,
        match=r"cannot ship 2 × B of order #1001 \(id \d+\): only 1 "
        r"remaining \(ordered 2, shipped 1\)",
    ):
        shipping.ship_and_confirm(order, lines={"B": 2}, tracking_number="T3")
    shipping.ship_and_confirm(order, tracking_number="T3")  # the rest: 1 x B
    assert reload(order).status == "shipped"
    with pytest.raises(
        BadInput,
        match=r"is shipped: it cannot be shipped \(allowed from "
        r"shipped: none\)",
    ):
        shipping.ship_and_confirm(order, tracking_number="T4")
    assert on_hand(shop.a) == (7, 0, 7) and on_hand(shop.b) == (3, 0, 3)
    assert Shipment.select().count() == 3 and len(queued) == 3
    assert_ledger_consistent()


def test_ship_refusals_change_nothing(shop, queued):
    cases = [
        ({"lines": {"A": 4}}, r"cannot ship 4 × A .*only 3 remaining \(ordered 3, shipped 0\)"),
        ({"lines": {"A": 0}}, "quantity must be positive"),
        ({"lines": {"A": -1}}, "quantity must be positive"),
        ({"lines": {"A": "x"}}, "whole number"),
        ({"lines": {"ZZ": 1}}, r"SKU 'ZZ' is not in order #1001 .*its lines: A, B"),
        ({"lines": {}}, "no line to ship"),
        (
            {"carrier": "FedEx"},
            "unknown carrier 'FedEx' for integration shop; known carriers: DHL, UPS",
        ),
        ({"tracking_number": " "}, "a tracking number is required"),
        ({"warehouse": "NOPE"}, "unknown warehouse 'NOPE'"),
    ]
    for kwargs, message in cases:
        kwargs = {"tracking_number": "T", **kwargs}
        with pytest.raises(BadInput, match=message):
            shipping.ship_and_confirm(shop.order, **kwargs)
    assert Shipment.select().count() == 0 and queued == []
    assert reload(shop.order).status == "to_ship"
    assert on_hand(shop.a) == (10, 3, 7)
    assert_ledger_consistent()


def test_ship_without_mapped_carrier_or_mapping(bo_db, queued):
    p = make_product("A")
    stock.adjust(p, 5, reason="count")
    unmapped = make_order(make_integration("shop"), "#1", [(p, 1)], carrier=None)
    with pytest.raises(
        BadInput,
        match="has no mapped carrier: give one "
        r"\(known carriers: DHL, UPS\)",
    ):
        shipping.ship_and_confirm(unmapped, tracking_number="T")
    bare = make_order(make_integration("bare", carriers={}), "#2", [(p, 1)])
    with pytest.raises(BadInput, match="integration bare has no carrier mapping"):
        shipping.ship_and_confirm(bare, carrier="UPS", tracking_number="T")
    assert_ledger_consistent()


def test_ship_from_another_warehouse_releases_there_and_takes_out_here(shop, queued):
    lyon = stock.create_warehouse("Lyon")
    stock.transfer(shop.a, 4, from_warehouse="MAIN", to_warehouse=lyon)
    shipment = shipping.ship_and_confirm(
        shop.order, lines={"A": 3}, warehouse="LYON", tracking_number="T"
    )
    assert shipment.warehouse_id == lyon.id
    assert on_hand(shop.a) == (6, 0, 6)  # reservation released in MAIN
    assert on_hand(shop.a, lyon) == (1, 0, 1)  # taken out of LYON
    types_ = [
        (m.type, m.warehouse.code, m.quantity, m.reserved_change)
        for m in StockMovement.select()
        .where(StockMovement.reference_type == "shipment")
        .order_by(StockMovement.id)
    ]
    assert types_ == [("release", "MAIN", 0, -3), ("shipment", "LYON", -3, 0)]
    # another warehouse's free stock is needed: LYON has 1 left, B has none there
    with pytest.raises(BadInput, match="not enough stock of B in LYON: available 0"):
        shipping.ship_and_confirm(shop.order, lines={"B": 1}, warehouse=lyon, tracking_number="T")
    assert_ledger_consistent()


def test_ship_refuses_more_than_on_hand_unless_backorders(bo_db, queued, monkeypatch):
    p = make_product("A")
    stock.adjust(p, 1, reason="count")
    order = make_order(make_integration(), "#1", [(p, 3)])  # oversold: reserved 3, on hand 1
    with pytest.raises(BadInput, match=r"cannot ship 3 × A from MAIN: only 1 on hand"):
        shipping.ship_and_confirm(order, tracking_number="T")
    backorders(monkeypatch, True)
    shipping.ship_and_confirm(order, tracking_number="T")
    assert on_hand(p) == (-2, 0, -2)
    assert_ledger_consistent()


def test_ship_order_alone_queues_nothing(shop, queued):
    """The service ships; queuing the confirmation is the front ends' (ship_and_confirm)."""
    shipment = orders.ship_order(shop.order, tracking_number="T")
    assert shipment.confirmation_status == "pending" and queued == []


def test_ship_a_line_without_hub_product(bo_db, queued):
    order = make_order(make_integration(), "#1", [], reserve=False)
    OrderLine.create(order=order, product=None, external_id="x", sku="GIFT-CARD", quantity=1)
    shipment = shipping.ship_and_confirm(order, tracking_number="T")
    assert [sl.product_id for sl in shipment.lines] == [None]
    assert reload(order).status == "shipped" and StockMovement.select().count() == 0
    assert_ledger_consistent()


def test_ship_while_the_queue_is_down_leaves_the_shipment_pending(shop, monkeypatch):
    def queue_down(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(shipping, "queue_run", queue_down)
    shipment = shipping.ship_and_confirm(shop.order, tracking_number="T")
    assert shipment.confirmation_status == "pending"
    assert_ledger_consistent()


def test_ship_test_mode_integration_still_pending(bo_db, queued):
    p = make_product("A")
    stock.adjust(p, 1, reason="count")
    order = make_order(make_integration("t", mode="test"), "#1", [(p, 1)])
    assert shipping.ship_and_confirm(order, tracking_number="T").confirmation_status == "pending"
    assert_ledger_consistent()


# --------------------------------------------------------------------------- cancelling


def test_cancel_releases_the_remaining_reservation(shop, queued):
    shipping.ship_and_confirm(shop.order, lines={"A": 1}, tracking_number="T")
    order = orders.cancel_order(shop.order, by="store", reason="customer changed mind")
    assert order.status == "cancelled" and reload(order).cancelled_at is not None
    assert on_hand(shop.a) == (9, 0, 9) and on_hand(shop.b) == (5, 0, 5)
    releases = list(StockMovement.select().where(StockMovement.type == "release"))
    assert sorted((m.product_id, m.reserved_change) for m in releases) == sorted(
        [(shop.a.id, -2), (shop.b.id, -2)]
    )
    assert {m.reason for m in releases} == {"cancelled by store: customer changed mind"}
    assert {(m.reference_type, m.reference_id) for m in releases} == {("order", order.id)}
    # again: nothing changes (the store may report it twice)
    assert orders.cancel_order(order).status == "cancelled"
    assert StockMovement.select().where(StockMovement.type == "release").count() == 2
    with pytest.raises(BadInput, match=r"is cancelled: it cannot be shipped"):
        shipping.ship_and_confirm(order, tracking_number="T")
    assert_ledger_consistent()


def test_cancel_refusals(shop, queued):
    with pytest.raises(BadInput, match="cancelled by must be one of store, merchant"):
        orders.cancel_order(shop.order, by="robot")
    shipping.ship_and_confirm(shop.order, tracking_number="T")
    with pytest.raises(
        BadInput,
        match=r"is shipped: it cannot become cancelled "
        r"\(allowed from shipped: none\)",
    ):
        orders.cancel_order(shop.order, by="merchant", user="eve")
    assert reload(shop.order).status == "shipped"
    assert_ledger_consistent()


def test_ship_lines_by_order_line_id_and_foreign_lines(shop, queued):
    a_line = line(shop.order, "A")
    shipping.ship_and_confirm(shop.order, lines={a_line.id: 2}, tracking_number="T")
    assert line(shop.order, "A").shipped_quantity == 2
    other = make_order(shop.integration, "#2", [(shop.b, 1)])
    foreign = line(other, "B")
    with pytest.raises(BadInput, match=rf"line {foreign.id} is not a line of order #1001"):
        shipping.ship_and_confirm(shop.order, lines={foreign: 1}, tracking_number="T")
    # a SKU on two lines of one order fills them in turn
    twice = make_order(shop.integration, "#3", [(shop.a, 1), (shop.a, 2)])
    shipping.ship_and_confirm(twice, lines={"A": 2}, tracking_number="T3")
    assert [ol.shipped_quantity for ol in twice.lines.order_by(OrderLine.id)] == [1, 1]
    with pytest.raises(
        BadInput,
        match=r"cannot ship 2 × A of order #3 .*only 1 remaining "
        r"\(ordered 3, shipped 2\)",
    ):
        shipping.ship_and_confirm(twice, lines={"A": 2}, tracking_number="T")
    assert_ledger_consistent()


def test_find_order_digits_matching_an_id_and_a_number(bo_db):
    integration = make_integration()
    p = make_product("A")
    first = make_order(integration, "#100", [(p, 1)])
    second = make_order(integration, str(first.id), [(p, 1)])  # number == first's id
    with pytest.raises(BadInput, match="is ambiguous"):
        orders.find_order(str(first.id))
    assert orders.find_order(f"id:{first.id}").id == first.id
    assert orders.find_order(f"shop/{second.number}").id == second.id
    assert_ledger_consistent()


def test_migration_renames_shipment_runs_recorded_as_webhook(shop):
    """Issue 11 §4: the run queued after `hub ship` is a "shipment" run, also in old rows."""
    import importlib

    from hub.db import db
    from hub.models import FeedRun

    old = FeedRun.create(
        integration=shop.integration, feed="shipping_confirmation", trigger="webhook"
    )
    migration = importlib.import_module("hub.migrations.0002_trigger_names")
    migration.up(None, db)
    assert FeedRun.get_by_id(old.id).trigger == "shipment"


def test_tracking_url_must_be_http_and_a_reused_number_needs_confirming(shop, queued):
    """Issue 12: a tracking URL is http(s); a number already on another shipment is a warning
    the operator confirms (one parcel may carry two orders), not silence."""
    from hub.errors import NeedsConfirmation

    for url in ("javascript:alert(1)", "ftp://carrier.example/1", "https://", "http://a b/"):
        with pytest.raises(BadInput, match="invalid tracking URL"):
            shipping.ship_and_confirm(shop.order, tracking_number="1Z", tracking_url=url)
    with pytest.raises(BadInput, match="invalid tracking number"):
        shipping.ship_and_confirm(shop.order, tracking_number="1Z\x1b[31m")
    assert Shipment.select().count() == 0
    shipping.ship_and_confirm(
        shop.order, lines={"A": 1}, tracking_number="1Z", tracking_url="https://ups.example/1Z"
    )
    second = make_order(shop.integration, "#1002", [(shop.a, 1)])
    before = on_hand(shop.a)
    with pytest.raises(NeedsConfirmation, match=r"already on shipment .* of order #1001") as info:
        shipping.ship_and_confirm(second, tracking_number="1Z")
    assert info.value.confirm == "allow_duplicate_tracking"
    assert reload(second).status == "to_ship" and on_hand(shop.a) == before  # nothing written
    assert Shipment.select().count() == 1
    shipping.ship_and_confirm(second, tracking_number="1Z", allow_duplicate_tracking=True)
    assert reload(second).status == "shipped" and Shipment.select().count() == 2
