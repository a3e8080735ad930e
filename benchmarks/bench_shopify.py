"""Benchmark of the Shopify `update_products` feed (bulk operation) against the floor.

    python benchmarks/bench_shopify.py --variants 5000 20000 [--repeat 3] [--mode connector]

For each catalogue size it starts the Shopify emulator in its own process
(``--variants N``), then alternates runs of

* the floor (``floor_shopify.py``): bulk query, poll, download, ``json.loads`` per line;
* the hub side (``hub_run``): see ``HUB_RUNS``. ``connector`` consumes the connector's
  ``hub_fetch_products`` fully and validates every record with ``hub.records.validate_record``;
  ``stream`` is the same without the validation (the connector's own cost);
  ``feed`` runs the hub's real feed engine inline (``hub.engine.runs.run_inline``, the
  ``hub feeds run … --inline`` path) on a fresh SQLite database, writing every product.

and records wall time, CPU time (user+sys) and peak RSS (median of the repeats) in
``benchmarks/results/shopify_update_products[_<mode>].json`` / ``.md``. ``--profile`` adds the
cProfile top functions of one hub run.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness


def _consume(url, validate):
    from connect_shopify import plugin

    from hub.outcomes import is_outcome
    from hub.records import validate_record
    from hub.testing.context import make_context

    ctx = make_context("shopify", url, secrets={"access_token": "shpat_demo_token"})
    records = outcomes = 0
    for item in plugin.hub_fetch_products(ctx):
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


def hub_run_feed(url):
    """The hub's own first import (engine, bindings, database writes), inline, on SQLite.
    The nightly steady state is ``bench_update.py shopify``."""
    import hub_feed

    workdir = tempfile.mkdtemp(prefix="bench-hub-")
    return hub_feed.prepare("shopify", url, {"access_token": "shpat_demo_token"}, workdir)


HUB_RUNS = {"connector": "hub_run_connector", "stream": "hub_run_stream", "feed": "hub_run_feed"}


def bench(sizes, repeat, mode, profile):
    rows, profiles = [], {}
    for n in sizes:
        with harness.start_emulator(
            "connect_shopify_emulator", "--variants", n, "--products", 0, "--orders", 0, "--quiet"
        ) as emu:
            floors, hubs = [], []
            for _ in range(repeat):
                floor = harness.measure(
                    [sys.executable, "benchmarks/floor_shopify.py", "--url", emu.url]
                )
                assert floor["returncode"] == 0, floor["stderr"]
                floors.append(floor)
                hubs.append(
                    harness.measure_callable(
                        f"bench_shopify:{HUB_RUNS[mode]}",
                        env={"PYTHONPATH": str(Path(__file__).parent)},
                        url=emu.url,
                    )
                )
            if profile:
                profiles[n] = harness.profile_callable(
                    f"bench_shopify:{HUB_RUNS[mode]}",
                    top=20,
                    env={"PYTHONPATH": str(Path(__file__).parent)},
                    url=emu.url,
                )
        f, h = harness.summarise(floors), harness.summarise(hubs)
        floor_runs = [json.loads(x["stdout"].strip().splitlines()[-1])["elapsed_s"] for x in floors]
        hub_runs = [x["result"].get("elapsed_s") for x in hubs]
        in_process = {}
        if all(v is not None for v in hub_runs):
            in_process = {
                "floor_run_s": harness.median(floor_runs),
                "hub_run_s": harness.median(hub_runs),
                "ratio_run": round(harness.median(hub_runs) / harness.median(floor_runs), 2),
            }
        rows.append(
            {
                "variants": n,
                "floor_wall_s": f["wall_s"],
                "floor_cpu_s": f["cpu_s"],
                "floor_rss_mb": f["peak_rss_mb"],
                "hub_wall_s": h["wall_s"],
                "hub_cpu_s": h["cpu_s"],
                "hub_rss_mb": h["peak_rss_mb"],
                "ratio_wall": round(h["wall_s"] / f["wall_s"], 2),
                "ratio_cpu": round(h["cpu_s"] / f["cpu_s"], 2),
                **in_process,
                "hub_result": hubs[-1]["result"],
            }
        )
        print(rows[-1], flush=True)
    if len(rows) >= 2:
        growth = rows[-1]["hub_rss_mb"] / rows[0]["hub_rss_mb"] - 1
        print(f"hub peak RSS growth {rows[0]['variants']} -> {rows[-1]['variants']}: {growth:.1%}")
    name = "shopify_update_products" + ("" if mode == "connector" else f"_{mode}")
    columns = [
        ("variants", "variants"),
        ("floor_wall_s", "floor wall s"),
        ("floor_cpu_s", "floor CPU s"),
        ("floor_rss_mb", "floor RSS MB"),
        ("hub_wall_s", "hub wall s"),
        ("hub_cpu_s", "hub CPU s"),
        ("hub_rss_mb", "hub RSS MB"),
        ("ratio_wall", "wall ×floor"),
        ("ratio_cpu", "CPU ×floor"),
        ("floor_run_s", "floor run s (in-process)"),
        ("hub_run_s", "hub run s (in-process)"),
        ("ratio_run", "run ×floor"),
    ]
    paths = harness.write_results(
        name, rows, {"mode": mode, "repeat": repeat, "profiles": profiles}, columns
    )
    for n, text in profiles.items():
        print(f"--- profile, {n} variants ---\n{text}")
    print("results:", *paths)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", type=int, nargs="+", default=[20000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mode", choices=sorted(HUB_RUNS), default="connector")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    bench(args.variants, args.repeat, args.mode, args.profile)
