"""WooCommerce resources -> the hub's records (pure functions: no HTTP here).

Field facts, from woocommerce/woocommerce ``includes/rest-api/Controllers/Version3/``:

* ``class-wc-rest-products-controller.php`` / ``class-wc-rest-product-variations-controller.php``
  (``prepare_object_for_response``): ``sku`` may be empty; a variation's ``sku``, ``weight``
  and prices are read in the "view" context, where an empty value falls back to the parent's
  (``WC_Product_Variation::get_sku``): a variation whose SKU equals its parent's has none of
  its own. ``weight`` is a string in the unit of ``woocommerce_weight_unit``; prices are
  strings (``""`` when unset); ``global_unique_id`` is the GTIN/UPC/EAN/ISBN (9.2+); a
  variation has one ``image``, a product a list of ``images``.
* ``class-wc-rest-orders-controller.php``: ``status`` pending, processing, on-hold, completed,
  cancelled, refunded, failed (and checkout-draft, trash); ``date_created_gmt`` /
  ``date_modified_gmt`` without an offset; ``line_items[]`` carry ``sku``, ``product_id``,
  ``variation_id`` (0 for a simple product), ``quantity``, ``price`` (a number);
  ``shipping_lines[]`` carry ``method_id`` (``flat_rate``, ``free_shipping``, ``local_pickup``...)
  and ``method_title``.
"""

from decimal import Decimal, InvalidOperation

from connect_woocommerce.client import CURSOR, Row, gmt, iso, row_cursor
from hub import Invalid, Skip
from hub.outcomes import Outcome
from hub.records import (
    AddressRecordDict,
    OrderLineRecordDict,
    OrderRecordDict,
    OrderStatusRecordDict,
    ProductRecordDict,
    ShippingMethodRecordDict,
    StockRecordDict,
)

# kilograms per unit of woocommerce_weight_unit (the four choices of the setting, wc_get_weight)
KG_PER_UNIT = {
    "kg": Decimal(1),
    "g": Decimal("0.001"),
    "lbs": Decimal("0.45359237"),
    "oz": Decimal("0.028349523125"),
}
PAID = ("processing", "completed")  # payment_complete() moves an order to one of these
CANCELLED = ("cancelled", "failed")  # failed: the payment was refused, nothing to ship
OPEN = ("pending", "processing", "on-hold")  # not cancelled, refunded nor completed
NOT_ORDERS = ("checkout-draft", "trash")  # a block checkout in progress, a deleted order


class BadValue(ValueError):
    """A field WooCommerce answered that cannot be read (its name and the reason)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


def decimal_text(value: object, field: str) -> str | None:
    """The store's decimal string as it wrote it ("19.90"), None for ``""``/None; anything
    that is not a number is ``BadValue``."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadValue(field, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise BadValue(field, f"{value!r} is not a number")
    return format(number, "f")


def weight_kg(value: object, unit: str) -> str | None:
    """A weight in the store's unit -> kilograms as a decimal string (None when unset)."""
    text = decimal_text(value, "weight")
    if text is None:
        return None
    factor = KG_PER_UNIT.get(str(unit).lower())
    if factor is None:
        raise BadValue("weight", f"the store's weight unit {unit!r} is not kg, g, lbs or oz")
    kilos = (Decimal(text) * factor).quantize(Decimal("0.000001"))
    return format(kilos.normalize(), "f")


def text(value: object) -> str | None:
    value = "" if value is None else str(value).strip()
    return value or None


def variation_name(parent: Row, variation: Row) -> str | None:
    """WooCommerce 9 names a variation "<parent> - <option>, <option>"; older answers have no
    ``name``: build it the same way from the attributes."""
    if text(variation.get("name")):
        return text(variation["name"])
    options = [o for o in (text(a.get("option")) for a in variation.get("attributes") or []) if o]
    base = text(parent.get("name")) or f"Product {parent.get('id')}"
    return f"{base} - {', '.join(options)}" if options else base


def own_sku(item: Row, parent: Row | None = None) -> str | None:
    """The item's own SKU, or None (empty, or a variation showing its parent's)."""
    sku = text(item.get("sku"))
    if parent is not None and sku is not None and sku == text(parent.get("sku")):
        return None
    return sku


def product_record(
    item: Row, *, cursor: str, unit: str, currency: str | None, parent: Row | None = None
) -> ProductRecordDict | Outcome:
    """A simple product or a variation (with its ``parent``) -> ProductRecord or Invalid."""
    pid = str(item.get("id"))
    name = variation_name(parent, item) if parent is not None else text(item.get("name"))
    name = name or f"Product {pid}"
    sku = own_sku(item, parent)
    where = f"variation {pid} of product {parent.get('id')}" if parent is not None else pid
    if sku is None:
        return Invalid(
            reference=f"{name} ({where})",
            message=f"WooCommerce product {name} ({where}) has no SKU of its own",
            errors={"sku": ["missing"]},
            hint="Give it a unique SKU in WooCommerce (Product data > Inventory"
            + (", on the variation itself" if parent is not None else "")
            + "); the hub matches products by SKU.",
            external_id=pid,
            cursor=cursor,
        )
    try:
        weight = weight_kg(item.get("weight"), unit)
        price = decimal_text(item.get("price"), "price")
    except BadValue as exc:
        return Invalid(
            reference=sku,
            message=f"WooCommerce product {sku}: {exc.field} {exc}",
            errors={exc.field: [str(exc)]},
            hint="Correct the value in the WooCommerce product editor.",
            external_id=pid,
            cursor=cursor,
        )
    active = item.get("status") == "publish" and (
        parent is None or parent.get("status") == "publish"
    )
    record: ProductRecordDict = {
        "external_id": pid,
        "sku": sku,
        "name": name,
        "barcode": text(item.get("global_unique_id")),
        "weight_kg": weight,
        "price": price,
        "currency": currency,
        "parent": str(parent["id"]) if parent is not None else None,
        "parent_name": text(parent.get("name")) if parent is not None else None,
        "active": active,
        "updated_at": iso(gmt(item.get("date_modified_gmt"))),
        "store_refs": {"parent_id": parent["id"]} if parent is not None else {},
        "cursor": cursor,
    }
    return record


def stock_record(item: Row, parent: Row | None = None) -> StockRecordDict | Outcome:
    """A product or variation -> StockRecord, or a Skip when WooCommerce does not count it."""
    pid = str(item.get("id"))
    sku = own_sku(item, parent)
    if sku is None:
        return Skip(
            reference=f"{text(item.get('name')) or pid} ({pid})",
            message=f"WooCommerce item {pid} has no SKU of its own: its stock is not counted "
            "(Update products reports it)",
            code="no_sku",
            external_id=pid,
        )
    managed = item.get("manage_stock")
    if managed == "parent":
        return Skip(
            reference=sku,
            message=f"WooCommerce variation {sku} uses its parent product's stock: the hub "
            "counts stock per variation",
            code="stock_managed_by_parent",
            external_id=pid,
        )
    if managed is not True:
        return Skip(
            reference=sku,
            message=f"WooCommerce does not manage the stock of {sku} (Manage stock? is off): "
            "it sells it without counting",
            code="stock_not_managed",
            external_id=pid,
        )
    quantity = item.get("stock_quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        return Invalid(
            reference=sku,
            message=f"WooCommerce answered stock_quantity {quantity!r} for {sku}",
            errors={"quantity": [f"{quantity!r} is not a whole number"]},
            hint="Set a whole stock quantity on the product in WooCommerce.",
            external_id=pid,
        )
    return {
        "external_id": pid,
        "sku": sku,
        "quantity": quantity,
        "on_hand": None,  # sellable: net of the store's paid and on-hold orders
        "store_refs": {"parent_id": parent["id"]} if parent is not None else {},
    }


# -- orders ------------------------------------------------------------------------------------


def address(raw: Row | None, email: str | None = None) -> AddressRecordDict | None:
    raw = raw or {}
    name = " ".join(p for p in (text(raw.get("first_name")), text(raw.get("last_name"))) if p)
    record: AddressRecordDict = {
        "name": name or None,
        "company": text(raw.get("company")),
        "address1": text(raw.get("address_1")),
        "address2": text(raw.get("address_2")),
        "city": text(raw.get("city")),
        "postcode": text(raw.get("postcode")),
        "region": text(raw.get("state")),
        "country_code": (text(raw.get("country")) or "").upper() or None,
        "phone": text(raw.get("phone")),
        "email": email,
    }
    if record["country_code"] is not None and len(record["country_code"]) != 2:
        record["country_code"] = None
    return record if any(v for v in record.values()) else None


def status_record(raw: Row, field: str = "date_modified_gmt") -> OrderStatusRecordDict:
    """The state of an order: OrderStatusRecord."""
    status = str(raw.get("status") or "")
    return {
        "external_id": str(raw.get("id")),
        "number": str(raw.get("number") or raw.get("id")),
        "paid": status in PAID,
        "cancelled": status in CANCELLED,
        "refunded": status == "refunded",
        "fulfilled": status == "completed",
        "store_status": status or None,
        "updated_at": iso(gmt(raw.get("date_modified_gmt"))),
        "cursor": row_cursor(raw, field),
    }


def order_lines(raw: Row) -> tuple[list[OrderLineRecordDict], list[str]]:
    """(lines, problems): one line per line item with a quantity; problems name the rest."""
    lines: list[OrderLineRecordDict] = []
    problems: list[str] = []
    for item in raw.get("line_items") or []:
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or quantity < 1:
            continue  # a line refunded to nothing, or a fee line's shape
        variation = int(item.get("variation_id") or 0)
        product = variation or int(item.get("product_id") or 0)
        try:
            price = decimal_text(item.get("price"), "price")
        except BadValue as exc:
            problems.append(f"line {item.get('id')}: {exc}")
            continue
        lines.append(
            {
                "external_id": str(item.get("id")),
                "sku": text(item.get("sku")),
                "product_external_id": str(product) if product else None,
                "name": text(item.get("name")),
                "quantity": quantity,
                "price": price,
            }
        )
    return lines, problems


def order_record(raw: Row, field: str = "date_created_gmt") -> OrderRecordDict | Outcome:
    """A WooCommerce order -> OrderRecord, or an outcome."""
    number = str(raw.get("number") or raw.get("id"))
    status = str(raw.get("status") or "")
    if status in NOT_ORDERS:
        return Skip(
            reference=number,
            message=f"WooCommerce order {number} is {status}: not an order yet (or any more)",
            code=f"order_{status.replace('-', '_')}",
            external_id=str(raw.get("id")),
            cursor=row_cursor(raw, field),
        )
    lines, problems = order_lines(raw)
    if problems or not lines:
        return Invalid(
            reference=number,
            message=f"WooCommerce order {number} cannot be read: "
            + ("; ".join(problems) or "it has no product lines"),
            errors={"lines": problems or ["no product lines"]},
            hint="Open the order in WooCommerce; the next run reads it again.",
            external_id=str(raw.get("id")),
            cursor=row_cursor(raw, field),
        )
    shipping = next(iter(raw.get("shipping_lines") or []), None)
    method: ShippingMethodRecordDict | None = None
    if shipping and text(shipping.get("method_id")):
        method = {
            "code": str(text(shipping["method_id"])),
            "title": text(shipping.get("method_title")),
        }
    billing = raw.get("billing") or {}
    email = text(billing.get("email"))
    created = gmt(raw.get("date_created_gmt"))
    return {
        **status_record(raw, field),
        "created_at": iso(created) or "1970-01-01T00:00:00Z",
        "currency": text(raw.get("currency")),
        "total": decimal_text(raw.get("total"), "total"),
        "customer_email": email,
        "shipping_method": method,
        "shipping_address": address(raw.get("shipping")),
        "billing_address": address(billing, email),
        "lines": lines,
    }


def id_cursor(product_id: int | str) -> str:
    return CURSOR.id_only(product_id)
