"""/healthz for load balancers and monitors: database, queue, worker heartbeat (no login).

503 "unhealthy" when the database, the queue or the worker is not ok; 200 "degraded" when
only feeds are late (``late_feeds``: a store problem, not this process's); else 200 "ok"."""

from datetime import timedelta

from flask import Blueprint, jsonify
from peewee import fn

from hub.db import db
from hub.models import WorkerHeartbeat, iso, utcnow
from hub.services.alerts import late_feeds_json
from hub.tasks import huey

bp = Blueprint("ops", __name__)
WORKER_STALE = timedelta(minutes=2)


def _database():
    try:
        db.execute_sql("SELECT 1")
        return "ok"
    except Exception as exc:  # health must report, not raise
        return f"error: {type(exc).__name__}: {exc}"


def _queue():
    try:
        huey.pending_count()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}: {exc}"


@bp.route("/healthz")
def healthz():
    database = _database()
    queue = _queue()
    seen = age = None
    if database == "ok":
        seen = WorkerHeartbeat.select(fn.MAX(WorkerHeartbeat.seen_at)).scalar()
        age = int((utcnow() - seen).total_seconds()) if seen else None
    worker = "ok" if age is not None and age <= WORKER_STALE.total_seconds() else "stale"
    healthy = database == "ok" and queue == "ok" and worker == "ok"
    # late feeds make it "degraded", still 200: a store that is down or a failing feed is
    # not a reason for a load balancer to take this process out (monitors read the body)
    late = late_feeds_json() if database == "ok" else []
    body = {
        "status": ("degraded" if late else "ok") if healthy else "unhealthy",
        "database": database,
        "queue": queue,
        "worker": worker,
        "worker_seen_at": iso(seen),
        "worker_age_seconds": age,
        "late_feeds": late,
    }
    return jsonify(body), 200 if healthy else 503
