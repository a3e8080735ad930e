"""Products and images against the emulator over loopback HTTP (OAuth-signed)."""

from decimal import Decimal

import pytest
from connect_magento import feeds

from hub import Invalid, Skip
from hub.outcomes import is_outcome
from hub.records import validate_record


def records(stream):
    out = list(stream)
    for item in out:
        if not is_outcome(item):
            validate_record("product", item)
    return out


def test_fetch_products_yields_every_simple_product(ctx, emulator):
    out = records(feeds.hub_fetch_products(ctx))
    store = emulator.current
    simple = {str(p["id"]) for p in store.products.values() if p["type_id"] == "simple"}
    products = [r for r in out if not is_outcome(r)]
    assert {r["external_id"] for r in products} == simple
    # sorted by the cursor, as the contract asks
    cursors = [r.cursor if is_outcome(r) else r["cursor"] for r in out]
    assert cursors == sorted(cursors)


def test_product_values_match_the_store(ctx, emulator):
    products = {
        r["external_id"]: r for r in records(feeds.hub_fetch_products(ctx)) if not is_outcome(r)
    }
    raw = next(
        p
        for p in emulator.current.products.values()
        if p["type_id"] == "simple" and p["ean"] and p["parent"] is None
    )
    record = products[str(raw["id"])]
    assert record["sku"] == raw["sku"] and record["name"] == raw["name"]
    assert record["barcode"] == raw["ean"]
    assert Decimal(record["price"]) == Decimal(str(raw["price"]))
    # the emulated store weighs in lbs (storeConfigs weight_unit): converted to kg
    expected = (Decimal(str(raw["weight"])) * Decimal("0.45359237")).quantize(Decimal("0.001"))
    assert Decimal(record["weight_kg"]) == expected
    assert record["currency"] == "USD"
    assert record["active"] is (raw["status"] == 1)
    assert record["parent"] is None


def test_weight_unit_setting_overrides_the_store(make_ctx, emulator):
    ctx = make_ctx(settings={"weight_unit": "kgs"})
    raw = next(p for p in emulator.current.products.values() if p["type_id"] == "simple")
    record = next(
        r
        for r in feeds.hub_fetch_products(ctx)
        if not is_outcome(r) and r["external_id"] == str(raw["id"])
    )
    assert Decimal(record["weight_kg"]) == Decimal(str(raw["weight"])).quantize(Decimal("0.001"))


def test_configurable_children_carry_their_parent_and_the_parent_is_no_product(ctx, emulator):
    out = records(feeds.hub_fetch_products(ctx))
    by_id = {r["external_id"]: r for r in out if not is_outcome(r)}
    confs = [p for p in emulator.current.products.values() if p["type_id"] == "configurable"]
    assert confs
    for conf in confs:
        assert str(conf["id"]) not in by_id
        for child in conf["children"]:
            assert by_id[str(child)]["parent"] == str(conf["id"])
            assert by_id[str(child)]["parent_name"] == conf["name"]


def test_virtual_and_downloadable_products_are_skipped_as_info(ctx, emulator):
    out = list(feeds.hub_fetch_products(ctx))
    skips = [r for r in out if isinstance(r, Skip)]
    kinds = {p["type_id"] for p in emulator.current.products.values()}
    assert "virtual" in kinds
    assert skips and all(s.severity == "info" and s.cursor for s in skips)
    assert {s.code for s in skips} <= {"product_virtual", "product_downloadable"}


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"name": None}, "name"),
        ({"weight": -2}, "weight_kg"),
        ({"price": -1}, "price"),
        ({"ean": "9" * 80}, "barcode"),
        ({"raw": {"price": "twelve"}}, "price"),
        ({"raw": {"sku": ""}}, "sku"),
    ],
)
def test_bad_store_data_is_an_invalid_outcome_naming_the_field(ctx, emulator, patch, field):
    target = next(p for p in emulator.current.products.values() if p["type_id"] == "simple")
    emulator.post(f"/_emulator/products/{target['id']}", patch)
    out = list(feeds.hub_fetch_products(ctx))
    bad = [r for r in out if isinstance(r, Invalid)]
    assert len(bad) == 1
    assert field in bad[0].errors
    assert bad[0].external_id == str(target["id"]) and bad[0].cursor
    assert bad[0].hint
    # the stream went on after it
    assert (
        sum(1 for r in out if not is_outcome(r))
        == sum(1 for p in emulator.current.products.values() if p["type_id"] == "simple") - 1
    )


def test_fetch_new_products_since_a_cursor(ctx, emulator):
    first = records(feeds.hub_fetch_new_products(ctx, None))
    assert len([r for r in first if not is_outcome(r)]) == sum(
        1 for p in emulator.current.products.values() if p["type_id"] == "simple"
    )
    last = max(r.cursor if is_outcome(r) else r["cursor"] for r in first)
    created = emulator.post(
        "/_emulator/products", {"sku": "NEW-TEE-1", "name": "New tee", "price": 12.5, "weight": 1}
    )
    again = records(feeds.hub_fetch_new_products(ctx, last))
    new = [r for r in again if r["cursor"] > last]
    assert [r["sku"] for r in new] == ["NEW-TEE-1"]
    assert new[0]["external_id"] == str(created["id"])
    # what else comes back is the overlap re-read (5 s before the cursor): the last one seen
    assert [r["cursor"] for r in again if r["cursor"] <= last] == [last]


def test_fetch_new_products_since_an_iso_date(ctx, emulator):
    products = sorted(emulator.current.products.values(), key=lambda p: p["created_at"])
    pivot = products[len(products) // 2]["created_at"].replace(" ", "T") + "Z"
    out = records(feeds.hub_fetch_new_products(ctx, pivot))
    assert out
    # the 2-minute overlap at most before the date
    assert all((r.cursor if is_outcome(r) else r["cursor"]) >= pivot[:16] for r in out)


def test_images_come_from_the_media_gallery(ctx, emulator):
    store = emulator.current
    with_images = next(
        p for p in store.products.values() if p["type_id"] == "simple" and len(p["images"]) >= 2
    )
    asked = [{"external_id": str(with_images["id"]), "sku": with_images["sku"], "parent": None}]
    images = list(feeds.hub_fetch_product_images(ctx, asked))
    for image in images:
        validate_record("image", image)
    assert [i["url"] for i in images] == [
        f"{emulator.url}/media/catalog/product{f}" for f in with_images["images"]
    ]
    assert images[0]["alt"] == with_images["name"]
    # the URL serves the file
    import requests

    response = requests.get(images[0]["url"], timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg"


def test_a_child_without_images_gets_its_configurables_pictures(ctx, emulator):
    store = emulator.current
    conf = next(p for p in store.products.values() if p["type_id"] == "configurable")
    child = store.products[conf["children"][0]]
    assert not child["images"]
    asked = [{"external_id": str(child["id"]), "sku": child["sku"], "parent": str(conf["id"])}]
    images = list(feeds.hub_fetch_product_images(ctx, asked))
    assert [i["product_external_id"] for i in images] == [str(child["id"])]
    assert images[0]["url"].endswith(conf["images"][0])


def test_images_of_a_deleted_product_are_skipped(ctx):
    out = list(
        feeds.hub_fetch_product_images(
            ctx, [{"external_id": "999999", "sku": "GONE", "parent": None}]
        )
    )
    assert len(out) == 1 and isinstance(out[0], Skip)


def test_the_total_is_reported_from_the_consumers_thread(ctx, emulator):
    import threading

    seen = []
    ctx.progress = lambda total, exact=True: seen.append((total, threading.current_thread().name))
    records(feeds.hub_fetch_products(ctx))
    non_configurable = sum(
        1 for p in emulator.current.products.values() if p["type_id"] != "configurable"
    )
    assert seen == [(non_configurable, threading.current_thread().name)]
