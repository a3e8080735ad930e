"""The bell: unresolved Errors, an event's detail with its fix hint, Retry and Resolve."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from hub.bounds import as_id
from hub.engine.events import resolve_event, unresolved_errors
from hub.engine.runs import retry_event
from hub.models import Event, FeedRun, Integration, Order, Product, RunLog
from hub.services import queries
from hub.web.common import (
    flash_queued,
    get_or_404,
    list_page,
    protected_blueprint,
    run_action,
    safe_path,
)

bp = protected_blueprint("events", __name__, url_prefix="/events")
BELL_SIZE = 8


def bell_summary():
    """For the layout: how many unresolved errors, and the latest few."""
    query = unresolved_errors()
    latest = list(query.order_by(Event.last_seen.desc(), Event.id.desc()).limit(BELL_SIZE))
    count = len(latest) if len(latest) < BELL_SIZE else query.count()
    return {"count": count, "latest": latest}


@bp.route("/")
def index():
    severity = request.args.get("severity") or "error"
    state = request.args.get("state") or "unresolved"
    integration = request.args.get("integration", type=as_id)
    query = queries.events(
        severity=None if severity == "all" else severity,
        unresolved={"unresolved": True, "resolved": False}.get(state),
        integration=integration,
    )
    return list_page(
        "events/index.html",
        query,
        "events",
        severity=severity,
        state=state,
        integration=integration,
        integrations=Integration.select().order_by(Integration.name),
    )


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
