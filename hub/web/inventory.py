"""Inventory: warehouses, stock levels, adjustment/count/transfer forms, the movement ledger."""

from flask import redirect, render_template, request, url_for

from hub.bounds import as_id
from hub.models import Product, StockLevel, Warehouse, iso
from hub.models.inventory import MOVEMENT_TYPES
from hub.services import queries, stock
from hub.web.common import (
    Sorts,
    acting_user,
    csv_export,
    get_or_404,
    int_field,
    keyset_page,
    list_page,
    protected_blueprint,
    run_action,
)

bp = protected_blueprint("inventory", __name__, url_prefix="/inventory")


def _stock_filters():
    return {
        "sku": (request.args.get("sku") or "").strip() or None,
        "warehouse": request.args.get("warehouse", type=as_id),
    }


SORTS = Sorts(
    {
        "id": StockLevel.id,
        "sku": Product.sku,
        "warehouse": StockLevel.warehouse,
        "on_hand": StockLevel.on_hand,
        "reserved": StockLevel.reserved,
        "updated_at": StockLevel.updated_at,
    },
    "sku",
)
CSV_COLUMNS = [
    ("sku", lambda level: level.product.sku),
    ("name", lambda level: level.product.name),
    ("warehouse", lambda level: level.warehouse.code),
    ("on_hand", lambda level: level.on_hand),
    ("reserved", lambda level: level.reserved),
    ("available", lambda level: level.on_hand - level.reserved),
    ("updated_at", lambda level: iso(level.updated_at)),
]


@bp.route("/")
def index():
    warehouses = list(Warehouse.select().order_by(Warehouse.id))
    levels, next_before = keyset_page(queries.stock_levels(**_stock_filters()), sorts=SORTS)
    return render_template(
        "inventory/index.html",
        warehouses=warehouses,
        levels=levels,
        next_before=next_before,
        sku=request.args.get("sku", ""),
        sort=SORTS.chosen(request.args)[0],
    )


@bp.route("/export.csv")
def export():
    """The stock levels of the list's filters and sort, every page, as CSV."""
    return csv_export("stock", queries.stock_levels(**_stock_filters()), SORTS, CSV_COLUMNS)


@bp.route("/movements")
def movements():
    query = queries.movements(type=request.args.get("type") or None, **_stock_filters())
    return list_page(
        "inventory/movements.html",
        query,
        "movements",
        types=MOVEMENT_TYPES,
        warehouses=Warehouse.select().order_by(Warehouse.id),
    )


@bp.route("/adjust", methods=["POST"])
def adjust():
    form = request.form
    sku = (form.get("sku") or "").strip()
    mode = form.get("mode") or "adjust"

    def do():
        change = stock.set_quantity if mode == "set" else stock.adjust
        return change(
            sku,
            int_field("quantity"),
            warehouse=form.get("warehouse", type=as_id),
            reason=form.get("reason"),
            user=acting_user(),
        )

    run_action(do, f"Stock of {sku} updated.")
    return redirect(url_for("inventory.index", sku=sku) + "#adjust")


@bp.route("/transfer", methods=["POST"])
def transfer():
    form = request.form
    sku = (form.get("sku") or "").strip()
    run_action(
        lambda: stock.transfer(
            sku,
            int_field("quantity", minimum=1),
            from_warehouse=form.get("from_warehouse", type=as_id),
            to_warehouse=form.get("to_warehouse", type=as_id),
            reason=(form.get("reason") or "").strip() or None,
            user=acting_user(),
        ),
        f"Transfer of {sku} recorded.",
    )
    return redirect(url_for("inventory.index", sku=sku) + "#transfer")


@bp.route("/warehouses", methods=["POST"])
def create_warehouse():
    form = request.form
    run_action(
        lambda: stock.create_warehouse(
            (form.get("name") or "").strip(), (form.get("code") or "").strip() or None
        ),
        "Warehouse created.",
    )
    return redirect(url_for("inventory.index") + "#warehouses")


@bp.route("/warehouses/<int:warehouse_id>/rename", methods=["POST"])
def rename_warehouse(warehouse_id):
    wh = get_or_404(Warehouse, warehouse_id)
    run_action(
        lambda: stock.rename_warehouse(wh, (request.form.get("name") or "").strip()),
        "Warehouse renamed.",
    )
    return redirect(url_for("inventory.index") + "#warehouses")


@bp.route("/warehouses/<int:warehouse_id>/deactivate", methods=["POST"])
def deactivate_warehouse(warehouse_id):
    wh = get_or_404(Warehouse, warehouse_id)
    run_action(lambda: stock.deactivate_warehouse(wh), f"Warehouse {wh.code} deactivated.")
    return redirect(url_for("inventory.index") + "#warehouses")


@bp.route("/warehouses/<int:warehouse_id>/activate", methods=["POST"])
def activate_warehouse(warehouse_id):
    wh = get_or_404(Warehouse, warehouse_id)
    run_action(lambda: stock.activate_warehouse(wh), f"Warehouse {wh.code} activated.")
    return redirect(url_for("inventory.index") + "#warehouses")
