"""Fixtures: a seeded Magento emulator served on loopback, and a ctx signed with OAuth."""

import logging

import pytest
import requests
from connect_magento_emulator import DEMO_CREDENTIALS, create_app

from hub.testing import make_context, serve_app

OAUTH_SECRETS = {
    k: DEMO_CREDENTIALS[k]
    for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
}

logging.getLogger("werkzeug").setLevel(logging.ERROR)


class Emulator:
    """A served emulator plus helpers for its control endpoints."""

    def __init__(self, app, server):
        self.app = app
        self.url = server.url
        self.store = app.config["EMULATOR"]["state"]["store"]

    def post(self, path, payload):
        response = requests.post(self.url + path, json=payload, timeout=10)
        response.raise_for_status()
        return response.json()

    def get(self, path):
        response = requests.get(self.url + path, timeout=10)
        response.raise_for_status()
        return response.json()

    def fault(self, fault, count=1, **extra):
        return self.post("/_emulator/faults", dict(fault=fault, count=count, **extra))

    def state(self):
        return self.get("/_emulator/state")

    @property
    def current(self):
        return self.app.config["EMULATOR"]["state"]["store"]


def shippable(store, order, source_code="default"):
    """The source holds every stock line's remaining quantity (MSI refuses a shipment that
    would take a source below zero: SourceDeductionService)."""
    need = {}
    for item in store.stock_lines(order):
        need[item["sku"]] = need.get(item["sku"], 0) + store.remaining(item)
    return all(
        store.source_items.get((sku, source_code), {}).get("quantity", 0) >= qty
        for sku, qty in need.items()
    )


def make_emulator(**options):
    options.setdefault("products", 120)
    options.setdefault("orders", 30)
    options.setdefault("seed", 7)
    return create_app(**options)


@pytest.fixture
def emulator_options():
    return {}


@pytest.fixture
def emulator(emulator_options):
    app = make_emulator(**emulator_options)
    with serve_app(app) as server:
        yield Emulator(app, server)


class SleepRecorder:
    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)


@pytest.fixture
def sleeps():
    return SleepRecorder()


@pytest.fixture
def settings():
    return {}


@pytest.fixture
def ctx(emulator, settings, sleeps):
    return make_context(
        "magento", emulator.url, settings=settings, secrets=OAUTH_SECRETS, sleep=sleeps
    )


@pytest.fixture
def make_ctx(emulator, sleeps):
    def factory(settings=None, secrets=None):
        return make_context(
            "magento",
            emulator.url,
            settings=settings or {},
            secrets=OAUTH_SECRETS if secrets is None else secrets,
            sleep=sleeps,
        )

    return factory
