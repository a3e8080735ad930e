"""marshmallow schemas of the JSON API: the output shapes (same keys as the CLI's --json)
and the input bodies. The OpenAPI document is generated from these."""

from marshmallow import EXCLUDE, Schema, fields, validate

from hub.bounds import MAX_ID, MAX_QUANTITY


class BaseSchema(Schema):
    class Meta:
        unknown = EXCLUDE
        ordered = True


class BindingOut(BaseSchema):
    integration = fields.String()
    external_id = fields.String()
    missing = fields.Boolean()


class ProductOut(BaseSchema):
    id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    barcode = fields.String(allow_none=True)
    weight_kg = fields.String(allow_none=True)
    price = fields.String(allow_none=True)
    currency = fields.String(allow_none=True)
    parent = fields.String(allow_none=True)
    active = fields.Boolean()
    status = fields.String()
    bindings = fields.List(fields.Nested(BindingOut))
    images = fields.Integer(metadata={"description": "number of images"})


class OrderLineOut(BaseSchema):
    sku = fields.String()
    quantity = fields.Integer()
    shipped = fields.Integer()


class OrderOut(BaseSchema):
    id = fields.Integer()
    number = fields.String()
    integration = fields.String()
    external_id = fields.String()
    status = fields.String()
    paid = fields.Boolean()
    shipping_method = fields.String(allow_none=True)
    carrier = fields.String(allow_none=True)
    ordered_at = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(OrderLineOut))


class StockOut(BaseSchema):
    id = fields.Integer()
    sku = fields.String()
    warehouse = fields.String()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()


class CountsOut(BaseSchema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    skipped = fields.Integer()
    failed = fields.Integer()


class RunOut(BaseSchema):
    id = fields.Integer()
    integration = fields.String()
    feed = fields.String()
    trigger = fields.String()
    status = fields.String()
    counts = fields.Nested(CountsOut)
    processed = fields.Integer()
    total = fields.Integer(allow_none=True)
    queued_at = fields.String(allow_none=True)
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    duration = fields.Float(allow_none=True)
    attempts = fields.Integer()
    message = fields.String(allow_none=True)


class EventOut(BaseSchema):
    id = fields.Integer()
    integration = fields.String()
    feed = fields.String(allow_none=True)
    severity = fields.String()
    code = fields.String()
    reference = fields.String(allow_none=True)
    message = fields.String()
    hint = fields.String(allow_none=True)
    count = fields.Integer()
    first_seen = fields.String(allow_none=True)
    last_seen = fields.String(allow_none=True)
    resolved = fields.Boolean()
    run = fields.Integer(allow_none=True)


class IntegrationOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    connector = fields.String()
    url = fields.String()
    mode = fields.String()
    settings = fields.Dict()
    carrier_mapping = fields.Dict()
    status_mapping = fields.Dict()
    default_warehouse = fields.String(allow_none=True)
    warehouses = fields.List(fields.String())
    orders_since = fields.String(allow_none=True)
    stock_imported_at = fields.String(allow_none=True)
    went_live_at = fields.String(allow_none=True)
    created_at = fields.String(allow_none=True)


class ShipmentLineOut(BaseSchema):
    sku = fields.String()
    quantity = fields.Integer()


class ShipmentOut(BaseSchema):
    id = fields.Integer()
    order = fields.String()
    order_id = fields.Integer()
    integration = fields.String()
    order_status = fields.String()
    warehouse = fields.String()
    carrier = fields.String()
    tracking_number = fields.String()
    tracking_url = fields.String(allow_none=True)
    confirmation_status = fields.String()
    created_by = fields.String(allow_none=True)
    created_at = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(ShipmentLineOut))


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


class RunIn(BaseSchema):
    integration = fields.String(required=True, metadata={"description": "name or id"})
    feed = fields.String(required=True)
    params = fields.Dict(load_default=None)
