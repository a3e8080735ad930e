"""From an order placed in the store to the order reserved in the hub: webhooks vs polling.

Real processes: the Shopify emulator (its own process, delivering signed webhooks from its
background thread), `hub web` (gunicorn) receiving them at HUB_PUBLIC_URL, and one `hub worker`
(Huey on SQLite, with its minute tick). The benchmark places orders through the emulator's
control API and polls the hub's database every 20 ms until the order is there (an imported
order has reserved its stock in the same transaction).

* polling: no webhook subscription; ``import_new_orders`` scheduled every minute (the finest a
  cron allows; the hub's default is every 5 minutes, so real latencies are ~5x these); the
  orders are placed at random moments, as shoppers do;
* the answer to a delivery: 100 signed deliveries posted straight to the endpoint (what
  Shopify's 5-second timeout is about);
* webhooks: the subscriptions registered at go-live, the default schedule kept as the safety
  net, HUB_WEBHOOK_DEBOUNCE as given (default 2 s: the hub waits for the deliveries that follow
  the first, e.g. Shopify's orders/updated right after orders/create).

    python benchmarks/bench_webhooks.py [--orders 20] [--poll-orders 8] [--debounce 2]
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).parent))
from harness import free_port, start_emulator, write_results

BIN = Path(sys.executable).parent


def setup(instance, hub_port, debounce):
    os.environ.update(
        HUB_INSTANCE_DIR=str(instance),
        HUB_SECRET_KEY="benchmark-secret-key-0123456789",  # noqa: S106
        HUB_DATABASE_URL=f"sqlite:///{instance / 'hub.db'}",
        HUB_QUEUE_URL=f"sqlite:///{instance / 'queue.db'}",
        HUB_PUBLIC_URL=f"http://127.0.0.1:{hub_port}",
        HUB_WEBHOOK_DEBOUNCE=str(debounce),
    )
    from hub.db import init_db
    from hub.models.schema import upgrade
    from hub.settings import load_settings, set_settings

    set_settings(load_settings())
    init_db(os.environ["HUB_DATABASE_URL"])
    upgrade()
    import hub.feeds  # noqa: F401  (the feed handlers, for the inline catalogue import)


def make_integration(shop_url):
    from connect_shopify_emulator import DEMO_CLIENT_SECRET, DEMO_TOKEN, MAIN_LOCATION
    from connect_shopify_emulator.state import SHIPPING

    from hub.engine.registry import FEED_TYPES
    from hub.engine.runs import run_inline
    from hub.engine.schedule import update_feed_setting
    from hub.models import Integration
    from hub.services.integrations import create_integration

    integration = create_integration(
        "Shopify",
        "shopify",
        shop_url,
        {
            "access_token": DEMO_TOKEN,
            "client_secret": DEMO_CLIENT_SECRET,
            "location_id": MAIN_LOCATION,
        },
        carrier_mapping={code: "UPS" for code, _ in SHIPPING},
    )
    run = run_inline(integration, "update_products")
    assert run.status == "succeeded", run.message
    for feed in FEED_TYPES:  # only the orders feed runs on its own during the benchmark
        if feed != "import_new_orders":
            try:
                update_feed_setting(integration, feed, enabled=False)
            except Exception:  # noqa: S112 - a feed the connector does not offer
                continue
    Integration.update(mode="production").where(Integration.id == integration.id).execute()
    return Integration.get_by_id(integration.id)


def order_in_hub(integration_id, external_id):
    from hub.models import Order

    return (
        Order.select()
        .where((Order.integration == integration_id) & (Order.external_id == external_id))
        .exists()
    )


def place_and_wait(shop_url, integration_id, sku, timeout):
    started = time.monotonic()
    created = requests.post(
        f"{shop_url}/_emulator/orders", json={"lines": [{"sku": sku, "quantity": 1}]}, timeout=10
    ).json()
    while time.monotonic() - started < timeout:
        if order_in_hub(integration_id, created["id"]):
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def measure_webhooks(shop_url, integration, skus, n):
    latencies = []
    for i in range(n):
        latencies.append(place_and_wait(shop_url, integration.id, skus[i % len(skus)], 120))
        time.sleep(0.5)  # orders arrive one by one: each is its own debounce window
    return latencies


def measure_polling(shop_url, integration, skus, n, spread):
    """n orders placed at random moments over ``spread`` seconds, each timed on its own."""
    latencies = [None] * n
    random.seed(15)
    offsets = sorted(random.uniform(0, spread) for _ in range(n))

    def one(i):
        time.sleep(offsets[i])
        latencies[i] = place_and_wait(shop_url, integration.id, skus[i % len(skus)], 180)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def measure_answers(hub_port, integration, n):
    """How fast the hub answers a delivery (Shopify waits 5 s): n signed deliveries sent
    straight to the endpoint, each naming an order the store does not have."""
    import base64
    import hashlib
    import hmac
    import json

    from connect_shopify_emulator import DEMO_CLIENT_SECRET

    from hub.services.webhooks import _secrets

    url = f"http://127.0.0.1:{hub_port}/webhooks/{integration.id}/{_secrets(integration)['path']}"
    times = []
    with requests.Session() as session:
        for i in range(n):
            body = json.dumps({"id": i, "admin_graphql_api_id": f"gid://shopify/Order/{i}"})
            digest = hmac.new(DEMO_CLIENT_SECRET.encode(), body.encode(), hashlib.sha256)
            headers = {
                "Content-Type": "application/json",
                "X-Shopify-Topic": "orders/create",
                "X-Shopify-Hmac-Sha256": base64.b64encode(digest.digest()).decode(),
                "X-Shopify-Webhook-Id": f"bench-{i}",
            }
            started = time.monotonic()
            answer = session.post(url, data=body, headers=headers, timeout=10)
            times.append(time.monotonic() - started)
            assert answer.status_code in (200, 202), answer.text
    return times


def summary(mode, latencies, note):
    done = sorted(v for v in latencies if v is not None)
    p95 = done[min(len(done) - 1, round(0.95 * (len(done) - 1)))] if done else None
    return {
        "mode": mode,
        "orders": len(latencies),
        "arrived": len(done),
        "median_s": round(statistics.median(done), 3) if done else None,
        "p95_s": round(p95, 3) if p95 is not None else None,
        "min_s": round(done[0], 3) if done else None,
        "max_s": round(done[-1], 3) if done else None,
        "note": note,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20, help="orders timed with webhooks")
    parser.add_argument("--poll-orders", type=int, default=8, help="orders timed by polling")
    parser.add_argument("--poll-spread", type=float, default=150.0)
    parser.add_argument("--debounce", type=float, default=2.0)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    hub_port = free_port()
    setup(instance, hub_port, args.debounce)
    rows = []
    with start_emulator(
        "connect_shopify_emulator",
        *("--products", "10", "--orders", "0", "--quiet"),
        *("--restore-rate", "1000000", "--bucket-size", "1000000"),
    ) as shop:
        integration = make_integration(shop.url)
        from hub.engine.schedule import update_feed_setting
        from hub.models import Product

        skus = [p.sku for p in Product.select().order_by(Product.id)]
        logs = open(instance / "processes.log", "w")  # noqa: SIM115
        env = dict(os.environ)
        web = subprocess.Popen(
            [str(BIN / "hub"), "web", "--bind", f"127.0.0.1:{hub_port}", "--workers", "1"],
            stdout=logs,
            stderr=subprocess.STDOUT,
            env=env,
        )
        worker = subprocess.Popen(
            [str(BIN / "hub"), "worker", "--workers", "2"],
            stdout=logs,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    requests.get(f"http://127.0.0.1:{hub_port}/healthz", timeout=2)
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            if args.poll_orders:
                update_feed_setting(integration, "import_new_orders", cron="* * * * *")
                lat = measure_polling(
                    shop.url, integration, skus, args.poll_orders, args.poll_spread
                )
                rows.append(summary("polling (every minute)", lat, "no subscription"))
                print(rows[-1], flush=True)
            update_feed_setting(integration, "import_new_orders", cron="*/5 * * * *")
            from hub.services.webhooks import register_webhooks

            register_webhooks(integration)
            lat = measure_webhooks(shop.url, integration, skus, args.orders)
            rows.append(
                summary(
                    "webhooks",
                    lat,
                    f"debounce {args.debounce} s; polling every 5 min kept as the safety net",
                )
            )
            print(rows[-1], flush=True)
            answers = measure_answers(hub_port, integration, 100)
            rows.append(
                summary("delivery answered (202)", answers, "POST /webhooks/…, gunicorn gthread")
            )
            print(rows[-1], flush=True)
        finally:
            for proc in (worker, web):
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
            logs.close()
    write_results(
        f"webhooks_latency_debounce_{str(args.debounce).replace('.', '_')}",
        rows,
        meta={
            "what": "order placed in the Shopify emulator -> order reserved in the hub",
            "processes": "emulator, hub web (gunicorn, 1 process), hub worker (2 threads)",
            "database": "SQLite; queue: SqliteHuey",
            "debounce_s": args.debounce,
        },
        columns=[
            (k, k) for k in ("mode", "orders", "arrived", "median_s", "p95_s", "min_s", "max_s")
        ]
        + [("note", "note")],
    )


if __name__ == "__main__":
    main()
