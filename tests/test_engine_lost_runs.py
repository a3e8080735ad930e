"""Runs left ``queued`` in the database with no task on the queue are put back on it: a worker
killed between taking a task and starting its run, or a database restored from a backup next
to an emptied queue (issue 14 §2). The minute tick and worker start-up do it."""

from datetime import timedelta

import pytest
from support import wait_until

from hub.engine.runs import queue_run
from hub.models import FeedRun, Integration, RunLog, utcnow
from hub.tasks import huey, requeue_lost_runs, run_feed


def _queued_run_ids():
    return sorted(t.args[0] for t in huey.pending() if t.name == run_feed.name)


def test_a_queued_run_whose_task_is_gone_is_queued_again(integration):
    run = queue_run(Integration.get_by_id(integration.id), "import_new_products")
    later = utcnow() + timedelta(minutes=2)
    assert requeue_lost_runs(later, settle=0) == []  # its task is on the queue
    huey.flush()  # the worker that took the task died, or the queue was emptied
    assert requeue_lost_runs(utcnow(), settle=0) == []  # too recent to call lost
    assert requeue_lost_runs(later, settle=0) == [run.id]
    assert _queued_run_ids() == [run.id]
    assert requeue_lost_runs(later, settle=0) == []  # once
    line = RunLog.get(RunLog.run == run.id)
    assert (line.severity, line.code) == ("warning", "requeued")
    assert "re-queued" in FeedRun.get_by_id(run.id).message


def test_a_run_waiting_for_its_retry_is_not_lost(integration):
    run = queue_run(Integration.get_by_id(integration.id), "import_new_products")
    huey.flush()
    huey.add_schedule(_delayed(run.id))  # a transient failure: Huey retries it in 10 minutes
    assert requeue_lost_runs(utcnow() + timedelta(minutes=2), settle=0) == []


def _delayed(run_id):
    task = run_feed.s(run_id)
    task.eta = utcnow() + timedelta(minutes=10)
    return task


@pytest.mark.slow
def test_worker_start_queues_again_the_runs_of_a_restored_database(
    integration, store, worker_factory
):
    store.add_product(1, "R-1", "Restored")
    run = queue_run(Integration.get_by_id(integration.id), "import_new_products")
    FeedRun.update(queued_at=utcnow() - timedelta(hours=1)).where(FeedRun.id == run.id).execute()
    huey.flush()  # the backup holds the run; the new host's queue is empty
    worker_factory("--workers", "1", "--no-schedule")
    wait_until(lambda: FeedRun.get_by_id(run.id).status == "succeeded", timeout=60)
    assert FeedRun.get_by_id(run.id).created == 1
