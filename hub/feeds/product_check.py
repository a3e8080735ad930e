"""A fast path for loading the product records the schema would accept as they are.

``hub.records.ProductRecord`` (marshmallow) costs 40–60 µs a record: at a first import of
100,000 variants, seconds. ``load_product`` makes the same checks with plain type tests in a
few µs for a record in the common, well-formed shape (text as ``str``, numbers as decimal
strings or numbers, ``active`` as a bool, times in ISO-8601 with an offset) and returns what
the schema's ``load`` returns for it. Anything else — a wrong type, a bad length, an unknown
field, a NUL — returns None and the caller validates with the schema, which names the bad
fields. So the fast path can only accept what the schema accepts; ``tests/test_product_check``
compares both on valid and invalid records.
"""

import re
from decimal import Decimal, InvalidOperation

from marshmallow import fields

from hub.bounds import has_nul

_ISO_DATETIME = fields.DateTime.DESERIALIZATION_FUNCS["iso"]  # the schema's own parser
_ISO_SHAPE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)")
_DECIMAL_SHAPE = re.compile(r"-?\d{1,30}(\.\d{1,30})?")

REQUIRED = (("external_id", 255), ("sku", 128), ("name", 512))
OPTIONAL_TEXT = (("barcode", 64), ("parent", None), ("parent_name", None))
KNOWN = frozenset(
    (
        "external_id",
        "sku",
        "name",
        "barcode",
        "weight_kg",
        "price",
        "currency",
        "parent",
        "parent_name",
        "active",
        "updated_at",
        "store_refs",
        "cursor",
    )
)


def _decimal(value):
    """The schema's Decimal for a plain decimal string or number; None when not plain."""
    if value is True or value is False:
        return None
    if isinstance(value, int | float):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        return None
    if not _DECIMAL_SHAPE.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the shape above is a valid Decimal
        return None


def load_product(raw):  # noqa: C901 - one flat check per field, in the schema's order
    """``raw`` loaded as ``ProductRecord`` would load it, or None: "ask the schema"."""
    if not isinstance(raw, dict) or not KNOWN.issuperset(raw):
        return None
    out = {}
    for key, limit in REQUIRED:
        value = raw.get(key)
        if not isinstance(value, str) or not 0 < len(value) <= limit:
            return None
        out[key] = value
    cursor = raw.get("cursor")
    if not isinstance(cursor, str):
        return None
    out["cursor"] = cursor
    for key, limit in OPTIONAL_TEXT:
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or (limit and len(value) > limit)):
            return None
        out[key] = value
    currency = raw.get("currency")
    if currency is not None and (not isinstance(currency, str) or len(currency) != 3):
        return None
    out["currency"] = currency
    for key in ("weight_kg", "price"):
        value = raw.get(key)
        if value is not None:
            value = _decimal(value)
            if value is None or (key == "weight_kg" and value < 0):
                return None
        out[key] = value
    active = raw.get("active", True)
    if active is not True and active is not False:
        return None
    out["active"] = active
    updated_at = raw.get("updated_at")
    if updated_at is not None:
        if not isinstance(updated_at, str) or not _ISO_SHAPE.fullmatch(updated_at):
            return None
        updated_at = _ISO_DATETIME(updated_at)
        if updated_at.tzinfo is None:  # pragma: no cover - the shape requires an offset
            return None
    out["updated_at"] = updated_at
    refs = raw.get("store_refs", {})
    if not isinstance(refs, dict) or not all(isinstance(k, str) for k in refs):
        return None
    out["store_refs"] = dict(refs)
    text = [v for v in out.values() if type(v) is str]
    if "\x00" in "".join(text) or (refs and has_nul(refs)):
        return None
    return out
