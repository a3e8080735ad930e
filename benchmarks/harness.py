"""A small, generic benchmark harness (shared by the connector benchmarks).

* ``start_emulator(module, *args)``: run ``python -m <module> --port <free port> *args`` in a
  subprocess and wait until it answers; a context manager giving ``.url``.
* ``measure(cmd)``: run a command in a subprocess and measure wall time, CPU time
  (user + sys, from ``wait4``'s rusage, which covers the process and the children it reaped)
  and peak RSS (the sum over the process and all its descendants, polled with psutil every
  20 ms).
* ``measure_callable("pkg.module:function", **kwargs)``: the same for a Python function run in
  a fresh interpreter; the function's JSON-able return value comes back as ``result``.
* ``profile_callable(...)``: cProfile a function in a fresh interpreter; the top lines as text.
* ``write_results(name, rows, meta)``: ``benchmarks/results/<name>.json`` and ``<name>.md``
  (a markdown table); ``markdown_table(rows, columns)``.

Everything here is stdlib + psutil + requests; nothing is specific to one store.
"""

import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
POLL_INTERVAL = 0.02

_RUNNER = (
    "import importlib, json, sys\n"
    "spec, kwargs = sys.argv[1], json.loads(sys.argv[2])\n"
    "module, _, name = spec.partition(':')\n"
    "result = getattr(importlib.import_module(module), name)(**kwargs)\n"
    "print('@@RESULT@@' + json.dumps(result))\n"
)

_PROFILER = (
    "import cProfile, importlib, io, json, pstats, sys\n"
    "spec, kwargs, top = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])\n"
    "module, _, name = spec.partition(':')\n"
    "fn = getattr(importlib.import_module(module), name)\n"
    "prof = cProfile.Profile()\n"
    "prof.runcall(fn, **kwargs)\n"
    "out = io.StringIO()\n"
    "stats = pstats.Stats(prof, stream=out).strip_dirs()\n"
    "stats.sort_stats('tottime').print_stats(top)\n"
    "print(out.getvalue())\n"
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """A store emulator running in its own process."""

    def __init__(self, module, args=(), ready_path="/_emulator/state", timeout=120, env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            "-m",
            module,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *map(str, args),
        ]
        # stderr to a file, not a pipe: an emulator logging a line per request fills a pipe
        # nobody reads (64 kB), then every request thread blocks writing its log line, before
        # the response's body (the PrestaShop emulator's "stalls" at 60,000+ combinations)
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (closed by stop())
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=self.log, env=_env(env), cwd=ROOT
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"emulator {module} exited: {self.log.read().decode()[-2000:]}")
            try:
                if requests.get(self.url + ready_path, timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"emulator {module} did not start in {timeout}s")
            time.sleep(0.1)

    def state(self):
        return requests.get(self.url + "/_emulator/state", timeout=10).json()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@contextlib.contextmanager
def start_emulator(module, *args, **kwargs):
    """``with start_emulator("connect_shopify_emulator", "--variants", 20000) as emu: emu.url``"""
    emu = Emulator(module, args, **kwargs)
    try:
        yield emu
    finally:
        emu.stop()


def _env(extra):
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(ROOT))
    if str(ROOT) not in env["PYTHONPATH"].split(os.pathsep):
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env["PYTHONPATH"]
    env.update(extra or {})
    return env


def _tree_rss(proc):
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def measure(cmd, env=None, cwd=None, timeout=3600):
    """Run ``cmd``; return wall_s, cpu_s (user+sys), cpu_user_s, cpu_sys_s, peak_rss_mb,
    returncode, stdout, stderr."""
    stem = f".run-{os.getpid()}-{time.monotonic_ns()}"
    out_path, err_path = RESULTS / f"{stem}-out.tmp", RESULTS / f"{stem}-err.tmp"
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w+b") as out, open(err_path, "w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(c) for c in cmd], stdout=out, stderr=err, env=_env(env), cwd=cwd or ROOT
        )
        ps = psutil.Process(proc.pid)
        peak = 0
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _tree_rss(ps))
            if time.perf_counter() - start > timeout:
                proc.kill()
            time.sleep(POLL_INTERVAL)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    # ru_maxrss (KiB on Linux) covers the main process even if it peaked between two polls
    peak = max(peak, rusage.ru_maxrss * 1024)
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(rusage.ru_utime + rusage.ru_stime, 3),
        "cpu_user_s": round(rusage.ru_utime, 3),
        "cpu_sys_s": round(rusage.ru_stime, 3),
        "peak_rss_mb": round(peak / 2**20, 1),
        "returncode": proc.returncode,
        "stdout": stdout,
        "stderr": stderr,
    }


def measure_callable(spec, env=None, **kwargs):
    """Run ``module:function(**kwargs)`` in a fresh interpreter and measure it."""
    m = measure([sys.executable, "-c", _RUNNER, spec, json.dumps(kwargs)], env=env)
    m["result"] = None
    for line in m["stdout"].splitlines():
        if line.startswith("@@RESULT@@"):
            m["result"] = json.loads(line[len("@@RESULT@@") :])
    if m["returncode"] != 0:
        raise RuntimeError(f"{spec} failed ({m['returncode']}): {m['stderr'][-3000:]}")
    return m


def profile_callable(spec, top=15, env=None, **kwargs):
    """cProfile ``module:function(**kwargs)`` in a fresh interpreter; the stats text."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROFILER, spec, json.dumps(kwargs), str(top)],
        capture_output=True,
        text=True,
        env=_env(env),
        cwd=ROOT,
        check=True,
    )
    return proc.stdout


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def summarise(runs, keys=("wall_s", "cpu_s", "peak_rss_mb")):
    """The median of each key over repeated runs."""
    return {k: round(median([r[k] for r in runs]), 3) for k in keys}


def markdown_table(rows, columns):
    """``columns``: list of (key, header). Rows are dicts."""
    head = "| " + " | ".join(h for _, h in columns) + " |"
    sep = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(str(r.get(k, "")) for k, _ in columns) + " |" for r in rows]
    return "\n".join([head, sep, *body])


def machine():
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
    }


def write_results(name, rows, meta=None, columns=None):
    """Write ``results/<name>.json`` (rows + meta + machine) and ``results/<name>.md``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {
        "name": name,
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "meta": meta or {},
        "rows": rows,
    }
    json_path = RESULTS / f"{name}.json"
    json_path.write_text(json.dumps(doc, indent=2) + "\n")
    columns = columns or [(k, k) for k in rows[0]] if rows else []
    md_path = RESULTS / f"{name}.md"
    md_path.write_text(
        f"# {name}\n\n{doc['at']} on {doc['machine']['platform']}, "
        f"{doc['machine']['cpus']} CPUs, Python {doc['machine']['python']}\n\n"
        + markdown_table(rows, columns)
        + "\n"
    )
    return json_path, md_path
