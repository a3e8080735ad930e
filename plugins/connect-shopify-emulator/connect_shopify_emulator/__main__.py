"""``python -m connect_shopify_emulator --port P --products N --orders M --seed S``"""

import argparse
import contextlib
import logging

from werkzeug.serving import make_server

from connect_shopify_emulator import create_app


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m connect_shopify_emulator", description="Shopify Admin GraphQL API emulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument(
        "--variants",
        type=int,
        default=None,
        help="generate products until this many variants exist",
    )
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--restore-rate",
        type=float,
        default=100.0,
        help="cost points restored per second (Standard plan: 100)",
    )
    parser.add_argument("--bucket-size", type=float, default=2000.0)
    parser.add_argument("--quiet", action="store_true", help="no request log")
    args = parser.parse_args(argv)
    app = create_app(
        products=args.products,
        orders=args.orders,
        seed=args.seed,
        variants=args.variants,
        restore_rate=args.restore_rate,
        bucket_size=args.bucket_size,
    )
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(args.host, args.port, app, threaded=True)
    emu = app.config["EMULATOR"]
    print(
        f"Shopify emulator on http://{args.host}:{server.server_port} "
        f"({len(emu.shop.products)} products, {len(emu.shop.variants)} variants, "
        f"{len(emu.shop.orders)} orders)",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
