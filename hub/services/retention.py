"""Pruning: finished runs and resolved events older than ``settings.run_retention_days``;
webhook deliveries after ``settings.webhook_retention_days``; alerts after
``settings.alert_retention_days`` once nothing of them is left to send.

Unresolved events are never pruned (whatever their age): the bell must keep showing them.
Deletes go by chunks of ids, each in its own transaction, so a large backlog does not hold
the database lock for long.
"""

from datetime import timedelta

from peewee import fn

from hub.db import db
from hub.models import (
    Alert,
    AlertDelivery,
    Event,
    FeedRun,
    OutboxItem,
    RunLog,
    StockDiscrepancy,
    WebhookDelivery,
    utcnow,
)
from hub.models.feeds import FINAL_STATUSES
from hub.settings import get_settings

CHUNK = 500


def _chunks(query):
    while True:
        ids = [row_id for (row_id,) in query.limit(CHUNK).tuples()]
        if not ids:
            return
        yield ids


def _old_alerts(cutoff):
    """Alerts created before ``cutoff`` that are history: every message sent or given up,
    or held back (rate limit), or folded into a digest. Kept whatever their age: one still
    to send or waiting for the digest; an error alert whose event is still open, and the
    latest late-feed alert of a feed: they are the dedup of ``collect``, which would tell
    the same news again without them."""
    unfinished = AlertDelivery.select(AlertDelivery.alert).where(
        AlertDelivery.sent_at.is_null(True) & AlertDelivery.failed_at.is_null(True)
    )
    latest_late = (
        Alert.select(fn.MAX(Alert.id))
        .where(Alert.kind == "late_feed")
        .group_by(Alert.integration, Alert.code)
    )
    return (
        Alert.select(Alert.id)
        .where(
            (Alert.created_at < cutoff)
            & Alert.status.in_(("pending", "suppressed", "digested", "marker"))
            & Alert.id.not_in(unfinished)
            & ~((Alert.kind == "error") & Alert.event_closed_at.is_null(True))
            & Alert.id.not_in(latest_late)
        )
        .order_by(Alert.id)
    )


def prune(now=None, days=None):
    """Delete old finished runs (with their log, outbox and discrepancies) and old resolved
    events; webhook deliveries older than ``settings.webhook_retention_days`` (their dedup
    window: the stores retry for hours); alerts older than ``settings.alert_retention_days``
    that are history (:func:`_old_alerts`). Returns {"runs": n, "events": n, "webhooks": n,
    "alerts": n}."""
    days = get_settings().run_retention_days if days is None else days
    cutoff = (now or utcnow()) - timedelta(days=days)
    pruned = {"runs": 0, "events": 0, "webhooks": 0, "alerts": 0}
    webhook_cutoff = (now or utcnow()) - timedelta(days=get_settings().webhook_retention_days)
    old_deliveries = WebhookDelivery.select(WebhookDelivery.id).where(
        WebhookDelivery.received_at < webhook_cutoff
    )
    for ids in _chunks(old_deliveries):
        with db.atomic():
            pruned["webhooks"] += (
                WebhookDelivery.delete().where(WebhookDelivery.id.in_(ids)).execute()
            )

    alert_cutoff = (now or utcnow()) - timedelta(days=get_settings().alert_retention_days)
    for ids in _chunks(_old_alerts(alert_cutoff)):
        with db.atomic():
            AlertDelivery.delete().where(AlertDelivery.alert.in_(ids)).execute()
            pruned["alerts"] += Alert.delete().where(Alert.id.in_(ids)).execute()

    old_events = Event.select(Event.id).where(
        Event.resolved_at.is_null(False), Event.resolved_at < cutoff
    )
    for ids in _chunks(old_events):
        with db.atomic():
            RunLog.update(event=None).where(RunLog.event.in_(ids)).execute()
            pruned["events"] += Event.delete().where(Event.id.in_(ids)).execute()

    old_runs = (
        FeedRun.select(FeedRun.id)
        .where(FeedRun.status.in_(FINAL_STATUSES), FeedRun.queued_at < cutoff)
        .order_by(FeedRun.id)
    )
    for ids in _chunks(old_runs):
        with db.atomic():
            Event.update(last_run=None).where(Event.last_run.in_(ids)).execute()
            WebhookDelivery.update(run=None).where(WebhookDelivery.run.in_(ids)).execute()
            for model in (RunLog, OutboxItem, StockDiscrepancy):
                model.delete().where(model.run.in_(ids)).execute()
            pruned["runs"] += FeedRun.delete().where(FeedRun.id.in_(ids)).execute()
    return pruned
