"""The feed types: stable keys, the hook each calls, direction and default schedule.

Feed keys are the same in the CLI, the API and the database.
"""

from dataclasses import dataclass

from marshmallow import Schema, ValidationError, fields, validate

from hub.bounds import MAX_ID
from hub.errors import BadInput


@dataclass(frozen=True)
class FeedType:
    key: str
    label: str
    hook: str
    direction: str  # "inbound" (store -> hub) | "outbound" (hub -> store)
    default_cron: str | None  # None: manual only
    description: str


FEED_TYPES = {
    f.key: f
    for f in (
        FeedType(
            "import_new_products",
            "Import new products",
            "hub_fetch_new_products",
            "inbound",
            "*/15 * * * *",
            "Products created in the store since the last run.",
        ),
        FeedType(
            "update_products",
            "Update products",
            "hub_fetch_products",
            "inbound",
            "30 2 * * *",
            "Every product of the store, streamed; heavy, once a night.",
        ),
        FeedType(
            "import_product_images",
            "Import product images",
            "hub_fetch_product_images",
            "inbound",
            "*/30 * * * *",
            "Images of products that have none yet.",
        ),
        FeedType(
            "import_new_orders",
            "Import new orders",
            "hub_fetch_new_orders",
            "inbound",
            "*/5 * * * *",
            "New orders; unpaid ones are held and re-checked.",
        ),
        FeedType(
            "update_orders",
            "Update orders",
            "hub_fetch_order_updates",
            "inbound",
            "*/10 * * * *",
            "Status changes in the store: cancellations, refunds.",
        ),
        FeedType(
            "retry_orders",
            "Retry held orders",
            "hub_fetch_order",
            "inbound",
            "0 * * * *",
            "Re-check orders held for payment.",
        ),
        FeedType(
            "import_stock",
            "Import stock levels",
            "hub_fetch_stock_levels",
            "inbound",
            None,
            "Initial stock from the store; once, at set-up.",
        ),
        FeedType(
            "import_suppliers",
            "Import suppliers",
            "hub_fetch_suppliers",
            "inbound",
            "0 3 * * *",
            "Suppliers defined in the store.",
        ),
        FeedType(
            "import_product_suppliers",
            "Import product suppliers",
            "hub_fetch_product_suppliers",
            "inbound",
            "15 3 * * *",
            "Product ↔ supplier links with references and prices.",
        ),
        FeedType(
            "export_stock",
            "Export stock levels",
            "hub_push_stock_levels",
            "outbound",
            "*/10 * * * *",
            "Available stock pushed to the store (production mode only).",
        ),
        FeedType(
            "stock_check",
            "Stock check",
            "hub_fetch_stock_levels",
            "inbound",
            "0 4 * * *",
            "Nightly comparison of hub and store stock; reports only.",
        ),
        FeedType(
            "shipping_confirmation",
            "Shipping confirmation",
            "hub_push_shipment",
            "outbound",
            "*/5 * * * *",
            "Shipments, carriers and tracking numbers (production mode only).",
        ),
    )
}

FEED_KEYS = tuple(FEED_TYPES)
FEED_HOOKS = sorted({f.hook for f in FEED_TYPES.values()})


# -- run parameters: what a run may be asked, per feed (checked when the run is created) ------

_RUN_PARAM_FIELDS = {
    "retry_event": fields.Integer(strict=True, validate=validate.Range(1, MAX_ID)),
    "external_ids": fields.List(
        fields.String(validate=validate.Length(1, 255)), validate=validate.Length(1, 1000)
    ),
    "force": fields.Boolean(),
    "full": fields.Boolean(),
    "all": fields.Boolean(),
    "shipment_ids": fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, MAX_ID)),
        validate=validate.Length(1, 1000),
    ),
}
_COMMON_PARAMS = ("retry_event", "external_ids")  # a Retry from the bell targets a record
RUN_PARAMS = {
    key: _COMMON_PARAMS
    + {
        "import_stock": ("force",),
        "export_stock": ("full",),
        "retry_orders": ("all",),
        "shipping_confirmation": ("shipment_ids",),
    }.get(key, ())
    for key in FEED_TYPES
}
_RUN_PARAM_SCHEMAS = {
    key: Schema.from_dict({name: _RUN_PARAM_FIELDS[name] for name in names})
    for key, names in RUN_PARAMS.items()
}


def validate_run_params(feed, params):
    """The parameters of a run of ``feed``, checked: BadInput naming what is wrong."""
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise BadInput(f"run parameters must be an object, got {type(params).__name__}")
    try:
        return _RUN_PARAM_SCHEMAS[feed_type(feed).key]().load(params)
    except ValidationError as exc:
        allowed = ", ".join(RUN_PARAMS[feed]) or "none"
        problems = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.messages.items())
        raise BadInput(
            f"invalid parameters for {feed}: {problems} (parameters of {feed}: {allowed})"
        ) from None


def feed_type(key):
    try:
        return FEED_TYPES[key]
    except KeyError:
        raise BadInput(f"unknown feed {key!r}; feeds are: {', '.join(FEED_KEYS)}") from None


# The function that carries out each feed: the handlers in ``hub.feeds`` register themselves
# here when that package is imported (the engine sits below them and never imports them).
_HANDLERS = {}


def register_handlers(handlers):
    """``{feed key: function(job)}``: the handler of each feed (``hub.feeds`` calls this)."""
    _register(_HANDLERS, handlers, "handlers")


def _register(table, handlers, what):
    unknown = set(handlers) - set(FEED_TYPES)
    if unknown:
        raise ValueError(f"{what} for unknown feeds: {', '.join(sorted(unknown))}")
    table.update(handlers)


# Webhook runs (trigger "webhook") of a feed read only the records the store's deliveries
# named; ``hub.feeds`` registers their handlers here too.
_WEBHOOK_HANDLERS = {}


def register_webhook_handlers(handlers):
    """``{feed key: function(job)}``: how a webhook run of each feed is carried out."""
    _register(_WEBHOOK_HANDLERS, handlers, "webhook handlers")


def webhook_feeds():
    """The feeds a webhook delivery may queue a run of."""
    return tuple(_WEBHOOK_HANDLERS)


def webhook_handler(feed):
    try:
        return _WEBHOOK_HANDLERS[feed_type(feed).key]
    except KeyError:
        raise LookupError(f"feed {feed!r} has no webhook handler") from None


def handler(feed):
    """The registered handler of ``feed``."""
    try:
        return _HANDLERS[feed_type(feed).key]
    except KeyError:
        raise LookupError(
            f"no handler is registered for feed {feed!r}: import hub.feeds (hub.tasks does)"
        ) from None
