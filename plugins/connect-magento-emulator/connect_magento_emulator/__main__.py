"""``python -m connect_magento_emulator --port 8082 --products 500 --orders 50 --seed 1``"""

import argparse

from werkzeug.serving import run_simple

from connect_magento_emulator import DEMO_CREDENTIALS, create_app


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m connect_magento_emulator", description="Magento 2.4 REST emulator (seeded)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--products", type=int, default=100, help="simple products")
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--configurables",
        type=int,
        default=None,
        help="configurable products (default: products/12)",
    )
    parser.add_argument(
        "--virtuals",
        type=int,
        default=None,
        help="virtual/downloadable products (default: products/100)",
    )
    parser.add_argument("--no-msi", action="store_true", help="a store without MSI")
    parser.add_argument(
        "--deduct-at-order",
        action="store_true",
        help="MSI with a module that deducts the source at order placement (no reservations)",
    )
    parser.add_argument(
        "--bearer-integration",
        action="store_true",
        help="allow the integration access token as a bearer token",
    )
    parser.add_argument("--weight-unit", default="lbs", choices=["lbs", "kgs"])
    parser.add_argument("--quiet", action="store_true", help="no request log")
    args = parser.parse_args(argv)
    app = create_app(
        products=args.products,
        orders=args.orders,
        seed=args.seed,
        configurables=args.configurables,
        virtuals=args.virtuals,
        msi=not args.no_msi,
        deduct_at_order=args.deduct_at_order,
        integration_as_bearer=args.bearer_integration,
        weight_unit=args.weight_unit,
    )
    if args.quiet:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(
        f"Magento emulator on http://{args.host}:{args.port}  (demo credentials: "
        f"{DEMO_CREDENTIALS})",
        flush=True,
    )
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
