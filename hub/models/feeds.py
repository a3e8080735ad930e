from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from hub.models.base import BaseModel, JSONField, utcnow
from hub.models.catalog import Product
from hub.models.integrations import Integration

RUN_STATUSES = ("queued", "running", "succeeded", "succeeded_with_errors", "failed", "skipped")
FINAL_STATUSES = ("succeeded", "succeeded_with_errors", "failed", "skipped")
# "shipment": queued by the hub itself after a shipment (shipping_confirmation);
# "webhook": reserved for runs a store's webhook starts
TRIGGERS = ("schedule", "manual", "retry", "shipment", "webhook")
SEVERITIES = ("info", "retry", "error")
HELD_STATUSES = ("held", "expired")  # expired: no longer re-checked, stock still reserved


class FeedSetting(BaseModel):
    integration = ForeignKeyField(Integration, backref="feed_settings", on_delete="CASCADE")
    feed = CharField(max_length=64)
    enabled = BooleanField(default=True)
    cron = CharField(max_length=128, null=True)  # None: manual only
    timezone = CharField(max_length=64, default="UTC")
    next_run_at = DateTimeField(null=True, index=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("integration", "feed"), True),)


class Checkpoint(BaseModel):
    integration = ForeignKeyField(Integration, on_delete="CASCADE")
    feed = CharField(max_length=64)
    value = TextField(null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("integration", "feed"), True),)


class FeedRun(BaseModel):
    integration = ForeignKeyField(Integration, backref="runs", on_delete="CASCADE")
    feed = CharField(max_length=64)
    trigger = CharField(max_length=16, default="manual")
    status = CharField(max_length=32, default="queued")
    queued_at = DateTimeField(default=utcnow)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    attempts = IntegerField(default=0)
    created = IntegerField(default=0)
    updated = IntegerField(default=0)
    unchanged = IntegerField(default=0)
    skipped = IntegerField(default=0)
    failed = IntegerField(default=0)
    processed = IntegerField(default=0)
    total = IntegerField(null=True)
    progress_at = DateTimeField(null=True)
    message = TextField(null=True)
    params = JSONField(default=dict)  # force, record ids for a targeted retry…
    worker = CharField(max_length=128, null=True)
    task_id = CharField(max_length=64, null=True)

    class Meta:
        indexes = (
            (("integration", "feed", "queued_at"), False),
            (("status", "queued_at"), False),
            (("queued_at",), False),
        )

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def counts(self):
        return {
            k: getattr(self, k) for k in ("created", "updated", "unchanged", "skipped", "failed")
        }


class Event(BaseModel):
    """A problem, deduplicated on (integration, code, reference): the bell counts these."""

    integration = ForeignKeyField(Integration, backref="events", on_delete="CASCADE")
    feed = CharField(max_length=64, null=True)
    severity = CharField(max_length=8)
    code = CharField(max_length=64)
    reference = CharField(max_length=255, default="")
    external_id = CharField(max_length=255, null=True)
    message = TextField()
    hint = TextField(null=True)
    details = JSONField(default=dict)
    count = IntegerField(default=1)
    first_seen = DateTimeField(default=utcnow)
    last_seen = DateTimeField(default=utcnow, index=True)
    last_run = ForeignKeyField(FeedRun, null=True, on_delete="SET NULL")
    resolved_at = DateTimeField(null=True)
    resolved_by = CharField(max_length=100, null=True)

    class Meta:
        indexes = (
            (("integration", "code", "reference"), True),
            (("severity", "resolved_at"), False),
        )

    @property
    def resolved(self):
        return self.resolved_at is not None


class RunLog(BaseModel):
    """One line of a run's log (every occurrence, while Event keeps one row per problem)."""

    run = ForeignKeyField(FeedRun, backref="log", on_delete="CASCADE")
    event = ForeignKeyField(Event, null=True, on_delete="SET NULL")
    severity = CharField(max_length=8)
    code = CharField(max_length=64)
    reference = CharField(max_length=255, null=True)
    message = TextField()
    hint = TextField(null=True)
    created_at = DateTimeField(default=utcnow)


class OutboxItem(BaseModel):
    """What an outbound run sent, or in test mode would have sent (the outbox preview)."""

    run = ForeignKeyField(FeedRun, backref="outbox", on_delete="CASCADE")
    key = CharField(max_length=255)
    payload = JSONField()
    sent = BooleanField(default=False)
    status = CharField(max_length=16, null=True)
    message = TextField(null=True)


class StockDiscrepancy(BaseModel):
    run = ForeignKeyField(FeedRun, backref="discrepancies", on_delete="CASCADE")
    product = ForeignKeyField(Product, null=True, on_delete="SET NULL")
    sku = CharField(max_length=128)
    hub_quantity = IntegerField()
    store_quantity = IntegerField()
    difference = IntegerField()
    applied_at = DateTimeField(null=True)
    applied_by = CharField(max_length=100, null=True)
    ignored_at = DateTimeField(null=True)  # the merchant kept the hub's figure
    ignored_by = CharField(max_length=100, null=True)


class HeldRecord(BaseModel):
    """An order put aside (awaiting payment); retry_orders re-checks it."""

    integration = ForeignKeyField(Integration, backref="held", on_delete="CASCADE")
    kind = CharField(max_length=32, default="order")
    external_id = CharField(max_length=255)
    reference = CharField(max_length=255)
    reason = CharField(max_length=64)
    status = CharField(max_length=16, default="held")  # held, imported, released, expired
    payload = JSONField(default=dict)  # the last record seen
    ordered_at = DateTimeField(null=True)
    held_at = DateTimeField(default=utcnow)
    last_checked_at = DateTimeField(null=True)
    next_check_at = DateTimeField(null=True, index=True)
    checks = IntegerField(default=0)

    class Meta:
        indexes = (
            (("integration", "kind", "external_id"), True),
            (("status", "next_check_at"), False),
        )


class FeedLease(BaseModel):
    """Exclusion per (integration, feed), renewed by a heartbeat while a run lasts."""

    integration = ForeignKeyField(Integration, on_delete="CASCADE")
    feed = CharField(max_length=64)
    holder = CharField(max_length=128, null=True)
    run_id = IntegerField(null=True)
    expires_at = DateTimeField(null=True)
    heartbeat_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("integration", "feed"), True),)


class WorkerHeartbeat(BaseModel):
    worker_id = CharField(unique=True, max_length=128)
    hostname = CharField(max_length=255)
    pid = IntegerField()
    scheduler = BooleanField(default=False)
    started_at = DateTimeField(default=utcnow)
    seen_at = DateTimeField(default=utcnow, index=True)
    stopped_at = DateTimeField(null=True)  # a clean stop: not "missing"
