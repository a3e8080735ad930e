"""`hub demo`: the whole product on one machine, in one command.

Starts the store emulators shipped by the installed connectors, creates a "Demo …"
integration for each (test mode), a demo user with a generated password (printed),
seeds the hub with the first runs (products, orders, stock), then runs the worker
and the dashboard. Ctrl-C stops everything.
"""

import contextlib
import importlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta

import click

DEMO_STORES = {
    # connector key: (label, emulator module, preferred port, demo credentials)
    "shopify": (
        "Demo Shopify",
        "connect_shopify.emulator",
        8101,
        lambda m: {"access_token": m.DEMO_TOKEN},
    ),
    "magento": (
        "Demo Magento",
        "connect_magento.emulator",
        8102,
        lambda m: dict(m.DEMO_CREDENTIALS),
    ),
    "prestashop": (
        "Demo PrestaShop",
        "connect_prestashop.emulator",
        8103,
        lambda m: {"api_key": m.DEMO_KEY},
    ),
}
SEED_FEEDS = (
    "import_new_products",
    "import_suppliers",
    "import_product_suppliers",
    "import_new_orders",
    "import_stock",
    "import_product_images",
)


def _free_port(preferred):
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
    from hub.plugins import get_registry

    registry = get_registry()
    started = {}
    for key, (label, module_name, port, creds) in DEMO_STORES.items():
        if key not in registry.connectors():
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            click.echo(f"  {key}: no emulator ({exc})")
            continue
        port = _free_port(port)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module_name,
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
        started[key] = (label, f"http://127.0.0.1:{port}", creds(module))
        click.echo(f"  {label:16} emulator on http://127.0.0.1:{port}")
    return started


def _fill_required_choices(key, url, values):
    """Store-backed settings (a location, a shipped state): the demo takes the first choice."""
    from hub.plugins import get_registry
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
    from hub.feeds.runs import run_inline
    from hub.models import Integration

    for integration in integrations:
        for feed in SEED_FEEDS:
            integration = Integration.get_by_id(integration.id)
            from hub.plugins import get_registry

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
    from hub.cli.common import open_db
    from hub.db import upgrade
    from hub.settings import ensure_secret_key_file, load_settings, set_settings

    # the emulators' orders are dated in the past: keep their unpaid orders re-checked
    os.environ.setdefault("HUB_HELD_ORDER_MAX_AGE_HOURS", str(24 * 365 * 5))
    settings = set_settings(load_settings())
    ensure_secret_key_file(settings)
    open_db(check_schema=False)
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
        children.append(subprocess.Popen([sys.executable, "-m", "hub.cli", "worker"], env=env))
        from hub.app import create_app

        web_port = _free_port(port)
        click.echo("")
        click.echo(f"  Dashboard:  http://127.0.0.1:{web_port}")
        click.echo(f"  Login:      {username} / {password}   (generated for this demo run)")
        click.echo("  Stop:       Ctrl-C")
        click.echo("")
        create_app().run(host="127.0.0.1", port=web_port, use_reloader=False, threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
