"""Alerts (issue 14 §3): what was sent to whom and when; per-integration recipients; a
clean stop of a worker is recorded (a stopped worker is not "missing")."""

from peewee import (
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    class Integration(Model):
        id = IntegerField(primary_key=True)

        class Meta:
            database = db
            table_name = "integration"

    class Event(Model):
        id = IntegerField(primary_key=True)

        class Meta:
            database = db
            table_name = "event"

    class Alert(Model):
        key = CharField(max_length=255, unique=True)
        kind = CharField(max_length=16)
        status = CharField(max_length=16, default="pending")
        integration = ForeignKeyField(Integration, null=True, on_delete="CASCADE")
        code = CharField(max_length=128)
        event = ForeignKeyField(Event, null=True, on_delete="SET NULL")
        event_closed_at = DateTimeField(null=True)
        subject = CharField(max_length=255)
        text = TextField()
        details = TextField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "alert"
            indexes = ((("integration", "code", "created_at"), False), (("status",), False))

    class AlertDelivery(Model):
        alert = ForeignKeyField(Alert, on_delete="CASCADE")
        channel = CharField(max_length=8)
        target = CharField(max_length=64)
        label = CharField(max_length=255)
        created_at = DateTimeField()
        claimed_at = DateTimeField(null=True)
        claimed_by = CharField(max_length=128, null=True)
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(index=True)
        sent_at = DateTimeField(null=True)
        failed_at = DateTimeField(null=True)
        error = TextField(null=True)

        class Meta:
            database = db
            table_name = "alert_delivery"
            indexes = ((("alert", "channel", "target"), True),)

    db.create_tables([Alert, AlertDelivery])
    migrator.migrate(
        migrator.add_column("integration", "alert_emails", TextField(default="[]")),
        migrator.add_column("integration", "alert_webhooks_encrypted", TextField(null=True)),
        migrator.add_column("worker_heartbeat", "stopped_at", DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("worker_heartbeat", "stopped_at"),
        migrator.drop_column("integration", "alert_webhooks_encrypted"),
        migrator.drop_column("integration", "alert_emails"),
        migrator.drop_table("alert_delivery"),
        migrator.drop_table("alert"),
    )
