"""Orders through the core's rules: cut-off, cancelled (info), unpaid (held, retry),
unmapped carrier and unknown SKU (errors, held so nothing is lost), status updates."""

from datetime import timedelta

import pytest
from conftest import BACKENDS
from support import run, scheduled

from hub.models import Event, HeldRecord, Order, StockLevel, utcnow
from hub.services.stock import verify_ledger

# every engine scenario runs on SQLite and, where it is available (always in CI), on PostgreSQL
pytestmark = pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)


def stock_of(sku):
    from hub.models import Product

    level = StockLevel.get_or_none(StockLevel.product == Product.get(Product.sku == sku).id)
    return (level.on_hand, level.reserved) if level else (0, 0)


def products(integration, store):
    store.add_product(1, "A", "Apple")
    store.add_product(2, "B", "Banana")
    run(integration, "import_new_products")


def test_rules_of_import(integration, store):
    products(integration, store)
    store.add_order(1, "#1001", [{"sku": "A", "qty": 2}])
    store.add_order(2, "#1002", [{"sku": "A", "qty": 1}], cancelled=True)
    store.add_order(3, "#1003", [{"sku": "B", "qty": 3}], paid=False)
    store.add_order(4, "#1004", [{"sku": "B", "qty": 1}], method="pigeon")
    store.add_order(5, "#1005", [{"sku": "ZZZ", "qty": 1}])
    store.add_order(6, "#0999", [{"sku": "A", "qty": 9}], created="2025-12-01T00:00:00Z")
    store.add_order(7, "#1007", [{"sku": "A", "qty": 4}])
    store.orders["7"]["fulfilled"] = True  # shipped from the store before the hub knew it
    result = run(integration, "import_new_orders")
    assert result.status == "succeeded_with_errors"
    assert result.created == 1 and result.failed == 2
    order = Order.get(Order.number == "#1001")
    assert order.status == "to_ship" and order.carrier == "UPS"
    assert [(line.sku, line.quantity) for line in order.lines] == [("A", 2)]
    assert stock_of("A") == (0, 2)  # reserved, never refused: available -2
    assert not Order.select().where(Order.number.in_(["#1002", "#0999", "#1007"])).exists()
    assert Event.get(Event.reference == "#1002").severity == "info"
    assert Event.get(Event.reference == "#1007").code == "order_already_fulfilled"
    held = Event.get(Event.reference == "#1003")
    assert held.severity == "retry" and held.code == "awaiting_payment"
    assert stock_of("B") == (0, 4)  # held orders (#1003 unpaid, #1004 unmapped) reserve
    carrier = Event.get(Event.reference == "#1004")
    assert carrier.code == "unmapped_shipping_method" and "--carrier" in carrier.hint
    assert Event.get(Event.reference == "#1005").code == "unknown_sku"
    assert {h.reference: h.reason for h in HeldRecord.select()} == {
        "#1003": "awaiting_payment",
        "#1004": "unmapped_shipping_method",
        "#1005": "unknown_sku",
    }
    # re-running creates nothing twice
    again = run(integration, "import_new_orders")
    assert again.created == 0 and Order.select().count() == 1
    assert stock_of("B") == (0, 4)
    verify_ledger()


def test_held_order_paid_later_is_imported_once(integration, store):
    products(integration, store)
    store.add_order(3, "#1003", [{"sku": "B", "qty": 3}], paid=False)
    run(integration, "import_new_orders")
    nothing_due = scheduled(integration, "retry_orders")  # next check is in an hour
    assert nothing_due.processed == 0
    store.orders["3"]["paid"] = True
    still_nothing = scheduled(integration, "retry_orders")
    assert still_nothing.processed == 0 and still_nothing.created == 0
    HeldRecord.update(next_check_at=utcnow() - timedelta(seconds=1)).execute()
    result = scheduled(integration, "retry_orders")
    assert result.created == 1
    assert Order.get(Order.number == "#1003").status == "to_ship"
    assert stock_of("B") == (0, 3)  # moved from held to order, not doubled
    assert HeldRecord.get().status == "imported"
    assert Event.get(Event.reference == "#1003").resolved_at is not None
    verify_ledger()


def test_run_now_rechecks_every_held_order_at_once(integration, store):
    """Issue 11 §3: the merchant sees the order paid in the store and presses Run now
    (dashboard, ``hub feeds run``, API: trigger "manual"): it is imported now, not in an hour."""
    products(integration, store)
    store.add_order(3, "#1003", [{"sku": "B", "qty": 3}], paid=False)
    recent = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")  # not past the held-order max age
    store.add_order(4, "#1004", [{"sku": "A", "qty": 1}], paid=False, created=recent)
    run(integration, "import_new_orders")
    store.orders["3"]["paid"] = True
    manual = run(integration, "retry_orders")  # trigger "manual", nothing due for an hour
    assert manual.trigger == "manual" and manual.processed == 2
    assert manual.created == 1 and Order.get(Order.number == "#1003").status == "to_ship"
    assert HeldRecord.get(HeldRecord.reference == "#1004").status == "held"
    # the one still unpaid keeps its hourly rhythm for scheduled runs
    assert scheduled(integration, "retry_orders").processed == 0
    verify_ledger()


def test_held_order_cancelled_releases_and_expired_is_an_error(integration, store, hub_db):
    products(integration, store)
    store.add_order(3, "#1003", [{"sku": "B", "qty": 3}], paid=False)
    store.add_order(4, "#1004", [{"sku": "A", "qty": 1}], paid=False)
    run(integration, "import_new_orders")
    store.orders["3"]["cancelled"] = True
    HeldRecord.update(ordered_at=utcnow() - timedelta(days=30)).where(
        HeldRecord.reference == "#1004"
    ).execute()
    run(integration, "retry_orders", all=True)
    assert HeldRecord.get(HeldRecord.reference == "#1003").status == "released"
    assert stock_of("B") == (0, 0)
    expired = HeldRecord.get(HeldRecord.reference == "#1004")
    # no longer re-checked every hour, but its stock stays reserved: the store still holds it
    assert expired.status == "expired" and expired.next_check_at is None
    assert stock_of("A") == (0, 1)
    assert Event.get(Event.code == "held_order_expired").severity == "error"
    retry_message = Event.get(Event.code == "awaiting_payment", Event.reference == "#1004")
    assert retry_message.resolved_at is not None  # superseded by the Error
    HeldRecord.update(next_check_at=utcnow()).execute()  # even if it were due…
    assert scheduled(integration, "retry_orders").processed == 0  # …the schedule skips it
    # the merchant cancels it in the store and presses Run now: released
    store.orders["4"]["cancelled"] = True
    assert run(integration, "retry_orders").processed == 1
    assert HeldRecord.get(HeldRecord.reference == "#1004").status == "released"
    assert stock_of("A") == (0, 0)
    verify_ledger()


def test_fixing_the_carrier_mapping_and_retrying_imports(integration, store):
    from hub.engine.runs import retry_event
    from hub.services.integrations import update_integration

    products(integration, store)
    store.add_order(4, "#1004", [{"sku": "B", "qty": 1}], method="pigeon")
    run(integration, "import_new_orders")
    event = Event.get(Event.reference == "#1004")
    update_integration(integration, carriers={"pigeon": "Pigeon Post"})
    from hub.tasks import huey

    huey.immediate = True
    try:
        retried = retry_event(event)
    finally:
        huey.immediate = False
    from hub.models import FeedRun

    retried = FeedRun.get_by_id(retried.id)
    assert retried.feed == "retry_orders" and retried.trigger == "retry"
    assert retried.status == "succeeded", retried.message
    assert Order.get(Order.number == "#1004").carrier == "Pigeon Post"
    assert Event.get_by_id(event.id).resolved_at is not None


def test_update_orders_cancels_and_reports(integration, store):
    from hub.services.orders import ship_order

    products(integration, store)
    store.add_order(1, "#1", [{"sku": "A", "qty": 1}])
    store.add_order(2, "#2", [{"sku": "A", "qty": 1}])
    store.add_order(3, "#3", [{"sku": "B", "qty": 1}])
    run(integration, "import_new_orders")
    from hub.services.stock import adjust

    adjust(Order.get(Order.number == "#2").lines[0].product, 5, reason="found")
    ship_order(Order.get(Order.number == "#2"), carrier="UPS", tracking_number="T2")
    for oid in ("1", "2"):
        store.orders[oid]["cancelled"] = True
        store.orders[oid]["updated"] = store.tick()
    store.orders["3"]["fulfilled"] = True
    store.orders["3"]["updated"] = store.tick()
    result = run(integration, "update_orders")
    assert Order.get(Order.number == "#1").status == "cancelled"
    assert Order.get(Order.number == "#2").status == "shipped"
    assert Event.get(Event.reference == "#2").code == "cancelled_after_shipping"
    outside = Event.get(Event.reference == "#3")
    assert outside.code == "shipped_outside_hub"
    assert outside.details["order_id"] == Order.get(Order.number == "#3").id  # for its page
    assert result.failed == 2
    assert stock_of("A") == (4, 0)  # #1 released, #2 shipped (5 - 1)
    verify_ledger()


def test_an_unreadable_order_is_held_and_imported_once_corrected(integration, store):
    products(integration, store)
    store.add_order(8, "#1008", [{"sku": "A", "qty": 0}])  # a quantity the hub refuses
    result = run(integration, "import_new_orders")
    assert result.failed == 1 and not Order.select().exists()
    held = HeldRecord.get(HeldRecord.external_id == "8")
    assert held.reason == "invalid_record" and held.status == "held"
    store.orders["8"]["lines"][0]["qty"] = 2  # corrected in the store
    again = run(integration, "retry_orders", all=True)
    assert again.created == 1
    assert Order.get(Order.number == "#1008").lines[0].quantity == 2
    assert HeldRecord.get(HeldRecord.external_id == "8").status == "imported"
    verify_ledger()
