"""What a store must hold: computed once here, used by export_stock and stock_check.

available = on hand − reserved, summed over the warehouses linked to the integration.
* ``sellable`` store (Shopify ``available``, PrestaShop): max(available, 0).
* ``physical`` store (Magento MSI source items: it keeps physical stock, subtracts its
  own open orders and deducts at shipment): available + what this integration's open
  orders still reserve + what its held orders reserve (the store reserved them too:
  MSI places a reservation for every order it takes, paid or not) + what was shipped in
  the hub but not yet confirmed to it, never below 0 — otherwise its own orders are
  subtracted twice.

Which semantics an integration has is the connector's answer to ``hub_stock_semantics``
(it may depend on the store's configuration), else its ``ConnectorInfo``; docs/stock.md
has the table per store and inventory mode, with the vendor sources.
"""

from peewee import fn

from hub.models import (
    HeldRecord,
    IntegrationWarehouse,
    Order,
    OrderLine,
    Shipment,
    ShipmentLine,
    StockLevel,
    StockMovement,
)
from hub.models.orders import OPEN_ORDER_STATUSES


def _warehouse_ids(integration):
    ids = [
        link.warehouse_id
        for link in IntegrationWarehouse.select().where(
            IntegrationWarehouse.integration == integration.id
        )
    ]
    return ids or ([integration.default_warehouse_id] if integration.default_warehouse_id else [])


def available_by_product(integration, product_ids=None):
    query = (
        StockLevel.select(
            StockLevel.product, fn.SUM(StockLevel.on_hand - StockLevel.reserved).alias("avail")
        )
        .where(StockLevel.warehouse.in_(_warehouse_ids(integration)))
        .group_by(StockLevel.product)
    )
    if product_ids is not None:
        query = query.where(StockLevel.product.in_(list(product_ids)))
    return {row.product_id: int(row.avail or 0) for row in query}


def open_reservations(integration, product_ids=None):
    query = (
        OrderLine.select(
            OrderLine.product, fn.SUM(OrderLine.quantity - OrderLine.shipped_quantity).alias("q")
        )
        .join(Order)
        .where((Order.integration == integration.id) & Order.status.in_(OPEN_ORDER_STATUSES))
        .group_by(OrderLine.product)
    )
    if product_ids is not None:
        query = query.where(OrderLine.product.in_(list(product_ids)))
    return {row.product_id: int(row.q or 0) for row in query}


def held_reservations(integration, product_ids=None):
    """What this integration's held orders still reserve (their movements net of releases)."""
    query = (
        StockMovement.select(
            StockMovement.product, fn.SUM(StockMovement.reserved_change).alias("q")
        )
        .join(HeldRecord, on=(StockMovement.reference_id == HeldRecord.id))
        .where(
            (StockMovement.reference_type == "held_order")
            & (HeldRecord.integration == integration.id)
            & HeldRecord.status.in_(["held", "expired"])  # expired: the store still holds it
        )
        .group_by(StockMovement.product)
    )
    if product_ids is not None:
        query = query.where(StockMovement.product.in_(list(product_ids)))
    return {row.product_id: int(row.q or 0) for row in query}


def shipped_unconfirmed(integration, product_ids=None):
    query = (
        ShipmentLine.select(ShipmentLine.product, fn.SUM(ShipmentLine.quantity).alias("q"))
        .join(Shipment)
        .join(Order)
        .where(
            (Order.integration == integration.id) & (Shipment.confirmation_status != "confirmed")
        )
        .group_by(ShipmentLine.product)
    )
    if product_ids is not None:
        query = query.where(ShipmentLine.product.in_(list(product_ids)))
    return {row.product_id: int(row.q or 0) for row in query}


def targets(integration, semantics, product_ids):
    """{product_id: quantity the store must hold} for ``product_ids``."""
    product_ids = list(product_ids)
    available = available_by_product(integration, product_ids)
    result = {pid: available.get(pid, 0) for pid in product_ids}
    if semantics == "physical":
        reserved = open_reservations(integration, product_ids)
        held = held_reservations(integration, product_ids)
        shipped = shipped_unconfirmed(integration, product_ids)
        for pid in product_ids:
            result[pid] += reserved.get(pid, 0) + held.get(pid, 0) + shipped.get(pid, 0)
    return {pid: max(q, 0) for pid, q in result.items()}
