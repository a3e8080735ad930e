"""Purchasing: suppliers, product–supplier links, reorder recommendations, purchase orders.

The business rules live in hub.services.purchasing.
"""

from decimal import Decimal
from operator import itemgetter

from flask import redirect, render_template, request, url_for
from peewee import fn

from hub.bounds import as_id
from hub.models import (
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    Warehouse,
    default_warehouse,
)
from hub.models.purchasing import PO_STATUSES
from hub.services import purchasing, queries
from hub.web.common import (
    Sorts,
    acting_user,
    csv_export,
    get_or_404,
    int_field,
    line_quantities,
    list_page,
    parse_date,
    protected_blueprint,
    row_field,
    run_action,
    text_field,
)

bp = protected_blueprint("purchasing", __name__, url_prefix="/purchasing")


SORTS = Sorts(
    {
        "created_at": PurchaseOrder.created_at,
        "number": PurchaseOrder.number,
        "status": PurchaseOrder.status,
    },
    "-created_at",
)
CSV_COLUMNS = [
    (name, itemgetter(name))
    for name in (
        "number",
        "supplier",
        "status",
        "warehouse",
        "lines_count",
        "quantity",
        "received_quantity",
        "total",
        "created_by",
        "created_at",
        "ordered_at",
        "expected_at",
        "received_at",
        "cancelled_at",
    )
]


def filtered_purchase_orders(args):
    return queries.purchase_orders(
        status=args.get("status") or None,
        supplier=args.get("supplier", type=as_id),
        created_from=parse_date(args.get("from")),
        created_to=parse_date(args.get("to"), end=True),
    )


@bp.route("/export.csv")
def export():
    """The purchase orders of the list's filters and sort, every page, as CSV."""
    return csv_export(
        "purchase-orders",
        filtered_purchase_orders(request.args),
        SORTS,
        CSV_COLUMNS,
        to_items=queries.PURCHASE_ORDERS.dump,
    )


@bp.route("/")
def index():
    return list_page(
        "purchasing/index.html",
        filtered_purchase_orders(request.args),
        "orders",
        sorts=SORTS,
        statuses=PO_STATUSES,
        suppliers=Supplier.select().order_by(Supplier.name),
        po_totals=po_totals,
        default_warehouse=default_warehouse(),
    )


def po_totals(orders):
    """{purchase order id: (units ordered, units received, total)} of the listed orders, in
    one query (a line without a unit price counts 0 in the total)."""
    line = PurchaseOrderLine
    rows = (
        line.select(
            line.purchase_order,
            fn.SUM(line.quantity),
            fn.SUM(line.received_quantity),
            fn.SUM(fn.COALESCE(line.unit_price, 0) * line.quantity),
        )
        .where(line.purchase_order.in_([po.id for po in orders] or [0]))
        .group_by(line.purchase_order)
        .tuples()
    )
    return {po_id: (ordered, received, total or 0) for po_id, ordered, received, total in rows}


@bp.route("/suppliers/<int:supplier_id>")
def supplier(supplier_id):
    sup = get_or_404(Supplier, supplier_id)
    links = list(
        sup.product_links.join(Product).select_extend(Product).order_by(Product.sku).limit(500)
    )
    orders = list(sup.purchase_orders.order_by(PurchaseOrder.id.desc()).limit(50))
    return render_template("purchasing/supplier.html", supplier=sup, links=links, orders=orders)


MAX_WINDOW_DAYS = 3650


def _window(values):
    return min(values.get("window_days", type=as_id) or 30, MAX_WINDOW_DAYS)


@bp.route("/recommendations")
def recommendations():
    window = _window(request.args)
    groups, error = [], None
    try:
        groups = list(purchasing.recommendations(window_days=window))
    except Exception as exc:  # show the page with the message rather than a 500
        error = str(exc)
    return render_template(
        "purchasing/recommendations.html",
        groups=groups,
        window=window,
        error=error,
        suppliers=Supplier.select().where(Supplier.active == True).order_by(Supplier.name),  # noqa: E712
    )


@bp.route("/recommendations/order", methods=["POST"])
def create_from_recommendations():
    """A draft PO from one group of the page, computed with the page's sales window: a
    supplier's group, or the "no supplier" group ordered from the supplier picked in its form
    (``unsupplied``; ``link`` also links those products to it)."""
    sup = get_or_404(Supplier, request.form.get("supplier", type=as_id) or 0)
    window = _window(request.form)
    unsupplied = bool(request.form.get("unsupplied"))
    ok, po = run_action(
        lambda: purchasing.create_po_from_recommendations(
            sup,
            window_days=window,
            unsupplied=unsupplied,
            link=unsupplied and bool(request.form.get("link")),
            user=acting_user(),
        ),
        f"Draft purchase order created for {sup.name}.",
    )
    if ok and po is not None:
        return redirect(url_for("purchasing.show", po_id=po.id))
    return redirect(url_for("purchasing.recommendations", window_days=window))


def parse_lines(text):
    """ "SKU=QTY" or "SKU QTY" per line -> [(sku, qty)] (the service checks SKUs and numbers)."""
    lines = []
    for raw in (text or "").splitlines():
        raw = raw.strip()
        if not raw:
            continue
        sku, _, qty = raw.replace("=", " ").partition(" ")
        lines.append((sku.strip(), qty.strip() or "1"))
    return lines


@bp.route("/orders/new", methods=["POST"])
def create():
    sup = get_or_404(Supplier, request.form.get("supplier", type=as_id) or 0)
    ok, po = run_action(
        lambda: purchasing.create_purchase_order(
            sup,
            parse_lines(request.form.get("lines")) or None,
            warehouse=row_field(Warehouse, "warehouse"),
            user=acting_user(),
        ),
        "Draft purchase order created.",
    )
    if ok and po is not None:
        return redirect(url_for("purchasing.show", po_id=po.id))
    return redirect(url_for("purchasing.index"))


@bp.route("/orders/<int:po_id>")
def show(po_id):
    po = get_or_404(PurchaseOrder, po_id)
    lines = list(po.lines.join(Product).select_extend(Product).order_by(PurchaseOrderLine.id))
    return render_template(
        "purchasing/show.html",
        po=po,
        lines=lines,
        total=sum(((pl.unit_price or 0) * pl.quantity for pl in lines), Decimal(0)),
        default_warehouse=default_warehouse(),
        can_add=po.status == "draft",
        can_order=po.status == "draft",
        can_receive=po.status in ("ordered", "partially_received"),
        can_cancel=po.status in ("draft", "ordered"),
    )


def _po_action(po_id, change, success):
    """A form posted on a purchase order's page: ``change(po)``, a flash message (``success``
    is formatted with the order), back to the page."""
    po = get_or_404(PurchaseOrder, po_id)
    run_action(lambda: change(po), success.format(po=po))
    return redirect(url_for("purchasing.show", po_id=po.id))


@bp.route("/orders/<int:po_id>/lines", methods=["POST"])
def add_line(po_id):
    return _po_action(
        po_id,
        lambda po: purchasing.add_line(
            po, text_field("sku") or "", int_field("quantity", minimum=1)
        ),
        "Line added.",
    )


def _po_status_route(path, endpoint, change, success):
    """The button of a purchase order's page that changes its status, as the signed-in user."""

    def view(po_id):
        return _po_action(po_id, lambda po: change(po, user=acting_user()), success)

    bp.add_url_rule(f"/orders/<int:po_id>/{path}", endpoint, view, methods=["POST"])


_po_status_route(
    "order", "mark_ordered", purchasing.order_purchase_order, "{po.number} marked as ordered."
)
_po_status_route("cancel", "cancel", purchasing.cancel_purchase_order, "{po.number} cancelled.")


@bp.route("/orders/<int:po_id>/receive", methods=["POST"])
def receive(po_id):
    def receive_entered(po):
        quantities = line_quantities(
            po.lines, lambda line: line.product.sku, "enter at least one received quantity"
        )
        return purchasing.receive_purchase_order(po, quantities, user=acting_user())

    return _po_action(po_id, receive_entered, "Receipt recorded: the stock is in.")


@bp.route("/suppliers", methods=["POST"])
def create_supplier():
    ok, sup = run_action(
        lambda: purchasing.create_supplier(
            text_field("name") or "",
            email=text_field("email"),
            lead_time_days=int_field("lead_time_days", default=7, minimum=0),
        ),
        "Supplier created.",
    )
    if ok:
        return redirect(url_for("purchasing.supplier", supplier_id=sup.id))
    return redirect(url_for("purchasing.index"))


@bp.route("/suppliers/<int:supplier_id>/links", methods=["POST"])
def link_product(supplier_id):
    sup = get_or_404(Supplier, supplier_id)
    run_action(
        lambda: purchasing.link_product(
            text_field("sku") or "",
            sup,
            supplier_reference=text_field("supplier_reference"),
            price=text_field("price"),
            min_order_qty=int_field("min_order_qty", default=1, minimum=1),
            preferred=bool(request.form.get("preferred")),
        ),
        "Product linked.",
    )
    return redirect(url_for("purchasing.supplier", supplier_id=sup.id))
