"""A Shopify Admin GraphQL API emulator for tests, the demo and benchmarks.

``create_app(products=N, orders=M, seed=S, **options)`` returns the Flask app; run it with
``python -m connect_shopify.emulator --port P --products N --orders M --seed S``.
See the package README for the control endpoints and the demo credentials.
"""

from connect_shopify.emulator.app import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_TOKEN,
    Emulator,
    create_app,
)

MAIN_LOCATION = "gid://shopify/Location/81000000001"  # "Main warehouse" in the seeded shop
SECOND_LOCATION = "gid://shopify/Location/81000000002"  # "Lyon shop"

__all__ = [
    "create_app",
    "MAIN_LOCATION",
    "SECOND_LOCATION",
    "Emulator",
    "DEMO_TOKEN",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
]
