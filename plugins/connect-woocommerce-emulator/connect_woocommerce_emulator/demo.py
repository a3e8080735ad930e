"""The demo store ``hub demo`` starts for the WooCommerce connector.

Declared in this distribution's pyproject.toml, entry-point group ``connect_hub.demo_stores``;
the keys are described in hub/demo.py.
"""

from connect_woocommerce_emulator.app import DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET

DEMO_STORE = {
    "connector": "woocommerce",
    "label": "Demo WooCommerce",
    "port": 8104,
    # started as: python -m connect_woocommerce_emulator --port P --products N --orders M --seed 1
    "module": "connect_woocommerce_emulator",
    "credentials": {"consumer_key": DEMO_CONSUMER_KEY, "consumer_secret": DEMO_CONSUMER_SECRET},
}
