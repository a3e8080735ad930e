"""A Shopify Admin GraphQL API emulator for tests, the demo and benchmarks.

``create_app(products=N, orders=M, seed=S, **options)`` returns the Flask app; run it with
``python -m connect_shopify_emulator --port P --products N --orders M --seed S``.
See the package README for the control endpoints and the demo credentials.

Query cost (``cost.py``)
------------------------
Every request's *requested* cost is computed before it runs, by a graphql-core AST walk, and
sent back as ``extensions.cost.requestedQueryCost``. A request over 1,000 points is refused
before it runs, as Shopify does, with HTTP 200 and::

    {"errors": [{"message": "Query cost is N, which exceeds the single query max cost limit
                 (1000).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits ...",
                 "extensions": {"code": "MAX_COST_EXCEEDED", "cost": N, "maxCost": 1000,
                                "documentation": "https://shopify.dev/api/usage/limits#rate-limits"}}],
     "extensions": {"cost": {"requestedQueryCost": N, "actualQueryCost": null, ...}}}

(the message and ``extensions`` as a real response quoted in a third-party client's test
fixture, EdStevo/laravel-shopify-graph; ``code``, ``cost`` and ``maxCost`` also in cms-apis.md
1.5/1.10). ``create_app(max_query_cost=…)`` or ``POST /_emulator/limits`` lowers the limit in
tests, to prove that a client splits and halves.

What Shopify publishes (https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits
for the 1,000-point single-query limit; the cost calculation table of
https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits):

* scalars and enums cost 0, objects 1;
* an interface or a union costs the maximum of its possible selections;
* connections are sized by their ``first``/``last`` argument (the historical statement is
  "two points plus the number of objects returned");
* mutations cost 10.

What Shopify does not publish, and this emulator takes at its worst on purpose (the "strict
reading" of cms-apis.md 1.5; Shopify staff describe logarithmic scaling of connections,
https://community.shopify.dev/t/how-to-calculate-graphql-cost-estimates/24364, so real costs
are lower or equal — a query that fits here fits there):

* a connection costs ``2 + first x (1 + node selection)``, nested connections multiplying;
* ``nodes(ids:)`` costs ``number of ids x (1 + the most expensive selection)``;
* a list field that takes ``first`` (``Order.fulfillments(first:)``,
  ``Fulfillment.trackingInfo(first:)``) costs ``first x (1 + element selection)``; another
  list is sized by its list argument (``quantities(names:)``: its names), else counts as one
  object;
* a mutation costs 10 plus its payload's selection.

Bulk operations
---------------
Concurrent bulk queries per shop: five from API version 2026-01, one before ("In API versions
2026-01 and higher, you can run up to five bulk query operations at a time per shop",
https://shopify.dev/api/usage/bulk-operations/queries ;
https://shopify.dev/changelog/faster-bulk-operations). Over the cap ``bulkOperationRunQuery``
answers ``LIMIT_REACHED`` "Bulk operations limit reached. Please try again later." from 2026-01
(the description of that code in
https://shopify.dev/docs/api/admin-graphql/latest/enums/BulkOperationUserErrorCode; that this
is the code of the five-operation cap is inferred), ``OPERATION_IN_PROGRESS`` before.
``bulk_limit=`` / ``POST /_emulator/limits`` changes the cap; ``POST /_emulator/bulk/busy``
takes slots for a while of the emulator's clock.
"""

from connect_shopify_emulator.app import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_TOKEN,
    Emulator,
    create_app,
)

MAIN_LOCATION = "gid://shopify/Location/81000000001"  # "Main warehouse" in the seeded shop
SECOND_LOCATION = "gid://shopify/Location/81000000002"  # "Lyon shop"

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_TOKEN",
    "MAIN_LOCATION",
    "SECOND_LOCATION",
    "Emulator",
    "create_app",
]
