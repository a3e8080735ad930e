"""``python -m connect_prestashop_emulator --port 8083 --products 200 --orders 100 --seed 1``"""

from connect_prestashop_emulator import DEMO_KEY, create_app
from hub.testing.standalone import emulator_main

OPTIONS = [
    (
        "--combinations-per-product",
        {"type": int, "default": None, "help": "every product gets exactly N combinations"},
    ),
    (
        "--version",
        {"default": "8.1.7", "help": "PrestaShop version to emulate (1.7.x has no PATCH)"},
    ),
]


def main(argv=None):
    emulator_main(
        create_app,
        name="connect_prestashop_emulator",
        description="PrestaShop Webservice emulator",
        port=8083,
        options=OPTIONS,
        banner=lambda app, url: f"PrestaShop emulator on {url}/api/ (webservice key {DEMO_KEY})",
        argv=argv,
    )


if __name__ == "__main__":
    main()
