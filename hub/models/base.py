import json
from datetime import UTC, datetime
from decimal import Decimal

from peewee import DecimalField, Model, TextField

from hub.bounds import as_id
from hub.db import db
from hub.errors import BadInput


def utcnow():
    """Naive UTC: every datetime column stores UTC without tzinfo (portable SQLite/PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_utc_naive(value):
    """A datetime (or an ISO-8601 string) as naive UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def iso(value):
    """ISO-8601 UTC with a Z, for the CLI and the API."""
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat() + "Z"


class JSONField(TextField):
    """JSON in a text column: the same on SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, sort_keys=True, default=str)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class MoneyField(DecimalField):
    """A price or a total: 14 digits, 4 of them decimals, rounded on the way in; empty when the
    store gives none."""

    def __init__(self, **kwargs):
        kwargs = {"max_digits": 14, "decimal_places": 4, "null": True, "auto_round": True} | kwargs
        super().__init__(**kwargs)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


def add_up_to(row, field, amount, limit):
    """``field += amount`` on ``row`` in one UPDATE that refuses to pass ``limit`` (another
    column of the same row), so concurrent writers never overshoot it; the row object follows.
    True when it was added."""
    model = type(row)
    added = (
        model.update({field: field + amount})
        .where((model.id == row.id) & (field + amount <= limit))
        .execute()
    )
    if added:
        setattr(row, field.name, getattr(row, field.name) + amount)
    return bool(added)


def remaining_plan(lines, nothing_left):
    """``{line id: what remains}`` of the order or purchase order ``lines`` that still have
    something to ship or receive (their ``remaining``); BadInput(``nothing_left``) when none."""
    plan = {line.id: line.remaining for line in lines if line.remaining > 0}
    if not plan:
        raise BadInput(nothing_left)
    return plan


def by_id_or_first(model, text, condition):
    """The row whose id ``text`` is (digits), else the first (lowest id) matching
    ``condition``; None when neither is found."""
    row_id = as_id(text)
    found = model.get_or_none(model.id == row_id) if row_id else None
    return found or model.select().where(condition).order_by(model.id).first()


def decimal_str(value, min_places=0):
    """A stable decimal string whatever the database returns (SQLite 1.5, PostgreSQL 1.5000):
    trailing zeros dropped, at least ``min_places`` decimals (2 for money)."""
    if value is None:
        return None
    text = format(Decimal(str(value)).normalize(), "f")
    whole, _, frac = text.partition(".")
    frac = frac.ljust(min_places, "0")
    return f"{whole}.{frac}" if frac else whole
