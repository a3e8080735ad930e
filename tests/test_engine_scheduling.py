"""Schedules (croniter, timezones, once after downtime), leases, and real worker processes."""

import os
import signal
from datetime import datetime, timedelta

import pytest
from conftest import BACKENDS
from support import hub_cli, run, scheduled, wait_until

from hub.engine import lease
from hub.engine.schedule import next_run, update_feed_setting
from hub.engine.scheduler import tick
from hub.errors import BadInput
from hub.models import FeedRun, FeedSetting, Integration, utcnow

# scenarios with an integration run on SQLite and, where it is available (always in CI),
# on PostgreSQL
on_both_backends = pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)


def test_next_run_in_the_merchants_timezone():
    # 02:30 in Paris in July is 00:30 UTC (summer time)
    assert next_run("30 2 * * *", "Europe/Paris", datetime(2026, 7, 1, 12)) == datetime(
        2026, 7, 2, 0, 30
    )
    # day-of-month OR day-of-week, as cron means it: the 1st or any Monday
    assert next_run("0 6 1 * 1", "UTC", datetime(2026, 6, 2, 0)) == datetime(2026, 6, 8, 6)


@on_both_backends
def test_schedule_validation(integration):
    with pytest.raises(BadInput, match="invalid cron"):
        update_feed_setting(integration, "import_new_orders", cron="every minute")
    with pytest.raises(BadInput, match="unknown timezone"):
        update_feed_setting(
            integration, "import_new_orders", cron="* * * * *", timezone="Mars/Olympus"
        )
    with pytest.raises(BadInput, match="does not offer feed"):
        update_feed_setting(integration, "import_suppliers", cron="* * * * *")
    fs = update_feed_setting(integration, "import_new_orders", cron="*/5 * * * *")
    assert fs.next_run_at > utcnow()


@on_both_backends
def test_defaults_per_feed(integration):
    crons = {fs.feed: fs.cron for fs in FeedSetting.select()}
    assert crons["import_new_orders"] == "*/5 * * * *"
    assert crons["retry_orders"] == "0 * * * *"
    assert crons["import_stock"] is None  # manual only
    assert "import_suppliers" not in crons  # the connector does not implement it


@on_both_backends
def test_tick_enqueues_due_feeds_once_after_downtime(integration):
    queued = []

    def enqueue(integ, feed, trigger):
        queued.append((feed, trigger))
        return FeedRun.create(integration=integ, feed=feed, trigger=trigger, status="skipped")

    three_hours_ago = utcnow() - timedelta(hours=3)
    FeedSetting.update(next_run_at=None).execute()
    FeedSetting.update(next_run_at=three_hours_ago).where(
        FeedSetting.feed == "import_new_orders"
    ).execute()
    tick(enqueue=enqueue)
    assert queued == [("import_new_orders", "schedule")]  # once, not 36 times
    fs = FeedSetting.get(FeedSetting.feed == "import_new_orders")
    assert utcnow() < fs.next_run_at <= utcnow() + timedelta(minutes=5)
    tick(enqueue=enqueue)
    assert len(queued) == 1
    FeedSetting.update(enabled=False).execute()
    FeedSetting.update(next_run_at=three_hours_ago).execute()
    tick(enqueue=enqueue)
    assert len(queued) == 1  # disabled feeds never run


@on_both_backends
def test_lease_excludes_and_dead_holders_are_taken_over(integration, store):
    ok, _ = lease.acquire(integration.id, "update_products", 1, 60, holder="otherhost:1:x")
    assert ok
    ok2, _ = lease.acquire(integration.id, "update_products", 2, 60)
    assert not ok2
    store.add_product(1, "A", "Apple")
    skipped = scheduled(integration, "update_products")  # a scheduled run does not wait
    assert skipped.status == "skipped" and "already running" in skipped.message
    # the holder stopped heartbeating: its lease expires and is taken over
    from hub.models import FeedLease

    FeedLease.update(expires_at=utcnow() - timedelta(seconds=1)).execute()
    done = run(integration, "update_products")
    assert done.status == "succeeded"


def test_dead_local_holder_is_detected():
    assert lease.holder_is_dead(f"{os.uname().nodename}:999999:abc")
    assert not lease.holder_is_dead(lease.holder_id())


@on_both_backends
@pytest.mark.slow
def test_worker_runs_queued_feed_and_wait_exits_by_status(integration, store, worker_factory):
    store.add_product(1, "A", "Apple")
    worker_factory("--workers", "2")
    result = hub_cli(
        "feeds", "run", "Test shop", "import_new_products", "--wait", "--json", "--timeout", "60"
    )
    assert result.returncode == 0, result.stderr
    import json

    summary = json.loads(result.stdout)
    assert summary["status"] == "succeeded" and summary["counts"]["created"] == 1
    store.faults.append({"fault": "auth", "count": 10})
    failed = hub_cli("feeds", "run", "Test shop", "update_products", "--wait")
    assert failed.returncode == 1
    assert "refused" in failed.stdout


@on_both_backends
def test_wait_without_worker_exits_3(integration):
    result = hub_cli(
        "feeds",
        "run",
        "Test shop",
        "import_new_products",
        "--wait",
        env={"HUB_WAIT_NO_WORKER_SECONDS": "1"},
    )
    assert result.returncode == 3
    assert "no worker" in result.stderr


@on_both_backends
@pytest.mark.slow
def test_killed_worker_leaves_a_failed_run_and_the_next_run_completes(
    integration, store, worker_factory
):
    for i in range(1, 6):
        store.add_product(i, f"K-{i}", f"Kill {i}")
    store.faults.append({"fault": "slow", "count": 1, "delay": 8, "path": "/products"})
    worker = worker_factory("--workers", "2")
    from hub.engine.runs import queue_run

    queued = queue_run(Integration.get_by_id(integration.id), "update_products")
    wait_until(lambda: FeedRun.get_by_id(queued.id).status == "running", timeout=30)
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait(10)
    assert FeedRun.get_by_id(queued.id).status == "running"
    worker_factory("--workers", "2")
    wait_until(lambda: FeedRun.get_by_id(queued.id).status == "failed", timeout=30)
    assert "stopped" in FeedRun.get_by_id(queued.id).message
    again = queue_run(Integration.get_by_id(integration.id), "update_products")
    wait_until(lambda: FeedRun.get_by_id(again.id).status == "succeeded", timeout=30)
    from hub.models import Product

    assert Product.select().count() == 5


@on_both_backends
@pytest.mark.slow
def test_two_consumers_never_run_the_same_feed_at_once(integration, store, worker_factory):
    store.add_product(1, "A", "Apple")
    store.faults.append({"fault": "slow", "count": 1, "delay": 3, "path": "/products"})
    worker_factory("--workers", "1")
    worker_factory("--workers", "1", "--no-schedule")
    from hub.engine.runs import queue_run

    integ = Integration.get_by_id(integration.id)
    runs = [queue_run(integ, "update_products") for _ in range(2)]
    wait_until(
        lambda: all(FeedRun.get_by_id(r.id).status in ("succeeded", "skipped") for r in runs),
        timeout=60,
    )
    # the second Run now waited for the first instead of being skipped: both ran, one after
    # the other
    first, second = sorted((FeedRun.get_by_id(r.id) for r in runs), key=lambda r: r.started_at)
    assert first.status == second.status == "succeeded"
    assert second.started_at >= first.finished_at
