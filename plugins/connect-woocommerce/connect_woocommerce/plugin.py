"""WooCommerce: the connector's description here, its hooks in ``feeds.py`` (inbound),
``outbound.py`` (stock, shipments) and ``webhooks.py`` (imported here, so that registering
this module registers them)."""

from connect_woocommerce.feeds import (  # noqa: F401 - the hook implementations
    hub_check_connection,
    hub_fetch_new_orders,
    hub_fetch_new_products,
    hub_fetch_order,
    hub_fetch_order_updates,
    hub_fetch_product_images,
    hub_fetch_products,
    hub_fetch_products_by_id,
    hub_fetch_stock_levels,
    hub_stock_semantics,
)
from connect_woocommerce.outbound import (  # noqa: F401 - the hook implementations
    hub_push_shipment,
    hub_push_stock_levels,
)
from connect_woocommerce.webhooks import (  # noqa: F401 - the hook implementations
    hub_read_webhook,
    hub_register_webhooks,
)
from hub import hookimpl
from hub.records import ConnectorInfoDict, SettingSpecDict
from hub.toolkit import notify_customer_setting

SETTINGS: list[SettingSpecDict] = [
    {
        "name": "consumer_key",
        "label": "Consumer key",
        "type": "secret",
        "secret": True,
        "required": True,
        "help": "WooCommerce > Settings > Advanced > REST API > Add key, permissions Read/Write "
        "(ck_...).",
    },
    {
        "name": "consumer_secret",
        "label": "Consumer secret",
        "type": "secret",
        "secret": True,
        "required": True,
        "help": "Shown once, next to the consumer key (cs_...).",
    },
    notify_customer_setting(
        "The hub's shipment note is a customer note: WooCommerce emails it to the customer. "
        "(Completing the order sends WooCommerce's own 'Completed order' email when that email "
        "is enabled in WooCommerce > Settings > Emails.)"
    ),
    {
        "name": "page_size",
        "label": "Page size",
        "type": "integer",
        "default": 100,
        "help": "per_page of every list request, at most 100 (WooCommerce's limit).",
    },
]


@hookimpl
def hub_connector_info() -> ConnectorInfoDict:
    return {
        "key": "woocommerce",
        "label": "WooCommerce",
        "description": "WooCommerce 9.x through the REST API v3 (consumer key and secret: HTTP "
        "Basic over HTTPS, OAuth 1.0a signed over HTTP), simple and variable products, the "
        "Shipment Tracking extension when installed, webhooks.",
        "stock_semantics": "sellable",
        "settings": SETTINGS,
        "docs_url": "https://woocommerce.github.io/woocommerce-rest-api-docs/",
    }
