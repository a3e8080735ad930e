"""Shared CLI plumbing: database opening, JSON output, clear errors and exit codes.

Exit codes: 0 done (with or without record errors), 1 the run failed, 2 bad input,
3 no worker picked the run up.
"""

import functools
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import click

from hub.bounds import CELL_TEXT_MAX, UNSAFE_CHARS, terminal_safe
from hub.db import db, display_url, init_db
from hub.errors import BadInput, HubError
from hub.models import WorkerHeartbeat, utcnow
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
    settings = get_settings()
    database = init_db(settings.database_url)
    if check_schema:
        status = migration_status(database)
        pending = [name for name, applied in status if not applied]
        if pending:
            raise BadInput(schema_message(settings, pending, empty=len(pending) == len(status)))
    _db_ready = True
    return database


def schema_message(settings, pending, empty):
    """Why the CLI refuses an unmigrated database, naming the database it looked at (its
    password masked) and the instance folder: the wrong ``HUB_INSTANCE_DIR`` points at
    another, empty database, which ``hub db upgrade`` would fill with an empty schema."""
    where = (
        f"database {display_url(settings.database_url)} "
        f"({'HUB_DATABASE_URL' if os.environ.get('HUB_DATABASE_URL') else 'the default'}; "
        f"instance dir {settings.instance_dir})"
    )
    if empty:
        return (
            f"the schema of {where} is not up to date: it is empty (no migration applied). "
            "If the hub's data is elsewhere, set HUB_INSTANCE_DIR (or HUB_DATABASE_URL) to it; "
            "for a new hub here, run `hub db upgrade`"
        )
    return (
        f"the schema of {where} is not up to date: run `hub db upgrade` "
        f"(pending: {', '.join(pending)})"
    )


WORKER_SEEN_WITHIN = timedelta(minutes=2)


def worker_running():
    """True when a ``hub worker`` wrote its heartbeat in the last 2 minutes and has not
    stopped: someone will take what is queued (``feeds run --wait``, ``ship``)."""
    return (
        WorkerHeartbeat.select()
        .where(
            (WorkerHeartbeat.seen_at > utcnow() - WORKER_SEEN_WITHIN)
            & WorkerHeartbeat.stopped_at.is_null(True)
        )
        .exists()
    )


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
    """Plain aligned columns for humans; scripts use --json. ``columns``: a list of keys, or
    one string of them separated by spaces (as namedtuple takes its field names)."""
    if isinstance(columns, str):
        columns = columns.split()
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


def print_rows(rows, as_json, columns, table_row=None):
    """A list for scripts (--json, every key) or for humans (the given columns, of each row
    as ``table_row(row)`` makes it flat when given)."""
    if as_json:
        print_json(rows)
    else:
        print_table([table_row(r) for r in rows] if table_row else rows, columns)


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


def with_queue(fn):
    """For the commands that queue runs or run feeds (``feeds run``, ``events retry``, ``ship``):
    ``hub.tasks`` opens the queue (a SQLite file by default) and wires the engine to it and to
    the feed handlers. Imported here, when such a command runs, on purpose: it loads Huey, and
    through it redis and asyncio (a third of ``hub feeds list``'s start-up), and creates the
    queue's file, which the other commands do not need.

    With ``--inline`` the command runs its feeds in this process: only the feed handlers are
    registered (``hub.feeds``), and the queue is opened if and when the run puts another run
    on it (a retry, a shipping confirmation) — ~0.3 s less start-up for ``hub feeds run …
    --inline``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs.get("inline"):
            register_feeds_queue_on_demand()
        else:
            import hub.tasks  # noqa: F401  (the stated exception: see the docstring)

        return fn(*args, **kwargs)

    return wrapper


def register_feeds_queue_on_demand():
    """The feed handlers registered; ``queue_run`` imports ``hub.tasks`` on its first use."""
    import hub.feeds  # noqa: F401  (registers the feed handlers with the engine)
    from hub.engine.runs import set_enqueue

    if "hub.tasks" in sys.modules:  # already wired (a test, a second command in-process)
        return

    def enqueue_run(run_id, delay=None):
        import hub.tasks  # wires itself in place of this function

        return hub.tasks.enqueue_run(run_id, delay=delay)

    set_enqueue(enqueue_run)


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


def print_fields(data, keys=None, width=None):
    """One ``key: value`` line per field of ``data`` (``keys``, or all; None values left
    out), the values aligned in a column of ``width`` characters when given."""
    for key in keys or data:
        value = data.get(key)
        if value is not None:
            click.echo(f"{key:{width}} {value}" if width else f"{key}: {value}")


def print_record(data, as_json, keys=None, width=None):
    """One object: its JSON for scripts, or its fields one a line (``print_fields``)."""
    if as_json:
        print_json(data)
    else:
        print_fields(data, keys, width)


def print_one(data, as_json, line):
    """One object: the JSON of ``data`` for scripts, or the sentence ``line`` for humans."""
    if as_json:
        print_json(data)
    else:
        click.echo(line)


def stack(*decorators):
    """Several click decorators as one, applied in the order written (top first): the
    options that a family of commands shares, named once."""

    def apply(fn):
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn

    return apply


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Machine-readable output (stable keys)."
)
integration_option = click.option("--integration", help="Only this integration (name or id).")


def limit_option(default, help=None):
    return click.option("--limit", type=int, default=default, help=help)


def warehouse_option(help):
    return click.option("--warehouse", help=help)


def lines_option(metavar, help, required=False):
    """``--line`` (repeatable), parsed by the command: SKU=QTY or SKU=QTY[@PRICE]."""
    return click.option(
        "--line", "lines", multiple=True, required=required, metavar=metavar, help=help
    )


def action_command(group, name, argument, action, show, verb, help):
    """``hub GROUP NAME ARGUMENT [--json]``: ``action(ARGUMENT)`` on the database, then
    ``show(result, as_json, verb)`` — the commands that differ only in what they change."""

    @group.command(name, help=help)
    @click.argument(argument)
    @json_option
    @with_db
    def command(as_json, **arguments):
        show(action(arguments[argument]), as_json, verb)

    return command


def delete_command(group, name, argument, find, delete, question, done, help):
    """``hub GROUP NAME ARGUMENT [--yes]``: find the row (an unknown one is an error before
    any question), ask ``question`` about it unless --yes, delete it and say ``done``
    (both formatted with the row)."""

    @group.command(name, help=help)
    @click.argument(argument)
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @with_db
    def command(yes, **arguments):
        row = find(arguments[argument])
        if not yes:
            click.confirm(question.format(row), abort=True)
        delete(row)
        click.echo(done.format(row))

    return command
