"""The Magento emulator's Web API entry point: ``/rest/[<store code>/]V1/...`` (store code,
route, injected faults, authentication, ACL, ``fields=``), product media and the version
banner. The REST routes themselves are in ``catalog.py`` and ``sales.py``."""

import hashlib
import time

from flask import Blueprint, Response, current_app, request

from connect_magento_emulator import catalog, sales  # noqa: F401 - they fill REST
from connect_magento_emulator.auth import AuthFailure
from connect_magento_emulator.emulator import REST
from connect_magento_emulator.responses import NO_ROUTE, error, json_response
from connect_magento_emulator.search import SearchError, apply_fields, parse_fields

STORE_CODES = ("default", "all")
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

bp = Blueprint("rest", __name__)


# -- dispatch ----------------------------------------------------------------------------


def resource_for(path, method=None):
    for verb, prefix, resource in ACL:
        if path.startswith(prefix) and (verb is None or verb == method):
            return resource
    return "Magento_Backend::admin"


@bp.route("/rest/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
def rest_api(rest):  # noqa: C901 - Magento's REST path dispatch (store code, V1, resource, method), one table of routes
    emu = current_app.extensions["magento_emulator"]
    parts = rest.split("/")
    if parts[0] == "V1":
        store_code = "default"
    else:
        store_code, parts = parts[0], parts[1:]
    if not parts or parts[0] != "V1":
        return json_response(NO_ROUTE, 404)
    if store_code not in STORE_CODES:
        return error(
            "The store that was requested wasn't found. Verify the store and try again.", 400
        )
    path = "/" + "/".join(parts)
    counters = emu.state["requests"]
    fn = match = None
    for method, regex, handler in REST.routes:
        match = regex.match(path)
        if match and method == request.method:
            fn = handler
            break
    if fn is None:
        return json_response(NO_ROUTE, 404)
    if fn is not sales.admin_token:
        if fn.__name__ in MSI_ROUTES and not emu.config["msi"]:
            return json_response(NO_ROUTE, 404)
        try:
            raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
            raw_path = (raw_uri or request.path).split("?", 1)[0]
            url = f"{request.scheme}://{request.host}{raw_path}"
            emu.auth.check(
                request.headers.get("Authorization"),
                request.method,
                url,
                request.environ.get("QUERY_STRING", ""),
            )
        except AuthFailure as exc:
            if exc.message == "unauthenticated":
                return error(
                    "The consumer isn't authorized to access %resources.",
                    401,
                    {"resources": resource_for(path, request.method)},
                )
            return error(exc.message, 401, exc.parameters)
        resource = resource_for(path, request.method)
        if resource in emu.config["denied_resources"]:
            # Webapi RequestValidator::checkPermissions -> AuthorizationException, which
            # ErrorProcessor::maskException answers with 401 (acl_status 403: a proxy's)
            return error(
                "The consumer isn't authorized to access %resources.",
                emu.config["acl_status"],
                {"resources": resource},
            )
    counters[fn.__name__] = counters.get(fn.__name__, 0) + 1
    try:
        result = fn(emu, **match.groupdict())
    except SearchError as exc:
        return error(exc.message, 400, exc.parameters)
    if isinstance(result, Response):
        return result
    if request.args.get("fields"):
        try:
            result = apply_fields(result, parse_fields(request.args["fields"]))
        except SearchError as exc:
            return error(exc.message, 400, exc.parameters)
    return json_response(result)


def fault_response(fault):
    """A fault's answer as Magento (or what fronts it) gives it; the hub's emulator kit serves
    ``slow``, ``malformed`` and ``body`` itself."""
    if fault.fault == "429":
        return json_response({"message": "Too Many Requests", "trace": None}, 429)
    if fault.fault == "auth":
        return error(
            "The consumer isn't authorized to access %resources.",
            401,
            {"resources": resource_for(_v1_path(request.path), request.method)},
        )
    status = fault.status if fault.status and 500 <= fault.status < 600 else 503
    if status == 503:
        return Response(
            "<html><head><title>503 Service Unavailable</title></head>"
            "<body><h1>Service Unavailable</h1></body></html>",
            503,
            mimetype="text/html",
        )
    report = hashlib.sha1(str(time.time()).encode(), usedforsecurity=False).hexdigest()
    message = "Internal Error. Details are available in Magento log file. Report ID: webapi-"
    message += report[:13]
    return json_response({"message": message}, status)


def fatal_error_after(body):
    """A malformed answer: the JSON cut after 40 characters, then PHP's fatal error."""
    return body[:40] + "\n<br />\n<b>Fatal error</b>"


def _v1_path(path):
    """``/V1/...`` of ``/rest[/store code]/V1/...``."""
    index = path.find("/V1/")
    return path[index:] if index >= 0 else path


@bp.route("/media/catalog/product/<path:file>")
def media(file):
    emu = current_app.extensions["magento_emulator"]
    st = emu.store
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


@bp.route("/magento_version")
def magento_version():
    emu = current_app.extensions["magento_emulator"]
    return Response(
        emu.options.get("version_banner", "Magento/2.4 (Community)"), mimetype="text/html"
    )
