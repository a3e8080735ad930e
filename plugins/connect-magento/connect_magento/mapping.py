"""Magento payloads -> hub records.

The store's payloads are read with marshmallow schemas (``unknown = EXCLUDE``, ``data_key``
for Magento's names); what cannot become a record becomes an outcome (``Invalid`` naming the
hub field, ``Skip`` for what is not a stockable product) instead of an exception. On the hot
paths a well-formed product or order payload is read with plain type checks instead
(``_read_product``, ``order_parsing``); the schemas read anything else and name what is wrong.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from connect_magento.client import iso, magento_time, make_cursor
from connect_magento.order_parsing import read_address, read_order
from hub import Invalid, Skip

LB_IN_KG = Decimal("0.45359237")
KG = Decimal("0.001")
CENT = Decimal("0.01")
PAID_STATES = ("processing", "complete")
NON_STOCKABLE = ("virtual", "downloadable", "bundle", "grouped", "giftcard")


class _Payload(Schema):
    class Meta:
        unknown = EXCLUDE


class ProductPayload(_Payload):
    external_id = fields.Integer(data_key="id", required=True)
    sku = fields.String(allow_none=True, load_default=None)
    name = fields.String(allow_none=True, load_default=None)
    type = fields.String(data_key="type_id", allow_none=True, load_default="simple")
    status = fields.Integer(allow_none=True, load_default=1)
    price = fields.Decimal(allow_none=True, load_default=None)
    weight = fields.Decimal(allow_none=True, load_default=None)
    created_at = fields.String(allow_none=True, load_default=None)
    updated_at = fields.String(allow_none=True, load_default=None)
    custom_attributes = fields.List(fields.Dict(), allow_none=True, load_default=None)
    extension_attributes = fields.Dict(allow_none=True, load_default=None)
    media_gallery_entries = fields.List(fields.Dict(), allow_none=True, load_default=None)


# hub field names for the store's fields, so that Invalid outcomes name what the merchant sees
PRODUCT_FIELDS = {"weight": "weight_kg", "id": "external_id", "type_id": "type", "status": "active"}

PRODUCT_SCHEMA = ProductPayload()


def _money(value):
    """A decimal string with at least 2 decimals ("34.00", "12.3456")."""
    if value is None:
        return None
    if type(value) is not Decimal:
        value = Decimal(str(value))
    cents = value.quantize(CENT)
    return format(cents if cents == value else value.normalize(), "f")


def custom_attribute(payload, code):
    for attr in payload.get("custom_attributes") or ():
        if attr.get("attribute_code") == code:
            return attr.get("value")
    return None


def _invalid_product(raw, errors, message, hint=None, cursor=None):
    reference = (raw.get("sku") if isinstance(raw, dict) else None) or f"product {raw.get('id')}"
    return Invalid(
        reference=str(reference),
        message=message,
        hint=hint
        or "Fix the product in the Magento admin (Catalog > Products), then run the feed again.",
        errors=errors,
        external_id=str(raw.get("id")) if raw.get("id") is not None else None,
        cursor=cursor,
    )


_NUMBER = (int, float)


def _read_product(raw):
    """Fast path for a well-formed product payload (the nightly sync reads tens of thousands):
    plain type checks, no schema. None when anything is unexpected: the schema then reads it
    and names the bad fields."""
    pid = raw.get("id")
    if type(pid) is not int:
        return None
    out = {"external_id": pid}
    for key, target in (
        ("sku", "sku"),
        ("name", "name"),
        ("type_id", "type"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
    ):
        value = raw.get(key)
        if value is not None and type(value) is not str:
            return None
        out[target] = value
    status = raw.get("status", 1)
    if status is not None and type(status) is not int:
        return None
    out["status"] = status
    for key in ("price", "weight"):
        value = raw.get(key)
        if value is None:
            out[key] = None
        elif type(value) in _NUMBER:
            out[key] = Decimal(repr(value)) if type(value) is float else Decimal(value)
        else:
            return None
    for key in ("custom_attributes", "media_gallery_entries"):
        value = raw.get(key)
        if value is not None and type(value) is not list:
            return None
        out[key] = value
    out["type"] = out["type"] or "simple"
    return out


def _read_product_with_schema(raw, cursor):
    try:
        return PRODUCT_SCHEMA.load(raw), None
    except ValidationError as exc:
        errors = {PRODUCT_FIELDS.get(k, k): v for k, v in exc.messages.items()}
        return None, _invalid_product(
            raw,
            errors,
            f"Magento product {raw.get('sku') or raw.get('id')} has unreadable "
            f"fields: {', '.join(sorted(errors))}",
            cursor=cursor,
        )


def fast_iso(value):
    """'2026-01-31 22:10:00' -> '2026-01-31T22:10:00Z' without strptime (hot path)."""
    if type(value) is str and len(value) >= 19 and _TIMESTAMP.match(value):
        return f"{value[:10]}T{value[11:19]}Z"
    return iso(magento_time(value))


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def _barcode(p, barcode_attribute, errors):
    """The product's barcode from its custom attribute ``barcode_attribute`` (None if unset);
    one too long is noted in ``errors``."""
    barcode = None
    if not barcode_attribute:
        return None
    for attr in p["custom_attributes"] or ():
        if attr.get("attribute_code") == barcode_attribute:
            value = attr.get("value")
            if value not in (None, ""):
                barcode = str(value).strip() or None
            break
    if barcode is not None and len(barcode) > 64:
        errors["barcode"] = [
            f"{barcode_attribute!r} is longer than 64 characters: {barcode[:20]}..."
        ]
    return barcode


def map_product(
    raw, *, cursor, weight_unit="kgs", barcode_attribute=None, currency=None, parents=None
):
    """A Magento product -> a ProductRecord dict, a Skip, an Invalid, or None (configurable).

    ``parents``: {child id: (configurable id, configurable name)}.
    """
    p = _read_product(raw)
    if p is None:
        p, invalid = _read_product_with_schema(raw, cursor)
        if invalid is not None:
            return invalid
    pid = str(p["external_id"])
    kind = p["type"] or "simple"
    if kind == "configurable":
        return None  # represented by its children (their ``parent``)
    if kind != "simple":
        return Skip(
            reference=p["sku"] or pid,
            message=f"Magento product {p['sku'] or pid} is a {kind} product: not stockable, "
            "not imported.",
            code=f"product_{kind}",
            external_id=pid,
            cursor=cursor,
        )
    errors = {}
    sku = (p["sku"] or "").strip()
    if not sku:
        errors["sku"] = ["missing: the Magento product has no SKU"]
    elif len(sku) > 128:
        errors["sku"] = ["longer than 128 characters"]
    name = (p["name"] or "").strip()
    if not name:
        errors["name"] = ["missing: the Magento product has no name"]
    elif len(name) > 512:
        errors["name"] = ["longer than 512 characters"]
    weight = p["weight"]
    weight_kg = None
    if weight is not None:
        if weight < 0:
            errors["weight_kg"] = [f"negative weight {weight}"]
        else:
            weight_kg = weight * LB_IN_KG if weight_unit == "lbs" else weight
    price = p["price"]
    if price is not None and price < 0:
        errors["price"] = [f"negative price {price}"]
    barcode = _barcode(p, barcode_attribute, errors)
    if errors:
        return _invalid_product(
            raw,
            errors,
            f"Magento product {sku or pid} cannot be imported: "
            + "; ".join(f"{k} {v[0]}" for k, v in errors.items()),
            cursor=cursor,
        )
    parent = parents.get(p["external_id"]) if parents else None
    return {
        "external_id": pid,
        "sku": sku,
        "name": name,
        "barcode": barcode,
        "weight_kg": format(weight_kg.quantize(KG, rounding=ROUND_HALF_UP), "f")
        if weight_kg is not None
        else None,
        "price": _money(price),
        "currency": currency,
        "parent": str(parent[0]) if parent else None,
        "parent_name": parent[1] if parent else None,
        "active": p["status"] == 1,
        "updated_at": fast_iso(p["updated_at"]),
        "store_refs": {},
        "cursor": cursor,
    }


def product_cursor_by_id(raw):
    return f"{int(raw.get('id') or 0):010d}"


def product_cursor_by_time(raw, field):
    return make_cursor(magento_time(raw.get(field)), raw.get("id") or 0)


class BadGallery(ValueError):
    """``media_gallery_entries`` of a product payload has the wrong shape."""


def _shape_of(value):
    return "null" if value is None else type(value).__name__


def images_of(raw, media_base):
    """[(entry id, url, position, label)] of the enabled images of a product payload.

    Raises ``BadGallery`` (naming what is wrong) when the gallery is not a list of objects
    or an entry's ``file``/``position``/``label`` cannot be read."""
    entries = raw.get("media_gallery_entries") if isinstance(raw, dict) else None
    if entries in (None, "", []):
        return []
    if not isinstance(entries, list):
        raise BadGallery(f"media_gallery_entries is a {_shape_of(entries)}, not a list")
    out = []
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise BadGallery(f"media_gallery_entries[{n}] is a {_shape_of(entry)}, not an object")
        if entry.get("disabled") or entry.get("media_type", "image") != "image":
            continue
        file = entry.get("file")
        if not file:
            continue
        if not isinstance(file, str):
            raise BadGallery(f"media_gallery_entries[{n}].file is a {_shape_of(file)}")
        try:
            position = int(entry.get("position") or 0)
        except (TypeError, ValueError):
            raise BadGallery(
                f"media_gallery_entries[{n}].position {entry.get('position')!r} is not a number"
            ) from None
        label = entry.get("label")
        if label is not None and not isinstance(label, str):
            label = str(label)
        url = media_base.rstrip("/") + "/catalog/product/" + file.lstrip("/")
        out.append((entry.get("id"), url, position, label))
    out.sort(key=lambda e: e[2])
    return out


# -- orders ----------------------------------------------------------------------------------


class AddressPayload(_Payload):
    firstname = fields.String(allow_none=True, load_default=None)
    lastname = fields.String(allow_none=True, load_default=None)
    company = fields.String(allow_none=True, load_default=None)
    street = fields.List(fields.String(allow_none=True), allow_none=True, load_default=None)
    city = fields.String(allow_none=True, load_default=None)
    postcode = fields.String(allow_none=True, load_default=None)
    region = fields.String(allow_none=True, load_default=None)
    country_code = fields.String(data_key="country_id", allow_none=True, load_default=None)
    phone = fields.String(data_key="telephone", allow_none=True, load_default=None)
    email = fields.String(allow_none=True, load_default=None)


class OrderItemPayload(_Payload):
    item_id = fields.Integer(required=True)
    parent_item_id = fields.Integer(allow_none=True, load_default=None)
    product_id = fields.Integer(allow_none=True, load_default=None)
    product_type = fields.String(allow_none=True, load_default=None)
    sku = fields.String(allow_none=True, load_default=None)
    name = fields.String(allow_none=True, load_default=None)
    quantity = fields.Decimal(data_key="qty_ordered", required=True)
    qty_shipped = fields.Decimal(allow_none=True, load_default=Decimal(0))
    qty_canceled = fields.Decimal(allow_none=True, load_default=Decimal(0))
    qty_refunded = fields.Decimal(allow_none=True, load_default=Decimal(0))
    price = fields.Decimal(allow_none=True, load_default=None)


class OrderPayload(_Payload):
    external_id = fields.Integer(data_key="entity_id", required=True)
    number = fields.String(data_key="increment_id", allow_none=True, load_default=None)
    state = fields.String(allow_none=True, load_default=None)
    status = fields.String(allow_none=True, load_default=None)
    created_at = fields.String(allow_none=True, load_default=None)
    updated_at = fields.String(allow_none=True, load_default=None)
    grand_total = fields.Decimal(allow_none=True, load_default=None)
    total_paid = fields.Decimal(allow_none=True, load_default=None)
    total_due = fields.Decimal(allow_none=True, load_default=None)
    currency = fields.String(data_key="order_currency_code", allow_none=True, load_default=None)
    customer_email = fields.String(allow_none=True, load_default=None)
    shipping_description = fields.String(allow_none=True, load_default=None)
    billing_address = fields.Nested(AddressPayload, allow_none=True, load_default=None)
    items = fields.List(fields.Nested(OrderItemPayload), allow_none=True, load_default=None)
    extension_attributes = fields.Dict(allow_none=True, load_default=None)


ORDER_SCHEMA = OrderPayload()
ADDRESS_SCHEMA = AddressPayload()
# A load error names the store's field; the hub's name for it, from the schemas' data keys.
ORDER_FIELDS = {
    field.data_key: name
    for schema in (ORDER_SCHEMA, OrderItemPayload())
    for name, field in schema.fields.items()
    if field.data_key
} | {"grand_total": "total", "extension_attributes": "shipping_address"}


def _rename_errors(messages):
    if isinstance(messages, dict):
        return {
            ORDER_FIELDS.get(k, k) if isinstance(k, str) else k: _rename_errors(v)
            for k, v in messages.items()
        }
    return messages


def is_paid(state, status, total_due, total_paid, grand_total):
    """Paid = invoiced: state processing/complete (a fraud-flagged order never is), confirmed
    by ``total_due`` 0 when Magento gives it; a closed (refunded) order was paid."""
    if status == "fraud":
        return False
    if state in PAID_STATES:
        if total_due is not None:
            return total_due <= 0
        if total_paid is not None and grand_total is not None:
            return total_paid >= grand_total
        return True
    if state == "closed":
        return bool(total_paid) or total_due == 0
    return False


def _leaf_items(items):
    """Order lines that carry stock: a configurable (or bundle) parent line is replaced by
    its child simple line(s)."""
    parents_with_children = {i["parent_item_id"] for i in items if i["parent_item_id"]}
    by_id = {i["item_id"]: i for i in items}
    for item in items:
        if item["item_id"] in parents_with_children:
            continue
        yield item, by_id.get(item["parent_item_id"]) if item["parent_item_id"] else None


def is_fulfilled(state, items):
    """Shipped in the store: state complete, or something shipped and nothing left to ship
    (a cancelled or refunded order that never shipped is not fulfilled)."""
    if state == "complete":
        return True
    shipped_any = False
    for item, _parent in _leaf_items(items or []):
        shipped = item["qty_shipped"] or 0
        owed = item["quantity"] - (item["qty_canceled"] or 0) - (item["qty_refunded"] or 0)
        shipped_any = shipped_any or shipped > 0
        if owed > 0 and shipped < owed:
            return False
    return shipped_any


def _address(data):
    if not data:
        return None
    street = [s for s in (data.get("street") or []) if s]
    name = " ".join(x for x in (data.get("firstname"), data.get("lastname")) if x) or None
    country = data.get("country_code")
    return {
        "name": name,
        "company": data.get("company") or None,
        "address1": street[0] if street else None,
        "address2": ", ".join(street[1:]) or None if street else None,
        "city": data.get("city"),
        "postcode": data.get("postcode"),
        "region": data.get("region"),
        "country_code": country if country and len(country) == 2 else None,
        "phone": data.get("phone"),
        "email": data.get("email"),
    }


def _shipping(ext):
    assignments = (ext or {}).get("shipping_assignments") or []
    if not assignments or not isinstance(assignments[0], dict):
        return None, None
    shipping = assignments[0].get("shipping") or {}
    return shipping.get("method"), shipping.get("address")


def _order_invalid(raw, errors, message, cursor):
    number = raw.get("increment_id") or raw.get("entity_id")
    return Invalid(
        reference=f"order {number}",
        message=message,
        hint="Check the order in the Magento admin (Sales > Orders); fix the product or "
        "order data, then retry the record.",
        errors=errors,
        external_id=str(raw.get("entity_id")) if raw.get("entity_id") is not None else None,
        cursor=cursor,
    )


def order_cursor(raw, field):
    return make_cursor(magento_time(raw.get(field)), raw.get("entity_id") or 0)


def _read_order_with_schema(raw, cursor):
    try:
        return ORDER_SCHEMA.load(raw), None
    except ValidationError as exc:
        errors = _rename_errors(exc.messages)
        return None, _order_invalid(
            raw,
            errors,
            f"Magento order {raw.get('increment_id')} has unreadable fields: "
            f"{', '.join(map(str, errors))}",
            cursor,
        )


def map_order_status(raw, *, cursor):
    """A Magento order -> an OrderStatusRecord dict or an Invalid outcome.

    A well-formed payload is read by ``order_parsing.read_order`` (plain type checks); anything
    else by the schema, whose errors name the bad fields."""
    o = read_order(raw)
    if o is None:
        o, invalid = _read_order_with_schema(raw, cursor)
        if invalid is not None:
            return None, invalid
    if not o["number"]:
        return None, _order_invalid(
            raw,
            {"number": ["missing increment_id"]},
            f"Magento order {o['external_id']} has no increment_id",
            cursor,
        )
    state = o["state"] or ""
    record = {
        "external_id": str(o["external_id"]),
        "number": o["number"],
        "paid": is_paid(state, o["status"], o["total_due"], o["total_paid"], o["grand_total"]),
        "cancelled": state == "canceled",
        "refunded": state == "closed",
        "fulfilled": is_fulfilled(state, o["items"] or []),
        "store_status": o["status"] or state or None,
        "updated_at": iso(magento_time(o["updated_at"])),
        "cursor": cursor,
    }
    return o, record


def map_order(raw, *, cursor):
    """A Magento order -> an OrderRecord dict or an Invalid outcome."""
    o, record = map_order_status(raw, cursor=cursor)
    if o is None:
        return record
    errors = {}
    created = magento_time(o["created_at"])
    if created is None:
        errors["created_at"] = [f"unreadable date {o['created_at']!r}"]
    lines = []
    for index, (item, parent) in enumerate(_leaf_items(o["items"] or [])):
        qty = item["quantity"]
        if qty != qty.to_integral_value() or qty < 1:
            errors.setdefault("lines", {})[index] = {
                "quantity": [f"{item['sku']}: quantity {qty} is not a whole number >= 1"]
            }
            continue
        price = item["price"]
        if (price is None or price == 0) and parent is not None and parent["price"]:
            price = parent["price"]  # a configurable's child line carries price 0
        lines.append(
            {
                "external_id": str(item["item_id"]),
                "sku": item["sku"] or None,
                "product_external_id": str(item["product_id"]) if item["product_id"] else None,
                "name": item["name"],
                "quantity": int(qty),
                "price": _money(price),
            }
        )
    if not lines and "lines" not in errors:
        errors["lines"] = ["the order has no product lines"]
    method, ship_addr = _shipping(o["extension_attributes"])
    shipping_address = None
    if ship_addr:
        address = read_address(ship_addr)
        if address is None:
            try:
                address = ADDRESS_SCHEMA.load(ship_addr)
            except ValidationError as exc:
                errors["shipping_address"] = exc.messages
        shipping_address = _address(address) if address is not None else None
    if errors:
        return _order_invalid(
            raw,
            errors,
            f"Magento order {o['number']} cannot be imported: " + ", ".join(str(k) for k in errors),
            cursor,
        )
    record.update(
        {
            "created_at": iso(created),
            "currency": o["currency"],
            "total": _money(o["grand_total"]),
            "customer_email": o["customer_email"],
            "shipping_method": (
                {"code": method, "title": o["shipping_description"]} if method else None
            ),
            "shipping_address": shipping_address,
            "billing_address": _address(o["billing_address"]),
            "lines": lines,
        }
    )
    return record
