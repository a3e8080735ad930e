"""What a connector is handed for one integration: ``build_context`` makes the ``ctx`` of
every hook call (settings, decrypted secrets, a ready session, a logger, the per-integration
cache)."""

import hashlib
import json
import logging

from hub.context import ConnectorContext
from hub.crypto import decrypt_json
from hub.engine.logcontext import current_run
from hub.http import make_session
from hub.models import RunLog
from hub.settings import get_settings

HTTP_RETRY = "http_retry"  # the code of a run's log line "retrying in 4 s: store answered 503"


def integration_secrets(integration):
    return decrypt_json(get_settings().require_secret_key(), integration.secrets_encrypted)


_context_cache = {}  # integration id -> (what the cache was built for, the cache)


def _context_cache_for(integration, secrets):
    """``ctx.cache`` of an integration, emptied when its store, settings or credentials change
    (a token, a detected inventory mode must not outlive the set-up they were learnt from)."""
    fingerprint = hashlib.sha256(
        json.dumps(
            [integration.connector, integration.base_url, integration.settings or {}, secrets],
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()
    built_for, cache = _context_cache.get(integration.id, (None, None))
    if built_for != fingerprint:
        cache = {}
        _context_cache[integration.id] = (fingerprint, cache)
    return cache


def retry_reporter(run_id):
    """``on_retry`` of a run's sessions: each transport retry becomes a line of the run's log
    (severity ``retry``), which its live page polls (``hub.web.runs.progress_data``)."""

    def report(seconds, reason):
        RunLog.create(
            run=run_id,
            severity="retry",
            code=HTTP_RETRY,
            message=f"retrying in {round(seconds, 1):g} s: {reason}",
        )

    return report


def build_context(integration, feed=None, checkpoint=None, **overrides):
    """The ``ctx`` handed to connector hooks: settings, decrypted secrets, a ready session.
    Inside a run (``hub.engine.logcontext.run_context``) its transport retries are written to
    the run's log as they happen."""
    secrets = integration_secrets(integration)
    cache = _context_cache_for(integration, secrets)
    settings = get_settings()
    if "on_retry" not in overrides:
        running = current_run()
        overrides["on_retry"] = retry_reporter(running["run_id"]) if running else None
    overrides.setdefault(
        "session",
        make_session(
            secrets=list(secrets.values()),
            total_retries=settings.http_retries,
            backoff_factor=settings.http_backoff,
            respect_retry_after=settings.http_backoff > 0,
            sleep=overrides.get("sleep"),  # the transport retries wait through ctx.sleep
            on_retry=overrides["on_retry"],
        ),
    )
    return ConnectorContext(
        integration=integration.name,
        connector=integration.connector,
        base_url=integration.base_url,
        settings=dict(integration.settings or {}),
        secrets=secrets,
        mode=integration.mode,
        feed=feed,
        checkpoint=checkpoint,
        integration_id=integration.id,
        cache=cache,
        logger=logging.getLogger(f"hub.connector.{integration.connector}.{integration.id}"),
        **overrides,
    )
