"""WooCommerce answers -> the hub's records: units, SKUs, statuses (v3 controllers' shapes)."""

import pytest
from connect_woocommerce import mapping

from hub.outcomes import Invalid, Skip
from hub.records import validate_record


@pytest.mark.parametrize(
    ("weight", "unit", "kg"),
    [
        ("1.5", "kg", "1.5"),
        ("250", "g", "0.25"),
        ("2", "lbs", "0.907185"),
        ("16", "oz", "0.453592"),
        ("", "kg", None),
    ],
)
def test_weights_are_converted_from_the_store_unit_to_kg(weight, unit, kg):
    assert mapping.weight_kg(weight, unit) == kg


def test_an_unknown_weight_unit_or_a_bad_weight_is_a_clear_error():
    with pytest.raises(mapping.BadValue, match="not kg, g, lbs or oz"):
        mapping.weight_kg("1", "stone")
    record = mapping.product_record(
        {"id": 5, "sku": "A", "name": "A", "weight": "heavy", "status": "publish"},
        cursor="c",
        unit="kg",
        currency="EUR",
    )
    assert isinstance(record, Invalid)
    assert record.errors == {"weight": ["'heavy' is not a number"]}


PARENT = {"id": 10, "sku": "TEE", "name": "T-shirt", "status": "publish", "type": "variable"}


def test_a_variation_showing_its_parents_sku_has_none_of_its_own():
    # WC_Product_Variation::get_sku('view') falls back to the parent's SKU
    variation = {"id": 11, "sku": "TEE", "attributes": [{"option": "Red"}], "status": "publish"}
    record = mapping.product_record(variation, cursor="c", unit="kg", currency="EUR", parent=PARENT)
    assert isinstance(record, Invalid)
    assert record.errors == {"sku": ["missing"]}
    assert record.external_id == "11"
    assert "variation 11 of product 10" in record.message


def test_a_variation_becomes_a_product_record_with_its_parent():
    variation = {
        "id": 11,
        "sku": "TEE-RED",
        "price": "19.90",
        "weight": "300",
        "global_unique_id": "4006381333931",
        "attributes": [{"name": "Color", "option": "Red"}, {"name": "Size", "option": "M"}],
        "status": "publish",
        "date_modified_gmt": "2026-01-31T22:10:00",
    }
    record = mapping.product_record(variation, cursor="c", unit="g", currency="EUR", parent=PARENT)
    record = validate_record("product", record)
    assert record["name"] == "T-shirt - Red, M"
    assert record["parent"] == "10" and record["parent_name"] == "T-shirt"
    assert str(record["weight_kg"]) == "0.3"
    assert str(record["price"]) == "19.90"
    assert record["barcode"] == "4006381333931"
    assert record["store_refs"] == {"parent_id": 10}


@pytest.mark.parametrize(
    ("status", "paid", "cancelled", "refunded", "fulfilled"),
    [
        ("pending", False, False, False, False),
        ("on-hold", False, False, False, False),
        ("processing", True, False, False, False),
        ("completed", True, False, False, True),
        ("cancelled", False, True, False, False),
        ("failed", False, True, False, False),
        ("refunded", False, False, True, False),
    ],
)
def test_order_statuses_map_to_the_hubs_rules(status, paid, cancelled, refunded, fulfilled):
    record = mapping.status_record({"id": 7, "number": "7", "status": status})
    assert (record["paid"], record["cancelled"], record["refunded"], record["fulfilled"]) == (
        paid,
        cancelled,
        refunded,
        fulfilled,
    )


ORDER = {
    "id": 7,
    "number": "7",
    "status": "processing",
    "currency": "EUR",
    "total": "42.50",
    "date_created_gmt": "2026-02-01T09:00:00",
    "date_modified_gmt": "2026-02-01T09:05:00",
    "billing": {"first_name": "Ada", "last_name": "L", "email": "ada@example.com", "country": "FR"},
    "shipping": {"first_name": "Ada", "last_name": "L", "address_1": "1 rue", "country": "FR"},
    "shipping_lines": [{"method_id": "flat_rate", "method_title": "Flat rate", "instance_id": "3"}],
    "line_items": [
        {
            "id": 70,
            "sku": "TEE-RED",
            "product_id": 10,
            "variation_id": 11,
            "quantity": 2,
            "price": 19.9,
        },
        {"id": 71, "sku": "MUG", "product_id": 12, "variation_id": 0, "quantity": 1, "price": 2.7},
    ],
}


def test_an_order_becomes_an_order_record():
    record = validate_record("order", mapping.order_record(ORDER))
    assert record["shipping_method"] == {"code": "flat_rate", "title": "Flat rate"}
    assert [
        (line["sku"], line["product_external_id"], line["quantity"]) for line in record["lines"]
    ] == [
        ("TEE-RED", "11", 2),
        ("MUG", "12", 1),
    ]
    assert record["customer_email"] == "ada@example.com"
    assert record["created_at"].isoformat() == "2026-02-01T09:00:00+00:00"
    assert record["cursor"] == "2026-02-01T09:00:00Z|000000000007"


def test_a_checkout_draft_is_not_an_order():
    outcome = mapping.order_record({**ORDER, "status": "checkout-draft"})
    assert isinstance(outcome, Skip) and outcome.code == "order_checkout_draft"


def test_stock_is_read_only_where_woocommerce_manages_it():
    assert (
        mapping.stock_record({"id": 1, "sku": "A", "manage_stock": True, "stock_quantity": 4})[
            "quantity"
        ]
        == 4
    )
    assert isinstance(mapping.stock_record({"id": 1, "sku": "A", "manage_stock": False}), Skip)
    assert (
        mapping.stock_record({"id": 2, "sku": "B", "manage_stock": "parent"}, PARENT).code
        == "stock_managed_by_parent"
    )
