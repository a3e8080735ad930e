"""The hub's side of a connector's end-to-end tests: what a merchant would do in the dashboard
(go live, ship an order, count stock) and what the core stored, without touching the hub's
models or services. Use them with the ``hub_sqlite`` / ``hub_integration_factory`` /
``hub_feed_runner`` fixtures; ``integration`` is what the factory returned (or its name).

    from hub.testing import core

    core.go_live(integration, force=True)
    order = core.orders(integration)[0]
    core.ship(order["id"], tracking_number="1Z-HUB-0001")
"""

from typing import Any

from hub.engine.plugins import PluginRegistry
from hub.feeds.targets import targets
from hub.models import (
    Binding,
    HeldRecord,
    Order,
    Product,
    ProductSupplier,
    StockDiscrepancy,
    Supplier,
)
from hub.services import golive, queries, stock
from hub.services.integrations import get_integration
from hub.services.orders import ship_order, shipment_summary
from hub.services.queries import order_dicts as order_rows


def _integration(integration: Any) -> Any:
    return get_integration(getattr(integration, "name", integration))


def check_connection(integration: Any) -> dict[str, Any]:
    """The connection report the dashboard shows (``hub integrations check``)."""
    report: dict[str, Any] = golive.check_connection(_integration(integration))
    return report


def go_live(integration: Any, force: bool = False, **options: Any) -> Any:
    """Switch the integration to production (``hub integrations go-live``)."""
    return golive.go_live(_integration(integration), force=force, **options)


def orders(integration: Any) -> list[dict[str, Any]]:
    """The orders the hub imported from this integration, oldest first, as the CLI and the API
    list them (id, number, external_id, status, lines…)."""
    integ = _integration(integration)
    rows: list[dict[str, Any]] = order_rows(
        Order.select().where(Order.integration == integ.id).order_by(Order.id)
    )
    return rows


def ship(order_id: int, **shipment: Any) -> dict[str, Any]:
    """Ship a hub order (``hub orders ship``: tracking_number=…, lines=…, carrier=…); the
    shipment as the API shows it. No run is queued: run shipping_confirmation yourself."""
    summary: dict[str, Any] = shipment_summary(ship_order(Order.get_by_id(order_id), **shipment))
    return summary


def stock_level(sku: str) -> dict[str, int]:
    """The hub's stock of ``sku`` over every warehouse: {on_hand, reserved, available}."""
    rows = queries.stock_rows(sku)
    return {k: sum(r[k] for r in rows) for k in ("on_hand", "reserved", "available")}


def adjust_stock(integration: Any, sku: str, delta: int, reason: str = "test") -> Any:
    """Change the hub's on hand of ``sku`` in the integration's default warehouse."""
    integ = _integration(integration)
    product = Product.get(Product.sku == sku)
    return stock.adjust(product, delta, warehouse=integ.default_warehouse_id, reason=reason)


def bound_products(integration: Any) -> list[dict[str, Any]]:
    """The products bound to this integration: [{sku, external_id, store_refs}], by SKU."""
    integ = _integration(integration)
    query = (
        Binding.select(Binding, Product)
        .join(Product, on=(Binding.hub_id == Product.id))
        .where((Binding.integration == integ.id) & (Binding.kind == "product"))
        .order_by(Product.sku)
    )
    return [
        {"sku": b.product.sku, "external_id": b.external_id, "store_refs": b.store_refs or {}}
        for b in query
    ]


def supplier_links(integration: Any) -> list[dict[str, Any]]:
    """The product ↔ supplier links this integration's ``import_product_suppliers`` bound:
    [{external_id, sku, supplier, supplier_reference, price, currency}], by external id."""
    integ = _integration(integration)
    query = (
        Binding.select(Binding, ProductSupplier, Product, Supplier)
        .join(ProductSupplier, on=(Binding.hub_id == ProductSupplier.id))
        .join(Product, on=(ProductSupplier.product == Product.id))
        .switch(ProductSupplier)
        .join(Supplier, on=(ProductSupplier.supplier == Supplier.id))
        .where((Binding.integration == integ.id) & (Binding.kind == "product_supplier"))
        .order_by(Binding.external_id)
    )
    return [
        {
            "external_id": b.external_id,
            "sku": b.productsupplier.product.sku,
            "supplier": b.productsupplier.supplier.name,
            "supplier_reference": b.productsupplier.supplier_reference,
            "price": b.productsupplier.price,
            "currency": b.productsupplier.currency,
        }
        for b in query
    ]


def stock_targets(integration: Any, semantics: str) -> dict[str, int]:
    """{sku: quantity the store must hold} for every bound product: what export_stock pushes
    and stock_check compare (``semantics``: the store's, "sellable" or "physical")."""
    integ = _integration(integration)
    bindings = list(
        Binding.select().where((Binding.integration == integ.id) & (Binding.kind == "product"))
    )
    wanted = targets(integ, semantics, [b.hub_id for b in bindings])
    skus = {p.id: p.sku for p in Product.select().where(Product.id.in_(list(wanted)))}
    return {skus[pid]: quantity for pid, quantity in wanted.items()}


def held_orders(integration: Any) -> list[str]:
    """External ids of the orders the hub holds for this integration (unpaid…)."""
    integ = _integration(integration)
    return [
        h.external_id
        for h in HeldRecord.select().where(
            (HeldRecord.integration == integ.id) & (HeldRecord.status == "held")
        )
    ]


def discrepancies(run: dict[str, Any] | int) -> list[tuple[str, int, int]]:
    """What a stock_check run found: [(sku, hub quantity, store quantity)]."""
    run_id = run["id"] if isinstance(run, dict) else run
    return [
        (d.sku, d.hub_quantity, d.store_quantity)
        for d in StockDiscrepancy.select().where(StockDiscrepancy.run == run_id)
    ]


def plugin_state(connector: str, strict: bool = False) -> Any:
    """How the hub sees an installed connector (``hub plugins``): state, error, hooks, feeds,
    info; ``strict`` raises on a broken plugin instead of reporting it."""
    return PluginRegistry(strict=strict).load().states[connector]
