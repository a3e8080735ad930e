"""The overview: per-integration health (store down; feeds failing, retrying, late or stuck),
to-do counts, workers and the queue, runs per day; the "last night" summary; and the "no
worker" banner of every page (:func:`worker_banner`)."""

from datetime import UTC, datetime, timedelta

from flask import render_template, request
from flask_login import current_user
from peewee import fn

from hub.engine.events import unresolved_errors
from hub.errors import BadInput
from hub.models import (
    Event,
    FeedRun,
    FeedSetting,
    HeldRecord,
    Integration,
    Order,
    utcnow,
)
from hub.models.orders import OPEN_ORDER_STATUSES
from hub.services import health as hub_health
from hub.services.alerts import feed_last_runs, late_feeds
from hub.services.purchasing import recommendations
from hub.services.summary import last_night, summary
from hub.settings import get_settings
from hub.tasks import huey
from hub.web.charts import bar_chart, svg_response
from hub.web.common import protected_blueprint
from hub.web.filters import display_zone
from hub.web.runs import stock_drift

bp = protected_blueprint("overview", __name__)
CHART_DAYS = 14
SUCCESS = ("succeeded", "succeeded_with_errors")
SUMMARY_SPANS = (12, 24, 48)  # the summary's other windows, in hours


@bp.app_context_processor
def worker_banner():
    """Every signed-in page: is a worker alive (the "no worker" banner of base.html)."""
    if not current_user.is_authenticated:
        return {}
    seen = hub_health.last_heartbeat()
    return {"worker_banner": {"seen": seen, "down": hub_health.worker_down(seen=seen)}}


def feed_health(last_runs, active=None, late_keys=()):
    """{integration_id: [{feed, setting, last_success, last_failure, next_run, failing,
    retrying, stuck, late, problem}]} from :func:`~hub.services.alerts.feed_last_runs`,
    :func:`~hub.services.health.active_runs` and the late feeds' keys. ``problem``: the row
    needs a look (failing, retrying, stuck or late)."""
    active = active or {}
    health = {}
    for fs in FeedSetting.select().order_by(FeedSetting.integration, FeedSetting.id):
        key = (fs.integration_id, fs.feed)
        entry = last_runs.get(key, {})
        now_running = active.get(key, {})
        row = {
            "feed": fs.feed,
            "setting": fs,
            "last_success": entry.get("success"),
            "last_failure": entry.get("failure"),
            "next_run": fs.next_run_at,
            "failing": bool(
                entry.get("failure")
                and (entry.get("success") is None or entry["failure"] > entry["success"])
            ),
            "retrying": now_running.get("retrying"),
            "stuck": now_running.get("stuck"),
            "late": key in late_keys,
        }
        row["problem"] = bool(row["failing"] or row["retrying"] or row["stuck"] or row["late"])
        health.setdefault(fs.integration_id, []).append(row)
    return health


def queue_length():
    """Tasks waiting on the queue (None when the queue cannot be read)."""
    try:
        return huey.pending_count()
    except Exception:  # the panel says "unknown"; /healthz reports the queue's error
        return None


def reorder_count():
    try:
        return sum(len(group["lines"]) for group in recommendations())
    except Exception:  # a to-do count must never take the overview down
        return None


@bp.route("/")
def index():
    now = utcnow()
    seen = hub_health.last_heartbeat()
    worker_down = hub_health.worker_down(now, seen)
    last_runs = feed_last_runs()
    errors = dict(
        unresolved_errors()
        .select(Event.integration, fn.COUNT(Event.id))
        .order_by()
        .group_by(Event.integration)
        .tuples()
    )
    to_ship = dict(
        Order.select(Order.integration, fn.COUNT(Order.id))
        .where(Order.status.in_(OPEN_ORDER_STATUSES))
        .group_by(Order.integration)
        .tuples()
    )
    held = dict(
        HeldRecord.select(HeldRecord.integration, fn.COUNT(HeldRecord.id))
        .where(HeldRecord.status.in_(["held", "expired"]))
        .group_by(HeldRecord.integration)
        .tuples()
    )
    integrations = list(Integration.select().order_by(Integration.name))
    late = _late(now, last_runs)
    return render_template(
        "overview.html",
        integrations=integrations,
        health=feed_health(last_runs, hub_health.active_runs(now, worker_down), late["late_keys"]),
        stores_down=hub_health.stores_down(integrations),
        errors=errors,
        to_ship=to_ship,
        held=held,
        worker_seen=seen,
        worker_down=worker_down,
        workers=hub_health.workers(now),
        queue_length=queue_length(),
        reorder=reorder_count(),
        drift=stock_drift(),
        now=now,
        **late,
    )


def _late(now, last_runs):
    late = late_feeds(now, last_runs=last_runs)
    return {
        "late_feeds": late,
        "late_keys": {(f["integration_id"], f["feed"]) for f in late},
        "late_factor": get_settings().alert_late_factor,
    }


def _as_date(value):
    """A DATE() of a date-time column as a date: SQLite gives text, which peewee parses with
    the column's own converter into a date-time at midnight; PostgreSQL gives a date."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


def runs_per_day(start):
    """{(day, status): number of runs} of the runs queued since ``start`` (UTC days)."""
    day = fn.DATE(FeedRun.queued_at).python_value(_as_date)
    return {
        (d, status): n
        for d, status, n in FeedRun.select(day, FeedRun.status, fn.COUNT(FeedRun.id))
        .where(FeedRun.queued_at >= start)
        .group_by(day, FeedRun.status)
        .tuples()
    }


@bp.route("/charts/runs.svg")
def runs_chart():
    start = (utcnow() - timedelta(days=CHART_DAYS - 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    days = [(start + timedelta(days=i)).date() for i in range(CHART_DAYS)]
    counts = runs_per_day(start)
    statuses = ("succeeded", "succeeded_with_errors", "failed", "skipped", "running", "queued")
    series = [(s.replace("_", " "), [counts.get((d, s), 0) for d in days]) for s in statuses]
    chart = bar_chart("Feed runs per day", [d.strftime("%m-%d") for d in days], series)
    return svg_response(chart)


def _since(args, now):
    """The summary's start: ``since`` (``YYYY-MM-DDTHH:MM``, in the user's zone), ``hours``
    back from now, else 18:00 yesterday in the user's zone."""
    zone = display_zone()
    hours = args.get("hours", type=int)
    if hours and 0 < hours <= 24 * 31:
        return now - timedelta(hours=hours), f"the last {hours} h"
    raw = (args.get("since") or "").strip()
    if raw:
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            raise BadInput(f"invalid time {raw!r}: expected YYYY-MM-DDTHH:MM") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone)
        try:
            return when.astimezone(UTC).replace(tzinfo=None), None
        except OverflowError:  # year 1 in a zone ahead of UTC
            raise BadInput(f"time {raw!r} is out of range") from None
    return last_night(zone, now), "since 18:00 yesterday"


@bp.route("/summary")
def summary_page():
    """Last night in one screen: what ran, what failed, what changed, per feed."""
    now = utcnow()
    since, label = _since(request.args, now)
    return render_template(
        "summary.html",
        since=since,
        label=label,
        spans=SUMMARY_SPANS,
        since_local=since.replace(tzinfo=UTC).astimezone(display_zone()),
        **summary(since, now),
    )
