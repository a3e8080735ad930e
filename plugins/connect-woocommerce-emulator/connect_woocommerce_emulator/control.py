"""Control endpoints under ``/_emulator/`` (no authentication), on the kit's
:class:`hub.testing.control.ControlAPI`: what tests and the demo do to the store from outside
the REST API — a shopper placing an order, an admin changing stock, a product or an order's
status, lost webhook deliveries. They go through the same store operations as the REST API
(stock reduction, notes, webhook events). Faults and the request log are the hub's emulator
kit's (``hub.testing.emulator``, mounted by ``app.py``).

Beside the standard endpoints (``stock/<sku>``, ``orders/<id>`` with ``{"status": ...}``,
``products/<id>``), the emulator's own: ``GET products/<id>``, ``GET sku/<sku>``, ``POST
products/<id>/stock`` (``quantity`` or ``delta``), ``POST orders/<id>/status`` and the
``webhooks`` ones."""

import random

from flask import jsonify, request

from connect_woocommerce_emulator import render
from connect_woocommerce_emulator.catalogue import apply_product_fields, kg, validate_product_fields
from connect_woocommerce_emulator.sales import resolve_line
from connect_woocommerce_emulator.seed import SHIPPING, new_order, order_line
from connect_woocommerce_emulator.store import ORDER_STATUSES, RestError
from hub.testing.control import ControlAPI, ControlError, body


def register(app, emulator):
    """Mount the control endpoints over ``emulator`` (each under its store's lock, looked up
    at each request: a reset replaces the store) and WooCommerce's JSON for a ``RestError``."""
    app.register_error_handler(RestError, lambda error: (jsonify(error.body()), error.status))
    control = ControlAPI(
        state=lambda: _state(emulator),
        reset=emulator.reset,
        add_order=lambda data: _place_order(emulator, data),
        order=lambda ref: _order(emulator.store, _record(emulator.store.orders, ref)),
        change_order=lambda ref, data: _order_status(emulator, ref, data),
        change_product=lambda ref, data: _edit_product(emulator, ref, data),
        stock=lambda sku: _stock(emulator, emulator.store.by_sku.get(sku)),
        set_stock=lambda sku, data: _stock(emulator, emulator.store.by_sku.get(sku), data),
        lock=lambda: emulator.store.lock,
    )
    bp = control.blueprint

    @bp.get("/products/<int:product_id>")
    def get_product(product_id):
        with emulator.store.lock:
            return _answer(_product(emulator.store, product_id), "product")

    @bp.get("/sku/<path:sku>")
    def by_sku(sku):
        store = emulator.store
        with store.lock:
            product_id = store.by_sku.get(sku)
            return _answer(None if product_id is None else _product(store, product_id), "sku")

    @bp.post("/products/<int:product_id>/stock")
    def set_stock(product_id):
        """``{"quantity": n}`` or ``{"delta": n}``: stock changed in the admin (or a sale
        elsewhere); the product must manage stock."""
        with emulator.store.lock:
            changed = _stock(emulator, product_id, body())
            if changed is None:
                raise ControlError(404, "no such product, or it does not manage stock")
            return changed

    @bp.post("/orders/<int:order_id>/status")
    def order_status(order_id):
        """An admin changes the status (the status hooks run: stock, notes, webhook)."""
        with emulator.store.lock:
            return _answer(_order_status(emulator, str(order_id), body()), "order")

    @bp.post("/webhooks/drop")
    def drop():
        count = int(body().get("count", 1))
        with emulator.store.lock:
            emulator.dispatcher.drop += count
        return {"ok": True, "drop_pending": emulator.dispatcher.drop}

    @bp.get("/webhooks/deliveries")
    def deliveries():
        if request.args.get("wait"):
            emulator.dispatcher.wait(float(request.args["wait"]))
        with emulator.dispatcher.log_lock:
            return list(emulator.dispatcher.log)

    @bp.get("/webhooks")
    def webhook_secrets():
        """The subscriptions with their secrets (the REST view hides them)."""
        fields = ("id", "name", "topic", "delivery_url", "status", "secret", "failure_count")
        with emulator.store.lock:
            return [{k: w[k] for k in fields} for w in emulator.store.webhooks.values()]

    control.init_app(app)


def _site():
    return request.host_url.rstrip("/")


def _done(emulator, store):
    """Queue the webhook deliveries the change caused."""
    emulator.dispatcher.enqueue(store, _site())


def _answer(found, kind):
    if found is None:
        raise ControlError(404, f"no such {kind}")
    return found


def _record(rows, ref):
    """The row of ``rows`` (orders or products by id) that ``ref`` names, or None."""
    return rows.get(int(ref)) if str(ref).isdigit() else None


def _state(emulator):
    store = emulator.store
    variations = sum(1 for r in store.products.values() if r["type"] == "variation")
    return {
        "products": len(store.products) - variations,
        "variations": variations,
        "orders": len(store.orders),
        "webhooks": len(store.webhooks),
        "writes": store.writes,
        "requests": emulator.requests,
        "faults_pending": emulator.kit.pending(),
        "deliveries": len(emulator.dispatcher.log),
        "deliveries_pending": emulator.dispatcher.pending(),
        "drop_pending": emulator.dispatcher.drop,
        "weight_unit": store.weight_unit,
        "shipment_tracking": emulator.shipment_tracking,
        "wc_version": "9.4.2",
    }


def _status(data):
    status = data.get("status", "processing")
    if status not in ORDER_STATUSES:
        raise ControlError(400, f"status must be one of {', '.join(ORDER_STATUSES)}")
    return status


def _place_order(emulator, data):
    """A shopper's order: ``{"lines": [{"sku", "quantity"} | {"product_id", "variation_id",
    "quantity"}], "status": "processing", "shipping_method_id": "flat_rate"}``."""
    status = _status(data)
    store = emulator.store
    lines = []
    for n, raw in enumerate(data.get("lines") or []):
        product, variation, quantity = resolve_line(store, raw, n)
        lines.append(order_line(store, product, variation, quantity))
    if not lines:
        raise ControlError(400, "an order needs lines")
    method = data.get("shipping_method_id", "flat_rate")
    shipping = next((s for s in SHIPPING if s[0] == method), (method, method, 9))
    order = new_order(store, random.Random(store.next_id), lines, shipping=shipping)
    order = store.add_order(order, status)
    _done(emulator, store)
    return render.order(store, order, _site())


def _order(store, order):
    if order is None:
        return None
    return {
        **render.order(store, order, _site()),
        "stock_reduced": order.get("stock_reduced", False),
        "notes": [n["note"] for n in store.notes.get(order["id"], [])],
        "trackings": store.trackings.get(order["id"], []),
    }


def _order_status(emulator, ref, data):
    """An admin changes the status ``{"status": ...}`` (the status hooks run: stock, notes,
    webhook)."""
    store = emulator.store
    order = _record(store.orders, ref)
    if order is None:
        return None
    if data.get("status") is None:
        raise ControlError(400, f"status must be one of {', '.join(ORDER_STATUSES)}")
    status = _status(data)
    store.set_order_status(order, status)
    _done(emulator, store)
    return {**render.order(store, order, _site()), "stock_reduced": order["stock_reduced"]}


def _product(store, product_id):
    record = store.products.get(product_id)
    if record is None:
        return None
    return {**render.product(store, record, _site()), "weight_kg": kg(record, store.weight_unit)}


def _edit_product(emulator, ref, data):
    """An edit in the store admin, in REST field names (``regular_price``, ``sku``…)."""
    store = emulator.store
    record = _record(store.products, ref)
    if record is None:
        return None
    fields = validate_product_fields(data, record["type"] == "variation")
    apply_product_fields(store, record, fields)
    _done(emulator, store)
    return render.product(store, record, _site())


def _stock(emulator, product_id, data=None):
    """The stock of product ``product_id`` (its stock holder's: the parent's when a variation
    does not manage its own); with ``data`` (``{"quantity": n}`` or ``{"delta": n}``), changed
    first. None when there is no such product or it does not manage stock."""
    store = emulator.store
    record = store.products.get(product_id) if product_id is not None else None
    holder = store.stock_holder(record) if record is not None else None
    if holder is None:
        return None
    if data is not None:
        try:
            quantity = (
                int(data["quantity"])
                if "quantity" in data
                else (holder["stock_quantity"] or 0) + int(data.get("delta", 0))
            )
        except (TypeError, ValueError):
            raise ControlError(400, "quantity (or delta) must be an integer") from None
        store.set_stock(holder, quantity)
        _done(emulator, store)
    return {
        "id": holder["id"],
        "stock_quantity": holder["stock_quantity"],
        "stock_status": holder["stock_status"],
    }
