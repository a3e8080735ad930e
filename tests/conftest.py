"""Fixtures of the core's tests: a real SQLite file per test, the test store over HTTP,
an integration of the ``testshop`` connector (installed like any plugin from tests/testshop),
PostgreSQL / Redis when available (required in CI), and a real worker process."""

import contextlib
import os
import socket
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _redis_url(base, worker):
    """The Redis database of this pytest-xdist worker (``gw3``): the base URL's index (15)
    counted down by the worker's number, so that no worker flushes another's queue."""
    head, _, db = base.rpartition("/")
    index = int(db) - (int(worker[2:]) if worker.startswith("gw") else 0)
    if index < 0:
        raise RuntimeError(f"no Redis database left for xdist worker {worker} ({base})")
    return f"{head}/{index}"


REDIS_URL = _redis_url(
    os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    os.environ.get("PYTEST_XDIST_WORKER", ""),
)


def _reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name, host, port):
    """Skip with a visible reason outside CI; fail in CI, where the service must exist."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(message + " (CI=true: PostgreSQL and Redis tests must run)")
    pytest.skip(message)


def configure(env, url, instance):
    import hub.db
    import hub.models.schema
    import hub.settings

    values = {
        "HUB_DATABASE_URL": url,
        "HUB_INSTANCE_DIR": str(instance),
        "HUB_SECRET_KEY": "test-secret-key-0123456789",
        "HUB_QUEUE_URL": f"sqlite:///{instance / 'queue.db'}",
        "HUB_MEDIA_DIR": str(instance / "media"),
        "HUB_HTTP_BACKOFF": "0",  # transport retries without sleeping
    }
    for key, value in values.items():
        env.setenv(key, value)
    settings = hub.settings.set_settings(hub.settings.load_settings())
    hub.db.init_db(url)
    hub.models.schema.upgrade()
    from hub.tasks import configure_queue

    configure_queue(settings.queue_url)
    return settings


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def hub_db(request, tmp_path, monkeypatch):
    """A migrated database (with the default warehouse) and settings: a SQLite file, or a
    fresh PostgreSQL schema when a module parametrizes it with ``BACKENDS``."""
    if getattr(request, "param", "sqlite") == "postgres":
        with _pg_schema() as url:
            yield configure(monkeypatch, url, tmp_path)
            import hub.db

            hub.db.db.close()
        return
    settings = configure(monkeypatch, f"sqlite:///{tmp_path / 'hub.db'}", tmp_path)
    yield settings
    import hub.db

    hub.db.db.close()


@contextlib.contextmanager
def _pg_schema():
    need_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg2

    schema = f"hub_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    conn.cursor().execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        import hub.db

        if hub.db.db.obj is not None and not hub.db.db.is_closed():
            hub.db.db.close()
        conn.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL schema (search_path) of the local test database."""
    with _pg_schema() as url:
        yield url


@pytest.fixture
def hub_pg(pg_url, tmp_path, monkeypatch):
    settings = configure(monkeypatch, pg_url, tmp_path)
    yield settings
    import hub.db

    hub.db.db.close()


@pytest.fixture
def redis_url():
    need_service("Redis", "127.0.0.1", 6379)
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


@pytest.fixture
def store():
    """The test store, served over loopback HTTP: (state, url)."""
    from hub_testshop.store import StoreState, create_store

    from hub.testing import serve_app

    state = StoreState()
    with serve_app(create_store(state)) as server:
        state.url = server.url
        yield state


@pytest.fixture
def integration(hub_db, store):
    from datetime import datetime

    from hub_testshop.store import TOKEN

    from hub.services.integrations import create_integration

    return create_integration(
        "Test shop",
        "testshop",
        store.url,
        {"token": TOKEN},
        orders_since=datetime(2026, 1, 1),
        carrier_mapping={"standard": "UPS"},
    )


@pytest.fixture
def worker_factory():
    from support import WorkerProcess

    workers = []

    def start(*args, env=None):
        w = WorkerProcess(*args, env=env).start()
        workers.append(w)
        return w

    yield start
    for w in workers:
        w.stop()
