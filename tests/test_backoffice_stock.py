"""Inventory: warehouses, the movement ledger, manual operations, discrepancies, concurrency."""

import pytest
from backoffice_support import (
    assert_ledger_consistent,
    backorders,
    bo_db_fixture,  # noqa: F401  (fixture bo_db)
    make_integration,
    make_order,
    make_product,
    on_hand,
    run_stock_workers,
)
from peewee import fn

from hub.errors import BadInput, NotFound
from hub.models import (
    FeedRun,
    StockDiscrepancy,
    StockMovement,
    Warehouse,
    default_warehouse,
)
from hub.services import queries, stock


def movements(product):
    return list(
        StockMovement.select().where(StockMovement.product == product.id).order_by(StockMovement.id)
    )


# --------------------------------------------------------------------------- warehouses


def test_default_warehouse_exists_and_can_be_renamed(bo_db):
    wh = default_warehouse()
    assert (wh.name, wh.code, wh.is_default, wh.active) == ("Main warehouse", "MAIN", True, True)
    stock.rename_warehouse("MAIN", "Paris depot")
    assert Warehouse.get_by_id(wh.id).name == "Paris depot"
    assert stock.get_warehouse("paris depot").id == wh.id  # by name, any case
    assert stock.get_warehouse(str(wh.id)).id == wh.id  # by id
    assert stock.get_warehouse("main").id == wh.id  # by code, any case
    assert_ledger_consistent()


def test_create_warehouse_code_and_refusals(bo_db):
    wh = stock.create_warehouse("Lyon annex")
    assert wh.code == "LYON-ANNEX" and wh.active and not wh.is_default
    assert stock.create_warehouse("Lyon  annex!").code == "LYON-ANNEX-2"
    assert stock.create_warehouse("Depot", code="dep1").code == "DEP1"
    with pytest.raises(BadInput, match="already exists"):
        stock.create_warehouse("lyon annex")
    with pytest.raises(BadInput, match="code 'DEP1' already exists"):
        stock.create_warehouse("Other", code="DEP1")
    with pytest.raises(BadInput, match="invalid warehouse code"):
        stock.create_warehouse("Other", code="no spaces")
    with pytest.raises(BadInput, match="1 to 100 characters"):
        stock.create_warehouse("  ")
    with pytest.raises(BadInput, match="already exists"):
        stock.rename_warehouse(wh, "Depot")
    assert_ledger_consistent()


def test_get_warehouse_unknown_lists_warehouses(bo_db):
    stock.create_warehouse("Lyon")
    with pytest.raises(
        NotFound,
        match=r"unknown warehouse 'NOPE'; warehouses: MAIN "
        r"\(Main warehouse\), LYON \(Lyon\)",
    ):
        stock.get_warehouse("NOPE")
    assert_ledger_consistent()


def test_deactivate_warehouse_rules(bo_db):
    p = make_product("SKU-1")
    lyon = stock.create_warehouse("Lyon")
    with pytest.raises(BadInput, match="default warehouse and cannot be deactivated"):
        stock.deactivate_warehouse("MAIN")
    stock.adjust(p, 3, warehouse=lyon, reason="count")
    with pytest.raises(BadInput, match="still holds stock of 1 product"):
        stock.deactivate_warehouse(lyon)
    stock.transfer(p, 3, from_warehouse=lyon, to_warehouse="MAIN")
    integration = make_integration("shop", warehouse=lyon)
    with pytest.raises(BadInput, match=r"default warehouse of integration.*shop"):
        stock.deactivate_warehouse(lyon)
    integration.default_warehouse = default_warehouse()
    integration.save()
    assert stock.deactivate_warehouse(lyon).active is False
    # no manual operation in an inactive warehouse
    with pytest.raises(BadInput, match="warehouse LYON is inactive"):
        stock.adjust(p, 1, warehouse=lyon, reason="x")
    with pytest.raises(BadInput, match="inactive"):
        stock.transfer(p, 1, from_warehouse="MAIN", to_warehouse=lyon)
    assert stock.activate_warehouse(lyon).active
    assert_ledger_consistent()


# --------------------------------------------------------------------------- levels and ledger


def test_level_created_at_zero_and_lookups(bo_db):
    p = make_product("SKU-1")
    lv = stock.level(p.id, default_warehouse().id)
    assert (lv.on_hand, lv.reserved, lv.available) == (0, 0, 0)
    assert stock.level(p.id, default_warehouse().id).id == lv.id  # not created twice
    assert stock.get_product("SKU-1").id == p.id
    with pytest.raises(NotFound, match="unknown SKU 'SKU-X'; similar: SKU-1"):
        stock.get_product("SKU-X")
    assert_ledger_consistent()


def test_every_change_is_a_movement_with_resulting_levels(bo_db):
    p = make_product("SKU-1")
    main = default_warehouse()
    m1 = stock.set_on_hand(p.id, main.id, 10, type="initial_import", run_id=7)
    m2 = stock.reserve(p.id, main.id, 4, reference_id=99, reference="#1001")
    m3 = stock.adjust("SKU-1", -2, reason="broken in transit", user="alice")
    m4 = stock.release(p.id, main.id, 1, reference_id=99, reference="#1001", reason="line removed")
    m5 = stock.apply_movement(
        p.id,
        main.id,
        "receipt",
        5,
        reference_type="purchase_order",
        reference_id=3,
        reference="PO-000003",
    )
    assert stock.set_on_hand(p.id, main.id, 13) is None  # unchanged: no movement
    rows = [
        (m.type, m.quantity, m.reserved_change, m.on_hand_after, m.reserved_after)
        for m in movements(p)
    ]
    assert rows == [
        ("initial_import", 10, 0, 10, 0),
        ("reservation", 0, 4, 10, 4),
        ("adjustment", -2, 0, 8, 4),
        ("release", 0, -1, 8, 3),
        ("receipt", 5, 0, 13, 3),
    ]
    assert (m1.run_id, m1.reference_type, m1.reference_id) == (7, "run", 7)
    assert (m2.reference_type, m2.reference_id, m2.reference) == ("order", 99, "#1001")
    assert (m3.reason, m3.user) == ("broken in transit", "alice")
    assert m4.reason == "line removed"
    assert (m5.reference_type, m5.reference) == ("purchase_order", "PO-000003")
    assert on_hand(p) == (13, 3, 10)
    assert stock.available_in(p.id, [main.id]) == 10
    assert stock.available_in(p.id, []) == 0
    assert_ledger_consistent()


def test_verify_ledger_detects_an_update_without_movement(bo_db):
    from hub.models import StockLevel

    p = make_product("SKU-1")
    stock.adjust(p, 5, reason="count")
    StockLevel.update(on_hand=StockLevel.on_hand + 1).execute()  # behind the ledger's back
    problems = stock.verify_ledger()
    assert len(problems) == 1 and "(6, 0) but movements sum to (5, 0)" in problems[0]
    StockLevel.update(on_hand=StockLevel.on_hand - 1).execute()
    assert_ledger_consistent()


def test_apply_movement_refuses_unknown_type_and_bad_numbers(bo_db):
    p = make_product("SKU-1")
    main = default_warehouse()
    with pytest.raises(BadInput, match="unknown movement type 'gift'"):
        stock.apply_movement(p.id, main.id, "gift", 1)
    with pytest.raises(BadInput, match="whole number"):
        stock.apply_movement(p.id, main.id, "adjustment", 1.5)
    with pytest.raises(BadInput, match="negative"):
        stock.reserve(p.id, main.id, -1)
    with pytest.raises(BadInput, match="negative"):
        stock.release(p.id, main.id, -1)
    with pytest.raises(BadInput, match="cannot be negative"):
        stock.set_on_hand(p.id, main.id, -3)
    assert movements(p) == []
    assert_ledger_consistent()


# --------------------------------------------------------------------------- manual operations


def test_adjust_requires_reason_and_refuses_below_zero(bo_db):
    p = make_product("SKU-1")
    with pytest.raises(BadInput, match="a reason is required"):
        stock.adjust(p, 5, reason="")
    with pytest.raises(BadInput, match="an adjustment of 0"):
        stock.adjust(p, 0, reason="x")
    with pytest.raises(NotFound, match="unknown SKU"):
        stock.adjust("NOPE", 1, reason="x")
    with pytest.raises(NotFound, match="unknown warehouse"):
        stock.adjust(p, 1, warehouse="NOPE", reason="x")
    stock.adjust(p, 5, reason="delivery")
    integration = make_integration()
    make_order(integration, "#1001", [(p, 3)])  # available 2
    with pytest.raises(
        BadInput,
        match=r"not enough stock of SKU-1 in MAIN: available 2, "
        r"this would take it to -1",
    ):
        stock.adjust(p, -3, reason="broken")
    stock.adjust(p, -2, reason="broken")  # exactly to 0
    assert on_hand(p) == (3, 3, 0)
    assert_ledger_consistent()


def test_backorders_setting_allows_negative_available(bo_db, monkeypatch):
    p = make_product("SKU-1")
    backorders(monkeypatch, True)
    stock.adjust(p, -2, reason="sold at the counter")
    assert on_hand(p) == (-2, 0, -2)
    backorders(monkeypatch, False)
    with pytest.raises(BadInput, match="backorders are not allowed"):
        stock.adjust(p, -1, reason="x")
    stock.adjust(p, 1, reason="found one")  # raising a negative available is fine
    assert on_hand(p) == (-1, 0, -1)
    assert_ledger_consistent()


def test_reservations_of_imported_orders_are_never_refused(bo_db):
    p = make_product("SKU-1")
    stock.adjust(p, 1, reason="count")
    integration = make_integration()
    make_order(integration, "#1001", [(p, 4)])
    assert on_hand(p) == (1, 4, -3)
    assert_ledger_consistent()


def test_set_quantity(bo_db):
    p = make_product("SKU-1")
    m = stock.set_quantity("SKU-1", 12, reason="inventory count", user="bob")
    assert (m.type, m.quantity, m.on_hand_after, m.user) == ("set", 12, 12, "bob")
    assert stock.set_quantity("SKU-1", 12, reason="again") is None
    m = stock.set_quantity("SKU-1", 9, reason="recount")
    assert (m.quantity, m.on_hand_after) == (-3, 9)
    with pytest.raises(BadInput, match="cannot be negative"):
        stock.set_quantity("SKU-1", -1, reason="x")
    with pytest.raises(BadInput, match="reason is required"):
        stock.set_quantity("SKU-1", 1, reason=None)
    make_order(make_integration(), "#1", [(p, 5)])  # reserved 5
    with pytest.raises(BadInput, match="available 4, this would take it to -1"):
        stock.set_quantity("SKU-1", 4, reason="recount")
    assert on_hand(p) == (9, 5, 4)
    assert_ledger_consistent()


def test_transfer_between_warehouses(bo_db):
    p = make_product("SKU-1")
    lyon = stock.create_warehouse("Lyon")
    stock.adjust(p, 10, reason="delivery")
    out, into = stock.transfer(
        "SKU-1", 4, from_warehouse="MAIN", to_warehouse="LYON", user="carol", reason="rebalance"
    )
    assert (out.type, out.quantity, out.on_hand_after) == ("transfer_out", -4, 6)
    assert (into.type, into.quantity, into.on_hand_after) == ("transfer_in", 4, 4)
    assert into.reference_id == out.id and out.reference == "MAIN -> LYON"
    assert on_hand(p) == (6, 0, 6) and on_hand(p, lyon) == (4, 0, 4)
    with pytest.raises(BadInput, match="available 4, this would take it to -1"):
        stock.transfer(p, 5, from_warehouse=lyon, to_warehouse="MAIN")
    with pytest.raises(BadInput, match="a source and a destination"):
        stock.transfer(p, 1, from_warehouse=None, to_warehouse=lyon)
    with pytest.raises(BadInput, match="two different warehouses"):
        stock.transfer(p, 1, from_warehouse=lyon, to_warehouse=lyon)
    with pytest.raises(BadInput, match="must be positive"):
        stock.transfer(p, 0, from_warehouse=lyon, to_warehouse="MAIN")
    with pytest.raises(BadInput, match="must be positive"):
        stock.transfer(p, -2, from_warehouse=lyon, to_warehouse="MAIN")
    assert on_hand(p) == (6, 0, 6) and on_hand(p, lyon) == (4, 0, 4)  # nothing half-done
    assert_ledger_consistent()


# --------------------------------------------------------------------------- discrepancies


def _discrepancy(integration, product, hub_quantity, store_quantity):
    run = FeedRun.create(integration=integration, feed="stock_check", status="succeeded")
    return StockDiscrepancy.create(
        run=run,
        product=product,
        sku=product.sku,
        hub_quantity=hub_quantity,
        store_quantity=store_quantity,
        difference=store_quantity - hub_quantity,
    )


def test_apply_discrepancy_corrects_to_the_store_figure_once(bo_db):
    p = make_product("SKU-1")
    integration = make_integration()
    stock.adjust(p, 10, reason="count")
    make_order(integration, "#1", [(p, 2)])  # hub available 8
    d = _discrepancy(integration, p, hub_quantity=8, store_quantity=5)
    assert on_hand(p) == (10, 2, 8)  # reported only: nothing changed
    m = stock.apply_discrepancy(d, user="dora")
    assert (m.type, m.quantity, m.reference_type, m.run_id) == (
        "stock_check_correction",
        -3,
        "run",
        d.run_id,
    )
    assert on_hand(p) == (7, 2, 5)  # available now matches the store
    d = StockDiscrepancy.get_by_id(d.id)
    assert d.applied_at is not None and d.applied_by == "dora"
    with pytest.raises(BadInput, match="already applied"):
        stock.apply_discrepancy(d.id, user="dora")
    with pytest.raises(NotFound, match="unknown stock discrepancy"):
        stock.apply_discrepancy(12345)
    up = _discrepancy(integration, p, hub_quantity=5, store_quantity=9)
    assert stock.apply_discrepancy(str(up.id)).quantity == 4
    assert on_hand(p) == (11, 2, 9)
    same = _discrepancy(integration, p, hub_quantity=9, store_quantity=9)
    assert stock.apply_discrepancy(same) is None  # marked applied, nothing to move
    assert StockDiscrepancy.get_by_id(same.id).applied_at is not None
    assert_ledger_consistent()


def test_apply_discrepancy_uses_the_integrations_default_warehouse(bo_db):
    p = make_product("SKU-1")
    lyon = stock.create_warehouse("Lyon")
    integration = make_integration(warehouse=lyon)
    d = _discrepancy(integration, p, hub_quantity=0, store_quantity=6)
    stock.apply_discrepancy(d)
    assert on_hand(p, lyon) == (6, 0, 6) and on_hand(p) == (0, 0, 0)
    assert_ledger_consistent()


def test_apply_discrepancy_of_a_deleted_product(bo_db):
    p = make_product("SKU-1")
    d = _discrepancy(make_integration(), p, 1, 2)
    d.product = None
    d.save()
    with pytest.raises(BadInput, match="no longer exists"):
        stock.apply_discrepancy(d)
    assert_ledger_consistent()


def test_stock_rows(bo_db):
    a, b = make_product("A"), make_product("B")
    lyon = stock.create_warehouse("Lyon")
    stock.adjust(b, 2, reason="x")
    stock.adjust(a, 5, reason="x")
    stock.adjust(a, 1, warehouse=lyon, reason="x")
    rows = [{k: v for k, v in r.items() if k != "id"} for r in queries.stock_rows()]
    assert rows == [
        {"sku": "A", "warehouse": "MAIN", "on_hand": 5, "reserved": 0, "available": 5},
        {"sku": "A", "warehouse": "LYON", "on_hand": 1, "reserved": 0, "available": 1},
        {"sku": "B", "warehouse": "MAIN", "on_hand": 2, "reserved": 0, "available": 2},
    ]
    assert [r["warehouse"] for r in queries.stock_rows(sku="A", warehouse="LYON")] == ["LYON"]
    assert_ledger_consistent()


# --------------------------------------------------------------------------- concurrency


PROCESSES, ITERATIONS = 4, 25


def _concurrency_scenario(url, instance_dir):
    """Processes changing the same level at once lose no update, and concurrent manual
    drains never take available below zero."""
    from hub.models import Product

    product = Product.create(sku="HOT", name="Hot item")
    main = default_warehouse()
    run_stock_workers(url, instance_dir, product.id, main.id, "mixed", PROCESSES, ITERATIONS)
    lv = stock.level(product.id, main.id)
    # each iteration: +1 adjustment, +1/-1 reservation/release, +1 receipt -> +2 on hand
    assert (lv.on_hand, lv.reserved) == (PROCESSES * ITERATIONS * 2, 0)
    assert (
        StockMovement.select().where(StockMovement.product == product.id).count()
        == PROCESSES * ITERATIONS * 4
    )
    assert_ledger_consistent()

    # drain: 4 x 25 = 100 attempts of -1 against 2 x 100 = 200 units... so reserve 150
    stock.reserve(product.id, main.id, 150, reference_id=1)  # available 200 - 150 = 50
    results = run_stock_workers(
        url, instance_dir, product.id, main.id, "drain", PROCESSES, ITERATIONS
    )
    done = sum(r[1] for r in results)
    refused = sum(r[2] for r in results)
    assert (done, refused) == (50, 50)
    lv = stock.level(product.id, main.id)
    assert (lv.on_hand, lv.reserved, lv.available) == (150, 150, 0)
    assert_ledger_consistent()

    # ping-pong around zero: 2 units available, 4 processes taking one and putting it back
    stock.release(product.id, main.id, 2, reference_id=1)  # available 2
    results = run_stock_workers(
        url, instance_dir, product.id, main.id, "pingpong", PROCESSES, ITERATIONS * 2
    )
    assert sum(r[1] for r in results) > 0
    lowest = (
        StockMovement.select(fn.MIN(StockMovement.on_hand_after - StockMovement.reserved_after))
        .where(StockMovement.product == product.id)
        .scalar()
    )
    assert lowest == 0  # reached, never crossed
    lv = stock.level(product.id, main.id)
    assert (lv.on_hand, lv.reserved, lv.available) == (150, 148, 2)
    assert_ledger_consistent()

    # opposite transfers at once: no deadlock, no unit created or lost
    other = stock.create_warehouse("Other")
    stock.adjust(product.id, 40, warehouse=other, reason="count")
    there_and_back = [f"transfer:{main.id}:{other.id}", f"transfer:{other.id}:{main.id}"] * (
        PROCESSES // 2
    )
    results = run_stock_workers(
        url, instance_dir, product.id, main.id, there_and_back, PROCESSES, ITERATIONS
    )
    assert sum(r[1] for r in results) > 0
    assert (
        stock.level(product.id, main.id).on_hand + stock.level(product.id, other.id).on_hand == 190
    )
    assert_ledger_consistent()


def test_concurrent_processes_lose_no_update_sqlite(bo_db, tmp_path):
    _concurrency_scenario(f"sqlite:///{tmp_path / 'hub.db'}", tmp_path)


@pytest.mark.postgres
def test_concurrent_processes_lose_no_update_postgres(hub_pg, pg_url, tmp_path, monkeypatch):
    from hub.db import is_postgres

    assert is_postgres()
    monkeypatch.setattr(hub_pg, "allow_backorders", False)
    _concurrency_scenario(pg_url, tmp_path)
