"""The floor of the orders benchmark: a plain script paging through the same orders from the
same Magento emulator with the connector's requests (``GET /V1/orders`` sorted by
(created_at, entity_id), keyset "after the last one seen", pageSize 300, the connector's
``fields=``, OAuth 1.0a HMAC-SHA256), parsing the JSON and counting orders and lines. No
mapping, no validation, no database.

    .venv/bin/python benchmarks/floor_magento_orders.py http://127.0.0.1:PORT
"""

import json
import sys
import time

import requests
from connect_magento.client import criteria_params
from connect_magento.feeds import ORDER_FIELDS
from floor_magento import DEMO
from requests_oauthlib import OAuth1


def run_floor(url, credentials, page_size=300, store_code="default"):
    auth = OAuth1(
        credentials["consumer_key"],
        credentials["consumer_secret"],
        credentials["access_token"],
        credentials["access_token_secret"],
        signature_method="HMAC-SHA256",
    )
    session = requests.Session()
    orders = lines = 0
    stamp, last_id = None, 0
    sort = [("created_at", "ASC"), ("entity_id", "ASC")]
    while True:
        groups = []
        if stamp is not None:
            groups = [
                [("created_at", stamp, "gteq")],
                [("created_at", stamp, "gt"), ("entity_id", last_id, "gt")],
            ]
        params = criteria_params(groups, sort, page_size, 1, ORDER_FIELDS + ",total_count")
        response = session.get(
            f"{url}/rest/{store_code}/V1/orders", params=params, auth=auth, timeout=60
        )
        response.raise_for_status()
        data = response.json()
        items = data["items"] or []
        orders += len(items)
        lines += sum(1 for o in items for i in o["items"] if not i.get("parent_item_id"))
        if not items or len(items) >= data["total_count"]:
            return orders, lines
        stamp, last_id = items[-1]["created_at"][:19], int(items[-1]["entity_id"])


if __name__ == "__main__":
    started = time.perf_counter()
    orders, lines = run_floor(sys.argv[1], DEMO)
    elapsed = round(time.perf_counter() - started, 3)
    print(json.dumps({"orders": orders, "lines": lines, "elapsed_s": elapsed}))
