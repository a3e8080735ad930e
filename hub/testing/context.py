"""Build a ConnectorContext for calling a connector's hooks directly in tests."""

from collections.abc import Callable, Mapping
from typing import Any

from hub.context import ConnectorContext
from hub.http import make_session


def make_context(
    connector: str,
    base_url: str,
    *,
    settings: Mapping[str, Any] | None = None,
    secrets: Mapping[str, Any] | None = None,
    mode: str = "test",
    checkpoint: str | None = None,
    sleep: Callable[[float], Any] | None = None,
    name: str | None = None,
    fast_retries: bool = True,
) -> ConnectorContext:
    """A context like the core builds, with retries that do not sleep long in tests.

    ``sleep`` (a fake) is used by the connector (``ctx.sleep``) and by the session's transport
    retries alike; with it, Retry-After is honoured and observable without real waits."""
    secrets = dict(secrets or {})
    session = make_session(
        secrets=list(secrets.values()),
        backoff_factor=0 if fast_retries else 0.5,
        total_retries=2 if fast_retries else 4,
        respect_retry_after=sleep is not None or not fast_retries,
        sleep=sleep,
    )
    kwargs: dict[str, Any] = {}
    if sleep is not None:
        kwargs["sleep"] = sleep
    return ConnectorContext(
        integration=name or f"test-{connector}",
        connector=connector,
        base_url=base_url.rstrip("/"),
        settings=dict(settings or {}),
        secrets=secrets,
        mode=mode,
        checkpoint=checkpoint,
        session=session,
        **kwargs,
    )
