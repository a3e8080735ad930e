"""Every dashboard page reads as text for people (issue 18): a demo-like hub, seeded by real
runs against the emulators of the four bundled connectors (orders, held orders, shipments,
failed runs and errors, stock-check differences, purchase orders, users), then every page of
the dashboard's URL map opened with real ids. What a person reads on them (the text outside
tags, scripts and attribute values) holds no Python value (``None``, ``False``, ``True``, a
list or dict repr, ``nan``), no store id (``gid://…``), no raw ISO time and no JavaScript
``[object …]``."""

import importlib
import re
from contextlib import ExitStack
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import requests
from support import run
from web_support import *  # noqa: F403  (fixtures: app, client, user…)
from web_support import PASSWORD, rules, sign_in

RAW = {
    "a Python None/True/False": re.compile(r"\b(?:None|False|True)\b"),
    "a store id": re.compile(r"gid://"),
    "a Python or JSON list or mapping": re.compile(r"\[['\"]|\{['\"]"),
    "nan": re.compile(r"\b(?:nan|NaN)\b"),
    "a raw ISO time": re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d|\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"),
    "a JavaScript object": re.compile(r"\[object\b"),
}
# pages that are not HTML for people (files, images, JSON) or not pages (sign-out…)
NOT_PAGES = {"auth.logout", "auth.login", "static"}


class VisibleText(HTMLParser):
    """The text a person reads: outside tags, scripts and styles (attribute values are not
    read); each element's text on its own line, so a finding's snippet is readable."""

    HIDDEN = frozenset({"script", "style", "template"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def findings(text):
    """[(what, snippet)] of every raw value in ``text``."""
    found = []
    for what, pattern in RAW.items():
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            found.append((what, text[max(0, start - 50) : end + 50].replace("\n", " | ")))
    return found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Notify customer: No", []),
        ("Notify customer: False", ["a Python None/True/False"]),
        ("Nonetheless", []),
        ("Location: gid://shopify/Location/1", ["a store id"]),
        ("scopes ['read_orders']", ["a Python or JSON list or mapping"]),
        ("at 2026-01-01T00:00:00", ["a raw ISO time"]),
        ("at 2026-01-01 00:00 UTC", []),
        ("price nan", ["nan"]),
        ("[object Object]", ["a JavaScript object"]),
    ],
    ids=["no", "false", "word-inside", "gid", "list", "iso", "dt", "nan", "js-object"],
)
def test_the_sweep_finds_raw_values(text, found):
    assert [what for what, _ in findings(text)] == found


def test_visible_text_leaves_out_attributes_and_scripts():
    html = (
        '<p title="None">Shown</p><script>var x = [object];</script>'
        '<input value="2026-01-01T00:00"><time datetime="2026-01-01T00:00:00">3 days ago</time>'
    )
    assert visible_text(html) == "Shown\n3 days ago"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-03-01T14:05:09+00:00", "2026-03-01 14:05 UTC"),
        ("2026-03-01T14:05:09Z", "2026-03-01 14:05 UTC"),
        ("2026-03-01T15:05:09+01:00", "2026-03-01 14:05 UTC"),
        (datetime(2026, 3, 1, 14, 5), "2026-03-01 14:05 UTC"),
        ("2026-03-01", "2026-03-01"),
        (float("nan"), "—"),
        (Decimal("NaN"), "—"),
        (Decimal("2.50"), "2.50"),
        (
            {"sku": "A-1", "store_refs": {"inventory_item_id": "gid://shopify/InventoryItem/9"}},
            "sku: A-1, store refs: (inventory item id: Inventory item 9)",
        ),
        (
            {"lines": [{"sku": "A-1", "quantity": 1}, {"sku": "B-2", "quantity": 2}]},
            "lines: (sku: A-1, quantity: 1), (sku: B-2, quantity: 2)",
        ),
    ],
    ids=[
        "iso",
        "iso-z",
        "iso-offset",
        "datetime",
        "day",
        "nan",
        "decimal-nan",
        "decimal",
        "nested",
        "list-of-dicts",
    ],
)
def test_display_shows_times_and_payloads_for_people(value, shown):
    from hub.web.display import display

    assert display(value) == shown  # outside a request: times in UTC


def test_display_shows_a_time_in_the_users_zone(app):
    from hub.web.display import display

    with app.test_request_context(headers={"Cookie": "hub_tz=Asia/Tokyo"}):
        assert display("2026-03-01T14:05:09Z") == "2026-03-01 23:05 JST"


# -- the demo-like hub -----------------------------------------------------------------------


@pytest.fixture
def demo_hub(hub_db, user, monkeypatch):
    """The four bundled demo stores (emulators over loopback HTTP), their integrations seeded
    as ``hub demo`` seeds them, then what a day of work adds: stock checks with differences,
    an order shipped and one cancelled, failed runs (the store down, refused credentials),
    the alerts pass, purchase orders, an operator with a token. Returns the integrations
    and a stock check with differences."""
    from hub.demo import demo_stores, ensure_integrations, seed
    from hub.models import (
        Event,
        FeedRun,
        HeldRecord,
        Order,
        OutboxItem,
        Product,
        Shipment,
        StockDiscrepancy,
        StockLevel,
    )
    from hub.models.orders import OPEN_ORDER_STATUSES
    from hub.services import alerts, orders, purchasing, stock
    from hub.services.users import create_token, create_user
    from hub.settings import load_settings, set_settings
    from hub.testing import serve_app
    from hub.testing.faults import inject

    # the emulators' orders are dated in the past: keep their unpaid orders held, as the demo
    monkeypatch.setenv("HUB_HELD_ORDER_MAX_AGE_HOURS", str(24 * 365 * 5))
    set_settings(load_settings())
    with ExitStack() as stack:
        started = {}
        for store in demo_stores():
            emulator = importlib.import_module(store.module)
            server = stack.enter_context(
                serve_app(emulator.create_app(products=6, orders=8, seed=1))
            )
            started[store.connector] = (store.label, server.url, store.values)
        assert set(started) >= {"shopify", "magento", "prestashop", "woocommerce"}, started
        integrations = {i.connector: i for i in ensure_integrations(started)}
        seed(list(integrations.values()))

        # stock checks: the hub counts differently from the stores
        for level in StockLevel.select().limit(6):
            stock.adjust(level.product_id, 3, warehouse=level.warehouse_id, reason="recount")
        checks = [run(integration, "stock_check") for integration in integrations.values()]
        for integration in integrations.values():
            run(integration, "export_stock")  # test mode: the outbox

        # an order shipped, another cancelled
        open_orders = list(Order.select().where(Order.status.in_(OPEN_ORDER_STATUSES)))
        assert len(open_orders) >= 2, "the emulators' orders were not imported"
        orders.ship_order(open_orders[0], tracking_number="1Z999AA10123456784", user=user)
        orders.cancel_order(open_orders[1], by="merchant", reason="customer asked", user=user)
        for integration in integrations.values():
            run(integration, "shipping_confirmation")

        # failed runs: a store that is down, refused credentials
        shopify_url = started["shopify"][1]
        inject(shopify_url, "5xx", {"fault": "5xx"}, count=1000)
        for feed in ("import_new_orders", "import_new_products", "import_new_orders"):
            run(integrations["shopify"], feed)
        stack.callback(requests.delete, f"{shopify_url}/_emulator/faults", timeout=10)
        inject(started["woocommerce"][1], "auth", {"fault": "auth"}, count=1000)
        run(integrations["woocommerce"], "import_new_products")
        alerts.collect()

        # purchasing: a supplier, a purchase order received in part, a draft
        products = list(Product.select().order_by(Product.id).limit(3))
        supplier = purchasing.create_supplier("Mugs & Co", email="orders@mugs.example")
        for product in products:
            purchasing.link_product(product, supplier, price="2.50")
        po = purchasing.create_purchase_order(supplier, [(p.sku, 5, None) for p in products])
        purchasing.order_purchase_order(po, user=user)
        purchasing.receive_purchase_order(po, {products[0].sku: 2}, user=user)
        purchasing.create_purchase_order(supplier, [(products[0].sku, 1, "1.00")])

        operator = create_user("operator", PASSWORD, is_admin=False)
        create_token(operator, "label printer")

        # what the sweep must see, or it proves nothing
        assert StockDiscrepancy.select().exists(), "no stock-check difference"
        assert HeldRecord.select().exists(), "no held order"
        assert Shipment.select().exists() and OutboxItem.select().exists()
        assert FeedRun.select().where(FeedRun.status == "failed").exists()
        assert Event.select().where(Event.severity == "error").exists()
        stock_check = next(c for c in checks if c.discrepancies.exists())
        yield {"integrations": integrations, "user": user, "stock_check": stock_check}


def sample_ids(argument):
    """Real ids for a route's ``<int:argument>``: one row of each kind worth seeing (each
    status, feed, severity…), so the sweep reads every variant of a page without every row."""
    from hub.models import (
        Event,
        FeedRun,
        Integration,
        Order,
        Product,
        ProductImage,
        PurchaseOrder,
        Supplier,
        User,
    )

    def one_per(model, *fields):
        seen = {}
        for row in model.select().order_by(model.id):
            seen.setdefault(tuple(getattr(row, f) for f in fields), row.id)
        return sorted(seen.values())

    samples = {
        "integration_id": lambda: one_per(Integration, "id"),
        "run_id": lambda: one_per(FeedRun, "integration_id", "feed", "status"),
        "event_id": lambda: one_per(Event, "integration_id", "code", "severity"),
        "order_id": lambda: one_per(Order, "integration_id", "status"),
        "product_id": lambda: one_per(Product, "status", "parent_id"),
        "image_id": lambda: one_per(ProductImage, "id")[:1],
        "po_id": lambda: one_per(PurchaseOrder, "status"),
        "supplier_id": lambda: one_per(Supplier, "id"),
        "user_id": lambda: one_per(User, "is_admin"),
    }
    return samples[argument]()


def page_urls(app):
    """Every GET page of the dashboard, with real ids."""
    urls = []
    for method, rule in rules(app):
        if method != "GET" or rule.endpoint in NOT_PAGES:
            continue
        args = sorted(rule.arguments)
        if not args:
            urls.append(rule.rule)
            continue
        assert len(args) == 1, f"{rule.rule}: fill its ids in page_urls"
        ids = sample_ids(args[0])
        assert ids, f"{rule.rule}: the demo hub has no {args[0]}"
        for value in ids:
            urls.append(re.sub(r"<(?:int:)?[a-z_]+>", str(value), rule.rule))
    return urls


def filtered_urls(demo_hub):
    """List pages as their filters show them: per integration, each state, an order's outbox
    (the filters' values are the pages' own choices; ids are real)."""
    from hub.models import Order, Shipment

    urls = []
    for integration in demo_hub["integrations"].values():
        i = integration.id
        urls += [f"/{page}/?integration={i}" for page in ("runs", "events", "orders", "outbox")]
    urls += [
        f"/orders/?status={status}" for (status,) in Order.select(Order.status).distinct().tuples()
    ]
    urls += [f"/runs/?status={status}" for status in ("failed", "succeeded_with_errors", "running")]
    urls += [f"/events/?severity={severity}&state=all" for severity in ("error", "warning", "info")]
    urls += ["/events/?state=resolved", "/alerts/?state=sent", "/outbox/?sent=no"]
    urls += ["/products/?status=inactive", "/inventory/movements?type=adjust"]
    shipped = Shipment.select().first().order_id
    urls += [f"/outbox/?order={shipped}", f"/runs/{demo_hub['stock_check'].id}?severity=warning"]
    return urls


def test_every_dashboard_page_reads_as_text_for_people(app, client, demo_hub):
    """Opened by an admin, who sees every page, and by an operator (pages without the admin's
    actions); the report names each page and the text around each raw value found."""
    urls = page_urls(app) + filtered_urls(demo_hub)
    operator = sign_in(app.test_client(), "operator")
    report, read = [], set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.mimetype == "text/html":
            read.add(url)
            report += [(url, *found) for found in findings(visible_text(response.text))]
            as_operator = operator.get(url)
            assert as_operator.status_code in (200, 403), (url, as_operator.status_code)
            found = findings(visible_text(as_operator.text))
            report += [(f"{url} (operator)", *f) for f in found]
    for integration in demo_hub["integrations"].values():
        url = f"/integrations/{integration.id}/check"  # the connection check's page (a POST)
        response = client.post(url)
        assert response.status_code == 200, (url, response.status_code)
        report += [(url, *found) for found in findings(visible_text(response.text))]
    # every kind of page was read: lists, each integration, runs, events, orders, products…
    for prefix in (
        "/integrations/",
        "/runs/",
        "/events/",
        "/orders/",
        "/products/",
        "/purchasing/",
    ):
        assert sum(u.startswith(prefix) for u in read) > 3, (prefix, sorted(read))
    assert not report, "\n".join(f"{url}: {what}: …{snippet}…" for url, what, snippet in report)
