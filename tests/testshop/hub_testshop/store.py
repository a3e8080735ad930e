"""A small JSON store served over HTTP in tests: products, orders, stock, shipments, faults."""

import copy
import io
import struct
import time
import zlib

from flask import Flask, abort, jsonify, redirect, request

TOKEN = "test-token"
FAULTS = ("5xx", "auth", "slow", "malformed")


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
        self.faults = []  # [{"fault": "5xx"|"auth"|"malformed"|"slow", "count": n}]
        self.requests = 0
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

    @app.before_request
    def _faults():
        if request.path.startswith("/_"):
            return None
        state.requests += 1
        if request.headers.get(
            "Authorization"
        ) != f"Bearer {TOKEN}" and not request.path.startswith("/images/"):
            return jsonify({"error": "bad token"}), 401
        for fault in state.faults:
            if fault["count"] > 0 and fault.get("path", "") in request.path:
                fault["count"] -= 1
                if fault["fault"] == "5xx":
                    return jsonify({"error": "boom"}), 503
                if fault["fault"] == "auth":
                    return jsonify({"error": "bad token"}), 401
                if fault["fault"] == "slow":
                    time.sleep(fault.get("delay", 1))
                    return None
                if fault["fault"] == "malformed":
                    return app.response_class("{not json", mimetype="application/json")
        return None

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

    @app.post("/_emulator/faults")
    def add_fault():  # the contract suite's standard names (hub.testing.faults)
        fault = request.get_json()
        if fault.get("fault") not in FAULTS:
            return jsonify({"error": f"fault must be {'|'.join(FAULTS)}"}), 400
        state.faults.append(fault)
        return jsonify({"faults": len(state.faults)})

    @app.get("/_emulator/state")
    def get_state():
        return jsonify(
            {
                "products": len(state.products),
                "orders": len(state.orders),
                "shipments": len(state.shipments),
                "pushes": len(state.pushes),
            }
        )

    @app.get("/shop")
    def shop():
        return jsonify({"name": "Test Shop"})

    return app
