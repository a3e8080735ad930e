"""`hub demo`: the whole product on one machine, in one command.

Starts the demo stores of the installed connectors, creates a "Demo …" integration for each
(test mode), a demo user with a generated password (printed), seeds the hub with the first
runs (products, orders, stock), then runs the worker (`hub worker`) and the dashboard
(`hub web`: the production server, gunicorn or waitress) as child processes. Ctrl-C stops
everything.

Demo stores are entry points in group ``connect_hub.demo_stores``, declared by a connector's
emulator distribution (the bundled ones: plugins/connect-*-emulator); each points to a dict::

    [project.entry-points."connect_hub.demo_stores"]
    acme = "connect_acme_emulator.demo:DEMO_STORE"

    DEMO_STORE = {
        "connector": "acme",             # the connector key (default: the entry point's name)
        "label": "Demo Acme",            # the demo integration's name
        "port": 8104,                    # preferred port; another free one if it is taken
        "module": "connect_acme_emulator",   # started as a child process:
        #   python -m MODULE --port P --products N --orders M --seed 1
        "credentials": {"api_key": "…"},   # the integration's secrets
        "settings": {},                  # optional: other settings (store-backed choices the
                                         # demo leaves out are filled with the first choice)
    }

A demo store whose connector is not installed (or broken) is skipped; the hub names no
connector or emulator module itself (docs/writing-a-connector.md).
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.metadata import entry_points

import click

DEMO_STORES_GROUP = "connect_hub.demo_stores"


@dataclass
class DemoStore:
    connector: str
    label: str
    module: str
    port: int = 0
    credentials: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    distribution: str | None = None

    @property
    def values(self):
        """What the demo integration is created with: its settings and secrets."""
        return {**self.settings, **self.credentials}


def demo_stores():
    """The installed demo stores, by preferred port: ``[DemoStore]``; one that cannot be
    loaded is reported and skipped."""
    stores = []
    for ep in entry_points(group=DEMO_STORES_GROUP):
        dist = getattr(ep, "dist", None)
        try:
            spec = dict(ep.load())
            spec.setdefault("connector", ep.name)
            store = DemoStore(
                connector=spec["connector"],
                label=spec["label"],
                module=spec["module"],
                port=int(spec.get("port") or 0),
                credentials=dict(spec.get("credentials") or {}),
                settings=dict(spec.get("settings") or {}),
                distribution=dist and dist.name,
            )
        except Exception as exc:  # one broken emulator package must not stop the demo
            click.echo(f"  {ep.name}: demo store not loaded ({type(exc).__name__}: {exc})")
            continue
        stores.append(store)
    return sorted(stores, key=lambda s: (s.port or 1 << 16, s.connector))


SEED_FEEDS = (
    "import_new_products",
    "import_suppliers",
    "import_product_suppliers",
    "import_new_orders",
    "import_stock",
    "import_product_images",
)


def _free_port(preferred):
    if preferred:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", preferred)) != 0:
                return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def start_emulators(products, orders, children):
    from hub.engine.plugins import get_registry

    connectors = get_registry().connectors()
    started, offered = {}, set()
    for store in demo_stores():
        key = store.connector
        if key not in connectors or key in offered:
            continue
        offered.add(key)
        port = _free_port(store.port)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                store.module,
                "--port",
                str(port),
                "--products",
                str(products),
                "--orders",
                str(orders),
                "--seed",
                "1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        children.append(proc)
        if not _wait_port(port):
            click.echo(f"  {key}: emulator did not start")
            continue
        started[key] = (store.label, f"http://127.0.0.1:{port}", store.values)
        click.echo(f"  {store.label:16} emulator on http://127.0.0.1:{port}")
    for key in connectors:
        if key not in offered:
            click.echo(f"  {key}: no demo store (install its emulator distribution)")
    return started


def _fill_required_choices(key, url, values):
    """Store-backed settings (a location, a shipped state): the demo takes the first choice."""
    from hub.engine.plugins import get_registry
    from hub.testing.context import make_context

    registry = get_registry()
    info = registry.info(key)
    secret_names = {s["name"] for s in info["settings"] if s["secret"]}
    for spec in info["settings"]:
        if (
            spec["name"] not in values
            and spec.get("choices_from_store")
            and registry.implements(key, "hub_setting_choices")
        ):
            ctx = make_context(
                key,
                url,
                settings={k: v for k, v in values.items() if k not in secret_names},
                secrets={k: v for k, v in values.items() if k in secret_names},
            )
            choices = registry.call(key, "hub_setting_choices", ctx=ctx, setting=spec["name"]) or []
            if choices:
                values[spec["name"]] = choices[0]["value"]
    return values


def ensure_integrations(stores):
    from hub.models import Integration
    from hub.services.integrations import create_integration, update_integration

    integrations = []
    for key, (label, url, creds) in stores.items():
        existing = Integration.get_or_none(Integration.name == label)
        if existing is not None:
            update_integration(existing, url=url)
            integrations.append(existing)
            continue
        values = _fill_required_choices(key, url, dict(creds))
        integrations.append(
            create_integration(
                label, key, url, values, orders_since=datetime.now() - timedelta(days=3650)
            )
        )  # demo: import all orders
    return integrations


def map_demo_carriers(integration):
    """The demo maps every shipping method its store used to a demo carrier."""
    from hub.models import Event
    from hub.services.integrations import update_integration

    methods = {}
    for event in Event.select().where(
        (Event.integration == integration.id) & (Event.code == "unmapped_shipping_method")
    ):
        code = event.message.split("shipping method ", 1)[-1].split(" ")[0]
        methods[code] = "DHL Express" if "express" in event.message.lower() else "Colissimo"
    if methods:
        update_integration(integration, carriers=methods)
    return methods


def seed(integrations):
    import hub.feeds  # noqa: F401  (registers the feed handlers)
    from hub.engine.runs import run_inline
    from hub.models import Integration

    for integration in integrations:
        for feed in SEED_FEEDS:
            integration = Integration.get_by_id(integration.id)
            from hub.engine.plugins import get_registry

            if feed not in get_registry().feeds(integration.connector):
                continue
            if feed == "import_stock" and integration.stock_imported_at:
                continue
            run = run_inline(integration, feed)
            if feed == "import_new_orders" and map_demo_carriers(integration):
                run = run_inline(integration, "retry_orders", params={"all": True})
            c = run.counts
            click.echo(
                f"  {integration.name:16} {feed:26} {run.status:22} "
                f"+{c['created']} ~{c['updated']} !{c['failed']}"
            )


def demo_user():
    from hub.models import User
    from hub.services.users import create_user

    password = secrets.token_urlsafe(12)
    user = User.get_or_none(User.username == "demo")
    if user is None:
        create_user("demo", password)
    else:
        from werkzeug.security import generate_password_hash

        user.password_hash = generate_password_hash(password)
        user.save()
    return "demo", password


def run_demo(port=5000, products=60, orders=40):
    from hub.db import init_db
    from hub.models.schema import upgrade
    from hub.settings import ensure_secret_key_file, load_settings, set_settings

    # the emulators' orders are dated in the past: keep their unpaid orders re-checked
    os.environ.setdefault("HUB_HELD_ORDER_MAX_AGE_HOURS", str(24 * 365 * 5))
    settings = set_settings(load_settings())
    ensure_secret_key_file(settings)
    init_db(settings.database_url)
    upgrade()
    children = []

    def stop(*_):
        for child in children:
            with contextlib.suppress(Exception):
                child.terminate()
        for child in children:
            with contextlib.suppress(Exception):
                child.wait(5)

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        click.echo("Starting the store emulators…")
        stores = start_emulators(products, orders, children)
        integrations = ensure_integrations(stores)
        click.echo(
            "Seeding the hub with the first runs (test mode: nothing is written to the stores)…"
        )
        seed(integrations)
        username, password = demo_user()
        env = dict(os.environ, HUB_INSTANCE_DIR=str(settings.instance_dir))
        worker = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker"], env=env)
        children.append(worker)
        # the dashboard is `hub web`: the production server (gunicorn, or waitress), as in
        # a deployment (docs/deploy.md)
        web_port = _free_port(port)
        web = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "web", "--bind", f"127.0.0.1:{web_port}"], env=env
        )
        children.append(web)
        if not _wait_port(web_port) or web.poll() is not None:
            sys.exit("The dashboard did not start (see its messages above).")
        click.echo("")
        click.echo(f"  Dashboard:  http://127.0.0.1:{web_port}")
        click.echo(f"  Login:      {username} / {password}   (generated for this demo run)")
        click.echo("  Stop:       Ctrl-C")
        click.echo("")
        while web.poll() is None and worker.poll() is None:
            time.sleep(0.5)
        stopped = "dashboard" if web.poll() is not None else "worker"
        click.echo(f"The {stopped} stopped: stopping the demo.")
    except KeyboardInterrupt:
        pass
    finally:
        stop()
