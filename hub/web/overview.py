"""The overview: worker banner, per-integration feed health, to-do counts, runs per day."""

from datetime import datetime, timedelta

from flask import render_template
from peewee import fn

from hub.engine.events import unresolved_errors
from hub.models import (
    Event,
    FeedRun,
    FeedSetting,
    HeldRecord,
    Integration,
    Order,
    WorkerHeartbeat,
    utcnow,
)
from hub.models.orders import OPEN_ORDER_STATUSES
from hub.services.alerts import feed_last_runs, late_feeds
from hub.services.purchasing import recommendations
from hub.settings import get_settings
from hub.web.charts import bar_chart, svg_response
from hub.web.common import protected_blueprint
from hub.web.runs import stock_drift

bp = protected_blueprint("overview", __name__)
WORKER_STALE = timedelta(minutes=2)
CHART_DAYS = 14
SUCCESS = ("succeeded", "succeeded_with_errors")


def last_heartbeat():
    return WorkerHeartbeat.select(fn.MAX(WorkerHeartbeat.seen_at)).scalar()


def feed_health(last_runs):
    """{integration_id: [{feed, setting, last_success, last_failure, next_run, failing}]}
    from :func:`~hub.services.alerts.feed_last_runs`."""
    health = {}
    for fs in FeedSetting.select().order_by(FeedSetting.integration, FeedSetting.id):
        entry = last_runs.get((fs.integration_id, fs.feed), {})
        health.setdefault(fs.integration_id, []).append(
            {
                "feed": fs.feed,
                "setting": fs,
                "last_success": entry.get("success"),
                "last_failure": entry.get("failure"),
                "next_run": fs.next_run_at,
                "failing": bool(
                    entry.get("failure")
                    and (entry.get("success") is None or entry["failure"] > entry["success"])
                ),
            }
        )
    return health


def reorder_count():
    try:
        return sum(len(group["lines"]) for group in recommendations())
    except Exception:  # a to-do count must never take the overview down
        return None


@bp.route("/")
def index():
    now = utcnow()
    seen = last_heartbeat()
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
    return render_template(
        "overview.html",
        integrations=list(Integration.select().order_by(Integration.name)),
        health=feed_health(last_runs),
        errors=errors,
        to_ship=to_ship,
        held=held,
        worker_seen=seen,
        worker_down=seen is None or now - seen > WORKER_STALE,
        reorder=reorder_count(),
        drift=stock_drift(),
        now=now,
        **_late(now, last_runs),
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
