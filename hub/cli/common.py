"""Shared CLI plumbing: database opening, JSON output, clear errors and exit codes.

Exit codes: 0 done (with or without record errors), 1 the run failed, 2 bad input,
3 no worker picked the run up.
"""

import functools
import json
import sys
from datetime import UTC, datetime
from decimal import Decimal

import click

from hub.bounds import CELL_TEXT_MAX, UNSAFE_CHARS, terminal_safe
from hub.db import db, init_db
from hub.errors import BadInput, HubError
from hub.models.schema import migration_status
from hub.settings import get_settings

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_NO_WORKER = 0, 1, 2, 3


class IsoDateTime(click.ParamType):
    """An ISO 8601 date or date-time: ``2026-11-01``, ``2026-11-01T00:00:00``, with ``Z`` or
    an offset (``+01:00``); without one it is UTC. Returned as an aware UTC datetime."""

    name = "ISO-8601"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            parsed = value
        else:
            text = str(value).strip()
            try:
                parsed = datetime.fromisoformat(text)  # 3.11: Z, offsets, T or space
            except ValueError:
                self.fail(
                    f"{value!r} is not an ISO 8601 date-time "
                    "(e.g. 2026-11-01, 2026-11-01T00:00:00Z, 2026-11-01T01:00:00+01:00)",
                    param,
                    ctx,
                )
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)


ISO_DATETIME = IsoDateTime()

_db_ready = False


def open_db(check_schema=True):
    """Open the configured database once per process; refuse to run on an unmigrated one."""
    global _db_ready
    if _db_ready and db.obj is not None:
        return db.obj
    database = init_db(get_settings().database_url)
    if check_schema:
        pending = [name for name, applied in migration_status(database) if not applied]
        if pending:
            raise BadInput(
                "the database schema is not up to date: run `hub db upgrade` "
                f"(pending: {', '.join(pending)})"
            )
    _db_ready = True
    return database


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def print_json(data):
    """JSON for scripts; the characters that would act on a terminal (DEL, C1 controls, bidi
    overrides) are written as JSON escapes — the same data, nothing raw on the screen."""
    text = json.dumps(data, indent=2, default=_default, ensure_ascii=False)
    click.echo(UNSAFE_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def print_table(rows, columns):
    """Plain aligned columns for humans; scripts use --json."""
    if not rows:
        click.echo("(none)")
        return
    # store text is shown escaped (no escape sequence or bidi override reaches the
    # terminal) and cut to CELL_TEXT_MAX characters; --json keeps every character
    cells = [
        {c: terminal_safe(r.get(c), CELL_TEXT_MAX, newlines=False) for c in columns} for r in rows
    ]
    widths = {c: max(len(c), *(len(r[c]) for r in cells)) for c in columns}
    click.echo("  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip())
    for row in cells:
        click.echo("  ".join(row[c].ljust(widths[c]) for c in columns).rstrip())


def print_rows(rows, as_json, columns):
    """A list for scripts (--json, every key) or for humans (the given columns)."""
    if as_json:
        print_json(rows)
    else:
        print_table(rows, columns)


def handle_errors(fn):
    """Turn HubError into one clear line and exit code 2 (bad input) or 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except BadInput as exc:
            click.echo(f"error: {terminal_safe(exc, 2000, newlines=False)}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except HubError as exc:
            click.echo(f"error: {terminal_safe(exc, 2000, newlines=False)}", err=True)
            sys.exit(EXIT_FAILED)

    return wrapper


def with_db(fn):
    @functools.wraps(fn)
    @handle_errors
    def wrapper(*args, **kwargs):
        open_db()
        return fn(*args, **kwargs)

    return wrapper


def parse_pairs(pairs, what):
    """["k=v", ...] -> {k: v}; BadInput on a malformed pair."""
    result = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise BadInput(f"{what} must be KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        if not key.strip():
            raise BadInput(f"{what} must be KEY=VALUE, got {pair!r}")
        result[key.strip()] = value
    return result


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Machine-readable output (stable keys)."
)
