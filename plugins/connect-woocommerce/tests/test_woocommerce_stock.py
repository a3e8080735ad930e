"""Stock: read where WooCommerce manages it; written with the batch endpoints, re-read first."""

import json

from connect_woocommerce import feeds, outbound
from connect_woocommerce.client import WooClient

from .conftest import in_stock


def _push(ctx, records, quantity_of, previous_of=lambda r: r["quantity"]):
    items = [
        {
            "sku": r["sku"],
            "external_id": r["external_id"],
            "quantity": quantity_of(r),
            "previous": previous_of(r),
            "store_refs": r["store_refs"],
        }
        for r in records
    ]
    return {r["key"]: r for r in outbound.hub_push_stock_levels(ctx, items)}


def _store_quantity(ctx, record):
    parent = record["store_refs"].get("parent_id")
    path = f"products/{parent}/variations/{record['external_id']}" if parent else None
    return WooClient(ctx).get(path or f"products/{record['external_id']}")["stock_quantity"]


def _batches(ctx):
    """The batch requests the connector sends: (path, number of items)."""
    sent = []

    def hook(response, *args, **kwargs):
        if response.request.method == "POST" and response.request.path_url.split("?")[0].endswith(
            "/batch"
        ):
            body = json.loads(response.request.body)
            sent.append((response.request.path_url.split("?")[0], len(body["update"])))

    ctx.session.hooks["response"].append(hook)
    return sent


def test_simple_products_and_variations_are_written(store, ctx):
    records = in_stock(ctx)[:3] + in_stock(ctx, simple=False)[:3]
    sent = _batches(ctx)
    results = _push(ctx, records, lambda r: r["quantity"] + 5)
    assert {r["status"] for r in results.values()} == {"ok"}
    for record in records:
        assert _store_quantity(ctx, record) == record["quantity"] + 5
        assert results[record["sku"]]["store_quantity"] == record["quantity"] + 5
    parents = {r["store_refs"]["parent_id"] for r in records if r["store_refs"]}
    assert {path for path, _n in sent} == {"/wp-json/wc/v3/products/batch"} | {
        f"/wp-json/wc/v3/products/{p}/variations/batch" for p in parents
    }
    again = _push(ctx, records, lambda r: r["quantity"] + 5, lambda r: r["quantity"] + 5)
    assert {r["status"] for r in again.values()} == {"unchanged"}


def test_a_concurrent_sale_is_not_overwritten(store, ctx):
    record = in_stock(ctx)[0]
    before = record["quantity"]
    # a shopper buys 2 after the hub read the stock and before it writes
    store.control(
        "POST",
        "orders",
        json={"lines": [{"sku": record["sku"], "quantity": 2}], "status": "processing"},
    )
    result = _push(ctx, [record], lambda r: before + 10)[record["sku"]]
    assert result["status"] == "conflict"
    assert result["store_quantity"] == before - 2
    assert "not overwritten" in result["message"]
    assert _store_quantity(ctx, record) == before - 2  # the sale stands
    # the next export, knowing the store's quantity, writes
    retried = _push(ctx, [record], lambda r: before + 8, lambda r: before - 2)[record["sku"]]
    assert retried["status"] == "ok"
    assert _store_quantity(ctx, record) == before + 8


def test_batches_hold_at_most_100_items(emulator, make_ctx):
    ctx = make_ctx(emulator(products=4, orders=0, variations_per_product=130))
    records = in_stock(ctx, simple=False)
    per_parent = {}
    for record in records:
        per_parent.setdefault(record["store_refs"]["parent_id"], []).append(record)
    parent, big = max(per_parent.items(), key=lambda kv: len(kv[1]))
    assert len(big) > 100  # and so read from two pages of variations
    sent = _batches(ctx)
    results = _push(ctx, big, lambda r: r["quantity"] + 1)
    assert {r["status"] for r in results.values()} == {"ok"}
    path = f"/wp-json/wc/v3/products/{parent}/variations/batch"
    assert sent == [(path, 100), (path, len(big) - 100)]
    assert all(_store_quantity(ctx, r) == r["quantity"] + 1 for r in big[95:105])


def test_an_item_whose_stock_is_not_managed_is_an_error_with_a_hint(store, ctx):
    record = in_stock(ctx)[0]
    WooClient(ctx).json("PUT", f"products/{record['external_id']}", json={"manage_stock": False})
    result = _push(ctx, [record], lambda r: 3)[record["sku"]]
    assert result["status"] == "error"
    assert "Manage stock" in result["hint"]


def test_stock_levels_are_sellable_quantities(store, ctx, records_of):
    assert feeds.hub_stock_semantics(ctx) == "sellable"
    records, _outcomes = records_of("stock", feeds.hub_fetch_stock_levels(ctx))
    assert records and all(r["on_hand"] is None for r in records)
    record = records[0]
    placed = store.control(
        "POST",
        "orders",
        json={"lines": [{"sku": record["sku"], "quantity": 1}], "status": "on-hold"},
    )
    assert placed["id"]
    after = {
        r["sku"]: r["quantity"] for r in feeds.hub_fetch_stock_levels(ctx) if isinstance(r, dict)
    }
    assert after[record["sku"]] == record["quantity"] - 1  # on-hold takes the stock


def test_a_variation_selling_from_its_parents_stock_is_reported_not_written(emulator, make_ctx):
    ctx = make_ctx(emulator(products=60, orders=0))
    wc = WooClient(ctx)
    parent, variation = next(
        (p, v)
        for p, v in feeds.catalogue(wc)
        if p is not None and v.get("manage_stock") == "parent"
    )
    read = next(
        s
        for s in feeds.hub_fetch_stock_levels(ctx)
        if getattr(s, "external_id", None) == str(variation["id"])
    )
    assert read.code == "stock_managed_by_parent"
    item = {
        "sku": variation["sku"],
        "external_id": str(variation["id"]),
        "quantity": 7,
        "previous": None,
        "store_refs": {"parent_id": parent["id"]},
    }
    (result,) = outbound.hub_push_stock_levels(ctx, [item])
    assert result["status"] == "error" and "parent product's stock" in result["message"]
    assert (
        WooClient(ctx).get(f"products/{parent['id']}")["stock_quantity"] == parent["stock_quantity"]
    )
