"""Benchmark of the PrestaShop connector: case ``update_products``.

For 5,000 and 20,000 combinations (products with 4 combinations each) served by one emulator
process, it runs, alternately and in fresh processes, the floor (``floor_prestashop.py``: page
through products and combinations, parse the JSON) and the connector (``hub_fetch_products``
consumed, every record validated with ``hub.records.validate_record``), and reports wall time,
CPU time and peak RSS of each, the ratio connector/floor (median of the repetitions), and the
RSS growth from 5,000 to 20,000. ``--profile`` adds a cProfile of one connector run.

    .venv/bin/python benchmarks/bench_prestashop.py [--sizes 5000 20000] [--repeat 3] [--profile]

Targets: connector <= 1.5x floor; peak RSS < 250 MB, growing < 20% from 5,000 to 20,000.
(Written against a small local helper below until ``benchmarks/harness.py`` lands.)
"""

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO_KEY = "HUBDEMOPRESTASHOPWEBSERVICEKEY01"
PER_PRODUCT = 4
PAGE_SIZE = 500


# -- local helper (emulator process, measured child processes) ----------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_emulator(products):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "connect_prestashop.emulator",
            "--port",
            str(port),
            "--products",
            str(products),
            "--orders",
            "0",
            "--seed",
            "1",
            "--combinations-per-product",
            str(PER_PRODUCT),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if requests.get(f"{url}/_emulator/state", timeout=2).ok:
                return process, url
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the emulator did not start")


def measure(kind, url):
    """Run one measured job in a fresh interpreter; returns its JSON report."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--url", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# -- the measured jobs ------------------------------------------------------------------------


def job_floor(url):
    sys.path.insert(0, HERE)
    from floor_prestashop import run_floor

    counts = run_floor(url, DEMO_KEY, PAGE_SIZE)
    return {"rows": counts["products"] + counts["combinations"]}


def connector_ctx(url):
    from hub.context import ConnectorContext
    from hub.http import make_session

    return ConnectorContext(
        integration="bench",
        connector="prestashop",
        base_url=url,
        settings={"page_size": PAGE_SIZE},
        secrets={"api_key": DEMO_KEY},
        session=make_session(secrets=[DEMO_KEY]),
    )


def job_connector(url):
    from connect_prestashop import plugin

    from hub.outcomes import is_outcome
    from hub.records import validate_record

    records = outcomes = 0
    for item in plugin.hub_fetch_products(connector_ctx(url)):
        if is_outcome(item):
            outcomes += 1
        else:
            validate_record("product", item)
            records += 1
    return {"records": records, "outcomes": outcomes}


def worker(kind, url):
    started_wall, started_cpu = time.perf_counter(), os.times()
    result = (job_floor if kind == "floor" else job_connector)(url)
    cpu = os.times()
    result.update(
        {
            "kind": kind,
            "wall_s": round(time.perf_counter() - started_wall, 3),
            "cpu_user_s": round(cpu.user - started_cpu.user, 3),
            "cpu_sys_s": round(cpu.system - started_cpu.system, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    )
    print(json.dumps(result))


def cpu(report):
    return report["cpu_user_s"] + report["cpu_sys_s"]


def profile(url, top=18):
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    job_connector(url)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(top)
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", choices=["floor", "connector"])
    parser.add_argument("--url")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[5000, 20000], help="numbers of combinations"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.url)
    results = {}
    for size in args.sizes:
        process, url = start_emulator(size // PER_PRODUCT)
        try:
            measure("floor", url)  # warm-up: the emulator's first pass, imports, page cache
            runs = {"floor": [], "connector": []}
            for _ in range(args.repeat):
                runs["floor"].append(measure("floor", url))
                runs["connector"].append(measure("connector", url))
            floor = statistics.median(r["wall_s"] for r in runs["floor"])
            conn = statistics.median(r["wall_s"] for r in runs["connector"])
            results[size] = {
                "floor": runs["floor"],
                "connector": runs["connector"],
                "floor_median_s": floor,
                "connector_median_s": conn,
                "ratio": round(conn / floor, 3),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in runs["connector"]),
            }
            print(
                f"{size:>6} combinations: floor {floor:.2f}s, connector {conn:.2f}s, "
                f"ratio {conn / floor:.2f}, connector CPU "
                f"{statistics.median(cpu(r) for r in runs['connector']):.2f}s, "
                f"peak RSS {results[size]['peak_rss_mb']} MB, "
                f"records {runs['connector'][0]['records']}",
                flush=True,
            )
            if args.profile and size == max(args.sizes):
                print(profile(url))
        finally:
            process.terminate()
            process.wait(timeout=10)
    if len(args.sizes) >= 2:
        low, high = results[min(args.sizes)], results[max(args.sizes)]
        growth = (high["peak_rss_mb"] - low["peak_rss_mb"]) / low["peak_rss_mb"]
        print(f"RSS growth {min(args.sizes)} -> {max(args.sizes)}: {growth:.1%}")
        results["rss_growth"] = round(growth, 4)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
