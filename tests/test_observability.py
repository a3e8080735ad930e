"""Issue 14 §4–§5: /metrics, JSON logs, progress on a terminal, schedules in words."""

import json

import pytest
from conftest import BACKENDS
from support import add_test_shop, hub_cli
from web_support import *  # noqa: F403  (fixtures: app, client, seeded…)

from hub.engine.schedule import describe_cron

# -- schedules in words -------------------------------------------------------------------


def test_cron_in_words():
    assert describe_cron("*/15 * * * *", "Europe/Paris") == "every 15 minutes"
    assert describe_cron("30 2 * * *", "Europe/Paris") == "daily at 02:30 Europe/Paris"
    assert describe_cron("0 * * * *") == "every hour"
    assert describe_cron("0 3 * * 1", "UTC") == "at 03:00, only on Monday UTC"
    assert describe_cron(None) == "manual"
    assert describe_cron("@daily") == "@daily"  # what it cannot word is shown as it is


def test_integration_page_shows_schedules_in_words(client, seeded):
    from hub.engine.schedule import update_feed_setting

    integration = seeded["integration"]
    update_feed_setting(integration, "update_products", cron="30 2 * * *", timezone="Europe/Paris")
    update_feed_setting(integration, "import_new_orders", cron="*/15 * * * *")
    html = client.get(f"/integrations/{integration.id}").get_data(as_text=True)
    assert "<code>30 2 * * *</code>" in html or 'value="30 2 * * *"' in html
    assert "daily at 02:30 Europe/Paris" in html
    assert "every 15 minutes" in html


def test_feeds_list_shows_schedules_in_words(integration):
    from hub.engine.schedule import update_feed_setting

    update_feed_setting(integration, "update_products", cron="30 2 * * *", timezone="Europe/Paris")
    listed = json.loads(hub_cli("feeds", "list", "Test shop", "--json", check=True).stdout)
    by_feed = {f["feed"]: f for f in listed}
    assert by_feed["update_products"]["schedule"] == "daily at 02:30 Europe/Paris"
    table = hub_cli("feeds", "list", "Test shop", check=True).stdout
    assert "daily at 02:30 Europe/Paris" in table


# -- /metrics -----------------------------------------------------------------------------

TOKEN = "scrape-token-123"


def _scrape(anon, **headers):
    from prometheus_client.parser import text_string_to_metric_families

    response = anon.get("/metrics", headers=headers)
    assert response.status_code == 200, response.data
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return response, samples


def _value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def metrics_seeded(seeded, hub_db):
    from datetime import timedelta

    from hub.models import Event, FeedRun, WorkerHeartbeat, utcnow

    integration = seeded["integration"]
    now = utcnow()
    FeedRun.create(  # a failed run of 42 s
        integration=integration,
        feed="import_new_orders",
        status="failed",
        queued_at=now - timedelta(minutes=5),
        started_at=now - timedelta(seconds=50),
        finished_at=now - timedelta(seconds=8),
        processed=7,
        failed=2,
    )
    FeedRun.create(  # a success of 3 s, 10 minutes ago
        integration=integration,
        feed="import_new_orders",
        status="succeeded",
        queued_at=now - timedelta(minutes=11),
        started_at=now - timedelta(minutes=10, seconds=3),
        finished_at=now - timedelta(minutes=10),
        processed=5,
        created=5,
    )
    FeedRun.create(integration=integration, feed="export_stock", status="running", started_at=now)
    FeedRun.create(  # two days old: outside the window, but still its feed's last success
        integration=integration,
        feed="update_products",
        status="succeeded",
        queued_at=now - timedelta(days=2),
        started_at=now - timedelta(days=2),
        finished_at=now - timedelta(days=2),
        processed=100,
    )
    Event.create(
        integration=integration, severity="info", code="cancelled", reference="1", message="x"
    )
    Event.create(
        integration=integration,
        severity="error",
        code="gone",
        reference="2",
        message="resolved",
        resolved_at=now,
    )
    WorkerHeartbeat.create(
        worker_id="w1", hostname="box", pid=1, seen_at=now - timedelta(seconds=30)
    )
    WorkerHeartbeat.create(
        worker_id="w0", hostname="box", pid=2, seen_at=now - timedelta(hours=1), stopped_at=now
    )
    hub_db.metrics_token = TOKEN
    return seeded


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_metrics_from_the_database(anon, metrics_seeded):
    response, samples = _scrape(anon, Authorization=f"Bearer {TOKEN}")
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    shop = "Test shop"
    runs = "hub_feed_runs"
    assert _value(samples, runs, integration=shop, feed="import_new_orders", status="failed") == 1
    assert (
        _value(samples, runs, integration=shop, feed="import_new_orders", status="succeeded") == 1
    )
    assert _value(samples, runs, integration=shop, feed="export_stock", status="running") == 1
    assert _value(samples, runs, integration=shop, feed="stock_check", status="succeeded") == 1
    assert (
        _value(samples, runs, integration=shop, feed="update_products", status="succeeded") is None
    )
    processed = "hub_feed_records_processed"
    assert _value(samples, processed, integration=shop, feed="import_new_orders") == 12
    records = "hub_feed_records"
    assert (
        _value(samples, records, integration=shop, feed="import_new_orders", outcome="failed") == 2
    )
    assert (
        _value(samples, records, integration=shop, feed="import_new_orders", outcome="created") == 5
    )
    # the histogram: 3 s and 42 s
    hist = "hub_feed_run_duration_seconds"
    labels = {"integration": shop, "feed": "import_new_orders"}
    assert _value(samples, f"{hist}_count", **labels) == 2
    assert _value(samples, f"{hist}_sum", **labels) == pytest.approx(45, abs=0.01)
    assert _value(samples, f"{hist}_bucket", le="5.0", **labels) == 1
    assert _value(samples, f"{hist}_bucket", le="30.0", **labels) == 1
    assert _value(samples, f"{hist}_bucket", le="60.0", **labels) == 2
    assert _value(samples, f"{hist}_bucket", le="+Inf", **labels) == 2
    assert _value(samples, f"{hist}_count", integration=shop, feed="export_stock") is None
    age = "hub_feed_last_success_age_seconds"
    assert _value(samples, age, integration=shop, feed="import_new_orders") == pytest.approx(
        600, abs=30
    )
    assert _value(samples, age, integration=shop, feed="update_products") == pytest.approx(
        2 * 86400, abs=30
    )
    assert _value(samples, "hub_held_orders", integration=shop, status="held") == 1
    unresolved = "hub_events_unresolved"
    assert _value(samples, unresolved, integration=shop, severity="error") == 1
    assert _value(samples, unresolved, integration=shop, severity="info") == 1
    assert _value(samples, "hub_queue_depth") == 0
    heartbeat = "hub_worker_heartbeat_age_seconds"
    assert _value(
        samples, heartbeat, worker="w1", hostname="box", scheduler="false"
    ) == pytest.approx(30, abs=30)
    assert not [key for key in samples if key[0] == heartbeat and ("worker", "w0") in key[1]]
    assert _value(samples, "hub_worker_last_seen_age_seconds") == pytest.approx(30, abs=30)


def test_metrics_refused_without_the_token(anon, metrics_seeded):
    refused = anon.get("/metrics")
    assert refused.status_code == 401 and b"hub_feed_runs" not in refused.data
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = anon.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    basic = anon.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401


def test_metrics_off_without_configuration_and_allow_list(anon, seeded, hub_db):
    from hub.settings import parse_networks

    assert anon.get("/metrics").status_code == 404  # neither variable: metrics are off
    hub_db.metrics_allow = parse_networks("10.0.0.0/8, ::1", "HUB_METRICS_ALLOW")
    outside = anon.get("/metrics", environ_base={"REMOTE_ADDR": "192.168.1.5"})
    assert outside.status_code == 401
    inside = anon.get("/metrics", environ_base={"REMOTE_ADDR": "10.2.3.4"})
    assert inside.status_code == 200 and b"hub_events_unresolved" in inside.data
    hub_db.metrics_token = TOKEN  # either one is enough
    with_token = anon.get(
        "/metrics",
        environ_base={"REMOTE_ADDR": "192.168.1.5"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert with_token.status_code == 200


def test_metrics_settings_are_checked():
    from hub.errors import BadInput
    from hub.settings import load_settings

    settings = load_settings({"HUB_METRICS_ALLOW": "127.0.0.1 10.0.0.0/8", "HUB_SECRET_KEY": "k"})
    assert [str(n) for n in settings.metrics_allow] == ["127.0.0.1/32", "10.0.0.0/8"]
    with pytest.raises(BadInput, match="HUB_METRICS_ALLOW"):
        load_settings({"HUB_METRICS_ALLOW": "not-an-address"})
    with pytest.raises(BadInput, match="HUB_LOG_FORMAT"):
        load_settings({"HUB_LOG_FORMAT": "xml"})


# -- JSON logs ----------------------------------------------------------------------------


def _shop(store):
    for pid, sku in ((1, "A"), (2, "B"), (3, "C")):
        store.add_product(pid, sku, f"Product {sku}")
    add_test_shop(store)


def test_json_logs_name_the_run(hub_db, store):
    _shop(store)
    result = hub_cli(
        "--log-format",
        "json",
        "feeds",
        "run",
        "Shop",
        "import_new_products",
        "--inline",
        env={"HUB_LOG_LEVEL": "INFO"},
        check=True,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines, result.stderr
    for line in lines:
        assert {"time", "severity", "logger", "message", "run_id", "integration", "feed"} <= set(
            line
        )
    in_run = [line for line in lines if line["run_id"] is not None]
    assert in_run and all(
        (line["integration"], line["feed"]) == ("Shop", "import_new_products") for line in in_run
    )
    assert any("starts" in line["message"] and line["severity"] == "INFO" for line in in_run)
    # HUB_LOG_FORMAT does the same
    again = hub_cli(
        "feeds",
        "run",
        "Shop",
        "import_new_products",
        "--inline",
        env={"HUB_LOG_LEVEL": "INFO", "HUB_LOG_FORMAT": "json"},
        check=True,
    )
    assert all(json.loads(line)["severity"] for line in again.stderr.splitlines())


def test_json_formatter_outside_a_run_and_with_a_traceback():
    import logging

    from hub.engine.logcontext import JsonFormatter, run_context

    logger = logging.getLogger("hub.test")
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logger.makeRecord("hub.test", logging.ERROR, __file__, 1, "x %s", ("y",), None)
        record.exc_info = sys.exc_info()
    data = json.loads(JsonFormatter().format(record))
    assert data["message"] == "x y" and data["run_id"] is None and data["severity"] == "ERROR"
    assert "ValueError: boom" in data["exception"]
    with run_context(7, "Shop", "export_stock"):
        record = logger.makeRecord("hub.test", logging.INFO, __file__, 1, "in", (), None)
        data = json.loads(JsonFormatter().format(record))
    assert (data["run_id"], data["integration"], data["feed"]) == (7, "Shop", "export_stock")


# -- progress -----------------------------------------------------------------------------


def test_progress_bar_on_a_terminal(hub_db, store):
    import os
    import pty
    import subprocess
    import sys
    from pathlib import Path

    _shop(store)
    leader, follower = pty.openpty()
    hub = str(Path(sys.executable).parent / "hub")
    proc = subprocess.Popen(
        [hub, "feeds", "run", "Shop", "update_products", "--inline"],
        stdout=subprocess.PIPE,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "100"},
    )
    os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        terminal += chunk
    os.close(leader)
    stdout = proc.stdout.read().decode()
    assert proc.wait(60) == 0
    screen = terminal.decode()
    assert "Shop/update_products" in screen and "3/3" in screen, screen
    assert "records/s" in screen or "s/ records" in screen or "it/s" in screen, screen
    assert "\r" in screen  # redrawn in place
    assert "succeeded" in stdout and "3/3" not in stdout


def test_progress_plain_lines_when_piped_and_nothing_with_json(hub_db, store):
    _shop(store)
    piped = hub_cli("feeds", "run", "Shop", "update_products", "--inline", check=True)
    assert "\r" not in piped.stdout and "\r" not in piped.stderr
    assert "Shop/update_products: 3/3 records in " in piped.stdout
    quiet = hub_cli("feeds", "run", "Shop", "update_products", "--inline", "--json", check=True)
    assert json.loads(quiet.stdout)["status"] == "succeeded"  # the JSON only


def test_progress_plain_lines_give_rate_and_eta(monkeypatch):
    import io

    from hub.cli import progress as progress_module

    lines = []
    monkeypatch.setattr(progress_module.click, "echo", lines.append)
    monkeypatch.setattr(progress_module, "PLAIN_EVERY_SECONDS", 0)
    shown = progress_module.Progress("Shop/export_stock", tty=False)
    shown.started -= 10  # ten seconds in
    shown.update(20, 100)
    shown.close()
    assert lines[0] == "Shop/export_stock: 20/100 records (2.0/s, ETA 40s)"
    assert lines[1].startswith("Shop/export_stock: 20/100 records in 10s (2.0/s)")
    bar = io.StringIO()
    drawn = progress_module.Progress("Shop/export_stock", tty=True, file=bar)
    drawn.update(1, None)
    drawn.update(5, 10)
    drawn.update(10, 10)
    drawn.close()
    assert "10/10" in bar.getvalue() and "\r" in bar.getvalue()
