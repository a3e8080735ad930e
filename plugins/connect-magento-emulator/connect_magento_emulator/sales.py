"""REST routes of sales: orders, shipments (``POST /V1/order/:id/ship``), tracks, and the
admin token. Each handler takes the ``Emulator`` and the path's parameters."""

from flask import request

from connect_magento_emulator.auth import AuthFailure
from connect_magento_emulator.emulator import REST
from connect_magento_emulator.responses import NOT_FOUND_ENTITY, error
from connect_magento_emulator.store import SOURCES, StockError

# -- sales -------------------------------------------------------------------------------


def order_field(order, field):
    return order.get(field)


@REST.route("GET", "/V1/orders")
def orders_list(emu):
    st = emu.store
    with st.lock:
        return emu.list_response(
            "orders",
            lambda: list(st.orders.values()),
            order_field,
            st.render_order,
            emu.criteria_or_error(),
        )


@REST.route("GET", "/V1/orders/:order_id")
def order_get(emu, order_id):
    st = emu.store
    with st.lock:
        order = st.orders.get(int(order_id)) if order_id.isdigit() else None
        if order is None:
            return error(NOT_FOUND_ENTITY, 404)
        return st.render_order(order)


@REST.route("GET", "/V1/shipments")
def shipments_list(emu):
    st = emu.store
    with st.lock:
        return emu.list_response(
            "shipments",
            lambda: list(st.shipments.values()),
            lambda s, f: s.get(f),
            lambda s: s,
            emu.criteria_or_error(),
        )


@REST.route("GET", "/V1/shipment/:shipment_id")
def shipment_get(emu, shipment_id):
    st = emu.store
    with st.lock:
        shipment = st.shipments.get(int(shipment_id)) if shipment_id.isdigit() else None
        if shipment is None:
            return error(NOT_FOUND_ENTITY, 404)
        return shipment


@REST.route("POST", "/V1/order/:order_id/ship")
def order_ship(emu, order_id):
    st = emu.store
    body = request.get_json(silent=True)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        return error("Decoding error.", 400)
    with st.lock:
        order = st.orders.get(int(order_id)) if order_id.isdigit() else None
        if order is None:
            return error(NOT_FOUND_ENTITY, 404)
        doc_error = "Shipment Document Validation Error(s):\n%1\n"
        if order["state"] in ("canceled", "closed", "holded", "payment_review") or not any(
            st.remaining(i) > 0 for i in order["items"] if "parent_item_id" not in i
        ):
            return error(doc_error, 400, ["The order does not allow a shipment to be created."])
        by_id = {i["item_id"]: i for i in order["items"]}
        requested = []
        for req in body.get("items") or []:
            item = by_id.get(int(req.get("order_item_id") or 0))
            qty = req.get("qty")
            if item is None or "parent_item_id" in item:
                # a configurable's child line is a "dummy": the parent line is shipped
                return error(doc_error, 400, ["You can't create a shipment without products."])
            if not isinstance(qty, (int, float)) or qty <= 0 or qty > st.remaining(item):
                return error(doc_error, 400, ["The order does not allow a shipment to be created."])
            requested.append({"order_item_id": item["item_id"], "qty": qty})
        tracks = body.get("tracks") or []
        for track in tracks:
            if not track.get("track_number") or not track.get("carrier_code"):
                return error(doc_error, 400, ["Please enter a tracking number."])
        source = ((body.get("arguments") or {}).get("extension_attributes") or {}).get(
            "source_code"
        )
        if emu.config["msi"] and source and source not in {s["source_code"] for s in SOURCES}:
            return error('Source with code "%code" does not exist.', 400, {"code": source})
        try:
            shipment = st.ship(
                order,
                requested,
                tracks,
                notify=bool(body.get("notify")),
                comment=body.get("comment"),
                source_code=source or "default",
            )
        except StockError as exc:  # SourceDeductionService: nothing is saved
            return error(str(exc), 400)
        return shipment["entity_id"]


@REST.route("POST", "/V1/shipment/track")
def shipment_track_add(emu):
    entity = (request.get_json(silent=True) or {}).get("entity")
    if not isinstance(entity, dict):
        return error('"%fieldName" is required. Enter and try again.', 400, {"fieldName": "entity"})
    st = emu.store
    with st.lock:
        shipment = st.shipments.get(int(entity.get("parent_id") or 0))
        if shipment is None:
            return error(NOT_FOUND_ENTITY, 404)
        if not entity.get("track_number"):
            return error("Please enter a tracking number.", 400)
        when = st.now()
        track = {
            "entity_id": shipment["entity_id"] * 10 + len(shipment["tracks"]),
            "parent_id": shipment["entity_id"],
            "order_id": shipment["order_id"],
            "track_number": entity["track_number"],
            "title": entity.get("title"),
            "carrier_code": entity.get("carrier_code"),
            "created_at": when,
            "updated_at": when,
        }
        shipment["tracks"].append(track)
        st.touch()
        return track


@REST.route("POST", "/V1/integration/admin/token")
def admin_token(emu):
    body = request.get_json(silent=True) or {}
    try:
        return emu.auth.issue_admin_token(body.get("username"), body.get("password"))
    except AuthFailure as exc:
        return error(exc.message, 401)
