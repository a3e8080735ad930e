"""The demo store ``hub demo`` starts for the Shopify connector (entry point
``connect_hub.demo_stores`` in this distribution's pyproject.toml; see hub/demo.py)."""

from connect_shopify_emulator.app import DEMO_TOKEN
from hub.testing.standalone import demo_store

DEMO_STORE = demo_store(
    "shopify",
    "Demo Shopify",
    port=8101,
    module=__package__,
    credentials={"access_token": DEMO_TOKEN},
)
