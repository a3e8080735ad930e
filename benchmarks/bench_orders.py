"""Orders at merchant scale: ``hub feeds run bench import_new_orders --inline`` of 10,000 orders
into a hub holding 20,000 products, against a plain paging script.

    python benchmarks/bench_orders.py [--connector magento shopify] [--orders 10000]
        [--products 20000] [--db sqlite postgresql] [--repeat 3]

The store's emulator (its own process) is seeded with ``--products`` simple products (Shopify:
variants) and ``--orders`` orders (1–3 lines each: the emulator's seeding; the line count is
reported). The Shopify emulator's cost throttle is lifted (``--restore-rate``/``--bucket-size``
1,000,000): at Shopify's 100–1,000 points a second both the floor and the hub would wait on
it, and the figure would be the throttle's, not the hub's work. A hub
is prepared once, untimed: the integration (orders since 2000-01-01, every shipping method of
the emulator mapped to a carrier) and its catalogue imported. It is kept as a template (a SQLite
file copied, or a PostgreSQL ``CREATE DATABASE … TEMPLATE``), so every timed run starts from
the same state: products known, no order. Then, alternated ``--repeat`` times:

* the floor, ``floor_magento_orders.py`` / ``floor_shopify_orders.py``: the connector's
  requests, JSON parsed, counted;
* the hub's whole process, start-up included: ``hub feeds run bench import_new_orders --inline``
  (every order validated, decided, created with its lines, addresses, binding and stock
  reservations; the emulator's unpaid or on-hold orders are held with their reservations).

Each hub run is checked: it succeeded and the orders created + held + skipped is the store's
order count. Results: ``results/<--name>.{json,md}``.
"""

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402
from bench_first_import import HUB, FreshDatabase  # noqa: E402
from bench_update import MAGENTO_DEMO  # noqa: E402
from hub_feed import hub_env  # noqa: E402

CARRIERS = {  # the emulator's shipping methods (connect_magento_emulator.store.CARRIERS)
    "flatrate_flatrate": "dhl",
    "tablerate_bestway": "dhl",
    "ups_GND": "ups",
    "freeshipping_freeshipping": "dhl",
}
UNTHROTTLED = ["--restore-rate", 1_000_000, "--bucket-size", 1_000_000]
CONNECTORS = {
    "magento": {
        "emulator": "connect_magento_emulator",
        "args": lambda products, orders: [
            "--products", products, "--orders", orders, "--configurables", 0, "--virtuals", 0,
        ],
        "floor": "benchmarks/floor_magento_orders.py",
        "secrets": MAGENTO_DEMO,
        "carriers": CARRIERS,
    },
    "shopify": {
        "emulator": "connect_shopify_emulator",
        "args": lambda products, orders: [
            "--variants", products, "--products", 0, "--orders", orders, *UNTHROTTLED,
        ],
        "floor": "benchmarks/floor_shopify_orders.py",
        "secrets": {"access_token": "shpat_demo_token"},
        # connect_shopify_emulator.state.SHIPPING
        "carriers": {"STANDARD": "dhl", "EXPRESS": "ups", "colissimo": "colissimo",
                     "dhl_express": "dhl"},
    },
}  # fmt: skip


class Template:
    """The prepared hub, copied for each timed run."""

    def __init__(self, kind, url, connector="magento"):
        self.kind = kind
        self.workdir = tempfile.mkdtemp(prefix="bench-orders-tmpl-")
        self.db = FreshDatabase(kind, self.workdir)
        setup = harness.measure_callable(
            "hub_feed:setup",
            env={"PYTHONPATH": str(HERE)},
            connector=connector,
            url=url,
            secrets=CONNECTORS[connector]["secrets"],
            workdir=self.workdir,
            database_url=self.db.url,
            orders_since="2000-01-01",
            carrier_mapping=CONNECTORS[connector]["carriers"],
            import_products=True,
        )
        self.products = setup["result"]["counts"]["created"]
        if kind == "sqlite":  # one self-contained file (the WAL folded in)
            source = sqlite3.connect(f"{self.workdir}/hub.db")
            source.execute(f"VACUUM INTO '{self.workdir}/template.db'")
            source.close()

    def copy(self):
        """(workdir, database URL or None, cleanup) of a fresh copy."""
        workdir = tempfile.mkdtemp(prefix="bench-orders-")
        if self.kind == "sqlite":
            shutil.copy(f"{self.workdir}/template.db", f"{workdir}/hub.db")
            return workdir, None, lambda: None
        name = f"bench_{uuid.uuid4().hex[:12]}"
        FreshDatabase._admin(f"CREATE DATABASE {name} TEMPLATE {self.db.name}")
        return (
            workdir,
            f"postgresql://postgres@127.0.0.1:5432/{name}",
            lambda: FreshDatabase._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )

    def drop(self):
        self.db.drop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def hub_run(template):
    workdir, database_url, cleanup = template.copy()
    try:
        env = {"PYTHONPATH": str(HERE), **hub_env(workdir, database_url)}
        cmd = [HUB, "feeds", "run", "bench", "import_new_orders", "--inline", "--json"]
        run = harness.measure(cmd, env=env)
        if run["returncode"] != 0:
            raise RuntimeError(f"hub run failed: {run['stdout'][-2000:]} {run['stderr'][-3000:]}")
        run["result"] = json.loads(run["stdout"][run["stdout"].index("{") :])
        return run
    finally:
        cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


def bench(n_orders, n_products, db_kind, repeat, connector="magento"):
    spec = CONNECTORS[connector]
    floors, hubs, loads = [], [], []
    with harness.start_emulator(
        spec["emulator"], *spec["args"](n_products, n_orders), "--quiet"
    ) as emu:
        template = Template(db_kind, emu.url, connector)
        try:
            for _ in range(repeat):
                loads.append(os.getloadavg()[0])  # the machine is shared: reported
                floor = harness.measure([sys.executable, spec["floor"], emu.url])
                assert floor["returncode"] == 0, floor["stderr"]
                floor["result"] = json.loads(floor["stdout"])
                assert floor["result"]["orders"] == n_orders, floor["result"]
                floors.append(floor)
                hub = hub_run(template)
                result = hub["result"]
                assert result["status"] == "succeeded", result
                counts = result["counts"]
                seen = counts["created"] + counts["skipped"] + counts["failed"]
                assert seen == n_orders, result
                hubs.append(hub)
                loads.append(os.getloadavg()[0])
        finally:
            template.drop()
    f, h = harness.summarise(floors), harness.summarise(hubs)
    pairs = [x["wall_s"] / y["wall_s"] for x, y in zip(hubs, floors, strict=True)]
    counts = hubs[-1]["result"]["counts"]
    return {
        "connector": connector,
        "orders": n_orders,
        "lines": floors[-1]["result"]["lines"],
        "products": template.products,
        "db": db_kind,
        "created": counts["created"],
        "held_or_skipped": counts["skipped"],
        "failed": counts["failed"],
        "floor_wall_s": f["wall_s"],
        "hub_wall_s": h["wall_s"],
        "ratio": round(h["wall_s"] / f["wall_s"], 2),
        "ratio_range": f"{min(pairs):.2f}–{max(pairs):.2f}",
        "floor_cpu_s": f["cpu_s"],
        "hub_cpu_s": h["cpu_s"],
        "hub_cpu_per_order_ms": round(h["cpu_s"] / n_orders * 1000, 2),
        "hub_rss_mb": h["peak_rss_mb"],
        "load_avg": f"{min(loads):.1f}–{max(loads):.1f}",
    }


COLUMNS = [
    ("connector", "connector"),
    ("orders", "orders"),
    ("lines", "lines"),
    ("products", "hub products"),
    ("db", "database"),
    ("created", "created"),
    ("held_or_skipped", "held/skipped"),
    ("floor_wall_s", "floor wall s"),
    ("hub_wall_s", "hub wall s"),
    ("ratio", "×floor (medians)"),
    ("ratio_range", "×floor per pair"),
    ("floor_cpu_s", "floor CPU s"),
    ("hub_cpu_s", "hub CPU s"),
    ("hub_cpu_per_order_ms", "hub CPU per order ms"),
    ("hub_rss_mb", "hub peak RSS MB"),
    ("load_avg", "load average (1 min)"),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connector", nargs="+", default=["magento"], choices=CONNECTORS)
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--name", default="orders_import")
    args = parser.parse_args(argv)
    rows = []
    for connector in args.connector:
        for db_kind in args.db:
            rows.append(bench(args.orders, args.products, db_kind, args.repeat, connector))
            print(rows[-1], flush=True)
    print("results:", *harness.write_results(args.name, rows, {"repeat": args.repeat}, COLUMNS))
    return rows


if __name__ == "__main__":
    main()
