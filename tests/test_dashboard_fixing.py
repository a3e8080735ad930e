"""Fixing problems where they show (issue 18), through the dashboard (Flask's test client) on
a real SQLite file, with the test shop served over loopback HTTP: an Error's link to the form
that fixes it, fixes that resolve the stale events they explain, the held-orders page (retry,
filters, next checks ahead), and the test-mode outbox as tables."""

import re
from datetime import timedelta

import pytest
from support import run
from web_support import *  # noqa: F403  (fixtures: app, client…)
from web_support import flashes


def open_event(code):
    from hub.models import Event

    return Event.get(Event.code == code)


def store_orders(store, integration, *orders):
    """Store orders (number, shipping method, SKU) imported in one run: one shipped by an
    unmapped method, or with an unknown SKU, is held."""
    for number, method, sku in orders:
        line = {"sku": sku, "qty": 1, "product": "1" if sku == "MUG-1" else "9"}
        store.add_order(int(number), number, [line], method=method)
    run(integration, "import_new_orders")


@pytest.fixture
def unmapped(store, integration):
    """Order 1001 held: its shipping method "drone" has no carrier."""
    store.add_product(1, "MUG-1", "Mug", stock=5)
    run(integration, "import_new_products")
    store_orders(store, integration, ("1001", "drone", "MUG-1"))
    return open_event("unmapped_shipping_method")


def buttons(html):
    """The event page's action buttons as (label, classes), in page order."""
    head = html.split('<div class="actions">', 1)[1].split("</div>", 1)[0]
    return [
        (label, cls) for cls, label in re.findall(r'class="([^"]+)"[^>]*>([^<]+)</button>', head)
    ]


# -- an Error's hint links to the form that fixes it --------------------------------------------


def test_event_page_links_to_the_mapping_row_and_retry_is_primary(client, unmapped, integration):
    html = client.get(f"/events/{unmapped.id}").get_data(as_text=True)
    assert buttons(html) == [("Retry", "btn btn-primary"), ("Mark resolved", "btn btn-light")]
    link = re.search(r'id="fix-link" href="([^"]+)">([^<]+)<', html)
    assert link, html
    url = link.group(1).replace("&amp;", "&")
    assert url.startswith(f"/integrations/{integration.id}?")
    assert "method=drone" in url and "#" not in url
    assert "drone" in link.group(2)

    form = client.get(url).get_data(as_text=True)
    # the method of the held order: its row, named as the store names it, focused
    assert re.search(r'name="carrier__drone" value=""[^>]*id="mapping-asked" autofocus', form)
    assert re.search(
        r'Drone <span class="muted small">\(drone\)</span> <input name="carrier__drone"', form
    )
    assert f'name="next" value="/events/{unmapped.id}"' in form


def test_saving_the_mapping_resolves_the_event_and_retry_imports_the_order(
    client, unmapped, integration
):
    from hub.engine.runs import execute_run
    from hub.models import Event, FeedRun, HeldRecord, Order, utcnow

    response = client.post(
        f"/integrations/{integration.id}/mappings",
        data={"carrier__drone": "DHL", "next": f"/events/{unmapped.id}"},
    )
    assert response.status_code == 302 and response.location.endswith(f"/events/{unmapped.id}")
    event = Event.get_by_id(unmapped.id)
    assert event.resolved_at is not None and event.resolved_by == "hub: carrier mapping saved"
    held = HeldRecord.get(HeldRecord.reference == "1001")
    assert held.status == "held" and held.next_check_at <= utcnow()  # due at the next retry run

    page = client.get(f"/events/{unmapped.id}").get_data(as_text=True)
    assert "Order 1001 is still held" in page
    assert buttons(page) == [("Retry", "btn btn-primary")]  # resolved: no Mark resolved
    assert 'id="fix-link"' not in page

    response = client.post(f"/events/{unmapped.id}/retry")
    retry = FeedRun.select().order_by(FeedRun.id.desc()).first()
    assert (retry.feed, retry.params["external_ids"]) == ("retry_orders", [held.external_id])
    execute_run(retry.id, retries_left=0)
    order = Order.get(Order.number == "1001")
    assert order.carrier == "DHL"
    assert HeldRecord.get_by_id(held.id).status == "imported"
    # the order's page tells its story: the event that held it, resolved, and its run
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    story = page.split('id="order-events"', 1)[1].split("</section>", 1)[0]
    assert f'href="/events/{unmapped.id}"' in story and "no carrier mapping" in story
    assert f'href="/runs/{unmapped.last_run_id}"' in story and "resolved" in story


def test_another_method_mapped_leaves_the_event_open(client, unmapped, integration):
    from hub.models import Event

    client.post(f"/integrations/{integration.id}/mappings", data={"new_method": "bike",
                "new_carrier": "Courier"})  # fmt: skip
    assert Event.get_by_id(unmapped.id).resolved_at is None


def test_unknown_sku_links_to_importing_the_products_then_to_the_product(
    client, store, integration
):
    store_orders(store, integration, ("1002", "standard", "LAMP-9"))
    event = open_event("unknown_sku")
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    link = re.search(r'id="fix-link" href="([^"]+)">([^<]+)<', html)
    assert link.group(1) == f"/integrations/{integration.id}#feed-import_new_products"
    assert "LAMP-9" in link.group(2)

    store.add_product(1, "LAMP-9", "Lamp")
    run(integration, "import_new_products")
    from hub.models import Product

    lamp = Product.get(Product.sku == "LAMP-9")
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    link = re.search(r'id="fix-link" href="([^"]+)">([^<]+)<', html)
    assert link.group(1) == f"/products/{lamp.id}"
    assert "then Retry" in link.group(2)


def test_retry_all_errors_of_this_kind(client, store, integration):
    from hub.models import FeedRun

    store.add_product(1, "MUG-1", "Mug")
    run(integration, "import_new_products")
    store_orders(
        store,
        integration,
        ("1001", "drone", "MUG-1"),
        ("1002", "drone", "MUG-1"),
        ("1003", "boat", "MUG-1"),
    )
    event = open_event("unmapped_shipping_method")
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "has <strong>3</strong> open “unmapped shipping method” errors" in html
    assert 'id="retry-all-kind">Retry all 3<' in html

    before = FeedRun.select().count()
    response = client.post(
        "/events/bulk",
        data={
            "action": "retry_all",
            "code": "unmapped_shipping_method",
            "integration": integration.id,
            "severity": "error",
            "next": f"/events/{event.id}",
        },
    )
    assert response.location.endswith(f"/events/{event.id}")
    runs = list(FeedRun.select().where(FeedRun.id > before))
    assert [r.feed for r in runs] == ["retry_orders"]
    assert len(runs[0].params["external_ids"]) == 3


# -- a working connection resolves the old authentication failures ------------------------------


def test_a_passing_connection_test_resolves_the_old_401_and_unblocks_go_live(
    client, integration, store
):
    from hub_testshop.store import TOKEN

    from hub.models import Event
    from hub.services import golive
    from hub.services.integrations import update_integration

    update_integration(integration, values={"token": "revoked"})
    failed = run(integration, "import_new_products")
    assert failed.status == "failed"
    event = open_event("authentication")
    checks = {c["check"]: c for c in golive.go_live_checks(integration)}
    assert not checks["no unresolved errors"]["ok"]
    page = client.get(f"/integrations/{integration.id}?checks=1").get_data(as_text=True)
    fixes = re.findall(r'class="fix-check" href="([^"]+)"', page)
    assert f"/integrations/{integration.id}/edit" in fixes  # the connection: the credentials
    assert f"/integrations/{integration.id}#feed-import_stock" in fixes
    assert any(f.startswith("/events/?") and f"integration={integration.id}" in f for f in fixes)
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'id="fix-link" href="/integrations/{integration.id}/edit"' in html

    client.post(f"/integrations/{integration.id}/check")  # still refused: stays open
    assert Event.get_by_id(event.id).resolved_at is None

    update_integration(integration, values={"token": TOKEN})
    client.post(f"/integrations/{integration.id}/check")
    event = Event.get_by_id(event.id)
    assert event.resolved_by == "hub: the connection test passed"
    checks = {c["check"]: c for c in golive.go_live_checks(integration)}
    assert checks["no unresolved errors"]["ok"]


# -- the held orders page -------------------------------------------------------------------


@pytest.fixture
def held_orders(store, integration):
    """Three held orders: 1001 and 1002 by an unmapped method, 1003 by an unknown SKU."""
    store.add_product(1, "MUG-1", "Mug")
    run(integration, "import_new_products")
    store_orders(
        store,
        integration,
        ("1001", "drone", "MUG-1"),
        ("1002", "drone", "MUG-1"),
        ("1003", "standard", "LAMP-9"),
    )
    from hub.models import HeldRecord

    return {h.reference: h for h in HeldRecord.select()}


def held_numbers(html):
    return re.findall(r'<tr id="held-\d+"><td>([^ <]+)', html)


def test_held_page_filters_by_reason_and_links_each_order_to_its_event(client, held_orders):
    from hub.models import Event

    html = client.get("/orders/held").get_data(as_text=True)
    assert sorted(held_numbers(html)) == ["1001", "1002", "1003"]
    assert "unmapped shipping method (2)" in html and "unknown sku (1)" in html
    html = client.get("/orders/held?reason=unknown_sku").get_data(as_text=True)
    assert held_numbers(html) == ["1003"]
    event = Event.get(Event.code == "unknown_sku", Event.reference == "1003")
    assert f'class="held-event" href="/events/{event.id}">unknown sku<' in html
    assert 'id="retry-all-held">Retry all shown<' in html
    html = client.get("/orders/held?q=%231002").get_data(as_text=True)
    assert held_numbers(html) == ["1002"]


def test_held_page_shows_next_checks_ahead(client, held_orders):
    from hub.models import HeldRecord, utcnow

    now = utcnow()
    HeldRecord.update(next_check_at=now + timedelta(minutes=4, seconds=10)).where(
        HeldRecord.reference == "1001"
    ).execute()
    HeldRecord.update(next_check_at=now - timedelta(minutes=1)).where(
        HeldRecord.reference == "1002"
    ).execute()
    html = client.get("/orders/held").get_data(as_text=True)
    cells = dict(
        re.findall(r'<tr id="held-\d+"><td>(\d+).*?class="next-check">([^<]+)<', html, re.S)
    )
    assert cells["1001"] == "in 4 min"
    assert cells["1002"] == "due now"
    assert "ago" not in cells["1001"] + cells["1002"]


def test_retry_one_held_order_and_all_of_a_reason(client, held_orders):
    from hub.models import FeedRun

    before = FeedRun.select().count()
    response = client.post(
        "/orders/held/retry",
        data={"ids": [held_orders["1003"].id], "next": "/orders/held?reason=unknown_sku"},
    )
    assert response.location.endswith("/orders/held?reason=unknown_sku")
    (retry,) = FeedRun.select().where(FeedRun.id > before)
    assert (retry.feed, retry.trigger) == ("retry_orders", "retry")
    assert retry.params["external_ids"] == [held_orders["1003"].external_id]
    assert any("retry of 1 held order(s) queued" in m for _, m in flashes(client.get("/")))

    before = FeedRun.select().count()
    client.post("/orders/held/retry", data={"all": "1", "reason": "unmapped_shipping_method"})
    (retry,) = FeedRun.select().where(FeedRun.id > before)
    assert sorted(retry.params["external_ids"]) == sorted(
        [held_orders["1001"].external_id, held_orders["1002"].external_id]
    )


# -- the test-mode outbox, readable ---------------------------------------------------------


def test_outbox_tables_show_stock_and_the_shipment_the_hub_queued(client, store, integration):
    from hub.engine.runs import execute_run
    from hub.models import FeedRun, Order

    store.add_product(1, "MUG-1", "Mug", stock=5)
    run(integration, "import_new_products")
    run(integration, "import_stock")
    store_orders(store, integration, ("1001", "standard", "MUG-1"))
    order = Order.get(Order.number == "1001")
    page = client.get(f"/integrations/{integration.id}").get_data(as_text=True)
    assert f'href="/outbox/?integration={integration.id}" id="outbox-link"' in page

    run(integration, "export_stock", full=True)
    client.post(
        f"/orders/{order.id}/ship",
        data={"carrier": "UPS", "tracking_number": "1Z999AA10123456784",
              f"qty_{order.lines[0].id}": "1"},
    )  # fmt: skip
    queued = FeedRun.get(FeedRun.feed == "shipping_confirmation")
    assert queued.trigger == "shipment"  # queued by the hub, not by a person
    execute_run(queued.id, retries_left=0)

    html = client.get(f"/outbox/?integration={integration.id}").get_data(as_text=True)
    stock = html.split('id="outbox-stock"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">([^<]+)<strong>(\d+)</strong>", stock)
    assert rows == [("MUG-1", "5 → ", "4")]  # the store has 5; one is reserved by order 1001
    shipments = html.split('id="outbox-shipments"', 1)[1].split("</section>", 1)[0]
    assert f'href="/orders/{order.id}">1001</a>' in shipments
    assert "<td>UPS</td>" in shipments and "1Z999AA10123456784" in shipments
    assert "the hub, after a shipment" in shipments and "would be sent" in shipments

    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f'href="/outbox/?order={order.id}" id="preview-link">see preview<' in page
    only = client.get(f"/outbox/?order={order.id}").get_data(as_text=True)
    assert 'id="outbox-stock"' not in only and "1Z999AA10123456784" in only
