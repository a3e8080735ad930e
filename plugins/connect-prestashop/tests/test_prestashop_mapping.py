"""Mapping details: the fast path equals the marshmallow schemas; helpers."""

from decimal import Decimal

import pytest
from connect_prestashop import mapping
from connect_prestashop.client import PrestaShopClient


def test_the_fast_path_loads_what_the_schemas_load(store, ctx):
    client = PrestaShopClient(ctx)
    products = list(client.rows("products", display="full"))
    combinations = list(client.rows("combinations", display="full"))
    assert products and combinations
    for raw in products:
        assert mapping._fast_product(raw) == mapping.PRODUCT.load(raw)
    for raw in combinations:
        assert mapping._fast_combination(raw) == mapping.COMBINATION.load(raw)


@pytest.mark.parametrize(
    "raw",
    [
        {"id": 1, "weight": "abc"},
        {"id": 1, "weight": "-1"},
        {"id": 1, "weight": "NaN"},
        {"id": "1"},
        {"id": 1, "reference": None},
        {"id": 1, "price": 3},
        {"id": 1, "name": 5},
        {"id": 1, "associations": []},
    ],
)
def test_anything_unusual_goes_through_the_schema(raw):
    assert mapping._fast_product(raw) is None


def test_decimal_text_and_external_ids():
    assert mapping.decimal_text(Decimal("19.900000")) == "19.90"
    assert mapping.decimal_text(Decimal("19.123450")) == "19.12345"
    assert mapping.decimal_text(Decimal("20")) == "20.00"
    assert mapping.weight_text(Decimal("0.500000")) == "0.5"
    assert mapping.split_external_id("12") == (12, 0)
    assert mapping.split_external_id("12-0") == (12, 0)
    assert mapping.split_external_id("12-34") == (12, 34)
    assert mapping.split_external_id("gid://x") is None
    assert mapping.external_id(12, 0) == "12" and mapping.external_id(12, 34) == "12-34"


def test_shop_time_is_converted_to_utc():
    paris = mapping.zone("Europe/Paris")
    assert mapping.shop_time("2026-07-01 12:00:00", paris) == "2026-07-01T10:00:00Z"
    assert mapping.shop_time("2026-01-01 12:00:00", paris) == "2026-01-01T11:00:00Z"
    assert mapping.shop_time("0000-00-00 00:00:00", paris) is None
    assert mapping.zone("Not/AZone") is mapping.UTC
