"""A merchant's first import: ``hub feeds run bench update_products --inline`` into an empty hub.

    python benchmarks/bench_first_import.py [shopify magento prestashop]
        [--sizes 20000 100000] [--db sqlite postgresql] [--repeat 3] [--quick]

For each connector, size and database: start the connector's emulator (its own process; its
CPU counts on neither side), then alternate, ``--repeat`` times,

* the connector's floor script (``floor_<connector>.py``: the same requests, JSON parsed,
  items counted; nothing else), and
* the hub's whole process, start-up and imports included: a fresh empty hub (an empty SQLite
  file, or a freshly created PostgreSQL database) holding the integration ``bench`` and
  nothing else, prepared untimed by ``hub_feed.setup``; then the command timed is the CLI a
  merchant runs, ``hub feeds run bench update_products --inline --json``.

Each hub run is checked: the run succeeded and created one product per store item. Reported:
medians of wall time, CPU and peak RSS (the process and its children), the ratio of the
medians, and the best and worst ratio of the pairs run back to back (the noise on a shared
machine). Results go to ``results/first_import.{json,md}`` (``--quick``: 5,000 items, one
connector run each, SQLite, ``results/first_import_quick.*``).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402
from bench_update import CONNECTORS  # noqa: E402
from hub_feed import hub_env  # noqa: E402

HUB = Path(sys.executable).with_name("hub")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# The runs' PostgreSQL databases are named <prefix>_<random>: several people may benchmark
# on the same server at once.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "bench")


class FreshDatabase:
    """An empty database for one hub run: a SQLite file in the work dir, or a PostgreSQL
    database created for the run and dropped after it."""

    def __init__(self, kind, workdir):
        self.kind, self.name = kind, None
        if kind == "sqlite":
            self.url = None  # hub_env's default: sqlite:///<workdir>/hub.db
        else:
            self.name = f"{DB_PREFIX}_{uuid.uuid4().hex[:12]}"
            self._admin(f"CREATE DATABASE {self.name}")
            self.url = f"postgresql://postgres@127.0.0.1:5432/{self.name}"

    @staticmethod
    def _admin(sql):
        import psycopg2

        conn = psycopg2.connect(PG_ADMIN)
        conn.autocommit = True
        try:
            conn.cursor().execute(sql)
        finally:
            conn.close()

    def drop(self):
        if self.name:
            self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def hub_run(connector, conf, url, db_kind):
    workdir = tempfile.mkdtemp(prefix="bench-first-")
    database = FreshDatabase(db_kind, workdir)
    try:
        env = {"PYTHONPATH": str(HERE), **hub_env(workdir, database.url)}
        harness.measure_callable(
            "hub_feed:setup",
            env={"PYTHONPATH": str(HERE)},
            connector=connector,
            url=url,
            secrets=conf["secrets"],
            workdir=workdir,
            database_url=database.url,
        )
        cmd = [HUB, "feeds", "run", "bench", "update_products", "--inline", "--json"]
        run = harness.measure(cmd, env=env)
        if "{" not in run["stdout"]:
            raise RuntimeError(f"hub run failed: {run['stdout'][-2000:]} {run['stderr'][-3000:]}")
        run["result"] = json.loads(run["stdout"][run["stdout"].index("{") :])
        return run
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def _created(result):
    counts = result.get("counts") or {}
    return counts.get("created", 0)


def bench(connector, n, db_kind, repeat):
    conf = CONNECTORS[connector]
    floors, hubs, failures, loads = [], [], [], []
    with harness.start_emulator(conf["emulator"], *conf["args"](n)) as emu:
        for _ in range(repeat):
            loads.append(os.getloadavg()[0])  # the machine is shared: reported
            floor = harness.measure([sys.executable, *conf["floor"](emu.url)])
            assert floor["returncode"] == 0, floor["stderr"]
            floors.append(floor)
            loads.append(os.getloadavg()[0])
            hub = hub_run(connector, conf, emu.url, db_kind)
            status = hub["result"].get("status")
            if status != "succeeded":  # recorded, not averaged (a store that timed out…)
                failures.append(f"{status}: {(hub['result'].get('message') or '')[:200]}")
                floors.pop()  # its pair is not counted
                continue
            assert _created(hub["result"]) == n, hub["result"]
            hubs.append(hub)
    if not hubs:
        return {"connector": connector, "items": n, "db": db_kind, "failed": "; ".join(failures)}
    f, h = harness.summarise(floors), harness.summarise(hubs)  # the pairs that succeeded
    pairs = [x["wall_s"] / y["wall_s"] for x, y in zip(hubs, floors, strict=True)]
    return {
        "failed": "; ".join(failures),
        "connector": connector,
        "items": n,
        "db": db_kind,
        "floor_wall_s": f["wall_s"],
        "hub_wall_s": h["wall_s"],
        "ratio": round(h["wall_s"] / f["wall_s"], 2),
        "ratio_range": f"{min(pairs):.2f}–{max(pairs):.2f}",
        "floor_cpu_s": f["cpu_s"],
        "hub_cpu_s": h["cpu_s"],
        "hub_rss_mb": h["peak_rss_mb"],
        "floor_rss_mb": f["peak_rss_mb"],
        "load_avg": f"{min(loads):.1f}–{max(loads):.1f}",
    }


COLUMNS = [
    ("connector", "connector"),
    ("items", "items"),
    ("db", "database"),
    ("floor_wall_s", "floor wall s"),
    ("hub_wall_s", "hub wall s"),
    ("ratio", "×floor (medians)"),
    ("ratio_range", "×floor per pair"),
    ("floor_cpu_s", "floor CPU s"),
    ("hub_cpu_s", "hub CPU s"),
    ("hub_rss_mb", "hub peak RSS MB"),
    ("load_avg", "load average (1 min)"),
    ("failed", "failed runs"),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("connectors", nargs="*", default=["magento", "prestashop", "shopify"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20000])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="5,000 items, SQLite, one run")
    parser.add_argument("--name", default=None, help="results file name")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.db, args.repeat = [5000], ["sqlite"], 1
    rows = []
    for connector in args.connectors:
        for n in args.sizes:
            for db_kind in args.db:
                rows.append(bench(connector, n, db_kind, args.repeat))
                print(rows[-1], flush=True)
    name = args.name or ("first_import_quick" if args.quick else "first_import")
    print("results:", *harness.write_results(name, rows, {"repeat": args.repeat}, COLUMNS))
    return rows


if __name__ == "__main__":
    main()
