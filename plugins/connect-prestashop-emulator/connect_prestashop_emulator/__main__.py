"""``python -m connect_prestashop_emulator --port 8083 --products 200 --orders 100 --seed 1``"""

import argparse
import logging

from connect_prestashop_emulator import DEMO_KEY, create_app


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m connect_prestashop_emulator", description="PrestaShop Webservice emulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8083)
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--combinations-per-product",
        type=int,
        default=None,
        help="every product gets exactly N combinations (default: a mix)",
    )
    parser.add_argument(
        "--version",
        dest="ps_version",
        default="8.1.7",
        help="PrestaShop version to emulate (1.7.x has no PATCH)",
    )
    parser.add_argument("--quiet", action="store_true", help="no request log lines")
    args = parser.parse_args(argv)
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(
        products=args.products,
        orders=args.orders,
        seed=args.seed,
        combinations_per_product=args.combinations_per_product,
        version=args.ps_version,
    )
    print(
        f"PrestaShop emulator on http://{args.host}:{args.port}/api/ (webservice key {DEMO_KEY})",
        flush=True,
    )
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
