"""Orders: filtered list, an order's page, the ship form, and the orders held for payment."""

from flask import flash, redirect, render_template, request, url_for

from hub.bounds import as_id
from hub.feeds.shipping import ship_and_confirm
from hub.models import (
    Integration,
    Order,
    OrderLine,
    Shipment,
    ShipmentLine,
    Warehouse,
    decimal_str,
)
from hub.models.orders import OPEN_ORDER_STATUSES, ORDER_STATUSES
from hub.services import queries
from hub.services.orders import cancel_order
from hub.web.common import (
    Sorts,
    acting_user,
    attribute_columns,
    csv_export,
    get_or_404,
    line_quantities,
    list_page,
    parse_date,
    protected_blueprint,
    row_field,
    run_action,
    text_field,
)

bp = protected_blueprint("orders", __name__, url_prefix="/orders")


def filtered_orders(args):
    return queries.orders(
        status=args.get("status") or None,
        integration=args.get("integration", type=as_id),
        q=args.get("q") or None,
        ordered_from=parse_date(args.get("from")),
        ordered_to=parse_date(args.get("to"), end=True),
    )


# by order date by default (not by import order: a first import brings old orders last)
SORTS = Sorts(
    {"ordered_at": Order.ordered_at, "number": Order.number, "status": Order.status},
    "-ordered_at",
)
CSV_COLUMNS = [
    *attribute_columns("number integration=integration.name external_id ordered_at status"),
    ("paid", lambda o: "yes" if o.paid else "no"),
    *attribute_columns("customer_email"),
    ("shipping_method", lambda o: o.shipping_method_title or o.shipping_method_code),
    *attribute_columns("carrier"),
    ("total", lambda o: decimal_str(o.total, 2)),
    *attribute_columns("currency"),
]


@bp.route("/export.csv")
def export():
    """The orders of the list's filters and sort, every page, as CSV."""
    return csv_export("orders", filtered_orders(request.args), SORTS, CSV_COLUMNS)


@bp.route("/")
def index():
    return list_page(
        "orders/index.html",
        filtered_orders(request.args),
        "orders",
        sorts=SORTS,
        statuses=ORDER_STATUSES,
        integrations=Integration.select().order_by(Integration.name),
    )


def carriers_of(order):
    return sorted({str(c) for c in (order.integration.carrier_mapping or {}).values() if c})


@bp.route("/<int:order_id>")
def show(order_id):
    order = get_or_404(Order, order_id)
    lines = list(order.lines.order_by(OrderLine.id))
    shipments = list(order.shipments.order_by(Shipment.id))
    shipment_lines = {}
    for sl in (
        ShipmentLine.select(ShipmentLine, OrderLine)
        .join(OrderLine)
        .where(ShipmentLine.shipment.in_([s.id for s in shipments] or [0]))
    ):
        shipment_lines.setdefault(sl.shipment_id, []).append(sl)
    return render_template(
        "orders/show.html",
        order=order,
        lines=lines,
        shipments=shipments,
        shipment_lines=shipment_lines,
        can_ship=order.status in OPEN_ORDER_STATUSES,
        carriers=carriers_of(order),
        warehouses=Warehouse.select()
        .where(Warehouse.active == True)  # noqa: E712
        .order_by(Warehouse.id),
    )


@bp.route("/<int:order_id>/ship", methods=["POST"])
def ship(order_id):
    order = get_or_404(Order, order_id)

    def do():
        return ship_and_confirm(
            order,
            lines=line_quantities(
                order.lines, lambda line: line.sku, "choose at least one unit to ship"
            ),
            warehouse=row_field(Warehouse, "warehouse"),
            carrier=text_field("carrier"),
            tracking_number=text_field("tracking_number") or "",
            tracking_url=text_field("tracking_url"),
            user=acting_user(),
            allow_duplicate_tracking=bool(request.form.get("allow_duplicate_tracking")),
        )

    ok, _ = run_action(do)
    if ok:
        order = Order.get_by_id(order.id)
        flash(
            f"Shipment recorded: order {order.number} is {order.status.replace('_', ' ')}."
            + (
                " The shipping confirmation is queued."
                if order.integration.mode == "production"
                else " Test mode: the store is not told."
            ),
            "success",
        )
    return redirect(url_for("orders.show", order_id=order.id))


@bp.route("/<int:order_id>/cancel", methods=["POST"])
def cancel(order_id):
    order = get_or_404(Order, order_id)
    run_action(
        lambda: cancel_order(
            order,
            by="merchant",
            reason=text_field("reason"),
            user=acting_user(),
        ),
        f"Order {order.number} cancelled; its reserved stock is released.",
    )
    return redirect(url_for("orders.show", order_id=order.id))


@bp.route("/held")
def held():
    return list_page("orders/held.html", queries.held_orders(), "held")
