"""The hub lists the plugin, with the feeds Magento offers."""

from hub.records import validate_record
from hub.testing import core

EXPECTED_FEEDS = {
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


def test_hub_lists_the_magento_plugin():
    state = core.plugin_state("magento")
    assert state.state == "loaded", state.error
    assert set(state.feeds) == EXPECTED_FEEDS
    assert "hub_fetch_suppliers" not in state.hooks
    assert {"hub_check_connection", "hub_setting_choices"} <= set(state.hooks)
    assert state.info["stock_semantics"] == "physical"


def test_connector_info_is_valid_and_declares_secrets():
    from connect_magento.plugin import hub_connector_info

    info = validate_record("connector_info", hub_connector_info())
    settings = {s["name"]: s for s in info["settings"]}
    for name in (
        "consumer_key",
        "consumer_secret",
        "access_token",
        "access_token_secret",
        "admin_password",
    ):
        assert settings[name]["secret"] is True and settings[name]["type"] == "secret"
    assert settings["auth_method"]["default"] == "oauth"
    assert settings["source_code"]["choices_from_store"] is True
    assert settings["inventory_api"]["choices"] == ["auto", "msi", "legacy"]
