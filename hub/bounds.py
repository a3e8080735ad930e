"""The ranges the hub accepts, checked in one place for the CLI, the dashboard, the API
and the records connectors yield, so that a number out of range is a clear BadInput
(exit 2 / HTTP 400, nothing written) rather than an OverflowError from the database.

* Quantities (a movement, a stock level, an order or purchase line, a stock record):
  whole numbers from -1,000,000,000 to 1,000,000,000 units. A level that a movement would
  take outside that range is refused as well.
* Ids (database rows): 1 to 2**63 - 1. A larger id is simply unknown (404 / NotFound).
* Text from stores is stored as sent, except NUL (refused by the record schemas). Where
  the hub shows it in a terminal, control and bidi characters are escaped
  (``terminal_safe``); in events and tables, long text is cut (``shorten``).
"""

import re
from typing import Any

from hub.errors import BadInput

MAX_QUANTITY = 1_000_000_000
MAX_ID = 2**63 - 1

_WHOLE = re.compile(r"\s*[+-]?\d{1,30}\s*")


def whole_number(
    value: object, what: str, *, minimum: int = -MAX_QUANTITY, maximum: int = MAX_QUANTITY
) -> int:
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


def quantity(value: object, what: str = "quantity", *, minimum: int = -MAX_QUANTITY) -> int:
    return whole_number(value, what, minimum=minimum, maximum=MAX_QUANTITY)


# C0/C1 controls and DEL (escape sequences, carriage returns that overwrite a line) and the
# bidirectional overrides and isolates that reorder what a terminal shows (U+202E…)
UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
EVENT_TEXT_MAX = 1000  # characters of an event's message or hint
CELL_TEXT_MAX = 80  # characters of a table cell in the CLI


def shorten(text: object, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def terminal_safe(text: object, limit: int | None = None, *, newlines: bool = True) -> str:
    """``text`` with control and bidi characters shown as escapes (``\\x1b``, ``\\u202e``)
    so that it cannot rewrite the terminal; cut to ``limit`` characters when given."""
    text = "" if text is None else str(text)
    if limit is not None:
        text = shorten(text, limit)
    if not newlines:
        text = text.replace("\n", "\\n").replace("\t", " ")
    return UNSAFE_CHARS.sub(lambda m: _escape(m.group()), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def has_nul(value: Any) -> bool:
    """True when a string anywhere in ``value`` (a dict, a list) holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


def as_id(value: object) -> int | None:
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
