"""The Shopify connector: its description here, its hooks in ``feeds.py`` and
``webhooks.py`` (registered with this module: ``HOOK_MODULES``)."""

from connect_shopify import feeds, webhooks
from connect_shopify.client import DEFAULT_VERSION
from hub import hookimpl
from hub.toolkit import notify_customer_setting

HOOK_MODULES = (feeds, webhooks)  # its hook implementations, registered with this module

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
