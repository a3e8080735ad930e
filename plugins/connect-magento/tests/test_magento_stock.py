"""Stock: MSI source items (import, check, export) and the legacy stockItems API."""

import pytest
from connect_magento import feeds

from hub import Skip
from hub.outcomes import is_outcome
from hub.records import validate_record


def stock(ctx):
    out = list(feeds.hub_fetch_stock_levels(ctx))
    for item in out:
        if not is_outcome(item):
            validate_record("stock", item)
    return out


def push(ctx, items):
    results = feeds.hub_push_stock_levels(ctx, items)
    for result in results:
        validate_record("push_result", result)
    return results


def simple_products(emulator):
    return [p for p in emulator.current.products.values() if p["type_id"] == "simple"]


def test_msi_stock_is_the_source_items_quantity(ctx, emulator):
    out = stock(ctx)
    source = emulator.current.source_items
    expected = {
        str(p["id"]): int(source[(p["sku"], "default")]["quantity"])
        for p in simple_products(emulator)
    }
    assert {r["external_id"]: r["quantity"] for r in out} == expected
    assert all(r["on_hand"] == r["quantity"] for r in out)  # physical: both the same
    assert all(r["store_refs"]["source_code"] == "default" for r in out)


def test_the_source_code_setting_selects_the_source(make_ctx, emulator):
    out = stock(make_ctx(settings={"source_code": "eu_warehouse"}))
    expected = {
        sku: int(v["quantity"])
        for (sku, code), v in emulator.current.source_items.items()
        if code == "eu_warehouse"
    }
    assert {r["sku"]: r["quantity"] for r in out} == expected


def test_a_source_item_without_product_is_skipped(ctx, emulator):
    emulator.current.source_items[("ORPHAN-1", "default")] = {"quantity": 3.0, "status": 1}
    emulator.current.touch()
    skips = [r for r in stock(ctx) if isinstance(r, Skip)]
    assert [s.reference for s in skips] == ["ORPHAN-1"]


def test_push_stock_writes_source_items_and_reads_back(ctx, emulator):
    products = simple_products(emulator)[:25]  # more than one batch of 20
    items = [
        {
            "sku": p["sku"],
            "external_id": str(p["id"]),
            "quantity": 7 + n,
            "previous": None,
            "store_refs": {},
        }
        for n, p in enumerate(products)
    ]
    results = push(ctx, items)
    assert [r["key"] for r in results] == [p["sku"] for p in products]
    assert {r["status"] for r in results} <= {"ok", "unchanged"}
    for n, p in enumerate(products):
        assert emulator.get(f"/_emulator/stock/{p['sku']}")["default"] == {
            "quantity": 7 + n,
            "status": 1,
        }
    # pushing the same again changes nothing
    assert {r["status"] for r in push(ctx, items)} == {"unchanged"}
    assert emulator.state()["requests"]["source_items_save"] == 2  # 25 items, batches of 20


def test_push_zero_marks_out_of_stock(ctx, emulator):
    p = simple_products(emulator)[0]
    push(ctx, [{"sku": p["sku"], "external_id": str(p["id"]), "quantity": 0}])
    assert emulator.get(f"/_emulator/stock/{p['sku']}")["default"] == {"quantity": 0, "status": 0}


def test_push_conflict_when_the_store_moved(ctx, emulator):
    p = simple_products(emulator)[0]
    current = int(emulator.current.source_items[(p["sku"], "default")]["quantity"])
    result = push(
        ctx,
        [
            {
                "sku": p["sku"],
                "external_id": str(p["id"]),
                "quantity": current + 5,
                "previous": current + 1,
            }
        ],
    )[0]
    assert result["status"] == "conflict" and result["store_quantity"] == current
    assert emulator.current.source_items[(p["sku"], "default")]["quantity"] == current


def test_a_refused_batch_names_the_item(make_ctx, emulator):
    ctx = make_ctx(settings={"source_code": "no_such_source", "inventory_api": "msi"})
    p = simple_products(emulator)[0]
    result = push(ctx, [{"sku": p["sku"], "external_id": str(p["id"]), "quantity": 3}])[0]
    assert result["status"] == "error"
    assert 'Source with code "no_such_source" does not exist' in result["message"]


@pytest.fixture
def legacy(emulator):
    emulator.post("/_emulator/config", {"msi": False})
    return emulator


def test_msi_absence_is_detected_and_legacy_stock_is_read(ctx, legacy):
    report = feeds.hub_check_connection(ctx)
    assert report["details"]["msi"] is False and report["details"]["inventory_api"] == "legacy"
    out = stock(ctx)
    expected = {
        str(p["id"]): int(legacy.current.source_items[(p["sku"], "default")]["quantity"])
        for p in simple_products(legacy)
    }
    assert {r["external_id"]: r["quantity"] for r in out} == expected
    assert all(r["store_refs"]["api"] == "legacy" for r in out)


def test_legacy_push_uses_the_stock_items_api(ctx, legacy):
    p = simple_products(legacy)[1]
    results = push(
        ctx,
        [
            {"sku": p["sku"], "external_id": str(p["id"]), "quantity": 42},
            {"sku": "NO-SUCH-SKU", "external_id": "1", "quantity": 1},
        ],
    )
    assert [r["status"] for r in results] == ["ok", "error"]
    assert "NO-SUCH-SKU" in results[1]["message"]
    assert legacy.get(f"/_emulator/stock/{p['sku']}")["default"]["quantity"] == 42
    assert legacy.state()["requests"]["stock_item_put"] == 1
    assert "source_items_save" not in legacy.state()["requests"]


def test_inventory_api_setting_forces_legacy(make_ctx, emulator):
    ctx = make_ctx(settings={"inventory_api": "legacy"})
    assert all(r["store_refs"]["api"] == "legacy" for r in stock(ctx))
    assert "source_items_list" not in emulator.state()["requests"]
