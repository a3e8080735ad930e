"""Events are deduplicated on (integration, code, reference): one row, counted, re-opened
(one INSERT … ON CONFLICT DO UPDATE, on SQLite and PostgreSQL)."""

import pytest
from conftest import BACKENDS

from hub.engine.events import record_event, record_events, resolve_event
from hub.models import Event, FeedRun, RunLog


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_the_same_problem_is_one_row_counted_and_reopened(hub_db, integration):
    first = record_event(integration.id, "retry", "timeout", "first", reference="SKU-1")
    again = record_event(
        integration.id, "error", "timeout", "second", reference="SKU-1", details={"n": 2}
    )
    assert again.id == first.id and Event.select().count() == 1
    assert (again.count, again.severity, again.message, again.details) == (
        2,
        "error",
        "second",
        {"n": 2},
    )
    assert again.first_seen == first.first_seen and again.last_seen >= first.last_seen
    resolve_event(again, "merchant")
    reopened = record_event(integration.id, "error", "timeout", "third", reference="SKU-1")
    assert (reopened.count, reopened.resolved_at, reopened.resolved_by) == (3, None, None)
    other = record_event(integration.id, "error", "timeout", "elsewhere", reference="SKU-2")
    assert other.id != first.id and other.count == 1


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_a_batch_of_problems_gives_the_rows_one_by_one_would(hub_db, integration):
    """record_events (a batch of orders' holds): one upsert, the same rows and log lines as
    record_event called for each occurrence in turn."""
    run = FeedRun.create(integration=integration, feed="import_new_orders", trigger="manual")
    old = record_event(integration.id, "retry", "awaiting_payment", "old", reference="1001")
    resolve_event(old, "merchant")

    def seen(severity, code, message, reference):
        return {"severity": severity, "code": code, "message": message, "reference": reference}

    ids = record_events(
        integration.id,
        [
            seen("retry", "awaiting_payment", "held", "1001"),  # seen again: re-opened
            seen("info", "order_cancelled", "cancelled", "1002"),
            seen("retry", "awaiting_payment", "held too", "1003"),
            seen("error", "awaiting_payment", "still held", "1001"),  # twice in the batch
        ],
        run=run,
    )
    assert ids[0] == ids[3] == old.id and len(set(ids)) == 3
    again = Event.get_by_id(old.id)
    assert (again.count, again.severity, again.message, again.resolved_at) == (
        3,
        "error",
        "still held",
        None,
    )
    assert (again.feed, again.last_run_id, again.first_seen) == (
        "import_new_orders",
        run.id,
        old.first_seen,
    )
    assert Event.get_by_id(ids[1]).count == 1 and Event.select().count() == 3
    log = [(r.event_id, r.reference, r.message) for r in RunLog.select().order_by(RunLog.id)]
    assert log == [
        (old.id, "1001", "held"),
        (ids[1], "1002", "cancelled"),
        (ids[2], "1003", "held too"),
        (old.id, "1001", "still held"),
    ]
    with pytest.raises(ValueError, match="unknown severity"):
        record_events(integration.id, [seen("fatal", "x", "y", "1")])
