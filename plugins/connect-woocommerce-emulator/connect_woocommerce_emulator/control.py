"""Control endpoints under ``/_emulator/`` (no authentication): what tests and the demo do to
the store from outside the REST API — a shopper placing an order, an admin changing stock or an
order's status, lost webhook deliveries. They go through the same store operations as the REST
API (stock reduction, notes, webhook events). Faults and the request log are the hub's emulator
kit's (``hub.testing.emulator``, mounted by ``app.py``)."""

import random

from flask import jsonify, request

from connect_woocommerce_emulator import render
from connect_woocommerce_emulator.catalogue import apply_product_fields, kg, validate_product_fields
from connect_woocommerce_emulator.sales import resolve_line
from connect_woocommerce_emulator.seed import SHIPPING, new_order, order_line
from connect_woocommerce_emulator.store import ORDER_STATUSES, RestError


def register(app, emulator):  # noqa: C901 - registers the control routes; the branches are the nested views'
    def site():
        return request.host_url.rstrip("/")

    def done(store):
        emulator.dispatcher.enqueue(store, site())

    @app.errorhandler(RestError)
    def rest_error(error):
        return jsonify(error.body()), error.status

    @app.get("/_emulator/state")
    def state():
        store = emulator.store
        with store.lock:
            variations = sum(1 for r in store.products.values() if r["type"] == "variation")
            return jsonify(
                {
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
            )

    @app.post("/_emulator/reset")
    def reset():
        with emulator.store.lock:
            emulator.reset()
        return jsonify({"ok": True})

    @app.post("/_emulator/orders")
    def place_order():
        """A shopper's order: ``{"lines": [{"sku", "quantity"} | {"product_id", "variation_id",
        "quantity"}], "status": "processing", "shipping_method_id": "flat_rate"}``."""
        body = request.get_json(force=True) or {}
        status = body.get("status", "processing")
        if status not in ORDER_STATUSES:
            return jsonify({"error": f"status must be one of {', '.join(ORDER_STATUSES)}"}), 400
        store = emulator.store
        with store.lock:
            lines = []
            for n, raw in enumerate(body.get("lines") or []):
                product, variation, quantity = resolve_line(store, raw, n)
                lines.append(order_line(store, product, variation, quantity))
            if not lines:
                return jsonify({"error": "an order needs lines"}), 400
            method = body.get("shipping_method_id", "flat_rate")
            shipping = next((s for s in SHIPPING if s[0] == method), (method, method, 9))
            order = new_order(store, random.Random(store.next_id), lines, shipping=shipping)
            order = store.add_order(order, status)
            done(store)
            return jsonify(render.order(store, order, site()))

    @app.get("/_emulator/orders/<int:order_id>")
    def get_order(order_id):
        store = emulator.store
        with store.lock:
            order = store.orders.get(order_id)
            if order is None:
                return jsonify({"error": "no such order"}), 404
            return jsonify(
                {
                    **render.order(store, order, site()),
                    "stock_reduced": order.get("stock_reduced", False),
                    "notes": [n["note"] for n in store.notes.get(order_id, [])],
                    "trackings": store.trackings.get(order_id, []),
                }
            )

    @app.post("/_emulator/orders/<int:order_id>/status")
    def order_status(order_id):
        """An admin changes the status (the status hooks run: stock, notes, webhook)."""
        status = (request.get_json(force=True) or {}).get("status")
        if status not in ORDER_STATUSES:
            return jsonify({"error": f"status must be one of {', '.join(ORDER_STATUSES)}"}), 400
        store = emulator.store
        with store.lock:
            order = store.orders.get(order_id)
            if order is None:
                return jsonify({"error": "no such order"}), 404
            store.set_order_status(order, status)
            done(store)
            return jsonify(
                {**render.order(store, order, site()), "stock_reduced": order["stock_reduced"]}
            )

    @app.get("/_emulator/products/<int:product_id>")
    def get_product(product_id):
        store = emulator.store
        with store.lock:
            record = store.products.get(product_id)
            if record is None:
                return jsonify({"error": "no such product"}), 404
            return jsonify(
                {
                    **render.product(store, record, site()),
                    "weight_kg": kg(record, store.weight_unit),
                }
            )

    @app.get("/_emulator/sku/<path:sku>")
    def by_sku(sku):
        store = emulator.store
        with store.lock:
            product_id = store.by_sku.get(sku)
            if product_id is None:
                return jsonify({"error": "no such sku"}), 404
            return get_product(product_id)

    @app.post("/_emulator/products/<int:product_id>")
    def edit_product(product_id):
        """An edit in the store admin, in REST field names (``regular_price``, ``sku``…)."""
        store = emulator.store
        with store.lock:
            record = store.products.get(product_id)
            if record is None:
                return jsonify({"error": "no such product"}), 404
            body = request.get_json(force=True) or {}
            apply_product_fields(
                store, record, validate_product_fields(body, record["type"] == "variation")
            )
            done(store)
            return jsonify(render.product(store, record, site()))

    @app.post("/_emulator/products/<int:product_id>/stock")
    def set_stock(product_id):
        """``{"quantity": n}`` or ``{"delta": n}``: stock changed in the admin (or a sale
        elsewhere); the product must manage stock."""
        body = request.get_json(force=True) or {}
        store = emulator.store
        with store.lock:
            record = store.products.get(product_id)
            holder = store.stock_holder(record) if record is not None else None
            if holder is None:
                return jsonify({"error": "no such product, or it does not manage stock"}), 404
            quantity = (
                body["quantity"]
                if "quantity" in body
                else (holder["stock_quantity"] or 0) + int(body.get("delta", 0))
            )
            store.set_stock(holder, int(quantity))
            done(store)
            return jsonify(
                {
                    "id": holder["id"],
                    "stock_quantity": holder["stock_quantity"],
                    "stock_status": holder["stock_status"],
                }
            )

    @app.post("/_emulator/webhooks/drop")
    def drop():
        count = int((request.get_json(force=True) or {}).get("count", 1))
        with emulator.store.lock:
            emulator.dispatcher.drop += count
        return jsonify({"ok": True, "drop_pending": emulator.dispatcher.drop})

    @app.get("/_emulator/webhooks/deliveries")
    def deliveries():
        if request.args.get("wait"):
            emulator.dispatcher.wait(float(request.args["wait"]))
        with emulator.dispatcher.log_lock:
            return jsonify(list(emulator.dispatcher.log))

    @app.get("/_emulator/webhooks")
    def webhook_secrets():
        """The subscriptions with their secrets (the REST view hides them)."""
        store = emulator.store
        with store.lock:
            return jsonify(
                [
                    {
                        k: w[k]
                        for k in (
                            "id",
                            "name",
                            "topic",
                            "delivery_url",
                            "status",
                            "secret",
                            "failure_count",
                        )
                    }
                    for w in store.webhooks.values()
                ]
            )
