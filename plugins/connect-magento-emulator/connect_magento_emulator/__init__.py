"""A Magento 2.4 REST emulator (Flask) for tests, the demo and the benchmarks.

``create_app(products=N, orders=M, seed=S, **options)``; see the package README for the
routes, the control endpoints under ``/_emulator`` and the demo credentials.
"""

from connect_magento_emulator.app import create_app
from connect_magento_emulator.auth import DEMO_CREDENTIALS

__all__ = ["DEMO_CREDENTIALS", "create_app"]
