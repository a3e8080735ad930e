"""What the contract suite checks on the records a connector yields, as plain functions that
return the problems found (an empty list: nothing to fix). Every message names the hook, the
record's reference (its ``external_id`` / ``sku`` / ``number``) and the field, so that a
failing contract test says what to fix without a debugger.

Plausibility rules (the records validate, but the values cannot be right):

* weight: ``weight_kg`` is kilograms. A catalogue whose median weight is over
  :data:`MEDIAN_WEIGHT_KG` (30 kg), or any item over :data:`MAX_WEIGHT_KG` (1000 kg), was
  almost certainly given in grams (or pounds times a thousand): convert in the connector.
* stock: a level over :data:`MAX_STOCK` (10,000,000) or under :data:`MIN_STOCK` (-1000), or a
  catalogue where most levels are negative, is a wrong field or a sign error (a store may be
  oversold by a few units, never by thousands).
* order lines: a quantity over :data:`MAX_LINE_QUANTITY` (100,000) is an id or a price in the
  quantity field (the schema already refuses 0 and negative quantities).
* money: a price or total with more significant decimals than its currency has (ISO 4217
  minor units: 2 for EUR, 0 for JPY, 3 for KWD) is a float computation or a tax-exclusive
  price sent as the selling price; round in the connector. Trailing zeros are fine
  ("19.900000"). Catalogue prices get :data:`CATALOGUE_EXTRA_DECIMALS` more (stores keep
  tax-exclusive prices at 4 to 6 decimals: PrestaShop ``decimal(20,6)``).
"""

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError

from hub.outcomes import Outcome
from hub.records import field_errors_text, validate_record

MEDIAN_WEIGHT_KG = Decimal(30)
MAX_WEIGHT_KG = Decimal(1000)
MAX_STOCK = 10_000_000
MIN_STOCK = -1000
MAX_LINE_QUANTITY = 100_000
CATALOGUE_EXTRA_DECIMALS = 4

# ISO 4217 minor units that are not 2 (the currencies in use; the rest have 2)
ZERO_DECIMALS = frozenset(
    (
        *("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"),
        *("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"),
    )
)
THREE_DECIMALS = frozenset(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"))


def currency_decimals(currency: str | None) -> int | None:
    """The minor units of an ISO 4217 code; None when there is no code to go by."""
    if not currency or len(currency) != 3:
        return None
    code = currency.upper()
    return 0 if code in ZERO_DECIMALS else 3 if code in THREE_DECIMALS else 2


def reference(record: object) -> str:
    """How a message names a record: its external id, SKU or number, whichever it has."""
    if isinstance(record, Outcome):
        return record.reference
    if not isinstance(record, Mapping):
        return repr(record)[:80]
    parts = [
        f"{key} {record[key]!r}" for key in ("external_id", "sku", "number") if record.get(key)
    ]
    return ", ".join(parts) or "a record without external_id/sku"


def validation_problems(hook: str, kind: str, record: Mapping[str, Any]) -> list[str]:
    """The fields of ``record`` that do not load as a ``kind`` record, one line each."""
    try:
        validate_record(kind, record)
    except ValidationError as exc:
        return [
            f"{hook}: {kind} {reference(record)}: field {line}"
            for line in field_errors_text(exc.messages)
        ]
    return []


def _decimal(value: object) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _decimals(value: object) -> int:
    number = _decimal(value)
    if number is None or number == number.to_integral_value():
        return 0
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _money_problem(
    hook: str, record: Mapping[str, Any], field: str, value: object, currency: object, extra: int
) -> str | None:
    allowed = currency_decimals(currency if isinstance(currency, str) else None)
    if value is None or allowed is None or _decimals(value) <= allowed + extra:
        return None
    return (
        f"{hook}: {reference(record)}: field {field} = {value!r} has more decimals than "
        f"{currency} allows ({allowed}{f' + {extra} for a catalogue price' if extra else ''}): "
        "round it in the connector (a float computation or a tax-exclusive price?)"
    )


def _weights(hook: str, records: Sequence[Mapping[str, Any]]) -> list[str]:
    weighed = [(r, w) for r in records if (w := _decimal(r.get("weight_kg"))) is not None]
    problems = [
        f"{hook}: {reference(r)}: field weight_kg = {r['weight_kg']!r} is over "
        f"{MAX_WEIGHT_KG} kg: weight_kg is kilograms, convert the store's unit (grams?)"
        for r, w in weighed
        if w > MAX_WEIGHT_KG
    ]
    if weighed and not problems:
        median = statistics.median(w for _, w in weighed)
        if median > MEDIAN_WEIGHT_KG:
            r = weighed[0][0]
            problems.append(
                f"{hook}: field weight_kg: the median weight of {len(weighed)} products is "
                f"{median} kg (over {MEDIAN_WEIGHT_KG} kg; first: {reference(r)}, "
                f"weight_kg = {r['weight_kg']!r}): weight_kg is kilograms, convert the store's "
                "unit (grams?)"
            )
    return problems


def _stock(hook: str, records: Sequence[Mapping[str, Any]]) -> list[str]:
    problems = []
    quantities = []
    for r in records:
        for field in ("quantity", "on_hand"):
            q = r.get(field)
            if not isinstance(q, int):
                continue
            if field == "quantity":
                quantities.append(q)
            if q > MAX_STOCK or q < MIN_STOCK:
                problems.append(
                    f"{hook}: {reference(r)}: field {field} = {q} is not a plausible stock "
                    f"level ({MIN_STOCK} to {MAX_STOCK}): a wrong field or a sign error?"
                )
    negative = sum(1 for q in quantities if q < 0)
    if quantities and negative * 2 > len(quantities):
        problems.append(
            f"{hook}: field quantity: {negative} of {len(quantities)} stock levels are "
            "negative: a sign error (reserved or sold counts sent as the level)?"
        )
    return problems


def _orders(hook: str, records: Sequence[Mapping[str, Any]]) -> list[str]:
    problems = []
    for order in records:
        currency = order.get("currency")
        problem = _money_problem(hook, order, "total", order.get("total"), currency, 0)
        problems += [problem] if problem else []
        for i, line in enumerate(order.get("lines") or ()):
            if not isinstance(line, Mapping):
                continue
            field = f"lines.{i}"
            quantity = line.get("quantity")
            if isinstance(quantity, int) and quantity > MAX_LINE_QUANTITY:
                problems.append(
                    f"{hook}: {reference(order)}: field {field}.quantity = {quantity} is not a "
                    f"plausible quantity (over {MAX_LINE_QUANTITY}): an id or a price?"
                )
            problem = _money_problem(hook, order, f"{field}.price", line.get("price"), currency, 0)
            problems += [problem] if problem else []
    return problems


def plausibility_problems(hook: str, kind: str, items: Iterable[object]) -> list[str]:
    """Values that validate but cannot be right (see the module's rules)."""
    records = [r for r in items if isinstance(r, Mapping)]
    if kind == "product":
        problems = _weights(hook, records)
        for r in records:
            problem = _money_problem(
                hook, r, "price", r.get("price"), r.get("currency"), CATALOGUE_EXTRA_DECIMALS
            )
            problems += [problem] if problem else []
        return problems
    if kind == "stock":
        return _stock(hook, records)
    if kind == "order":
        return _orders(hook, records)
    return []


def _plain(record: object) -> object:
    if isinstance(record, Outcome):
        return {"outcome": type(record).__name__, **vars(record), "cursor": None}
    return record


def first_difference(hook: str, first: Sequence[object], again: Sequence[object]) -> str | None:
    """How two reads of unchanged data differ (cursors aside): the first differing record and
    its first differing field, or None when they are the same."""
    if len(first) != len(again):
        return (
            f"{hook} yields {len(first)} records, then {len(again)} when re-run on unchanged "
            "data: a stream must be the same on every read (stable order, no paging gaps)"
        )
    for i, (a, b) in enumerate(zip(first, again, strict=True)):
        a, b = _plain(a), _plain(b)
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)):
            if a != b:
                return f"{hook}: record {i} differs when re-run: {a!r} then {b!r}"
            continue
        for key in [*a, *(k for k in b if k not in a)]:
            if key == "cursor" or a.get(key) == b.get(key):
                continue
            return (
                f"{hook}: record {i} ({reference(a)}) differs when re-run on unchanged data: "
                f"field {key} was {a.get(key)!r}, then {b.get(key)!r} (a record must be read "
                "from the store only: no clock, counter or random value in it)"
            )
    return None


# -- cursors --------------------------------------------------------------------------------


def parse_time(text: str) -> datetime | None:
    """An ISO-8601 time (aware, UTC when naive), or None."""
    if not re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def cursor_key(cursor: str) -> tuple[tuple[int, Any], ...]:
    """A sort key for the cursors the toolkit and the bundled connectors make: ``|``-separated
    parts, each compared as a number, a time or text (``2026-01-05T10:00:00Z|42``)."""
    parts: list[tuple[int, Any]] = []
    for part in str(cursor).split("|"):
        text = part.strip()
        when = parse_time(text)
        if text.isdigit():
            parts.append((0, int(text)))
        elif when is not None:
            parts.append((1, when))
        else:
            parts.append((2, text))
    return tuple(parts)


def before(a: str, b: str) -> bool:
    """True when cursor ``a`` sorts before cursor ``b`` (as text when their shapes differ)."""
    ka, kb = cursor_key(a), cursor_key(b)
    if [kind for kind, _ in ka] == [kind for kind, _ in kb]:
        return ka < kb
    return str(a) < str(b)


def cursor_of(item: object) -> str | None:
    if isinstance(item, Outcome):
        return item.cursor
    if isinstance(item, Mapping) and item.get("cursor"):
        return str(item["cursor"])
    return None


def decreasing_cursor(hook: str, items: Sequence[object]) -> str | None:
    """The first record whose cursor sorts before the cursor of one yielded earlier."""
    last: tuple[object, str] | None = None
    for item in items:
        cursor = cursor_of(item)
        if cursor is None:
            continue
        if last is not None and before(cursor, last[1]):
            return (
                f"{hook}: the cursor of {reference(item)} ({cursor!r}) sorts before the cursor "
                f"of {reference(last[0])} ({last[1]!r}) yielded earlier: cursors must be "
                "non-decreasing in stream order (the core stores the last one it sees; "
                "sort the store's query by the cursor's fields)"
            )
        last = (item, cursor)
    return None


def cursor_in_the_future(hook: str, items: Sequence[object], started: datetime) -> str | None:
    """The first record whose cursor is a time after the read started: the time of the run,
    not of the record."""
    for item in items:
        cursor = cursor_of(item)
        times = [t for t in (parse_time(p.strip()) for p in (cursor or "").split("|")) if t]
        if times and max(times) > started:
            return (
                f"{hook}: the cursor of {reference(item)} is {cursor!r}, later than the moment "
                f"the read started ({started.isoformat()}): a cursor must come from the "
                "record (its update time, its id), never the time of the run"
            )
    return None


def changed_cursor(hook: str, first: Sequence[object], again: Sequence[object]) -> str | None:
    """The first record whose cursor differs between two reads of unchanged data."""
    for a, b in zip(first, again, strict=False):
        if cursor_of(a) != cursor_of(b):
            return (
                f"{hook}: the cursor of {reference(a)} was {cursor_of(a)!r}, then "
                f"{cursor_of(b)!r} when re-read on unchanged data: a cursor must come from the "
                "record (its update time, its id), never the time of the run"
            )
    return None


def rerun_problem(
    hook: str, first: Sequence[object], rerun: Sequence[object], last: str, complete: bool
) -> str | None:
    """What a re-run from the last cursor must not yield on unchanged data: a record never
    seen before (``complete``: the first read was the whole stream), or one whose cursor sorts
    before the cursor the core stored (it would be read again on every run)."""
    seen = {reference(r) for r in first}
    for item in rerun:
        cursor = cursor_of(item)
        if complete and reference(item) not in seen:
            return (
                f"{hook}: re-run with since={last!r} (the last cursor of a complete read) "
                f"yields {reference(item)}, which the first read did not: records were skipped"
            )
        if cursor is not None and before(cursor, last):
            return (
                f"{hook}: re-run with since={last!r} (the last cursor) yields "
                f"{reference(item)} again, whose cursor {cursor!r} sorts before it: the "
                f"feed would read it on every run ({len(rerun)} records re-read). Filter the "
                "store's query by the cursor given as since"
            )
    return None
