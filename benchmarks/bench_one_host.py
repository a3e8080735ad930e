"""What one host carries with the defaults (SQLite + SqliteHuey), through the real processes:

* the dashboard: requests/s and latency of signed-in pages served by `hub web` (gunicorn,
  gthread) under `wrk` (or a Python load loop when wrk is not installed), for a few
  --workers/--threads settings;
* the worker: feed runs per minute of a trivial feed (``import_new_products`` on a test store
  of 20 unchanged products, after the first import) through one `hub worker` process.

Needs the test environment (`make test` installs it: the ``testshop`` connector).

    python benchmarks/bench_one_host.py [--seconds 10] [--runs 300] [--connections 16]
"""

import argparse
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

BIN = Path(sys.executable).parent
PASSWORD = "benchmark-password"  # noqa: S105


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(instance, n_integrations):
    os.environ.update(
        HUB_INSTANCE_DIR=str(instance),
        HUB_SECRET_KEY="benchmark-secret-key-0123456789",  # noqa: S106
        HUB_DATABASE_URL=f"sqlite:///{instance / 'hub.db'}",
        HUB_QUEUE_URL=f"sqlite:///{instance / 'queue.db'}",
    )
    from hub_testshop.store import TOKEN, StoreState, create_store

    from hub.db import init_db
    from hub.engine.runs import run_inline
    from hub.models.schema import upgrade
    from hub.services.integrations import create_integration
    from hub.services.users import create_user
    from hub.settings import load_settings, set_settings
    from hub.testing import serve_app

    set_settings(load_settings())
    init_db(os.environ["HUB_DATABASE_URL"])
    upgrade()
    import hub.tasks  # noqa: F401  (wires the engine's queue)

    create_user("bench", PASSWORD)
    state = StoreState()
    for i in range(1, 21):
        state.add_product(i, f"P-{i}", f"Product {i}")
    server = serve_app(create_store(state))
    state.url = server.__enter__().url
    integrations = []
    for i in range(n_integrations):
        integration = create_integration(  # one store behind all of them: confirmed
            f"Shop {i}", "testshop", state.url, {"token": TOKEN}, allow_duplicate=True
        )
        run_inline(integration, "import_new_products")  # later runs find nothing new
        integrations.append(integration)
    return server, integrations


def start(args, log):
    return subprocess.Popen(
        [str(BIN / "hub"), *args], stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)
    )


def wait_http(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return requests.get(url, timeout=10)
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def signed_in_cookie(base):
    with requests.Session() as s:
        page = s.get(f"{base}/login", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        s.post(
            f"{base}/login",
            data={"csrf_token": token, "username": "bench", "password": PASSWORD},
            timeout=10,
        )
        return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def load_wrk(url, cookie, seconds, connections):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s"]
    out = subprocess.run(
        [*command, "--latency", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, int(errors.group(1)) if errors else 0


def load_python(url, cookie, seconds, connections):
    done, errors, times = [0], [0], []
    deadline = time.monotonic() + seconds

    def loop():
        with requests.Session() as s:
            s.headers["Cookie"] = cookie
            while time.monotonic() < deadline:
                t = time.monotonic()
                ok = s.get(url, timeout=30).status_code == 200
                times.append(time.monotonic() - t)
                done[0] += 1
                errors[0] += not ok

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    ms = lambda q: f"{times[int(q * (len(times) - 1))] * 1000:.0f}ms"  # noqa: E731
    return done[0] / seconds, ms(0.5), ms(0.99), errors[0]


def bench_web(args, settings_list):
    load = load_wrk if shutil.which("wrk") else load_python
    rows = []
    for workers, threads in settings_list:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(os.environ.get("BENCH_WEB_LOG", os.devnull), "a") as log:
            web = start(
                ["web", "--bind", f"127.0.0.1:{port}", "-w", str(workers), "-t", str(threads)], log
            )
            try:
                wait_http(f"{base}/healthz")
                cookie = signed_in_cookie(base)
                for page in ("/", "/orders/", "/products/"):
                    load(base + page, cookie, 2, args.connections)  # warm-up
                    rps, p50, p99, errors = load(
                        base + page, cookie, args.seconds, args.connections
                    )
                    rows.append((workers, threads, page, rps, p50, p99, errors))
                    print(
                        f"web -w {workers} -t {threads} {page:11} {rps:7.0f} req/s  "
                        f"p50 {p50:>8}  p99 {p99:>8}  errors {errors}",
                        flush=True,
                    )
            finally:
                web.terminate()
                web.wait(30)
    return load.__name__, rows


def bench_worker(args, integrations):
    from peewee import fn

    from hub.engine.runs import queue_run
    from hub.models import FeedRun

    first = FeedRun.select(fn.MAX(FeedRun.id)).scalar() or 0
    for i in range(args.runs):
        queue_run(integrations[i % len(integrations)], "import_new_products")
    with open(os.devnull, "w") as log:
        t0 = time.monotonic()
        worker = start(["worker", "-w", str(args.threads)], log)
        try:
            while True:
                left = (
                    FeedRun.select()
                    .where((FeedRun.id > first) & FeedRun.status.in_(["queued", "running"]))
                    .count()
                )
                if not left:
                    break
                time.sleep(0.2)
            elapsed = time.monotonic() - t0
        finally:
            worker.send_signal(2)
            worker.wait(30)
    statuses = {}
    for run in FeedRun.select().where(FeedRun.id > first):
        key = f"{run.feed} {run.status}"
        statuses[key] = statuses.get(key, 0) + 1
    per_min = args.runs / elapsed * 60
    print(
        f"worker -w {args.threads}: {args.runs} runs in {elapsed:.1f} s (start-up included) = "
        f"{per_min:.0f} runs/min {statuses}"
    )
    return per_min, statuses


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2, help="worker threads (HUB_WORKERS)")
    parser.add_argument("--integrations", type=int, default=10)
    parser.add_argument(
        "--web", nargs="*", default=["1x8", "2x8", "4x4"], help="WORKERSxTHREADS settings"
    )
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the test store's request log
    with tempfile.TemporaryDirectory() as tmp:
        server, integrations = setup(Path(tmp), args.integrations)
        try:
            bench_web(args, [(int(w), int(t)) for w, t in (s.split("x") for s in args.web)])
            bench_worker(args, integrations)
        finally:
            server.__exit__(None, None, None)


if __name__ == "__main__":
    main()
