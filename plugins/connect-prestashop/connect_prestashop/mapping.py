"""PrestaShop JSON payloads → hub records.

Each store payload is loaded with a marshmallow schema (``data_key`` for the store's names,
``unknown = EXCLUDE``); a payload that fails (a weight that is not a number…) becomes an
``Invalid`` outcome naming the hub field, in place of the record.

External ids (documented in the README):
* a simple product: ``"<id_product>"``; a combination: ``"<id_product>-<id_product_attribute>"``
  (the parent product of combinations is not a stockable item and yields no record);
* ``store_refs`` carry ``id_product``, ``id_product_attribute`` and ``stock_available_id``.
Cursors are zero-padded so that they sort as strings: ``"0000000012-0000000034"`` for products,
``"0000000012"`` for orders, suppliers and links, ``"<date_upd>|<id>"`` for order updates.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from hub import Invalid

WEIGHT_UNITS = {
    "kg": Decimal(1),
    "g": Decimal("0.001"),
    "lb": Decimal("0.45359237"),
    "lbs": Decimal("0.45359237"),
    "oz": Decimal("0.028349523125"),
}


# -- store payload schemas ---------------------------------------------------------------------


class PsSchema(Schema):
    class Meta:
        unknown = EXCLUDE


def i18n_values(value):
    """``[{"id": "1", "value": "…"}]`` → {1: "…"}; a plain string (one language) → {None: …}."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        return {None: value}
    if isinstance(value, list):
        out = {}
        for item in value:
            if isinstance(item, dict):
                lang = str(item.get("id", ""))
                out[int(lang) if lang.isdigit() else None] = item.get("value") or ""
        return out
    raise ValidationError("not a language list")


def i18n_or_empty(value):
    """``i18n_values`` for reference data: anything unreadable is no text, not an error."""
    try:
        return i18n_values(value)
    except ValidationError:
        return {}


class I18n(fields.Field):
    """An i18n field: ``[{"id": "1", "value": "…"}]``, or a plain string (one language)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return i18n_values(value)


def _number(**kwargs):
    return fields.Decimal(allow_nan=False, **kwargs)


class ProductPayload(PsSchema):
    id = fields.Integer(required=True)
    reference = fields.String(load_default="")
    ean13 = fields.String(load_default="")
    upc = fields.String(load_default="")
    weight = _number(load_default=Decimal(0), validate=validate.Range(min=0))
    price = _number(load_default=Decimal(0))
    active = fields.String(load_default="1")
    name = I18n(load_default=dict)
    date_upd = fields.String(load_default="")
    associations = fields.Dict(load_default=dict)


class CombinationPayload(PsSchema):
    id = fields.Integer(required=True)
    id_product = fields.Integer(required=True)
    reference = fields.String(load_default="")
    ean13 = fields.String(load_default="")
    upc = fields.String(load_default="")
    weight = _number(load_default=Decimal(0))  # an impact: may be negative
    price = _number(load_default=Decimal(0))  # an impact: may be negative
    associations = fields.Dict(load_default=dict)


class OrderRowPayload(PsSchema):
    id = fields.String(required=True)
    product_id = fields.String(load_default="0")
    product_attribute_id = fields.String(load_default="0")
    product_quantity = fields.Integer(required=True, validate=validate.Range(min=1))
    product_name = fields.String(load_default="")
    product_reference = fields.String(load_default="")
    unit_price_tax_incl = _number(load_default=None, allow_none=True)


class OrderStatusPayload(PsSchema):
    """What update_orders reads of an order (``display=[id,reference,current_state,date_upd]``)."""

    id = fields.Integer(required=True)
    reference = fields.String(load_default="")
    current_state = fields.Integer(required=True)
    date_upd = fields.String(load_default="")


class OrderPayload(OrderStatusPayload):
    """A whole order: its status fields and the rest."""

    id_carrier = fields.String(load_default="0")
    id_currency = fields.String(load_default="0")
    id_customer = fields.String(load_default="0")
    id_address_delivery = fields.String(load_default="0")
    id_address_invoice = fields.String(load_default="0")
    total_paid_tax_incl = _number(load_default=None, allow_none=True)
    total_paid = _number(load_default=None, allow_none=True)
    date_add = fields.String(load_default="")
    associations = fields.Dict(load_default=dict)


class AddressPayload(PsSchema):
    id = fields.Integer(required=True)
    firstname = fields.String(load_default="")
    lastname = fields.String(load_default="")
    company = fields.String(load_default="")
    address1 = fields.String(load_default="")
    address2 = fields.String(load_default="")
    city = fields.String(load_default="")
    postcode = fields.String(load_default="")
    id_country = fields.String(load_default="0")
    id_state = fields.String(load_default="0")
    phone = fields.String(load_default="")
    phone_mobile = fields.String(load_default="")


class StockPayload(PsSchema):
    id = fields.Integer(required=True)
    id_product = fields.Integer(required=True)
    id_product_attribute = fields.Integer(load_default=0)
    quantity = fields.Integer(required=True)
    depends_on_stock = fields.String(load_default="0")


class SupplierPayload(PsSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1))
    active = fields.String(load_default="1")


class ProductSupplierPayload(PsSchema):
    id = fields.Integer(required=True)
    id_product = fields.Integer(required=True)
    id_product_attribute = fields.Integer(load_default=0)
    id_supplier = fields.Integer(required=True, validate=validate.Range(min=1))
    id_currency = fields.String(load_default="0")
    reference = fields.String(data_key="product_supplier_reference", load_default="")
    price = _number(data_key="product_supplier_price_te", load_default=None, allow_none=True)


PRODUCT = ProductPayload()
COMBINATION = CombinationPayload()
# the keys of a payload the mapping reads (the heavy feed drops the others as pages arrive)
PRODUCT_KEYS = tuple(f.data_key or name for name, f in PRODUCT.fields.items())
COMBINATION_KEYS = tuple(f.data_key or name for name, f in COMBINATION.fields.items())
ORDER = OrderPayload()
ORDER_ROW = OrderRowPayload()
ORDER_STATUS = OrderStatusPayload()
ADDRESS = AddressPayload()
STOCK = StockPayload()
SUPPLIER = SupplierPayload()
PRODUCT_SUPPLIER = ProductSupplierPayload()

# -- fast path for the two payloads of the heavy feed ---------------------------------------
#
# ``update_products`` maps every product and combination of the shop; marshmallow costs 60-110 µs
# per payload here, more than the store takes to serve it. These functions give the same result
# as ``PRODUCT.load`` / ``COMBINATION.load`` for well-formed payloads (a test compares them on the
# emulator's catalogue) and return None for anything unusual, which then goes through the schema
# (and its field-level error messages).


def _fast_decimal(value, minimum=None):
    if value is None:
        return None
    if value == "":
        return Decimal(0)
    if not isinstance(value, str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    if not number.is_finite() or (minimum is not None and number < minimum):
        return None
    return number


def _fast_strings(raw, names):
    out = {}
    for name in names:
        value = raw.get(name, "")
        if not isinstance(value, str):
            return None
        out[name] = value
    return out


def _fast_product(raw):
    pid = raw.get("id")
    associations = raw.get("associations", {})
    if type(pid) is not int or not isinstance(associations, dict):
        return None
    weight = _fast_decimal(raw.get("weight", ""), minimum=0)
    price = _fast_decimal(raw.get("price", ""))
    strings = _fast_strings(raw, ("reference", "ean13", "upc", "date_upd"))
    active = raw.get("active", "1")
    if weight is None or price is None or strings is None or not isinstance(active, str):
        return None
    try:
        name = i18n_values(raw.get("name"))
    except ValidationError:
        return None
    return {
        "id": pid,
        **strings,
        "weight": weight,
        "price": price,
        "active": active,
        "name": name,
        "associations": associations,
    }


def _fast_combination(raw):
    cid, pid = raw.get("id"), raw.get("id_product")
    associations = raw.get("associations", {})
    if (
        type(cid) is not int
        or not isinstance(pid, str)
        or not pid.isdigit()
        or not isinstance(associations, dict)
    ):
        return None
    weight = _fast_decimal(raw.get("weight", ""))
    price = _fast_decimal(raw.get("price", ""))
    strings = _fast_strings(raw, ("reference", "ean13", "upc"))
    if weight is None or price is None or strings is None:
        return None
    return {
        "id": cid,
        "id_product": int(pid),
        **strings,
        "weight": weight,
        "price": price,
        "associations": associations,
    }


def load_product(raw):
    """``PRODUCT.load(raw)``, through the fast path when the payload is well-formed."""
    return _fast_product(raw) or PRODUCT.load(raw)


def load_combination(raw):
    return _fast_combination(raw) or COMBINATION.load(raw)


# store field -> hub field, to name the hub's field in Invalid outcomes
PRODUCT_FIELDS = {
    "reference": "sku",
    "weight": "weight_kg",
    "price": "price",
    "name": "name",
    "id": "external_id",
    "ean13": "barcode",
    "upc": "barcode",
}


# -- reference data of a run -------------------------------------------------------------------


@dataclass
class Refs:
    """What the mapping needs besides the payload: read once per run (cached by ``feeds``)."""

    language_id: int | None = None
    timezone: ZoneInfo = UTC
    weight_factor: Decimal = Decimal(1)
    currency: str | None = None  # the shop's default currency
    currencies: dict = field(default_factory=dict)  # id -> iso code
    option_values: dict = field(default_factory=dict)  # id -> {lang: name}
    states: dict = field(default_factory=dict)  # id -> order state row
    config: dict = field(default_factory=dict)  # PS_OS_* -> value
    carriers: dict = field(default_factory=dict)  # id -> name
    countries: dict = field(default_factory=dict)  # id -> iso code
    labels: dict = field(default_factory=dict)  # option value ids -> "S, Grey" (memo)


def zone(name):
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


# -- helpers -----------------------------------------------------------------------------------


def text(i18n, language_id):
    """The value in ``language_id``, else the first non-empty one."""
    if not i18n:
        return ""
    value = i18n.get(language_id) or i18n.get(None)
    if value:
        return value.strip()
    return next((v.strip() for v in i18n.values() if v and v.strip()), "")


def decimal_text(value, min_places=2):
    """``Decimal("19.900000")`` → ``"19.90"``; keeps significant decimals beyond two."""
    if value is None:
        return None
    text_value = format(value.normalize(), "f")
    whole, _, frac = text_value.partition(".")
    frac = frac.rstrip("0")
    if len(frac) < min_places:
        frac = frac.ljust(min_places, "0")
    return f"{whole}.{frac}" if frac else whole


def weight_text(value):
    return decimal_text(value, min_places=0) if value else "0"


def shop_time(value, tz):
    """``"2026-01-31 23:10:00"`` in shop time → ``"2026-01-31T22:10:00Z"``; None if unset."""
    if not value or value.startswith("0000"):
        return None
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=tz)
    moment = local.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}Z"
    )


def product_cursor(id_product, id_pa=0):
    return f"{int(id_product):010d}-{int(id_pa):010d}"


def id_cursor(value):
    return f"{int(value):010d}"


def external_id(id_product, id_pa=0):
    return str(id_product) if not int(id_pa) else f"{id_product}-{id_pa}"


def split_external_id(value):
    """``"12"`` / ``"12-0"`` → (12, 0); ``"12-34"`` → (12, 34); None if not one of ours."""
    head, _, tail = str(value).partition("-")
    if not head.isdigit() or (tail and not tail.isdigit()):
        return None
    return int(head), int(tail or 0)


def _errors_for(messages, names):
    out = {}
    for key, value in messages.items():
        out.setdefault(names.get(key, key), []).extend(
            [f"{key}: {m}" for m in value] if isinstance(value, list) else [f"{key}: {value}"]
        )
    return out


def _barcode(ean13, upc):
    return (ean13 or "").strip() or (upc or "").strip() or None


# -- products ----------------------------------------------------------------------------------


def product_records(raw_product, raw_combinations, refs):
    """The hub products of one PrestaShop product: one per combination, or the product itself.

    Returns a list of records and ``Invalid`` outcomes (never raises for bad data)."""
    pid = raw_product.get("id")
    try:
        product = load_product(raw_product)
    except ValidationError as exc:
        errors = _errors_for(exc.messages, PRODUCT_FIELDS)
        targets = [(c.get("id"), c.get("reference") or "") for c in raw_combinations] or [
            (0, raw_product.get("reference") or "")
        ]
        return [
            Invalid(
                reference=ref or f"product {pid}",
                external_id=external_id(pid, pa or 0),
                cursor=product_cursor(pid, pa or 0),
                message=f"PrestaShop product {pid} has invalid data: "
                + "; ".join(m for ms in errors.values() for m in ms),
                hint="Fix the product in Catalog › Products, then run the feed again.",
                errors=errors,
            )
            for pa, ref in targets
        ]
    name = text(product["name"], refs.language_id)
    stock_ids = {}
    for item in product["associations"].get("stock_availables") or []:
        pa = str(item.get("id_product_attribute", "0"))
        stock_ids[int(pa) if pa.isdigit() else 0] = int(item.get("id") or 0)
    currency, active = refs.currency, product["active"] == "1"
    updated_at = shop_time(product["date_upd"], refs.timezone)
    base_weight = product["weight"] * refs.weight_factor
    base_price = product["price"]
    price_text, weight = decimal_text(base_price), weight_text(base_weight)
    if not raw_combinations:
        record = {
            "currency": currency,
            "active": active,
            "updated_at": updated_at,
            "external_id": str(pid),
            "sku": product["reference"].strip(),
            "name": name,
            "barcode": _barcode(product["ean13"], product["upc"]),
            "weight_kg": weight,
            "price": price_text,
            "parent": None,
            "parent_name": None,
            "store_refs": {
                "id_product": pid,
                "id_product_attribute": 0,
                "stock_available_id": stock_ids.get(0),
            },
            "cursor": product_cursor(pid),
        }
        return [_checked(record, f"product {pid}", base_weight)]
    out = []
    parent, parent_name = str(pid), name or None
    labels = refs.labels
    for raw in raw_combinations:
        cid = raw.get("id")
        try:
            combo = load_combination(raw)
        except ValidationError as exc:
            errors = _errors_for(exc.messages, PRODUCT_FIELDS)
            out.append(
                Invalid(
                    reference=raw.get("reference") or f"combination {pid}-{cid}",
                    external_id=external_id(pid, cid),
                    cursor=product_cursor(pid, cid),
                    message=f"PrestaShop combination {cid} of product {pid} has invalid data: "
                    + "; ".join(m for ms in errors.values() for m in ms),
                    hint="Fix the combination in Catalog › Products › Combinations, then run the "
                    "feed again.",
                    errors=errors,
                )
            )
            continue
        options = tuple(
            str(v.get("id")) for v in combo["associations"].get("product_option_values") or ()
        )
        label = labels.get(options)
        if label is None:
            values = [text(refs.option_values.get(o), refs.language_id) for o in options]
            label = labels[options] = ", ".join(v for v in values if v)
        impact_w, impact_p = combo["weight"], combo["price"]
        combo_weight = base_weight + impact_w * refs.weight_factor if impact_w else base_weight
        record = {
            "currency": currency,
            "active": active,
            "updated_at": updated_at,
            "external_id": f"{pid}-{cid}",
            "sku": combo["reference"].strip(),
            "name": f"{name} - {label}" if label and name else name,
            "barcode": _barcode(combo["ean13"], combo["upc"]),
            "weight_kg": weight_text(combo_weight) if impact_w else weight,
            "price": decimal_text(base_price + impact_p) if impact_p else price_text,
            "parent": parent,
            "parent_name": parent_name,
            "store_refs": {
                "id_product": pid,
                "id_product_attribute": cid,
                "stock_available_id": stock_ids.get(cid),
            },
            "cursor": product_cursor(pid, cid),
        }
        out.append(_checked(record, f"combination {cid} of product {pid}", combo_weight))
    return out


def _checked(record, what, weight):
    """Business checks the store does not enforce: a SKU, a name, a non-negative weight."""
    if (
        record["sku"]
        and record["name"]
        and weight >= 0
        and (not record["barcode"] or len(record["barcode"]) <= 64)
    ):
        return record
    errors = {}
    if not record["sku"]:
        errors["sku"] = ["missing: the reference is empty in PrestaShop"]
    if not record["name"]:
        errors["name"] = ["missing: the name is empty in every language"]
    if weight < 0:
        errors["weight_kg"] = [
            f"negative: product weight + combination impact = {record['weight_kg']} kg"
        ]
    if record["barcode"] and len(record["barcode"]) > 64:
        errors["barcode"] = ["longer than 64 characters"]
    if not errors:
        return record
    return Invalid(
        reference=record["sku"] or f"{what}",
        external_id=record["external_id"],
        cursor=record["cursor"],
        message=f"PrestaShop {what} cannot be imported: "
        + "; ".join(f"{k} {'; '.join(v)}" for k, v in errors.items()),
        hint="Fix it in Catalog › Products (reference, name, weight), then run the feed again.",
        errors=errors,
    )


# -- orders ------------------------------------------------------------------------------------


CLOSED_FLAGS = ("cancelled", "refunded", "fulfilled")  # an order with one is not open


def is_cancelled(state_id, refs):
    """The order is off: its state is PS_OS_CANCELED or PS_OS_ERROR ("Payment error").

    PrestaShop treats the two alike for stock, and only them: an order created in either
    takes no stock (classes/order/OrderDetail.php ``checkProductStock``), an order moving into
    either gives its stock back (classes/order/OrderHistory.php ``changeIdOrderState``,
    ``$error_or_canceled_statuses``) and neither counts as reserved
    (src/Adapter/StockManager.php ``updateReservedProductQuantity``). Reported as cancelled,
    the hub skips or releases such an order, as the store did; held as unpaid, it would
    reserve stock the store does not hold back for it.
    """
    wanted = (refs.config.get("PS_OS_CANCELED"), refs.config.get("PS_OS_ERROR"))
    return str(state_id) in {str(v) for v in wanted if v}


def order_flags(state_id, refs):
    """paid / cancelled / refunded / fulfilled from the state's flags and the PS_OS_* config."""
    state = refs.states.get(int(state_id)) or {}
    return {
        "paid": state.get("paid") == "1",
        "cancelled": is_cancelled(state_id, refs),
        "refunded": str(state_id) == str(refs.config.get("PS_OS_REFUND")),
        "fulfilled": state.get("shipped") == "1",
        "store_status": str(state_id),
    }


def open_state_ids(refs):
    """The order states ``order_flags`` maps to not cancelled, refunded nor fulfilled."""
    return [
        state_id
        for state_id in sorted(refs.states)
        if not any(order_flags(state_id, refs)[flag] for flag in CLOSED_FLAGS)
    ]


def address_record(raw, refs, email=None):
    if not raw:
        return None
    try:
        address = ADDRESS.load(raw)
    except ValidationError:
        return None
    name = " ".join(p for p in (address["firstname"].strip(), address["lastname"].strip()) if p)
    return {
        "name": name or None,
        "company": address["company"] or None,
        "address1": address["address1"] or None,
        "address2": address["address2"] or None,
        "city": address["city"] or None,
        "postcode": address["postcode"] or None,
        "region": None,
        "country_code": refs.countries.get(address["id_country"]),
        "phone": address["phone"] or address["phone_mobile"] or None,
        "email": email,
    }


def order_record(raw, refs, addresses, emails):
    oid = raw.get("id")
    number = (raw.get("reference") or "").strip() or str(oid)
    try:
        order = ORDER.load(raw)
    except ValidationError as exc:
        return Invalid(
            reference=number,
            external_id=str(oid),
            cursor=id_cursor(oid or 0),
            message=f"PrestaShop order {number} has invalid data: {exc.messages}",
            errors={k: [str(v)] for k, v in exc.messages.items()},
        )
    if order["current_state"] not in refs.states:
        return Invalid(
            reference=number,
            external_id=str(oid),
            cursor=id_cursor(oid),
            message=f"Order {number} is in state {order['current_state']}, which "
            "/api/order_states does not list",
            hint="Give the webservice key GET on order_states, or check the order.",
            errors={"paid": [f"unknown order state {order['current_state']}"]},
        )
    lines, errors = [], {}
    for i, raw_row in enumerate(order["associations"].get("order_rows") or []):
        try:
            row = ORDER_ROW.load(raw_row)
        except ValidationError as exc:
            for key, value in exc.messages.items():
                errors.setdefault(
                    f"lines.{i}.quantity" if key == "product_quantity" else f"lines.{i}.{key}", []
                ).extend(value)
            continue
        pid, pa = row["product_id"], row["product_attribute_id"]
        lines.append(
            {
                "external_id": row["id"],
                "sku": row["product_reference"].strip() or None,
                "product_external_id": external_id(pid, pa)
                if pid.isdigit() and pa.isdigit()
                else None,
                "name": row["product_name"] or None,
                "quantity": row["product_quantity"],
                "price": decimal_text(row["unit_price_tax_incl"]),
            }
        )
    if not lines and not errors:
        errors["lines"] = ["the order has no rows (associations.order_rows is empty)"]
    if errors:
        return Invalid(
            reference=number,
            external_id=str(oid),
            cursor=id_cursor(oid),
            message=f"PrestaShop order {number} cannot be imported: "
            + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
            hint="Check the order's products in Orders › Orders.",
            errors=errors,
        )
    email = emails.get(order["id_customer"])
    carrier = order["id_carrier"]
    total = order["total_paid_tax_incl"]
    if total is None:
        total = order["total_paid"]
    return {
        "external_id": str(oid),
        "number": number,
        **order_flags(order["current_state"], refs),
        "updated_at": shop_time(order["date_upd"], refs.timezone),
        "created_at": shop_time(order["date_add"], refs.timezone)
        or shop_time(order["date_upd"], refs.timezone),
        "currency": refs.currencies.get(order["id_currency"]) or refs.currency,
        "total": decimal_text(total),
        "customer_email": email,
        "shipping_method": {"code": carrier, "title": refs.carriers.get(carrier)}
        if carrier not in ("", "0")
        else None,
        "shipping_address": address_record(
            addresses.get(order["id_address_delivery"]), refs, email
        ),
        "billing_address": address_record(addresses.get(order["id_address_invoice"]), refs, email),
        "lines": lines,
        "cursor": id_cursor(oid),
    }


def order_status_record(raw, refs):
    oid = raw.get("id")
    try:
        order = ORDER_STATUS.load(raw)
    except ValidationError as exc:
        return Invalid(
            reference=str(raw.get("reference") or oid),
            external_id=str(oid),
            message=f"PrestaShop order {oid} has invalid data: {exc.messages}",
            errors={k: [str(v)] for k, v in exc.messages.items()},
        )
    return {
        "external_id": str(oid),
        "number": order["reference"].strip() or str(oid),
        **order_flags(order["current_state"], refs),
        "updated_at": shop_time(order["date_upd"], refs.timezone),
        "cursor": f"{order['date_upd']}|{int(oid):010d}",
    }


# -- stock, suppliers --------------------------------------------------------------------------


def stock_record(raw):
    try:
        row = STOCK.load(raw)
    except ValidationError as exc:
        pid, pa = raw.get("id_product"), raw.get("id_product_attribute") or "0"
        return Invalid(
            reference=f"stock_available {raw.get('id')}",
            external_id=external_id(pid, pa) if str(pid).isdigit() and str(pa).isdigit() else None,
            message=f"PrestaShop stock row {raw.get('id')} is invalid: {exc.messages}",
            errors={
                "quantity" if k == "quantity" else k: [str(v)] for k, v in exc.messages.items()
            },
        )
    return {
        "external_id": external_id(row["id_product"], row["id_product_attribute"]),
        "sku": None,
        "quantity": row["quantity"],
        "on_hand": None,
        "store_refs": {
            "id_product": row["id_product"],
            "id_product_attribute": row["id_product_attribute"],
            "stock_available_id": row["id"],
        },
    }


def _loaded_row(schema, raw, kind, what):
    """``raw`` (a row of ``kind``) through ``schema``; when it fails, the Invalid naming the
    fields, whose cursor passes the row, so the run goes on."""
    try:
        return schema.load(raw)
    except ValidationError as exc:
        return Invalid(
            reference=f"{kind} {raw.get('id')}",
            external_id=str(raw.get("id")),
            cursor=id_cursor(raw.get("id") or 0),
            message=f"PrestaShop {what} {raw.get('id')} is invalid: {exc.messages}",
            errors={k: [str(v)] for k, v in exc.messages.items()},
        )


def supplier_record(raw):
    row = _loaded_row(SUPPLIER, raw, "supplier", "supplier")
    if isinstance(row, Invalid):
        return row
    return {
        "external_id": str(row["id"]),
        "name": row["name"].strip()[:255],
        "email": None,
        "phone": None,
        "active": row["active"] == "1",
        "cursor": id_cursor(row["id"]),
    }


def product_supplier_record(raw, refs):
    row = _loaded_row(PRODUCT_SUPPLIER, raw, "product_supplier", "product-supplier link")
    if isinstance(row, Invalid):
        return row
    return {
        "external_id": str(row["id"]),
        "supplier_external_id": str(row["id_supplier"]),
        "product_external_id": external_id(row["id_product"], row["id_product_attribute"]),
        "supplier_reference": row["reference"].strip() or None,
        "price": decimal_text(row["price"]) if row["price"] else None,
        "currency": refs.currencies.get(row["id_currency"]) or refs.currency,
        "cursor": id_cursor(row["id"]),
    }


def number_or_none(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
