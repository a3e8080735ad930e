"""WooCommerce: the connector's description here, its hooks in ``feeds.py`` (inbound),
``outbound.py`` (stock, shipments) and ``webhooks.py`` (registered with this module:
``HOOK_MODULES``)."""

from connect_woocommerce import feeds, outbound, webhooks
from hub import hookimpl
from hub.records import ConnectorInfoDict, SettingSpecDict
from hub.toolkit import notify_customer_setting

# its hook implementations, registered with this module
HOOK_MODULES = (feeds, outbound, webhooks)

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
