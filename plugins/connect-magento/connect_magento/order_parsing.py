"""A fast path for reading Magento order payloads the way the order schemas read them.

``mapping.OrderPayload`` (marshmallow, with nested item and address schemas) costs about as
much as the rest of importing an order. ``read_order`` and ``read_address`` make the same
checks with plain type tests for a payload in the common, well-formed shape (text as
``str``, ids as ``int``, amounts as numbers or plain decimal strings, lists as ``list``,
objects as ``dict``) and return what the schema's ``load`` returns. Anything else — a
string id, a boolean amount, an exponent, a missing required field, a non-object — returns
None, and the caller loads with the schema, which names the bad fields. So the fast path can
only accept what the schema accepts (the same guarantee as the hub's
``hub.feeds.order_check``); ``tests/test_magento_order_parsing`` compares both on emulator
payloads and malformed ones.
"""

import re
from decimal import Decimal

_MISSING = object()
_PLAIN_DECIMAL = re.compile(r"-?\d{1,30}(\.\d{1,30})?")
_BIG = 10**18


class _NotPlain(Exception):
    """Not in the plain shape: the schema decides."""


def _text(raw, key, default=None):
    value = raw.get(key, _MISSING)
    if value is _MISSING:
        return default
    if value is not None and type(value) is not str:
        raise _NotPlain
    return value


def _integer(raw, key, *, required=False):
    value = raw.get(key, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise _NotPlain
        return None
    if type(value) is not int:
        raise _NotPlain
    return value


def _decimal(raw, key, default=None, *, required=False):
    """The schema's ``Decimal(str(value))`` for an int, a finite float or a plain decimal
    string."""
    value = raw.get(key, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise _NotPlain
        return default if value is _MISSING else None
    kind = type(value)
    if kind is int:
        if -_BIG < value < _BIG:
            return Decimal(value)
    elif kind is float:
        if value - value == 0:  # finite: nan and inf fail this
            return Decimal(repr(value))
    elif kind is str and _PLAIN_DECIMAL.fullmatch(value):
        return Decimal(value)
    raise _NotPlain


def _object(raw, key):
    value = raw.get(key)
    if value is not None and type(value) is not dict:
        raise _NotPlain
    return value


def _address(raw):
    if type(raw) is not dict:
        raise _NotPlain
    street = raw.get("street")
    if street is not None:
        if type(street) is not list:
            raise _NotPlain
        for line in street:
            if line is not None and type(line) is not str:
                raise _NotPlain
        street = list(street)
    return {
        "firstname": _text(raw, "firstname"),
        "lastname": _text(raw, "lastname"),
        "company": _text(raw, "company"),
        "street": street,
        "city": _text(raw, "city"),
        "postcode": _text(raw, "postcode"),
        "region": _text(raw, "region"),
        "country_code": _text(raw, "country_id"),
        "phone": _text(raw, "telephone"),
        "email": _text(raw, "email"),
    }


_ZERO = Decimal(0)


def _item(raw):
    if type(raw) is not dict:
        raise _NotPlain
    return {
        "item_id": _integer(raw, "item_id", required=True),
        "parent_item_id": _integer(raw, "parent_item_id"),
        "product_id": _integer(raw, "product_id"),
        "product_type": _text(raw, "product_type"),
        "sku": _text(raw, "sku"),
        "name": _text(raw, "name"),
        "quantity": _decimal(raw, "qty_ordered", required=True),
        "qty_shipped": _decimal(raw, "qty_shipped", _ZERO),
        "qty_canceled": _decimal(raw, "qty_canceled", _ZERO),
        "qty_refunded": _decimal(raw, "qty_refunded", _ZERO),
        "price": _decimal(raw, "price"),
    }


def _order(raw):
    if type(raw) is not dict:
        raise _NotPlain
    billing = raw.get("billing_address")
    items = raw.get("items")
    if items is not None:
        if type(items) is not list:
            raise _NotPlain
        items = [_item(item) for item in items]
    extension = _object(raw, "extension_attributes")
    return {
        "external_id": _integer(raw, "entity_id", required=True),
        "number": _text(raw, "increment_id"),
        "state": _text(raw, "state"),
        "status": _text(raw, "status"),
        "created_at": _text(raw, "created_at"),
        "updated_at": _text(raw, "updated_at"),
        "grand_total": _decimal(raw, "grand_total"),
        "total_paid": _decimal(raw, "total_paid"),
        "total_due": _decimal(raw, "total_due"),
        "currency": _text(raw, "order_currency_code"),
        "customer_email": _text(raw, "customer_email"),
        "shipping_description": _text(raw, "shipping_description"),
        "billing_address": None if billing is None else _address(billing),
        "items": items,
        "extension_attributes": None if extension is None else dict(extension),
    }


def read_order(raw):
    """``raw`` as ``OrderPayload().load`` returns it, or None: "ask the schema"."""
    try:
        return _order(raw)
    except _NotPlain:
        return None


def read_address(raw):
    """``raw`` as ``AddressPayload().load`` returns it, or None: "ask the schema"."""
    try:
        return _address(raw)
    except _NotPlain:
        return None
