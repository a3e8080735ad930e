"""HTTP sessions for connectors: timeouts, retries with backoff, Retry-After, redaction.

Built on what requests/urllib3 already provide (``urllib3.util.Retry`` honours
``Retry-After`` on 429/503 and backs off exponentially). Connectors get a ready
session as ``ctx.session``; they never build their own.

One retry policy: the session's adapter is the only layer that re-sends a request
(connection errors, 429, 500/502/503/504; ``HUB_HTTP_RETRIES`` = 4 retries, backoff
``HUB_HTTP_BACKOFF`` up to 30 s, ``Retry-After`` up to 120 s, waits through ``ctx.sleep``).
What outlives it becomes ``TransientError`` (``hub.toolkit.raise_for_status``) and the worker
runs the feed again (``hub.tasks.RUN_RETRIES`` = 3 more attempts of the run). Connectors add
no retry loop of their own, so one call is sent at most (4 + 1) × (3 + 1) = 20 times.

URLs the store chooses (product images, result files) go through ``ctx.public_session``
(:func:`make_public_session`): it connects only to public addresses — checked after DNS
resolution, on every redirect, and pinned so that the address checked is the address
connected to — except the store's own host and the hosts of ``HUB_OUTBOUND_ALLOW``.
:func:`fetch_limited` adds a total time limit and a size limit to one download.

Every log record of the process is redacted (:func:`install_log_redaction`, done on import):
known secret values (``register_secrets``) and credential-looking patterns are masked,
whatever the logger (urllib3, oauthlib, requests_oauthlib, a connector's own).
"""

import ipaddress
import logging
import re
import socket
import time
import traceback
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import SplitResult, quote, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util import connection as urllib3_connection
from urllib3.util.retry import Retry

from hub import __version__

USER_AGENT = f"connect-hub/{__version__} (+https://github.com/connect-hub/connect-hub)"
DEFAULT_TIMEOUT = (10, 60)  # connect, read: seconds
RETRY_STATUSES = (429, 500, 502, 503, 504)

log = logging.getLogger("hub.http")


class HubSession(requests.Session):
    """A requests session with a default timeout and a redacting debug log."""

    def __init__(
        self, timeout: float | tuple[float, float] = DEFAULT_TIMEOUT, secrets: Iterable[str] = ()
    ) -> None:
        super().__init__()
        self.timeout = timeout
        self.secrets = [s for s in secrets if s]
        self.headers["User-Agent"] = USER_AGENT

    def request(  # type: ignore[override]  # requests' own keyword arguments, as **kwargs
        self, method: str | bytes, url: str | bytes, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        response = super().request(method, url, **kwargs)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %s", method, self.redact(url), response.status_code)
        return response

    def redact(self, text: object) -> str:
        return redact(text, self.secrets)


# -- redaction ---------------------------------------------------------------------------------

_SECRETS: set[str] = set()  # every secret value this process has seen (and its URL-encoded forms)

# name=value, name="value", name%3Dvalue (OAuth base strings), for names ending like these
_PARAM = r"[A-Za-z0-9_\-]*(?:key|token|secret|password|signature)"
_PATTERNS = [
    # Authorization: <anything>, quoted ('Authorization': 'OAuth …', b'Authorization': b'…')
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*b?)(['\"])(.*?)\2"), r"\1\2***\2"),
    # … and unquoted (a header line)
    (re.compile(r"(?i)(\bauthorization\s*[:=]\s*)(?!b?['\"])[^\r\n]+"), r"\1***"),
    # X-Shopify-Access-Token and other *-token / *-key headers, quoted or not
    (
        re.compile(r"(?i)(x-[a-z\-]*(?:token|key|secret)['\"]?\s*[:=]\s*b?['\"]?)[^'\"\s,}]+"),
        r"\1***",
    ),
    # ('oauth_token', 'value') — oauthlib's "Collected params"; "token": "value" — JSON
    (
        re.compile(rf"(?i)(['\"]{_PARAM}['\"]\s*[,:]\s*b?['\"])[^'\"]*"),
        r"\1***",
    ),
    # name%3Dvalue (until %26 or the end) — an OAuth signature base string
    (re.compile(rf"(?i)\b({_PARAM}%3D)(?:(?!%26)[^&\s'\"])+"), r"\1***"),
    # name="value" and name=value (query strings, OAuth headers, reprs: client_key=…)
    (re.compile(rf"(?i)\b({_PARAM}=\"?)[^&\s\"',)]+"), r"\1***"),
    # ws_key, the PrestaShop webservice key in a query string
    (re.compile(r"(?i)\b(ws_key=)[^&\s]+"), r"\1***"),
    # oauthlib's "Signature: …" line
    (re.compile(r"(?i)(\bsignature:\s*)\S+"), r"\1***"),
]


def register_secrets(values: Iterable[object] | None) -> None:
    """Remember secret values so that every log line of the process masks them (values of
    fewer than 4 characters are ignored: masking them would garble the logs)."""
    for value in values or ():
        if not isinstance(value, str) or len(value) < 4:
            continue
        _SECRETS.add(value)
        for encoded in (quote(value, safe=""), quote(quote(value, safe=""), safe="")):
            if encoded != value:
                _SECRETS.add(encoded)


def redact(text: object, secrets: Iterable[str] = ()) -> str:
    """Mask known secret values and credential-looking parameters and headers in ``text``."""
    text = str(text)
    for secret in sorted({*_SECRETS, *(s for s in secrets if s)}, key=len, reverse=True):
        if len(secret) >= 4 and secret in text:
            text = text.replace(secret, "***")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks secrets in the records that pass through it (kept for handlers that want it;
    every record is already redacted at creation by :func:`install_log_redaction`)."""

    secrets = _SECRETS

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


def _redact_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a broken format: the handler reports it as logging always did
        return record
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
    return record


def install_log_redaction() -> None:
    """Redact every log record of the process when it is created, whatever its logger and
    wherever it goes (root handlers, a worker's file, pytest's capture). Idempotent."""
    current = logging.getLogRecordFactory()
    if getattr(current, "hub_redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _redact_record(current(*args, **kwargs))

    factory.hub_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


install_log_redaction()


RetryReport = Callable[[float, str], Any]
"""``on_retry(seconds, reason)``: called before each transport retry waits ("store answered
503", "the store did not answer in time"), so a live run page can say what is going on."""


def retry_reason(error: BaseException | None, status: int | None) -> str:
    """Why a request is tried again, in words for the merchant."""
    if status:
        return f"store answered {status}"
    # before the timeouts: urllib3's NewConnectionError is a ConnectTimeoutError too
    if isinstance(error, (NewConnectionError, NameResolutionError)):
        return "could not connect to the store"
    if isinstance(error, (ReadTimeoutError, ConnectTimeoutError)):
        return "the store did not answer in time"
    return f"connection failed ({type(error).__name__})" if error else "the store failed"


def _retry_class(
    sleep: Callable[[float], Any] | None, on_retry: RetryReport | None = None
) -> type[Retry]:
    """urllib3's Retry, sleeping through ``sleep`` (a test's fake clock) when one is given,
    telling ``on_retry`` how long it waits and why before each wait."""
    if sleep is None and on_retry is None:
        return Retry
    wait = sleep or time.sleep  # narrowed: the methods below close over it
    report = on_retry

    class HubRetry(Retry):
        def sleep(self, response: Any = None) -> None:
            if report is not None and self.history:
                last = self.history[-1]
                seconds = None
                if self.respect_retry_after_header and response is not None:
                    seconds = self.get_retry_after(response)
                if not seconds:
                    seconds = self.get_backoff_time()
                try:
                    report(float(seconds), retry_reason(last.error, last.status))
                except Exception:  # telling must never break the request
                    log.exception("on_retry failed")
            super().sleep(response)

        def sleep_for_retry(self, response: Any) -> bool:
            retry_after = self.get_retry_after(response)
            if retry_after:
                wait(retry_after)
                return True
            return False

        def _sleep_backoff(self) -> None:
            backoff = self.get_backoff_time()
            if backoff > 0:
                wait(backoff)

    return HubRetry


def make_session(
    *,
    secrets: Collection[str] = (),
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    total_retries: int = 4,
    backoff_factor: float = 0.5,
    allowed_methods: Collection[str] | None = None,
    max_retry_after: int = 120,
    respect_retry_after: bool = True,
    retry_sent: bool = True,
    sleep: Callable[[float], Any] | None = None,
    on_retry: RetryReport | None = None,
) -> HubSession:
    """A session whose adapter retries connection errors, 429 and 5xx with backoff.

    ``allowed_methods`` defaults to idempotent methods plus POST: store APIs
    (GraphQL, Magento search) read through POST, and writes the hub makes carry
    idempotency (a key, compare-and-swap, or a check-before-write).
    ``respect_retry_after=False`` (tests) retries without sleeping the store's Retry-After:
    a connector that must honour it through ``ctx.sleep`` then sees the last answer.
    ``retry_sent=False``: only failures to connect are retried (the request never reached
    the store); a request that was sent is never sent again (``ctx.session_once``).
    ``sleep``: what the retries sleep with (default ``time.sleep``; tests pass a fake).
    ``on_retry(seconds, reason)``: told before each retry waits (:data:`RetryReport`).
    """
    retry_class = _retry_class(sleep, on_retry)
    session = HubSession(timeout=timeout, secrets=secrets)
    register_secrets(secrets)
    if not retry_sent:
        retry = retry_class(
            total=total_retries,
            connect=total_retries,
            read=0,
            status=0,
            other=0,
            backoff_factor=backoff_factor,
            allowed_methods=None,
            raise_on_status=False,
        )
    else:
        retry = retry_class(
            total=total_retries,
            connect=total_retries,
            read=2,
            status=total_retries,
            backoff_factor=backoff_factor,
            backoff_max=30,
            retry_after_max=max_retry_after,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=allowed_methods
            or frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH"}),
            respect_retry_after_header=respect_retry_after,
            raise_on_status=False,  # the connector turns the last response into a clear error
        )
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# -- URLs the store chooses -------------------------------------------------------------------

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
DEFAULT_PORTS = (80, 443)


class OutboundRefused(Exception):
    """A URL the store chose points at an address the hub does not connect to. Not an
    ``OSError``: urllib3 and requests let it through unchanged, never retried."""


def is_public_address(address: object) -> bool:
    """True for a globally routable unicast address; False for loopback, private, link-local,
    reserved, multicast, unspecified, shared (100.64/10) and cloud metadata addresses."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None


def _norm_host(host: str | None) -> str:
    return (host or "").strip("[]").rstrip(".").lower()


@dataclass
class OutboundPolicy:
    """Where a URL chosen by the store may lead: public addresses; the store's own host (the
    merchant chose it: a store on a private network, an emulator on 127.0.0.1) on the store
    URL's port (or on 80/443 when the store URL uses one of them); and ``allow``: host names
    (``images.lan``; ``.lan`` for a domain), IP addresses or networks (``10.0.0.0/8``)."""

    store_url: str | None = None
    allow: str | Iterable[str] = ()
    store_host: str = field(init=False, default="")
    store_port: int | None = field(init=False, default=None)
    hosts: set[str] = field(init=False, default_factory=set)
    domains: tuple[str, ...] = field(init=False, default=())
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        init=False, default=()
    )

    def __post_init__(self) -> None:
        if self.store_url:
            parts = urlsplit(self.store_url)
            self.store_host, self.store_port = _norm_host(parts.hostname), _port(parts)
        domains: list[str] = []
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in parse_allow_list(self.allow):
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if entry.startswith(("*.", ".")):
                domains.append("." + entry.lstrip("*."))
            else:
                self.hosts.add(_norm_host(entry))
        self.domains, self.networks = tuple(domains), tuple(networks)

    def is_store(self, host: str | None, port: int | None) -> bool:
        if not self.store_host or _norm_host(host) != self.store_host:
            return False
        if port == self.store_port:
            return True
        return port in DEFAULT_PORTS and self.store_port in DEFAULT_PORTS

    def is_store_url(self, url: str) -> bool:
        parts = urlsplit(url)
        return self.is_store(parts.hostname, _port(parts))

    def host_allowed(self, host: str | None) -> bool:
        host = _norm_host(host)
        return host in self.hosts or any(host.endswith(d) for d in self.domains)

    def address_allowed(self, address: object) -> bool:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])
        return is_public_address(ip) or any(ip in n for n in self.networks)

    def addresses(self, host: str, port: int | None) -> list[str] | None:
        """The checked addresses to connect to, or None when the host needs no check (the
        store's own host, an allowed name). Raises OutboundRefused."""
        if self.is_store(host, port) or self.host_allowed(host):
            return None
        infos = socket.getaddrinfo(_norm_host(host), port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses or not all(self.address_allowed(a) for a in addresses):
            raise OutboundRefused("refused: private address")
        return addresses


def parse_allow_list(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``HUB_OUTBOUND_ALLOW``: entries separated by commas or spaces."""
    if not value:
        return ()
    if isinstance(value, str):
        value = re.split(r"[,\s]+", value)
    return tuple(e.strip().lower() for e in value if e and e.strip())


class _GuardedConnectionMixin:
    """Resolves the host once, checks every address, and connects to a checked address
    (the name is never resolved again between the check and the connection: DNS rebinding
    cannot swap the address). Host header, SNI and certificate checks keep the name."""

    policy: OutboundPolicy
    # what the connection classes it is mixed into provide
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        try:
            addresses = self.policy.addresses(self.host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, cast(HTTPConnection, self), exc) from exc
        if addresses is None:
            return cast(socket.socket, super()._new_conn())  # type: ignore[misc]
        error = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(
                    cast(HTTPConnection, self),
                    f"Connection to {self.host} timed out (connect timeout={self.timeout})",
                ) from exc
            except OSError as exc:
                error = exc
        raise NewConnectionError(
            cast(HTTPConnection, self), f"Failed to establish a new connection: {error}"
        )


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections go through an :class:`OutboundPolicy`."""

    def __init__(self, policy: OutboundPolicy, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)
        attrs = {"policy": self.policy}
        http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), attrs)
        https_conn = type(
            "GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), attrs
        )
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type(
                "GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}
            ),
        }

    def __getstate__(self) -> dict[str, Any]:  # pragma: no cover - sessions are not pickled
        raise TypeError("a guarded adapter cannot be pickled")


class PublicSession(HubSession):
    """A session for URLs the store chooses. Redirects are followed here, each target
    checked by the connection guard, without reading redirect bodies; the store's credentials
    (``store_auth``: PrestaShop's key) go only to the store's own host; no proxy from the
    environment (a proxy would resolve names itself, out of the guard's sight)."""

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        store_auth: Callable[[], Any] | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        secrets: Iterable[str] = (),
    ) -> None:
        super().__init__(timeout=timeout, secrets=secrets)
        self.policy = policy
        self.store_auth = store_auth
        self.trust_env = False
        self.max_redirects = 5
        adapter = GuardedAdapter(policy, max_retries=Retry(0, read=False), pool_maxsize=8)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None  # redirects are handled in request(), never by requests itself

    def request(  # type: ignore[override]
        self, method: str, url: str, **kwargs: Any
    ) -> requests.Response:
        follow = kwargs.pop("allow_redirects", True)
        caller_auth = kwargs.pop("auth", None)
        for _ in range(self.max_redirects + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                raise OutboundRefused("refused: not an http(s) URL")
            auth = caller_auth
            if auth is None:
                auth = (
                    self.store_auth() if self.store_auth and self.policy.is_store_url(url) else ()
                )
            response = super().request(method, url, auth=auth or None, **kwargs)
            if not (follow and response.is_redirect):
                return response
            target = urljoin(url, response.headers["Location"])
            response.close()  # never read a redirect's body
            if response.status_code in (301, 302, 303) and method.upper() != "HEAD":
                method = "GET"
                kwargs.pop("data", None)
                kwargs.pop("json", None)
            if caller_auth is not None and urlsplit(target).netloc != urlsplit(url).netloc:
                caller_auth = None
            url = target
        raise requests.TooManyRedirects(f"more than {self.max_redirects} redirects")


def make_public_session(
    store_url: str | None = None,
    *,
    allow: str | Iterable[str] | None = (),
    store_auth: Callable[[], Any] | None = None,
    secrets: Collection[str] = (),
    timeout: float | tuple[float, float] | None = None,
) -> PublicSession:
    """A :class:`PublicSession` for URLs the store of ``store_url`` chooses."""
    register_secrets(secrets)
    return PublicSession(
        OutboundPolicy(store_url, parse_allow_list(allow)),
        store_auth=store_auth,
        timeout=timeout or (10, 30),
        secrets=secrets,
    )


class DownloadFailed(Exception):
    """A download that did not complete; its message is short and never quotes the body."""


@dataclass
class Download:
    url: str
    content_type: str
    data: bytes


def _checked_headers(
    response: requests.Response, accept: Collection[str] | None, max_bytes: int, limit: str
) -> str:
    """The response's Content-Type, once status, type and announced length are acceptable."""
    if response.status_code != 200:
        raise DownloadFailed(f"HTTP {response.status_code}")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if accept is not None and content_type not in accept:
        raise DownloadFailed(f"not an image (Content-Type {content_type[:60] or 'missing'})")
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise DownloadFailed(f"larger than {limit}")
    return content_type


def fetch_limited(
    session: requests.Session,
    url: str,
    *,
    max_bytes: int,
    deadline: float,
    accept: Collection[str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Download:
    """GET ``url`` through ``session`` within ``deadline`` seconds in all (connection,
    redirects, every read) and at most ``max_bytes``. ``accept``: the Content-Types wanted.

    Raises DownloadFailed with a short reason: "refused: private address", "HTTP 404",
    "connection failed", "took longer than 30 s", "larger than 20 MB", "not an image…"."""
    limit = f"{max_bytes / 1048576:g} MB"
    started = clock()

    def remaining() -> float:
        left = deadline - (clock() - started)
        if left <= 0:
            raise DownloadFailed(f"took longer than {deadline:g} s")
        return left

    try:
        left = remaining()
        response = session.get(
            url,
            stream=True,
            timeout=(min(10, left), min(30, left)),
            headers={"Accept-Encoding": "identity"},
        )
    except OutboundRefused as exc:
        raise DownloadFailed(str(exc)) from None
    except requests.TooManyRedirects:
        raise DownloadFailed("too many redirects") from None
    except requests.Timeout:
        raise DownloadFailed("timed out") from None
    except requests.RequestException:
        raise DownloadFailed("connection failed") from None
    with response:
        content_type = _checked_headers(response, accept, max_bytes, limit)
        data = bytearray()
        raw = response.raw
        while True:
            left = remaining()
            sock = getattr(getattr(raw, "connection", None), "sock", None)
            if sock is not None:
                sock.settimeout(min(30, left))
            try:
                chunk = raw.read1(65536)
            except Exception:  # a read timeout, a reset: no detail from the other side
                if clock() - started >= deadline:
                    raise DownloadFailed(f"took longer than {deadline:g} s") from None
                raise DownloadFailed("connection failed while reading") from None
            if not chunk:
                break
            data.extend(chunk)
            if len(data) > max_bytes:
                raise DownloadFailed(f"larger than {limit}")
        remaining()
    return Download(url=url, content_type=content_type, data=bytes(data))
