"""The Flask app of the PrestaShop Webservice emulator.

Request flow as ``WebserviceRequest::fetch``: webservice enabled (503/22) → authentication (Basic
key as user name, or ``ws_key``; 401 with codes 16/17/18/20/21 and ``WWW-Authenticate``) →
resource known (400/27) and allowed for the key (401/26) → method valid (405/23), not forbidden
for the resource (405/101), allowed for the key (405/25) → the entity request. Reads answer XML
by default and JSON with ``output_format=JSON`` (or the ``Io-Format``/``Output-Format`` header);
writes (POST/PUT/PATCH) take XML bodies only. ``PSWS-Version`` is sent once authenticated.
"""

import gc
import re
import struct
import time
import zlib

import defusedxml.ElementTree as SafeET
from flask import Flask, Response, g, request

from connect_prestashop_emulator import render
from connect_prestashop_emulator.control import control_api
from connect_prestashop_emulator.resources import RESOURCES, SPECIFIC
from connect_prestashop_emulator.seed import seed_store
from connect_prestashop_emulator.store import WebserviceError
from hub.testing.credentials import presented
from hub.testing.emulator import EmulatorKit

DEMO_KEY = "HUBDEMOPRESTASHOPWEBSERVICEKEY01"
READONLY_KEY = "HUBDEMOPRESTASHOPREADONLYKEY0002"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
REALM = (
    'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key '
    'as the login. No password required."'
)
# the emulator's own fault names as the kit's standard ones: "throttle" is a 429 whose
# Retry-After is its "delay"; "slow" waits 1 s unless told (the kit's default is 10 s)
ALIASES = {
    "throttle": lambda spec: {
        **spec,
        "fault": "429",
        "retry_after": spec.get("retry_after") or spec.get("delay") or 1,
    },
    "slow": lambda spec: {**spec, "delay": spec.get("delay") or 1.0},
}
PHP_NOTICE = (
    "<br />\n<b>Notice</b>:  Undefined index: id_lang in <b>/var/www/html/classes/"
    "webservice/WebserviceOutputBuilder.php</b> on line <b>712</b><br />\n"
)


def default_keys():
    everything = {name: set(METHODS) for name in [*RESOURCES, *SPECIFIC]}
    read_only = {
        name: {"GET", "HEAD"}
        for name in [*RESOURCES, *SPECIFIC]
        if name not in ("order_histories", "product_suppliers")
    }
    return {DEMO_KEY: everything, READONLY_KEY: read_only}


class Emulator:
    def __init__(self, products, orders, seed, options):
        self.params = (products, orders, seed)
        self.options = dict(options)
        self.version = self.options.pop("version", "8.1.7")
        self.empty_list_quirk = self.options.pop("empty_list_quirk", True)
        self.keys = self.options.pop("keys", None) or default_keys()
        self.webservice_enabled = self.options.pop("webservice_enabled", True)
        self.kit = EmulatorKit(
            api_prefix="/api",
            render_error=_fault_response,
            aliases=ALIASES,
            malform=_behind_a_php_notice,
        )
        self.reset()

    def reset(self):
        products, orders, seed = self.params
        self.store = seed_store(products, orders, seed, **self.options)
        # the seeded rows live as long as the process: keep them out of the cyclic GC, whose
        # full collections would otherwise walk every row again and again under load
        gc.collect()
        gc.freeze()
        self.emails = 0
        self.kit.reset()

    @property
    def patch_supported(self):
        return int(self.version.split(".")[0]) >= 8

    @property
    def faults(self):
        """The faults waiting (``hub.testing.emulator.Fault``): ``.clear()`` ends them."""
        return self.kit.faults

    @property
    def requests(self):
        """Webservice requests since the last reset."""
        return self.kit.requests


def create_app(products=100, orders=50, seed=1, **options):
    """A seeded emulator. Options: ``version`` ("8.1.7"; "1.7.8.11" has no PATCH),
    ``empty_list_quirk`` (True: an empty JSON list is ``[]``), ``combinations_per_product``,
    ``combination_ratio``, ``state_ids_offset`` (custom order-state ids), ``timezone``,
    ``shop_name``, ``keys`` ({key: {resource: {methods}}}), ``webservice_enabled``."""
    app = Flask("connect_prestashop_emulator")
    emulator = Emulator(products, orders, seed, options)
    app.config["EMULATOR"] = emulator

    emulator.kit.init_app(app)  # /_emulator/faults, /_emulator/requests, the fault hooks

    @app.route("/api", defaults={"path": ""}, methods=METHODS)
    @app.route("/api/", defaults={"path": ""}, methods=METHODS)
    @app.route("/api/<path:path>", methods=METHODS)
    def api(path):
        # Reads (GET, HEAD) share the store, writes take it alone. One lock for every request
        # made concurrent reads wait for each other, so a benchmark measured the emulator
        # instead of the connector. A read changes nothing that another read sees: it only
        # memoises what every reader computes alike (Table.sorted_ids, Store._stock_rows_of),
        # and never runs beside a write, which clears those memos. The method is the one
        # dispatched (ps_method overrides the verb), so a POST that reads locks as a read.
        store = emulator.store
        read = (request.args.get("ps_method") or request.method).upper() in ("GET", "HEAD")
        try:
            with store.lock.reading() if read else store.lock.writing():
                return _dispatch(emulator, path)
        except WebserviceError as exc:
            return _error(exc.status, [(exc.code, exc.message)], getattr(g, "headers", None))

    control_api(emulator, DEMO_KEY).init_app(app)
    return app


# -- the Webservice --------------------------------------------------------------------------


def _wants_json():
    fmt = (
        request.args.get("output_format")
        or request.args.get("io_format")
        or request.headers.get("Io-Format")
        or request.headers.get("Output-Format")
        or ""
    )
    return fmt.upper() == "JSON"


def _headers(extra=None):
    headers = {
        "X-Powered-By": "PrestaShop Webservice",
        "Execution-Time": "0.004",
        "Access-Time": str(int(time.time())),
    }
    headers.update(getattr(g, "headers", None) or {})
    headers.update(extra or {})
    return headers


def _fault_response(fault):
    """A fault's answer as PrestaShop's front (the kit serves ``slow`` and ``malformed``)."""
    if fault.fault == "429":  # no limiter in core: a host/WAF answers 429 with Retry-After
        return Response(
            "<html><body><h1>429 Too Many Requests</h1></body></html>",
            status=429,
            content_type="text/html",
        )
    if fault.fault == "auth":
        return _error(
            401,
            [
                (20, "Authentification key is not active"),
                (21, "No permission for this authentication key"),
            ],
            {"WWW-Authenticate": REALM},
        )
    return Response("", status=fault.status or 500)  # PHP's fatal error: an empty 500


def _behind_a_php_notice(body):
    """A PHP notice printed before the document (display_errors on), the document cut short."""
    return PHP_NOTICE + body[: max(1, len(body) // 2)]


def _error(status, errors, extra=None):
    if _wants_json():
        return Response(
            render.errors_json(errors),
            status=status,
            content_type="application/json",
            headers=_headers(extra),
        )
    return Response(
        render.errors_xml(errors),
        status=status,
        content_type="text/xml;charset=utf-8",
        headers=_headers(extra),
    )


def _ok(payload, status=200, json_payload=None):
    if json_payload is not None:
        return Response(
            json_payload, status=status, content_type="application/json", headers=_headers()
        )
    return Response(
        payload, status=status, content_type="text/xml;charset=utf-8", headers=_headers()
    )


def _authenticate(emulator):
    """The key's permissions, or the Webservice's 401 (``WebserviceRequest::authenticate``):
    the key is Basic auth's user name (no password) or the ``ws_key`` parameter."""
    given = presented(query="ws_key")
    if given.scheme == "basic":
        key = given.user
    else:  # a Bearer header is not PrestaShop's: the ws_key parameter still counts
        key = request.args.get("ws_key")
    if key is None:
        raise WebserviceError(
            401, "Please enter the authentication key as the login. No password required", 16
        )
    key = key.strip()
    if not key:
        raise WebserviceError(401, "Authentication key is empty", 17)
    if len(key) != 32:
        raise WebserviceError(401, "Invalid authentication key format", 18)
    permissions = emulator.keys.get(key)
    if permissions is None:
        g.headers = {"WWW-Authenticate": REALM}
        raise _MultiError(
            401,
            [
                (20, "Authentification key is not active"),
                (21, "No permission for this authentication key"),
            ],
        )
    g.headers = {"PSWS-Version": emulator.version}
    return permissions


class _MultiError(WebserviceError):
    def __init__(self, status, errors):
        super().__init__(status, errors[0][1], errors[0][0])
        self.errors = errors


def _dispatch(emulator, path):  # noqa: C901 - PrestaShop's webservice dispatch, one branch per method/resource check it makes
    g.headers = {}
    method = (request.args.get("ps_method") or request.method).upper()
    if not emulator.webservice_enabled:
        raise WebserviceError(
            503,
            "The PrestaShop webservice is disabled. Please activate it "
            "in the PrestaShop Back Office",
            22,
        )
    try:
        permissions = _authenticate(emulator)
    except _MultiError as exc:
        return _error(401, exc.errors, {"WWW-Authenticate": REALM})
    except WebserviceError as exc:
        return _error(exc.status, [(exc.code, exc.message)], {"WWW-Authenticate": REALM})
    segments = [s for s in path.split("/") if s]
    if not segments:
        if method not in ("GET", "HEAD"):
            raise WebserviceError(405, f"Method {method} is not valid", 23)
        return _resource_list(emulator, permissions)
    name = segments[0]
    known = [*RESOURCES, *SPECIFIC]
    if name not in known:
        choices = sorted(known)
        close = [c for c in choices if c.startswith(name[:3])]
        raise WebserviceError(
            400,
            f'Resource of type "{name}" does not exists.'
            + (f' Did you mean: "{close[0]}"?' if close else "")
            + ' The full list is: "'
            + '", "'.join(choices)
            + '"',
            27,
        )
    if name not in permissions:
        raise WebserviceError(
            401, f'Resource of type "{name}" is not allowed with this authentication key', 26
        )
    if method not in METHODS or (method == "PATCH" and not emulator.patch_supported):
        raise WebserviceError(405, f"Method {method} is not valid", 23)
    resource = RESOURCES.get(name)
    if resource is not None and method in resource.forbidden:
        raise WebserviceError(405, f"Method {method} is not allowed for the resource {name}", 101)
    if method not in permissions[name]:
        raise WebserviceError(
            405,
            f"Method {method} is not allowed for the resource {name} with this authentication key",
            25,
        )
    if name == "images":
        return _images(emulator, segments[1:], method)
    table = emulator.store[name]
    if method in ("GET", "HEAD"):
        if len(segments) > 1:
            return _detail(emulator, table, segments[1])
        return _list(emulator, table)
    if method == "POST":
        return _create(emulator, table)
    if method in ("PUT", "PATCH"):
        return _update(emulator, table, method, segments[1] if len(segments) > 1 else None)
    raise WebserviceError(
        405,
        f"Method {method} is not allowed for the resource {name} with this authentication key",
        25,
    )


def _resource_list(emulator, permissions):
    if _wants_json():
        # PHP 8: `GET /api/?output_format=JSON` dies with an empty 500 (issues #32179, #34794)
        return Response("", status=500, headers=_headers())
    base = request.host_url.rstrip("/") + "/api/"
    shop = render.quoteattr(emulator.store.config("PS_SHOP_NAME") or "")
    parts = [render.XML_HEAD, f"<api shopName={shop}>\n"]
    for name in [*RESOURCES, *SPECIFIC]:
        if name not in permissions:
            continue
        allowed = permissions[name]
        forbidden = RESOURCES[name].forbidden if name in RESOURCES else frozenset()
        flags = " ".join(
            f'{m.lower()}="{"true" if m in allowed and m not in forbidden else "false"}"'
            for m in ("GET", "PUT", "POST", "PATCH", "DELETE", "HEAD")
            if m != "PATCH" or emulator.patch_supported
        )
        description = RESOURCES[name].description if name in RESOURCES else SPECIFIC[name]
        parts.append(
            f'<{name} xlink:href="{base}{name}" {flags}>\n'
            f'<description xlink:href="{base}{name}" {flags}>{description}'
            f"</description>\n"
        )
        if name in RESOURCES:
            parts.append(
                f'<schema xlink:href="{base}{name}?schema=blank" type="blank"/>\n'
                f'<schema xlink:href="{base}{name}?schema=synopsis" '
                f'type="synopsis"/>\n'
            )
        parts.append(f"</{name}>\n")
    parts.append("</api>\n" + render.XML_FOOT)
    return _ok("".join(parts))


def _split_top(text):
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += char == "["
        depth -= char == "]"
        current += char
    if current:
        parts.append(current)
    return parts


def _display(resource, raw):
    """None (ids only), or (fields, {association: None | {sub fields}})."""
    if raw is None or raw == "minimum":
        return None
    if raw == "full":
        return resource.fields, dict.fromkeys(resource.associations)
    match = re.fullmatch(r"\[(.*)\]", raw)
    available = ", ".join(resource.fields)
    if not match:
        raise WebserviceError(
            400,
            "The 'display' syntax is wrong. You can set 'full' or "
            f"'[field_1,field_2,field_3,...]'. These are available: "
            f"{available}",
            36,
        )
    wanted, assocs = set(), {}
    for part in _split_top(match.group(1)):
        name, _, sub = part.partition("[")
        name = name.strip()
        if not sub:
            if name not in resource.fields and name not in ("date_add", "date_upd"):
                raise WebserviceError(
                    400,
                    f'Unable to display this field "{name}". However, '
                    f"these are available: {available}",
                    35,
                )
            wanted.add(name)
            continue
        subs = {s.strip() for s in sub.rstrip("]").split(",")}
        item_fields = resource.associations.get(name, (None, ()))[1]
        if name not in resource.associations or not subs <= {"id", *item_fields}:
            raise WebserviceError(
                400,
                f'Unable to display this field "{name}". However, these are available: {available}',
                35,
            )
        assocs[name] = subs
    return tuple(f for f in resource.fields if f in wanted), assocs


def _languages(emulator):
    all_ids = list(emulator.store["languages"].rows)
    raw = request.args.get("language")
    if not raw:
        return all_ids
    if raw.isdigit():
        wanted = [int(raw)]
    else:
        match = re.fullmatch(r"\[([\d|,]+)\]", raw)
        if not match:
            raise WebserviceError(400, "language value is wrong", 79)
        inner = match.group(1)
        if "," in inner:
            low, high = (int(x) for x in inner.split(",", 1))
            wanted = list(range(low, high + 1))
        else:
            wanted = [int(x) for x in inner.split("|")]
    return [lang for lang in wanted if lang in all_ids]


def _list(emulator, table):
    args = request.args.to_dict()
    if args.get("schema") in ("blank", "synopsis"):
        return _schema(emulator, table)
    if "schema" in args:
        raise WebserviceError(
            400,
            "Please select a schema of type 'synopsis' to get the whole "
            "schema informations (which fields are required, which kind "
            "of content...) or 'blank' to get an empty schema to fill "
            "before using POST request",
            28,
        )
    ids = emulator.store.query(table.resource.name, args)
    display = _display(table.resource, args.get("display"))
    langs = _languages(emulator)
    name = table.resource.name
    if _wants_json():
        if not ids:
            return _ok(
                None, json_payload="[]" if emulator.empty_list_quirk else render.dumps({name: []})
            )
        if display is None:
            rows = [{"id": i} for i in ids]
        else:
            fields, assocs = display
            rows = [render.json_row(table, table.rows[i], fields, assocs, langs) for i in ids]
        return _ok(None, json_payload=render.dumps({name: rows}))
    base = request.host_url.rstrip("/")
    body = [render.XML_HEAD, f"<{name}>\n"]
    for i in ids:
        if display is None:
            body.append(render.xml_minimum(table, i, base))
        else:
            body.append(render.xml_row(table, table.rows[i], *display, langs, base))
    body.append(f"</{name}>\n" + render.XML_FOOT)
    return _ok("".join(body))


def _detail(emulator, table, raw_id):
    row = table.rows.get(int(raw_id)) if raw_id.isdigit() else None
    if row is None:
        return Response("", status=404, headers=_headers())
    langs = _languages(emulator)
    display = _display(table.resource, request.args.get("display"))
    if _wants_json():
        if display is None:  # the 8.1 JSON renderer's array_filter drops every falsy value
            fields = (table.resource.fields, dict.fromkeys(table.resource.associations))
            payload = {
                table.resource.singular: render.json_row(
                    table, row, *fields, langs, drop_falsy=True
                )
            }
        else:
            payload = {table.resource.name: [render.json_row(table, row, *display, langs)]}
        return _ok(None, json_payload=render.dumps(payload))
    fields = display or (table.resource.fields, dict.fromkeys(table.resource.associations))
    base = request.host_url.rstrip("/")
    return _ok(render.XML_HEAD + render.xml_row(table, row, *fields, langs, base) + render.XML_FOOT)


def _schema(emulator, table):
    resource = table.resource
    empty = {"id": ""}
    fields = (resource.fields, dict.fromkeys(resource.associations))
    langs = _languages(emulator)
    blank = {f: ({} if f in resource.i18n else "") for f in resource.fields}
    blank.update(empty)
    return _ok(
        render.XML_HEAD
        + render.xml_row(table, blank, *fields, langs, request.host_url.rstrip("/"))
        + render.XML_FOOT
    )


# -- writes ----------------------------------------------------------------------------------


def _parse_body(table):
    raw = request.get_data(as_text=True)
    try:
        root = SafeET.fromstring(raw)
    except Exception as exc:  # SimpleXMLElement's failure, reported as error 127
        raise WebserviceError(
            500,
            f"XML error : String could not be parsed as XML\nXML length "
            f": {len(raw)}\nOriginal XML : {raw[:500]} ({exc})",
            127,
        ) from None
    entities = list(root)
    if not entities:
        raise WebserviceError(400, f"The {table.resource.singular} node is missing", 40)
    return entities


def _entity_values(table, node):
    """Fields present in an XML entity: {field: text | {lang: text}}, and associations."""
    resource = table.resource
    values, assocs = {}, None
    for child in node:
        tag = child.tag
        if tag == "associations":
            assocs = {}
            for assoc in child:
                if assoc.tag not in resource.associations:
                    raise WebserviceError(400, f'The association "{assoc.tag}" does not exists', 86)
                assocs[assoc.tag] = [
                    {f.tag: (f.text or "").strip() for f in item} for item in assoc
                ]
        elif tag in resource.i18n:
            values[tag] = {
                int(lang.get("id")): lang.text or ""
                for lang in child
                if lang.get("id", "").isdigit()
            }
        elif tag in resource.fields:
            values[tag] = (child.text or "").strip()
    return values, assocs


TRACKING_RE = re.compile(r"^[~:#,%&_=\(\)\[\]\.\? \+\-@\/a-zA-Z0-9]+$")


def _validate(table, row):
    resource = table.resource
    cls = resource.class_name
    for name in resource.fields:
        value = row.get(name) if name in row else resource.default(name)
        if name.startswith("id_") and value not in (None, "") and not str(value).isdigit():
            raise WebserviceError(
                400, f'Validation error: "Property {cls}->{name} is not valid"', 85
            )
    if resource.name == "stock_availables" and not re.fullmatch(
        r"-?\d+", str(row.get("quantity", ""))
    ):
        raise WebserviceError(400, f'Validation error: "Property {cls}->quantity is not valid"', 85)
    if resource.name == "order_carriers":
        tracking = row.get("tracking_number") or ""
        if len(tracking) > 64:
            raise WebserviceError(
                400,
                f'Validation error: "Property {cls}->tracking_number '
                f'length ({len(tracking)}) must be between 0 and 64"',
                85,
            )
        if tracking and not TRACKING_RE.match(tracking):
            raise WebserviceError(
                400, f'Validation error: "Property {cls}->tracking_number is not valid"', 85
            )


def _render_saved(emulator, table, row, status):
    langs = list(emulator.store["languages"].rows)
    fields = (table.resource.fields, dict.fromkeys(table.resource.associations))
    if _wants_json():
        return _ok(
            None,
            status=status,
            json_payload=render.dumps(
                {table.resource.singular: render.json_row(table, row, *fields, langs)}
            ),
        )
    return _ok(
        render.XML_HEAD
        + render.xml_row(table, row, *fields, langs, request.host_url.rstrip("/"))
        + render.XML_FOOT,
        status=status,
    )


def _create(emulator, table):
    store = emulator.store
    resource = table.resource
    entities = _parse_body(table)
    if any((e.findtext("id") or "").strip() for e in entities):
        raise WebserviceError(400, "id is forbidden when adding a new resource", 91)
    node = entities[0]
    values, assocs = _entity_values(table, node)
    for name in resource.required:
        if name not in resource.i18n and not values.get(name):
            raise WebserviceError(400, f'parameter "{name}" required', 41)
    candidate = {k: v for k, v in values.items() if k != "id"}
    _validate(table, candidate)
    if resource.name == "order_histories":
        order = store["orders"].rows.get(int(values["id_order"]))
        if order is None or int(values["id_order_state"]) not in store["order_states"].rows:
            raise WebserviceError(500, "Unable to save resource", 46)
        if request.args.get("sendemail") == "1":
            emulator.emails += 1
        row = store.add_history(
            values["id_order"], values["id_order_state"], values.get("id_employee") or "0"
        )
    elif resource.name == "orders":
        # Order::addWs (classes/order/Order.php) calls PaymentModule::validateOrder($id_cart,
        # PS_OS_WS_PAYMENT, ...): the order is created in "Remote payment accepted", whatever
        # current_state the XML says, and takes its stock like any order. The emulator has no
        # carts: the body's order_rows stand for the cart's products (a real shop ignores them,
        # the association has no setter). No rows is an empty cart: validateOrder throws.
        rows = (assocs or {}).get("order_rows") or []
        if not rows:
            raise WebserviceError(500, "Unable to save resource", 46)
        for name in ("current_state", "valid", "date_add", "date_upd"):
            candidate.pop(name, None)
        candidate["associations"] = {"order_rows": rows}
        row = store.place_order(candidate, store.config("PS_OS_WS_PAYMENT"))
    else:
        if assocs is not None:
            candidate["associations"] = assocs
        if "date_add" in resource.fields:
            candidate.setdefault("date_add", store.now())
        if "date_upd" in resource.fields:
            candidate["date_upd"] = store.now()
        row = table.insert(candidate)
    store.writes += 1
    return _render_saved(emulator, table, row, 201)


def _update(emulator, table, method, url_id):
    store = emulator.store
    resource = table.resource
    entities = _parse_body(table)
    ids = [(e.findtext("id") or "").strip() for e in entities]
    if len(set(ids)) != len(ids):
        raise WebserviceError(400, "id is duplicate in request", 89)
    if not all(ids):
        raise WebserviceError(400, "id is required when modifying a resource", 90)
    saved = []
    for node, raw_id in zip(entities, ids, strict=True):  # PUT takes the id from the body
        row = table.rows.get(int(raw_id)) if raw_id.isdigit() else None
        if row is None:
            raise WebserviceError(404, "Invalid ID", 92)
        values, assocs = _entity_values(table, node)
        candidate = dict(row)
        for name in resource.fields:
            if name == "id":
                continue
            if name in values:
                candidate[name] = values[name]
            elif method == "PATCH":
                continue
            elif name in resource.required and name not in resource.i18n:
                raise WebserviceError(400, f'parameter "{name}" required', 41)
            else:  # PUT: a field missing from the XML becomes NULL
                candidate[name] = {} if name in resource.i18n else None
        if assocs:
            candidate["associations"] = {**(row.get("associations") or {}), **assocs}
        _validate(table, candidate)
        if "date_upd" in resource.fields:
            candidate["date_upd"] = store.now()
        quantity_changed = resource.name == "stock_availables" and candidate.get(
            "quantity"
        ) != row.get("quantity")
        row.clear()
        row.update(candidate)
        if quantity_changed:
            store.write_stock(row, int(row["quantity"]))
        table.touch()
        store.writes += 1
        saved.append(row)
    return _render_saved(emulator, table, saved[0], 200)


# -- images ----------------------------------------------------------------------------------


def _png(seed):
    """A real 8x8 PNG of one colour derived from ``seed``."""
    r, gr, b = (seed * 67) % 256, (seed * 131) % 256, (seed * 29) % 256
    raw = b"".join(b"\x00" + bytes((r, gr, b)) * 8 for _ in range(8))

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _images(emulator, segments, method):
    if method not in ("GET", "HEAD"):
        raise WebserviceError(
            405,
            f"Method {method} is not allowed for the resource images with this authentication key",
            25,
        )
    base = request.host_url.rstrip("/") + "/api/images"
    store = emulator.store
    if not segments:
        return _ok(
            render.XML_HEAD
            + '<image_types>\n<general xlink:href="'
            + base
            + '/general"/>\n<products xlink:href="'
            + base
            + '/products"/>\n'
            "</image_types>\n" + render.XML_FOOT
        )
    if segments[0] != "products":
        raise WebserviceError(400, 'Image of type "' + segments[0] + '" does not exist', 47)
    if len(segments) == 1:
        items = "".join(
            f'<image id="{pid}" xlink:href="{base}/products/{pid}"/>\n'
            for pid, images in store.images.items()
            if images and pid in store["products"].rows
        )
        return _ok(render.XML_HEAD + "<images>\n" + items + "</images>\n" + render.XML_FOOT)
    pid = int(segments[1]) if segments[1].isdigit() else 0
    images = store.images.get(pid) if pid in store["products"].rows else None
    if not images:
        raise WebserviceError(404, "This image id does not exist", 57)
    if len(segments) == 2:
        items = "".join(
            f'<declination id="{i}" xlink:href="{base}/products/{pid}/{i}"/>\n' for i in images
        )
        return _ok(
            render.XML_HEAD + f'<image id="{pid}">\n' + items + "</image>\n" + render.XML_FOOT
        )
    image_id = int(segments[2]) if segments[2].isdigit() else 0
    if image_id not in images:
        raise WebserviceError(404, "This image id does not exist", 57)
    return Response(_png(image_id), content_type="image/png", headers=_headers())
