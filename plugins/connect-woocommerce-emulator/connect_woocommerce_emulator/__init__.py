"""A WooCommerce 9.x REST API v3 emulator (Flask): ``create_app(products=N, orders=M, seed=S)``.

Products (simple and variable) and their variations, orders with WooCommerce's stock rules,
order notes, the Shipment Tracking extension's endpoint, webhooks with signed background
deliveries, and WooCommerce's authentication (OAuth 1.0a over HTTP, Basic over HTTPS). Every rule
cites the vendor code it follows; see the package README.
"""

from connect_woocommerce_emulator.app import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    READONLY_CONSUMER_KEY,
    READONLY_CONSUMER_SECRET,
    create_app,
)

__all__ = [
    "DEMO_CONSUMER_KEY",
    "DEMO_CONSUMER_SECRET",
    "READONLY_CONSUMER_KEY",
    "READONLY_CONSUMER_SECRET",
    "create_app",
]
