"""Magento 2 / Adobe Commerce: the connector's description here, its hooks in ``feeds.py``
(registered with this module: ``HOOK_MODULES``)."""

from connect_magento import feeds
from hub import hookimpl
from hub.toolkit import notify_customer_setting

HOOK_MODULES = (feeds,)  # its hook implementations, registered with this module

SETTINGS = [
    {
        "name": "store_code",
        "label": "Store view code",
        "type": "choice",
        "default": "default",
        "choices_from_store": True,
        "help": "The store code in /rest/<store_code>/V1/: prices and names are read in this "
        "store view's scope.",
    },
    {
        "name": "auth_method",
        "label": "Authentication",
        "type": "choice",
        "default": "oauth",
        "choices": ["oauth", "bearer", "admin"],
        "help": "oauth: sign requests with the integration's four credentials (OAuth 1.0a, "
        "HMAC-SHA256; works on 2.4.4+ as installed). bearer: the integration access "
        "token as a bearer token (needs 'Allow OAuth Access Tokens to be used as "
        "standalone Bearer tokens'). admin: an admin user (not with 2FA).",
    },
    {"name": "consumer_key", "label": "Consumer key", "type": "secret", "secret": True},
    {"name": "consumer_secret", "label": "Consumer secret", "type": "secret", "secret": True},
    {"name": "access_token", "label": "Access token", "type": "secret", "secret": True},
    {
        "name": "access_token_secret",
        "label": "Access token secret",
        "type": "secret",
        "secret": True,
    },
    {"name": "admin_username", "label": "Admin username (auth_method admin)", "type": "string"},
    {
        "name": "admin_password",
        "label": "Admin password (auth_method admin)",
        "type": "secret",
        "secret": True,
    },
    {
        "name": "source_code",
        "label": "MSI source",
        "type": "choice",
        "default": "default",
        "choices_from_store": True,
        "help": "The Inventory (MSI) source whose quantities the hub reads and writes.",
    },
    {
        "name": "inventory_api",
        "label": "Inventory API",
        "type": "choice",
        "default": "auto",
        "choices": ["auto", "msi", "legacy"],
        "help": "auto: MSI source items when /V1/inventory answers, else the legacy "
        "stockItems API.",
    },
    {
        "name": "stock_deducted_at_order",
        "label": "MSI: stock deducted at order placement",
        "type": "boolean",
        "default": False,
        "help": "Yes only if a module makes this MSI store take stock off the source when an "
        "order is placed instead of reserving it (e.g. ampersand/magento2-disable-stock-"
        "reservation: the inventory_reservation table stays empty). The hub then sends what "
        "can be sold, not the physical stock. Without MSI (legacy stock) this is always so.",
    },
    {
        "name": "weight_unit",
        "label": "Weight unit",
        "type": "choice",
        "default": "auto",
        "choices": ["auto", "kgs", "lbs"],
        "help": "The store's weight unit (General > Locale Options); auto reads it from "
        "/V1/store/storeConfigs.",
    },
    {
        "name": "barcode_attribute",
        "label": "Barcode attribute code",
        "type": "string",
        "default": "ean",
        "help": "The product attribute holding the EAN/GTIN (custom_attributes), e.g. ean, gtin. "
        "Empty: no barcode.",
    },
    notify_customer_setting(
        "Magento sends its shipment email (notify) when the hub confirms a shipment."
    ),
    {
        "name": "page_size",
        "label": "Page size",
        "type": "integer",
        "default": 300,
        "help": "searchCriteria[pageSize], at most 300 (Magento's Web API input limit).",
    },
    {
        "name": "stock_batch_size",
        "label": "Stock export batch size",
        "type": "integer",
        "default": 20,
        "help": "Source items per POST /V1/inventory/source-items; 20 is safe with the Web API "
        "input limits on (2.4.3 shipped them on).",
    },
]


@hookimpl
def hub_connector_info():
    return {
        "key": "magento",
        "label": "Magento 2 / Adobe Commerce",
        "description": "Magento Open Source and Adobe Commerce 2.4 through the REST API "
        "(integration credentials, OAuth 1.0a signed), MSI or legacy stock.",
        "stock_semantics": "physical",
        "settings": SETTINGS,
        "docs_url": "https://developer.adobe.com/commerce/webapi/rest/",
    }
