"""The PrestaShop connector: its description here, its hooks in ``feeds.py`` (registered with
this module: ``HOOK_MODULES``)."""

from connect_prestashop import feeds
from hub import hookimpl
from hub.toolkit import notify_customer_setting

HOOK_MODULES = (feeds,)  # its hook implementations, registered with this module

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
    notify_customer_setting(
        "PrestaShop sends the e-mail of the shipped order state (sendemail) when the hub "
        "confirms a shipment."
    ),
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
