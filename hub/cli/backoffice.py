"""hub stock, hub ship, hub po, hub recommendations, hub warehouses, hub suppliers.

The business rules live in hub.services.stock / orders / purchasing; these commands parse,
call them and print. Bad input (unknown SKU, warehouse, order, supplier, a negative
quantity, shipping more than remains…) is one line on stderr and exit code 2.
Quantities are ints and money decimal strings in --json output.
"""

import getpass
import shlex
import sys

import click

from hub.cli.common import (
    EXIT_FAILED,
    action_command,
    json_option,
    lines_option,
    print_fields,
    print_json,
    print_one,
    print_rows,
    print_table,
    stack,
    warehouse_option,
    with_db,
    with_queue,
    worker_running,
)
from hub.engine.runs import run_inline
from hub.errors import BadInput
from hub.feeds.shipping import ship_and_confirm
from hub.models import PurchaseOrder, Shipment, StockMovement, Supplier, Warehouse
from hub.models.purchasing import PO_STATUSES
from hub.services import purchasing, queries
from hub.services import stock as svc
from hub.services.orders import ship_order
from hub.services.purchasing import (
    cancel_purchase_order,
    create_purchase_order,
    create_supplier,
    find_purchase_order,
    link_product,
    money_str,
    order_purchase_order,
    receive_purchase_order,
)
from hub.services.stock import (
    activate_warehouse,
    create_warehouse,
    deactivate_warehouse,
    rename_warehouse,
)

# Negative numbers ("-3") are values, not options.
NUMBERS = {"ignore_unknown_options": True}


def cli_user():
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name (containers): still say where it came from
        return "cli"


def parse_qty_lines(pairs, what="--line"):
    """["SKU=QTY", ...] -> {sku: qty} (quantities summed per SKU)."""
    result = {}
    for pair in pairs or ():
        sku, sep, qty = pair.partition("=")
        sku = sku.strip()
        if not sep or not sku:
            raise BadInput(f"{what} must be SKU=QTY, got {pair!r}")
        result[sku] = result.get(sku, 0) + _int(qty, f"{what} {pair}")
    return result


def parse_po_lines(pairs):
    """["SKU=QTY[@PRICE]", ...] -> [(sku, qty, price|None)]."""
    lines = []
    for pair in pairs or ():
        sku, sep, rest = pair.partition("=")
        sku = sku.strip()
        if not sep or not sku or not rest.strip():
            raise BadInput(f"--line must be SKU=QTY[@PRICE], got {pair!r}")
        qty, _, price = rest.partition("@")
        lines.append((sku, _int(qty, f"--line {pair}"), price.strip() or None))
    return lines


def _int(text, what):
    try:
        return int(str(text).strip())
    except ValueError:
        raise BadInput(f"{what}: the quantity must be a whole number") from None


# --------------------------------------------------------------------------- hub stock


@click.group()
def stock():
    """Stock per product and warehouse, and its movements."""


@stock.command("list")
@click.option("--sku", help="Only this SKU.")
@warehouse_option("Only this warehouse (code, name or id).")
@json_option
@with_db
def stock_list(sku, warehouse, as_json):
    """On hand, reserved and available per product and warehouse."""
    rows = queries.stock_rows(sku=sku, warehouse=warehouse)
    print_rows(rows, as_json, ["sku", "warehouse", "on_hand", "reserved", "available"])


def stock_change(name, number):
    """A manual stock change of one product: SKU NUMBER --warehouse --reason [--json]."""
    return stack(
        stock.command(name, context_settings=NUMBERS),
        click.argument("sku"),
        click.argument(number, type=int),
        warehouse_option("Default: the default warehouse."),
        click.option("--reason", required=True, help="Why (kept on the movement)."),
        json_option,
        with_db,
    )


@stock_change("adjust", "delta")
def stock_adjust(sku, delta, warehouse, reason, as_json):
    """Add (or, negative, remove) DELTA units on hand."""
    m = svc.adjust(sku, delta, warehouse=warehouse, reason=reason, user=cli_user())
    _print_movements([m], as_json)


@stock_change("set", "quantity")
def stock_set(sku, quantity, warehouse, reason, as_json):
    """Set the on-hand quantity (a count): one movement of the difference."""
    m = svc.set_quantity(sku, quantity, warehouse=warehouse, reason=reason, user=cli_user())
    if m is None and not as_json:
        click.echo(f"{sku}: on hand already {quantity}, nothing changed")
        return
    _print_movements([m], as_json)


@stock.command("transfer", context_settings=NUMBERS)
@click.argument("sku")
@click.argument("quantity", type=int)
@click.option("--from", "from_warehouse", required=True, help="Source warehouse.")
@click.option("--to", "to_warehouse", required=True, help="Destination warehouse.")
@click.option("--reason")
@json_option
@with_db
def stock_transfer(sku, quantity, from_warehouse, to_warehouse, reason, as_json):
    """Move QUANTITY units between two warehouses."""
    out, into = svc.transfer(
        sku,
        quantity,
        from_warehouse=from_warehouse,
        to_warehouse=to_warehouse,
        user=cli_user(),
        reason=reason,
    )
    _print_movements([out, into], as_json)


def _print_movements(movements, as_json):
    rows = queries.MOVEMENTS.dump(movements)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        click.echo(
            f"{r['sku']} @ {r['warehouse']}: {r['type']} {r['quantity']:+d} -> on hand "
            f"{r['on_hand_after']}, reserved {r['reserved_after']}, available "
            f"{r['on_hand_after'] - r['reserved_after']}"
        )


@stock.command("movements")
@click.argument("sku")
@warehouse_option("Only this warehouse.")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
@json_option
@with_db
def stock_movements(sku, warehouse, limit, as_json):
    """The ledger of a product, newest first."""
    query = queries.movements(product=sku, warehouse=warehouse or None)
    rows = queries.MOVEMENTS.dump(query.order_by(StockMovement.id.desc()).limit(limit))
    print_rows(
        rows,
        as_json,
        (
            "id created_at warehouse type quantity reserved_change on_hand_after "
            "reserved_after reference user reason"
        ),
    )


@stock.command("apply-discrepancy")
@click.argument("discrepancy_id", type=int)
@json_option
@with_db
def stock_apply_discrepancy(discrepancy_id, as_json):
    """Correct the hub's stock to the store's figure found by a stock check."""
    m = svc.apply_discrepancy(discrepancy_id, user=cli_user())
    if m is None:
        if as_json:
            print_json([])
        else:
            click.echo(f"discrepancy {discrepancy_id} applied: no difference left to correct")
        return
    _print_movements([m], as_json)


# --------------------------------------------------------------------------- hub ship


@click.command(context_settings=NUMBERS)
@click.argument("order")
@click.option("--carrier", help="Default: the carrier mapped from the order's shipping method.")
@click.option("--tracking", "tracking", required=True, help="Tracking number.")
@click.option("--url", "tracking_url", help="Tracking URL.")
@lines_option("SKU=QTY", "Ship only these units (repeat); default: everything remaining.")
@warehouse_option("Ship from this warehouse (default: where it is reserved).")
@click.option(
    "--allow-duplicate-tracking",
    is_flag=True,
    help="Use a tracking number that is already on another shipment (one parcel, several "
    "orders); without it such a number is refused as a likely slip.",
)
@click.option(
    "--inline",
    is_flag=True,
    help="Send the shipping confirmation to the store from this process, now (no worker).",
)
@json_option
@with_db
@with_queue
def ship(
    order,
    carrier,
    tracking,
    tracking_url,
    lines,
    warehouse,
    allow_duplicate_tracking,
    inline,
    as_json,
):
    """Ship ORDER (its number as `hub orders list` shows it, or its hub id). The store is told
    by a shipping_confirmation run: queued for `hub worker` (a warning when none runs), or
    run here with --inline."""
    shipment = (ship_order if inline else ship_and_confirm)(
        order,
        lines=parse_qty_lines(lines) if lines else None,
        warehouse=warehouse,
        carrier=carrier,
        tracking_number=tracking,
        tracking_url=tracking_url,
        user=cli_user(),
        allow_duplicate_tracking=allow_duplicate_tracking,
    )
    integration = shipment.order.integration
    run = None
    if inline:
        params = {"shipment_ids": [shipment.id]}
        run = run_inline(integration, "shipping_confirmation", trigger="shipment", params=params)
        shipment = Shipment.get_by_id(shipment.id)
    summary = queries.SHIPMENTS.dump_one(shipment)
    if as_json:
        print_json(summary)
    else:
        units = ", ".join(f"{x['sku']}×{x['quantity']}" for x in summary["lines"])
        click.echo(
            f"shipment {summary['id']} of order {summary['order']}: {units} from "
            f"{summary['warehouse']} by {summary['carrier']} "
            f"({summary['tracking_number']}); order {summary['order_status']}, "
            f"confirmation to the store: {summary['confirmation_status']}"
        )
    if run is not None and (run.status == "failed" or shipment.confirmation_status == "failed"):
        why = shipment.last_error or run.message
        click.echo(f"error: the store did not take the shipping confirmation: {why}", err=True)
        sys.exit(EXIT_FAILED)
    if run is None and not worker_running():
        click.echo(
            "warning: no worker has been seen for 2 minutes: the shipping confirmation waits "
            "on the queue until one runs (`hub worker`); to send it now: "
            f"hub feeds run {shlex.quote(integration.name)} shipping_confirmation --inline",
            err=True,
        )


# --------------------------------------------------------------------------- hub po


@click.group()
def po():
    """Purchase orders: draft → ordered → partially_received → received, or cancelled."""


@po.command("create")
@click.option("--supplier", required=True, help="Supplier name or id.")
@lines_option(
    "SKU=QTY[@PRICE]", "A line (repeat); without a price, the supplier link's.", required=True
)
@warehouse_option("Where it will be received (default: the default one).")
@click.option("--notes")
@json_option
@with_db
def po_create(supplier, lines, warehouse, notes, as_json):
    """Create a draft purchase order."""
    order = create_purchase_order(
        supplier, parse_po_lines(lines), warehouse=warehouse, user=cli_user(), notes=notes
    )
    _print_po(order, as_json, "created")


def _print_po(order, as_json, verb):
    summary = queries.PURCHASE_ORDER.dump_one(order)
    print_one(
        summary,
        as_json,
        f"{summary['number']} {verb}: {summary['supplier']}, {summary['status']}, "
        f"{summary['quantity']} unit(s), total {summary['total']}",
    )


def _by_cli_user(change):
    return lambda number: change(number, user=cli_user())


po_order = action_command(
    po,
    "order",
    "number",
    _by_cli_user(order_purchase_order),
    _print_po,
    "ordered",
    help="Mark a draft as ordered (sent to the supplier).",
)
po_cancel = action_command(
    po,
    "cancel",
    "number",
    _by_cli_user(cancel_purchase_order),
    _print_po,
    "cancelled",
    help="Cancel a purchase order (what was received stays in stock).",
)


@po.command("receive", context_settings=NUMBERS)
@click.argument("number")
@lines_option("SKU=QTY", "Received units (repeat); default: everything still expected.")
@warehouse_option("Receive into this warehouse (default: the PO's).")
@json_option
@with_db
def po_receive(number, lines, warehouse, as_json):
    """Receive a purchase order, in full or in part: the stock comes in."""
    receive_purchase_order(
        number, parse_qty_lines(lines) if lines else None, warehouse=warehouse, user=cli_user()
    )
    _print_po(find_purchase_order(number), as_json, "received")


@po.command("list")
@click.option("--status", type=click.Choice(PO_STATUSES))
@click.option("--supplier")
@json_option
@with_db
def po_list(status, supplier, as_json):
    """Purchase orders, newest first."""
    query = queries.purchase_orders(status=status, supplier=supplier or None)
    rows = queries.PURCHASE_ORDERS.dump(query.order_by(PurchaseOrder.id.desc()))
    print_rows(
        rows,
        as_json,
        "number supplier status quantity received_quantity total created_at",
    )


PO_FIELDS = (
    "number",
    "supplier",
    "status",
    "warehouse",
    "total",
    "created_at",
    "ordered_at",
    "expected_at",
    "received_at",
    "cancelled_at",
    "notes",
)


@po.command("show")
@click.argument("number")
@json_option
@with_db
def po_show(number, as_json):
    """A purchase order with its lines."""
    summary = queries.PURCHASE_ORDER.dump_one(find_purchase_order(number))
    if as_json:
        print_json(summary)
        return
    print_fields(summary, PO_FIELDS)
    print_table(
        summary["lines"],
        ["sku", "quantity", "received_quantity", "remaining", "unit_price", "supplier_reference"],
    )


# --------------------------------------------------------------------------- recommendations


@click.command()
@click.option("--window-days", type=int, default=30, show_default=True, help="Sales window.")
@click.option(
    "--safety-days",
    type=int,
    default=7,
    show_default=True,
    help="Days of cover kept as safety stock.",
)
@click.option(
    "--review-days",
    type=int,
    default=14,
    show_default=True,
    help="How many days an order should last.",
)
@click.option("--skip-unsold", is_flag=True, help="Leave out products that sold nothing.")
@click.option(
    "--create-po",
    "create_po",
    metavar="SUPPLIER",
    help="Turn this supplier's recommendations into a draft purchase order.",
)
@json_option
@with_db
def recommendations(window_days, safety_days, review_days, skip_unsold, create_po, as_json):
    """What to reorder, by supplier (see hub/services/purchasing.py for the formula)."""
    options = {
        "window_days": window_days,
        "safety_days": safety_days,
        "review_days": review_days,
        "skip_unsold": skip_unsold,
    }
    if create_po:
        order = purchasing.create_po_from_recommendations(create_po, user=cli_user(), **options)
        _print_po(order, as_json, "created")
        return
    groups = purchasing.recommendations(**options)
    if as_json:
        print_json(groups)
        return
    if not groups:
        click.echo("nothing to reorder")
    for group in groups:
        click.echo(f"\n{group['supplier']} (total {group['total']})")
        print_table(
            group["lines"],
            (
                "sku sold daily_sales lead_time_days reorder_point available on_order suggested "
                "unit_price"
            ),
        )


# --------------------------------------------------------------------------- warehouses


@click.group()
def warehouses():
    """Warehouses (one is created by default)."""


def _print_warehouse(wh, as_json, verb):
    print_one(queries.WAREHOUSES.dump_one(wh), as_json, f"warehouse {wh.code} ({wh.name}) {verb}")


@warehouses.command("list")
@json_option
@with_db
def warehouses_list(as_json):
    """Warehouses with their stock totals."""
    rows = queries.WAREHOUSES.dump(queries.warehouses().order_by(Warehouse.id))
    print_rows(
        rows,
        as_json,
        ["id", "code", "name", "active", "is_default", "products", "on_hand", "reserved"],
    )


@warehouses.command("create")
@click.argument("name")
@click.option("--code", help="Short code (default: from the name).")
@json_option
@with_db
def warehouses_create(name, code, as_json):
    """Create a warehouse."""
    _print_warehouse(create_warehouse(name, code), as_json, "created")


@warehouses.command("rename")
@click.argument("warehouse")
@click.argument("name")
@json_option
@with_db
def warehouses_rename(warehouse, name, as_json):
    """Rename a warehouse (its code stays)."""
    _print_warehouse(rename_warehouse(warehouse, name), as_json, "renamed")


warehouses_deactivate = action_command(
    warehouses,
    "deactivate",
    "warehouse",
    deactivate_warehouse,
    _print_warehouse,
    "deactivated",
    help="Deactivate an empty warehouse that no integration uses by default.",
)
warehouses_activate = action_command(
    warehouses,
    "activate",
    "warehouse",
    activate_warehouse,
    _print_warehouse,
    "activated",
    help="Activate a warehouse again.",
)


# --------------------------------------------------------------------------- suppliers


@click.group()
def suppliers():
    """Suppliers (created here or imported from the store) and their products."""


@suppliers.command("list")
@json_option
@with_db
def suppliers_list(as_json):
    """Suppliers, by name."""
    rows = queries.SUPPLIERS.dump(queries.suppliers().order_by(Supplier.name))
    print_rows(rows, as_json, ["id", "name", "email", "lead_time_days", "products", "active"])


@suppliers.command("create")
@click.argument("name")
@click.option("--email")
@click.option("--phone")
@click.option("--lead-time-days", type=int, default=7, show_default=True)
@json_option
@with_db
def suppliers_create(name, email, phone, lead_time_days, as_json):
    """Create a supplier."""
    supplier = create_supplier(name, email=email, phone=phone, lead_time_days=lead_time_days)
    print_one(
        queries.SUPPLIERS.dump_one(supplier),
        as_json,
        f"supplier {supplier.name} created (id {supplier.id})",
    )


@suppliers.command("link", context_settings=NUMBERS)
@click.argument("sku")
@click.argument("supplier")
@click.option("--reference", "supplier_reference", help="The supplier's reference of the product.")
@click.option("--price", help="Buying price (decimal).")
@click.option("--currency")
@click.option("--min-qty", "min_order_qty", type=int, default=1, show_default=True)
@click.option("--lead-time-days", type=int, help="Default: the supplier's.")
@click.option("--preferred", is_flag=True, help="Make it the product's preferred supplier.")
@json_option
@with_db
def suppliers_link(sku, supplier, as_json, **terms):
    """Link a product to a supplier (or update the link)."""
    link = link_product(sku, supplier, **terms)  # the options are the link's terms
    data = {
        "sku": link.product.sku,
        "supplier": link.supplier.name,
        "supplier_reference": link.supplier_reference,
        "price": money_str(link.price),
        "currency": link.currency,
        "min_order_qty": link.min_order_qty,
        "lead_time_days": link.lead_time_days,
        "preferred": link.preferred,
    }
    preferred_note = " (preferred)" if link.preferred else ""
    print_one(data, as_json, f"{data['sku']} linked to {data['supplier']}{preferred_note}")


COMMANDS = [stock, ship, po, recommendations, warehouses, suppliers]
