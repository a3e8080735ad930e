"""Fixtures: a seeded WooCommerce emulator over loopback HTTP (OAuth 1.0a) or HTTPS (Basic
auth, a certificate made for the test), and a connector context."""

import datetime
import ipaddress

import pytest
import requests
from connect_woocommerce_emulator import DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, create_app
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.outcomes import is_outcome
from hub.testing import make_context, serve_app, split_stream


class LiveStore:
    """A running emulator: ``url``, the ``emulator`` state object and its control endpoints."""

    def __init__(self, app, url, verify=True):
        self.app = app
        self.url = url
        self.verify = verify
        self.emulator = app.config["EMULATOR"]

    def state(self):
        return self.control("GET", "state")

    def fault(self, fault, count=1, **extra):
        self.control("POST", "faults", json={"fault": fault, "count": count, **extra})

    def control(self, method, path, **kwargs):
        response = requests.request(
            method, f"{self.url}/_emulator/{path}", timeout=10, verify=self.verify, **kwargs
        )
        assert response.status_code == 200, response.text
        return response.json()


def _certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def emulator(tmp_path, monkeypatch):
    """``emulator(products=30, orders=20, seed=3, https=False, **options) -> LiveStore``."""
    stops = []

    def start(products=30, orders=20, seed=3, https=False, **options):
        app = create_app(products=products, orders=orders, seed=seed, **options)
        cert = key = None
        if https:
            cert, key = _certificate(tmp_path)
            # requests reads the environment's bundle over a session's ``verify``: trust the
            # test's certificate for every session (the hub's, its session_once's)
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert)
        manager = serve_app(app, ssl_context=(cert, key) if https else None)
        server = manager.__enter__()
        stops.append(lambda: manager.__exit__(None, None, None))
        return LiveStore(app, server.url, verify=cert or True)

    yield start
    for stop in stops:
        stop()


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
