"""The hub's own feed engine against the PrestaShop emulator (inline runs, SQLite)."""

from datetime import datetime

import pytest
from connect_prestashop_emulator import DEMO_KEY

from hub.testing import core

CARRIERS = {
    "1": "Pickup",
    "2": "My carrier",
    "3": "My carrier",
    "4": "Colissimo",
    "5": "DHL Express",
}


@pytest.fixture
def live(emulator):
    return emulator(products=25, orders=30, seed=4)


@pytest.fixture
def integration(live, hub_integration_factory):
    return hub_integration_factory(
        "prestashop",
        live.url,
        {"api_key": DEMO_KEY},
        orders_since=datetime(2025, 1, 1),
        carrier_mapping=CARRIERS,
    )


def _ok(summary):
    assert summary["status"] in ("succeeded", "succeeded_with_errors"), summary
    return summary["counts"]


def test_inbound_feeds_run_end_to_end(live, integration, hub_feed_runner):
    s = live.store
    stockable = sum(
        1 for p in s["products"].rows.values() if not p["associations"].get("combinations")
    ) + len(s["combinations"].rows)
    assert _ok(hub_feed_runner(integration, "update_products")).get("created") == stockable
    assert _ok(hub_feed_runner(integration, "update_products")).get("created", 0) == 0
    _ok(hub_feed_runner(integration, "import_new_products"))
    _ok(hub_feed_runner(integration, "import_product_images"))
    _ok(hub_feed_runner(integration, "import_stock"))
    _ok(hub_feed_runner(integration, "import_suppliers"))
    _ok(hub_feed_runner(integration, "import_product_suppliers"))
    counts = _ok(hub_feed_runner(integration, "import_new_orders"))
    assert counts.get("created", 0) >= 1
    assert counts.get("held", 0) + counts.get("skipped", 0) >= 1
    _ok(hub_feed_runner(integration, "update_orders"))
    _ok(hub_feed_runner(integration, "retry_orders"))


def test_shipping_confirmation_and_stock_export_in_production(live, integration, hub_feed_runner):
    for feed in ("update_products", "import_stock", "import_new_orders"):
        _ok(hub_feed_runner(integration, feed))
    paid = int(live.store.config("PS_OS_PAYMENT"))
    shipped_state = int(live.store.config("PS_OS_SHIPPING"))
    shipped = None
    for order in core.orders(integration):
        if int(live.store["orders"].rows[int(order["external_id"])]["current_state"]) != paid:
            continue
        try:
            core.ship(order["id"], tracking_number="6A-HUB-0001")
        except Exception:  # noqa: S112 - not enough stock for this one: try the next
            continue
        shipped = order
        break
    assert shipped is not None, "no paid order could be shipped"
    core.go_live(integration, force=True)
    confirm = hub_feed_runner(integration, "shipping_confirmation")
    assert confirm["status"] == "succeeded", confirm
    state = live.control("GET", f"orders/{shipped['external_id']}")
    assert state["current_state"] == shipped_state
    assert state["tracking_numbers"] == ["6A-HUB-0001"]
    histories = state["histories"]
    hub_feed_runner(integration, "shipping_confirmation")
    assert live.control("GET", f"orders/{shipped['external_id']}")["histories"] == histories
    _ok(hub_feed_runner(integration, "export_stock"))
    _ok(hub_feed_runner(integration, "stock_check"))


def test_product_supplier_links_are_imported_once_and_then_unchanged(
    live, integration, hub_feed_runner
):
    """The store lists every link each run (no change date): the second run finds them all
    unchanged and changes nothing the hub holds; each link is bound once."""
    _ok(hub_feed_runner(integration, "update_products"))
    _ok(hub_feed_runner(integration, "import_suppliers"))
    first = _ok(hub_feed_runner(integration, "import_product_suppliers"))
    links = core.supplier_links(integration)
    assert links and first.get("created") == len(links)
    assert len({link["external_id"] for link in links}) == len(links)  # one binding each
    again = _ok(hub_feed_runner(integration, "import_product_suppliers"))
    assert again.get("created", 0) == 0 and again.get("updated", 0) == 0
    assert again.get("unchanged") == len(links)
    assert core.supplier_links(integration) == links
