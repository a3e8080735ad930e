"""The demo store ``hub demo`` starts for the Magento connector (entry point
``connect_hub.demo_stores`` in this distribution's pyproject.toml; see hub/demo.py)."""

from connect_magento_emulator.auth import DEMO_CREDENTIALS
from hub.testing.standalone import demo_store

DEMO_STORE = demo_store(
    "magento", "Demo Magento", port=8102, module=__package__, credentials=DEMO_CREDENTIALS
)
