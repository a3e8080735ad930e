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
    """Every product ↔ supplier link the store has (it gives no change date: the whole list
    each run), compared per batch with two look-ups: an unchanged link costs no statement."""
    stream = job.call("hub_fetch_product_suppliers")
    for batch, cursor in batched_stream(job, stream, "product_supplier"):
        products = _bound(job.integration.id, "product", [r["product_external_id"] for r in batch])
        suppliers = _bound(
            job.integration.id, "supplier", [r["supplier_external_id"] for r in batch]
        )
        links = _links(products.values(), suppliers.values())
        bound = set(
            _bound(job.integration.id, "product_supplier", [r["external_id"] for r in batch])
        )
        with db.atomic():
            for r in batch:
                product_id = products.get(r["product_external_id"])
                supplier_id = suppliers.get(r["supplier_external_id"])
                if product_id is None or supplier_id is None:
                    _unknown_side(job, r, "product" if product_id is None else "supplier")
                    continue
                link = _apply_link(job, links, product_id, supplier_id, r)
                if r["external_id"] not in bound:
                    Binding.insert(
                        integration=job.integration.id,
                        kind="product_supplier",
                        external_id=r["external_id"],
                        hub_id=link.id,
                    ).on_conflict_ignore().execute()
                    bound.add(r["external_id"])
        job.commit_checkpoint(cursor)


def _links(product_ids, supplier_ids):
    """{(product id, supplier id): ProductSupplier} among those products and suppliers."""
    product_ids, supplier_ids = list(set(product_ids)), list(set(supplier_ids))
    if not product_ids or not supplier_ids:
        return {}
    return {
        (link.product_id, link.supplier_id): link
        for link in ProductSupplier.select().where(
            ProductSupplier.product.in_(product_ids) & ProductSupplier.supplier.in_(supplier_ids)
        )
    }


def _apply_link(job, links, product_id, supplier_id, r):
    """Create the link, or update what changed; counted. Returns the link."""
    values = {
        "supplier_reference": r.get("supplier_reference"),
        "price": r.get("price"),
        "currency": r.get("currency"),
    }
    link = links.get((product_id, supplier_id))
    if link is None:
        link = ProductSupplier.create(product=product_id, supplier=supplier_id, **values)
        links[(product_id, supplier_id)] = link
        job.count("created")
        return link
    changed = {k: v for k, v in values.items() if str(getattr(link, k) or "") != str(v or "")}
    if changed:
        ProductSupplier.update(**changed).where(ProductSupplier.id == link.id).execute()
        for k, v in changed.items():
            setattr(link, k, v)
        job.count("updated")
    else:
        job.count("unchanged")
    return link


def _unknown_side(job, r, missing):
    job.count("failed")
    ref = r["product_external_id"] if missing == "product" else r["supplier_external_id"]
    job.event(
        "error",
        f"unknown_{missing}",
        f"Product/supplier link {r['external_id']}: {missing} {ref} is not in the hub",
        hint="Run import_new_products/update_products and import_suppliers first, then this "
        "feed again.",
        reference=f"{missing}:{ref}",
        external_id=r["external_id"],
    )
