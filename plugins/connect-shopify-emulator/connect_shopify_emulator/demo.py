"""The demo store ``hub demo`` starts for the Shopify connector.

Declared in this distribution's pyproject.toml, entry-point group ``connect_hub.demo_stores``;
the keys are described in hub/demo.py.
"""

from connect_shopify_emulator.app import DEMO_TOKEN

DEMO_STORE = {
    "connector": "shopify",
    "label": "Demo Shopify",
    "port": 8101,
    # started as: python -m connect_shopify_emulator --port P --products N --orders M --seed 1
    "module": "connect_shopify_emulator",
    "credentials": {"access_token": DEMO_TOKEN},
}
