"""hub stock / ship / po / recommendations / warehouses / suppliers: output, --json keys,
exit codes (2 with one clear line on stderr for bad input)."""

import json

import pytest
from backoffice_support import (
    assert_ledger_consistent,
    bo_db_fixture,  # noqa: F401  (fixture bo_db)
    make_integration,
    make_order,
    make_product,
    on_hand,
)
from click.testing import CliRunner
from support import hub_cli

from hub.cli import cli
from hub.models import FeedRun, Order, Shipment, StockDiscrepancy
from hub.services import stock


@pytest.fixture
def run_cli(bo_db):
    runner = CliRunner()

    def invoke(*args, code=0):
        result = runner.invoke(cli, [str(a) for a in args])
        assert result.exit_code == code, (result.output, result.stderr, result.exception)
        return result

    return invoke


def as_json(result):
    return json.loads(result.stdout)


def bad(run_cli, *args, message):
    """Exit code 2, one line on stderr naming the problem, nothing on stdout."""
    result = run_cli(*args, code=2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert result.stdout == ""
    return result


STOCK_KEYS = {"id", "sku", "warehouse", "on_hand", "reserved", "available"}
MOVEMENT_KEYS = {
    "id",
    "sku",
    "warehouse",
    "type",
    "quantity",
    "reserved_change",
    "on_hand_after",
    "reserved_after",
    "reference_type",
    "reference_id",
    "reference",
    "reason",
    "user",
    "run_id",
    "created_at",
}


def test_stock_commands(run_cli):
    make_product("A")
    run_cli("warehouses", "create", "Lyon", "--code", "LYO")
    out = run_cli("stock", "adjust", "A", 10, "--reason", "delivery")
    assert "A @ MAIN: adjustment +10 -> on hand 10, reserved 0, available 10" in out.stdout
    moved = as_json(run_cli("stock", "adjust", "A", "-2", "--reason", "broken", "--json"))
    assert set(moved[0]) == MOVEMENT_KEYS and moved[0]["quantity"] == -2
    assert moved[0]["user"].startswith("cli")
    run_cli("stock", "set", "A", 5, "--warehouse", "LYO", "--reason", "count")
    assert (
        "nothing changed"
        in run_cli("stock", "set", "A", 5, "--warehouse", "lyo", "--reason", "count").stdout
    )
    pair = as_json(run_cli("stock", "transfer", "A", 3, "--from", "MAIN", "--to", "LYO", "--json"))
    assert [m["type"] for m in pair] == ["transfer_out", "transfer_in"]

    rows = as_json(run_cli("stock", "list", "--json"))
    assert all(set(r) == STOCK_KEYS for r in rows)
    assert [(r["warehouse"], r["on_hand"], r["available"]) for r in rows] == [
        ("MAIN", 5, 5),
        ("LYO", 8, 8),
    ]
    assert isinstance(rows[0]["on_hand"], int)
    lyon = [r for r in rows if r["warehouse"] == "LYO"]
    assert as_json(run_cli("stock", "list", "--sku", "A", "--warehouse", "LYO", "--json")) == lyon
    assert lyon[0] | {"id": 0} == {
        "id": 0,
        "sku": "A",
        "warehouse": "LYO",
        "on_hand": 8,
        "reserved": 0,
        "available": 8,
    }
    table = run_cli("stock", "list").stdout
    assert table.splitlines()[0].split() == ["SKU", "WAREHOUSE", "ON_HAND", "RESERVED", "AVAILABLE"]
    moves = as_json(run_cli("stock", "movements", "A", "--json"))
    assert [m["type"] for m in moves] == [
        "transfer_in",
        "transfer_out",
        "set",
        "adjustment",
        "adjustment",
    ]  # newest first
    assert len(as_json(run_cli("stock", "movements", "A", "--warehouse", "LYO", "--json"))) == 2
    assert "adjustment" in run_cli("stock", "movements", "A").stdout
    assert_ledger_consistent()


def test_stock_bad_input_exit_2(run_cli):
    make_product("A")
    run_cli("stock", "adjust", "A", 2, "--reason", "count")
    bad(run_cli, "stock", "adjust", "NOPE", 1, "--reason", "x", message="unknown SKU 'NOPE'")
    bad(
        run_cli,
        "stock",
        "adjust",
        "A",
        1,
        "--warehouse",
        "NOPE",
        "--reason",
        "x",
        message="unknown warehouse 'NOPE'; warehouses: MAIN (Main warehouse)",
    )
    bad(
        run_cli,
        "stock",
        "adjust",
        "A",
        -3,
        "--reason",
        "x",
        message="not enough stock of A in MAIN: available 2",
    )
    bad(run_cli, "stock", "set", "A", -1, "--reason", "x", message="cannot be negative")
    bad(
        run_cli,
        "stock",
        "transfer",
        "A",
        -1,
        "--from",
        "MAIN",
        "--to",
        "MAIN",
        message="must be positive",
    )
    bad(run_cli, "stock", "movements", "NOPE", message="unknown SKU")
    # click's own usage errors are exit 2 too
    assert run_cli("stock", "adjust", "A", 1, code=2).stderr.count("--reason") >= 1
    assert run_cli("stock", "adjust", "A", "many", "--reason", "x", code=2)
    assert on_hand(make_product("B")) == (0, 0, 0)
    assert_ledger_consistent()


def test_apply_discrepancy_command(run_cli):
    p = make_product("A")
    integration = make_integration()
    run = FeedRun.create(integration=integration, feed="stock_check", status="succeeded")
    d = StockDiscrepancy.create(
        run=run, product=p, sku="A", hub_quantity=0, store_quantity=4, difference=4
    )
    moved = as_json(run_cli("stock", "apply-discrepancy", d.id, "--json"))
    assert (moved[0]["type"], moved[0]["quantity"]) == ("stock_check_correction", 4)
    bad(run_cli, "stock", "apply-discrepancy", d.id, message="already applied")
    bad(run_cli, "stock", "apply-discrepancy", 999, message="unknown stock discrepancy")
    assert_ledger_consistent()


SHIPMENT_KEYS = {
    "id",
    "order",
    "order_id",
    "integration",
    "order_status",
    "warehouse",
    "carrier",
    "tracking_number",
    "tracking_url",
    "confirmation_status",
    "created_by",
    "created_at",
    "lines",
}


def test_ship_command(run_cli):
    a, b = make_product("A"), make_product("B")
    stock.adjust(a, 5, reason="count")
    stock.adjust(b, 5, reason="count")
    integration = make_integration()
    order = make_order(integration, "#1001", [(a, 2), (b, 1)])
    data = as_json(
        run_cli("ship", "#1001", "--carrier", "UPS", "--tracking", "1Z", "--line", "A=1", "--json")
    )
    assert set(data) == SHIPMENT_KEYS
    assert (data["order_status"], data["confirmation_status"], data["lines"]) == (
        "partially_shipped",
        "pending",
        [{"sku": "A", "quantity": 1}],
    )
    bad(
        run_cli,
        "ship",
        "#1001",
        "--carrier",
        "UPS",
        "--tracking",
        "1Z",
        "--line",
        "A=2",
        message="cannot ship 2 × A of order #1001",
    )
    bad(
        run_cli,
        "ship",
        "#1001",
        "--carrier",
        "FedEx",
        "--tracking",
        "1Z",
        message="unknown carrier 'FedEx' for integration shop; known carriers: DHL, UPS",
    )
    bad(
        run_cli,
        "ship",
        "#1001",
        "--tracking",
        "1Z",
        "--line",
        "A=-1",
        message="quantity must be positive",
    )
    bad(run_cli, "ship", "#1001", "--tracking", "1Z", "--line", "A", message="SKU=QTY")
    bad(run_cli, "ship", "#999", "--tracking", "1Z", message="unknown order '#999'")
    bad(
        run_cli,
        "ship",
        "#1001",
        "--tracking",
        "1Z",
        "--warehouse",
        "X",
        message="unknown warehouse 'X'",
    )
    out = run_cli("ship", str(order.id), "--tracking", "2Z", "--url", "https://t/2Z").stdout
    assert "order shipped" in out and "B×1" in out and "A×1" in out
    assert Order.get_by_id(order.id).status == "shipped"
    assert Shipment.select().count() == 2
    bad(run_cli, "ship", "#1001", "--tracking", "3Z", message="is shipped: it cannot be shipped")
    # the same number in two stores is ambiguous: the message lists both
    make_order(make_integration("other"), "#1001", [(a, 1)])
    bad(run_cli, "ship", "#1001", "--tracking", "1Z", message="is ambiguous: shop/#1001")
    assert_ledger_consistent()


PO_KEYS = {
    "id",
    "number",
    "supplier",
    "status",
    "warehouse",
    "lines_count",
    "quantity",
    "received_quantity",
    "total",
    "created_by",
    "created_at",
    "ordered_at",
    "expected_at",
    "received_at",
    "cancelled_at",
    "notes",
}


def test_suppliers_and_po_commands(run_cli):
    make_product("A")
    make_product("B")
    created = as_json(run_cli("suppliers", "create", "Acme", "--lead-time-days", 10, "--json"))
    assert created["lead_time_days"] == 10
    link = as_json(
        run_cli(
            "suppliers",
            "link",
            "A",
            "Acme",
            "--price",
            "2.5",
            "--min-qty",
            6,
            "--preferred",
            "--json",
        )
    )
    assert (link["price"], link["min_order_qty"], link["preferred"]) == ("2.50", 6, True)
    assert [s["name"] for s in as_json(run_cli("suppliers", "list", "--json"))] == ["Acme"]
    bad(run_cli, "suppliers", "create", "acme", message="already exists")

    data = as_json(
        run_cli(
            "po", "create", "--supplier", "Acme", "--line", "A=10", "--line", "B=4@7.125", "--json"
        )
    )
    assert set(data) == PO_KEYS | {"lines"}
    assert (data["number"], data["status"], data["total"]) == ("PO-000001", "draft", "53.50")
    assert data["lines"][0]["unit_price"] == "2.50" and isinstance(data["quantity"], int)
    bad(
        run_cli,
        "po",
        "create",
        "--supplier",
        "Nope",
        "--line",
        "A=1",
        message="unknown supplier 'Nope'; suppliers: Acme",
    )
    bad(
        run_cli,
        "po",
        "create",
        "--supplier",
        "Acme",
        "--line",
        "A=0",
        message="quantity of A must be at least 1",
    )
    bad(
        run_cli,
        "po",
        "create",
        "--supplier",
        "Acme",
        "--line",
        "A=1@-2",
        message="price of A must be a positive decimal",
    )
    bad(run_cli, "po", "create", "--supplier", "Acme", "--line", "Z=1", message="unknown SKU")
    bad(run_cli, "po", "receive", "PO-000001", message="is draft: it cannot be received")
    assert "PO-000001 ordered" in run_cli("po", "order", "PO-000001").stdout
    got = as_json(run_cli("po", "receive", "po-000001", "--line", "A=4", "--json"))
    assert (got["status"], got["received_quantity"]) == ("partially_received", 4)
    bad(
        run_cli,
        "po",
        "receive",
        "PO-000001",
        "--line",
        "A=7",
        message="cannot receive 7 × A on PO-000001: only 6 still expected",
    )
    run_cli("warehouses", "create", "Lyon")
    run_cli("po", "receive", "1", "--warehouse", "LYON")
    assert on_hand(make_product_get("A")) == (4, 0, 4)
    assert on_hand(make_product_get("A"), stock.get_warehouse("LYON")) == (6, 0, 6)
    shown = as_json(run_cli("po", "show", "PO-000001", "--json"))
    assert shown["status"] == "received" and [ln["remaining"] for ln in shown["lines"]] == [0, 0]
    assert "SKU" in run_cli("po", "show", "PO-000001").stdout
    bad(run_cli, "po", "cancel", "PO-000001", message="is received: it cannot become cancelled")
    run_cli("po", "create", "--supplier", "Acme", "--line", "A=1")
    assert "cancelled" in run_cli("po", "cancel", "PO-000002").stdout
    listed = as_json(run_cli("po", "list", "--json"))
    assert [p["number"] for p in listed] == ["PO-000002", "PO-000001"]
    assert all(set(p) == PO_KEYS for p in listed)
    assert [
        p["number"] for p in as_json(run_cli("po", "list", "--status", "received", "--json"))
    ] == ["PO-000001"]
    bad(run_cli, "po", "show", "PO-9", message="unknown purchase order 'PO-9'")
    assert_ledger_consistent()


def make_product_get(sku):
    return stock.get_product(sku)


def test_recommendations_command(run_cli):
    # 30 sold in 30 days -> 1 a day; lead 10 + safety 7 -> reorder point 17;
    # position 0 -> suggested = 17 + 14 - 0 = 31, rounded up to the min. qty 6 -> 36
    p = make_product("A")
    integration = make_integration()
    make_order(integration, "#1", [(p, 30)], status="shipped", reserve=False)
    run_cli("suppliers", "create", "Acme", "--lead-time-days", 10)
    run_cli("suppliers", "link", "A", "Acme", "--price", "2", "--min-qty", 6)
    groups = as_json(run_cli("recommendations", "--json"))
    assert [g["supplier"] for g in groups] == ["Acme"]
    line = groups[0]["lines"][0]
    assert (line["reorder_point"], line["suggested"], groups[0]["total"]) == (17, 36, "72.00")
    assert {
        "sku",
        "sold",
        "daily_sales",
        "lead_time_days",
        "reorder_point",
        "available",
        "on_order",
        "position",
        "min_order_qty",
        "suggested",
        "unit_price",
    } <= set(line)
    # a 10-day window: 3 a day -> reorder point 51, suggested 51 + 42 = 93 -> 96
    line = as_json(run_cli("recommendations", "--window-days", 10, "--json"))[0]["lines"][0]
    assert (line["daily_sales"], line["reorder_point"], line["suggested"]) == ("3.000", 51, 96)
    assert "Acme" in run_cli("recommendations").stdout
    po = as_json(run_cli("recommendations", "--create-po", "Acme", "--json"))
    assert (po["status"], po["quantity"]) == ("draft", 36)
    assert as_json(run_cli("recommendations", "--json")) == []
    assert "nothing to reorder" in run_cli("recommendations").stdout
    bad(run_cli, "recommendations", "--create-po", "Acme", message="nothing to reorder")
    bad(run_cli, "recommendations", "--window-days", 0, message="window")
    assert_ledger_consistent()


WAREHOUSE_KEYS = {
    "id",
    "code",
    "name",
    "active",
    "is_default",
    "products",
    "on_hand",
    "reserved",
    "default_for",
}


def test_warehouses_commands(run_cli):
    make_integration("shop")
    rows = as_json(run_cli("warehouses", "list", "--json"))
    assert [(r["code"], r["is_default"], r["default_for"]) for r in rows] == [
        ("MAIN", True, ["shop"])
    ]
    assert set(rows[0]) == WAREHOUSE_KEYS
    assert as_json(run_cli("warehouses", "create", "Lyon depot", "--json"))["code"] == "LYON-DEPOT"
    assert "renamed" in run_cli("warehouses", "rename", "LYON-DEPOT", "Lyon").stdout
    bad(run_cli, "warehouses", "deactivate", "MAIN", message="default warehouse")
    bad(run_cli, "warehouses", "rename", "NOPE", "X", message="unknown warehouse 'NOPE'")
    stock.adjust(make_product("A"), 1, warehouse="LYON-DEPOT", reason="x")
    bad(run_cli, "warehouses", "deactivate", "Lyon", message="still holds stock")
    stock.adjust("A", -1, warehouse="LYON-DEPOT", reason="x")
    assert as_json(run_cli("warehouses", "deactivate", "Lyon", "--json"))["active"] is False
    assert "activated" in run_cli("warehouses", "activate", "Lyon").stdout
    assert "MAIN" in run_cli("warehouses", "list").stdout
    assert_ledger_consistent()


def test_real_console_script_exit_codes(bo_db):
    """The installed `hub` script: exit 2 and one stderr line on bad input, JSON on stdout."""
    make_product("A")
    result = hub_cli("stock", "adjust", "A", "-1", "--reason", "x")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: not enough stock of A in MAIN: available 0, this "
        "would take it to -1 (backorders are not allowed)"
    )
    result = hub_cli("stock", "adjust", "A", "3", "--reason", "count", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)[0]["on_hand_after"] == 3
    result = hub_cli("stock", "list", "--json")
    assert [{k: v for k, v in r.items() if k != "id"} for r in json.loads(result.stdout)] == [
        {"sku": "A", "warehouse": "MAIN", "on_hand": 3, "reserved": 0, "available": 3}
    ]
    assert hub_cli("ship", "#404", "--tracking", "T").returncode == 2
    assert_ledger_consistent()
