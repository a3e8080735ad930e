"""The Flask app of the WooCommerce emulator.

A request to ``/wp-json/…`` goes as through ``WP_REST_Server::serve_request``: the method override
(``_method`` or ``X-HTTP-Method-Override``), authentication (``auth.py``; an error there answers
before routing), the key's read/write permission (``rest_pre_dispatch``), the route (404
``rest_no_route``), the route's permission check (401 for an anonymous caller), the JSON body
(400 ``rest_invalid_json``), the handler, ``_fields`` filtering. Errors are WordPress's
``{"code", "message", "data": {"status", …}}``. Then the request's events are handed to the
webhook dispatcher. Everything runs under the store's lock.
"""

import json
import struct
import zlib
from datetime import datetime

from flask import Flask, Response, request

from connect_woocommerce_emulator import auth, catalogue, control, render, sales, webhooks
from connect_woocommerce_emulator.params import Args
from connect_woocommerce_emulator.routes import Router, denied
from connect_woocommerce_emulator.seed import seed_store
from connect_woocommerce_emulator.store import RestError
from hub.testing.emulator import EmulatorKit

DEMO_CONSUMER_KEY = "ck_4f7c2e1d9b8a6c5e3f2a1b0c9d8e7f6a5b4c3d2e"
DEMO_CONSUMER_SECRET = "cs_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"  # noqa: S105 - the demo store's
READONLY_CONSUMER_KEY = "ck_0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
READONLY_CONSUMER_SECRET = "cs_7654321098fedcba7654321098fedcba76543210"  # noqa: S105
WC_VERSION = "9.4.2"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
PHP_NOTICE = (
    "<br />\n<b>Deprecated</b>:  Creation of dynamic property WC_Product_Simple::$meta is "
    "deprecated in <b>/var/www/html/wp-content/plugins/some-plugin/inc/hooks.php</b> on line "
    "<b>42</b><br />\n"
)
CRITICAL = {
    "code": "internal_server_error",
    "message": '<p>There has been a critical error on this website.</p><p><a href="https://wordpress.org/'
    'documentation/article/faq-troubleshooting/">Learn more about troubleshooting '
    "WordPress.</a></p>",
    "data": {"status": 500},
    "additional_errors": [],
}
MAINTENANCE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Maintenance</title></head>'
    "<body><h1>Briefly unavailable for scheduled maintenance. Check back in a minute.</h1>"
    "</body></html>"
)
# the emulator's own fault names (its tests and the connector's use them) as the kit's standard
# ones: "500" is WordPress's critical error, "503" its maintenance page, "timeout" a slow answer
ALIASES = {
    "500": {"fault": "5xx", "status": 500},
    "503": {"fault": "5xx", "status": 503},
    "timeout": {"fault": "slow"},
}


class Call:
    """One REST request as the handlers see it."""

    def __init__(self, emulator, args, body, site):
        self.emulator = emulator
        self.store = emulator.store
        self.args = args
        self.body = body
        self.site = site
        self.query = request.args
        self.url = site + request.path
        self.after = []  # run after the lock is released, before answering (the webhook ping)


class Emulator:
    """The state behind one app: the seeded store, API keys, faults, webhook dispatcher."""

    def __init__(self, products, orders, seed, options):
        self.params = (products, orders, seed)
        options = dict(options)
        self.shipment_tracking = bool(options.pop("shipment_tracking", True))
        self.require_https_basic = bool(options.pop("require_https_basic", True))
        keys = options.pop("keys", None) or {
            DEMO_CONSUMER_KEY: (DEMO_CONSUMER_SECRET, "read_write"),
            READONLY_CONSUMER_KEY: (READONLY_CONSUMER_SECRET, "read"),
        }
        self.keys = auth.Keys(keys)
        self.webhook_delay = float(options.pop("webhook_delay", 0.0))
        self.options = options
        self.kit = EmulatorKit(
            api_prefix="/wp-json",
            render_error=_fault_response,
            aliases=ALIASES,
            malform=_behind_a_php_notice,
        )
        self.router = Router()
        for part in (catalogue.router, sales.router, webhooks.router):
            self.router.routes.extend(part.routes)
        if self.shipment_tracking:
            self.router.routes.extend(sales.tracking_router.routes)
        self.store = None
        self.reset()
        self.dispatcher = webhooks.Dispatcher(self, delay=self.webhook_delay)

    def reset(self):
        products, orders, seed = self.params
        self.store = seed_store(products, orders, seed, **self.options)
        self.kit.reset()

    @property
    def faults(self):
        """The faults waiting (``hub.testing.emulator.Fault``): ``.clear()`` ends them."""
        return self.kit.faults

    @property
    def requests(self):
        return self.kit.requests


def create_app(products=30, orders=20, seed=3, **options):
    """A seeded WooCommerce store. Options: ``variations_per_product`` (every variable product
    gets exactly N variations; default a mix of 2–6), ``weight_unit`` ("kg" | "g" | "lbs" |
    "oz"), ``shipment_tracking`` (True: the Shipment Tracking extension is installed),
    ``require_https_basic`` (True: Basic auth only over HTTPS, as WooCommerce),
    ``timezone`` (the site's, "Europe/Paris"), ``keys`` ({consumer_key: (secret, "read" |
    "write" | "read_write")}), ``webhook_delay`` (seconds before a delivery runs, 0)."""
    if options.get("weight_unit", "kg") not in catalogue.WEIGHT_UNITS:
        raise ValueError("weight_unit must be kg, g, lbs or oz")
    app = Flask("connect_woocommerce_emulator")
    emulator = Emulator(products, orders, seed, options)
    app.config["EMULATOR"] = emulator

    @app.route("/wp-json", defaults={"path": ""}, methods=METHODS)
    @app.route("/wp-json/", defaults={"path": ""}, methods=METHODS)
    @app.route("/wp-json/<path:path>", methods=METHODS)
    def rest(path):
        return _serve(emulator, "/" + path.rstrip("/") if path else "/")

    @app.get("/wp-content/uploads/<path:name>")
    def upload(name):
        return Response(_png(zlib.crc32(name.encode())), content_type="image/png")

    emulator.kit.init_app(app)  # /_emulator/faults, /_emulator/requests, the fault hooks
    control.register(app, emulator)
    return app


def _fault_response(fault):
    """What a client meets in front of a real WordPress (the kit serves ``slow`` and
    ``malformed`` itself)."""
    if fault.fault == "429":  # core has no limiter: a host, CDN or security plugin answers 429
        return Response(
            "<html><head><title>429 Too Many Requests</title></head>"
            "<body><h1>Too Many Requests</h1></body></html>",
            status=429,
            content_type="text/html",
        )
    if fault.fault == "auth":  # a key revoked in WooCommerce > Settings > Advanced > REST API
        return _error(
            RestError("woocommerce_rest_authentication_error", "Consumer key is invalid.", 401)
        )
    if fault.status == 503:  # wp_maintenance(): the .maintenance file while an update runs
        return Response(
            MAINTENANCE,
            status=503,
            content_type="text/html; charset=utf-8",
            headers={"Retry-After": "600"},
        )
    # WP_Fatal_Error_Handler answers a REST request with this JSON
    status = fault.status or 500
    return _json({**CRITICAL, "data": {"status": status}}, status)


def _behind_a_php_notice(body):
    """A PHP notice printed before the JSON (display_errors on), the JSON cut short."""
    return PHP_NOTICE + body[: max(1, len(body) // 2)]


def _json(payload, status=200, headers=None):
    body = render.wp_json(payload)
    response = Response(body, status=status, content_type="application/json; charset=UTF-8")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _error(error, challenge=False):
    headers = {"WWW-Authenticate": auth.BASIC_REALM} if challenge else None
    return _json(error.body(), error.status, headers)


def _site():
    """``home_url()``: the scheme is the request's (``is_ssl()``), the host its Host header."""
    return request.host_url.rstrip("/")


def _method():
    override = request.args.get("_method") or request.headers.get("X-HTTP-Method-Override")
    if request.method == "POST" and override:
        return override.upper()
    return request.method


def _body(method):
    if method in ("GET", "HEAD", "DELETE"):
        return {}
    raw = request.get_data(cache=True)
    if request.mimetype == "application/json":
        if not raw.strip():
            return {}
        try:
            parsed = json.loads(raw)
        except ValueError as exc:
            raise RestError(
                "rest_invalid_json",
                "Invalid JSON body passed.",
                400,
                json_error_code=4,
                json_error_message=f"Syntax error ({exc.msg})",
            ) from None
        return parsed if isinstance(parsed, dict) else {}
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return dict(request.form.items())
    return {}


def _serve(emulator, path):
    site = _site()
    store = emulator.store
    method = _method()
    after = []
    try:
        with store.lock:
            if path in ("/", ""):
                return _json(_index(emulator, site))
            if path.strip("/") in _namespaces(emulator):  # a namespace's index is public too
                return _json(_namespace(emulator, path.strip("/"), site))
            caller = auth.authenticate(request, emulator.keys, site, emulator.require_https_basic)
            auth.check_permissions(caller, method)
            if method == "OPTIONS":
                emulator.router.match(path, "GET")
                return _json({"namespace": path.strip("/").split("/")[0], "methods": ["GET"]})
            permission, handler, groups = emulator.router.match(path, method)
            if caller.key is None:
                raise denied(permission)
            body = _body(method)
            args = Args(request.args, body)
            call = Call(emulator, args, body, site)
            payload, status, headers = handler(call, **groups)
            after = call.after
            emulator.dispatcher.enqueue(store, site)
            payload = _fields(payload, request.args.get("_fields"))
    except RestError as error:
        with store.lock:
            emulator.dispatcher.enqueue(store, site)  # a batch's good items still raise events
        return _error(error, challenge=getattr(error, "challenge", False))
    for step in after:
        step()
    response = _json(payload, status, headers)
    if method == "HEAD":
        response.set_data(b"")
    return response


def _fields(payload, raw):
    """``rest_filter_response_fields``: keep only the ``_fields`` listed (``a.b`` for nested)."""
    if not raw:
        return payload
    # get_fields_for_response: "id" is always kept
    wanted = [*(f.strip() for f in raw.split(",") if f.strip()), "id"]

    def pick(item):
        if not isinstance(item, dict):
            return item
        out = {}
        for field in wanted:
            head, _, rest = field.partition(".")
            if head not in item:
                continue
            if rest and isinstance(item[head], dict):
                out.setdefault(head, {})
                if rest in item[head]:
                    out[head][rest] = item[head][rest]
            else:
                out[head] = item[head]
        return out

    return [pick(i) for i in payload] if isinstance(payload, list) else pick(payload)


def _namespaces(emulator):
    if emulator.shipment_tracking:
        return ("wc/v3", "wc-shipment-tracking/v3")
    return ("wc/v3",)


def _namespace(emulator, namespace, site):
    """``GET /wp-json/wc/v3``: the namespace and its routes (their methods)."""
    routes = {}
    for route in emulator.router.routes:
        pattern = route.pattern.pattern[1:].removesuffix("/?$")
        if pattern.startswith(f"/{namespace}"):
            routes[pattern] = {"namespace": namespace, "methods": sorted(route.handlers)}
    return {
        "namespace": namespace,
        "routes": routes,
        "_links": {"up": [{"href": f"{site}/wp-json/"}]},
    }


def _index(emulator, site):
    """``GET /wp-json/``: the site description (public)."""
    namespaces = ["wp/v2", *_namespaces(emulator)]
    return {
        "name": "Hub demo WooCommerce",
        "description": "A WooCommerce emulator",
        "url": site,
        "home": site,
        "gmt_offset": emulator.store.tz.utcoffset(datetime.now()).total_seconds() / 3600,
        "timezone_string": str(emulator.store.tz),
        "namespaces": namespaces,
        "authentication": [],
        "routes": {},
    }


def _png(seed):
    """A valid 1x1 PNG whose colour depends on ``seed`` (product images)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    pixel = bytes([0, seed & 0xFF, (seed >> 8) & 0xFF, (seed >> 16) & 0xFF])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(pixel))
        + chunk(b"IEND", b"")
    )
