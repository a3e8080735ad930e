"""Shopify's single-query cost limit (1,000 points, MAX_COST_EXCEEDED) and the bulk operation
concurrency limit (LIMIT_REACHED): every query fits, the emulator refuses what does not, and
the client splits or halves until it fits, over real HTTP."""

import re

import pytest
from connect_shopify import feeds, queries
from connect_shopify.client import ShopifyClient
from connect_shopify_emulator import MAIN_LOCATION as MAIN
from connect_shopify_emulator.app import MAX_QUERY_COST
from connect_shopify_emulator.cost import requested_cost
from connect_shopify_emulator.resolvers import get_schema
from graphql import parse, validate

from hub.records import validate_record

SCHEMA = get_schema()


def _ids(kind, n):
    return [f"gid://shopify/{kind}/{i}" for i in range(1, n + 1)]


# Every document the connector can send, with the largest variables its code sends: page
# sizes and batch sizes are the constants of queries.py that feeds.py / client.py use.
SENT = {
    "SHOP": {},
    "SHOP_CURRENCY": {},
    "NEW_PRODUCTS": {
        "first": queries.PRODUCT_PAGE,
        "variants": queries.VARIANTS_PER_PRODUCT,
        "q": "x",
    },
    "PRODUCT_VARIANTS": {"id": "gid://shopify/Product/1", "first": queries.VARIANT_PAGE},
    "BULK_RUN": {"query": "{ products { edges { node { id } } } }", "groupObjects": True},
    "BULK_POLL": {"id": "gid://shopify/BulkOperation/1"},
    "CURRENT_BULK": {},
    "VARIANTS_COUNT": {},
    "ORDERS_COUNT": {"q": "created_at:>='2026-01-05T00:00:00Z' -status:cancelled"},
    "PRODUCT_IMAGES": {
        "ids": _ids("Product", queries.PRODUCT_IMAGE_BATCH),
        "media": queries.MEDIA_PER_PRODUCT,
    },
    "PRODUCT_MEDIA": {"id": "gid://shopify/Product/1", "first": queries.MEDIA_PAGE},
    "VARIANT_PRODUCTS": {"ids": _ids("ProductVariant", queries.VARIANT_LOOKUP_BATCH)},
    "ORDERS": {
        "first": queries.ORDER_PAGE,
        "lines": queries.LINES_PER_ORDER,
        "sort": "CREATED_AT",
    },
    "ORDER": {"id": "gid://shopify/Order/1", "lines": queries.LINES_PER_ORDER},
    "ORDER_LINES": {"id": "gid://shopify/Order/1", "first": queries.ORDER_LINE_PAGE},
    "ORDER_STATUSES": {"first": queries.ORDER_STATUS_PAGE},
    "LOCATIONS": {"first": queries.LOCATION_PAGE},
    "LOCATION": {"id": MAIN},
    "VARIANT_ITEMS": {"ids": _ids("ProductVariant", queries.ID_BATCH)},
    "ITEM_QUANTITIES": {"ids": _ids("InventoryItem", queries.ID_BATCH), "location": MAIN},
    "SET_QUANTITIES": {"input": {}},
    "FULFILLMENT_STATE": {
        "id": "gid://shopify/Order/1",
        "fulfillments": queries.FULFILLMENT_PAGE,
        "tracking": queries.TRACKING_PER_FULFILLMENT,
    },
    "FULFILLMENT_ORDER_FULFILLMENTS": {
        "id": "gid://shopify/FulfillmentOrder/1",
        "first": queries.FO_FULFILLMENT_PAGE,
        "tracking": queries.TRACKING_PER_FULFILLMENT,
    },
    "FULFILLMENT_TRACKING": {"id": "gid://shopify/Fulfillment/1", "first": queries.TRACKING_PAGE},
    "FULFILLMENT_ORDERS_PAGE": {
        "id": "gid://shopify/Order/1",
        "first": queries.FULFILLMENT_ORDER_PAGE,
        "lines": queries.FULFILLMENT_ORDER_LINES,
    },
    "FULFILLMENT_ORDER_LINES_PAGE": {
        "id": "gid://shopify/FulfillmentOrder/1",
        "first": queries.FULFILLMENT_LINE_PAGE,
    },
    "FULFILLMENT_LINES": {
        "id": "gid://shopify/Fulfillment/1",
        "first": queries.FULFILLED_LINE_PAGE,
    },
    "FULFILLMENT_CREATE": {"fulfillment": {"lineItemsByFulfillmentOrder": []}},
}
# Not sent as requests: bulk query texts (the variable of BULK_RUN; Shopify sizes no page in
# them) and a fragment text.
NOT_SENT = {
    "BULK_PRODUCTS",
    "BULK_STOCK_LEVELS",
    "FULFILLMENT_ORDER_FIELDS",
    "ORDER_FRAGMENTS",
    "MEDIA_FIELDS",
}


def _document(name):
    text = getattr(queries, name)
    if name == "SET_QUANTITIES":
        text = text % "00000000-0000-4000-8000-000000000000"
    return text


def _is_document(value):
    return isinstance(value, str) and re.match(r"\s*(query|mutation|\{|fragment|\.\.\.)", value)


def test_every_query_is_priced_here():
    documents = {n for n, v in vars(queries).items() if n.isupper() and _is_document(v)}
    assert documents - NOT_SENT == set(SENT), "a query was added: give it its largest variables"


@pytest.mark.parametrize("name", sorted(SENT))
def test_every_query_fits_the_single_query_limit_at_its_largest(name):
    document = parse(_document(name))
    assert not validate(SCHEMA, document), name
    cost = requested_cost(SCHEMA, document, SENT[name])
    print(f"{name}: {cost}")
    assert 0 < cost <= MAX_QUERY_COST == 1000, f"{name} costs {cost}"


def test_the_two_queries_that_did_not_fit_are_priced_as_shopify_refused_them():
    # the documents of the previous release, under the same calculator: the numbers in
    # Shopify's refusals ("Query cost is 2575, ...") and the 3,603 of the shipping feed
    old_images = """query ProductImages($ids: [ID!]!) { nodes(ids: $ids) {
      ... on Product { id media(first: 50) { nodes { ... on MediaImage { id alt
        image { url altText } } } } }
      ... on ProductVariant { id product { id } } } }"""
    assert requested_cost(SCHEMA, old_images, {"ids": _ids("Product", 25)}) == 2575
    assert requested_cost(SCHEMA, old_images, {"ids": _ids("Product", 100)}) == 10300
    old_state = (
        """query FulfillmentState($id: ID!, $first: Int!, $lines: Int!) { order(id: $id) {
      id name cancelledAt displayFulfillmentStatus
      fulfillments(first: 250) { id status trackingInfo(first: 10) { company number url } }
      fulfillmentOrders(first: $first) { pageInfo { hasNextPage endCursor }
        nodes { ...FulfillmentOrderFields } } } }"""
        + queries.FULFILLMENT_ORDER_FIELDS
    )
    assert requested_cost(SCHEMA, old_state, {"id": "x", "first": 10, "lines": 40}) == 3603


def test_cost_rules():
    cost = lambda q, v=None: requested_cost(SCHEMA, q, v)  # noqa: E731
    assert cost("{ shop { name currencyCode } }") == 1  # object 1, scalars and enums 0
    assert cost("{ products(first: 10) { nodes { id } } }") == 2 + 10  # connection
    assert cost("{ products(last: 3) { edges { node { id } } pageInfo { hasNextPage } } }") == 5
    # nodes(ids:) x ids; an interface costs its most expensive possible selection
    ids = {"ids": _ids("Product", 4)}
    q = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { id featuredMedia { id } } } }"
    assert cost(q, ids) == 4 * (1 + 1)
    q = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { id featuredMedia { id } }
           ... on ProductVariant { product { id featuredMedia { id } } } } }"""
    assert cost(q, ids) == 4 * (1 + 2)
    # a list field x first; a variable's default counts
    q = "query($n: Int = 7) { order(id: 1) { fulfillments(first: $n) { id } } }"
    assert cost(q) == 1 + 7
    assert cost(q, {"n": 2}) == 1 + 2
    # a mutation 10, plus its payload
    assert cost(queries.FULFILLMENT_CREATE, SENT["FULFILLMENT_CREATE"]) == 10 + 1 + 10 + 1


# -- the emulator ------------------------------------------------------------------------------


def test_emulator_refuses_over_the_limit_in_shopifys_shape(store):
    variables = {"ids": _ids("Product", 25), "media": 50}
    body = store.graphql(queries.PRODUCT_IMAGES, variables).json()
    cost = requested_cost(SCHEMA, queries.PRODUCT_IMAGES, variables)
    assert cost == 25 * (1 + 2 + 50 * 2) == 2575
    assert "data" not in body
    [error] = body["errors"]
    assert error["message"].startswith(
        "Query cost is 2575, which exceeds the single query max cost limit (1000)."
    )
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["cost"] == 2575
    assert error["extensions"]["maxCost"] == 1000
    assert body["extensions"]["cost"]["requestedQueryCost"] == 2575
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    assert store.state()["counters"]["max_cost_exceeded"] == 1


@pytest.mark.parametrize("name", sorted(set(SENT) - {"SET_QUANTITIES", "FULFILLMENT_CREATE"}))
def test_emulator_reports_the_calculators_cost(store, name):
    body = store.graphql(_document(name), SENT[name]).json()
    cost = requested_cost(SCHEMA, _document(name), SENT[name])
    assert body["extensions"]["cost"]["requestedQueryCost"] == cost
    assert (body.get("errors") or [{}])[0].get("extensions", {}).get("code") != (
        "MAX_COST_EXCEEDED"
    )


def test_emulator_limit_is_a_knob(store):
    q = "{ products(first: 10) { nodes { id } } }"
    store.control("/_emulator/limits", {"max_query_cost": 11})
    body = store.graphql(q).json()
    assert body["errors"][0]["extensions"] == {
        "code": "MAX_COST_EXCEEDED",
        "cost": 12,
        "maxCost": 11,
        "documentation": "https://shopify.dev/api/usage/limits#rate-limits",
    }
    store.control("/_emulator/limits", {"max_query_cost": None})
    assert store.graphql(q).json()["data"]["products"]["nodes"]


# -- the client splits and halves --------------------------------------------------------------


def test_a_batch_too_big_is_split_until_it_fits(store, ctx):
    shop = store.emu.shop
    products = shop.products[:100]
    client = ShopifyClient(ctx)
    variables = {"media": 50}  # 100 x 103 = 10,300 points: split 100 -> 50 -> 25 -> 13 -> 7
    got = []
    for _result, nodes in client.nodes(queries.PRODUCT_IMAGES, [p.id for p in products], variables):
        got.extend(nodes)
    assert [n["id"] for n in got] == [p.id for p in products]  # all, in order
    assert [len(n["media"]["nodes"]) for n in got] == [p.images for p in products]
    assert store.state()["counters"]["max_cost_exceeded"] >= 4


def test_a_page_too_big_is_halved_and_paging_goes_on(store, ctx):
    client = ShopifyClient(ctx)
    variables = {"first": 250, "variants": 250, "q": None}  # 2 + 250 x 1003 points
    seen = []
    for _result, page in client.paginate(
        queries.NEW_PRODUCTS, variables, ("products",), sizes=("first", "variants")
    ):
        seen.extend(p["id"] for p in page["nodes"])
    assert sorted(seen) == sorted(p.id for p in store.emu.shop.products)
    assert len(seen) == len(set(seen))
    assert store.state()["counters"]["max_cost_exceeded"] >= 1


def _images(ctx, asked):
    return [
        (i["product_external_id"], i["url"], i["position"])
        for i in feeds.hub_fetch_product_images(ctx, asked)
    ]


def test_product_images_page_media_and_survive_a_lower_limit(store, ctx):
    shop = store.emu.shop
    many = shop.products[0]
    many.images = 3 * queries.MEDIA_PER_PRODUCT + 7  # more than the first page of media
    asked = [{"external_id": p._variants[0].id, "sku": p._variants[0].sku} for p in shop.products]
    full = _images(ctx, asked)
    assert len(full) == sum(p.images for p in shop.products)
    mine = [i for i in full if i[0] == many._variants[0].id]
    assert [i[2] for i in mine] == list(range(many.images))
    assert store.state()["counters"]["max_cost_exceeded"] == 0
    for image in feeds.hub_fetch_product_images(ctx, asked[:3]):
        validate_record("image", image)
    # a shop that prices higher than the strict reading: the run still gets every image
    store.control("/_emulator/limits", {"max_query_cost": 60})
    assert _images(ctx, asked) == full
    assert store.state()["counters"]["max_cost_exceeded"] > 0


def test_new_products_and_orders_survive_a_lower_limit(store, ctx):
    products = list(feeds.hub_fetch_new_products(ctx, None))
    orders = list(feeds.hub_fetch_new_orders(ctx, None))
    assert store.state()["counters"]["max_cost_exceeded"] == 0
    store.control("/_emulator/limits", {"max_query_cost": 60})
    assert list(feeds.hub_fetch_new_products(ctx, None)) == products
    assert list(feeds.hub_fetch_new_orders(ctx, None)) == orders
    assert store.state()["counters"]["max_cost_exceeded"] > 0


def _big_order(store, lines, fulfillment_orders):
    made = store.control(
        "/_emulator/orders",
        {"lines": lines, "fulfillment_orders": fulfillment_orders, "location_ids": [MAIN]},
    )
    return store.emu.shop.find_order(made["id"])


def _shipment(order, number, lines):
    return {
        "shipment_id": "S-" + number,
        "order_external_id": order.id,
        "order_number": order.name,
        "carrier": "DHL Express",
        "tracking_number": number,
        "tracking_url": None,
        "shipped_at": "2026-03-01T10:00:00Z",
        "notify_customer": False,
        "lines": [
            {"sku": li.sku, "order_line_external_id": li.id, "quantity": q} for li, q in lines
        ],
    }


def test_shipping_confirmation_survives_a_lower_limit(store, ctx):
    # 12 fulfillment orders of 55 lines: every page of the shipping queries gets halved
    store.control("/_emulator/limits", {"max_query_cost": 150})
    order = _big_order(store, 12 * 55, 12)
    shipment = _shipment(order, "LOW-1", [(li, li.quantity) for li in order.lines])
    validate_record("shipment", shipment)
    result = feeds.hub_push_shipment(ctx, shipment)
    assert result["status"] == "ok", result
    seen = store.get(f"/_emulator/orders/{order.id}")
    assert seen["shipped"] == {li.id: li.quantity for li in order.lines}
    assert store.state()["counters"]["max_cost_exceeded"] > 0
    again = feeds.hub_push_shipment(ctx, shipment)
    assert again["status"] == "unchanged"
    assert again["external_id"] == result["external_id"]


def test_a_part_confirmed_shipment_sends_only_the_rest_past_a_full_fulfillments_list(
    store, ctx, monkeypatch
):
    # Order.fulfillments(first:) has no cursor: with a page of 2 and a tracking list of 1,
    # the connector must page the fulfillments through the fulfillment orders and read each
    # full tracking list again to find the shipment's earlier, partial fulfillment
    monkeypatch.setattr(queries, "FULFILLMENT_PAGE", 2)
    monkeypatch.setattr(queries, "FO_FULFILLMENT_PAGE", 1)
    monkeypatch.setattr(queries, "TRACKING_PER_FULFILLMENT", 1)
    order = _big_order(store, 8, 2)
    lines = order.lines
    for i, li in enumerate(lines[:4]):  # four other shipments, one line each
        assert (
            feeds.hub_push_shipment(ctx, _shipment(order, f"OTHER-{i}", [(li, 1)]))["status"]
            == "ok"
        )
    wanted = [(li, li.quantity) for li in lines[4:]]
    # the push was cut off after its first line: a fulfillment carries it already
    first = feeds.hub_push_shipment(ctx, _shipment(order, "LATE-1", wanted[:1]))
    assert first["status"] == "ok"
    assert len(store.get(f"/_emulator/orders/{order.id}")["fulfillments"]) == 5
    result = feeds.hub_push_shipment(ctx, _shipment(order, "LATE-1", wanted))
    assert result["status"] == "ok", result
    assert result["external_id"] == first["external_id"]
    seen = store.get(f"/_emulator/orders/{order.id}")
    assert seen["shipped"] == {li.id: li.quantity for li in lines}  # each line exactly once
    assert seen["fulfillment"] == "FULFILLED"
    assert feeds.hub_push_shipment(ctx, _shipment(order, "LATE-1", wanted))["status"] == (
        "unchanged"
    )


# -- bulk operations: LIMIT_REACHED ------------------------------------------------------------

BULK = (
    'mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") '
    "{ bulkOperation { id } userErrors { code field message } } }"
)


@pytest.mark.parametrize(
    ("version", "code"), [("2026-01", "LIMIT_REACHED"), ("2025-10", "OPERATION_IN_PROGRESS")]
)
def test_emulator_caps_concurrent_bulk_queries_by_version(make_store, clock, version, code):
    shop = make_store(clock=clock)
    running = 5 if version >= "2026-01" else 1
    shop.control("/_emulator/bulk/busy", {"count": running - 1, "seconds": 60})
    first = shop.graphql(BULK, version=version).json()["data"]["bulkOperationRunQuery"]
    assert first["userErrors"] == [] and first["bulkOperation"]["id"]
    shop.control("/_emulator/bulk/busy", {"count": 1, "seconds": 60})  # the last slot
    refused = shop.graphql(BULK, version=version).json()["data"]["bulkOperationRunQuery"]
    assert refused["bulkOperation"] is None
    assert [e["code"] for e in refused["userErrors"]] == [code]
    if code == "LIMIT_REACHED":
        assert refused["userErrors"][0]["message"] == (
            "Bulk operations limit reached. Please try again later."
        )


def test_bulk_limit_reached_waits_through_ctx_sleep_and_retries(make_store, make_ctx, clock):
    shop = make_store(clock=clock)  # the emulator's clock is the one ctx.sleep advances
    shop.control("/_emulator/bulk/busy", {"count": 5, "seconds": 20})  # all five slots
    ctx = make_ctx(shop)
    records = list(feeds.hub_fetch_stock_levels(ctx))
    assert len(records) == len(shop.emu.shop.locations[0].levels)
    assert shop.state()["counters"]["bulk_limit_reached"] >= 2
    waited = sum(s for s in clock.sleeps[: shop.state()["counters"]["bulk_limit_reached"]])
    assert waited >= 20
    assert clock.sleeps[0] == 5.0


def test_bulk_limit_knob(make_store, make_ctx, clock):
    shop = make_store(clock=clock)
    shop.control("/_emulator/limits", {"bulk_limit": 1})
    shop.control("/_emulator/bulk/busy", {"count": 1, "seconds": 7})
    records = list(feeds.hub_fetch_products(make_ctx(shop)))
    assert records and shop.state()["counters"]["bulk_limit_reached"] == 2  # 0 s, 5 s: busy


# -- Shop.plan ---------------------------------------------------------------------------------


def test_plan_is_read_from_public_display_name(store, ctx):
    assert "displayName" not in queries.SHOP.replace("publicDisplayName", "")
    result = feeds.hub_check_connection(ctx)
    assert result["details"]["plan"] == "Basic"
    fields = SCHEMA.get_type("ShopPlan").fields
    assert fields["displayName"].deprecation_reason
    assert not fields["publicDisplayName"].deprecation_reason
