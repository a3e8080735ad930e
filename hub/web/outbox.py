"""The outbox, readable: what the outbound feeds sent to a store, or in test mode would have
sent (``OutboxItem`` rows written by export_stock and shipping_confirmation, whoever queued
the run: a person, the schedule, or the hub itself after a shipment).

Two tables: stock (SKU, the store's quantity → the one sent) and shipments (order, carrier,
tracking). Reached from an integration's page and from each shipped order's page.
"""

from flask import render_template, request

from hub.bounds import as_id
from hub.models import FeedRun, Integration, Order, OutboxItem, Shipment
from hub.web.common import get_or_404, protected_blueprint

bp = protected_blueprint("outbox", __name__, url_prefix="/outbox")
LIMIT = 300  # rows of each table: the newest; a run's page has all of its own
STOCK_FEED, SHIPPING_FEED = "export_stock", "shipping_confirmation"
TRIGGERS = {
    "schedule": "the schedule",
    "shipment": "the hub, after a shipment",
    "retry": "a retry",
    "webhook": "a store webhook",
    "manual": "Run now",
}


def _items(feed, integration=None, keys=None):
    query = (
        OutboxItem.select(OutboxItem, FeedRun)
        .join(FeedRun)
        .where(FeedRun.feed == feed)
        .order_by(OutboxItem.id.desc())
        .limit(LIMIT)
    )
    if integration is not None:
        query = query.where(FeedRun.integration == integration.id)
    if keys is not None:
        query = query.where(OutboxItem.key.in_(keys or [""]))
    if request.args.get("sent") in ("yes", "no"):
        query = query.where(OutboxItem.sent == (request.args["sent"] == "yes"))
    return list(query)


def _shipment_orders(items):
    """{shipment id (the item's key): Order} for the shipments table's links."""
    ids = [as_id(i.key) for i in items]
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {
        str(s.id): s.order
        for s in Shipment.select(Shipment, Order).join(Order).where(Shipment.id.in_(ids))
    }


@bp.route("/")
def index():
    """``?integration=ID`` (its outbox), ``?order=ID`` (that order's shipments only),
    ``?sent=no`` (test-mode previews only) or ``yes``."""
    order = None
    integration = None
    if request.args.get("order", type=as_id):
        order = get_or_404(Order, request.args.get("order", type=as_id))
        integration = order.integration
    elif request.args.get("integration", type=as_id):
        integration = get_or_404(Integration, request.args.get("integration", type=as_id))
    shipment_keys = None
    if order is not None:
        shipment_keys = [str(s.id) for s in order.shipments]
    stock = [] if order is not None else _items(STOCK_FEED, integration)
    shipments = _items(SHIPPING_FEED, integration, shipment_keys)
    return render_template(
        "outbox/index.html",
        integration=integration,
        order=order,
        stock=stock,
        shipments=shipments,
        orders=_shipment_orders(shipments),
        triggers=TRIGGERS,
        integrations=Integration.select().order_by(Integration.name),
        limit=LIMIT,
    )
