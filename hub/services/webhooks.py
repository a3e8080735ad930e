"""The stores' webhooks: the integration's secret and address, registering the subscriptions,
and accepting a delivery (verify, dedup, queue the matching run, debounced).

A delivery is never trusted alone and never handled inline: the connector verifies it
(``hub_read_webhook``), the hub stores it once per delivery id (``WebhookDelivery``), and a
run of the matching feed with trigger ``webhook`` is queued to start after
``HUB_WEBHOOK_DEBOUNCE`` seconds; deliveries arriving before it starts join it. The run
fetches the records by id (``hub.feeds.webhooks``). The scheduled feeds still run and
reconcile whatever a lost delivery missed.

The address is ``HUB_PUBLIC_URL/webhooks/<integration id>/<secret path>``: without
``HUB_PUBLIC_URL`` the stores cannot reach the hub and webhooks are off. The secret path and
the signing secret are generated per integration and stored encrypted like the credentials;
neither is ever logged or shown (the address is shown with its path masked).
"""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from marshmallow import ValidationError
from peewee import IntegrityError

from hub import bounds
from hub.crypto import SecretsError, decrypt_json, encrypt_json
from hub.db import db
from hub.engine.connector import build_context
from hub.engine.events import record_event
from hub.engine.plugins import get_registry
from hub.engine.registry import webhook_feeds
from hub.engine.runs import queue_run
from hub.errors import BadInput, NotFound, WebhookRejected
from hub.http import register_secrets
from hub.models import FeedRun, FeedSetting, Integration, WebhookDelivery, iso, utcnow
from hub.records import field_errors_text, validate_record
from hub.settings import get_settings

log = logging.getLogger("hub.webhooks")

HOOKS = ("hub_register_webhooks", "hub_read_webhook")
# which feed handles which event; a product update needs hub_fetch_products_by_id
FEED_OF_EVENT = {
    "order_created": "import_new_orders",
    "order_updated": "update_orders",
    "order_cancelled": "update_orders",
    "product_updated": "update_products",
}
HOOK_OF_FEED = {"update_products": "hub_fetch_products_by_id"}
MAX_BODY_BYTES = 2 * 1024 * 1024  # Shopify's largest payloads are well under this


# -- state -------------------------------------------------------------------------------------


def supported(integration):
    """Whether the integration's connector implements both webhook hooks."""
    registry = get_registry()
    return all(registry.implements(integration.connector, hook) for hook in HOOKS)


def disabled_reason(integration):
    """Why webhooks are off for this integration (a sentence), or None when they can be on."""
    if not supported(integration):
        return (
            f"The {integration.connector} connector has no webhooks (the store has none "
            "natively): the scheduled feeds bring its orders."
        )
    if not get_settings().public_url_set:
        return (
            "HUB_PUBLIC_URL is not set: the store cannot reach the hub. Set it to the "
            "hub's public HTTPS address, then register the webhooks."
        )
    return None


def webhook_status(integration):
    """What the dashboard, the CLI and the API show: never the secret nor the secret path."""
    reason = disabled_reason(integration)
    registered = integration.webhooks_registered_at
    return {
        "supported": supported(integration),
        "enabled": reason is None,
        "reason": reason,
        "registered_at": iso(registered),
        "topics": list(integration.webhook_topics or []),
        "address": _address(integration, "•" * 8) if reason is None else None,
        "deliveries_24h": _recent_deliveries(integration),
    }


def _recent_deliveries(integration):
    since = utcnow() - timedelta(hours=24)
    return (
        WebhookDelivery.select()
        .where(
            (WebhookDelivery.integration == integration.id) & (WebhookDelivery.received_at >= since)
        )
        .count()
    )


def _address(integration, path):
    return f"{get_settings().public_url}/webhooks/{integration.id}/{path}"


def _secrets(integration, create=False):
    """``{"secret", "path"}`` of the integration, generated (and stored) when asked to."""
    key = get_settings().require_secret_key()
    if integration.webhook_secrets_encrypted:
        values = decrypt_json(key, integration.webhook_secrets_encrypted)
        register_secrets(values.values())  # masked in every log line of the process
        return values
    if not create:
        return None
    values = {"secret": secrets.token_urlsafe(32), "path": secrets.token_urlsafe(24)}
    register_secrets(values.values())
    Integration.update(webhook_secrets_encrypted=encrypt_json(key, values)).where(
        Integration.id == integration.id
    ).execute()
    integration.webhook_secrets_encrypted = Integration.get_by_id(
        integration.id
    ).webhook_secrets_encrypted
    return values


# -- registering -------------------------------------------------------------------------------


def register_webhooks(integration, force=False):
    """Create or refresh the store's subscriptions (``hub_register_webhooks``).

    It writes to the store, so it happens in production mode only (at go-live, from the
    integration page, ``hub integrations webhooks NAME``); ``force`` registers in test mode
    too (a merchant trying webhooks on a development store). Returns the status."""
    reason = disabled_reason(integration)
    if reason:
        raise BadInput(reason)
    if integration.mode != "production" and not force:
        raise BadInput(
            f"{integration.name} is in test mode: the hub writes nothing to the store, so "
            "its webhooks are registered at go-live (or confirm to register them now)."
        )
    values = _secrets(integration, create=True)
    ctx = build_context(integration)
    result = get_registry().call(
        integration.connector,
        "hub_register_webhooks",
        ctx=ctx,
        url=_address(integration, values["path"]),
        secret=values["secret"],
    )
    subscriptions = []
    for item in result or []:
        try:
            subscriptions.append(validate_record("webhook_subscription", item))
        except ValidationError as exc:
            raise BadInput(
                "the connector returned an invalid webhook subscription: "
                + "; ".join(field_errors_text(exc.messages))
            ) from None
    topics = sorted({s["topic"] for s in subscriptions})
    Integration.update(
        webhooks_registered_at=utcnow(), webhook_topics=topics, updated_at=utcnow()
    ).where(Integration.id == integration.id).execute()
    log.info("webhooks of %s registered: %s", integration.name, ", ".join(topics))
    return webhook_status(Integration.get_by_id(integration.id))


def register_at_go_live(integration):
    """Called when an integration goes live: register its webhooks if it can have them. A
    failure is an Error event, never a failed go-live: polling keeps bringing the orders."""
    if disabled_reason(integration):
        return None
    try:
        return register_webhooks(integration)
    except Exception as exc:  # the store refused, or is down: say so, go live anyway
        message = getattr(exc, "message", None) or str(exc)
        record_event(
            integration.id,
            "error",
            "webhooks_not_registered",
            f"The store's webhooks could not be registered: {message}",
            hint="Orders still arrive through the scheduled feeds. Fix the cause, then "
            "press Register webhooks on the integration page.",
            reference=integration.name,
        )
        return None


# -- receiving ---------------------------------------------------------------------------------


def _integration_for(integration_ref, path):
    """The integration a delivery address names, or NotFound (the same answer whether the
    integration or the path is wrong: the address is a secret)."""
    not_found = NotFound("no such webhook address")
    integration_id = bounds.as_id(integration_ref)
    integration = (
        Integration.get_or_none(Integration.id == integration_id) if integration_id else None
    )
    if integration is None or not integration.active or disabled_reason(integration):
        raise not_found
    try:
        values = _secrets(integration)
    except SecretsError:
        log.error("webhook secrets of integration %s cannot be read", integration.id)
        raise not_found from None
    if not values or not hmac.compare_digest(values["path"].encode(), str(path).encode()):
        raise not_found
    return integration, values


def receive(integration_ref, path, headers, body):
    """Accept one delivery. Returns ``{"status": "queued"|"duplicate"|"ignored", ...}``.

    Raises NotFound (unknown address), WebhookRejected (signature) or BadInput (a verified
    delivery the connector cannot read)."""
    integration, values = _integration_for(integration_ref, path)
    if len(body) > MAX_BODY_BYTES:
        raise BadInput("the delivery is too large")
    ctx = build_context(integration)
    try:
        delivery = get_registry().call(
            integration.connector,
            "hub_read_webhook",
            ctx=ctx,
            headers=headers,
            body=body,
            secret=values["secret"],
        )
    except WebhookRejected as exc:
        _rejected(integration, exc)
        raise
    try:
        delivery = validate_record("webhook_delivery", delivery)
    except ValidationError as exc:
        raise BadInput(
            "the delivery could not be read: " + "; ".join(field_errors_text(exc.messages))
        ) from None
    return _accept(integration, delivery, body)


def _rejected(integration, exc):
    """A delivery whose signature does not verify: an Error event, without the body (it may
    carry a customer's data) nor any header value (they may carry secrets)."""
    log.warning("webhook delivery to %s rejected: %s", integration.name, exc.message)
    record_event(
        integration.id,
        "error",
        "webhook_rejected",
        f"A webhook delivery was refused: {exc.message}",
        hint=exc.hint
        or "If the store's secret changed, register the webhooks again; otherwise someone "
        "other than the store is calling the hub's webhook address.",
        reference=integration.name,
    )


def _accept(integration, delivery, body):
    event = delivery["event"]
    feed = FEED_OF_EVENT.get(event)
    if feed is not None and not _feed_usable(integration, feed):
        feed = None  # recorded, left to the scheduled feeds
    delivery_id = delivery["delivery_id"] or "sha256:" + hashlib.sha256(body).hexdigest()
    ids = list(dict.fromkeys(delivery["external_ids"]))[:1000]
    try:
        with db.atomic():
            WebhookDelivery.create(
                integration=integration.id,
                delivery_id=delivery_id[:255],
                event=event,
                feed=feed,
                external_ids=ids,
                received_at=utcnow(),
            )
    except IntegrityError:  # this delivery was accepted before: a retry, a replay
        return {"status": "duplicate", "event": event}
    if feed is None or not ids:
        return {"status": "ignored", "event": event}
    run = _queued_run(integration, feed)
    return {"status": "queued", "event": event, "feed": feed, "run": run.id}


def _feed_usable(integration, feed):
    registry = get_registry()
    if feed not in webhook_feeds():
        return False
    needed = HOOK_OF_FEED.get(feed)
    if needed and not registry.implements(integration.connector, needed):
        return False
    setting = FeedSetting.get_or_none(
        (FeedSetting.integration == integration.id) & (FeedSetting.feed == feed)
    )
    return setting is None or setting.enabled


def _queued_run(integration, feed):
    """The webhook run of ``feed`` that has not started yet, or a new one starting after the
    debounce window: several deliveries within it become one run."""
    with db.atomic():
        run = (
            FeedRun.select()
            .where(
                (FeedRun.integration == integration.id)
                & (FeedRun.feed == feed)
                & (FeedRun.trigger == "webhook")
                & (FeedRun.status == "queued")
            )
            .order_by(FeedRun.id)
            .first()
        )
    if run is not None:
        return run
    return queue_run(
        integration, feed, trigger="webhook", delay=get_settings().webhook_debounce_seconds
    )


# -- what a webhook run takes ------------------------------------------------------------------


def claim_deliveries(run):
    """Give the run every delivery of its feed no run has taken yet; return their record
    ids, in the order they arrived, each once."""
    WebhookDelivery.update(run=run.id).where(
        (WebhookDelivery.integration == run.integration_id)
        & (WebhookDelivery.feed == run.feed)
        & WebhookDelivery.run.is_null(True)
    ).execute()
    ids = []
    for row in (
        WebhookDelivery.select(WebhookDelivery.external_ids)
        .where(WebhookDelivery.run == run.id)
        .order_by(WebhookDelivery.id)
    ):
        ids.extend(row.external_ids or [])
    return list(dict.fromkeys(ids))
