from peewee import CharField, DateTimeField, DecimalField, ForeignKeyField, IntegerField, TextField

from hub.models.base import BaseModel, MoneyField, utcnow

PRODUCT_STATUSES = ("active", "inactive", "missing")  # missing: gone from the store, kept


class ProductGroup(BaseModel):
    """A store's parent product (Shopify product, configurable, PrestaShop product with
    combinations): groups the stockable variants, holds no stock."""

    name = CharField(max_length=512)
    created_at = DateTimeField(default=utcnow)


class Product(BaseModel):
    """A stockable SKU. Products only come from the stores."""

    sku = CharField(unique=True, max_length=128)
    name = CharField(max_length=512, index=True)
    barcode = CharField(max_length=64, null=True, index=True)
    weight_kg = DecimalField(max_digits=12, decimal_places=4, null=True, auto_round=True)
    price = MoneyField()
    currency = CharField(max_length=3, null=True)
    parent = ForeignKeyField(ProductGroup, null=True, backref="variants", on_delete="SET NULL")
    status = CharField(max_length=16, default="active", index=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow, index=True)

    @property
    def active(self):
        return self.status == "active"


class ProductImage(BaseModel):
    product = ForeignKeyField(Product, backref="images", on_delete="CASCADE")
    path = CharField(max_length=512)  # relative to HUB_MEDIA_DIR
    sha256 = CharField(max_length=64, index=True)
    url = TextField(null=True)
    external_id = CharField(max_length=255, null=True)
    position = IntegerField(default=0)
    content_type = CharField(max_length=64, null=True)
    size = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("product", "sha256"), True),)
