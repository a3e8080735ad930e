"""Products: search, a product's stock, movements (with a chart), suppliers, images, and its
links to store products (which the merchant can correct)."""

from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for

from hub.errors import NotFound
from hub.models import (
    Binding,
    Integration,
    Product,
    ProductImage,
    StockMovement,
    Supplier,
    Warehouse,
    decimal_str,
    iso,
)
from hub.services import queries
from hub.settings import get_settings
from hub.web.charts import line_chart, svg_response
from hub.web.common import (
    Sorts,
    back,
    csv_export,
    get_or_404,
    keyset_page,
    protected_blueprint,
    run_action,
)

bp = protected_blueprint("catalog", __name__, url_prefix="/products")
MOVEMENTS_SHOWN = 100
CHART_POINTS = 500


SORTS = Sorts(
    {
        "id": Product.id,
        "sku": Product.sku,
        "name": Product.name,
        "status": Product.status,
        "updated_at": Product.updated_at,
    },
    "-id",
)


def filtered_products(args):
    return queries.products(q=args.get("q", ""), status=args.get("status"))


@bp.route("/")
def index():
    rows, next_before = keyset_page(filtered_products(request.args), sorts=SORTS)
    return render_template(
        "catalog/index.html",
        products=rows,
        next_before=next_before,
        q=request.args.get("q", ""),
        stock=queries.stock_totals(rows),
        status=request.args.get("status"),
        sort=SORTS.chosen(request.args)[0],
    )


def _with_stock(products):
    totals = queries.stock_totals(products)
    return [(p, *totals.get(p.id, [0, 0])) for p in products]


CSV_COLUMNS = [
    ("sku", lambda r: r[0].sku),
    ("name", lambda r: r[0].name),
    ("barcode", lambda r: r[0].barcode),
    ("price", lambda r: decimal_str(r[0].price, 2)),
    ("currency", lambda r: r[0].currency),
    ("status", lambda r: r[0].status),
    ("on_hand", lambda r: r[1]),
    ("available", lambda r: r[1] - r[2]),
    ("updated_at", lambda r: iso(r[0].updated_at)),
]


@bp.route("/export.csv")
def export():
    """The products of the list's search and sort, every page, as CSV (stock over every
    warehouse)."""
    return csv_export(
        "products", filtered_products(request.args), SORTS, CSV_COLUMNS, to_items=_with_stock
    )


@bp.route("/<int:product_id>")
def show(product_id):
    product = get_or_404(Product, product_id)
    return render_template(
        "catalog/show.html",
        product=product,
        levels=list(queries.stock_levels(product=product).order_by(Warehouse.id)),
        movements=list(
            queries.movements(product=product)
            .order_by(StockMovement.id.desc())
            .limit(MOVEMENTS_SHOWN)
        ),
        suppliers=list(product.supplier_links.join(Supplier).select_extend(Supplier)),
        images=list(product.images.order_by(ProductImage.position, ProductImage.id)),
        bindings=list(
            Binding.select(Binding, Integration)
            .join(Integration)
            .where(Binding.kind == "product", Binding.hub_id == product.id)
        ),
        variants=_siblings(product),
    )


def _siblings(product):
    if not product.parent_id:
        return []
    return list(
        Product.select()
        .where(Product.parent == product.parent_id, Product.id != product.id)
        .order_by(Product.sku)
        .limit(50)
    )


@bp.route("/<int:product_id>/stock.svg")
def stock_chart(product_id):
    product = get_or_404(Product, product_id)
    rows = list(
        StockMovement.select(
            StockMovement.created_at, StockMovement.warehouse, StockMovement.on_hand_after
        )
        .where(StockMovement.product == product)
        .order_by(StockMovement.id.desc())
        .limit(CHART_POINTS)
        .tuples()
    )
    per_warehouse, points = {}, []
    for created_at, warehouse_id, on_hand_after in reversed(rows):
        per_warehouse[warehouse_id] = on_hand_after
        points.append((created_at, sum(per_warehouse.values())))
    return svg_response(line_chart(f"On hand of {product.sku}", points))


@bp.route("/images/<int:image_id>")
def image(image_id):
    img = get_or_404(ProductImage, image_id)
    media = Path(get_settings().media_dir).resolve()
    path = (media / img.path).resolve()
    if media not in path.parents or not path.is_file():
        abort(404)
    return send_file(path, mimetype=img.content_type or None, max_age=3600)


@bp.route("/bindings/<int:binding_id>/relink", methods=["POST"])
def relink(binding_id):
    binding = get_or_404(Binding, binding_id)
    if binding.kind != "product":
        abort(404)
    sku = (request.form.get("sku") or "").strip()

    def do():
        target = Product.get_or_none(Product.sku == sku)
        if target is None:
            raise NotFound(f"unknown SKU {sku!r}")
        binding.hub_id = target.id
        binding.fingerprint = None  # the next product update rewrites the new product
        binding.save()
        return target

    ok, target = run_action(do, f"Store product {binding.external_id} now linked to {sku}.")
    if ok:
        return redirect(url_for("catalog.show", product_id=target.id))
    return back("catalog.index")


@bp.route("/bindings/<int:binding_id>/unlink", methods=["POST"])
def unlink(binding_id):
    binding = get_or_404(Binding, binding_id)
    if binding.kind != "product":
        abort(404)
    product_id = binding.hub_id
    binding.delete_instance()
    flash(
        f"Store product {binding.external_id} unlinked: the next product import links it "
        "again by SKU, or creates a product.",
        "success",
    )
    if Product.get_or_none(Product.id == product_id) is not None:
        return redirect(url_for("catalog.show", product_id=product_id))
    return redirect(url_for("catalog.index"))
