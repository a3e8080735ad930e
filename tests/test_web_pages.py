"""The dashboard's pages and forms with Flask's test client, on a seeded back office."""

import pytest
from conftest import BACKENDS
from web_support import *  # noqa: F403  (fixtures: app, client, seeded…)
from web_support import flashes


def test_every_page_renders(client, seeded):
    s = seeded
    urls = [
        "/",
        "/charts/runs.svg",
        "/integrations/",
        "/integrations/new",
        "/integrations/new?connector=testshop",
        f"/integrations/{s['integration'].id}",
        f"/integrations/{s['integration'].id}/edit",
        "/runs/",
        f"/runs/{s['run'].id}",
        f"/runs/{s['run'].id}?severity=error",
        "/events/",
        f"/events/{s['event'].id}",
        "/events/?severity=all&state=all",
        "/products/",
        "/products/?q=MUG",
        f"/products/{s['product'].id}",
        f"/products/{s['product'].id}/stock.svg",
        "/orders/",
        f"/orders/{s['order'].id}",
        "/orders/held",
        "/inventory/",
        "/inventory/movements",
        "/purchasing/",
        f"/purchasing/suppliers/{s['supplier'].id}",
        "/purchasing/recommendations",
        f"/purchasing/orders/{s['po'].id}",
        "/account/tokens",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.data[:500])


def test_overview(client, seeded):
    html = client.get("/").get_data(as_text=True)
    assert "No worker is running" in html
    assert "Test shop" in html and "test mode" in html
    assert "Import new orders" in html


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_overview_counts_errors_per_integration(client, seeded):
    """The per-integration error count groups the engine's unresolved errors (PostgreSQL
    rejects the grouped query if the engine's ordering is kept)."""
    response = client.get("/")
    assert response.status_code == 200
    integration = seeded["integration"].id
    assert (
        f'href="/events/?integration={integration}">1 unresolved errors</a>'
        in response.get_data(as_text=True)
    )


def test_worker_banner_hidden_when_a_worker_is_alive(client, seeded):
    from hub.models import WorkerHeartbeat

    WorkerHeartbeat.create(worker_id="w1", hostname="h", pid=1)
    assert "No worker is running" not in client.get("/").get_data(as_text=True)


def test_bell_lists_unresolved_errors(client, seeded):
    html = client.get("/products/").get_data(as_text=True)
    assert 'id="bell-count">1<' in html
    assert "unknown shipping method" in html
    detail = client.get(f"/events/{seeded['event'].id}").get_data(as_text=True)
    assert "Map the shipping method" in detail and f"run #{seeded['run'].id}" in detail
    response = client.post(f"/events/{seeded['event'].id}/resolve", follow_redirects=True)
    assert (
        "success",
        "Marked resolved: Order 1002: unknown shipping method &#39;drone&#39;",
    ) in flashes(response)
    assert 'id="bell-count">0<' in client.get("/").get_data(as_text=True)


def test_retry_queues_a_run(client, seeded):
    from hub.models import FeedRun

    response = client.post(f"/events/{seeded['event'].id}/retry")
    run = FeedRun.select().order_by(FeedRun.id.desc()).first()
    assert run.trigger == "retry" and run.feed == "import_new_orders"
    assert response.location.endswith(f"/runs/{run.id}")


def test_add_integration_from_the_settings_schema(client, hub_db, store):
    from hub.models import Integration
    from hub.services.integrations import integration_secrets

    form = client.get("/integrations/new?connector=testshop").get_data(as_text=True)
    assert 'name="setting_token"' in form and 'type="password"' in form
    assert 'name="setting_notify_customer"' in form
    response = client.post(
        "/integrations/new", data={"connector": "testshop", "name": "Web shop", "url": store.url}
    )
    assert ("error", "missing required setting(s) for testshop: token") in flashes(response)
    response = client.post(
        "/integrations/new",
        data={
            "connector": "testshop",
            "name": "Web shop",
            "url": store.url,
            "setting_token": "secret-token",
            "setting_notify_customer": "1",
        },
    )
    integration = Integration.get(Integration.name == "Web shop")
    assert response.location.endswith(f"/integrations/{integration.id}/setup")  # its checklist
    assert integration.settings["notify_customer"] is True
    assert integration_secrets(integration) == {"token": "secret-token"}
    page = client.get(f"/integrations/{integration.id}").get_data(as_text=True)
    assert "secret-token" not in page and "Run now" in page


def test_edit_keeps_an_empty_secret_and_offers_store_choices(client, integration):
    from hub.models import Integration
    from hub.services.integrations import integration_secrets

    before = integration_secrets(integration)
    page = client.get(f"/integrations/{integration.id}/edit").get_data(as_text=True)
    assert "Depot" in page  # choices_from_store answered by the store
    assert before["token"] not in page
    client.post(
        f"/integrations/{integration.id}/edit",
        data={
            "name": integration.name,
            "url": integration.base_url,
            "setting_token": "",
            "setting_location": "2",
        },
    )
    integration = Integration.get_by_id(integration.id)
    assert integration_secrets(integration) == before
    assert integration.settings["location"] == "2"


def test_connection_check(client, integration):
    response = client.post(f"/integrations/{integration.id}/check")
    assert b"Connection OK" in response.data


def test_mappings(client, integration):
    from hub.models import Integration

    client.post(
        f"/integrations/{integration.id}/mappings",
        data={
            "carrier__standard": "DHL",
            "new_method": "express",
            "new_carrier": "FedEx",
            "new_store_status": "canceled",
            "new_hub_status": "cancelled",
        },
    )
    integration = Integration.get_by_id(integration.id)
    assert integration.carrier_mapping == {"standard": "DHL", "express": "FedEx"}
    assert integration.status_mapping == {"canceled": "cancelled"}
    response = client.post(
        f"/integrations/{integration.id}/mappings",
        data={"new_store_status": "x", "new_hub_status": "lost"},
        follow_redirects=True,
    )
    assert any("unknown hub status" in m for _, m in flashes(response))
    assert Integration.get_by_id(integration.id).status_mapping == {"canceled": "cancelled"}
    response = client.post(
        f"/integrations/{integration.id}/mappings",
        data={
            "status__canceled": "cancelled",
            "remove_status": "canceled",
            "new_store_status": "sent",
            "new_hub_status": "shipped",
        },
        follow_redirects=True,
    )
    assert ("success", "Mappings saved.") in flashes(response)
    integration = Integration.get_by_id(integration.id)
    assert integration.status_mapping == {"sent": "shipped"}
    assert integration.carrier_mapping == {"standard": "DHL", "express": "FedEx"}


def test_feed_schedule_is_validated(client, integration):
    from hub.models import FeedSetting

    url = f"/integrations/{integration.id}/feeds/import_new_orders"
    response = client.post(
        url, data={"cron": "61 * * * *", "timezone": "UTC", "enabled": "1"}, follow_redirects=True
    )
    assert any(c == "error" and "cron" in m for c, m in flashes(response))
    client.post(url, data={"cron": "*/7 * * * *", "timezone": "Europe/Paris"})
    fs = FeedSetting.get(
        FeedSetting.integration == integration, FeedSetting.feed == "import_new_orders"
    )
    assert fs.cron == "*/7 * * * *" and fs.timezone == "Europe/Paris" and not fs.enabled
    assert fs.next_run_at is None
    client.post(url, data={"cron": "*/7 * * * *", "timezone": "UTC", "enabled": "1"})
    page = client.get(f"/integrations/{integration.id}").get_data(as_text=True)
    assert "in 7 minutes" in page or "in 1 minute" in page or "minutes" in page


def test_run_now_and_progress(client, integration):
    from hub.models import FeedRun

    response = client.post(f"/integrations/{integration.id}/feeds/import_new_products/run")
    run = FeedRun.select().order_by(FeedRun.id.desc()).first()
    assert response.location.endswith(f"/runs/{run.id}")
    assert run.status == "queued" and run.trigger == "manual"
    data = client.get(f"/runs/{run.id}/progress.json").get_json()
    assert data["status"] == "queued" and data["done"] is False
    page = client.get(f"/runs/{run.id}").get_data(as_text=True)
    assert "data-progress-url" in page


def test_run_page_log_outbox_discrepancies(client, seeded):
    run = seeded["run"]
    page = client.get(f"/runs/{run.id}").get_data(as_text=True)
    assert "Order 1003 cancelled" in page and "Outbox preview" in page
    assert "Apply store quantity" in page
    page = client.get(f"/runs/{run.id}?severity=error").get_data(as_text=True)
    assert "Order 1003 cancelled" not in page and "unknown shipping method" in page
    client.post(f"/runs/discrepancies/{seeded['discrepancy'].id}/apply")
    from hub.models import StockLevel

    level = StockLevel.get(StockLevel.product == seeded["product"])
    assert level.on_hand == 12


def test_runs_filters(client, seeded):
    assert b"Stock check" in client.get("/runs/?status=succeeded").data
    assert b"No run matches" in client.get("/runs/?status=failed").data
    assert b"No run matches" in client.get("/runs/?from=2001-01-01&to=2001-01-02").data
    assert client.get("/runs/?from=not-a-date").status_code == 400


def test_products_search_and_page(client, seeded):
    assert b"Blue mug" in client.get("/products/?q=400100").data
    assert b"Blue mug" not in client.get("/products/?q=zzz").data
    page = client.get(f"/products/{seeded['product'].id}").get_data(as_text=True)
    assert "Acme" in page and "p1" in page and "initial count" in page
    svg = client.get(f"/products/{seeded['product'].id}/stock.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_relink_and_unlink_a_store_product(client, seeded):
    from hub.models import Binding

    binding = seeded["binding"]
    response = client.post(f"/products/bindings/{binding.id}/relink", data={"sku": "MUG-2"})
    assert response.location.endswith(f"/products/{seeded['other'].id}")
    assert Binding.get_by_id(binding.id).hub_id == seeded["other"].id
    client.post(f"/products/bindings/{binding.id}/unlink")
    assert Binding.get_or_none(Binding.id == binding.id) is None


def test_product_images_are_served_from_the_media_dir(client, seeded, hub_db):
    from hub.models import ProductImage

    media = hub_db.media_dir
    media.mkdir(parents=True, exist_ok=True)
    (media / "mug.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    img = ProductImage.create(
        product=seeded["product"], path="mug.png", sha256="a" * 64, content_type="image/png"
    )
    evil = ProductImage.create(product=seeded["product"], path="../hub.db", sha256="b" * 64)
    assert client.get(f"/products/images/{img.id}").data.startswith(b"\x89PNG")
    assert client.get(f"/products/images/{evil.id}").status_code == 404


def test_orders_filters_and_ship(client, seeded):
    from hub.models import Order, Shipment

    assert b"1001" in client.get("/orders/?status=to_ship").data
    assert b"No order matches" in client.get("/orders/?status=shipped").data
    order, line = seeded["order"], seeded["line"]
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert '<option value="UPS"' in page
    response = client.post(
        f"/orders/{order.id}/ship",
        data={
            f"qty_{line.id}": "2",
            "warehouse": seeded["warehouse"].id,
            "carrier": "UPS",
            "tracking_number": "",
        },
        follow_redirects=True,
    )
    assert any(c == "error" and "tracking number" in m for c, m in flashes(response))
    response = client.post(
        f"/orders/{order.id}/ship",
        data={
            f"qty_{line.id}": "2",
            "warehouse": seeded["warehouse"].id,
            "carrier": "UPS",
            "tracking_number": "1Z999",
            "tracking_url": "https://ups.example/1Z999",
        },
        follow_redirects=True,
    )
    assert Order.get_by_id(order.id).status == "shipped"
    assert Shipment.get(Shipment.order == order).tracking_number == "1Z999"
    assert b"1Z999" in response.data


def test_cancel_order(client, seeded):
    from hub.models import Order

    client.post(f"/orders/{seeded['order'].id}/cancel")
    assert Order.get_by_id(seeded["order"].id).status == "cancelled"


def test_held_orders(client, seeded):
    page = client.get("/orders/held").get_data(as_text=True)
    assert "1009" in page and "awaiting payment" in page


def test_inventory_forms(client, seeded):
    from hub.models import StockLevel, Warehouse

    wh = seeded["warehouse"]
    client.post(
        "/inventory/adjust",
        data={"sku": "MUG-1", "quantity": "-3", "warehouse": wh.id, "reason": "broken"},
    )
    assert StockLevel.get(StockLevel.product == seeded["product"]).on_hand == 7
    response = client.post(
        "/inventory/adjust",
        data={"sku": "MUG-1", "quantity": "5", "warehouse": wh.id, "reason": ""},
        follow_redirects=True,
    )
    assert any(c == "error" for c, _ in flashes(response))
    client.post("/inventory/warehouses", data={"name": "Depot", "code": "DEP"})
    depot = Warehouse.get(Warehouse.code == "DEP")
    client.post(
        "/inventory/transfer",
        data={"sku": "MUG-1", "quantity": "2", "from_warehouse": wh.id, "to_warehouse": depot.id},
    )
    assert StockLevel.get(StockLevel.warehouse == depot).on_hand == 2
    client.post(f"/inventory/warehouses/{depot.id}/rename", data={"name": "Back depot"})
    assert Warehouse.get_by_id(depot.id).name == "Back depot"
    page = client.get("/inventory/movements?sku=MUG-1").get_data(as_text=True)
    assert "transfer out" in page and "broken" in page


def test_purchasing(client, seeded):
    from hub.models import PurchaseOrder, StockLevel

    response = client.post(
        "/purchasing/orders/new", data={"supplier": seeded["supplier"].id, "lines": "MUG-1=4\n"}
    )
    po = PurchaseOrder.select().order_by(PurchaseOrder.id.desc()).first()
    assert response.location.endswith(f"/purchasing/orders/{po.id}")
    response = client.post(f"/purchasing/orders/{po.id}/order", follow_redirects=True)
    assert ("success", f"{po.number} marked as ordered.") in flashes(response)
    assert PurchaseOrder.get_by_id(po.id).status == "ordered"
    line = po.lines[0]
    before = StockLevel.get(StockLevel.product == seeded["product"]).on_hand
    client.post(f"/purchasing/orders/{po.id}/receive", data={f"qty_{line.id}": "4"})
    assert PurchaseOrder.get_by_id(po.id).status == "received"
    assert StockLevel.get(StockLevel.product == seeded["product"]).on_hand == before + 4


def test_api_tokens_page(client, user):
    from hub.models import ApiToken
    from hub.services.users import user_for_token

    page = client.post("/account/tokens", data={"name": "scanner"}).get_data(as_text=True)
    token = page.split('id="new-token">')[1].split("<")[0]
    assert user_for_token(token).id == user.id
    row = ApiToken.get(ApiToken.name == "scanner")
    client.post(f"/account/tokens/{row.id}/revoke")
    assert user_for_token(token) is None
    assert "scanner" in client.get("/account/tokens").get_data(as_text=True)


def test_healthz(anon, hub_db):
    from hub.models import WorkerHeartbeat

    response = anon.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "ok"
    assert response.get_json()["worker"] == "stale"
    WorkerHeartbeat.create(worker_id="w1", hostname="h", pid=1)
    response = anon.get("/healthz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "ok"


@pytest.mark.parametrize("chart", ["/charts/runs.svg"])
def test_chart_has_no_script(client, seeded, chart):
    response = client.get(chart)
    assert b"<script" not in response.data
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_go_live_checks_force_and_back_to_test_mode(client, integration):
    from hub.models import Integration

    page = client.get(f"/integrations/{integration.id}?checks=1").get_data(as_text=True)
    assert "stock imported or checked" in page and "Go live" in page
    response = client.post(f"/integrations/{integration.id}/go-live", follow_redirects=True)
    assert any(c == "error" and "stock imported" in m for c, m in flashes(response))
    assert Integration.get_by_id(integration.id).mode == "test"
    response = client.post(
        f"/integrations/{integration.id}/go-live", data={"force": "1"}, follow_redirects=True
    )
    live = Integration.get_by_id(integration.id)
    assert live.mode == "production" and live.go_live_forced
    assert "forced by merchant" in live.go_live_notes
    assert "Back to test mode" in response.get_data(as_text=True)
    client.post(f"/integrations/{integration.id}/test-mode")
    assert Integration.get_by_id(integration.id).mode == "test"


def test_suppliers_and_links(client, seeded):
    from hub.models import ProductSupplier, Supplier

    response = client.post(
        "/purchasing/suppliers", data={"name": "Bolt & Co", "lead_time_days": "3"}
    )
    sup = Supplier.get(Supplier.name == "Bolt & Co")
    assert response.location.endswith(f"/purchasing/suppliers/{sup.id}")
    client.post(
        f"/purchasing/suppliers/{sup.id}/links",
        data={
            "sku": "MUG-2",
            "supplier_reference": "B-2",
            "price": "3.10",
            "min_order_qty": "6",
            "preferred": "1",
        },
    )
    link = ProductSupplier.get(ProductSupplier.supplier == sup)
    assert link.supplier_reference == "B-2" and link.min_order_qty == 6 and link.preferred
    page = client.get(f"/purchasing/suppliers/{sup.id}").get_data(as_text=True)
    assert "MUG-2" in page and "B-2" in page
