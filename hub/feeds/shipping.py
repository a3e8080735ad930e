"""Shipping confirmation: every shipment confirmed exactly once, across retries and crashes.

A shipment is claimed (pending → sending) before the store is called and marked
confirmed after. If the worker dies in between, the next run sees it still
``sending`` and sends it again with the SAME ``shipment_id``: connectors use it as
an idempotency key or check the store first (an order already fulfilled → ``unchanged``).
In test mode nothing is sent: the outbox shows what would have been, and the
shipment is marked ``not_sent`` (go-live can confirm those on request).
"""

import logging

from hub.db import db
from hub.engine.runs import queue_run
from hub.models import Binding, Order, Shipment, iso, utcnow
from hub.records import serialise_record, validate_record
from hub.services.bulk_shipping import ship_rows
from hub.services.orders import ship_order

log = logging.getLogger(__name__)


def shipment_record(shipment):
    order = shipment.order
    lines = [
        {
            "sku": line.order_line.sku,
            "order_line_external_id": line.order_line.external_id,
            "product_external_id": None,
            "quantity": line.quantity,
        }
        for line in shipment.lines
    ]
    refs = {
        b.hub_id: b.external_id
        for b in Binding.select().where(
            (Binding.integration == order.integration_id)
            & (Binding.kind == "product")
            & Binding.hub_id.in_([line.product_id for line in shipment.lines if line.product_id])
        )
    }
    for line, data in zip(shipment.lines, lines, strict=True):
        data["product_external_id"] = refs.get(line.product_id)
    return {
        "shipment_id": str(shipment.id),
        "order_external_id": order.external_id,
        "order_number": order.number,
        "carrier": shipment.carrier,
        "carrier_code": order.shipping_method_code,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        # decided here for every connector: the integration's ``notify_customer`` setting
        "notify_customer": _flag((order.integration.settings or {}).get("notify_customer")),
        "shipped_at": iso(shipment.created_at),
        "lines": lines,
    }


def _flag(value):
    """A boolean setting as stored (True, "1", "true", "yes", "on") -> bool."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def shipping_confirmation(job):
    integration = job.integration
    production = integration.mode == "production"
    query = (
        Shipment.select()
        .join(Order)
        .where(
            (Order.integration == integration.id)
            & Shipment.confirmation_status.in_(["pending", "sending"])
        )
        .order_by(Shipment.id)
    )
    if job.params.get("shipment_ids"):
        query = query.where(Shipment.id.in_(job.params["shipment_ids"]))
    shipments = list(query)
    job.set_total(len(shipments))
    for shipment in shipments:
        job.step()
        record = validate_record("shipment", shipment_record(shipment))
        payload = serialise_record("shipment", record)
        if not production:
            with db.atomic():
                job.outbox_preview(record["shipment_id"], payload)
                Shipment.update(confirmation_status="not_sent").where(
                    Shipment.id == shipment.id
                ).execute()
            job.count("skipped")
            continue
        claimed = (
            Shipment.update(
                confirmation_status="sending",
                confirmation_attempts=Shipment.confirmation_attempts + 1,
            )
            .where(
                (Shipment.id == shipment.id)
                & Shipment.confirmation_status.in_(["pending", "sending"])
            )
            .execute()
        )
        if not claimed:
            job.count("unchanged")
            continue
        try:
            result = job.call("hub_push_shipment", shipment=record)
        except Exception:
            Shipment.update(confirmation_status="pending").where(
                Shipment.id == shipment.id
            ).execute()
            raise
        result = job.validate("push_result", result or {}, ("key",)) if result else None
        job.outbox_sent(record["shipment_id"], payload, result)
        ref = shipment.order.number
        if result and result["status"] in ("ok", "unchanged"):
            Shipment.update(
                confirmation_status="confirmed",
                confirmed_at=utcnow(),
                confirmation_ref=result.get("external_id"),
                last_error=None,
            ).where(Shipment.id == shipment.id).execute()
            job.count("created" if result["status"] == "ok" else "unchanged")
            if result["status"] == "unchanged":
                job.event(
                    "info",
                    "already_fulfilled",
                    result.get("message")
                    or f"Order {ref} was already shipped in the store: nothing sent.",
                    reference=ref,
                )
            job.resolved([ref], codes=("shipment_rejected",))
        else:
            message = (result or {}).get("message") or "the connector returned no result"
            Shipment.update(confirmation_status="failed", last_error=message).where(
                Shipment.id == shipment.id
            ).execute()
            job.count("failed")
            job.event(
                "error",
                "shipment_rejected",
                f"Shipment of order {ref} was not confirmed to the store: {message}",
                hint=(result or {}).get("hint")
                or "Fix the shipment (carrier, tracking number) and retry it from this message.",
                reference=ref,
                external_id=str(shipment.id),
            )


def ship_and_confirm(order, **shipment):
    """Ship ``order`` (``hub.services.orders.ship_order``, same arguments: an order or its
    reference), then queue its
    shipping_confirmation run: what the dashboard, the API and ``hub orders ship`` do. A queue
    that is down leaves the shipment pending for the scheduled feed."""
    shipped = ship_order(order, **shipment)
    integration = shipped.order.integration
    try:
        queue_run(integration, "shipping_confirmation", trigger="shipment")
    except Exception:
        log.exception("could not queue shipping_confirmation for %s", integration.name)
    return shipped


def ship_rows_and_confirm(rows, **options):
    """Ship several orders (``hub.services.bulk_shipping.ship_rows``, same arguments), then
    queue one shipping_confirmation run per integration that shipped any: the dashboard's bulk
    form and CSV upload and the API's batch. Returns the rows' results."""
    results = ship_rows(rows, **options)
    shipped = {r.order.integration_id: r.order for r in results if r.status == "shipped"}
    for integration in (order.integration for order in shipped.values()):
        try:
            queue_run(integration, "shipping_confirmation", trigger="shipment")
        except Exception:
            log.exception("could not queue shipping_confirmation for %s", integration.name)
    return results
