"""Fixtures: a seeded PrestaShop emulator served over loopback HTTP, and a connector context."""

import pytest
import requests
from connect_prestashop_emulator import DEMO_KEY, create_app

from hub.testing import make_context, serve_app, split_stream


class LiveStore:
    """A running emulator: ``url``, the ``emulator`` object and its control endpoints."""

    def __init__(self, app, server):
        self.app = app
        self.server = server
        self.url = server.url
        self.emulator = app.config["EMULATOR"]

    @property
    def store(self):
        return self.emulator.store

    def state(self):
        return requests.get(f"{self.url}/_emulator/state", timeout=10).json()

    def fault(self, fault, count=1, **extra):
        body = {"fault": fault, "count": count, **extra}
        response = requests.post(f"{self.url}/_emulator/faults", json=body, timeout=10)
        assert response.status_code == 200

    def control(self, method, path, **kwargs):
        response = requests.request(method, f"{self.url}/_emulator/{path}", timeout=10, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def emulator():
    """``emulator(products=30, orders=20, seed=3, **options) -> LiveStore`` (stopped after)."""
    running = []

    def start(products=30, orders=20, seed=3, **options):
        app = create_app(products=products, orders=orders, seed=seed, **options)
        manager = serve_app(app)
        server = manager.__enter__()
        running.append(manager)
        return LiveStore(app, server)

    yield start
    for manager in running:
        manager.__exit__(None, None, None)


@pytest.fixture
def store(emulator):
    return emulator()


@pytest.fixture
def make_ctx():
    def make(live, key=DEMO_KEY, settings=None, sleep=None, **kwargs):
        return make_context(
            "prestashop",
            live.url,
            settings=settings,
            secrets={"api_key": key},
            sleep=sleep,
            **kwargs,
        )

    return make


@pytest.fixture
def ctx(store, make_ctx):
    return make_ctx(store)


@pytest.fixture
def records_of():
    return split_stream
