"""All feeds, steady state: one cycle of every scheduled feed of one integration with nothing
changed in the store, per connector — how long each feed takes and how many requests it makes.

    python benchmarks/bench_cycle.py [shopify magento prestashop] [--items 5000] [--orders 200]

For each connector: its emulator (``--items`` stockable items, ``--orders`` orders), a fresh
SQLite hub, and ``hub_feed.cycle`` in one process: a settling pass (update_products,
import_stock, then every scheduled feed once; for import_product_images, the state a complete
pass leaves: a few products' images and the feed's checkpoint, see ``hub_feed._images_settled``),
the integration made live with every binding pushed, then the measured pass of every scheduled
feed (``trigger="schedule"``, as the scheduler runs them). Reported per feed: status, duration
in the process, records processed, requests the store answered (the emulator's counters).
Only the daily full reads (``update_products``, ``stock_check`` and PrestaShop's
``import_product_suppliers``, see ``WHOLE_CATALOGUE``) may read the whole catalogue: the script
exits 1 if another feed processes as many records as the catalogue holds or makes as many
requests as a full read.
Results: ``results/cycle_<connector>.{json,md}`` and ``results/cycle.md`` (all connectors).
"""

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402
from bench_update import CONNECTORS  # noqa: E402
from hub_feed import _request_count  # noqa: E402

# the feeds with a default schedule (hub.engine.registry), in a plausible order of a day
FEEDS = [
    "import_new_products",
    "update_products",
    "import_product_images",
    "import_new_orders",
    "update_orders",
    "retry_orders",
    "import_suppliers",
    "import_product_suppliers",
    "export_stock",
    "stock_check",
    "shipping_confirmation",
]
# The daily full reads. import_product_suppliers (PrestaShop, 03:15) is one by its contract
# (hub_fetch_product_suppliers yields every link): a product_supplier row has no change date
# in PrestaShop, so no partial read could see a link edited or removed.
WHOLE_CATALOGUE = {"update_products", "stock_check", "import_product_suppliers"}


def emulator_args(connector, items, orders):
    args = [str(a) for a in CONNECTORS[connector]["args"](items)]
    args[args.index("--orders") + 1] = str(orders)
    return args


def bench(connector, items, orders):
    conf = CONNECTORS[connector]
    with harness.start_emulator(conf["emulator"], *emulator_args(connector, items, orders)) as emu:
        full = harness.measure([sys.executable, *conf["floor"](emu.url)])  # a full read
        full_requests = _request_count(connector, emu.state())  # the floor's: the only client
        with tempfile.TemporaryDirectory(prefix="bench-cycle-") as workdir:  # its hub
            out = harness.measure_callable(
                "hub_feed:cycle",
                env={"PYTHONPATH": str(HERE)},
                connector=connector,
                url=emu.url,
                secrets=conf["secrets"],
                workdir=workdir,
                feeds=FEEDS,
            )
    result = out["result"]
    rows, offenders = [], []
    for feed in result["feeds"]:
        reads_all = feed["processed"] >= result["catalogue"] or (
            full_requests > 2 and feed["requests"] >= full_requests
        )
        if reads_all and feed["feed"] not in WHOLE_CATALOGUE:
            offenders.append(feed["feed"])
        rows.append({"connector": connector, **feed, "reads_catalogue": "yes" if reads_all else ""})
    total = {
        "connector": connector,
        "feed": "**cycle**",
        "status": "",
        "run_s": round(sum(f["run_s"] for f in result["feeds"]), 3),
        "processed": sum(f["processed"] for f in result["feeds"]),
        "requests": sum(f["requests"] for f in result["feeds"]),
        "reads_catalogue": "",
        "message": f"catalogue {result['catalogue']}, full read {full_requests} requests "
        f"({full['wall_s']} s by the floor)",
    }
    return [*rows, total], offenders


COLUMNS = [
    ("connector", "connector"),
    ("feed", "feed"),
    ("status", "status"),
    ("run_s", "run s"),
    ("processed", "records"),
    ("requests", "requests"),
    ("reads_catalogue", "reads the catalogue"),
    ("message", "note"),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("connectors", nargs="*", default=["magento", "prestashop", "shopify"])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args(argv)
    every, offenders = [], []
    for connector in args.connectors:
        try:
            rows, bad = bench(connector, args.items, args.orders)
        except RuntimeError as exc:  # the store stopped answering: said, not hidden
            rows, bad = (
                [{"connector": connector, "feed": "(not measured)", "message": str(exc)[-300:]}],
                [],
            )
        for row in rows:
            print(row, flush=True)
        harness.write_results(f"cycle_{connector}", rows, {"items": args.items}, COLUMNS)
        every += rows
        offenders += [f"{connector}:{feed}" for feed in bad]
    if len(args.connectors) > 1:  # a single connector's run leaves the combined file alone
        print("results:", *harness.write_results("cycle", every, {"items": args.items}, COLUMNS))
    if offenders:
        print("feeds reading the whole catalogue:", ", ".join(offenders))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
