"""Set-wise INSERTs for large writes (a first import creates every row; a batch of orders its
orders, lines, held records and movements; a batch's events their upsert). Beside the models,
so that the engine (events) can use it as well as the feeds and services.

Peewee's ``insert_many`` builds its SQL through the query tree, value by value: for a first
import of 100,000 variants that was most of the run's time (benchmarks/README.md). Here the
statement is built once per chunk as plain text — only table and column names, taken from the
model, are interpolated; every value is a parameter, converted by its field's ``db_value``
(JSON, decimals, foreign keys) as peewee would.
"""

from operator import itemgetter

from peewee import DecimalField

from hub.db import db
from hub.models.base import JSONField

# columns whose Python value needs its field's conversion (JSON text, decimals rounded to the
# column's places); text, integer, foreign-key and time columns are given the str, int and
# datetime values the feeds build, as the database drivers take them
CONVERTED = (JSONField, DecimalField)

MAX_PARAMS = 4000  # per statement: well under SQLite's 32,766 and PostgreSQL's 65,535


def _quote(name):
    return f'"{name}"'


def insert_rows(model, rows, *, returning_ids=False, on_conflict=None, returning=None):
    """INSERT ``rows`` (dicts with the same keys: the model's field names) into ``model``'s
    table, in multi-row statements.

    ``returning_ids``: the primary key of each new row is returned, in the order of ``rows``.
    The ids come back from ``RETURNING``; they are sorted before being paired with the rows,
    because a table's new ids are allocated in the order the VALUES are processed (SQLite:
    max(rowid) + 1 under the write lock; PostgreSQL: ``nextval`` per row), while the order
    RETURNING lists them in is not promised by either database. (Django's ``bulk_create``
    relies on the same allocation order on both.)

    ``on_conflict``: an SQL tail such as ``ON CONFLICT (...) DO UPDATE SET ...`` (the same text
    on SQLite and PostgreSQL).

    ``returning``: field names; the rows the statements return (tuples of those columns, in
    no promised order; with ``ON CONFLICT DO NOTHING`` only the rows inserted) — for pairing
    rows by a key of their own where ``returning_ids`` cannot."""
    if not rows:
        return []
    if returning_ids and on_conflict:
        raise ValueError("ids cannot be paired with rows when a conflict may skip one")
    if returning_ids and returning:
        raise ValueError("returning_ids or returning, not both")
    names = list(rows[0])
    # the fields' Python defaults, as Model.insert fills them in (one value per call)
    defaults = {
        f.name: f.default() if callable(f.default) else f.default
        for f in model._meta.sorted_fields
        if f.default is not None and f.name not in names and f is not model._meta.primary_key
    }
    if defaults:
        rows = [{**defaults, **row} for row in rows]
        names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    converted = [(i, f.db_value) for i, f in enumerate(fields) if isinstance(f, CONVERTED)]
    single = len(names) == 1
    values_of = itemgetter(*names)  # a row's values in column order, at C speed
    columns = ", ".join(_quote(field.column_name) for field in fields)
    one = "(" + ", ".join([db.obj.param] * len(names)) + ")"
    tail = f" {on_conflict}" if on_conflict else ""
    if returning_ids:
        tail += f" RETURNING {_quote(model._meta.primary_key.column_name)}"
    elif returning:
        tail += " RETURNING " + ", ".join(
            _quote(model._meta.fields[name].column_name) for name in returning
        )
    per_chunk = max(1, MAX_PARAMS // len(names))
    ids = []
    for start in range(0, len(rows), per_chunk):
        chunk = rows[start : start + per_chunk]
        params = []
        for row in chunk:
            values = [row[name] for name in names] if single else list(values_of(row))
            for i, c in converted:
                values[i] = c(values[i])
            params.extend(values)
        table = _quote(model._meta.table_name)
        values = ", ".join([one] * len(chunk))
        sql = f"INSERT INTO {table} ({columns}) VALUES {values}{tail}"  # noqa: S608 - names only
        cursor = db.execute_sql(sql, params)
        if returning_ids:
            ids.extend(sorted(row[0] for row in cursor.fetchall()))
        elif returning:
            ids.extend(tuple(row) for row in cursor.fetchall())
    return ids
