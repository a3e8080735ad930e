"""Removing an integration, and what happens to its data (issue 18).

The store's side goes; the hub's own records stay:

* **Orders** of the integration are deleted with their lines, shipments (a pending shipping
  confirmation is never sent) and addresses: they were the store's, and a removed store can
  no longer be told anything about them.
* **Reservations**: before that, what the open orders (to ship, partially shipped) still
  reserve is released by ``release`` movements, so those units are available again to the
  other stores instead of staying reserved for orders nobody will ship.
* **Stock** levels and the movement ledger are the hub's and are kept (movements keep the
  order number they name; shipped units stay shipped).
* **Products** and warehouses are the hub's and are kept; the integration's **bindings**
  (which store product is which hub product) are deleted.
* **Runs** (with their logs, test-mode previews and stock check differences), **events**,
  held orders, checkpoints, webhook deliveries, alerts and feed schedules are deleted.

Refused while a run of the integration is running: it would write to rows being deleted.
Queued runs are deleted; the worker skips a run that no longer exists.
"""

from peewee import fn

from hub.db import db
from hub.errors import BadInput
from hub.models import (
    Address,
    Alert,
    Binding,
    Event,
    FeedRun,
    HeldRecord,
    Order,
    OrderLine,
    Shipment,
)
from hub.models.orders import OPEN_ORDER_STATUSES
from hub.services import stock


def _open_lines(integration):
    """The open orders' lines that still reserve units: (line, order) rows."""
    return (
        OrderLine.select(OrderLine, Order)
        .join(Order)
        .where(
            Order.integration == integration,
            Order.status.in_(OPEN_ORDER_STATUSES),
            Order.warehouse.is_null(False),
            OrderLine.product.is_null(False),
            OrderLine.quantity > OrderLine.shipped_quantity,
        )
        .order_by(OrderLine.product, OrderLine.id)
    )


def running_runs(integration):
    return list(
        FeedRun.select().where(FeedRun.integration == integration, FeedRun.status == "running")
    )


def removal_plan(integration):
    """What removing ``integration`` would delete, release and keep, counted: the
    confirmation page spells it out."""
    orders = Order.select().where(Order.integration == integration)
    reserved = (
        _open_lines(integration)
        .select(fn.COALESCE(fn.SUM(OrderLine.quantity - OrderLine.shipped_quantity), 0))
        .order_by()
        .scalar()
    )
    return {
        "orders": orders.count(),
        "open_orders": orders.where(Order.status.in_(OPEN_ORDER_STATUSES)).count(),
        "reserved_units": int(reserved or 0),
        "shipments": Shipment.select().join(Order).where(Order.integration == integration).count(),
        "runs": FeedRun.select().where(FeedRun.integration == integration).count(),
        "running": len(running_runs(integration)),
        "events": Event.select().where(Event.integration == integration).count(),
        "held": HeldRecord.select().where(HeldRecord.integration == integration).count(),
        "bindings": Binding.select().where(Binding.integration == integration).count(),
        "alerts": Alert.select().where(Alert.integration == integration).count(),
    }


def remove_integration(integration, user=None):
    """Remove ``integration`` as the module docstring says. Returns the plan it carried out
    (counts from before the removal)."""
    with db.atomic():
        running = running_runs(integration)
        if running:
            raise BadInput(
                f"integration {integration.name!r} has a run running (#{running[0].id}): "
                "wait for it to end, then remove the integration"
            )
        plan = removal_plan(integration)
        note = f"integration {integration.name} removed"
        for line in _open_lines(integration):
            stock.release(
                line.product_id,
                line.order.warehouse_id,
                line.quantity - line.shipped_quantity,
                reference_id=line.order.id,
                reference=line.order.number,
                reason=note,
                user=user,
            )
        orders = Order.select(Order.id).where(Order.integration == integration)
        addresses = sorted(
            {
                address_id
                for row in orders.select(Order.shipping_address, Order.billing_address).tuples()
                for address_id in row
                if address_id is not None
            }
        )
        Order.delete().where(Order.integration == integration).execute()  # lines, shipments
        for start in range(0, len(addresses), 500):
            Address.delete().where(Address.id.in_(addresses[start : start + 500])).execute()
        integration.delete_instance()  # runs, events, bindings, … by ON DELETE CASCADE
    return plan
