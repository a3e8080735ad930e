"""Products and variations: shapes, paging, filters and dates as REST API v3 serves them."""

from datetime import UTC, datetime, timedelta

import pytest
from connect_woocommerce_emulator.params import column


def all_pages(shop, path, **params):
    records, page = [], 1
    while True:
        response = shop.get(path, page=page, per_page=100, **params)
        assert response.status_code == 200, response.text
        records += response.json()
        if page >= int(response.headers["X-WP-TotalPages"]):
            return records, response
        page += 1


def test_paging_headers_and_a_page_past_the_end(shop):
    first = shop.get("/products", per_page=7)
    assert first.headers["X-WP-Total"] == "30"
    assert first.headers["X-WP-TotalPages"] == "5"
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    last = shop.get("/products", per_page=7, page=5)
    assert len(last.json()) == 2
    assert 'rel="prev"' in last.headers["Link"] and 'rel="next"' not in last.headers["Link"]
    past = shop.get("/products", per_page=7, page=9)
    assert past.status_code == 200 and past.json() == []
    ids = [
        p["id"] for page in range(1, 6) for p in shop.get("/products", per_page=7, page=page).json()
    ]
    assert len(ids) == len(set(ids)) == 30


@pytest.mark.parametrize("per_page", ["101", "0", "ten"])
def test_per_page_out_of_bounds_is_rest_invalid_param(shop, per_page):
    response = shop.get("/products", per_page=per_page)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rest_invalid_param"
    assert body["message"] == "Invalid parameter(s): per_page"
    assert "per_page" in body["data"]["params"] and "per_page" in body["data"]["details"]


def test_product_and_variation_shapes(emulator):
    shop = emulator(products=20, weight_unit="g")
    products, _ = all_pages(shop, "/products")
    variable = [p for p in products if p["type"] == "variable"]
    simple = [p for p in products if p["type"] == "simple"]
    assert variable and simple
    for product in simple:
        assert isinstance(product["regular_price"], str) and isinstance(product["price"], str)
        assert product["date_modified_gmt"] and "+" not in product["date_modified"]
    parent = next(p for p in variable if p["manage_stock"] is False)
    variations = shop.get(f"/products/{parent['id']}/variations", per_page=100).json()
    assert sorted(v["id"] for v in variations) == sorted(parent["variations"])
    assert parent["manage_stock"] is False and parent["stock_quantity"] is None
    assert all(v["parent_id"] == parent["id"] and v["manage_stock"] is True for v in variations)
    assert all(isinstance(v["stock_quantity"], int) for v in variations)
    assert shop.get("/settings/products/woocommerce_weight_unit").json()["value"] == "g"
    grams = float(variations[0]["weight"])
    assert grams > 40  # seeded between 0.05 and 2.5 kg, shown in grams
    everything = [
        v
        for p in variable
        for v in shop.get(f"/products/{p['id']}/variations", per_page=100).json()
    ]
    assert any(v["sku"] == "" for v in everything), "some seeded variations have no SKU"
    assert any(v["global_unique_id"] for v in everything)


def test_sku_filter_finds_variations_too(shop):
    store = shop.store
    variation = next(r for r in store.products.values() if r["type"] == "variation" and r["sku"])
    simple = next(r for r in store.products.values() if r["type"] == "simple")
    found = shop.get("/products", sku=f"{variation['sku']},{simple['sku']}").json()
    assert {p["id"] for p in found} == {variation["id"], simple["id"]}
    assert {p["type"] for p in found} == {"variation", "simple"}


def test_include_orderby_and_order(shop):
    ids = [p["id"] for p in shop.get("/products", per_page=5).json()]
    picked = [ids[3], ids[0], ids[2]]
    by_include = shop.get(
        "/products", include=",".join(map(str, picked)), orderby="include", order="asc"
    ).json()
    assert [p["id"] for p in by_include] == picked
    ascending = [
        p["id"] for p in shop.get("/products", orderby="id", order="asc", per_page=100).json()
    ]
    assert ascending == sorted(ascending)
    dated = shop.get("/products", per_page=100).json()  # default: orderby=date, order=desc
    assert [p["date_created_gmt"] for p in dated] == sorted(
        (p["date_created_gmt"] for p in dated), reverse=True
    )
    assert shop.get("/products", orderby="sales").status_code == 400


def test_modified_after_with_dates_are_gmt_and_the_offset_trap(shop):
    store = shop.store
    products = sorted(
        (r for r in store.products.values() if r["type"] != "variation"),
        key=lambda r: r["modified"],
    )
    pivot = products[len(products) // 2]["modified"]
    expected = {r["id"] for r in products if r["modified"] > pivot}
    gmt = pivot.strftime("%Y-%m-%dT%H:%M:%S")
    found, _ = all_pages(shop, "/products", modified_after=gmt, dates_are_gmt="true")
    assert {p["id"] for p in found} == expected
    # without dates_are_gmt the literal is compared with the site-time column
    local = column(pivot, store.tz, gmt=False).strftime("%Y-%m-%dT%H:%M:%S")
    found, _ = all_pages(shop, "/products", modified_after=local)
    assert {p["id"] for p in found} == expected
    # with an offset WordPress converts the value to the site's time zone first, then compares
    # it with the GMT column: Europe/Paris is ahead of UTC, so the filter misses records
    found, _ = all_pages(shop, "/products", modified_after=gmt + "Z", dates_are_gmt="true")
    offset = pivot.astimezone(store.tz).utcoffset()
    assert offset > timedelta(0)
    assert {p["id"] for p in found} == {r["id"] for r in products if r["modified"] > pivot + offset}
    assert shop.get("/products", modified_after="yesterday").status_code == 400


def test_a_stock_change_in_the_admin_moves_date_modified(shop):
    store = shop.store
    variation = next(r for r in store.products.values() if r["type"] == "variation")
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    shop.control("POST", f"products/{variation['id']}/stock", json={"quantity": 77})
    found = shop.get(
        f"/products/{variation['parent_id']}/variations",
        modified_after=before.strftime("%Y-%m-%dT%H:%M:%S"),
        dates_are_gmt="true",
    ).json()
    assert [(v["id"], v["stock_quantity"]) for v in found] == [(variation["id"], 77)]


def test_unknown_ids(shop):
    assert shop.get("/products/999999").json()["code"] == "woocommerce_rest_product_invalid_id"
    assert shop.get("/products/999999").status_code == 404
    parent = next(r for r in shop.store.products.values() if r["type"] == "variable")
    response = shop.get(f"/products/{parent['id']}/variations/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "woocommerce_rest_product_variation_invalid_id"


def test_unknown_parent_lists_no_variations(shop):
    response = shop.get("/products/999999/variations")
    assert response.status_code == 200 and response.json() == []
    assert response.headers["X-WP-Total"] == "0"


def test_variations_sharing_the_parents_stock(emulator):
    shop = emulator(products=40)
    store = shop.store
    parent = next(
        r for r in store.products.values() if r["type"] == "variable" and r["manage_stock"] is True
    )
    variations = shop.get(f"/products/{parent['id']}/variations").json()
    assert {v["manage_stock"] for v in variations} == {"parent"}
    assert {v["stock_quantity"] for v in variations} == {parent["stock_quantity"]}
    shop.control("POST", f"products/{parent['id']}/stock", json={"quantity": 10})
    sku = next(v["sku"] for v in variations if v["sku"])
    shop.control("POST", "orders", json={"lines": [{"sku": sku, "quantity": 3}]})
    assert shop.get(f"/products/{parent['id']}").json()["stock_quantity"] == 7
    again = shop.get(f"/products/{parent['id']}/variations").json()
    assert {v["stock_quantity"] for v in again} == {7}


def test_stock_quantity_is_ignored_when_stock_is_not_managed(shop):
    product = next(
        r
        for r in shop.store.products.values()
        if r["type"] == "simple" and r["manage_stock"] is False
    )
    response = shop.put(f"/products/{product['id']}", {"stock_quantity": 12})
    assert response.status_code == 200
    assert response.json()["stock_quantity"] is None
    managed = shop.put(
        f"/products/{product['id']}", {"manage_stock": True, "stock_quantity": 12}
    ).json()
    assert (managed["manage_stock"], managed["stock_quantity"], managed["stock_status"]) == (
        True,
        12,
        "instock",
    )
    both = shop.put(
        f"/products/{product['id']}", {"stock_quantity": 5, "inventory_delta": 100}
    ).json()
    assert both["stock_quantity"] == 5  # stock_quantity wins over inventory_delta
