"""The Flask app of the Shopify emulator: the Admin GraphQL endpoint, the client-credentials
token endpoint, bulk result downloads, product images, and the ``/_emulator`` control API."""

import base64
import json
import os
import re
import secrets
import tempfile
import threading
import time

from flask import Flask, Response, jsonify, request, send_file
from graphql import (
    FieldNode,
    GraphQLError,
    execute,
    parse,
    validate,
)

from connect_shopify_emulator.bulk import BulkOperation, BulkView, check_bulk_query
from connect_shopify_emulator.bulk import start_bulk as _start_bulk
from connect_shopify_emulator.cost import requested_cost, select_operation
from connect_shopify_emulator.resolvers import Mutation, QueryRoot, get_schema, version_at_least
from connect_shopify_emulator.state import Shop

DEMO_TOKEN = "shpat_demo_token"  # noqa: S105 - a documented demo credential
DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105
TOKEN_TTL = 86399
# "In API versions 2026-01 and higher, you can run up to five bulk query operations at a time
# per shop. In API versions prior to 2026-01, you can run only one bulk operation of each type
# ... at a time per shop." (https://shopify.dev/api/usage/bulk-operations/queries ;
# https://shopify.dev/changelog/faster-bulk-operations). Over the cap, bulkOperationRunQuery
# answers LIMIT_REACHED ("Bulk operations limit reached. Please try again later.",
# https://shopify.dev/docs/api/admin-graphql/latest/enums/BulkOperationUserErrorCode); which code
# goes with the five-operation cap is inferred from that description, Shopify does not say.
BULK_CONCURRENCY = 5
VERSIONS = ("2025-07", "2025-10", "2026-01", "2026-04", "2026-07", "2026-10", "2027-01")
MAX_QUERY_COST = 1000  # https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits
# The rest of Shopify's MAX_COST_EXCEEDED message, as a third-party client's test fixture quotes
# a real response (EdStevo/laravel-shopify-graph); the first sentence is the documented one.
MAX_COST_ADVICE = (
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
)
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"  # noqa: S105, E501
ROOT_SCOPES = {
    "products": "read_products",
    "product": "read_products",
    "productVariants": "read_products",
    "productVariant": "read_products",
    "orders": "read_orders",
    "order": "read_orders",
    "locations": "read_locations",
    "location": "read_locations",
    "inventoryItem": "read_inventory",
    "fulfillmentOrder": "read_merchant_managed_fulfillment_orders",
    "inventorySetQuantities": "write_inventory",
    "fulfillmentCreate": "write_merchant_managed_fulfillment_orders",
}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


class Bucket:
    """Shopify's leaky bucket of query cost points."""

    def __init__(self, size, rate, clock):
        self.size, self.rate, self.clock = float(size), float(rate), clock
        self.available, self.t = float(size), clock()

    def refill(self):
        now = self.clock()
        self.available = min(self.size, self.available + (now - self.t) * self.rate)
        self.t = now
        return self.available

    def status(self):
        return {
            "maximumAvailable": self.size,
            "currentlyAvailable": int(self.available),
            "restoreRate": self.rate,
        }


class Emulator:
    def __init__(
        self,
        products=200,
        orders=50,
        seed=1,
        variants=None,
        bucket_size=2000,
        restore_rate=100,
        clock=time.time,
        bulk_dir=None,
        max_query_cost=MAX_QUERY_COST,
        bulk_limit=None,
    ):
        self.args = {"products": products, "orders": orders, "seed": seed, "variants": variants}
        self.clock = clock
        self.max_query_cost = max_query_cost  # a test knob: Shopify's is 1,000
        self.bulk_limit = bulk_limit  # None: Shopify's, by API version (5 from 2026-01, else 1)
        self.bucket_size, self.restore_rate = bucket_size, restore_rate
        self.bulk_dir = bulk_dir or tempfile.mkdtemp(prefix="shopify-emulator-bulk-")
        self.schema = get_schema()
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        self.shop = Shop(clock=self.clock, **self.args)
        self.shop.bulk_operations = {}
        self.bucket = Bucket(self.bucket_size, self.restore_rate, self.clock)
        self.faults = []
        self.tokens = {}  # issued token -> expiry
        self.idempotency = {}
        self.counters = {
            "requests": 0,
            "graphql_requests": 0,
            "throttled": 0,
            "inventory_writes": 0,
            "fulfillments_created": 0,
            "bulk_operations": 0,
            "tokens_issued": 0,
            "bulk_downloads": 0,
            "max_cost_exceeded": 0,
            "bulk_limit_reached": 0,
        }

    # -- faults -------------------------------------------------------------------------------

    def take_fault(self, path):
        with self.lock:
            for fault in self.faults:
                if fault["count"] > 0 and (not fault.get("path") or fault["path"] in path):
                    fault["count"] -= 1
                    return dict(fault)
        return None

    # -- bulk ---------------------------------------------------------------------------------

    def run_bulk(self, query):
        version = request.view_args.get("version", VERSIONS[-1]) if request else VERSIONS[-1]
        concurrent = version_at_least(version, "2026-01")
        limit = self.bulk_limit or (BULK_CONCURRENCY if concurrent else 1)
        now = self.clock()
        running = [op for op in self.shop.bulk_operations.values() if op.running(now)]
        if len(running) >= limit:
            self.counters["bulk_limit_reached"] += 1
            if concurrent:  # several at once allowed: the cap is LIMIT_REACHED
                error = {
                    "code": "LIMIT_REACHED",
                    "field": None,
                    "message": "Bulk operations limit reached. Please try again later.",
                }
            else:
                error = {
                    "code": "OPERATION_IN_PROGRESS",
                    "field": None,
                    "message": f"A bulk query operation for this app and shop is already in "
                    f"progress: {running[0].id}.",
                }
            return {"bulkOperation": None, "userErrors": [error]}
        document, error = check_bulk_query(self.schema, query)
        if error:
            return {
                "bulkOperation": None,
                "userErrors": [{"code": "INVALID", "field": ["query"], "message": error}],
            }
        op = BulkOperation(self.shop.next_num(), query, self.clock())
        self.shop.bulk_operations[op.num] = op
        self.counters["bulk_operations"] += 1
        public = self.shop.public_url
        _start_bulk(
            self.schema,
            self.shop,
            op,
            document,
            self.bulk_dir,
            lambda o: f"{public}/_bulk/{o.num}.jsonl?token={secrets.token_hex(8)}",
        )
        return {"bulkOperation": BulkView(op, "CREATED"), "userErrors": []}


def _count_objects(data):
    if isinstance(data, dict):
        return 1 + sum(_count_objects(v) for v in data.values())
    if isinstance(data, list):
        return sum(_count_objects(v) for v in data)
    return 0


# -- the app -----------------------------------------------------------------------------------


def create_app(products=200, orders=50, seed=1, **options):
    """The emulator as a Flask app. Options: ``variants`` (generate products until this many
    variants exist), ``bucket_size`` / ``restore_rate`` (the cost bucket), ``clock`` (a
    callable returning epoch seconds, shared with a test's fake sleep), ``bulk_dir``,
    ``max_query_cost`` (Shopify's single-query limit, 1,000) and ``bulk_limit`` (concurrent bulk
    queries; None: Shopify's, 5 from 2026-01 and 1 before)."""
    emu = Emulator(products=products, orders=orders, seed=seed, **options)
    app = Flask("connect_shopify_emulator")
    app.config["EMULATOR"] = emu
    schema = emu.schema

    def api_error(status, body, headers=None):
        return Response(
            json.dumps(body), status=status, mimetype="application/json", headers=headers or {}
        )

    def apply_fault(fault):
        """Return a Response for the fault, or None to go on (slow)."""
        kind = fault["fault"]
        if kind == "slow":
            time.sleep(float(fault.get("delay", 1.0)))
            return None
        if kind == "5xx":
            headers = {}
            if fault.get("retry_after") is not None:
                headers["Retry-After"] = str(fault["retry_after"])
            status = int(fault.get("status", 503))
            return api_error(
                status,
                {"errors": "Service Unavailable" if status == 503 else "Internal Server Error"},
                headers,
            )
        if kind == "malformed":
            return Response(
                '{"data": {"shop": {"name": "Hub Demo', status=200, mimetype="application/json"
            )
        if kind == "auth":
            return api_error(401, {"errors": INVALID_TOKEN})
        if kind == "throttle":
            status = int(fault.get("status", 200))
            headers = (
                {"Retry-After": str(fault["retry_after"])}
                if fault.get("retry_after") is not None
                else {}
            )
            cost = int(fault.get("cost", 100))
            throttle = emu.bucket.status()
            throttle["currentlyAvailable"] = int(fault.get("available", 0))
            emu.counters["throttled"] += 1
            return api_error(
                status,
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": {
                        "cost": {
                            "requestedQueryCost": cost,
                            "actualQueryCost": None,
                            "throttleStatus": throttle,
                        }
                    },
                },
                headers,
            )
        return None

    @app.before_request
    def _before():
        emu.shop.public_url = request.host_url.rstrip("/")
        if not request.path.startswith("/_emulator"):
            emu.counters["requests"] += 1
            fault = emu.take_fault(request.path)
            if fault:
                return apply_fault(fault)
        return None

    def authenticated():
        token = request.headers.get("X-Shopify-Access-Token")
        if token == DEMO_TOKEN:
            return True
        expiry = emu.tokens.get(token)
        return expiry is not None and expiry > emu.clock()

    @app.post("/admin/oauth/access_token")
    def access_token():
        data = request.get_json(silent=True) if request.is_json else request.form
        data = data or {}
        if data.get("grant_type") != "client_credentials":
            return api_error(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "The grant type is not supported.",
                },
            )
        if (
            data.get("client_id") != DEMO_CLIENT_ID
            or data.get("client_secret") != DEMO_CLIENT_SECRET
        ):
            return api_error(
                400,
                {"error": "invalid_client", "error_description": "Client authentication failed."},
            )
        token = "shpat_" + secrets.token_hex(16)
        emu.tokens[token] = emu.clock() + TOKEN_TTL
        emu.counters["tokens_issued"] += 1
        return jsonify(
            {"access_token": token, "scope": ",".join(emu.shop.scopes), "expires_in": TOKEN_TTL}
        )

    @app.post("/admin/api/<version>/graphql.json")
    def graphql(version):
        if not (version == "unstable" or re.fullmatch(r"\d{4}-(01|04|07|10)", version)):
            return api_error(404, {"errors": "Not Found"})
        if version != "unstable" and version < VERSIONS[0]:
            version = VERSIONS[0]  # unsupported versions fall forward to the oldest supported
        if not authenticated():
            return api_error(401, {"errors": INVALID_TOKEN})
        if emu.shop.locked:
            return api_error(423, {"errors": "This shop is unavailable"})
        if emu.shop.frozen:
            return api_error(402, {"errors": "Unavailable Shop"})
        emu.counters["graphql_requests"] += 1
        headers = {"X-Shopify-API-Version": version}
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return api_error(
                400, {"errors": {"query": "Required parameter missing or invalid"}}, headers
            )
        variables = body.get("variables") or {}
        try:
            document = parse(body["query"])
        except GraphQLError as exc:
            return api_error(200, {"errors": [exc.formatted]}, headers)
        errors = validate(schema, document)
        if errors:
            return api_error(200, {"errors": [e.formatted for e in errors]}, headers)
        name = body.get("operationName")
        operation = select_operation(document, name)
        requested = requested_cost(schema, document, variables, name)
        with emu.lock:
            available = emu.bucket.refill()
            max_cost = emu.max_query_cost
            if requested > max_cost:
                emu.counters["max_cost_exceeded"] += 1
                return api_error(
                    200,
                    {
                        "errors": [
                            {
                                "message": f"Query cost is {requested}, which exceeds the single "
                                f"query max cost limit ({max_cost}).\n\n" + MAX_COST_ADVICE,
                                "extensions": {
                                    "code": "MAX_COST_EXCEEDED",
                                    "cost": requested,
                                    "maxCost": max_cost,
                                    "documentation": "https://shopify.dev/api/usage/limits#rate-limits",
                                },
                            }
                        ],
                        "extensions": {
                            "cost": {
                                "requestedQueryCost": requested,
                                "actualQueryCost": None,
                                "throttleStatus": emu.bucket.status(),
                            }
                        },
                    },
                    headers,
                )
            if available < requested:
                emu.counters["throttled"] += 1
                return api_error(
                    200,
                    {
                        "errors": [
                            {
                                "message": "Throttled",
                                "extensions": {
                                    "code": "THROTTLED",
                                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                                },
                            }
                        ],
                        "extensions": {
                            "cost": {
                                "requestedQueryCost": requested,
                                "actualQueryCost": None,
                                "throttleStatus": emu.bucket.status(),
                            }
                        },
                    },
                    headers,
                )
            emu.bucket.available -= requested
            denied = []
            for sel in operation.selection_set.selections:
                if isinstance(sel, FieldNode):
                    scope = ROOT_SCOPES.get(sel.name.value)
                    if scope and not _has_scope(emu.shop.scopes, scope):
                        denied.append(
                            {
                                "message": f"Access denied for {sel.name.value} field. Required "
                                f"access: `{scope}` access scope.",
                                "locations": [
                                    {
                                        "line": sel.loc.start_token.line,
                                        "column": sel.loc.start_token.column,
                                    }
                                ],
                                "path": [sel.name.value],
                                "extensions": {
                                    "code": "ACCESS_DENIED",
                                    "documentation": "https://shopify.dev/api/usage/access-scopes",
                                    "requiredAccess": f"`{scope}` access scope.",
                                },
                            }
                        )
            if denied:
                result_data, result_errors = None, denied
            else:
                root = (
                    Mutation(emu)
                    if operation.operation.value == "mutation"
                    else QueryRoot(emu.shop)
                )
                result = execute(
                    schema,
                    document,
                    root_value=root,
                    context_value={"version": version, "emulator": emu},
                    variable_values=variables,
                    operation_name=name,
                )
                result_data = result.data
                result_errors = [e.formatted for e in result.errors] if result.errors else None
            actual = (
                requested
                if operation.operation.value == "mutation"
                else min(requested, max(1, _count_objects(result_data)))
            )
            emu.bucket.available = min(emu.bucket.size, emu.bucket.available + requested - actual)
            payload = {"data": result_data}
            if result_errors:
                payload = {"errors": result_errors, "data": result_data}
            payload["extensions"] = {
                "cost": {
                    "requestedQueryCost": requested,
                    "actualQueryCost": actual,
                    "throttleStatus": emu.bucket.status(),
                }
            }
        return Response(
            json.dumps(payload), status=200, mimetype="application/json", headers=headers
        )

    @app.get("/_bulk/<int:num>.jsonl")
    def bulk_file(num):
        op = emu.shop.bulk_operations.get(num)
        if op is None or not op.path or not os.path.exists(op.path):
            return api_error(404, {"errors": "Not Found"})
        emu.counters["bulk_downloads"] += 1
        return send_file(op.path, mimetype="application/jsonl", conditional=False)

    @app.get("/cdn/shop/files/<path:name>")
    def image(name):
        return Response(PNG, mimetype="image/png")

    # -- control API ----------------------------------------------------------------------

    @app.get("/_emulator/state")
    def state():
        out = emu.shop.summary()
        out.update(
            counters=dict(emu.counters),
            faults=[f for f in emu.faults if f["count"]],
            bucket=emu.bucket.status(),
            tokens=len(emu.tokens),
            bulk_operations=[
                {"id": op.id, "status": op.status, "running": op.running(emu.clock())}
                for op in emu.shop.bulk_operations.values()
            ],
            max_query_cost=emu.max_query_cost,
            idempotency_keys=len(emu.idempotency),
            scopes=emu.shop.scopes,
        )
        return jsonify(out)

    @app.post("/_emulator/faults")
    def faults():
        data = request.get_json(force=True)
        if data.get("fault") not in ("5xx", "slow", "malformed", "throttle", "auth"):
            return api_error(400, {"error": "fault must be 5xx|slow|malformed|throttle|auth"})
        data["count"] = int(data.get("count", 1))
        with emu.lock:
            emu.faults.append(data)
        return jsonify({"ok": True, "faults": emu.faults})

    @app.post("/_emulator/limits")
    def limits():
        """``{"max_query_cost": n}`` (Shopify: 1,000) and ``{"bulk_limit": n}`` (null: by
        version). Test knobs: a lower cost limit proves that a client splits and halves."""
        data = request.get_json(force=True) or {}
        with emu.lock:
            if "max_query_cost" in data:
                emu.max_query_cost = int(data["max_query_cost"] or MAX_QUERY_COST)
            if "bulk_limit" in data:
                emu.bulk_limit = int(data["bulk_limit"]) if data["bulk_limit"] else None
        return jsonify({"max_query_cost": emu.max_query_cost, "bulk_limit": emu.bulk_limit})

    @app.post("/_emulator/bulk/busy")
    def bulk_busy():
        """``{"count": n, "seconds": s}``: n bulk queries of the app that take a slot each for
        s seconds of the emulator's clock (other jobs of the same app, say)."""
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

    @app.post("/_emulator/reset")
    def reset():
        with emu.lock:
            emu.reset()
        return jsonify({"ok": True})

    @app.post("/_emulator/orders/<path:ref>")
    def touch_order(ref):
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

    @app.post("/_emulator/orders")
    def add_order():
        data = request.get_json(force=True) or {}
        with emu.lock:
            try:
                order = emu.shop.add_order(data)
            except (TypeError, ValueError) as exc:
                return api_error(400, {"error": str(exc)})
        return jsonify(
            {
                "id": order.id,
                "name": order.name,
                "lines": [li.id for li in order.lines],
                "fulfillment_orders": [fo.id for fo in order.fulfillment_orders],
            }
        )

    @app.get("/_emulator/orders/<path:ref>")
    def get_order(ref):
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

    @app.post("/_emulator/products")
    def products():
        data = request.get_json(force=True) or {}
        with emu.lock:
            if data.get("touch"):
                product = emu.shop.node(data["touch"])
                if product is None:
                    return api_error(404, {"error": "no such product"})
                product.updated = max(int(emu.clock()), product.updated + 1)
                for v in product._variants:
                    v.updated = product.updated
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

    @app.get("/_emulator/stock/<path:sku>")
    def stock(sku):
        found = emu.shop.stock_of(sku)
        if not found:
            return api_error(404, {"error": f"no variant with SKU {sku}"})
        return jsonify(found)

    @app.post("/_emulator/stock/<path:sku>")
    def set_stock(sku):
        data = request.get_json(force=True) or {}
        loc = emu.shop.location_by_gid(data.get("location_id")) or emu.shop.locations[0]
        with emu.lock:
            for v in emu.shop.variants.values():
                if v.sku == sku and v.num in loc.levels:
                    loc.levels[v.num][0] = int(data["available"])
        return jsonify(emu.shop.stock_of(sku))

    @app.post("/_emulator/scopes")
    def scopes():
        emu.shop.scopes = list((request.get_json(force=True) or {}).get("scopes", []))
        return jsonify({"scopes": emu.shop.scopes})

    @app.post("/_emulator/tokens/expire")
    def expire_tokens():
        for token in emu.tokens:
            emu.tokens[token] = 0
        return jsonify({"expired": len(emu.tokens)})

    @app.post("/_emulator/shop")
    def shop_flags():
        data = request.get_json(force=True) or {}
        emu.shop.frozen = bool(data.get("frozen", emu.shop.frozen))
        emu.shop.locked = bool(data.get("locked", emu.shop.locked))
        return jsonify({"frozen": emu.shop.frozen, "locked": emu.shop.locked})

    return app


def _shipped(order):
    """Quantity shipped per order line item GID, over the order's fulfillments."""
    out = {}
    for f in order.fulfillment_list:
        for fli in f.line_items:
            out[fli.line.id] = out.get(fli.line.id, 0) + fli.quantity
    return out


def _has_scope(granted, scope):
    if scope in granted:
        return True
    if scope.startswith("read_"):  # a write scope implies its read scope
        return "write_" + scope[len("read_") :] in granted
    return False
