"""The floor of the Magento ``update_products`` benchmark: a plain script that pages through
the same products from the same emulator with the same requests as the connector's main pass
(OAuth 1.0a HMAC-SHA256 signed, ``searchCriteria`` sorted by entity_id, pageSize 300,
``fields=``), parses the JSON and counts the items. No mapping, no validation.

    .venv/bin/python benchmarks/floor_magento.py http://127.0.0.1:8082
"""

import json
import sys
import time

import requests
from requests_oauthlib import OAuth1

FIELDS = (
    "items[id,sku,name,type_id,status,price,weight,created_at,updated_at,custom_attributes],"
    "total_count"
)


def run_floor(url, credentials, page_size=300, store_code="default"):
    auth = OAuth1(
        credentials["consumer_key"],
        credentials["consumer_secret"],
        credentials["access_token"],
        credentials["access_token_secret"],
        signature_method="HMAC-SHA256",
    )
    session = requests.Session()
    page, count = 1, 0
    while True:
        response = session.get(
            f"{url}/rest/{store_code}/V1/products",
            params={
                "searchCriteria[filter_groups][0][filters][0][field]": "type_id",
                "searchCriteria[filter_groups][0][filters][0][value]": "configurable",
                "searchCriteria[filter_groups][0][filters][0][condition_type]": "neq",
                "searchCriteria[sortOrders][0][field]": "entity_id",
                "searchCriteria[sortOrders][0][direction]": "ASC",
                "searchCriteria[pageSize]": page_size,
                "searchCriteria[currentPage]": page,
                "fields": FIELDS,
            },
            auth=auth,
            timeout=60,
        )
        response.raise_for_status()
        data = response.json()
        count += len(data["items"])
        if page * page_size >= data["total_count"]:
            return count
        page += 1


# the emulator's demo integration (connect_magento_emulator.auth.DEMO_CREDENTIALS)
DEMO = {
    "consumer_key": "demo0consumer0key0magento0hub000",
    "consumer_secret": "demo0consumer0secret0magento0000",
    "access_token": "demo0access0token0magento0hub000",
    "access_token_secret": "demo0access0token0secret0000000",
}

if __name__ == "__main__":
    started = time.perf_counter()
    count = run_floor(sys.argv[1], DEMO)
    # in-process time (interpreter start-up excluded) on the first line; the count last
    print(json.dumps({"count": count, "elapsed_s": round(time.perf_counter() - started, 3)}))
    print(count)
