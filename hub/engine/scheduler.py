"""The minute tick: enqueue due feeds, advance their next run, fail orphaned runs.

After downtime a feed runs once, not once per missed slot: next_run_at is
recomputed from *now*, not from the missed slot.
"""

import logging

from hub.db import db
from hub.engine.lease import holder_is_dead
from hub.engine.runs import fail_orphaned_run, queue_run
from hub.engine.schedule import next_run
from hub.models import FeedLease, FeedRun, FeedSetting, Integration, utcnow

log = logging.getLogger("hub.scheduler")

OUTBOUND_IN_TEST_MODE = True  # outbound feeds run in test mode too: they write an outbox preview


def due_feeds(now=None):
    now = now or utcnow()
    return list(
        FeedSetting.select(FeedSetting, Integration)
        .join(Integration)
        .where(
            FeedSetting.enabled
            & Integration.active
            & FeedSetting.next_run_at.is_null(False)
            & (FeedSetting.next_run_at <= now)
        )
    )


def tick(now=None, enqueue=None):
    """Enqueue every due feed once; returns the run ids queued."""
    enqueue = enqueue or queue_run
    now = now or utcnow()
    queued = []
    fail_orphaned_runs(now)
    for fs in due_feeds(now):
        with db.atomic():
            # claim the slot: only one scheduler advances it, even if two tick at once
            claimed = (
                FeedSetting.update(next_run_at=next_run(fs.cron, fs.timezone, now))
                .where((FeedSetting.id == fs.id) & (FeedSetting.next_run_at == fs.next_run_at))
                .execute()
            )
        if not claimed:
            continue
        pending = (
            FeedRun.select()
            .where(
                (FeedRun.integration == fs.integration_id)
                & (FeedRun.feed == fs.feed)
                & (FeedRun.status == "queued")
            )
            .exists()
        )
        if pending:
            continue  # one queued run is enough
        try:
            run = enqueue(fs.integration, fs.feed, trigger="schedule")
            queued.append(run.id)
        except Exception:
            log.exception("could not enqueue %s/%s", fs.integration.name, fs.feed)
    return queued


def fail_orphaned_runs(now=None):
    """Runs left 'running' by a worker that died: their lease expired or the holder is gone."""
    now = now or utcnow()
    failed = []
    running = FeedRun.select().where(FeedRun.status == "running")
    for run in running:
        lease = FeedLease.get_or_none(
            (FeedLease.integration == run.integration_id) & (FeedLease.feed == run.feed)
        )
        held_by_run = lease is not None and lease.run_id == run.id
        expired = held_by_run and lease.expires_at is not None and lease.expires_at < now
        dead = held_by_run and holder_is_dead(lease.holder)
        if not held_by_run or expired or dead:
            if fail_orphaned_run(
                run.id,
                "the worker running it stopped before the end "
                "(crash or kill); the next run picks up from the "
                "last checkpoint",
            ):
                failed.append(run.id)
            if held_by_run:
                (
                    FeedLease.update(holder=None, run_id=None, expires_at=None)
                    .where(FeedLease.id == lease.id)
                    .execute()
                )
    return failed
