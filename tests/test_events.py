"""Events are deduplicated on (integration, code, reference): one row, counted, re-opened
(one INSERT … ON CONFLICT DO UPDATE, on SQLite and PostgreSQL)."""

import pytest
from conftest import BACKENDS

from hub.engine.events import record_event, resolve_event
from hub.models import Event


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
