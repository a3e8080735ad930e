"""Fixtures: a seeded PrestaShop emulator served over loopback HTTP, and a connector context."""

import pytest
from connect_prestashop_emulator import DEMO_KEY, create_app

from hub.testing import LiveEmulators, make_context, split_stream


@pytest.fixture
def emulator():
    """``emulator(products=30, orders=20, seed=3, **options) -> LiveEmulator`` (stopped after)."""
    with LiveEmulators(create_app, products=30, orders=20, seed=3) as emulators:
        yield emulators.start


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
