"""The Huey instance and the hub's tasks (stable names; no Flask in here).

Importing it wires the engine: the feed handlers (``hub.feeds``) are registered and
``hub.engine.runs.queue_run`` enqueues ``run_feed``. The queue is chosen from
``HUB_QUEUE_URL``: a SQLite file by default (kept apart from the application database),
Redis when the URL is ``redis://…`` (Huey's priority queue there: a sorted set, since the
periodic tasks carry a priority and Huey's plain Redis list refuses them). Tasks take ids,
never model instances, and open the database themselves.
"""

import logging
import time
from datetime import timedelta

from huey import Huey, PriorityRedisHuey, SqliteHuey, crontab
from huey.exceptions import RetryTask
from huey.storage import PriorityRedisStorage
from playhouse.db_url import parse

import hub.feeds  # noqa: F401  (registers the feed handlers with the engine)
from hub.db import create_private_file, db, init_db
from hub.engine.events import log_line
from hub.engine.runs import TransientRunError, execute_run, set_enqueue
from hub.engine.scheduler import tick as scheduler_tick
from hub.models import FeedRun, utcnow
from hub.services.alerts import run_alerts
from hub.services.retention import prune as prune_old_records
from hub.settings import get_settings

log = logging.getLogger("hub.tasks")

RUN_RETRIES = 3
RUN_RETRY_DELAY = 60
LOST_RUN_AGE = timedelta(seconds=60)  # a run queued this long with no task is lost
LOST_RUN_SETTLE = 2.0  # seconds for a task a worker just took to turn its run "running"


def make_huey(queue_url, immediate=False):
    if queue_url.startswith("redis"):
        # the priority storage: the plain RedisHuey raises NotImplementedError on a task with a
        # priority, so the tick and the alerts (priority 100, 90) were never enqueued on Redis
        return PriorityRedisHuey("hub", url=queue_url, immediate=immediate)
    path = parse(queue_url)["database"] if queue_url.startswith("sqlite") else queue_url
    if path != ":memory:":
        create_private_file(path)
    return SqliteHuey("hub", filename=path, immediate=immediate)


def _storage_for(queue_url):
    return make_huey(queue_url).storage


huey: Huey = make_huey(get_settings().queue_url)


def configure_queue(queue_url=None, immediate=None):
    """Point the process-wide Huey at another queue (tests, `hub worker` after settings)."""
    if queue_url is not None:
        huey.storage = _storage_for(queue_url)
    if immediate is not None:
        huey.immediate = immediate
    return huey


def migrate_queue():
    """Move the tasks of a Redis queue written by an older hub (a list, Huey's RedisHuey) into
    the priority queue (a sorted set under the same key); at worker start-up. Returns how many
    tasks moved; 0 on SQLite or when there is nothing to move."""
    storage = huey.storage
    if not isinstance(storage, PriorityRedisStorage):
        return 0
    conn = storage.conn
    if conn.type(storage.queue_key) not in (b"list", "list"):
        return 0
    legacy = f"{storage.queue_key}.legacy"
    try:  # atomic: producers now write the sorted set; another worker may have moved it first
        conn.rename(storage.queue_key, legacy)
    except Exception:
        log.info("the old Redis queue was moved by another worker", exc_info=True)
    moved = 0
    while (data := conn.rpop(legacy)) is not None:  # oldest first (RedisHuey lpushes)
        storage.enqueue(data)
        moved += 1
    return moved


def _ensure_db():
    if db.obj is None:
        init_db(get_settings().database_url)


@huey.task(retries=RUN_RETRIES, retry_delay=RUN_RETRY_DELAY, context=True, name="hub.run_feed")
def run_feed(run_id, task=None):
    """Execute the queued FeedRun ``run_id``. A Huey retry is another attempt of the same run."""
    _ensure_db()
    retries_left = task.retries if task is not None else 0
    try:
        execute_run(run_id, retries_left=retries_left)
    except TransientRunError as exc:
        # the run row is back to "queued"; Huey schedules the next attempt
        raise RetryTask(delay=exc.delay) from None


def enqueue_run(run_id, delay=None):
    """Put run ``run_id`` on the queue, to start after ``delay`` seconds when given."""
    if delay:
        return run_feed.schedule((run_id,), delay=delay)
    return run_feed(run_id)


# the engine's queue_run puts runs on this queue
set_enqueue(enqueue_run)


def _runs_on_queue():
    """The ids of the runs whose task waits on the queue or in its schedule (a retry)."""
    return {
        task.args[0]
        for task in (*huey.pending(), *huey.scheduled())
        if task.name == run_feed.name and task.args
    }


def _lost_runs(now):
    queued = {
        run.id
        for run in FeedRun.select(FeedRun.id).where(
            (FeedRun.status == "queued") & (FeedRun.queued_at < now - LOST_RUN_AGE)
        )
    }
    return queued - _runs_on_queue() if queued else set()


def requeue_lost_runs(now=None, settle=LOST_RUN_SETTLE):
    """Put back on the queue the runs left ``queued`` in the database with no task on the queue
    or in its schedule: a worker killed between taking the task and starting the run (SIGKILL,
    out of memory, a lost host), or a database restored from a backup (``hub db backup``) next
    to an emptied queue. Such a run would otherwise wait for ever, and with it ``--wait`` and
    anyone watching it. Returns the ids re-queued.

    A run is lost only when it has been queued for ``LOST_RUN_AGE`` and is still missing from
    the queue after ``settle`` seconds (a task a worker has just taken is in neither place
    until its run turns ``running``). A duplicate task would be harmless anyway: a run that is
    no longer ``queued`` is not executed twice (``execute_run``)."""
    now = now or utcnow()
    lost = _lost_runs(now)
    if lost and settle:
        time.sleep(settle)
        lost &= _lost_runs(now)
    for run_id in sorted(lost):
        result = run_feed(run_id)
        message = "re-queued: its task was lost (worker killed, or the queue emptied)"
        updated = (
            FeedRun.update(task_id=getattr(result, "id", None), message=message)
            .where((FeedRun.id == run_id) & (FeedRun.status == "queued"))
            .execute()
        )
        if updated:
            log_line(FeedRun.get_by_id(run_id), "warning", "requeued", message)
    if lost:
        log.warning("re-queued %d run(s) whose task was lost: %s", len(lost), sorted(lost))
    return sorted(lost)


@huey.periodic_task(crontab(minute="*"), name="hub.tick", priority=100)
def tick():
    """Every minute: enqueue the feeds whose next_run_at has passed, expire dead leases,
    re-queue the runs whose task was lost.

    Its high priority puts it ahead of queued runs: the next free worker thread takes it."""
    _ensure_db()
    queued = scheduler_tick()
    requeue_lost_runs()
    return queued


@huey.periodic_task(crontab(minute="*"), name="hub.alerts", priority=90)
def alerts():
    """Every minute: decide which alerts are due and send them (email, webhooks); apart from
    the feed runs, so a slow mail server never holds a run up."""
    _ensure_db()
    return run_alerts()


@huey.periodic_task(crontab(minute="17", hour="3"), name="hub.prune")
def prune():
    """Nightly (hub.services.retention): prune finished runs and resolved events
    (``HUB_RUN_RETENTION_DAYS``; unresolved errors are kept), accepted webhook deliveries
    (``HUB_WEBHOOK_RETENTION_DAYS``) and alerts with nothing left to send
    (``HUB_ALERT_RETENTION_DAYS``)."""
    _ensure_db()
    return prune_old_records()
