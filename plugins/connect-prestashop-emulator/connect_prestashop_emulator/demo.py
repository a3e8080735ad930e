"""The demo store ``hub demo`` starts for the PrestaShop connector.

Declared in this distribution's pyproject.toml, entry-point group ``connect_hub.demo_stores``;
the keys are described in hub/demo.py.
"""

from connect_prestashop_emulator.app import DEMO_KEY

DEMO_STORE = {
    "connector": "prestashop",
    "label": "Demo PrestaShop",
    "port": 8103,
    # started as: python -m connect_prestashop_emulator --port P --products N --orders M --seed 1
    "module": "connect_prestashop_emulator",
    "credentials": {"api_key": DEMO_KEY},
}
