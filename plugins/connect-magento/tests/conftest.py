"""Fixtures: a seeded Magento emulator served on loopback, and a ctx signed with OAuth."""

import logging

import pytest
from connect_magento_emulator import DEMO_CREDENTIALS, create_app

from hub.testing import LiveEmulator, LiveEmulators, make_context

OAUTH_SECRETS = {
    k: DEMO_CREDENTIALS[k]
    for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
}

logging.getLogger("werkzeug").setLevel(logging.ERROR)


class Emulator(LiveEmulator):
    """The served emulator (``hub.testing.LiveEmulator``); ``post`` and ``get`` take the path
    from the root (``/_emulator/...``)."""

    def post(self, path, payload):
        return self.control("POST", path.removeprefix("/_emulator/"), json=payload)

    def get(self, path):
        return self.control("GET", path.removeprefix("/_emulator/"))

    @property
    def store(self):
        """The current store (a reset replaces it)."""
        return self.emulator["state"]["store"]

    current = store


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


@pytest.fixture
def emulator_options():
    return {}


@pytest.fixture
def emulator(emulator_options):
    options = {"products": 120, "orders": 30, "seed": 7}
    with LiveEmulators(create_app, wrap=Emulator, **options) as emulators:
        yield emulators.start(**emulator_options)


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
