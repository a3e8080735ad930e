"""The floor for the PrestaShop ``update_products`` benchmark: a plain script that pages through
the same resources as the connector, from the same emulator, with the same page size, and
parses the JSON: ``products`` (display=full, sort by id) and ``combinations`` (display=full,
sort by id_product then id). No mapping, no validation: the cost of the data itself.

    python benchmarks/floor_prestashop.py --url http://127.0.0.1:8083 --page-size 500
"""

import argparse
import json
import time

import requests

DEMO_KEY = "HUBDEMOPRESTASHOPWEBSERVICEKEY01"


def page_through(session, url, resource, sort, page_size):
    rows, offset = 0, 0
    while True:
        response = session.get(
            f"{url}/api/{resource}",
            params={
                "output_format": "JSON",
                "display": "full",
                "sort": sort,
                "limit": f"{offset},{page_size}",
            },
            timeout=60,
        )
        response.raise_for_status()
        data = json.loads(response.content)
        page = data.get(resource, []) if isinstance(data, dict) else []
        rows += len(page)
        if len(page) < page_size:
            return rows
        offset += page_size


def run_floor(url, key=DEMO_KEY, page_size=500):
    """Rows read: {"products": n, "combinations": m}."""
    with requests.Session() as session:
        session.auth = (key, "")
        return {
            "products": page_through(session, url, "products", "[id_ASC]", page_size),
            "combinations": page_through(
                session, url, "combinations", "[id_product_ASC,id_ASC]", page_size
            ),
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?")
    parser.add_argument("--url", dest="url_option")
    parser.add_argument("--key", default=DEMO_KEY)
    parser.add_argument("--page-size", type=int, default=500)
    args = parser.parse_args()
    started = time.perf_counter()
    result = run_floor(args.url or args.url_option, args.key, args.page_size)
    result["elapsed_s"] = round(time.perf_counter() - started, 3)  # start-up excluded
    print(json.dumps(result))
