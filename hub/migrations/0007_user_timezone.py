"""Each user's time zone for the dashboard's times (issue 18): an IANA name, or null for the
browser's (the dashboard reads it from the ``hub_tz`` cookie hub.js sets)."""

from peewee import CharField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("user", "timezone", CharField(max_length=64, null=True)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("user", "timezone"))
