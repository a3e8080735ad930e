"""The hub lists the plugin, with every feed; its description is a valid ConnectorInfo."""

from connect_prestashop import plugin

from hub.records import validate_record
from hub.testing import core

EXPECTED_HOOKS = {
    "hub_connector_info",
    "hub_check_connection",
    "hub_setting_choices",
    "hub_fetch_new_products",
    "hub_fetch_products",
    "hub_fetch_product_images",
    "hub_fetch_new_orders",
    "hub_fetch_order_updates",
    "hub_fetch_order",
    "hub_fetch_stock_levels",
    "hub_fetch_suppliers",
    "hub_fetch_product_suppliers",
    "hub_push_stock_levels",
    "hub_push_shipment",
}


def test_the_hub_lists_the_plugin_with_every_feed():
    state = core.plugin_state("prestashop", strict=True)
    assert state.state == "loaded", state.error
    assert set(state.hooks) >= EXPECTED_HOOKS
    assert set(state.feeds) == {
        "import_new_products",
        "update_products",
        "import_product_images",
        "import_new_orders",
        "update_orders",
        "retry_orders",
        "import_stock",
        "import_suppliers",
        "import_product_suppliers",
        "export_stock",
        "stock_check",
        "shipping_confirmation",
    }
    assert state.info["stock_semantics"] == "sellable"


def test_connector_info_declares_the_key_as_a_secret():
    info = validate_record("connector_info", plugin.hub_connector_info())
    settings = {s["name"]: s for s in info["settings"]}
    assert settings["api_key"]["secret"] is True
    assert settings["api_key"]["type"] == "secret"
    assert settings["shipped_state_id"]["choices_from_store"] is True
    assert not {"base_url", "orders_since"} & set(settings)
