"""``python -m connect_woocommerce_emulator --port 8104 --products 200 --orders 100 --seed 1``"""

import argparse
import logging

from connect_woocommerce_emulator import DEMO_CONSUMER_KEY, create_app


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m connect_woocommerce_emulator",
        description="WooCommerce REST API v3 emulator",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--variations-per-product",
        type=int,
        default=None,
        help="every variable product gets exactly N variations (default: a mix of 2-6)",
    )
    parser.add_argument("--weight-unit", default="kg", choices=("kg", "g", "lbs", "oz"))
    parser.add_argument(
        "--no-shipment-tracking",
        action="store_true",
        help="the Shipment Tracking extension is not installed",
    )
    parser.add_argument("--quiet", action="store_true", help="no request log lines")
    args = parser.parse_args(argv)
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(
        products=args.products,
        orders=args.orders,
        seed=args.seed,
        variations_per_product=args.variations_per_product,
        weight_unit=args.weight_unit,
        shipment_tracking=not args.no_shipment_tracking,
    )
    print(
        f"WooCommerce emulator on http://{args.host}:{args.port}/wp-json/wc/v3/ (consumer key "
        f"{DEMO_CONSUMER_KEY}; the secret is connect_woocommerce_emulator.DEMO_CONSUMER_SECRET)",
        flush=True,
    )
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
