"""The pluggy hook specifications: THE contract with connector authors.

Each hook has a one-line docstring here; the full contract (arguments, what to
yield or return, which exception means what) is in ``docs/hooks.md``, one
section per hook whose heading is the exact signature. A test keeps the two in
step.

Connector hooks (``hub_fetch_*``, ``hub_push_*``, ``hub_*_webhook*``, ``hub_check_connection``,
``hub_setting_choices``, ``hub_count_open_orders``) are called on ONE plugin only: the connector
of the integration being run. Which feeds a connector offers is exactly which of the
feed hooks it implements. Cross-cutting hooks (``hub_order_decision``,
``hub_record_imported``, ``hub_run_finished``) are called on every plugin.

The annotations are the contract's types (the TypedDicts of :mod:`hub.records`); pluggy does
not check them, a connector's type checker may (``hub`` ships ``py.typed``).
"""

from collections.abc import Iterator, Mapping
from typing import Any

from hub import hookspec
from hub.context import ConnectorContext
from hub.outcomes import Outcome
from hub.records import (
    ConnectionReportDict,
    ConnectorInfoDict,
    ImageRecordDict,
    OrderDecisionDict,
    OrderRecordDict,
    OrderStatusRecordDict,
    ProductRecordDict,
    ProductRefDict,
    ProductSupplierRecordDict,
    PushResultDict,
    SettingChoiceDict,
    ShipmentRecordDict,
    StockPushDict,
    StockRecordDict,
    StockSemantics,
    SupplierRecordDict,
    WebhookDeliveryDict,
    WebhookSubscriptionDict,
)

# -- describing the connector ----------------------------------------------------------------


@hookspec(firstresult=True)
def hub_connector_info() -> ConnectorInfoDict:
    """Describe the connector: a ``ConnectorInfo`` dict (key, label, settings, stock semantics)."""


@hookspec(firstresult=True)
def hub_check_connection(ctx: ConnectorContext) -> ConnectionReportDict:
    """Check the store answers with these credentials: return a ``ConnectionReport`` dict."""


@hookspec(firstresult=True)
def hub_setting_choices(ctx: ConnectorContext, setting: str) -> list[SettingChoiceDict] | None:
    """Return the ``SettingChoice`` list for a setting whose values come from the store."""


@hookspec(firstresult=True)
def hub_count_open_orders(ctx: ConnectorContext, since: str) -> int | None:
    """Count the store's open orders created at or after ``since`` (optional; None: unknown)."""


@hookspec(firstresult=True)
def hub_stock_semantics(ctx: ConnectorContext) -> StockSemantics | None:
    """Return ``"sellable"`` or ``"physical"`` for this integration (optional; default: info)."""


# -- inbound feeds: streaming generators of records -------------------------------------------


@hookspec(firstresult=True)
def hub_fetch_new_products(
    ctx: ConnectorContext, since: str | None
) -> Iterator[ProductRecordDict | Outcome]:
    """Yield ``ProductRecord``s created in the store after the cursor ``since`` (None: all)."""


@hookspec(firstresult=True)
def hub_fetch_products(ctx: ConnectorContext) -> Iterator[ProductRecordDict | Outcome]:
    """Yield every ``ProductRecord`` in the store, streamed (never the catalogue in a list)."""


@hookspec(firstresult=True)
def hub_fetch_product_images(
    ctx: ConnectorContext, products: list[ProductRefDict]
) -> Iterator[ImageRecordDict | Outcome]:
    """Yield ``ImageRecord``s for the given products (dicts with external_id, sku, parent)."""


@hookspec(firstresult=True)
def hub_fetch_new_orders(
    ctx: ConnectorContext, since: str | None
) -> Iterator[OrderRecordDict | Outcome]:
    """Yield every ``OrderRecord`` created after ``since``, whatever its payment state."""


@hookspec(firstresult=True)
def hub_fetch_order_updates(
    ctx: ConnectorContext, since: str | None
) -> Iterator[OrderStatusRecordDict | Outcome]:
    """Yield an ``OrderStatusRecord`` for every order updated after ``since``."""


@hookspec(firstresult=True)
def hub_fetch_order(ctx: ConnectorContext, external_id: str) -> OrderRecordDict | Outcome | None:
    """Return the ``OrderRecord`` of one order (re-check of a held order), or None if gone."""


@hookspec(firstresult=True)
def hub_fetch_products_by_id(
    ctx: ConnectorContext, external_ids: list[str]
) -> Iterator[ProductRecordDict | Outcome]:
    """Yield the ``ProductRecord``s of these store products (a webhook's ids; optional)."""


@hookspec(firstresult=True)
def hub_fetch_stock_levels(ctx: ConnectorContext) -> Iterator[StockRecordDict | Outcome]:
    """Yield a ``StockRecord`` for every stockable item of the integration's location/source."""


@hookspec(firstresult=True)
def hub_fetch_suppliers(ctx: ConnectorContext) -> Iterator[SupplierRecordDict | Outcome]:
    """Yield every ``SupplierRecord`` of the store."""


@hookspec(firstresult=True)
def hub_fetch_product_suppliers(
    ctx: ConnectorContext,
) -> Iterator[ProductSupplierRecordDict | Outcome]:
    """Yield every ``ProductSupplierRecord`` (product ↔ supplier link) of the store."""


# -- outbound feeds: one result per item -------------------------------------------------------


@hookspec(firstresult=True)
def hub_push_stock_levels(
    ctx: ConnectorContext, items: list[StockPushDict]
) -> list[PushResultDict]:
    """Write a batch of ``StockPush`` items; return one ``PushResult`` per item (key = SKU)."""


@hookspec(firstresult=True)
def hub_push_shipment(ctx: ConnectorContext, shipment: ShipmentRecordDict) -> PushResultDict:
    """Confirm one ``ShipmentRecord`` to the store exactly once; return a ``PushResult``."""


# -- webhooks: real-time deliveries, polling stays the safety net -----------------------------


@hookspec(firstresult=True)
def hub_register_webhooks(
    ctx: ConnectorContext, url: str, secret: str
) -> list[WebhookSubscriptionDict]:
    """Create or refresh the store's webhook subscriptions delivering to ``url`` (idempotent)."""


@hookspec(firstresult=True)
def hub_read_webhook(
    ctx: ConnectorContext, headers: Mapping[str, str], body: bytes, secret: str
) -> WebhookDeliveryDict:
    """Verify a delivery and read it; raise hub.errors.WebhookRejected when it does not verify."""


# -- cross-cutting hooks, called on every plugin -----------------------------------------------


@hookspec(firstresult=True)
def hub_order_decision(integration: str, order: OrderRecordDict) -> OrderDecisionDict | None:
    """Decide what to do with an order about to be imported: an ``OrderDecision`` dict."""


@hookspec
def hub_record_imported(
    integration: str,
    feed: str,
    kind: str,
    record: ProductRecordDict | OrderRecordDict,
    hub_id: int,
    created: bool,
) -> None:
    """Called after a record was committed to the hub (notifications, custom rules)."""


@hookspec
def hub_run_finished(integration: str, run: dict[str, Any]) -> None:
    """Called when a feed run ends, whatever its status (alerts, metrics)."""
