"""Orders, WooCommerce's stock rules (wc-stock-functions.php), notes and Shipment Tracking."""

import pytest
import requests


def managed_variation(shop, minimum=5):
    return next(
        r
        for r in shop.store.products.values()
        if r["type"] == "variation"
        and r["sku"]
        and r["manage_stock"] is True
        and r["stock_quantity"] >= minimum
    )


def stock(shop, record_id):
    return shop.control("GET", f"products/{record_id}")["stock_quantity"]


def test_a_paid_order_reduces_stock_once_and_a_cancel_restores_it(shop):
    variation = managed_variation(shop)
    before = variation["stock_quantity"]
    order = shop.control(
        "POST",
        "orders",
        json={"lines": [{"sku": variation["sku"], "quantity": 2}], "status": "processing"},
    )
    assert order["status"] == "processing" and order["date_paid_gmt"]
    line = order["line_items"][0]
    assert (line["sku"], line["quantity"], line["variation_id"]) == (
        variation["sku"],
        2,
        variation["id"],
    )
    assert line["product_id"] == variation["parent_id"]
    assert {"key": "_reduced_stock", "value": "2"}.items() <= line["meta_data"][0].items()
    assert stock(shop, variation["id"]) == before - 2
    # completed after processing: already reduced, nothing more
    assert shop.put(f"/orders/{order['id']}", {"status": "completed"}).status_code == 200
    assert stock(shop, variation["id"]) == before - 2
    cancelled = shop.put(f"/orders/{order['id']}", {"status": "cancelled"})
    assert cancelled.json()["status"] == "cancelled"
    assert stock(shop, variation["id"]) == before
    notes = [n["note"] for n in shop.get(f"/orders/{order['id']}/notes").json()]
    assert any(n.startswith("Stock levels increased") for n in notes)
    name = f"{variation['name']} ({variation['sku']})"
    assert f"Stock levels reduced: {name} {before}&rarr;{before - 2}" in notes
    assert "Order status changed from Completed to Cancelled." in notes


@pytest.mark.parametrize(
    ("status", "reduced"), [("pending", False), ("on-hold", True), ("processing", True)]
)
def test_which_statuses_take_stock(shop, status, reduced):
    variation = managed_variation(shop)
    before = variation["stock_quantity"]
    order = shop.control(
        "POST",
        "orders",
        json={"lines": [{"sku": variation["sku"], "quantity": 1}], "status": status},
    )
    assert stock(shop, variation["id"]) == (before - 1 if reduced else before)
    assert shop.control("GET", f"orders/{order['id']}")["stock_reduced"] is reduced
    # pending → processing (a payment): reduced now if it was not
    shop.put(f"/orders/{order['id']}", {"status": "processing"})
    assert stock(shop, variation["id"]) == before - 1
    # back to pending restores (wc_maybe_increase_stock_levels on woocommerce_order_status_pending)
    shop.put(f"/orders/{order['id']}", {"status": "pending"})
    assert stock(shop, variation["id"]) == before


def test_stock_going_to_zero_sets_outofstock(shop):
    variation = managed_variation(shop, minimum=1)
    quantity = variation["stock_quantity"]
    shop.control(
        "POST", "orders", json={"lines": [{"sku": variation["sku"], "quantity": quantity}]}
    )
    current = shop.get(f"/products/{variation['parent_id']}/variations/{variation['id']}").json()
    assert (current["stock_quantity"], current["stock_status"]) == (0, "outofstock")


def test_orders_list_filters_and_shapes(shop):
    orders = shop.get("/orders", per_page=100).json()
    assert len(orders) == 20
    assert {o["status"] for o in orders} >= {"processing", "completed", "pending", "cancelled"}
    assert all(
        o["shipping_lines"][0]["method_id"] in ("flat_rate", "free_shipping", "local_pickup")
        for o in orders
    )
    processing = shop.get("/orders", status="processing", per_page=100).json()
    assert processing and all(o["status"] == "processing" for o in processing)
    both = shop.get("/orders", status="pending,on-hold", per_page=100).json()
    assert {o["status"] for o in both} <= {"pending", "on-hold"} and both
    pivot = sorted(o["date_created_gmt"] for o in orders)[10]
    after = shop.get("/orders", after=pivot, dates_are_gmt="true", per_page=100).json()
    assert sorted(o["id"] for o in after) == sorted(
        o["id"] for o in orders if o["date_created_gmt"] > pivot
    )
    assert shop.get("/orders", status="shipped").status_code == 400


def test_order_status_errors(shop):
    order = shop.get("/orders", per_page=1).json()[0]
    bad = shop.put(f"/orders/{order['id']}", {"status": "shipped"})
    assert bad.status_code == 400 and bad.json()["code"] == "rest_invalid_param"
    missing = shop.put("/orders/999999", {"status": "completed"})
    assert (
        missing.status_code == 400
        and missing.json()["code"] == "woocommerce_rest_shop_order_invalid_id"
    )
    assert shop.get("/orders/999999").status_code == 404


def test_notes(shop):
    order = shop.get("/orders", per_page=1).json()[0]
    created = shop.post(f"/orders/{order['id']}/notes", {"note": "Shipped with Colissimo 8R1"})
    assert created.status_code == 201
    notes = shop.get(f"/orders/{order['id']}/notes").json()
    assert notes[0]["note"] == "Shipped with Colissimo 8R1" and notes[0]["customer_note"] is False
    assert (
        shop.post(f"/orders/{order['id']}/notes", {}).json()["code"]
        == "rest_missing_callback_param"
    )
    assert shop.get("/orders/999999/notes").json()["code"] == "woocommerce_rest_order_invalid_id"


def test_shipment_tracking_when_installed(shop):
    order = shop.get("/orders", status="processing", per_page=1).json()[0]
    url = f"{shop.url}/wp-json/wc-shipment-tracking/v3/orders/{order['id']}/shipment-trackings"
    created = shop.session.post(
        url, json={"tracking_provider": "Colissimo", "tracking_number": "8R123"}, timeout=10
    )
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["tracking_number"] == "8R123" and "8R123" in item["tracking_link"]
    custom = shop.session.post(
        url,
        json={
            "custom_tracking_provider": "Bike courier",
            "custom_tracking_link": "https://t.example/1",
            "tracking_number": "B1",
        },
        timeout=10,
    ).json()
    assert (custom["tracking_provider"], custom["tracking_link"]) == (
        "Bike courier",
        "https://t.example/1",
    )
    listed = shop.session.get(url, timeout=10).json()
    assert [i["tracking_number"] for i in listed] == ["8R123", "B1"]
    assert shop.session.post(url, json={"tracking_provider": "UPS"}, timeout=10).status_code == 400
    # the extension neither completes the order nor adds a note
    assert shop.get(f"/orders/{order['id']}").json()["status"] == "processing"


def test_shipment_tracking_absent_is_no_route(emulator):
    shop = emulator(shipment_tracking=False)
    order = shop.get("/orders", per_page=1).json()[0]
    url = f"{shop.url}/wp-json/wc-shipment-tracking/v3/orders/{order['id']}/shipment-trackings"
    response = shop.session.post(
        url, json={"tracking_provider": "UPS", "tracking_number": "1Z"}, timeout=10
    )
    assert response.status_code == 404 and response.json()["code"] == "rest_no_route"
    # how a client can tell without trying: the public index lists the namespaces
    assert (
        "wc-shipment-tracking/v3"
        not in shop.session.get(f"{shop.url}/wp-json/", timeout=10).json()["namespaces"]
    )
    installed = emulator()
    index = requests.get(f"{installed.url}/wp-json/", timeout=10).json()
    assert "wc-shipment-tracking/v3" in index["namespaces"]
    routes = requests.get(f"{installed.url}/wp-json/wc-shipment-tracking/v3", timeout=10).json()[
        "routes"
    ]
    assert any(r.endswith("/shipment-trackings") for r in routes)


def test_create_order_through_the_api_by_sku(shop):
    variation = managed_variation(shop)
    before = variation["stock_quantity"]
    created = shop.post(
        "/orders",
        {
            "line_items": [{"sku": variation["sku"], "quantity": 1}],
            "set_paid": True,
            "shipping_lines": [{"method_id": "local_pickup"}],
        },
    )
    assert created.status_code == 201
    assert created.json()["status"] == "processing"
    assert created.json()["shipping_lines"][0]["method_id"] == "local_pickup"
    assert stock(shop, variation["id"]) == before - 1
