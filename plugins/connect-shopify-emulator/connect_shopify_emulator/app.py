"""The Flask app of the Shopify emulator: the Admin GraphQL endpoint, the client-credentials
token endpoint, bulk result downloads, product images (``admin_api.py``), and the
``/_emulator`` control API (``control.py``), over one ``Emulator`` (``emulator.py``)."""

from flask import Flask

from connect_shopify_emulator import admin_api, control
from connect_shopify_emulator.emulator import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_TOKEN,
    MAX_QUERY_COST,
    Emulator,
)

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_TOKEN",
    "MAX_QUERY_COST",
    "Emulator",
    "create_app",
]


def create_app(products=200, orders=50, seed=1, **options):
    """The emulator as a Flask app. Options: ``variants`` (generate products until this many
    variants exist), ``bucket_size`` / ``restore_rate`` (the cost bucket), ``clock`` (a
    callable returning epoch seconds, shared with a test's fake sleep), ``bulk_dir``,
    ``max_query_cost`` (Shopify's single-query limit, 1,000) and ``bulk_limit`` (concurrent bulk
    queries; None: Shopify's, 5 from 2026-01 and 1 before)."""
    emu = Emulator(products=products, orders=orders, seed=seed, **options)
    app = Flask("connect_shopify_emulator")
    app.config["EMULATOR"] = emu
    app.register_blueprint(admin_api.bp)
    control.control.init_app(app)
    emu.kit.init_app(app)  # /_emulator/faults, /_emulator/requests, the fault hooks (after
    return app  # admin_api's own before_app_request: it counts every request)
