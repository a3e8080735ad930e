"""Dashboard list pages at scale: orders and products, first page and a deep page.

Seeds two SQLite databases with fast bulk inserts (``insert_many`` in chunks inside
transactions) -- a small one (1,000 orders and 1,000 products) and a large one (1,000,000
orders and 100,000 products by default) -- then times the pages with Flask's test client
(median of several requests after a warm-up). Keyset pagination and no COUNT of the large
tables keep the large figures within 1.5x of the small ones.

    python benchmarks/bench_dashboard.py [--orders 1000000] [--products 100000] [--repeat 15]
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


def timed(client, url, repeat):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200
    return statistics.median(times) * 1000


def measure(folder, n_orders, n_products, repeat):
    os.environ.update(
        HUB_INSTANCE_DIR=str(folder),
        HUB_SECRET_KEY="benchmark-secret-key-0123",  # noqa: S106 (a throwaway database)
        HUB_DATABASE_URL=f"sqlite:///{folder / 'hub.db'}",
        HUB_QUEUE_URL=f"sqlite:///{folder / 'queue.db'}",
    )
    import hub.db
    import hub.settings

    settings = hub.settings.set_settings(hub.settings.load_settings())
    hub.db.init_db(settings.database_url)
    hub.db.upgrade()
    t0 = time.perf_counter()
    seed(n_orders, n_products)
    seeded = time.perf_counter() - t0
    from hub.app import create_app
    from hub.models import Order, Product

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    assert (
        client.post(
            "/login", data={"username": "bench", "password": "benchmark-password"}
        ).status_code
        == 302
    )
    # the deep page: the last page of each list (keyset: ?before=<id>)
    deep_order = Order.select(Order.id).order_by(Order.id).limit(1).offset(40).scalar()
    deep_product = Product.select(Product.id).order_by(Product.id).limit(1).offset(40).scalar()
    pages = {
        "orders, first page": "/orders/",
        "orders, deep page": f"/orders/?before={deep_order}",
        "orders, to ship, first page": "/orders/?status=to_ship",
        "products, first page": "/products/",
        "products, deep page": f"/products/?before={deep_product}",
        "products, search by SKU": "/products/?q=SKU-0000500",
    }
    result = {name: round(timed(client, url, repeat), 2) for name, url in pages.items()}
    hub.db.db.close()
    return {
        "orders": n_orders,
        "products": n_products,
        "seed_seconds": round(seeded, 1),
        "ms": result,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    runs = []
    for n_orders, n_products in ((args.small, args.small), (args.orders, args.products)):
        with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
            runs.append(measure(Path(tmp), n_orders, n_products, args.repeat))
    small, large = runs
    print(f"{'page':32} {'small ms':>9} {'large ms':>9} {'ratio':>6}")
    worst = 0
    for name, small_ms in small["ms"].items():
        ratio = large["ms"][name] / small_ms
        if "search" not in name:  # the target is for the list pages; search is reported
            worst = max(worst, ratio)
        print(f"{name:32} {small_ms:9.2f} {large['ms'][name]:9.2f} {ratio:6.2f}")
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
