"""import_stock (once, never counting open orders twice), stock_check, export_stock
(test-mode outbox, production deltas with compare-and-swap), shipping confirmation."""

import pytest
from conftest import BACKENDS
from support import run

from hub.models import (
    Binding,
    Integration,
    Order,
    OutboxItem,
    Product,
    Shipment,
    StockDiscrepancy,
    StockLevel,
)
from hub.services.stock import verify_ledger

# every engine scenario runs on SQLite and, where it is available (always in CI), on PostgreSQL
pytestmark = pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)


def level(sku):
    lvl = StockLevel.get(StockLevel.product == Product.get(Product.sku == sku).id)
    return lvl.on_hand, lvl.reserved


def setup_catalogue(integration, store):
    store.add_product(1, "A", "Apple")
    store.add_product(2, "B", "Banana")
    run(integration, "import_new_products")
    store.stock.update({"1": 10, "2": 4})


def test_import_stock_adds_back_what_the_sellable_store_already_subtracted(integration, store):
    setup_catalogue(integration, store)
    store.add_order(1, "#1", [{"sku": "A", "qty": 3}])
    store.add_order(2, "#2", [{"sku": "B", "qty": 1}], paid=False)  # held, reserves too
    run(integration, "import_new_orders")
    result = run(integration, "import_stock")
    assert result.status == "succeeded", result.message
    # sellable store: its 10 already excludes the 3 sold; on hand = 10 + 3
    assert level("A") == (13, 3)
    assert level("B") == (5, 1)
    refused = run(integration, "import_stock")
    assert refused.status == "failed" and "--force" in refused.message
    forced = run(integration, "import_stock", force=True)
    assert forced.status == "succeeded" and forced.unchanged == 2
    verify_ledger()


def test_a_store_sold_beyond_its_stock_starts_at_zero_and_the_rest_is_imported(integration, store):
    """A backordered item counts -2 in the store: the hub cannot hold negative stock, so it
    starts at 0 with an Info saying so; the other items are imported as usual (the run used
    to fail whole on the first negative quantity)."""
    from hub.models import Event

    setup_catalogue(integration, store)
    store.stock.update({"1": -2})
    result = run(integration, "import_stock")
    assert result.status == "succeeded", result.message
    assert level("A") == (0, 0) and level("B") == (4, 0)
    event = Event.get(Event.code == "negative_store_stock")
    assert event.severity == "info" and event.reference == "A"
    assert "counts -2" in event.message and "starts it at 0" in event.message
    verify_ledger()


def test_second_integration_does_not_overwrite_stock(integration, store):
    from hub_testshop.store import TOKEN

    from hub.services.integrations import create_integration

    setup_catalogue(integration, store)
    run(integration, "import_stock")
    other = create_integration(
        "Second", "testshop", store.url, {"token": TOKEN}, allow_duplicate=True
    )
    run(other, "import_new_products")
    store.stock["1"] = 99
    result = run(other, "import_stock")
    assert level("A") == (10, 0)
    assert result.skipped == 2
    from hub.models import Event

    owned = Event.get(Event.code == "stock_owned_elsewhere", Event.reference == "A")
    assert "from Test shop" in owned.message


def test_stock_check_reports_and_export_previews_in_test_mode(integration, store):
    setup_catalogue(integration, store)
    run(integration, "import_stock")
    from hub.services.stock import adjust

    adjust(Product.get(Product.sku == "A"), -2, reason="broken")
    check = run(integration, "stock_check")
    discrepancies = list(StockDiscrepancy.select())
    assert [(d.sku, d.hub_quantity, d.store_quantity) for d in discrepancies] == [("A", 8, 10)]
    assert check.updated == 1
    export = run(integration, "export_stock")
    assert integration.mode == "test"
    assert store.pushes == []  # nothing sent in test mode
    preview = {o.key: o.payload["quantity"] for o in OutboxItem.select()}
    assert preview == {"A": 8, "B": 4}
    assert export.status == "succeeded"


def test_the_backend_is_the_one_asked_for(request, integration):
    from hub.db import is_postgres

    assert is_postgres() == ("postgres" in request.node.name)


def test_production_export_sends_changes_only_with_compare_and_swap(integration, store):
    from hub.services.golive import go_live
    from hub.services.stock import adjust

    setup_catalogue(integration, store)
    run(integration, "import_stock")
    result = go_live(Integration.get_by_id(integration.id))
    assert result["live"], result["checks"]
    first = run(integration, "export_stock")
    assert first.updated + first.unchanged == 2 and len(store.pushes) == 2  # all after go-live
    assert {p["id"]: p["previous"] for p in store.pushes} == {"1": 10, "2": 4}
    store.pushes.clear()
    quiet = run(integration, "export_stock")
    assert store.pushes == [] and quiet.unchanged == 2
    adjust(Product.get(Product.sku == "A"), 5, reason="delivery")
    run(integration, "export_stock")
    assert store.pushes == [{"id": "1", "quantity": 15, "previous": 10}]
    assert store.stock["1"] == 15
    # someone changed it in the store: compare-and-swap refuses, an Error, then the next
    # export uses the store's value it learned
    store.stock["1"] = 3
    adjust(Product.get(Product.sku == "A"), 1, reason="found")
    conflict = run(integration, "export_stock")
    assert conflict.failed == 1 and store.stock["1"] == 3
    assert Binding.get(Binding.external_id == "1").store_quantity == 3
    run(integration, "export_stock")
    assert store.stock["1"] == 16


def test_physical_store_gets_back_what_imported_and_held_orders_reserve(integration, store):
    """A store that keeps physical stock and reserves for every order it took (Magento MSI)
    must be sent available + the reservations of imported AND held orders, else every SKU
    of a held order is pushed short and the store undersells (issue 11 §2)."""
    from hub.services.golive import go_live
    from hub.services.integrations import update_integration

    update_integration(Integration.get_by_id(integration.id), values={"stock_mode": "physical"})
    setup_catalogue(integration, store)
    store.add_order(1, "#1", [{"sku": "A", "qty": 3}])  # imported
    store.add_order(2, "#2", [{"sku": "B", "qty": 1}], paid=False)  # held: awaiting payment
    store.add_order(3, "#3", [{"sku": "A", "qty": 2}, {"sku": "NOPE", "qty": 1}])  # held: error
    run(integration, "import_new_orders")
    assert Order.select().count() == 1
    run(integration, "import_stock")
    assert level("A") == (10, 5) and level("B") == (4, 1)  # physical: on hand as the store says
    check = run(integration, "stock_check")
    assert check.status == "succeeded" and StockDiscrepancy.select().count() == 0
    assert go_live(Integration.get_by_id(integration.id), force=True)["live"]
    export = run(integration, "export_stock")
    assert export.status == "succeeded", export.message
    # the first export after go-live sends everything: exactly what the store already holds
    assert {p["id"]: p["quantity"] for p in store.pushes} == {"1": 10, "2": 4}
    assert store.stock == {"1": 10, "2": 4}
    store.pushes.clear()
    # the held order is paid and imported: the reservation moves, the target does not
    store.orders["2"]["paid"] = True
    run(integration, "retry_orders")
    run(integration, "export_stock")
    assert store.pushes == [] and store.stock == {"1": 10, "2": 4}
    # a hub delivery goes out as is
    from hub.services.stock import adjust

    adjust(Product.get(Product.sku == "B"), 2, reason="delivery")
    run(integration, "export_stock")
    assert store.stock["2"] == 6
    verify_ledger()


def test_negative_available_is_exported_as_zero(integration, store):
    from hub.services.golive import go_live

    setup_catalogue(integration, store)
    store.stock.update({"1": 0, "2": 0})
    run(integration, "import_stock")
    store.add_order(1, "#1", [{"sku": "A", "qty": 2}])
    run(integration, "import_new_orders")
    go_live(Integration.get_by_id(integration.id), force=True)
    run(integration, "export_stock")
    assert store.stock["1"] == 0


def test_shipping_confirmation_once_and_only_in_production(integration, store):
    from hub.services.golive import go_live
    from hub.services.orders import ship_order
    from hub.services.stock import adjust

    setup_catalogue(integration, store)
    store.add_order(1, "#1", [{"sku": "A", "qty": 1}])
    store.add_order(2, "#2", [{"sku": "B", "qty": 1}])
    run(integration, "import_new_orders")
    adjust(Product.get(Product.sku == "A"), 5, reason="in")
    adjust(Product.get(Product.sku == "B"), 5, reason="in")
    ship_order(Order.get(Order.number == "#1"), carrier="UPS", tracking_number="1Z1")
    preview = run(integration, "shipping_confirmation")
    assert store.shipments == [] and preview.skipped == 1
    assert Shipment.get().confirmation_status == "not_sent"
    go_live(Integration.get_by_id(integration.id), force=True, confirm_test_shipments=True)
    ship_order(Order.get(Order.number == "#2"), carrier="UPS", tracking_number="1Z2")
    sent = run(integration, "shipping_confirmation")
    assert sent.created == 2
    assert sorted(s["tracking"] for s in store.shipments) == ["1Z1", "1Z2"]
    # a crash after the store call but before the hub recorded it: sent again with the
    # same shipment id, the store recognises it, nothing doubles
    Shipment.update(confirmation_status="sending").where(
        Shipment.tracking_number == "1Z2"
    ).execute()
    again = run(integration, "shipping_confirmation")
    assert again.unchanged == 1 and len(store.shipments) == 2
    assert all(s.confirmation_status == "confirmed" for s in Shipment.select())
