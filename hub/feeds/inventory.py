"""Stock feeds: import (once), nightly check (reports only), export (production only).

import_stock rule, so open orders are never counted twice:
* the stock record carries the physical quantity (Shopify ``on_hand``, a Magento
  source item): on hand = that, and the hub's own reservations do the rest;
* it carries only the sellable quantity (PrestaShop): on hand = that quantity +
  what this integration's imported and held orders reserve in the warehouse.
A SKU whose stock was already initialised by another integration is not
overwritten: it is reported (Info) and left alone.
"""

from peewee import fn

from hub.db import db
from hub.engine.job import RunRefused, batched_stream
from hub.errors import ConnectorError
from hub.feeds.targets import targets
from hub.models import (
    Binding,
    HeldRecord,
    Integration,
    Order,
    Product,
    StockDiscrepancy,
    StockMovement,
    utcnow,
)
from hub.records import STOCK_SEMANTICS, validate_record
from hub.services import stock

EXPORT_BATCH = 100


def _products_for(job, batch):
    """Resolve stock records to hub products: by binding, then by SKU."""
    ids = [r["external_id"] for r in batch]
    bindings = {
        b.external_id: b
        for b in Binding.select().where(
            (Binding.integration == job.integration.id)
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
    skus = [r["sku"] for r in batch if r.get("sku") and r["external_id"] not in bindings]
    by_sku = {p.sku: p for p in Product.select().where(Product.sku.in_(skus))} if skus else {}
    result = {}
    for r in batch:
        b = bindings.get(r["external_id"])
        result[r["external_id"]] = (products.get(b.hub_id) if b else None) or by_sku.get(
            r.get("sku")
        )
    return result, bindings


def _known(job, batch, products):
    """(record, hub product) of each record of the batch whose product the hub knows; the
    others are reported (``_unknown``)."""
    for record in batch:
        product = products.get(record["external_id"])
        if product is None:
            _unknown(job, record)
        else:
            yield record, product


def _note_store_quantity(integration, external_id, quantity):
    """The store's quantity of a product as last read, on its binding."""
    Binding.update(store_quantity=quantity).where(
        (Binding.integration == integration.id)
        & (Binding.kind == "product")
        & (Binding.external_id == external_id)
    ).execute()


def _unknown(job, record):
    job.count("failed")
    ref = record.get("sku") or record["external_id"]
    job.event(
        "error",
        "unknown_sku",
        f"Stock of {ref} in the store: no such product in the hub",
        hint="Import the products first (import_new_products or update_products), then "
        "run this feed again.",
        reference=ref,
        external_id=record["external_id"],
    )


def _reserved_map(integration, warehouse_id):
    """{product_id: quantity reserved in the warehouse by this integration's orders/held}."""
    result = {}
    for ref_type, model in (("order", Order), ("held_order", HeldRecord)):
        rows = (
            StockMovement.select(
                StockMovement.product, fn.SUM(StockMovement.reserved_change).alias("r")
            )
            .join(model, on=(StockMovement.reference_id == model.id))
            .where(
                (StockMovement.reference_type == ref_type)
                & (StockMovement.warehouse == warehouse_id)
                & (model.integration == integration.id)
            )
            .group_by(StockMovement.product)
        )
        for row in rows:
            result[row.product_id] = result.get(row.product_id, 0) + int(row.r or 0)
    return result


def import_stock(job):
    integration = job.integration
    if integration.stock_imported_at and not job.params.get("force"):
        when = integration.stock_imported_at.strftime("%Y-%m-%d %H:%M")
        raise RunRefused(
            f"stock was already imported on {when} UTC: the hub is now the master of stock. "
            "Run it again with --force to overwrite (every change is recorded as a movement)."
        )
    warehouse_id = integration.default_warehouse_id
    reserved = _reserved_map(integration, warehouse_id)
    for batch, _ in batched_stream(job, job.call("hub_fetch_stock_levels"), "stock"):
        products, _bindings = _products_for(job, batch)
        others = _initialised_by_others(integration, [p.id for p in products.values() if p])
        with db.atomic():
            for record, product in _known(job, batch, products):
                if product.id in others:
                    job.count("skipped")
                    job.event(
                        "info",
                        "stock_owned_elsewhere",
                        f"Stock of {product.sku} was already imported from "
                        f"{others[product.id]}: not overwritten.",
                        reference=product.sku,
                        external_id=record["external_id"],
                    )
                    continue
                if record.get("on_hand") is not None:
                    target = record["on_hand"]
                else:
                    target = record["quantity"] + reserved.get(product.id, 0)
                if target < 0:  # sold beyond its stock (backorders): nothing is on a shelf
                    _oversold(job, record, product, target)
                    target = 0
                moved = stock.set_on_hand(
                    product.id,
                    warehouse_id,
                    target,
                    type="initial_import",
                    run_id=job.run.id,
                    reference=f"integration:{integration.id}",
                    reason=f"stock imported from {integration.name}",
                )
                job.count("updated" if moved else "unchanged")
                _note_store_quantity(integration, record["external_id"], record["quantity"])
    Integration.update(stock_imported_at=utcnow()).where(Integration.id == integration.id).execute()


def _oversold(job, record, product, target):
    """The store counts less than nothing (WooCommerce and PrestaShop let a product be sold on
    backorder): the hub cannot hold negative stock, so it starts at 0 and says so, once per
    SKU; the other records of the run go on."""
    job.event(
        "info",
        "negative_store_stock",
        f"{product.sku}: the store counts {record['quantity']} (sold beyond its stock, e.g. on "
        f"backorder); the hub starts it at 0 on hand, not {target}.",
        hint="Receive the missing units in the hub when they arrive; the next stock export "
        "sends the hub's figure to the store.",
        reference=product.sku,
        external_id=record["external_id"],
    )


def _initialised_by_others(integration, product_ids):
    if not product_ids:
        return {}
    rows = StockMovement.select(StockMovement.product, StockMovement.reference).where(
        (StockMovement.type == "initial_import")
        & StockMovement.product.in_(product_ids)
        & (StockMovement.reference != f"integration:{integration.id}")
    )
    integration_names = {f"integration:{i.id}": i.name for i in Integration.select()}
    return {
        row.product_id: integration_names.get(row.reference, "another integration") for row in rows
    }


def stock_semantics(job):
    """What the store's quantity means for this integration: the connector's
    ``hub_stock_semantics`` answer (it may depend on the store's set-up), else its info."""
    if job.implements("hub_stock_semantics"):
        value = job.call("hub_stock_semantics")
        if value is not None:
            if value not in STOCK_SEMANTICS:
                raise ConnectorError(
                    f"hub_stock_semantics returned {value!r}, not one of {STOCK_SEMANTICS}"
                )
            return value
    return job.registry.info(job.integration.connector)["stock_semantics"]


def stock_check(job):
    """Compare the hub's target with the store, SKU by SKU; store a discrepancy report."""
    semantics = stock_semantics(job)
    for batch, _ in batched_stream(job, job.call("hub_fetch_stock_levels"), "stock"):
        products, _bindings = _products_for(job, batch)
        known = {eid: p for eid, p in products.items() if p}
        wanted = targets(job.integration, semantics, [p.id for p in known.values()])
        with db.atomic():
            for record, product in _known(job, batch, products):
                store_qty = record["quantity"]
                if semantics == "physical" and record.get("on_hand") is not None:
                    store_qty = record["on_hand"]
                hub_qty = wanted[product.id]
                _note_store_quantity(job.integration, record["external_id"], store_qty)
                if store_qty == hub_qty:
                    job.count("unchanged")
                    continue
                StockDiscrepancy.create(
                    run=job.run.id,
                    product=product.id,
                    sku=product.sku,
                    hub_quantity=hub_qty,
                    store_quantity=store_qty,
                    difference=store_qty - hub_qty,
                )
                job.count("updated")
    Integration.update(stock_checked_at=utcnow()).where(
        Integration.id == job.integration.id
    ).execute()
    n = job.counts["updated"]
    if n:
        job.event(
            "info",
            "stock_discrepancies",
            f"Stock check found {n} SKU(s) that differ between the hub and the store.",
            hint="Review them on the run's page; apply a correction only where the "
            "hub is wrong (the hub is the master of stock).",
            reference=f"stock_check:{job.integration.id}",
        )


def export_stock(job):
    """Push what changed since the last successful push (everything after go-live).

    Only the candidates are read (``_candidates``): bindings never pushed, or whose store
    quantity is not what was pushed, or whose product's stock moved since the push — so a
    run costs what changed, not the catalogue. ``--full`` (and the first export after
    go-live) compares every binding."""
    integration = job.integration
    semantics = stock_semantics(job)
    full = bool(integration.full_export_pending or job.params.get("full"))
    production = integration.mode == "production"
    last_id = 0
    examined = 0
    while True:
        query = (
            Binding.select(Binding, Product)
            .join(Product, on=(Binding.hub_id == Product.id))
            .where(
                (Binding.integration == integration.id)
                & (Binding.kind == "product")
                & Binding.missing_since.is_null(True)
                & (Binding.id > last_id)
            )
            .order_by(Binding.id)
            .limit(1000)
        )
        if not full:
            ids = _candidates(integration.id, semantics, last_id)
            if not ids:
                break
            query = query.where(Binding.id.in_(ids))
        bindings = list(query)
        if not bindings:
            break
        last_id = bindings[-1].id if full else ids[-1]
        examined += len(bindings)
        wanted = targets(integration, semantics, [b.hub_id for b in bindings])
        todo = []
        for b in bindings:
            target = wanted[b.hub_id]
            if not full and b.pushed_quantity == target and b.store_quantity in (None, target):
                job.count("unchanged")
                continue
            todo.append(
                (
                    b,
                    {
                        "sku": b.product.sku,
                        "external_id": b.external_id,
                        "quantity": target,
                        "previous": b.store_quantity,
                        "store_refs": b.store_refs or {},
                    },
                )
            )
        for i in range(0, len(todo), EXPORT_BATCH):
            chunk = todo[i : i + EXPORT_BATCH]
            if production:
                _push_chunk(job, chunk)
            else:
                with db.atomic():
                    for _binding, item in chunk:
                        job.outbox_preview(item["sku"], item)
                        job.count("skipped")
            job.step(len(chunk))
    if not full:  # the bindings that were not candidates are unchanged
        job.count("unchanged", _live_bindings(integration.id) - examined)
    if production and full and not job.counts["failed"]:
        Integration.update(full_export_pending=False).where(
            Integration.id == integration.id
        ).execute()
    if not production:
        job.event(
            "info",
            "test_mode_preview",
            "Test mode: stock was not sent to the store; the run's outbox shows what "
            "would have been sent.",
            reference=f"export_stock:{integration.id}",
            hint="Go live when the preview looks right.",
        )


# Which product bindings export_stock must look at: what the store holds may differ from
# the target only if the binding was never pushed, the store was seen holding something
# else (stock_check, a refused compare-and-swap), or the product's stock moved since the
# push (every movement, reservations included, touches its level's updated_at). A physical
# store's target also counts shipments not yet confirmed to it: their products stay
# candidates until confirmed. One indexed query; only the table names are interpolated.
CANDIDATES = """
SELECT b.id FROM binding b
WHERE b.integration_id = {p} AND b.kind = 'product' AND b.missing_since IS NULL AND b.id > {p}
AND (b.pushed_at IS NULL OR b.pushed_quantity IS NULL
     OR (b.store_quantity IS NOT NULL AND b.store_quantity <> b.pushed_quantity)
     OR EXISTS (SELECT 1 FROM stock_level s WHERE s.product_id = b.hub_id
                AND s.updated_at >= b.pushed_at){physical})
ORDER BY b.id LIMIT 1000
"""
PHYSICAL_CANDIDATES = """
     OR EXISTS (SELECT 1 FROM shipment_line l JOIN shipment h ON h.id = l.shipment_id
                WHERE l.product_id = b.hub_id
                AND (h.confirmed_at IS NULL OR h.confirmed_at >= b.pushed_at))"""


def _candidates(integration_id, semantics, after_id):
    sql = CANDIDATES.format(
        p=db.obj.param, physical=PHYSICAL_CANDIDATES if semantics == "physical" else ""
    )
    return [row[0] for row in db.execute_sql(sql, [integration_id, after_id]).fetchall()]


def _live_bindings(integration_id):
    return (
        Binding.select()
        .where(
            (Binding.integration == integration_id)
            & (Binding.kind == "product")
            & Binding.missing_since.is_null(True)
        )
        .count()
    )


def _push_chunk(job, chunk):
    items = [validate_record("stock_push", item) for _, item in chunk]
    results = (
        job.call(
            "hub_push_stock_levels",
            items=[{**item, "store_refs": item["store_refs"]} for item in items],
        )
        or []
    )
    by_key = {}
    for result in results:
        record = job.validate("push_result", result, ("key",))
        if record is not None:
            by_key[record["key"]] = record
    now = utcnow()
    with db.atomic():
        for binding, item in chunk:
            result = by_key.get(item["sku"])
            job.outbox_sent(item["sku"], item, result)
            if result is None:
                job.count("failed")
                job.event(
                    "error",
                    "push_result_missing",
                    f"The connector returned no result for {item['sku']}",
                    hint="This is a connector bug: report it to its author.",
                    reference=item["sku"],
                )
                continue
            if result["status"] in ("ok", "unchanged"):
                store_qty = result.get("store_quantity")
                Binding.update(
                    pushed_quantity=item["quantity"],
                    pushed_at=now,
                    store_quantity=item["quantity"] if store_qty is None else store_qty,
                ).where(Binding.id == binding.id).execute()
                job.count("updated" if result["status"] == "ok" else "unchanged")
                job.resolved([item["sku"]], codes=("stock_push_failed", "stock_push_conflict"))
            else:
                job.count("failed")
                if result.get("store_quantity") is not None:
                    Binding.update(store_quantity=result["store_quantity"]).where(
                        Binding.id == binding.id
                    ).execute()
                code = (
                    "stock_push_conflict" if result["status"] == "conflict" else "stock_push_failed"
                )
                job.event(
                    "error",
                    code,
                    result.get("message") or f"The store refused the stock of {item['sku']}",
                    hint=result.get("hint")
                    or "Check the product in the store; the next export retries it.",
                    reference=item["sku"],
                    external_id=item["external_id"],
                )
