"""Fixtures: a seeded Shopify emulator served on loopback, and a ctx pointing at it."""

import logging

import pytest
import requests
from connect_shopify_emulator import DEMO_TOKEN, MAIN_LOCATION, create_app

from hub.testing import LiveEmulator, LiveEmulators, make_context

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


class Store(LiveEmulator):
    """The served emulator (``hub.testing.LiveEmulator``); ``control`` and ``get`` take the
    path from the root (``/_emulator/...``), ``graphql`` posts to the Admin API."""

    def __init__(self, app, url, verify=True):
        super().__init__(app, url, verify)
        self.emu = self.emulator

    def control(self, path, payload=None):
        return super().control("POST", path.removeprefix("/_emulator/"), json=payload or {})

    def get(self, path):
        return super().control("GET", path.removeprefix("/_emulator/"))

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


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_store():
    """``make_store(**create_app options)`` for tests that need another shop."""
    with LiveEmulators(
        create_app,
        wrap=Store,
        products=40,
        orders=24,
        seed=7,
        restore_rate=1e6,  # no throttling unless a test asks for it
        bucket_size=1e6,
    ) as emulators:
        yield emulators.start


@pytest.fixture
def store(make_store):
    return make_store()


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
