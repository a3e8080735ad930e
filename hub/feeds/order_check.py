"""A fast path for loading the order records (and order decisions) the schema would accept.

``hub.records.OrderRecord`` is marshmallow with three nested schemas (lines, addresses, the
shipping method): ~0.5 ms an order, as much as the rest of importing it. ``load_order``
makes the same checks with plain type tests for an order in the common, well-formed shape
(text as ``str``, booleans as ``bool``, quantities as ``int``, amounts as decimal strings or
numbers, times in ISO-8601 with an offset) and returns what the schema's ``load`` returns.
Anything else — a wrong type, a bad length, an unknown field, a NUL — returns None and the
caller validates with the schema, which names the bad fields. So the fast path can only
accept what the schema accepts, the same guarantee as ``hub.feeds.product_check``;
``tests/test_order_check`` compares both on valid and invalid records.
"""

from datetime import datetime
from decimal import Decimal

from hub.bounds import MAX_QUANTITY
from hub.feeds.product_check import _ISO_DATETIME, _ISO_SHAPE, _decimal
from hub.records import serialise_record

_MISSING = object()


class _NotPlain(Exception):
    """The value is not in the plain shape: the schema decides."""


def _text(raw, key, *, required=False, min_len=0, max_len=None, exact=None):
    value = raw.get(key, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise _NotPlain
        return None
    if type(value) is not str or "\x00" in value:  # a NUL: the schema names it
        raise _NotPlain
    n = len(value)
    if n < min_len or (max_len is not None and n > max_len) or (exact and n != exact):
        raise _NotPlain
    return value


def _bool(raw, key, default=_MISSING):
    value = raw.get(key, default)
    if value is not True and value is not False:
        raise _NotPlain
    return value


def _time(raw, key, *, required=False):
    value = raw.get(key)
    if value is None:
        if required:
            raise _NotPlain
        return None
    if type(value) is not str or not _ISO_SHAPE.fullmatch(value):
        raise _NotPlain
    return _ISO_DATETIME(value)


def _money(raw, key):
    value = raw.get(key)
    if value is None:
        return None
    value = _decimal(value)
    if value is None:
        raise _NotPlain
    return value


def _keys(raw, known):
    if type(raw) is not dict or not known.issuperset(raw):
        raise _NotPlain


# an order's address fields (the schema's and the order_address table's)
ADDRESS_FIELDS = (
    "name",
    "company",
    "address1",
    "address2",
    "city",
    "postcode",
    "region",
    "country_code",
    "phone",
    "email",
)
ADDRESS_KEYS = frozenset(ADDRESS_FIELDS)
LINE_KEYS = frozenset(("external_id", "sku", "product_external_id", "name", "quantity", "price"))
ORDER_KEYS = frozenset(
    (
        "external_id",
        "number",
        "paid",
        "cancelled",
        "refunded",
        "fulfilled",
        "store_status",
        "updated_at",
        "cursor",
        "created_at",
        "currency",
        "total",
        "customer_email",
        "shipping_method",
        "shipping_address",
        "billing_address",
        "lines",
    )
)
DECISION_KEYS = frozenset(("action", "code", "message", "hint"))
ACTIONS = frozenset(("import", "hold", "skip", "error"))


def _address(raw):
    if raw is None:
        return None
    _keys(raw, ADDRESS_KEYS)
    out = {key: _text(raw, key) for key in ADDRESS_KEYS if key != "country_code"}
    out["country_code"] = _text(raw, "country_code", exact=2)
    return out


def _shipping_method(raw):
    if raw is None:
        return None
    _keys(raw, frozenset(("code", "title")))
    return {
        "code": _text(raw, "code", required=True, min_len=1, max_len=255),
        "title": _text(raw, "title"),
    }


def _line(raw):
    _keys(raw, LINE_KEYS)
    quantity = raw.get("quantity")
    if type(quantity) is not int or not 1 <= quantity <= MAX_QUANTITY:
        raise _NotPlain
    return {
        "external_id": _text(raw, "external_id", required=True),
        "sku": _text(raw, "sku"),
        "product_external_id": _text(raw, "product_external_id"),
        "name": _text(raw, "name"),
        "quantity": quantity,
        "price": _money(raw, "price"),
    }


def _has_nul(value):
    if type(value) is str:
        return "\x00" in value
    if type(value) is dict:
        return any(_has_nul(v) for v in value.values())
    if type(value) is list:
        return any(_has_nul(v) for v in value)
    return False


def load_order(raw):
    """``raw`` loaded as ``OrderRecord`` would load it, or None: "ask the schema"."""
    try:
        _keys(raw, ORDER_KEYS)
        lines = raw.get("lines")
        if type(lines) is not list or not lines:
            return None
        out = {
            "external_id": _text(raw, "external_id", required=True),
            "number": _text(raw, "number", required=True),
            "paid": _bool(raw, "paid"),
            "cancelled": _bool(raw, "cancelled"),
            "refunded": _bool(raw, "refunded", False),
            "fulfilled": _bool(raw, "fulfilled", False),
            "store_status": _text(raw, "store_status"),
            "updated_at": _time(raw, "updated_at"),
            "cursor": _text(raw, "cursor", required=True),
            "created_at": _time(raw, "created_at", required=True),
            "currency": _text(raw, "currency"),
            "total": _money(raw, "total"),
            "customer_email": _text(raw, "customer_email"),
            "shipping_method": _shipping_method(raw.get("shipping_method")),
            "shipping_address": _address(raw.get("shipping_address")),
            "billing_address": _address(raw.get("billing_address")),
            "lines": [_line(line) for line in lines],
        }
    except _NotPlain:
        return None
    return out  # its text all went through _text (no NUL); times and amounts are parsed


def load_decision(raw):
    """``raw`` loaded as ``OrderDecision`` would load it, or None: "ask the schema"."""
    try:
        _keys(raw, DECISION_KEYS)
        out = {
            "action": _text(raw, "action", required=True),
            "code": _text(raw, "code", required=True),
            "message": _text(raw, "message"),
            "hint": _text(raw, "hint"),
        }
    except _NotPlain:
        return None
    if out["action"] not in ACTIONS or _has_nul(out):
        return None
    return out


# -- the way back: a loaded order record to its JSON-able form (what a held record keeps) ------

ORDER_DUMPED = (  # OrderRecord's fields, in its order
    "external_id", "number", "paid", "cancelled", "refunded", "fulfilled", "store_status",
    "updated_at", "cursor", "created_at", "currency", "total", "customer_email",
    "shipping_method", "shipping_address", "billing_address", "lines",
)  # fmt: skip
LINE_DUMPED = ("external_id", "sku", "product_external_id", "name", "quantity", "price")


def _text_as_is(value):
    if value is None or type(value) is str:
        return value
    raise _NotPlain


def _exactly(kind):
    def as_is(value):
        if type(value) is kind:
            return value
        raise _NotPlain

    return as_is


def _dumped_time(value):
    if value is None:
        return None
    if type(value) is not datetime:
        raise _NotPlain
    return value.isoformat()


def _dumped_money(value):
    if value is None:
        return None
    if type(value) is not Decimal:
        raise _NotPlain
    return format(value, "f")


def _dumped(raw, keys, special):
    if type(raw) is not dict:
        raise _NotPlain
    return {k: special.get(k, _text_as_is)(raw[k]) for k in keys if k in raw}


def _dumped_nested(keys, special=None):
    special = special or {}
    return lambda raw: None if raw is None else _dumped(raw, keys, special)


_LINE = _dumped_nested(LINE_DUMPED, {"quantity": _exactly(int), "price": _dumped_money})
_ADDRESS = _dumped_nested(ADDRESS_FIELDS)
ORDER_SPECIAL = {
    **{flag: _exactly(bool) for flag in ("paid", "cancelled", "refunded", "fulfilled")},
    "updated_at": _dumped_time,
    "created_at": _dumped_time,
    "total": _dumped_money,
    "shipping_method": _dumped_nested(("code", "title")),
    "shipping_address": _ADDRESS,
    "billing_address": _ADDRESS,
    "lines": lambda lines: [_LINE(line) for line in lines],
}


def dump_order(record):
    """``serialise_record("order", record)`` of a loaded order record, with plain type tests
    for the shape ``load_order`` and the schema return (text, booleans, integers, ``Decimal``
    amounts, ``datetime`` times); anything else is left to the schema's ``dump``."""
    try:
        return _dumped(record, ORDER_DUMPED, ORDER_SPECIAL)
    except _NotPlain:
        return serialise_record("order", record)
