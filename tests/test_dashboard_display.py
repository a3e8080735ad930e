"""Values shown for people (issue 18): no ``None``, ``False``, raw ``gid://…`` or Python lists
on the integration and connection-check pages of a Shopify shop (the emulator over HTTP);
the stock chart as steps with whole-number ticks; purchase orders with totals, warehouse names
and received quantities."""

import re
from datetime import timedelta

import pytest
from web_support import *  # noqa: F403  (fixtures: app, client, user…)

RAW = ("None", "False", "True", "gid://", "['", "{'")


def visible_text(html):
    """What a person reads: the text outside tags, scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def assert_readable(html):
    text = visible_text(html)
    found = {
        raw: text[max(0, text.find(raw) - 60) : text.find(raw) + 60] for raw in RAW if raw in text
    }
    assert not found, found


@pytest.fixture
def shopify(hub_db):
    from connect_shopify_emulator import DEMO_TOKEN, MAIN_LOCATION, create_app

    from hub.services.integrations import create_integration
    from hub.testing import serve_app

    with serve_app(create_app(products=2, orders=0, seed=3)) as server:
        yield create_integration(
            "Shopify",
            "shopify",
            server.url,
            {"access_token": DEMO_TOKEN, "location_id": MAIN_LOCATION, "notify_customer": False},
        )


def test_connection_check_and_settings_read_as_text(client, shopify):
    check = client.post(f"/integrations/{shopify.id}/check").get_data(as_text=True)
    assert 'id="connection-ok"' in check
    assert_readable(check)
    assert "Main warehouse" in visible_text(check)  # the location by its name
    assert "read_products, " in visible_text(check)  # the scopes as a list of words
    page = client.get(f"/integrations/{shopify.id}").get_data(as_text=True)
    assert_readable(page)
    settings = page.split("<dl", 1)[1].split("</dl>", 1)[0]
    assert re.search(r"<dt>notify customer</dt><dd>No</dd>", settings), settings
    assert "Main warehouse" in settings
    # kept with the integration, not in this process: another web worker, or a restart, too
    from hub.models import Integration

    location = Integration.get_by_id(shopify.id).settings["location_id"]
    assert Integration.get_by_id(shopify.id).setting_labels[location] == "Main warehouse"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        ("", "—"),
        (False, "No"),
        (True, "Yes"),
        (["read_orders", "write_orders"], "read_orders, write_orders"),
        ([], "—"),
        ({"a_b": None}, "a b: —"),
        ("gid://shopify/Location/123", "Location 123"),
        ("gid://shopify/InventoryItem/9", "Inventory item 9"),
        (0, "0"),
        ("plain", "plain"),
    ],
    ids=[
        "none",
        "empty",
        "false",
        "true",
        "list",
        "empty-list",
        "dict",
        "gid",
        "gid-two-words",
        "zero",
        "text",
    ],
)
def test_display_filter(value, shown):
    from hub.web.display import display

    assert display(value) == shown


def test_display_names_a_known_id(hub_db):
    from hub.models import Integration
    from hub.web.display import display

    back_room = Integration(setting_labels={"gid://shopify/Location/7": "Back room"})
    assert display("gid://shopify/Location/7", back_room) == "Back room"
    assert display("gid://shopify/Location/7", Integration()) == "Location 7"  # another's


def test_stock_chart_is_steps_with_whole_number_ticks(client, hub_db):
    from hub.models import Product, StockMovement, utcnow
    from hub.services import stock

    Product.create(sku="MUG-1", name="Mug")
    for quantity in (3, 2, -4):
        stock.adjust("MUG-1", quantity, reason="count")
    start = utcnow() - timedelta(days=10)
    for i, movement in enumerate(StockMovement.select().order_by(StockMovement.id)):
        movement.created_at = start + timedelta(days=3 * i)
        movement.save()
    product = Product.get(Product.sku == "MUG-1")
    svg = client.get(f"/products/{product.id}/stock.svg").get_data(as_text=True)
    labels = re.findall(r"<text[^>]*>([^<]+)</text>", svg)
    numbers = [t for t in labels if re.fullmatch(r"-?[\d,.]+", t)]
    assert numbers and all(re.fullmatch(r"-?\d[\d,]*", t) for t in numbers), numbers
    assert "1" in numbers and "5" in numbers  # 0 … 5 units, one by one
    dates = [t for t in labels if re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", t)]
    assert dates, labels  # "3 Mar 2026", not "2026-03-03T00:00:00"
    # steps: each level holds until the next movement (3 movements -> 5 points)
    from hub.web.charts import steps

    points = [(start, 3), (start + timedelta(days=3), 5), (start + timedelta(days=6), 1)]
    assert steps(points) == [
        points[0],
        (points[1][0], 3),
        points[1],
        (points[2][0], 5),
        points[2],
    ]


def test_purchase_order_shows_totals_warehouse_and_received(client, hub_db):
    from hub.models import Product
    from hub.services import purchasing

    Product.create(sku="MUG-1", name="Mug")
    Product.create(sku="MUG-2", name="Red mug")
    supplier = purchasing.create_supplier("Mugs & Co")
    po = purchasing.create_purchase_order(supplier, [("MUG-1", 10, "2.50"), ("MUG-2", 4, "1.25")])
    purchasing.order_purchase_order(po)
    purchasing.receive_purchase_order(po, {"MUG-1": 6})
    html = client.get(f"/purchasing/orders/{po.id}").get_data(as_text=True)
    assert_readable(html)
    text = re.sub(r"\s+", " ", visible_text(html))
    assert re.search(r'id="po-total">30.00<', html)  # 10 × 2.50 + 4 × 1.25
    assert "6 of 14 units" in text
    assert "Main warehouse" in text or "(the default)" in text
    listing = client.get("/purchasing/").get_data(as_text=True)
    row = listing.split(f">{po.number}<", 1)[1].split("</tr>", 1)[0]
    assert "6 / 14" in row and "30.00" in row
    assert "None" not in visible_text(listing)
