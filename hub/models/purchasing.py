from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from hub.models.base import BaseModel, MoneyField, utcnow
from hub.models.catalog import Product
from hub.models.inventory import Warehouse

PO_STATUSES = ("draft", "ordered", "partially_received", "received", "cancelled")
OPEN_PO_STATUSES = ("draft", "ordered", "partially_received")


class Supplier(BaseModel):
    name = CharField(max_length=255, index=True)
    email = CharField(max_length=255, null=True)
    phone = CharField(max_length=64, null=True)
    lead_time_days = IntegerField(default=7)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class ProductSupplier(BaseModel):
    product = ForeignKeyField(Product, backref="supplier_links", on_delete="CASCADE")
    supplier = ForeignKeyField(Supplier, backref="product_links", on_delete="CASCADE")
    supplier_reference = CharField(max_length=128, null=True)
    price = MoneyField()
    currency = CharField(max_length=3, null=True)
    min_order_qty = IntegerField(default=1)
    lead_time_days = IntegerField(null=True)  # None: the supplier's
    preferred = BooleanField(default=False)

    class Meta:
        indexes = ((("product", "supplier"), True),)


class PurchaseOrder(BaseModel):
    number = CharField(unique=True, max_length=32)
    supplier = ForeignKeyField(Supplier, backref="purchase_orders")
    warehouse = ForeignKeyField(Warehouse, null=True)
    status = CharField(max_length=32, default="draft", index=True)
    notes = TextField(null=True)
    created_by = CharField(max_length=100, null=True)
    created_at = DateTimeField(default=utcnow)
    ordered_at = DateTimeField(null=True)
    expected_at = DateTimeField(null=True)
    received_at = DateTimeField(null=True)
    cancelled_at = DateTimeField(null=True)


class PurchaseOrderLine(BaseModel):
    purchase_order = ForeignKeyField(PurchaseOrder, backref="lines", on_delete="CASCADE")
    product = ForeignKeyField(Product, backref="purchase_lines")
    quantity = IntegerField()
    received_quantity = IntegerField(default=0)
    unit_price = MoneyField()
    supplier_reference = CharField(max_length=128, null=True)

    @property
    def remaining(self):
        return self.quantity - self.received_quantity
