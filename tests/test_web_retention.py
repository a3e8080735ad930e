"""hub.services.retention.prune: old finished runs and old resolved events go, unresolved
errors and recent or running runs stay."""

from datetime import timedelta


def test_prune(hub_db, integration):
    from hub.models import Event, FeedRun, OutboxItem, RunLog, utcnow
    from hub.services.retention import prune

    now = utcnow()
    old = now - timedelta(days=hub_db.run_retention_days + 1)
    old_run = FeedRun.create(
        integration=integration,
        feed="import_new_orders",
        status="succeeded",
        queued_at=old,
        finished_at=old,
    )
    stuck = FeedRun.create(
        integration=integration, feed="import_new_orders", status="running", queued_at=old
    )
    recent = FeedRun.create(
        integration=integration, feed="import_new_orders", status="failed", queued_at=now
    )
    open_error = Event.create(
        integration=integration,
        severity="error",
        code="a",
        reference="1",
        message="open",
        last_seen=old,
        first_seen=old,
        last_run=old_run,
    )
    old_resolved = Event.create(
        integration=integration,
        severity="error",
        code="b",
        reference="2",
        message="done",
        resolved_at=old,
    )
    new_resolved = Event.create(
        integration=integration,
        severity="info",
        code="c",
        reference="3",
        message="done",
        resolved_at=now,
    )
    RunLog.create(run=old_run, event=old_resolved, severity="error", code="b", message="x")
    RunLog.create(run=recent, event=old_resolved, severity="error", code="b", message="x")
    OutboxItem.create(run=old_run, key="k", payload={})

    assert prune(now=now) == {"runs": 1, "events": 1, "webhooks": 0, "alerts": 0}
    assert {r.id for r in FeedRun.select()} == {stuck.id, recent.id}
    assert {e.id for e in Event.select()} == {open_error.id, new_resolved.id}
    assert Event.get_by_id(open_error.id).last_run_id is None
    assert RunLog.select().count() == 1 and RunLog.get().event_id is None
    assert OutboxItem.select().count() == 0
    assert prune(now=now) == {"runs": 0, "events": 0, "webhooks": 0, "alerts": 0}
