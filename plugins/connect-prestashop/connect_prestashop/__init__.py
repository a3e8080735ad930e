"""connect-prestashop: the PrestaShop 1.7 / 8 / 9 connector of connect-hub (Webservice)."""

__version__ = "0.1.0"
