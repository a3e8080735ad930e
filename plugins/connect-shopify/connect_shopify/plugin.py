"""The Shopify connector: its description here, its feed hooks in ``feeds.py`` (imported
here, so that registering this module registers them)."""

from connect_shopify.client import DEFAULT_VERSION
from connect_shopify.feeds import (  # noqa: F401 - the hook implementations
    hub_check_connection,
    hub_fetch_new_orders,
    hub_fetch_new_products,
    hub_fetch_order,
    hub_fetch_order_updates,
    hub_fetch_product_images,
    hub_fetch_products,
    hub_fetch_stock_levels,
    hub_push_shipment,
    hub_push_stock_levels,
    hub_setting_choices,
)
from connect_shopify.webhooks import (  # noqa: F401 - the hook implementations
    hub_fetch_products_by_id,
    hub_read_webhook,
    hub_register_webhooks,
)
from hub import hookimpl
from hub.toolkit import notify_customer_setting

SETTINGS = [
    {
        "name": "api_version",
        "label": "Admin API version",
        "type": "string",
        "default": DEFAULT_VERSION,
        "help": "Shopify Admin GraphQL API version (YYYY-MM). Shopify supports each version for "
        "12 months: update it once a year.",
    },
    {
        "name": "access_token",
        "label": "Admin API access token",
        "type": "secret",
        "secret": True,
        "help": "The shpat_… token of a custom app. Leave empty to use the client id and secret.",
    },
    {
        "name": "client_id",
        "label": "Client ID",
        "type": "string",
        "help": "Dev Dashboard app: client id (client credentials grant, token renewed daily).",
    },
    {
        "name": "client_secret",
        "label": "Client secret",
        "type": "secret",
        "secret": True,
        "help": "Dev Dashboard app: client secret (a custom app: its API secret key). Shopify "
        "signs its webhooks with it: needed for real-time orders.",
    },
    {
        "name": "location_id",
        "label": "Location",
        "type": "choice",
        "choices_from_store": True,
        "help": "The Shopify location whose stock the hub imports and exports.",
    },
    notify_customer_setting(
        "Shopify sends its shipping confirmation email with the tracking number."
    ),
]


@hookimpl
def hub_connector_info():
    return {
        "key": "shopify",
        "label": "Shopify",
        "description": "Shopify stores through the Admin GraphQL API (bulk operations for "
        "the catalogue).",
        "stock_semantics": "sellable",
        "settings": SETTINGS,
        "docs_url": "https://shopify.dev/docs/api/admin-graphql",
    }
