"""Stock check discrepancies can be ignored (issue 18): the merchant keeps the hub's figure,
the difference leaves the open list and the overview's flag without a stock movement."""

from peewee import CharField, DateTimeField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("stock_discrepancy", "ignored_at", DateTimeField(null=True)),
        migrator.add_column(
            "stock_discrepancy", "ignored_by", CharField(max_length=100, null=True)
        ),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("stock_discrepancy", "ignored_by"),
        migrator.drop_column("stock_discrepancy", "ignored_at"),
    )
