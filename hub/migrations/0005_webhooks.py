"""Webhooks (issue 15 §3): the delivery table (dedup, debounce), and per integration the
encrypted webhook secret and secret path, and when its subscriptions were last registered."""

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def up(migrator, db):
    class Integration(Model):
        id = IntegerField(primary_key=True)

        class Meta:
            database = db
            table_name = "integration"

    class FeedRun(Model):
        id = IntegerField(primary_key=True)

        class Meta:
            database = db
            table_name = "feed_run"

    class WebhookDelivery(Model):
        integration = ForeignKeyField(Integration, on_delete="CASCADE")
        delivery_id = CharField(max_length=255)
        event = CharField(max_length=32)
        feed = CharField(max_length=64, null=True)
        external_ids = TextField()
        received_at = DateTimeField()
        run = ForeignKeyField(FeedRun, null=True, on_delete="SET NULL")

        class Meta:
            database = db
            table_name = "webhook_delivery"
            indexes = (
                (("integration", "delivery_id"), True),
                (("integration", "feed", "run"), False),
                (("received_at",), False),
            )

    db.create_tables([WebhookDelivery])
    migrator.migrate(
        migrator.add_column("integration", "webhook_secrets_encrypted", TextField(null=True)),
        migrator.add_column("integration", "webhooks_registered_at", DateTimeField(null=True)),
        migrator.add_column("integration", "webhook_topics", TextField(default="[]")),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("integration", "webhook_topics"),
        migrator.drop_column("integration", "webhooks_registered_at"),
        migrator.drop_column("integration", "webhook_secrets_encrypted"),
        migrator.drop_table("webhook_delivery"),
    )
