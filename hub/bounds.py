"""The ranges the hub accepts, checked in one place for the CLI, the dashboard, the API
and the records connectors yield, so that a number out of range is a clear BadInput
(exit 2 / HTTP 400, nothing written) rather than an OverflowError from the database.

* Quantities (a movement, a stock level, an order or purchase line, a stock record):
  whole numbers from -1,000,000,000 to 1,000,000,000 units. A level that a movement would
  take outside that range is refused as well.
* Ids (database rows): 1 to 2**63 - 1. A larger id is simply unknown (404 / NotFound).
"""

import re

from hub.errors import BadInput

MAX_QUANTITY = 1_000_000_000
MAX_ID = 2**63 - 1

_WHOLE = re.compile(r"\s*[+-]?\d{1,30}\s*")


def whole_number(value, what, *, minimum=-MAX_QUANTITY, maximum=MAX_QUANTITY):
    """An int (or a string of one) within [minimum, maximum]; BadInput otherwise."""
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{what} must be a whole number, got {str(value)[:40]!r}")
    if value < minimum:
        raise BadInput(f"{what} must be at least {minimum:,}, got {value:,}"[:200])
    if value > maximum:
        raise BadInput(f"{what} must be at most {maximum:,}, got {value:,}"[:200])
    return value


def quantity(value, what="quantity", *, minimum=-MAX_QUANTITY):
    return whole_number(value, what, minimum=minimum, maximum=MAX_QUANTITY)


def as_id(value):
    """The row id a value names (an int or a string of digits), or None when it cannot be
    one (not a number, 0, or beyond the largest id the databases hold)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit() or len(text) > 19:
            return None
        value = int(text)
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        return None
    return value
