"""The floor of the orders benchmark on Shopify: a plain script paging through the same orders
from the same emulator with the connector's GraphQL query (``queries.ORDERS``: 10 orders a
page with their first 20 lines, sorted by creation, ``created_at:>='…'``), waiting when the
store says THROTTLED as the connector does, parsing the JSON and counting orders and lines.
No mapping, no validation, no database.

    .venv/bin/python benchmarks/floor_shopify_orders.py http://127.0.0.1:PORT [SINCE]
"""

import json
import sys
import time

import requests
from connect_shopify import queries

TOKEN = "shpat_demo_token"  # noqa: S105 - the emulator's demo credential


def run_floor(url, since="2000-01-01T00:00:00Z", version="2026-10"):
    endpoint = f"{url}/admin/api/{version}/graphql.json"
    session = requests.Session()
    session.headers["X-Shopify-Access-Token"] = TOKEN
    variables = {
        "first": queries.ORDER_PAGE,
        "lines": queries.LINES_PER_ORDER,
        "sort": "CREATED_AT",
        "q": f"created_at:>='{since}'",
        "cursor": None,
    }
    orders = lines = 0
    while True:
        response = session.post(
            endpoint, json={"query": queries.ORDERS, "variables": variables}, timeout=60
        )
        response.raise_for_status()
        body = response.json()
        if any(
            (e.get("extensions") or {}).get("code") == "THROTTLED" for e in body.get("errors") or []
        ):
            cost = body["extensions"]["cost"]
            status = cost["throttleStatus"]
            deficit = cost["requestedQueryCost"] - status["currentlyAvailable"]
            time.sleep(max(deficit, 1) / status["restoreRate"])
            continue
        page = body["data"]["orders"]
        orders += len(page["nodes"])
        lines += sum(len(o["lineItems"]["nodes"]) for o in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return orders, lines
        variables["cursor"] = page["pageInfo"]["endCursor"]


if __name__ == "__main__":
    started = time.perf_counter()
    orders, lines = run_floor(*sys.argv[1:])
    elapsed = round(time.perf_counter() - started, 3)
    print(json.dumps({"orders": orders, "lines": lines, "elapsed_s": elapsed}))
