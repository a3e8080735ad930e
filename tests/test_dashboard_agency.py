"""The agency view (issue 18): a store that is down on the overview and in the bell (and
cleared when it answers again), late and stuck feeds, the live "retrying" line of a run, the
"no worker" banner of every page, the workers panel and the "last night" summary. Runs are real
(the engine against the Shopify emulator and the test store, with the emulator kit's faults)."""

import re
import threading
from datetime import timedelta

import pytest
import requests
from conftest import BACKENDS
from support import run, wait_until
from web_support import *  # noqa: F403  (fixtures: app, client…)

STORE_DOWN_RUNS = 3


@pytest.fixture
def shopify(hub_db):
    """A Shopify integration against the emulator: (integration, emulator URL)."""
    from connect_shopify_emulator import DEMO_TOKEN, MAIN_LOCATION, create_app

    from hub.services.integrations import create_integration
    from hub.testing import serve_app

    with serve_app(create_app(products=3, orders=2, seed=3)) as server:
        integration = create_integration(
            "Shopify shop",
            "shopify",
            server.url,
            {"access_token": DEMO_TOKEN, "location_id": MAIN_LOCATION},
        )
        yield integration, server.url


def store_fails(url, count=500):
    """Every answer of the emulator is a 503 (the kit's ``5xx`` fault)."""
    from hub.testing.faults import inject

    inject(url, "5xx", {"fault": "5xx"}, count=count)


def store_answers(url):
    requests.delete(f"{url}/_emulator/faults", timeout=10).raise_for_status()


def page(client, url="/"):
    response = client.get(url)
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def store_down_alerts(integration):
    from hub.models import Alert

    return list(
        Alert.select().where((Alert.integration == integration.id) & (Alert.code == "store_down"))
    )


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_a_store_that_is_down_shows_on_the_overview_and_in_the_bell_once_then_clears(
    client, shopify
):
    from hub.models import Event, RunLog
    from hub.services import alerts

    integration, url = shopify
    assert run(integration, "import_new_products").status == "succeeded"
    store_fails(url)
    failed = [run(integration, "import_new_products") for _ in range(STORE_DOWN_RUNS - 1)]
    assert {r.status for r in failed} == {"failed"}
    assert "the store is unreachable or busy" in failed[0].message
    # two failed runs: a hiccup, not an outage yet
    assert f'id="store-down-{integration.id}"' not in page(client)
    alerts.collect()
    assert not Event.select().where(Event.code == "store_down").exists()

    last = run(integration, "import_new_orders")
    assert last.status == "failed"
    # each transport retry is a line of the run's log, as it happened
    retries = [
        line.message
        for line in RunLog.select().where((RunLog.run == last.id) & (RunLog.code == "http_retry"))
    ]
    assert retries and all(m.endswith(": store answered 503") for m in retries), retries

    html = page(client)
    assert f'id="store-down-{integration.id}"' in html
    assert 'id="stores-down-banner"' in html and "The store is not answering" in html
    assert f"{STORE_DOWN_RUNS} failed attempts in {STORE_DOWN_RUNS} runs" in html

    # the alerts pass opens one Error: in the bell on every page, alerted once
    alerts.collect()
    alerts.collect()
    [event] = Event.select().where(Event.code == "store_down")
    assert event.resolved_at is None and event.severity == "error"
    assert len(store_down_alerts(integration)) == 1
    bell = page(client, "/orders/")
    assert "The store has not answered since" in bell
    assert re.search(r'id="bell-count">\s*1\s*<', bell)

    # more failures of the same outage: still one event, still one alert
    run(integration, "import_new_products")
    alerts.collect()
    assert Event.get_by_id(event.id).count == 1
    assert len(store_down_alerts(integration)) == 1

    # the store answers again: cleared on the overview, resolved in the bell
    store_answers(url)
    assert run(integration, "import_new_products").status == "succeeded"
    html = page(client)
    assert f'id="store-down-{integration.id}"' not in html and "stores-down-banner" not in html
    alerts.collect()
    event = Event.get_by_id(event.id)
    assert event.resolved_at is not None and "answers again" in event.resolved_by
    assert "The store has not answered since" not in page(client, "/orders/")


def test_an_outage_resolved_by_hand_is_not_raised_again_until_the_next_one(client, shopify):
    from hub.models import Event, utcnow
    from hub.services import alerts

    integration, url = shopify
    store_fails(url)
    for _ in range(STORE_DOWN_RUNS):
        run(integration, "import_new_products")
    alerts.collect()
    Event.update(resolved_at=utcnow(), resolved_by="merchant").where(
        Event.code == "store_down"
    ).execute()
    run(integration, "import_new_products")  # still down: the merchant knows
    alerts.collect()
    assert Event.get(Event.code == "store_down").resolved_by == "merchant"

    store_answers(url)
    run(integration, "import_new_products")
    store_fails(url)
    for _ in range(STORE_DOWN_RUNS):
        run(integration, "import_new_products")
    alerts.collect()  # a new outage: opened again, a second alert
    assert Event.get(Event.code == "store_down").resolved_at is None
    assert len(store_down_alerts(integration)) == 2


def test_failures_the_store_answered_are_not_a_store_down(client, shopify):
    """A 401 is the store answering (wrong credentials), not an outage."""
    integration, url = shopify
    from hub.testing.faults import inject

    inject(url, "auth", {"fault": "auth"}, count=500)
    for _ in range(STORE_DOWN_RUNS + 1):
        assert run(integration, "import_new_products").status == "failed"
    html = page(client)
    assert f'id="store-down-{integration.id}"' not in html
    assert 'data-health="failing"' in html


def test_the_live_run_page_says_retrying_while_the_store_answers_503(client, shopify, monkeypatch):
    from hub.engine.runs import create_run, execute_run
    from hub.models import FeedRun
    from hub.settings import load_settings, set_settings

    integration, url = shopify
    # transport retries that wait (0, 2, 4, 8 s): the run lasts long enough for the page to
    # see them live on a loaded machine
    monkeypatch.setenv("HUB_HTTP_BACKOFF", "1")
    monkeypatch.setenv("HUB_HTTP_RETRIES", "4")
    set_settings(load_settings())
    store_fails(url)
    queued = create_run(integration, "import_new_products")
    worker = threading.Thread(target=execute_run, args=(queued.id,), daemon=True)
    worker.start()
    try:
        seen = []

        def retrying_live():
            data = client.get(f"/runs/{queued.id}/progress.json").get_json()
            seen.append(data)
            return data["status"] == "running" and data["retry"] is not None

        wait_until(retrying_live, timeout=60)
        live = seen[-1]["retry"]
        assert re.fullmatch(r"retrying in [\d.]+ s: store answered 503", live["message"]), live
        assert live["at"].endswith("Z")
        html = page(client, f"/runs/{queued.id}")
        assert 'id="run-retry"' in html and "store answered 503" in html
    finally:
        worker.join(120)
    finished = FeedRun.get_by_id(queued.id)
    assert finished.status == "failed"
    # a finished run has nothing to retry any more
    assert client.get(f"/runs/{queued.id}/progress.json").get_json()["retry"] is None


def test_run_now_without_a_worker_says_nobody_will_take_it(client, shopify):
    from hub.models import WorkerHeartbeat

    integration, _ = shopify
    response = client.post(f"/integrations/{integration.id}/feeds/import_new_products/run")
    assert response.status_code == 302
    run_url = response.headers["Location"]
    run_id = int(run_url.rstrip("/").rsplit("/", 1)[1])
    html = page(client, run_url)
    assert 'id="run-no-worker"' in html
    assert re.search(r'id="run-no-worker" data-no-worker\s*>', html)  # shown, not hidden
    assert "start one with <code>hub worker</code>" in html
    assert client.get(f"/runs/{run_id}/progress.json").get_json()["no_worker"] is True
    # the overview calls it stuck: queued with no worker to take it
    assert "queued; no worker is running to take it" in page(client)

    # Run now said so when pressed (the flash shown on the run page above)
    assert f"Run #{run_id} queued, but no worker is running" in html

    WorkerHeartbeat.create(worker_id="w1", hostname="box", pid=42)
    assert client.get(f"/runs/{run_id}/progress.json").get_json()["no_worker"] is False
    assert re.search(r'id="run-no-worker" data-no-worker hidden', page(client, run_url))
    again = client.post(f"/integrations/{integration.id}/feeds/update_orders/run")
    next_id = int(again.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    html = page(client, again.headers["Location"])
    assert f"Run #{next_id} queued." in html and "queued, but no worker" not in html


PAGES = ["/", "/integrations/", "/runs/", "/events/", "/orders/", "/products/", "/summary"]


def test_the_no_worker_banner_is_on_every_page(client, integration):
    from hub.models import WorkerHeartbeat, utcnow

    for url in PAGES:
        html = page(client, url)
        assert 'id="worker-banner"' in html and "No worker has ever been seen" in html, url
    WorkerHeartbeat.create(
        worker_id="old", hostname="box", pid=1, seen_at=utcnow() - timedelta(minutes=10)
    )
    assert re.search(r"The last worker was seen <time[^>]*>10 minutes ago<", page(client, "/runs/"))
    WorkerHeartbeat.create(worker_id="w2", hostname="box", pid=2)
    for url in PAGES:
        assert 'id="worker-banner"' not in page(client, url), url


def test_the_workers_panel_lists_workers_and_the_queue(client, integration):
    from hub.engine.runs import queue_run
    from hub.models import WorkerHeartbeat, utcnow

    WorkerHeartbeat.create(worker_id="alive-1", hostname="box-a", pid=11, scheduler=True)
    WorkerHeartbeat.create(
        worker_id="gone-2",
        hostname="box-b",
        pid=22,
        seen_at=utcnow() - timedelta(minutes=30),
        stopped_at=utcnow() - timedelta(minutes=30),
    )
    queue_run(integration, "import_new_orders")
    queue_run(integration, "import_new_products")
    html = page(client)
    panel = html[html.index('id="workers"') :]
    assert "alive-1" in panel and "box-a (pid 11)" in panel and "running" in panel
    assert "gone-2" in panel and re.search(r"stopped <time[^>]*>30 minutes ago<", panel)
    assert re.search(r'id="queue-length">2<', panel)


def test_a_late_feed_shows_as_late_with_its_factor(client, integration):
    from hub.models import FeedRun, FeedSetting, Integration, utcnow

    hour_ago = utcnow() - timedelta(hours=1)
    Integration.update(created_at=hour_ago).where(Integration.id == integration.id).execute()
    FeedSetting.update(cron="*/5 * * * *", updated_at=hour_ago).where(
        (FeedSetting.integration == integration.id) & (FeedSetting.feed == "import_new_orders")
    ).execute()
    assert run(integration, "import_new_orders").status == "succeeded"
    html = page(client)
    assert 'data-health="late"' not in html
    FeedRun.update(finished_at=utcnow() - timedelta(minutes=50)).where(
        FeedRun.integration == integration.id
    ).execute()  # its last success was 50 minutes ago: 10 intervals of 5 minutes
    html = page(client)
    row = re.search(r'<tr[^>]*data-feed="import_new_orders".*?</tr>', html, re.S).group(0)
    assert ">late<" in row
    assert "no successful run for 3 times its schedule" in row
    assert 'data-health="late">1 late' in html
    assert "(no successful run for 3 times their schedule)" in html


def test_a_run_far_longer_than_usual_is_stuck(client, integration):
    from hub.models import FeedRun, WorkerHeartbeat, utcnow

    WorkerHeartbeat.create(worker_id="w1", hostname="box", pid=1)
    for _ in range(2):
        assert run(integration, "import_new_products").status == "succeeded"
    stuck = FeedRun.create(
        integration=integration,
        feed="import_new_products",
        status="running",
        queued_at=utcnow() - timedelta(hours=2),
        started_at=utcnow() - timedelta(hours=2),
        attempts=1,
    )
    html = page(client)
    row = re.search(r'<tr[^>]*data-feed="import_new_products".*?</tr>', html, re.S).group(0)
    assert f'href="/runs/{stuck.id}"' in row and ">stuck<" in row
    assert "running for 2 h (usually under a minute)" in row


def test_a_run_waiting_for_its_next_attempt_is_retrying(client, integration):
    from hub.models import FeedRun, WorkerHeartbeat

    WorkerHeartbeat.create(worker_id="w1", hostname="box", pid=1)
    waiting = FeedRun.create(
        integration=integration,
        feed="import_new_orders",
        status="queued",
        attempts=1,
        message="attempt 1 failed (store answered 503); retrying in 30s",
    )
    html = page(client)
    row = re.search(r'<tr[^>]*data-feed="import_new_orders".*?</tr>', html, re.S).group(0)
    assert f'href="/runs/{waiting.id}"' in row and ">retrying<" in row
    assert "attempt 1 failed (store answered 503); retrying in 30s" in row


def summary_rows(html):
    """{(integration id, feed): {"cells": [...], "changes": {words: n}}} of the summary."""
    found = {}
    for key, body in re.findall(r'<tr data-summary="([^"]+)"[^>]*>(.*?)</tr>', html, re.S):
        integration_id, feed = key.split(":")
        cells = re.findall(r'<td class="num">(?:<span[^>]*>)?(\d+)', body)
        changes = {words: int(n) for words, n in re.findall(r'data-change="([^"]+)">(\d+) ', body)}
        found[(int(integration_id), feed)] = {"cells": [int(c) for c in cells], "changes": changes}
    return found


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_the_last_night_summary_counts_match_the_runs(client, integration, store):
    from hub.models import FeedRun, utcnow

    store.add_product(1, "MUG-9", "Green mug")
    store.add_product(2, "MUG-10", "Grey mug")
    store.add_order(1, "#1001", [{"sku": "MUG-9", "qty": 2}])
    old = run(integration, "import_new_products")  # three days ago: outside the window
    FeedRun.update(queued_at=utcnow() - timedelta(days=3)).where(FeedRun.id == old.id).execute()
    first = run(integration, "import_new_products")
    again = run(integration, "import_new_products")
    orders = run(integration, "import_new_orders")
    store.faults.append({"fault": "5xx", "count": 200})  # the store is down from here on
    failed = run(integration, "import_new_orders")
    assert failed.status == "failed"

    html = page(client, "/summary?hours=12")
    rows = summary_rows(html)
    products = rows[(integration.id, "import_new_products")]
    runs_, succeeded, with_errors, failed_n, failed_records = products["cells"]
    assert runs_ == 2 and succeeded + with_errors == 2 and failed_n == 0
    assert products["changes"]["products imported"] == first.created + again.created
    assert products["changes"]["products updated"] == first.updated + again.updated
    assert failed_records == first.failed + again.failed
    order_row = rows[(integration.id, "import_new_orders")]
    assert order_row["cells"][0] == 2 and order_row["cells"][3] == 1
    assert order_row["changes"]["orders imported"] == orders.created
    assert orders.created > 0
    assert re.search(r'data-total="runs">4<', html)
    assert re.search(r'data-total="failed">1<', html)
    assert f'href="/runs/{failed.id}"' in html  # the failed run is listed with its reason

    # the default window (18:00 yesterday) holds tonight's runs too; the overview links to it
    assert 'data-total="runs">' in page(client, "/summary")
    assert 'id="summary-link" href="/summary"' in page(client)
    since = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert "No run in this time." in page(client, f"/summary?since={since}")
    assert client.get("/summary?since=yesterday").status_code == 400
