"""Runs queued by the hub itself after a shipment were recorded with trigger "webhook";
they are "shipment" runs ("webhook" is kept for runs a store's webhook starts)."""

RENAME = """UPDATE feed_run SET "trigger" = '{new}'
WHERE "trigger" = '{old}' AND feed = 'shipping_confirmation'"""


def up(migrator, db):
    db.execute_sql(RENAME.format(old="webhook", new="shipment"))


def down(migrator, db):
    db.execute_sql(RENAME.format(old="shipment", new="webhook"))
