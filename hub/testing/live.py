"""What a connector's tests need around a running emulator: a client for its ``/_emulator``
endpoints, a starter that serves as many emulators as a test asks for (over HTTP, or HTTPS
with a throw-away certificate) and stops them all after, and that certificate.

A connector's ``conftest.py``::

    @pytest.fixture
    def emulator(tmp_path):
        with LiveEmulators(create_app, tmp_path, products=30, orders=20, seed=3) as emulators:
            yield emulators.start  # emulator(**options) -> LiveEmulator


    @pytest.fixture
    def store(emulator):
        return emulator()
"""

import datetime
import ipaddress
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import requests

from hub.testing.server import LiveServer

if TYPE_CHECKING:
    from flask import Flask

CONTROL_TIMEOUT = 10  # seconds: a control request is local and small


class LiveEmulator:
    """A served emulator: ``url``, ``app``, ``emulator`` (what the app keeps in
    ``config["EMULATOR"]``) and its control endpoints. ``verify`` is the certificate to trust
    when it is served over HTTPS."""

    def __init__(self, app: "Flask", url: str, verify: bool | str = True) -> None:
        self.app = app
        self.url = url
        self.verify = verify
        self.emulator: Any = app.config.get("EMULATOR")

    @property
    def store(self) -> Any:
        """The emulator's store model (``emulator.store``), for assertions on what a test
        wrote."""
        return self.emulator.store

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """``method /_emulator/<path>``: its JSON; an ``AssertionError`` unless it is a 200."""
        response = requests.request(
            method,
            f"{self.url}/_emulator/{path.lstrip('/')}",
            timeout=CONTROL_TIMEOUT,
            verify=self.verify,
            **kwargs,
        )
        assert response.status_code == 200, f"{method} {path}: {response.text}"
        return response.json()

    def fault(self, fault: str, count: int = 1, **spec: Any) -> Any:
        """Make the next ``count`` API requests misbehave (:mod:`hub.testing.emulator`)."""
        return self.control("POST", "faults", json={"fault": fault, "count": count, **spec})

    def state(self) -> Any:
        return self.control("GET", "state")

    def reset(self) -> Any:
        return self.control("POST", "reset")

    def requests(self) -> list[dict[str, Any]]:
        """The API requests the emulator answered, oldest first (the kit's request log)."""
        seen: list[dict[str, Any]] = self.control("GET", "requests")
        return seen


class LiveEmulators:
    """Start emulators made by ``create_app(**defaults, **options)`` and stop them on exit.

    ``folder`` is where an HTTPS emulator's certificate goes (a test's ``tmp_path``)."""

    def __init__(
        self,
        create_app: Callable[..., "Flask"],
        folder: Path | None = None,
        wrap: Callable[["Flask", str, bool | str], Any] = LiveEmulator,
        **defaults: Any,
    ) -> None:
        self.create_app = create_app
        self.folder = folder
        self.wrap = wrap
        self.defaults = defaults
        self.servers: list[LiveServer] = []

    def start(self, https: bool = False, **options: Any) -> Any:
        """Serve a new emulator (over HTTPS with ``https=True``): what ``wrap`` makes of it,
        a :class:`LiveEmulator` by default."""
        app = self.create_app(**{**self.defaults, **options})
        verify: bool | str = True
        ssl_context = None
        if https:
            if self.folder is None:
                raise ValueError("an HTTPS emulator needs a folder for its certificate")
            ssl_context = self_signed_certificate(self.folder)
            verify = ssl_context[0]
        server = LiveServer(app, ssl_context=ssl_context).start()
        self.servers.append(server)
        return self.wrap(app, server.url, verify)

    def stop(self) -> None:
        while self.servers:
            self.servers.pop().stop()

    def __enter__(self) -> "LiveEmulators":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def self_signed_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[str, str]:
    """A throw-away certificate for the loopback address, its own CA: (cert file, key file)
    in a new folder under ``folder``. A client trusts it with ``verify=<cert file>`` (or,
    for every session, ``REQUESTS_CA_BUNDLE``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
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
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    own = Path(tempfile.mkdtemp(prefix="cert-", dir=folder))  # one per emulator: none replaced
    cert_file, key_file = own / "cert.pem", own / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)
