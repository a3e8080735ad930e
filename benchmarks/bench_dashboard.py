"""Dashboard list pages at scale: orders and products, first page and a deep page.

Seeds two SQLite databases with fast bulk inserts (``insert_many`` in chunks inside
transactions) -- a small one (1,000 orders and 1,000 products) and a large one (1,000,000
orders and 100,000 products by default) -- then times the pages with Flask's test client
(median of several requests after a warm-up). Keyset pagination and no COUNT of the large
tables keep the large figures within 1.5x of the small ones.

    python benchmarks/bench_dashboard.py [--orders 1000000] [--products 100000] [--repeat 15]

``--overview`` times the overview page instead, on demo-like data (``seed_overview``:
integrations with six scheduled feeds each and their runs, open errors, held orders, a
catalogue with stock and sales), as requests per second (``--profile``: one request under
cProfile, the 30 costliest calls).

    python benchmarks/bench_dashboard.py --overview [--runs-per-feed 500] [--json FILE]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

CHUNK = 5000
STATUSES = ("to_ship", "shipped", "shipped", "shipped", "cancelled")


def seed(n_orders, n_products):
    from hub.db import db
    from hub.models import Integration, Order, Product, StockLevel, default_warehouse
    from hub.services.users import create_user

    create_user("bench", "benchmark-password")
    integration = Integration.create(
        name="Bench", connector="testshop", base_url="http://127.0.0.1:1"
    )
    wh = default_warehouse()
    start = datetime(2024, 1, 1)
    for first in range(0, n_products, CHUNK):
        rows = [
            {
                "sku": f"SKU-{i:07d}",
                "name": f"Product {i}",
                "barcode": f"{400000000 + i}",
                "price": "9.90",
                "status": "active",
            }
            for i in range(first, min(first + CHUNK, n_products))
        ]
        with db.atomic():
            Product.insert_many(rows).execute()
    first_product = Product.select(Product.id).order_by(Product.id).first().id
    for first in range(0, n_products, CHUNK):
        rows = [
            {"product": first_product + i, "warehouse": wh.id, "on_hand": i % 50, "reserved": i % 3}
            for i in range(first, min(first + CHUNK, n_products))
        ]
        with db.atomic():
            StockLevel.insert_many(rows).execute()
    for first in range(0, n_orders, CHUNK):
        rows = [
            {
                "integration": integration.id,
                "external_id": str(i),
                "number": str(100000 + i),
                "status": STATUSES[i % len(STATUSES)],
                "paid": True,
                "ordered_at": start + timedelta(seconds=30 * i),
                "currency": "EUR",
                "total": "19.80",
                "customer_email": f"c{i % 5000}@example.com",
                "shipping_method_code": "standard",
                "carrier": "UPS",
            }
            for i in range(first, min(first + CHUNK, n_orders))
        ]
        with db.atomic():
            Order.insert_many(rows).execute()
    db.execute_sql("ANALYZE")


FEEDS = ("products", "stock", "orders", "shipments", "prices", "images")


def seed_overview(n_integrations=4, runs_per_feed=500, n_products=2000, n_orders=5000):
    """Demo-like data for the overview: integrations with scheduled feeds and their runs,
    open errors, held orders, products with stock and sold lines (the reorder count)."""
    from hub.db import db
    from hub.models import (
        Event,
        FeedRun,
        FeedSetting,
        HeldRecord,
        Integration,
        Order,
        OrderLine,
        Product,
        StockLevel,
        default_warehouse,
        utcnow,
    )
    from hub.services.users import create_user

    create_user("bench", "benchmark-password")
    now = utcnow()
    wh = default_warehouse()
    with db.atomic():
        Product.insert_many(
            {"sku": f"SKU-{i:07d}", "name": f"Product {i}", "price": "9.90", "status": "active"}
            for i in range(n_products)
        ).execute()
    products = [p for (p,) in Product.select(Product.id).order_by(Product.id).tuples()]
    with db.atomic():
        StockLevel.insert_many(
            {"product": p, "warehouse": wh.id, "on_hand": i % 20, "reserved": 0}
            for i, p in enumerate(products)
        ).execute()
    for n in range(n_integrations):
        integration = Integration.create(
            name=f"Store {n}", connector="testshop", base_url=f"http://127.0.0.1:{n + 1}"
        )
        rows = []
        for f, feed in enumerate(FEEDS):
            FeedSetting.create(
                integration=integration, feed=feed, cron=f"*/{5 + f} * * * *", next_run_at=now
            )
            for r in range(runs_per_feed):
                at = now - timedelta(minutes=10 * (runs_per_feed - r))
                status = "failed" if r % 17 == 0 else "succeeded"
                rows.append(
                    {
                        "integration": integration.id,
                        "feed": feed,
                        "trigger": "schedule",
                        "status": status,
                        "queued_at": at,
                        "started_at": at,
                        "finished_at": at + timedelta(seconds=20),
                    }
                )
        with db.atomic():
            for first in range(0, len(rows), CHUNK):
                FeedRun.insert_many(rows[first : first + CHUNK]).execute()
        with db.atomic():
            Event.insert_many(
                {
                    "integration": integration.id,
                    "feed": "orders",
                    "severity": "error" if e % 2 else "retry",
                    "code": f"code_{e % 7}",
                    "reference": f"#{e}",
                    "message": "Something went wrong",
                    "first_seen": now - timedelta(hours=e),
                    "last_seen": now - timedelta(minutes=e),
                }
                for e in range(100)
            ).execute()
            HeldRecord.insert_many(
                {
                    "integration": integration.id,
                    "external_id": str(h),
                    "reference": f"#{h}",
                    "reason": "awaiting_payment",
                }
                for h in range(30)
            ).execute()
        orders = [
            {
                "integration": integration.id,
                "external_id": str(i),
                "number": str(100000 + i),
                "status": STATUSES[i % len(STATUSES)],
                "paid": True,
                "ordered_at": now - timedelta(minutes=10 * i),
                "currency": "EUR",
                "total": "19.80",
            }
            for i in range(n_orders // n_integrations)
        ]
        with db.atomic():
            for first in range(0, len(orders), CHUNK):
                Order.insert_many(orders[first : first + CHUNK]).execute()
        ids = Order.select(Order.id).where(Order.integration == integration.id).tuples()
        with db.atomic():
            OrderLine.insert_many(
                {
                    "order": order_id,
                    "product": products[order_id % len(products)],
                    "external_id": str(order_id),
                    "sku": "x",
                    "quantity": 1 + order_id % 3,
                    "price": "9.90",
                }
                for (order_id,) in ids
            ).execute()
    db.execute_sql("ANALYZE")


def best_of(client, url, repeat):
    """The fastest of ``repeat`` requests (ms): the page's own cost, least disturbed by
    whatever else the machine is doing."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (url, response.status_code)
    return min(times) * 1000


def prepare(folder, n_orders, n_products):
    """Seed a database in ``folder``; return its URL, seeding time and the pages to time."""
    import hub.db
    import hub.models.schema
    from hub.models import Order, Product

    url = f"sqlite:///{folder / 'hub.db'}"
    hub.db.init_db(url)
    hub.models.schema.upgrade()
    t0 = time.perf_counter()
    seed(n_orders, n_products)
    seeded = time.perf_counter() - t0
    # the deep page: near the end of each list (keyset: ?before=<id>)
    deep_order = Order.select(Order.id).order_by(Order.id).limit(1).offset(40).scalar()
    deep_product = Product.select(Product.id).order_by(Product.id).limit(1).offset(40).scalar()
    pages = {
        "orders, first page": "/orders/",
        "orders, deep page": f"/orders/?before={deep_order}",
        "orders, to ship, first page": "/orders/?status=to_ship",
        "products, first page": "/products/",
        "products, deep page": f"/products/?before={deep_product}",
        "products, search by SKU": "/products/?q=SKU-0000500",
        "products, search by name": "/products/?q=Product 999",
    }
    hub.db.db.close()
    return {
        "url": url,
        "orders": n_orders,
        "products": n_products,
        "seed_seconds": round(seeded, 1),
        "pages": pages,
    }


def measure(databases, rounds, repeat):
    """Interleave the databases round after round (same machine load for both); per page
    the median over rounds of the best request of each round."""
    import hub.db
    from hub.app import create_app

    samples = [{name: [] for name in d["pages"]} for d in databases]
    clients = []
    for d in databases:
        hub.db.init_db(d["url"])
        app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
        client = app.test_client()
        assert (
            client.post(
                "/login", data={"username": "bench", "password": "benchmark-password"}
            ).status_code
            == 302
        )
        clients.append(client)
        hub.db.db.close()
    for _ in range(rounds):
        for d, client, sample in zip(databases, clients, samples, strict=True):
            hub.db.init_db(d["url"])
            for name, url in d["pages"].items():
                client.get(url)  # warm the page cache of this database
                sample[name].append(best_of(client, url, repeat))
            hub.db.db.close()
    for d, sample in zip(databases, samples, strict=True):
        d["ms"] = {name: round(statistics.median(values), 2) for name, values in sample.items()}


def overview(args):
    """Requests per second of the overview page on ``seed_overview``'s data: sequential
    requests of one signed-in test client, the median of ``rounds`` rounds of ``repeat``."""
    import hub.db
    import hub.models.schema
    from hub.app import create_app

    hub.db.init_db(f"sqlite:///{os.environ['HUB_INSTANCE_DIR']}/hub.db")
    hub.models.schema.upgrade()
    t0 = time.perf_counter()
    seed_overview(args.integrations, args.runs_per_feed, args.catalogue, args.catalogue * 2)
    seeded = time.perf_counter() - t0
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    login = {"username": "bench", "password": "benchmark-password"}
    assert client.post("/login", data=login).status_code == 302
    assert client.get("/").status_code == 200  # warm-up
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        client.get("/")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    rates = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            assert client.get("/").status_code == 200
        rates.append(args.repeat / (time.perf_counter() - t0))
    result = {
        "integrations": args.integrations,
        "feeds": args.integrations * len(FEEDS),
        "runs": args.integrations * len(FEEDS) * args.runs_per_feed,
        "products": args.catalogue,
        "seed_seconds": round(seeded, 1),
        "requests_per_second": round(statistics.median(rates), 1),
        "best_round": round(max(rates), 1),
    }
    print(
        f"overview: {result['requests_per_second']} requests/s (median of {args.rounds} rounds "
        f"of {args.repeat}; best {result['best_round']}) with {result['integrations']} "
        f"integrations, {result['feeds']} feeds, {result['runs']} runs, "
        f"{result['products']} products"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--overview", action="store_true", help="time the overview page")
    parser.add_argument("--integrations", type=int, default=4)
    parser.add_argument("--runs-per-feed", type=int, default=500)
    parser.add_argument("--catalogue", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        os.environ.update(
            HUB_INSTANCE_DIR=tmp,
            HUB_SECRET_KEY="benchmark-secret-key-0123",  # noqa: S106
            HUB_QUEUE_URL=f"sqlite:///{tmp}/queue.db",
        )
        import hub.settings

        hub.settings.set_settings(hub.settings.load_settings())
        if args.overview:
            return overview(args)
        runs = []
        for n_orders, n_products in ((args.small, args.small), (args.orders, args.products)):
            folder = Path(tmp) / f"{n_orders}-{n_products}"
            folder.mkdir()
            runs.append(prepare(folder, n_orders, n_products))
        measure(runs, args.rounds, args.repeat)
    small, large = runs
    print(f"{'page':32} {'small ms':>9} {'large ms':>9} {'ratio':>6}")
    worst = 0
    for name, small_ms in small["ms"].items():
        ratio = large["ms"][name] / small_ms
        if "search" not in name:  # the target is for the list pages; search is reported
            worst = max(worst, ratio)
        print(f"{name:32} {small_ms:9.2f} {large['ms'][name]:9.2f} {ratio:6.2f}")
    print(f"median over {args.rounds} interleaved rounds of the best of {args.repeat} requests")
    print(
        f"small: {small['orders']} orders / {small['products']} products; large: "
        f"{large['orders']} orders / {large['products']} products (seeded in "
        f"{large['seed_seconds']} s); worst ratio {worst:.2f} (target <= 1.5)"
    )
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2))
    return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
