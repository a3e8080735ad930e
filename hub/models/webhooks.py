"""Webhook deliveries the hub accepted: the dedup table, and what a webhook run picks up.

A delivery is stored once per (integration, delivery id): the same delivery sent again (a
store's retry, a replay) hits the unique key and changes nothing. A queued webhook run claims
the deliveries of its feed that no run has claimed yet (``run``), so deliveries that arrive
while it waits in the queue (the debounce window) are handled by that one run. Rows are
pruned after ``HUB_WEBHOOK_RETENTION_DAYS`` (the stores retry for hours, not days).
"""

from peewee import CharField, DateTimeField, ForeignKeyField

from hub.models.base import BaseModel, JSONField, utcnow
from hub.models.feeds import FeedRun
from hub.models.integrations import Integration


class WebhookDelivery(BaseModel):
    integration = ForeignKeyField(Integration, on_delete="CASCADE")
    delivery_id = CharField(max_length=255)  # the store's id (or a hash of the body)
    event = CharField(max_length=32)
    feed = CharField(max_length=64, null=True)  # the feed that handles it (None: ignored)
    external_ids = JSONField(default=list)
    received_at = DateTimeField(default=utcnow)
    run = ForeignKeyField(FeedRun, null=True, on_delete="SET NULL")  # the run that took it

    class Meta:
        indexes = (
            (("integration", "delivery_id"), True),
            (("integration", "feed", "run"), False),
            (("received_at",), False),
        )
