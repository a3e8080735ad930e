"""The floor of the Shopify `update_products` benchmark: the least any client must do.

Run the same bulk query as the connector on the same emulator, poll it every 0.1 s, download
the JSONL with requests (streamed) and ``json.loads`` every line. No mapping, no validation.

    python benchmarks/floor_shopify.py --url http://127.0.0.1:PORT
"""

import argparse
import json
import time

import requests
from connect_shopify.queries import BULK_POLL, BULK_PRODUCTS, BULK_RUN

TOKEN = "shpat_demo_token"  # noqa: S105 - the emulator's demo credential


def run(url, version="2026-10"):
    started = time.perf_counter()
    endpoint = f"{url}/admin/api/{version}/graphql.json"
    headers = {"X-Shopify-Access-Token": TOKEN}
    session = requests.Session()
    op = session.post(
        endpoint, json={"query": BULK_RUN, "variables": {"query": BULK_PRODUCTS}}, headers=headers
    ).json()["data"]["bulkOperationRunQuery"]["bulkOperation"]
    while True:
        time.sleep(0.1)
        node = session.post(
            endpoint, json={"query": BULK_POLL, "variables": {"id": op["id"]}}, headers=headers
        ).json()["data"]["node"]
        if node["status"] == "COMPLETED":
            break
        if node["status"] in ("FAILED", "CANCELED", "EXPIRED"):
            raise SystemExit(f"bulk operation {node['status']}")
    objects = variants = 0
    with session.get(node["url"], stream=True) as response:
        response.raise_for_status()
        for line in response.iter_lines(chunk_size=1 << 16):
            if line:
                obj = json.loads(line)
                objects += 1
                variants += "__parentId" in obj
    return {
        "objects": objects,
        "variants": variants,
        "elapsed_s": round(time.perf_counter() - started, 3),  # in-process, startup excluded
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    print(json.dumps(run(parser.parse_args().url)))
