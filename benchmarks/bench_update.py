"""The steady-state ``update_products`` benchmark through the hub's real feed engine.

    python benchmarks/bench_update.py shopify|magento|prestashop|woocommerce [--sizes 5000 20000]
        [--repeat 3]

For each size: start the connector's emulator (its own process), import the catalogue once
into a fresh SQLite hub (``hub_feed.prepare``, reported as ``first import``), then alternate
the connector's floor script and ``hub_feed.update`` (the nightly full read: every record
fetched, fingerprinted, validated when changed, matched to its binding, counted). Reported:
process wall/CPU/peak RSS for both sides (imports included), and the in-process time of each
(interpreter start-up and imports excluded: what a running worker spends), as ratios to the
floor. Results go to ``results/<connector>_update_steady.{json,md}``.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import floor_woocommerce  # noqa: E402
import harness  # noqa: E402

MAGENTO_DEMO = {
    "consumer_key": "demo0consumer0key0magento0hub000",
    "consumer_secret": "demo0consumer0secret0magento0000",
    "access_token": "demo0access0token0magento0hub000",
    "access_token_secret": "demo0access0token0secret0000000",
}
PRESTASHOP_PER_PRODUCT = 4  # combinations per product, as bench_prestashop.py
# WooCommerce: with --variations-per-product the emulator makes 4 products in 5 variable
WOOCOMMERCE_PER_PRODUCT = 25
WOOCOMMERCE_DEMO = {  # connect_woocommerce_emulator.DEMO_CONSUMER_KEY / _SECRET
    "consumer_key": "ck_4f7c2e1d9b8a6c5e3f2a1b0c9d8e7f6a5b4c3d2e",
    "consumer_secret": "cs_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d",
}

CONNECTORS = {
    "shopify": {
        "emulator": "connect_shopify_emulator",
        "args": lambda n: ["--variants", n, "--products", 0, "--orders", 0, "--quiet"],
        "floor": lambda url: ["benchmarks/floor_shopify.py", "--url", url],
        "secrets": {"access_token": "shpat_demo_token"},
        "unit": "variants",
    },
    "magento": {
        "emulator": "connect_magento_emulator",
        "args": lambda n: [
            "--products",
            n,
            "--orders",
            0,
            "--configurables",
            0,
            "--virtuals",
            0,
            "--quiet",
        ],
        "floor": lambda url: ["benchmarks/floor_magento.py", url],
        "secrets": MAGENTO_DEMO,
        "unit": "products",
    },
    "prestashop": {
        "emulator": "connect_prestashop_emulator",
        "args": lambda n: [
            "--products",
            n // PRESTASHOP_PER_PRODUCT,
            "--combinations-per-product",
            PRESTASHOP_PER_PRODUCT,
            "--orders",
            0,
            "--quiet",
        ],
        "floor": lambda url: ["benchmarks/floor_prestashop.py", "--url", url],
        "secrets": {"api_key": "HUBDEMOPRESTASHOPWEBSERVICEKEY01"},
        "unit": "combinations",
    },
    "woocommerce": {
        "emulator": "connect_woocommerce_emulator",
        # n variations: n / 25 variable products, and a simple one for every four of them
        "args": lambda n: [
            "--products",
            n // WOOCOMMERCE_PER_PRODUCT * 5 // 4,
            "--variations-per-product",
            WOOCOMMERCE_PER_PRODUCT,
            "--orders",
            0,
            "--quiet",
        ],
        "floor": lambda url: ["benchmarks/floor_woocommerce.py", "--url", url],
        "secrets": WOOCOMMERCE_DEMO,
        "unit": "variations",
        "records": lambda n: n + n // WOOCOMMERCE_PER_PRODUCT // 4,  # and the simple products
        # the emulator seeds one variation in seven without a SKU (an Error on each): give them
        # one, so that the benchmark's catalogue is clean like the other stores'
        "setup": lambda url: floor_woocommerce.complete_skus(url, *WOOCOMMERCE_DEMO.values()),
    },
}


def _floor_elapsed(run):
    for line in run["stdout"].splitlines():
        if line.startswith("{") and "elapsed_s" in line:
            return json.loads(line)["elapsed_s"]
    return None


def bench(connector, sizes, repeat):
    conf = CONNECTORS[connector]
    env = {"PYTHONPATH": str(HERE)}
    rows = []
    for n in sizes:
        with harness.start_emulator(conf["emulator"], *conf["args"](n)) as emu:
            if conf.get("setup"):
                conf["setup"](emu.url)
            workdir = tempfile.mkdtemp(prefix="bench-hub-")
            kwargs = {
                "connector": connector,
                "url": emu.url,
                "secrets": conf["secrets"],
                "workdir": workdir,
            }
            first = harness.measure_callable("hub_feed:prepare", env=env, **kwargs)
            assert first["result"]["status"] == "succeeded", first["result"]
            floors, hubs = [], []
            for _ in range(repeat):
                floor = harness.measure([sys.executable, *conf["floor"](emu.url)])
                assert floor["returncode"] == 0, floor["stderr"]
                floors.append(floor)
                hub = harness.measure_callable("hub_feed:update", env=env, **kwargs)
                records = conf.get("records", lambda size: size)(n)
                assert hub["result"]["counts"]["unchanged"] == records, hub["result"]
                hubs.append(hub)
        f, h = harness.summarise(floors), harness.summarise(hubs)
        floor_run = harness.median([_floor_elapsed(x) or x["wall_s"] for x in floors])
        hub_run = harness.median([x["result"]["elapsed_s"] for x in hubs])
        rows.append(
            {
                conf["unit"]: n,
                "first_import_wall_s": first["wall_s"],
                "floor_wall_s": f["wall_s"],
                "hub_wall_s": h["wall_s"],
                "ratio_wall": round(h["wall_s"] / f["wall_s"], 2),
                "floor_cpu_s": f["cpu_s"],
                "hub_cpu_s": h["cpu_s"],
                "floor_run_s": floor_run,
                "hub_run_s": hub_run,
                "ratio_run": round(hub_run / floor_run, 2),
                "hub_rss_mb": h["peak_rss_mb"],
            }
        )
        print(rows[-1], flush=True)
    if len(rows) >= 2:
        growth = rows[-1]["hub_rss_mb"] / rows[0]["hub_rss_mb"] - 1
        print(f"hub peak RSS growth {sizes[0]} -> {sizes[-1]}: {growth:.1%}")
    columns = [
        (conf["unit"], conf["unit"]),
        ("first_import_wall_s", "first import s"),
        ("floor_wall_s", "floor wall s"),
        ("hub_wall_s", "hub wall s"),
        ("ratio_wall", "wall ×floor"),
        ("floor_cpu_s", "floor CPU s"),
        ("hub_cpu_s", "hub CPU s"),
        ("floor_run_s", "floor in-process s"),
        ("hub_run_s", "hub in-process s"),
        ("ratio_run", "in-process ×floor"),
        ("hub_rss_mb", "hub RSS MB"),
    ]
    print(
        "results:",
        *harness.write_results(f"{connector}_update_steady", rows, {"repeat": repeat}, columns),
    )
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("connector", choices=sorted(CONNECTORS))
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bench(args.connector, args.sizes, args.repeat)
