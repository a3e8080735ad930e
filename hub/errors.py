"""Exceptions that connectors raise and the core understands.

A connector raises only for problems that concern the whole run (the store is
down, the credentials are wrong). A problem with one record is *yielded* as an
outcome (see :mod:`hub.outcomes`), because a generator that raises is finished.
"""


class HubError(Exception):
    """Base class of every error the hub raises on purpose."""


class BadInput(HubError):
    """The user asked for something invalid (CLI exit code 2, HTTP 400)."""


class NotFound(BadInput):
    """An integration, feed, order… that does not exist."""


class NeedsConfirmation(BadInput):
    """Allowed, but unusual enough that the user must confirm it (``confirm`` names the flag:
    a CLI option, an API body field, a dashboard checkbox). HTTP 409, CLI exit code 2."""

    def __init__(self, message: str, *, confirm: str) -> None:
        super().__init__(message)
        self.confirm = confirm


class ConnectorError(HubError):
    """Base class of the errors a connector raises.

    ``hint`` tells the merchant how to fix it; it is shown with the run.
    """

    code = "connector_error"
    retryable = False

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.status = status


class TransientError(ConnectorError):
    """Timeouts, 5xx, 429 and throttling that outlived the HTTP client's own retries.

    The run fails and is retried later by the worker (Huey task retry) as another
    attempt of the same run. ``retry_after`` (seconds) is honoured when given.
    """

    code = "transient"
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        hint: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, hint=hint, status=status)
        self.retry_after = retry_after


AUTHENTICATION_HINT = (
    "Check the integration's credentials and the permissions granted "
    "to them in the store, then run the feed again."
)


class AuthenticationError(ConnectorError):
    """The store refused the credentials (401/403). Fails the run once, never retried in a loop."""

    code = "authentication"

    def __init__(
        self,
        message: str = "The store refused the credentials",
        *,
        hint: str | None = AUTHENTICATION_HINT,
        status: int | None = None,
    ) -> None:
        super().__init__(message, hint=hint, status=status)


class StoreUnavailableError(ConnectorError):
    """The store exists but cannot be used (Shopify 402 frozen / 423 locked, maintenance mode)."""

    code = "store_unavailable"


class ConfigurationError(ConnectorError):
    """A setting of the integration is missing or wrong (a location that does not exist…)."""

    code = "configuration"


class StoreRejected(ConnectorError):
    """The store answered with a business error for the whole request (a 4xx other than auth)."""

    code = "store_rejected"


class WebhookRejected(ConnectorError):
    """A webhook delivery that does not verify (bad or missing signature): answered 401, logged
    as an event without its body, and nothing is queued."""

    code = "webhook_rejected"
