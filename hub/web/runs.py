"""Feed executions: the filtered list, a run's page (live progress, log, outbox preview,
stock-check discrepancies) and the JSON its progress bar polls."""

from flask import jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from hub.bounds import as_id
from hub.engine.registry import FEED_TYPES
from hub.models import (
    FeedRun,
    Integration,
    OutboxItem,
    RunLog,
    StockDiscrepancy,
    iso,
)
from hub.models.feeds import FINAL_STATUSES, RUN_STATUSES, SEVERITIES
from hub.services import queries, stock
from hub.web.common import (
    get_or_404,
    list_page,
    parse_date,
    protected_blueprint,
    run_action,
)

bp = protected_blueprint("runs", __name__, url_prefix="/runs")
LOG_LIMIT = 500


@bp.route("/")
def index():
    args = request.args
    query = queries.runs(
        integration=args.get("integration", type=as_id),
        feed=args.get("feed") or None,
        status=args.get("status") or None,
        queued_from=parse_date(args.get("from")),
        queued_to=parse_date(args.get("to"), end=True),
    )
    return list_page(
        "runs/index.html",
        query,
        "runs",
        integrations=Integration.select().order_by(Integration.name),
        feeds=FEED_TYPES,
        statuses=RUN_STATUSES,
    )


def progress_data(run):
    return {
        "id": run.id,
        "status": run.status,
        "processed": run.processed,
        "total": run.total,
        "counts": run.counts,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "message": run.message,
        "done": run.status in FINAL_STATUSES,
    }


@bp.route("/<int:run_id>")
def show(run_id):
    run = get_or_404(FeedRun, run_id)
    severity = request.args.get("severity") or ""
    log = RunLog.select().where(RunLog.run == run)
    if severity in SEVERITIES:
        log = log.where(RunLog.severity == severity)
    log = list(log.order_by(RunLog.id).limit(LOG_LIMIT + 1))
    outbox = list(
        OutboxItem.select().where(OutboxItem.run == run).order_by(OutboxItem.id).limit(LOG_LIMIT)
    )
    discrepancies = list(
        StockDiscrepancy.select()
        .where(StockDiscrepancy.run == run)
        .order_by(StockDiscrepancy.sku)
        .limit(LOG_LIMIT)
    )
    return render_template(
        "runs/show.html",
        run=run,
        log=log[:LOG_LIMIT],
        log_truncated=len(log) > LOG_LIMIT,
        severity=severity,
        severities=SEVERITIES,
        outbox=outbox,
        discrepancies=discrepancies,
        final=run.status in FINAL_STATUSES,
    )


@bp.route("/<int:run_id>/progress.json")
def progress(run_id):
    return jsonify(progress_data(get_or_404(FeedRun, run_id)))


@bp.route("/discrepancies/<int:discrepancy_id>/apply", methods=["POST"])
def apply_discrepancy(discrepancy_id):
    discrepancy = get_or_404(StockDiscrepancy, discrepancy_id)
    run_action(
        lambda: stock.apply_discrepancy(discrepancy, user=current_user._get_current_object()),
        f"Stock of {discrepancy.sku} corrected to the store's {discrepancy.store_quantity}.",
    )
    return redirect(url_for("runs.show", run_id=discrepancy.run_id) + "#discrepancies")
