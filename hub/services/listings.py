"""Products and orders as the CLI (``--json``) and the JSON API list them: stable keys."""

from peewee import fn

from hub.models import Binding, Integration, OrderLine, ProductImage, decimal_str, iso


def product_rows(query):

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


def order_rows(query):
    orders = list(query)
    lines = {}
    for line in OrderLine.select().where(OrderLine.order.in_([o.id for o in orders])):
        lines.setdefault(line.order_id, []).append(
            {"sku": line.sku, "quantity": line.quantity, "shipped": line.shipped_quantity}
        )
    names = {i.id: i.name for i in Integration.select(Integration.id, Integration.name)}
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
