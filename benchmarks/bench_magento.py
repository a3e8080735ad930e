"""Benchmark of the Magento connector: case ``update_products``.

For 5,000 and 20,000 simple products served by one emulator process
(``python -m connect_magento.emulator``), it runs, alternately and in fresh processes, the
floor (``floor_magento.py``: page through the same products with the same signed requests,
parse the JSON) and the connector (``hub_fetch_products`` consumed, every record validated with
``hub.records.validate_record``), and reports wall time, CPU time and peak RSS of each, the
ratio connector/floor (median and best of the repetitions), and the RSS growth from 5,000 to
20,000. ``--profile`` adds a cProfile of one connector run.

    .venv/bin/python benchmarks/bench_magento.py [--sizes 5000 20000] [--repeat 3] [--profile]

Targets: connector <= 1.5x floor; peak RSS < 250 MB, growing < 20% from 5,000 to 20,000.
(Written against the small local helper below until ``benchmarks/harness.py`` lands.)
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
            "connect_magento.emulator",
            "--port",
            str(port),
            "--products",
            str(products),
            "--orders",
            "0",
            "--seed",
            "1",
            "--configurables",
            "0",
            "--virtuals",
            "0",
            "--quiet",
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


def measure(kind, url, profile=False):
    """Run one measured job in a fresh interpreter; returns its JSON report."""
    command = [sys.executable, __file__, "--worker", kind, "--url", url]
    if profile:
        command.append("--profile")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# -- the measured jobs ------------------------------------------------------------------------


def credentials():
    from connect_magento.emulator import DEMO_CREDENTIALS

    return DEMO_CREDENTIALS


def job_floor(url):
    """Imports and set-up happen here, outside the measurement; the returned call is timed."""
    sys.path.insert(0, HERE)
    from floor_magento import run_floor

    creds = credentials()
    return lambda: {"rows": run_floor(url, creds)}


def job_connector(url):
    from connect_magento import plugin

    from hub.outcomes import is_outcome
    from hub.records import validate_record
    from hub.testing import make_context

    secrets = {
        k: credentials()[k]
        for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    }
    ctx = make_context("magento", url, secrets=secrets)

    def run():
        rows = outcomes = 0
        for record in plugin.hub_fetch_products(ctx):
            if is_outcome(record):
                outcomes += 1
            else:
                validate_record("product", record)
                rows += 1
        return {"rows": rows, "outcomes": outcomes}

    return run


def worker(kind, url, profile):
    import cProfile
    import io
    import pstats

    job = (job_floor if kind == "floor" else job_connector)(url)
    profiler = cProfile.Profile() if profile else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    result = job()
    if profiler:
        profiler.disable()
    result.update(
        {
            "kind": kind,
            "wall": time.perf_counter() - wall0,
            "cpu": time.process_time() - cpu0,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )
    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(12)
        result["profile"] = stream.getvalue()
    print(json.dumps(result))


# -- the benchmark ----------------------------------------------------------------------------


def run(sizes, repeat, profile):
    report = {"case": "update_products", "connector": "magento", "sizes": {}}
    for size in sizes:
        process, url = start_emulator(size)
        try:
            measure("floor", url)  # warm the emulator's search cache once for both
            floors, connectors = [], []
            for _ in range(repeat):
                floors.append(measure("floor", url))
                connectors.append(measure("connector", url))
            prof = measure("connector", url, profile=True)["profile"] if profile else None
        finally:
            process.kill()
            process.wait()
        ratios = [c["wall"] / f["wall"] for f, c in zip(floors, connectors, strict=True)]
        entry = {
            "rows": connectors[0]["rows"],
            "floor_wall": statistics.median(f["wall"] for f in floors),
            "floor_wall_best": min(f["wall"] for f in floors),
            "floor_cpu": statistics.median(f["cpu"] for f in floors),
            "connector_wall": statistics.median(c["wall"] for c in connectors),
            "connector_wall_best": min(c["wall"] for c in connectors),
            "connector_cpu": statistics.median(c["cpu"] for c in connectors),
            "ratio_median": statistics.median(ratios),
            "ratio_best": min(c["wall"] for c in connectors) / min(f["wall"] for f in floors),
            "connector_peak_rss_mb": max(c["peak_rss_mb"] for c in connectors),
            "floor_peak_rss_mb": max(f["peak_rss_mb"] for f in floors),
        }
        if prof:
            entry["profile"] = prof
        report["sizes"][str(size)] = entry
        print(
            f"{size:>6} products: floor {entry['floor_wall']:.2f}s (cpu "
            f"{entry['floor_cpu']:.2f}s), connector {entry['connector_wall']:.2f}s (cpu "
            f"{entry['connector_cpu']:.2f}s), ratio {entry['ratio_median']:.2f} median / "
            f"{entry['ratio_best']:.2f} best, connector peak RSS "
            f"{entry['connector_peak_rss_mb']:.1f} MB",
            flush=True,
        )
        if prof:
            print(prof)
    keys = sorted(report["sizes"], key=int)
    if len(keys) >= 2:
        small, big = report["sizes"][keys[0]], report["sizes"][keys[-1]]
        growth = big["connector_peak_rss_mb"] / small["connector_peak_rss_mb"] - 1
        report["rss_growth"] = growth
        print(f"connector peak RSS growth {keys[0]} -> {keys[-1]}: {growth:.1%}")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "magento.json"), "w") as fh:
        json.dump(report, fh, indent=2)
    return report


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--worker", choices=["floor", "connector"])
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.url, args.profile)
    else:
        run(args.sizes, args.repeat, args.profile)


if __name__ == "__main__":
    main()
