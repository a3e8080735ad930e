"""The products feed's fast path loads exactly what the schema loads, and nothing it refuses."""

from decimal import Decimal

import pytest
from marshmallow import ValidationError

from hub.feeds.product_check import load_product
from hub.records import validate_record

GOOD = {
    "external_id": "gid://shopify/ProductVariant/1",
    "sku": "SKU-1",
    "name": "Shirt – red / M",
    "barcode": "4006381333931",
    "weight_kg": "0.250",
    "price": "19.90",
    "currency": "EUR",
    "parent": "gid://shopify/Product/1",
    "parent_name": "Shirt",
    "active": True,
    "updated_at": "2026-03-01T10:00:00Z",
    "store_refs": {"inventory_item_id": "gid://shopify/InventoryItem/9", "n": 3},
    "cursor": "1",
}

ACCEPTED = [
    GOOD,
    {"external_id": "1", "sku": "A", "name": "A", "cursor": "c"},  # defaults filled in
    {**GOOD, "price": 19.9, "weight_kg": 0},  # numbers, not strings
    {**GOOD, "price": None, "weight_kg": None, "barcode": None, "currency": None},
    {**GOOD, "updated_at": "2026-03-01T10:00:00.123456+02:00", "active": False},
    {**GOOD, "price": "-1.5"},  # a price may be negative for the schema
]

REFUSED = [
    {**GOOD, "sku": ""},
    {**GOOD, "sku": "x" * 129},
    {**GOOD, "name": 5},
    {**GOOD, "barcode": "1" * 65},
    {**GOOD, "weight_kg": "-0.1"},
    {**GOOD, "weight_kg": True},
    {**GOOD, "price": "NaN"},
    {**GOOD, "price": "abc"},
    {**GOOD, "currency": "EURO"},
    {**GOOD, "active": None},
    {**GOOD, "updated_at": "2026-03-01T10:00:00"},  # naive
    {**GOOD, "updated_at": "yesterday"},
    {**GOOD, "store_refs": []},
    {**GOOD, "name": "bad\x00name"},
    {**GOOD, "store_refs": {"k": "v\x00"}},
    {**GOOD, "colour": "red"},  # unknown field
    {k: v for k, v in GOOD.items() if k != "cursor"},
    "not a dict",
]

# shapes the schema accepts but the fast path leaves to it (it must then say None, not differ)
LEFT_TO_SCHEMA = [
    {**GOOD, "active": "true"},
    {**GOOD, "price": "1e3"},
    {**GOOD, "updated_at": "2026-03-01T10:00:00+0200"},
]


@pytest.mark.parametrize("raw", ACCEPTED)
def test_fast_path_loads_what_the_schema_loads(raw):
    fast = load_product(dict(raw))
    assert fast is not None
    assert fast == validate_record("product", raw)
    assert all(type(fast[k]) is Decimal for k in ("price", "weight_kg") if fast[k] is not None)


@pytest.mark.parametrize("raw", REFUSED)
def test_fast_path_never_accepts_what_the_schema_refuses(raw):
    assert load_product(raw) is None
    with pytest.raises(ValidationError):
        validate_record("product", raw)


@pytest.mark.parametrize("raw", LEFT_TO_SCHEMA)
def test_unusual_shapes_go_to_the_schema(raw):
    assert load_product(raw) is None
    assert validate_record("product", raw)["sku"] == "SKU-1"
