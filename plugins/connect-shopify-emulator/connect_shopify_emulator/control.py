"""The Shopify emulator's control API under ``/_emulator`` (not Shopify's): state,
limits, reset, and helpers that change orders, products, stock, scopes and tokens."""

from dataclasses import asdict

from flask import Blueprint, current_app, jsonify, request

from connect_shopify_emulator.bulk import BulkOperation
from connect_shopify_emulator.emulator import MAX_QUERY_COST, api_error
from connect_shopify_emulator.webhooks import order_payload, product_payload

bp = Blueprint("control", __name__, url_prefix="/_emulator")


@bp.get("/state")
def state():
    emu = current_app.config["EMULATOR"]
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
    return jsonify(out)


@bp.post("/webhooks/drop")
def drop_webhooks():
    """``{"count": n}``: the next n deliveries are lost (a network failure, say)."""
    emu = current_app.config["EMULATOR"]
    data = request.get_json(force=True) or {}
    with emu.lock:
        emu.webhooks.drop = int(data.get("count", 1))
    return jsonify({"drop": emu.webhooks.drop})


@bp.post("/limits")
def limits():
    """``{"max_query_cost": n}`` (Shopify: 1,000) and ``{"bulk_limit": n}`` (null: by
    version). Test knobs: a lower cost limit proves that a client splits and halves."""
    emu = current_app.config["EMULATOR"]
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
    emu = current_app.config["EMULATOR"]
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


@bp.post("/reset")
def reset():
    emu = current_app.config["EMULATOR"]
    with emu.lock:
        emu.reset()
    return jsonify({"ok": True})


@bp.post("/orders/<path:ref>")
def touch_order(ref):
    emu = current_app.config["EMULATOR"]
    order = emu.shop.find_order(ref)
    if order is None:
        return api_error(404, {"error": f"no order {ref}"})
    data = request.get_json(force=True) or {}
    now = emu.clock()
    with emu.lock:
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
    return jsonify(
        {
            "id": order.id,
            "name": order.name,
            "financial": order.financial,
            "cancelled": bool(order.cancelled),
            "fulfillment": order.displayFulfillmentStatus,
            "fulfillments": [
                {
                    "id": f.id,
                    "tracking": f.tracking,
                    "notify_customer": getattr(f, "notify_customer", None),
                }
                for f in order.fulfillment_list
            ],
        }
    )


@bp.post("/orders")
def add_order():
    emu = current_app.config["EMULATOR"]
    data = request.get_json(force=True) or {}
    with emu.lock:
        try:
            order = emu.shop.add_order(data)
        except (TypeError, ValueError) as exc:
            return api_error(400, {"error": str(exc)})
        emu.webhooks.publish(emu.shop, "ORDERS_CREATE", order_payload(order))
    return jsonify(
        {
            "id": order.id,
            "name": order.name,
            "lines": [li.id for li in order.lines],
            "fulfillment_orders": [fo.id for fo in order.fulfillment_orders],
        }
    )


@bp.get("/orders/<path:ref>")
def get_order(ref):
    emu = current_app.config["EMULATOR"]
    order = emu.shop.find_order(ref)
    if order is None:
        return api_error(404, {"error": f"no order {ref}"})
    return jsonify(
        {
            "id": order.id,
            "name": order.name,
            "financial": order.financial,
            "cancelled": bool(order.cancelled),
            "fulfillment": order.displayFulfillmentStatus,
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
            "fulfillments": [
                {
                    "id": f.id,
                    "tracking": f.tracking,
                    "notify_customer": getattr(f, "notify_customer", None),
                }
                for f in order.fulfillment_list
            ],
        }
    )


@bp.post("/products")
def products():
    emu = current_app.config["EMULATOR"]
    data = request.get_json(force=True) or {}
    with emu.lock:
        if data.get("touch"):
            product = emu.shop.node(data["touch"])
            if product is None:
                return api_error(404, {"error": "no such product"})
            product.updated = max(int(emu.clock()), product.updated + 1)
            for v in product._variants:
                v.updated = product.updated
            emu.webhooks.publish(emu.shop, "PRODUCTS_UPDATE", product_payload(product))
        else:
            product = emu.shop.add_product(data)
    return jsonify(
        {
            "id": product.id,
            "variants": [
                {"id": v.id, "sku": v.sku, "inventory_item_id": v.inventoryItem.id}
                for v in product._variants
            ],
        }
    )


@bp.get("/stock/<path:sku>")
def stock(sku):
    emu = current_app.config["EMULATOR"]
    found = emu.shop.stock_of(sku)
    if not found:
        return api_error(404, {"error": f"no variant with SKU {sku}"})
    return jsonify(found)


@bp.post("/stock/<path:sku>")
def set_stock(sku):
    emu = current_app.config["EMULATOR"]
    data = request.get_json(force=True) or {}
    loc = emu.shop.location_by_gid(data.get("location_id")) or emu.shop.locations[0]
    with emu.lock:
        for v in emu.shop.variants.values():
            if v.sku == sku and v.num in loc.levels:
                loc.levels[v.num][0] = int(data["available"])
    return jsonify(emu.shop.stock_of(sku))


@bp.post("/scopes")
def scopes():
    emu = current_app.config["EMULATOR"]
    emu.shop.scopes = list((request.get_json(force=True) or {}).get("scopes", []))
    return jsonify({"scopes": emu.shop.scopes})


@bp.post("/tokens/expire")
def expire_tokens():
    emu = current_app.config["EMULATOR"]
    for token in emu.tokens:
        emu.tokens[token] = 0
    return jsonify({"expired": len(emu.tokens)})


@bp.post("/shop")
def shop_flags():
    emu = current_app.config["EMULATOR"]
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
