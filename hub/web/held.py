"""The held orders page: orders put aside (unpaid, an unknown SKU, a shipping method without
a carrier), filtered by reason, integration or number, each with the event that explains it,
and Retry for one, the ticked ones or all that the filter shows (``hub.web.orders`` routes)."""

from flask import flash, request
from peewee import fn

from hub.bounds import as_id
from hub.engine.runs import queue_run
from hub.models import Event, HeldRecord, Integration, Order
from hub.services import queries
from hub.web.common import flash_queued, list_page

RETRY_CHUNK = 500  # held orders re-fetched by one retry run at most


def filtered_held(args):
    """The held orders the page's filters select (``reason``, ``integration``, ``q``)."""
    query = queries.held_orders(integration=args.get("integration", type=as_id))
    reason = (args.get("reason") or "").strip()
    if reason:
        query = query.where(HeldRecord.reason == reason)
    q = (args.get("q") or "").strip().lstrip("#").strip()
    if q:
        query = query.where(HeldRecord.reference.in_([q, f"#{q}"]) | (HeldRecord.external_id == q))
    return query


def held_page():
    args = request.args
    reasons = [
        (reason, f"{reason.replace('_', ' ')} ({n})")
        for reason, n in queries.held_orders()
        .select(HeldRecord.reason, fn.COUNT(HeldRecord.id))
        .group_by(HeldRecord.reason)
        .order_by(HeldRecord.reason)
        .tuples()
    ]
    query = filtered_held(args)
    return list_page(
        "orders/held.html",
        query,
        "held",
        reasons=reasons,
        integrations=Integration.select().order_by(Integration.name),
        held_links=held_links,  # the template calls it on the page's rows
        filtered=any(args.get(k) for k in ("reason", "integration", "q")),
    )


def held_links(rows):
    """{held id: (order id or None, event id or None)} for a page of held orders: the order
    once imported elsewhere (a second look finds it), the event that explains the hold."""
    rows = list(rows)
    if not rows:
        return {}
    orders = {
        (integration, external_id): order_id
        for order_id, integration, external_id in Order.select(
            Order.id, Order.integration, Order.external_id
        )
        .where(Order.external_id.in_([h.external_id for h in rows]))
        .tuples()
    }
    events = {}
    for event_id, integration, code, reference in (
        Event.select(Event.id, Event.integration, Event.code, Event.reference)
        .where(Event.reference.in_([h.reference for h in rows]))
        .order_by(Event.last_seen)
        .tuples()
    ):
        events[(integration, code, reference)] = event_id  # the latest one wins
        events[(integration, None, reference)] = event_id
    links = {}
    for h in rows:
        links[h.id] = (
            orders.get((h.integration_id, h.external_id)),
            events.get((h.integration_id, h.reason, h.reference))
            or events.get((h.integration_id, None, h.reference)),
        )
    return links


def retry_held():
    """Retry the ticked held orders (``ids``), or (``all``) every one the filter posted with
    the form shows: one "Retry held orders" run per integration, re-fetching them now."""
    form = request.form
    if form.get("all"):
        chosen = list(filtered_held(form))
    else:
        ids = [i for i in (as_id(v) for v in form.getlist("ids")) if i]
        chosen = list(queries.held_orders().where(HeldRecord.id.in_(ids))) if ids else []
    if not chosen:
        flash("No held order selected.", "info")
        return
    by_integration = {}
    for h in chosen:
        by_integration.setdefault(h.integration_id, []).append(h.external_id)
    for integration_id, external_ids in by_integration.items():
        integration = Integration.get_by_id(integration_id)
        for i in range(0, len(external_ids), RETRY_CHUNK):
            chunk = external_ids[i : i + RETRY_CHUNK]
            run = queue_run(
                integration, "retry_orders", trigger="retry", params={"external_ids": chunk}
            )
            flash_queued(
                run,
                f"{integration.name}: retry of {len(chunk)} held order(s) queued as run #{run.id}",
            )
