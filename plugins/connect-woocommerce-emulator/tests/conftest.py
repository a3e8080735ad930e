"""Fixtures: a seeded WooCommerce emulator over loopback HTTP (or HTTPS), and signed clients."""

import contextlib
import datetime
import ipaddress
import threading

import pytest
import requests
from connect_woocommerce_emulator import DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, create_app
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from requests_oauthlib import OAuth1
from werkzeug.serving import make_server

from hub.testing import serve_app


class LiveStore:
    """A running emulator: ``url``, ``api`` (the REST root), the emulator object, a client
    signing every request with one-legged OAuth 1.0a, and the control endpoints."""

    def __init__(self, app, url, verify=True):
        self.app = app
        self.verify = verify
        self.url = url
        self.api = f"{url}/wp-json/wc/v3"
        self.emulator = app.config["EMULATOR"]
        self.session = requests.Session()
        self.session.auth = OAuth1(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, signature_type="query")
        self.session.verify = verify

    @property
    def store(self):
        return self.emulator.store

    def get(self, path, **params):
        return self.session.get(self.api + path, params=params, timeout=10)

    def put(self, path, body):
        return self.session.put(self.api + path, json=body, timeout=10)

    def post(self, path, body):
        return self.session.post(self.api + path, json=body, timeout=10)

    def control(self, method, path, **kwargs):
        response = requests.request(method, f"{self.url}/_emulator/{path}", timeout=10, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def fault(self, fault, count=1, **extra):
        self.control("POST", "faults", json={"fault": fault, "count": count, **extra})


def self_signed(folder):
    """A throw-away certificate for 127.0.0.1 (its own CA): (cert path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@contextlib.contextmanager
def serve_https(app, folder):
    """The app over HTTPS (TLS by werkzeug) with a certificate the client trusts."""
    cert, key = self_signed(folder)
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=(cert, key))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", cert
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def emulator(tmp_path):
    """``emulator(products=30, orders=20, seed=3, https=False, **options) -> LiveStore``; over
    HTTPS ``LiveStore.verify`` is the certificate to trust."""
    running = []

    def start(products=30, orders=20, seed=3, https=False, **options):
        app = create_app(products=products, orders=orders, seed=seed, **options)
        manager = serve_https(app, tmp_path) if https else serve_app(app)
        entered = manager.__enter__()
        running.append(manager)
        if https:
            return LiveStore(app, entered[0], verify=entered[1])
        return LiveStore(app, entered.url)

    yield start
    for manager in running:
        manager.__exit__(None, None, None)


@pytest.fixture
def shop(emulator):
    return emulator()
