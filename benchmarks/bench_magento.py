"""Benchmark of the Magento ``update_products`` feed against the floor.

    python benchmarks/bench_magento.py --products 5000 20000 [--repeat 3] [--mode connector]
                                       [--profile]

For each catalogue size it starts the Magento emulator in its own process (``--products N``
simple products, no configurables, no virtual products, no orders), then alternates runs of

* the floor (``floor_magento.py``): the same signed ``GET /V1/products`` pages (sorted by
  entity_id, pageSize 300, same ``fields=``), ``response.json()``, count;
* the hub side (``HUB_RUNS``): ``connector`` consumes ``hub_fetch_products`` fully and validates
  every record with ``hub.records.validate_record`` (as the core does); ``stream`` is the same
  without the validation (the connector's own cost);

each in a fresh interpreter through ``benchmarks/harness.py`` (wall time, CPU user+sys and peak
RSS of the whole process: imports included, for both sides), and writes the medians to
``benchmarks/results/magento_update_products[_<mode>].json`` / ``.md``. ``--profile`` adds the
cProfile top functions of one hub run.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

# the emulator's demo integration (connect_magento_emulator.auth.DEMO_CREDENTIALS), repeated
# here so that neither side imports the emulator (Flask) when measured
DEMO = {
    "consumer_key": "demo0consumer0key0magento0hub000",
    "consumer_secret": "demo0consumer0secret0magento0000",
    "access_token": "demo0access0token0magento0hub000",
    "access_token_secret": "demo0access0token0secret0000000",
}
HERE = str(Path(__file__).resolve().parent)


def _consume(url, validate):
    from connect_magento import feeds

    from hub.outcomes import is_outcome
    from hub.records import validate_record
    from hub.testing.context import make_context

    ctx = make_context("magento", url, secrets=dict(DEMO), fast_retries=False)
    records = outcomes = 0
    for item in feeds.hub_fetch_products(ctx):
        if is_outcome(item):
            outcomes += 1
        else:
            if validate:
                validate_record("product", item)
            records += 1
    return {"records": records, "outcomes": outcomes}


def hub_run_connector(url):
    """Consume hub_fetch_products fully and validate every record like the core does."""
    return _consume(url, validate=True)


def hub_run_stream(url):
    """Consume hub_fetch_products fully, without the core's validation (the connector alone)."""
    return _consume(url, validate=False)


HUB_RUNS = {"connector": "hub_run_connector", "stream": "hub_run_stream"}


def bench(sizes, repeat, mode, profile):
    rows, profiles = [], {}
    env = {"PYTHONPATH": HERE}
    for n in sizes:
        with harness.start_emulator(
            "connect_magento_emulator",
            "--products",
            n,
            "--orders",
            0,
            "--configurables",
            0,
            "--virtuals",
            0,
            "--quiet",
        ) as emu:
            warm = harness.measure([sys.executable, "benchmarks/floor_magento.py", emu.url])
            assert warm["returncode"] == 0, warm["stderr"]  # the emulator's caches, for both
            floors, hubs = [], []
            for _ in range(repeat):
                floor = harness.measure([sys.executable, "benchmarks/floor_magento.py", emu.url])
                assert floor["returncode"] == 0, floor["stderr"]
                assert int(floor["stdout"].split()[-1]) == n
                floors.append(floor)
                hub = harness.measure_callable(
                    f"bench_magento:{HUB_RUNS[mode]}", env=env, url=emu.url
                )
                assert hub["result"]["records"] == n, hub["result"]
                hubs.append(hub)
            if profile:
                profiles[n] = harness.profile_callable(
                    f"bench_magento:{HUB_RUNS[mode]}", top=20, env=env, url=emu.url
                )
        f, h = harness.summarise(floors), harness.summarise(hubs)
        best = min(x["wall_s"] for x in hubs) / min(x["wall_s"] for x in floors)
        rows.append(
            {
                "products": n,
                "floor_wall_s": f["wall_s"],
                "floor_cpu_s": f["cpu_s"],
                "floor_rss_mb": f["peak_rss_mb"],
                "hub_wall_s": h["wall_s"],
                "hub_cpu_s": h["cpu_s"],
                "hub_rss_mb": h["peak_rss_mb"],
                "ratio_wall": round(h["wall_s"] / f["wall_s"], 2),
                "ratio_wall_best": round(best, 2),
                "ratio_cpu": round(h["cpu_s"] / f["cpu_s"], 2),
                "hub_result": hubs[-1]["result"],
            }
        )
        print(rows[-1], flush=True)
    meta = {"mode": mode, "repeat": repeat, "profiles": profiles}
    if len(rows) >= 2:
        growth = rows[-1]["hub_rss_mb"] / rows[0]["hub_rss_mb"] - 1
        meta["rss_growth"] = round(growth, 3)
        print(f"hub peak RSS growth {rows[0]['products']} -> {rows[-1]['products']}: {growth:.1%}")
    name = "magento_update_products" + ("" if mode == "connector" else f"_{mode}")
    columns = [
        ("products", "products"),
        ("floor_wall_s", "floor wall s"),
        ("floor_cpu_s", "floor CPU s"),
        ("floor_rss_mb", "floor RSS MB"),
        ("hub_wall_s", "hub wall s"),
        ("hub_cpu_s", "hub CPU s"),
        ("hub_rss_mb", "hub RSS MB"),
        ("ratio_wall", "wall ×floor (median)"),
        ("ratio_wall_best", "wall ×floor (best)"),
        ("ratio_cpu", "CPU ×floor"),
    ]
    paths = harness.write_results(name, rows, meta, columns)
    for n, text in profiles.items():
        print(f"--- profile, {n} products ---\n{text}")
    print("results:", *paths)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mode", choices=sorted(HUB_RUNS), default="connector")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    bench(args.products, args.repeat, args.mode, args.profile)
