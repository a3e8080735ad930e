"""`hub worker`: the Huey consumer, with a heartbeat row the dashboard and --wait read."""

import logging
import os
import socket
import threading

from hub.db import db
from hub.engine.lease import holder_id
from hub.engine.scheduler import fail_orphaned_runs
from hub.models import WorkerHeartbeat, utcnow
from hub.tasks import huey, migrate_queue, requeue_lost_runs

log = logging.getLogger("hub.worker")
HEARTBEAT_SECONDS = 10


def beat(scheduler):
    now = utcnow()
    WorkerHeartbeat.insert(
        worker_id=holder_id(),
        hostname=socket.gethostname(),
        pid=os.getpid(),
        scheduler=scheduler,
        started_at=now,
        seen_at=now,
    ).on_conflict(
        conflict_target=[WorkerHeartbeat.worker_id], update={WorkerHeartbeat.seen_at: now}
    ).execute()


def last_heartbeat():
    row = WorkerHeartbeat.select().order_by(WorkerHeartbeat.seen_at.desc()).first()
    return row.seen_at if row else None


def _heartbeat_loop(stop, scheduler):
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            beat(scheduler)
        except Exception:
            log.exception("heartbeat failed")


def run_worker(workers=2, schedule=True):
    beat(schedule)
    moved = migrate_queue()
    if moved:
        log.warning("moved %d task(s) of the old Redis queue to the priority queue", moved)
    failed = fail_orphaned_runs()
    if failed:
        log.warning("marked %d orphaned run(s) as failed: %s", len(failed), failed)
    requeue_lost_runs()  # e.g. after a restore: runs queued in the database, an empty queue
    if not db.is_closed():
        db.close()
    stop = threading.Event()
    threading.Thread(
        target=_heartbeat_loop, args=(stop, schedule), daemon=True, name="worker-heartbeat"
    ).start()
    consumer = huey.create_consumer(
        workers=max(1, workers),
        worker_type="thread",
        periodic=schedule,
        check_worker_health=True,
        initial_delay=0.1,
        backoff=1.15,
        max_delay=1.0,
    )
    try:
        consumer.run()
    finally:
        stop.set()
        _stopped()


def _stopped():
    """A clean stop is recorded: the alerts tell about workers that vanish, not these."""
    try:
        WorkerHeartbeat.update(stopped_at=utcnow()).where(
            WorkerHeartbeat.worker_id == holder_id()
        ).execute()
    except Exception:
        log.exception("could not record the worker's stop")
