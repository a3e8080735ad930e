"""Fixtures: a seeded WooCommerce emulator over loopback HTTP (or HTTPS), and signed clients."""

import pytest
import requests
from connect_woocommerce_emulator import DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, create_app
from requests_oauthlib import OAuth1

from hub.testing import LiveEmulator, LiveEmulators


class LiveStore(LiveEmulator):
    """A running emulator (``hub.testing.LiveEmulator``) with ``api`` (the REST root) and a
    client signing every request with one-legged OAuth 1.0a."""

    def __init__(self, app, url, verify=True):
        super().__init__(app, url, verify)
        self.api = f"{url}/wp-json/wc/v3"
        self.session = requests.Session()
        self.session.auth = OAuth1(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, signature_type="query")
        self.session.verify = verify

    def get(self, path, **params):
        return self.session.get(self.api + path, params=params, timeout=10)

    def put(self, path, body):
        return self.session.put(self.api + path, json=body, timeout=10)

    def post(self, path, body):
        return self.session.post(self.api + path, json=body, timeout=10)


@pytest.fixture
def emulator(tmp_path):
    """``emulator(products=30, orders=20, seed=3, https=False, **options) -> LiveStore``; over
    HTTPS ``LiveStore.verify`` is the certificate to trust."""
    with LiveEmulators(
        create_app, tmp_path, wrap=LiveStore, products=30, orders=20, seed=3
    ) as emulators:
        yield emulators.start


@pytest.fixture
def shop(emulator):
    return emulator()
