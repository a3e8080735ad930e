"""An index on the order lines' SKU (issue 18): the orders list finds orders by a SKU (the
dashboard's search, the API's ``?q=``) with an index look-up, not a scan of every line."""


def up(migrator, db):
    migrator.migrate(migrator.add_index("order_line", ("sku",), False))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("order_line", "order_line_sku"))
