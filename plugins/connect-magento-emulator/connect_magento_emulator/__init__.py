"""A Magento 2.4 REST emulator (Flask) for tests, the demo and the benchmarks.

``create_app(products=N, orders=M, seed=S, **options)``; see the package README for the
routes, the control endpoints under ``/_emulator`` and the demo credentials.
"""

import hashlib
import json
import re
import threading
import time

from flask import Flask, Response, request

from connect_magento_emulator.auth import DEMO_CREDENTIALS, Authenticator, AuthFailure
from connect_magento_emulator.search import (
    SearchError,
    apply_fields,
    echo_criteria,
    filter_items,
    page,
    parse_fields,
    parse_search_criteria,
    sort_items,
)
from connect_magento_emulator.store import SOURCES, STOCK_TYPES, StockError, Store

__all__ = ["create_app", "DEMO_CREDENTIALS"]

STORE_CODES = ("default", "all")
NO_ROUTE = {"message": "Request does not match any route.", "trace": None}
NOT_FOUND_ENTITY = "The entity that was requested doesn't exist. Verify the entity and try again."
NOT_FOUND_PRODUCT = (
    "The product that was requested doesn't exist. Verify the product and try again."
)
# (method or None, path prefix, resource), first match wins; from the <resources> of each
# route in the modules' etc/webapi.xml (magento/inventory InventoryApi/etc/webapi.xml,
# InventorySalesApi/etc/webapi.xml; magento2 app/code/Magento/*/etc/webapi.xml)
ACL = [
    ("POST", "/V1/inventory/source-items", "Magento_InventoryApi::stock_source_item_assign"),
    (None, "/V1/inventory/get-product-salable-quantity", "Magento_InventorySalesApi::stock"),
    (None, "/V1/inventory", "Magento_InventoryApi::source"),
    (None, "/V1/products", "Magento_Catalog::products"),
    (None, "/V1/configurable-products", "Magento_Catalog::products"),
    (None, "/V1/stockItems", "Magento_CatalogInventory::cataloginventory"),
    (None, "/V1/orders", "Magento_Sales::actions_view"),
    (None, "/V1/order/", "Magento_Sales::ship"),
    (None, "/V1/shipment", "Magento_Sales::shipment"),
    (None, "/V1/store", "Magento_Backend::store"),
]
# routes that exist only with the MSI modules (without them: 404 "Request does not match any
# route.", answered before any ACL check: Webapi RequestValidator matches the route first)
MSI_ROUTES = ("sources_list", "source_items_list", "source_items_save", "salable_qty_get")


def _dumps(data):
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _json(data, status=200, headers=None):
    return Response(_dumps(data), status=status, mimetype="application/json", headers=headers)


def _error(message, status=400, parameters=None, **extra):
    body = {"message": message}
    if parameters is not None:
        body["parameters"] = parameters
    body.update(extra)
    return _json(body, status)


class Faults:
    """Injected misbehaviour: the next ``count`` matching API requests fail."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = []

    def add(self, spec):
        with self.lock:
            self.pending.append(
                {
                    "fault": spec["fault"],
                    "count": int(spec.get("count", 1)),
                    "delay": float(spec.get("delay", 0) or 0),
                    "path": spec.get("path"),
                    "retry_after": spec.get("retry_after"),
                    "status": int(spec.get("status", 200 if spec["fault"] == "body" else 503)),
                    "body": spec.get("body"),
                }
            )

    def take(self, path):
        with self.lock:
            for fault in self.pending:
                if fault["count"] > 0 and (not fault["path"] or fault["path"] in path):
                    fault["count"] -= 1
                    if fault["count"] == 0:
                        self.pending.remove(fault)
                    return fault
        return None

    def clear(self):
        with self.lock:
            self.pending.clear()


def create_app(products=100, orders=20, seed=1, **options):
    """Options: ``msi`` (True), ``deduct_at_order`` (False: MSI with a module that deducts at
    order placement instead of reserving), ``can_subtract`` (True: legacy "Decrease Stock When
    Order is Placed"), ``configurables``, ``virtuals``, ``integration_as_bearer``
    (False, like 2.4.4+), ``admin_token_ttl`` (14400 s), ``max_page_size`` (300: the
    Web API input limit; 0 disables it), ``credentials`` (override the demo set),
    ``denied_resources`` (ACL resources the integration lacks), ``acl_status`` (401, what
    Magento answers for them; 403 emulates a proxy/WAF that turns them into 403)."""
    app = Flask("connect_magento_emulator")
    config = {
        "products": products,
        "orders": orders,
        "seed": seed,
        "msi": options.get("msi", True),
        "deduct_at_order": options.get("deduct_at_order", False),
        "can_subtract": options.get("can_subtract", True),
        "configurables": options.get("configurables"),
        "virtuals": options.get("virtuals"),
        "denied_resources": set(options.get("denied_resources") or ()),
        "acl_status": int(options.get("acl_status", 401)),
    }

    def new_store():
        return Store(
            config["products"],
            config["orders"],
            config["seed"],
            configurables=config["configurables"],
            msi=config["msi"],
            virtuals=config["virtuals"],
            deduct_at_order=config["deduct_at_order"],
            can_subtract=config["can_subtract"],
        )

    state = {"store": new_store(), "requests": {}}
    auth = Authenticator(
        options.get("credentials"),
        integration_as_bearer=options.get("integration_as_bearer", False),
        admin_token_ttl=options.get("admin_token_ttl", 14400),
    )
    faults = Faults()
    max_page_size = options.get("max_page_size", 300)
    app.config["EMULATOR"] = {"state": state, "auth": auth, "faults": faults}
    routes = []

    def route(method, pattern):
        regex = re.compile("^" + re.sub(r":(\w+)", r"(?P<\1>[^/]+)", pattern) + "$")

        def deco(fn):
            routes.append((method, regex, fn))
            return fn

        return deco

    def store():
        return state["store"]

    # -- searchCriteria helpers --------------------------------------------------------------

    def criteria_or_error(required=True):
        criteria = parse_search_criteria(request.args)
        if criteria is None and required:
            raise SearchError(
                '"%fieldName" is required. Enter and try again.', {"fieldName": "searchCriteria"}
            )
        if criteria and max_page_size and (criteria.get("page_size") or 0) > max_page_size:
            raise SearchError("Maximum SearchCriteria pageSize is %max", {"max": max_page_size})
        return criteria

    def list_response(kind, source, getter, render, criteria, default_sort=None):
        """Filter + sort (cached per store version, like an index) then page and render."""
        st = store()
        key = (
            kind,
            _dumps(criteria.get("filter_groups") if criteria else None),
            _dumps(criteria.get("sort_orders") if criteria else None),
        )
        cached = st.search_cache.get(key)
        if cached is None:
            items = filter_items(source(), criteria, getter)
            cached = sort_items(items, criteria, getter, default_sort)
            st.search_cache[key] = cached
        items, total = page(cached, criteria)
        return {
            "items": [render(i) for i in items],
            "search_criteria": echo_criteria(criteria),
            "total_count": total,
        }

    # -- store -------------------------------------------------------------------------------

    @route("GET", "/V1/store/storeConfigs")
    def store_configs():
        base = request.host_url
        return [
            {
                "id": 1,
                "code": "default",
                "website_id": 1,
                "locale": "en_US",
                "base_currency_code": "USD",
                "default_display_currency_code": "USD",
                "timezone": "America/Chicago",
                "weight_unit": options.get("weight_unit", "lbs"),
                "base_url": base,
                "base_link_url": base,
                "base_static_url": base + "static/",
                "base_media_url": base + "media/",
                "secure_base_url": base,
                "secure_base_link_url": base,
                "secure_base_static_url": base + "static/",
                "secure_base_media_url": base + "media/",
            }
        ]

    @route("GET", "/V1/store/storeViews")
    def store_views():
        return [
            {
                "id": 0,
                "code": "admin",
                "name": "Admin",
                "website_id": 0,
                "store_group_id": 0,
                "is_active": 1,
            },
            {
                "id": 1,
                "code": "default",
                "name": options.get("store_name", "Default Store View"),
                "website_id": 1,
                "store_group_id": 1,
                "is_active": 1,
            },
        ]

    # -- catalogue ---------------------------------------------------------------------------

    @route("GET", "/V1/products")
    def products_list():
        st = store()
        with st.lock:
            return list_response(
                "products",
                lambda: list(st.products.values()),
                st.product_field,
                st.render_product,
                criteria_or_error(),
            )

    @route("GET", "/V1/products/:sku")
    def product_get(sku):
        st = store()
        with st.lock:
            pid = st.by_sku.get(sku)
            if pid is None:
                return _error(NOT_FOUND_PRODUCT, 404)
            return st.render_product(st.products[pid])

    @route("GET", "/V1/products/:sku/media")
    def product_media(sku):
        st = store()
        with st.lock:
            pid = st.by_sku.get(sku)
            if pid is None:
                return _error(NOT_FOUND_PRODUCT, 404)
            return st.render_product(st.products[pid])["media_gallery_entries"]

    @route("GET", "/V1/configurable-products/:sku/children")
    def configurable_children(sku):
        st = store()
        with st.lock:
            pid = st.by_sku.get(sku)
            if pid is None:
                return _error(NOT_FOUND_PRODUCT, 404)
            return [st.render_product(st.products[c]) for c in st.products[pid]["children"]]

    # -- legacy CatalogInventory -------------------------------------------------------------

    @route("GET", "/V1/stockItems/:sku")
    def stock_item_get(sku):
        st = store()
        with st.lock:
            pid = st.by_sku.get(sku)
            if pid is None:
                return _error('The Product with the "%1" SKU doesn\'t exist.', 404, [sku])
            item = st.source_items.get((sku, "default"), {"quantity": 0, "status": 0})
            return st.legacy_stock_item(st.products[pid], item)

    @route("PUT", "/V1/products/:sku/stockItems/:item_id")
    def stock_item_put(sku, item_id):
        st = store()
        body = request.get_json(silent=True) or {}
        stock_item = body.get("stockItem")
        if not isinstance(stock_item, dict):
            return _error(
                '"%fieldName" is required. Enter and try again.', 400, {"fieldName": "stockItem"}
            )
        with st.lock:
            pid = st.by_sku.get(sku)
            if pid is None:
                return _error('The Product with the "%1" SKU doesn\'t exist.', 404, [sku])
            item = st.source_items.setdefault((sku, "default"), {"quantity": 0.0, "status": 0})
            if "qty" in stock_item:
                item["quantity"] = float(stock_item["qty"])
            in_stock = stock_item.get("is_in_stock")
            item["status"] = int(item["quantity"] > 0 if in_stock is None else bool(in_stock))
            st.products[pid]["updated_at"] = st.now()
            st.touch()
            return pid

    # -- MSI ---------------------------------------------------------------------------------

    def source_item_field(item, field):
        (sku, code), values = item
        if field == "sku":
            return sku
        if field == "source_code":
            return code
        return values.get(field)

    def render_source_item(item):
        (sku, code), values = item
        return {
            "sku": sku,
            "source_code": code,
            "quantity": values["quantity"],
            "status": values["status"],
        }

    @route("GET", "/V1/inventory/sources")
    def sources_list():
        criteria = criteria_or_error(required=False)
        items = filter_items(SOURCES, criteria, lambda s, f: s.get(f))
        items, total = page(items, criteria)
        return {"items": items, "search_criteria": echo_criteria(criteria), "total_count": total}

    @route("GET", "/V1/inventory/source-items")
    def source_items_list():
        st = store()
        with st.lock:
            return list_response(
                "source_items",
                lambda: list(st.source_items.items()),
                source_item_field,
                render_source_item,
                criteria_or_error(),
                default_sort=[{"field": "sku", "direction": "ASC"}],
            )

    @route("POST", "/V1/inventory/source-items")
    def source_items_save():
        st = store()
        body = request.get_json(silent=True)
        items = body.get("sourceItems") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return _error(
                '"%fieldName" is required. Enter and try again.', 400, {"fieldName": "sourceItems"}
            )
        list_limit = options.get("input_limit_list") or 0
        if list_limit and len(items) > list_limit:
            return _error(
                'Maximum items of type "%type" is %max',
                400,
                {
                    "type": "\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface",
                    "max": list_limit,
                },
            )
        codes = {s["source_code"] for s in SOURCES}
        errors = []
        for item in items:
            for field in ("sku", "source_code", "quantity", "status"):
                if not isinstance(item, dict) or item.get(field) in (None, ""):
                    errors.append(
                        {"message": '"%field" can not be empty.', "parameters": {"field": field}}
                    )
            if (
                isinstance(item, dict)
                and item.get("source_code") not in (None, "")
                and item["source_code"] not in codes
            ):
                errors.append(
                    {
                        "message": 'Source with code "%code" does not exist.',
                        "parameters": {"code": item["source_code"]},
                    }
                )
        if errors:
            return _error("Validation Failed", 400, errors=errors)
        with st.lock:
            for item in items:
                st.source_items[(item["sku"], item["source_code"])] = {
                    "quantity": float(item["quantity"]),
                    "status": int(item["status"]),
                }
            st.touch()
        return []

    @route("GET", "/V1/inventory/get-product-salable-quantity/:sku/:stock_id")
    def salable_qty_get(sku, stock_id):
        """InventorySalesApi GetProductSalableQtyInterface::execute (a bare number)."""
        st = store()
        with st.lock:
            pid = st.by_sku.get(sku)
            if pid is None:
                return _error(NOT_FOUND_PRODUCT, 404)
            if st.products[pid]["type_id"] not in STOCK_TYPES:
                return _error(
                    "Can't check requested quantity for products without Source Items support.",
                    400,
                )
            if not stock_id.isdigit():
                return _error(NOT_FOUND_ENTITY, 404)
            return st.salable_qty(sku, int(stock_id))

    # -- sales -------------------------------------------------------------------------------

    def order_field(order, field):
        return order.get(field)

    @route("GET", "/V1/orders")
    def orders_list():
        st = store()
        with st.lock:
            return list_response(
                "orders",
                lambda: list(st.orders.values()),
                order_field,
                st.render_order,
                criteria_or_error(),
            )

    @route("GET", "/V1/orders/:order_id")
    def order_get(order_id):
        st = store()
        with st.lock:
            order = st.orders.get(int(order_id)) if order_id.isdigit() else None
            if order is None:
                return _error(NOT_FOUND_ENTITY, 404)
            return st.render_order(order)

    @route("GET", "/V1/shipments")
    def shipments_list():
        st = store()
        with st.lock:
            return list_response(
                "shipments",
                lambda: list(st.shipments.values()),
                lambda s, f: s.get(f),
                lambda s: s,
                criteria_or_error(),
            )

    @route("GET", "/V1/shipment/:shipment_id")
    def shipment_get(shipment_id):
        st = store()
        with st.lock:
            shipment = st.shipments.get(int(shipment_id)) if shipment_id.isdigit() else None
            if shipment is None:
                return _error(NOT_FOUND_ENTITY, 404)
            return shipment

    @route("POST", "/V1/order/:order_id/ship")
    def order_ship(order_id):
        st = store()
        body = request.get_json(silent=True)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            return _error("Decoding error.", 400)
        with st.lock:
            order = st.orders.get(int(order_id)) if order_id.isdigit() else None
            if order is None:
                return _error(NOT_FOUND_ENTITY, 404)
            doc_error = "Shipment Document Validation Error(s):\n%1\n"
            if order["state"] in ("canceled", "closed", "holded", "payment_review") or not any(
                st.remaining(i) > 0 for i in order["items"] if "parent_item_id" not in i
            ):
                return _error(
                    doc_error, 400, ["The order does not allow a shipment to be created."]
                )
            by_id = {i["item_id"]: i for i in order["items"]}
            requested = []
            for req in body.get("items") or []:
                item = by_id.get(int(req.get("order_item_id") or 0))
                qty = req.get("qty")
                if item is None or "parent_item_id" in item:
                    # a configurable's child line is a "dummy": the parent line is shipped
                    return _error(doc_error, 400, ["You can't create a shipment without products."])
                if not isinstance(qty, (int, float)) or qty <= 0 or qty > st.remaining(item):
                    return _error(
                        doc_error, 400, ["The order does not allow a shipment to be created."]
                    )
                requested.append({"order_item_id": item["item_id"], "qty": qty})
            tracks = body.get("tracks") or []
            for track in tracks:
                if not track.get("track_number") or not track.get("carrier_code"):
                    return _error(doc_error, 400, ["Please enter a tracking number."])
            source = ((body.get("arguments") or {}).get("extension_attributes") or {}).get(
                "source_code"
            )
            if config["msi"] and source and source not in {s["source_code"] for s in SOURCES}:
                return _error('Source with code "%code" does not exist.', 400, {"code": source})
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
                return _error(str(exc), 400)
            return shipment["entity_id"]

    @route("POST", "/V1/shipment/track")
    def shipment_track_add():
        entity = (request.get_json(silent=True) or {}).get("entity")
        if not isinstance(entity, dict):
            return _error(
                '"%fieldName" is required. Enter and try again.', 400, {"fieldName": "entity"}
            )
        st = store()
        with st.lock:
            shipment = st.shipments.get(int(entity.get("parent_id") or 0))
            if shipment is None:
                return _error(NOT_FOUND_ENTITY, 404)
            if not entity.get("track_number"):
                return _error("Please enter a tracking number.", 400)
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

    @route("POST", "/V1/integration/admin/token")
    def admin_token():
        body = request.get_json(silent=True) or {}
        try:
            return auth.issue_admin_token(body.get("username"), body.get("password"))
        except AuthFailure as exc:
            return _error(exc.message, 401)

    # -- dispatch ----------------------------------------------------------------------------

    def resource_for(path, method=None):
        for verb, prefix, resource in ACL:
            if path.startswith(prefix) and (verb is None or verb == method):
                return resource
        return "Magento_Backend::admin"

    @app.route("/rest/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
    def rest_api(rest):
        parts = rest.split("/")
        if parts[0] == "V1":
            store_code = "default"
        else:
            store_code, parts = parts[0], parts[1:]
        if not parts or parts[0] != "V1":
            return _json(NO_ROUTE, 404)
        if store_code not in STORE_CODES:
            return _error(
                "The store that was requested wasn't found. Verify the store and try again.", 400
            )
        path = "/" + "/".join(parts)
        counters = state["requests"]
        fault = faults.take(path)
        if fault is not None:
            response = apply_fault(fault, path)
            if response is not None:
                return response
        fn = match = None
        for method, regex, handler in routes:
            match = regex.match(path)
            if match and method == request.method:
                fn = handler
                break
        if fn is None:
            return _json(NO_ROUTE, 404)
        if fn is not admin_token:
            if fn.__name__ in MSI_ROUTES and not config["msi"]:
                return _json(NO_ROUTE, 404)
            try:
                raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
                raw_path = (raw_uri or request.path).split("?", 1)[0]
                url = f"{request.scheme}://{request.host}{raw_path}"
                auth.check(
                    request.headers.get("Authorization"),
                    request.method,
                    url,
                    request.environ.get("QUERY_STRING", ""),
                )
            except AuthFailure as exc:
                if exc.message == "unauthenticated":
                    return _error(
                        "The consumer isn't authorized to access %resources.",
                        401,
                        {"resources": resource_for(path, request.method)},
                    )
                return _error(exc.message, 401, exc.parameters)
            resource = resource_for(path, request.method)
            if resource in config["denied_resources"]:
                # Webapi RequestValidator::checkPermissions -> AuthorizationException, which
                # ErrorProcessor::maskException answers with 401 (acl_status 403: a proxy's)
                return _error(
                    "The consumer isn't authorized to access %resources.",
                    config["acl_status"],
                    {"resources": resource},
                )
        counters[fn.__name__] = counters.get(fn.__name__, 0) + 1
        try:
            result = fn(**match.groupdict())
        except SearchError as exc:
            return _error(exc.message, 400, exc.parameters)
        if isinstance(result, Response):
            return result
        if "fields" in request.args and request.args["fields"]:
            try:
                result = apply_fields(result, parse_fields(request.args["fields"]))
            except SearchError as exc:
                return _error(exc.message, 400, exc.parameters)
        if fault is not None and fault["fault"] == "malformed":
            return Response(
                _dumps(result)[:40] + "\n<br />\n<b>Fatal error</b>",
                200,
                mimetype="application/json",
            )
        return _json(result)

    def apply_fault(fault, path):
        kind = fault["fault"]
        if kind == "slow":
            time.sleep(fault["delay"] or 2.0)  # the one deliberate sleep: an injected fault
            return None
        if kind == "5xx":
            status = fault["status"] if 500 <= fault["status"] < 600 else 503
            if status == 503:
                return Response(
                    "<html><head><title>503 Service Unavailable</title></head>"
                    "<body><h1>Service Unavailable</h1></body></html>",
                    503,
                    mimetype="text/html",
                )
            report = hashlib.sha1(str(time.time()).encode(), usedforsecurity=False).hexdigest()
            message = (
                "Internal Error. Details are available in Magento log file. "
                f"Report ID: webapi-{report[:13]}"
            )
            return _json({"message": message}, status)
        if kind == "body":  # a well-formed JSON answer of the wrong shape
            return _json(fault["body"], fault["status"])
        if kind == "throttle":
            headers = {"Retry-After": str(fault["retry_after"])} if fault["retry_after"] else None
            return _json({"message": "Too Many Requests", "trace": None}, 429, headers)
        if kind == "auth":
            return _error(
                "The consumer isn't authorized to access %resources.",
                401,
                {"resources": resource_for(path, request.method)},
            )
        return None  # "malformed" is applied to the response body

    # -- media and version -------------------------------------------------------------------

    @app.route("/media/catalog/product/<path:file>")
    def media(file):
        st = store()
        known = (
            any("/" + file in p["images"] for p in st.products.values())
            if len(st.products) < 5000
            else True
        )
        if not known:
            return Response("Not Found", 404)
        digest = hashlib.sha256(file.encode()).digest()
        # a tiny valid JPEG-ish payload: SOI + the file's digest + EOI
        return Response(b"\xff\xd8\xff\xe0" + digest + b"\xff\xd9", mimetype="image/jpeg")

    @app.route("/magento_version")
    def magento_version():
        return Response(
            options.get("version_banner", "Magento/2.4 (Community)"), mimetype="text/html"
        )

    # -- control endpoints -------------------------------------------------------------------

    @app.route("/_emulator/state")
    def emulator_state():
        summary = store().summary()
        summary["requests"] = dict(state["requests"])
        summary["pending_faults"] = [dict(f) for f in faults.pending]
        return _json(summary)

    @app.route("/_emulator/faults", methods=["POST"])
    def emulator_faults():
        spec = request.get_json(force=True)
        if spec.get("fault") not in ("5xx", "slow", "malformed", "throttle", "auth", "body"):
            return _json({"error": "fault must be 5xx|slow|malformed|throttle|auth|body"}, 400)
        faults.add(spec)
        return _json({"ok": True, "pending": faults.pending})

    @app.route("/_emulator/reset", methods=["POST"])
    def emulator_reset():
        state["store"] = new_store()
        state["requests"] = {}
        faults.clear()
        auth.nonces.clear()
        return _json({"ok": True})

    @app.route("/_emulator/config", methods=["POST"])
    def emulator_config():
        """Flip store switches: msi, deduct_at_order, can_subtract, denied_resources,
        acl_status, integration_as_bearer, expire_admin_tokens."""
        data = request.get_json(force=True)
        for key in ("msi", "deduct_at_order", "can_subtract"):
            if key in data:
                config[key] = bool(data[key])
                setattr(store(), key, config[key])
        if "denied_resources" in data:
            config["denied_resources"] = set(data["denied_resources"] or ())
        if "acl_status" in data:
            config["acl_status"] = int(data["acl_status"])
        if "integration_as_bearer" in data:
            auth.integration_as_bearer = bool(data["integration_as_bearer"])
        if data.get("expire_admin_tokens"):
            auth.expire_admin_tokens()
        return _json({"ok": True})

    @app.route("/_emulator/products", methods=["POST"])
    def emulator_products():
        product = store().add_or_touch_product(request.get_json(force=True))
        return _json(store().render_product(product))

    @app.route("/_emulator/products/<int:pid>", methods=["POST"])
    def emulator_product_patch(pid):
        data = dict(request.get_json(force=True), id=pid)
        if pid not in store().products:
            return _json({"error": "no such product"}, 404)
        return _json(store().render_product(store().add_or_touch_product(data)))

    @app.route("/_emulator/orders", methods=["POST"])
    def emulator_order_create():
        st = store()
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
            return _json({"message": str(exc)}, 400)
        return _json(st.render_order(order))

    @app.route("/_emulator/orders/<int:oid>", methods=["POST"])
    def emulator_order(oid):
        st = store()
        order = st.orders.get(oid)
        if order is None:
            return _json({"error": "no such order"}, 404)
        try:
            return _json(st.render_order(st.set_order(order, request.get_json(force=True))))
        except StockError as exc:
            return _json({"message": str(exc)}, 400)

    @app.route("/_emulator/stock/<path:sku>")
    def emulator_stock(sku):
        st = store()
        with st.lock:
            return _json({code: dict(v) for (s, code), v in st.source_items.items() if s == sku})

    @app.route("/_emulator/reservations")
    def emulator_reservations():
        """The inventory_reservation table (MSI), oldest first."""
        return _json(list(store().reservations))

    @app.route("/_emulator/salable/<path:sku>")
    def emulator_salable(sku):
        """What the store can still sell of ``sku`` in its current stock mode."""
        st = store()
        with st.lock:
            return _json(
                {
                    "sku": sku,
                    "mode": st.stock_mode,
                    "sellable": st.sellable_qty(sku),
                    "reserved": st.reserved(sku),
                    "source": {
                        c: v["quantity"] for (s, c), v in st.source_items.items() if s == sku
                    },
                }
            )

    @app.route("/_emulator/shipments")
    def emulator_shipments():
        return _json(list(store().shipments.values()))

    return app
