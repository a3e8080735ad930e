"""Issue 12, bounds and bad input: quantities, ids, run parameters and cron schedules out of
range are a clear refusal (CLI exit 2 / HTTP 400 or 404 / a flash message), never a 500 or a
traceback, and nothing is written."""

import json

import pytest
from click.testing import CliRunner
from web_support import *  # noqa: F403  (fixtures: app, client, user, seeded…)
from web_support import flashes

from hub.bounds import MAX_ID, MAX_QUANTITY
from hub.cli import cli
from hub.models import FeedRun, FeedSetting, Shipment, StockLevel, StockMovement


def cli_run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def levels():
    return [(lv.product_id, lv.on_hand, lv.reserved) for lv in StockLevel.select()]


@pytest.fixture
def api(app, user):
    from hub.services.users import create_token

    token = create_token(user, "tests")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    class Api:
        def get(self, url):
            return client.get(url, headers=headers)

        def post(self, url, payload):
            return client.post(url, headers=headers, json=payload)

    return Api()


# -- quantities ---------------------------------------------------------------------------------


@pytest.mark.parametrize("delta", ["99999999999999999999", str(MAX_QUANTITY + 1), "-1e20"])
def test_cli_refuses_a_quantity_out_of_range_and_writes_nothing(seeded, delta):
    before, moves = levels(), StockMovement.select().count()
    result = cli_run("stock", "adjust", "--reason", "typo", "MUG-1", "--", delta)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "OverflowError" not in result.output
    assert result.stderr.lower().count("error: ") == 1 and "delta" in result.stderr.lower()
    assert levels() == before and StockMovement.select().count() == moves


def test_a_level_cannot_be_taken_beyond_the_range(seeded):
    """9223372036854775000 was accepted, then +1000 crashed with an OverflowError."""
    assert cli_run("stock", "set", "MUG-1", 9223372036854775000, "--reason", "x").exit_code == 2
    ok = cli_run("stock", "set", "MUG-1", MAX_QUANTITY, "--reason", "count")
    assert ok.exit_code == 0, ok.output
    before, moves = levels(), StockMovement.select().count()
    more = cli_run("stock", "adjust", "MUG-1", 1000, "--reason", "delivery")
    assert more.exit_code == 2 and "beyond the 1,000,000,000 units" in more.stderr
    assert levels() == before and StockMovement.select().count() == moves


@pytest.mark.parametrize("quantity", ["1e20", "100000000000000000000", "-99999999999"])
def test_dashboard_stock_form_out_of_range_is_a_message_not_a_500(client, seeded, quantity):
    before = levels()
    response = client.post(
        "/inventory/adjust",
        data={"sku": "MUG-1", "quantity": quantity, "reason": "typo", "mode": "adjust"},
    )
    assert response.status_code == 302
    shown = flashes(client.get(response.headers["Location"]))
    assert any(kind == "error" and "quantity" in text for kind, text in shown), shown
    assert levels() == before


def test_api_shipment_quantities_and_ids_out_of_range_are_400(api, seeded):
    order_id = seeded["order"].id
    for payload in (
        {"order_id": 2**70, "tracking_number": "T1"},
        {"order_id": MAX_ID + 1, "tracking_number": "T1"},
        {
            "order_id": order_id,
            "tracking_number": "T1",
            "lines": [{"sku": "MUG-1", "quantity": 10**20}],
        },
        {"order_id": "1", "tracking_number": "T1"},
    ):
        response = api.post("/api/v1/shipments", payload)
        assert response.status_code == 400, (payload, response.status_code)
        assert set(response.get_json()) >= {"error"}
    assert Shipment.select().count() == 0


# -- ids ------------------------------------------------------------------------------------------


def test_api_huge_ids_in_paths_and_after_are_404_and_400_in_the_json_shape(app, api, seeded):
    for path in ("/api/v1/products/", "/api/v1/orders/", "/api/v1/runs/", "/api/v1/events/"):
        for value in (MAX_ID + 1, 10**30):
            response = api.get(f"{path}{value}")
            assert response.status_code == 404 and response.get_json() == {"error": "not found"}
    assert api.get(f"/api/v1/products/{MAX_ID}").status_code == 404  # in range, unknown
    for after in (str(MAX_ID + 1), "1" * 40):
        response = api.get(f"/api/v1/products?after={after}")
        assert response.status_code == 400 and "after must be an id" in response.get_json()["error"]
    assert api.get(f"/api/v1/products?after={MAX_ID}").get_json()["items"] == []


def test_dashboard_huge_ids_in_query_strings_are_ignored_not_500(client, seeded):
    for url in (
        f"/runs?integration={10**30}",
        f"/orders?integration={10**30}",
        f"/inventory/movements?before={10**30}",
        f"/events?integration={10**30}",
        f"/purchasing/recommendations?window_days={10**30}",
    ):
        assert client.get(url, follow_redirects=True).status_code == 200, url


def test_cli_huge_ids_are_unknown(seeded):
    for args in (("ship", 10**30, "--tracking", "X"), ("integrations", "check", 10**30)):
        result = cli_run(*args)
        assert result.exit_code == 2 and "unknown" in result.stderr, (args, result.output)


# -- run parameters -------------------------------------------------------------------------------


def test_api_run_parameters_are_checked_per_feed(api, integration):
    for params, message in (
        ({"external_ids": "1; DROP TABLE x"}, "external_ids"),
        ({"shipment_ids": [1]}, "parameters of import_new_orders"),
        ({"force": True}, "force"),
        ({"retry_event": 10**30}, "retry_event"),
        (["all"], "params"),
    ):
        response = api.post(
            "/api/v1/runs",
            {"integration": integration.name, "feed": "import_new_orders", "params": params},
        )
        assert response.status_code == 400, (params, response.get_json())
        assert message in json.dumps(response.get_json()), response.get_json()
    assert FeedRun.select().count() == 0
    ok = api.post(
        "/api/v1/runs",
        {"integration": integration.name, "feed": "retry_orders", "params": {"all": True}},
    )
    assert ok.status_code == 202 and FeedRun.get().params == {"all": True}


# -- schedules ------------------------------------------------------------------------------------


@pytest.mark.parametrize("enabled", [True, False])
def test_a_cron_that_never_fires_is_refused(integration, enabled):
    from hub.engine.schedule import update_feed_setting

    update_feed_setting(integration, "import_new_orders", enabled=enabled)
    before = FeedSetting.get(feed="import_new_orders").cron
    result = cli_run("feeds", "schedule", integration.name, "import_new_orders", "0 0 31 2 *")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        "error: cron expression '0 0 31 2 *' never fires (no such date): check its day and month"
    ]
    assert FeedSetting.get(feed="import_new_orders").cron == before


def test_dashboard_schedule_form_with_a_cron_that_never_fires(client, integration):
    before = FeedSetting.get_or_none(feed="import_new_orders")
    response = client.post(
        f"/integrations/{integration.id}/feeds/import_new_orders",
        data={"cron": "0 0 30 2 *", "timezone": "UTC", "enabled": "1"},
    )
    assert response.status_code == 302
    shown = flashes(client.get(response.headers["Location"]))
    assert any(kind == "error" and "never fires" in text for kind, text in shown), shown
    after = FeedSetting.get_or_none(feed="import_new_orders")
    assert (after and after.cron) == (before and before.cron)


# -- tracking ------------------------------------------------------------------------------------


def test_api_reused_tracking_number_is_409_until_confirmed(api, seeded):
    from hub.models import Order, OrderLine, utcnow
    from hub.services import orders

    orders.ship_order(seeded["order"], tracking_number="1Z999")
    other = Order.create(
        integration=seeded["order"].integration,
        external_id="o9",
        number="1009",
        ordered_at=utcnow(),
        carrier="UPS",
        warehouse=seeded["order"].warehouse,
    )
    OrderLine.create(order=other, external_id="o9-0", sku="MUG-2", quantity=1)
    payload = {"order_id": other.id, "tracking_number": "1Z999"}
    refused = api.post("/api/v1/shipments", payload)
    assert refused.status_code == 409
    assert refused.get_json()["confirm"] == "allow_duplicate_tracking"
    assert Shipment.select().count() == 1
    confirmed = api.post("/api/v1/shipments", {**payload, "allow_duplicate_tracking": True})
    assert confirmed.status_code == 201, confirmed.get_json()
    bad_url = api.post(
        "/api/v1/shipments",
        {"order_id": other.id, "tracking_number": "X", "tracking_url": "javascript:alert(1)"},
    )
    assert bad_url.status_code == 400 and "tracking URL" in bad_url.get_json()["error"]
