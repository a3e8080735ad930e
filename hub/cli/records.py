"""hub products list, hub orders list, hub events …"""

import click

from hub.cli.common import (
    integration_option,
    json_option,
    limit_option,
    print_rows,
    with_db,
    with_queue,
)
from hub.engine.events import resolve_event
from hub.engine.runs import retry_event
from hub.errors import BadInput
from hub.models import Event, HeldRecord, Order, Product
from hub.models.feeds import SEVERITIES
from hub.models.orders import ORDER_STATUSES
from hub.services import queries


@click.group()
def products():
    """Products (they come from the stores)."""


@products.command("list")
@click.option("--search", help="SKU, name or barcode contains.")
@integration_option
@limit_option(0, "At most N products (default all).")
@json_option
@with_db
def products_list(search, integration, limit, as_json):
    """List products, by SKU."""
    query = queries.products(search=search or None, integration=integration or None)
    rows = []
    for chunk in queries.walk(query, key=Product.sku, limit=limit or None):
        rows.extend(queries.PRODUCTS.dump(chunk))  # never the catalogue in one query
    print_rows(rows, as_json, ["sku", "name", "barcode", "weight_kg", "price", "status", "images"])


@click.group()
def orders():
    """Orders (they come from the stores)."""


@orders.command("list")
@integration_option
@click.option("--status", type=click.Choice(ORDER_STATUSES))
@limit_option(500)
@json_option
@with_db
def orders_list(integration, status, limit, as_json):
    """List orders, newest first."""
    query = queries.orders(integration=integration or None, status=status)
    rows = queries.ORDERS.dump(
        query.order_by(Order.ordered_at.desc(), Order.id.desc()).limit(limit)
    )
    print_rows(rows, as_json, "id number integration status carrier lines", _with_units)


def _with_units(order):
    """An order's lines as one cell: ``SKU×2, SKU2×1``."""
    return {**order, "lines": ", ".join(f"{x['sku']}×{x['quantity']}" for x in order["lines"])}


@orders.command("held")
@integration_option
@json_option
@with_db
def orders_held(integration, as_json):
    """Orders held (awaiting payment or an error), with their next check; expired: no longer
    re-checked on schedule, their stock still reserved."""
    query = queries.held_orders(integration=integration or None)
    rows = queries.HELD_ORDERS.dump(query.order_by(HeldRecord.held_at))
    print_rows(
        rows, as_json, ["integration", "number", "reason", "status", "held_at", "next_check_at"]
    )


@click.group()
def events():
    """Problems reported by the feeds (the bell)."""


@events.command("list")
@click.option("--unresolved", is_flag=True, help="Only what still needs attention.")
@click.option("--severity", type=click.Choice(SEVERITIES))
@integration_option
@limit_option(200)
@json_option
@with_db
def events_list(unresolved, severity, integration, limit, as_json):
    """List events, most recent first."""
    if unresolved and not severity:
        severity = ("retry", "error")  # what needs attention: an Info only informs
    query = queries.events(
        severity=severity, unresolved=True if unresolved else None, integration=integration or None
    )
    rows = queries.EVENTS.dump(query.order_by(Event.last_seen.desc(), Event.id.desc()).limit(limit))
    print_rows(
        rows, as_json, ["id", "integration", "severity", "code", "reference", "count", "message"]
    )


def _event(event_id):
    event = Event.get_or_none(Event.id == event_id)
    if event is None:
        raise BadInput(f"no event with id {event_id}")
    return event


@events.command("resolve")
@click.argument("event_id", type=int)
@with_db
def events_resolve(event_id):
    """Mark an event resolved."""
    resolve_event(_event(event_id), "cli")
    click.echo(f"event {event_id} resolved")


@events.command("retry")
@click.argument("event_id", type=int)
@with_db
@with_queue
def events_retry(event_id):
    """Retry the record behind an event (queues its feed)."""
    run = retry_event(_event(event_id), "cli")
    click.echo(f"run {run.id} queued ({run.feed})")


COMMANDS = [products, orders, events]
