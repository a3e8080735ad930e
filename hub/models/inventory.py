from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from hub.models.base import BaseModel, utcnow
from hub.models.catalog import Product

MOVEMENT_TYPES = (
    "initial_import",
    "adjustment",
    "reservation",
    "release",
    "shipment",
    "receipt",
    "transfer_out",
    "transfer_in",
    "stock_check_correction",
    "set",
)


class Warehouse(BaseModel):
    name = CharField(unique=True, max_length=100)
    code = CharField(unique=True, max_length=32)
    active = BooleanField(default=True)
    is_default = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)


class StockLevel(BaseModel):
    """Product x warehouse. Changed only by atomic UPDATE … SET x = x + ? in hub.services.stock."""

    product = ForeignKeyField(Product, backref="stock_levels", on_delete="CASCADE")
    warehouse = ForeignKeyField(Warehouse, backref="stock_levels")
    on_hand = IntegerField(default=0)
    reserved = IntegerField(default=0)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("product", "warehouse"), True),)

    @property
    def available(self):
        return self.on_hand - self.reserved


class StockMovement(BaseModel):
    """The ledger: on_hand of a level always equals the sum of its movements' quantity."""

    product = ForeignKeyField(Product, backref="movements", on_delete="CASCADE")
    warehouse = ForeignKeyField(Warehouse, backref="movements")
    type = CharField(max_length=32)
    quantity = IntegerField(default=0)  # change of on_hand
    reserved_change = IntegerField(default=0)  # change of reserved
    on_hand_after = IntegerField()
    reserved_after = IntegerField()
    reference_type = CharField(max_length=32, null=True)  # order, shipment, purchase_order, run
    reference_id = IntegerField(null=True)
    reference = CharField(max_length=255, null=True)  # human: order number, PO number
    reason = TextField(null=True)
    user = CharField(max_length=100, null=True)
    run_id = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = (
            (("product", "created_at"), False),
            (("reference_type", "reference_id"), False),
        )
