"""The run lifecycle: queue → lease → execute → record → release.

queued → running → succeeded / succeeded_with_errors / failed. A run that finds its feed
already running (another run holds the lease) waits for it, still queued, when someone asked
for it (Run now, Retry, a shipment's confirmation, a webhook): it is never dropped. Only a
scheduled run is skipped then — the next slot comes anyway (``MAX_WAIT``). A transient failure
puts the run back to queued and Huey retries the SAME run (attempts counts them).
"""

import logging
import math
import random
import time
import traceback

from hub.crypto import SecretsError
from hub.db import db
from hub.engine import lease
from hub.engine.connector import build_context
from hub.engine.events import log_line, record_event
from hub.engine.job import FeedJob, RunRefused
from hub.engine.logcontext import run_context
from hub.engine.plugins import get_registry
from hub.engine.registry import (
    FEED_TYPES,
    feed_type,
    handler,
    validate_run_params,
    webhook_handler,
)
from hub.errors import AuthenticationError, BadInput, ConnectorError, TransientError
from hub.models import FeedRun, HeldRecord, Integration, Shipment, iso, utcnow
from hub.settings import get_settings

log = logging.getLogger("hub.engine.runs")

MAX_ATTEMPTS = 4
RETRY_DELAYS = (30, 120, 600)


class TransientRunError(Exception):
    def __init__(self, delay):
        super().__init__(f"retry in {delay}s")
        self.delay = delay


def check_feed_available(integration, feed):
    ft = feed_type(feed)
    registry = get_registry()
    if ft.hook not in registry.state(integration.connector).hooks:
        raise BadInput(
            f"connector {integration.connector!r} does not offer feed {feed!r}; "
            f"its feeds: {', '.join(registry.feeds(integration.connector))}"
        )
    return ft


def create_run(integration, feed, trigger="manual", params=None):
    check_feed_available(integration, feed)
    params = validate_run_params(feed, params)
    return FeedRun.create(
        integration=integration,
        feed=feed,
        trigger=trigger,
        params=params,
        status="queued",
        queued_at=utcnow(),
    )


# How a queued run reaches a worker: ``hub.tasks`` registers its Huey task here when it is
# imported (the engine sits below the queue and never imports it).
_enqueue = None


def set_enqueue(enqueue):
    """``enqueue(run_id, delay=None)`` puts a run on the queue (to start after ``delay``
    seconds when given) and returns the queue's result (with an ``id``, or None);
    ``hub.tasks`` sets it to its ``run_feed`` task."""
    global _enqueue
    _enqueue = enqueue


def queue_run(integration, feed, trigger="manual", params=None, delay=None):
    """Create the run row, then enqueue it on Huey once the row is committed (to start after
    ``delay`` seconds: a webhook run waits for the deliveries that follow the first)."""
    if _enqueue is None:
        raise RuntimeError("no queue to put runs on: import hub.tasks first")
    with db.atomic():
        run = create_run(integration, feed, trigger, params)
    try:
        result = _enqueue(run.id, delay=delay) if delay else _enqueue(run.id)
        task_id = getattr(result, "id", None)
        if task_id:
            FeedRun.update(task_id=task_id).where(FeedRun.id == run.id).execute()
    except Exception as exc:  # the queue is down: say so on the run, do not lose the request
        _finish(run.id, "failed", f"could not enqueue the run: {exc}")
        raise
    return FeedRun.get_by_id(run.id)


def run_inline(integration, feed, trigger="manual", params=None, progress=None, waiting=None):
    """Run a feed in this process (``hub feeds run --inline``, tests, scripts);
    ``progress(processed, total)`` is called as the run goes (FeedJob). A feed already
    running elsewhere is waited for here (``MAX_WAIT``); ``waiting(run_id)`` is called
    once then, with the id of the run it waits for."""
    with db.atomic():
        run = create_run(integration, feed, trigger, params)
    execute_run(run.id, retries_left=0, progress=progress, waiting=waiting or _no_report)
    return FeedRun.get_by_id(run.id)


def _no_report(run_id):
    """The default ``waiting`` of ``run_inline``: wait without saying so."""


def queued_behind(run):
    """The id of the run that ``run`` (just queued) will wait for — the one holding its feed
    now — or None when the feed is free. For the front ends to say "starts after run N"."""
    if run.trigger not in MAX_WAIT:
        return None
    holder = lease.holding_run(run.integration_id, run.feed)
    return holder if holder != run.id else None


def _finish(run_id, status, message=None, **fields):
    FeedRun.update(status=status, message=message, finished_at=utcnow(), **fields).where(
        FeedRun.id == run_id
    ).execute()


def fail_orphaned_run(run_id, reason):
    """Mark a run whose worker died as failed (its lease was taken over)."""
    updated = (
        FeedRun.update(status="failed", finished_at=utcnow(), message=reason)
        .where((FeedRun.id == run_id) & FeedRun.status.in_(["running", "queued"]))
        .execute()
    )
    return updated


def execute_run(run_id, retries_left=0, progress=None, waiting=None):
    """Run the queued run ``run_id``. On a worker (``waiting`` None) a run finding its feed
    busy is put back on the queue to look again later; inline, ``waiting(holder_run_id)``
    is called and this process waits for the lease itself."""
    run = FeedRun.get_or_none(FeedRun.id == run_id)
    if run is None or run.status not in ("queued",):
        log.info("run %s is %s: nothing to do", run_id, run.status if run else "gone")
        return
    integration = Integration.get_by_id(run.integration_id)
    # every log line of this thread until the run ends names it (hub --log-format json)
    with run_context(run.id, integration.name, run.feed):
        log.info("run %s of %s/%s starts", run.id, integration.name, run.feed)
        _execute(run, integration, retries_left, progress, waiting)
        ended = FeedRun.get_or_none(FeedRun.id == run.id)
        log.info("run %s ends: %s", run.id, ended.status if ended else "gone")


def _execute(run, integration, retries_left, progress, waiting=None):
    settings = get_settings()
    acquired, taken_over = lease.acquire(integration.id, run.feed, run.id, settings.lease_seconds)
    if not acquired and waiting is not None:
        acquired, taken_over = _wait_here(run, settings, waiting)
    elif not acquired and _wait_for_lease(run):
        return
    if not acquired:
        # only a run still queued: a second task of the same run (re-queued as lost) must not
        # mark it skipped while the first one runs it
        FeedRun.update(
            status="skipped",
            message=_skipped_message(run),
            finished_at=utcnow(),
        ).where((FeedRun.id == run.id) & (FeedRun.status == "queued")).execute()
        return
    if taken_over:
        fail_orphaned_run(taken_over, "the worker running it stopped (lease taken over)")
    run.status, run.started_at = "running", utcnow()
    run.attempts += 1
    run.worker = lease.holder_id()
    run.finished_at = None
    if (run.message or "").startswith("waiting:"):
        run.message = None  # its turn came
    run.save()
    registry = get_registry()
    job = None
    try:
        with lease.Heartbeat(integration.id, run.feed, run.id, settings.lease_seconds):
            ctx = build_context(integration, feed=run.feed)
            job = FeedJob(integration, run, registry, ctx, settings, progress=progress)
            impl = webhook_handler(run.feed) if run.trigger == "webhook" else handler(run.feed)
            impl(job)
            job.flush()
        status = "succeeded_with_errors" if (job.counts["failed"] or job.errors) else "succeeded"
        _finish(
            run.id, status, _summary(job), processed=job.processed, total=job.total, **job.counts
        )
    except RunRefused as exc:
        _finish(run.id, "failed", str(exc), **(job.counts if job else {}))
    except TransientError as exc:
        _transient(run, job, exc, retries_left)
    except SecretsError as exc:  # HUB_SECRET_KEY changed: one clear line, no traceback
        message = f"the credentials of {integration.name} cannot be read: {exc}"
        log.error("run %s of %s/%s: %s", run.id, integration.name, run.feed, message)
        _fail(run, integration, job, exc.code, message, exc.hint)
    except AuthenticationError as exc:
        _fail(run, integration, job, "authentication", exc.message, exc.hint)
    except ConnectorError as exc:
        _fail(run, integration, job, exc.code, exc.message, exc.hint)
    except Exception as exc:
        conflict = write_conflict(exc)
        if conflict is not None:
            log_line(run, "warning", "write_conflict", conflict)
            # soon, not after the store back-off (30 s, 120 s…): the other transaction is over
            retry = TransientError(conflict, retry_after=random.uniform(*WRITE_CONFLICT_DELAY))
            _transient(run, job, retry, retries_left, WRITE_CONFLICT)
            return  # no attempt left: failed with the conflict as its reason
        log.exception("run %s of %s/%s crashed", run.id, integration.name, run.feed)
        log_line(
            run,
            "error",
            "crash",
            f"{type(exc).__name__}: {exc}",
            hint="".join(traceback.format_exception_only(exc)).strip(),
        )
        _finish(run.id, "failed", f"{type(exc).__name__}: {exc}", **(job.counts if job else {}))
    finally:
        lease.release(integration.id, run.feed, run.id)
        _run_finished(integration, run.id)


def _fail(run, integration, job, code, message, hint):
    """The run failed for a reason the merchant must act on (credentials, the store refusing):
    an Error event on the integration, then the run's end with what it counted so far."""
    record_event(
        integration.id,
        "error",
        code,
        message,
        hint=hint,
        reference=integration.name,
        run=run,
    )
    _finish(run.id, "failed", message, **(job.counts if job else {}))


LEASE_WAIT = 5  # seconds between two looks at a busy feed
WEBHOOK_MAX_WAIT = 900  # then the webhook run gives up: the scheduled feeds reconcile

# How long a run waits for its feed when another run of it holds the lease, by trigger, in
# seconds; None: as long as that run lasts (a holder that dies stops renewing its lease, which
# expires and is taken over, so the wait ends). A trigger not listed (``schedule``) is skipped
# at once: its feed's next slot comes anyway, and a run already queued for the feed is enough.
MAX_WAIT = {"manual": None, "retry": None, "shipment": None, "webhook": WEBHOOK_MAX_WAIT}


def _waiting_message(holder):
    what = f"run {holder}" if holder else "another run"
    return f"waiting: {what} of this feed is running; this run starts after it"


def _may_wait(run):
    if run.trigger not in MAX_WAIT:
        return False
    limit = MAX_WAIT[run.trigger]
    return limit is None or (utcnow() - run.queued_at).total_seconds() <= limit


def _skipped_message(run):
    if run.trigger in MAX_WAIT:
        return f"skipped: its feed was still running after {MAX_WAIT[run.trigger]}s of waiting"
    return "skipped: already running (a scheduled run does not wait for another run of its feed)"


def _wait_for_lease(run):
    """On a worker: a run finding its feed busy waits its turn instead of being skipped
    (``MAX_WAIT``): it stays queued, so webhook deliveries arriving meanwhile still join it,
    and is put back on the queue to look again ``LEASE_WAIT`` seconds later. True when it was
    put back."""
    if _enqueue is None or not _may_wait(run):
        return False
    holder = lease.holding_run(run.integration_id, run.feed)
    FeedRun.update(message=_waiting_message(holder)).where(FeedRun.id == run.id).execute()
    _enqueue(run.id, delay=LEASE_WAIT)
    return True


def _wait_here(run, settings, waiting):
    """Inline: wait in this process for the feed's lease (``MAX_WAIT``), then take it.
    Returns ``lease.acquire``'s answer, (False, None) when the wait is over without it."""
    holder = lease.holding_run(run.integration_id, run.feed)
    if not _may_wait(run):
        return False, None
    FeedRun.update(message=_waiting_message(holder)).where(FeedRun.id == run.id).execute()
    waiting(holder)
    while _may_wait(run):
        time.sleep(LEASE_WAIT)
        acquired, taken_over = lease.acquire(
            run.integration_id, run.feed, run.id, settings.lease_seconds
        )
        if acquired:
            return acquired, taken_over
    return False, None


# PostgreSQL's answers when two runs' transactions meet (SQLSTATE): the transaction is rolled
# back whole, and another attempt of the run, a little later, goes through
WRITE_CONFLICTS = {
    "40P01": "a deadlock with another run's transaction",
    "40001": "a serialization failure against another run's transaction",
    "23505": "a row inserted meanwhile by another run (duplicate key)",
}
WRITE_CONFLICT = "the database refused a write that another run made at the same time"
WRITE_CONFLICT_DELAY = (1.0, 5.0)  # seconds before the next attempt, drawn at random


def write_conflict(exc):
    """What a database error says when it is a conflict between concurrent runs (a deadlock,
    a serialization failure, a unique key inserted meanwhile), else None. peewee keeps the
    driver's exception as ``orig`` (psycopg2's carries the SQLSTATE)."""
    original = getattr(exc, "orig", None) or exc.__context__
    what = WRITE_CONFLICTS.get(getattr(original, "pgcode", None) or "")
    if what is None:
        return None
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{what}: {first_line}"


# how a run that ended with the store not answering starts its message (hub.services.health
# reads it to tell a store that is down)
STORE_UNREACHABLE = "the store is unreachable or busy"


def _transient(run, job, exc, retries_left, failure=STORE_UNREACHABLE):
    attempt = FeedRun.get_by_id(run.id).attempts
    counts = job.counts if job else {}
    if attempt < MAX_ATTEMPTS and retries_left > 0:
        delay = math.ceil(exc.retry_after or RETRY_DELAYS[min(attempt - 1, len(RETRY_DELAYS) - 1)])
        FeedRun.update(
            status="queued",
            message=f"attempt {attempt} failed ({exc.message}); retrying in {delay}s",
            **counts,
        ).where(FeedRun.id == run.id).execute()
        raise TransientRunError(delay)
    _finish(
        run.id,
        "failed",
        f"{failure}: {exc.message} (after {attempt} attempt{'s' if attempt > 1 else ''})",
        **counts,
    )


def _summary(job):
    c = job.counts
    return (
        f"{c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged, "
        f"{c['skipped']} skipped, {c['failed']} failed"
    )


def _run_finished(integration, run_id):
    try:
        run = FeedRun.get_by_id(run_id)
        get_registry().hook.hub_run_finished(
            integration=integration.name, run=run_summary(run, events=False)
        )
    except Exception:  # a notification plugin must not break the run's bookkeeping
        log.exception("hub_run_finished hook failed")


def run_summary(run, events=True):
    data = {
        "id": run.id,
        "integration": run.integration.name,
        "feed": run.feed,
        "trigger": run.trigger,
        "status": run.status,
        "queued_at": iso(run.queued_at),
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "duration": run.duration,
        "attempts": run.attempts,
        "counts": run.counts,
        "processed": run.processed,
        "total": run.total,
        "message": run.message,
        # a queued run that waits for its feed's running run says which (Run now, Retry)
        "after_run": queued_behind(run) if run.status == "queued" else None,
    }
    if events:
        data["events"] = [
            _attributes(line, "severity", "code", "message", "hint", "reference")
            for line in run.log.order_by(run.log.model.id)
        ]
        data["discrepancies"] = [
            {
                "sku": d.sku,
                "hub": d.hub_quantity,
                "store": d.store_quantity,
                "difference": d.difference,
                "applied": d.applied_at is not None,
                "id": d.id,
            }
            for d in run.discrepancies.order_by(run.discrepancies.model.sku)
        ]
        data["outbox"] = [
            _attributes(item, "key", "payload", "sent", "status", "message")
            for item in run.outbox.order_by(run.outbox.model.id)
        ]
    return data


def _attributes(row, *names):
    return {name: getattr(row, name) for name in names}


# Which feed re-runs a record, by event code; None means "re-run the event's feed".
RETRY_FEED_BY_CODE = {
    "awaiting_payment": "retry_orders",
    "held_order_expired": "retry_orders",
}


def retry_event(event, user=None):
    """Retry the record behind an event: re-run its feed (targeted at the record if possible).
    Queued as any run: if its feed is running now, it starts after that run (never dropped)."""
    feed, params = retry_target(event)
    params["retry_event"] = event.id
    return queue_run(event.integration, feed, trigger="retry", params=params)


def retry_target(event):
    """What retrying ``event`` re-runs: (feed, params) — params with the record's
    ``external_ids`` or ``shipment_ids`` when it is about one record; BadInput when the event
    is tied to no feed. A rejected shipment is put back to pending to be sent again."""
    feed = RETRY_FEED_BY_CODE.get(event.code) or event.feed
    if (
        event.external_id
        and HeldRecord.select()
        .where(
            (HeldRecord.integration == event.integration_id)
            & (HeldRecord.external_id == event.external_id)
            & HeldRecord.status.in_(["held", "expired"])
        )
        .exists()
    ):
        feed = "retry_orders"  # a held order: re-fetch it, whatever held it
    if not feed:
        raise BadInput(f"event {event.id} is not tied to a feed: fix it and resolve it")
    params = {}
    if event.code == "shipment_rejected" and event.external_id:
        Shipment.update(confirmation_status="pending").where(
            (Shipment.id == int(event.external_id)) & (Shipment.confirmation_status == "failed")
        ).execute()
        params["shipment_ids"] = [int(event.external_id)]
    elif event.external_id:
        params["external_ids"] = [event.external_id]
    return feed, params


__all__ = [
    "FEED_TYPES",
    "execute_run",
    "queue_run",
    "queued_behind",
    "retry_event",
    "retry_target",
    "run_inline",
    "run_summary",
]
