"""The run lifecycle: queue → lease → execute → record → release.

queued → running → succeeded / succeeded_with_errors / failed, or skipped when the
feed is already running elsewhere. A transient failure puts the run back to
queued and Huey retries the SAME run (attempts counts them).
"""

import logging
import traceback

from hub.crypto import SecretsError
from hub.db import db
from hub.errors import AuthenticationError, BadInput, ConnectorError, TransientError
from hub.feeds import lease
from hub.feeds.job import FeedJob, RunRefused
from hub.feeds.registry import FEED_TYPES, feed_type, validate_run_params
from hub.models import FeedRun, Integration, utcnow
from hub.plugins import get_registry
from hub.settings import get_settings

log = logging.getLogger("hub.feeds.runs")

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


def queue_run(integration, feed, trigger="manual", params=None):
    """Create the run row, then enqueue it on Huey once the row is committed."""
    from hub.tasks import run_feed

    with db.atomic():
        run = create_run(integration, feed, trigger, params)
    try:
        result = run_feed(run.id)
        task_id = getattr(result, "id", None)
        if task_id:
            FeedRun.update(task_id=task_id).where(FeedRun.id == run.id).execute()
    except Exception as exc:  # the queue is down: say so on the run, do not lose the request
        _finish(run.id, "failed", f"could not enqueue the run: {exc}")
        raise
    return FeedRun.get_by_id(run.id)


def run_inline(integration, feed, trigger="manual", params=None):
    """Run a feed in this process (``hub feeds run --inline``, tests, scripts)."""
    with db.atomic():
        run = create_run(integration, feed, trigger, params)
    execute_run(run.id, retries_left=0)
    return FeedRun.get_by_id(run.id)


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


def execute_run(run_id, retries_left=0):
    run = FeedRun.get_or_none(FeedRun.id == run_id)
    if run is None or run.status not in ("queued",):
        log.info("run %s is %s: nothing to do", run_id, run.status if run else "gone")
        return
    integration = Integration.get_by_id(run.integration_id)
    settings = get_settings()
    acquired, taken_over = lease.acquire(integration.id, run.feed, run.id, settings.lease_seconds)
    if not acquired:
        _finish(run.id, "skipped", "already running: another run of this feed holds the lease")
        return
    if taken_over:
        fail_orphaned_run(taken_over, "the worker running it stopped (lease taken over)")
    run.status, run.started_at = "running", utcnow()
    run.attempts += 1
    run.worker = lease.holder_id()
    run.finished_at = None
    run.save()
    registry = get_registry()
    job = None
    try:
        with lease.Heartbeat(integration.id, run.feed, run.id, settings.lease_seconds):
            from hub.services.integrations import build_context

            ctx = build_context(integration, feed=run.feed)
            job = FeedJob(integration, run, registry, ctx, settings)
            impl = _feed_function(run.feed)
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
        from hub.feeds.events import record_event

        message = f"the credentials of {integration.name} cannot be read: {exc}"
        log.error("run %s of %s/%s: %s", run.id, integration.name, run.feed, message)
        record_event(
            integration.id,
            "error",
            exc.code,
            message,
            hint=exc.hint,
            reference=integration.name,
            run=run,
            feed=run.feed,
        )
        _finish(run.id, "failed", message, **(job.counts if job else {}))
    except AuthenticationError as exc:
        from hub.feeds.events import record_event

        record_event(
            integration.id,
            "error",
            "authentication",
            exc.message,
            hint=exc.hint,
            reference=integration.name,
            run=run,
            feed=run.feed,
        )
        _finish(run.id, "failed", exc.message, **(job.counts if job else {}))
    except ConnectorError as exc:
        from hub.feeds.events import record_event

        record_event(
            integration.id,
            "error",
            exc.code,
            exc.message,
            hint=exc.hint,
            reference=integration.name,
            run=run,
            feed=run.feed,
        )
        _finish(run.id, "failed", exc.message, **(job.counts if job else {}))
    except Exception as exc:
        log.exception("run %s of %s/%s crashed", run.id, integration.name, run.feed)
        from hub.feeds.events import log_line

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


def _transient(run, job, exc, retries_left):
    attempt = FeedRun.get_by_id(run.id).attempts
    counts = job.counts if job else {}
    if attempt < MAX_ATTEMPTS and retries_left > 0:
        delay = int(exc.retry_after or RETRY_DELAYS[min(attempt - 1, len(RETRY_DELAYS) - 1)])
        FeedRun.update(
            status="queued",
            message=f"attempt {attempt} failed ({exc.message}); retrying in {delay}s",
            **counts,
        ).where(FeedRun.id == run.id).execute()
        raise TransientRunError(delay)
    _finish(
        run.id,
        "failed",
        f"the store is unreachable or busy: {exc.message} "
        f"(after {attempt} attempt{'s' if attempt > 1 else ''})",
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


def _feed_function(feed):
    from hub.feeds import inventory, orders, products, shipping, suppliers

    return {
        "import_new_products": products.import_new_products,
        "update_products": products.update_products,
        "import_product_images": products.import_product_images,
        "import_new_orders": orders.import_new_orders,
        "update_orders": orders.update_orders,
        "retry_orders": orders.retry_orders,
        "import_stock": inventory.import_stock,
        "stock_check": inventory.stock_check,
        "export_stock": inventory.export_stock,
        "import_suppliers": suppliers.import_suppliers,
        "import_product_suppliers": suppliers.import_product_suppliers,
        "shipping_confirmation": shipping.shipping_confirmation,
    }[feed]


def run_summary(run, events=True):
    from hub.models import iso

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
    }
    if events:
        data["events"] = [
            {
                "severity": e.severity,
                "code": e.code,
                "message": e.message,
                "hint": e.hint,
                "reference": e.reference,
            }
            for e in run.log.order_by(run.log.model.id)
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
            {
                "key": o.key,
                "payload": o.payload,
                "sent": o.sent,
                "status": o.status,
                "message": o.message,
            }
            for o in run.outbox.order_by(run.outbox.model.id)
        ]
    return data


__all__ = ["queue_run", "run_inline", "execute_run", "run_summary", "FEED_TYPES"]
