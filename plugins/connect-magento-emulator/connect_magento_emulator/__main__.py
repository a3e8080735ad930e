"""``python -m connect_magento_emulator --port 8082 --products 500 --orders 50 --seed 1``"""

from connect_magento_emulator import DEMO_CREDENTIALS, create_app
from hub.testing.standalone import emulator_main

OPTIONS = [
    (
        "--configurables",
        {"type": int, "default": None, "help": "configurable products (default: products/12)"},
    ),
    (
        "--virtuals",
        {
            "type": int,
            "default": None,
            "help": "virtual/downloadable products (default: products/100)",
        },
    ),
    ("--no-msi", {"dest": "msi", "action": "store_false", "help": "a store without MSI"}),
    (
        "--deduct-at-order",
        {
            "action": "store_true",
            "help": "MSI with a module that deducts the source at order placement "
            "(no reservations)",
        },
    ),
    (
        "--bearer-integration",
        {
            "dest": "integration_as_bearer",
            "action": "store_true",
            "help": "allow the integration access token as a bearer token",
        },
    ),
    ("--weight-unit", {"default": "lbs", "choices": ["lbs", "kgs"]}),
]


def main(argv=None):
    emulator_main(
        create_app,
        name="connect_magento_emulator",
        description="Magento 2.4 REST emulator (seeded)",
        port=8082,
        orders=20,
        options=OPTIONS,
        banner=lambda app, url: (
            f"Magento emulator on {url}  (demo credentials: {DEMO_CREDENTIALS})"
        ),
        argv=argv,
    )


if __name__ == "__main__":
    main()
