"""Reading a hook's stream in a connector's own tests, the way the core reads it."""

from collections.abc import Iterable
from typing import Any

from hub.outcomes import Outcome, is_outcome
from hub.records import validate_record


def split_stream(kind: str, stream: Iterable[Any]) -> tuple[list[dict[str, Any]], list[Outcome]]:
    """Split a hook's stream into its records (each validated as the core validates a
    ``kind`` record: an invalid one raises marshmallow's ValidationError) and its outcomes."""
    records: list[dict[str, Any]] = []
    outcomes: list[Outcome] = []
    for item in stream:
        if is_outcome(item):
            outcomes.append(item)
        else:
            validate_record(kind, item)
            records.append(item)
    return records, outcomes
