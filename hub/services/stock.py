"""The inventory ledger: warehouses, stock levels and stock movements.

Every change of stock is a :class:`~hub.models.StockMovement`: ``quantity`` is the
change of ``on_hand``, ``reserved_change`` the change of ``reserved``, and the row
records the levels that resulted, a reference (order, shipment, purchase order,
run), the user and the time. For every (product, warehouse), ``on_hand`` equals the
sum of its movements' ``quantity`` and ``reserved`` the sum of their
``reserved_change`` (:func:`verify_ledger` checks it).

Movement types: ``initial_import`` (import_stock feed), ``adjustment`` (manual, with
a reason), ``reservation`` / ``release`` (orders), ``shipment``, ``receipt``
(purchase orders), ``transfer_out`` / ``transfer_in``, ``stock_check_correction``
(a discrepancy the merchant applied) and ``set`` (a counted quantity).

Concurrency: a level changes only through one atomic statement,
``UPDATE stocklevel SET on_hand = on_hand + ?, reserved = reserved + ?``, inside a
transaction that then reads the resulting row back for the movement. On SQLite every
``db.atomic()`` is ``BEGIN IMMEDIATE`` (see :mod:`hub.db`), which serialises writers;
on PostgreSQL the UPDATE holds the row lock until commit, and a manual operation that
must check ``available`` first takes that lock with ``SELECT … FOR UPDATE``. Level
rows are created with ``INSERT … ON CONFLICT DO NOTHING`` so two processes never
race on creating one.

Rules: a manual operation (``adjust``, ``set_quantity``, ``transfer``) never takes
``available`` below zero unless ``HUB_ALLOW_BACKORDERS`` is set; reservations made
by imported orders are never refused (the store has already sold those units).
"""

import re

from peewee import fn

from hub import bounds
from hub.db import db, is_postgres
from hub.errors import BadInput, NotFound
from hub.models import (
    Integration,
    Product,
    StockDiscrepancy,
    StockLevel,
    StockMovement,
    Warehouse,
    default_warehouse,
    utcnow,
)
from hub.models.bulk import MAX_PARAMS, insert_rows
from hub.models.inventory import MOVEMENT_TYPES
from hub.settings import get_settings

MANUAL_TYPES = ("adjustment", "set", "transfer_out", "transfer_in")


# --------------------------------------------------------------------------- helpers


def _username(user):
    if user is None:
        return None
    name = getattr(user, "username", user)
    return str(name)[:100] if name is not None else None


def _id(value):
    """A model instance or an id -> the id."""
    return getattr(value, "id", value)


def _lock_level(product_id, warehouse_id):
    """The level row, locked for the rest of the transaction (PostgreSQL FOR UPDATE; on
    SQLite the IMMEDIATE transaction already serialises writers)."""
    query = StockLevel.select().where(
        (StockLevel.product == product_id) & (StockLevel.warehouse == warehouse_id)
    )
    if is_postgres():
        query = query.for_update()
    return query.get()


def _ensure_level(product_id, warehouse_id):
    """Create the level row at 0 if absent; INSERT … ON CONFLICT DO NOTHING makes two
    processes creating it at once harmless (the plain read first spares an insert, and on
    PostgreSQL a sequence value, on every movement)."""
    exists = (
        StockLevel.select(StockLevel.id)
        .where((StockLevel.product == product_id) & (StockLevel.warehouse == warehouse_id))
        .exists()
    )
    if not exists:
        (
            StockLevel.insert(
                product=product_id,
                warehouse=warehouse_id,
                on_hand=0,
                reserved=0,
                updated_at=utcnow(),
            )
            .on_conflict_ignore()
            .execute()
        )


def _check_int(value, what):
    """A quantity within hub.bounds' range (an int, or a string of one); BadInput otherwise."""
    return bounds.quantity(value, what)


def _require_reason(reason):
    if reason is None or not str(reason).strip():
        raise BadInput("a reason is required (--reason)")
    return str(reason).strip()


# --------------------------------------------------------------------------- lookups


def get_product(sku):
    """The product with this SKU (or a Product, or ``#id``); NotFound otherwise."""
    if isinstance(sku, Product):
        return sku
    if isinstance(sku, int):
        product = Product.get_or_none(Product.id == sku)
        if product is None:
            raise NotFound(f"unknown product id {sku}")
        return product
    text = str(sku or "").strip()
    product = Product.get_or_none(Product.sku == text)
    if product is None:
        like = (
            [
                p.sku
                for p in Product.select(Product.sku)
                .where(Product.sku.contains(text[: max(3, len(text) - 1)]))
                .order_by(Product.sku)
                .limit(5)
            ]
            if text
            else []
        )
        hint = f"; similar: {', '.join(like)}" if like else ""
        raise NotFound(f"unknown SKU {text!r}{hint}")
    return product


def get_warehouse(name_or_code_or_id):
    """A warehouse by id, code or name (case-insensitive); NotFound listing the warehouses."""
    if isinstance(name_or_code_or_id, Warehouse):
        name_or_code_or_id = name_or_code_or_id.id  # re-read: the caller's copy may be stale
    if name_or_code_or_id is None:
        wh = default_warehouse()
        if wh is None:
            raise NotFound("no warehouse exists: run `hub db upgrade`")
        return wh
    text = str(name_or_code_or_id).strip()
    wh = None
    if bounds.as_id(text):
        wh = Warehouse.get_or_none(Warehouse.id == bounds.as_id(text))
    if wh is None:
        wh = (
            Warehouse.select()
            .where(
                (fn.LOWER(Warehouse.code) == text.lower())
                | (fn.LOWER(Warehouse.name) == text.lower())
            )
            .first()
        )
    if wh is None:
        names = [f"{w.code} ({w.name})" for w in Warehouse.select().order_by(Warehouse.id)]
        raise NotFound(f"unknown warehouse {text!r}; warehouses: {', '.join(names) or 'none'}")
    return wh


def level(product_id, warehouse_id):
    """The StockLevel of (product, warehouse), created at 0 if absent."""
    product_id, warehouse_id = _id(product_id), _id(warehouse_id)
    found = StockLevel.get_or_none(
        (StockLevel.product == product_id) & (StockLevel.warehouse == warehouse_id)
    )
    if found is None:
        _ensure_level(product_id, warehouse_id)
        found = StockLevel.get(
            (StockLevel.product == product_id) & (StockLevel.warehouse == warehouse_id)
        )
    return found


def available_in(product_id, warehouse_ids):
    """Sum of on_hand - reserved of a product over the given warehouses."""
    ids = [_id(w) for w in warehouse_ids]
    if not ids:
        return 0
    value = (
        StockLevel.select(fn.SUM(StockLevel.on_hand - StockLevel.reserved))
        .where((StockLevel.product == _id(product_id)) & StockLevel.warehouse.in_(ids))
        .scalar()
    )
    return int(value or 0)


def active_warehouse_ids():
    return [w.id for w in Warehouse.select(Warehouse.id).where(Warehouse.active == True)]  # noqa: E712


# --------------------------------------------------------------------------- movements


def apply_movement(
    product_id,
    warehouse_id,
    type,
    quantity=0,
    reserved_change=0,
    *,
    reference_type=None,
    reference_id=None,
    reference=None,
    reason=None,
    user=None,
    run_id=None,
    enforce_available=False,
):
    """Change a level by (quantity, reserved_change) and record the movement, atomically.

    With ``enforce_available`` (manual operations) and backorders not allowed, a change
    that lowers available and would take it below zero is refused with BadInput.
    """
    if type not in MOVEMENT_TYPES:
        raise BadInput(f"unknown movement type {type!r}; types: {', '.join(MOVEMENT_TYPES)}")
    product_id, warehouse_id = _id(product_id), _id(warehouse_id)
    quantity = _check_int(quantity, "quantity")
    reserved_change = _check_int(reserved_change, "reserved change")
    with db.atomic():
        _ensure_level(product_id, warehouse_id)
        available_change = quantity - reserved_change
        if enforce_available and available_change < 0 and not get_settings().allow_backorders:
            current = _lock_level(product_id, warehouse_id)
            if current.available + available_change < 0:
                product = Product.get_by_id(product_id)
                wh = Warehouse.get_by_id(warehouse_id)
                raise BadInput(
                    f"not enough stock of {product.sku} in {wh.code}: available "
                    f"{current.available}, this would take it to "
                    f"{current.available + available_change} (backorders are not allowed)"
                )
        (
            StockLevel.update(
                on_hand=StockLevel.on_hand + quantity,
                reserved=StockLevel.reserved + reserved_change,
                updated_at=utcnow(),
            )
            .where((StockLevel.product == product_id) & (StockLevel.warehouse == warehouse_id))
            .execute()
        )
        after = StockLevel.get(
            (StockLevel.product == product_id) & (StockLevel.warehouse == warehouse_id)
        )
        for name, value in (("on hand", after.on_hand), ("reserved", after.reserved)):
            if abs(value) > bounds.MAX_QUANTITY:  # rolled back with the update above
                raise BadInput(
                    f"this would take {name} of product {product_id} to {value:,}, beyond "
                    f"the {bounds.MAX_QUANTITY:,} units the hub counts"
                )
        return StockMovement.create(
            product=product_id,
            warehouse=warehouse_id,
            type=type,
            quantity=quantity,
            reserved_change=reserved_change,
            on_hand_after=after.on_hand,
            reserved_after=after.reserved,
            reference_type=reference_type,
            reference_id=reference_id,
            reference=(str(reference)[:255] if reference else None),
            reason=reason,
            user=_username(user),
            run_id=run_id,
        )


def _reservation(kind, verb, sign, product_id, warehouse_id, quantity, **refs):
    """One reservation movement of ``quantity`` units (``sign``: +1 reserves, -1 releases)."""
    quantity = _check_int(quantity, "quantity")
    if quantity < 0:
        raise BadInput(f"cannot {verb} a negative quantity ({quantity})")
    return apply_movement(product_id, warehouse_id, kind, 0, sign * quantity, **refs)


def reserve(product_id, warehouse_id, quantity, *, reference_type="order", **refs):
    """Reserve units for an imported order. Never refused: the store already sold them.
    ``refs``: the movement's reference_id, reference and run_id (``apply_movement``)."""
    return _reservation(
        "reservation", "reserve", 1, product_id, warehouse_id, quantity,
        reference_type=reference_type, **refs,
    )  # fmt: skip


def reserve_many(lines, warehouse_id, *, reference_type, reference_id, reference, run_id=None):
    """Reserve for every ``(product_id, quantity)`` of one order at once: the same levels and
    ledger rows as ``reserve`` line by line, in fewer statements — the missing levels created
    by one INSERT, one ``UPDATE … RETURNING`` per line (in product-id order: the lock
    order of shipments and cancellations, so concurrent transactions never deadlock), the
    movements inserted together (one per line, as ``reserve`` writes them). Never refused:
    the store already sold them."""
    warehouse_id = _id(warehouse_id)
    wanted = _reservation_lines(lines)
    if not wanted:
        return
    now = utcnow()
    base = _reservation_base(warehouse_id, reference_type, reference_id, reference, run_id, now)
    with db.atomic():
        _create_levels(sorted({pid for pid, _ in wanted}), warehouse_id)
        movements = []
        for product_id, quantity in wanted:
            on_hand, reserved = db.execute_sql(
                RESERVE.format(p=db.obj.param), [quantity, now, product_id, warehouse_id]
            ).fetchone()
            _check_reserved(product_id, reserved)  # rolled back with the update above
            movements.append(
                {
                    **base,
                    "product": product_id,
                    "reserved_change": quantity,
                    "on_hand_after": on_hand,
                    "reserved_after": reserved,
                }
            )
        insert_rows(StockMovement, movements)


def _reservation_lines(lines):
    """An order's ``(product_id, quantity)`` to reserve, checked, in product-id order
    (stable: lines of one product keep their order)."""
    wanted = []
    for product_id, quantity in lines:
        quantity = _check_int(quantity, "quantity")
        if quantity < 0:
            raise BadInput(f"cannot reserve a negative quantity ({quantity})")
        wanted.append((_id(product_id), quantity))
    wanted.sort(key=lambda line: line[0])
    return wanted


def _create_levels(product_ids, warehouse_id):
    """The missing stock levels of these products in the warehouse, created empty."""
    insert_rows(
        StockLevel,
        [
            {"product": pid, "warehouse": warehouse_id, "on_hand": 0, "reserved": 0}
            for pid in product_ids
        ],
        on_conflict="ON CONFLICT DO NOTHING",
    )


def _check_reserved(product_id, reserved):
    if abs(reserved) > bounds.MAX_QUANTITY:
        raise BadInput(
            f"this would take reserved of product {product_id} to {reserved:,}, beyond "
            f"the {bounds.MAX_QUANTITY:,} units the hub counts"
        )


def _reservation_base(warehouse_id, reference_type, reference_id, reference, run_id, now):
    """The fields every ledger row of one order's reservation shares."""
    return {
        "warehouse": warehouse_id,
        "type": "reservation",
        "quantity": 0,
        "reference_type": reference_type,
        "reference_id": reference_id,
        "reference": str(reference)[:255] if reference else None,
        "run_id": run_id,
        "created_at": now,
    }


RESERVE = (
    "UPDATE stock_level SET reserved = reserved + {p}, updated_at = {p} "
    "WHERE product_id = {p} AND warehouse_id = {p} RETURNING on_hand, reserved"
)


def reserve_batch(reservations, warehouse_id, *, run_id=None):
    """Reserve many orders' lines at once (a batch of imported and held orders): the same
    levels and ledger rows as ``reserve_many`` order after order, in a few statements.

    ``reservations``: ``(reference_type, reference_id, reference, [(product_id, quantity),
    …])`` per order, in the order ``reserve_many`` would have been called. The missing levels
    are created by one INSERT; on PostgreSQL the batch's level rows are locked in product-id
    order first (the lock order of shipments and cancellations: no deadlock); one ``UPDATE …
    FROM (VALUES …)`` adds each product's total; the movements — one per line, each with the
    levels as they stood after it, as one by one — are inserted together. Never refused."""
    warehouse_id = _id(warehouse_id)
    movements, totals = [], {}
    now = utcnow()
    for reference_type, reference_id, reference, lines in reservations:
        base = _reservation_base(warehouse_id, reference_type, reference_id, reference, run_id, now)
        for product_id, quantity in _reservation_lines(lines):  # as reserve_many writes them
            totals[product_id] = totals.get(product_id, 0) + quantity
            movements.append(
                {
                    **base,
                    "product": product_id,
                    "reserved_change": quantity,
                    "on_hand_after": None,  # filled in below
                    "reserved_after": totals[product_id],  # the running total, for now
                }
            )
    if not movements:
        return
    products = sorted(totals)
    with db.atomic():
        _create_levels(products, warehouse_id)
        after = {}  # product id -> (on_hand, reserved) once the batch is reserved
        p = db.obj.param
        for i in range(0, len(products), MAX_PARAMS // 2):
            chunk = products[i : i + MAX_PARAMS // 2]
            if is_postgres():
                db.execute_sql(
                    LOCK_LEVELS.format(p=p, ids=", ".join([p] * len(chunk))), [warehouse_id, *chunk]
                )
            values = ", ".join([f"({p}, {p})"] * len(chunk))
            params = [now]
            for pid in chunk:
                params += [pid, totals[pid]]
            params.append(warehouse_id)
            cursor = db.execute_sql(RESERVE_BATCH.format(p=p, values=values), params)
            after.update({pid: (on_hand, reserved) for pid, on_hand, reserved in cursor})
        for pid, (_, reserved) in after.items():
            _check_reserved(pid, reserved)  # rolled back with the update above
        for movement in movements:  # reserved before the batch + the running total
            on_hand, reserved = after[movement["product"]]
            movement["on_hand_after"] = on_hand
            movement["reserved_after"] += reserved - totals[movement["product"]]
        insert_rows(StockMovement, movements)


LOCK_LEVELS = (
    "SELECT 1 FROM stock_level WHERE warehouse_id = {p} AND product_id IN ({ids}) "
    "ORDER BY product_id FOR UPDATE"
)
# VALUES' columns are column1, column2 on both SQLite and PostgreSQL
RESERVE_BATCH = (
    "UPDATE stock_level SET reserved = stock_level.reserved + v.column2, updated_at = {p} "
    "FROM (VALUES {values}) AS v WHERE stock_level.product_id = v.column1 "
    "AND stock_level.warehouse_id = {p} RETURNING stock_level.product_id, "
    "stock_level.on_hand, stock_level.reserved"
)


def release(product_id, warehouse_id, quantity, *, reference_type="order", **refs):
    """Release reserved units (a cancelled order, or a shipment from another warehouse).
    ``refs``: the movement's reference_id, reference, run_id and reason (``apply_movement``)."""
    return _reservation(
        "release", "release", -1, product_id, warehouse_id, quantity,
        reference_type=reference_type, **refs,
    )  # fmt: skip


def _set_on_hand(product_id, warehouse_id, quantity, *, type, **movement):
    """On hand brought to ``quantity`` by one movement of ``type`` for the difference (None:
    unchanged); ``movement``: ``apply_movement``'s keywords."""
    product_id, warehouse_id = _id(product_id), _id(warehouse_id)
    quantity = _check_int(quantity, "quantity")
    if quantity < 0:
        raise BadInput(f"a stock quantity cannot be negative ({quantity})")
    with db.atomic():
        _ensure_level(product_id, warehouse_id)
        current = _lock_level(product_id, warehouse_id)  # the difference must not go stale
        delta = quantity - current.on_hand
        if delta == 0:
            return None
        return apply_movement(product_id, warehouse_id, type, delta, 0, **movement)


def set_on_hand(product_id, warehouse_id, quantity, *, type="set", run_id=None, **movement):
    """Bring on_hand to ``quantity`` with one movement of the difference (None: unchanged);
    ``movement``: its reason, user and reference (``apply_movement``)."""
    return _set_on_hand(
        product_id, warehouse_id, quantity, type=type, run_id=run_id, enforce_available=False,
        reference_type="run" if run_id else None, reference_id=run_id, **movement,
    )  # fmt: skip


def _manual_warehouse(warehouse):
    wh = get_warehouse(warehouse)
    if not wh.active:
        raise BadInput(f"warehouse {wh.code} is inactive")
    return wh


def adjust(product, delta, *, warehouse=None, reason, user=None):
    """A manual adjustment of on_hand by ``delta`` (with a reason)."""
    reason = _require_reason(reason)
    delta = _check_int(delta, "delta")
    if delta == 0:
        raise BadInput("an adjustment of 0 changes nothing")
    product = get_product(product)
    wh = _manual_warehouse(warehouse)
    return apply_movement(
        product.id, wh.id, "adjustment", delta, 0, reason=reason, user=user, enforce_available=True
    )


def set_quantity(product, quantity, *, warehouse=None, reason, user=None):
    """A counted quantity: on_hand becomes ``quantity`` (None when it already was)."""
    reason = _require_reason(reason)
    quantity = _check_int(quantity, "quantity")
    if quantity < 0:
        raise BadInput(f"a stock quantity cannot be negative ({quantity})")
    product = get_product(product)
    wh = _manual_warehouse(warehouse)
    return _set_on_hand(
        product.id, wh.id, quantity, type="set", reason=reason, user=user, enforce_available=True
    )


def transfer(product, quantity, *, from_warehouse, to_warehouse, user=None, reason=None):
    """Move units between warehouses: (transfer_out, transfer_in), in one transaction."""
    quantity = _check_int(quantity, "quantity")
    if quantity <= 0:
        raise BadInput(f"a transfer quantity must be positive, got {quantity}")
    if from_warehouse in (None, "") or to_warehouse in (None, ""):
        raise BadInput("a transfer needs a source and a destination warehouse")
    product = get_product(product)
    source = _manual_warehouse(from_warehouse)
    target = _manual_warehouse(to_warehouse)
    if source.id == target.id:
        raise BadInput("a transfer needs two different warehouses")
    reference = f"{source.code} -> {target.code}"
    with db.atomic():
        # both level rows locked in warehouse-id order: two opposite transfers cannot
        # deadlock on PostgreSQL
        for wh_id in sorted((source.id, target.id)):
            _ensure_level(product.id, wh_id)
        if is_postgres():
            for wh_id in sorted((source.id, target.id)):
                _lock_level(product.id, wh_id)
        out = apply_movement(
            product.id,
            source.id,
            "transfer_out",
            -quantity,
            0,
            reference_type="transfer",
            reference=reference,
            reason=reason,
            user=user,
            enforce_available=True,
        )
        into = apply_movement(
            product.id,
            target.id,
            "transfer_in",
            quantity,
            0,
            reference_type="transfer",
            reference_id=out.id,
            reference=reference,
            reason=reason,
            user=user,
        )
    return out, into


# --------------------------------------------------------------------------- discrepancies


def apply_discrepancy(discrepancy, user=None):
    """Correct the hub to the store's figure found by a stock check (once only).

    The stock check compares the store's quantity with the figure the hub means the store
    to hold (available for a "sellable" store), so on_hand moves by
    ``store_quantity - hub_quantity`` in the integration's default warehouse.

    An ignored discrepancy is refused, as the dashboard offers no Apply for it: ignoring keeps
    the hub's figure, which the next stock update sends to the store, so the recorded store
    quantity no longer describes the store (run a new stock check instead).
    """
    if not isinstance(discrepancy, StockDiscrepancy):
        found = StockDiscrepancy.get_or_none(
            StockDiscrepancy.id == (bounds.as_id(discrepancy) or 0)
        )
        if found is None:
            raise NotFound(f"unknown stock discrepancy {discrepancy!r}")
        discrepancy = found
    if discrepancy.applied_at is not None:
        raise BadInput(
            f"discrepancy {discrepancy.id} ({discrepancy.sku}) was already applied "
            f"on {discrepancy.applied_at:%Y-%m-%d %H:%M} by "
            f"{discrepancy.applied_by or 'unknown'}"
        )
    if discrepancy.ignored_at is not None:
        raise BadInput(_ignored_message(discrepancy))
    if discrepancy.product_id is None:
        raise BadInput(
            f"discrepancy {discrepancy.id}: product {discrepancy.sku} no longer exists in the hub"
        )
    run = discrepancy.run
    integration = Integration.get_by_id(run.integration_id)
    wh = (
        Warehouse.get_by_id(integration.default_warehouse_id)
        if integration.default_warehouse_id
        else default_warehouse()
    )
    delta = discrepancy.store_quantity - discrepancy.hub_quantity
    now = utcnow()
    with db.atomic():
        claimed = (
            StockDiscrepancy.update(applied_at=now, applied_by=_username(user))
            .where(
                (StockDiscrepancy.id == discrepancy.id)
                & StockDiscrepancy.applied_at.is_null()
                & StockDiscrepancy.ignored_at.is_null()
            )
            .execute()
        )
        if not claimed:
            raise BadInput(
                f"discrepancy {discrepancy.id} ({discrepancy.sku}) was already applied or ignored"
            )
        movement = None
        if delta:
            movement = apply_movement(
                discrepancy.product_id,
                wh.id,
                "stock_check_correction",
                delta,
                0,
                reference_type="run",
                reference_id=run.id,
                reference=f"stock check {integration.name} #{run.id}",
                reason=f"store {discrepancy.store_quantity}, hub {discrepancy.hub_quantity}",
                user=user,
                run_id=run.id,
            )
    discrepancy.applied_at, discrepancy.applied_by = now, _username(user)
    return movement


def _ignored_message(discrepancy):
    return (
        f"discrepancy {discrepancy.id} ({discrepancy.sku}) was ignored "
        f"on {discrepancy.ignored_at:%Y-%m-%d %H:%M} by {discrepancy.ignored_by or 'unknown'}: "
        "the hub's figure stays; run a new stock check to compare again"
    )


# --------------------------------------------------------------------------- warehouses


def _code_from(name):
    base = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")[:28] or "WH"
    code, n = base, 1
    while Warehouse.select().where(fn.LOWER(Warehouse.code) == code.lower()).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def _check_name(name, exclude_id=None):
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BadInput("a warehouse name of 1 to 100 characters is required")
    query = Warehouse.select().where(fn.LOWER(Warehouse.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Warehouse.id != exclude_id)
    if query.exists():
        raise BadInput(f"a warehouse named {name!r} already exists")
    return name


def create_warehouse(name, code=None):
    name = _check_name(name)
    if code is None or not str(code).strip():
        code = _code_from(name)
    else:
        code = str(code).strip().upper()
        if not re.fullmatch(r"[A-Z0-9][A-Z0-9_\-]{0,31}", code):
            raise BadInput(f"invalid warehouse code {code!r}: up to 32 letters, digits, _ -")
        if code.isdigit():
            raise BadInput(f"invalid warehouse code {code!r}: it must not be only digits")
        if Warehouse.select().where(fn.LOWER(Warehouse.code) == code.lower()).exists():
            raise BadInput(f"a warehouse with code {code!r} already exists")
    return Warehouse.create(name=name, code=code)


def rename_warehouse(wh, name):
    wh = get_warehouse(wh)
    wh.name = _check_name(name, exclude_id=wh.id)
    wh.save(only=[Warehouse.name])
    return wh


def deactivate_warehouse(wh):
    """Refused for the default warehouse, one holding stock, or an integration's default."""
    wh = Warehouse.get_by_id(get_warehouse(wh).id)  # as committed, not as passed
    if wh.is_default:
        raise BadInput(f"warehouse {wh.code} is the default warehouse and cannot be deactivated")
    holding = (
        StockLevel.select()
        .where(
            (StockLevel.warehouse == wh.id)
            & ((StockLevel.on_hand != 0) | (StockLevel.reserved != 0))
        )
        .count()
    )
    if holding:
        raise BadInput(
            f"warehouse {wh.code} still holds stock of {holding} product(s): transfer it out first"
        )
    users = [
        i.name
        for i in Integration.select(Integration.name).where(Integration.default_warehouse == wh.id)
    ]
    if users:
        raise BadInput(
            f"warehouse {wh.code} is the default warehouse of integration(s) {', '.join(users)}"
        )
    wh.active = False
    wh.save(only=[Warehouse.active])
    return wh


def activate_warehouse(wh):
    wh = get_warehouse(wh)
    wh.active = True
    wh.save(only=[Warehouse.active])
    return wh


# --------------------------------------------------------------------------- reporting


def verify_ledger():
    """Every inconsistency between the levels and the ledger, as readable strings.

    For each level: on_hand == sum(quantity), reserved == sum(reserved_change), and each
    movement's resulting levels equal the running sums in id order.
    """
    problems = []
    sums = {
        (r.product_id, r.warehouse_id): (int(r.q or 0), int(r.r or 0))
        for r in StockMovement.select(
            StockMovement.product,
            StockMovement.warehouse,
            fn.SUM(StockMovement.quantity).alias("q"),
            fn.SUM(StockMovement.reserved_change).alias("r"),
        )
        .group_by(StockMovement.product, StockMovement.warehouse)
        .objects()
    }
    levels = {
        (lv.product_id, lv.warehouse_id): (lv.on_hand, lv.reserved) for lv in StockLevel.select()
    }
    for key in set(sums) | set(levels):
        got = levels.get(key, (0, 0))
        want = sums.get(key, (0, 0))
        if got != want:
            problems.append(
                f"product {key[0]} warehouse {key[1]}: level on_hand/reserved "
                f"{got} but movements sum to {want}"
            )
    running = {}
    for m in StockMovement.select().order_by(StockMovement.id):
        key = (m.product_id, m.warehouse_id)
        q, r = running.get(key, (0, 0))
        q, r = q + m.quantity, r + m.reserved_change
        running[key] = (q, r)
        if (m.on_hand_after, m.reserved_after) != (q, r):
            problems.append(
                f"movement {m.id}: after ({m.on_hand_after}, {m.reserved_after}) "
                f"but running sums ({q}, {r})"
            )
    return problems
