"""Shared helpers of the dashboard blueprints: login-protected blueprints, 404s, keyset pages."""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from hub.bounds import MAX_QUANTITY, as_id, whole_number
from hub.engine.runs import queued_behind
from hub.errors import BadInput, HubError
from hub.models import iso, utcnow
from hub.services.health import worker_down
from hub.services.queries import keyset, sorted_keyset, walk_sorted
from hub.web.filters import display_zone


def protected_blueprint(name, import_name, **kwargs):
    """A blueprint whose every view requires a signed-in user."""
    bp = Blueprint(name, import_name, **kwargs)

    @bp.before_request
    @login_required
    def _signed_in():
        return None

    return bp


def get_or_404(model, row_id):
    row = model.get_or_none(model.id == row_id)
    if row is None:
        abort(404)
    return row


def page_size():
    try:
        size = int(str(request.args.get("limit") or current_app.config["PAGE_SIZE"])[:6])
    except ValueError:
        size = current_app.config["PAGE_SIZE"]
    return max(1, min(size, 500))


@dataclass(frozen=True)
class Sorts:
    """A list's sortable columns (``?sort=name``, ``?sort=-name`` descending): name → a NOT
    NULL field of the listed model; an unknown name falls back to ``default``."""

    fields: dict
    default: str

    def chosen(self, args) -> tuple[str, Any, bool]:
        raw = args.get("sort") or self.default
        if raw.lstrip("-") not in self.fields:
            raw = self.default
        return raw, self.fields[raw.lstrip("-")], raw.startswith("-")


def keyset_page(query, size=None, sorts=None):
    """One page, ``?before=<id>`` being the last row of the previous one: newest first
    (hub.services.queries.keyset, descending), or in the order ``sorts`` reads from ``?sort=``.

    Returns (rows, next_before) where next_before is the id to pass for the next page or None.
    """
    before = as_id(request.args.get("before") or "")
    if sorts is not None:
        _, key, descending = sorts.chosen(request.args)
        page = sorted_keyset(
            query, limit=size or page_size(), key=key, descending=descending, cursor=before
        )
    else:
        page = keyset(query, limit=size or page_size(), cursor=before, descending=True)
    return page.rows, page.next


def list_page(template, query, rows_name, sorts=None, **context):
    """A list page: one keyset page of ``query`` as ``rows_name`` in ``template``, with the
    pager's ``next_before``, the ``sort`` in force (when the list is sortable) and the rest of
    ``context``."""
    rows, next_before = keyset_page(query, sorts=sorts)
    if sorts is not None:
        context["sort"] = sorts.chosen(request.args)[0]
    return render_template(template, **{rows_name: rows}, next_before=next_before, **context)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value as a spreadsheet will read it safely: text that a spreadsheet would take as a
    formula (a customer named ``=HYPERLINK(...)``) is prefixed with a quote (OWASP's CSV
    injection advice); None is empty; numbers are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


Column = tuple[str, Callable[[Any], Any]]


def attribute_columns(spec: str) -> list[Column]:
    """CSV columns read from each row's attributes: ``"id feed integration=integration.name"``
    (a label, then the dotted path when it differs); a date-time is written as ISO 8601."""
    columns = []
    for word in spec.split():
        label, _, path = word.partition("=")
        columns.append((label, _attribute_reader((path or label).split("."))))
    return columns


def _attribute_reader(names):
    def read(row):
        for name in names:
            row = getattr(row, name)
        return iso(row) if isinstance(row, datetime) else row

    return read


def csv_export(name, query, sorts, columns: list[Column], to_items=None):
    """The rows of ``query`` as a streamed CSV download, in the order the list shows them
    (``sorts`` from ``?sort=``): a header of ``columns``' labels, then one line per row, read
    1,000 rows per query (``walk_sorted``) and written as they come, so an export of a million
    rows holds one chunk at a time. ``to_items`` turns a chunk of rows into what the columns
    read (a Listing's dicts), once per chunk."""
    _, key, descending = sorts.chosen(request.args)

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([label for label, _ in columns])
        yield buffer.getvalue()
        for rows in walk_sorted(query, key=key, descending=descending):
            buffer.seek(0)
            buffer.truncate()
            items: Iterable = to_items(rows) if to_items else rows
            for item in items:
                writer.writerow([csv_cell(get(item)) for _, get in columns])
            yield buffer.getvalue()

    filename = f"{name}-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def parse_date(value, end=False):
    """A list filter's bound -> naive UTC datetime, read in the user's time zone
    (hub.web.filters.display_zone): ``YYYY-MM-DD`` is that day's start (``end``: the next
    day's, so "to" a day includes it); ``YYYY-MM-DDTHH:MM`` (a datetime-local input) is that
    minute (``end``: the next minute's, so "to 14:30" includes 14:30)."""
    if not value:
        return None
    value = value.strip()
    shapes = {10: ("%Y-%m-%d", timedelta(days=1)), 16: ("%Y-%m-%dT%H:%M", timedelta(minutes=1))}
    shape, step = shapes.get(len(value), shapes[10])
    try:
        when = datetime.strptime(value, shape)
    except ValueError:
        raise BadInput(f"invalid date {value!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    try:
        if end:
            when += step
        return when.replace(tzinfo=display_zone()).astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # 9999-12-31's next day; year 1 in a zone ahead of UTC
        raise BadInput(f"date {value!r} is out of range") from None


def safe_path(target):
    """``target`` if it is a path of this site (``/orders/?status=held``), else None.

    Refused: a scheme or a host, a path that does not start with one slash (``//host``),
    and any control character or backslash anywhere (browsers drop or rewrite them: with a
    tab, ``/%09/evil.example`` becomes ``//evil.example``)."""
    if not isinstance(target, str) or not target or len(target) > 2048:
        return None
    if any(ord(c) < 0x20 or c in "\x7f\\" for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def back(default_endpoint="overview.index", **values):
    """Redirect to the page the form was posted from (same host only), else a default."""
    target = request.form.get("next") or request.referrer
    if target:
        parsed = urlsplit(target)
        if not parsed.netloc or parsed.netloc == request.host:
            path = safe_path(urlunsplit(("", "", parsed.path, parsed.query, "")))
            if path:
                return redirect(path)
    return redirect(url_for(default_endpoint, **values))


def flash_error(exc):
    flash(str(exc), "error")


def run_action(fn, success=None):
    """Call ``fn``; a HubError becomes a flash message instead of a 500. Returns (ok, result)."""
    try:
        result = fn()
    except HubError as exc:
        flash_error(exc)
        return False, None
    if success:
        flash(success, "success")
    return True, result


def acting_user():
    """The signed-in user's row: who did it, as the services record it."""
    return current_user._get_current_object()


def text_field(name):
    """A form field's text without surrounding spaces; None when empty."""
    return (request.form.get(name) or "").strip() or None


def row_field(model, name):
    """The row of ``model`` whose id the form field ``name`` holds; None when none is chosen
    (an unknown id too: the service then takes its default)."""
    row_id = request.form.get(name, type=as_id)
    return model.get_or_none(model.id == row_id) if row_id else None


def line_quantities(lines, sku_of, none_message):
    """``{sku: units}`` from the form's ``qty_<line id>`` fields of ``lines`` (empty: 0);
    BadInput(``none_message``) when no line has any."""
    quantities = {}
    for line in lines:
        qty = int_field(f"qty_{line.id}", default=0, minimum=0)
        if qty:
            quantities[sku_of(line)] = quantities.get(sku_of(line), 0) + qty
    if not quantities:
        raise BadInput(none_message)
    return quantities


def flash_queued(run, what):
    """Say that ``run`` is queued (``what``: "Retry queued as run #12"); when another run of its
    feed holds the lease, that this one starts after it (it is never dropped); when no worker
    is alive, that nothing will pick it up until one starts."""
    after = queued_behind(run)
    if worker_down():
        flash(
            f"{what}, but no worker is running: it waits until one starts (`hub worker`).",
            "warning",
        )
    elif after:
        flash(
            f"{what}: run #{after} of this feed is running now; this one starts after it.", "info"
        )
    else:
        flash(f"{what}.", "success")


def int_field(name, default=None, minimum=None):
    raw = (request.form.get(name) or "").strip()
    if raw == "":
        if default is not None:
            return default
        raise BadInput(f"{name.replace('_', ' ')} is required")
    label = name.replace("_", " ")
    return whole_number(raw, label, minimum=-MAX_QUANTITY if minimum is None else minimum)
