"""The names a store gives the ids of an integration's store-backed settings (its locations…),
so that the dashboard shows "Back room", not ``gid://shopify/Location/7`` (issue 18). Read from
the store at each passing connection check and kept here: every web process shows them, and
after a restart too. JSON text, as ``hub.models.base.JSONField`` stores it."""

from peewee import TextField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("integration", "setting_labels", TextField(default="{}")),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("integration", "setting_labels"))
