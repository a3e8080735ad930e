"""Models and worker contention on PostgreSQL + Redis (run in CI; skipped locally without
them). The engine scenarios themselves run on both databases through ``BACKENDS``."""

from datetime import datetime

import pytest
from peewee import IntegrityError
from support import wait_until

from hub.models import Binding, FeedRun, Integration, Product

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def pg_integration(pg_url, redis_url, tmp_path, monkeypatch, store):
    from conftest import configure
    from hub_testshop.store import TOKEN

    from hub.services.integrations import create_integration
    from hub.tasks import configure_queue

    configure(monkeypatch, pg_url, tmp_path)
    monkeypatch.setenv("HUB_QUEUE_URL", redis_url)
    import hub.settings

    hub.settings.set_settings(hub.settings.load_settings())
    configure_queue(redis_url)
    yield create_integration(
        "PG shop",
        "testshop",
        store.url,
        {"token": TOKEN},
        orders_since=datetime(2026, 1, 1),
        carrier_mapping={"standard": "UPS"},
    )
    import hub.db

    configure_queue(f"sqlite:///{tmp_path / 'queue.db'}")
    hub.db.db.close()


def test_binding_uniqueness_on_postgres(pg_integration):
    p = Product.create(sku="U-1", name="Unique")
    Binding.create(integration=pg_integration, kind="product", external_id="x", hub_id=p.id)
    from hub.db import db

    with pytest.raises(IntegrityError), db.atomic():
        Binding.create(integration=pg_integration, kind="product", external_id="x", hub_id=p.id)
    with pytest.raises(IntegrityError), db.atomic():
        Product.create(sku="U-1", name="Duplicate SKU")


@pytest.mark.slow
def test_two_consumers_contend_on_postgres_and_redis(pg_integration, store, worker_factory):
    from hub.engine.runs import queue_run

    store.add_product(1, "A", "Apple")
    store.faults.append({"fault": "slow", "count": 1, "delay": 3, "path": "/products"})
    worker_factory("--workers", "1")
    worker_factory("--workers", "1", "--no-schedule")
    integ = Integration.get_by_id(pg_integration.id)
    runs = [queue_run(integ, "update_products") for _ in range(2)]
    wait_until(
        lambda: all(FeedRun.get_by_id(r.id).status in ("succeeded", "skipped") for r in runs),
        timeout=60,
    )
    # the second Run now waited for the first (never skipped): both ran, one after the other
    first, second = sorted((FeedRun.get_by_id(r.id) for r in runs), key=lambda r: r.started_at)
    assert first.status == second.status == "succeeded"
    assert second.started_at >= first.finished_at
    assert Product.select().count() == 1


@pytest.fixture
def redis_queue(redis_url):
    """The process-wide Huey on the test's Redis database, put back afterwards."""
    from hub.tasks import configure_queue, huey

    previous = huey.storage
    configure_queue(redis_url)
    yield huey
    huey.storage = previous


def test_the_periodic_tasks_go_on_the_redis_queue_ahead_of_runs(redis_queue):
    """Huey's plain RedisHuey refused any task with a priority (NotImplementedError), so on
    Redis the minute tick and the alerts were never enqueued: no scheduled run, no orphaned
    run failed, no alert (found by the soak test, issue 14 §2)."""
    from hub.tasks import alerts, run_feed, tick

    redis_queue.enqueue(run_feed.s(1))
    redis_queue.enqueue(tick.s())
    redis_queue.enqueue(alerts.s())
    assert redis_queue.pending_count() == 3
    order = [redis_queue.dequeue().name for _ in range(3)]
    assert order == [tick.name, alerts.name, run_feed.name]


def test_worker_start_moves_an_old_redis_list_queue_to_the_priority_queue(redis_queue):
    from hub.tasks import migrate_queue, run_feed

    storage = redis_queue.storage
    for run_id in (7, 8):  # as Huey's RedisHuey wrote them: LPUSH on a list
        storage.conn.lpush(storage.queue_key, redis_queue.serialize_task(run_feed.s(run_id)))
    assert migrate_queue() == 2
    assert storage.conn.type(storage.queue_key) == b"zset"
    assert [redis_queue.dequeue().args for _ in range(2)] == [(7,), (8,)]
    assert migrate_queue() == 0


def test_a_write_conflict_between_runs_is_retried_not_a_crash(pg_integration, monkeypatch):
    """Two runs of different feeds of one integration may write the same rows: PostgreSQL
    answers one with a deadlock or a duplicate key (seen in the soak test, issue 14 §2). The
    run is another attempt later, like a store timeout, not a crash."""
    import hub.engine.runs as runs
    from hub.models import RunLog

    def insert_twice(job):  # a row another run inserted meanwhile: a real unique violation
        for _ in range(2):
            Binding.insert(
                integration=job.integration.id, kind="product", external_id="dup", hub_id=1
            ).execute()

    monkeypatch.setattr(runs, "handler", lambda feed: insert_twice)
    run = runs.create_run(pg_integration, "update_products")
    with pytest.raises(runs.TransientRunError):
        runs.execute_run(run.id, retries_left=1)
    with pytest.raises(runs.TransientRunError) as retry:
        runs.execute_run(run.id, retries_left=1)
    assert retry.value.delay <= runs.WRITE_CONFLICT_DELAY[1]  # soon, not the store back-off
    again = FeedRun.get_by_id(run.id)
    assert again.status == "queued" and "duplicate key" in again.message
    assert RunLog.get(RunLog.run == run.id).code == "write_conflict"
    runs.execute_run(run.id, retries_left=0)  # the last attempt: failed, with the reason
    last = FeedRun.get_by_id(run.id)
    assert last.status == "failed" and last.message.startswith(runs.WRITE_CONFLICT)
    assert last.attempts == 3
