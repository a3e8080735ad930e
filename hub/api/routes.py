"""The /api/v1 route table. Every route is declared once in ``ROUTES``; the Flask rules and
the OpenAPI document (hub.api.openapi) are both generated from it, so they cannot drift."""

from dataclasses import dataclass, field

from flask import Blueprint, g, jsonify, request, url_for
from marshmallow import ValidationError

from hub.api import schemas
from hub.api.openapi import document
from hub.bounds import MAX_ID
from hub.engine.events import resolve_event as mark_resolved
from hub.engine.runs import queue_run
from hub.errors import BadInput, NeedsConfirmation, NotFound
from hub.feeds.shipping import ship_and_confirm, ship_rows_and_confirm
from hub.models import Event, FeedRun, Integration, Order, Product
from hub.services import queries
from hub.services.bulk_shipping import ShipRow
from hub.services.integrations import create_integration, get_integration
from hub.services.setup import default_orders_since, run_connection_test
from hub.services.users import user_for_token
from hub.services.webhooks import register_webhooks, webhook_status

bp = Blueprint("api", __name__, url_prefix="/api/v1")
DEFAULT_LIMIT, MAX_LIMIT = 50, 500


@dataclass
class Param:
    name: str
    type: str = "string"  # string | integer | boolean
    description: str = ""
    where: str = "query"  # query | path


@dataclass
class Route:
    method: str
    path: str  # Flask syntax: /products/<int:product_id>
    view: object
    summary: str
    response: type | None = None
    many: bool = False  # a keyset-paginated list
    params: list = field(default_factory=list)
    body: type | None = None
    status: int = 200
    public: bool = False
    admin: bool = False  # for admins only (hub.services.users: the roles); operators get 403
    conflict: str | None = None  # a 409 answer: what the caller must confirm, and how

    @property
    def endpoint(self):
        return self.view.__name__


# -- helpers -----------------------------------------------------------------------------------


def _limit():
    try:
        limit = int(str(request.args.get("limit", DEFAULT_LIMIT))[:6])
    except ValueError:
        raise BadInput("limit must be an integer") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def page(listing, query):
    """``?after=<id>&limit=N`` in id order (hub.services.queries.keyset); a ``next`` link."""
    limit = _limit()
    after = request.args.get("after")
    if after not in (None, ""):
        if not str(after).isdigit() or len(str(after)) > 19 or int(after) > MAX_ID:
            raise BadInput(f"after must be an id (an integer from 0 to {MAX_ID})")
        after = int(after)
    else:
        after = None
    found = queries.keyset(query, limit=limit, cursor=after)
    next_url = None
    if found.next is not None:
        args = request.args.to_dict()
        args.update(after=found.next, limit=limit)
        next_url = url_for(request.endpoint, _external=False, **request.view_args, **args)
    return jsonify({"items": listing.dump(found.rows), "next": next_url})


def one(listing, row, status=200):
    return jsonify(listing.dump_one(row)), status


def body(schema):
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadInput("the request body must be a JSON object")
    try:
        return schema().load(payload)
    except ValidationError as exc:
        raise InvalidBody(exc.messages) from None


class InvalidBody(BadInput):
    def __init__(self, messages):
        super().__init__("invalid request body")
        self.messages = messages


def _get(model, row_id, what):
    row = model.get_or_none(model.id == row_id)
    if row is None:
        raise NotFound(f"unknown {what} id {row_id}")
    return row


def _flag(name):
    value = request.args.get(name)
    if value is None:
        return None
    return value.lower() in ("1", "true", "yes")


# -- views -----------------------------------------------------------------------------------


def openapi():
    return jsonify(document(ROUTES, bp.url_prefix))


def _arg(name):
    return request.args.get(name) or None


def _listing_view(name, listing, query, *filters, flags=()):
    """``GET /<things>``: a keyset page of ``query`` filtered by the query string's
    ``filters`` (text) and ``flags`` (yes or no)."""

    def view():
        chosen = {key: _arg(key) for key in filters} | {key: _flag(key) for key in flags}
        return page(listing, query(**chosen))

    view.__name__ = name  # the endpoint and the OpenAPI operationId
    return view


def _row_view(name, listing, model, what):
    """``GET /<things>/<id>``: one row by its id, a 404 when there is none."""

    def view(**path):
        (row_id,) = path.values()
        return one(listing, _get(model, row_id, what))

    view.__name__ = name
    return view


list_products = _listing_view("list_products", queries.PRODUCTS, queries.products, "q", "status")
get_product = _row_view("get_product", queries.PRODUCTS, Product, "product")
list_orders = _listing_view(
    "list_orders", queries.ORDERS, queries.orders, "status", "integration", "number", "q"
)
get_order = _row_view("get_order", queries.ORDERS, Order, "order")
list_stock = _listing_view("list_stock", queries.STOCK, queries.stock_levels, "sku", "warehouse")


def create_shipment():
    data = body(schemas.ShipmentIn)
    order = _get(Order, data["order_id"], "order")
    lines = None
    if data["lines"]:
        lines = {}
        for line in data["lines"]:
            lines[line["sku"]] = lines.get(line["sku"], 0) + line["quantity"]
    shipment = ship_and_confirm(
        order,
        lines=lines,
        warehouse=data["warehouse"],
        carrier=data["carrier"],
        tracking_number=data["tracking_number"],
        tracking_url=data["tracking_url"],
        user=g.api_user,
        allow_duplicate_tracking=data["allow_duplicate_tracking"],
    )
    return one(queries.SHIPMENTS, shipment, 201)


def create_shipments():
    """Several orders shipped at once: a result per item (shipped, already_shipped with the
    same tracking number, or error with its reason); a bad item does not stop the others."""
    data = body(schemas.ShipmentBatchIn)
    rows = [
        ShipRow(
            order=item["order_id"] if item["order_id"] is not None else item["order"],
            tracking_number=item["tracking_number"],
            carrier=item["carrier"],
            tracking_url=item["tracking_url"],
        )
        for item in data["shipments"]
    ]
    integration = get_integration(data["integration"]) if data["integration"] else None
    results = ship_rows_and_confirm(
        rows,
        user=g.api_user,
        integration=integration,
        allow_duplicate_tracking=data["allow_duplicate_tracking"],
    )
    shipments = {}
    found = [r.shipment for r in results if r.shipment is not None]
    for shipment, dumped in zip(found, queries.SHIPMENTS.dump(found), strict=True):
        shipments[shipment.id] = dumped
    out = {
        "results": [
            {
                "index": i,
                "status": r.status,
                "message": r.message,
                "order_id": r.order.id if r.order is not None else None,
                "shipment": shipments.get(r.shipment.id) if r.shipment is not None else None,
            }
            for i, r in enumerate(results)
        ],
        "shipped": sum(r.status == "shipped" for r in results),
        "already_shipped": sum(r.status == "already_shipped" for r in results),
        "errors": sum(r.status == "error" for r in results),
    }
    return jsonify(schemas.ShipmentBatchOut().dump(out))


list_runs = _listing_view(
    "list_runs", queries.RUNS, queries.runs, "integration", "feed", "status", "trigger"
)
get_run = _row_view("get_run", queries.RUNS, FeedRun, "run")


def create_run():
    data = body(schemas.RunIn)
    run = queue_run(
        get_integration(data["integration"]), data["feed"], trigger="manual", params=data["params"]
    )
    return one(queries.RUNS, run, 202)


list_events = _listing_view(
    "list_events", queries.EVENTS, queries.events, "severity", "integration", flags=["unresolved"]
)
get_event = _row_view("get_event", queries.EVENTS, Event, "event")


def resolve_event(event_id):
    event = _get(Event, event_id, "event")
    mark_resolved(event, g.api_user)
    return one(queries.EVENTS, Event.get_by_id(event.id))


list_integrations = _listing_view("list_integrations", queries.INTEGRATIONS, queries.integrations)
get_integration_view = _row_view(
    "get_integration_view", queries.INTEGRATIONS, Integration, "integration"
)


def post_integration():
    """A new integration, its feeds disabled until POST .../check passes (issue 18)."""
    data = body(schemas.IntegrationIn)
    integration = create_integration(
        data["name"],
        data["connector"],
        data["url"],
        data["settings"],
        orders_since=data["orders_since"] or default_orders_since(),
        allow_duplicate=data["allow_duplicate"],
        hold_feeds=True,
    )
    return one(queries.INTEGRATIONS, integration, 201)


def check_integration(integration_id):
    """Test the connection; the first that passes enables the feeds held since creation."""
    integration = _get(Integration, integration_id, "integration")
    return jsonify(schemas.ConnectionCheckOut().dump(run_connection_test(integration)))


def get_webhooks(integration_id):
    integration = _get(Integration, integration_id, "integration")
    return jsonify(schemas.WebhooksOut().dump(webhook_status(integration)))


def post_webhooks(integration_id):
    integration = _get(Integration, integration_id, "integration")
    data = body(schemas.WebhooksIn)
    status = register_webhooks(integration, force=data["force"])
    return jsonify(schemas.WebhooksOut().dump(status))


PAGE = [
    Param(
        "after", "integer", "return rows with an id greater than this (the `next` link carries it)"
    ),
    Param("limit", "integer", f"page size, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})"),
]


def _id(name):
    return Param(name, "integer", where="path")


ROUTES = [
    Route("GET", "/openapi.json", openapi, "This OpenAPI document", public=True),
    Route(
        "GET",
        "/products",
        list_products,
        "List products",
        schemas.ProductOut,
        True,
        [
            Param(
                "q",
                description="SKU or barcode (exact) or SKU prefix; when no code matches, "
                "a word of the name",
            ),
            Param("status", description="active, inactive or missing"),
            *PAGE,
        ],
    ),
    Route(
        "GET",
        "/products/<int:product_id>",
        get_product,
        "Show a product",
        schemas.ProductOut,
        params=[_id("product_id")],
    ),
    Route(
        "GET",
        "/orders",
        list_orders,
        "List orders",
        schemas.OrderOut,
        True,
        [
            Param("status", description="to_ship, partially_shipped, shipped, cancelled"),
            Param("integration", description="integration name or id"),
            Param("number", description="the store's order number, exactly"),
            Param(
                "q",
                description="a search: the order number (with or without #), the customer's "
                "email or name, or a SKU on one of its lines",
            ),
            *PAGE,
        ],
    ),
    Route(
        "GET",
        "/orders/<int:order_id>",
        get_order,
        "Show an order",
        schemas.OrderOut,
        params=[_id("order_id")],
    ),
    Route(
        "GET",
        "/stock",
        list_stock,
        "List stock levels per product and warehouse",
        schemas.StockOut,
        True,
        [Param("sku"), Param("warehouse", description="warehouse code, name or id"), *PAGE],
    ),
    Route(
        "POST",
        "/shipments",
        create_shipment,
        "Ship an order (records the shipment, takes "
        "the stock out, queues the shipping confirmation)",
        schemas.ShipmentOut,
        body=schemas.ShipmentIn,
        status=201,
        conflict="the tracking number is already on another shipment: send "
        "allow_duplicate_tracking: true to confirm",
    ),
    Route(
        "POST",
        "/shipments/batch",
        create_shipments,
        "Ship several orders at once (each everything it has left): a result per item; an "
        "item already shipped with the same tracking number is not shipped again",
        schemas.ShipmentBatchOut,
        body=schemas.ShipmentBatchIn,
    ),
    Route(
        "GET",
        "/runs",
        list_runs,
        "List feed runs",
        schemas.RunOut,
        True,
        [
            Param("integration", description="integration name or id"),
            Param("feed"),
            Param("status"),
            Param("trigger"),
            *PAGE,
        ],
    ),
    Route(
        "GET",
        "/runs/<int:run_id>",
        get_run,
        "Show a feed run",
        schemas.RunOut,
        params=[_id("run_id")],
    ),
    Route(
        "POST",
        "/runs",
        create_run,
        "Run a feed now (queued for a worker)",
        schemas.RunOut,
        body=schemas.RunIn,
        status=202,
    ),
    Route(
        "GET",
        "/events",
        list_events,
        "List events (errors, retries, infos)",
        schemas.EventOut,
        True,
        [
            Param("severity", description="info, retry or error"),
            Param("unresolved", "boolean"),
            Param("integration"),
            *PAGE,
        ],
    ),
    Route(
        "GET",
        "/events/<int:event_id>",
        get_event,
        "Show an event",
        schemas.EventOut,
        params=[_id("event_id")],
    ),
    Route(
        "POST",
        "/events/<int:event_id>/resolve",
        resolve_event,
        "Mark an event resolved",
        schemas.EventOut,
        params=[_id("event_id")],
    ),
    Route(
        "GET",
        "/integrations",
        list_integrations,
        "List integrations (no credentials)",
        schemas.IntegrationOut,
        True,
        PAGE,
    ),
    Route(
        "POST",
        "/integrations",
        post_integration,
        "Add an integration in test mode, its feeds disabled until a connection test passes "
        "(POST /integrations/{id}/check); a store already connected with the same connector "
        "needs allow_duplicate",
        schemas.IntegrationOut,
        body=schemas.IntegrationIn,
        status=201,
        admin=True,
    ),
    Route(
        "GET",
        "/integrations/<int:integration_id>",
        get_integration_view,
        "Show an integration (no credentials)",
        schemas.IntegrationOut,
        params=[_id("integration_id")],
    ),
    Route(
        "POST",
        "/integrations/<int:integration_id>/check",
        check_integration,
        "Test the integration's connection; the first test that passes enables its feeds, "
        "disabled since it was added",
        schemas.ConnectionCheckOut,
        params=[_id("integration_id")],
    ),
    Route(
        "GET",
        "/integrations/<int:integration_id>/webhooks",
        get_webhooks,
        "The integration's webhooks: on or off (and why), topics, recent deliveries",
        schemas.WebhooksOut,
        params=[_id("integration_id")],
    ),
    Route(
        "POST",
        "/integrations/<int:integration_id>/webhooks",
        post_webhooks,
        "Create or refresh the store's webhook subscriptions (writes to the store)",
        schemas.WebhooksOut,
        params=[_id("integration_id")],
        body=schemas.WebhooksIn,
        admin=True,
    ),
]
PUBLIC_ENDPOINTS = {f"api.{r.endpoint}" for r in ROUTES if r.public}
ADMIN_ENDPOINTS = {f"api.{r.endpoint}" for r in ROUTES if r.admin}

for _route in ROUTES:
    bp.add_url_rule(_route.path, _route.endpoint, _route.view, methods=[_route.method])


def _unauthorized(message):
    response = jsonify({"error": message})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="hub"'
    return response


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized("an API token is required: Authorization: Bearer <token>")
    user = user_for_token(token.strip())
    if user is None:
        return _unauthorized("invalid or revoked API token")
    if request.endpoint in ADMIN_ENDPOINTS and not user.is_admin:
        return jsonify({"error": "this route is for admins only"}), 403
    g.api_user = user
    return None


# the most specific first: NotFound and NeedsConfirmation are kinds of BadInput
ERROR_STATUS = {NotFound: 404, NeedsConfirmation: 409, BadInput: 400}


@bp.errorhandler(BadInput)
def _bad_input(exc):
    """``{"error": message}`` with the error's status, and what the client needs to act on it:
    the invalid fields of the body, or the field that confirms."""
    answer = {"error": str(exc)}
    if isinstance(exc, InvalidBody):
        answer["fields"] = exc.messages
    if isinstance(exc, NeedsConfirmation):
        answer["confirm"] = exc.confirm
    return jsonify(answer), next(
        status for kind, status in ERROR_STATUS.items() if isinstance(exc, kind)
    )


@bp.errorhandler(404)
@bp.errorhandler(405)
def _no_route(exc):
    """Flask's own answers (no such route, not that method) in JSON: ``not found``."""
    return jsonify({"error": exc.name.lower()}), exc.code
