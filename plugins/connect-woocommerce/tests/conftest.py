"""Fixtures: a seeded WooCommerce emulator over loopback HTTP (OAuth 1.0a) or HTTPS (Basic
auth, a certificate made for the test), and a connector context."""

import pytest
from connect_woocommerce_emulator import DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, create_app

from hub.outcomes import is_outcome
from hub.testing import LiveEmulators, make_context, split_stream


@pytest.fixture
def emulator(tmp_path, monkeypatch):
    """``emulator(products=30, orders=20, seed=3, https=False, **options) -> LiveEmulator``."""
    with LiveEmulators(create_app, tmp_path, products=30, orders=20, seed=3) as emulators:

        def start(https=False, **options):
            live = emulators.start(https=https, **options)
            if https:
                # requests reads the environment's bundle over a session's ``verify``: trust
                # the test's certificate for every session (the hub's, its session_once's)
                monkeypatch.setenv("REQUESTS_CA_BUNDLE", live.verify)
            return live

        yield start


@pytest.fixture
def store(emulator):
    return emulator()


@pytest.fixture
def make_ctx():
    def make(live, key=DEMO_CONSUMER_KEY, secret=DEMO_CONSUMER_SECRET, settings=None, **kwargs):
        ctx = make_context(
            "woocommerce",
            live.url,
            settings=settings,
            secrets={"consumer_key": key, "consumer_secret": secret},
            **kwargs,
        )
        return ctx

    return make


@pytest.fixture
def ctx(store, make_ctx):
    return make_ctx(store)


@pytest.fixture
def records_of():
    return split_stream


def in_stock(ctx, simple=True):
    """Stock records of items WooCommerce counts and has some of (simple products, or
    variations with ``simple=False``), read through the connector."""
    from connect_woocommerce.feeds import hub_fetch_stock_levels

    return [
        s
        for s in hub_fetch_stock_levels(ctx)
        if not is_outcome(s)
        and s["quantity"] > 2
        and ("parent_id" in s["store_refs"]) is not simple
    ]
