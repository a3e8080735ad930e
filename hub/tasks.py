"""The Huey instance and the hub's tasks (stable names; no Flask in here).

Importing it wires the engine: the feed handlers (``hub.feeds``) are registered and
``hub.engine.runs.queue_run`` enqueues ``run_feed``. The queue is chosen from
``HUB_QUEUE_URL``: a SQLite file by default (kept apart from the application database),
Redis when the URL is ``redis://…`` (Huey's priority queue there: a sorted set, since the
periodic tasks carry a priority and Huey's plain Redis list refuses them). Tasks take ids,
never model instances, and open the database themselves.
"""

import logging

from huey import Huey, PriorityRedisHuey, SqliteHuey, crontab
from huey.exceptions import RetryTask
from huey.storage import PriorityRedisStorage
from playhouse.db_url import parse

import hub.feeds  # noqa: F401  (registers the feed handlers with the engine)
from hub.db import create_private_file, db, init_db
from hub.engine.runs import TransientRunError, execute_run, set_enqueue
from hub.engine.scheduler import tick as scheduler_tick
from hub.services.alerts import run_alerts
from hub.services.retention import prune as prune_old_records
from hub.settings import get_settings

log = logging.getLogger("hub.tasks")

RUN_RETRIES = 3
RUN_RETRY_DELAY = 60


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


@huey.periodic_task(crontab(minute="*"), name="hub.tick", priority=100)
def tick():
    """Every minute: enqueue the feeds whose next_run_at has passed, expire dead leases.

    Its high priority puts it ahead of queued runs: the next free worker thread takes it."""
    _ensure_db()
    return scheduler_tick()


@huey.periodic_task(crontab(minute="*"), name="hub.alerts", priority=90)
def alerts():
    """Every minute: decide which alerts are due and send them (email, webhooks); apart from
    the feed runs, so a slow mail server never holds a run up."""
    _ensure_db()
    return run_alerts()


@huey.periodic_task(crontab(minute="17", hour="3"), name="hub.prune")
def prune():
    """Nightly: prune old runs and resolved events (unresolved errors are kept)."""
    _ensure_db()
    return prune_old_records()
