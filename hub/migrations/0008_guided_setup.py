"""Guided set-up (issue 18): an integration added from the dashboard or the API waits with its
feeds disabled until a connection test passes (``feeds_held``), and remembers when its
connection last passed a test (``connection_ok_at``, the checklist's first step)."""

from peewee import BooleanField, DateTimeField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("integration", "connection_ok_at", DateTimeField(null=True)),
        migrator.add_column("integration", "feeds_held", BooleanField(default=False)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("integration", "feeds_held"),
        migrator.drop_column("integration", "connection_ok_at"),
    )
