"""The bell: unresolved Errors, an event's detail with its fix hint and the link to the form
that fixes it (hub.web.fixes), Retry (the primary action), Resolve, and retry all of a kind."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from peewee import fn

from hub.bounds import as_id
from hub.engine.events import resolve_event, unresolved_errors
from hub.engine.retries import plan_retries
from hub.engine.runs import queue_run, retry_event
from hub.models import Event, FeedRun, Integration, Order, Product, RunLog, utcnow
from hub.services import queries
from hub.services.fixes import held_order_of
from hub.web.common import (
    Sorts,
    attribute_columns,
    csv_export,
    flash_queued,
    get_or_404,
    list_page,
    parse_date,
    protected_blueprint,
    run_action,
    safe_path,
)
from hub.web.fixes import check_fix, fix_for
from hub.web.runs import stock_drift

bp = protected_blueprint("events", __name__, url_prefix="/events")
BELL_SIZE = 8
bp.add_app_template_global(check_fix, "check_fix")  # go-live checks link to their fix


def bell_summary():
    """For the layout: how many unresolved errors, the latest few, and the stock checks whose
    differences wait to be applied (``drift``: (run, open count) per integration)."""
    query = unresolved_errors()
    latest = list(query.order_by(Event.last_seen.desc(), Event.id.desc()).limit(BELL_SIZE))
    count = len(latest) if len(latest) < BELL_SIZE else query.count()
    return {"count": count, "latest": latest, "drift": list(stock_drift().values())}


def filtered_events(args):
    """The events the list's filters (``args``) select: what the page, its CSV and its bulk
    actions on "all" act on."""
    severity = args.get("severity") or "error"
    state = args.get("state") or "unresolved"
    return queries.events(
        severity=None if severity == "all" else severity,
        unresolved={"unresolved": True, "resolved": False}.get(state),
        integration=args.get("integration", type=as_id),
        code=(args.get("code") or "").strip() or None,
        seen_from=parse_date(args.get("from")),
        seen_to=parse_date(args.get("to"), end=True),
    )


SORTS = Sorts(
    {
        "last_seen": Event.last_seen,
        "first_seen": Event.first_seen,
        "code": Event.code,
        "count": Event.count,
    },
    "-last_seen",
)
CSV_COLUMNS = attribute_columns(
    "id integration=integration.name feed severity code reference message count first_seen"
    " last_seen resolved_at"
)


@bp.route("/export.csv")
def export():
    """The events of the list's filters and sort, every page, as CSV."""
    return csv_export("events", filtered_events(request.args), SORTS, CSV_COLUMNS)


@bp.route("/")
def index():
    args = request.args
    query = filtered_events(args)
    codes = (
        Event.select(Event.code, fn.COUNT(Event.id).alias("n"))
        .where(Event.resolved_at.is_null())
        .group_by(Event.code)
        .order_by(fn.COUNT(Event.id).desc(), Event.code)
        .tuples()
    )
    return list_page(
        "events/index.html",
        query,
        "events",
        sorts=SORTS,
        severity=args.get("severity") or "error",
        state=args.get("state") or "unresolved",
        integration=args.get("integration", type=as_id),
        code=(args.get("code") or "").strip(),
        date_from=args.get("from") or "",
        date_to=args.get("to") or "",
        open_codes=list(codes),
        integrations=Integration.select().order_by(Integration.name),
    )


def _chosen_events(every):
    """The events a bulk form names: the ticked ``ids``, or (``every``) every open one of the
    list's filters as posted (``code``, ``integration``...: the page's own query string)."""
    if every:
        return list(filtered_events(request.form).where(Event.resolved_at.is_null()))
    ids = [i for i in (as_id(v) for v in request.form.getlist("ids")) if i]
    if not ids:
        return []
    return list(Event.select().where(Event.id.in_(ids) & Event.resolved_at.is_null()))


@bp.route("/bulk", methods=["POST"])
def bulk():
    """Resolve or retry the ticked events, or all open ones of the list's filter (all of a
    code). Retry groups them into one run per integration and feed (hub.engine.retries, as
    ``hub events retry --all``)."""
    action = request.form.get("action") or ""
    every = action.endswith("_all")
    action = action.removesuffix("_all")
    chosen = _chosen_events(every)
    target = safe_path(request.form.get("next")) or url_for("events.index")
    if not chosen:
        flash("No open event selected.", "info")
    elif action == "resolve":
        _resolve_all(chosen)
    elif action == "retry":
        _retry_all(chosen)
    else:
        flash("Choose resolve or retry.", "error")
    return redirect(target)


def _resolve_all(chosen):
    by = current_user.username
    count = (
        Event.update(resolved_at=utcnow(), resolved_by=by)
        .where(Event.id.in_([e.id for e in chosen]) & Event.resolved_at.is_null())
        .execute()
    )
    flash(f"Marked {count} event(s) resolved.", "success")


def _retry_all(chosen):
    plan = plan_retries(chosen)
    queued = []
    for (integration_id, feed), param_sets in plan.runs.items():
        integration = Integration.get_by_id(integration_id)
        for params in param_sets:
            queued.append(queue_run(integration, feed, trigger="retry", params=params))
    if queued:
        numbers = ", ".join(f"#{run.id}" for run in queued)
        flash(
            f"Retry of {len(chosen) - len(plan.not_retryable)} event(s) queued as run(s) "
            f"{numbers}.",
            "success",
        )
    for event, why in plan.not_retryable[:5]:
        flash(f"Not retried: {event.message[:80]} ({why})", "error")
    if len(plan.not_retryable) > 5:
        flash(f"… and {len(plan.not_retryable) - 5} more that cannot be retried.", "error")


@bp.route("/<int:event_id>")
def show(event_id):
    event = get_or_404(Event, event_id)
    log = []
    if event.last_run_id:
        log = list(
            RunLog.select().where(RunLog.event == event).order_by(RunLog.id.desc()).limit(20)
        )
    record = _record_link(event)
    return render_template(
        "events/show.html",
        event=event,
        log=log,
        record=record,
        fix=fix_for(event),
        held=held_order_of(event),
        same_kind=_open_of_kind(event),
    )


def _open_of_kind(event):
    """How many Errors of the event's code its integration has open: "retry all of this
    kind" (``bulk``, with the code and integration as its filter) acts on them."""
    if event.severity != "error":
        return 0
    return (
        Event.select()
        .where(
            (Event.integration == event.integration_id)
            & (Event.code == event.code)
            & (Event.severity == "error")
            & Event.resolved_at.is_null(True)
        )
        .count()
    )


def _record_link(event):
    """The hub row an event is about, when it can be found: (label, url) or None."""
    details = event.details or {}
    if details.get("order_id") or (event.feed or "").endswith("orders"):
        order = None
        if details.get("order_id"):
            order = Order.get_or_none(Order.id == details["order_id"])
        elif event.external_id:
            order = Order.get_or_none(
                Order.integration == event.integration_id, Order.external_id == event.external_id
            )
        if order is not None:
            return (f"Order {order.number}", url_for("orders.show", order_id=order.id))
    sku = details.get("sku") or (event.reference if "product" in (event.feed or "") else None)
    if sku:
        product = Product.get_or_none(Product.sku == sku)
        if product is not None:
            return (f"Product {product.sku}", url_for("catalog.show", product_id=product.id))
    return None


@bp.route("/<int:event_id>/resolve", methods=["POST"])
def resolve_view(event_id):
    event = get_or_404(Event, event_id)
    run_action(
        lambda: resolve_event(event, current_user._get_current_object()),
        f"Marked resolved: {event.message[:80]}",
    )
    target = safe_path(request.form.get("next"))
    return redirect(target or url_for("events.show", event_id=event.id))


@bp.route("/<int:event_id>/retry", methods=["POST"])
def retry(event_id):
    event = get_or_404(Event, event_id)
    ok, run = run_action(lambda: retry_event(event, current_user._get_current_object()))
    if ok and isinstance(run, FeedRun):
        flash_queued(run, f"Retry queued as run #{run.id}")
        return redirect(url_for("runs.show", run_id=run.id))
    if ok:
        flash("Nothing to retry for this event.", "info")
    return redirect(url_for("events.show", event_id=event.id))
