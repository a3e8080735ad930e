from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from hub.models.base import BaseModel, MoneyField, utcnow
from hub.models.catalog import Product
from hub.models.integrations import Integration
from hub.models.inventory import Warehouse

ORDER_STATUSES = ("to_ship", "partially_shipped", "shipped", "cancelled")
OPEN_ORDER_STATUSES = ("to_ship", "partially_shipped")  # still to ship: stock reserved
CONFIRMATION_STATUSES = ("pending", "confirmed", "failed", "not_sent")


class Address(BaseModel):
    name = CharField(max_length=255, null=True)
    company = CharField(max_length=255, null=True)
    address1 = CharField(max_length=255, null=True)
    address2 = CharField(max_length=255, null=True)
    city = CharField(max_length=128, null=True)
    postcode = CharField(max_length=32, null=True)
    region = CharField(max_length=128, null=True)
    country_code = CharField(max_length=2, null=True)
    phone = CharField(max_length=64, null=True)
    email = CharField(max_length=255, null=True)


class Order(BaseModel):
    integration = ForeignKeyField(Integration, backref="orders", on_delete="CASCADE")
    external_id = CharField(max_length=255)
    number = CharField(max_length=64, index=True)
    status = CharField(max_length=32, default="to_ship")
    paid = BooleanField(default=True)
    store_status = CharField(max_length=64, null=True)
    currency = CharField(max_length=3, null=True)
    total = MoneyField()
    customer_email = CharField(max_length=255, null=True)
    shipping_method_code = CharField(max_length=255, null=True)
    shipping_method_title = CharField(max_length=255, null=True)
    carrier = CharField(max_length=128, null=True)
    shipping_address = ForeignKeyField(Address, null=True)
    billing_address = ForeignKeyField(Address, null=True)
    warehouse = ForeignKeyField(Warehouse, null=True)  # where its stock is reserved
    ordered_at = DateTimeField()
    imported_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    cancelled_at = DateTimeField(null=True)
    shipped_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("integration", "external_id"), True),
            (("status", "ordered_at"), False),
            (("ordered_at",), False),
        )


class OrderLine(BaseModel):
    order = ForeignKeyField(Order, backref="lines", on_delete="CASCADE")
    product = ForeignKeyField(Product, null=True, backref="order_lines")
    external_id = CharField(max_length=255)
    sku = CharField(max_length=128, index=True)  # the orders search by SKU
    name = CharField(max_length=512, null=True)
    quantity = IntegerField()
    shipped_quantity = IntegerField(default=0)
    price = MoneyField()

    @property
    def remaining(self):
        return self.quantity - self.shipped_quantity


class Shipment(BaseModel):
    order = ForeignKeyField(Order, backref="shipments", on_delete="CASCADE")
    warehouse = ForeignKeyField(Warehouse)
    carrier = CharField(max_length=128)
    tracking_number = CharField(max_length=255)
    tracking_url = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    created_by = CharField(max_length=100, null=True)
    confirmation_status = CharField(max_length=16, default="pending", index=True)
    confirmed_at = DateTimeField(null=True)
    confirmation_ref = CharField(max_length=255, null=True)  # the store's shipment id
    confirmation_attempts = IntegerField(default=0)
    last_error = TextField(null=True)


class ShipmentLine(BaseModel):
    shipment = ForeignKeyField(Shipment, backref="lines", on_delete="CASCADE")
    order_line = ForeignKeyField(OrderLine, backref="shipment_lines")
    product = ForeignKeyField(Product, null=True)
    quantity = IntegerField()
