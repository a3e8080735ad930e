"""``python -m connect_shopify_emulator --port P --products N --orders M --seed S``"""

from connect_shopify_emulator import create_app
from hub.testing.standalone import emulator_main

OPTIONS = [
    (
        "--variants",
        {"type": int, "default": None, "help": "generate products until this many variants exist"},
    ),
    (
        "--restore-rate",
        {
            "type": float,
            "default": 100.0,
            "help": "cost points restored per second (Standard plan: 100)",
        },
    ),
    ("--bucket-size", {"type": float, "default": 2000.0}),
]


def _banner(app, url):
    shop = app.config["EMULATOR"].shop
    return (
        f"Shopify emulator on {url} ({len(shop.products)} products, "
        f"{len(shop.variants)} variants, {len(shop.orders)} orders)"
    )


def main(argv=None):
    emulator_main(
        create_app,
        name="connect_shopify_emulator",
        description="Shopify Admin GraphQL API emulator",
        port=8081,
        products=200,
        options=OPTIONS,
        banner=_banner,
        argv=argv,
    )


if __name__ == "__main__":
    main()
