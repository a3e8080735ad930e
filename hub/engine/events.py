"""Events: problems the merchant sees, deduplicated on (integration, code, reference).

The same problem seen again updates one row (count, last_seen, last run) and
re-opens it if it had been resolved, so the bell does not grow every night with
the same error. Every occurrence is also a line of its run's log (RunLog).
"""

from hub.bounds import EVENT_TEXT_MAX, shorten
from hub.db import db
from hub.errors import BadInput
from hub.models import Event, RunLog, utcnow
from hub.models.feeds import SEVERITIES


def record_event(
    integration_id,
    severity,
    code,
    message,
    *,
    hint=None,
    reference=None,
    external_id=None,
    run=None,
    details=None,
):
    """An Error, Retry or Info for the bell (deduplicated, see the module), and a line of
    ``run``'s log when it happened in a run (the event then names the run's feed)."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    reference = (reference or "")[:255]
    message = shorten(message, EVENT_TEXT_MAX)  # store text in it can be very long
    hint = shorten(hint, EVENT_TEXT_MAX) if hint else hint
    now = utcnow()
    latest = {  # what the newest occurrence says
        Event.severity: severity,
        Event.feed: run.feed if run else None,
        Event.external_id: external_id,
        Event.message: message,
        Event.hint: hint,
        Event.details: details or {},
        Event.last_seen: now,
        Event.last_run: run.id if run else None,
    }
    key = {Event.integration: integration_id, Event.code: code, Event.reference: reference}
    with db.atomic():
        # one statement, new or seen again (INSERT … ON CONFLICT DO UPDATE, SQLite and
        # PostgreSQL): seen again counts one more and re-opens a resolved event
        Event.insert({**key, Event.count: 1, Event.first_seen: now, **latest}).on_conflict(
            conflict_target=list(key),
            update={
                Event.count: Event.count + 1,
                Event.resolved_at: None,
                Event.resolved_by: None,
                **latest,
            },
        ).execute()
        event = Event.get(*(field == value for field, value in key.items()))
        if run is not None:
            RunLog.create(
                run=run.id,
                event=event.id,
                severity=severity,
                code=code,
                reference=reference or None,
                message=message,
                hint=hint,
            )
    return event


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


def resolve_event(event, user=None):
    if event.resolved_at is not None:
        raise BadInput(f"event {event.id} is already resolved")
    event.resolved_at = utcnow()
    event.resolved_by = getattr(user, "username", user) or "merchant"
    event.save()
    return event
