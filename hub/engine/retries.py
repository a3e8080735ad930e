"""Retry every unresolved Error at once (``hub events retry --all``): one run per feed.

The errors are grouped by the run that retrying each would start (``retry_target``): the
same integration and feed. A group whose errors all name a record becomes one run targeted at
all of them (``external_ids`` / ``shipment_ids``, by ``MAX_TARGETS``); a group with an error
about no record in particular re-runs the feed whole, which covers the others.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from hub.engine.events import unresolved_errors
from hub.engine.runs import queue_run, queued_behind, retry_target, run_inline
from hub.errors import BadInput
from hub.models import Event, FeedRun, Integration

MAX_TARGETS = 1000  # the ids one run may be given (registry's run parameters)
TARGET_KEYS = ("external_ids", "shipment_ids")


@dataclass
class RetryPlan:
    """The runs that retrying the errors takes, and the errors that no run can retry."""

    runs: dict = field(default_factory=lambda: defaultdict(list))  # (integ id, feed) → params
    events: dict = field(default_factory=lambda: defaultdict(list))  # (integ id, feed) → ids
    not_retryable: list = field(default_factory=list)  # (event, why)


def errors_to_retry(integration=None, feed=None):
    """The unresolved Errors, of ``integration`` (an Integration) and of ``feed`` (the feed
    that reported them) when given, oldest first."""
    query = unresolved_errors().order_by(Event.last_seen, Event.id)
    if integration is not None:
        query = query.where(Event.integration == integration.id)
    if feed:
        query = query.where(Event.feed == feed)
    return list(query)


def plan_retries(events):
    """Group ``events`` into the runs that retry them (see the module)."""
    plan = RetryPlan()
    targets = defaultdict(lambda: {key: [] for key in TARGET_KEYS})
    whole = set()
    for event in events:
        try:
            feed, params = retry_target(event)
        except BadInput as exc:
            plan.not_retryable.append((event, str(exc)))
            continue
        key = (event.integration_id, feed)
        plan.events[key].append(event.id)
        if not any(params.get(k) for k in TARGET_KEYS):
            whole.add(key)
        for k in TARGET_KEYS:
            for value in params.get(k, ()):
                if value not in targets[key][k]:
                    targets[key][k].append(value)
    for key in plan.events:
        if key in whole:
            plan.runs[key].append({})
            continue
        for k, values in targets[key].items():
            for start in range(0, len(values), MAX_TARGETS):
                plan.runs[key].append({k: values[start : start + MAX_TARGETS]})
    return plan


def retry_errors(integration=None, feed=None, inline=False, waiting=None):
    """Retry every unresolved Error (of ``integration`` / ``feed`` when given): queue one run
    per feed that reported them (``inline``: run each here, one after another). Returns a
    summary: the runs (with the events each retries) and the errors that cannot be retried."""
    plan = plan_retries(errors_to_retry(integration, feed))
    runs = []
    for (integration_id, run_feed), param_sets in plan.runs.items():
        integ = Integration.get_by_id(integration_id)
        for params in param_sets:
            if inline:
                run = run_inline(integ, run_feed, trigger="retry", params=params, waiting=waiting)
            else:
                run = queue_run(integ, run_feed, trigger="retry", params=params)
            runs.append((run, plan.events[(integration_id, run_feed)]))
    return {
        "runs": [_run_line(run, event_ids) for run, event_ids in runs],
        "not_retryable": [
            {"event": event.id, "message": event.message, "why": why}
            for event, why in plan.not_retryable
        ],
    }


def _run_line(run, event_ids):
    run = FeedRun.get_by_id(run.id)
    return {
        "run": run.id,
        "integration": run.integration.name,
        "feed": run.feed,
        "status": run.status,
        "message": run.message,
        "after_run": queued_behind(run) if run.status == "queued" else None,
        "events": event_ids,
    }
