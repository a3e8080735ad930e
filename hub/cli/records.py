"""hub products list, hub orders list, hub events …"""

import sys

import click

from hub.cli.common import (
    EXIT_FAILED,
    integration_option,
    json_option,
    limit_option,
    print_one,
    print_rows,
    with_db,
    with_queue,
)
from hub.cli.feeds import after_run, print_run, say_waiting
from hub.engine.events import resolve_event
from hub.engine.retries import retry_errors
from hub.engine.runs import queued_behind, retry_event, retry_target, run_inline, run_summary
from hub.errors import BadInput
from hub.models import Event, HeldRecord, Order, Product
from hub.models.feeds import SEVERITIES
from hub.models.orders import ORDER_STATUSES
from hub.services import queries
from hub.services.integrations import get_integration


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
@click.option(
    "--search",
    "-q",
    help="The order number (with or without #), the customer's email or name, or a SKU.",
)
@limit_option(500)
@json_option
@with_db
def orders_list(integration, status, search, limit, as_json):
    """List orders, newest first."""
    query = queries.orders(integration=integration or None, status=status, q=search)
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
@click.argument("event_id", type=int, required=False)
@click.option("--all", "every", is_flag=True, help="Every unresolved Error: one run per feed.")
@click.option("--feed", help="With --all: only the errors this feed reported.")
@integration_option
@click.option("--inline", is_flag=True, help="Run here, one run after another (no worker).")
@json_option
@with_db
@with_queue
def events_retry(event_id, every, feed, integration, inline, as_json):
    """Retry the record behind event EVENT_ID, or with --all every unresolved Error (queues
    the feed; a feed running now is waited for, never skipped)."""
    if (event_id is None) == (not every):
        raise BadInput("give an EVENT_ID or --all (not both)")
    if event_id is not None and (feed or integration):
        raise BadInput("--feed and --integration go with --all")
    waiting = say_waiting if inline and not as_json else None
    if every:
        integ = get_integration(integration) if integration else None
        summary = retry_errors(integ, feed, inline=inline, waiting=waiting)
        _print_retries(summary, as_json)
        failed = any(r["status"] == "failed" for r in summary["runs"])
    else:
        event = _event(event_id)
        if inline:
            target_feed, params = retry_target(event)
            params["retry_event"] = event.id
            run = run_inline(
                event.integration, target_feed, trigger="retry", params=params, waiting=waiting
            )
            print_run(run_summary(run), as_json)
        else:
            run = retry_event(event, "cli")
            after = queued_behind(run)
            line = f"run {run.id} queued ({run.feed})" + (f", {after_run(after)}" if after else "")
            print_one({"id": run.id, "status": run.status, "after_run": after}, as_json, line)
        failed = run.status == "failed"
    if failed:
        sys.exit(EXIT_FAILED)


def _print_retries(summary, as_json):
    runs = summary["runs"]
    errors = sum(len(r["events"]) for r in runs)
    lines = [f"{errors} error(s) retried by {len(runs)} run(s)" if runs else "no error to retry"]
    for r in runs:
        state = f"{r['status']}, {after_run(r['after_run'])}" if r["after_run"] else r["status"]
        ids = ", ".join(map(str, r["events"]))
        lines.append(f"  run {r['run']} {r['integration']}/{r['feed']}: {state} (events {ids})")
        if r["status"] != "queued" and r["message"]:
            lines.append(f"      {r['message']}")
    lines += [f"  event {i['event']} not retried: {i['why']}" for i in summary["not_retryable"]]
    print_one(summary, as_json, "\n".join(lines))


COMMANDS = [products, orders, events]
