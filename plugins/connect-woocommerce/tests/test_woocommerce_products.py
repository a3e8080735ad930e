"""Products over loopback HTTP: simple and variable products, SKUs, units, paging, images."""

from connect_woocommerce import feeds
from connect_woocommerce.client import WooClient

from hub.outcomes import Invalid


def _store_items(ctx):
    """(parent or None, item) of every simple product and variation, read with plain paging
    (``per_page=100`` and the ``X-WP-TotalPages`` header), independently of the connector."""
    wc = WooClient(ctx)
    items, page = [], 1
    while True:
        response = wc.call("GET", "products", params={"per_page": 100, "page": page})
        for product in response.json():
            if product["type"] == "simple":
                items.append((None, product))
            elif product["type"] == "variable":
                for variation in feeds.variations_of(wc, product["id"]):
                    items.append((product, variation))
        if page >= int(response.headers["X-WP-TotalPages"]):
            return items
        page += 1


def test_every_simple_product_and_variation_is_read(emulator, make_ctx, records_of):
    live = emulator(products=60, orders=0, variations_per_product=7)
    ctx = make_ctx(live)
    records, outcomes = records_of("product", feeds.hub_fetch_products(ctx))
    items = _store_items(ctx)
    assert len(records) + len(outcomes) == len(items) > 100
    by_id = {r["external_id"]: r for r in records}
    variations = [(p, v) for p, v in items if p is not None and str(v["id"]) in by_id]
    assert variations, "the seeded store has variable products"
    parent, variation = variations[0]
    record = by_id[str(variation["id"])]
    assert record["parent"] == str(parent["id"])
    assert record["store_refs"] == {"parent_id": parent["id"]}
    assert record["sku"] == variation["sku"] != parent["sku"]
    assert record["price"] == (variation["price"] or None)
    assert record["barcode"] == (variation.get("global_unique_id") or None)
    # the stream is sorted by cursor, as the core requires
    cursors = [r["cursor"] for r in records]
    assert cursors == sorted(cursors)


def test_an_item_without_a_sku_is_an_error_on_that_item_and_the_run_goes_on(store, ctx, records_of):
    wc = WooClient(ctx)
    _parent, item = next((p, i) for p, i in _store_items(ctx) if p is None)
    wc.json("PUT", f"products/{item['id']}", json={"sku": ""})
    records, outcomes = records_of("product", feeds.hub_fetch_products(ctx))
    bad = [o for o in outcomes if o.external_id == str(item["id"])]
    assert len(bad) == 1 and isinstance(bad[0], Invalid)
    assert bad[0].errors == {"sku": ["missing"]}
    assert len(records) == len(_store_items(ctx)) - len(outcomes)


def test_weights_in_grams_and_pounds_become_kilograms(emulator, make_ctx, records_of):
    for unit, factor in (("g", 0.001), ("lbs", 0.45359237)):
        ctx = make_ctx(emulator(products=10, orders=0, weight_unit=unit))
        store = {str(i["id"]): i for _p, i in _store_items(ctx)}
        records, _ = records_of("product", feeds.hub_fetch_products(ctx))
        weighed = [r for r in records if store[r["external_id"]]["weight"]]
        assert weighed
        for record in weighed:
            expected = float(store[record["external_id"]]["weight"]) * factor
            assert abs(float(record["weight_kg"]) - expected) < 1e-6


def test_new_products_are_read_after_the_cursor(store, ctx, records_of):
    first, _ = records_of("product", feeds.hub_fetch_new_products(ctx, None))
    assert first
    last = max(r["cursor"] for r in first)
    again, _ = records_of("product", feeds.hub_fetch_new_products(ctx, last))
    assert again == []
    created = WooClient(ctx).json(
        "POST",
        "products",
        json={"name": "Brand new", "type": "simple", "sku": "NEW-1", "regular_price": "5.00"},
    )
    new, _ = records_of("product", feeds.hub_fetch_new_products(ctx, last))
    assert [r["external_id"] for r in new] == [str(created["id"])]


def test_images_of_products_and_variations(store, ctx, records_of):
    records, _ = records_of("product", feeds.hub_fetch_products(ctx))
    asked = [
        {
            "external_id": r["external_id"],
            "sku": r["sku"],
            "parent": r["parent"],
            "store_refs": r["store_refs"],
        }
        for r in records[:40]
    ]
    images, outcomes = records_of("image", feeds.hub_fetch_product_images(ctx, asked))
    assert images and not outcomes
    assert {i["product_external_id"] for i in images} <= {a["external_id"] for a in asked}
    assert all(i["url"].startswith("http") for i in images)
