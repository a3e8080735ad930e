"""Initial schema (frozen copy generated with playhouse.migrations from hub.models).

Python-side defaults (utcnow, dict) are not part of the DDL; the application models apply them.
"""

from peewee import *


def up(migrator, db):
    class Address(Model):
        name = CharField(null=True)
        company = CharField(null=True)
        address1 = CharField(null=True)
        address2 = CharField(null=True)
        city = CharField(null=True, max_length=128)
        postcode = CharField(null=True, max_length=32)
        region = CharField(null=True, max_length=128)
        country_code = CharField(null=True, max_length=2)
        phone = CharField(null=True, max_length=64)
        email = CharField(null=True)

        class Meta:
            database = db
            table_name = "address"

    db.create_tables([Address])

    class User(Model):
        username = CharField(unique=True, max_length=100)
        password_hash = CharField()
        is_admin = BooleanField(default=False)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "user"

    db.create_tables([User])

    class ApiToken(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        name = CharField(max_length=100)
        prefix = CharField(max_length=12)
        token_hash = CharField(unique=True, max_length=64)
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "api_token"

    db.create_tables([ApiToken])

    class Warehouse(Model):
        name = CharField(unique=True, max_length=100)
        code = CharField(unique=True, max_length=32)
        active = BooleanField(default=True)
        is_default = BooleanField(default=False)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "warehouse"

    db.create_tables([Warehouse])

    class Integration(Model):
        name = CharField(unique=True, max_length=100)
        connector = CharField(index=True, max_length=64)
        base_url = CharField(max_length=512)
        mode = CharField(max_length=16, default="test")
        settings = TextField()
        secrets_encrypted = TextField(null=True)
        carrier_mapping = TextField()
        status_mapping = TextField()
        default_warehouse = ForeignKeyField(Warehouse, null=True)
        orders_since = DateTimeField()
        timezone = CharField(max_length=64, default="UTC")
        active = BooleanField(default=True)
        stock_imported_at = DateTimeField(null=True)
        stock_checked_at = DateTimeField(null=True)
        went_live_at = DateTimeField(null=True)
        go_live_forced = BooleanField(default=False)
        go_live_notes = TextField(null=True)
        full_export_pending = BooleanField(default=False)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "integration"

    db.create_tables([Integration])

    class Binding(Model):
        integration = ForeignKeyField(Integration, on_delete="CASCADE")
        kind = CharField(max_length=32)
        external_id = CharField()
        hub_id = IntegerField()
        store_refs = TextField()
        fingerprint = CharField(null=True, max_length=64)
        last_seen_at = DateTimeField()
        missing_since = DateTimeField(null=True)
        store_quantity = IntegerField(null=True)
        pushed_quantity = IntegerField(null=True)
        pushed_at = DateTimeField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "binding"
            indexes = ((("integration", "kind", "external_id"), True), (("kind", "hub_id"), False))

    db.create_tables([Binding])

    class Checkpoint(Model):
        integration = ForeignKeyField(Integration, on_delete="CASCADE")
        feed = CharField(max_length=64)
        value = TextField(null=True)
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "checkpoint"
            indexes = ((("integration", "feed"), True),)

    db.create_tables([Checkpoint])

    class FeedRun(Model):
        integration = ForeignKeyField(Integration, on_delete="CASCADE")
        feed = CharField(max_length=64)
        trigger = CharField(max_length=16, default="manual")
        status = CharField(max_length=32, default="queued")
        queued_at = DateTimeField()
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
        params = TextField()
        worker = CharField(null=True, max_length=128)
        task_id = CharField(null=True, max_length=64)

        class Meta:
            database = db
            table_name = "feed_run"
            indexes = (
                (("integration", "feed", "queued_at"), False),
                (("status", "queued_at"), False),
                (("queued_at",), False),
            )

    db.create_tables([FeedRun])

    class Event(Model):
        integration = ForeignKeyField(Integration, on_delete="CASCADE")
        feed = CharField(null=True, max_length=64)
        severity = CharField(max_length=8)
        code = CharField(max_length=64)
        reference = CharField(default="")
        external_id = CharField(null=True)
        message = TextField()
        hint = TextField(null=True)
        details = TextField()
        count = IntegerField(default=1)
        first_seen = DateTimeField()
        last_seen = DateTimeField(index=True)
        last_run = ForeignKeyField(FeedRun, null=True, on_delete="SET NULL")
        resolved_at = DateTimeField(null=True)
        resolved_by = CharField(null=True, max_length=100)

        class Meta:
            database = db
            table_name = "event"
            indexes = (
                (("integration", "code", "reference"), True),
                (("severity", "resolved_at"), False),
            )

    db.create_tables([Event])

    class FeedLease(Model):
        integration = ForeignKeyField(Integration, on_delete="CASCADE")
        feed = CharField(max_length=64)
        holder = CharField(null=True, max_length=128)
        run_id = IntegerField(null=True)
        expires_at = DateTimeField(null=True)
        heartbeat_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "feed_lease"
            indexes = ((("integration", "feed"), True),)

    db.create_tables([FeedLease])

    class FeedSetting(Model):
        integration = ForeignKeyField(Integration, on_delete="CASCADE")
        feed = CharField(max_length=64)
        enabled = BooleanField(default=True)
        cron = CharField(null=True, max_length=128)
        timezone = CharField(max_length=64, default="UTC")
        next_run_at = DateTimeField(index=True, null=True)
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "feed_setting"
            indexes = ((("integration", "feed"), True),)

    db.create_tables([FeedSetting])

    class HeldRecord(Model):
        integration = ForeignKeyField(Integration, on_delete="CASCADE")
        kind = CharField(max_length=32, default="order")
        external_id = CharField()
        reference = CharField()
        reason = CharField(max_length=64)
        status = CharField(max_length=16, default="held")
        payload = TextField()
        ordered_at = DateTimeField(null=True)
        held_at = DateTimeField()
        last_checked_at = DateTimeField(null=True)
        next_check_at = DateTimeField(index=True, null=True)
        checks = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "held_record"
            indexes = (
                (("integration", "kind", "external_id"), True),
                (("status", "next_check_at"), False),
            )

    db.create_tables([HeldRecord])

    class IntegrationWarehouse(Model):
        integration = ForeignKeyField(Integration, on_delete="CASCADE")
        warehouse = ForeignKeyField(Warehouse, on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "integration_warehouse"
            indexes = ((("integration", "warehouse"), True),)

    db.create_tables([IntegrationWarehouse])

    class Order(Model):
        integration = ForeignKeyField(Integration, on_delete="CASCADE")
        external_id = CharField()
        number = CharField(index=True, max_length=64)
        status = CharField(max_length=32, default="to_ship")
        paid = BooleanField(default=True)
        store_status = CharField(null=True, max_length=64)
        currency = CharField(null=True, max_length=3)
        total = DecimalField(null=True, max_digits=14, decimal_places=4)
        customer_email = CharField(null=True)
        shipping_method_code = CharField(null=True)
        shipping_method_title = CharField(null=True)
        carrier = CharField(null=True, max_length=128)
        shipping_address = ForeignKeyField(Address, null=True)
        billing_address = ForeignKeyField(Address, null=True)
        warehouse = ForeignKeyField(Warehouse, null=True)
        ordered_at = DateTimeField()
        imported_at = DateTimeField()
        updated_at = DateTimeField()
        cancelled_at = DateTimeField(null=True)
        shipped_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "order"
            indexes = (
                (("integration", "external_id"), True),
                (("status", "ordered_at"), False),
                (("ordered_at",), False),
            )

    db.create_tables([Order])

    class ProductGroup(Model):
        name = CharField(max_length=512)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "product_group"

    db.create_tables([ProductGroup])

    class Product(Model):
        sku = CharField(unique=True, max_length=128)
        name = CharField(index=True, max_length=512)
        barcode = CharField(index=True, null=True, max_length=64)
        weight_kg = DecimalField(null=True, max_digits=12, decimal_places=4)
        price = DecimalField(null=True, max_digits=14, decimal_places=4)
        currency = CharField(null=True, max_length=3)
        parent = ForeignKeyField(ProductGroup, null=True, on_delete="SET NULL")
        status = CharField(index=True, max_length=16, default="active")
        created_at = DateTimeField()
        updated_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "product"

    db.create_tables([Product])

    class OrderLine(Model):
        order = ForeignKeyField(Order, on_delete="CASCADE")
        product = ForeignKeyField(Product, null=True)
        external_id = CharField()
        sku = CharField(max_length=128)
        name = CharField(null=True, max_length=512)
        quantity = IntegerField()
        shipped_quantity = IntegerField(default=0)
        price = DecimalField(null=True, max_digits=14, decimal_places=4)

        class Meta:
            database = db
            table_name = "order_line"

    db.create_tables([OrderLine])

    class OutboxItem(Model):
        run = ForeignKeyField(FeedRun, on_delete="CASCADE")
        key = CharField()
        payload = TextField()
        sent = BooleanField(default=False)
        status = CharField(null=True, max_length=16)
        message = TextField(null=True)

        class Meta:
            database = db
            table_name = "outbox_item"

    db.create_tables([OutboxItem])

    class ProductImage(Model):
        product = ForeignKeyField(Product, on_delete="CASCADE")
        path = CharField(max_length=512)
        sha256 = CharField(index=True, max_length=64)
        url = TextField(null=True)
        external_id = CharField(null=True)
        position = IntegerField(default=0)
        content_type = CharField(null=True, max_length=64)
        size = IntegerField(default=0)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "product_image"
            indexes = ((("product", "sha256"), True),)

    db.create_tables([ProductImage])

    class Supplier(Model):
        name = CharField(index=True)
        email = CharField(null=True)
        phone = CharField(null=True, max_length=64)
        lead_time_days = IntegerField(default=7)
        active = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "supplier"

    db.create_tables([Supplier])

    class ProductSupplier(Model):
        product = ForeignKeyField(Product, on_delete="CASCADE")
        supplier = ForeignKeyField(Supplier, on_delete="CASCADE")
        supplier_reference = CharField(null=True, max_length=128)
        price = DecimalField(null=True, max_digits=14, decimal_places=4)
        currency = CharField(null=True, max_length=3)
        min_order_qty = IntegerField(default=1)
        lead_time_days = IntegerField(null=True)
        preferred = BooleanField(default=False)

        class Meta:
            database = db
            table_name = "product_supplier"
            indexes = ((("product", "supplier"), True),)

    db.create_tables([ProductSupplier])

    class PurchaseOrder(Model):
        number = CharField(unique=True, max_length=32)
        supplier = ForeignKeyField(Supplier)
        warehouse = ForeignKeyField(Warehouse, null=True)
        status = CharField(index=True, max_length=32, default="draft")
        notes = TextField(null=True)
        created_by = CharField(null=True, max_length=100)
        created_at = DateTimeField()
        ordered_at = DateTimeField(null=True)
        expected_at = DateTimeField(null=True)
        received_at = DateTimeField(null=True)
        cancelled_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "purchase_order"

    db.create_tables([PurchaseOrder])

    class PurchaseOrderLine(Model):
        purchase_order = ForeignKeyField(PurchaseOrder, on_delete="CASCADE")
        product = ForeignKeyField(Product)
        quantity = IntegerField()
        received_quantity = IntegerField(default=0)
        unit_price = DecimalField(null=True, max_digits=14, decimal_places=4)
        supplier_reference = CharField(null=True, max_length=128)

        class Meta:
            database = db
            table_name = "purchase_order_line"

    db.create_tables([PurchaseOrderLine])

    class RunLog(Model):
        run = ForeignKeyField(FeedRun, on_delete="CASCADE")
        event = ForeignKeyField(Event, null=True, on_delete="SET NULL")
        severity = CharField(max_length=8)
        code = CharField(max_length=64)
        reference = CharField(null=True)
        message = TextField()
        hint = TextField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "run_log"

    db.create_tables([RunLog])

    class Shipment(Model):
        order = ForeignKeyField(Order, on_delete="CASCADE")
        warehouse = ForeignKeyField(Warehouse)
        carrier = CharField(max_length=128)
        tracking_number = CharField()
        tracking_url = TextField(null=True)
        created_at = DateTimeField()
        created_by = CharField(null=True, max_length=100)
        confirmation_status = CharField(index=True, max_length=16, default="pending")
        confirmed_at = DateTimeField(null=True)
        confirmation_ref = CharField(null=True)
        confirmation_attempts = IntegerField(default=0)
        last_error = TextField(null=True)

        class Meta:
            database = db
            table_name = "shipment"

    db.create_tables([Shipment])

    class ShipmentLine(Model):
        shipment = ForeignKeyField(Shipment, on_delete="CASCADE")
        order_line = ForeignKeyField(OrderLine)
        product = ForeignKeyField(Product, null=True)
        quantity = IntegerField()

        class Meta:
            database = db
            table_name = "shipment_line"

    db.create_tables([ShipmentLine])

    class StockDiscrepancy(Model):
        run = ForeignKeyField(FeedRun, on_delete="CASCADE")
        product = ForeignKeyField(Product, null=True, on_delete="SET NULL")
        sku = CharField(max_length=128)
        hub_quantity = IntegerField()
        store_quantity = IntegerField()
        difference = IntegerField()
        applied_at = DateTimeField(null=True)
        applied_by = CharField(null=True, max_length=100)

        class Meta:
            database = db
            table_name = "stock_discrepancy"

    db.create_tables([StockDiscrepancy])

    class StockLevel(Model):
        product = ForeignKeyField(Product, on_delete="CASCADE")
        warehouse = ForeignKeyField(Warehouse)
        on_hand = IntegerField(default=0)
        reserved = IntegerField(default=0)
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "stock_level"
            indexes = ((("product", "warehouse"), True),)

    db.create_tables([StockLevel])

    class StockMovement(Model):
        product = ForeignKeyField(Product, on_delete="CASCADE")
        warehouse = ForeignKeyField(Warehouse)
        type = CharField(max_length=32)
        quantity = IntegerField(default=0)
        reserved_change = IntegerField(default=0)
        on_hand_after = IntegerField()
        reserved_after = IntegerField()
        reference_type = CharField(null=True, max_length=32)
        reference_id = IntegerField(null=True)
        reference = CharField(null=True)
        reason = TextField(null=True)
        user = CharField(null=True, max_length=100)
        run_id = IntegerField(null=True)
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "stock_movement"
            indexes = (
                (("product", "created_at"), False),
                (("reference_type", "reference_id"), False),
            )

    db.create_tables([StockMovement])

    class WorkerHeartbeat(Model):
        worker_id = CharField(unique=True, max_length=128)
        hostname = CharField()
        pid = IntegerField()
        scheduler = BooleanField(default=False)
        started_at = DateTimeField()
        seen_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "worker_heartbeat"

    db.create_tables([WorkerHeartbeat])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("worker_heartbeat"))
    migrator.migrate(migrator.drop_table("stock_movement"))
    migrator.migrate(migrator.drop_table("stock_level"))
    migrator.migrate(migrator.drop_table("stock_discrepancy"))
    migrator.migrate(migrator.drop_table("shipment_line"))
    migrator.migrate(migrator.drop_table("shipment"))
    migrator.migrate(migrator.drop_table("run_log"))
    migrator.migrate(migrator.drop_table("purchase_order_line"))
    migrator.migrate(migrator.drop_table("purchase_order"))
    migrator.migrate(migrator.drop_table("product_supplier"))
    migrator.migrate(migrator.drop_table("supplier"))
    migrator.migrate(migrator.drop_table("product_image"))
    migrator.migrate(migrator.drop_table("outbox_item"))
    migrator.migrate(migrator.drop_table("order_line"))
    migrator.migrate(migrator.drop_table("product"))
    migrator.migrate(migrator.drop_table("product_group"))
    migrator.migrate(migrator.drop_table("order"))
    migrator.migrate(migrator.drop_table("integration_warehouse"))
    migrator.migrate(migrator.drop_table("held_record"))
    migrator.migrate(migrator.drop_table("feed_setting"))
    migrator.migrate(migrator.drop_table("feed_lease"))
    migrator.migrate(migrator.drop_table("event"))
    migrator.migrate(migrator.drop_table("feed_run"))
    migrator.migrate(migrator.drop_table("checkpoint"))
    migrator.migrate(migrator.drop_table("binding"))
    migrator.migrate(migrator.drop_table("integration"))
    migrator.migrate(migrator.drop_table("warehouse"))
    migrator.migrate(migrator.drop_table("api_token"))
    migrator.migrate(migrator.drop_table("user"))
    migrator.migrate(migrator.drop_table("address"))
