"""Fixtures and helpers of the dashboard and API tests (tests/test_web_*, tests/test_api_*)."""

import re

import pytest
from werkzeug.routing import IntegerConverter

PASSWORD = "correct horse battery"
PUBLIC_ENDPOINTS = {
    "auth.login",
    "ops.healthz",
    "ops.metrics",
    "api.openapi",
    "static",
    "webhooks.deliver",  # the store is the caller: a secret path and a signature (test_webhooks)
}
SAMPLE_VALUES = {"feed": "import_new_orders"}


def make_app(**config):
    from hub.app import create_app

    return create_app({"TESTING": True, **config})


@pytest.fixture
def app(hub_db):
    return make_app(WTF_CSRF_ENABLED=False)


@pytest.fixture
def user(hub_db):
    from hub.services.users import create_user

    return create_user("merchant", PASSWORD)


def sign_in(client, username="merchant", password=PASSWORD):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.data
    return client


@pytest.fixture
def client(app, user):
    return sign_in(app.test_client())


@pytest.fixture
def anon(app):
    return app.test_client()


def rules(app, prefix=None, exclude_public=True):
    """Every (method, url, rule) of the app, ids replaced by ``fill`` (for 404/401 sweeps)."""
    found = []
    for rule in app.url_map.iter_rules():
        if exclude_public and rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        if prefix is not None and not rule.rule.startswith(prefix):
            continue
        if prefix is None and rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule))
    return found


def build(rule, int_value=999999):
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        values[arg] = (
            int_value if isinstance(converter, IntegerConverter) else SAMPLE_VALUES.get(arg, "x")
        )
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def flashes(response):
    return re.findall(r'class="flash flash-(\w+)"[^>]*>([^<]*)<', response.get_data(as_text=True))


def csrf_token(client, url="/"):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def seeded(integration):
    """A small back office: a product with stock and a binding, an order to ship, a run with
    a log, an outbox item and a discrepancy, an unresolved error, a held order, a supplier."""
    from hub.models import (
        Binding,
        Event,
        FeedRun,
        HeldRecord,
        OutboxItem,
        Product,
        ProductSupplier,
        PurchaseOrder,
        PurchaseOrderLine,
        RunLog,
        StockDiscrepancy,
        Supplier,
        default_warehouse,
        utcnow,
    )
    from hub.services import stock

    product = Product.create(sku="MUG-1", name="Blue mug", barcode="400100", price="9.50")
    other = Product.create(sku="MUG-2", name="Red mug")
    binding = Binding.create(
        integration=integration, kind="product", external_id="p1", hub_id=product.id
    )
    wh = default_warehouse()
    stock.adjust("MUG-1", 10, warehouse=wh.id, reason="initial count")
    from hub.models import Order, OrderLine

    order = Order.create(
        integration=integration,
        external_id="o1",
        number="1001",
        ordered_at=utcnow(),
        shipping_method_code="standard",
        carrier="UPS",
        warehouse=wh,
    )
    line = OrderLine.create(
        order=order, external_id="o1-0", sku="MUG-1", product=product, quantity=2
    )
    stock.reserve(
        product.id, wh.id, 2, reference_type="order", reference_id=order.id, reference=order.number
    )
    run = FeedRun.create(
        integration=integration,
        feed="stock_check",
        status="succeeded",
        started_at=utcnow(),
        finished_at=utcnow(),
        processed=3,
        total=3,
        created=1,
    )
    event = Event.create(
        integration=integration,
        feed="import_new_orders",
        severity="error",
        code="unknown_shipping_method",
        reference="1002",
        external_id="o2",
        message="Order 1002: unknown shipping method 'drone'",
        hint="Map the shipping method 'drone' to a carrier.",
        last_run=run,
    )
    RunLog.create(
        run=run,
        event=event,
        severity="error",
        code=event.code,
        message=event.message,
        reference="1002",
    )
    RunLog.create(run=run, severity="info", code="cancelled", message="Order 1003 cancelled")
    OutboxItem.create(run=run, key="MUG-1", payload={"sku": "MUG-1", "quantity": 8})
    discrepancy = StockDiscrepancy.create(
        run=run, product=product, sku="MUG-1", hub_quantity=10, store_quantity=12, difference=2
    )
    held = HeldRecord.create(
        integration=integration,
        external_id="o9",
        reference="1009",
        reason="awaiting_payment",
        next_check_at=utcnow(),
    )
    supplier = Supplier.create(name="Acme")
    ProductSupplier.create(
        product=product, supplier=supplier, supplier_reference="AC-1", price="4.00"
    )
    po = PurchaseOrder.create(number="PO-0001", supplier=supplier)
    PurchaseOrderLine.create(purchase_order=po, product=product, quantity=5)
    return {
        "integration": integration,
        "product": product,
        "other": other,
        "binding": binding,
        "order": order,
        "line": line,
        "run": run,
        "event": event,
        "discrepancy": discrepancy,
        "held": held,
        "supplier": supplier,
        "po": po,
        "warehouse": wh,
    }
