"""hub web, hub worker, hub demo.

``hub web`` serves with a production WSGI server: gunicorn (``gthread`` workers: N processes
of M threads) on POSIX, waitress where gunicorn does not run (Windows); Werkzeug's development
server only with ``--dev``. docs/deploy.md says why and how to run it behind a proxy.
"""

import os
import shlex

import click

from hub.cli.common import handle_errors, open_db
from hub.db import db
from hub.demo import run_demo
from hub.errors import BadInput
from hub.settings import get_settings

SERVERS = ("auto", "gunicorn", "waitress")


def parse_bind(bind):
    """``HOST:PORT``, ``[::1]:PORT``, ``:PORT`` (127.0.0.1) or ``unix:PATH`` → (host, port)
    (``unix:`` → (path, None): gunicorn only)."""
    if bind.startswith("unix:"):
        return bind, None
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise BadInput(f"--bind {bind!r}: expected HOST:PORT (e.g. 127.0.0.1:5000)")
    return (host.strip("[]") or "127.0.0.1"), int(port)


def pick_server(name="auto"):
    """The production server: gunicorn on POSIX when installed, else waitress."""
    available = []
    if os.name == "posix":
        try:
            import gunicorn  # noqa: F401

            available.append("gunicorn")
        except ImportError:
            pass
    try:
        import waitress  # noqa: F401

        available.append("waitress")
    except ImportError:
        pass
    if name == "auto" and available:
        return available[0]
    if name in available:
        return name
    raise BadInput(
        f"{'no production WSGI server' if name == 'auto' else name} is not installed here "
        "(gunicorn on Linux/macOS, waitress elsewhere: `pip install gunicorn` or "
        "`pip install waitress`); `hub web --dev` serves with Werkzeug's development server"
    )


def serve_gunicorn(binds, workers, threads, timeout, access_log):
    from gunicorn.app.base import BaseApplication

    class HubGunicorn(BaseApplication):
        def load_config(self):
            options = {
                "bind": binds,
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "timeout": timeout,
                "graceful_timeout": 30,
                "keepalive": 5,
                "proc_name": "hub-web",
                "accesslog": "-" if access_log else None,
                "errorlog": "-",
                # the scheme and the client's address come from X-Forwarded-* only through
                # Werkzeug's ProxyFix, as HUB_TRUSTED_PROXIES says (hub.app): gunicorn's own
                # trust of X-Forwarded-Proto from 127.0.0.1 is turned off
                "secure_scheme_headers": {},
                "forwarded_allow_ips": "",
            }
            if "control_socket_disable" in self.cfg.settings:  # gunicorn 25.1+
                # its `gunicornc` socket is one path per user: two hubs on a host would share
                # it (GUNICORN_CMD_ARGS="--control-socket PATH" brings it back, see below)
                options["control_socket_disable"] = True
            for key, value in options.items():
                self.cfg.set(key, value)
            # any other gunicorn setting, as on gunicorn's command line
            extra = os.environ.get("GUNICORN_CMD_ARGS")
            if extra:
                parsed = self.cfg.parser().parse_args(shlex.split(extra))
                for key, value in vars(parsed).items():
                    if value is not None and key in self.cfg.settings:
                        self.cfg.set(key.lower(), value)
                if "--control-socket" in extra and "control_socket_disable" in self.cfg.settings:
                    self.cfg.set("control_socket_disable", False)

        def load(self):
            # in each worker process (no preload): every process opens its own connections
            from hub.app import create_app

            return create_app()

    HubGunicorn(prog="hub web").run()


def serve_waitress(binds, threads):
    from waitress import serve

    from hub.app import create_app

    listen = []
    for bind in binds:
        host, port = parse_bind(bind)
        if port is None:
            raise BadInput("waitress does not listen on unix: sockets here; use HOST:PORT")
        listen.append(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    serve(create_app(), listen=" ".join(listen), threads=threads, ident="waitress")


def count_option(name, short, default, maximum, help):
    """A whole number from 1 to ``maximum`` (None: no limit), its default shown in --help."""
    names = (name, short) if short else (name,)
    return click.option(
        *names, default=default, show_default=True, type=click.IntRange(1, maximum), help=help
    )


@click.command()
@click.option(
    "--bind",
    "-b",
    "binds",
    multiple=True,
    metavar="HOST:PORT",
    help="Address to listen on, repeatable (default 127.0.0.1:5000; unix:PATH with gunicorn).",
)
@count_option("--workers", "-w", 2, 64, "Processes (gunicorn).")
@count_option("--threads", "-t", 8, 256, "Request threads per process.")
@count_option(
    "--timeout", None, 60, None, "Seconds a request may take before gunicorn restarts its process."
)
@click.option("--access-log", is_flag=True, help="Log every request to standard output.")
@click.option(
    "--server",
    type=click.Choice(SERVERS),
    default="auto",
    show_default=True,
    help="auto: gunicorn on POSIX, else waitress.",
)
@click.option("--dev", is_flag=True, help="Werkzeug's development server (not for production).")
@click.option("--debug", is_flag=True, help="With --dev: Werkzeug's debugger (implies --dev).")
@handle_errors
def web(binds, workers, threads, timeout, access_log, server, dev, debug):
    """Serve the dashboard and the JSON API with a production WSGI server (gunicorn with
    gthread workers; waitress where gunicorn does not run); --dev for Werkzeug's."""
    binds = list(binds) or ["127.0.0.1:5000"]
    for bind in binds:
        parse_bind(bind)
    open_db()  # refuses an unmigrated database before anything listens
    if dev or debug:
        from hub.app import create_app

        if len(binds) > 1:
            raise BadInput("--dev listens on one --bind only")
        host, port = parse_bind(binds[0])
        if port is None:
            raise BadInput("--dev listens on HOST:PORT, not a unix: socket")
        create_app().run(host=host, port=port, debug=debug, use_reloader=False, threaded=True)
        return
    chosen = pick_server(server)
    # the check's connection is not handed down to the forked worker processes
    if not db.is_closed():
        db.close()
    if chosen == "gunicorn":
        serve_gunicorn(binds, workers, threads, timeout, access_log)
    else:
        serve_waitress(binds, threads)


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
    the minute tick that starts scheduled feeds. SIGINT stops it after the runs in progress
    (graceful), SIGTERM at once (their runs are failed and resumed from their checkpoint)."""
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
    """Everything in one command: emulated stores, demo integrations, worker and dashboard
    (served by `hub web`, the production server)."""
    run_demo(port=port, products=products, orders=orders)


COMMANDS = [web, worker, demo]
