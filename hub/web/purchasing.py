"""Purchasing: suppliers, product–supplier links, reorder recommendations, purchase orders.

The business rules live in hub.services.purchasing.
"""

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from hub.bounds import as_id
from hub.errors import BadInput
from hub.models import (
    Product,
    ProductSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    Warehouse,
)
from hub.models.purchasing import PO_STATUSES
from hub.services import purchasing, queries
from hub.web.common import (
    get_or_404,
    int_field,
    list_page,
    protected_blueprint,
    run_action,
)

bp = protected_blueprint("purchasing", __name__, url_prefix="/purchasing")


def _user():
    return current_user._get_current_object()


@bp.route("/")
def index():
    query = queries.purchase_orders(status=request.args.get("status") or None)
    return list_page(
        "purchasing/index.html",
        query,
        "orders",
        statuses=PO_STATUSES,
        suppliers=Supplier.select().order_by(Supplier.name),
    )


@bp.route("/suppliers/<int:supplier_id>")
def supplier(supplier_id):
    sup = get_or_404(Supplier, supplier_id)
    links = list(
        ProductSupplier.select(ProductSupplier, Product)
        .join(Product)
        .where(ProductSupplier.supplier == sup)
        .order_by(Product.sku)
        .limit(500)
    )
    orders = list(sup.purchase_orders.order_by(PurchaseOrder.id.desc()).limit(50))
    return render_template("purchasing/supplier.html", supplier=sup, links=links, orders=orders)


@bp.route("/recommendations")
def recommendations():
    window = min(request.args.get("window_days", type=as_id) or 30, 3650)
    groups, error = [], None
    try:
        groups = list(purchasing.recommendations(window_days=window))
    except Exception as exc:  # show the page with the message rather than a 500
        error = str(exc)
    return render_template(
        "purchasing/recommendations.html", groups=groups, window=window, error=error
    )


@bp.route("/recommendations/order", methods=["POST"])
def create_from_recommendations():
    sup = get_or_404(Supplier, request.form.get("supplier", type=as_id) or 0)
    ok, po = run_action(
        lambda: purchasing.create_po_from_recommendations(sup),
        f"Draft purchase order created for {sup.name}.",
    )
    if ok and po is not None:
        return redirect(url_for("purchasing.show", po_id=po.id))
    return redirect(url_for("purchasing.recommendations"))


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
    warehouse = request.form.get("warehouse", type=as_id)
    ok, po = run_action(
        lambda: purchasing.create_purchase_order(
            sup,
            parse_lines(request.form.get("lines")) or None,
            warehouse=Warehouse.get_or_none(Warehouse.id == warehouse) if warehouse else None,
            user=_user(),
        ),
        "Draft purchase order created.",
    )
    if ok and po is not None:
        return redirect(url_for("purchasing.show", po_id=po.id))
    return redirect(url_for("purchasing.index"))


@bp.route("/orders/<int:po_id>")
def show(po_id):
    po = get_or_404(PurchaseOrder, po_id)
    lines = list(
        PurchaseOrderLine.select(PurchaseOrderLine, Product)
        .join(Product)
        .where(PurchaseOrderLine.purchase_order == po)
        .order_by(PurchaseOrderLine.id)
    )
    return render_template(
        "purchasing/show.html",
        po=po,
        lines=lines,
        can_add=po.status == "draft",
        can_order=po.status == "draft",
        can_receive=po.status in ("ordered", "partially_received"),
        can_cancel=po.status in ("draft", "ordered"),
    )


@bp.route("/orders/<int:po_id>/lines", methods=["POST"])
def add_line(po_id):
    po = get_or_404(PurchaseOrder, po_id)
    run_action(
        lambda: purchasing.add_line(
            po, (request.form.get("sku") or "").strip(), int_field("quantity", minimum=1)
        ),
        "Line added.",
    )
    return redirect(url_for("purchasing.show", po_id=po.id))


@bp.route("/orders/<int:po_id>/order", methods=["POST"])
def mark_ordered(po_id):
    po = get_or_404(PurchaseOrder, po_id)
    run_action(
        lambda: purchasing.order_purchase_order(po, user=_user()), f"{po.number} marked as ordered."
    )
    return redirect(url_for("purchasing.show", po_id=po.id))


@bp.route("/orders/<int:po_id>/receive", methods=["POST"])
def receive(po_id):
    po = get_or_404(PurchaseOrder, po_id)

    def do():
        quantities = {}
        for line in po.lines:
            qty = int_field(f"qty_{line.id}", default=0, minimum=0)
            if qty:
                quantities[line.product.sku] = quantities.get(line.product.sku, 0) + qty
        if not quantities:
            raise BadInput("enter at least one received quantity")
        return purchasing.receive_purchase_order(po, quantities, user=_user())

    run_action(do, "Receipt recorded: the stock is in.")
    return redirect(url_for("purchasing.show", po_id=po.id))


@bp.route("/orders/<int:po_id>/cancel", methods=["POST"])
def cancel(po_id):
    po = get_or_404(PurchaseOrder, po_id)
    run_action(
        lambda: purchasing.cancel_purchase_order(po, user=_user()), f"{po.number} cancelled."
    )
    return redirect(url_for("purchasing.show", po_id=po.id))


@bp.route("/suppliers", methods=["POST"])
def create_supplier():
    form = request.form
    ok, sup = run_action(
        lambda: purchasing.create_supplier(
            (form.get("name") or "").strip(),
            email=(form.get("email") or "").strip() or None,
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
    form = request.form
    run_action(
        lambda: purchasing.link_product(
            (form.get("sku") or "").strip(),
            sup,
            supplier_reference=(form.get("supplier_reference") or "").strip() or None,
            price=(form.get("price") or "").strip() or None,
            min_order_qty=int_field("min_order_qty", default=1, minimum=1),
            preferred=bool(form.get("preferred")),
        ),
        "Product linked.",
    )
    return redirect(url_for("purchasing.supplier", supplier_id=sup.id))
