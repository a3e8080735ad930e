"""A small JSON store served over HTTP in tests: products, orders, stock, shipments, faults.

Its plumbing is the hub's emulator kit: injected faults and the request log
(``hub.testing.emulator``), the Bearer token check (``hub.testing.credentials``) and the
control endpoints (``hub.testing.control``)."""

import copy
import io
import struct
import zlib

from flask import Flask, abort, jsonify, redirect, request

from hub.testing.control import ControlAPI
from hub.testing.credentials import CredentialGuard, same_secret
from hub.testing.emulator import EmulatorKit

TOKEN = "test-token"
# the kit's "slow" waits 10 s unless told; this store's waits 1 s
ALIASES = {"slow": lambda spec: {**spec, "delay": spec.get("delay") or 1.0}}


def store_error(fault):
    """An injected fault as this store answers it: a revoked token, or a crash."""
    if fault.fault == "auth":
        return jsonify({"error": "bad token"}), 401
    return jsonify({"error": "boom"}), fault.status or 503


class FaultQueue:
    """``state.faults.append({"fault": ..., "count": n})``: how the hub's own tests queue a
    fault without going through ``POST /_emulator/faults`` (both reach the same kit)."""

    def __init__(self, kit):
        self.kit = kit

    def append(self, spec):
        self.kit.add_fault(spec)


def tiny_png(seed):
    """A valid 1x1 PNG whose colour depends on ``seed`` (distinct content hashes)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00" + bytes([seed % 256, (seed * 7) % 256, (seed * 13) % 256])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class StoreState:
    def __init__(self):
        self.products = {}  # id -> dict
        self.orders = {}  # id -> dict
        self.stock = {}  # product id -> quantity
        self.shipments = []  # what was confirmed
        self.pushes = []  # every stock push received
        self.kit = EmulatorKit(
            render_error=store_error, aliases=ALIASES, malform=lambda body: "{not json"
        )
        self.faults = FaultQueue(self.kit)
        self.clock = 0

    def tick(self):
        self.clock += 1
        return f"2026-01-01T00:{self.clock // 60:02d}:{self.clock % 60:02d}Z"

    def add_product(self, pid, sku, name, **extra):
        self.products[str(pid)] = {
            "id": str(pid),
            "sku": sku,
            "name": name,
            "weight": extra.pop("weight", "0.5"),
            "price": extra.pop("price", "10.00"),
            "barcode": extra.pop("barcode", None),
            "parent": extra.pop("parent", None),
            "images": extra.pop("images", []),
            "updated": self.tick(),
            **extra,
        }
        self.stock.setdefault(str(pid), extra.get("stock", 0))

    def set_stock(self, pid, quantity):
        """The store sold or received something (a control request): None for no product."""
        if pid not in self.stock:
            return None
        self.stock[pid] = quantity
        return {"id": pid, "quantity": quantity}

    def add_order(
        self,
        oid,
        number,
        lines,
        paid=True,
        cancelled=False,
        method="standard",
        created="2026-06-01T10:00:00Z",
    ):
        self.orders[str(oid)] = {
            "id": str(oid),
            "number": number,
            "paid": paid,
            "cancelled": cancelled,
            "fulfilled": False,
            "refunded": False,
            "method": method,
            "created": created,
            "updated": self.tick(),
            "lines": lines,
        }


def create_store(state=None):  # noqa: C901 - the test shop's app factory; the branches are its nested views'
    state = state or StoreState()
    app = Flask("testshop")
    app.config["state"] = state

    # the token is checked before any injected fault (a wrong token is refused even while a
    # fault is pending): the guard's hook is registered first
    CredentialGuard(
        lambda given: same_secret(given.secret, TOKEN) and given.scheme == "bearer",
        lambda given: (jsonify({"error": "bad token"}), 401),
        exempt=("/images/",),
    ).protect(app)
    state.kit.init_app(app)  # /_emulator/faults, /_emulator/requests, the fault hooks
    ControlAPI(
        state=lambda: {
            "products": len(state.products),
            "orders": len(state.orders),
            "shipments": len(state.shipments),
            "pushes": len(state.pushes),
            "requests": state.kit.requests,
        },
        reset=state.kit.reset,
        stock=lambda pid: {"id": pid, "quantity": state.stock[pid]} if pid in state.stock else None,
        set_stock=lambda pid, body: state.set_stock(pid, int(body["quantity"])),
    ).init_app(app)

    def _page(items, key):
        since = request.args.get("since")
        items = sorted(items, key=lambda x: (x[key], x["id"]))
        if since:
            items = [i for i in items if i[key] > since]
        return jsonify({"items": copy.deepcopy(items)})

    @app.get("/products")
    def products():
        return _page(list(state.products.values()), "updated")

    @app.get("/orders")
    def orders():
        key = "updated" if request.args.get("by") == "updated" else "created"
        return _page(list(state.orders.values()), key)

    @app.get("/orders/count")
    def open_orders_count():
        """The open orders (neither cancelled, refunded nor fulfilled) created at or after
        ``created_since``: what ``hub_count_open_orders`` asks."""
        since = request.args.get("created_since") or ""
        count = sum(
            1
            for o in state.orders.values()
            if o["created"] >= since and not (o["cancelled"] or o["refunded"] or o["fulfilled"])
        )
        return jsonify({"count": count})

    @app.get("/orders/<oid>")
    def order(oid):
        if oid not in state.orders:
            abort(404)
        return jsonify(state.orders[oid])

    @app.get("/stock")
    def stock():
        return jsonify({"items": [{"id": pid, "quantity": q} for pid, q in state.stock.items()]})

    @app.post("/stock")
    def push_stock():
        results = []
        for item in request.get_json()["items"]:
            state.pushes.append(item)
            current = state.stock.get(item["id"])
            if item.get("previous") is not None and current != item["previous"]:
                results.append({"id": item["id"], "status": "conflict", "quantity": current})
                continue
            state.stock[item["id"]] = item["quantity"]
            results.append({"id": item["id"], "status": "ok", "quantity": item["quantity"]})
        return jsonify({"results": results})

    @app.post("/shipments")
    def ship():
        data = request.get_json()
        if any(s["shipment_id"] == data["shipment_id"] for s in state.shipments):
            return jsonify({"status": "already"}), 200
        order = state.orders.get(data["order_id"])
        if order is None:
            return jsonify({"error": "no such order"}), 422
        state.shipments.append(data)
        order["fulfilled"] = True
        return jsonify({"status": "ok", "id": f"S{len(state.shipments)}"})

    @app.get("/images/go")
    def image_redirect():  # a store that sends the hub elsewhere (tests of the outbound guard)
        return redirect(request.args["to"], code=int(request.args.get("code", 302)))

    @app.get("/images/<int:seed>.png")
    def image(seed):
        if seed == 404:
            abort(404)
        return app.response_class(io.BytesIO(tiny_png(seed)).getvalue(), mimetype="image/png")

    @app.get("/shop")
    def shop():
        return jsonify({"name": "Test Shop"})

    return app
