"""The subset of Shopify's search syntax (the ``query:`` argument) the emulator understands.

``created_at:>'2026-01-01T00:00:00Z' status:active`` (terms ANDed), ``id:1 OR id:2`` (terms
ORed), comparators ``:`` ``:>`` ``:>=`` ``:<`` ``:<=``, values quoted with ' or " or bare.
Dates accept ISO-8601 with ``Z`` or an offset, or a bare date (midnight UTC). Unknown fields
are ignored, like Shopify ignores filters it does not support for a resource (it only warns in
``extensions.search``).
"""

import re
from datetime import UTC, datetime

TERM = re.compile(r"""(-)?([a-z_]+):(>=|<=|>|<)?('[^']*'|"[^"]*"|\S+)|\b(OR|AND)\b""")
DATE_FIELDS = {"created_at", "updated_at", "processed_at"}


def parse_time(value):
    value = value.strip()
    if len(value) == 10:
        value += "T00:00:00+00:00"
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def parse(query):
    """Return (mode, [(negate, field, op, value)]) with mode "and" or "or"."""
    terms, mode = [], "and"
    for m in TERM.finditer(query or ""):
        if m.group(5):
            if m.group(5) == "OR":
                mode = "or"
            continue
        neg, field, op, value = m.group(1), m.group(2), m.group(3) or ":", m.group(4)
        if value[:1] in "'\"" and value[-1:] == value[:1]:
            value = value[1:-1]
        if field in DATE_FIELDS:
            value = parse_time(value)
        terms.append((bool(neg), field, op, value))
    return mode, terms


def _compare(actual, op, expected):
    if actual is None:
        return False
    if op == ":":
        if isinstance(actual, float | int) and isinstance(expected, float | int):
            return actual == expected
        return str(actual).lower() == str(expected).lower()
    if isinstance(expected, str):
        try:
            expected = float(expected)
        except ValueError:
            return False
    if op == ">":
        return actual > expected
    if op == ">=":
        return actual >= expected
    if op == "<":
        return actual < expected
    return actual <= expected


def matcher(query, fields):
    """A predicate over items; ``fields`` maps a search field to a getter of the item."""
    mode, terms = parse(query)
    terms = [t for t in terms if t[1] in fields]
    if not terms:
        return None

    def match(item):
        results = (_compare(fields[f](item), op, v) != neg for neg, f, op, v in terms)
        return any(results) if mode == "or" else all(results)

    return match
