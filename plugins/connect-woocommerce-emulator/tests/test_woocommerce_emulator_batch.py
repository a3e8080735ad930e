"""The batch endpoints (WC_REST_Controller::batch_items, check_batch_limit) and product writes."""


def variable_with_skus(shop):
    store = shop.store
    for parent in store.products.values():
        kids = [store.products[i] for i in store.children.get(parent["id"], [])]
        if parent["type"] == "variable" and len(kids) >= 3 and all(k["sku"] for k in kids):
            return parent, kids
    raise AssertionError("no variable product with three SKU'd variations")


def test_variation_batch_updates_stock_and_reports_bad_items_in_place(shop):
    parent, kids = variable_with_skus(shop)
    body = {
        "update": [
            {"id": kids[0]["id"], "stock_quantity": 11},
            {"id": 999999, "stock_quantity": 3},
            # batch items skip schema validation: a number is cast (a PUT refuses it, below)
            {"id": kids[1]["id"], "regular_price": 12.5},
            {"id": kids[2]["id"], "sku": kids[0]["sku"]},  # a duplicate SKU
        ]
    }
    response = shop.post(f"/products/{parent['id']}/variations/batch", body)
    assert response.status_code == 200
    update = response.json()["update"]
    assert update[0]["stock_quantity"] == 11
    assert update[1] == {
        "id": 999999,
        "error": {
            "code": "woocommerce_rest_product_variation_invalid_id",
            "message": "Invalid ID.",
            "data": {"status": 400},
        },
    }
    assert update[2]["regular_price"] == "12.5"
    assert update[3]["error"] == {
        "code": "product_invalid_sku",
        "message": "Invalid or duplicated SKU.",
        "data": {"status": 400},
    }
    assert shop.store.products[kids[2]["id"]]["sku"] == kids[2]["sku"]
    single = shop.put(f"/products/{parent['id']}/variations/{kids[1]['id']}", {"regular_price": 13})
    assert single.status_code == 400
    assert single.json()["data"]["params"] == {
        "regular_price": "regular_price is not of type string."
    }
    assert shop.store.products[kids[1]["id"]]["regular_price"] == "12.5"


def test_more_than_100_items_is_413_and_nothing_is_written(shop):
    parent, kids = variable_with_skus(shop)
    before = kids[0]["stock_quantity"]
    body = {"update": [{"id": kids[0]["id"], "stock_quantity": before + 1}] * 101}
    response = shop.post(f"/products/{parent['id']}/variations/batch", body)
    assert response.status_code == 413
    assert response.json() == {
        "code": "woocommerce_rest_request_entity_too_large",
        "message": "Unable to accept more than 100 items for this request.",
        "data": {"status": 413},
    }
    assert shop.store.products[kids[0]["id"]]["stock_quantity"] == before
    mixed = {"create": [{"name": "x"}] * 50, "update": [{"id": kids[0]["id"]}] * 51}
    assert shop.post("/products/batch", mixed).status_code == 413


def test_products_batch_and_stock_rules(shop):
    store = shop.store
    managed = next(
        r for r in store.products.values() if r["type"] == "simple" and r["manage_stock"] is True
    )
    unmanaged = next(
        r for r in store.products.values() if r["type"] == "simple" and r["manage_stock"] is False
    )
    body = {
        "update": [
            {"id": managed["id"], "stock_quantity": 0},
            {
                "id": unmanaged["id"],
                "stock_quantity": 9,
            },  # ignored: the product does not manage stock
        ],
        "create": [
            {
                "name": "New mug",
                "sku": "NEW-MUG",
                "regular_price": "7.50",
                "manage_stock": True,
                "stock_quantity": 4,
            }
        ],
    }
    result = shop.post("/products/batch", body).json()
    assert result["update"][0]["stock_status"] == "outofstock"
    assert result["update"][1]["stock_quantity"] is None
    created = result["create"][0]
    assert (created["sku"], created["stock_quantity"], created["price"]) == ("NEW-MUG", 4, "7.50")
    assert shop.get("/products", sku="NEW-MUG").json()[0]["id"] == created["id"]
    again = shop.post("/products/batch", {"create": [{"name": "Twin", "sku": "NEW-MUG"}]}).json()
    assert again["create"][0]["error"]["code"] == "product_invalid_sku"
    delta = shop.put(f"/products/{created['id']}", {"inventory_delta": -3}).json()
    assert delta["stock_quantity"] == 1


def test_put_a_variation_and_its_date_modified(shop):
    parent, kids = variable_with_skus(shop)
    before = shop.get(f"/products/{parent['id']}/variations/{kids[0]['id']}").json()
    after = shop.put(
        f"/products/{parent['id']}/variations/{kids[0]['id']}", {"stock_quantity": 42}
    ).json()
    assert after["stock_quantity"] == 42
    assert after["date_modified_gmt"] >= before["date_modified_gmt"]
    wrong_parent = shop.put(
        f"/products/{parent['id'] + 100000}/variations/{kids[0]['id']}", {"stock_quantity": 1}
    )
    assert wrong_parent.status_code == 400


def test_invalid_json_body(shop):
    product = shop.get("/products", per_page=1).json()[0]
    response = shop.session.put(
        f"{shop.api}/products/{product['id']}",
        data="{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400 and response.json()["code"] == "rest_invalid_json"
