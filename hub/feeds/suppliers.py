"""Suppliers and product ↔ supplier links (for connectors that implement them)."""

from hub.db import db
from hub.engine.job import batched_stream
from hub.models import Binding, ProductSupplier, Supplier


def _bound(integration_id, kind, external_ids):
    return {
        b.external_id: b.hub_id
        for b in Binding.select().where(
            (Binding.integration == integration_id)
            & (Binding.kind == kind)
            & Binding.external_id.in_(list(external_ids))
        )
    }


def import_suppliers(job):
    for batch, cursor in batched_stream(job, job.call("hub_fetch_suppliers"), "supplier"):
        bound = _bound(job.integration.id, "supplier", [r["external_id"] for r in batch])
        with db.atomic():
            for r in batch:
                values = {
                    "name": r["name"],
                    "email": r.get("email"),
                    "phone": r.get("phone"),
                    "active": r.get("active", True),
                }
                supplier_id = bound.get(r["external_id"])
                if supplier_id is None:
                    supplier = Supplier.create(**values)
                    Binding.create(
                        integration=job.integration.id,
                        kind="supplier",
                        external_id=r["external_id"],
                        hub_id=supplier.id,
                    )
                    job.count("created")
                    continue
                supplier = Supplier.get_or_none(Supplier.id == supplier_id)
                if supplier is None:
                    continue
                changed = {k: v for k, v in values.items() if getattr(supplier, k) != v}
                if changed:
                    Supplier.update(**changed).where(Supplier.id == supplier.id).execute()
                    job.count("updated")
                else:
                    job.count("unchanged")
        job.commit_checkpoint(cursor)


def import_product_suppliers(job):
    stream = job.call("hub_fetch_product_suppliers")
    for batch, cursor in batched_stream(job, stream, "product_supplier"):
        products = _bound(job.integration.id, "product", [r["product_external_id"] for r in batch])
        suppliers = _bound(
            job.integration.id, "supplier", [r["supplier_external_id"] for r in batch]
        )
        with db.atomic():
            for r in batch:
                product_id = products.get(r["product_external_id"])
                supplier_id = suppliers.get(r["supplier_external_id"])
                if product_id is None or supplier_id is None:
                    job.count("failed")
                    missing = "product" if product_id is None else "supplier"
                    ref = (
                        r["product_external_id"]
                        if product_id is None
                        else r["supplier_external_id"]
                    )
                    job.event(
                        "error",
                        f"unknown_{missing}",
                        f"Product/supplier link {r['external_id']}: {missing} {ref} is "
                        "not in the hub",
                        hint="Run import_new_products/update_products and "
                        "import_suppliers first, then this feed again.",
                        reference=f"{missing}:{ref}",
                        external_id=r["external_id"],
                    )
                    continue
                values = {
                    "supplier_reference": r.get("supplier_reference"),
                    "price": r.get("price"),
                    "currency": r.get("currency"),
                }
                link = ProductSupplier.get_or_none(
                    (ProductSupplier.product == product_id)
                    & (ProductSupplier.supplier == supplier_id)
                )
                if link is None:
                    link = ProductSupplier.create(
                        product=product_id, supplier=supplier_id, **values
                    )
                    job.count("created")
                else:
                    changed = {
                        k: v
                        for k, v in values.items()
                        if str(getattr(link, k) or "") != str(v or "")
                    }
                    if changed:
                        ProductSupplier.update(**changed).where(
                            ProductSupplier.id == link.id
                        ).execute()
                        job.count("updated")
                    else:
                        job.count("unchanged")
                Binding.insert(
                    integration=job.integration.id,
                    kind="product_supplier",
                    external_id=r["external_id"],
                    hub_id=link.id,
                ).on_conflict_ignore().execute()
        job.commit_checkpoint(cursor)
