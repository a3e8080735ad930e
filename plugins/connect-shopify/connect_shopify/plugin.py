"""The Shopify connector's hook implementations (thin: the work is in ``sync.py``)."""

from connect_shopify import sync
from connect_shopify.client import DEFAULT_VERSION
from hub import hookimpl

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
        "help": "Dev Dashboard app: client secret.",
    },
    {
        "name": "location_id",
        "label": "Location",
        "type": "choice",
        "choices_from_store": True,
        "help": "The Shopify location whose stock the hub imports and exports.",
    },
    {
        "name": "notify_customer",
        "label": "Email customers when an order ships",
        "type": "boolean",
        "default": False,
        "help": "Shopify sends its shipping confirmation email with the tracking number.",
    },
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


@hookimpl
def hub_check_connection(ctx):
    return sync.check_connection(ctx)


@hookimpl
def hub_setting_choices(ctx, setting):
    name = setting if isinstance(setting, str) else (setting or {}).get("name")
    if name == "location_id":
        return sync.location_choices(ctx)
    return None


@hookimpl
def hub_fetch_new_products(ctx, since):
    return sync.fetch_new_products(ctx, since)


@hookimpl
def hub_fetch_products(ctx):
    return sync.fetch_products(ctx)


@hookimpl
def hub_fetch_product_images(ctx, products):
    return sync.fetch_product_images(ctx, products)


@hookimpl
def hub_fetch_new_orders(ctx, since):
    return sync.fetch_new_orders(ctx, since)


@hookimpl
def hub_fetch_order_updates(ctx, since):
    return sync.fetch_order_updates(ctx, since)


@hookimpl
def hub_fetch_order(ctx, external_id):
    return sync.fetch_order(ctx, external_id)


@hookimpl
def hub_fetch_stock_levels(ctx):
    return sync.fetch_stock_levels(ctx)


@hookimpl
def hub_push_stock_levels(ctx, items):
    return sync.push_stock_levels(ctx, items)


@hookimpl
def hub_push_shipment(ctx, shipment):
    return sync.push_shipment(ctx, shipment)
