"""Stock import (stock_availables) and stock export, read back from the emulator."""

import pytest
from connect_prestashop import feeds

from hub.records import validate_record


def _push(ctx, items):
    results = feeds.hub_push_stock_levels(ctx, items)
    for result in results:
        validate_record("push_result", result)
    return results


def _item(record, quantity, previous=None):
    return {
        "sku": record["sku"],
        "external_id": record["external_id"],
        "quantity": quantity,
        "previous": previous,
        "store_refs": record["store_refs"],
    }


@pytest.fixture
def products(ctx, records_of):
    return records_of("product", feeds.hub_fetch_products(ctx))[0]


def test_stock_levels_are_the_stockable_items(store, ctx, records_of, products):
    stock, outcomes = records_of("stock", feeds.hub_fetch_stock_levels(ctx))
    assert outcomes == []
    assert sorted(s["external_id"] for s in stock) == sorted(p["external_id"] for p in products)
    rows = store.store["stock_availables"].rows
    for record in stock:
        row = rows[record["store_refs"]["stock_available_id"]]
        assert record["quantity"] == int(row["quantity"])


def test_pushed_stock_is_read_back(store, ctx, products):
    simple = next(p for p in products if p["parent"] is None)
    combo = next(p for p in products if p["parent"] is not None)
    results = _push(ctx, [_item(simple, 11), _item(combo, 4)])
    assert [r["status"] for r in results] == ["ok", "ok"]
    assert [r["store_quantity"] for r in results] == [11, 4]
    assert store.control("GET", f"stock/{simple['sku']}")["quantity"] == 11
    assert store.control("GET", f"stock/{combo['sku']}")["quantity"] == 4
    parent_total = sum(
        int(r["quantity"])
        for r in store.store["stock_availables"].rows.values()
        if r["id_product"] == combo["parent"] and r["id_product_attribute"] != "0"
    )
    parent_row = next(
        r
        for r in store.store["stock_availables"].rows.values()
        if r["id_product"] == combo["parent"] and r["id_product_attribute"] == "0"
    )
    assert int(parent_row["quantity"]) == parent_total  # the store re-sums the product row


def test_an_equal_quantity_is_unchanged_and_not_written(store, ctx, products):
    record = products[0]
    current = store.control("GET", f"stock/{record['sku']}")["quantity"]
    writes = store.state()["writes"]
    assert _push(ctx, [_item(record, current)])[0]["status"] == "unchanged"
    assert store.state()["writes"] == writes


def test_a_store_sale_since_the_last_sync_is_a_conflict(store, ctx, products):
    record = products[1]
    store.control("POST", f"stock/{record['sku']}", json={"quantity": 3})  # sold in the store
    result = _push(ctx, [_item(record, 9, previous=5)])[0]
    assert result["status"] == "conflict" and result["store_quantity"] == 3
    assert store.control("GET", f"stock/{record['sku']}")["quantity"] == 3  # not overwritten
    assert _push(ctx, [_item(record, 9, previous=3)])[0]["status"] == "ok"
    assert store.control("GET", f"stock/{record['sku']}")["quantity"] == 9


def test_without_store_refs_the_row_is_found_by_product_and_combination(store, ctx, products):
    combo = next(p for p in products if p["parent"] is not None)
    item = {**_item(combo, 17), "store_refs": {}}
    assert _push(ctx, [item])[0]["status"] == "ok"
    assert store.control("GET", f"stock/{combo['sku']}")["quantity"] == 17


def test_unknown_items_are_per_item_errors(store, ctx, products):
    results = _push(
        ctx,
        [
            {"sku": "X", "external_id": "424242", "quantity": 1},
            {"sku": "Y", "external_id": "gid://nope", "quantity": 1},
            _item(products[0], 2),
        ],
    )
    assert [r["status"] for r in results] == ["error", "error", "ok"]
    assert "424242" in results[0]["message"] and results[0]["hint"]


def test_prestashop_17_writes_the_whole_row_with_put(emulator, make_ctx, records_of):
    live = emulator(version="1.7.8.11")
    ctx = make_ctx(live)
    record = records_of("product", feeds.hub_fetch_products(ctx))[0][0]
    row = live.store["stock_availables"].rows[record["store_refs"]["stock_available_id"]]
    row["location"] = "Aisle 4"
    assert _push(ctx, [_item(record, 21)])[0]["status"] == "ok"
    assert row["quantity"] == "21"
    assert row["location"] == "Aisle 4"  # PUT sent every field back: nothing nulled
    assert row["out_of_stock"] == "2"


def test_patch_is_used_on_8_and_leaves_other_fields(store, ctx, products):
    row = store.store["stock_availables"].rows[products[0]["store_refs"]["stock_available_id"]]
    row["location"] = "Shelf B"
    assert _push(ctx, [_item(products[0], 13)])[0]["status"] == "ok"
    assert row["quantity"] == "13" and row["location"] == "Shelf B"


def test_depends_on_stock_rows_are_not_written(store, ctx, products):
    row = store.store["stock_availables"].rows[products[0]["store_refs"]["stock_available_id"]]
    row["depends_on_stock"] = "1"
    result = _push(ctx, [_item(products[0], int(row["quantity"]) + 1)])[0]
    assert result["status"] == "error" and "depends_on_stock" in result["message"]
