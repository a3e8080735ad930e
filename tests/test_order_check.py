"""The orders feed's fast path loads exactly what the schema loads, and nothing it refuses."""

from decimal import Decimal

import pytest
from marshmallow import ValidationError

from hub.bounds import MAX_QUANTITY
from hub.feeds.order_check import dump_order, load_decision, load_order
from hub.records import serialise_record, validate_record

ADDRESS = {
    "name": "Ada Lovelace",
    "company": None,
    "address1": "1 Analytical St",
    "city": "London",
    "postcode": "N1 9GU",
    "country_code": "GB",
    "email": "ada@example.com",
}
LINE = {
    "external_id": "11",
    "sku": "SKU-1",
    "product_external_id": "7",
    "name": "Shirt",
    "quantity": 2,
    "price": "19.90",
}
GOOD = {
    "external_id": "1001",
    "number": "100001001",
    "paid": True,
    "cancelled": False,
    "store_status": "processing",
    "updated_at": "2026-03-01T10:00:00Z",
    "cursor": "2026-03-01T10:00:00Z|1001",
    "created_at": "2026-03-01T09:59:00+00:00",
    "currency": "EUR",
    "total": "39.80",
    "customer_email": "ada@example.com",
    "shipping_method": {"code": "flatrate_flatrate", "title": "Flat Rate"},
    "shipping_address": ADDRESS,
    "billing_address": ADDRESS,
    "lines": [LINE, {**LINE, "external_id": "12", "sku": None, "quantity": 1}],
}
MINIMAL = {
    "external_id": "1",
    "number": "1",
    "paid": False,
    "cancelled": False,
    "cursor": "c",
    "created_at": "2026-03-01T10:00:00.5+02:00",
    "lines": [{"external_id": "1", "quantity": MAX_QUANTITY}],
}

ACCEPTED = [
    GOOD,
    MINIMAL,  # defaults filled in, nested ones too
    {**GOOD, "refunded": True, "fulfilled": False, "total": 39.8},
    {**GOOD, "shipping_method": None, "shipping_address": None, "billing_address": None},
    {**GOOD, "lines": [{**LINE, "price": 5}], "total": None, "updated_at": None},
    {**GOOD, "number": "", "billing_address": {}},
]

REFUSED = [
    {**GOOD, "lines": []},
    {**GOOD, "lines": None},
    {**GOOD, "lines": [{**LINE, "quantity": 0}]},
    {**GOOD, "lines": [{**LINE, "quantity": MAX_QUANTITY + 1}]},
    {**GOOD, "lines": [{**LINE, "quantity": True}]},
    {**GOOD, "lines": [{**LINE, "colour": "red"}]},
    {**GOOD, "lines": [{k: v for k, v in LINE.items() if k != "external_id"}]},
    {**GOOD, "lines": [{**LINE, "sku": "a\x00b"}]},
    {**GOOD, "lines": ["not a line"]},
    {**GOOD, "paid": None},
    {**GOOD, "cancelled": "maybe"},
    {k: v for k, v in GOOD.items() if k != "paid"},
    {k: v for k, v in GOOD.items() if k != "created_at"},
    {**GOOD, "created_at": "2026-03-01T10:00:00"},  # naive
    {**GOOD, "created_at": "yesterday"},
    {**GOOD, "external_id": None},
    {**GOOD, "number": 1001},
    {**GOOD, "total": "NaN"},
    {**GOOD, "total": "abc"},
    {**GOOD, "shipping_method": {"code": ""}},
    {**GOOD, "shipping_method": {"title": "no code"}},
    {**GOOD, "shipping_address": {**ADDRESS, "country_code": "GBR"}},
    {**GOOD, "shipping_address": {**ADDRESS, "planet": "Earth"}},
    {**GOOD, "billing_address": "1 Analytical St"},
    {**GOOD, "customer_email": "a\x00@example.com"},
    {**GOOD, "total": "39\x00.80"},
    {**GOOD, "created_at": "2026-03-01\x00T09:59:00+00:00"},
    {**GOOD, "lines": [{**LINE, "price": "1\x00"}]},
    {**GOOD, "shipping_address": {**ADDRESS, "city": "Lon\x00don"}},
    {**GOOD, "colour": "red"},  # unknown field
    "not a dict",
]

# shapes the schema accepts but the fast path leaves to it (it must then say None, not differ)
LEFT_TO_SCHEMA = [
    {**GOOD, "paid": "true"},
    {**GOOD, "lines": [{**LINE, "quantity": "2"}]},
    {**GOOD, "lines": [{**LINE, "quantity": 1.5}]},  # the schema truncates it to 1
    {**GOOD, "total": "1e3"},
    {**GOOD, "created_at": "2026-03-01T10:00:00+0200"},
]


@pytest.mark.parametrize("raw", ACCEPTED)
def test_fast_path_loads_what_the_schema_loads(raw):
    fast = load_order(raw)
    assert fast is not None
    assert fast == validate_record("order", raw)
    assert type(fast["lines"][0]["quantity"]) is int
    assert fast["total"] is None or type(fast["total"]) is Decimal


@pytest.mark.parametrize("raw", REFUSED)
def test_fast_path_never_accepts_what_the_schema_refuses(raw):
    assert load_order(raw) is None
    with pytest.raises(ValidationError):
        validate_record("order", raw)


@pytest.mark.parametrize("raw", LEFT_TO_SCHEMA)
def test_unusual_shapes_go_to_the_schema(raw):
    assert load_order(raw) is None
    assert validate_record("order", raw)["number"] == "100001001"


@pytest.mark.parametrize(
    "raw",
    [
        {"action": "import", "code": "ok"},
        {"action": "hold", "code": "awaiting_payment", "message": "Held.", "hint": None},
        {"action": "skip", "code": "order_cancelled", "message": "", "hint": "h"},
    ],
)
def test_decision_fast_path_loads_what_the_schema_loads(raw):
    assert load_decision(raw) is not None
    assert load_decision(raw) == validate_record("order_decision", raw)


@pytest.mark.parametrize(
    "raw",
    [
        {"action": "ship", "code": "x"},
        {"action": "import"},
        {"action": "import", "code": "x", "extra": 1},
        {"action": "import", "code": "x\x00"},
        {"action": "import", "code": 3},
        None,
    ],
)
def test_decision_fast_path_never_accepts_what_the_schema_refuses(raw):
    assert load_decision(raw) is None
    with pytest.raises(ValidationError):
        validate_record("order_decision", raw)


@pytest.mark.parametrize("raw", ACCEPTED + LEFT_TO_SCHEMA)
def test_dump_gives_what_the_schema_dumps(raw):
    record = validate_record("order", raw)
    assert dump_order(record) == serialise_record("order", record)


# loaded records in shapes a held record could be given by hand (retry, tests): the fast dump
# either matches the schema's or leaves them to it
ODD_RECORDS = [
    {"external_id": "1", "number": "1", "paid": True, "lines": []},  # fields missing: skipped
    {**validate_record("order", GOOD), "total": Decimal("1E+3")},
    {**validate_record("order", GOOD), "total": 12.5},  # not a Decimal: the schema's str
    {**validate_record("order", GOOD), "paid": 1},  # not a bool: the schema's True
    {**validate_record("order", GOOD), "number": 1001},  # not text: the schema's "1001"
    {**validate_record("order", GOOD), "created_at": "2026-03-01T10:00:00Z"},
    {**validate_record("order", GOOD), "lines": [{**LINE, "quantity": True}]},
]


@pytest.mark.parametrize("record", ODD_RECORDS, ids=[f"odd{i}" for i in range(len(ODD_RECORDS))])
def test_dump_of_unusual_records_is_the_schemas(record):
    try:
        expected = serialise_record("order", record)
    except (TypeError, ValueError, AttributeError) as error:  # the schema cannot dump it
        with pytest.raises(type(error)):
            dump_order(record)
        return
    assert dump_order(record) == expected
