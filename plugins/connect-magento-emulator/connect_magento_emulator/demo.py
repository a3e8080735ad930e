"""The demo store ``hub demo`` starts for the Magento connector.

Declared in this distribution's pyproject.toml, entry-point group ``connect_hub.demo_stores``;
the keys are described in hub/demo.py.
"""

from connect_magento_emulator.auth import DEMO_CREDENTIALS

DEMO_STORE = {
    "connector": "magento",
    "label": "Demo Magento",
    "port": 8102,
    # started as: python -m connect_magento_emulator --port P --products N --orders M --seed 1
    "module": "connect_magento_emulator",
    "credentials": dict(DEMO_CREDENTIALS),
}
