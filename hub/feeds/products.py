"""Products from the store: match by binding, then by SKU; create, update or count unchanged.

Streams are processed in committed batches (never the whole catalogue in memory);
the checkpoint advances after each batch. ``update_products`` reads everything and
flags the products that are gone from the store (never deletes them).
"""

import hashlib
import json
import mimetypes
from datetime import UTC
from pathlib import Path

from peewee import fn

from hub.db import db
from hub.engine.job import batched_stream, parse_iso
from hub.feeds.product_check import load_product
from hub.http import DownloadFailed, fetch_limited, redact
from hub.models import Binding, Product, ProductGroup, ProductImage, utcnow
from hub.models.bulk import insert_rows
from hub.outcomes import Outcome

PRODUCT_FIELDS = ("sku", "name", "barcode", "weight_kg", "price", "currency")
PRODUCT_CODES = ("invalid_record", "sku_conflict", "image_download_failed")


_ENCODE = json.JSONEncoder(separators=(",", ":"), default=str).encode


def fingerprint(record):
    """A digest of what the store said about a product, its cursor and times aside.

    Keys are not sorted: a connector builds its records the same way every time, and a
    different order would only cost a needless re-validation, never a missed change."""
    aside = {k: record.pop(k) for k in ("cursor", "updated_at") if k in record}
    try:
        return hashlib.sha1(_ENCODE(record).encode(), usedforsecurity=False).hexdigest()
    finally:
        record.update(aside)


def import_new_products(job):
    stream = job.call("hub_fetch_new_products", since=job.since())
    _consume_products(job, stream)


def update_products(job):
    started = job.run.started_at
    rejected = []  # store items seen but not delivered (outcomes, invalid): still in the store
    stream = _noting_rejected(job.call("hub_fetch_products"), rejected)
    _consume_products(job, stream, rejected)
    _touch(job, rejected)
    _flag_missing(job, started)


def _noting_rejected(stream, rejected):
    for item in stream:
        if isinstance(item, Outcome) and item.external_id:
            rejected.append(item.external_id)
        yield item


def _touch(job, external_ids):
    """Mark bindings as seen in this read, so a product with bad data is not taken for gone."""
    for i in range(0, len(external_ids), 500):
        Binding.update(last_seen_at=utcnow()).where(
            (Binding.integration == job.integration.id)
            & (Binding.kind == "product")
            & Binding.external_id.in_(external_ids[i : i + 500])
        ).execute()


def _consume_products(job, stream, rejected=None):
    """Raw records are fingerprinted first: a record identical to the one last imported for
    its binding (which passed validation then) is counted unchanged without validating or
    writing it again — the daily full read of a large catalogue stays cheap."""
    for raw_batch, cursor in batched_stream(job, stream, "product", batch_size=500, validate=False):
        if raw_batch:
            with db.atomic():
                batch = _skip_unchanged(job, raw_batch, rejected)
                if batch:
                    _apply_batch(job, batch)
        job.commit_checkpoint(cursor)


def _placeholders(n):
    return ", ".join([db.obj.param] * n)


# Plain SQL for the two statements that run for every record of the nightly full read (the
# ORM's query building was most of its cost). Only the table name and placeholders are
# interpolated; every value is a parameter.
SELECT_FINGERPRINTS = (
    "SELECT external_id, id, fingerprint FROM binding WHERE integration_id = {p} "
    "AND kind = 'product' AND missing_since IS NULL AND external_id IN ({many})"
)
TOUCH_BINDINGS = "UPDATE binding SET last_seen_at = {p} WHERE id IN ({many})"


def _known_fingerprints(integration_id, external_ids):
    """{external_id: (binding id, fingerprint)} of live product bindings."""
    if not external_ids:
        return {}
    sql = SELECT_FINGERPRINTS.format(p=db.obj.param, many=_placeholders(len(external_ids)))
    cursor = db.execute_sql(sql, [integration_id, *external_ids])
    return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _skip_unchanged(job, raw_batch, rejected=None):
    prints = {}
    for raw in raw_batch:
        if isinstance(raw, dict) and isinstance(raw.get("external_id"), str):
            prints[raw["external_id"]] = fingerprint(raw)
    known = _known_fingerprints(job.integration.id, list(prints))
    unchanged, changed = [], []
    for raw in raw_batch:
        external_id = raw.get("external_id") if isinstance(raw, dict) else None
        binding = known.get(external_id) if isinstance(external_id, str) else None
        if binding is not None and binding[1] == prints[external_id]:
            unchanged.append(binding[0])
            continue
        record = load_product(raw) or job.validate("product", raw)
        if record is not None:
            record["_fingerprint"] = prints.get(external_id) or fingerprint(raw)
            changed.append(record)
        elif rejected is not None and isinstance(external_id, str):
            rejected.append(external_id)
    if unchanged:
        job.count("unchanged", len(unchanged))
        sql = TOUCH_BINDINGS.format(p=db.obj.param, many=_placeholders(len(unchanged)))
        db.execute_sql(sql, [utcnow(), *unchanged])
    return changed


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
    names = (
        {
            g.id: g.name
            for g in ProductGroup.select(ProductGroup.id, ProductGroup.name).where(
                ProductGroup.id.in_(list(found.values()))
            )
        }
        if found
        else {}
    )
    new = [external_id for external_id in parents if external_id not in found]
    for external_id in parents:
        name = parents[external_id]
        if external_id in found and name and names.get(found[external_id]) != name:
            ProductGroup.update(name=name).where(ProductGroup.id == found[external_id]).execute()
    if new:
        now = utcnow()
        ids = insert_rows(
            ProductGroup,
            [{"name": parents[e] or e, "created_at": now} for e in new],
            returning_ids=True,
        )
        found.update(zip(new, ids, strict=True))
        insert_rows(
            Binding,
            [
                {
                    "integration": job.integration.id,
                    "kind": "product_group",
                    "external_id": e,
                    "hub_id": found[e],
                    "store_refs": {},
                    "last_seen_at": now,
                    "created_at": now,
                }
                for e in new
            ],
        )
    return found


def _apply_batch(job, batch):
    """Create, update or relink the changed records of a batch, with set-based writes:
    one INSERT for the new products, one for their bindings, an UPDATE per changed one."""
    bindings, products, by_sku = _known(job.integration.id, batch)
    groups = _groups(job, batch)
    now = utcnow()
    new_products = {}  # sku -> values of products to create
    links = []  # (record, fingerprint, product id or None = the new product of its SKU, binding)
    for record in batch:
        fp = record.pop("_fingerprint")
        binding = bindings.get(record["external_id"])
        product = (products.get(binding.hub_id) if binding else None) or by_sku.get(record["sku"])
        values = _product_values(record, groups)
        if product is None:
            if record["sku"] in new_products:  # two store items, one SKU: one hub product
                job.count("unchanged")
            else:
                new_products[record["sku"]] = {**values, "created_at": now, "updated_at": now}
                job.count("created")
            links.append((record, fp, None, binding))
            continue
        if _sku_taken_by_another(job, record, product, by_sku):
            continue
        _update_product(job, record, product, values, now)
        links.append((record, fp, product.id, binding))
    created = _insert_products(new_products)
    _write_bindings(job, links, created, new_products, now)
    _resolve(job, batch)


def _known(integration_id, batch):
    """What the hub already has for a batch: bindings by external id, their products by id,
    and products by SKU (a store item not bound yet is matched by its SKU). A plain query
    first says whether there is anything at all: at a first import there is not, and the
    model queries are skipped."""
    external_ids = [r["external_id"] for r in batch]
    skus = [r["sku"] for r in batch]
    bindings, products, by_sku = {}, {}, {}
    if _any(ANY_BINDING, [integration_id, *external_ids], len(external_ids)):
        bindings = {
            b.external_id: b
            for b in Binding.select().where(
                (Binding.integration == integration_id)
                & (Binding.kind == "product")
                & Binding.external_id.in_(external_ids)
            )
        }
        ids = [b.hub_id for b in bindings.values()]
        products = {p.id: p for p in Product.select().where(Product.id.in_(ids))} if ids else {}
    if _any(ANY_SKU, skus, len(skus)):
        by_sku = {p.sku: p for p in Product.select().where(Product.sku.in_(skus))}
    return bindings, products, by_sku


ANY_BINDING = (
    "SELECT 1 FROM binding WHERE integration_id = {p} AND kind = 'product' "
    "AND external_id IN ({many}) LIMIT 1"
)
ANY_SKU = "SELECT 1 FROM product WHERE sku IN ({many}) LIMIT 1"


def _any(sql, params, n):
    sql = sql.format(p=db.obj.param, many=_placeholders(n))
    return db.execute_sql(sql, params).fetchone() is not None


def _resolve(job, batch):
    """The batch's SKUs went through: their open invalid_record / sku_conflict events are
    resolved (skipped when the integration has none open, as at a first import)."""
    codes = ("invalid_record", "sku_conflict")
    if _any(ANY_OPEN_EVENT, [job.integration.id, *codes], len(codes)):
        job.resolved([r["sku"] for r in batch], codes=codes)


ANY_OPEN_EVENT = (
    "SELECT 1 FROM event WHERE integration_id = {p} AND resolved_at IS NULL "
    "AND severity <> 'info' AND code IN ({many}) LIMIT 1"
)


def _product_values(record, groups):
    return {
        "sku": record["sku"],
        "name": record["name"],
        "barcode": record.get("barcode"),
        "weight_kg": record.get("weight_kg"),
        "price": record.get("price"),
        "currency": record.get("currency"),
        "parent": groups.get(record.get("parent")),
        "status": "active" if record.get("active", True) else "inactive",
    }


def _sku_taken_by_another(job, record, product, by_sku):
    """A store item whose new SKU belongs to another hub product: an Error, not a merge."""
    if record["sku"] == product.sku:
        return False
    owner = by_sku.get(record["sku"]) or Product.get_or_none(Product.sku == record["sku"])
    if owner is None or owner.id == product.id:
        return False
    job.count("failed")
    job.event(
        "error",
        "sku_conflict",
        f"SKU {record['sku']} of store product {record['external_id']} "
        "already belongs to another hub product",
        hint="Two store products share a SKU: make SKUs unique in the store, or "
        "relink the store product in the dashboard.",
        reference=record["sku"],
        external_id=record["external_id"],
    )
    return True


def _update_product(job, record, product, values, now):
    changed = {
        k: v
        for k, v in values.items()
        if _differs(getattr(product, "parent_id" if k == "parent" else k), v)
    }
    if not changed:
        job.count("unchanged")
        return
    Product.update(**changed, updated_at=now).where(Product.id == product.id).execute()
    job.count("updated")
    job.record_imported("product", record, product.id, created=False)


def _insert_products(new_products):
    """Insert the new products set-wise; {sku: new product id}."""
    if not new_products:
        return {}
    skus = list(new_products)
    ids = insert_rows(Product, list(new_products.values()), returning_ids=True)
    return dict(zip(skus, ids, strict=True))


def _write_bindings(job, links, created, new_products, now):
    """Bind every store item of the batch to its hub product: new bindings set-wise, known
    ones updated (fingerprint, last seen, store refs); announce the products created."""
    new_bindings = []
    for record, fp, product_id, binding in links:
        product_id = product_id or created[record["sku"]]
        refs = record.get("store_refs") or {}
        if binding is None:
            new_bindings.append(
                {
                    "integration": job.integration.id,
                    "kind": "product",
                    "external_id": record["external_id"],
                    "hub_id": product_id,
                    "store_refs": refs,
                    "fingerprint": fp,
                    "last_seen_at": now,
                    "created_at": now,
                }
            )
        else:
            Binding.update(
                hub_id=product_id,
                fingerprint=fp,
                last_seen_at=now,
                missing_since=None,
                store_refs=refs or binding.store_refs,
            ).where(Binding.id == binding.id).execute()
        if record["sku"] in new_products and product_id == created.get(record["sku"]):
            job.record_imported("product", record, product_id, created=True)
    insert_rows(Binding, new_bindings, on_conflict=BINDING_UPSERT)


# a binding created meanwhile (a webhook, a concurrent run) is taken over, not duplicated
BINDING_UPSERT = (
    "ON CONFLICT (integration_id, kind, external_id) DO UPDATE SET hub_id = excluded.hub_id, "
    "fingerprint = excluded.fingerprint, last_seen_at = excluded.last_seen_at"
)


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

IMAGE_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
}
QUOTA_CODE = "media_quota_exceeded"


class MediaQuota:
    """What the images of an integration's products take (HUB_MEDIA_QUOTA_MB; 0: no limit).
    Counted per integration from the image rows of its bound products: a file shared by two
    integrations (same content) counts for both."""

    def __init__(self, job):
        self.limit = int(job.settings.media_quota_mb * 1024 * 1024)
        self.used = self._used(job.integration.id) if self.limit else 0
        self.reached = False

    @staticmethod
    def _used(integration_id):
        products = Binding.select(Binding.hub_id).where(
            (Binding.integration == integration_id) & (Binding.kind == "product")
        )
        return (
            ProductImage.select(fn.COALESCE(fn.SUM(ProductImage.size), 0))
            .where(ProductImage.product.in_(products))
            .scalar()
            or 0
        )

    def fits(self, size):
        return not self.limit or self.used + size <= self.limit

    def report(self, job):
        self.reached = True
        mb = self.limit / 1048576
        job.event(
            "error",
            QUOTA_CODE,
            f"The images of {job.integration.name} reached the media quota ({mb:g} MB): "
            "the remaining images of this run were not downloaded.",
            hint="Raise HUB_MEDIA_QUOTA_MB (0: no limit) or free space, then run the images "
            "feed again: it downloads only what is missing.",
            reference=job.integration.name,
        )


def import_product_images(job):
    """Download images of this integration's products that have none yet.

    A scheduled run asks the store only about the products bound or changed since the last
    scheduled run that ended without a failed download (its checkpoint): a product the store
    has no image for is not asked about again every half hour, so the steady state does not
    read the catalogue. Any other run (Run now, ``hub feeds run``) asks about every product
    without an image, as the first scheduled run does.

    URLs come from the store: they go through ``ctx.public_session`` (no private addresses
    but the store's own host and HUB_OUTBOUND_ALLOW), within HUB_IMAGE_TIMEOUT seconds and
    HUB_IMAGE_MAX_MB each, and within the integration's HUB_MEDIA_QUOTA_MB in all."""
    media = Path(job.settings.media_dir)
    media.mkdir(parents=True, exist_ok=True)
    quota = MediaQuota(job)
    scheduled = job.run.trigger == "schedule" and not job.params.get("external_ids")
    # the hub's own clock on both sides (the run's start, bindings' and products' times):
    # no overlap is needed, unlike a store's checkpoint
    since = parse_iso(job.checkpoint()) if scheduled and job.checkpoint() else None
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
    if since is not None:
        since = since.astimezone(UTC).replace(tzinfo=None)
        query = query.where((Binding.created_at >= since) | (Product.updated_at >= since))
    last_id = 0
    while True:
        chunk = list(query.where(Binding.id > last_id).limit(100))
        if not chunk:
            break
        last_id = chunk[-1].id
        by_external = {b.external_id: b.product for b in chunk}
        parents = _parent_external_ids(job, {b.product.parent_id for b in chunk} - {None})
        asked = [
            {
                "external_id": b.external_id,
                "sku": b.product.sku,
                "parent": parents.get(b.product.parent_id),
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
            if product is None or quota.reached:
                job.count("skipped")
                continue
            _download_image(job, media, product, record, quota)
    if not quota.reached:
        job.resolved([job.integration.name], codes=(QUOTA_CODE,))
    if scheduled and not quota.reached and not job.counts["failed"]:
        # to the microsecond: what was bound a moment after the start is asked next time
        job.commit_checkpoint(job.run.started_at.replace(tzinfo=UTC).isoformat())


def _parent_external_ids(job, group_ids):
    """{ProductGroup id: the store's id of that parent product} for this integration."""
    if not group_ids:
        return {}
    return {
        b.hub_id: b.external_id
        for b in Binding.select(Binding.hub_id, Binding.external_id).where(
            (Binding.integration == job.integration.id)
            & (Binding.kind == "product_group")
            & Binding.hub_id.in_(list(group_ids))
        )
    }


def _download_image(job, media, product, record, quota):
    url = record["url"]
    try:
        download = fetch_limited(
            job.ctx.public_session,
            url,
            max_bytes=int(job.settings.image_max_mb * 1024 * 1024),
            deadline=job.settings.image_timeout,
            accept=IMAGE_TYPES,
        )
    except DownloadFailed as exc:  # a short reason: never the answer of the other side
        job.count("failed")
        refused = str(exc).startswith("refused")
        job.event(
            "error",
            "image_download_failed",
            f"Image of {product.sku} could not be downloaded from {redact(url)[:500]}: {exc}",
            hint="The store gave an image URL on a private address: the hub connects only to "
            "public addresses, the store's own host and the hosts of HUB_OUTBOUND_ALLOW. Fix "
            "the image URL in the store, or allow its host if you trust it."
            if refused
            else "Check the image in the store (it may have been deleted), then run "
            "the images feed again.",
            reference=product.sku,
            external_id=record["product_external_id"],
        )
        return
    data, content_type = download.data, download.content_type
    if not quota.fits(len(data)):
        job.count("skipped")
        quota.report(job)
        return
    quota.used += len(data)
    digest = hashlib.sha256(data).hexdigest()
    ext = IMAGE_TYPES.get(content_type) or mimetypes.guess_extension(content_type) or ".bin"
    relative = Path(digest[:2]) / f"{digest}{ext}"
    target = media / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
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
