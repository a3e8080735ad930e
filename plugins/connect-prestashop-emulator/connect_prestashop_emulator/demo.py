"""The demo store ``hub demo`` starts for the PrestaShop connector (entry point
``connect_hub.demo_stores`` in this distribution's pyproject.toml; see hub/demo.py)."""

from connect_prestashop_emulator.app import DEMO_KEY
from hub.testing.standalone import demo_store

DEMO_STORE = demo_store(
    "prestashop",
    "Demo PrestaShop",
    port=8103,
    module=__package__,
    credentials={"api_key": DEMO_KEY},
)
