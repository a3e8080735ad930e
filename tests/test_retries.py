"""A retry is never lost (issue 17 §4): Retry / Run now meeting a running run of its feed waits
for it (dashboard, CLI, a real worker process, inline), and `hub events retry --all` retries
every unresolved Error by one run per feed."""

import json
from datetime import timedelta

import pytest
from support import hub_cli, run, wait_until
from web_support import *  # noqa: F403  (fixtures: app, client, user)
from web_support import flashes

from hub.engine import lease, runs
from hub.models import Event, FeedLease, FeedRun, Integration, utcnow

ENDED = ("succeeded", "succeeded_with_errors", "failed", "skipped")


def error_event(integration, code, reference, feed, external_id=None):
    """An unresolved Error of ``feed`` about the store's record ``external_id``."""
    now = utcnow()
    return Event.create(
        integration=integration,
        severity="error",
        code=code,
        message=f"{reference}: the store refused it",
        reference=reference,
        feed=feed,
        external_id=external_id,
        first_seen=now,
        last_seen=now,
    )


def ended(run_id):
    found = FeedRun.get_by_id(run_id)
    return found if found.status in ENDED else None


@pytest.fixture
def catalogue(integration, store):
    """Two products imported, so a Retry can target each by its store id."""
    store.add_product(1, "A", "Apple")
    store.add_product(2, "B", "Banana")
    assert run(integration, "import_new_products").status == "succeeded"
    return integration


@pytest.mark.slow
def test_two_retries_pressed_back_to_back_both_run_one_after_the_other(
    catalogue, store, client, worker_factory
):
    first_error = error_event(catalogue, "rejected", "A", "update_products", "1")
    second_error = error_event(catalogue, "rejected", "B", "update_products", "2")
    store.faults.append({"fault": "slow", "count": 1, "delay": 3, "path": "/products"})
    worker_factory("--workers", "2")

    client.post(f"/events/{first_error.id}/retry")
    first = FeedRun.select().order_by(FeedRun.id.desc()).first()
    wait_until(lambda: FeedRun.get_by_id(first.id).status == "running", timeout=30)
    response = client.post(f"/events/{second_error.id}/retry", follow_redirects=True)
    second = FeedRun.select().order_by(FeedRun.id.desc()).first()
    assert second.id != first.id
    assert (
        "info",
        f"Retry queued as run #{second.id}: run #{first.id} of this feed is running now; "
        "this one starts after it.",
    ) in flashes(response)

    wait_until(lambda: ended(first.id) and ended(second.id), timeout=60)
    first, second = FeedRun.get_by_id(first.id), FeedRun.get_by_id(second.id)
    assert first.status == second.status == "succeeded"  # before: the second was "skipped"
    assert second.started_at >= first.finished_at
    assert second.params["external_ids"] == ["2"] and second.trigger == "retry"


@pytest.mark.slow
def test_run_now_from_the_cli_meeting_a_running_run_says_so_and_runs_after_it(
    catalogue, store, worker_factory
):
    store.faults.append({"fault": "slow", "count": 1, "delay": 8, "path": "/products"})
    error = error_event(catalogue, "rejected", "B", "update_products", "2")
    worker_factory("--workers", "2")
    busy = runs.queue_run(Integration.get_by_id(catalogue.id), "update_products")
    wait_until(lambda: FeedRun.get_by_id(busy.id).status == "running", timeout=30)

    queued = hub_cli("feeds", "run", "Test shop", "update_products", check=True)
    run_id = int(queued.stdout.split()[1])
    assert f"after run {busy.id}: that run of its feed is running now" in queued.stdout
    waiting = FeedRun.get_by_id(run_id)
    assert waiting.status == "queued"
    assert waiting.message in (
        None,
        f"waiting: run {busy.id} of this feed is running; this run starts after it",
    )
    retried = json.loads(hub_cli("events", "retry", str(error.id), "--json", check=True).stdout)
    assert retried["after_run"] == busy.id and retried["status"] == "queued"
    done = wait_until(lambda: ended(run_id), timeout=60)
    assert wait_until(lambda: ended(retried["id"]), timeout=60).status == "succeeded"
    assert done.status == "succeeded" and done.started_at >= FeedRun.get_by_id(busy.id).finished_at
    assert done.message and not done.message.startswith("waiting")


def test_an_inline_run_waits_for_the_run_holding_its_feed(catalogue, monkeypatch):
    monkeypatch.setattr(runs, "LEASE_WAIT", 0.2)
    # another host's run holds the feed for 1 s more (then stops renewing: its lease expires)
    assert lease.acquire(catalogue.id, "update_products", 999, 1, holder="otherhost:1:x")[0]
    told = []
    done = runs.run_inline(
        Integration.get_by_id(catalogue.id), "update_products", waiting=told.append
    )
    assert told == [999]
    assert done.status == "succeeded"
    # a scheduled run is still skipped at once, and says why
    FeedLease.update(expires_at=utcnow() + timedelta(seconds=60), holder="otherhost:1:x").execute()
    skipped = runs.run_inline(
        Integration.get_by_id(catalogue.id), "update_products", trigger="schedule"
    )
    assert skipped.status == "skipped"
    assert "a scheduled run does not wait" in skipped.message


def test_events_retry_all_runs_one_run_per_feed(catalogue, store):
    other = error_event(catalogue, "rejected", "B", "update_products", "2")
    error_event(catalogue, "rejected", "A", "update_products", "1")
    error_event(catalogue, "fetch_failed", "orders", "import_new_orders")
    error_event(catalogue, "orphan", "nowhere", None)  # tied to no feed: cannot be retried
    Event.create(
        integration=catalogue, severity="info", code="note", message="only informs",
        reference="x", feed="update_products", first_seen=utcnow(), last_seen=utcnow(),
    )  # fmt: skip

    result = hub_cli("events", "retry", "--all", "--inline", "--json", check=True)
    summary = json.loads(result.stdout)
    by_feed = {r["feed"]: r for r in summary["runs"]}
    assert sorted(by_feed) == ["import_new_orders", "update_products"]
    assert all(r["status"] == "succeeded" for r in summary["runs"])
    products_run = FeedRun.get_by_id(by_feed["update_products"]["run"])
    assert sorted(products_run.params["external_ids"]) == ["1", "2"]
    assert products_run.trigger == "retry"
    assert FeedRun.get_by_id(by_feed["import_new_orders"]["run"]).params == {}
    assert len(by_feed["update_products"]["events"]) == 2
    assert [item["why"] for item in summary["not_retryable"]] == [
        f"event {Event.get(Event.code == 'orphan').id} is not tied to a feed: fix it and resolve it"
    ]

    # per feed, queued for a worker, in words
    before = FeedRun.select().count()
    text = hub_cli("events", "retry", "--all", "--feed", "update_products", check=True).stdout
    assert text.splitlines()[0] == "2 error(s) retried by 1 run(s)"
    assert "Test shop/update_products: queued (events " in text
    assert FeedRun.select().count() == before + 1
    assert FeedRun.select().order_by(FeedRun.id.desc()).first().params["external_ids"] in (
        ["1", "2"],
        ["2", "1"],
    )
    assert other.id in json.loads(
        hub_cli(
            "events", "retry", "--all", "--integration", "Test shop", "--feed", "update_products",
            "--json", check=True,
        ).stdout
    )["runs"][0]["events"]  # fmt: skip

    nothing = hub_cli("events", "retry", "--all", "--feed", "import_stock", check=True)
    assert nothing.stdout.strip() == "no error to retry"
    both = hub_cli("events", "retry", str(other.id), "--all")
    assert both.returncode == 2 and "give an EVENT_ID or --all" in both.stderr
    stray = hub_cli("events", "retry", str(other.id), "--feed", "update_products")
    assert stray.returncode == 2 and "--feed and --integration go with --all" in stray.stderr
