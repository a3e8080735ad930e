"""Store faults the contract suite drives through an emulator's fault endpoint
(``POST /_emulator/faults {"fault": name, "count": n, ...}`` at the emulator's root), and the
error each one must surface as.

Standard fault names (what an emulator built on the hub's emulator kit,
:mod:`hub.testing.emulator`, accepts - the four bundled ones do - and the test shop):

* ``5xx`` - the store answers 500/503;
* ``slow`` - the store answers after ``delay`` seconds (a read timeout for the client);
* ``malformed`` - a 200 whose body is not the JSON it should be (truncated, a PHP notice);
* ``auth`` - a 401 in the middle of a feed: ``AuthenticationError`` (the suite also sends
  wrong credentials to ``hub_check_connection``).

Each must surface as ``TransientError`` (the run is tried again later), ``auth`` as
``AuthenticationError`` (the run fails once, the merchant fixes the credentials).

An emulator with other names maps them in the suite's ``contract_faults`` (the WooCommerce
connector's tests still map ``500`` and ``timeout``, its emulator's own names, which the kit keeps
as aliases). "Connection refused" needs no emulator: the suite points
the context at a closed port.
"""

import socket
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from hub.context import ConnectorContext
from hub.errors import AuthenticationError, ConnectorError, TransientError

STANDARD_FAULTS: dict[str, dict[str, Any]] = {
    "5xx": {"fault": "5xx"},
    "timeout": {"fault": "slow", "delay": 1.5},
    "malformed": {"fault": "malformed"},
    "auth": {"fault": "auth"},
}
# what each fault must raise (every other one: TransientError)
EXPECTED: dict[str, type[ConnectorError]] = {"auth": AuthenticationError}
READ_TIMEOUT = 0.5  # what the suite sets on the session for the "timeout" fault (< delay)
FAULT_COUNT = 50  # enough to outlive every retry of the session and of the connector


def expected_error(name: str) -> type[ConnectorError]:
    """The hub error a fault must surface as."""
    return EXPECTED.get(name, TransientError)


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``: where an emulator serves ``/_emulator``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def inject(emulator_url: str, name: str, spec: dict[str, Any], count: int = FAULT_COUNT) -> None:
    """Ask the emulator to answer the next ``count`` requests with fault ``spec``."""
    response = requests.post(
        f"{emulator_url}/_emulator/faults", json={**spec, "count": count}, timeout=10
    )
    if response.status_code != 200:
        raise AssertionError(
            f"the emulator at {emulator_url} refused the suite's {name!r} fault {spec} "
            f"({response.status_code}: {response.text[:200]}): give it a fault endpoint that "
            f"accepts it, or map the name to its own in the suite's contract_faults"
        )


def closed_port_url(url: str) -> str:
    """``url`` with its host and port replaced by a loopback port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, f"127.0.0.1:{port}", parts.path, parts.query, ""))


def point_at_closed_port(ctx: ConnectorContext) -> None:
    ctx.base_url = closed_port_url(ctx.base_url)
    ctx.cache.clear()
