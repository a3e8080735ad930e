"""The Magento emulator's control endpoints under ``/_emulator`` (not Magento's), on the kit's
:class:`hub.testing.control.ControlAPI`: state, reset, products and orders to add or change,
and the source items of a SKU; beside them its own: store switches (``config``), the
reservations, salable quantities and shipments. Faults and the request log are the hub's
emulator kit's (``hub.testing.emulator``, mounted by ``app.py``)."""

from dataclasses import asdict

from connect_magento_emulator.store import StockError
from hub.testing.control import ControlAPI, ControlError, body


def control_api(emu):
    """The control endpoints over the ``Emulator`` ``emu``, each under its store's lock (looked
    up at each request: a reset replaces the store)."""
    control = ControlAPI(
        state=lambda: _state(emu),
        reset=emu.reset,
        stock=lambda sku: _source_items(emu.store, sku),
        add_product=lambda data: emu.store.render_product(emu.store.add_or_touch_product(data)),
        change_product=lambda ref, data: _change_product(emu.store, ref, data),
        add_order=lambda data: _add_order(emu.store, data),
        change_order=lambda ref, data: _change_order(emu.store, ref, data),
        lock=lambda: emu.store.lock,
    )
    bp = control.blueprint

    @bp.post("/config")
    def config():
        """Flip store switches: msi, deduct_at_order, can_subtract, denied_resources,
        acl_status, integration_as_bearer, expire_admin_tokens."""
        data = body()
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
        return {"ok": True}

    @bp.get("/reservations")
    def reservations():
        """The inventory_reservation table (MSI), oldest first."""
        with emu.store.lock:
            return list(emu.store.reservations)

    @bp.get("/salable/<path:sku>")
    def salable(sku):
        """What the store can still sell of ``sku`` in its current stock mode."""
        st = emu.store
        with st.lock:
            return {
                "sku": sku,
                "mode": st.stock_mode,
                "sellable": st.sellable_qty(sku),
                "reserved": st.reserved(sku),
                "source": {c: v["quantity"] for (s, c), v in st.source_items.items() if s == sku},
            }

    @bp.get("/shipments")
    def shipments():
        with emu.store.lock:
            return list(emu.store.shipments.values())

    return control


def _state(emu):
    summary = emu.store.summary()
    summary["requests"] = dict(emu.state["requests"])
    summary["pending_faults"] = [asdict(f) for f in emu.kit.faults]
    return summary


def _source_items(st, sku):
    """``sku``'s source items by source code (None when it has none)."""
    items = {code: dict(v) for (s, code), v in st.source_items.items() if s == sku}
    return items or None


def _change_product(st, ref, data):
    if not ref.isdigit() or int(ref) not in st.products:
        return None
    return st.render_product(st.add_or_touch_product(dict(data, id=int(ref))))


def _add_order(st, data):
    """A customer's order of ``skus`` (the first simple product when none), in ``state`` /
    ``status`` ("new" / "pending"), ``qty`` of each."""
    unknown = [s for s in data.get("skus", []) if s not in st.by_sku]
    if unknown:
        raise ControlError(404, f"no such product: {unknown[0]}")
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
        raise _refused(exc) from None
    return st.render_order(order)


def _change_order(st, ref, data):
    """``{"paid": true}``, ``{"cancelled": true}``, ... as ``Store.set_order`` takes them."""
    order = st.orders.get(int(ref)) if ref.isdigit() else None
    if order is None:
        return None
    try:
        return st.render_order(st.set_order(order, data))
    except StockError as exc:
        raise _refused(exc) from None


def _refused(exc):
    """Magento's answer to an order the stock refuses: a 400 ``{"message": ...}``."""
    return ControlError(400, str(exc), {"message": str(exc)})
