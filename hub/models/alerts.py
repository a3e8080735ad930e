"""Alerts: what the hub tells people (email, webhooks) and to whom it was delivered.

``Alert.key`` is unique: the same thing is never alerted twice (a new Error event, one
lateness of a feed, one missing worker, one digest). Each recipient of an alert is an
``AlertDelivery`` row, claimed by one worker before sending (``sent_at`` set once).
"""

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from hub.models.base import BaseModel, JSONField, utcnow
from hub.models.feeds import Event
from hub.models.integrations import Integration

ALERT_KINDS = ("error", "late_feed", "worker", "digest")
# pending: its deliveries are (being) sent; suppressed: held back by the rate limit;
# digest: waits for the daily digest; digested: went out in one; marker: a digest's day mark
ALERT_STATUSES = ("pending", "suppressed", "digest", "digested", "marker")
CHANNELS = ("email", "webhook")


class Alert(BaseModel):
    key = CharField(max_length=255, unique=True)
    kind = CharField(max_length=16)
    status = CharField(max_length=16, default="pending")
    integration = ForeignKeyField(Integration, null=True, on_delete="CASCADE")
    code = CharField(max_length=128)  # the rate limit counts messages per (integration, code)
    event = ForeignKeyField(Event, null=True, on_delete="SET NULL")
    event_closed_at = DateTimeField(null=True)  # its event was resolved: a new one may follow
    subject = CharField(max_length=255)
    text = TextField()
    details = JSONField(default=dict)  # hint, link, the items of a digest
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("integration", "code", "created_at"), False), (("status",), False))


class AlertDelivery(BaseModel):
    """One alert to one recipient. ``target`` is a hash of the address: webhook URLs are
    secrets (Slack's carry their token), they stay in the settings and are looked up when
    the message is sent; ``label`` is what may be shown (an address, a webhook's host)."""

    alert = ForeignKeyField(Alert, backref="deliveries", on_delete="CASCADE")
    channel = CharField(max_length=8)
    target = CharField(max_length=64)
    label = CharField(max_length=255)
    created_at = DateTimeField(default=utcnow)
    claimed_at = DateTimeField(null=True)
    claimed_by = CharField(max_length=128, null=True)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    sent_at = DateTimeField(null=True)
    failed_at = DateTimeField(null=True)  # gave up
    error = TextField(null=True)

    class Meta:
        indexes = ((("alert", "channel", "target"), True),)
