"""marshmallow schemas of the JSON API: the output shapes, which are hub.services.queries'
(the CLI's --json and the dashboard list the same rows), and the input bodies. The OpenAPI
document is generated from these."""

from datetime import UTC

from marshmallow import ValidationError, fields, validate, validates_schema

from hub.bounds import MAX_ID, MAX_QUANTITY
from hub.services.queries import (
    BaseSchema,
    EventOut,
    IntegrationOut,
    OrderOut,
    ProductOut,
    RunOut,
    ShipmentOut,
    StockOut,
)

__all__ = [
    "ConnectionCheckOut",
    "ErrorOut",
    "EventOut",
    "IntegrationIn",
    "IntegrationOut",
    "OrderOut",
    "ProductOut",
    "RunIn",
    "RunOut",
    "ShipmentBatchIn",
    "ShipmentBatchOut",
    "ShipmentIn",
    "ShipmentOut",
    "StockOut",
    "WebhooksIn",
    "WebhooksOut",
]


class ErrorOut(BaseSchema):
    error = fields.String()
    fields = fields.Dict(metadata={"description": "per-field messages of an invalid body"})


# -- input -----------------------------------------------------------------------------------


class ShipmentLineIn(BaseSchema):
    sku = fields.String(required=True)
    quantity = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY)
    )


class ShipmentIn(BaseSchema):
    order_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_ID))
    lines = fields.List(
        fields.Nested(ShipmentLineIn),
        load_default=None,
        metadata={"description": "omit to ship everything remaining"},
    )
    warehouse = fields.String(load_default=None, metadata={"description": "code or name"})
    carrier = fields.String(load_default=None)
    tracking_number = fields.String(required=True, validate=validate.Length(min=1))
    tracking_url = fields.String(load_default=None)
    allow_duplicate_tracking = fields.Boolean(
        load_default=False,
        metadata={"description": "confirm a tracking number already on another shipment (409)"},
    )


class ShipmentBatchItemIn(BaseSchema):
    order_id = fields.Integer(
        load_default=None, strict=True, validate=validate.Range(1, MAX_ID), allow_none=True
    )
    order = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the store's order number (with or without #), or the hub id"},
    )
    carrier = fields.String(load_default=None, allow_none=True)
    tracking_number = fields.String(required=True, validate=validate.Length(min=1))
    tracking_url = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _one_order(self, data, **kwargs):
        if (data.get("order_id") is None) == (data.get("order") is None):
            raise ValidationError("give order_id or order (one of them)", "order")


class ShipmentBatchIn(BaseSchema):
    shipments = fields.List(
        fields.Nested(ShipmentBatchItemIn),
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "each ships everything its order has left"},
    )
    integration = fields.String(
        load_default=None, metadata={"description": "name or id: look order numbers up there"}
    )
    allow_duplicate_tracking = fields.Boolean(load_default=False)


class ShipmentResultOut(BaseSchema):
    index = fields.Integer(metadata={"description": "the item's position in the request, from 0"})
    status = fields.String(metadata={"description": "shipped, already_shipped or error"})
    message = fields.String()
    order_id = fields.Integer(allow_none=True)
    shipment = fields.Nested(ShipmentOut, allow_none=True)


class ShipmentBatchOut(BaseSchema):
    results = fields.List(fields.Nested(ShipmentResultOut))
    shipped = fields.Integer()
    already_shipped = fields.Integer()
    errors = fields.Integer()


class IntegrationIn(BaseSchema):
    name = fields.String(required=True)
    connector = fields.String(required=True, metadata={"description": "a connector's key"})
    url = fields.String(required=True, metadata={"description": "the store's base URL"})
    settings = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        metadata={"description": "the connector's settings and credentials by name"},
    )
    orders_since = fields.AwareDateTime(
        load_default=None,
        default_timezone=UTC,
        metadata={
            "description": "never import orders created before this (default: the start of the "
            "day 7 days ago)"
        },
    )
    allow_duplicate = fields.Boolean(
        load_default=False,
        metadata={
            "description": "confirm a store another integration of this connector already "
            "connects (409)"
        },
    )


class ConnectionCheckOut(BaseSchema):
    """A connection test (hub.services.setup.run_connection_test)."""

    ok = fields.Boolean(metadata={"description": "the store answered and the set-up is complete"})
    connected = fields.Boolean(
        allow_none=True, metadata={"description": "the credentials work (a setting may lack)"}
    )
    store_name = fields.String(allow_none=True)
    problems = fields.List(fields.String(), metadata={"description": "what is wrong or missing"})
    details = fields.Dict()
    feeds_enabled = fields.Boolean(
        metadata={"description": "this test enabled the feeds held since the integration was added"}
    )


class RunIn(BaseSchema):
    integration = fields.String(required=True, metadata={"description": "name or id"})
    feed = fields.String(required=True)
    params = fields.Dict(load_default=None)


class WebhooksIn(BaseSchema):
    force = fields.Boolean(
        load_default=False,
        metadata={"description": "register in test mode too (it writes to the store)"},
    )


class WebhooksOut(BaseSchema):
    """An integration's webhooks (hub.services.webhooks.webhook_status): never the secret."""

    supported = fields.Boolean(metadata={"description": "the connector has webhooks"})
    enabled = fields.Boolean(metadata={"description": "supported and HUB_PUBLIC_URL set"})
    reason = fields.String(allow_none=True, metadata={"description": "why they are off"})
    registered_at = fields.String(allow_none=True)
    topics = fields.List(fields.String())
    address = fields.String(allow_none=True, metadata={"description": "its secret path masked"})
    deliveries_24h = fields.Integer()
