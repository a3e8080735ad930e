"""Products: new products (paged, by created_at), all products (bulk operation), images."""

from decimal import Decimal

from connect_shopify import feeds

from hub import Invalid
from hub.records import validate_record


def _records(stream):
    out = list(stream)
    for r in out:
        if not isinstance(r, Invalid):
            validate_record("product", r)
    return out


def test_new_products_map_every_variant(store, ctx):
    records = _records(feeds.hub_fetch_new_products(ctx, None))
    shop = store.emu.shop
    assert len(records) == len(shop.variants)
    assert not [r for r in records if isinstance(r, Invalid)]
    by_id = {r["external_id"]: r for r in records}
    for v in shop.variants.values():
        r = by_id[v.id]
        assert r["sku"] == v.sku
        assert r["parent"] == v.product.id
        assert r["price"] == v.price
        assert r["barcode"] == v.barcode
        assert r["store_refs"] == {"inventory_item_id": v.inventoryItem.id}
        assert r["active"] == (v.product.status == "ACTIVE")
        assert r["currency"] == "EUR"
        expected = (
            v.product.title if v.title == "Default Title" else f"{v.product.title} - {v.title}"
        )
        assert r["name"] == expected
        factor = {
            "GRAMS": Decimal("0.001"),
            "KILOGRAMS": Decimal(1),
            "POUNDS": Decimal("0.45359237"),
            "OUNCES": Decimal("0.028349523125"),
        }
        if v.weight_unit is None:
            assert r["weight_kg"] is None
        else:
            want = (Decimal(repr(v.weight_value)) * factor[v.weight_unit]).quantize(
                Decimal("0.001")
            )
            assert Decimal(r["weight_kg"]) == want


def test_default_title_and_weight_conversion_examples(store, ctx):
    store.control(
        "/_emulator/products",
        {
            "title": "Solo Lamp",
            "variants": [{"sku": "LAMP-1", "weight": 2.0, "weight_unit": "POUNDS"}],
        },
    )
    store.control(
        "/_emulator/products",
        {
            "title": "Tee",
            "variants": [
                {"sku": "TEE-S", "title": "S", "weight": 250.0, "weight_unit": "GRAMS"},
                {"sku": "TEE-M", "title": "M", "weight": 9.0, "weight_unit": "OUNCES"},
            ],
        },
    )
    records = {r["sku"]: r for r in _records(feeds.hub_fetch_new_products(ctx, None))}
    assert records["LAMP-1"]["name"] == "Solo Lamp"
    assert records["LAMP-1"]["weight_kg"] == "0.907"
    assert records["TEE-S"]["name"] == "Tee - S"
    assert records["TEE-S"]["weight_kg"] == "0.250"
    assert records["TEE-M"]["weight_kg"] == "0.255"


def test_new_products_are_incremental_and_sorted_by_cursor(store, ctx):
    records = _records(feeds.hub_fetch_new_products(ctx, None))
    cursors = [r["cursor"] for r in records]
    assert cursors == sorted(cursors)
    middle = cursors[len(cursors) // 2]
    later = _records(feeds.hub_fetch_new_products(ctx, middle))
    assert later and all(r["cursor"] >= middle for r in later)
    assert len(later) < len(records)
    # a product created now comes in the next run
    store.control("/_emulator/products", {"title": "Brand new", "variants": [{"sku": "NEW-1"}]})
    newest = _records(feeds.hub_fetch_new_products(ctx, cursors[-1]))
    assert "NEW-1" in [r["sku"] for r in newest]


def test_products_with_more_variants_than_a_page_are_paginated(store, ctx):
    store.control(
        "/_emulator/products",
        {"title": "Big", "variants": [{"sku": f"BIG-{i}", "title": f"V{i}"} for i in range(23)]},
    )
    records = _records(feeds.hub_fetch_new_products(ctx, None))
    assert sorted(r["sku"] for r in records if r["sku"].startswith("BIG-")) == sorted(
        f"BIG-{i}" for i in range(23)
    )


def test_invalid_variants_become_invalid_outcomes_and_the_stream_goes_on(store, ctx):
    store.control(
        "/_emulator/products",
        {
            "title": "Broken",
            "variants": [
                {"sku": None, "title": "No sku"},
                {"sku": "BAD-W", "title": "Bad weight", "weight": "heavy"},
                {"sku": "GOOD-1", "title": "Fine"},
            ],
        },
    )
    for stream in (feeds.hub_fetch_new_products(ctx, None), feeds.hub_fetch_products(ctx)):
        records = _records(stream)
        invalid = [r for r in records if isinstance(r, Invalid)]
        assert len(invalid) == 2
        no_sku = next(i for i in invalid if "sku" in i.errors)
        assert no_sku.errors["sku"] == ["missing"]
        assert no_sku.external_id and no_sku.cursor and no_sku.hint
        bad_weight = next(i for i in invalid if "weight_kg" in i.errors)
        assert bad_weight.reference == "BAD-W"
        assert "GOOD-1" in [r["sku"] for r in records if not isinstance(r, Invalid)]
        # the records after the broken product are still there
        assert len(records) == len(store.emu.shop.variants)


def test_fetch_products_uses_a_bulk_operation_and_streams_it(store, ctx, clock):
    paged = _records(feeds.hub_fetch_new_products(ctx, None))
    totals = []
    ctx.progress = lambda total, exact=True: totals.append((total, exact))
    bulk = _records(feeds.hub_fetch_products(ctx))
    assert sorted(r["external_id"] for r in bulk) == sorted(r["external_id"] for r in paged)
    key = {r["external_id"]: {k: v for k, v in r.items() if k != "cursor"} for r in paged}
    for r in bulk:
        assert {k: v for k, v in r.items() if k != "cursor"} == key[r["external_id"]]
    cursors = [r["cursor"] for r in bulk]
    assert cursors == sorted(cursors)
    state = store.state()
    assert state["counters"]["bulk_operations"] == 1
    assert state["counters"]["bulk_downloads"] == 1
    assert state["bulk_operations"][0]["status"] == "COMPLETED"
    assert len(clock.sleeps) >= 2  # polled through RUNNING, with ctx.sleep
    assert totals == [(len(store.emu.shop.variants), True)]


def test_fetch_products_is_a_generator_holding_one_product(store, ctx):
    stream = feeds.hub_fetch_products(ctx)
    first = next(stream)
    assert first["sku"]
    stream.close()


def test_product_images_of_the_products_asked(store, ctx):
    shop = store.emu.shop
    product = next(p for p in shop.products if p.images >= 2)
    variant = product._variants[0]
    asked = [{"external_id": variant.id, "sku": variant.sku, "parent": product.id}]
    images = list(feeds.hub_fetch_product_images(ctx, asked))
    assert len(images) == product.images
    for position, image in enumerate(images):
        validate_record("image", image)
        assert image["product_external_id"] == variant.id
        assert image["position"] == position
        assert image["url"].startswith(store.url + "/cdn/shop/files/")
    # without the parent, the connector finds it from the variant
    images2 = list(
        feeds.hub_fetch_product_images(ctx, [{"external_id": variant.id, "sku": variant.sku}])
    )
    assert [i["url"] for i in images2] == [i["url"] for i in images]
