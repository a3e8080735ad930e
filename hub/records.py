"""The records connectors exchange with the core: THE data half of the plugin contract.

Records are plain dicts in these schemas' *serialised* format (what ``dump``
gives): strings for money, weights and times, ints for quantities. The core
``load``s (validates) every record a connector yields; a record that fails is an
Error event naming the fields, and the run goes on.

Conventions
-----------
* ``external_id``: the store's id of the thing, as a string (a GID, a numeric id).
* weight in kilograms (``weight_kg``), the connector converts from the store's unit.
* money as decimal strings (``"19.90"``) with an ISO-4217 ``currency``.
* quantities as integers; times as ISO-8601 in UTC (``2026-01-31T22:10:00Z``).
* a variant's ``parent`` is the store's external id of its parent product.
* every inbound record carries an opaque ``cursor`` and a stream comes sorted by
  it (an updated-at, an id); the core stores the highest committed cursor as the
  checkpoint and hands it back as ``since``.
* ``store_refs``: opaque ids the connector needs later for the same item (a
  Shopify inventory item id, a PrestaShop stock_available id). The core keeps
  them on the binding and hands them back with stock pushes and shipments.

Types
-----
Each schema ``XRecord`` has a ``TypedDict`` ``XRecordDict`` of the same keys (a key the schema
requires is required, one with a default is ``NotRequired``; ``allow_none`` is ``| None``), for
connector authors' type checkers; the schemas stay the validators at run time, and a test keeps
both in step. Money and times are typed ``Money`` (``str | Decimal``) and ``Timestamp``
(``str | datetime``): connectors yield the strings, the core hands loaded records (a
``ShipmentRecordDict``'s ``shipped_at``, the order of ``hub_order_decision``) with the objects.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, NotRequired, TypeAlias, TypedDict, TypeVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from hub.bounds import MAX_QUANTITY, has_nul

STOCK_SEMANTICS = ("sellable", "physical")
FieldT = TypeVar("FieldT", bound=fields.Field[Any])

Money: TypeAlias = str | Decimal  # "19.90" from a connector, Decimal("19.90") once loaded
Timestamp: TypeAlias = str | datetime  # ISO-8601 in UTC from a connector, aware once loaded
StoreRefs: TypeAlias = dict[str, Any]  # opaque to the hub
StockSemantics: TypeAlias = Literal["sellable", "physical"]
PushStatus: TypeAlias = Literal["ok", "unchanged", "conflict", "error"]
SettingType: TypeAlias = Literal["string", "integer", "boolean", "choice", "url", "secret", "date"]
DecisionAction: TypeAlias = Literal["import", "hold", "skip", "error"]
WEBHOOK_EVENTS = ("order_created", "order_updated", "order_cancelled", "product_updated", "ignored")
WebhookEvent: TypeAlias = Literal[
    "order_created", "order_updated", "order_cancelled", "product_updated", "ignored"
]


class RecordSchema(Schema):
    """Records from connectors are validated strictly: a misspelled field is a bug.

    Text is kept as the store sent it, control characters included (the CLI escapes them
    when it prints), but a NUL is refused: no database stores it faithfully."""

    class Meta:
        unknown = RAISE

    @validates_schema
    def _no_nul(self, data: dict[str, Any], **kwargs: Any) -> None:
        bad = {name: ["contains a NUL character"] for name, v in data.items() if has_nul(v)}
        if bad:
            raise ValidationError(bad)


def _optional(field: Callable[..., FieldT], *args: Any, **kwargs: Any) -> FieldT:
    """A field the record may leave out or set to null (``None`` once loaded)."""
    return field(*args, allow_none=True, load_default=None, **kwargs)


def _money() -> fields.Decimal:
    return _optional(fields.Decimal, as_string=True, places=None)


def _id(required: bool = True) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Length(min=1, max=255),
        allow_none=not required,
        load_default=None,
    )


class ProductRecord(RecordSchema):
    """A stockable item (a simple product, a variant, a combination)."""

    external_id = fields.String(required=True, validate=validate.Length(min=1, max=255))
    sku = fields.String(required=True, validate=validate.Length(min=1, max=128))
    name = fields.String(required=True, validate=validate.Length(min=1, max=512))
    barcode = _optional(fields.String, validate=validate.Length(max=64))
    weight_kg = _optional(fields.Decimal, as_string=True, validate=validate.Range(min=0))
    price = _money()
    currency = _optional(fields.String, validate=validate.Length(equal=3))
    parent = _optional(fields.String)
    parent_name = _optional(fields.String)
    active = fields.Boolean(load_default=True)
    updated_at = _optional(fields.AwareDateTime, format="iso")
    store_refs = fields.Dict(keys=fields.String(), load_default=dict)
    cursor = fields.String(required=True)


class ImageRecord(RecordSchema):
    """An image of a product. ``product_external_id`` is the external id the core asked about."""

    product_external_id = fields.String(required=True)
    url = fields.Url(required=True, require_tld=False, schemes={"http", "https"})
    external_id = _optional(fields.String)
    position = fields.Integer(load_default=0, validate=validate.Range(min=0))
    alt = _optional(fields.String)


class AddressRecord(RecordSchema):
    name = _optional(fields.String)
    company = _optional(fields.String)
    address1 = _optional(fields.String)
    address2 = _optional(fields.String)
    city = _optional(fields.String)
    postcode = _optional(fields.String)
    region = _optional(fields.String)
    country_code = _optional(fields.String, validate=validate.Length(equal=2))
    phone = _optional(fields.String)
    email = _optional(fields.String)


class ShippingMethodRecord(RecordSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=255))
    title = _optional(fields.String)


class OrderLineRecord(RecordSchema):
    external_id = fields.String(required=True)
    sku = _optional(fields.String)  # None: the core reports it
    product_external_id = _optional(fields.String)
    name = _optional(fields.String)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_QUANTITY))
    price = _money()


class OrderStatusRecord(RecordSchema):
    """The state of an order in the store: what ``update_orders`` reads."""

    external_id = fields.String(required=True)
    number = fields.String(required=True)
    paid = fields.Boolean(required=True)
    cancelled = fields.Boolean(required=True)
    refunded = fields.Boolean(load_default=False)  # fully refunded
    fulfilled = fields.Boolean(load_default=False)  # shipped in the store
    store_status = _optional(fields.String)  # raw, for mapping
    updated_at = _optional(fields.AwareDateTime, format="iso")
    cursor = fields.String(required=True)


class OrderRecord(OrderStatusRecord):
    """A whole order, as the store took it."""

    created_at = fields.AwareDateTime(required=True, format="iso")
    currency = _optional(fields.String)
    total = _money()
    customer_email = _optional(fields.String)
    shipping_method = _optional(fields.Nested, ShippingMethodRecord)
    shipping_address = _optional(fields.Nested, AddressRecord)
    billing_address = _optional(fields.Nested, AddressRecord)
    lines = fields.List(
        fields.Nested(OrderLineRecord), required=True, validate=validate.Length(min=1)
    )


class StockRecord(RecordSchema):
    """A store's stock of one item.

    ``quantity`` is what the store would sell; ``on_hand`` the physical quantity
    where the store knows it (Shopify ``on_hand``, a Magento source item).
    """

    external_id = fields.String(required=True)
    sku = _optional(fields.String)
    quantity = fields.Integer(
        required=True, validate=validate.Range(min=-MAX_QUANTITY, max=MAX_QUANTITY)
    )
    on_hand = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=-MAX_QUANTITY, max=MAX_QUANTITY),
    )
    store_refs = fields.Dict(keys=fields.String(), load_default=dict)


class SupplierRecord(RecordSchema):
    external_id = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    email = _optional(fields.String)
    phone = _optional(fields.String)
    active = fields.Boolean(load_default=True)
    cursor = fields.String(required=True)


class ProductSupplierRecord(RecordSchema):
    external_id = fields.String(required=True)
    supplier_external_id = fields.String(required=True)
    product_external_id = fields.String(required=True)  # the stockable item's external id
    supplier_reference = _optional(fields.String)
    price = _money()
    currency = _optional(fields.String)
    cursor = fields.String(required=True)


# -- outbound: what the core hands to connectors ---------------------------------------------


class StockPush(RecordSchema):
    """One quantity to write to the store.

    ``previous`` is the last quantity the hub knows the store had (from the last
    push, import or check), for compare-and-swap; None when unknown.
    """

    sku = fields.String(required=True)
    external_id = fields.String(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_QUANTITY))
    previous = _optional(fields.Integer)
    store_refs = fields.Dict(keys=fields.String(), load_default=dict)


class PushResult(RecordSchema):
    """The result of one pushed item. ``status``:

    * ``ok`` - written; ``store_quantity`` the store's value after the write if known;
    * ``unchanged`` - the store already had it (Info, counts as success);
    * ``conflict`` - compare-and-swap failed twice (Error);
    * ``error`` - the store refused this item (Error, with ``message``/``hint``).
    """

    key = fields.String(required=True)  # the SKU of a stock push, the shipment id of a shipment
    status = fields.String(
        required=True, validate=validate.OneOf(["ok", "unchanged", "conflict", "error"])
    )
    message = _optional(fields.String)
    hint = _optional(fields.String)
    store_quantity = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=-MAX_QUANTITY, max=MAX_QUANTITY),
    )
    external_id = _optional(fields.String)  # e.g. the store's shipment id


class ShipmentLine(RecordSchema):
    sku = fields.String(required=True)
    order_line_external_id = fields.String(required=True)
    product_external_id = _optional(fields.String)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_QUANTITY))


class ShipmentRecord(RecordSchema):
    """A shipment made in the hub, to confirm to the store exactly once.

    ``shipment_id`` is stable across retries: use it as an idempotency key.
    """

    shipment_id = fields.String(required=True)
    order_external_id = fields.String(required=True)
    order_number = fields.String(required=True)
    carrier = fields.String(required=True)  # the carrier the merchant mapped
    carrier_code = _optional(fields.String)
    tracking_number = fields.String(required=True)
    tracking_url = _optional(fields.String)
    notify_customer = fields.Boolean(load_default=False)
    shipped_at = fields.AwareDateTime(required=True, format="iso")
    lines = fields.List(fields.Nested(ShipmentLine), required=True, validate=validate.Length(min=1))


# -- connector description -------------------------------------------------------------------

SETTING_TYPES = ("string", "integer", "boolean", "choice", "url", "secret", "date")


class SettingSpec(RecordSchema):
    """One setting of a connector, from which the dashboard builds its form and the CLI checks."""

    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    label = fields.String(required=True)
    type = fields.String(load_default="string", validate=validate.OneOf(SETTING_TYPES))
    required = fields.Boolean(load_default=False)
    secret = fields.Boolean(load_default=False)  # stored encrypted, never shown
    default = _optional(fields.Raw)
    help = _optional(fields.String)
    choices = _optional(fields.List, fields.String())
    choices_from_store = fields.Boolean(load_default=False)  # hub_setting_choices answers

    @validates_schema
    def _secret_type(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("type") == "choice" and not (
            data.get("choices") or data.get("choices_from_store")
        ):
            raise ValidationError("a choice setting needs choices or choices_from_store")


class ConnectorInfo(RecordSchema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    label = fields.String(required=True)
    description = _optional(fields.String)
    stock_semantics = fields.String(required=True, validate=validate.OneOf(STOCK_SEMANTICS))
    settings = fields.List(fields.Nested(SettingSpec), load_default=list)
    docs_url = _optional(fields.String)


class ConnectionReport(RecordSchema):
    ok = fields.Boolean(required=True)
    # the store answered and took the credentials: ok false with connected true means only a
    # setting or a permission is missing (None: the hub reads a store_name as connected)
    connected = _optional(fields.Boolean)
    store_name = _optional(fields.String)
    details = fields.Dict(load_default=dict)  # version, plan, MSI present, scopes…
    problems = fields.List(fields.String(), load_default=list)  # "missing scope write_inventory"


class SettingChoice(RecordSchema):
    value = fields.String(required=True)
    label = fields.String(required=True)


class OrderDecision(RecordSchema):
    """What the core does with an order: import, hold (retry), skip (info) or error."""

    action = fields.String(
        required=True, validate=validate.OneOf(["import", "hold", "skip", "error"])
    )
    code = fields.String(required=True)
    message = _optional(fields.String)
    hint = _optional(fields.String)


class WebhookSubscription(RecordSchema):
    """One webhook subscription the store holds for the hub (``hub_register_webhooks``)."""

    topic = fields.String(required=True)  # the store's own topic name: ORDERS_CREATE, order.created
    external_id = fields.String(required=True)  # the store's id of the subscription
    address = fields.String(required=True)  # where the store delivers


class WebhookDelivery(RecordSchema):
    """What a verified delivery says (``hub_read_webhook``): which event, about which records."""

    delivery_id = fields.String(required=True, allow_none=True)  # the store's id, for dedup
    event = fields.String(required=True, validate=validate.OneOf(WEBHOOK_EVENTS))
    external_ids = fields.List(fields.String(), required=True)  # orders' or products' ids


# -- types: the schemas' records as TypedDicts (tests/test_records_types.py keeps them in step) -


class ProductRecordDict(TypedDict):
    external_id: str
    sku: str
    name: str
    barcode: NotRequired[str | None]
    weight_kg: NotRequired[Money | None]
    price: NotRequired[Money | None]
    currency: NotRequired[str | None]
    parent: NotRequired[str | None]
    parent_name: NotRequired[str | None]
    active: NotRequired[bool]
    updated_at: NotRequired[Timestamp | None]
    store_refs: NotRequired[StoreRefs]
    cursor: str


class ImageRecordDict(TypedDict):
    product_external_id: str
    url: str
    external_id: NotRequired[str | None]
    position: NotRequired[int]
    alt: NotRequired[str | None]


class AddressRecordDict(TypedDict):
    name: NotRequired[str | None]
    company: NotRequired[str | None]
    address1: NotRequired[str | None]
    address2: NotRequired[str | None]
    city: NotRequired[str | None]
    postcode: NotRequired[str | None]
    region: NotRequired[str | None]
    country_code: NotRequired[str | None]
    phone: NotRequired[str | None]
    email: NotRequired[str | None]


class ShippingMethodRecordDict(TypedDict):
    code: str
    title: NotRequired[str | None]


class OrderLineRecordDict(TypedDict):
    external_id: str
    sku: NotRequired[str | None]
    product_external_id: NotRequired[str | None]
    name: NotRequired[str | None]
    quantity: int
    price: NotRequired[Money | None]


class OrderStatusRecordDict(TypedDict):
    external_id: str
    number: str
    paid: bool
    cancelled: bool
    refunded: NotRequired[bool]
    fulfilled: NotRequired[bool]
    store_status: NotRequired[str | None]
    updated_at: NotRequired[Timestamp | None]
    cursor: str


class OrderRecordDict(OrderStatusRecordDict):
    created_at: Timestamp
    currency: NotRequired[str | None]
    total: NotRequired[Money | None]
    customer_email: NotRequired[str | None]
    shipping_method: NotRequired[ShippingMethodRecordDict | None]
    shipping_address: NotRequired[AddressRecordDict | None]
    billing_address: NotRequired[AddressRecordDict | None]
    lines: list[OrderLineRecordDict]


class StockRecordDict(TypedDict):
    external_id: str
    sku: NotRequired[str | None]
    quantity: int
    on_hand: NotRequired[int | None]
    store_refs: NotRequired[StoreRefs]


class SupplierRecordDict(TypedDict):
    external_id: str
    name: str
    email: NotRequired[str | None]
    phone: NotRequired[str | None]
    active: NotRequired[bool]
    cursor: str


class ProductSupplierRecordDict(TypedDict):
    external_id: str
    supplier_external_id: str
    product_external_id: str
    supplier_reference: NotRequired[str | None]
    price: NotRequired[Money | None]
    currency: NotRequired[str | None]
    cursor: str


class StockPushDict(TypedDict):
    sku: str
    external_id: str
    quantity: int
    previous: NotRequired[int | None]
    store_refs: NotRequired[StoreRefs]


class PushResultDict(TypedDict):
    key: str
    status: PushStatus
    message: NotRequired[str | None]
    hint: NotRequired[str | None]
    store_quantity: NotRequired[int | None]
    external_id: NotRequired[str | None]


class ShipmentLineDict(TypedDict):
    sku: str
    order_line_external_id: str
    product_external_id: NotRequired[str | None]
    quantity: int


class ShipmentRecordDict(TypedDict):
    shipment_id: str
    order_external_id: str
    order_number: str
    carrier: str
    carrier_code: NotRequired[str | None]
    tracking_number: str
    tracking_url: NotRequired[str | None]
    notify_customer: NotRequired[bool]
    shipped_at: Timestamp
    lines: list[ShipmentLineDict]


class SettingSpecDict(TypedDict):
    name: str
    label: str
    type: NotRequired[SettingType]
    required: NotRequired[bool]
    secret: NotRequired[bool]
    default: NotRequired[Any]
    help: NotRequired[str | None]
    choices: NotRequired[list[str] | None]
    choices_from_store: NotRequired[bool]


class ConnectorInfoDict(TypedDict):
    key: str
    label: str
    description: NotRequired[str | None]
    stock_semantics: StockSemantics
    settings: NotRequired[list[SettingSpecDict]]
    docs_url: NotRequired[str | None]


class ConnectionReportDict(TypedDict):
    ok: bool
    connected: NotRequired[bool | None]
    store_name: NotRequired[str | None]
    details: NotRequired[dict[str, Any]]
    problems: NotRequired[list[str]]


class SettingChoiceDict(TypedDict):
    value: str
    label: str


class OrderDecisionDict(TypedDict):
    action: DecisionAction
    code: str
    message: NotRequired[str | None]
    hint: NotRequired[str | None]


class ProductRefDict(TypedDict):
    """A product ``hub_fetch_product_images`` asks about (no schema: the core builds it)."""

    external_id: str
    sku: str
    parent: str | None
    store_refs: StoreRefs


class WebhookSubscriptionDict(TypedDict):
    topic: str
    external_id: str
    address: str


class WebhookDeliveryDict(TypedDict):
    delivery_id: str | None
    event: WebhookEvent
    external_ids: list[str]


# the TypedDict of each schema, by schema class (the test that keeps them in step reads it)
TYPED_DICTS: dict[type[Schema], Any] = {
    ProductRecord: ProductRecordDict,
    ImageRecord: ImageRecordDict,
    AddressRecord: AddressRecordDict,
    ShippingMethodRecord: ShippingMethodRecordDict,
    OrderLineRecord: OrderLineRecordDict,
    OrderStatusRecord: OrderStatusRecordDict,
    OrderRecord: OrderRecordDict,
    StockRecord: StockRecordDict,
    SupplierRecord: SupplierRecordDict,
    ProductSupplierRecord: ProductSupplierRecordDict,
    StockPush: StockPushDict,
    PushResult: PushResultDict,
    ShipmentLine: ShipmentLineDict,
    ShipmentRecord: ShipmentRecordDict,
    SettingSpec: SettingSpecDict,
    ConnectorInfo: ConnectorInfoDict,
    ConnectionReport: ConnectionReportDict,
    SettingChoice: SettingChoiceDict,
    OrderDecision: OrderDecisionDict,
    WebhookSubscription: WebhookSubscriptionDict,
    WebhookDelivery: WebhookDeliveryDict,
}


SCHEMAS: dict[str, Schema] = {
    "product": ProductRecord(),
    "image": ImageRecord(),
    "order": OrderRecord(),
    "order_status": OrderStatusRecord(),
    "stock": StockRecord(),
    "supplier": SupplierRecord(),
    "product_supplier": ProductSupplierRecord(),
    "push_result": PushResult(),
    "stock_push": StockPush(),
    "shipment": ShipmentRecord(),
    "connector_info": ConnectorInfo(),
    "connection_report": ConnectionReport(),
    "setting_choice": SettingChoice(),
    "order_decision": OrderDecision(),
    "webhook_subscription": WebhookSubscription(),
    "webhook_delivery": WebhookDelivery(),
}


def validate_record(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """Load ``record`` with the schema of ``kind``; raises marshmallow.ValidationError."""
    loaded: dict[str, Any] = SCHEMAS[kind].load(record)
    return loaded


def serialise_record(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A loaded record back to its plain, JSON-able form (decimal strings, ISO times)."""
    dumped: dict[str, Any] = SCHEMAS[kind].dump(record)
    return dumped


def field_errors_text(messages: object, prefix: str = "") -> list[str]:
    """Flatten marshmallow's nested error dict into "lines.0.sku: Missing data…"."""
    parts: list[str] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            parts.extend(field_errors_text(value, f"{prefix}{key}."))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        parts.append(f"{prefix.rstrip('.')}: {' '.join(messages)}")
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            parts.extend(field_errors_text(value, f"{prefix}{i}."))
    else:
        parts.append(f"{prefix.rstrip('.')}: {messages}")
    return parts
