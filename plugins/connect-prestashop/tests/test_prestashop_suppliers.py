"""Suppliers and product ↔ supplier links."""

from connect_prestashop import feeds


def test_suppliers(store, ctx, records_of):
    records, outcomes = records_of("supplier", feeds.hub_fetch_suppliers(ctx))
    assert outcomes == []
    rows = store.store["suppliers"].rows
    assert [r["external_id"] for r in records] == [str(i) for i in rows]
    assert [r["name"] for r in records] == [row["name"] for row in rows.values()]
    assert [r["active"] for r in records] == [row["active"] == "1" for row in rows.values()]


def test_product_supplier_links_point_at_stockable_items(store, ctx, records_of):
    links, outcomes = records_of("product_supplier", feeds.hub_fetch_product_suppliers(ctx))
    assert outcomes == []
    products = records_of("product", feeds.hub_fetch_products(ctx))[0]
    stockable = {p["external_id"] for p in products}
    assert links and {link["product_external_id"] for link in links} <= stockable
    rows = store.store["product_suppliers"].rows
    first = rows[int(links[0]["external_id"])]
    assert links[0]["supplier_reference"] == first["product_supplier_reference"]
    assert links[0]["supplier_external_id"] == first["id_supplier"]
    assert links[0]["currency"] == "EUR" and links[0]["price"]
    # the product-level rows of products sold by combinations were left out
    skipped = [
        r
        for r in rows.values()
        if r["id_product_attribute"] == "0"
        and store.store["products"].rows[int(r["id_product"])]["associations"].get("combinations")
    ]
    assert skipped and len(links) == len(rows) - len(skipped)
