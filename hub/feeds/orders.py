"""Orders from the store, with the core's rules (the same for every store).

* created before the integration's ``orders_since`` → never imported (counted skipped);
* the ``hub_order_decision`` hook decides: cancelled/refunded, or already shipped from
  the store → Info, not imported;
  unpaid → Retry: held, its stock reserved as the store does, re-checked hourly;
* an order that cannot be imported (unknown SKU, unmapped shipping method, invalid
  data) is an Error and is held too, so fixing the cause and retrying imports it:
  nothing is lost when the checkpoint moves on;
* an imported order reserves its stock in the integration's default warehouse, never
  refused: the store has already sold it.
"""

from datetime import UTC, timedelta

from peewee import fn

from hub.db import db
from hub.engine.job import batched_stream, iso_z
from hub.feeds.order_batch import (
    RECHECK_EVERY,
    OrderBatch,
    held_row,
    products_by_sku,
    reserved_lines,
    rows_in,
    write_orders,
)
from hub.feeds.order_check import load_decision, load_order
from hub.models import (
    Binding,
    HeldRecord,
    Order,
    Product,
    StockMovement,
    to_utc_naive,
    utcnow,
)
from hub.models.orders import OPEN_ORDER_STATUSES
from hub.outcomes import Invalid
from hub.records import serialise_record, validate_record
from hub.services import orders as order_service
from hub.services import stock

ORDER_ERROR_CODES = (
    "unknown_sku",
    "unmapped_shipping_method",
    "invalid_record",
    "awaiting_payment",
    "held_order_expired",
    "order_rejected",
)


def import_new_orders(job):
    """Orders since the checkpoint, by batches: each batch is one transaction (its orders,
    lines, held records and stock reservations commit together, then the checkpoint moves),
    what the hub knows of the batch's orders and SKUs is read once for the batch, and its new
    orders and holds are written together (``OrderBatch``)."""
    # the first run starts at the integration's cut-off, not at the store's first order
    since = job.since() or iso_z(job.integration.orders_since.replace(tzinfo=UTC))
    stream = _holding_invalid(job, job.call("hub_fetch_new_orders", since=since))
    for batch, cursor in batched_stream(job, stream, "order", batch_size=100, validate=False):
        with db.atomic():
            with job.batched_events():  # the batch's holds and skips recorded together
                records = []
                for raw in batch:
                    record = load_order(raw) or job.validate("order", raw)
                    if record is None:
                        _hold_unreadable(job, raw)
                    else:
                        records.append(record)
                known = KnownOrders(job.integration, records)
                writes = OrderBatch(job)
                seen = set()
                for record in records:
                    external_id = record["external_id"]
                    if external_id in seen or external_id in known.held:
                        writes.flush()  # the row-by-row way sees what came before it
                    seen.add(external_id)
                    process_order(job, record, known=known, batch=writes)
                writes.flush()
            if known.resolved:  # the imported orders' open problems
                job.resolved(known.resolved, codes=ORDER_ERROR_CODES)
        job.commit_checkpoint(cursor)


class KnownOrders:
    """What the hub holds for a batch of order records, read in three queries: the orders
    already imported, the held records, the products of the lines' SKUs."""

    def __init__(self, integration, records):
        ids = [r["external_id"] for r in records]
        self.imported = set()
        self.held = {}
        self.by_sku = {}
        self.resolved = []  # numbers of the orders imported: their problems are resolved
        if not ids:
            return
        self.imported = {
            ext
            for (ext,) in rows_in(
                Order, ("external_id",), "external_id", ids, integration=integration.id
            )
        }
        held = rows_in(
            HeldRecord, ("id",), "external_id", ids, integration=integration.id, kind="order"
        )
        if held:  # the rows themselves (rarely any at a first import)
            query = HeldRecord.select().where(HeldRecord.id.in_([id_ for (id_,) in held]))
            self.held = {h.external_id: h for h in query}
        skus = list({line["sku"] for r in records for line in r["lines"] if line.get("sku")})
        self.by_sku = products_by_sku(skus)


def _holding_invalid(job, stream):
    """Orders the connector could not deliver (``Invalid``) are held by id too."""
    for item in stream:
        if isinstance(item, Invalid) and item.external_id:
            _hold_unreadable(job, {"external_id": item.external_id, "number": item.reference})
        yield item


def _hold_unreadable(job, raw):
    """An order the store sent with data the hub cannot take (reported as an Error already):
    held by its id, so that once it is corrected in the store, retry_orders imports it."""
    if not isinstance(raw, dict) or not isinstance(raw.get("external_id"), str):
        return
    now = utcnow()
    HeldRecord.insert(
        integration=job.integration.id,
        kind="order",
        external_id=raw["external_id"],
        reference=str(raw.get("number") or raw["external_id"])[:255],
        reason="invalid_record",
        status="held",
        payload=raw,  # as the store sent it (stored as JSON)
        held_at=now,
        next_check_at=now + RECHECK_EVERY,
    ).on_conflict_ignore().execute()


def process_order(job, record, held=None, known=None, batch=None):
    """Import, hold, skip or report one validated order record. Returns the action taken.
    ``known``: the batch's ``KnownOrders`` (else the order is looked up on its own);
    ``batch``: an ``OrderBatch`` that writes a new order or hold with the rest of the batch
    (an order held before is written at once)."""
    integration = job.integration
    number = record["number"]
    if _imported_already(job, record, known):
        job.count("unchanged")
        return "exists"
    if held is None and known is not None:
        held = known.held.get(record["external_id"])
    elif held is None:
        held = HeldRecord.get_or_none(
            (HeldRecord.integration == integration.id)
            & (HeldRecord.kind == "order")
            & (HeldRecord.external_id == record["external_id"])
        )
    if held is None and to_utc_naive(record["created_at"]) < integration.orders_since:
        job.count("skipped")
        return "before_cutoff"
    decision = job.registry.hook.hub_order_decision(integration=integration.name, order=record)
    decision = load_decision(decision) or validate_record("order_decision", decision)
    action = decision["action"]
    if action == "skip":
        job.count("skipped")
        _decided(job, "info", decision, record, f"Order {number} not imported.")
        if held is not None:
            _release_held(job, held, status="released")
        _resolve(job, number, known)
        return "skipped"
    by_sku = known and known.by_sku
    batch = batch if held is None else None
    if action == "hold":
        _hold(job, record, held, decision["code"], by_sku, batch)
        job.count("skipped")
        _decided(job, "retry", decision, record, f"Order {number} held.")
        return "held"
    if action == "error":
        return _order_error(
            job, record, held, decision["code"], decision.get("message"), decision.get("hint"),
            by_sku, batch=batch,
        )  # fmt: skip
    # import: resolve products and carrier first
    products, unknown = _line_products(integration, record, by_sku)
    if unknown:
        return _order_error(
            job,
            record,
            held,
            "unknown_sku",
            f"Order {number} has product(s) unknown to the hub: {', '.join(unknown)}",
            "Import the products first (feeds import_new_products or update_products), "
            "then retry the order.",
            by_sku,
            batch=batch,
            details={"skus": unknown},
        )
    method = record.get("shipping_method") or {}
    carrier = (integration.carrier_mapping or {}).get(method.get("code") or "")
    if carrier is None:
        label = method.get("code") or "(none)"
        title = f" ({method['title']})" if method.get("title") else ""
        return _order_error(
            job,
            record,
            held,
            "unmapped_shipping_method",
            f"Order {number}: shipping method {label}{title} has no carrier mapping",
            f"Map it in Integrations › {integration.name} › Carrier mapping, or run: hub "
            f"integrations set '{integration.name}' --carrier '{label}=CARRIER'; then retry.",
            by_sku,
            batch=batch,
            details={"shipping_method": method.get("code"), "title": method.get("title")},
        )
    order = None
    if batch is not None:  # created with the rest of the batch (hub_record_imported then)
        batch.create_order(record, products, carrier)
    else:
        with db.atomic():
            order = _create_order(job, record, products, carrier)
            if held is not None:
                _release_held(job, held, status="imported")
    job.count("created")
    if known is not None:
        known.imported.add(record["external_id"])
    _resolve(job, number, known)
    if order is not None:
        job.record_imported("order", record, order.id, created=True)
    return "imported"


def _decided(job, severity, decision, record, default_message):
    """The event of a ``hub_order_decision`` that skips or holds an order."""
    job.event(
        severity,
        decision["code"],
        decision.get("message") or default_message,
        hint=decision.get("hint"),
        reference=record["number"],
        external_id=record["external_id"],
    )


def _imported_already(job, record, known):
    if known is not None:
        return record["external_id"] in known.imported
    return (
        Order.select()
        .where(
            (Order.integration == job.integration.id) & (Order.external_id == record["external_id"])
        )
        .exists()
    )


def _resolve(job, number, known):
    """The order went through: its open problems are resolved (with the rest of its batch)."""
    if known is not None:
        known.resolved.append(number)
    else:
        job.resolved([number], codes=ORDER_ERROR_CODES)


def _line_products(integration, record, by_sku=None):
    """{line external_id: Product} by SKU, else by the product's binding; unknown SKUs.
    ``by_sku``: the products of the SKUs already read (a batch's)."""
    skus = [line["sku"] for line in record["lines"] if line.get("sku")]
    if by_sku is None:
        by_sku = {p.sku: p for p in Product.select().where(Product.sku.in_(skus))} if skus else {}
    ext_ids = [
        line["product_external_id"]
        for line in record["lines"]
        if line.get("product_external_id") and line.get("sku") not in by_sku
    ]
    by_binding = {}
    if ext_ids:
        bindings = {
            b.external_id: b.hub_id
            for b in Binding.select().where(
                (Binding.integration == integration.id)
                & (Binding.kind == "product")
                & Binding.external_id.in_(ext_ids)
            )
        }
        if bindings:
            rows = {
                p.id: p for p in Product.select().where(Product.id.in_(list(bindings.values())))
            }
            by_binding = {ext: rows.get(pid) for ext, pid in bindings.items()}
    products, unknown = {}, []
    for line in record["lines"]:
        product = by_sku.get(line.get("sku")) or by_binding.get(line.get("product_external_id"))
        if product is None:
            unknown.append(line.get("sku") or f"(no SKU, line {line['external_id']})")
        else:
            products[line["external_id"]] = product
    return products, unknown


def _create_order(job, record, products, carrier):
    """One order written on its own (``OrderBatch`` writes a batch's together)."""
    ((values, order_id),) = write_orders(job, [(record, products, carrier)], utcnow())
    order = Order(id=order_id, **values)
    stock.reserve_many(
        reserved_lines(record, products),
        job.integration.default_warehouse_id,
        reference_type="order",
        reference_id=order.id,
        reference=order.number,
        run_id=job.run.id,
    )
    return order


# -- held orders -------------------------------------------------------------------------------


def _hold(job, record, held, reason, by_sku=None, batch=None):
    """Put an order aside; reserve its known lines as the store does (once). A new hold
    given a ``batch`` is written with the rest of the batch (None returned)."""
    if batch is not None and held is None:
        batch.hold(record, reason, _line_products(job.integration, record, by_sku)[0])
        return None
    now = utcnow()
    with db.atomic():
        fresh = False
        if held is None:
            values = held_row(job, record, reason, now)
            # the new row's id straight from RETURNING; none when another run held it first
            inserted = list(
                HeldRecord.insert(values).on_conflict_ignore().returning(HeldRecord.id).execute()
            )
            fresh = bool(inserted)
            held = (
                HeldRecord(id=inserted[0].id, **values)
                if fresh
                else HeldRecord.get(
                    (HeldRecord.integration == job.integration.id)
                    & (HeldRecord.kind == "order")
                    & (HeldRecord.external_id == record["external_id"])
                )
            )
        else:
            payload = serialise_record("order", record)
            held.reason, held.payload, held.status = reason, payload, "held"
            held.next_check_at = now + RECHECK_EVERY
            held.save()
        # the store has taken the order, whatever holds it here: its known lines are reserved
        _reserve_held(job, held, record, by_sku, fresh=fresh)
    return held


def _reserve_held(job, held, record, by_sku=None, fresh=False):
    """Reserve a held order's known lines, once (``fresh``: the held row was just created,
    so nothing can have been reserved for it yet)."""
    already = (
        not fresh
        and StockMovement.select()
        .where(
            (StockMovement.reference_type == "held_order") & (StockMovement.reference_id == held.id)
        )
        .exists()
    )
    if already:
        return
    products, _ = _line_products(job.integration, record, by_sku)
    stock.reserve_many(
        reserved_lines(record, products),
        job.integration.default_warehouse_id,
        reference_type="held_order",
        reference_id=held.id,
        reference=record["number"],
        run_id=job.run.id,
    )


def _release_held(job, held, status):
    """Give back what a held order reserved; mark it imported/released/expired."""
    rows = (
        StockMovement.select(
            StockMovement.product,
            StockMovement.warehouse,
            fn.SUM(StockMovement.reserved_change).alias("reserved"),
        )
        .where(
            (StockMovement.reference_type == "held_order") & (StockMovement.reference_id == held.id)
        )
        .group_by(StockMovement.product, StockMovement.warehouse)
    )
    for row in rows:
        if row.reserved and row.reserved > 0:
            stock.release(
                row.product_id,
                row.warehouse_id,
                row.reserved,
                reference_type="held_order",
                reference_id=held.id,
                reference=held.reference,
                run_id=job.run.id,
            )
    held.status = status
    held.next_check_at = None
    held.last_checked_at = utcnow()
    held.save()


def _order_error(job, record, held, code, message, hint, by_sku=None, details=None, batch=None):
    """Hold the order and report an Error; ``details`` name the cause (the unknown SKUs, the
    unmapped shipping method) for the event page's fix link."""
    _hold(job, record, held, code, by_sku, batch)
    job.count("failed")
    job.event(
        "error",
        code,
        message,
        hint=hint,
        reference=record["number"],
        external_id=record["external_id"],
        details=details,
    )
    return "error"


def retry_orders(job):
    """Re-check held orders through the connector's fetch-one-order hook.

    A scheduled run looks only at the orders whose next check is due (hourly each); any
    other run (Run now in the dashboard, ``hub feeds run``, the API) re-checks them all: a
    merchant who saw the order paid in the store must not wait for the next hour."""
    now = utcnow()
    max_age = timedelta(hours=job.settings.held_order_max_age_hours)
    scheduled = job.run.trigger == "schedule" and not job.params.get("all")
    query = HeldRecord.select().where(
        (HeldRecord.integration == job.integration.id)
        & (HeldRecord.kind == "order")
        # expired ones are re-checked only when someone asks (Run now, Retry)
        & HeldRecord.status.in_(["held"] if scheduled else ["held", "expired"])
    )
    if job.params.get("external_ids"):
        query = query.where(HeldRecord.external_id.in_(job.params["external_ids"]))
    elif scheduled:
        query = query.where(HeldRecord.next_check_at <= now)  # the hourly rhythm
    # else a person pressed Run now (or asked for all): every held order is re-checked
    held_rows = list(query.order_by(HeldRecord.id))
    job.set_total(len(held_rows))
    for held in held_rows:
        job.step()
        held.checks += 1
        held.last_checked_at = utcnow()
        held.save()
        item = job.call("hub_fetch_order", external_id=held.external_id)
        if item is None:
            _release_held(job, held, status="released")
            job.count("skipped")
            job.event(
                "info",
                "order_gone",
                f"Order {held.reference} no longer exists in the store: released.",
                reference=held.reference,
                external_id=held.external_id,
            )
            job.resolved([held.reference], codes=ORDER_ERROR_CODES)
            continue
        record = job.validate("order", item)
        if record is None:
            continue
        action = process_order(job, record, held=held)
        if action == "held" and held.ordered_at and held.ordered_at < now - max_age:
            _expire_held(job, HeldRecord.get_by_id(held.id))


def _expire_held(job, held):
    """Stop re-checking an order that has awaited payment too long — but keep its stock
    reserved: the store still holds it (PrestaShop took the stock, Magento MSI reserved it)
    until the order is cancelled there, and releasing it here would oversell."""
    held.status = "expired"
    held.next_check_at = None
    held.save()
    job.resolved([held.reference], codes=("awaiting_payment",))  # the Error supersedes it
    job.event(
        "error",
        "held_order_expired",
        f"Order {held.reference} has awaited payment since {held.ordered_at:%Y-%m-%d}: no "
        "longer re-checked every hour; its stock stays reserved, as the store holds it.",
        hint="Cancel it in the store, then Run now 'Retry held orders' (or Retry here): it is "
        "released. If it gets paid, Retry imports it.",
        reference=held.reference,
        external_id=held.external_id,
    )


# -- status updates ----------------------------------------------------------------------------


def update_orders(job):
    """Status only: cancellations and refunds cancel; lines and addresses never change."""
    stream = job.call("hub_fetch_order_updates", since=job.since())
    for batch, cursor in batched_stream(job, stream, "order_status", batch_size=100):
        for record in batch:
            _apply_status(job, record, order_service)
        job.commit_checkpoint(cursor)


def _apply_status(job, record, order_service):
    integration = job.integration
    order = Order.get_or_none(
        (Order.integration == integration.id) & (Order.external_id == record["external_id"])
    )
    if order is None:
        held = HeldRecord.get_or_none(
            (HeldRecord.integration == integration.id)
            & (HeldRecord.kind == "order")
            & (HeldRecord.external_id == record["external_id"])
            & HeldRecord.status.in_(["held", "expired"])
        )
        if held is not None:  # it changed in the store: re-check it at the next retry run
            held.status, held.next_check_at = "held", utcnow()
            held.save()
            job.count("updated")
        else:
            job.count("skipped")
        return
    mapped = (integration.status_mapping or {}).get(record.get("store_status") or "")
    cancel = record["cancelled"] or record.get("refunded") or mapped == "cancelled"
    changed = False
    if record.get("store_status") and record["store_status"] != order.store_status:
        Order.update(store_status=record["store_status"], updated_at=utcnow()).where(
            Order.id == order.id
        ).execute()
        changed = True
    if cancel and order.status != "cancelled":
        if order.status == "shipped":
            job.count("failed")
            job.event(
                "error",
                "cancelled_after_shipping",
                f"Order {order.number} was cancelled or refunded in the store after it "
                "was shipped from the hub.",
                hint="Arrange the return with the customer; when the parcel comes back, "
                "adjust the stock. Then resolve this message.",
                reference=order.number,
                external_id=order.external_id,
            )
            return
        order_service.cancel_order(order, by="store", reason="cancelled in the store")
        job.count("updated")
        job.event(
            "info",
            "order_cancelled_in_store",
            f"Order {order.number} was cancelled in the store: cancelled in the hub, "
            "its reservation released.",
            reference=order.number,
            external_id=order.external_id,
        )
        return
    if record.get("fulfilled") and order.status in OPEN_ORDER_STATUSES:
        job.count("failed")
        job.event(
            "error",
            "shipped_outside_hub",
            f"Order {order.number} was fulfilled in the store while the hub still has it to ship.",
            hint="Ship it in the hub with the same tracking number so stock is taken "
            "out, or cancel it in the hub; then resolve this message.",
            reference=order.number,
            external_id=order.external_id,
        )
        return
    job.count("updated" if changed else "unchanged")
