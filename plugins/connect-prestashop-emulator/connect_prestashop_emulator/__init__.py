"""A PrestaShop 8.1 Webservice emulator (Flask): ``create_app(products=N, orders=M, seed=S)``.

JSON reads and XML writes with the real resource and field names and the real ``filter``,
``display``, ``limit``, ``sort`` and ``date`` semantics; see ``app.py`` and the package README.
"""

from connect_prestashop_emulator.app import DEMO_KEY, READONLY_KEY, create_app

__all__ = ["DEMO_KEY", "READONLY_KEY", "create_app"]
