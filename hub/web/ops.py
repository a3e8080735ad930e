"""/healthz for load balancers and monitors: database, queue, worker heartbeat (no login).

503 "unhealthy" when the database, the queue or the worker is not ok; 200 "degraded" when
only feeds are late (``late_feeds``: a store problem, not this process's); else 200 "ok".

/metrics for Prometheus (hub.services.metrics), no login either but its own protection: the
``HUB_METRICS_TOKEN`` bearer token, or a client address in ``HUB_METRICS_ALLOW``; with neither
set it is a 404 (metrics off), otherwise a request with neither gets a 401."""

import hmac
import ipaddress
from datetime import timedelta

from flask import Blueprint, Response, jsonify, request
from peewee import fn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.db import db
from hub.models import WorkerHeartbeat, iso, utcnow
from hub.services import metrics as hub_metrics
from hub.services.alerts import late_feeds_json
from hub.settings import get_settings
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


def _metrics_allowed(settings):
    """True: scrape; False: refused; None: metrics are off (neither variable set)."""
    if not settings.metrics_token and not settings.metrics_allow:
        return None
    if settings.metrics_token:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), settings.metrics_token.encode()
        ):
            return True
    if settings.metrics_allow and request.remote_addr:
        try:
            address = ipaddress.ip_address(request.remote_addr)
        except ValueError:
            return False
        return any(address in network for network in settings.metrics_allow)
    return False


@bp.route("/metrics")
def metrics():
    allowed = _metrics_allowed(get_settings())
    if allowed is None:
        return Response("not found\n", 404, mimetype="text/plain")
    if not allowed:
        return Response(
            "a bearer token (HUB_METRICS_TOKEN) or an allowed address (HUB_METRICS_ALLOW) "
            "is needed\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
            mimetype="text/plain",
        )
    body = generate_latest(hub_metrics.registry(queue_depth=huey.pending_count))
    return Response(body, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
