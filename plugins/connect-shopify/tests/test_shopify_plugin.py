"""The hub lists the plugin; its description and setting choices."""

from connect_shopify import feeds, plugin
from connect_shopify_emulator import MAIN_LOCATION as MAIN
from connect_shopify_emulator import SECOND_LOCATION as LYON

from hub.records import validate_record
from hub.testing import core


def test_hub_lists_the_shopify_plugin_with_its_feeds():
    state = core.plugin_state("shopify")
    assert state.state == "loaded", state.error
    assert state.distribution == "connect-shopify"
    assert set(state.feeds) == {
        "import_new_products",
        "update_products",
        "import_product_images",
        "import_new_orders",
        "update_orders",
        "retry_orders",
        "import_stock",
        "export_stock",
        "stock_check",
        "shipping_confirmation",
    }
    assert "hub_fetch_suppliers" not in state.hooks
    assert "hub_fetch_product_suppliers" not in state.hooks
    assert state.info["stock_semantics"] == "sellable"


def test_connector_info_is_a_valid_connector_info():
    info = validate_record("connector_info", plugin.hub_connector_info())
    settings = {s["name"]: s for s in info["settings"]}
    assert settings["api_version"]["default"] == "2026-10"
    assert settings["access_token"]["secret"] and settings["access_token"]["type"] == "secret"
    assert settings["client_secret"]["secret"]
    assert settings["location_id"]["type"] == "choice"
    assert settings["location_id"]["choices_from_store"]
    assert settings["notify_customer"]["type"] == "boolean"


def test_location_choices_come_from_the_store(ctx):
    choices = feeds.hub_setting_choices(ctx, "location_id")
    for choice in choices:
        validate_record("setting_choice", choice)
    assert {c["value"]: c["label"] for c in choices} == {
        MAIN: "Main warehouse",
        LYON: "Lyon shop",
    }  # not the inactive
    assert feeds.hub_setting_choices(ctx, "api_version") is None


def test_check_connection_reports_shop_scopes_and_location(ctx):
    report = validate_record("connection_report", feeds.hub_check_connection(ctx))
    assert report["ok"] is True, report["problems"]
    assert report["store_name"] == "Hub Demo Store"
    assert "write_inventory" in report["details"]["scopes"]
    assert report["details"]["location_id"] == MAIN


def test_check_connection_names_a_missing_scope(store, ctx):
    store.control(
        "/_emulator/scopes",
        {
            "scopes": [
                "read_products",
                "read_orders",
                "read_inventory",
                "read_locations",
                "write_merchant_managed_fulfillment_orders",
            ]
        },
    )
    report = validate_record("connection_report", feeds.hub_check_connection(ctx))
    assert report["ok"] is False
    assert "missing scope write_inventory" in report["problems"]


def test_check_connection_with_bad_credentials_is_a_report_not_a_crash(store, make_ctx):
    report = feeds.hub_check_connection(make_ctx(store, secrets={"access_token": "shpat_bad"}))
    validate_record("connection_report", report)
    assert report["ok"] is False
    assert "401" in report["problems"][0]


def test_check_connection_without_a_location_on_a_multi_location_store(store, make_ctx):
    report = feeds.hub_check_connection(make_ctx(store, settings={}))
    assert report["ok"] is False
    assert any("2 active locations" in p for p in report["problems"])
