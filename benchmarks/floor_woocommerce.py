"""The floor of the WooCommerce ``update_products`` benchmark: a plain script that pages
through the same resources from the same emulator with the same requests as the connector's
full read (one-legged OAuth 1.0a over plain HTTP, HMAC-SHA256 in the query), one after the
other: ``/products`` by id, 100 a page, then ``/products/{id}/variations`` of every variable
product. It parses the JSON and counts the stockable items. No mapping, no validation, no
read-ahead.

    .venv/bin/python benchmarks/floor_woocommerce.py http://127.0.0.1:8104
"""

import argparse
import json
import time

import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_QUERY
from requests_oauthlib import OAuth1

API = "/wp-json/wc/v3"


def pages(session, url, auth, params):
    page = 1
    while True:
        response = session.get(
            url,
            params={**params, "per_page": 100, "page": page},
            auth=auth(),
            timeout=60,
        )
        response.raise_for_status()
        rows = json.loads(response.content)
        yield rows
        if len(rows) < 100:
            return
        page += 1


def run_floor(url, key, secret):
    """Stockable items read: simple products + variations."""

    def auth():  # a new nonce per request, as WooCommerce wants
        return OAuth1(
            key,
            client_secret=secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            signature_type=SIGNATURE_TYPE_QUERY,
        )

    count = 0
    by_id = {"orderby": "id", "order": "asc"}
    with requests.Session() as session:
        for products in pages(session, f"{url}{API}/products", auth, by_id):
            for product in products:
                if product["type"] == "simple":
                    count += 1
                elif product["type"] == "variable":
                    variations = f"{url}{API}/products/{product['id']}/variations"
                    for rows in pages(session, variations, auth, by_id):
                        count += len(rows)
    return count


def complete_skus(url, key, secret):
    """Give every variation the emulator seeded without a SKU (one in seven: SKUs are optional
    in WooCommerce) one of its own, through the emulator's admin endpoint, so that the
    benchmark's catalogue imports without errors. Returns how many were given one."""

    def auth():
        return OAuth1(
            key,
            client_secret=secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            signature_type=SIGNATURE_TYPE_QUERY,
        )

    fixed = 0
    by_id = {"orderby": "id", "order": "asc"}
    with requests.Session() as session:
        for products in pages(session, f"{url}{API}/products", auth, by_id):
            for product in products:
                if product["type"] != "variable":
                    continue
                variations = f"{url}{API}/products/{product['id']}/variations"
                for rows in pages(session, variations, auth, by_id):
                    for row in rows:
                        if row["sku"] in ("", product["sku"]):
                            session.post(
                                f"{url}/_emulator/products/{row['id']}",
                                json={"sku": f"{product['sku']}-V{row['id']}"},
                                timeout=60,
                            ).raise_for_status()
                            fixed += 1
    return fixed


if __name__ == "__main__":
    from connect_woocommerce_emulator import DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET

    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?")
    parser.add_argument("--url", dest="url_option")
    args = parser.parse_args()
    started = time.perf_counter()
    items = run_floor(args.url or args.url_option, DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET)
    elapsed = round(time.perf_counter() - started, 3)  # start-up excluded
    print(json.dumps({"items": items, "elapsed_s": elapsed}))
