"""Guided set-up (issue 18): a new integration waits with its feeds disabled until a
connection test passes, the form tests the connection before saving and offers the store's
choices, imports the store's orders since a date (default: the last 7 days), and a checklist
leads from the new integration to go-live. Through the dashboard's forms (Flask's test
client) and the JSON API, against the test store over loopback HTTP, on a real SQLite file."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from support import run
from web_support import *  # noqa: F403  (fixtures: app, client, user…)

TOKEN = "test-token"  # hub_testshop.store.TOKEN


def _iso(days_ago):
    return (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(client, store, *, token=TOKEN, name="New shop", **extra):
    form = {
        "connector": "testshop",
        "name": name,
        "url": store.url,
        "setting_token": token,
        "action": "add",
        **extra,
    }
    return client.post("/integrations/new", data=form)


def _integration(name="New shop"):
    from hub.models import Integration

    return Integration.get(Integration.name == name)


def _enabled_feeds(integration):
    from hub.models import FeedSetting

    rows = FeedSetting.select().where(FeedSetting.integration == integration.id)
    return {fs.feed: fs.enabled for fs in rows}


def _steps(client, integration):
    """{step: done?} as the checklist page shows them."""
    html = client.get(f"/integrations/{integration.id}/setup").get_data(as_text=True)
    return {
        key: done == "1"
        for key, done in re.findall(r'id="step-([a-z_]+)" class="[^"]*" data-done="(\d)"', html)
    }


def _go_live_button(html):
    return re.search(r'<button class="([^"]*)" type="submit" id="go-live"', html).group(1)


# -- feeds held until a connection test passes ---------------------------------------------------


def test_a_failed_connection_leaves_the_feeds_disabled_until_a_test_passes(client, store):
    response = _add(client, store, token="wrong")
    integration = _integration()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/integrations/{integration.id}/setup")
    assert integration.feeds_held and integration.connection_ok_at is None
    feeds = _enabled_feeds(integration)
    assert feeds and not any(feeds.values())
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "feeds disabled until a connection test passes" in page
    assert _steps(client, integration)["connection"] is False

    client.post(
        f"/integrations/{integration.id}/edit",
        data={"name": integration.name, "url": store.url, "setting_token": TOKEN},
    )
    assert not any(_enabled_feeds(integration).values())  # saving is no test
    page = client.post(f"/integrations/{integration.id}/check", data={"from_setup": "1"}).get_data(
        as_text=True
    )
    assert 'id="connection-ok"' in page and 'id="feeds-enabled"' in page
    assert 'id="continue-setup"' in page
    assert all(_enabled_feeds(integration).values())
    integration = _integration()
    assert not integration.feeds_held and integration.connection_ok_at is not None
    assert _steps(client, integration)["connection"] is True


def test_a_working_connection_enables_the_feeds_when_the_integration_is_added(client, store):
    from hub.models import FeedSetting

    _add(client, store)
    integration = _integration()
    assert not integration.feeds_held and integration.connection_ok_at is not None
    assert all(_enabled_feeds(integration).values())
    scheduled = FeedSetting.get(
        FeedSetting.integration == integration.id, FeedSetting.feed == "import_new_orders"
    )
    assert scheduled.next_run_at is not None


def test_disabling_a_feed_after_set_up_survives_the_next_connection_test(client, store):
    _add(client, store)
    integration = _integration()
    client.post(
        f"/integrations/{integration.id}/feeds/stock_check", data={"cron": "0 4 * * *"}
    )  # "enabled" unticked
    client.post(f"/integrations/{integration.id}/check")
    assert _enabled_feeds(integration)["stock_check"] is False


def test_the_form_tests_the_connection_before_saving_and_offers_the_store_choices(client, store):
    from hub.engine.connector import integration_secrets
    from hub.models import Integration

    response = _add(client, store, action="test")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and Integration.select().count() == 0
    assert 'id="draft-connection-ok"' in page
    select = re.search(r'<select name="setting_location".*?</select>', page, re.S).group(0)
    assert "Main street" in select and "Depot" in select
    assert TOKEN not in page  # sealed, never shown back
    sealed = re.search(r'name="sealed_secrets" value="([^"]+)"', page).group(1)
    assert 'placeholder="stored — leave empty to keep it"' in page

    response = _add(client, store, token="", setting_location="2", sealed_secrets=sealed)
    integration = _integration()
    assert integration_secrets(integration) == {"token": TOKEN}
    assert integration.settings["location"] == "2"
    assert all(_enabled_feeds(integration).values())


def test_a_failed_test_before_saving_says_why_and_saves_nothing(client, store):
    from hub.models import Integration

    page = _add(client, store, token="wrong", action="test").get_data(as_text=True)
    assert 'id="draft-connection-failed"' in page and "refused the token" in page
    assert '<select name="setting_location"' not in page
    assert Integration.select().count() == 0


# -- orders since --------------------------------------------------------------------------------


def test_the_form_proposes_the_orders_of_the_last_seven_days(client):
    page = client.get("/integrations/new?connector=testshop").get_data(as_text=True)
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    field = re.search(r'<input type="date" name="orders_since"[^>]*>', page).group(0)
    assert f'value="{week_ago}"' in field
    assert f"Orders placed since {week_ago}" in page


def test_the_connection_test_says_how_many_open_orders_the_date_brings(client, store):
    """After Test connection the date's help counts the store's open orders since it (the
    connector's hub_count_open_orders): not the older, cancelled or shipped ones."""
    from hub.models import Integration

    store.add_product(1, "MUG-1", "Mug")
    lines = [{"sku": "MUG-1", "qty": 1, "product": "1"}]
    store.add_order(1, "1001", lines, created=_iso(30))
    store.add_order(2, "1002", lines, created=_iso(5))
    store.add_order(3, "1003", lines, created=_iso(2), paid=False)
    store.add_order(4, "1004", lines, created=_iso(2), cancelled=True)
    store.add_order(5, "1005", lines, created=_iso(1))
    store.orders["5"]["fulfilled"] = True
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    page = _add(client, store, action="test", orders_since=week_ago).get_data(as_text=True)
    help_text = re.search(r'id="orders-since-help">(.*?)</span>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", help_text).startswith(
        f"2 open orders placed since {week_ago} (00:00 UTC) will be imported"
    )
    forty_days = (datetime.now(UTC) - timedelta(days=40)).date().isoformat()
    page = _add(client, store, action="test", orders_since=forty_days).get_data(as_text=True)
    assert f"3 open orders placed since {forty_days}" in page
    assert Integration.select().count() == 0
    # without the test, or when the test fails, the form says no number
    page = client.get("/integrations/new?connector=testshop").get_data(as_text=True)
    assert 'id="open-orders-count"' not in page
    page = _add(client, store, token="wrong", action="test").get_data(as_text=True)
    assert 'id="open-orders-count"' not in page and f"Orders placed since {week_ago}" in page


@pytest.mark.parametrize(
    "since_days,imported",
    [(None, ["1002", "1003"]), (40, ["1001", "1002", "1003"]), (1, [])],
    ids=["default-week", "forty-days", "since-yesterday"],
)
def test_the_first_orders_import_brings_the_store_orders_since_the_date(
    client, store, since_days, imported
):
    from hub.models import Order

    store.add_product(1, "MUG-1", "Mug")
    for oid, number, days in ((1, "1001", 30), (2, "1002", 5), (3, "1003", 2)):
        store.add_order(
            oid, number, [{"sku": "MUG-1", "qty": 1, "product": "1"}], created=_iso(days)
        )
    extra = {}
    if since_days is not None:
        extra["orders_since"] = (datetime.now(UTC) - timedelta(days=since_days)).date().isoformat()
    _add(client, store, **extra)
    integration = _integration()
    client.post(
        f"/integrations/{integration.id}/mappings", data={"carrier__standard": "UPS"}
    )  # so that the orders are imported, not held
    run(integration, "import_new_products")
    result = run(integration, "import_new_orders")
    assert result.status == "succeeded", result.message
    numbers = sorted(o.number for o in Order.select().where(Order.integration == integration.id))
    assert numbers == imported


def test_the_api_imports_the_last_week_by_default(api, store):
    from hub.models import Integration

    response = api.post(
        "/api/v1/integrations",
        json={
            "name": "Api shop",
            "connector": "testshop",
            "url": store.url,
            "settings": {"token": TOKEN},
        },
    )
    assert response.status_code == 201, response.get_json()
    integration = Integration.get_by_id(response.get_json()["id"])
    start = datetime.combine((datetime.now(UTC) - timedelta(days=7)).date(), datetime.min.time())
    assert integration.orders_since == start


# -- the checklist -------------------------------------------------------------------------------


def test_the_checklist_moves_step_by_step_to_go_live(client, store):
    from hub.models import FeedRun, Integration

    store.add_product(1, "MUG-1", "Mug", stock=5)
    store.add_order(
        1, "1001", [{"sku": "MUG-1", "qty": 1, "product": "1"}], method="express", created=_iso(1)
    )
    _add(client, store)
    integration = _integration()
    assert _steps(client, integration) == {
        "connection": True,
        "carriers": False,
        "products": False,
        "stock": False,
        "preview": False,
        "go_live": False,
    }
    page = client.get(f"/integrations/{integration.id}/setup").get_data(as_text=True)
    assert "no order imported yet" in page
    assert "btn-primary" not in _go_live_button(page)

    # products first: then the order's only problem is its shipping method
    response = client.post(
        f"/integrations/{integration.id}/feeds/update_products/run", data={"from_setup": "1"}
    )
    assert response.headers["Location"].endswith(f"/integrations/{integration.id}/setup")
    queued = FeedRun.get(FeedRun.integration == integration.id, FeedRun.feed == "update_products")
    page = client.get(f"/integrations/{integration.id}/setup").get_data(as_text=True)
    assert f"run #{queued.id}" in page and 'id="pending-products"' in page
    from hub.engine.runs import execute_run

    execute_run(queued.id)
    run(integration, "import_new_orders")
    page = client.get(f"/integrations/{integration.id}/setup").get_data(as_text=True)
    row = re.search(r'<tr class="method-row" data-method="express">.*?</tr>', page, re.S).group(0)
    assert "<strong>Express</strong>" in row and "1 held" in row  # the name the merchant sees
    assert _steps(client, integration)["products"] is True

    response = client.post(
        f"/integrations/{integration.id}/mappings",
        data={"carrier__express": "DHL", "from_setup": "1"},
    )
    assert "/setup#step-carriers" in response.headers["Location"]
    assert _integration().carrier_mapping["express"] == "DHL"
    assert _steps(client, integration)["carriers"] is True

    run(integration, "import_stock")
    assert _steps(client, integration)["stock"] is True
    run(integration, "export_stock")  # test mode: a preview, nothing sent
    page = client.get(f"/integrations/{integration.id}/setup").get_data(as_text=True)
    preview = FeedRun.get(FeedRun.integration == integration.id, FeedRun.feed == "export_stock")
    assert f'href="/runs/{preview.id}#outbox"' in page
    assert f'href="/outbox/?integration={integration.id}"' in page
    assert store.pushes == []
    steps = _steps(client, integration)
    assert all(steps[k] for k in ("connection", "carriers", "products", "stock", "preview"))
    assert steps["go_live"] is False

    run(integration, "retry_orders", external_ids=["1"])  # the held order, now mapped
    page = client.get(f"/integrations/{integration.id}/setup").get_data(as_text=True)
    assert "btn-primary" in _go_live_button(page)
    show = client.get(f"/integrations/{integration.id}").get_data(as_text=True)
    assert "btn-primary" in _go_live_button(show)

    client.post(f"/integrations/{integration.id}/go-live", data={})
    assert Integration.get_by_id(integration.id).mode == "production"
    assert _steps(client, integration)["go_live"] is True


def test_go_live_is_not_the_primary_button_before_the_checklist_is_done(client, store):
    _add(client, store)
    integration = _integration()
    show = client.get(f"/integrations/{integration.id}").get_data(as_text=True)
    assert "btn-primary" not in _go_live_button(show)
    assert 'id="checklist-not-done"' in show
    link = re.search(r'<a class="([^"]*)" id="setup-checklist" href="([^"]+)"', show)
    assert "btn-primary" in link.group(1)
    assert link.group(2) == f"/integrations/{integration.id}/setup"


def test_the_carrier_step_lists_the_store_methods_by_their_titles(client, integration, store):
    store.add_product(1, "MUG-1", "Mug")
    run(integration, "import_new_products")
    store.add_order(1, "1001", [{"sku": "MUG-1", "qty": 1, "product": "1"}])
    store.add_order(2, "1002", [{"sku": "MUG-1", "qty": 1, "product": "1"}], method="pick_up")
    run(integration, "import_new_orders")
    page = client.get(f"/integrations/{integration.id}/setup").get_data(as_text=True)
    rows = dict(re.findall(r'<tr class="method-row" data-method="([^"]+)">(.*?)</tr>', page, re.S))
    assert set(rows) == {"standard", "pick_up"}
    assert "<strong>Pick_Up</strong>" in rows["pick_up"] and "1 held" in rows["pick_up"]
    assert 'value="UPS"' in rows["standard"] and "1 imported" in rows["standard"]
    assert _steps(client, integration)["carriers"] is False


# -- the JSON API --------------------------------------------------------------------------------


@pytest.fixture
def api(app, user):
    from hub.services.users import create_token

    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_token(user, 'tests')}"}

    class Api:
        def post(self, url, **kw):
            return client.post(url, headers=headers, **kw)

    return Api()


def test_the_api_adds_an_integration_with_its_feeds_held_until_a_check_passes(api, store):
    from hub.models import Integration

    response = api.post(
        "/api/v1/integrations",
        json={
            "name": "Api shop",
            "connector": "testshop",
            "url": store.url,
            "settings": {"token": "wrong"},
        },
    )
    body = response.get_json()
    assert response.status_code == 201 and body["feeds_held"] is True
    assert body["connection_ok_at"] is None
    integration = Integration.get_by_id(body["id"])
    assert not any(_enabled_feeds(integration).values())

    check = api.post(f"/api/v1/integrations/{integration.id}/check").get_json()
    assert check["ok"] is False and check["feeds_enabled"] is False
    assert not any(_enabled_feeds(integration).values())

    from hub.services.integrations import update_integration

    update_integration(integration, values={"token": TOKEN})
    check = api.post(f"/api/v1/integrations/{integration.id}/check").get_json()
    assert check["ok"] is True and check["feeds_enabled"] is True
    assert all(_enabled_feeds(integration).values())
    again = api.post(f"/api/v1/integrations/{integration.id}/check").get_json()
    assert again["ok"] is True and again["feeds_enabled"] is False
