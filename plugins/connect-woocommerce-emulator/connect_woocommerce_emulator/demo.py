"""The demo store ``hub demo`` starts for the WooCommerce connector (entry point
``connect_hub.demo_stores`` in this distribution's pyproject.toml; see hub/demo.py)."""

from connect_woocommerce_emulator.app import DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET
from hub.testing.standalone import demo_store

DEMO_STORE = demo_store(
    "woocommerce",
    "Demo WooCommerce",
    port=8104,
    module=__package__,
    credentials={"consumer_key": DEMO_CONSUMER_KEY, "consumer_secret": DEMO_CONSUMER_SECRET},
)
