"""What a connector may know of its integration: the ``ctx`` argument of every connector hook.

Connectors never touch the database. Everything they need arrives here.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub.http import (
    HubSession,
    PublicSession,
    RetryReport,
    make_public_session,
    make_session,
    register_secrets,
)
from hub.settings import get_settings


@dataclass
class ConnectorContext:
    integration: str  # the integration's name (for messages)
    connector: str  # the connector key
    base_url: str
    settings: dict[str, Any] = field(default_factory=dict)  # non-secret settings
    secrets: dict[str, Any] = field(default_factory=dict)  # decrypted credentials: never log
    mode: str = "test"  # "test" | "production"
    feed: str | None = None
    checkpoint: str | None = None
    integration_id: int | None = None
    session: HubSession = None  # type: ignore[assignment]  # ready to use after __init__
    logger: logging.Logger = None  # type: ignore[assignment]  # hub.connector.<key> by default
    cache: dict[str, Any] = field(default_factory=dict)  # per-process scratch (tokens…)
    sleep: Callable[[float], Any] = time.sleep  # injectable, so tests of throttling do not
    # sleep (the core passes the same one to the session: its transport retries wait through it)
    clock: Callable[[], float] = time.time
    progress: Callable[[int, bool], Any] | None = None  # see report_total
    outbound_allow: str | tuple[str, ...] | list[str] | None = None  # HUB_OUTBOUND_ALLOW (None:
    # read from the settings)
    on_retry: RetryReport | None = None  # told of each transport retry (the core shows it on
    # the run's live page: "retrying in 4 s: store answered 503")

    def __post_init__(self) -> None:
        register_secrets(self.secrets.values())  # masked in every log line of the process
        if self.session is None:
            self.session = make_session(
                secrets=list(self.secrets.values()), sleep=self.sleep, on_retry=self.on_retry
            )
        if self.logger is None:
            self.logger = logging.getLogger(f"hub.connector.{self.connector}")

    @property
    def session_once(self) -> HubSession:
        """A session that never re-sends a request the store may have received (for writes
        that are not idempotent: a Magento shipment, a signed one-time nonce). Connection
        failures, which never reached the store, are still retried."""
        session: HubSession | None = getattr(self, "_session_once", None)
        if session is None:
            session = self._session_once = make_session(
                secrets=list(self.secrets.values()),
                retry_sent=False,
                sleep=self.sleep,
                on_retry=self.on_retry,
            )
        return session

    @property
    def public_session(self) -> PublicSession:
        """A session for URLs the store chose (image files, result files): it connects only
        to public addresses, the store's own host and ``HUB_OUTBOUND_ALLOW`` (checked after DNS
        resolution and on every redirect), and sends ``ctx.session``'s auth (PrestaShop's key)
        to the store's host only. ``hub.http.fetch_limited`` adds a total time and size limit."""
        session: PublicSession | None = getattr(self, "_public_session", None)
        if session is None:
            allow = self.outbound_allow
            if allow is None:
                allow = get_settings().outbound_allow
            session = self._public_session = make_public_session(
                self.base_url,
                allow=allow,
                store_auth=lambda: getattr(self.session, "auth", None),
                secrets=list(self.secrets.values()),
            )
        return session

    def register_secret(self, value: str) -> None:
        """A credential obtained at run time (an admin token, a renewed access token): masked
        in every log line from now on, like the integration's stored secrets."""
        register_secrets([value])

    def setting(self, name: str, default: Any = None) -> Any:
        value = self.settings.get(name)
        return default if value in (None, "") else value

    def secret(self, name: str, default: Any = None) -> Any:
        value = self.secrets.get(name)
        return default if value in (None, "") else value

    def report_total(self, total: int, exact: bool = True) -> None:
        """Tell the core how many records the stream will yield, when the store says so
        (``exact=False``: at least that many; the progress bar shows it as a floor)."""
        if self.progress is not None:
            self.progress(total, exact)
