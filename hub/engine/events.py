"""Events: problems the merchant sees, deduplicated on (integration, code, reference).

The same problem seen again updates one row (count, last_seen, last run) and
re-opens it if it had been resolved, so the bell does not grow every night with
the same error. Every occurrence is also a line of its run's log (RunLog).
"""

from hub.bounds import EVENT_TEXT_MAX, shorten
from hub.db import db
from hub.errors import BadInput
from hub.models import Event, RunLog, utcnow
from hub.models.bulk import insert_rows
from hub.models.feeds import SEVERITIES


def occurrence(
    severity, code, message, *, hint=None, reference=None, external_id=None, details=None
):
    """One occurrence of a problem, as ``record_events`` takes them."""
    return {
        "severity": severity,
        "code": code,
        "message": message,
        "hint": hint,
        "reference": reference,
        "external_id": external_id,
        "details": details,
    }


def record_event(integration_id, severity, code, message, *, run=None, **where):
    """An Error, Retry or Info for the bell (deduplicated, see the module), and a line of
    ``run``'s log when it happened in a run (the event then names the run's feed). ``where``:
    ``occurrence``'s hint, reference, external_id and details."""
    (event_id,) = record_events(
        integration_id, [occurrence(severity, code, message, **where)], run=run
    )
    return Event.get_by_id(event_id)


def record_events(integration_id, occurrences, *, run=None):
    """Many problems at once (a batch of orders' holds and skips), the same rows as
    ``record_event`` one by one: one upsert for the batch (an event seen n times in it counts
    n more, the newest occurrence's text wins), one read of the events' ids, the run's log
    lines in one INSERT. ``occurrences``: dicts of ``record_event``'s arguments. Returns the
    event id of each occurrence, in order."""
    now = utcnow()
    latest = {}  # (code, reference) -> the newest occurrence's row
    counts = {}
    lines = []
    for item in occurrences:
        if item["severity"] not in SEVERITIES:
            raise ValueError(f"unknown severity {item['severity']!r}")
        reference = (item.get("reference") or "")[:255]
        message = shorten(item["message"], EVENT_TEXT_MAX)  # store text in it can be very long
        hint = shorten(item["hint"], EVENT_TEXT_MAX) if item.get("hint") else item.get("hint")
        key = (item["code"], reference)
        counts[key] = counts.get(key, 0) + 1
        latest[key] = {
            "integration": integration_id,
            "code": item["code"],
            "reference": reference,
            "severity": item["severity"],
            "feed": run.feed if run else None,
            "external_id": item.get("external_id"),
            "message": message,
            "hint": hint,
            "details": item.get("details") or {},
            "first_seen": now,
            "last_seen": now,
            "last_run": run.id if run else None,
        }
        lines.append((key, item["severity"], message, hint))
    if not lines:
        return []
    rows = [{**row, "count": counts[key]} for key, row in latest.items()]
    with db.atomic():
        # one statement per chunk, new or seen again (INSERT … ON CONFLICT DO UPDATE, SQLite
        # and PostgreSQL): seen again counts more and re-opens a resolved event
        insert_rows(Event, rows, on_conflict=SEEN_AGAIN)
        ids = _event_ids(integration_id, list(latest))
        if run is not None:
            insert_rows(
                RunLog,
                [
                    {
                        "run": run.id,
                        "event": ids[key],
                        "severity": severity,
                        "code": key[0],
                        "reference": key[1] or None,
                        "message": message,
                        "hint": hint,
                        "created_at": now,
                    }
                    for key, severity, message, hint in lines
                ],
            )
    return [ids[key] for key, *_ in lines]


def _seen_again():
    """The upsert's tail: an event seen again counts the batch's occurrences more, is
    re-opened, and takes the newest occurrence's text, details and run."""
    column = {f.name: f.column_name for f in Event._meta.sorted_fields}
    newest = ("severity", "feed", "external_id", "message", "hint", "details", "last_seen")
    updates = [
        f'"count" = "{Event._meta.table_name}"."count" + excluded."count"',
        '"resolved_at" = NULL',
        '"resolved_by" = NULL',
        *(f'"{column[name]}" = excluded."{column[name]}"' for name in (*newest, "last_run")),
    ]
    target = ", ".join(f'"{column[name]}"' for name in ("integration", "code", "reference"))
    return f"ON CONFLICT ({target}) DO UPDATE SET {', '.join(updates)}"


SEEN_AGAIN = _seen_again()


def _event_ids(integration_id, keys):
    """{(code, reference): event id} of an integration's events."""
    ids = {}
    for i in range(0, len(keys), 400):
        chunk = keys[i : i + 400]
        query = Event.select(Event.id, Event.code, Event.reference).where(
            (Event.integration == integration_id)
            & Event.reference.in_({ref for _, ref in chunk})
            & Event.code.in_({code for code, _ in chunk})
        )
        ids.update({(code, ref): id_ for id_, code, ref in query.tuples()})
    return ids


def log_line(run, severity, code, message, *, reference=None, hint=None):
    """A line in the run's log that is not a problem for the bell (progress, summaries)."""
    return RunLog.create(
        run=run.id,
        severity=severity,
        code=code,
        reference=reference,
        message=shorten(message, EVENT_TEXT_MAX),
        hint=hint,
    )


def resolve_references(integration_id, references, codes=None, by="hub"):
    """A record went through: its open problems (of ``codes``) are resolved."""
    references = [r for r in references if r]
    if not references:
        return 0
    query = Event.update(resolved_at=utcnow(), resolved_by=by).where(
        (Event.integration == integration_id)
        & Event.reference.in_(references)
        & Event.resolved_at.is_null(True)
        & (Event.severity != "info")
    )
    if codes:
        query = query.where(Event.code.in_(list(codes)))
    return query.execute()


def unresolved_errors():
    return (
        Event.select()
        .where((Event.severity == "error") & Event.resolved_at.is_null(True))
        .order_by(Event.last_seen.desc())
    )


def open_error_count(integration_id):
    """How many Errors of one integration are not resolved."""
    return unresolved_errors().where(Event.integration == integration_id).order_by().count()


def resolve_event(event, user=None):
    if event.resolved_at is not None:
        raise BadInput(f"event {event.id} is already resolved")
    event.resolved_at = utcnow()
    event.resolved_by = getattr(user, "username", user) or "merchant"
    event.save()
    return event
