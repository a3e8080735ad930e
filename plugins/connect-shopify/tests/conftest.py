"""Fixtures: a seeded Shopify emulator served on loopback, and a ctx pointing at it."""

import logging

import pytest
import requests
from connect_shopify_emulator import DEMO_TOKEN, MAIN_LOCATION, create_app

from hub.testing import make_context, serve_app

logging.getLogger("werkzeug").setLevel(logging.ERROR)


class FakeClock:
    """A clock and a sleep that advances it: shared by ctx and the emulator, no real waits."""

    def __init__(self, start=1_800_000_000.0):
        self.now = start
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Store:
    """The served emulator plus helpers for its control API."""

    def __init__(self, server, app):
        self.server, self.app, self.url = server, app, server.url
        self.emu = app.config["EMULATOR"]

    def control(self, path, payload=None):
        response = requests.post(self.url + path, json=payload or {}, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, path):
        response = requests.get(self.url + path, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def fault(self, fault, count=1, **kwargs):
        return self.control("/_emulator/faults", dict(fault=fault, count=count, **kwargs))

    def state(self):
        return self.get("/_emulator/state")

    def graphql(self, query, variables=None, version="2026-10", token=DEMO_TOKEN):
        return requests.post(
            f"{self.url}/admin/api/{version}/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": token},
            timeout=10,
        )


def _store(**options):
    options.setdefault("products", 40)
    options.setdefault("orders", 24)
    options.setdefault("seed", 7)
    options.setdefault("restore_rate", 1e6)  # no throttling unless a test asks for it
    options.setdefault("bucket_size", 1e6)
    return create_app(**options)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store():
    app = _store()
    with serve_app(app) as server:
        yield Store(server, app)


@pytest.fixture
def make_store():
    """``make_store(**create_app options)`` for tests that need another shop."""
    servers = []

    def make(**options):
        app = _store(**options)
        cm = serve_app(app)
        server = cm.__enter__()
        servers.append(cm)
        return Store(server, app)

    yield make
    for cm in servers:
        cm.__exit__(None, None, None)


@pytest.fixture
def make_ctx(clock):
    def make(store, settings=None, secrets=None, **kwargs):
        settings = {"location_id": MAIN_LOCATION} if settings is None else settings
        secrets = {"access_token": DEMO_TOKEN} if secrets is None else secrets
        ctx = make_context(
            "shopify", store.url, settings=settings, secrets=secrets, sleep=clock.sleep, **kwargs
        )
        ctx.clock = clock
        return ctx

    return make


@pytest.fixture
def ctx(store, make_ctx):
    return make_ctx(store)
