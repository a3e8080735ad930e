"""Record-level outcomes a connector yields in place of a record it cannot deliver.

Severities follow the mission: *info* (a business rule, nothing to do), *retry*
(the hub re-checks automatically), *error* (the merchant must fix something).
"""

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass
class Outcome:
    reference: str  # what the merchant recognises: SKU, order number, product id
    message: str
    hint: str | None = None
    code: str = "outcome"
    external_id: str | None = None
    cursor: str | None = None  # lets the checkpoint advance past a skipped record
    severity: ClassVar[str] = "info"


@dataclass
class Skip(Outcome):
    """Not delivered on purpose (info): a gift card, a product without a stockable variant…"""

    code: str = "skipped"
    severity = "info"


@dataclass
class Hold(Outcome):
    """Not deliverable yet (retry): the core re-asks for ``external_id`` later."""

    code: str = "held"
    severity = "retry"


@dataclass
class Invalid(Outcome):
    """The store's data is wrong (error): ``errors`` maps field names to messages."""

    code: str = "invalid_record"
    errors: dict[str, list[str]] = field(default_factory=dict)
    severity = "error"


def is_outcome(value: object) -> bool:
    return isinstance(value, Outcome)
