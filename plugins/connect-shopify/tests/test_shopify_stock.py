"""Stock: import (available + on_hand) and export (inventorySetQuantities with CAS)."""

import tracemalloc

import pytest
from connect_shopify import feeds
from connect_shopify.client import ShopifyClient
from connect_shopify_emulator import MAIN_LOCATION as MAIN
from connect_shopify_emulator import SECOND_LOCATION as LYON

from hub.errors import ConfigurationError
from hub.records import validate_record


def _push(sku_records, delta=3, previous_offset=0):
    return [
        {
            "sku": r["sku"],
            "external_id": r["external_id"],
            "quantity": r["quantity"] + delta,
            "previous": r["quantity"] + previous_offset,
            "store_refs": r["store_refs"],
        }
        for r in sku_records
    ]


def test_stock_levels_of_the_integration_location(store, ctx):
    records = list(feeds.hub_fetch_stock_levels(ctx))
    for r in records:
        validate_record("stock", r)
    main = store.emu.shop.locations[0]
    assert len(records) == len(main.levels)
    for r in records[:20]:
        level = store.get(f"/_emulator/stock/{r['sku']}")[MAIN]
        assert r["quantity"] == level["available"]
        assert r["on_hand"] == level["on_hand"]
        assert r["store_refs"]["inventory_item_id"].startswith("gid://shopify/InventoryItem/")
    assert any(r["on_hand"] > r["quantity"] for r in records)  # committed by open orders


def test_stock_of_another_location(store, make_ctx):
    records = list(feeds.hub_fetch_stock_levels(make_ctx(store, settings={"location_id": LYON})))
    assert len(records) == len(store.emu.shop.locations[1].levels)


def test_unknown_or_missing_location_is_a_configuration_error(store, make_ctx):
    with pytest.raises(ConfigurationError, match="does not exist"):
        list(
            feeds.hub_fetch_stock_levels(
                make_ctx(store, settings={"location_id": "gid://shopify/Location/999"})
            )
        )
    with pytest.raises(ConfigurationError, match="Choose which Shopify location"):
        list(feeds.hub_fetch_stock_levels(make_ctx(store, settings={})))


def test_push_stock_is_read_back(store, ctx):
    stock = list(feeds.hub_fetch_stock_levels(ctx))[:5]
    results = feeds.hub_push_stock_levels(ctx, _push(stock, delta=4))
    for r in results:
        validate_record("push_result", r)
    assert [r["status"] for r in results] == ["ok"] * 5
    for s, r in zip(stock, results, strict=True):
        assert store.get(f"/_emulator/stock/{s['sku']}")[MAIN]["available"] == s["quantity"] + 4
        assert r["key"] == s["sku"] and r["store_quantity"] == s["quantity"] + 4
    assert store.state()["idempotency_keys"] == 1  # one @idempotent mutation for the batch


def test_push_without_store_refs_looks_the_item_up(store, ctx):
    stock = list(feeds.hub_fetch_stock_levels(ctx))[:2]
    items = _push(stock, delta=1)
    for item in items:
        item["store_refs"] = {}
    assert [r["status"] for r in feeds.hub_push_stock_levels(ctx, items)] == ["ok", "ok"]


def test_same_quantity_is_unchanged(store, ctx):
    stock = list(feeds.hub_fetch_stock_levels(ctx))[:2]
    results = feeds.hub_push_stock_levels(ctx, _push(stock, delta=0))
    assert [r["status"] for r in results] == ["unchanged", "unchanged"]


def test_stale_previous_is_reread_and_retried_once(store, ctx):
    stock = list(feeds.hub_fetch_stock_levels(ctx))[:3]
    items = _push(stock, delta=2)
    items[1]["previous"] = stock[1]["quantity"] + 7  # the store sold/changed meanwhile
    results = feeds.hub_push_stock_levels(ctx, items)
    assert [r["status"] for r in results] == ["ok", "ok", "ok"]
    for s in stock:
        assert store.get(f"/_emulator/stock/{s['sku']}")[MAIN]["available"] == s["quantity"] + 2


def test_stale_twice_is_a_conflict(store, ctx, monkeypatch):
    stock = list(feeds.hub_fetch_stock_levels(ctx))[:2]
    items = _push(stock, delta=2)
    items[0]["previous"] = stock[0]["quantity"] + 1
    real = feeds._current_available

    def moving_target(client, item_ids, location):  # the store keeps changing under us
        return {k: v + 1 for k, v in real(client, item_ids, location).items()}

    monkeypatch.setattr(feeds, "_current_available", moving_target)
    results = feeds.hub_push_stock_levels(ctx, items)
    assert [r["status"] for r in results] == ["conflict", "ok"]
    assert (
        store.get(f"/_emulator/stock/{stock[0]['sku']}")[MAIN]["available"] == stock[0]["quantity"]
    )


def test_push_is_batched_by_250(make_store, make_ctx):
    big = make_store(products=200, orders=0, seed=3)
    ctx = make_ctx(big)
    stock = list(feeds.hub_fetch_stock_levels(ctx))
    assert len(stock) > 250
    results = feeds.hub_push_stock_levels(ctx, _push(stock, delta=1))
    assert {r["status"] for r in results} == {"ok"}
    assert big.state()["counters"]["inventory_writes"] == -(-len(stock) // 250)


def test_item_not_stocked_at_location_is_an_error_for_that_item(store, make_ctx):
    ctx = make_ctx(store, settings={"location_id": LYON})
    lyon = store.emu.shop.locations[1].levels
    variants = store.emu.shop.variants
    stocked = next(v for n, v in variants.items() if n in lyon)
    missing = next(v for n, v in variants.items() if n not in lyon)
    items = [
        {
            "sku": v.sku,
            "external_id": v.id,
            "quantity": 5,
            "previous": None,
            "store_refs": {"inventory_item_id": v.inventoryItem.id},
        }
        for v in (stocked, missing)
    ]
    results = feeds.hub_push_stock_levels(ctx, items)
    assert [r["status"] for r in results] == ["ok", "error"]
    assert "ITEM_NOT_STOCKED_AT_LOCATION" in results[1]["message"]


# -- the bulk operation (no cursor paging: Shopify caps it at 25,000 objects) -------------------


def _expected(location):
    """What the emulator holds for a location: variant GID -> (available, on_hand, item GID)."""
    shop_variants = location.shop.variants
    return {
        shop_variants[num].id: (a, a + c + u, shop_variants[num].inventoryItem.id)
        for num, (a, c, u, _) in location.levels.items()
    }


def _seen(records):
    return {
        r["external_id"]: (r["quantity"], r["on_hand"], r["store_refs"]["inventory_item_id"])
        for r in records
    }


def test_stock_levels_come_from_a_bulk_operation(store, ctx, clock):
    totals = []
    ctx.progress = lambda total, exact=True: totals.append((total, exact))
    records = list(feeds.hub_fetch_stock_levels(ctx))
    main = store.emu.shop.locations[0]
    assert _seen(records) == _expected(main)  # every level, every value
    assert len(records) == len(main.levels)
    assert {r["store_refs"]["location_id"] for r in records} == {MAIN}
    assert {r["sku"] for r in records} == {store.emu.shop.variants[n].sku for n in main.levels}
    state = store.state()
    assert state["counters"]["bulk_operations"] == 1
    assert state["counters"]["bulk_downloads"] == 1
    (op,) = store.emu.shop.bulk_operations.values()
    assert 'locations(query: "id:81000000001"' in op.query and "inventoryLevels" in op.query
    assert clock.sleeps  # polled through RUNNING with ctx.sleep
    assert totals == [(len(main.levels), True)]


def test_stock_of_another_location_reads_its_own_values(store, make_ctx):
    ctx = make_ctx(store, settings={"location_id": LYON})
    records = list(feeds.hub_fetch_stock_levels(ctx))
    assert _seen(records) == _expected(store.emu.shop.locations[1])


def test_stock_read_after_a_push_and_a_shipment(store, ctx):
    before = list(feeds.hub_fetch_stock_levels(ctx))
    target = before[0]
    store.control(f"/_emulator/stock/{target['sku']}", {"available": 77, "location_id": MAIN})
    after = {r["external_id"]: r for r in feeds.hub_fetch_stock_levels(ctx)}
    assert after[target["external_id"]]["quantity"] == 77
    assert after[target["external_id"]]["on_hand"] == 77 + (target["on_hand"] - target["quantity"])


def test_location_that_stocks_nothing_yields_nothing(store, make_ctx):
    depot = store.emu.shop.locations[2]  # "Old depot": inactive, no inventory
    assert not depot.levels
    assert (
        list(feeds.hub_fetch_stock_levels(make_ctx(store, settings={"location_id": depot.id})))
        == []
    )


def test_levels_of_other_locations_in_the_file_are_left_out(store, ctx, monkeypatch):
    from connect_shopify import queries

    unfiltered = queries.BULK_STOCK_LEVELS.replace('query: "id:%s", ', "")
    monkeypatch.setattr(queries, "bulk_stock_levels", lambda location: unfiltered)
    records = list(feeds.hub_fetch_stock_levels(ctx))  # the file holds both locations
    assert _seen(records) == _expected(store.emu.shop.locations[0])


def test_location_with_more_items_than_the_cursor_cap(make_store, make_ctx, monkeypatch):
    big = make_store(products=0, orders=0, variants=25_600, seed=11)
    ctx = make_ctx(big)
    main = big.emu.shop.locations[0]
    assert len(main.levels) > 25_000
    expected = _expected(main)
    real_stream = ShopifyClient.stream_jsonl

    def traced_stream(self, url):  # the bulk operation is done: trace the download only
        tracemalloc.start()
        yield from real_stream(self, url)

    monkeypatch.setattr(ShopifyClient, "stream_jsonl", traced_stream)
    held = []
    try:
        for record in feeds.hub_fetch_stock_levels(ctx):
            want = expected.pop(record["external_id"])  # each level once, with its values
            assert (record["quantity"], record["on_hand"]) == want[:2]
            held.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert expected == {}
    (op,) = big.emu.shop.bulk_operations.values()
    assert int(op.fileSize) > 8_000_000
    # the ~9 MB file is read line by line: what the stream holds stays far below its size
    assert max(held) < 2_000_000
