"""hub products list, hub orders list, hub events …"""

import click

from hub.cli.common import json_option, print_json, print_rows, print_table, with_db
from hub.errors import BadInput

ORDER_STATUSES = ("to_ship", "partially_shipped", "shipped", "cancelled")


def product_rows(query):
    from peewee import fn

    from hub.models import Binding, Integration, ProductImage, decimal_str

    products = list(query)
    ids = [p.id for p in products]
    bindings = {}
    for b in (
        Binding.select(Binding, Integration)
        .join(Integration)
        .where((Binding.kind == "product") & Binding.hub_id.in_(ids))
    ):
        bindings.setdefault(b.hub_id, []).append(
            {
                "integration": b.integration.name,
                "external_id": b.external_id,
                "missing": b.missing_since is not None,
            }
        )
    images = {
        r.product_id: r.n
        for r in ProductImage.select(ProductImage.product, fn.COUNT(ProductImage.id).alias("n"))
        .where(ProductImage.product.in_(ids))
        .group_by(ProductImage.product)
    }
    return [
        {
            "sku": p.sku,
            "name": p.name,
            "barcode": p.barcode,
            "weight_kg": decimal_str(p.weight_kg),
            "price": decimal_str(p.price, 2),
            "currency": p.currency,
            "parent": p.parent.name if p.parent_id else None,
            "active": p.status == "active",
            "status": p.status,
            "bindings": bindings.get(p.id, []),
            "images": images.get(p.id, 0),
        }
        for p in products
    ]


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
    from hub.models import Binding, Product
    from hub.services.integrations import get_integration

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


def order_rows(query):
    from hub.models import Integration, OrderLine

    orders = list(query)
    lines = {}
    for line in OrderLine.select().where(OrderLine.order.in_([o.id for o in orders])):
        lines.setdefault(line.order_id, []).append(
            {"sku": line.sku, "quantity": line.quantity, "shipped": line.shipped_quantity}
        )
    names = {i.id: i.name for i in Integration.select(Integration.id, Integration.name)}
    from hub.models import iso

    return [
        {
            "id": o.id,
            "number": o.number,
            "integration": names.get(o.integration_id),
            "external_id": o.external_id,
            "status": o.status,
            "paid": o.paid,
            "shipping_method": o.shipping_method_code,
            "carrier": o.carrier,
            "ordered_at": iso(o.ordered_at),
            "lines": lines.get(o.id, []),
        }
        for o in orders
    ]


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
    from hub.models import Order
    from hub.services.integrations import get_integration

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
    from hub.models import HeldRecord, Integration, iso
    from hub.services.integrations import get_integration

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
    from hub.feeds.events import event_summary

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
    from hub.models import Event, Integration
    from hub.services.integrations import get_integration

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
    from hub.models import Event

    event = Event.get_or_none(Event.id == event_id)
    if event is None:
        raise BadInput(f"no event with id {event_id}")
    return event


@events.command("resolve")
@click.argument("event_id", type=int)
@with_db
def events_resolve(event_id):
    """Mark an event resolved."""
    from hub.feeds.events import resolve_event

    resolve_event(_event(event_id), "cli")
    click.echo(f"event {event_id} resolved")


@events.command("retry")
@click.argument("event_id", type=int)
@with_db
def events_retry(event_id):
    """Retry the record behind an event (queues its feed)."""
    from hub.feeds.events import retry_event

    run = retry_event(_event(event_id), "cli")
    click.echo(f"run {run.id} queued ({run.feed})")


COMMANDS = [products, orders, events]
