"""A store emulator outside the tests: served from the command line (``python -m
connect_acme_emulator --port P --products N --orders M --seed S``, as ``hub demo`` and the
benchmarks start it) and declared as a demo store for ``hub demo``.

An emulator's ``__main__.py``::

    from connect_acme_emulator import DEMO_KEY, create_app
    from hub.testing.standalone import emulator_main

    def main(argv=None):
        emulator_main(
            create_app,
            name="connect_acme_emulator",
            description="Acme REST API emulator",
            port=8105,
            options=[("--currency", {"default": "EUR", "help": "the shop's currency"})],
            banner=lambda app, url: f"Acme emulator on {url}/api (key {DEMO_KEY})",
            argv=argv,
        )

and its ``demo.py`` (the entry point of group ``connect_hub.demo_stores``, see hub/demo.py)::

    DEMO_STORE = demo_store("acme", "Demo Acme", port=8105, module=__package__,
                            credentials={"api_key": DEMO_KEY})
"""

import argparse
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

# an option of the emulator's own: (flag, argparse.add_argument keywords); its ``dest`` is the
# keyword create_app takes (``("--no-msi", {"dest": "msi", "action": "store_false"})``)
Option = tuple[str, dict[str, Any]]


def emulator_main(
    create_app: Callable[..., "WSGIApplication"],
    *,
    name: str,
    description: str,
    port: int,
    products: int = 100,
    orders: int = 50,
    options: Sequence[Option] = (),
    banner: Callable[[Any, str], str] | None = None,
    argv: Sequence[str] | None = None,
) -> None:
    """Parse the standard arguments (``--host``, ``--port``, ``--products``, ``--orders``,
    ``--seed``, ``--quiet``: no request log lines) and the emulator's ``options``, build
    ``create_app(products=, orders=, seed=, **options)`` and serve it, threaded, until Ctrl-C.

    ``banner(app, url)`` is printed once the port is bound (``--port 0`` takes a free one,
    which the banner's ``url`` shows)."""
    parser = argparse.ArgumentParser(prog=f"python -m {name}", description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--products", type=int, default=products)
    parser.add_argument("--orders", type=int, default=orders)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quiet", action="store_true", help="no request log lines")
    own = [parser.add_argument(flag, **spec).dest for flag, spec in options]
    args = parser.parse_args(argv)
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app(
        products=args.products,
        orders=args.orders,
        seed=args.seed,
        **{dest: getattr(args, dest) for dest in own},
    )
    server = make_server(args.host, args.port, app, threaded=True)
    url = f"http://{args.host}:{server.server_port}"
    print(banner(app, url) if banner else f"{name} on {url}", flush=True)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    finally:
        server.server_close()


def demo_store(
    connector: str,
    label: str,
    *,
    port: int,
    module: str | None,
    credentials: Mapping[str, str],
    settings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``DEMO_STORE`` dict ``hub demo`` reads (hub/demo.py): ``module`` is started as
    ``python -m module --port P --products N --orders M --seed 1`` (an emulator whose
    ``__main__`` is :func:`emulator_main` takes exactly these), on ``port`` when it is free;
    the demo integration of ``connector`` is named ``label`` and made with ``credentials``
    and ``settings``."""
    if not module:
        raise ValueError("demo_store needs the emulator's module (module=__package__)")
    store: dict[str, Any] = {
        "connector": connector,
        "label": label,
        "port": port,
        "module": module,
        "credentials": dict(credentials),
    }
    if settings:
        store["settings"] = dict(settings)
    return store
