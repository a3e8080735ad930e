"""The Shopify emulator's state: the seeded shop, the cost bucket, faults (the emulator kit's),
tokens, bulk operations and the constants the routes share (``admin_api.py``, ``control.py``)."""

import base64
import json
import secrets
import tempfile
import threading
import time

from flask import Response, current_app, request

from connect_shopify_emulator.bulk import BulkOperation, BulkView, check_bulk_query
from connect_shopify_emulator.bulk import start_bulk as _start_bulk
from connect_shopify_emulator.resolvers import get_schema, version_at_least
from connect_shopify_emulator.state import Shop
from connect_shopify_emulator.webhooks import Deliverer
from hub.testing.emulator import EmulatorKit

DEMO_TOKEN = "shpat_demo_token"  # noqa: S105 - a documented demo credential
DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105
TOKEN_TTL = 86399
# "In API versions 2026-01 and higher, you can run up to five bulk query operations at a time
# per shop. In API versions prior to 2026-01, you can run only one bulk operation of each type
# ... at a time per shop." (https://shopify.dev/api/usage/bulk-operations/queries ;
# https://shopify.dev/changelog/faster-bulk-operations). Over the cap, bulkOperationRunQuery
# answers LIMIT_REACHED ("Bulk operations limit reached. Please try again later.",
# https://shopify.dev/docs/api/admin-graphql/latest/enums/BulkOperationUserErrorCode); which code
# goes with the five-operation cap is inferred from that description, Shopify does not say.
BULK_CONCURRENCY = 5
VERSIONS = ("2025-07", "2025-10", "2026-01", "2026-04", "2026-07", "2026-10", "2027-01")
MAX_QUERY_COST = 1000  # https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits
# The rest of Shopify's MAX_COST_EXCEEDED message, as a third-party client's test fixture quotes
# a real response (EdStevo/laravel-shopify-graph); the first sentence is the documented one.
MAX_COST_ADVICE = (
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
)
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"  # noqa: S105
ROOT_SCOPES = {
    "products": "read_products",
    "product": "read_products",
    "productVariants": "read_products",
    "productVariant": "read_products",
    "orders": "read_orders",
    "order": "read_orders",
    "locations": "read_locations",
    "location": "read_locations",
    "inventoryItem": "read_inventory",
    "fulfillmentOrder": "read_merchant_managed_fulfillment_orders",
    "inventorySetQuantities": "write_inventory",
    "fulfillmentCreate": "write_merchant_managed_fulfillment_orders",
}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


class Bucket:
    """Shopify's leaky bucket of query cost points."""

    def __init__(self, size, rate, clock):
        self.size, self.rate, self.clock = float(size), float(rate), clock
        self.available, self.t = float(size), clock()

    def refill(self):
        now = self.clock()
        self.available = min(self.size, self.available + (now - self.t) * self.rate)
        self.t = now
        return self.available

    def status(self):
        return {
            "maximumAvailable": self.size,
            "currentlyAvailable": int(self.available),
            "restoreRate": self.rate,
        }


class Emulator:
    def __init__(
        self,
        products=200,
        orders=50,
        seed=1,
        variants=None,
        bucket_size=2000,
        restore_rate=100,
        clock=time.time,
        bulk_dir=None,
        max_query_cost=MAX_QUERY_COST,
        bulk_limit=None,
    ):
        self.args = {"products": products, "orders": orders, "seed": seed, "variants": variants}
        self.clock = clock
        self.max_query_cost = max_query_cost  # a test knob: Shopify's is 1,000
        self.bulk_limit = bulk_limit  # None: Shopify's, by API version (5 from 2026-01, else 1)
        self.bucket_size, self.restore_rate = bucket_size, restore_rate
        self.bulk_dir = bulk_dir or tempfile.mkdtemp(prefix="shopify-emulator-bulk-")
        self.schema = get_schema()
        self.lock = threading.RLock()
        self.webhooks = None
        self.kit = EmulatorKit(
            render_error=fault_response, aliases=ALIASES, malform=cut_graphql_answer
        )
        self.reset()

    def reset(self):
        self.shop = Shop(clock=self.clock, **self.args)
        self.shop.bulk_operations = {}
        self.shop.webhook_subscriptions = {}
        self.bucket = Bucket(self.bucket_size, self.restore_rate, self.clock)
        self.kit.reset()
        self.tokens = {}  # issued token -> expiry
        self.idempotency = {}
        self.counters = {
            "requests": 0,
            "graphql_requests": 0,
            "throttled": 0,
            "inventory_writes": 0,
            "fulfillments_created": 0,
            "bulk_operations": 0,
            "tokens_issued": 0,
            "bulk_downloads": 0,
            "max_cost_exceeded": 0,
            "bulk_limit_reached": 0,
            "webhooks_delivered": 0,
            "webhooks_failed": 0,
            "webhooks_dropped": 0,
        }
        if self.webhooks is None:  # one delivery thread for the emulator's life
            self.webhooks = Deliverer(DEMO_CLIENT_SECRET, self.counters, self.clock)
        self.webhooks.counters, self.webhooks.drop = self.counters, 0

    @property
    def faults(self):
        """The faults waiting (``hub.testing.emulator.Fault``): ``.clear()`` ends them."""
        return self.kit.faults

    # -- bulk ---------------------------------------------------------------------------------

    def run_bulk(self, query):
        version = request.view_args.get("version", VERSIONS[-1]) if request else VERSIONS[-1]
        concurrent = version_at_least(version, "2026-01")
        limit = self.bulk_limit or (BULK_CONCURRENCY if concurrent else 1)
        now = self.clock()
        running = [op for op in self.shop.bulk_operations.values() if op.running(now)]
        if len(running) >= limit:
            self.counters["bulk_limit_reached"] += 1
            if concurrent:  # several at once allowed: the cap is LIMIT_REACHED
                error = {
                    "code": "LIMIT_REACHED",
                    "field": None,
                    "message": "Bulk operations limit reached. Please try again later.",
                }
            else:
                error = {
                    "code": "OPERATION_IN_PROGRESS",
                    "field": None,
                    "message": f"A bulk query operation for this app and shop is already in "
                    f"progress: {running[0].id}.",
                }
            return {"bulkOperation": None, "userErrors": [error]}
        document, error = check_bulk_query(self.schema, query)
        if error:
            return {
                "bulkOperation": None,
                "userErrors": [{"code": "INVALID", "field": ["query"], "message": error}],
            }
        op = BulkOperation(self.shop.next_num(), query, self.clock())
        self.shop.bulk_operations[op.num] = op
        self.counters["bulk_operations"] += 1
        public = self.shop.public_url
        _start_bulk(
            self.schema,
            self.shop,
            op,
            document,
            self.bulk_dir,
            lambda o: f"{public}/_bulk/{o.num}.jsonl?token={secrets.token_hex(8)}",
        )
        return {"bulkOperation": BulkView(op, "CREATED"), "userErrors": []}


def api_error(status, body, headers=None):
    return Response(
        json.dumps(body), status=status, mimetype="application/json", headers=headers or {}
    )


# the emulator's own fault names as the kit's: "throttle" is GraphQL's THROTTLED answer (HTTP 200
# unless "status" says 429; Retry-After only when given); "slow" waits 1 s unless told
ALIASES = {
    "throttle": lambda spec: {"retry_after": None, **spec, "fault": "429"},
    "slow": lambda spec: {**spec, "delay": spec.get("delay") or 1.0},
}


def fault_response(fault):
    """A fault's answer as Shopify gives it (the kit serves ``slow``, ``malformed``, ``body``)."""
    if fault.fault == "auth":
        return api_error(401, {"errors": INVALID_TOKEN})
    if fault.asked_as == "throttle":
        return throttled(current_app.config["EMULATOR"], fault)
    if fault.fault == "429":  # the REST Admin API's leaky bucket (GraphQL answers THROTTLED)
        message = "Exceeded 2 calls per second for api client. Reduce request rates to resume "
        return api_error(429, {"errors": message + "uninterrupted service."})
    status = fault.status or 503
    headers = {}
    if fault.spec.get("retry_after") is not None:
        headers["Retry-After"] = str(fault.spec["retry_after"])
    body = {"errors": "Service Unavailable" if status == 503 else "Internal Server Error"}
    return api_error(status, body, headers)


def throttled(emu, fault):
    """GraphQL's THROTTLED error with the bucket's state (``available`` left, ``cost`` asked)."""
    spec = fault.spec
    throttle = emu.bucket.status()
    throttle["currentlyAvailable"] = int(spec.get("available", 0))
    emu.counters["throttled"] += 1
    return api_error(
        int(spec.get("status", 200)),
        {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            "extensions": {
                "cost": {
                    "requestedQueryCost": int(spec.get("cost", 100)),
                    "actualQueryCost": None,
                    "throttleStatus": throttle,
                }
            },
        },
        {"Retry-After": str(spec["retry_after"])} if spec.get("retry_after") is not None else {},
    )


def cut_graphql_answer(body):
    """A malformed answer: a GraphQL reply cut short."""
    return '{"data": {"shop": {"name": "Hub Demo'
