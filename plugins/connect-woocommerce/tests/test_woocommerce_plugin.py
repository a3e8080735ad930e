"""The hub lists the plugin with every feed; its description is a valid ConnectorInfo."""

from connect_woocommerce import plugin

from hub.records import validate_record
from hub.testing import core


def test_the_hub_lists_the_plugin_with_every_feed():
    state = core.plugin_state("woocommerce", strict=True)
    assert state.state == "loaded", state.error
    assert {
        "hub_register_webhooks",
        "hub_read_webhook",
        "hub_fetch_products_by_id",
        "hub_check_connection",
    } <= set(state.hooks)
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
    assert state.info["stock_semantics"] == "sellable"


def test_connector_info_declares_the_credentials_as_secrets():
    info = validate_record("connector_info", plugin.hub_connector_info())
    settings = {s["name"]: s for s in info["settings"]}
    for name in ("consumer_key", "consumer_secret"):
        assert settings[name]["secret"] is True and settings[name]["type"] == "secret"
        assert settings[name]["required"] is True
    assert not {"base_url", "orders_since"} & set(settings)
