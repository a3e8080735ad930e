"""WooCommerce connector for connect-hub."""

__version__ = "0.1.0"
