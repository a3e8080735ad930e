"""The hook implementations of the PrestaShop connector: thin calls into ``feeds``."""

from connect_prestashop.feeds import Feeds
from hub import hookimpl

SETTINGS = [
    {
        "name": "api_key",
        "label": "Webservice key",
        "type": "secret",
        "secret": True,
        "required": True,
        "help": "The 32-character key from Advanced Parameters › Webservice, with GET on the "
        "catalogue, orders and reference resources, PUT/PATCH on stock_availables and "
        "order_carriers and POST on order_histories (see the connector's README).",
    },
    {
        "name": "shipped_state_id",
        "label": "Order state for shipped orders",
        "type": "choice",
        "choices_from_store": True,
        "help": "The state the hub sets when it confirms a shipment (default: the store's "
        "PS_OS_SHIPPING state, 'Shipped').",
    },
    {
        "name": "language_id",
        "label": "Language of product names",
        "type": "choice",
        "choices_from_store": True,
        "help": "Default: the shop's default language.",
    },
    {
        "name": "write_method",
        "label": "How to write to the store",
        "type": "choice",
        "choices": ["auto", "patch", "put"],
        "default": "auto",
        "help": "auto: PATCH on PrestaShop 8 and later, PUT (read the whole object, send it back) "
        "on 1.7.",
    },
    {
        "name": "shop_id",
        "label": "Shop id (multistore)",
        "type": "integer",
        "help": "Only for a multistore installation: the id_shop this integration works on.",
    },
    {
        "name": "page_size",
        "label": "Page size",
        "type": "integer",
        "default": 500,
        "help": "Rows per Webservice request when reading lists.",
    },
]


@hookimpl
def hub_connector_info():
    return {
        "key": "prestashop",
        "label": "PrestaShop",
        "description": "PrestaShop 1.7 / 8 / 9 through the Webservice API (/api/).",
        "stock_semantics": "sellable",
        "settings": SETTINGS,
        "docs_url": "https://devdocs.prestashop-project.org/8/webservice/",
    }


@hookimpl
def hub_check_connection(ctx):
    return Feeds(ctx).check()


@hookimpl
def hub_setting_choices(ctx, setting):
    return Feeds(ctx).choices(setting)


@hookimpl
def hub_fetch_new_products(ctx, since):
    return Feeds(ctx).products(since)


@hookimpl
def hub_fetch_products(ctx):
    return Feeds(ctx).products()


@hookimpl
def hub_fetch_product_images(ctx, products):
    return Feeds(ctx).images(products)


@hookimpl
def hub_fetch_new_orders(ctx, since):
    return Feeds(ctx).new_orders(since)


@hookimpl
def hub_fetch_order_updates(ctx, since):
    return Feeds(ctx).order_updates(since)


@hookimpl
def hub_fetch_order(ctx, external_id):
    return Feeds(ctx).order(external_id)


@hookimpl
def hub_fetch_stock_levels(ctx):
    return Feeds(ctx).stock_levels()


@hookimpl
def hub_fetch_suppliers(ctx):
    return Feeds(ctx).suppliers()


@hookimpl
def hub_fetch_product_suppliers(ctx):
    return Feeds(ctx).product_suppliers()


@hookimpl
def hub_push_stock_levels(ctx, items):
    return Feeds(ctx).push_stock(items)


@hookimpl
def hub_push_shipment(ctx, shipment):
    return Feeds(ctx).push_shipment(shipment)
