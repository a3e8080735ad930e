"""Orders: the hub's status workflow, shipping and cancelling.

Workflow of hub statuses (the store's own status is kept in ``Order.store_status``)::

    to_ship ──▶ partially_shipped ──▶ shipped        (to_ship ──▶ shipped in one go)
       │              │  ▲
       │              └──┘ another partial shipment
       ▼              ▼
    cancelled ◀───────┘

    from                 allowed to
    to_ship              partially_shipped, shipped, cancelled
    partially_shipped    partially_shipped, shipped, cancelled
    shipped              (final)
    cancelled            (final)

* ``to_ship``: imported (paid), its lines' stock reserved in ``Order.warehouse``.
* ``partially_shipped``: some units shipped, the rest still reserved.
* ``shipped``: every unit shipped (``shipped_at`` set). Final.
* ``cancelled``: the store (or the merchant) cancelled it; what was still reserved is
  released (``cancelled_at`` set). Final. Units already shipped stay shipped.

:data:`TRANSITIONS` is the single source of these rules; :func:`transition` enforces it.

Shipping (:func:`ship_order`) records a :class:`~hub.models.Shipment` with its lines,
takes the stock out (``shipment`` movements referencing the shipment), releases the
reservation (in the order's reservation warehouse: when shipping from another warehouse
the reservation is released there and the stock taken out here), advances the status
and leaves the shipment ``pending`` for the shipping_confirmation feed (the front ends
queue that feed through :func:`hub.feeds.shipping.ship_and_confirm`; a service queues no run).
"""

import re
from urllib.parse import urlparse

from hub import bounds
from hub.db import db, is_postgres
from hub.errors import BadInput, NeedsConfirmation, NotFound
from hub.models import (
    Integration,
    Order,
    OrderLine,
    Shipment,
    ShipmentLine,
    default_warehouse,
    iso,
    utcnow,
)
from hub.models.orders import OPEN_ORDER_STATUSES, ORDER_STATUSES
from hub.services import stock
from hub.settings import get_settings

TRANSITIONS = {
    "to_ship": ("partially_shipped", "shipped", "cancelled"),
    "partially_shipped": ("partially_shipped", "shipped", "cancelled"),
    "shipped": (),
    "cancelled": (),
}

CANCELLED_BY = ("store", "merchant")


def order_label(order):
    return f"order {order.number} (id {order.id})"


def check_transition(order, new_status):
    """BadInput naming the current status and the allowed ones when not allowed."""
    if new_status not in TRANSITIONS:
        raise BadInput(
            f"unknown order status {new_status!r}; statuses: {', '.join(ORDER_STATUSES)}"
        )
    allowed = TRANSITIONS.get(order.status, ())
    if new_status not in allowed:
        raise BadInput(
            f"{order_label(order)} is {order.status}: it cannot become {new_status} "
            f"(allowed from {order.status}: {', '.join(allowed) or 'none'})"
        )


def transition(order, new_status):
    """Move ``order`` to ``new_status`` if TRANSITIONS allows it (saved; timestamps set)."""
    check_transition(order, new_status)
    now = utcnow()
    order.status = new_status
    order.updated_at = now
    if new_status == "shipped" and order.shipped_at is None:
        order.shipped_at = now
    if new_status == "cancelled" and order.cancelled_at is None:
        order.cancelled_at = now
    order.save(only=[Order.status, Order.updated_at, Order.shipped_at, Order.cancelled_at])
    return order


# --------------------------------------------------------------------------- lookups


def find_order(ref):
    """An order by hub id, by the store's number when unambiguous, by
    ``integration/number``, or ``id:N``. Ambiguous -> BadInput listing the candidates."""
    if isinstance(ref, Order):
        return ref
    if isinstance(ref, int) and not isinstance(ref, bool):
        found = Order.get_or_none(Order.id == ref) if bounds.as_id(ref) else None
        if found is None:
            raise NotFound(f"unknown order id {ref}")
        return found
    text = str(ref or "").strip()
    if not text:
        raise BadInput("an order number or id is required")
    match = re.fullmatch(r"id:(\d+)", text)
    if match:
        return find_order(int(match.group(1)))
    candidates = {}
    if "/" in text:
        name, number = text.split("/", 1)
        query = (
            Order.select()
            .join(Integration)
            .where((Integration.name == name) & (Order.number.in_(_number_forms(number))))
        )
        for order in query:
            candidates[order.id] = order
    for order in Order.select().where(Order.number.in_(_number_forms(text))):
        candidates[order.id] = order
    if bounds.as_id(text):
        by_id = Order.get_or_none(Order.id == bounds.as_id(text))
        if by_id is not None:
            candidates[by_id.id] = by_id
    if not candidates:
        raise NotFound(
            f"unknown order {text!r} (give the number shown by `hub orders list` or the hub id)"
        )
    if len(candidates) > 1:
        listed = ", ".join(
            f"{o.integration.name}/{o.number} (id {o.id})"
            for o in sorted(candidates.values(), key=lambda o: o.id)
        )
        raise BadInput(f"order {text!r} is ambiguous: {listed}; give integration/number or id:N")
    return next(iter(candidates.values()))


def _number_forms(number):
    number = number.strip()
    forms = {number}
    if number.startswith("#"):
        forms.add(number[1:])
    else:
        forms.add("#" + number)
    return list(forms)


def known_carriers(integration):
    return sorted({str(c) for c in (integration.carrier_mapping or {}).values() if c})


def _resolve_carrier(order, carrier):
    integration = order.integration
    known = known_carriers(integration)
    if carrier is None or not str(carrier).strip():
        carrier = order.carrier
        if not carrier:
            raise BadInput(
                f"{order_label(order)} has no mapped carrier: give one "
                f"(known carriers: {', '.join(known) or 'none'})"
            )
    carrier = str(carrier).strip()
    if not known:
        raise BadInput(
            f"integration {integration.name} has no carrier mapping: map its "
            "shipping methods to carriers first (`hub integrations set "
            f"{integration.name} --carrier METHOD=CARRIER`)"
        )
    for name in known:
        if name.lower() == carrier.lower():
            return name
    raise BadInput(
        f"unknown carrier {carrier!r} for integration {integration.name}; known "
        f"carriers: {', '.join(known)}"
    )


def _qty(value, what):
    value = bounds.quantity(value, f"{what}: quantity", minimum=-bounds.MAX_QUANTITY)
    if value <= 0:
        raise BadInput(f"{what}: quantity must be positive, got {value}")
    return value


def _plan_lines(order, order_lines, lines):
    """{order_line_id: qty} to ship; refuses unknown lines and quantities over remaining."""
    by_id = {ol.id: ol for ol in order_lines}
    if lines is None:
        plan = {ol.id: ol.remaining for ol in order_lines if ol.remaining > 0}
        if not plan:
            raise BadInput(f"{order_label(order)} has nothing left to ship")
        return plan
    if not lines:
        raise BadInput("no line to ship")
    plan = {}
    for key, value in lines.items():
        if isinstance(key, OrderLine) or (isinstance(key, int) and not isinstance(key, bool)):
            line_id = getattr(key, "id", key)
            if line_id not in by_id:
                raise BadInput(f"line {line_id} is not a line of {order_label(order)}")
            qty = _qty(value, f"line {by_id[line_id].sku}")
            plan[line_id] = plan.get(line_id, 0) + qty
            continue
        sku = str(key).strip()
        matching = [ol for ol in order_lines if ol.sku == sku]
        if not matching:
            skus = ", ".join(sorted({ol.sku for ol in order_lines}))
            raise BadInput(f"SKU {sku!r} is not in {order_label(order)}; its lines: {skus}")
        qty = wanted = _qty(value, f"line {sku}")
        for ol in matching:  # a SKU on several lines fills them in order
            take = min(qty, ol.remaining - plan.get(ol.id, 0))
            if take > 0:
                plan[ol.id] = plan.get(ol.id, 0) + take
                qty -= take
        if qty > 0:
            ordered = sum(ol.quantity for ol in matching)
            shipped = sum(ol.shipped_quantity for ol in matching)
            raise BadInput(
                f"cannot ship {wanted} × {sku} of {order_label(order)}: "
                f"only {ordered - shipped} remaining (ordered {ordered}, shipped "
                f"{shipped})"
            )
    for line_id, qty in plan.items():
        ol = by_id[line_id]
        if qty > ol.remaining:
            raise BadInput(
                f"cannot ship {qty} × {ol.sku} of {order_label(order)}: only "
                f"{ol.remaining} remaining (ordered {ol.quantity}, shipped "
                f"{ol.shipped_quantity})"
            )
    return plan


def _lock_order(order_id):
    query = Order.select().where(Order.id == order_id)
    if is_postgres():
        query = query.for_update()
    found = query.first()
    if found is None:
        raise NotFound(f"unknown order id {order_id}")
    return found


# --------------------------------------------------------------------------- shipping


MAX_TRACKING_NUMBER, MAX_TRACKING_URL = 255, 2000


def check_tracking_number(value):
    text = str(value or "").strip()
    if not text:
        raise BadInput("a tracking number is required")
    if len(text) > MAX_TRACKING_NUMBER or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise BadInput(
            f"invalid tracking number: at most {MAX_TRACKING_NUMBER} characters, "
            "no control characters"
        )
    return text


def check_tracking_url(value):
    text = str(value or "").strip()
    if not text:
        return None
    parsed = urlparse(text)
    if (
        parsed.scheme.lower() not in ("http", "https")
        or not parsed.netloc
        or len(text) > MAX_TRACKING_URL
        or any(ord(c) <= 32 or ord(c) == 127 for c in text)
    ):
        raise BadInput(
            f"invalid tracking URL {text[:80]!r}: expected http(s)://carrier.example/… "
            f"(at most {MAX_TRACKING_URL} characters, no spaces)"
        )
    return text


def _refuse_duplicate_tracking(tracking_number, shipment_id):
    used = (
        Shipment.select(Shipment, Order)
        .join(Order)
        .where((Shipment.tracking_number == tracking_number) & (Shipment.id != shipment_id))
        .order_by(Shipment.id)
        .first()
    )
    if used is not None:
        raise NeedsConfirmation(
            f"tracking number {tracking_number} is already on shipment {used.id} of "
            f"{order_label(used.order)}: confirm to use it again (one parcel for several "
            "orders), or check the number",
            confirm="allow_duplicate_tracking",
        )


def ship_order(
    order,
    *,
    lines=None,
    warehouse=None,
    carrier=None,
    tracking_number,
    tracking_url=None,
    user=None,
    allow_duplicate_tracking=False,
):
    """Ship ``lines`` ({order_line_or_sku: qty}; None: everything remaining) of an order.

    Creates the Shipment (confirmation ``pending``), takes the stock out of ``warehouse``
    (default: where the order's stock is reserved), releases the reservation, advances the
    status, and queues the shipping confirmation once committed.

    A tracking URL must be http(s). A tracking number already on another shipment is
    usually a typing slip (or a parcel scanned twice): NeedsConfirmation unless
    ``allow_duplicate_tracking`` (one parcel may carry several orders, so it is allowed).
    """
    order = find_order(order)
    tracking_number = check_tracking_number(tracking_number)
    tracking_url = check_tracking_url(tracking_url)
    username = stock._username(user)
    with db.atomic():
        order = _lock_order(order.id)  # serialises two shipments of the same order
        if order.status not in OPEN_ORDER_STATUSES:
            raise BadInput(
                f"{order_label(order)} is {order.status}: it cannot be shipped "
                f"(allowed from {order.status}: "
                f"{', '.join(TRANSITIONS[order.status]) or 'none'})"
            )
        carrier = _resolve_carrier(order, carrier)
        reserved_in = order.warehouse_id
        if warehouse is None:
            wh = stock.get_warehouse(reserved_in) if reserved_in else default_warehouse()
        else:
            wh = stock.get_warehouse(warehouse)
        if not wh.active:
            raise BadInput(f"warehouse {wh.code} is inactive")
        order_lines = list(order.lines.order_by(OrderLine.id))
        plan = _plan_lines(order, order_lines, lines)
        shipment = Shipment.create(
            order=order,
            warehouse=wh,
            carrier=carrier,
            tracking_number=tracking_number,
            tracking_url=(tracking_url or None),
            created_by=username,
            confirmation_status="pending",
        )
        allow_backorders = get_settings().allow_backorders
        by_id = {ol.id: ol for ol in order_lines}
        # by product id: concurrent shipments lock level rows in one order (no deadlock)
        for line_id, qty in sorted(plan.items(), key=lambda i: (by_id[i[0]].product_id or 0, i[0])):
            ol = by_id[line_id]
            updated = (
                OrderLine.update(shipped_quantity=OrderLine.shipped_quantity + qty)
                .where(
                    (OrderLine.id == ol.id)
                    & (OrderLine.shipped_quantity + qty <= OrderLine.quantity)
                )
                .execute()
            )
            if not updated:
                raise BadInput(f"cannot ship {qty} × {ol.sku}: more than remains to ship")
            ol.shipped_quantity += qty
            ShipmentLine.create(
                shipment=shipment, order_line=ol, product=ol.product_id, quantity=qty
            )
            if ol.product_id is None:
                continue  # not a hub product: nothing to take out
            refs = {
                "reference_type": "shipment",
                "reference_id": shipment.id,
                "reference": order.number,
            }
            if reserved_in == wh.id:
                if not allow_backorders:
                    _check_on_hand(ol, wh, qty)
                stock.apply_movement(
                    ol.product_id, wh.id, "shipment", -qty, -qty, user=user, **refs
                )
            else:
                if reserved_in:
                    stock.release(
                        ol.product_id, reserved_in, qty, **refs, reason=f"shipped from {wh.code}"
                    )
                stock.apply_movement(
                    ol.product_id,
                    wh.id,
                    "shipment",
                    -qty,
                    0,
                    user=user,
                    enforce_available=True,
                    **refs,
                )
        if not allow_duplicate_tracking:  # asked last (rolled back): other refusals come first
            _refuse_duplicate_tracking(tracking_number, shipment.id)
        new_status = (
            "shipped" if all(ol.remaining <= 0 for ol in order_lines) else "partially_shipped"
        )
        transition(order, new_status)
    return shipment


def _check_on_hand(order_line, wh, qty):
    stock._ensure_level(order_line.product_id, wh.id)
    on_hand = stock._lock_level(order_line.product_id, wh.id).on_hand
    if on_hand - qty < 0:
        raise BadInput(
            f"cannot ship {qty} × {order_line.sku} from {wh.code}: only {on_hand} "
            "on hand (record the stock first, e.g. `hub stock adjust`)"
        )


# --------------------------------------------------------------------------- cancelling


def cancel_order(order, *, by="store", reason=None, user=None):
    """Cancel an order and release what is still reserved (``release`` movements).

    Refused for a shipped order. Cancelling an already cancelled order changes nothing
    (the store may report the cancellation more than once).
    """
    if by not in CANCELLED_BY:
        raise BadInput(f"cancelled by must be one of {', '.join(CANCELLED_BY)}, got {by!r}")
    order = find_order(order)
    with db.atomic():
        order = _lock_order(order.id)
        if order.status == "cancelled":
            return order
        check_transition(order, "cancelled")
        note = f"cancelled by {by}" + (f": {reason}" if reason else "")
        if order.warehouse_id:
            for ol in order.lines.order_by(OrderLine.product, OrderLine.id):
                if ol.product_id is None or ol.remaining <= 0:
                    continue
                stock.apply_movement(
                    ol.product_id,
                    order.warehouse_id,
                    "release",
                    0,
                    -ol.remaining,
                    reference_type="order",
                    reference_id=order.id,
                    reference=order.number,
                    reason=note,
                    user=user,
                )
        transition(order, "cancelled")
    return order


# --------------------------------------------------------------------------- views


def shipment_summary(shipment):
    return {
        "id": shipment.id,
        "order": shipment.order.number,
        "order_id": shipment.order_id,
        "integration": shipment.order.integration.name,
        "order_status": Order.get_by_id(shipment.order_id).status,
        "warehouse": shipment.warehouse.code,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "confirmation_status": shipment.confirmation_status,
        "created_by": shipment.created_by,
        "created_at": iso(shipment.created_at),
        "lines": [
            {"sku": sl.order_line.sku, "quantity": sl.quantity}
            for sl in shipment.lines.order_by(ShipmentLine.id)
        ],
    }
