"""Alerts (issue 14 §3): a real SMTP server (aiosmtpd) and a real HTTP receiver on loopback,
the hub's alert task in between: new Error events, late feeds, missing workers, the rate
limit, the daily digest, per-integration recipients, several workers sending at once."""

import dataclasses
import re
import socket
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from conftest import BACKENDS
from flask import Flask, request
from web_support import *  # noqa: F403  (fixtures: app, client…)
from web_support import PASSWORD, flashes, sign_in

import hub.cli
import hub.settings
from hub.engine.events import record_event, resolve_event
from hub.models import (
    Alert,
    AlertDelivery,
    FeedRun,
    FeedSetting,
    Integration,
    WorkerHeartbeat,
    utcnow,
)
from hub.services import alerts
from hub.settings import load_settings, parse_smtp_url
from hub.testing import serve_app


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"

    def bodies(self):
        return [m.get_body(("plain",)).get_content() for _, m in self.messages]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.url = f"smtp://{controller.hostname}:{controller.port}"
    yield inbox
    controller.stop()


@pytest.fixture
def receiver():
    """A local HTTP receiver: every JSON POST to /<name> is kept; /slow sleeps, /fail 500s."""
    received = []
    lock = threading.Lock()
    app = Flask("receiver")

    @app.post("/<name>")
    def hook(name):
        if name.startswith("slow"):
            time.sleep(0.2)
        if name == "fail":
            return "no", 500
        with lock:
            received.append((name, request.get_json()))
        return "ok"

    with serve_app(app) as server:
        server.received = received
        yield server


def configure_alerts(**values):
    settings = hub.settings.get_settings()
    return hub.settings.set_settings(dataclasses.replace(settings, **values))


@pytest.fixture
def wired(hub_db, smtp, receiver):
    configure_alerts(
        smtp=parse_smtp_url(smtp.url),
        alert_from="hub@shop.test",
        alert_emails=("ops@shop.test",),
        alert_webhooks=(f"{receiver.url}/generic",),
        public_url="https://hub.shop.test",
    )
    return smtp, receiver


def fresh_worker():
    now = utcnow()
    WorkerHeartbeat.create(worker_id="live:1", hostname="here", pid=1, seen_at=now, started_at=now)


def error(integration, reference="#1001", code="unknown_sku"):
    return record_event(
        integration.id,
        "error",
        code,
        f"order {reference}: SKU NOPE is unknown",
        hint="Create the product NOPE, or fix the SKU in the store, then press Retry.",
        reference=reference,
    )


def test_a_new_error_is_one_email_and_one_webhook_with_the_hint_and_a_link(wired, integration):
    smtp, receiver = wired
    event = error(integration)

    assert alerts.run_alerts() == {"created": 1, "sent": 2, "failed": 0}

    [(rcpt, msg)] = smtp.messages
    assert rcpt == ["ops@shop.test"]
    assert msg["From"] == "hub@shop.test"
    assert msg["Subject"] == "[hub] Error in Test shop: unknown_sku"
    body = smtp.bodies()[0]
    assert "Create the product NOPE" in body
    assert f"https://hub.shop.test/events/{event.id}" in body
    [(name, data)] = receiver.received
    assert name == "generic"
    assert data["kind"] == "error" and data["code"] == "unknown_sku"
    assert data["integration"] == "Test shop"
    assert data["hint"].startswith("Create the product NOPE")
    assert data["link"] == f"https://hub.shop.test/events/{event.id}"

    # the same event seen again (deduplicated like events): nothing new
    error(integration)
    assert alerts.run_alerts() == {"created": 0, "sent": 0, "failed": 0}
    # a second identical error (same code, another order) within the period: no message
    error(integration, reference="#1002")
    assert alerts.run_alerts() == {"created": 1, "sent": 0, "failed": 0}
    assert len(smtp.messages) == 1 and len(receiver.received) == 1
    assert Alert.select().where(Alert.status == "suppressed").count() == 1


def test_after_the_period_the_next_message_says_how_many_were_held_back(wired, integration):
    smtp, _ = wired
    error(integration)
    alerts.run_alerts()
    error(integration, reference="#1002")
    alerts.run_alerts()
    for status, hours in (("pending", 2), ("suppressed", 1.5)):  # the period is over
        Alert.update(created_at=utcnow() - timedelta(hours=hours)).where(
            Alert.status == status
        ).execute()
    error(integration, reference="#1003")
    alerts.run_alerts()
    assert len(smtp.messages) == 2
    assert "1 more alert(s) of this kind were held back" in smtp.bodies()[1]


def test_a_resolved_error_seen_again_is_new_again(wired, integration):
    smtp, _ = wired
    configure_alerts(alert_rate_minutes=0)
    event = error(integration)
    alerts.run_alerts()
    resolve_event(event)
    alerts.run_alerts()  # its alert is closed
    error(integration)  # re-opened
    alerts.run_alerts()
    assert len(smtp.messages) == 2


def make_late(integration, feed="import_new_orders", cron="*/5 * * * *"):
    """One feed scheduled every 5 minutes, enabled an hour ago, never succeeded since."""
    hour_ago = utcnow() - timedelta(hours=1)
    Integration.update(created_at=hour_ago).where(Integration.id == integration.id).execute()
    FeedSetting.update(cron=cron, updated_at=hour_ago).where(
        (FeedSetting.integration == integration.id) & (FeedSetting.feed == feed)
    ).execute()


def test_a_late_feed_is_one_alert_and_shows_on_the_overview_and_healthz(wired, integration, client):
    smtp, receiver = wired
    fresh_worker()
    assert client.get("/healthz").get_json()["status"] == "ok"
    make_late(integration)
    FeedRun.create(  # succeeded 50 minutes ago: still late (3 × 5 minutes)
        integration=integration,
        feed="import_new_orders",
        status="succeeded",
        finished_at=utcnow() - timedelta(minutes=50),
    )

    [late] = alerts.late_feeds()
    assert late["feed"] == "import_new_orders" and late["interval_seconds"] == 300
    alerts.run_alerts()
    alerts.run_alerts()
    [(_, msg)] = smtp.messages
    assert msg["Subject"] == "[hub] Test shop: feed import_new_orders is late"
    assert [d["kind"] for _, d in receiver.received] == ["late_feed"]

    html = client.get("/").get_data(as_text=True)
    assert 'id="late-banner"' in html and "1 feed late" in html
    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.get_json()
    assert body["status"] == "degraded"
    assert [(f["integration"], f["feed"]) for f in body["late_feeds"]] == [
        ("Test shop", "import_new_orders")
    ]

    # a successful run: no longer late, nothing shown
    FeedRun.create(
        integration=integration, feed="import_new_orders", status="succeeded", finished_at=utcnow()
    )
    assert alerts.late_feeds() == []
    assert client.get("/healthz").get_json()["status"] == "ok"
    assert 'id="late-banner"' not in client.get("/").get_data(as_text=True)


def test_the_late_factor_is_configurable(wired, integration):
    make_late(integration, cron="*/30 * * * *")  # an hour without success: 2 intervals
    assert alerts.late_feeds() == []
    configure_alerts(alert_late_factor=1.5)
    assert [f["feed"] for f in alerts.late_feeds()] == ["import_new_orders"]


def test_a_missing_worker_is_one_alert_a_clean_stop_none(wired):
    smtp, receiver = wired
    fresh_worker()
    gone = utcnow() - timedelta(minutes=5)
    WorkerHeartbeat.create(worker_id="h:2:x", hostname="box", pid=2, seen_at=gone, started_at=gone)
    WorkerHeartbeat.create(
        worker_id="h:3:y", hostname="box", pid=3, seen_at=gone, started_at=gone, stopped_at=gone
    )
    alerts.run_alerts()
    alerts.run_alerts()
    [(_, msg)] = smtp.messages
    assert msg["Subject"] == "[hub] Worker on box (pid 2) not seen for 2 minutes"
    assert [d["kind"] for _, d in receiver.received] == ["worker"]


def test_digest_mode_sends_one_summary(wired, integration):
    smtp, receiver = wired
    configure_alerts(alert_digest="00:00")  # due as soon as anything waits
    error(integration, code="unknown_sku")
    error(integration, reference="#1002", code="carrier_unmapped")
    alerts.run_alerts()
    alerts.run_alerts()
    [(_, msg)] = smtp.messages
    assert msg["Subject"] == "[hub] Daily digest: 2 alert(s)"
    body = smtp.bodies()[0]
    assert "unknown_sku" in body and "carrier_unmapped" in body
    [(_, data)] = receiver.received
    assert data["kind"] == "digest" and len(data["items"]) == 2
    # later the same day: nothing until tomorrow's digest
    error(integration, reference="#1003", code="other")
    alerts.run_alerts()
    assert len(smtp.messages) == 1
    assert Alert.get(Alert.code == "other").status == "digest"


def test_digest_waits_for_its_time(wired, integration):
    _smtp, _ = wired
    now = utcnow().replace(hour=7, minute=0)
    configure_alerts(alert_digest="08:00")
    error(integration)
    Integration.update(created_at=now - timedelta(days=1)).execute()
    alerts.collect(now)
    assert alerts.send_pending(now) == (0, 0)
    alerts.collect(now.replace(hour=8, minute=1))
    assert alerts.send_pending(now.replace(hour=8, minute=1)) == (2, 0)  # an email, a webhook


def test_per_integration_recipients_stored_encrypted_and_used(wired, integration):
    smtp, receiver = wired
    hook = f"slack:{receiver.url}/shop-slack"
    result = CliRunner().invoke(
        hub.cli.cli,
        [
            "integrations",
            "set",
            "Test shop",
            "--alert-email",
            "shop@shop.test",
            "--alert-webhook",
            hook,
        ],
    )
    assert result.exit_code == 0, result.output
    stored = Integration.get_by_id(integration.id)
    assert stored.alert_emails == ["shop@shop.test"]
    assert "shop-slack" not in (stored.alert_webhooks_encrypted or "")
    assert alerts.alert_recipients_summary(stored)["webhooks"] == ["slack webhook on 127.0.0.1"]

    error(integration)
    alerts.run_alerts()
    assert sorted(r for rcpt, _ in smtp.messages for r in rcpt) == [
        "ops@shop.test",
        "shop@shop.test",
    ]
    by_name = dict(receiver.received)
    assert set(by_name) == {"generic", "shop-slack"}
    assert list(by_name["shop-slack"]) == ["text"]  # Slack's shape
    assert "Create the product NOPE" in by_name["shop-slack"]["text"]

    bad = CliRunner().invoke(
        hub.cli.cli, ["integrations", "set", "Test shop", "--alert-email", "x"]
    )
    assert bad.exit_code == 2 and "invalid email address" in bad.output + bad.stderr


def test_the_edit_form_sets_the_recipients(wired, integration, client):
    response = client.post(
        f"/integrations/{integration.id}/edit",
        data={
            "name": "Test shop",
            "url": integration.base_url,
            "alert_emails": "a@shop.test, b@shop.test",
            "alert_webhooks": "teams:https://example.webhook.office.com/webhookb2/abc",
        },
    )
    assert response.status_code == 302, flashes(response)
    stored = Integration.get_by_id(integration.id)
    assert stored.alert_emails == ["a@shop.test", "b@shop.test"]
    html = client.get(f"/integrations/{integration.id}/edit").get_data(as_text=True)
    assert "teams webhook on example.webhook.office.com" in html
    assert "webhookb2/abc" not in html


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_several_workers_never_send_the_same_alert_twice(hub_db, receiver):
    configure_alerts(alert_webhooks=tuple(f"{receiver.url}/slow{i}" for i in range(3)))
    Integration.create(name="Shop", connector="testshop", base_url="http://127.0.0.1:1")
    event_ids = [error(Integration.get(), reference=f"#{n}", code=f"c{n}").id for n in range(4)]
    assert len(alerts.collect()) == 4
    assert AlertDelivery.select().count() == 12

    results, errors = [], []

    def work(n):
        try:
            results.append(alerts.send_pending(worker=f"worker-{n}"))
        except Exception as exc:  # pragma: no cover - shown by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(sent for sent, _ in results) == 12
    assert len(receiver.received) == 12
    assert len({(n, d["link"]) for n, d in receiver.received}) == 12  # each alert once per hook
    assert AlertDelivery.select().where(AlertDelivery.sent_at.is_null()).count() == 0
    assert len(event_ids) == 4


def test_a_failed_delivery_is_retried_later_and_says_only_why(wired, integration):
    _smtp, receiver = wired
    configure_alerts(alert_webhooks=(f"{receiver.url}/fail",))
    error(integration)
    assert alerts.run_alerts() == {"created": 1, "sent": 1, "failed": 1}
    failed = AlertDelivery.get(AlertDelivery.channel == "webhook")
    assert failed.error == "HTTP 500" and failed.sent_at is None and failed.failed_at is None
    assert failed.next_attempt_at > utcnow()
    assert alerts.send_pending() == (0, 0)  # not yet
    assert alerts.send_pending(utcnow() + timedelta(minutes=3)) == (0, 1)


def test_webhook_formats_by_host_or_prefix():
    cases = {
        "https://hooks.slack.com/services/T/B/x": "slack",
        "https://acme.webhook.office.com/webhookb2/x": "teams",
        "https://prod-1.westeurope.logic.azure.com/workflows/x": "teams-workflow",
        "slack:https://chat.example.com/hooks/x": "slack",
        "teams:https://proxy.example.com/x": "teams",
        "https://example.com/hook": "json",
    }
    assert {url: alerts.parse_webhook(url).format for url in cases} == cases
    with pytest.raises(Exception, match="http"):
        alerts.parse_webhook("ftp://example.com/x")


def test_slack_and_teams_payload_shapes():
    alert = Alert(
        kind="error",
        code="unknown_sku",
        subject="[hub] Error in Shop: unknown_sku",
        text="SKU NOPE is unknown\nHow to fix it: create it",
        details={"link": "https://hub/events/1", "hint": "create it"},
    )
    assert alerts.payload("slack", alert) == {
        "text": "*[hub] Error in Shop: unknown_sku*\nSKU NOPE is unknown\nHow to fix it: create it"
    }
    card = alerts.payload("teams", alert)
    assert card["@type"] == "MessageCard" and card["@context"] == "https://schema.org/extensions"
    assert card["title"] == alert.subject and card["summary"] == alert.subject
    assert card["potentialAction"][0]["targets"][0]["uri"] == "https://hub/events/1"
    workflow = alerts.payload("teams-workflow", alert)
    assert workflow["type"] == "message"
    [attachment] = workflow["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content = attachment["content"]
    assert content["type"] == "AdaptiveCard" and content["version"] == "1.4"
    assert content["actions"][0] == {
        "type": "Action.OpenUrl",
        "title": "Open in the hub",
        "url": "https://hub/events/1",
    }


def test_smtp_url_parsed_once_and_never_shows_its_password():
    settings = load_settings(
        {"HUB_SMTP_URL": "smtp://alerts%40shop.test:s3cr%2Ft@mail.shop.test:587?starttls=1"}
    )
    smtp = settings.smtp
    assert (smtp.host, smtp.port, smtp.username, smtp.password, smtp.starttls) == (
        "mail.shop.test",
        587,
        "alerts@shop.test",
        "s3cr/t",
        True,
    )
    assert "s3cr" not in repr(settings) and "s3cr" not in str(smtp)
    assert load_settings({"HUB_ALERT_RATE": "30m", "HUB_ALERT_DIGEST": "daily at 7:30"}) == (
        dataclasses.replace(load_settings({}), alert_rate_minutes=30.0, alert_digest="07:30")
    )


def test_hub_alerts_send_tells_when_every_worker_is_down(wired):
    """The workers send alerts; when all of them are down, a system timer running `hub alerts
    send` still tells someone (and never repeats what was sent)."""
    import json

    from click.testing import CliRunner

    from hub.cli import cli

    smtp, receiver = wired
    gone = utcnow() - timedelta(minutes=5)
    WorkerHeartbeat.create(worker_id="h:7:z", hostname="box", pid=7, seen_at=gone, started_at=gone)
    first = CliRunner().invoke(cli, ["alerts", "send", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"created": 1, "sent": 2, "failed": 0}  # email + webhook
    [(_, msg)] = smtp.messages
    assert msg["Subject"] == "[hub] Worker on box (pid 7) not seen for 2 minutes"
    again = CliRunner().invoke(cli, ["alerts", "send"])
    assert again.exit_code == 0 and again.stdout.startswith("0 new alert(s), 0 message(s) sent")
    assert len(smtp.messages) == 1 and len(receiver.received) == 1


# -- the dashboard's Alerts page, and pruning ----------------------------------------------


def alert_rows(client, query=""):
    """{alert id: the row's text} of the Alerts page (tags dropped, spaces squeezed)."""
    response = client.get(f"/alerts/{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr id="alert-(\d+)">(.*?)</tr>', html, re.S)
    return {int(i): " ".join(re.sub(r"<[^>]+>", " ", row).split()) for i, row in rows}


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_the_alerts_page_shows_each_alert_its_messages_and_event(wired, integration, client):
    _smtp, receiver = wired
    configure_alerts(alert_rate_minutes=0)
    told = error(integration, "#1001")
    alerts.run_alerts()
    configure_alerts(alert_webhooks=(f"{receiver.url}/fail",))
    retrying = error(integration, "#1002")
    alerts.run_alerts()
    sent_alert = Alert.get(Alert.event == told.id)
    retrying_alert = Alert.get(Alert.event == retrying.id)

    rows = alert_rows(client)
    assert list(rows) == [retrying_alert.id, sent_alert.id]  # newest first
    sent_row = rows[sent_alert.id]
    assert sent_row.startswith("sent [hub] Error in Test shop: unknown_sku")
    assert "unknown_sku #1001" in sent_row  # the event it came from
    assert "email · ops@shop.test · sent" in sent_row
    assert "webhook · json webhook on 127.0.0.1 · sent" in sent_row
    assert f"/events/{told.id}" in client.get("/alerts/").get_data(as_text=True)
    assert "retrying (1 attempt: HTTP 500)" in rows[retrying_alert.id]
    assert rows[retrying_alert.id].startswith("pending")
    assert receiver.url not in client.get("/alerts/").get_data(as_text=True)  # a secret

    assert list(alert_rows(client, "?state=sent")) == [sent_alert.id]
    assert list(alert_rows(client, "?state=pending")) == [retrying_alert.id]
    assert alert_rows(client, "?state=failed") == {}
    later = utcnow()
    for _ in range(alerts.MAX_ATTEMPTS):
        later += timedelta(hours=1)
        alerts.send_pending(later)
    assert list(alert_rows(client, "?state=failed")) == [retrying_alert.id]
    assert "given up after 5 attempts: HTTP 500" in alert_rows(client)[retrying_alert.id]
    assert alert_rows(client, "?state=pending") == {}
    assert alert_rows(client, f"?integration={integration.id + 1}") == {}
    assert client.get("/alerts/?state=nonsense").status_code == 400


def test_held_back_and_digest_alerts_are_listed_as_such(wired, integration, client):
    error(integration, "#1001")
    error(integration, "#1002")  # same code within the rate period: held back
    alerts.run_alerts()
    held = Alert.get(Alert.status == "suppressed")
    rows = alert_rows(client, "?state=held_back")
    assert list(rows) == [held.id]
    assert "held back by the rate limit" in rows[held.id]


def test_an_operator_sees_the_alerts_page_linked_from_the_bell(wired, integration, app):
    from hub.services.users import create_user

    create_user("bob", PASSWORD, is_admin=False)
    operator = app.test_client()
    sign_in(operator, "bob")
    error(integration)
    alerts.run_alerts()
    assert 'href="/alerts/"' in operator.get("/").get_data(as_text=True)
    assert len(alert_rows(operator)) == 1


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_sent_alerts_are_pruned_after_their_retention_the_rest_kept(wired, integration):
    from hub.services.retention import prune

    _smtp, receiver = wired
    configure_alerts(alert_rate_minutes=0, alert_retention_days=30)
    old = utcnow() - timedelta(days=31)
    sent = error(integration, "#1")
    alerts.run_alerts(now=old)
    alerts.send_pending(old)
    resolve_event(sent)
    alerts.run_alerts(now=old + timedelta(minutes=1))  # its alert is closed with its event
    still_open = error(integration, "#2")
    alerts.run_alerts(now=old)
    alerts.send_pending(old)
    configure_alerts(alert_webhooks=(f"{receiver.url}/fail",))
    unsent = error(integration, "#3")
    alerts.run_alerts(now=old)  # its webhook message fails: still to send
    recent = error(integration, "#4")
    alerts.run_alerts()
    by_event = {a.event_id: a for a in Alert.select()}
    assert set(by_event) == {sent.id, still_open.id, unsent.id, recent.id}
    doomed = by_event[sent.id].id
    assert AlertDelivery.select().where(AlertDelivery.alert == doomed).count() == 2

    assert prune()["alerts"] == 1
    assert {a.event_id for a in Alert.select()} == {still_open.id, unsent.id, recent.id}
    assert not AlertDelivery.select().where(AlertDelivery.alert == doomed).exists()
    # the open event's alert stays: collect does not tell it again
    assert alerts.collect() == []
    assert prune()["alerts"] == 0
    configure_alerts(alert_retention_days=40)
    resolve_event(still_open)
    alerts.collect()
    assert prune()["alerts"] == 0  # 31 days old, kept 40


def test_an_error_seen_again_after_its_old_alerts_were_pruned_is_told(wired, integration):
    from hub.services.retention import prune

    smtp, _ = wired
    configure_alerts(alert_rate_minutes=0)
    old = utcnow() - timedelta(days=40)
    event = error(integration)
    for episode in range(3):  # three episodes: told, resolved, seen again…
        alerts.run_alerts(now=old + timedelta(days=episode))
        resolve_event(event)
        alerts.collect(now=old + timedelta(days=episode, minutes=1))
        event = error(integration)
    kept = [f"error:{event.id}:1", f"error:{event.id}:2"]
    Alert.update(created_at=utcnow()).where(Alert.key.in_(kept)).execute()
    assert prune()["alerts"] == 1  # episode 0; 1 and 2 are recent
    alerts.run_alerts()  # the fourth episode: a key of its own (a count would say 2: taken)
    assert len(smtp.messages) == 4
    assert Alert.select().where(Alert.key == f"error:{event.id}:3").exists()
