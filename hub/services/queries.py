"""One query and output layer for the three front ends: the CLI, the JSON API, the dashboard.

Per listable thing: a filter function (typed keyword filters → an unordered peewee query), a
``Listing`` (its rows as dicts, batched, and one marshmallow output schema), and for all of
them one ``keyset`` pagination. The CLI's ``--json``, the API's items and the dashboard's lists
come from here, so they agree by construction::

    page = keyset(orders(status="to_ship"), limit=50, cursor=after)  # the API, the CLI
    page = keyset(orders(status="to_ship"), limit=50, cursor=before, descending=True)  # dashboard
    ORDERS.dump(page.rows)  # [{id, number, integration, …}]: OrderOut

A filter left at None does not filter. A filter naming a row (integration, warehouse, supplier,
product) takes the model instance; an int is an id, taken as is (an unknown id matches nothing);
a str is resolved by name, code or id, and NotFound (naming the known ones) when unknown.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, fields
from peewee import Field, ModelSelect, fn

from hub.engine.runs import run_summary
from hub.models import (
    Address,
    Binding,
    Event,
    FeedRun,
    HeldRecord,
    Integration,
    Order,
    OrderLine,
    Product,
    ProductImage,
    PurchaseOrder,
    StockLevel,
    StockMovement,
    Supplier,
    Warehouse,
    decimal_str,
    iso,
)
from hub.models.feeds import HELD_STATUSES
from hub.services.integrations import get_integration, integration_summary
from hub.services.orders import shipment_summary
from hub.services.purchasing import get_supplier, po_summary, supplier_summary
from hub.services.stock import get_product, get_warehouse

# -- keyset pagination -------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    rows: list
    next: Any  # the key of the last row when more follow (the next page's cursor), else None


def keyset(
    query: ModelSelect,
    *,
    limit: int,
    cursor: Any = None,
    descending: bool = False,
    key: Field | None = None,
) -> Page:
    """One page of ``query`` in ``key`` order (default: the model's id): one LIMIT n+1 query,
    never a COUNT. Ascending, the rows after ``cursor`` (the API's and the CLI's ``after``);
    descending, the rows before it (the dashboard's ``before``, newest first)."""
    key = key or query.model.id
    if cursor is not None:
        query = query.where(key < cursor if descending else key > cursor)
    rows = list(query.order_by(key.desc() if descending else key.asc()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, getattr(rows[-1], key.name) if more and rows else None)


def walk(
    query: ModelSelect, *, key: Field | None = None, limit: int | None = None, chunk: int = 1000
) -> Iterator[list]:
    """``query`` page by page in ``key`` order (never the whole table in one query), at most
    ``limit`` rows (None: all)."""
    cursor, left = None, limit
    while left is None or left > 0:
        size = chunk if left is None else min(chunk, left)
        page = keyset(query, limit=size, cursor=cursor, key=key)
        if page.rows:
            yield page.rows
        if page.next is None:
            return
        cursor = page.next
        if left is not None:
            left -= len(page.rows)


def _after(query: ModelSelect, key: Field, descending: bool, value: Any, row_id: int):
    """The rows after (value, row_id) in (key, id) order. The first bound (``key <= value``)
    is redundant but lets the database seek the key's index instead of scanning from the top
    on every page: the dashboard's CSV export of 1,000,000 orders (SQLite) took 202 s without
    it, slowing as it went, and 116 s with it; the process stayed at 141 MB RSS either way."""
    model = query.model
    if descending:
        return query.where((key <= value) & ((key < value) | (model.id < row_id)))
    return query.where((key >= value) & ((key > value) | (model.id > row_id)))


def _sorted(query: ModelSelect, key: Field, descending: bool) -> ModelSelect:
    model = query.model
    return query.order_by(*((key.desc(), model.id.desc()) if descending else (key, model.id)))


def sorted_keyset(
    query: ModelSelect,
    *,
    limit: int,
    key: Field,
    descending: bool = False,
    cursor: int | None = None,
) -> Page:
    """One page of ``query`` ordered by ``key`` (a NOT NULL column of the model or of a table
    the query joins: an order date, a number, a product's SKU), ties broken by id. The cursor
    stays a row id (the last row of the previous page): its ``key`` is read back and the page
    starts after (key, id), so a list sorted by any of its columns pages like the id-ordered
    ones, without OFFSET. A cursor whose row is gone starts from the top."""
    model = query.model
    if key is model.id:
        return keyset(query, limit=limit, cursor=cursor, descending=descending)
    if cursor is not None:
        last = query.select(key).where(model.id == cursor).tuples().first()
        if last is not None:
            query = _after(query, key, descending, last[0], cursor)
    rows = list(_sorted(query, key, descending).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].id if more and rows else None)


def walk_sorted(
    query: ModelSelect, *, key: Field, descending: bool = False, chunk: int = 1000
) -> Iterator[list]:
    """Every row of ``query`` in (``key``, id) order, ``chunk`` rows per query: an export of a
    million rows never holds more than one chunk. Each next chunk starts after the last row's
    (key, id) as read with it, so rows deleted meanwhile neither stop nor restart the walk."""
    if key is query.model.id:
        yield from walk(query, key=key, chunk=chunk) if not descending else _walk_desc(query, chunk)
        return
    page_query = query
    while True:
        rows = list(_sorted(page_query, key, descending).limit(chunk))
        if rows:
            yield rows
        if len(rows) < chunk:
            return
        last = _row_of(rows[-1], key.model)
        page_query = _after(query, key, descending, getattr(last, key.name), rows[-1].id)


def _row_of(row: Any, model: type) -> Any:
    """``row`` itself or the row of ``model`` joined to it (peewee keeps a joined row in
    ``__rel__``, under the foreign key's name)."""
    if isinstance(row, model):
        return row
    for related in getattr(row, "__rel__", {}).values():
        if isinstance(related, model):
            return related
    raise ValueError(f"{model.__name__} is not joined to {type(row).__name__}")


def _walk_desc(query: ModelSelect, chunk: int) -> Iterator[list]:
    cursor = None
    while True:
        page = keyset(query, limit=chunk, cursor=cursor, descending=True)
        if page.rows:
            yield page.rows
        if page.next is None:
            return
        cursor = page.next


# -- output schemas ----------------------------------------------------------------------------


class BaseSchema(Schema):
    class Meta:
        unknown = EXCLUDE
        ordered = True


class Timestamp(fields.String):
    """A moment as ISO 8601 UTC with a Z (``hub.models.iso``), or null: dumped from a datetime,
    passed through when a summary dict already holds the text. ``date-time`` in the OpenAPI."""

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, metadata={"format": "date-time"}, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(iso(value) if isinstance(value, datetime) else value, attr, obj)


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
    ordered_at = Timestamp()
    lines = fields.List(fields.Nested(OrderLineOut))


class HeldOrderOut(BaseSchema):
    id = fields.Integer()
    integration = fields.String(attribute="integration.name")
    number = fields.String(attribute="reference")
    external_id = fields.String()
    reason = fields.String()
    status = fields.String(
        metadata={"description": "held, or expired: no longer re-checked, stock still reserved"}
    )
    held_at = Timestamp()
    next_check_at = Timestamp()
    checks = fields.Integer()


class StockOut(BaseSchema):
    id = fields.Integer()
    sku = fields.String(attribute="product.sku")
    warehouse = fields.String(attribute="warehouse.code")
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()


class MovementOut(BaseSchema):
    id = fields.Integer()
    sku = fields.String(attribute="product.sku")
    warehouse = fields.String(attribute="warehouse.code")
    type = fields.String()
    quantity = fields.Integer()
    reserved_change = fields.Integer()
    on_hand_after = fields.Integer()
    reserved_after = fields.Integer()
    reference_type = fields.String(allow_none=True)
    reference_id = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    user = fields.String(allow_none=True)
    run_id = fields.Integer(allow_none=True)
    created_at = Timestamp()


class WarehouseOut(BaseSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    active = fields.Boolean()
    is_default = fields.Boolean()
    products = fields.Integer()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    default_for = fields.List(fields.String())


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
    queued_at = Timestamp()
    started_at = Timestamp()
    finished_at = Timestamp()
    duration = fields.Float(allow_none=True)
    attempts = fields.Integer()
    message = fields.String(allow_none=True)
    after_run = fields.Integer(
        allow_none=True,
        metadata={"description": "a queued run waits for this run of its feed to end first"},
    )


class EventOut(BaseSchema):
    id = fields.Integer()
    integration = fields.String(attribute="integration.name")
    feed = fields.String(allow_none=True)
    severity = fields.String()
    code = fields.String()
    reference = fields.String(allow_none=True)
    message = fields.String()
    hint = fields.String(allow_none=True)
    count = fields.Integer()
    first_seen = Timestamp()
    last_seen = Timestamp()
    resolved = fields.Boolean()
    run = fields.Integer(attribute="last_run_id", allow_none=True)


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
    orders_since = Timestamp()
    stock_imported_at = Timestamp()
    went_live_at = Timestamp()
    connection_ok_at = Timestamp()  # when a connection test last passed
    feeds_held = fields.Boolean()  # disabled until a connection test passes
    created_at = Timestamp()


class IntegrationMaskedOut(IntegrationOut):
    """The CLI's: with the credentials masked (the API never shows them)."""

    secrets = fields.Dict()


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
    created_at = Timestamp()
    lines = fields.List(fields.Nested(ShipmentLineOut))


class PurchaseOrderLineOut(BaseSchema):
    sku = fields.String()
    quantity = fields.Integer()
    received_quantity = fields.Integer()
    remaining = fields.Integer()
    unit_price = fields.String(allow_none=True)
    supplier_reference = fields.String(allow_none=True)


class PurchaseOrderOut(BaseSchema):
    id = fields.Integer()
    number = fields.String()
    supplier = fields.String()
    status = fields.String()
    warehouse = fields.String(allow_none=True)
    lines_count = fields.Integer()
    quantity = fields.Integer()
    received_quantity = fields.Integer()
    total = fields.String()
    created_by = fields.String(allow_none=True)
    created_at = Timestamp()
    ordered_at = Timestamp()
    expected_at = Timestamp()
    received_at = Timestamp()
    cancelled_at = Timestamp()
    notes = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(PurchaseOrderLineOut))  # one purchase order, not a list


class SupplierOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    lead_time_days = fields.Integer()
    active = fields.Boolean()
    products = fields.Integer(metadata={"description": "number of linked products"})


# -- rows as dicts (one query per kind of related row, not per row) ----------------------------


def product_dicts(products: list[Product]) -> list[dict]:
    ids = [p.id for p in products]
    bindings: dict[int, list[dict]] = {}
    for b in (
        Binding.select(Binding, Integration)
        .join(Integration)
        .where((Binding.kind == "product") & Binding.hub_id.in_(ids))
    ):
        bindings.setdefault(b.hub_id, []).append(
            {
                "integration": b.integration.name,
                "external_id": b.external_id,
                "missing": b.missing_since is not None,
            }
        )
    images = {
        r.product_id: r.n
        for r in ProductImage.select(ProductImage.product, fn.COUNT(ProductImage.id).alias("n"))
        .where(ProductImage.product.in_(ids))
        .group_by(ProductImage.product)
    }
    return [
        {
            "id": p.id,
            "sku": p.sku,
            "name": p.name,
            "barcode": p.barcode,
            "weight_kg": decimal_str(p.weight_kg),
            "price": decimal_str(p.price, 2),
            "currency": p.currency,
            "parent": p.parent.name if p.parent_id else None,
            "active": p.status == "active",
            "status": p.status,
            "bindings": bindings.get(p.id, []),
            "images": images.get(p.id, 0),
        }
        for p in products
    ]


def order_dicts(orders: list[Order]) -> list[dict]:
    lines: dict[int, list[dict]] = {}
    for line in OrderLine.select().where(OrderLine.order.in_([o.id for o in orders])):
        lines.setdefault(line.order_id, []).append(
            {"sku": line.sku, "quantity": line.quantity, "shipped": line.shipped_quantity}
        )
    names = {i.id: i.name for i in Integration.select(Integration.id, Integration.name)}
    return [
        {
            "id": o.id,
            "number": o.number,
            "integration": names.get(o.integration_id),
            "external_id": o.external_id,
            "status": o.status,
            "paid": o.paid,
            "shipping_method": o.shipping_method_code,
            "carrier": o.carrier,
            "ordered_at": iso(o.ordered_at),
            "lines": lines.get(o.id, []),
        }
        for o in orders
    ]


def warehouse_dict(wh: Warehouse) -> dict:
    count, on_hand, reserved = (
        StockLevel.select(
            fn.COUNT(StockLevel.id), fn.SUM(StockLevel.on_hand), fn.SUM(StockLevel.reserved)
        )
        .where(StockLevel.warehouse == wh.id)
        .tuples()
        .first()
    )
    return {
        "id": wh.id,
        "code": wh.code,
        "name": wh.name,
        "active": wh.active,
        "is_default": wh.is_default,
        "products": int(count or 0),
        "on_hand": int(on_hand or 0),
        "reserved": int(reserved or 0),
        "default_for": [
            i.name
            for i in Integration.select(Integration.name).where(
                Integration.default_warehouse == wh.id
            )
        ],
    }


@dataclass(frozen=True)
class Listing:
    """How one kind of row is shown: its dicts, dumped through its schema."""

    schema: type[Schema]
    to_dicts: Callable[[list], list[dict]]

    def dump(self, rows: Iterable) -> list[dict]:
        return self.schema(many=True).dump(self.to_dicts([r for r in rows if r is not None]))

    def dump_one(self, row: Any) -> dict:
        return self.dump([row])[0]


def _each(row_dict: Callable[[Any], dict]) -> Callable[[list], list[dict]]:
    return lambda rows: [row_dict(r) for r in rows]


PRODUCTS = Listing(ProductOut, product_dicts)
ORDERS = Listing(OrderOut, order_dicts)
HELD_ORDERS = Listing(HeldOrderOut, list)  # the schemas read these rows themselves
STOCK = Listing(StockOut, list)
MOVEMENTS = Listing(MovementOut, list)
WAREHOUSES = Listing(WarehouseOut, _each(warehouse_dict))
RUNS = Listing(RunOut, _each(lambda r: run_summary(r, events=False)))
EVENTS = Listing(EventOut, list)
INTEGRATIONS = Listing(
    IntegrationOut, _each(lambda i: integration_summary(i, with_secrets_masked=False))
)
INTEGRATIONS_MASKED = Listing(IntegrationMaskedOut, _each(integration_summary))
SHIPMENTS = Listing(ShipmentOut, _each(shipment_summary))
PURCHASE_ORDERS = Listing(PurchaseOrderOut, _each(lambda p: po_summary(p, with_lines=False)))
PURCHASE_ORDER = Listing(PurchaseOrderOut, _each(po_summary))  # with its lines
SUPPLIERS = Listing(SupplierOut, _each(supplier_summary))


# -- filters -----------------------------------------------------------------------------------


def _id_of(value: Any, model: type, resolve: Callable[[Any], Any]) -> int:
    if isinstance(value, model):
        return value.id
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return resolve(value).id


def _one_or_many(field: Field, value: str | Iterable[str]):
    return field == value if isinstance(value, str) else field.in_(list(value))


def products(
    *,
    q: str | None = None,
    search: str | None = None,
    status: str | None = None,
    integration: Any = None,
) -> ModelSelect:
    """``q``: the SKU or barcode exactly, or a SKU prefix (index lookups); when no code matches,
    a word of the name. ``search``: SKU, name or barcode contains it (a scan).
    ``integration``: products bound to it."""
    query = Product.select()
    q = (q or "").strip()
    if q:
        by_code = query.where(
            (Product.sku == q)
            | (Product.barcode == q)
            | ((Product.sku >= q) & (Product.sku < q + "\uffff"))
        )
        query = by_code if by_code.exists() else query.where(Product.name.contains(q))
    if search:
        query = query.where(
            Product.sku.contains(search)
            | Product.name.contains(search)
            | Product.barcode.contains(search)
        )
    if status:
        query = query.where(Product.status == status)
    if integration is not None:
        bound = Binding.select(Binding.hub_id).where(
            (Binding.integration == _id_of(integration, Integration, get_integration))
            & (Binding.kind == "product")
        )
        query = query.where(Product.id.in_(bound))
    return query


MAGENTO_NUMBER_DIGITS = 9  # Magento's default increment_id: zero-padded to 9 digits


def order_numbers(text: str) -> set[str]:
    """The order numbers ``text`` may mean, as each connector stores them: Shopify's name
    (``#1041``), WooCommerce's number (``1041``), Magento's increment_id (``000001041`` — typed
    without its zeros), PrestaShop's reference (``XKBKNABJK``, typed in any case)."""
    bare = text.strip().lstrip("#").strip()
    if not bare:
        return set()
    found = {text.strip(), bare, f"#{bare}", bare.upper(), f"#{bare.upper()}"}
    if bare.isdigit() and len(bare) < MAGENTO_NUMBER_DIGITS:
        found.add(bare.zfill(MAGENTO_NUMBER_DIGITS))
    return found


def order_search(text: str):
    """Orders matching what a merchant types in a search box: the order number (with or
    without ``#``, an index lookup); when no order has that number, the customer's email or
    name (part of it, any case) or a SKU (an order with a line of that SKU)."""
    text = text.strip()
    by_number = Order.number.in_(order_numbers(text))
    if Order.select(Order.id).where(by_number).exists():
        return by_number
    with_sku = OrderLine.select(OrderLine.order).where(OrderLine.sku == text)
    named = Address.select(Address.id).where(  # contains: ILIKE, LIKE on SQLite (any case)
        Address.name.contains(text) | Address.email.contains(text)
    )
    return (
        Order.customer_email.contains(text)
        | Order.id.in_(with_sku)
        | Order.shipping_address.in_(named)
        | Order.billing_address.in_(named)
    )


def orders(
    *,
    status: str | None = None,
    integration: Any = None,
    number: str | None = None,
    q: str | None = None,
    ordered_from: datetime | None = None,
    ordered_to: datetime | None = None,
) -> ModelSelect:
    """``number``: the store's order number exactly; ``q``: a search (``order_search``).
    ``ordered_to`` excluded."""
    query = Order.select(Order, Integration).join(Integration)
    if status:
        query = query.where(Order.status == status)
    if integration is not None:
        query = query.where(Order.integration == _id_of(integration, Integration, get_integration))
    if number:
        query = query.where(Order.number == number)
    if q and q.strip().lstrip("#").strip():
        query = query.where(order_search(q))
    if ordered_from is not None:
        query = query.where(Order.ordered_at >= ordered_from)
    if ordered_to is not None:
        query = query.where(Order.ordered_at < ordered_to)
    return query


def held_orders(*, integration: Any = None) -> ModelSelect:
    """Orders still held (awaiting payment or a fix), expired ones included."""
    query = (
        HeldRecord.select(HeldRecord, Integration)
        .join(Integration)
        .where(HeldRecord.status.in_(HELD_STATUSES))
    )
    if integration is not None:
        query = query.where(
            HeldRecord.integration == _id_of(integration, Integration, get_integration)
        )
    return query


def _stock_filters(query, model, sku, product, warehouse):
    if sku:  # a code typed in a filter: an unknown one matches nothing
        query = query.where(Product.sku == sku.strip())
    if product is not None:  # a product named on purpose: NotFound when unknown
        query = query.where(model.product == _id_of(product, Product, get_product))
    if warehouse is not None:
        query = query.where(model.warehouse == _id_of(warehouse, Warehouse, get_warehouse))
    return query


def stock_levels(
    *, sku: str | None = None, product: Any = None, warehouse: Any = None
) -> ModelSelect:
    """Stock per product and warehouse (product and warehouse joined)."""
    query = (
        StockLevel.select(StockLevel, Product, Warehouse)
        .join(Product)
        .switch(StockLevel)
        .join(Warehouse)
    )
    return _stock_filters(query, StockLevel, sku, product, warehouse)


def stock_totals(products: Any) -> dict[int, list[int]]:
    """{product id: [on hand, reserved]} over every warehouse, for ``products`` (one query)."""
    totals: dict[int, list[int]] = {}
    if products:
        for product_id, on_hand, reserved in (
            StockLevel.select(StockLevel.product, StockLevel.on_hand, StockLevel.reserved)
            .where(StockLevel.product.in_([p.id for p in products]))
            .tuples()
        ):
            total = totals.setdefault(product_id, [0, 0])
            total[0] += on_hand
            total[1] += reserved
    return totals


def stock_rows(sku: Any = None, warehouse: Any = None) -> list[dict]:
    """Every level of ``sku`` (a product: NotFound when unknown) by SKU, then warehouse."""
    query = stock_levels(product=sku or None, warehouse=warehouse)
    return STOCK.dump(query.order_by(Product.sku, Warehouse.id))


def movements(
    *,
    sku: str | None = None,
    product: Any = None,
    warehouse: Any = None,
    type: str | None = None,
) -> ModelSelect:
    """The ledger (product and warehouse joined)."""
    query = (
        StockMovement.select(StockMovement, Product, Warehouse)
        .join(Product)
        .switch(StockMovement)
        .join(Warehouse)
    )
    if type:
        query = query.where(StockMovement.type == type)
    return _stock_filters(query, StockMovement, sku, product, warehouse)


def warehouses() -> ModelSelect:
    return Warehouse.select()


def runs(
    *,
    integration: Any = None,
    feed: str | None = None,
    status: str | None = None,
    trigger: str | None = None,
    queued_from: datetime | None = None,
    queued_to: datetime | None = None,
) -> ModelSelect:
    """``queued_to`` excluded."""
    query = FeedRun.select(FeedRun, Integration).join(Integration)
    if integration is not None:
        query = query.where(
            FeedRun.integration == _id_of(integration, Integration, get_integration)
        )
    for field, value in (
        (FeedRun.feed, feed),
        (FeedRun.status, status),
        (FeedRun.trigger, trigger),
    ):
        if value:
            query = query.where(field == value)
    if queued_from is not None:
        query = query.where(FeedRun.queued_at >= queued_from)
    if queued_to is not None:
        query = query.where(FeedRun.queued_at < queued_to)
    return query


def events(
    *,
    severity: str | Iterable[str] | None = None,
    unresolved: bool | None = None,
    integration: Any = None,
    code: str | None = None,
    seen_from: datetime | None = None,
    seen_to: datetime | None = None,
) -> ModelSelect:
    """``severity``: one or several; ``unresolved``: True open only, False resolved only;
    ``seen_from``/``seen_to``: last seen in that range (``seen_to`` excluded)."""
    query = Event.select(Event, Integration).join(Integration)
    if code:
        query = query.where(Event.code == code)
    if seen_from is not None:
        query = query.where(Event.last_seen >= seen_from)
    if seen_to is not None:
        query = query.where(Event.last_seen < seen_to)
    if severity:
        query = query.where(_one_or_many(Event.severity, severity))
    if unresolved is not None:
        query = query.where(Event.resolved_at.is_null(unresolved))
    if integration is not None:
        query = query.where(Event.integration == _id_of(integration, Integration, get_integration))
    return query


def integrations() -> ModelSelect:
    return Integration.select()


def purchase_orders(
    *,
    status: str | None = None,
    supplier: Any = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> ModelSelect:
    """``created_to`` excluded."""
    query = PurchaseOrder.select(PurchaseOrder, Supplier).join(Supplier)
    if created_from is not None:
        query = query.where(PurchaseOrder.created_at >= created_from)
    if created_to is not None:
        query = query.where(PurchaseOrder.created_at < created_to)
    if status:
        query = query.where(PurchaseOrder.status == status)
    if supplier is not None:
        query = query.where(PurchaseOrder.supplier == _id_of(supplier, Supplier, get_supplier))
    return query


def suppliers() -> ModelSelect:
    return Supplier.select()
