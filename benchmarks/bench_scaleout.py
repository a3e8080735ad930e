"""Scale-out on PostgreSQL + Redis: feed runs completed per minute with 1 `hub worker` process
against 2 (issue 14 §2), and where the workers' threads spend their time.

The workload is the soak test's (tests/test_soak.py) without its faults and kill: four
integrations (Shopify, Magento, PrestaShop, Shopify again), each on its own store emulator
process, seeded and live; every feed of every integration kept busy — as soon as a run of an
(integration, feed) ends the next one is queued, so the queue never runs dry and each setting
sees the same mix of feeds; orders arrive in the stores and the hub ships orders meanwhile.
Each worker process has the same number of threads (``--threads``, HUB_WORKERS).

Where the time goes, measured for every setting:

* each worker process runs under a sampler (``--sample``, below): every 20 ms the stack of
  each Huey worker thread is classified as database (in peewee/psycopg2), store HTTP
  (requests/urllib3/http.client), queue (in Huey's storage or redis: waiting for a task)
  or Python (anything else: the hub's own CPU work, or waiting for the GIL);
* ``pg_stat_activity`` is sampled every 0.5 s for the workers' connections (PGAPPNAME):
  active, waiting on a lock (``Lock``/``LWLock``), idle in transaction;
* the Huey queue's length, and the CPU of the workers, the emulators, PostgreSQL and the
  machine (psutil).

    python benchmarks/bench_scaleout.py [--seconds 90] [--threads 2] [--order 1 2]

Needs PostgreSQL (HUB_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test;
a schema of its own, dropped at the end) and Redis (HUB_BENCH_REDIS_URL, default
redis://127.0.0.1:6379/13, flushed). Writes results/scaleout.json and results/scaleout.md.
"""

import argparse
import collections
import contextlib
import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import psutil
import requests
from harness import free_port, write_results

BIN = Path(sys.executable).parent
PG_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("HUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
APP_NAME = "hub-bench-worker"
STORES = ("shopify", "magento", "prestashop", "shopify")
SKIPPED_FEEDS = ("import_product_images", "import_stock")  # import_stock runs once per store


# -- the sampler, run inside each worker process ------------------------------------------


DB_WAIT = {"_execute_cursor", "execute_sql", "commit", "rollback", "begin", "_connect", "connect"}
# the first of these met walking out from the innermost frame names the layer at work: a
# library called by the hub (marshmallow, pluggy) or a connector counts as the hub's Python;
# Huey's own frames (at the bottom of every worker thread) only outside a run
LAYERS = (
    ("/peewee.py", "database: ORM (Python)"),
    ("/psycopg2/", "database: ORM (Python)"),
    ("/urllib3/", "store HTTP: client (Python)"),
    ("/requests/", "store HTTP: client (Python)"),
    ("http/client.py", "store HTTP: client (Python)"),
    ("/hub/", "hub + connectors: Python"),
    ("/huey/", "queue"),
    ("/redis/", "queue"),
)


def classify(frame):
    """What a Huey worker thread is doing, from its stack: the innermost frame says whether it
    waits (in psycopg2 for PostgreSQL, on a socket for the store, in redis for a task), the
    outer frames which layer does Python work (the thread may also be waiting for the GIL or
    for a core: the process's CPU tells)."""
    inner = frame.f_code
    if inner.co_filename.endswith("/peewee.py") and inner.co_name in DB_WAIT:
        return "database: waiting on PostgreSQL"
    if inner.co_filename.endswith(("/socket.py", "/ssl.py")):
        return "store HTTP: waiting on the socket"
    if "/redis/" in inner.co_filename or "/huey/storage.py" in inner.co_filename:
        return "queue"
    if inner.co_filename.endswith("/time.py") or inner.co_name in ("sleep", "wait"):
        return "sleeping (backoff, Retry-After)"
    while frame is not None:
        name = frame.f_code.co_filename
        for part, label in LAYERS:
            if part in name:
                return label
        frame = frame.f_back
    return "other"


def sample_worker(out_path, argv):
    """Run ``hub <argv>`` with a thread that samples the Huey worker threads every 20 ms and
    writes the counts to ``out_path`` every second."""
    counts = collections.Counter()

    def loop():
        last_write = time.monotonic()
        while True:
            time.sleep(0.02)
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if names.get(ident, "").startswith("Worker"):
                    counts[classify(frame)] += 1
            if time.monotonic() - last_write >= 1.0:
                last_write = time.monotonic()
                tmp = f"{out_path}.tmp"
                Path(tmp).write_text(json.dumps(counts))
                os.replace(tmp, out_path)

    threading.Thread(target=loop, daemon=True, name="bench-sampler").start()
    from hub.cli import main

    sys.argv = ["hub", *argv]
    main()


# -- the hub and its stores ------------------------------------------------------------------


def open_hub(instance, url):
    os.environ.update(
        HUB_DATABASE_URL=url,
        HUB_QUEUE_URL=REDIS_URL,
        HUB_INSTANCE_DIR=str(instance),
        HUB_SECRET_KEY="benchmark-secret-key-0123456789",  # noqa: S106
        HUB_MEDIA_DIR=str(instance / "media"),
    )
    import hub.db
    import hub.models.schema
    import hub.settings
    from hub.tasks import configure_queue

    settings = hub.settings.set_settings(hub.settings.load_settings())
    hub.db.init_db(url)
    hub.models.schema.upgrade()
    configure_queue(settings.queue_url)


def start_stores(children):
    from hub.demo import demo_stores

    specs = {s.connector: s for s in demo_stores()}
    stores = []
    for n, key in enumerate(STORES):
        port = free_port()
        args = ["--port", str(port), "--products", "12", "--orders", "4", "--seed", str(n + 1)]
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", specs[key].module, *args, "--quiet"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        stores.append({"connector": key, "url": f"http://127.0.0.1:{port}", "n": n})
    for s in stores:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(s["url"] + "/_emulator/state", timeout=2)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{s['url']} did not answer") from None
                time.sleep(0.2)
    return stores, specs


def seed(stores, specs):
    """Integrations seeded and live, as in the soak test."""
    import hub.feeds  # noqa: F401
    from hub.demo import _fill_required_choices, map_demo_carriers
    from hub.engine.plugins import get_registry
    from hub.engine.runs import run_inline
    from hub.models import Integration
    from hub.services.golive import go_live
    from hub.services.integrations import create_integration

    for s in stores:
        values = _fill_required_choices(
            s["connector"], s["url"], dict(specs[s["connector"]].values)
        )
        integ = create_integration(
            f"Bench {s['connector']} {s['n']}",
            s["connector"],
            s["url"],
            values,
            orders_since=datetime.now() - timedelta(days=3650),
        )
        for feed in ("import_new_products", "import_new_orders", "import_stock"):
            run_inline(Integration.get_by_id(integ.id), feed)
            if feed == "import_new_orders" and map_demo_carriers(Integration.get_by_id(integ.id)):
                run_inline(Integration.get_by_id(integ.id), "retry_orders", params={"all": True})
        go_live(Integration.get_by_id(integ.id), force=True, confirm_test_shipments=True)
        s["id"] = integ.id
        s["feeds"] = [f for f in get_registry().feeds(s["connector"]) if f not in SKIPPED_FEEDS]


def add_order(s, rng):
    body = {
        "magento": {"state": "processing", "status": "processing"},
        "shopify": {"lines": rng.randint(1, 2)},
        "prestashop": {"state": "PS_OS_PAYMENT"},
    }[s["connector"]]
    requests.post(s["url"] + "/_emulator/orders", json=body, timeout=10)


# -- one setting: N worker processes ---------------------------------------------------------


class Sampler(threading.Thread):
    """pg_stat_activity of the workers' connections, the queue's length, CPU by process group."""

    def __init__(self, workers, emulators):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.pg = collections.Counter()
        self.lock_waits = collections.Counter()
        self.queue = []
        self.workers, self.emulators = workers, emulators
        self.backends = set(self._backends())
        self.cpu_start = self._cpu()

    def _backends(self):
        import psycopg2

        with contextlib.closing(psycopg2.connect(PG_URL)) as conn:
            cur = conn.cursor()
            cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", (APP_NAME,))
            return [pid for (pid,) in cur.fetchall()]

    def _cpu(self):
        """CPU seconds so far: the workers, the emulators, the workers' PostgreSQL backends
        (their pids from pg_stat_activity), the whole machine."""
        groups = {
            "workers": [p.pid for p in self.workers],
            "emulators": [p.pid for p in self.emulators],
            "postgres (workers' backends)": sorted(self.backends),
        }
        total = {}
        for name, pids in groups.items():
            total[name] = {}
            for pid in pids:
                with contextlib.suppress(psutil.Error):
                    t = psutil.Process(pid).cpu_times()
                    total[name][pid] = t.user + t.system
        t = psutil.cpu_times()
        total["machine busy"] = {0: t.user + t.system + t.nice + t.irq + t.softirq}
        total["at"] = time.monotonic()
        return total

    def run(self):
        import psycopg2

        from hub.tasks import huey

        conn = psycopg2.connect(PG_URL)
        conn.autocommit = True
        while not self.stop.wait(0.5):
            cur = conn.cursor()
            cur.execute(
                "SELECT pid, state, wait_event_type, wait_event, left(query, 60) "
                "FROM pg_stat_activity WHERE application_name = %s",
                (APP_NAME,),
            )
            for pid, state, kind, event, query in cur.fetchall():
                self.backends.add(pid)
                if kind == "Lock":  # which statement waits for another's row or table lock
                    self.lock_waits[re.sub(r"\s+", " ", query)] += 1
                if state == "active":
                    key = f"active, waiting {kind}:{event}" if kind else "active (running)"
                elif state == "idle in transaction":
                    key = "idle in transaction"
                else:
                    key = state or "unknown"
                self.pg[key] += 1
            self.queue.append(huey.pending_count())
        conn.close()

    def cpu_seconds(self):
        """CPU seconds spent by each group during the window, and the window's length."""
        end = self._cpu()
        seconds = end["at"] - self.cpu_start["at"]
        spent = {}
        for group, pids in end.items():
            if group != "at":
                start = self.cpu_start.get(group, {})
                spent[group] = sum(v - start.get(pid, 0.0) for pid, v in pids.items())
        return spent, seconds


def run_setting(n_workers, args, stores, emulators, tmp, rng):
    from peewee import fn

    from hub.engine.runs import queue_run
    from hub.errors import BadInput
    from hub.models import FeedRun, Integration, Order, utcnow
    from hub.services.orders import ship_order
    from hub.tasks import huey

    huey.flush()
    env = {
        **os.environ,
        "PGAPPNAME": APP_NAME,
        "HUB_WORKERS": str(args.threads),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }
    first = FeedRun.select(fn.MAX(FeedRun.id)).scalar() or 0
    pairs = [(s, feed) for s in stores for feed in s["feeds"]]
    in_flight = {}

    def keep_busy():
        busy = {
            r.id
            for r in FeedRun.select(FeedRun.id).where(
                FeedRun.id.in_(list(in_flight.values()) or [0])
                & FeedRun.status.in_(["queued", "running"])
            )
        }
        for s, feed in pairs:
            if in_flight.get((s["id"], feed)) in busy:
                continue
            run = queue_run(Integration.get_by_id(s["id"]), feed, trigger="schedule")
            in_flight[(s["id"], feed)] = run.id

    keep_busy()
    samples = [tmp / f"sample-{n_workers}-{i}.json" for i in range(n_workers)]
    workers = [
        subprocess.Popen(
            [sys.executable, __file__, "--sample", str(path), "--", "worker", "--no-schedule"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp / f"worker-{n_workers}-{i}.log", "w"),  # noqa: SIM115
        )
        for i, path in enumerate(samples)
    ]
    time.sleep(args.warmup)
    for path in samples:
        path.unlink(missing_ok=True)  # the sampler rewrites its counts every second
    sampler = Sampler(workers, emulators)
    sampler.start()
    started = utcnow()
    t0 = time.monotonic()
    while time.monotonic() - t0 < args.seconds:
        keep_busy()
        add_order(rng.choice(stores), rng)
        for order in Order.select().where(Order.status == "to_ship").order_by(Order.id).limit(2):
            with contextlib.suppress(BadInput):  # no stock or no carrier: another one next time
                ship_order(order, tracking_number=f"B{order.id:06d}", allow_duplicate_tracking=True)
        time.sleep(0.5)
    ended = utcnow()
    sampler.stop.set()
    sampler.join()
    cpu, window = sampler.cpu_seconds()
    threads = collections.Counter()
    for path in samples:
        if path.exists():
            threads.update(json.loads(path.read_text()))
    for w in workers:
        w.send_signal(signal.SIGINT)  # graceful: the runs in progress end
    for w in workers:
        try:
            w.wait(60)
        except subprocess.TimeoutExpired:
            w.kill()
    done = collections.Counter(
        r.status
        for r in FeedRun.select(FeedRun.status).where(
            (FeedRun.id > first)
            & FeedRun.finished_at.between(started, ended)
            & FeedRun.status.not_in(["queued", "running"])
        )
    )
    FeedRun.update(status="failed", message="benchmark setting ended").where(
        (FeedRun.id > first) & FeedRun.status.in_(["queued", "running"])
    ).execute()
    completed = sum(done.values())
    thread_total = sum(threads.values()) or 1
    pg_total = sum(sampler.pg.values()) or 1
    row = {
        "workers": n_workers,
        "threads each": args.threads,
        "runs/min": round(completed / window * 60, 1),
        "runs": completed,
        "by status": dict(done),
        "window s": round(window, 1),
        "threads %": {k: round(100 * v / thread_total) for k, v in threads.most_common()},
        "pg sessions": {k: round(v / pg_total, 3) for k, v in sampler.pg.most_common()},
        "pg: statements waiting on a lock": dict(sampler.lock_waits.most_common(5)),
        "pg: waiting on a lock %": round(
            100 * sum(v for k, v in sampler.pg.items() if "waiting Lock:" in k) / pg_total, 1
        ),
        "pg: waiting on WAL %": round(
            100 * sum(v for k, v in sampler.pg.items() if "WAL" in k) / pg_total, 1
        ),
        "queue length (median)": sorted(sampler.queue)[len(sampler.queue) // 2]
        if sampler.queue
        else None,
        "CPU cores used": {k: round(v / window, 2) for k, v in cpu.items()},
        "CPU ms per run": {
            k: round(1000 * v / completed)
            for k, v in cpu.items()
            if completed and k != "machine busy"
        },
        "load average": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(row), flush=True)
    return row


def speed_ups(rows):
    """2 workers against 1: each 2-worker setting against the 1-worker setting just before it
    (the machine's load drifts), and the best of each."""
    pairs = [
        round(b["runs/min"] / a["runs/min"], 2)
        for a, b in itertools.pairwise(rows)
        if (a["workers"], b["workers"]) == (1, 2)
    ]
    best = {}
    for row in rows:
        best[row["workers"]] = max(best.get(row["workers"], 0), row["runs/min"])
    return {
        "speed-up (2 workers / the 1-worker setting before)": pairs,
        "speed-up (best 2 / best 1)": round(best[2] / best[1], 2) if {1, 2} <= set(best) else None,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=90, help="measured window per setting")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2, help="threads per worker process")
    parser.add_argument("--order", type=int, nargs="+", default=[1, 2, 1, 2])
    parser.add_argument("--sample", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.sample:
        return sample_worker(args.sample, [a for a in rest if a != "--"])
    import psycopg2

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE SCHEMA {schema}")
    children = []
    rng = random.Random(14)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            open_hub(Path(tmp), f"{PG_URL}?options={quote(f'-csearch_path={schema}')}")
            stores, specs = start_stores(children)
            seed(stores, specs)
            emulators = [psutil.Process(c.pid) for c in children]
            rows = [run_setting(n, args, stores, emulators, Path(tmp), rng) for n in args.order]
    finally:
        for c in children:
            c.terminate()
            c.wait(10)
        import hub.db

        if hub.db.db.obj is not None:
            hub.db.db.close()
        admin.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()
    meta = {
        "workload": "4 integrations (shopify, magento, prestashop, shopify), every feed kept "
        "queued, orders arriving and shipped; PostgreSQL + Redis",
        "seconds per setting": args.seconds,
        **speed_ups(rows),
    }
    for row in rows:  # the markdown table's columns, flattened
        for key in ("threads %", "CPU cores used", "CPU ms per run"):
            for k, v in row[key].items():
                row[f"{key}: {k}"] = v
    columns = [
        (k, k)
        for k in (
            "workers",
            "runs/min",
            "runs",
            "threads %: database: waiting on PostgreSQL",
            "threads %: database: ORM (Python)",
            "threads %: store HTTP: waiting on the socket",
            "threads %: queue",
            "threads %: hub + connectors: Python",
            "queue length (median)",
            "pg: waiting on a lock %",
            "pg: waiting on WAL %",
            "CPU cores used: workers",
            "CPU cores used: postgres (workers' backends)",
            "CPU cores used: machine busy",
            "CPU ms per run: workers",
            "load average",
        )
    ]
    write_results("scaleout", rows, meta, columns)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
