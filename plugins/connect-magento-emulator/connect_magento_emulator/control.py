"""The Magento emulator's control endpoints under ``/_emulator`` (not Magento's): state,
reset, store switches, and helpers that add or change products and orders and show
stock, reservations, salable quantities and shipments. Faults and the request log are the
hub's emulator kit's (``hub.testing.emulator``, mounted by ``app.py``)."""

from dataclasses import asdict

from flask import Blueprint, current_app, request

from connect_magento_emulator.responses import json_response
from connect_magento_emulator.store import StockError

bp = Blueprint("control", __name__)


# -- control endpoints -------------------------------------------------------------------


@bp.route("/_emulator/state")
def emulator_state():
    emu = current_app.extensions["magento_emulator"]
    summary = emu.store.summary()
    summary["requests"] = dict(emu.state["requests"])
    summary["pending_faults"] = [asdict(f) for f in emu.kit.faults]
    return json_response(summary)


@bp.route("/_emulator/reset", methods=["POST"])
def emulator_reset():
    emu = current_app.extensions["magento_emulator"]
    emu.reset()
    return json_response({"ok": True})


@bp.route("/_emulator/config", methods=["POST"])
def emulator_config():
    """Flip store switches: msi, deduct_at_order, can_subtract, denied_resources,
    acl_status, integration_as_bearer, expire_admin_tokens."""
    emu = current_app.extensions["magento_emulator"]
    data = request.get_json(force=True)
    for key in ("msi", "deduct_at_order", "can_subtract"):
        if key in data:
            emu.config[key] = bool(data[key])
            setattr(emu.store, key, emu.config[key])
    if "denied_resources" in data:
        emu.config["denied_resources"] = set(data["denied_resources"] or ())
    if "acl_status" in data:
        emu.config["acl_status"] = int(data["acl_status"])
    if "integration_as_bearer" in data:
        emu.auth.integration_as_bearer = bool(data["integration_as_bearer"])
    if data.get("expire_admin_tokens"):
        emu.auth.expire_admin_tokens()
    return json_response({"ok": True})


@bp.route("/_emulator/products", methods=["POST"])
def emulator_products():
    emu = current_app.extensions["magento_emulator"]
    product = emu.store.add_or_touch_product(request.get_json(force=True))
    return json_response(emu.store.render_product(product))


@bp.route("/_emulator/products/<int:pid>", methods=["POST"])
def emulator_product_patch(pid):
    emu = current_app.extensions["magento_emulator"]
    data = dict(request.get_json(force=True), id=pid)
    if pid not in emu.store.products:
        return json_response({"error": "no such product"}, 404)
    return json_response(emu.store.render_product(emu.store.add_or_touch_product(data)))


@bp.route("/_emulator/orders", methods=["POST"])
def emulator_order_create():
    emu = current_app.extensions["magento_emulator"]
    st = emu.store
    data = request.get_json(force=True)
    products = [st.products[st.by_sku[s]] for s in data.get("skus", [])]
    if not products:
        products = [next(p for p in st.products.values() if p["type_id"] == "simple")]
    try:
        order = st.create_order(
            products,
            state=data.get("state", "new"),
            status=data.get("status", "pending"),
            qty=data.get("qty"),
        )
    except StockError as exc:
        return json_response({"message": str(exc)}, 400)
    return json_response(st.render_order(order))


@bp.route("/_emulator/orders/<int:oid>", methods=["POST"])
def emulator_order(oid):
    emu = current_app.extensions["magento_emulator"]
    st = emu.store
    order = st.orders.get(oid)
    if order is None:
        return json_response({"error": "no such order"}, 404)
    try:
        return json_response(st.render_order(st.set_order(order, request.get_json(force=True))))
    except StockError as exc:
        return json_response({"message": str(exc)}, 400)


@bp.route("/_emulator/stock/<path:sku>")
def emulator_stock(sku):
    emu = current_app.extensions["magento_emulator"]
    st = emu.store
    with st.lock:
        return json_response(
            {code: dict(v) for (s, code), v in st.source_items.items() if s == sku}
        )


@bp.route("/_emulator/reservations")
def emulator_reservations():
    """The inventory_reservation table (MSI), oldest first."""
    emu = current_app.extensions["magento_emulator"]
    return json_response(list(emu.store.reservations))


@bp.route("/_emulator/salable/<path:sku>")
def emulator_salable(sku):
    """What the store can still sell of ``sku`` in its current stock mode."""
    emu = current_app.extensions["magento_emulator"]
    st = emu.store
    with st.lock:
        return json_response(
            {
                "sku": sku,
                "mode": st.stock_mode,
                "sellable": st.sellable_qty(sku),
                "reserved": st.reserved(sku),
                "source": {c: v["quantity"] for (s, c), v in st.source_items.items() if s == sku},
            }
        )


@bp.route("/_emulator/shipments")
def emulator_shipments():
    emu = current_app.extensions["magento_emulator"]
    return json_response(list(emu.store.shipments.values()))
