"""The plain-Python order reader (``order_parsing``) against the marshmallow schemas it
stands in for: on the emulator's real payloads both read the same thing; on malformed
payloads the fast path steps aside (None) and the schema's error is what the connector
reports."""

import copy

import pytest
from connect_magento import feeds
from connect_magento.mapping import (
    ADDRESS_SCHEMA,
    ORDER_SCHEMA,
    map_order,
    map_order_status,
)
from connect_magento.order_parsing import read_address, read_order
from marshmallow import ValidationError

from hub import Invalid


@pytest.fixture
def emulator_options():
    return {"orders": 60, "seed": 11}


@pytest.fixture
def payloads(ctx):
    """Every seeded order as the connector receives it over HTTP (both field selections)."""
    mc = feeds.client(ctx)
    out = []
    for fields in (feeds.ORDER_FIELDS, feeds.ORDER_STATUS_FIELDS):
        for page in mc.iter_keyset(
            "orders", time_field="created_at", id_field="entity_id", since=None, fields=fields
        ):
            out.extend(page)
    out.append(mc.get(f"orders/{out[0]['entity_id']}"))
    return out


def test_the_fast_path_reads_every_emulator_order_as_the_schema_does(payloads):
    assert len(payloads) == 121
    for raw in payloads:
        fast = read_order(raw)
        assert fast is not None, raw.get("entity_id")
        assert fast == ORDER_SCHEMA.load(raw)
        assert [type(v) for v in fast.values()] == [
            type(v) for v in ORDER_SCHEMA.load(raw).values()
        ]
    addresses = [
        a["shipping"]["address"]
        for raw in payloads
        for a in (raw.get("extension_attributes") or {}).get("shipping_assignments") or []
        if a.get("shipping", {}).get("address")
    ]
    assert len(addresses) >= 60
    for address in addresses:
        assert read_address(address) == ADDRESS_SCHEMA.load(address)


def _edit(raw, path, value):
    raw = copy.deepcopy(raw)
    *parents, last = path
    node = raw
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return raw


_DELETE = object()

# (path, value): each either plainly readable (both agree) or not (fast path None, schema
# decides: it may still accept, e.g. a numeric string id, which the fast path leaves to it)
EDITS = [
    (("entity_id",), "12"),
    (("entity_id",), "x"),
    (("entity_id",), None),
    (("entity_id",), _DELETE),
    (("entity_id",), True),
    (("entity_id",), 3.0),
    (("increment_id",), 100),
    (("increment_id",), None),
    (("increment_id",), _DELETE),
    (("grand_total",), "12.50"),
    (("grand_total",), "1e3"),
    (("grand_total",), "abc"),
    (("grand_total",), True),
    (("grand_total",), float("nan")),
    (("grand_total",), float("inf")),
    (("grand_total",), 7),
    (("grand_total",), None),
    (("total_due",), [1]),
    (("status",), 5),
    (("created_at",), {"a": 1}),
    (("billing_address",), "street 1"),
    (("billing_address",), None),
    (("billing_address",), _DELETE),
    (("billing_address", "street"), "one line"),
    (("billing_address", "street"), [None, "x"]),
    (("billing_address", "street"), [1]),
    (("billing_address", "country_id"), 33),
    (("items",), {"0": {}}),
    (("items",), None),
    (("items",), []),
    (("items", 0), "item"),
    (("items", 0, "item_id"), None),
    (("items", 0, "item_id"), "5"),
    (("items", 0, "qty_ordered"), _DELETE),
    (("items", 0, "qty_ordered"), "2"),
    (("items", 0, "qty_ordered"), "two"),
    (("items", 0, "qty_ordered"), 1.5),
    (("items", 0, "qty_shipped"), None),
    (("items", 0, "qty_shipped"), _DELETE),
    (("items", 0, "price"), False),
    (("items", 0, "sku"), 123),
    (("extension_attributes",), []),
    (("extension_attributes",), None),
    (("unknown_field",), object()),
]


def _edit_id(path, value):
    """A stable test id (the same in every xdist worker: no object addresses)."""
    shown = (
        "deleted"
        if value is _DELETE
        else type(value).__name__
        if type(value) is object
        else repr(value)
    )
    return f"{path}={shown}"


@pytest.mark.parametrize("path, value", EDITS, ids=[_edit_id(p, v) for p, v in EDITS])
def test_fast_path_and_schema_agree_on_edited_payloads(payloads, path, value):
    raw = _edit(payloads[0], path, value)
    fast = read_order(raw)
    try:
        slow = ORDER_SCHEMA.load(raw)
    except ValidationError:
        slow = None
    if fast is not None:
        assert fast == slow  # the fast path never accepts what the schema refuses
    # and the connector's outcome is the schema's (an Invalid naming the fields, or a record)
    outcome = map_order(raw, cursor="c")
    if slow is None:
        assert isinstance(outcome, Invalid)
        assert outcome.message.startswith(f"Magento order {raw.get('increment_id')} has")


def test_non_objects_are_left_to_the_schema():
    for raw in (None, [], "order", 5):
        assert read_order(raw) is None
        with pytest.raises(ValidationError):
            ORDER_SCHEMA.load(raw)
    assert read_address(["x"]) is None


def test_a_bad_id_is_still_the_schemas_invalid_naming_the_field(payloads):
    raw = _edit(payloads[0], ("entity_id",), "not a number")
    _o, outcome = map_order_status(raw, cursor="c")
    assert isinstance(outcome, Invalid)
    assert outcome.errors == {"external_id": ["Not a valid integer."]}
    raw = _edit(payloads[0], ("items", 0, "qty_ordered"), "two")
    outcome = map_order(raw, cursor="c")
    assert isinstance(outcome, Invalid)
    assert outcome.errors == {"items": {0: {"quantity": ["Not a valid number."]}}}


def test_a_malformed_shipping_address_is_still_the_schemas_error(payloads):
    raw = next(
        r
        for r in payloads
        if (r.get("extension_attributes") or {}).get("shipping_assignments")
        and "items" in r
        and r.get("state") not in ("canceled",)
    )
    raw = _edit(
        raw,
        ("extension_attributes", "shipping_assignments", 0, "shipping", "address", "city"),
        ["not", "text"],
    )
    outcome = map_order(raw, cursor="c")
    assert isinstance(outcome, Invalid)
    assert outcome.errors["shipping_address"] == {"city": ["Not a valid string."]}
