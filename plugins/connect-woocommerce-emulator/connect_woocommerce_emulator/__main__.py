"""``python -m connect_woocommerce_emulator --port 8104 --products 200 --orders 100 --seed 1``"""

from connect_woocommerce_emulator import DEMO_CONSUMER_KEY, create_app
from hub.testing.standalone import emulator_main

OPTIONS = [
    (
        "--variations-per-product",
        {
            "type": int,
            "default": None,
            "help": "every variable product gets exactly N variations (default: a mix of 2-6)",
        },
    ),
    ("--weight-unit", {"default": "kg", "choices": ("kg", "g", "lbs", "oz")}),
    (
        "--no-shipment-tracking",
        {
            "dest": "shipment_tracking",
            "action": "store_false",
            "help": "the Shipment Tracking extension is not installed",
        },
    ),
]


def main(argv=None):
    emulator_main(
        create_app,
        name="connect_woocommerce_emulator",
        description="WooCommerce REST API v3 emulator",
        port=8104,
        options=OPTIONS,
        banner=lambda app, url: (
            f"WooCommerce emulator on {url}/wp-json/wc/v3/ (consumer key {DEMO_CONSUMER_KEY}; "
            "the secret is connect_woocommerce_emulator.DEMO_CONSUMER_SECRET)"
        ),
        argv=argv,
    )


if __name__ == "__main__":
    main()
