"""What a connector is handed for one integration: ``build_context`` makes the ``ctx`` of
every hook call (settings, decrypted secrets, a ready session, a logger, the per-integration
cache)."""

import hashlib
import json
import logging

from hub.context import ConnectorContext
from hub.crypto import decrypt_json
from hub.http import make_session
from hub.settings import get_settings


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


def build_context(integration, feed=None, checkpoint=None, **overrides):
    """The ``ctx`` handed to connector hooks: settings, decrypted secrets, a ready session."""
    secrets = integration_secrets(integration)
    cache = _context_cache_for(integration, secrets)
    settings = get_settings()
    overrides.setdefault(
        "session",
        make_session(
            secrets=list(secrets.values()),
            total_retries=settings.http_retries,
            backoff_factor=settings.http_backoff,
            respect_retry_after=settings.http_backoff > 0,
            sleep=overrides.get("sleep"),  # the transport retries wait through ctx.sleep
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
