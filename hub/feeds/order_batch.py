"""The writes of a batch of new orders, set-wise (issue 16).

``import_new_orders`` decides each order of a batch one by one (the connector's decision
hook, the products, the carrier) but writes the new ones together when the batch ends: one
INSERT per table for the batch's addresses, orders, bindings, lines and held records, then
the stock reservations of all of them by ``stock.reserve_batch`` — the rows ``_create_order``
and ``_hold`` would write order after order, in the same order (``tests/test_orders_setwise``
compares both). An order the batch cannot take (one already held, or seen twice in the batch)
goes the row-by-row way, after what is pending has been written, so the ledger's order of
events never changes.
"""

from datetime import timedelta
from typing import NamedTuple

from hub.db import db
from hub.feeds.order_check import ADDRESS_FIELDS, dump_order
from hub.models import (
    Address,
    Binding,
    HeldRecord,
    Order,
    OrderLine,
    Product,
    StockMovement,
    to_utc_naive,
    utcnow,
)
from hub.models.bulk import insert_rows
from hub.services import stock

RECHECK_EVERY = timedelta(hours=1)
ADDRESS_KEYS = ("shipping_address", "billing_address")


class ProductRef(NamedTuple):
    """All a line needs of its product."""

    id: int
    sku: str


def rows_in(model, columns, key, values, **equal):
    """Rows (tuples of the fields ``columns``) of ``model`` whose field ``key`` is one of
    ``values`` and whose fields ``equal`` have those values: plain SQL, 500 values a query.
    A batch's look-ups: peewee's IN (…) builds each value through its query tree, which cost
    more than the queries themselves."""
    p = db.obj.param
    column = {name: f'"{model._meta.fields[name].column_name}"' for name in (*columns, key, *equal)}
    selected = ", ".join(column[name] for name in columns)
    where = "".join(f"{column[name]} = {p} AND " for name in equal)
    head = f'SELECT {selected} FROM "{model._meta.table_name}" WHERE {where}{column[key]} IN '  # noqa: S608 - names only
    rows = []
    for i in range(0, len(values), 500):
        chunk = values[i : i + 500]
        marks = ", ".join([p] * len(chunk))
        rows.extend(db.execute_sql(f"{head}({marks})", [*equal.values(), *chunk]))
    return rows


def products_by_sku(skus):
    """{SKU: ProductRef} of the hub's products with these SKUs."""
    return {sku: ProductRef(id_, sku) for id_, sku in rows_in(Product, ("id", "sku"), "sku", skus)}


def address_rows(record):
    """The order's (key, address row) for its shipping and billing addresses given."""
    return [
        (key, {k: record[key].get(k) for k in ADDRESS_FIELDS})
        for key in ADDRESS_KEYS
        if record.get(key)
    ]


def order_row(job, record, carrier, addresses, now):
    """The ``Order`` row of an imported record; ``addresses``: {key: address id}."""
    integration = job.integration
    method = record.get("shipping_method") or {}
    return {
        "integration": integration.id,
        "external_id": record["external_id"],
        "number": record["number"],
        "status": "to_ship",
        "paid": record["paid"],
        "store_status": record.get("store_status"),
        "currency": record.get("currency"),
        "total": record.get("total"),
        "customer_email": record.get("customer_email"),
        "shipping_method_code": method.get("code"),
        "shipping_method_title": method.get("title"),
        "carrier": carrier,
        "shipping_address": addresses.get("shipping_address"),
        "billing_address": addresses.get("billing_address"),
        "warehouse": integration.default_warehouse_id,
        "ordered_at": to_utc_naive(record["created_at"]),
        "imported_at": now,
    }


def binding_row(job, external_id, order_id):
    return {
        "integration": job.integration.id,
        "kind": "order",
        "external_id": external_id,
        "hub_id": order_id,
    }


def line_rows(order_id, record, products):
    return [
        {
            "order": order_id,
            "product": products[line["external_id"]].id,
            "external_id": line["external_id"],
            "sku": products[line["external_id"]].sku,
            "name": line.get("name"),
            "quantity": line["quantity"],
            "price": line.get("price"),
        }
        for line in record["lines"]
    ]


def held_row(job, record, reason, now):
    """A new ``HeldRecord`` of an order (its record serialised, re-checked in an hour)."""
    return {
        "integration": job.integration.id,
        "kind": "order",
        "external_id": record["external_id"],
        "reference": record["number"],
        "reason": reason,
        "status": "held",
        "payload": dump_order(record),  # as serialise_record, faster
        "ordered_at": to_utc_naive(record["created_at"]),
        "held_at": now,
        "next_check_at": now + RECHECK_EVERY,
    }


def reserved_lines(record, products):
    """(product id, quantity) of the record's lines whose product is known."""
    return [
        (products[line["external_id"]].id, line["quantity"])
        for line in record["lines"]
        if line["external_id"] in products
    ]


def write_orders(job, orders, now):
    """Write new orders — ``orders``: (record, products, carrier) each — with their addresses,
    bindings and lines, one INSERT per table; [(the ``Order`` row, its id)] in their order."""
    if not orders:
        return []
    given = [address_rows(record) for record, _, _ in orders]
    address_ids = iter(
        insert_rows(Address, [row for rows in given for _, row in rows], returning_ids=True)
    )
    rows = [
        order_row(job, record, carrier, {key: next(address_ids) for key, _ in keys}, now)
        for (record, _, carrier), keys in zip(orders, given, strict=True)
    ]
    ids = insert_rows(Order, rows, returning_ids=True)
    insert_rows(
        Binding,
        [binding_row(job, row["external_id"], id_) for row, id_ in zip(rows, ids, strict=True)],
        on_conflict="ON CONFLICT DO NOTHING",
    )
    insert_rows(
        OrderLine,
        [
            line
            for (record, products, _), id_ in zip(orders, ids, strict=True)
            for line in line_rows(id_, record, products)
        ],
    )
    return list(zip(rows, ids, strict=True))


class OrderBatch:
    """New orders to create and to hold, written together by ``flush`` (inside the batch's
    transaction). ``products``: {line external_id: Product} of each record's known lines."""

    def __init__(self, job):
        self.job = job
        self._pending = []  # ("order" | "held", record, products, carrier or reason)

    def create_order(self, record, products, carrier):
        self._pending.append(("order", record, products, carrier))

    def hold(self, record, reason, products):
        self._pending.append(("held", record, products, reason))

    def flush(self):
        """Write what is pending: orders (with addresses, bindings, lines), held records, then
        every reservation in the order they were asked for; then ``hub_record_imported``."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        now = utcnow()
        orders = [p[1:] for p in pending if p[0] == "order"]
        written = write_orders(self.job, orders, now)
        order_ids = {row["external_id"]: id_ for row, id_ in written}
        held = self._write_held([p for p in pending if p[0] == "held"], now)
        reservations = []
        for kind, record, products, _ in pending:
            if kind == "order":
                order_id = order_ids[record["external_id"]]
                reservations.append(
                    ("order", order_id, record["number"], reserved_lines(record, products))
                )
            elif held[record["external_id"]] is not None:  # None: reserved already
                reservations.append(
                    (
                        "held_order",
                        held[record["external_id"]],
                        record["number"],
                        reserved_lines(record, products),
                    )
                )
        stock.reserve_batch(
            reservations, self.job.integration.default_warehouse_id, run_id=self.job.run.id
        )
        for (record, _, _), (_, order_id) in zip(orders, written, strict=True):
            self.job.record_imported("order", record, order_id, created=True)

    def _write_held(self, holds, now):
        """{external id: held record id to reserve for, or None when that record already
        existed with its reservations} (another run held it first)."""
        if not holds:
            return {}
        job = self.job
        inserted = insert_rows(
            HeldRecord,
            [held_row(job, record, reason, now) for _, record, _, reason in holds],
            on_conflict="ON CONFLICT DO NOTHING",
            returning=("external_id", "id"),
        )
        held = dict(inserted)
        existing = [r["external_id"] for _, r, _, _ in holds if r["external_id"] not in held]
        if existing:  # held by another run meanwhile: reserved unless it was already
            rows = dict(
                HeldRecord.select(HeldRecord.external_id, HeldRecord.id)
                .where(
                    (HeldRecord.integration == job.integration.id)
                    & (HeldRecord.kind == "order")
                    & HeldRecord.external_id.in_(existing)
                )
                .tuples()
            )
            reserved = {
                ref
                for (ref,) in StockMovement.select(StockMovement.reference_id)
                .where(
                    (StockMovement.reference_type == "held_order")
                    & StockMovement.reference_id.in_(list(rows.values()))
                )
                .tuples()
            }
            held.update({ext: (None if id_ in reserved else id_) for ext, id_ in rows.items()})
        return held
