"""hub products list, hub orders list, hub events …"""

import click

from hub.cli.common import json_option, print_json, print_rows, print_table, with_db
from hub.engine.events import event_summary, resolve_event
from hub.engine.runs import retry_event
from hub.errors import BadInput
from hub.models import Binding, Event, HeldRecord, Integration, Order, Product, iso
from hub.services.integrations import get_integration
from hub.services.listings import order_rows, product_rows

ORDER_STATUSES = ("to_ship", "partially_shipped", "shipped", "cancelled")


@click.group()
def products():
    """Products (they come from the stores)."""


@products.command("list")
@click.option("--search", help="SKU, name or barcode contains.")
@click.option("--integration")
@click.option("--limit", type=int, default=0, help="At most N products (default all).")
@json_option
@with_db
def products_list(search, integration, limit, as_json):
    """List products."""
    query = Product.select().order_by(Product.sku)
    if search:
        query = query.where(
            Product.sku.contains(search)
            | Product.name.contains(search)
            | Product.barcode.contains(search)
        )
    if integration:
        integ = get_integration(integration)
        query = query.where(
            Product.id.in_(
                Binding.select(Binding.hub_id).where(
                    (Binding.integration == integ.id) & (Binding.kind == "product")
                )
            )
        )
    rows = []
    last_sku = ""
    while not limit or len(rows) < limit:  # keyset pages: never the catalogue in one query
        page = min(1000, limit - len(rows)) if limit else 1000
        chunk = product_rows(query.where(Product.sku > last_sku).limit(page))
        if not chunk:
            break
        rows.extend(chunk)
        last_sku = chunk[-1]["sku"]
    print_rows(rows, as_json, ["sku", "name", "barcode", "weight_kg", "price", "status", "images"])


@click.group()
def orders():
    """Orders (they come from the stores)."""


@orders.command("list")
@click.option("--integration")
@click.option("--status", type=click.Choice(ORDER_STATUSES))
@click.option("--limit", type=int, default=500)
@json_option
@with_db
def orders_list(integration, status, limit, as_json):
    """List orders, newest first."""
    query = Order.select().order_by(Order.ordered_at.desc(), Order.id.desc()).limit(limit)
    if integration:
        query = query.where(Order.integration == get_integration(integration).id)
    if status:
        query = query.where(Order.status == status)
    rows = order_rows(query)
    if as_json:
        print_json(rows)
    else:
        for r in rows:
            r["lines"] = ", ".join(f"{x['sku']}×{x['quantity']}" for x in r["lines"])
        print_table(rows, ["id", "number", "integration", "status", "carrier", "lines"])


@orders.command("held")
@click.option("--integration")
@json_option
@with_db
def orders_held(integration, as_json):
    """Orders held (awaiting payment or an error), with their next check."""
    query = (
        HeldRecord.select(HeldRecord, Integration)
        .join(Integration)
        .where(HeldRecord.status.in_(["held", "expired"]))
        .order_by(HeldRecord.held_at)
    )
    if integration:
        query = query.where(HeldRecord.integration == get_integration(integration).id)
    rows = [
        {
            "integration": h.integration.name,
            "number": h.reference,
            "external_id": h.external_id,
            "reason": h.reason,
            "status": h.status,  # expired: no longer re-checked on schedule, stock still reserved
            "held_at": iso(h.held_at),
            "next_check_at": iso(h.next_check_at),
            "checks": h.checks,
        }
        for h in query
    ]
    print_rows(
        rows, as_json, ["integration", "number", "reason", "status", "held_at", "next_check_at"]
    )


@click.group()
def events():
    """Problems reported by the feeds (the bell)."""


def event_row(e):
    return event_summary(e)


@events.command("list")
@click.option("--unresolved", is_flag=True, help="Only what still needs attention.")
@click.option("--severity", type=click.Choice(["info", "retry", "error"]))
@click.option("--integration")
@click.option("--limit", type=int, default=200)
@json_option
@with_db
def events_list(unresolved, severity, integration, limit, as_json):
    """List events, most recent first."""
    query = (
        Event.select(Event, Integration)
        .join(Integration)
        .order_by(Event.last_seen.desc())
        .limit(limit)
    )
    if unresolved:
        query = query.where(Event.resolved_at.is_null(True) & (Event.severity != "info"))
    if severity:
        query = query.where(Event.severity == severity)
    if integration:
        query = query.where(Event.integration == get_integration(integration).id)
    rows = [event_row(e) for e in query]
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
def events_retry(event_id):
    """Retry the record behind an event (queues its feed)."""
    run = retry_event(_event(event_id), "cli")
    click.echo(f"run {run.id} queued ({run.feed})")


COMMANDS = [products, orders, events]
