"""The Shopify emulator's control API under ``/_emulator`` (not Shopify's), on the kit's
:class:`hub.testing.control.ControlAPI`: state, reset, orders, products and stock; beside them
its own: limits, busy bulk slots, scopes, tokens, shop flags and lost webhook deliveries.
Faults and the request log are the kit's (``hub.testing.emulator``, mounted by ``app.py``)."""

from dataclasses import asdict

from flask import current_app, jsonify, request

from connect_shopify_emulator.bulk import BulkOperation
from connect_shopify_emulator.emulator import MAX_QUERY_COST
from connect_shopify_emulator.webhooks import order_payload, product_payload
from hub.testing.control import ControlAPI, ControlError

control = ControlAPI(
    state=lambda: _state(_emu()),
    reset=lambda: _emu().reset(),
    order=lambda ref: _order(_emu().shop.find_order(ref)),
    change_order=lambda ref, data: _change_order(_emu(), ref, data),
    add_order=lambda data: _add_order(_emu(), data),
    add_product=lambda data: _add_or_touch_product(_emu(), data),
    stock=lambda sku: _emu().shop.stock_of(sku) or None,
    set_stock=lambda sku, data: _set_stock(_emu(), sku, data),
    lock=lambda: _emu().lock,
)
bp = control.blueprint  # the emulator's own routes below


def _emu():
    return current_app.config["EMULATOR"]


def _state(emu):
    out = emu.shop.summary()
    out.update(
        counters=dict(emu.counters),
        faults=[asdict(f) for f in emu.kit.faults],
        bucket=emu.bucket.status(),
        tokens=len(emu.tokens),
        bulk_operations=[
            {"id": op.id, "status": op.status, "running": op.running(emu.clock())}
            for op in emu.shop.bulk_operations.values()
        ],
        max_query_cost=emu.max_query_cost,
        idempotency_keys=len(emu.idempotency),
        scopes=emu.shop.scopes,
        webhook_subscriptions=[
            {"id": s.id, "topic": s.topic, "uri": s.uri}
            for s in emu.shop.webhook_subscriptions.values()
        ],
        webhook_deliveries=list(emu.webhooks.log),
        webhooks_pending=emu.webhooks.pending(),
        webhooks_to_drop=emu.webhooks.drop,
    )
    return out


@bp.post("/webhooks/drop")
def drop_webhooks():
    """``{"count": n}``: the next n deliveries are lost (a network failure, say)."""
    emu = _emu()
    data = request.get_json(force=True) or {}
    with emu.lock:
        emu.webhooks.drop = int(data.get("count", 1))
    return jsonify({"drop": emu.webhooks.drop})


@bp.post("/limits")
def limits():
    """``{"max_query_cost": n}`` (Shopify: 1,000) and ``{"bulk_limit": n}`` (null: by
    version). Test knobs: a lower cost limit proves that a client splits and halves."""
    emu = _emu()
    data = request.get_json(force=True) or {}
    with emu.lock:
        if "max_query_cost" in data:
            emu.max_query_cost = int(data["max_query_cost"] or MAX_QUERY_COST)
        if "bulk_limit" in data:
            emu.bulk_limit = int(data["bulk_limit"]) if data["bulk_limit"] else None
    return jsonify({"max_query_cost": emu.max_query_cost, "bulk_limit": emu.bulk_limit})


@bp.post("/bulk/busy")
def bulk_busy():
    """``{"count": n, "seconds": s}``: n bulk queries of the app that take a slot each for
    s seconds of the emulator's clock (other jobs of the same app, say)."""
    emu = _emu()
    data = request.get_json(force=True) or {}
    out = []
    with emu.lock:
        for _ in range(int(data.get("count", 1))):
            op = BulkOperation(emu.shop.next_num(), "{ busy }", emu.clock())
            op.status = "RUNNING"
            op.busy_until = emu.clock() + float(data.get("seconds", 60))
            op.clock = emu.clock
            emu.shop.bulk_operations[op.num] = op
            out.append(op.id)
    return jsonify({"operations": out})


@bp.post("/scopes")
def scopes():
    emu = _emu()
    emu.shop.scopes = list((request.get_json(force=True) or {}).get("scopes", []))
    return jsonify({"scopes": emu.shop.scopes})


@bp.post("/tokens/expire")
def expire_tokens():
    emu = _emu()
    for token in emu.tokens:
        emu.tokens[token] = 0
    return jsonify({"expired": len(emu.tokens)})


@bp.post("/shop")
def shop_flags():
    emu = _emu()
    data = request.get_json(force=True) or {}
    emu.shop.frozen = bool(data.get("frozen", emu.shop.frozen))
    emu.shop.locked = bool(data.get("locked", emu.shop.locked))
    return jsonify({"frozen": emu.shop.frozen, "locked": emu.shop.locked})


def _shipped(order):
    """Quantity shipped per order line item GID, over the order's fulfillments."""
    out = {}
    for f in order.fulfillment_list:
        for fli in f.line_items:
            out[fli.line.id] = out.get(fli.line.id, 0) + fli.quantity
    return out


def _change_order(emu, ref, data):
    """``{"paid": true}``, ``{"financial_status": ...}``, ``{"cancelled": true, "reason": ...}``,
    ``{"fulfilled": true}``: the order changes as in the admin, with its webhooks."""
    order = emu.shop.find_order(ref)
    if order is None:
        return None
    now = emu.clock()
    if data.get("paid"):
        order.financial = "PAID"
    if data.get("financial_status"):
        order.financial = data["financial_status"]
    if data.get("cancelled"):
        order.cancelled, order.cancel_reason = now, data.get("reason", "CUSTOMER")
        order.closed_at = now
        for fo in order.fulfillment_orders:
            if fo.status in ("OPEN", "IN_PROGRESS"):
                fo.status = "CANCELLED"
    if data.get("fulfilled"):
        for fo in order.fulfillment_orders:
            if fo.status in ("OPEN", "IN_PROGRESS"):
                emu.shop._fulfil(
                    order,
                    fo,
                    [(li, li.remaining) for li in fo.line_items if li.remaining],
                    None,
                    now,
                )
    order.updated = max(now, order.updated + 1)
    # Shopify sends orders/updated on every change, and orders/cancelled on a cancellation
    emu.webhooks.publish(emu.shop, "ORDERS_UPDATED", order_payload(order))
    if data.get("cancelled"):
        emu.webhooks.publish(emu.shop, "ORDERS_CANCELLED", order_payload(order))
    return {**_status(order), "fulfillments": _fulfillments(order)}


def _add_order(emu, data):
    try:
        order = emu.shop.add_order(data)
    except (TypeError, ValueError) as exc:
        raise ControlError(400, str(exc)) from None
    emu.webhooks.publish(emu.shop, "ORDERS_CREATE", order_payload(order))
    return {
        "id": order.id,
        "name": order.name,
        "lines": [li.id for li in order.lines],
        "fulfillment_orders": [fo.id for fo in order.fulfillment_orders],
    }


def _order(order):
    if order is None:
        return None
    return {
        **_status(order),
        "lines": [
            {
                "id": li.id,
                "sku": li.sku,
                "quantity": li.quantity,
                "variant": li.variant.id if li.variant else None,
            }
            for li in order.lines
        ],
        "fulfillment_orders": [
            {
                "id": fo.id,
                "status": fo.status,
                "location_id": fo.location.id,
                "lines": len(fo.line_items),
                "remaining": sum(li.remaining for li in fo.line_items),
            }
            for fo in order.fulfillment_orders
        ],
        "shipped": _shipped(order),
        "fulfillments": _fulfillments(order),
    }


def _status(order):
    return {
        "id": order.id,
        "name": order.name,
        "financial": order.financial,
        "cancelled": bool(order.cancelled),
        "fulfillment": order.displayFulfillmentStatus,
    }


def _fulfillments(order):
    return [
        {"id": f.id, "tracking": f.tracking, "notify_customer": getattr(f, "notify_customer", None)}
        for f in order.fulfillment_list
    ]


def _add_or_touch_product(emu, data):
    """A new product from ``data``, or with ``{"touch": gid}`` an existing one edited (its
    ``updatedAt`` moves, products/update is sent)."""
    if data.get("touch"):
        product = emu.shop.node(data["touch"])
        if product is None:
            raise ControlError(404, "no such product")
        product.updated = max(int(emu.clock()), product.updated + 1)
        for v in product._variants:
            v.updated = product.updated
        emu.webhooks.publish(emu.shop, "PRODUCTS_UPDATE", product_payload(product))
    else:
        product = emu.shop.add_product(data)
    return {
        "id": product.id,
        "variants": [
            {"id": v.id, "sku": v.sku, "inventory_item_id": v.inventoryItem.id}
            for v in product._variants
        ],
    }


def _set_stock(emu, sku, data):
    """``{"available": n, "location_id": gid}`` (``quantity`` is taken for ``available``; the
    first location when none is given): the store sold or received something."""
    try:
        available = int(data["available"] if "available" in data else data["quantity"])
    except (KeyError, TypeError, ValueError):
        raise ControlError(400, "available (or quantity) must be an integer") from None
    loc = emu.shop.location_by_gid(data.get("location_id")) or emu.shop.locations[0]
    for v in emu.shop.variants.values():
        if v.sku == sku and v.num in loc.levels:
            loc.levels[v.num][0] = available
    return emu.shop.stock_of(sku) or None
