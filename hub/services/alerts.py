"""Alerts that reach people: email (SMTP) and webhooks (generic JSON, Slack, Teams).

Two steps, both run by the ``hub.alerts`` task every minute (``hub.tasks``), never by a feed
run, so a slow mail server cannot hold a feed up:

* :func:`collect` decides what to tell, in one transaction that one process at a time runs
  (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL): a new Error event (one
  alert per event while it stays open; after it is resolved and seen again, a new one), a
  late feed (once per lateness: no successful run for ``HUB_ALERT_LATE_FACTOR`` × the interval
  of its cron), a missing worker (a heartbeat older than two minutes, without a clean stop),
  a store that is down (``hub.services.health``: an Error ``store_down`` opened once per outage,
  so it is in the bell and alerted like any Error, and resolved when the store answers again).
  Each is an :class:`~hub.models.Alert` with a unique key (dedup). The rate limit: an alert
  whose (integration, code) already had a message within ``HUB_ALERT_RATE`` is kept but
  ``suppressed`` (the next message says how many were held back). With ``HUB_ALERT_DIGEST``
  the integrations' alerts wait for the daily digest (one message per recipient); a missing
  worker is still told at once. Every recipient of an alert is an
  :class:`~hub.models.AlertDelivery`.
* :func:`send_pending` sends the deliveries that are due. Each is claimed first by an
  ``UPDATE … WHERE sent_at IS NULL AND (claimed_at IS NULL OR claim expired)`` whose row
  count says who won, so several workers never send the same message twice. A failure is
  retried with backoff (``MAX_ATTEMPTS``), then given up (``failed_at``, the reason kept).

Recipients: ``HUB_ALERT_EMAILS`` / ``HUB_ALERT_WEBHOOKS`` get everything; an integration's own
(``hub integrations set NAME --alert-email … --alert-webhook …``, the dashboard's Edit form)
get that integration's alerts too. Webhook URLs are secrets (Slack's and Teams' carry their
token): stored encrypted, never logged or shown (only their host), looked up when sending.
"""

import functools
import hashlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

from peewee import JOIN, fn

from hub.bounds import shorten
from hub.crypto import decrypt_json, encrypt_json
from hub.db import db, is_postgres
from hub.engine.events import record_event
from hub.engine.lease import holder_id
from hub.engine.schedule import next_run
from hub.errors import BadInput
from hub.http import make_session, register_secrets
from hub.models import (
    Alert,
    AlertDelivery,
    Event,
    FeedRun,
    FeedSetting,
    Integration,
    WorkerHeartbeat,
    iso,
    utcnow,
)
from hub.services.health import stores_down
from hub.settings import get_settings

log = logging.getLogger("hub.alerts")

WORKER_MISSING = timedelta(minutes=2)
WORKER_FORGOTTEN = timedelta(days=1)  # older silent rows are history, not news
NEW_EVENT_WINDOW = timedelta(days=1)  # errors older than this when alerts start are not news
CLAIM_SECONDS = 300  # a claim older than this belongs to a worker that died while sending
MAX_ATTEMPTS = 5
SMTP_TIMEOUT = 20
WEBHOOK_TIMEOUT = (5, 15)
SUCCESS = ("succeeded", "succeeded_with_errors")
LOCK_ID = 0x48554241  # pg_advisory_xact_lock of the collect pass ("HUBA")
FORMATS = ("json", "slack", "teams", "teams-workflow")
EMAIL_MAX = 254


# -- recipients -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    channel: str  # email | webhook
    address: str  # the email address, or the webhook URL (a secret)
    format: str = "email"  # for webhooks: json | slack | teams | teams-workflow

    @property
    def key(self):
        return hashlib.sha256(f"{self.channel}:{self.address}".encode()).hexdigest()[:64]

    @property
    def label(self):
        if self.channel == "email":
            return self.address
        return f"{self.format} webhook on {urlsplit(self.address).hostname}"


def parse_webhook(value):
    """``slack:URL``, ``teams:URL``, ``teams-workflow:URL``, ``json:URL``, or a bare URL whose
    host tells: hooks.slack.com → Slack; *.webhook.office.com / outlook.office.com → Teams
    (MessageCard); *.logic.azure.com / *.powerplatform.com (Teams Workflows) → Adaptive Card;
    anything else → generic JSON."""
    value = (value or "").strip()
    fmt, _, rest = value.partition(":")
    if fmt in FORMATS and rest.startswith("http"):
        url = rest
    else:
        fmt, url = None, value
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput("a webhook must be an http(s) URL, optionally prefixed slack: or teams:")
    if fmt is None:
        host = parts.hostname.lower()
        if host == "hooks.slack.com":
            fmt = "slack"
        elif host.endswith(".webhook.office.com") or host == "outlook.office.com":
            fmt = "teams"
        elif host.endswith((".logic.azure.com", ".powerplatform.com")):
            fmt = "teams-workflow"
        else:
            fmt = "json"
    return Target("webhook", url, fmt)


def parse_email(value):
    value = (value or "").strip()
    local, _, domain = value.rpartition("@")
    if not local or "." not in domain or len(value) > EMAIL_MAX or any(c in value for c in " ,<>"):
        raise BadInput(f"invalid email address {value!r}")
    return value


def _split(values):
    """A list or a text of addresses, split on commas and lines."""
    if isinstance(values, str):
        values = [values]
    out = []
    for value in values or ():
        out.extend(v.strip() for v in str(value).replace("\n", ",").split(",") if v.strip())
    return out


def default_targets():
    settings = get_settings()
    targets = [Target("email", e) for e in settings.alert_emails]
    targets += [parse_webhook(w) for w in settings.alert_webhooks]
    return targets


def integration_webhooks(integration):
    if not integration.alert_webhooks_encrypted:
        return []
    key = get_settings().require_secret_key()
    return list(decrypt_json(key, integration.alert_webhooks_encrypted).get("webhooks", []))


def integration_targets(integration):
    targets = [Target("email", e) for e in integration.alert_emails or ()]
    return targets + [parse_webhook(w) for w in integration_webhooks(integration)]


def _unique(targets):
    seen, out = set(), []
    for t in targets:
        if t.key not in seen:
            seen.add(t.key)
            out.append(t)
    return out


def targets_for(integration_id):
    """Who gets an alert: the defaults, plus the integration's own. An alert of no integration
    (a missing worker) goes to the defaults, or when there are none to every integration's."""
    defaults = default_targets()
    if integration_id is not None:
        integration = Integration.get_or_none(Integration.id == integration_id)
        own = integration_targets(integration) if integration else []
        return _unique(defaults + own)
    if defaults:
        return _unique(defaults)
    everyone = []
    for integration in Integration.select().where(Integration.active):
        everyone += integration_targets(integration)
    return _unique(everyone)


def set_alert_recipients(integration, emails=None, webhooks=None):
    """Replace an integration's own alert emails and/or webhooks (None: unchanged; an empty
    list: none). Validated before anything is written; webhook URLs are stored encrypted."""
    if emails is not None:
        emails = list(dict.fromkeys(parse_email(e) for e in _split(emails)))
    if webhooks is not None:
        webhooks = _split(webhooks)
        for w in webhooks:
            parse_webhook(w)
    if emails is not None:
        integration.alert_emails = emails
    if webhooks is not None:
        key = get_settings().require_secret_key()
        integration.alert_webhooks_encrypted = (
            encrypt_json(key, {"webhooks": list(dict.fromkeys(webhooks))}) if webhooks else None
        )
    if emails is not None or webhooks is not None:
        integration.save()
    return integration


def alert_recipients_summary(integration):
    """What may be shown: the emails, and the webhooks by format and host only."""
    try:
        hooks = [parse_webhook(w).label for w in integration_webhooks(integration)]
    except Exception:  # a changed key must not hide the rest
        hooks = ["(cannot decrypt with the current HUB_SECRET_KEY)"]
    return {"emails": list(integration.alert_emails or ()), "webhooks": hooks}


# -- what was told (the dashboard's Alerts page) -------------------------------------------

STATES = ("pending", "sent", "failed", "held_back", "digest")


def alerts_query(state=None, integration=None):
    """The alerts, newest first, of one ``state`` (:data:`STATES`) and one integration id,
    with their integration and event joined. Digest markers (bookkeeping) are left out.
    ``pending``: a message still to send (retrying ones too); ``sent``: every message sent;
    ``failed``: a message given up; ``held_back``: kept by the rate limit, never sent;
    ``digest``: waiting for, or told in, the daily digest."""
    if state is not None and state not in STATES:
        raise BadInput(f"unknown alert state {state!r} (one of {', '.join(STATES)})")
    d = AlertDelivery
    unfinished = d.select(d.alert).where(d.sent_at.is_null(True) & d.failed_at.is_null(True))
    given_up = d.select(d.alert).where(d.failed_at.is_null(False))
    sent = d.select(d.alert).where(d.sent_at.is_null(False))
    query = (
        Alert.select(Alert, Integration, Event)
        .join(Integration, JOIN.LEFT_OUTER)
        .switch(Alert)
        .join(Event, JOIN.LEFT_OUTER)
        .where(Alert.status != "marker")
    )
    if state == "pending":
        query = query.where((Alert.status == "pending") & Alert.id.in_(unfinished))
    elif state == "failed":
        query = query.where(Alert.id.in_(given_up))
    elif state == "sent":
        query = query.where(
            (Alert.status == "pending")
            & Alert.id.in_(sent)
            & Alert.id.not_in(unfinished)
            & Alert.id.not_in(given_up)
        )
    elif state == "held_back":
        query = query.where(Alert.status == "suppressed")
    elif state == "digest":
        query = query.where(Alert.status.in_(("digest", "digested")))
    if integration is not None:
        query = query.where(Alert.integration == integration)
    return query


def deliveries_of(alerts):
    """{alert id: [AlertDelivery]} of a page of alerts, in one query."""
    by_alert = {a.id: [] for a in alerts}
    if by_alert:
        rows = AlertDelivery.select().where(AlertDelivery.alert.in_(list(by_alert)))
        for delivery in rows.order_by(AlertDelivery.id):
            by_alert[delivery.alert_id].append(delivery)
    return by_alert


def alert_state(alert, deliveries):
    """What the Alerts page says of one alert: one of :data:`STATES`, or ``no_recipient``
    (an alert nobody was configured to receive)."""
    if alert.status == "suppressed":
        return "held_back"
    if alert.status in ("digest", "digested"):
        return "digest"
    if not deliveries:
        return "no_recipient"
    if any(x.failed_at for x in deliveries):
        return "failed"
    if all(x.sent_at for x in deliveries):
        return "sent"
    return "pending"


# -- what to tell -----------------------------------------------------------------------------


def _link(path):
    return get_settings().public_url + path


def _last_finished(setting, statuses):
    """The end of the latest run of ``setting``'s feed with one of ``statuses``: a subquery
    per feed setting that walks the (integration, feed, queued_at) index backwards and stops
    at the first match, where a MAX over every run kept read the whole table on each overview
    request. The runs of one feed do not overlap (a run waits for the running one), so the
    latest queued is the latest finished."""
    run = FeedRun.alias()
    return (
        run.select(run.finished_at)
        .where(
            (run.integration == setting.integration)
            & (run.feed == setting.feed)
            & run.status.in_(statuses)
            & run.finished_at.is_null(False)
        )
        .order_by(run.queued_at.desc(), run.id.desc())
        .limit(1)
    )


def feed_last_runs():
    """{(integration_id, feed): {"success": datetime | None, "failure": datetime | None}} for
    every feed setting, in one query."""
    query = FeedSetting.select(
        FeedSetting.integration,
        FeedSetting.feed,
        _last_finished(FeedSetting, SUCCESS).alias("success"),
        _last_finished(FeedSetting, ("failed",)).alias("failure"),
    )
    finished = FeedRun.finished_at.python_value
    return {
        (integration_id, feed): {"success": finished(success), "failure": finished(failure)}
        for integration_id, feed, success, failure in query.tuples()
    }


@functools.lru_cache(maxsize=4096)
def _two_fires(cron, timezone, since):
    """The next two fires of a cron after ``since``: the same until the feed's next success
    (croniter's parsing was most of the overview's late check)."""
    first = next_run(cron, timezone, since)
    return first, next_run(cron, timezone, first) if first else None


def late_feeds(now=None, factor=None, last_runs=None):
    """Enabled, scheduled feeds of active integrations without a successful run for
    ``factor`` × the interval between two fires of their cron, counted from the last success,
    or from when the feed was (re)enabled or rescheduled, whichever is later. ``last_runs``:
    :func:`feed_last_runs` when the caller has it already (the overview)."""
    now = now or utcnow()
    factor = get_settings().alert_late_factor if factor is None else factor
    last_runs = feed_last_runs() if last_runs is None else last_runs
    late = []
    query = (
        FeedSetting.select(FeedSetting, Integration)
        .join(Integration)
        .where(FeedSetting.enabled & FeedSetting.cron.is_null(False) & Integration.active)
        .order_by(Integration.name, FeedSetting.feed)
    )
    for fs in query:
        success = last_runs.get((fs.integration_id, fs.feed), {}).get("success")
        since = max(d for d in (success, fs.updated_at, fs.integration.created_at) if d)
        first, second = _two_fires(fs.cron, fs.timezone, since)
        if not second:
            continue
        interval = second - first
        if now - since > interval * factor:
            late.append(
                {
                    "integration_id": fs.integration_id,
                    "integration": fs.integration.name,
                    "feed": fs.feed,
                    "setting_id": fs.id,
                    "cron": fs.cron,
                    "interval_seconds": int(interval.total_seconds()),
                    "last_success": success,
                    "since": since,
                    "late_since": since + interval * factor,
                }
            )
    return late


def late_feeds_json(now=None):
    return [
        {
            "integration": f["integration"],
            "feed": f["feed"],
            "last_success": iso(f["last_success"]),
            "late_since": iso(f["late_since"]),
        }
        for f in late_feeds(now)
    ]


def _new_alert(now, **values):
    """Insert an alert unless its key exists (dedup); the rate limit and the digest decide its
    status. Returns the alert created, or None."""
    settings = get_settings()
    if Alert.select().where(Alert.key == values["key"]).exists():
        return None
    status = "pending"
    integration_id = values.get("integration")
    if values["kind"] != "worker" and settings.alert_digest:
        status = "digest"
    elif integration_id is not None:
        rate = timedelta(minutes=settings.alert_rate_minutes)
        same = (Alert.integration == integration_id) & (Alert.code == values["code"])
        recent = Alert.select().where(
            same & (Alert.status == "pending") & (Alert.created_at > now - rate)
        )
        if recent.exists():
            status = "suppressed"
        else:
            last_sent = (
                Alert.select(fn.MAX(Alert.created_at))
                .where(same & (Alert.status == "pending"))
                .scalar()
            )
            held = Alert.select().where(same & (Alert.status == "suppressed"))
            if last_sent:
                held = held.where(Alert.created_at > last_sent)
            held = held.count()
            if held:
                values["text"] += (
                    f"\n\n{held} more alert(s) of this kind were held back by the rate limit "
                    "since the last message."
                )
    values["subject"] = shorten(values["subject"], 255)
    inserted = Alert.insert(status=status, created_at=now, **values).on_conflict_ignore().execute()
    if not inserted:
        return None
    alert = Alert.get(Alert.key == values["key"])
    if status == "pending":
        _add_deliveries(alert, targets_for(integration_id), now)
    return alert


def _add_deliveries(alert, targets, now):
    for t in targets:
        AlertDelivery.insert(
            alert=alert.id,
            channel=t.channel,
            target=t.key,
            label=shorten(t.label, 255),
            created_at=now,
            next_attempt_at=now,
        ).on_conflict_ignore().execute()


def _next_episode(event_id):
    """The number of an event's next alert (its key ``error:<event>:<n>``): one more than the
    highest kept. Not a count: pruning (hub.services.retention) removes the oldest episodes,
    and a count would then name an episode that still exists, its key taken, the news lost."""
    keys = Alert.select(Alert.key).where((Alert.kind == "error") & (Alert.event == event_id))
    numbers = [int(key.rsplit(":", 1)[1]) for (key,) in keys.tuples()]
    return max(numbers) + 1 if numbers else 0


STORE_DOWN = "store_down"  # the code of the Error a store that is down opens
STORE_DOWN_HINT = (
    "The store does not answer (connection errors, timeouts or 5xx answers). The hub keeps "
    "running its feeds on schedule and closes this when the store answers again; check the "
    "store's status page or its hosting. Nothing needs changing in the hub."
)


def store_down_events(now=None):
    """Open an Error ``store_down`` for each integration whose store is down — once per outage:
    not again while it is open, nor when someone resolved it during this outage — and resolve
    the open ones of stores that answer again. Returns (opened, resolved) counts."""
    now = now or utcnow()
    down = stores_down()
    known = {
        e.integration_id: e for e in Event.select().where(Event.code == STORE_DOWN)
    }  # one row per integration (reference "")
    opened = 0
    for integration_id, state in down.items():
        event = known.get(integration_id)
        if event is not None and (event.resolved_at is None or event.resolved_at >= state["since"]):
            continue
        run = state["last_run"]
        record_event(
            integration_id,
            "error",
            STORE_DOWN,
            f"The store has not answered since {state['since']:%Y-%m-%d %H:%M} UTC: "
            f"{state['attempts']} failed attempt(s) in {state['runs']} run(s); "
            f"last: {state['message'] or 'no answer'}",
            hint=STORE_DOWN_HINT,
            run=run,
            details={"since": iso(state["since"]), "last_run": run.id},
        )
        opened += 1
    back = [i for i, e in known.items() if e.resolved_at is None and i not in down]
    resolved = 0
    if back:
        resolved = (
            Event.update(resolved_at=now, resolved_by="hub: the store answers again")
            .where(
                (Event.code == STORE_DOWN)
                & Event.integration.in_(back)
                & Event.resolved_at.is_null(True)
            )
            .execute()
        )
    return opened, resolved


def _error_alerts(now):
    # an open alert per open event: closed when the event is resolved (or gone)
    resolved = Event.select(Event.id).where(Event.resolved_at.is_null(False))
    Alert.update(event_closed_at=now).where(
        (Alert.kind == "error")
        & Alert.event_closed_at.is_null(True)
        & (Alert.event.in_(resolved) | Alert.event.is_null(True))
    ).execute()
    open_alerts = Alert.select(Alert.event).where(
        (Alert.kind == "error") & Alert.event_closed_at.is_null(True) & Alert.event.is_null(False)
    )
    events = (
        Event.select(Event, Integration)
        .join(Integration)
        .where(
            (Event.severity == "error")
            & Event.resolved_at.is_null(True)
            & (Event.last_seen > now - NEW_EVENT_WINDOW)
            & Event.id.not_in(open_alerts)
        )
        .order_by(Event.id)
    )
    created = []
    for e in events:
        episode = _next_episode(e.id)
        link = _link(f"/events/{e.id}")
        ref = f" ({e.reference})" if e.reference else ""
        lines = [f"{e.integration.name}{' · ' + e.feed if e.feed else ''}: {e.message}{ref}"]
        if e.hint:
            lines.append(f"How to fix it: {e.hint}")
        lines.append(f"Open it: {link}")
        alert = _new_alert(
            now,
            key=f"error:{e.id}:{episode}",
            kind="error",
            integration=e.integration_id,
            code=e.code,
            event=e.id,
            subject=f"[hub] Error in {e.integration.name}: {e.code}",
            text="\n".join(lines),
            details={
                "message": e.message,
                "hint": e.hint,
                "link": link,
                "reference": e.reference,
                "feed": e.feed,
                "event_id": e.id,
            },
        )
        if alert:
            created.append(alert)
    return created


def _late_alerts(now):
    created = []
    for f in late_feeds(now):
        link = _link(f"/integrations/{f['integration_id']}")
        since = (
            f"its last successful run was at {iso(f['last_success'])}"
            if f["last_success"] and f["last_success"] >= f["since"]
            else f"it has not succeeded since {iso(f['since'])}"
        )
        text = (
            f"{f['integration']}: the feed {f['feed']} is late: {since} (schedule {f['cron']}, "
            f"late after {get_settings().alert_late_factor:g} intervals).\n"
            f"Check its last runs: {link}"
        )
        alert = _new_alert(
            now,
            key=f"late:{f['setting_id']}:{iso(f['since'])}",
            kind="late_feed",
            integration=f["integration_id"],
            code=f"late:{f['feed']}",
            subject=f"[hub] {f['integration']}: feed {f['feed']} is late",
            text=text,
            details={
                "feed": f["feed"],
                "link": link,
                "last_success": iso(f["last_success"]),
                "late_since": iso(f["late_since"]),
                "hint": "Is a worker running? Open the feed's last runs for their errors.",
            },
        )
        if alert:
            created.append(alert)
    return created


def missing_workers(now=None):
    now = now or utcnow()
    return list(
        WorkerHeartbeat.select()
        .where(
            WorkerHeartbeat.stopped_at.is_null(True)
            & (WorkerHeartbeat.seen_at < now - WORKER_MISSING)
            & (WorkerHeartbeat.seen_at > now - WORKER_FORGOTTEN)
        )
        .order_by(WorkerHeartbeat.id)
    )


def _worker_alerts(now):
    created = []
    for w in missing_workers(now):
        alert = _new_alert(
            now,
            key=f"worker:{w.worker_id}",
            kind="worker",
            integration=None,
            code="worker_missing",
            subject=f"[hub] Worker on {w.hostname} (pid {w.pid}) not seen for 2 minutes",
            text=(
                f"The worker {w.worker_id} on {w.hostname} was last seen at {iso(w.seen_at)} "
                "and did not stop cleanly. If no other worker runs, scheduled feeds and Run "
                f"now wait: start `hub worker`. Overview: {_link('/')}"
            ),
            details={"link": _link("/"), "seen_at": iso(w.seen_at), "hint": "hub worker"},
        )
        if alert:
            created.append(alert)
    return created


def _digest_time(now):
    hour, minute = map(int, get_settings().alert_digest.split(":"))
    return now.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _digest(now):
    """Once a day at HUB_ALERT_DIGEST: one message per recipient, with the alerts of the
    integrations they follow since the last digest."""
    if not get_settings().alert_digest or now < _digest_time(now):
        return []
    day = now.date().isoformat()
    if Alert.select().where(Alert.key == f"digest:{day}").exists():
        return []  # today's digest is made (collect runs one at a time: no race here)
    Alert.create(
        key=f"digest:{day}",
        kind="digest",
        status="marker",
        code="digest",
        subject=f"digest of {day}",
        text="",
        created_at=now,
    )
    waiting = list(Alert.select().where(Alert.status == "digest").order_by(Alert.id))
    if not waiting:
        return []
    Alert.update(status="digested").where(Alert.id.in_([a.id for a in waiting])).execute()
    defaults = {t.key for t in default_targets()}
    created = []
    scopes = [(None, waiting)]
    by_integration = {}
    for a in waiting:
        by_integration.setdefault(a.integration_id, []).append(a)
    scopes += sorted(by_integration.items(), key=lambda kv: kv[0] or 0)
    for integration_id, alerts in scopes:
        if integration_id is None:
            targets = default_targets()
            title = f"[hub] Daily digest: {len(alerts)} alert(s)"
        else:
            integration = Integration.get_or_none(Integration.id == integration_id)
            if integration is None:
                continue
            targets = [t for t in integration_targets(integration) if t.key not in defaults]
            title = f"[hub] Daily digest for {integration.name}: {len(alerts)} alert(s)"
        if not targets:
            continue
        items = [
            {"subject": a.subject, "at": iso(a.created_at), "link": a.details.get("link")}
            for a in alerts
        ]
        text = "\n\n".join(f"{iso(a.created_at)} {a.subject}\n{a.text}" for a in alerts)
        alert = Alert.create(
            key=f"digest:{day}:{integration_id or 'all'}",
            kind="digest",
            status="pending",
            integration=integration_id,
            code="digest",
            subject=title,
            text=text,
            details={"items": items, "link": _link("/")},
            created_at=now,
        )
        _add_deliveries(alert, _unique(targets), now)
        created.append(alert)
    return created


def collect(now=None):
    """Create the alerts that are due (one process at a time). Returns them."""
    now = now or utcnow()
    with db.atomic():
        if is_postgres():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LOCK_ID,))
        store_down_events(now)  # an Error like any other: alerted by _error_alerts
        created = _error_alerts(now) + _late_alerts(now) + _worker_alerts(now)
        created += _digest(now)
    return created


# -- sending ----------------------------------------------------------------------------------


def payload(fmt, alert):
    """The JSON body of a webhook: generic, Slack ``{"text"}``, Teams MessageCard, or a Teams
    Workflows Adaptive Card."""
    link = (alert.details or {}).get("link")
    if fmt == "slack":
        return {"text": f"*{alert.subject}*\n{alert.text}"}
    if fmt == "teams":
        card = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": alert.subject,
            "themeColor": "D70000" if alert.kind in ("error", "worker") else "E8A317",
            "title": alert.subject,
            "text": alert.text.replace("\n", "\n\n"),
        }
        if link:
            card["potentialAction"] = [
                {
                    "@type": "OpenUri",
                    "name": "Open in the hub",
                    "targets": [{"os": "default", "uri": link}],
                }
            ]
        return card
    if fmt == "teams-workflow":
        content = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                {"type": "TextBlock", "text": alert.subject, "weight": "Bolder", "wrap": True},
                {"type": "TextBlock", "text": alert.text, "wrap": True},
            ],
        }
        if link:
            content["actions"] = [
                {"type": "Action.OpenUrl", "title": "Open in the hub", "url": link}
            ]
        return {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": content}
            ],
        }
    return {
        "kind": alert.kind,
        "subject": alert.subject,
        "text": alert.text,
        "integration": alert.integration.name if alert.integration_id else None,
        "code": alert.code,
        "created_at": iso(alert.created_at),
        **{k: v for k, v in (alert.details or {}).items() if k in ("hint", "link", "items")},
    }


def send_email(target, alert):
    settings = get_settings()
    smtp = settings.smtp
    if smtp is None:
        raise DeliveryError("HUB_SMTP_URL is not set", final=True)
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = settings.alert_from
    message["To"] = target.address
    message["Message-ID"] = make_msgid(domain="connect-hub")
    message.set_content(alert.text + "\n")
    if smtp.password:
        register_secrets([smtp.password])
    client_class = smtplib.SMTP_SSL if smtp.ssl else smtplib.SMTP
    kwargs = {"context": ssl.create_default_context()} if smtp.ssl else {}
    with client_class(smtp.host, smtp.port, timeout=SMTP_TIMEOUT, **kwargs) as client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(message)


_sessions = {}


def _session():
    session = _sessions.get("webhook")
    if session is None:  # no transport retry of a sent POST: the delivery is retried instead
        session = make_session(timeout=WEBHOOK_TIMEOUT, total_retries=2, retry_sent=False)
        _sessions["webhook"] = session
    return session


def send_webhook(target, alert):
    parts = urlsplit(target.address)
    # the URL is the credential (Slack, Teams): masked in every log line, urllib3's too
    register_secrets([target.address, *(p for p in (parts.path, parts.query) if len(p) >= 16)])
    response = _session().post(target.address, json=payload(target.format, alert))
    status = response.status_code
    if status >= 300:
        # 4xx (but 408, 429) will not get better: given up at once
        raise DeliveryError(
            f"HTTP {status}", final=400 <= status < 500 and status not in (408, 429)
        )


class DeliveryError(Exception):
    def __init__(self, message, final=False):
        super().__init__(message)
        self.final = final


def _claim(delivery_id, worker, now):
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    return (
        AlertDelivery.update(claimed_at=now, claimed_by=worker, attempts=AlertDelivery.attempts + 1)
        .where(
            (AlertDelivery.id == delivery_id)
            & AlertDelivery.sent_at.is_null(True)
            & AlertDelivery.failed_at.is_null(True)
            & (AlertDelivery.claimed_at.is_null(True) | (AlertDelivery.claimed_at < stale))
        )
        .execute()
    )


def _reason(exc):
    if isinstance(exc, DeliveryError):
        return str(exc)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}"
    return type(exc).__name__  # never the text: it may hold an address or a URL


def send_pending(now=None, limit=200, worker=None):
    """Send the due deliveries that this process claims. Returns (sent, failed)."""
    now = now or utcnow()
    worker = worker or holder_id()
    due = (
        AlertDelivery.select(AlertDelivery.id)
        .where(
            AlertDelivery.sent_at.is_null(True)
            & AlertDelivery.failed_at.is_null(True)
            & (AlertDelivery.next_attempt_at <= now)
            & (
                AlertDelivery.claimed_at.is_null(True)
                | (AlertDelivery.claimed_at < now - timedelta(seconds=CLAIM_SECONDS))
            )
        )
        .order_by(AlertDelivery.id)
        .limit(limit)
    )
    sent = failed = 0
    targets_cache = {}
    for (delivery_id,) in list(due.tuples()):
        if not _claim(delivery_id, worker, now):
            continue  # another worker has it
        delivery = AlertDelivery.get_by_id(delivery_id)
        alert = delivery.alert
        scope = alert.integration_id
        if scope not in targets_cache:
            targets_cache[scope] = {t.key: t for t in targets_for(scope)}
        target = targets_cache[scope].get(delivery.target)
        try:
            if target is None:
                raise DeliveryError("recipient no longer configured", final=True)
            (send_email if target.channel == "email" else send_webhook)(target, alert)
        except Exception as exc:
            failed += 1
            final = getattr(exc, "final", False) or delivery.attempts >= MAX_ATTEMPTS
            log.warning(
                "alert %s to %s failed (attempt %d): %s",
                alert.id,
                delivery.label,
                delivery.attempts,
                _reason(exc),
            )
            AlertDelivery.update(
                claimed_at=None,
                error=_reason(exc),
                next_attempt_at=utcnow() + timedelta(minutes=2**delivery.attempts),
                failed_at=utcnow() if final else None,
            ).where(AlertDelivery.id == delivery_id).execute()
            continue
        AlertDelivery.update(sent_at=utcnow(), error=None).where(
            AlertDelivery.id == delivery_id
        ).execute()
        sent += 1
    return sent, failed


def run_alerts(now=None):
    """The minute task: collect, then send. Returns a summary for the task's log."""
    created = collect(now)
    sent, failed = send_pending()
    return {"created": len(created), "sent": sent, "failed": failed}
