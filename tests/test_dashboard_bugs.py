"""The dashboard bugs of issue 18, each through the front end a merchant used (the dashboard's
forms and pages with Flask's test client, the JSON API, the CLI), on a real SQLite file."""

from html import unescape

import pytest
from conftest import BACKENDS
from web_support import *  # noqa: F403  (fixtures: app, client, seeded…)
from web_support import flashes


@pytest.fixture
def api(app, user):
    from hub.services.users import create_token

    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_token(user, 'tests')}"}

    class Api:
        def get(self, url, **kw):
            return client.get(url, headers=headers, **kw)

        def post(self, url, **kw):
            return client.post(url, headers=headers, **kw)

    return Api()


# -- 1. orders found by number, email, name and SKU ----------------------------------------------


@pytest.fixture
def numbered_orders(integration):
    """One order per store's numbering: Shopify's name, Magento's increment_id, PrestaShop's
    reference, WooCommerce's number; customers with an email and a shipping name."""
    from hub.models import Address, Order, OrderLine, utcnow

    def order(number, email=None, name=None, sku="MUG-1"):
        address = Address.create(name=name) if name else None
        row = Order.create(
            integration=integration,
            external_id=f"x-{number}",
            number=number,
            ordered_at=utcnow(),
            customer_email=email,
            shipping_address=address,
        )
        OrderLine.create(order=row, external_id=f"{number}-0", sku=sku, quantity=1)
        return row

    return {
        "shopify": order("#1041", "Ada@Example.com", "Ada Lovelace", sku="TEE-RED-M"),
        "magento": order("000000123", "bob@example.com", "Bob Builder"),
        "prestashop": order("XKBKNABJK", "carl@example.com"),
        "woocommerce": order("2077", None, "Dora Explorer"),
    }


SEARCHES = [
    ("#1041", ["#1041"]),
    ("1041", ["#1041"]),
    (" 1041 ", ["#1041"]),
    ("123", ["000000123"]),
    ("#000000123", ["000000123"]),
    ("xkbknabjk", ["XKBKNABJK"]),
    ("2077", ["2077"]),
    ("#2077", ["2077"]),
    ("ada@example.com", ["#1041"]),
    ("example.com", ["#1041", "000000123", "XKBKNABJK"]),
    ("lovelace", ["#1041"]),
    ("Dora", ["2077"]),
    ("TEE-RED-M", ["#1041"]),
    ("MUG-1", ["000000123", "XKBKNABJK", "2077"]),
    ("104", []),
    ("nobody", []),
]


@pytest.mark.parametrize("text,numbers", SEARCHES)
def test_order_search_in_the_dashboard(client, numbered_orders, text, numbers):
    html = client.get("/orders/", query_string={"q": text}).get_data(as_text=True)
    for order in numbered_orders.values():
        link = f'href="/orders/{order.id}"'
        assert (link in html) == (order.number in numbers), (text, order.number)


@pytest.mark.parametrize("text,numbers", SEARCHES)
def test_order_search_in_the_api(api, numbered_orders, text, numbers):
    body = api.get("/api/v1/orders", query_string={"q": text}).get_json()
    assert sorted(o["number"] for o in body["items"]) == sorted(numbers)


def test_order_search_in_the_cli(numbered_orders):
    import json

    from click.testing import CliRunner

    from hub.cli import cli

    result = CliRunner().invoke(cli, ["orders", "list", "--search", "#1041", "--json"])
    assert result.exit_code == 0, result.output
    assert [o["number"] for o in json.loads(result.output)] == ["#1041"]


# -- 3. the overview's runs chart on SQLite and PostgreSQL ---------------------------------------


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_runs_chart_counts_runs_per_day(client, integration):
    import re
    from datetime import timedelta

    from hub.models import FeedRun, utcnow
    from hub.web.overview import runs_per_day

    today = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    for days_ago, status, count in [(0, "succeeded", 3), (2, "failed", 2), (5, "succeeded", 1)]:
        for _ in range(count):
            FeedRun.create(
                integration=integration,
                feed="stock_check",
                status=status,
                queued_at=today - timedelta(days=days_ago, minutes=5),
            )
    FeedRun.create(  # older than the chart's 14 days
        integration=integration,
        feed="stock_check",
        status="succeeded",
        queued_at=today - timedelta(days=20),
    )
    start = (today - timedelta(days=13)).replace(hour=0)
    assert runs_per_day(start) == {
        (today.date(), "succeeded"): 3,
        ((today - timedelta(days=2)).date(), "failed"): 2,
        ((today - timedelta(days=5)).date(), "succeeded"): 1,
    }
    svg = client.get("/charts/runs.svg").get_data(as_text=True)
    values = [int(v) for v in re.findall(r'<desc class="value">(\d+)</desc>', svg)]
    assert sorted(v for v in values if v) == [1, 2, 3]


# -- 5. a schedule that never fires (or is invalid) is a form error ------------------------------

BAD_SCHEDULES = [
    ("0 4 31 2 *", "never fires"),
    ("0 0 30 2 *", "never fires"),
    ("0 0 31 4 *", "never fires"),
    ("0 0 31 2,4,6 *", "never fires"),
    ("61 * * * *", "invalid cron expression"),
    ("*/0 * * * *", "invalid cron expression"),
    ("* * * * * *", "5-field form"),
    ("@yearly", "5-field form"),
    ("every day", "invalid cron expression"),
]


@pytest.mark.parametrize("cron,message", BAD_SCHEDULES)
def test_a_schedule_that_never_fires_is_a_form_error(client, integration, cron, message):
    from hub.models import FeedSetting

    before = FeedSetting.get(integration=integration, feed="import_new_orders")
    response = client.post(
        f"/integrations/{integration.id}/feeds/import_new_orders",
        data={"cron": cron, "enabled": "y", "timezone": "UTC"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    errors = [text for kind, text in flashes(response) if kind == "error"]
    assert errors and message in errors[0], flashes(response)
    after = FeedSetting.get(integration=integration, feed="import_new_orders")
    assert (after.cron, after.next_run_at) == (before.cron, before.next_run_at)


@pytest.mark.parametrize("cron,message", BAD_SCHEDULES[:2] + BAD_SCHEDULES[4:6])
def test_a_schedule_that_never_fires_is_refused_by_the_cli(integration, cron, message):
    from click.testing import CliRunner

    from hub.cli import cli
    from hub.models import FeedSetting

    before = FeedSetting.get(integration=integration, feed="import_new_orders").cron
    result = CliRunner().invoke(
        cli, ["feeds", "schedule", integration.name, "import_new_orders", cron]
    )
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert FeedSetting.get(integration=integration, feed="import_new_orders").cron == before


# -- 6. Test connection says what is missing when the credentials work -------------------------


@pytest.fixture
def shopify_shop():
    from connect_shopify_emulator import create_app

    from hub.testing import serve_app

    with serve_app(create_app(products=2, orders=0, seed=3)) as server:
        yield server.url


def _shopify(url, **settings):
    from connect_shopify_emulator import DEMO_TOKEN

    from hub.services.integrations import create_integration

    return create_integration("Shopify", "shopify", url, {"access_token": DEMO_TOKEN, **settings})


def test_check_names_the_missing_location_when_the_credentials_work(client, shopify_shop):
    integration = _shopify(shopify_shop)  # the shop has several locations, none chosen
    response = client.post(f"/integrations/{integration.id}/check")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="connection-failed"' not in html and "Connection failed" not in html
    assert 'id="connection-incomplete"' in html and "Connected, set-up incomplete" in html
    [(kind, text)] = flashes(response)
    assert kind == "warning" and text.startswith("Connected to ")
    assert "set-up is incomplete" in text and "location" in text
    assert f'href="/integrations/{integration.id}/edit"' in html


def test_check_still_fails_on_refused_credentials(client, shopify_shop):
    from connect_shopify_emulator import MAIN_LOCATION

    from hub.services.integrations import update_integration

    integration = _shopify(shopify_shop, location_id=MAIN_LOCATION)
    update_integration(integration, values={"access_token": "shpat_wrong"})
    response = client.post(f"/integrations/{integration.id}/check")
    html = response.get_data(as_text=True)
    assert 'id="connection-failed"' in html and 'id="connection-incomplete"' not in html
    assert [kind for kind, _ in flashes(response)] == ["error"]


def test_check_ok_with_a_location(client, shopify_shop):
    from connect_shopify_emulator import MAIN_LOCATION

    integration = _shopify(shopify_shop, location_id=MAIN_LOCATION)
    response = client.post(f"/integrations/{integration.id}/check")
    assert 'id="connection-ok"' in response.get_data(as_text=True), flashes(response)


def test_cli_check_says_incomplete_not_failed(hub_db, shopify_shop):
    from click.testing import CliRunner

    from hub.cli import cli

    _shopify(shopify_shop)
    result = CliRunner().invoke(cli, ["integrations", "check", "Shopify"])
    assert result.exit_code != 0
    assert result.output.startswith("INCOMPLETE") and "missing:" in result.output
    assert "location" in result.output


# -- 4. the same store connected twice -------------------------------------------------------------

SAME_STORE = [
    lambda url: url,
    lambda url: url + "/",
    lambda url: url.replace("http://", "HTTP://").replace("127.0.0.1", "127.0.0.1."),
    lambda url: url.replace("http://", "https://") + "//",
]


def test_store_address_normalises_case_slash_and_default_port():
    from hub.services.integrations import store_address

    same = {
        store_address(u)
        for u in (
            "https://Shop.Example.com",
            "HTTPS://shop.example.com/",
            "https://shop.example.com:443",
            "http://shop.example.com:80/",
            "https://shop.example.com.",
        )
    }
    assert same == {"shop.example.com"}
    assert store_address("https://shop.example.com/fr/") == "shop.example.com/fr"
    assert store_address("https://shop.example.com:8443") == "shop.example.com:8443"
    assert store_address("https://a.example.com") != store_address("https://b.example.com")


@pytest.mark.parametrize("variant", SAME_STORE)
def test_dashboard_refuses_a_second_integration_of_the_same_store(client, integration, variant):
    from hub.models import Integration

    form = {"connector": "testshop", "name": "Again", "url": variant(integration.base_url)}
    form["setting_token"] = "x"
    response = client.post("/integrations/new?connector=testshop", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    [(kind, text)] = flashes(response)
    text = unescape(text)
    assert kind == "error" and f"'Test shop' (id {integration.id}) already connects" in text
    assert 'name="allow_duplicate"' in html
    assert Integration.select().count() == 1

    response = client.post(
        "/integrations/new?connector=testshop", data={**form, "allow_duplicate": "1"}
    )
    assert response.status_code == 302, flashes(response)
    assert Integration.select().count() == 2


def test_dashboard_form_has_no_confirmation_box_for_a_new_store(client, integration):
    html = client.get("/integrations/new?connector=testshop").get_data(as_text=True)
    assert 'name="allow_duplicate"' not in html
    response = client.post(
        "/integrations/new?connector=testshop",
        data={
            "connector": "testshop",
            "name": "Other",
            "url": "http://127.0.0.1:1/other",
            "setting_token": "x",
        },
    )
    assert response.status_code == 302, flashes(response)


def test_dashboard_edit_refuses_pointing_at_a_connected_store(client, integration):
    from hub.models import Integration
    from hub.services.integrations import create_integration

    other = create_integration("Other", "testshop", "http://127.0.0.1:1", {"token": "x"})
    url = f"/integrations/{other.id}/edit"
    response = client.post(url, data={"name": "Other", "url": integration.base_url + "/"})
    assert response.status_code == 200
    assert 'name="allow_duplicate"' in response.get_data(as_text=True)
    assert Integration.get_by_id(other.id).base_url == "http://127.0.0.1:1"
    data = {"name": "Other", "url": integration.base_url, "allow_duplicate": "1"}
    assert client.post(url, data=data).status_code == 302
    assert Integration.get_by_id(other.id).base_url == integration.base_url


def test_cli_refuses_a_second_integration_of_the_same_store(integration):
    from click.testing import CliRunner

    from hub.cli import cli
    from hub.models import Integration

    args = ["integrations", "add", "Again", "--connector", "testshop"]
    args += ["--url", integration.base_url.upper() + "/", "--secret", "token=x"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "'Test shop'" in result.output and "--allow-duplicate" in result.output
    assert Integration.select().count() == 1
    result = CliRunner().invoke(cli, [*args, "--allow-duplicate"])
    assert result.exit_code == 0, result.output
    assert Integration.select().count() == 2


def test_api_refuses_a_second_integration_of_the_same_store(api, integration):
    from hub.models import Integration

    payload = {
        "name": "Again",
        "connector": "testshop",
        "url": integration.base_url + "/",
        "settings": {"token": "x"},
    }
    response = api.post("/api/v1/integrations", json=payload)
    assert response.status_code == 409
    answer = response.get_json()
    assert answer["confirm"] == "allow_duplicate" and "'Test shop'" in answer["error"]
    assert Integration.select().count() == 1
    response = api.post("/api/v1/integrations", json={**payload, "allow_duplicate": True})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "Again"
    assert "x" not in str(response.get_json().get("settings"))


# -- 2. purchase orders from the recommendations page ---------------------------------------------


@pytest.fixture
def slow_sellers(client):
    """Sales 40 days ago only: recommended with a 60-day window, not with the default 30.
    WIDGET comes from Acme; GIZMO from no supplier yet."""
    from datetime import timedelta

    from backoffice_support import make_integration, make_order, make_product

    from hub.models import utcnow
    from hub.services import purchasing, stock

    shop = make_integration("shop")
    acme = purchasing.create_supplier("Acme", lead_time_days=7)
    widget, gizmo = make_product("WIDGET"), make_product("GIZMO")
    purchasing.link_product(widget, acme, price="2.50")
    for n, product in enumerate((widget, gizmo)):
        stock.adjust(product.sku, 55, reason="count")  # 5 left after the 50 shipped
        make_order(
            shop, f"#{n}", [(product, 50)], status="shipped", ordered_at=utcnow() - timedelta(40)
        )
    return {"acme": acme, "widget": widget, "gizmo": gizmo}


def _po_lines(po_id):
    from hub.models import PurchaseOrderLine

    return {
        (line.product.sku, line.quantity)
        for line in PurchaseOrderLine.select().where(PurchaseOrderLine.purchase_order == po_id)
    }


def test_create_po_from_the_recommendations_page_uses_its_window(client, slow_sellers):
    from hub.models import PurchaseOrder

    page = client.get("/purchasing/recommendations?window_days=60").get_data(as_text=True)
    assert "WIDGET" in page and "GIZMO" in page
    assert 'name="window_days" value="60"' in page
    assert "WIDGET" not in client.get("/purchasing/recommendations").get_data(as_text=True)

    response = client.post(
        "/purchasing/recommendations/order",
        data={"supplier": slow_sellers["acme"].id, "window_days": "60"},
    )
    assert response.status_code == 302, flashes(client.get("/"))
    po = PurchaseOrder.get()
    assert response.location.endswith(f"/purchasing/orders/{po.id}")
    # window 60: 50/60 a day × (7 lead + 7 safety) = 12 reorder point, + 14 × 50/60 = 12
    # for the review period, − 5 available: 19
    assert po.supplier_id == slow_sellers["acme"].id and _po_lines(po.id) == {("WIDGET", 19)}


def test_nothing_to_reorder_keeps_the_window_and_says_which(client, slow_sellers):
    from hub.models import PurchaseOrder

    response = client.post(
        "/purchasing/recommendations/order",
        data={"supplier": slow_sellers["acme"].id, "window_days": "30"},
        follow_redirects=True,
    )
    [(kind, text)] = flashes(response)
    assert kind == "error" and "nothing to reorder from supplier Acme" in text
    assert "last 30 days" in text
    assert PurchaseOrder.select().count() == 0


def test_the_no_supplier_group_is_ordered_from_a_supplier_picked_on_the_spot(client, slow_sellers):
    from hub.models import ProductSupplier, PurchaseOrder

    page = client.get("/purchasing/recommendations?window_days=60").get_data(as_text=True)
    form = page[page.index('id="order-unsupplied"') :]
    form = form[: form.index("</form>")]
    assert 'name="unsupplied"' in form and f'<option value="{slow_sellers["acme"].id}">' in form
    response = client.post(
        "/purchasing/recommendations/order",
        data={
            "supplier": slow_sellers["acme"].id,
            "window_days": "60",
            "unsupplied": "1",
            "link": "1",
        },
    )
    assert response.status_code == 302
    po = PurchaseOrder.get()
    assert _po_lines(po.id) == {("GIZMO", 19)}  # only the group without a supplier
    assert ProductSupplier.get(product=slow_sellers["gizmo"]).supplier_id == po.supplier_id
    page = client.get("/purchasing/recommendations?window_days=60").get_data(as_text=True)
    assert 'id="order-unsupplied"' not in page  # GIZMO is on order now, and linked


def test_no_supplier_group_without_any_supplier_links_to_adding_one(client):
    from datetime import timedelta

    from backoffice_support import make_integration, make_order, make_product

    from hub.models import utcnow

    gizmo = make_product("GIZMO")
    make_order(make_integration("shop"), "#1", [(gizmo, 3)], status="shipped",
               ordered_at=utcnow() - timedelta(2))  # fmt: skip
    page = client.get("/purchasing/recommendations").get_data(as_text=True)
    assert "GIZMO" in page and 'href="/purchasing/#suppliers"' in page
