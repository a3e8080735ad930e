"""Stock export at merchant scale: ``hub feeds run bench export_stock --inline`` on a hub of N
SKUs of which a fraction changed since the last export.

    python benchmarks/bench_stock_export.py [--skus 100000] [--changed 0.001 0.01 0.1]
        [--repeat 3] [--connector shopify]

Prepared once, untimed (``hub_feed.prepare_export``): the catalogue imported from the
emulator, its stock imported, the integration live and every binding pushed (the state a
first export leaves). That hub is kept as a template. Each timed run starts from a copy of it,
with one unit delivered to its own ``fraction × N`` products (``hub_feed.change_stock``; each
run takes products no other run took, so the store still holds what the hub last pushed for
them and compare-and-swap accepts the write). Then the whole process is timed,
``hub feeds run bench export_stock --inline``, and checked: it succeeded, it sent exactly the
changed SKUs (the run's outbox, compared with the changed set) and nothing else, and the store
accepted them all. Reported: wall and CPU (medians), the requests the store answered (the
emulator's counter), the run's own duration (start-up excluded) and that per changed SKU.
Results: ``results/stock_export.{json,md}``.
"""

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402
from bench_first_import import HUB  # noqa: E402
from bench_update import CONNECTORS  # noqa: E402
from hub_feed import hub_env  # noqa: E402

ENV = {"PYTHONPATH": str(HERE)}


def _requests(emu):
    counters = emu.state().get("counters") or {}
    return counters.get("requests", 0) + counters.get("graphql_requests", 0)


def bench(connector, n, fractions, repeat):
    conf = CONNECTORS[connector]
    rows = []
    with harness.start_emulator(conf["emulator"], *conf["args"](n)) as emu:
        base = tempfile.mkdtemp(prefix="bench-export-tmpl-")
        kwargs = {"connector": connector, "url": emu.url, "secrets": conf["secrets"]}
        prepared = harness.measure_callable(
            "hub_feed:prepare_export", env=ENV, workdir=base, **kwargs
        )
        source = sqlite3.connect(f"{base}/hub.db")
        source.execute(f"VACUUM INTO '{base}/template.db'")
        source.close()
        offset = 0
        for fraction in fractions:
            count = max(1, round(n * fraction))
            runs = []
            for _ in range(repeat):
                workdir = tempfile.mkdtemp(prefix="bench-export-")
                shutil.copy(f"{base}/template.db", f"{workdir}/hub.db")
                changed = harness.measure_callable(
                    "hub_feed:change_stock",
                    env=ENV,
                    workdir=workdir,
                    product_offset=offset,
                    count=count,
                )["result"]["skus"]
                offset += count
                before = _requests(emu)
                cmd = [HUB, "feeds", "run", "bench", "export_stock", "--inline", "--json"]
                run = harness.measure(cmd, env={**ENV, **hub_env(workdir)})
                assert run["returncode"] == 0, run["stdout"][-2000:] + run["stderr"][-2000:]
                run["requests"] = _requests(emu) - before - 0
                result = json.loads(run["stdout"][run["stdout"].index("{") :])
                assert result["status"] == "succeeded", result
                sent = harness.measure_callable("hub_feed:sent_skus", env=ENV, workdir=workdir)
                sent = sent["result"]["sent"]
                assert sorted(sent) == sorted(changed), (len(sent), len(changed))
                assert result["counts"]["updated"] == count, result["counts"]
                assert result["counts"]["failed"] == 0, result["counts"]
                run["run_s"] = result["duration"]  # in the process: start-up excluded
                runs.append(run)
                shutil.rmtree(workdir, ignore_errors=True)
            s = harness.summarise(runs)
            rows.append(
                {
                    "connector": connector,
                    "skus": prepared["result"]["bindings"],
                    "changed": count,
                    "changed_pct": f"{fraction:.1%}",
                    "sent": count,
                    "wall_s": s["wall_s"],
                    "cpu_s": s["cpu_s"],
                    "run_s": round(harness.median([r["run_s"] for r in runs]), 3),
                    "requests": harness.median([r["requests"] for r in runs]),
                    "ms_per_changed": round(
                        1000 * harness.median([r["run_s"] for r in runs]) / count, 3
                    ),
                    "rss_mb": s["peak_rss_mb"],
                }
            )
            print(rows[-1], flush=True)
        shutil.rmtree(base, ignore_errors=True)
    return rows


COLUMNS = [
    ("connector", "connector"),
    ("skus", "SKUs"),
    ("changed_pct", "changed"),
    ("sent", "SKUs sent (= changed, asserted)"),
    ("wall_s", "wall s"),
    ("cpu_s", "CPU s"),
    ("run_s", "run itself s"),
    ("requests", "requests to the store"),
    ("ms_per_changed", "ms per changed SKU"),
    ("rss_mb", "peak RSS MB"),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connector", default="shopify", choices=sorted(CONNECTORS))
    parser.add_argument("--skus", type=int, default=100000)
    parser.add_argument("--changed", type=float, nargs="+", default=[0.001, 0.01, 0.1])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--name", default="stock_export")
    args = parser.parse_args(argv)
    if sum(args.changed) * args.repeat > 1:
        parser.error("each run takes its own products: sum(changed) × repeat must be ≤ 1")
    rows = bench(args.connector, args.skus, args.changed, args.repeat)
    print("results:", *harness.write_results(args.name, rows, {"repeat": args.repeat}, COLUMNS))
    return rows


if __name__ == "__main__":
    main()
