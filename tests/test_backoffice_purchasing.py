"""Purchasing: suppliers, product links, purchase orders, receiving, recommendations."""

from datetime import timedelta
from decimal import Decimal

import pytest
from backoffice_support import (
    assert_ledger_consistent,
    bo_db_fixture,  # noqa: F401  (fixture bo_db)
    make_integration,
    make_order,
    make_product,
    on_hand,
)

from hub.errors import BadInput, NotFound
from hub.models import ProductSupplier, PurchaseOrder, StockMovement, utcnow
from hub.services import purchasing, stock

# --------------------------------------------------------------------------- suppliers


def test_suppliers_and_links(bo_db):
    acme = purchasing.create_supplier("Acme", email="sales@acme.test", lead_time_days=10)
    bolt = purchasing.create_supplier("Bolt")
    assert bolt.lead_time_days == 7
    with pytest.raises(BadInput, match="already exists"):
        purchasing.create_supplier("ACME")
    with pytest.raises(BadInput, match="lead time"):
        purchasing.create_supplier("Neg", lead_time_days=-1)
    with pytest.raises(NotFound, match="unknown supplier 'Zed'; suppliers: Acme, Bolt"):
        purchasing.get_supplier("Zed")
    assert purchasing.get_supplier("acme").id == acme.id
    assert purchasing.get_supplier(str(bolt.id)).id == bolt.id

    p = make_product("A")
    link = purchasing.link_product(
        "A", acme, supplier_reference="AC-1", price="2.5", min_order_qty=6, preferred=True
    )
    assert (link.price, link.min_order_qty, link.preferred) == (Decimal("2.5"), 6, True)
    purchasing.link_product(p, bolt, price=3, preferred=True)

    def preferred():
        return [lk.supplier.name for lk in ProductSupplier.select() if lk.preferred]

    assert preferred() == ["Bolt"]  # at most one preferred
    purchasing.set_preferred_supplier(p, acme)
    assert preferred() == ["Acme"]
    # updating a link keeps one row per (product, supplier)
    purchasing.link_product(p, acme, price="2.40", min_order_qty=1)
    assert ProductSupplier.select().count() == 2
    for kwargs, message in [
        ({"min_order_qty": 0}, "minimum order quantity must be at least 1"),
        ({"price": "-1"}, "price must be a positive decimal"),
        ({"price": "abc"}, "price must be a decimal number"),
        ({"lead_time_days": -2}, "lead time"),
    ]:
        with pytest.raises(BadInput, match=message):
            purchasing.link_product(p, acme, **kwargs)
    with pytest.raises(BadInput, match="A is not linked to supplier Cee"):
        purchasing.set_preferred_supplier(p, purchasing.create_supplier("Cee"))
    assert purchasing.supplier_summary(acme)["products"] == 1
    assert_ledger_consistent()


# --------------------------------------------------------------------------- purchase orders


def test_purchase_order_lifecycle_and_receiving(bo_db):
    acme = purchasing.create_supplier("Acme", lead_time_days=10)
    a, b = make_product("A"), make_product("B")
    purchasing.link_product(a, acme, supplier_reference="AC-A", price="2.50")
    lyon = stock.create_warehouse("Lyon")
    po = purchasing.create_purchase_order(
        "Acme", [("A", 10), ("B", 4, "7.125"), ("A", 2)], user="fred"
    )
    assert po.number == "PO-000001" and po.status == "draft" and po.created_by == "fred"
    summary = purchasing.po_summary(po)
    assert summary["lines"] == [
        {
            "sku": "A",
            "quantity": 12,
            "received_quantity": 0,
            "remaining": 12,
            "unit_price": "2.50",
            "supplier_reference": "AC-A",
        },  # the link's price
        {
            "sku": "B",
            "quantity": 4,
            "received_quantity": 0,
            "remaining": 4,
            "unit_price": "7.125",
            "supplier_reference": None,
        },
    ]
    assert summary["total"] == "58.50"  # 12 x 2.50 + 4 x 7.125 = 30 + 28.5
    with pytest.raises(
        BadInput,
        match=r"PO-000001 is draft: it cannot be received "
        r"\(order it first",
    ):
        purchasing.receive_purchase_order(po)
    purchasing.order_purchase_order("po-000001")
    po = purchasing.find_purchase_order("1")
    assert po.status == "ordered" and po.expected_at - po.ordered_at == timedelta(days=10)
    with pytest.raises(BadInput, match="is ordered: it cannot become ordered"):
        purchasing.order_purchase_order(po)

    moves = purchasing.receive_purchase_order(po, {"A": 5}, warehouse="LYON", user="gil")
    assert [
        (m.type, m.quantity, m.reference_type, m.reference_id, m.reference, m.user) for m in moves
    ] == [("receipt", 5, "purchase_order", po.id, "PO-000001", "gil")]
    assert on_hand(a, lyon) == (5, 0, 5)
    assert purchasing.find_purchase_order(po.id).status == "partially_received"
    with pytest.raises(
        BadInput,
        match=r"cannot receive 8 × A on PO-000001: only 7 still "
        r"expected \(ordered 12, received 5\)",
    ):
        purchasing.receive_purchase_order(po, {"A": 8})
    with pytest.raises(BadInput, match="quantity of A must be at least 1"):
        purchasing.receive_purchase_order(po, {"A": 0})
    with pytest.raises(BadInput, match="C is not on purchase order PO-000001; its lines: A, B"):
        purchasing.receive_purchase_order(po, {"C": 1})
    purchasing.receive_purchase_order(po)  # the rest, into the default warehouse
    po = purchasing.find_purchase_order(po.id)
    assert po.status == "received" and po.received_at is not None
    assert on_hand(a) == (7, 0, 7) and on_hand(b) == (4, 0, 4)
    with pytest.raises(BadInput, match="is received: it cannot be received"):
        purchasing.receive_purchase_order(po)
    with pytest.raises(
        BadInput,
        match=r"is received: it cannot become cancelled "
        r"\(allowed from received: none\)",
    ):
        purchasing.cancel_purchase_order(po)
    assert StockMovement.select().where(StockMovement.type == "receipt").count() == 3
    assert_ledger_consistent()


def test_purchase_order_refusals_and_cancelling(bo_db):
    purchasing.create_supplier("Acme")
    make_product("A")
    cases = [
        (("Nope", [("A", 1)]), NotFound, "unknown supplier 'Nope'"),
        (("Acme", [("ZZ", 1)]), NotFound, "unknown SKU 'ZZ'"),
        (("Acme", [("A", 0)]), BadInput, "quantity of A must be at least 1"),
        (("Acme", [("A", -3)]), BadInput, "quantity of A must be at least 1"),
        (("Acme", [("A", 1, "-2")]), BadInput, "price of A must be a positive decimal"),
        (("Acme", []), BadInput, "at least one line"),
    ]
    for args, exc, message in cases:
        with pytest.raises(exc, match=message):
            purchasing.create_purchase_order(*args)
    with pytest.raises(NotFound, match="unknown warehouse"):
        purchasing.create_purchase_order("Acme", {"A": 1}, warehouse="NOPE")
    assert PurchaseOrder.select().count() == 0
    draft = purchasing.create_purchase_order("Acme", {"A": 3})
    assert purchasing.cancel_purchase_order(draft).status == "cancelled"
    po = purchasing.create_purchase_order("Acme", {"A": (4, "1.00")})
    assert po.number == "PO-000002"
    purchasing.order_purchase_order(po)
    purchasing.receive_purchase_order(po, {"A": 1})
    po = purchasing.cancel_purchase_order(po)  # the rest will not come
    assert po.status == "cancelled"
    assert on_hand(purchasing.find_purchase_order(po.id).lines[0].product) == (1, 0, 1)
    with pytest.raises(NotFound, match="unknown purchase order 'PO-9'"):
        purchasing.find_purchase_order("PO-9")
    assert_ledger_consistent()


# --------------------------------------------------------------------------- recommendations


def test_recommendations_hand_worked(bo_db):
    """Window 30 days, safety stock 7 days, review period 14 days (the defaults)."""
    now = utcnow()
    shop = make_integration("shop")
    acme = purchasing.create_supplier("Acme", lead_time_days=10)
    bolt = purchasing.create_supplier("Bolt", lead_time_days=5)
    widget, gadget, boltonly, plenty, _orphan, orphan_sold = (
        make_product(s) for s in ("WIDGET", "GADGET", "BOLTONLY", "PLENTY", "ORPHAN", "ORPHAN-SOLD")
    )
    make_product("RETIRED", status="inactive")  # inactive products are ignored

    purchasing.link_product(widget, acme, price="2.50", preferred=True)
    purchasing.link_product(gadget, acme, price="9.00")
    purchasing.link_product(
        gadget, bolt, price="4.00", min_order_qty=12, lead_time_days=3, preferred=True
    )
    purchasing.link_product(
        boltonly, bolt, price="1.10", min_order_qty=5, supplier_reference="B-3"
    )  # only link, not preferred
    purchasing.link_product(plenty, acme, price="1.00")

    def sale(number, product, qty, days_ago, status="shipped", reserve=False):
        make_order(
            shop,
            number,
            [(product, qty)],
            status=status,
            reserve=reserve,
            ordered_at=now - timedelta(days=days_ago),
        )

    # WIDGET sold 20 + 10 = 30 in the window; the cancelled 100 and the 50 of 40 days
    # ago do not count. Order #2 is still to ship: 10 reserved.
    sale("#1", widget, 20, 10)
    sale("#2", widget, 10, 2, status="to_ship", reserve=True)
    sale("#3", widget, 100, 5, status="cancelled")
    sale("#4", widget, 50, 40)
    sale("#5", gadget, 45, 3)
    sale("#6", boltonly, 7, 29)
    sale("#7", plenty, 30, 1)
    sale("#8", orphan_sold, 60, 15)

    stock.adjust(widget, 15, reason="count")  # WIDGET: 15 on hand - 10 reserved = 5
    purchasing.create_purchase_order(acme, {"WIDGET": 4})  # draft: 4 on order
    gadget_po = purchasing.create_purchase_order(bolt, {"GADGET": 10})
    purchasing.order_purchase_order(gadget_po)
    purchasing.receive_purchase_order(gadget_po, {"GADGET": 3})  # 7 still on order
    stock.adjust(gadget, 3, reason="count")  # GADGET: 3 + 3 = 6
    cancelled = purchasing.create_purchase_order(bolt, {"BOLTONLY": 50})
    purchasing.cancel_purchase_order(cancelled)  # not on order
    stock.adjust(boltonly, 3, reason="count")
    stock.adjust(plenty, 40, reason="count")
    stock.adjust(orphan_sold, 10, reason="count")

    groups = purchasing.recommendations(now=now)
    assert [g["supplier"] for g in groups] == ["Acme", "Bolt", "no supplier"]
    lines = {line["sku"]: line for g in groups for line in g["lines"]}
    figures = {
        sku: (
            line["sold"],
            line["daily_sales"],
            line["lead_time_days"],
            line["reorder_point"],
            line["available"],
            line["on_order"],
            line["position"],
            line["min_order_qty"],
            line["suggested"],
        )
        for sku, line in lines.items()
    }
    assert figures == {
        # WIDGET: daily = 30/30 = 1; lead 10 (Acme's); reorder point = ceil(1 x (10 + 7))
        # = 17; position = 5 available + 4 on the draft PO = 9 <= 17;
        # suggested = max(17 + ceil(1 x 14) - 9, 1) = max(22, 1) = 22 (multiple of 1)
        "WIDGET": (30, "1.000", 10, 17, 5, 4, 9, 1, 22),
        # GADGET (linked to Acme and Bolt, Bolt preferred): daily = 45/30 = 1.5;
        # lead 3 (the link's); reorder point = ceil(1.5 x (3 + 7)) = 15;
        # position = 6 available + 7 still on order = 13 <= 15;
        # suggested = max(15 + ceil(1.5 x 14) - 13, 12) = max(15 + 21 - 13, 12) = 23,
        # rounded up to a multiple of 12 = 24
        "GADGET": (45, "1.500", 3, 15, 6, 7, 13, 12, 24),
        # BOLTONLY (only link: Bolt, lead 5): daily = 7/30; reorder point =
        # ceil(7/30 x (5 + 7)) = ceil(2.8) = 3; position = 3 (the cancelled PO does not
        # count) <= 3; suggested = max(3 + ceil(7/30 x 14 = 3.27) - 3, 5) = max(4, 5) = 5
        "BOLTONLY": (7, "0.233", 5, 3, 3, 0, 3, 5, 5),
        # ORPHAN: no sales, no stock: reorder point 0, position 0 <= 0;
        # suggested = max(0 + 0 - 0, 1) = 1
        "ORPHAN": (0, "0.000", 7, 0, 0, 0, 0, 1, 1),
        # ORPHAN-SOLD (no supplier: default lead time 7): daily = 60/30 = 2;
        # reorder point = ceil(2 x (7 + 7)) = 28; position 10;
        # suggested = max(28 + ceil(2 x 14) - 10, 1) = 46
        "ORPHAN-SOLD": (60, "2.000", 7, 28, 10, 0, 10, 1, 46),
        # PLENTY: daily 1, reorder point 17, position 40 > 17: not listed
    }
    assert [line["sku"] for line in groups[1]["lines"]] == ["BOLTONLY", "GADGET"]
    # money: Acme 22 x 2.50 = 55.00; Bolt 24 x 4.00 + 5 x 1.10 = 96 + 5.50 = 101.50
    assert (groups[0]["total"], groups[1]["total"], groups[2]["total"]) == (
        "55.00",
        "101.50",
        "0.00",
    )
    assert lines["GADGET"]["unit_price"] == "4.00"
    assert lines["BOLTONLY"]["supplier_reference"] == "B-3"

    # skip_unsold leaves ORPHAN out (no sales, position not negative)
    skipped = purchasing.recommendations(now=now, skip_unsold=True)
    assert "ORPHAN" not in {line["sku"] for g in skipped for line in g["lines"]}

    # a shorter window: WIDGET sold 10 in 7 days -> daily 10/7; reorder point =
    # ceil(10/7 x 17 = 24.29) = 25; suggested = max(25 + ceil(10/7 x 14 = 20) - 9, 1) = 36
    short = {
        line["sku"]: line
        for g in purchasing.recommendations(now=now, window_days=7)
        for line in g["lines"]
    }
    assert (short["WIDGET"]["reorder_point"], short["WIDGET"]["suggested"]) == (25, 36)

    # one call turns Bolt's recommendations into a draft purchase order
    po = purchasing.create_po_from_recommendations("Bolt", now=now, user="hal")
    summary = purchasing.po_summary(po)
    assert (summary["supplier"], summary["status"], summary["total"]) == ("Bolt", "draft", "101.50")
    assert [(line["sku"], line["quantity"], line["unit_price"]) for line in summary["lines"]] == [
        ("BOLTONLY", 5, "1.10"),
        ("GADGET", 24, "4.00"),
    ]
    # now on order: GADGET position 13 + 24 = 37 > 15, BOLTONLY 3 + 5 = 8 > 3
    after = purchasing.recommendations(now=now)
    assert [g["supplier"] for g in after] == ["Acme", "no supplier"]
    with pytest.raises(BadInput, match="nothing to reorder from supplier Bolt"):
        purchasing.create_po_from_recommendations("Bolt", now=now)
    with pytest.raises(BadInput, match="window"):
        purchasing.recommendations(window_days=0)
    assert_ledger_consistent()


def test_empty_draft_and_add_line(bo_db):
    """The dashboard creates an empty draft, then adds lines one by one."""
    acme = purchasing.create_supplier("Acme")
    a = make_product("A")
    purchasing.link_product(a, acme, supplier_reference="AC-A", price="1.20")
    po = purchasing.create_purchase_order(acme, warehouse="MAIN", user="ivy")
    assert po.status == "draft" and po.warehouse.code == "MAIN" and not po.lines.exists()
    with pytest.raises(BadInput, match="PO-000001 has no lines: add some first"):
        purchasing.order_purchase_order(po)
    line = purchasing.add_line(po, "A", "3")
    assert (line.quantity, line.unit_price, line.supplier_reference) == (3, Decimal("1.2"), "AC-A")
    assert purchasing.add_line(po.number, "A", 2, price="1.10").quantity == 5  # merged
    with pytest.raises(BadInput, match="quantity of A must be at least 1"):
        purchasing.add_line(po, "A", 0)
    with pytest.raises(NotFound, match="unknown SKU"):
        purchasing.add_line(po, "Z", 1)
    purchasing.order_purchase_order(po)
    with pytest.raises(BadInput, match="lines can only be added to a draft"):
        purchasing.add_line(po, "A", 1)
    purchasing.receive_purchase_order(po)
    assert on_hand(a) == (5, 0, 5)
    assert purchasing.po_summary(purchasing.find_purchase_order(po.id))["total"] == "5.50"
    assert_ledger_consistent()


def test_inactive_supplier_and_warehouse_refused(bo_db):
    acme = purchasing.create_supplier("Acme")
    make_product("A")
    lyon = stock.create_warehouse("Lyon")
    stock.deactivate_warehouse(lyon)
    with pytest.raises(BadInput, match="warehouse LYON is inactive"):
        purchasing.create_purchase_order(acme, {"A": 1}, warehouse=lyon)
    po = purchasing.create_purchase_order(acme, {"A": 1})
    purchasing.order_purchase_order(po)
    with pytest.raises(BadInput, match="warehouse LYON is inactive"):
        purchasing.receive_purchase_order(po, warehouse="LYON")
    acme.active = False
    acme.save()
    with pytest.raises(BadInput, match="supplier Acme is inactive"):
        purchasing.create_purchase_order(acme, {"A": 1})
    assert_ledger_consistent()
