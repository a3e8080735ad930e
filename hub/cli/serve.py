"""hub web, hub worker, hub demo."""

import click

from hub.app import create_app
from hub.cli.common import handle_errors, open_db
from hub.demo import run_demo
from hub.settings import get_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True)
@handle_errors
def web(host, port, debug):
    """Serve the dashboard and the JSON API (development server; use gunicorn in production:
    gunicorn 'hub.app:create_app()')."""
    open_db()
    create_app().run(host=host, port=port, debug=debug, use_reloader=False, threaded=True)


@click.command()
@click.option(
    "--workers", "-w", type=int, default=None, help="Worker threads (default HUB_WORKERS or 2)."
)
@click.option(
    "--no-schedule",
    is_flag=True,
    help="Do not run the scheduler (extra workers: only one process schedules).",
)
@handle_errors
def worker(workers, no_schedule):
    """Run the background worker (Huey consumer): feed runs and, unless --no-schedule,
    the minute tick that starts scheduled feeds."""
    open_db()
    # hub.worker imports hub.tasks, which opens the queue (a SQLite file by default): only
    # the commands that use the queue import it, so `hub --help` creates no file
    from hub.worker import run_worker

    run_worker(workers=workers or get_settings().workers, schedule=not no_schedule)


@click.command()
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--products", default=60, show_default=True, type=int, help="Products per emulated store."
)
@click.option("--orders", default=40, show_default=True, type=int)
@click.option("--no-browser-hint", is_flag=True)
@handle_errors
def demo(port, products, orders, no_browser_hint):
    """Everything in one command: emulated stores, demo integrations, worker and dashboard."""
    run_demo(port=port, products=products, orders=orders)


COMMANDS = [web, worker, demo]
