"""Peewee models by domain. ``ALL_MODELS`` is in dependency order."""

from hub.models.alerts import Alert, AlertDelivery
from hub.models.base import (
    BaseModel,
    JSONField,
    add_up_to,
    by_id_or_first,
    decimal_str,
    iso,
    remaining_plan,
    to_utc_naive,
    utcnow,
)
from hub.models.catalog import Product, ProductGroup, ProductImage
from hub.models.feeds import (
    Checkpoint,
    Event,
    FeedLease,
    FeedRun,
    FeedSetting,
    HeldRecord,
    OutboxItem,
    RunLog,
    StockDiscrepancy,
    WorkerHeartbeat,
)
from hub.models.integrations import Binding, Integration, IntegrationWarehouse
from hub.models.inventory import StockLevel, StockMovement, Warehouse
from hub.models.orders import Address, Order, OrderLine, Shipment, ShipmentLine
from hub.models.purchasing import ProductSupplier, PurchaseOrder, PurchaseOrderLine, Supplier
from hub.models.users import ApiToken, LoginAttempt, User, UserSession
from hub.models.webhooks import WebhookDelivery

ALL_MODELS = [
    ProductGroup,
    Product,
    ProductImage,
    Warehouse,
    StockLevel,
    StockMovement,
    Integration,
    IntegrationWarehouse,
    Binding,
    FeedSetting,
    Checkpoint,
    FeedRun,
    Event,
    RunLog,
    OutboxItem,
    StockDiscrepancy,
    HeldRecord,
    FeedLease,
    WorkerHeartbeat,
    Address,
    Order,
    OrderLine,
    Shipment,
    ShipmentLine,
    Supplier,
    ProductSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    User,
    ApiToken,
    UserSession,
    LoginAttempt,
    Alert,
    AlertDelivery,
    WebhookDelivery,
]

DEFAULT_WAREHOUSE = ("Main warehouse", "MAIN")


def default_warehouse():
    wh = Warehouse.get_or_none(Warehouse.is_default == True)  # noqa: E712
    if wh is None:
        wh = Warehouse.select().order_by(Warehouse.id).first()
    return wh


def ensure_defaults():
    """Rows every hub has: one default warehouse."""
    if not Warehouse.select().exists():
        name, code = DEFAULT_WAREHOUSE
        Warehouse.create(name=name, code=code, is_default=True)


__all__ = [m.__name__ for m in ALL_MODELS] + [
    "ALL_MODELS",
    "BaseModel",
    "add_up_to",
    "by_id_or_first",
    "remaining_plan",
    "decimal_str",
    "JSONField",
    "iso",
    "to_utc_naive",
    "utcnow",
    "default_warehouse",
    "ensure_defaults",
]
