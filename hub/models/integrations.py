from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from hub.models.base import BaseModel, JSONField, utcnow
from hub.models.inventory import Warehouse

MODES = ("test", "production")


class Integration(BaseModel):
    """One connected store."""

    name = CharField(unique=True, max_length=100)
    connector = CharField(max_length=64, index=True)
    base_url = CharField(max_length=512)
    mode = CharField(max_length=16, default="test")
    settings = JSONField(default=dict)  # non-secret connector settings
    secrets_encrypted = TextField(null=True)  # Fernet token of a JSON dict
    carrier_mapping = JSONField(default=dict)  # store shipping method code -> carrier
    status_mapping = JSONField(default=dict)  # store status -> hub status
    default_warehouse = ForeignKeyField(Warehouse, null=True)
    orders_since = DateTimeField(default=utcnow)  # orders created before are never imported
    timezone = CharField(max_length=64, default="UTC")
    active = BooleanField(default=True)
    stock_imported_at = DateTimeField(null=True)
    stock_checked_at = DateTimeField(null=True)
    went_live_at = DateTimeField(null=True)
    go_live_forced = BooleanField(default=False)
    go_live_notes = TextField(null=True)
    full_export_pending = BooleanField(default=False)  # the first export after go-live sends all
    # guided set-up (hub.services.setup): when a connection test last passed, and whether the
    # feeds wait, disabled, for the first one to pass (an integration added from the dashboard
    # or the API)
    connection_ok_at = DateTimeField(null=True)
    feeds_held = BooleanField(default=False)
    alert_emails = JSONField(default=list)  # who gets this integration's alerts, besides
    alert_webhooks_encrypted = TextField(null=True)  # HUB_ALERT_*; webhook URLs are secrets
    # the store's webhooks (hub.services.webhooks): {"secret", "path"} encrypted like the
    # credentials; when the subscriptions were last registered, and their topics
    webhook_secrets_encrypted = TextField(null=True)
    webhooks_registered_at = DateTimeField(null=True)
    webhook_topics = JSONField(default=list)
    # {store id: the name the store gives it} of the store-backed settings' choices (locations…),
    # read at each connection check that connects: the dashboard shows names, not ids
    setting_labels = JSONField(default=dict)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class IntegrationWarehouse(BaseModel):
    """The warehouses whose stock an integration publishes to its store."""

    integration = ForeignKeyField(Integration, backref="warehouse_links", on_delete="CASCADE")
    warehouse = ForeignKeyField(Warehouse, backref="integration_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("integration", "warehouse"), True),)


class Binding(BaseModel):
    """(integration, kind, external id) -> hub row. The unique key makes imports idempotent.

    kinds: product, product_group, order, supplier, product_supplier.
    """

    integration = ForeignKeyField(Integration, backref="bindings", on_delete="CASCADE")
    kind = CharField(max_length=32)
    external_id = CharField(max_length=255)
    hub_id = IntegerField()
    store_refs = JSONField(default=dict)
    fingerprint = CharField(max_length=64, null=True)  # hash of the last record: unchanged?
    last_seen_at = DateTimeField(default=utcnow)
    missing_since = DateTimeField(null=True)  # gone from the store (flagged, kept)
    # stock bookkeeping of product bindings (compare-and-swap, delta export)
    store_quantity = IntegerField(null=True)  # last quantity known in the store
    pushed_quantity = IntegerField(null=True)  # last target pushed successfully
    pushed_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("integration", "kind", "external_id"), True),
            (("kind", "hub_id"), False),
        )
