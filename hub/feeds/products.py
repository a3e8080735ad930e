"""Products from the store: match by binding, then by SKU; create, update or count unchanged.

Streams are processed in committed batches (never the whole catalogue in memory);
the checkpoint advances after each batch. ``update_products`` reads everything and
flags the products that are gone from the store (never deletes them).
"""

import hashlib
import json
import mimetypes
from pathlib import Path

from hub.db import db
from hub.feeds.job import batched_stream
from hub.models import Binding, Product, ProductGroup, ProductImage, utcnow

PRODUCT_FIELDS = ("sku", "name", "barcode", "weight_kg", "price", "currency")
PRODUCT_CODES = ("invalid_record", "sku_conflict", "image_download_failed")


def fingerprint(record):
    data = {k: v for k, v in record.items() if k not in ("cursor", "updated_at")}
    return hashlib.sha1(
        json.dumps(data, sort_keys=True, default=str).encode(), usedforsecurity=False
    ).hexdigest()


def import_new_products(job):
    stream = job.call("hub_fetch_new_products", since=job.since())
    _consume_products(job, stream)


def update_products(job):
    started = job.run.started_at
    stream = job.call("hub_fetch_products")
    _consume_products(job, stream)
    _flag_missing(job, started)


def _consume_products(job, stream):
    for batch, cursor in batched_stream(job, stream, "product"):
        if batch:
            with db.atomic():
                _apply_batch(job, batch)
        job.commit_checkpoint(cursor)


def _groups(job, batch):
    """ProductGroup ids for the parents named in the batch (created on first sight)."""
    parents = {r["parent"]: r.get("parent_name") for r in batch if r.get("parent")}
    if not parents:
        return {}
    found = {
        b.external_id: b.hub_id
        for b in Binding.select(Binding.external_id, Binding.hub_id).where(
            (Binding.integration == job.integration.id)
            & (Binding.kind == "product_group")
            & Binding.external_id.in_(list(parents))
        )
    }
    for external_id, name in parents.items():
        if external_id not in found:
            group = ProductGroup.create(name=name or external_id)
            Binding.create(
                integration=job.integration.id,
                kind="product_group",
                external_id=external_id,
                hub_id=group.id,
            )
            found[external_id] = group.id
        elif name:
            ProductGroup.update(name=name).where(
                (ProductGroup.id == found[external_id]) & (ProductGroup.name != name)
            ).execute()
    return found


def _apply_batch(job, batch):
    integration_id = job.integration.id
    ids = [r["external_id"] for r in batch]
    bindings = {
        b.external_id: b
        for b in Binding.select().where(
            (Binding.integration == integration_id)
            & (Binding.kind == "product")
            & Binding.external_id.in_(ids)
        )
    }
    products = (
        {
            p.id: p
            for p in Product.select().where(Product.id.in_([b.hub_id for b in bindings.values()]))
        }
        if bindings
        else {}
    )
    by_sku = {p.sku: p for p in Product.select().where(Product.sku.in_([r["sku"] for r in batch]))}
    groups = _groups(job, batch)
    now = utcnow()
    seen_unchanged = []
    for record in batch:
        fp = fingerprint(record)
        binding = bindings.get(record["external_id"])
        product = products.get(binding.hub_id) if binding else None
        if (
            binding is not None
            and product is not None
            and binding.fingerprint == fp
            and binding.missing_since is None
            and product.status != "missing"
        ):
            seen_unchanged.append(binding.id)
            job.count("unchanged")
            continue
        if product is None:
            product = by_sku.get(record["sku"])
        values = {
            "sku": record["sku"],
            "name": record["name"],
            "barcode": record.get("barcode"),
            "weight_kg": record.get("weight_kg"),
            "price": record.get("price"),
            "currency": record.get("currency"),
            "parent": groups.get(record.get("parent")),
            "status": "active" if record.get("active", True) else "inactive",
        }
        if product is None:
            product = Product.create(**values, created_at=now, updated_at=now)
            by_sku[product.sku] = product
            job.count("created")
            created = True
        else:
            if record["sku"] != product.sku:
                owner = by_sku.get(record["sku"]) or Product.get_or_none(
                    Product.sku == record["sku"]
                )
                if owner is not None and owner.id != product.id:
                    job.count("failed")
                    job.event(
                        "error",
                        "sku_conflict",
                        f"SKU {record['sku']} of store product {record['external_id']} "
                        f"already belongs to another hub product",
                        hint="Two store products share a SKU: make SKUs unique in the "
                        "store, or relink the store product in the dashboard.",
                        reference=record["sku"],
                        external_id=record["external_id"],
                    )
                    continue
            changed = {
                k: v
                for k, v in values.items()
                if _differs(getattr(product, k if k != "parent" else "parent_id"), v)
            }
            created = False
            if changed:
                changed["updated_at"] = now
                Product.update(**changed).where(Product.id == product.id).execute()
                job.count("updated")
            else:
                job.count("unchanged")
        if binding is None:
            Binding.insert(
                integration=integration_id,
                kind="product",
                external_id=record["external_id"],
                hub_id=product.id,
                store_refs=record.get("store_refs") or {},
                fingerprint=fp,
                last_seen_at=now,
            ).on_conflict(
                conflict_target=[Binding.integration, Binding.kind, Binding.external_id],
                update={
                    Binding.hub_id: product.id,
                    Binding.fingerprint: fp,
                    Binding.last_seen_at: now,
                },
            ).execute()
        else:
            Binding.update(
                hub_id=product.id,
                fingerprint=fp,
                last_seen_at=now,
                missing_since=None,
                store_refs=record.get("store_refs") or binding.store_refs,
            ).where(Binding.id == binding.id).execute()
        job.registry.hook.hub_record_imported(
            integration=job.integration.name,
            feed=job.feed,
            kind="product",
            record=record,
            hub_id=product.id,
            created=created,
        )
    if seen_unchanged:
        Binding.update(last_seen_at=now).where(Binding.id.in_(seen_unchanged)).execute()
    job.resolved([r["sku"] for r in batch], codes=("invalid_record", "sku_conflict"))


def _differs(current, new):
    if current is None or new is None:
        return current != new
    if hasattr(current, "compare"):  # Decimal: 1.50 == 1.5
        try:
            return current.compare(type(current)(str(new))) != 0
        except Exception:
            return True
    return current != new


def _flag_missing(job, started):
    """After a complete read: bindings not seen in this run are gone from the store."""
    now = utcnow()
    gone = list(
        Binding.select(Binding.id, Binding.hub_id).where(
            (Binding.integration == job.integration.id)
            & (Binding.kind == "product")
            & (Binding.last_seen_at < started)
            & Binding.missing_since.is_null(True)
        )
    )
    if not gone:
        return
    with db.atomic():
        Binding.update(missing_since=now).where(Binding.id.in_([b.id for b in gone])).execute()
        for binding in gone:
            alive = (
                Binding.select()
                .where(
                    (Binding.kind == "product")
                    & (Binding.hub_id == binding.hub_id)
                    & Binding.missing_since.is_null(True)
                )
                .exists()
            )
            if not alive:
                Product.update(status="missing", updated_at=now).where(
                    Product.id == binding.hub_id
                ).execute()
    job.event(
        "info",
        "products_missing",
        f"{len(gone)} product(s) are no longer in the store: flagged as missing, kept "
        "in the hub with their stock history.",
        reference=f"run:{job.run.id}",
    )


# -- images ------------------------------------------------------------------------------------

MAX_IMAGE_BYTES = 20 * 1024 * 1024
IMAGE_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
}


def import_product_images(job):
    """Download images of this integration's products that have none yet."""
    media = Path(job.settings.media_dir)
    media.mkdir(parents=True, exist_ok=True)
    with_images = ProductImage.select(ProductImage.product)
    query = (
        Binding.select(Binding, Product)
        .join(Product, on=(Binding.hub_id == Product.id))
        .where(
            (Binding.integration == job.integration.id)
            & (Binding.kind == "product")
            & Binding.missing_since.is_null(True)
            & Product.id.not_in(with_images)
        )
        .order_by(Binding.id)
    )
    if job.params.get("external_ids"):
        query = query.where(Binding.external_id.in_(job.params["external_ids"]))
    last_id = 0
    while True:
        chunk = list(query.where(Binding.id > last_id).limit(100))
        if not chunk:
            break
        last_id = chunk[-1].id
        by_external = {b.external_id: b.product for b in chunk}
        asked = [
            {
                "external_id": b.external_id,
                "sku": b.product.sku,
                "parent": None,
                "store_refs": b.store_refs or {},
            }
            for b in chunk
        ]
        for item in job.call("hub_fetch_product_images", products=asked):
            job.step()
            if not isinstance(item, dict):
                job.outcome(item)
                continue
            record = job.validate("image", item, ("product_external_id", "url"))
            if record is None:
                continue
            product = by_external.get(record["product_external_id"])
            if product is None:
                job.count("skipped")
                continue
            _download_image(job, media, product, record)


def _download_image(job, media, product, record):
    try:
        response = job.ctx.session.get(record["url"], stream=True)
        if response.status_code != 200:
            raise ValueError(f"HTTP {response.status_code}")
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type not in IMAGE_TYPES:
            raise ValueError(f"not an image (Content-Type {content_type or 'missing'})")
        data = bytearray()
        for chunk in response.iter_content(65536):
            data.extend(chunk)
            if len(data) > MAX_IMAGE_BYTES:
                raise ValueError("larger than 20 MB")
    except Exception as exc:
        job.count("failed")
        job.event(
            "error",
            "image_download_failed",
            f"Image of {product.sku} could not be downloaded from {record['url']}: {exc}",
            hint="Check the image in the store (it may have been deleted), then run "
            "the images feed again.",
            reference=product.sku,
            external_id=record["product_external_id"],
        )
        return
    digest = hashlib.sha256(bytes(data)).hexdigest()
    ext = IMAGE_TYPES.get(content_type) or mimetypes.guess_extension(content_type) or ".bin"
    relative = Path(digest[:2]) / f"{digest}{ext}"
    target = media / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(bytes(data))
        tmp.replace(target)
    inserted = (
        ProductImage.insert(
            product=product.id,
            path=str(relative),
            sha256=digest,
            url=record["url"],
            external_id=record.get("external_id"),
            position=record.get("position") or 0,
            content_type=content_type,
            size=len(data),
            created_at=utcnow(),
        )
        .on_conflict_ignore()
        .execute()
    )
    job.count("created" if inserted else "unchanged")
    job.resolved([product.sku], codes=("image_download_failed",))
