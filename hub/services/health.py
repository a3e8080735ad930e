"""The agency view: is each store answering, which feeds are retrying or stuck, are workers up.

Read by the overview (``hub.web.overview``), every page's "no worker" banner and the alerts
pass (a store that is down is an Error in the bell, once per outage: ``hub.services.alerts``).

* **Store down**: the newest outcomes of an integration's runs (finished runs, and runs queued
  again after a failed attempt) start with store failures — the run ended because the store
  did not answer (connection errors, timeouts, 429/5xx after the transport retries, see
  ``hub.engine.runs._transient``) — counting at least :data:`STORE_DOWN_ATTEMPTS` failed
  attempts, or failures spread over :data:`STORE_DOWN_SPAN`. Any run that reached the store
  since (a success, or a failure the store answered, such as a 401) ends it.
* **Retrying**: a run queued again after a failed attempt (``attempts`` > 0).
* **Stuck**: a run running :data:`STUCK_FACTOR` × longer than its feed's usual run (at least
  :data:`STUCK_AT_LEAST`), or queued with no worker alive to take it, or queued for longer
  than :data:`QUEUED_TOO_LONG` with one.
* **Late**: ``hub.services.alerts.late_feeds`` (no success for ``HUB_ALERT_LATE_FACTOR`` ×
  the interval of its cron).
"""

import statistics
from datetime import timedelta

from peewee import fn

from hub.engine.runs import STORE_UNREACHABLE
from hub.models import FeedRun, Integration, WorkerHeartbeat, utcnow

STORE_DOWN_ATTEMPTS = 3  # failed attempts in a row …
STORE_DOWN_SPAN = timedelta(minutes=10)  # … or failures in a row over this long
LOOK_BACK = 20  # runs read per integration
STUCK_FACTOR = 5
STUCK_AT_LEAST = timedelta(minutes=15)
QUEUED_TOO_LONG = timedelta(minutes=15)
USUAL_RUNS = 10  # the successes a feed's usual duration is the median of
WORKER_STALE = timedelta(minutes=2)
WORKER_FORGOTTEN = timedelta(days=1)
FINISHED = ("succeeded", "succeeded_with_errors", "failed")


def is_store_failure(run):
    """The run ended (or its last attempt did) because the store did not answer."""
    message = run.message or ""
    if run.status == "failed":
        return message.startswith(STORE_UNREACHABLE)
    return is_retrying(run)


def is_retrying(run):
    """Queued again after a failed attempt (``hub.engine.runs._transient``)."""
    return run.status == "queued" and run.attempts > 0


def _outcomes(integration_ids):
    """{integration id: its latest outcomes, newest first}: runs waiting for another attempt,
    then its :data:`LOOK_BACK` last finished runs (skipped ones never reached the store).
    Two queries whatever the number of integrations (the overview lists them all)."""
    outcomes = {i: [] for i in integration_ids}
    if not outcomes:
        return outcomes
    retrying = (
        FeedRun.select()
        .where(
            FeedRun.integration.in_(list(outcomes))
            & (FeedRun.status == "queued")
            & (FeedRun.attempts > 0)
        )
        .order_by(FeedRun.id.desc())
    )
    for run in retrying:
        outcomes[run.integration_id].append(run)
    newest_first = (FeedRun.finished_at.desc(), FeedRun.id.desc())
    ranked = (
        FeedRun.select(
            FeedRun.id,
            fn.ROW_NUMBER()
            .over(partition_by=[FeedRun.integration], order_by=newest_first)
            .alias("rank"),
        )
        .where(
            FeedRun.integration.in_(list(outcomes))
            & FeedRun.status.in_(FINISHED)
            & FeedRun.finished_at.is_null(False)
        )
        .alias("ranked")
    )
    finished = (
        FeedRun.select()
        .join(ranked, on=(FeedRun.id == ranked.c.id))
        .where(ranked.c.rank <= LOOK_BACK)
        .order_by(*newest_first)
    )
    for run in finished:
        outcomes[run.integration_id].append(run)
    return outcomes


def store_state(integration_id, outcomes=None):
    """``None`` when the store answers, else ``{"since", "attempts", "runs", "last_run",
    "message"}`` of the outage: when its first failed attempt started, how many attempts and
    runs failed, the newest failed run and what it said. ``outcomes``: the integration's, when
    already read (:func:`stores_down`)."""
    if outcomes is None:
        outcomes = _outcomes([integration_id])[integration_id]
    streak = []
    for run in outcomes:
        if not is_store_failure(run):
            break
        streak.append(run)
    if not streak:
        return None
    attempts = sum(max(run.attempts, 1) for run in streak)
    starts = [run.started_at or run.queued_at for run in streak]
    ends = [run.finished_at or run.started_at or run.queued_at for run in streak]
    since = min(starts)
    if attempts < STORE_DOWN_ATTEMPTS and max(ends) - since < STORE_DOWN_SPAN:
        return None
    return {
        "since": since,
        "attempts": attempts,
        "runs": len(streak),
        "last_run": streak[0],
        "message": streak[0].message,
    }


def stores_down(integrations=None):
    """``{integration id: store_state}`` of the active integrations whose store is down."""
    if integrations is None:
        integrations = Integration.select().where(Integration.active)
    active = [integration.id for integration in integrations if integration.active]
    down = {}
    for integration_id, outcomes in _outcomes(active).items():
        state = store_state(integration_id, outcomes)
        if state:
            down[integration_id] = state
    return down


def usual_duration(integration_id, feed):
    """The median duration of the feed's latest successful runs, or None."""
    durations = [
        run.duration
        for run in FeedRun.select(FeedRun.started_at, FeedRun.finished_at)
        .where(
            (FeedRun.integration == integration_id)
            & (FeedRun.feed == feed)
            & (FeedRun.status == "succeeded")
            & FeedRun.started_at.is_null(False)
            & FeedRun.finished_at.is_null(False)
        )
        .order_by(FeedRun.id.desc())
        .limit(USUAL_RUNS)
    ]
    durations = [d for d in durations if d is not None]
    return timedelta(seconds=statistics.median(durations)) if durations else None


def active_runs(now=None, worker_down=False):
    """``{(integration id, feed): {"retrying": run | None, "stuck": (run, why) | None}}`` of
    the runs queued or running now."""
    now = now or utcnow()
    found = {}
    runs = FeedRun.select().where(FeedRun.status.in_(("queued", "running"))).order_by(FeedRun.id)
    for run in runs:
        entry = found.setdefault((run.integration_id, run.feed), {"retrying": None, "stuck": None})
        if is_retrying(run):
            entry["retrying"] = run
        why = _stuck(run, now, worker_down)
        if why and entry["stuck"] is None:
            entry["stuck"] = (run, why)
    return found


def _minutes(delta):
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"


def _stuck(run, now, worker_down):
    if run.status == "queued":
        if worker_down:
            return "queued; no worker is running to take it"
        waited = now - run.queued_at
        if waited > QUEUED_TOO_LONG and not is_retrying(run):
            return f"queued for {_minutes(waited)}"
        return None
    started = run.started_at or run.queued_at
    running = now - started
    usual = usual_duration(run.integration_id, run.feed)
    limit = max(STUCK_AT_LEAST, usual * STUCK_FACTOR) if usual else STUCK_AT_LEAST
    if running <= limit:
        return None
    said = f"running for {_minutes(running)}"
    if usual is None:
        return said
    return (
        f"{said} (usually {_minutes(usual) if usual >= timedelta(minutes=1) else 'under a minute'})"
    )


# -- workers ----------------------------------------------------------------------------------


def last_heartbeat():
    return WorkerHeartbeat.select(fn.MAX(WorkerHeartbeat.seen_at)).scalar()


def worker_down(now=None, seen=None):
    """True when no worker has sent a heartbeat for :data:`WORKER_STALE` (or ever)."""
    now = now or utcnow()
    seen = last_heartbeat() if seen is None else seen
    return seen is None or now - seen > WORKER_STALE


def workers(now=None):
    """The workers seen in the last day, newest first, each with ``alive``."""
    now = now or utcnow()
    rows = list(
        WorkerHeartbeat.select()
        .where(WorkerHeartbeat.seen_at > now - WORKER_FORGOTTEN)
        .order_by(WorkerHeartbeat.seen_at.desc())
    )
    for w in rows:
        w.alive = w.stopped_at is None and now - w.seen_at <= WORKER_STALE
    return rows
