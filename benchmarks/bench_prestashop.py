"""Benchmark of the PrestaShop ``update_products`` feed against the floor.

    python benchmarks/bench_prestashop.py --combinations 5000 20000 [--repeat 3]
                                          [--mode connector|stream] [--profile]

For each size it starts the PrestaShop emulator in its own process (``--combinations N`` =
N/4 products with 4 combinations each, no orders), then alternates runs of

* the floor (``floor_prestashop.py``): the same ``GET /api/products`` and
  ``GET /api/combinations`` pages (JSON, display=full, sorted by id / by id_product then id,
  500 rows a page, Basic auth), ``json.loads``, count;
* the hub side (``HUB_RUNS``): ``connector`` consumes ``hub_fetch_products`` fully and validates
  every record with ``hub.records.validate_record`` (as the core does); ``stream`` is the same
  without the validation (the connector's own cost);

each in a fresh interpreter through ``benchmarks/harness.py`` (wall time, CPU user+sys and peak
RSS of the whole process, imports included, for both sides), and writes the medians to
``benchmarks/results/prestashop_update_products[_<mode>].json`` / ``.md``. ``--profile`` adds
the cProfile top functions of one hub run.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

# the emulator's demo key (connect_prestashop_emulator.DEMO_KEY), repeated here so that
# neither side imports the emulator (Flask) when measured
DEMO_KEY = "HUBDEMOPRESTASHOPWEBSERVICEKEY01"
PER_PRODUCT = 4
PAGE_SIZE = 500
HERE = str(Path(__file__).resolve().parent)


def _consume(url, validate):
    from connect_prestashop import feeds

    from hub.context import ConnectorContext
    from hub.http import make_session
    from hub.outcomes import is_outcome
    from hub.records import validate_record

    # built as the core builds it (hub.testing would also import werkzeug)
    ctx = ConnectorContext(
        integration="bench",
        connector="prestashop",
        base_url=url,
        settings={"page_size": PAGE_SIZE},
        secrets={"api_key": DEMO_KEY},
        session=make_session(secrets=[DEMO_KEY]),
    )
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
    floor_cmd = [
        sys.executable,
        "benchmarks/floor_prestashop.py",
        "--page-size",
        PAGE_SIZE,
        "--url",
    ]
    for n in sizes:
        with harness.start_emulator(
            "connect_prestashop_emulator",
            "--products",
            n // PER_PRODUCT,
            "--combinations-per-product",
            PER_PRODUCT,
            "--orders",
            0,
            "--seed",
            1,
            "--quiet",
        ) as emu:
            warm = harness.measure([*floor_cmd, emu.url])  # the emulator's sort caches
            assert warm["returncode"] == 0, warm["stderr"]
            floors, hubs = [], []
            for _ in range(repeat):
                floor = harness.measure([*floor_cmd, emu.url])
                assert floor["returncode"] == 0, floor["stderr"]
                assert f'"combinations": {n}' in floor["stdout"], floor["stdout"]
                floors.append(floor)
                hub = harness.measure_callable(
                    f"bench_prestashop:{HUB_RUNS[mode]}", env=env, url=emu.url
                )
                assert hub["result"]["records"] == n, hub["result"]
                hubs.append(hub)
            if profile:
                profiles[n] = harness.profile_callable(
                    f"bench_prestashop:{HUB_RUNS[mode]}", top=20, env=env, url=emu.url
                )
        f, h = harness.summarise(floors), harness.summarise(hubs)
        best = min(x["wall_s"] for x in hubs) / min(x["wall_s"] for x in floors)
        rows.append(
            {
                "combinations": n,
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
    meta = {"mode": mode, "repeat": repeat, "page_size": PAGE_SIZE, "profiles": profiles}
    if len(rows) >= 2:
        growth = rows[-1]["hub_rss_mb"] / rows[0]["hub_rss_mb"] - 1
        meta["rss_growth"] = round(growth, 3)
        print(
            f"hub peak RSS growth {rows[0]['combinations']} -> {rows[-1]['combinations']}: "
            f"{growth:.1%}"
        )
    name = "prestashop_update_products" + ("" if mode == "connector" else f"_{mode}")
    columns = [
        ("combinations", "combinations"),
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
        print(f"--- profile, {n} combinations ---\n{text}")
    print("results:", *paths)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--combinations", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mode", choices=sorted(HUB_RUNS), default="connector")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    bench(args.combinations, args.repeat, args.mode, args.profile)
