"""Purchasing: suppliers, product–supplier links, purchase orders, receiving, recommendations.

Purchase orders go ``draft → ordered → partially_received → received``, or
``cancelled`` (from draft, ordered, or partially_received: what was received stays).
Numbers are ``PO-`` and the id on six digits (``PO-000001``). Receiving (in full or in
part, into a chosen warehouse) adds stock with ``receipt`` movements that reference
the purchase order; receiving more than a line still expects is refused.

Purchase recommendations
------------------------
For each active product, with ``window_days`` (default 30), ``safety_days`` (days of
cover kept as safety stock, default 7) and ``review_days`` (how long an order should
last, default 14)::

    sold          = Σ OrderLine.quantity of non-cancelled orders with ordered_at in the
                    last window_days
    daily_sales   = sold / window_days                         (exact fraction)
    lead_time     = link.lead_time_days, else the supplier's lead_time_days
                    (default_lead_time_days, 7, when the product has no supplier)
    reorder_point = ceil(daily_sales × (lead_time + safety_days))
    position      = available (Σ on_hand − reserved over active warehouses)
                    + quantity still to receive on open purchase orders
                      (draft, ordered, partially_received)
    if position <= reorder_point:
        suggested = max(reorder_point + ceil(daily_sales × review_days) − position,
                        min_order_qty)
        rounded UP to a multiple of min_order_qty        (min_order_qty: the link's, else 1)

Products are grouped by their preferred supplier; a product without a preferred
supplier uses its only link, or with several links the cheapest one (lowest price,
then the oldest link); a product without any link is listed under "no supplier".
With ``skip_unsold`` a product that sold nothing in the window is left out unless its
position is negative (units owed to customers).
"""

import uuid
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from peewee import fn

from hub import bounds
from hub.db import db, is_postgres
from hub.errors import BadInput, NotFound
from hub.models import (
    Order,
    OrderLine,
    Product,
    ProductSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    Supplier,
    Warehouse,
    add_up_to,
    by_id_or_first,
    default_warehouse,
    iso,
    remaining_plan,
    utcnow,
)
from hub.models.purchasing import OPEN_PO_STATUSES, PO_STATUSES
from hub.services import stock

PO_TRANSITIONS = {
    "draft": ("ordered", "cancelled"),
    "ordered": ("partially_received", "received", "cancelled"),
    "partially_received": ("partially_received", "received", "cancelled"),
    "received": (),
    "cancelled": (),
}
NO_SUPPLIER = "no supplier"


# --------------------------------------------------------------------------- validation


def _int(value, what, *, minimum=None):
    """A whole number within hub.bounds' quantity range (days and quantities alike)."""
    return bounds.whole_number(
        value, what, minimum=-bounds.MAX_QUANTITY if minimum is None else minimum
    )


def _money(value, what="price"):
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BadInput(f"{what} must be a decimal number, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise BadInput(f"{what} must be a positive decimal number, got {value!r}")
    return amount


def money_str(value):
    """A decimal string with at least 2 decimals ("12.50", "0.1234"); None stays None."""
    if value is None:
        return None
    value = Decimal(value)
    cents = value.quantize(Decimal("0.01"))
    return str(cents) if cents == value else str(value.normalize())


# --------------------------------------------------------------------------- suppliers


def get_supplier(name_or_id):
    if isinstance(name_or_id, Supplier):
        return name_or_id
    text = str(name_or_id or "").strip()
    found = by_id_or_first(Supplier, text, fn.LOWER(Supplier.name) == text.lower())
    if found is None:
        names = [s.name for s in Supplier.select(Supplier.name).order_by(Supplier.name)]
        raise NotFound(f"unknown supplier {text!r}; suppliers: {', '.join(names) or 'none'}")
    return found


def create_supplier(name, *, email=None, phone=None, lead_time_days=7):
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise BadInput("a supplier name of 1 to 255 characters is required")
    if Supplier.select().where(fn.LOWER(Supplier.name) == name.lower()).exists():
        raise BadInput(f"a supplier named {name!r} already exists")
    lead_time_days = _int(lead_time_days, "lead time (days)", minimum=0)
    return Supplier.create(
        name=name, email=email or None, phone=phone or None, lead_time_days=lead_time_days
    )


def supplier_summary(supplier):
    return {
        "id": supplier.id,
        "name": supplier.name,
        "email": supplier.email,
        "phone": supplier.phone,
        "lead_time_days": supplier.lead_time_days,
        "active": supplier.active,
        "products": supplier.product_links.count(),
    }


def link_product(
    product,
    supplier,
    *,
    supplier_reference=None,
    price=None,
    currency=None,
    min_order_qty=1,
    lead_time_days=None,
    preferred=False,
):
    """Create or update the product–supplier link; ``preferred`` un-prefers the others
    (at most one preferred supplier per product)."""
    product = stock.get_product(product)
    supplier = get_supplier(supplier)
    min_order_qty = _int(min_order_qty, "minimum order quantity", minimum=1)
    if lead_time_days is not None:
        lead_time_days = _int(lead_time_days, "lead time (days)", minimum=0)
    price = _money(price)
    with db.atomic():
        link = ProductSupplier.get_or_none(
            (ProductSupplier.product == product.id) & (ProductSupplier.supplier == supplier.id)
        )
        if link is None:
            link = ProductSupplier(product=product, supplier=supplier)
        link.supplier_reference = supplier_reference
        link.price = price
        link.currency = currency
        link.min_order_qty = min_order_qty
        link.lead_time_days = lead_time_days
        link.preferred = False
        link.save()
        if preferred:
            set_preferred_supplier(product, supplier)
            link = ProductSupplier.get_by_id(link.id)
    return link


def set_preferred_supplier(product, supplier):
    product = stock.get_product(product)
    supplier = get_supplier(supplier)
    with db.atomic():
        link = ProductSupplier.get_or_none(
            (ProductSupplier.product == product.id) & (ProductSupplier.supplier == supplier.id)
        )
        if link is None:
            raise BadInput(f"{product.sku} is not linked to supplier {supplier.name}")
        (
            ProductSupplier.update(preferred=False)
            .where((ProductSupplier.product == product.id) & (ProductSupplier.id != link.id))
            .execute()
        )
        ProductSupplier.update(preferred=True).where(ProductSupplier.id == link.id).execute()
    return ProductSupplier.get_by_id(link.id)


# --------------------------------------------------------------------------- purchase orders


def find_purchase_order(ref):
    """By number (``PO-000001``, any case, or just ``1``) or by id."""
    if isinstance(ref, PurchaseOrder):
        return ref
    text = str(ref or "").strip()
    found = PurchaseOrder.get_or_none(fn.UPPER(PurchaseOrder.number) == text.upper())
    if found is None and bounds.as_id(text):
        found = PurchaseOrder.get_or_none(PurchaseOrder.id == bounds.as_id(text))
    if found is None:
        raise NotFound(f"unknown purchase order {text!r} (see `hub po list`)")
    return found


def check_po_transition(po, new_status):
    allowed = PO_TRANSITIONS.get(po.status, ())
    if new_status not in allowed:
        raise BadInput(
            f"purchase order {po.number} is {po.status}: it cannot become "
            f"{new_status} (allowed from {po.status}: {', '.join(allowed) or 'none'})"
        )


def _normalise_lines(lines):
    """[(sku_or_product, qty[, price])] or {sku: qty | (qty, price)} -> [(product, qty, price)]."""
    if isinstance(lines, dict):
        items = [(k, *(v if isinstance(v, tuple | list) else (v,))) for k, v in lines.items()]
    else:
        items = [tuple(item) for item in (lines or ())]
    if not items:
        raise BadInput("a purchase order needs at least one line (--line SKU=QTY)")
    merged = {}
    for item in items:
        if len(item) not in (2, 3):
            raise BadInput(f"a purchase order line is (SKU, QTY[, PRICE]), got {item!r}")
        product = stock.get_product(item[0])
        qty = _int(item[1], f"quantity of {product.sku}", minimum=1)
        price = _money(item[2], f"price of {product.sku}") if len(item) == 3 else None
        if product.id in merged:
            prev_qty, prev_price = merged[product.id][1:]
            merged[product.id] = (
                product,
                prev_qty + qty,
                price if price is not None else prev_price,
            )
        else:
            merged[product.id] = (product, qty, price)
    return list(merged.values())


def create_purchase_order(supplier, lines=None, *, warehouse=None, user=None, notes=None):
    """A draft purchase order. ``lines``: [(sku, qty[, price])] or {sku: qty | (qty, price)};
    None creates an empty draft (lines added with :func:`add_line`). A line without a price
    takes the supplier link's price and reference."""
    supplier = get_supplier(supplier)
    if not supplier.active:
        raise BadInput(f"supplier {supplier.name} is inactive")
    wh = stock.get_warehouse(warehouse) if warehouse is not None else None
    if wh is not None and not wh.active:
        raise BadInput(f"warehouse {wh.code} is inactive")
    items = _normalise_lines(lines) if lines is not None else []
    with db.atomic():
        po = PurchaseOrder.create(
            number=f"TMP-{uuid.uuid4().hex[:20]}",
            supplier=supplier,
            warehouse=wh,
            status="draft",
            notes=notes,
            created_by=stock._username(user),
        )
        po.number = f"PO-{po.id:06d}"  # from the id: unique without a race
        po.save(only=[PurchaseOrder.number])
        for product, qty, price in items:
            _add_line(po, product, qty, price)
    return po


def _add_line(po, product, qty, price):
    link = ProductSupplier.get_or_none(
        (ProductSupplier.supplier == po.supplier_id) & (ProductSupplier.product == product.id)
    )
    existing = PurchaseOrderLine.get_or_none(
        (PurchaseOrderLine.purchase_order == po.id) & (PurchaseOrderLine.product == product.id)
    )
    if existing is not None:
        existing.quantity += qty
        if price is not None:
            existing.unit_price = price
        existing.save()
        return existing
    return PurchaseOrderLine.create(
        purchase_order=po,
        product=product,
        quantity=qty,
        unit_price=price if price is not None else (link.price if link else None),
        supplier_reference=link.supplier_reference if link else None,
    )


def add_line(po, sku, quantity, price=None):
    """Add units of a product to a draft purchase order (merged with its line if any)."""
    po = find_purchase_order(po)
    ((product, qty, price),) = _normalise_lines([(sku, quantity, price)])
    with db.atomic():
        po = _lock_po(po.id)  # the status as committed, not as passed
        if po.status != "draft":
            raise BadInput(
                f"purchase order {po.number} is {po.status}: lines can only be added to a draft"
            )
        return _add_line(po, product, qty, price)


def _lock_po(po_id):
    query = PurchaseOrder.select().where(PurchaseOrder.id == po_id)
    if is_postgres():
        query = query.for_update()
    return query.get()


def order_purchase_order(po, user=None):
    """draft -> ordered (sent to the supplier); expected_at from the supplier's lead time."""
    po = find_purchase_order(po)
    with db.atomic():
        po = _lock_po(po.id)
        check_po_transition(po, "ordered")
        if not po.lines.exists():
            raise BadInput(f"purchase order {po.number} has no lines: add some first")
        now = utcnow()
        po.status = "ordered"
        po.ordered_at = now
        po.expected_at = now + timedelta(days=po.supplier.lead_time_days or 0)
        po.save()
    return po


def cancel_purchase_order(po, user=None):
    po = find_purchase_order(po)
    with db.atomic():
        po = _lock_po(po.id)
        check_po_transition(po, "cancelled")
        po.status = "cancelled"
        po.cancelled_at = utcnow()
        po.save()
    return po


def receive_purchase_order(po, lines=None, *, warehouse=None, user=None):
    """Receive ``lines`` ({sku_or_line: qty}; None: everything still expected) into
    ``warehouse`` (default: the PO's, else the default warehouse). Returns the movements."""
    po = find_purchase_order(po)
    with db.atomic():
        po = _lock_po(po.id)
        if po.status not in ("ordered", "partially_received"):
            hint = " (order it first: `hub po order`)" if po.status == "draft" else ""
            raise BadInput(
                f"purchase order {po.number} is {po.status}: it cannot be received{hint}"
            )
        if warehouse is not None:
            wh = stock.get_warehouse(warehouse)
        else:
            wh = Warehouse.get_by_id(po.warehouse_id) if po.warehouse_id else default_warehouse()
        if not wh.active:
            raise BadInput(f"warehouse {wh.code} is inactive")
        po_lines = list(po.lines.order_by(PurchaseOrderLine.id))
        plan = _receipt_plan(po, po_lines, lines)
        movements = []
        by_id = {pl.id: pl for pl in po_lines}
        for line_id, qty in plan.items():
            pl = by_id[line_id]
            received = PurchaseOrderLine.received_quantity
            if not add_up_to(pl, received, qty, limit=PurchaseOrderLine.quantity):
                raise BadInput(f"cannot receive {qty} × {pl.product.sku}: more than expected")
            movements.append(
                stock.apply_movement(
                    pl.product_id,
                    wh.id,
                    "receipt",
                    qty,
                    0,
                    reference_type="purchase_order",
                    reference_id=po.id,
                    reference=po.number,
                    user=user,
                )
            )
        complete = all(pl.received_quantity >= pl.quantity for pl in po_lines)
        new_status = "received" if complete else "partially_received"
        check_po_transition(po, new_status)
        po.status = new_status
        if complete:
            po.received_at = utcnow()
        po.save()
    return movements


def _receipt_plan(po, po_lines, lines):
    if lines is None:
        return remaining_plan(po_lines, f"purchase order {po.number} has nothing left to receive")
    if not lines:
        raise BadInput("no line to receive")
    plan = {}
    for key, value in lines.items():
        if isinstance(key, PurchaseOrderLine):
            matching = [pl for pl in po_lines if pl.id == key.id]
            label = key.product.sku
        else:
            label = str(getattr(key, "sku", key)).strip()
            matching = [pl for pl in po_lines if pl.product.sku == label]
        if not matching:
            skus = ", ".join(sorted(pl.product.sku for pl in po_lines))
            raise BadInput(f"{label} is not on purchase order {po.number}; its lines: {skus}")
        qty = _int(value, f"quantity of {label}", minimum=1)
        pl = matching[0]
        total = plan.get(pl.id, 0) + qty
        if total > pl.remaining:
            raise BadInput(
                f"cannot receive {total} × {label} on {po.number}: only "
                f"{pl.remaining} still expected (ordered {pl.quantity}, received "
                f"{pl.received_quantity})"
            )
        plan[pl.id] = total
    return plan


def po_summary(po, with_lines=True):
    lines = list(po.lines.order_by(PurchaseOrderLine.id))
    total = sum(((pl.unit_price or Decimal(0)) * pl.quantity for pl in lines), Decimal(0))
    data = {
        "id": po.id,
        "number": po.number,
        "supplier": po.supplier.name,
        "status": po.status,
        "warehouse": po.warehouse.code if po.warehouse_id else None,
        "lines_count": len(lines),
        "quantity": sum(pl.quantity for pl in lines),
        "received_quantity": sum(pl.received_quantity for pl in lines),
        "total": money_str(total),
        "created_by": po.created_by,
        "created_at": iso(po.created_at),
        "ordered_at": iso(po.ordered_at),
        "expected_at": iso(po.expected_at),
        "received_at": iso(po.received_at),
        "cancelled_at": iso(po.cancelled_at),
        "notes": po.notes,
    }
    if with_lines:
        data["lines"] = [
            {
                "sku": pl.product.sku,
                "quantity": pl.quantity,
                "received_quantity": pl.received_quantity,
                "remaining": pl.quantity - pl.received_quantity,
                "unit_price": money_str(pl.unit_price),
                "supplier_reference": pl.supplier_reference,
            }
            for pl in lines
        ]
    return data


# --------------------------------------------------------------------------- recommendations


def _ceil_div(numerator, denominator):
    """ceil(numerator / denominator) of integers, exactly (denominator > 0)."""
    return -(-numerator // denominator)


def _round_up(quantity, multiple):
    return -(-quantity // multiple) * multiple


def _sales(since):
    query = (
        OrderLine.select(OrderLine.product, fn.SUM(OrderLine.quantity).alias("sold"))
        .join(Order)
        .where(
            (Order.status != "cancelled")
            & (Order.ordered_at >= since)
            & OrderLine.product.is_null(False)
        )
        .group_by(OrderLine.product)
    )
    return {product_id: int(sold or 0) for product_id, sold in query.tuples()}


def _available():
    active = stock.active_warehouse_ids()
    if not active:
        return {}
    query = (
        StockLevel.select(
            StockLevel.product, fn.SUM(StockLevel.on_hand - StockLevel.reserved).alias("a")
        )
        .where(StockLevel.warehouse.in_(active))
        .group_by(StockLevel.product)
    )
    return {product_id: int(a or 0) for product_id, a in query.tuples()}


def _on_order():
    query = (
        PurchaseOrderLine.select(
            PurchaseOrderLine.product,
            fn.SUM(PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity).alias("q"),
        )
        .join(PurchaseOrder)
        .where(PurchaseOrder.status.in_(OPEN_PO_STATUSES))
        .group_by(PurchaseOrderLine.product)
    )
    return {product_id: int(q or 0) for product_id, q in query.tuples()}


def _chosen_links():
    """{product_id: link}: the preferred link, the only one, or the cheapest."""
    chosen = {}
    query = (
        ProductSupplier.select(ProductSupplier, Supplier)
        .join(Supplier)
        .where(Supplier.active == True)  # noqa: E712
        .order_by(ProductSupplier.product, ProductSupplier.id)
    )
    by_product = {}
    for link in query:
        by_product.setdefault(link.product_id, []).append(link)
    for product_id, links in by_product.items():
        preferred = [lk for lk in links if lk.preferred]
        if preferred:
            chosen[product_id] = preferred[0]
        else:
            chosen[product_id] = min(links, key=lambda lk: (lk.price is None, lk.price or 0, lk.id))
    return chosen


def recommendations(
    *,
    window_days=30,
    safety_days=7,
    review_days=14,
    now=None,
    default_lead_time_days=7,
    skip_unsold=False,
    supplier=None,
    unsupplied=False,
):
    """What to reorder, grouped by supplier (see the module docstring for the formula).
    ``supplier``: only that supplier's group; ``unsupplied``: only the products no active
    supplier delivers.

    Returns ``[{"supplier", "supplier_id", "lines": [...], "total"}]``, suppliers by name,
    "no supplier" last; each line has sku, sold, daily_sales (string), lead_time_days,
    reorder_point, available, on_order, position, min_order_qty, suggested, unit_price.
    """
    window_days = _int(window_days, "window (days)", minimum=1)
    safety_days = _int(safety_days, "safety stock (days)", minimum=0)
    review_days = _int(review_days, "review period (days)", minimum=0)
    now = now or utcnow()
    only = get_supplier(supplier) if supplier is not None else None
    sold_by = _sales(now - timedelta(days=window_days))
    available_by = _available()
    on_order_by = _on_order()
    links = _chosen_links()
    groups = {}
    products = (
        Product.select(Product.id, Product.sku, Product.name)
        .where(Product.status == "active")
        .order_by(Product.sku)
        .namedtuples()  # thousands of rows: no model instances (the overview counts them)
    )
    for product in products:
        link = links.get(product.id)
        if only is not None and (link is None or link.supplier_id != only.id):
            continue
        if unsupplied and link is not None:
            continue
        sold = sold_by.get(product.id, 0)
        if link is not None:
            lead = (
                link.lead_time_days
                if link.lead_time_days is not None
                else link.supplier.lead_time_days or 0
            )
            moq = max(link.min_order_qty or 1, 1)
        else:
            lead, moq = default_lead_time_days, 1
        # ceil(daily_sales × days) in integers (exact, as Fraction was, for every product:
        # the overview counts them all; the Fraction is made for the lines shown only)
        reorder_point = _ceil_div(sold * (lead + safety_days), window_days)
        available = available_by.get(product.id, 0)
        on_order = on_order_by.get(product.id, 0)
        position = available + on_order
        if position > reorder_point:
            continue
        if skip_unsold and sold == 0 and position >= 0:
            continue
        daily = Fraction(sold, window_days)
        suggested = max(reorder_point + _ceil_div(sold * review_days, window_days) - position, moq)
        suggested = _round_up(suggested, moq)
        key = link.supplier_id if link else None
        group = groups.setdefault(
            key,
            {
                "supplier": link.supplier.name if link else NO_SUPPLIER,
                "supplier_id": key,
                "lines": [],
                "total": Decimal(0),
            },
        )
        price = link.price if link else None
        group["lines"].append(
            {
                "sku": product.sku,
                "product_id": product.id,
                "name": product.name,
                "sold": sold,
                "window_days": window_days,
                "daily_sales": str(
                    (Decimal(daily.numerator) / Decimal(daily.denominator)).quantize(
                        Decimal("0.001")
                    )
                ),
                "lead_time_days": lead,
                "safety_days": safety_days,
                "review_days": review_days,
                "reorder_point": reorder_point,
                "available": available,
                "on_order": on_order,
                "position": position,
                "min_order_qty": moq,
                "suggested": suggested,
                "unit_price": money_str(price),
                "supplier_reference": link.supplier_reference if link else None,
            }
        )
        if price is not None:
            group["total"] += price * suggested
    result = sorted(
        (g for k, g in groups.items() if k is not None), key=lambda g: g["supplier"].lower()
    )
    if None in groups:
        result.append(groups[None])
    for g in result:
        g["total"] = money_str(g["total"])
    return result


def create_po_from_recommendations(
    supplier, *, warehouse=None, user=None, unsupplied=False, link=False, **options
):
    """Turn one supplier's recommendations into a draft purchase order. ``options`` are
    :func:`recommendations`' (the sales window…): give the ones the recommendations were
    computed with, or the lines differ from what the merchant saw.

    ``unsupplied``: order from ``supplier`` the products no supplier delivers yet (the "no
    supplier" group); ``link`` then also links them to it, so they are in its group next time.
    """
    supplier = get_supplier(supplier)
    if unsupplied:
        groups = recommendations(unsupplied=True, **options)
    else:
        groups = recommendations(supplier=supplier, **options)
    lines = [line for g in groups for line in g["lines"]]
    if not lines:
        what = (
            "among the products without a supplier"
            if unsupplied
            else f"from supplier {supplier.name}"
        )
        window = options.get("window_days", 30)
        raise BadInput(f"nothing to reorder {what} (sales of the last {window} days)")
    with db.atomic():
        if unsupplied and link:
            for line in lines:
                link_product(line["product_id"], supplier)
        return create_purchase_order(
            supplier,
            [(line["sku"], line["suggested"]) for line in lines],
            warehouse=warehouse,
            user=user,
            notes="from purchase recommendations",
        )


__all__ = [
    "NO_SUPPLIER",
    "PO_STATUSES",
    "PO_TRANSITIONS",
    "cancel_purchase_order",
    "create_po_from_recommendations",
    "create_purchase_order",
    "create_supplier",
    "find_purchase_order",
    "get_supplier",
    "link_product",
    "order_purchase_order",
    "po_summary",
    "receive_purchase_order",
    "recommendations",
    "set_preferred_supplier",
    "supplier_summary",
]
