"""Shopify payloads -> hub records.

The marshmallow schemas below describe the Shopify payloads the connector reads (``data_key``
for Shopify's camelCase names, ``unknown = EXCLUDE``). They are the reference for what a valid
payload is, and they produce the field-level messages of an ``Invalid`` outcome.

Product variants come by the ten thousand from bulk operations, so ``variant_record`` first
tries a hand-written fast path that accepts exactly what the schema accepts in the common
case; anything unusual (no SKU, a weight that is not a number, a missing price…) goes through
the schema, whose errors become the ``Invalid`` outcome, named with the hub's field names.
"""

from decimal import Decimal, InvalidOperation

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from hub import Invalid
from hub.toolkit import KeysetCursor

KG_PER_UNIT = {
    "GRAMS": Decimal("0.001"),
    "KILOGRAMS": Decimal("1"),
    "POUNDS": Decimal("0.45359237"),
    "OUNCES": Decimal("0.028349523125"),
}
GRAM = Decimal("0.001")
PAID_STATUSES = {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}


class ShopifySchema(Schema):
    class Meta:
        unknown = EXCLUDE


class WeightSchema(ShopifySchema):
    unit = fields.String(required=True, validate=validate.OneOf(tuple(KG_PER_UNIT)))
    value = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0))


class MeasurementSchema(ShopifySchema):
    weight = fields.Nested(WeightSchema, allow_none=True, load_default=None)


class InventoryItemSchema(ShopifySchema):
    id = fields.String(required=True)
    measurement = fields.Nested(MeasurementSchema, allow_none=True, load_default=None)


class VariantSchema(ShopifySchema):
    id = fields.String(required=True)
    sku = fields.String(
        required=True, validate=validate.Length(min=1, max=128), error_messages={"null": "missing"}
    )
    barcode = fields.String(allow_none=True, load_default=None)
    price = fields.Decimal(required=True, allow_nan=False)
    title = fields.String(required=True)
    updated_at = fields.String(data_key="updatedAt", allow_none=True, load_default=None)
    inventory_item = fields.Nested(InventoryItemSchema, data_key="inventoryItem", required=True)
    parent_id = fields.String(data_key="__parentId", allow_none=True, load_default=None)


class ProductSchema(ShopifySchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.String(data_key="createdAt", load_default=None)
    updated_at = fields.String(data_key="updatedAt", load_default=None)


def _decimal_string(value):
    try:
        Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError("Not a valid decimal amount.") from None


class MoneySchema(ShopifySchema):
    amount = fields.String(required=True, validate=_decimal_string)


class MoneyBagSchema(ShopifySchema):
    shop_money = fields.Nested(MoneySchema, data_key="shopMoney", required=True)


class LineSchema(ShopifySchema):
    id = fields.String(required=True)
    sku = fields.String(allow_none=True, load_default=None)
    name = fields.String(allow_none=True, load_default=None)
    quantity = fields.Integer(required=True)
    variant = fields.Dict(allow_none=True, load_default=None)
    price = fields.Nested(
        MoneyBagSchema, data_key="originalUnitPriceSet", allow_none=True, load_default=None
    )


class OrderSchema(ShopifySchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(allow_none=True, load_default=None)
    created_at = fields.String(data_key="createdAt", required=True)
    updated_at = fields.String(data_key="updatedAt", required=True)
    cancelled_at = fields.String(data_key="cancelledAt", allow_none=True, load_default=None)
    financial = fields.String(data_key="displayFinancialStatus", allow_none=True, load_default=None)
    fulfillment = fields.String(
        data_key="displayFulfillmentStatus", allow_none=True, load_default=None
    )
    currency = fields.String(data_key="currencyCode", allow_none=True, load_default=None)
    total = fields.Nested(
        MoneyBagSchema, data_key="totalPriceSet", allow_none=True, load_default=None
    )
    shipping_line = fields.Dict(data_key="shippingLine", allow_none=True, load_default=None)
    # MailingAddresses, read by _address: the hub validates them as AddressRecords
    shipping_address = fields.Dict(data_key="shippingAddress", allow_none=True, load_default=None)
    billing_address = fields.Dict(data_key="billingAddress", allow_none=True, load_default=None)


VARIANT = VariantSchema()
PRODUCT = ProductSchema()
ORDER = OrderSchema()
LINE = LineSchema()

# Shopify field (a path element of the payload) -> the hub record field it feeds.
HUB_FIELD = {
    "sku": "sku",
    "barcode": "barcode",
    "price": "price",
    "title": "name",
    "inventoryItem": "weight_kg",
    "measurement": "weight_kg",
    "weight": "weight_kg",
    "value": "weight_kg",
    "unit": "weight_kg",
    "id": "external_id",
}


# -- helpers -----------------------------------------------------------------------------------


def legacy_id(gid):
    """``gid://shopify/Product/123`` -> 123 (0 if not a GID)."""
    tail = gid.rsplit("/", 1)[-1].split("?", 1)[0] if gid else ""
    return int(tail) if tail.isdigit() else 0


CURSOR = KeysetCursor(width=20)  # "<ISO time>|<zero-padded numeric id>"


def time_cursor(timestamp, gid):
    """A cursor that sorts like the stream: ``<ISO time>|<zero-padded numeric id>``."""
    return CURSOR.encode(timestamp, legacy_id(gid))


def id_cursor(gid):
    return CURSOR.id_only(legacy_id(gid))


since_time = CURSOR.time_of  # the time part of a cursor handed back by the core (or None)


def weight_kg(weight):
    """Shopify's ``{unit, value}`` -> a kg decimal string, or None. Raises ValueError."""
    if not weight:
        return None
    value = weight["value"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a number")
    if value < 0 or value != value:
        raise ValueError("negative or NaN")
    factor = KG_PER_UNIT[weight["unit"]]
    return str((Decimal(repr(value)) * factor).quantize(GRAM))


def variant_name(product_title, variant_title):
    if not variant_title or variant_title == "Default Title":
        return product_title[:512]
    return f"{product_title} - {variant_title}"[:512]


def _flatten_errors(messages, hub_errors, path=()):
    for key, value in messages.items():
        if isinstance(value, dict):
            _flatten_errors(value, hub_errors, (*path, key))
        else:
            hub_key = HUB_FIELD.get(path[0] if path else key, path[0] if path else key)
            if path and path[0] == "inventoryItem" and key == "id":
                hub_key = "store_refs"
            hub_errors.setdefault(hub_key, []).extend(
                value if isinstance(value, list) else [str(value)]
            )
    return hub_errors


# -- products ----------------------------------------------------------------------------------


def variant_record(product, variant, currency, cursor, field_errors=None):
    """One hub ProductRecord for a Shopify variant, or an ``Invalid`` outcome.

    ``product``: a dict with id/title/status(/updatedAt); ``variant``: the variant payload;
    ``field_errors``: GraphQL errors already known for this variant (from a paged query).
    """
    try:
        if field_errors:
            raise ValueError
        sku = variant["sku"]
        price = variant["price"]
        item = variant["inventoryItem"]
        if (
            not sku
            or not isinstance(sku, str)
            or len(sku) > 128
            or not item
            or not item.get("id")
            or not isinstance(price, str)
        ):
            raise ValueError
        Decimal(price)
        weight = weight_kg((item.get("measurement") or {}).get("weight"))
        title = variant["title"]
    except (KeyError, TypeError, ValueError, InvalidOperation):
        return _invalid_variant(product, variant, cursor, field_errors)
    record = {
        "external_id": variant["id"],
        "sku": sku,
        "name": variant_name(product["title"], title),
        "barcode": variant.get("barcode") or None,
        "weight_kg": weight,
        "price": price,
        "currency": currency,
        "parent": product["id"],
        "parent_name": product["title"],
        "active": product.get("status") == "ACTIVE",
        "updated_at": variant.get("updatedAt") or product.get("updatedAt"),
        "store_refs": {"inventory_item_id": item["id"]},
        "cursor": cursor,
    }
    if record["barcode"] and len(record["barcode"]) > 64:
        record["barcode"] = None
    return record


def _invalid_variant(product, variant, cursor, field_errors=None):
    errors = {}
    try:
        VARIANT.load(variant)
    except ValidationError as exc:
        _flatten_errors(exc.messages, errors)
    else:
        try:
            weight_kg(((variant.get("inventoryItem") or {}).get("measurement") or {}).get("weight"))
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            errors["weight_kg"] = [f"not a valid weight: {exc}"]
    for path, message in field_errors or ():
        key = next(
            (HUB_FIELD[p] for p in reversed(path) if isinstance(p, str) and p in HUB_FIELD),
            str(path[-1]),
        )
        errors.setdefault(key, []).append(message)
    if "sku" in errors and errors["sku"] in (
        ["Missing data for required field."],
        ["Shorter than minimum length 1."],
    ):
        errors["sku"] = ["missing"]
    if not errors:
        errors = {"_schema": ["the variant payload could not be read"]}
    title = (product or {}).get("title") or "?"
    reference = variant.get("sku") or f"{variant_name(title, variant.get('title'))}"
    fields_text = ", ".join(sorted(errors))
    hints = {
        "sku": "Give the variant a SKU in Shopify (Products > the product > the variant > "
        "SKU), then run the feed again.",
        "weight_kg": "Fix the variant's weight in Shopify (Products > the variant > Shipping "
        "> Weight), then run the feed again.",
        "price": "Fix the variant's price in Shopify, then run the feed again.",
    }
    hint = next(
        (hints[k] for k in ("sku", "weight_kg", "price") if k in errors),
        "Fix the variant in Shopify, then run the feed again.",
    )
    return Invalid(
        reference=reference,
        message=f"Shopify variant {variant.get('id')} of product '{title}' cannot "
        f"be imported: invalid {fields_text}.",
        hint=hint,
        errors=errors,
        external_id=variant.get("id"),
        cursor=cursor,
    )


# -- orders ------------------------------------------------------------------------------------


ADDRESS_SAME_NAMES = ("name", "company", "address1", "address2", "city", "phone")
ADDRESS_RENAMED = {"zip": "postcode", "province": "region", "countryCodeV2": "country_code"}


def _address(data, email=None):
    """A MailingAddress as the hub's AddressRecord (which the hub validates)."""
    if not data:
        return None
    return {
        **{key: data.get(key) for key in ADDRESS_SAME_NAMES},
        **{hub_key: data.get(key) for key, hub_key in ADDRESS_RENAMED.items()},
        "email": email,
    }


def order_flags(order):
    """paid / cancelled / refunded / fulfilled from Shopify's display statuses.

    Only money actually captured counts as paid: PAID, and PARTIALLY_REFUNDED / REFUNDED (they
    were paid). PENDING (manual payment), AUTHORIZED (capture pending), PARTIALLY_PAID,
    EXPIRED, VOIDED and no status at all are unpaid: the core holds such orders and asks
    again. REFUNDED also sets ``refunded``; PARTIALLY_REFUNDED stays a plain paid order.
    """
    financial = order.get("displayFinancialStatus")
    return {
        "paid": financial in PAID_STATUSES,
        "cancelled": order.get("cancelledAt") is not None,
        "refunded": financial == "REFUNDED",
        "fulfilled": order.get("displayFulfillmentStatus") == "FULFILLED",
    }


def store_status(order):
    status = (
        f"{order.get('displayFinancialStatus') or 'NONE'}/"
        f"{order.get('displayFulfillmentStatus') or 'NONE'}"
    )
    return status + "/CANCELLED" if order.get("cancelledAt") else status


def order_status_record(order, cursor):
    return {
        "external_id": order["id"],
        "number": order["name"],
        **order_flags(order),
        "store_status": store_status(order),
        "updated_at": order.get("updatedAt"),
        "cursor": cursor,
    }


def order_record(order, lines, cursor):
    """A hub OrderRecord from an Order payload and its complete list of line items."""
    try:
        data = ORDER.load(order)
    except ValidationError as exc:
        return Invalid(
            reference=order.get("name") or order.get("id") or "?",
            message=f"Shopify order {order.get('name')} cannot be read: {exc.messages}",
            hint="Check the order in Shopify; report the message if it persists.",
            errors=_flatten_errors(exc.messages, {}),
            external_id=order.get("id"),
            cursor=cursor,
        )
    record = order_status_record(order, cursor)
    record["created_at"] = data["created_at"]
    record["currency"] = data["currency"]
    record["total"] = (data["total"] or {}).get("shop_money", {}).get("amount")
    record["customer_email"] = data["email"]
    line = data["shipping_line"]
    if line and (line.get("code") or line.get("title")):
        record["shipping_method"] = {
            "code": line.get("code") or line.get("title"),
            "title": line.get("title"),
        }
    else:
        record["shipping_method"] = None
    record["shipping_address"] = _address(data["shipping_address"], data["email"])
    record["billing_address"] = _address(data["billing_address"], data["email"])
    record["lines"] = []
    errors = {}
    for i, raw in enumerate(lines):
        try:
            ln = LINE.load(raw)
        except ValidationError as exc:
            errors[f"lines.{i}"] = exc.messages
            continue
        variant = ln["variant"] or {}
        price = (ln["price"] or {}).get("shop_money", {}).get("amount")
        if ln["quantity"] < 1:  # a line removed by an order edit keeps quantity 0: skip it
            continue
        record["lines"].append(
            {
                "external_id": ln["id"],
                "sku": ln["sku"] or variant.get("sku") or None,
                "product_external_id": variant.get("id"),
                "name": ln["name"],
                "quantity": ln["quantity"],
                "price": price,
            }
        )
    if errors or not record["lines"]:
        errors = errors or {"lines": ["the order has no line item to ship"]}
        return Invalid(
            reference=order["name"],
            message=f"Shopify order {order['name']} cannot be imported: invalid "
            f"{', '.join(sorted(errors))}.",
            hint="Check the order's items in Shopify.",
            errors=errors,
            external_id=order["id"],
            cursor=cursor,
        )
    return record


def stock_record(level, location):
    """An ``InventoryLevel`` (a bulk JSONL line or a paged node) -> a StockRecord, or None
    for a level without a variant or an ``available`` quantity (nothing the hub can bind).

    ``external_id`` is the variant GID, as on the product records, so the hub's bindings
    match; ``quantity`` is ``available`` (what Shopify would sell), ``on_hand`` the physical
    quantity (available + committed + unavailable).
    """
    quantities = {q["name"]: q["quantity"] for q in level.get("quantities") or () if q}
    item = level.get("item") or {}
    variant = item.get("variant") or {}
    if not variant.get("id") or quantities.get("available") is None:
        return None
    return {
        "external_id": variant["id"],
        "sku": item.get("sku") or None,
        "quantity": quantities["available"],
        "on_hand": quantities.get("on_hand"),
        "store_refs": {"inventory_item_id": item["id"], "location_id": location},
    }
