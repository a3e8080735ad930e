"""Serving and deploying (docs/deploy.md): `hub web` through its production server as a real
process, the Procfile under honcho, `hub demo` on the same server, `hub db backup`, and the
commands of the deploy/ files."""

import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from support import hub_cli, wait_until

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "production-password-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A real process of its own session (its children stopped with it), output in a file."""

    def __init__(self, args, tmp_path, env=None, cwd=None):
        self.log = tmp_path / f"{Path(args[0]).name}-{time.monotonic_ns()}.log"
        self._out = open(self.log, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            args,
            env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})},
            cwd=cwd,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def output(self):
        return self.log.read_text()

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signal the process itself; returns its exit code (None if it had to be killed)."""
        code = None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.proc.wait(timeout)
        else:
            code = self.proc.returncode
        # whatever is left of its session (children of a process that did not stop them)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.wait(10)
        self._out.close()
        return code


def wait_http(url, proc, timeout=30):
    def answered():
        assert proc.proc.poll() is None, f"exited {proc.proc.returncode}:\n{proc.output}"
        try:
            return [requests.get(url, timeout=2)]  # a 503 Response is falsy
        except (requests.ConnectionError, requests.Timeout):
            # not listening yet, or listening (gunicorn's arbiter) while its worker still boots
            return None

    return wait_until(answered, timeout=timeout, interval=0.2)[0]


def sign_in(session, base):
    page = session.get(f"{base}/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/login",
        data={"csrf_token": token, "username": "alice", "password": PASSWORD},
        timeout=10,
    )
    assert response.status_code == 200 and "/login" not in response.url, response.text[:500]
    return response


@pytest.fixture
def user(hub_db):
    from hub.services.users import create_user

    return create_user("alice", PASSWORD)


@pytest.fixture
def web(hub_db, tmp_path):
    """Start `hub web ARGS…` on a free port: returns (process, base URL)."""
    started = []

    def start(*args, env=None):
        port = free_port()
        proc = Process(
            [str(BIN / "hub"), "web", "--bind", f"127.0.0.1:{port}", *args], tmp_path, env=env
        )
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", proc)
        return proc, base

    yield start
    for proc in started:
        proc.stop()


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_hub_web_serves_through_gunicorn_by_default(web, user):
    import psutil

    proc, base = web("--workers", "2", "--threads", "4")
    health = requests.get(f"{base}/healthz", timeout=10)
    assert health.headers["Server"].startswith("gunicorn")
    assert health.json()["database"] == "ok"  # no worker here: 503 "stale", but it answers
    with requests.Session() as browser:
        overview = sign_in(browser, base)
        assert overview.headers["Server"].startswith("gunicorn")
        assert "alice" in overview.text
        assert browser.get(f"{base}/runs/", timeout=10).status_code == 200
    # the process tree is gunicorn's: one master (the `hub web` process) and its 2 workers
    master = psutil.Process(proc.proc.pid)
    assert len(master.children()) == 2
    assert "Using worker: gthread" in proc.output
    assert "development server" not in proc.output
    assert proc.stop() == 0  # SIGTERM: a graceful stop
    assert "Shutting down" in proc.output


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_forwarded_headers_are_believed_only_from_trusted_proxies(web, user):
    # gunicorn's own trust of X-Forwarded-Proto from 127.0.0.1 is off: HUB_TRUSTED_PROXIES
    # (Werkzeug's ProxyFix) alone decides
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    _, base = web()
    page = requests.get(f"{base}/login", headers=forwarded, timeout=10)
    assert "Secure" not in page.headers["Set-Cookie"]
    _, base = web(env={"HUB_TRUSTED_PROXIES": "1"})
    page = requests.get(f"{base}/login", headers=forwarded, timeout=10)
    assert "; Secure" in page.headers["Set-Cookie"]


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_hub_web_with_waitress_and_dev(web, user):
    pytest.importorskip("waitress")
    proc, base = web("--server", "waitress", "--threads", "4")
    with requests.Session() as browser:
        assert sign_in(browser, base).headers["Server"] == "waitress"
    assert proc.stop(signal.SIGINT) is not None
    proc, base = web("--dev")
    assert requests.get(f"{base}/login", timeout=10).headers["Server"].startswith("Werkzeug")


def test_hub_web_refuses_a_bad_bind_and_an_unmigrated_database(hub_db, tmp_path):
    result = hub_cli("web", "--bind", "localhost")
    assert result.returncode == 2 and "HOST:PORT" in result.stderr
    result = hub_cli(
        "web",
        "--bind",
        f"127.0.0.1:{free_port()}",
        env={"HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"},
    )
    assert result.returncode == 2 and "hub db upgrade" in result.stderr


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_procfile_runs_under_honcho(integration, store, user, tmp_path):
    import psutil

    from hub.services.users import create_token

    for i in range(1, 4):
        store.add_product(i, f"P-{i}", f"Product {i}")
    token = create_token(user, "honcho")
    port = free_port()
    honcho = Process(
        [str(BIN / "honcho"), "start", "-f", str(ROOT / "deploy" / "Procfile"), "-p", str(port)],
        tmp_path,
        cwd=tmp_path,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        # /healthz answers 200 once the worker's heartbeat is in
        wait_until(
            lambda: wait_http(f"{base}/healthz", honcho, timeout=60).status_code == 200,
            timeout=60,
            interval=0.5,
        )
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {token}"
        queued = api.post(
            f"{base}/api/v1/runs",
            json={"integration": "Test shop", "feed": "import_new_products"},
            timeout=10,
        )
        assert queued.status_code == 202, queued.text
        run_id = queued.json()["id"]

        def finished():
            run = api.get(f"{base}/api/v1/runs/{run_id}", timeout=10).json()
            return run if run["status"] not in ("queued", "running") else None

        run = wait_until(finished, timeout=60, interval=0.3)
        assert run["status"] == "succeeded", run
        assert run["counts"]["created"] == 3
        children = psutil.Process(honcho.proc.pid).children(recursive=True)
        assert len(children) >= 4  # two shells' processes: gunicorn (+ workers), hub worker
    finally:
        code = honcho.stop(signal.SIGTERM, timeout=30)
    assert code is not None, honcho.output  # honcho stopped on its own, and its processes
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert "web.1" in honcho.output and "worker.1" in honcho.output


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_hub_demo_serves_through_the_production_server(tmp_path):
    port = free_port()
    env = {
        "HUB_INSTANCE_DIR": str(tmp_path / "demo-instance"),
        "HUB_DATABASE_URL": "",
        "HUB_QUEUE_URL": "",
        "HUB_SECRET_KEY": "",
        "HUB_MEDIA_DIR": "",
    }
    demo = Process(
        [str(BIN / "hub"), "demo", "--port", str(port), "--products", "5", "--orders", "5"],
        tmp_path,
        env=env,
        cwd=tmp_path,
    )
    try:
        wait_until(lambda: "Dashboard:" in demo.output, timeout=180, interval=0.5)
        base = re.search(r"Dashboard:\s+(\S+)", demo.output).group(1)
        page = requests.get(f"{base}/login", timeout=10)
        assert page.status_code == 200
        assert page.headers["Server"].startswith("gunicorn")
        assert "development server" not in demo.output
    finally:
        code = demo.stop(signal.SIGTERM, timeout=30)
    assert code == 0, demo.output


def _login_attempts(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM login_attempt").fetchone()[0]


@pytest.mark.timeout(120)
def test_db_backup_of_sqlite_while_a_writer_is_active(hub_db, tmp_path):
    from hub.models import LoginAttempt, utcnow

    db_path = Path(hub_db.database_url.removeprefix("sqlite:///"))
    LoginAttempt.insert_many(
        [
            {"username": f"u{i}", "address": "192.0.2.1", "ok": False, "at": utcnow()}
            for i in range(5000)
        ]
    ).execute()
    stop, written = threading.Event(), []

    def writer():  # another connection writes all along, as a running hub does
        conn = sqlite3.connect(db_path, timeout=30)
        while not stop.is_set():
            with conn:
                conn.executemany(
                    "INSERT INTO login_attempt (username, address, ok, at) "
                    "VALUES (?, '192.0.2.2', 0, CURRENT_TIMESTAMP)",
                    [(f"w{len(written)}-{i}",) for i in range(50)],
                )
            written.append(50)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_until(lambda: len(written) >= 5, timeout=10)
        copy = tmp_path / "backups" / "hub-copy.db"
        result = hub_cli("db", "backup", str(copy))
        during = len(written)
        assert result.returncode == 0, result.stderr
        assert "backup written" in result.stdout
        wait_until(lambda: len(written) > during + 2, timeout=10)  # the writer was not held up
    finally:
        stop.set()
        thread.join(10)
    assert (copy.stat().st_mode & 0o777) == 0o600  # credentials, sessions, tokens inside
    assert not copy.with_name(copy.name + ".tmp").exists()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
    rows = _login_attempts(copy)
    assert 5000 < rows < _login_attempts(db_path)  # a snapshot taken while writes went on
    # the hub opens the copy as its database
    status = hub_cli("db", "status", env={"HUB_DATABASE_URL": f"sqlite:///{copy}"})
    assert status.returncode == 0, status.stderr
    # never over an existing file
    again = hub_cli("db", "backup", str(copy))
    assert again.returncode == 2 and "exists" in again.stderr
    assert _login_attempts(copy) == rows


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_db_backup_of_postgresql_with_pg_dump(hub_pg, tmp_path):
    from hub.services.integrations import create_integration

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    create_integration("Backed up shop", "testshop", "http://127.0.0.1:1", {"token": "t"})
    copy = tmp_path / "hub.dump"
    result = hub_cli("db", "backup", str(copy))
    assert result.returncode == 0, result.stderr
    assert "pg_dump custom format" in result.stdout
    assert "PGPASSWORD" not in result.stdout + result.stderr
    listing = subprocess.run(
        ["pg_restore", "--list", str(copy)], capture_output=True, text=True, check=True
    ).stdout
    schema = re.search(r"search_path=(\w+)", unquote(hub_pg.database_url)).group(1)
    assert f"TABLE DATA {schema} integration" in listing
    assert "TABLE DATA public " not in listing  # the hub's schema only
    sql = subprocess.run(
        ["pg_restore", "--data-only", "--table=integration", "-f", "-", str(copy)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Backed up shop" in sql


def _deploy_commands():
    """(file, argv) of every `hub …` command line in deploy/ (Procfile, systemd units)."""
    commands = []
    for line in (ROOT / "deploy" / "Procfile").read_text().splitlines():
        if re.match(r"^\w+:", line):
            commands.append(("Procfile", line.split(":", 1)[1]))
    for unit in sorted((ROOT / "deploy" / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                commands.append((unit.name, line.removeprefix("ExecStart=")))
    result = []
    for name, line in commands:
        line = re.sub(r'"\$\{[^"]*\}"', "X", line.replace("%%", "%"))
        line = re.sub(r"^/bin/sh -c 'exec (.*)'$", r"\1", line)
        argv = shlex.split(line)
        hub = next(i for i, a in enumerate(argv) if a.endswith("hub"))
        result.append((name, argv[hub + 1 :]))
    return result


@pytest.mark.parametrize("name,argv", _deploy_commands(), ids=lambda v: str(v))
def test_deploy_files_use_real_options(name, argv):
    from hub.cli import cli

    argv = ["7" if a == "X" and i and argv[i - 1] == "--workers" else a for i, a in enumerate(argv)]
    argv = ["127.0.0.1:5000" if a == "X" else a for a in argv]
    ctx = cli.make_context("hub", list(argv), resilient_parsing=False)
    with ctx:
        sub = ctx.command.get_command(ctx, argv[0])
        assert sub is not None, (name, argv)
        rest = argv[1:]
        while hasattr(sub, "get_command"):  # a group: `hub db backup …`
            sub, rest = sub.get_command(ctx, rest[0]), rest[1:]
        sub.make_context(argv[0], list(rest), parent=ctx)
