"""Orders: filtered list, an order's page, the ship form, several orders shipped at once (a
form or a CSV upload), and the orders held for payment."""

from flask import flash, redirect, render_template, request, url_for

from hub.bounds import as_id
from hub.errors import BadInput
from hub.feeds.shipping import ship_and_confirm, ship_rows_and_confirm
from hub.models import (
    Event,
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
from hub.services.bulk_shipping import ShipRow, read_ship_csv
from hub.services.orders import cancel_order, known_carriers
from hub.web.common import (
    Sorts,
    acting_user,
    attribute_columns,
    csv_export,
    flash_error,
    get_or_404,
    line_quantities,
    list_page,
    parse_date,
    protected_blueprint,
    row_field,
    run_action,
    safe_path,
    text_field,
)
from hub.web.held import held_page, retry_held

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
        shippable=OPEN_ORDER_STATUSES,
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
        events=order_events(order),
        lines=lines,
        shipments=shipments,
        shipment_lines=shipment_lines,
        can_ship=order.status in OPEN_ORDER_STATUSES,
        carriers=carriers_of(order),
        warehouses=Warehouse.select()
        .where(Warehouse.active == True)  # noqa: E712
        .order_by(Warehouse.id),
    )


ORDER_EVENTS_SHOWN = 20


def order_events(order):
    """The events about this order (the order feeds and shipping record them under its
    number), newest first: what happened to it, each linked to its page and run."""
    return list(
        Event.select()
        .where((Event.integration == order.integration_id) & (Event.reference == order.number))
        .order_by(Event.last_seen.desc(), Event.id.desc())
        .limit(ORDER_EVENTS_SHOWN)
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


# --------------------------------------------------------------------------- several at once

MAX_CSV_BYTES = 2_000_000


def _open_orders(ids):
    """The open orders among ``ids``, each with its integration (the page names it and offers
    its carriers: one query, not one per order)."""
    return list(
        Order.select(Order, Integration)
        .join(Integration)
        .where(Order.id.in_(ids or [0]) & Order.status.in_(OPEN_ORDER_STATUSES))
        .order_by(Order.id)
    )


def _ship_page(orders, results=None):
    """The bulk ship page: a row per order to ship (carrier, tracking), the CSV upload, and
    the results of what was just sent."""
    remaining = {}
    for line in OrderLine.select().where(OrderLine.order.in_([o.id for o in orders] or [0])):
        if line.remaining > 0:
            remaining.setdefault(line.order_id, []).append(f"{line.remaining} × {line.sku}")
    carriers = {o.id: known_carriers(o.integration) for o in orders}
    integrations = list(Integration.select().order_by(Integration.name))
    return render_template(
        "orders/ship_bulk.html",
        orders=orders,
        remaining=remaining,
        carriers=carriers,
        all_carriers=sorted({c for cs in carriers.values() for c in cs}),
        integrations=integrations,
        csv_carriers=sorted({c for i in integrations for c in known_carriers(i)}),
        results=results,
    )


def _flash_results(results):
    counts = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    parts = [
        f"{counts[key]} {label}"
        for key, label in (
            ("shipped", "shipped"),
            ("already_shipped", "already shipped before"),
            ("error", "not shipped (see why below)"),
        )
        if counts.get(key)
    ]
    flash("; ".join(parts) + ".", "warning" if counts.get("error") else "success")


@bp.route("/ship", methods=["GET", "POST"])
def ship_many():
    """Ship the orders ticked on the list: a carrier once for all or per order, a tracking
    number per order; each ships everything it has left (hub.services.bulk_shipping)."""
    if request.method == "GET":
        ids = [i for i in (as_id(v) for v in request.args.getlist("ids")) if i]
        return _ship_page(_open_orders(ids))
    ids = [i for i in (as_id(v) for v in request.form.getlist("ids")) if i]
    carrier_all = text_field("carrier_all")
    rows = [
        ShipRow(
            order=i,
            tracking_number=text_field(f"tracking_{i}"),
            carrier=carrier_all or text_field(f"carrier_{i}"),
            tracking_url=text_field(f"tracking_url_{i}"),
        )
        for i in ids
    ]
    if not rows:
        flash("Choose at least one order to ship.", "error")
        return redirect(url_for("orders.index", status="to_ship"))
    results = ship_rows_and_confirm(
        rows,
        user=acting_user(),
        allow_duplicate_tracking=bool(request.form.get("allow_duplicate_tracking")),
    )
    _flash_results(results)
    failed = [r.order.id for r in results if r.status == "error" and r.order is not None]
    return _ship_page(_open_orders(failed), results)


@bp.route("/ship/csv", methods=["POST"])
def ship_csv():
    """Ship the rows of an uploaded CSV (order,tracking[,carrier]): a result per row; a row
    already shipped with the same tracking number is not shipped again."""
    upload = request.files.get("file")
    data = upload.read(MAX_CSV_BYTES + 1) if upload else b""
    try:
        if not data:
            raise BadInput("choose a CSV file: order,tracking[,carrier]")
        if len(data) > MAX_CSV_BYTES:
            raise BadInput(f"the file is over {MAX_CSV_BYTES // 1_000_000} MB: split it")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadInput("the file is not UTF-8 text: save it as CSV UTF-8") from None
        rows = read_ship_csv(text, default_carrier=text_field("carrier"))
    except BadInput as exc:
        flash_error(exc)
        return _ship_page([])
    results = ship_rows_and_confirm(
        rows,
        user=acting_user(),
        integration=request.form.get("integration", type=as_id) or None,
        allow_duplicate_tracking=bool(request.form.get("allow_duplicate_tracking")),
    )
    _flash_results(results)
    return _ship_page([], results)


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
    return held_page()


@bp.route("/held/retry", methods=["POST"])
def held_retry():
    """Retry one held order, the ticked ones or all of the page's filter (hub.web.held)."""
    run_action(retry_held)
    return redirect(safe_path(request.form.get("next")) or url_for("orders.held"))
