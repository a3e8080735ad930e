"""Products, combinations and images against the emulator over loopback HTTP."""

from decimal import Decimal

import pytest
from connect_prestashop import feeds

from hub.outcomes import Invalid, Skip


def _by_id(records):
    return {r["external_id"]: r for r in records}


def test_every_product_and_combination_is_streamed_and_valid(store, ctx, records_of):
    records, outcomes = records_of("product", feeds.hub_fetch_products(ctx))
    assert outcomes == []
    s = store.store
    simple = [p for p in s["products"].rows.values() if not p["associations"].get("combinations")]
    assert len(records) == len(simple) + len(s["combinations"].rows)
    cursors = [r["cursor"] for r in records]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)


def test_a_combination_adds_its_impacts_to_the_product(store, ctx, records_of):
    created = store.control(
        "POST",
        "products",
        json={
            "reference": "TEE",
            "name": "Tee",
            "price": 20,
            "weight": 0.3,
            "ean13": "",
            "combinations": [
                {"reference": "TEE-S", "price": 2.5, "weight": 0.05, "ean13": "3000000000017"},
                {"reference": "TEE-M", "price": 0, "weight": 0, "upc": "012345678905"},
            ],
        },
    )
    pid, (c1, c2) = created["id"], created["combinations"]
    records = _by_id(records_of("product", feeds.hub_fetch_products(ctx))[0])
    assert str(pid) not in records  # the parent of combinations is not a stockable item
    first, second = records[f"{pid}-{c1}"], records[f"{pid}-{c2}"]
    assert first["sku"] == "TEE-S"
    assert Decimal(first["price"]) == Decimal("22.5")
    assert Decimal(first["weight_kg"]) == Decimal("0.35")
    assert first["barcode"] == "3000000000017"
    assert second["barcode"] == "012345678905"  # no ean13: the upc
    assert first["parent"] == str(pid) and first["parent_name"] == "Tee"
    assert first["name"] == "Tee - S" and second["name"] == "Tee - M"
    assert first["store_refs"] == {
        "id_product": pid,
        "id_product_attribute": c1,
        "stock_available_id": created["stock_availables"][1],
    }


def test_a_simple_product_is_one_hub_product(store, ctx, records_of):
    created = store.control(
        "POST",
        "products",
        json={
            "reference": "MUG-1",
            "name": "Mug",
            "price": 9.9,
            "weight": 0.4,
            "ean13": "3000000000024",
            "upc": "012345678905",
        },
    )
    record = _by_id(records_of("product", feeds.hub_fetch_products(ctx))[0])[str(created["id"])]
    assert record["sku"] == "MUG-1" and record["name"] == "Mug"
    assert record["barcode"] == "3000000000024"  # ean13 first
    assert record["price"] == "9.90" and record["weight_kg"] == "0.4"
    assert record["currency"] == "EUR" and record["parent"] is None
    assert record["store_refs"]["id_product_attribute"] == 0
    assert record["updated_at"].endswith("Z")


def test_names_come_in_the_configured_language(store, make_ctx, records_of):
    pid = 1
    s = store.store
    expected_fr = s["products"].rows[pid]["name"][2]
    ctx = make_ctx(store, settings={"language_id": "2"})
    records = records_of("product", feeds.hub_fetch_products(ctx))[0]
    names = [r["name"] for r in records if r["external_id"].split("-")[0] == str(pid)]
    assert names and all(n.startswith(expected_fr) for n in names)


def test_bad_records_are_invalid_outcomes_and_the_stream_goes_on(store, ctx, records_of):
    no_ref = store.control("POST", "products", json={"reference": "", "name": "No ref"})
    bad_weight = store.control(
        "POST", "products", json={"reference": "HEAVY", "name": "Heavy", "weight": "abc"}
    )
    negative = store.control(
        "POST", "products", json={"reference": "NEG", "name": "Neg", "weight": -2}
    )
    last = store.control("POST", "products", json={"reference": "LAST", "name": "Last"})
    records, outcomes = records_of("product", feeds.hub_fetch_products(ctx))
    by_ext = {o.external_id: o for o in outcomes}
    assert set(by_ext) == {str(no_ref["id"]), str(bad_weight["id"]), str(negative["id"])}
    assert all(isinstance(o, Invalid) and o.cursor for o in outcomes)
    assert "sku" in by_ext[str(no_ref["id"])].errors
    assert "weight_kg" in by_ext[str(bad_weight["id"])].errors
    assert "weight" in by_ext[str(bad_weight["id"])].message
    assert "weight_kg" in by_ext[str(negative["id"])].errors
    assert str(last["id"]) in _by_id(records)  # the stream went on after the bad ones


def test_new_products_resume_after_the_cursor(store, ctx, records_of):
    everything = records_of("product", feeds.hub_fetch_products(ctx))[0]
    middle = everything[len(everything) // 2]
    newer = records_of("product", feeds.hub_fetch_new_products(ctx, middle["cursor"]))[0]
    assert newer == everything[len(everything) // 2 + 1 :]
    assert records_of("product", feeds.hub_fetch_new_products(ctx, None))[0] == everything
    assert list(feeds.hub_fetch_new_products(ctx, everything[-1]["cursor"])) == []


def test_new_products_since_a_date_use_date_add_with_date_1(store, ctx, records_of):
    created = store.control("POST", "products", json={"reference": "FRESH", "name": "Fresh"})
    records = records_of("product", feeds.hub_fetch_new_products(ctx, "2026-01-01T00:00:00Z"))[0]
    assert [r["external_id"] for r in records] == [str(created["id"])]


def test_single_language_names_are_plain_strings(emulator, make_ctx, records_of):
    live = emulator(products=5, orders=1)
    live.store["languages"].rows.pop(2)  # a one-language shop: JSON i18n values are strings
    records = records_of("product", feeds.hub_fetch_products(make_ctx(live)))[0]
    assert records and all(r["name"] for r in records)


def test_images_of_products_and_combinations_download_with_the_key(store, ctx, records_of):
    s = store.store
    combo = next(
        iter(c for c in s["combinations"].rows.values() if c["associations"].get("images"))
    )
    pid, cid = int(combo["id_product"]), combo["id"]
    simple = next(
        p for p in s["products"].rows.values() if not p["associations"].get("combinations")
    )
    asked = [
        {"external_id": f"{pid}-{cid}", "sku": combo["reference"], "parent": str(pid)},
        {"external_id": str(simple["id"]), "sku": simple["reference"], "parent": None},
        {"external_id": "99999", "sku": "GONE", "parent": None},
    ]
    images, outcomes = records_of("image", feeds.hub_fetch_product_images(ctx, asked))
    assert [o.external_id for o in outcomes] == ["99999"] and isinstance(outcomes[0], Skip)
    combo_images = [i for i in images if i["product_external_id"] == f"{pid}-{cid}"]
    assert combo_images[0]["external_id"] == combo["associations"]["images"][0]["id"]
    simple_images = [i for i in images if i["product_external_id"] == str(simple["id"])]
    assert [i["external_id"] for i in simple_images] == [str(i) for i in s.images[simple["id"]]]
    assert [i["position"] for i in simple_images] == list(range(len(simple_images)))
    response = ctx.session.get(simple_images[0]["url"])  # the core downloads through ctx.session
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "ws_key" not in simple_images[0]["url"]


@pytest.mark.parametrize("unit, factor", [("g", Decimal("0.001")), ("lb", Decimal("0.45359237"))])
def test_weights_are_converted_to_kilograms(store, ctx, unit, factor, records_of):
    for row in store.store["configurations"].rows.values():
        if row["name"] == "PS_WEIGHT_UNIT":
            row["value"] = unit
    created = store.control("POST", "products", json={"reference": "W", "name": "W", "weight": 500})
    record = _by_id(records_of("product", feeds.hub_fetch_products(ctx))[0])[str(created["id"])]
    assert Decimal(record["weight_kg"]) == Decimal(500) * factor
