"""Shared fixtures and factories of the back-office tests (inventory, orders, purchasing).

Imported by tests/test_backoffice_*.py (tests/ is on pythonpath). The stock worker
below runs in spawned processes for the concurrency tests.
"""

import os
import time
from datetime import timedelta

import pytest


def _open(url, instance_dir, migrate=True):
    """Open ``url`` in this process (the spawned workers of the concurrency tests)."""
    import hub.db
    import hub.models.schema
    import hub.settings

    os.environ.update(
        {
            "HUB_DATABASE_URL": url,
            "HUB_INSTANCE_DIR": str(instance_dir),
            "HUB_SECRET_KEY": "test-secret-key-for-backoffice-tests",
        }
    )
    hub.settings.set_settings(hub.settings.load_settings())
    database = hub.db.init_db(url)
    if migrate:
        hub.models.schema.upgrade()
    return database


@pytest.fixture(name="bo_db")
def bo_db_fixture(hub_db, monkeypatch):
    """The lead's ``hub_db`` (a migrated SQLite file per test, with the default
    warehouse) without backorders; the ledger is checked when the test ends, so every
    scenario ends with the invariant."""
    from hub.db import db

    monkeypatch.setattr(hub_db, "allow_backorders", False)
    yield db.obj
    if db.obj is not None and not db.obj.is_closed():
        assert_ledger_consistent()


def assert_ledger_consistent():
    """on_hand (and reserved) of every level equal the sums of its movements, and every
    movement's resulting levels equal the running sums."""
    from hub.services.stock import verify_ledger

    problems = verify_ledger()
    assert problems == [], "ledger inconsistent:\n" + "\n".join(problems)


def backorders(monkeypatch, allowed=True):
    from hub.settings import get_settings

    monkeypatch.setattr(get_settings(), "allow_backorders", allowed)


# --------------------------------------------------------------------------- factories


def make_product(sku, name=None, **kwargs):
    from hub.models import Product

    return Product.create(sku=sku, name=name or f"Product {sku}", **kwargs)


def make_integration(name="shop", carriers=None, warehouse=None, mode="test"):
    from hub.models import Integration, IntegrationWarehouse, default_warehouse

    wh = warehouse or default_warehouse()
    integration = Integration.create(
        name=name,
        connector="shopify",
        base_url=f"https://{name}.example.test",
        mode=mode,
        carrier_mapping={"standard": "UPS", "express": "DHL"} if carriers is None else carriers,
        default_warehouse=wh,
    )
    IntegrationWarehouse.create(integration=integration, warehouse=wh)
    return integration


def make_order(
    integration,
    number,
    lines,
    *,
    warehouse=None,
    reserve=True,
    status="to_ship",
    ordered_at=None,
    carrier="UPS",
):
    """An imported order: ``lines`` is [(product, qty)]; its stock reserved like the feed."""
    from hub.models import Order, OrderLine, default_warehouse, utcnow
    from hub.services import stock

    wh = warehouse or default_warehouse()
    order = Order.create(
        integration=integration,
        external_id=f"ext-{number}",
        number=number,
        status=status,
        carrier=carrier,
        shipping_method_code="standard",
        warehouse=wh,
        ordered_at=ordered_at or utcnow() - timedelta(hours=1),
    )
    for i, (product, qty) in enumerate(lines):
        OrderLine.create(
            order=order,
            product=product,
            external_id=f"{number}-{i}",
            sku=product.sku,
            name=product.name,
            quantity=qty,
        )
        if reserve and status != "cancelled":
            stock.reserve(product.id, wh.id, qty, reference_id=order.id, reference=number)
    return order


def on_hand(product, warehouse=None):
    from hub.models import default_warehouse
    from hub.services import stock

    lv = stock.level(product.id, (warehouse or default_warehouse()).id)
    return lv.on_hand, lv.reserved, lv.available


# --------------------------------------------------------------------------- processes


def stock_worker(url, instance_dir, product_id, warehouse_id, mode, iterations, barrier, results):
    """One process hammering one level through its own connection.

    mode "mixed": +1 adjustment, reservation of 1, release of 1, +1 receipt per iteration.
    mode "drain": manual -1 adjustments (refused when available would go below zero).
    mode "pingpong": a manual -1 and, when it went through, +1 back: available hovers at
    zero the whole time, so an unlocked check would let it go negative.
    mode "transfer:A:B": transfers of 1 unit from warehouse id A to B (half the processes
    the other way round: rows locked in opposite orders would deadlock).
    """
    from hub.errors import BadInput
    from hub.services import stock

    database = _open(url, instance_dir, migrate=False)
    barrier.wait(timeout=60)
    done = refused = 0
    try:
        for i in range(iterations):
            if mode.startswith("transfer:"):
                _, source, target = mode.split(":")
                try:
                    stock.transfer(
                        product_id, 1, from_warehouse=int(source), to_warehouse=int(target)
                    )
                    done += 1
                except BadInput:
                    refused += 1
            elif mode == "mixed":
                stock.adjust(product_id, 1, warehouse=warehouse_id, reason=f"w{os.getpid()}")
                stock.reserve(product_id, warehouse_id, 1, reference_id=i)
                stock.release(product_id, warehouse_id, 1, reference_id=i)
                stock.apply_movement(product_id, warehouse_id, "receipt", 1)
                done += 1
            else:
                try:
                    stock.adjust(product_id, -1, warehouse=warehouse_id, reason=mode)
                    done += 1
                    if mode == "pingpong":
                        stock.adjust(product_id, 1, warehouse=warehouse_id, reason=mode)
                except BadInput:
                    refused += 1
                    time.sleep(0.001)
        results.put((os.getpid(), done, refused, None))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put((os.getpid(), done, refused, repr(exc)))
    finally:
        database.close()


def run_stock_workers(url, instance_dir, product_id, warehouse_id, mode, processes, iterations):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    modes = mode if isinstance(mode, list) else [mode] * processes
    procs = [
        ctx.Process(
            target=stock_worker,
            args=(
                url,
                str(instance_dir),
                product_id,
                warehouse_id,
                modes[i],
                iterations,
                barrier,
                results,
            ),
        )
        for i in range(processes)
    ]
    for p in procs:
        p.start()
    collected = [results.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0, f"worker exited with {p.exitcode}"
    results.close()
    results.join_thread()
    errors = [r[3] for r in collected if r[3]]
    assert not errors, errors
    return collected
