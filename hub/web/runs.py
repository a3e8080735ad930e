"""Feed executions: the filtered list, a run's page (live progress, log, outbox preview,
stock-check discrepancies) and the JSON its progress bar polls."""

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from peewee import fn

from hub.bounds import as_id
from hub.engine.connector import HTTP_RETRY
from hub.engine.registry import FEED_TYPES
from hub.errors import HubError
from hub.models import (
    FeedRun,
    Integration,
    OutboxItem,
    RunLog,
    StockDiscrepancy,
    iso,
    utcnow,
)
from hub.models.feeds import FINAL_STATUSES, RUN_STATUSES, SEVERITIES
from hub.services import health, queries, stock
from hub.web.common import (
    Sorts,
    attribute_columns,
    csv_export,
    get_or_404,
    list_page,
    parse_date,
    protected_blueprint,
    run_action,
)

bp = protected_blueprint("runs", __name__, url_prefix="/runs")
LOG_LIMIT = 500


SORTS = Sorts(
    {"queued_at": FeedRun.queued_at, "feed": FeedRun.feed, "status": FeedRun.status},
    "-queued_at",
)
CSV_COLUMNS = attribute_columns(
    "id integration=integration.name feed trigger status queued_at started_at finished_at"
    " processed created updated skipped failed message"
)


def filtered_runs(args):
    return queries.runs(
        integration=args.get("integration", type=as_id),
        feed=args.get("feed") or None,
        status=args.get("status") or None,
        queued_from=parse_date(args.get("from")),
        queued_to=parse_date(args.get("to"), end=True),
    )


@bp.route("/")
def index():
    return list_page(
        "runs/index.html",
        filtered_runs(request.args),
        "runs",
        sorts=SORTS,
        integrations=Integration.select().order_by(Integration.name),
        feeds=FEED_TYPES,
        statuses=RUN_STATUSES,
    )


@bp.route("/export.csv")
def export():
    """The runs of the list's filters and sort, every page, as CSV."""
    return csv_export("runs", filtered_runs(request.args), SORTS, CSV_COLUMNS)


def last_retry(run):
    """The latest transport retry of the run's current attempt ("retrying in 4 s: store
    answered 503"), while it runs: ``{"message", "at"}`` or None. Between two attempts the
    run's message says when the next one starts."""
    if run.status != "running" or run.started_at is None:
        return None
    line = (
        RunLog.select(RunLog.message, RunLog.created_at)
        .where(
            (RunLog.run == run)
            & (RunLog.code == HTTP_RETRY)
            & (RunLog.created_at >= run.started_at)
        )
        .order_by(RunLog.id.desc())
        .first()
    )
    return {"message": line.message, "at": iso(line.created_at)} if line else None


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
        "retry": last_retry(run),
        # queued with no worker alive: nothing will take it until `hub worker` starts
        "no_worker": run.status == "queued" and health.worker_down(),
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
        live=progress_data(run),
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


def open_discrepancies():
    """Differences neither applied nor ignored."""
    return StockDiscrepancy.applied_at.is_null() & StockDiscrepancy.ignored_at.is_null()


@bp.route("/<int:run_id>/discrepancies/apply", methods=["POST"])
def apply_discrepancies(run_id):
    """Apply or ignore (``action``: apply, ignore, apply_all, ignore_all) the ticked open
    discrepancies of a stock check (``ids``), or every open one. Applying takes each on its own
    (``stock.apply_discrepancy``: once only, one movement), so one that cannot be applied (its
    product gone) is named and the others still go through; ignoring keeps the hub's figure
    and only takes them off the open list (the next stock update sends the hub's figure)."""
    run = get_or_404(FeedRun, run_id)
    action = request.form.get("action") or ("apply_all" if request.form.get("all") else "apply")
    target = redirect(url_for("runs.show", run_id=run.id) + "#discrepancies")
    query = StockDiscrepancy.select().where((StockDiscrepancy.run == run) & open_discrepancies())
    if not action.endswith("_all"):
        ids = [i for i in (as_id(v) for v in request.form.getlist("ids")) if i]
        if not ids:
            flash("Tick the discrepancies to apply or ignore, or choose all.", "error")
            return target
        query = query.where(StockDiscrepancy.id.in_(ids))
    user = current_user._get_current_object()
    if action.startswith("ignore"):
        count = (
            StockDiscrepancy.update(ignored_at=utcnow(), ignored_by=user.username)
            .where(StockDiscrepancy.id.in_([d.id for d in query]) & open_discrepancies())
            .execute()
        )
        flash(f"Ignored {count} difference(s): the hub's figures stay.", "success")
        return target
    applied, failed = 0, []
    for discrepancy in query.order_by(StockDiscrepancy.sku):
        try:
            stock.apply_discrepancy(discrepancy, user=user)
            applied += 1
        except HubError as exc:
            failed.append(str(exc))
    if applied:
        flash(f"Stock corrected to the store's quantity for {applied} SKU(s).", "success")
    for message in failed:
        flash(message, "error")
    if not applied and not failed:
        flash("No open discrepancy to apply.", "info")
    return target


def stock_drift():
    """Per integration whose latest finished stock check found differences still open:
    ``{integration id: (run, open count)}`` — the overview's and the bell's flag, cleared by
    applying them (or by the next check finding none)."""
    latest = (
        FeedRun.select(fn.MAX(FeedRun.id))
        .where((FeedRun.feed == "stock_check") & FeedRun.status.in_(list(FINAL_STATUSES)))
        .group_by(FeedRun.integration)
    )
    found = (
        StockDiscrepancy.select(StockDiscrepancy.run, fn.COUNT(StockDiscrepancy.id).alias("n"))
        .where(StockDiscrepancy.run.in_(latest) & open_discrepancies())
        .group_by(StockDiscrepancy.run)
        .tuples()
    )
    counts = dict(found)
    runs = (
        FeedRun.select(FeedRun, Integration).join(Integration).where(FeedRun.id.in_(list(counts)))
    )
    return {run.integration_id: (run, counts[run.id]) for run in runs}
