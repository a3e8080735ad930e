"""The emulator speaks Shopify's shapes: schema validation, cost, throttling, bulk, versions."""

import json

import requests
from connect_shopify_emulator import create_app


def test_queries_are_validated_against_the_schema(store):
    body = store.graphql("{ products(first: 1) { nodes { id weight } } }").json()
    assert "Cannot query field 'weight' on type 'Product'" in body["errors"][0]["message"]
    body = store.graphql("{ products { nodes { id } } }").json()
    assert body["errors"][0]["message"] == "you must provide one of first or last"


def test_cost_extension_on_every_response(store):
    body = store.graphql("{ shop { name } }").json()
    cost = body["extensions"]["cost"]
    assert set(cost) == {"requestedQueryCost", "actualQueryCost", "throttleStatus"}
    assert set(cost["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}


def test_max_cost_and_throttled_shapes(make_store):
    shop = make_store(bucket_size=1000, restore_rate=50)
    body = shop.graphql(
        "{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }"
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    query = "{ products(first: 100) { nodes { id variants(first: 4) { nodes { id } } } } }"
    codes = [
        shop.graphql(query).json().get("errors", [{}])[0].get("extensions", {}).get("code")
        for _ in range(3)
    ]
    assert "THROTTLED" in codes
    throttled = shop.graphql(query).json()
    assert throttled["errors"][0] == {
        "message": "Throttled",
        "extensions": {
            "code": "THROTTLED",
            "documentation": "https://shopify.dev/api/usage/rate-limits",
        },
    }
    assert throttled["extensions"]["cost"]["actualQueryCost"] is None


def test_search_syntax_and_sort_keys(store):
    q = """query($q: String) { orders(first: 250, query: $q, sortKey: UPDATED_AT, reverse: true)
           { nodes { id updatedAt displayFinancialStatus } } }"""
    everything = store.graphql(q).json()["data"]["orders"]["nodes"]
    stamps = [o["updatedAt"] for o in everything]
    assert stamps == sorted(stamps, reverse=True)
    since = stamps[5]
    later = store.graphql(q, {"q": f"updated_at:>'{since}'"}).json()["data"]["orders"]["nodes"]
    assert all(o["updatedAt"] > since for o in later) and len(later) == 5
    paid = store.graphql(q, {"q": "financial_status:paid"}).json()["data"]["orders"]["nodes"]
    assert paid and {o["displayFinancialStatus"] for o in paid} == {"PAID"}


def test_bulk_operation_flow_and_jsonl(store):
    run = store.graphql(
        'mutation { bulkOperationRunQuery(query: "{ products { edges { node { '
        'id variants { edges { node { id sku } } } } } } }") { bulkOperation '
        "{ id status } userErrors { field message code } } }"
    ).json()
    op = run["data"]["bulkOperationRunQuery"]["bulkOperation"]
    assert op["status"] == "CREATED"
    poll = "query($id: ID!) { node(id: $id) { ... on BulkOperation { status url objectCount } } }"
    statuses = []
    for _ in range(200):
        node = store.graphql(poll, {"id": op["id"]}).json()["data"]["node"]
        statuses.append(node["status"])
        if node["status"] == "COMPLETED":
            break
    assert statuses[0] == "RUNNING" and statuses[-1] == "COMPLETED"
    lines = [json.loads(x) for x in requests.get(node["url"], timeout=10).text.splitlines()]
    assert int(node["objectCount"]) == len(lines)
    parent = None
    for line in lines:  # each variant right after its product
        if "__parentId" in line:
            assert line["__parentId"] == parent
        else:
            parent = line["id"]
    current = store.graphql("{ currentBulkOperation { id status } }").json()["data"]
    assert current["currentBulkOperation"]["id"] == op["id"]


def test_bulk_query_rules(store):
    body = store.graphql(
        'mutation { bulkOperationRunQuery(query: "{ shop { name } }") '
        "{ bulkOperation { id } userErrors { code message } } }"
    ).json()
    assert body["data"]["bulkOperationRunQuery"]["userErrors"][0]["code"] == "INVALID"


def test_inventory_set_quantities_needs_idempotency_and_cas_from_2026_04(store):
    item = next(iter(store.emu.shop.variants.values())).inventoryItem.id
    variables = {
        "input": {
            "name": "available",
            "reason": "correction",
            "quantities": [
                {
                    "inventoryItemId": item,
                    "locationId": "gid://shopify/Location/81000000001",
                    "quantity": 3,
                }
            ],
        }
    }
    mutation = """mutation($input: InventorySetQuantitiesInput!) {
      inventorySetQuantities(input: $input) %s { userErrors { code field } } }"""
    body = store.graphql(mutation % "", variables).json()
    assert "@idempotent" in body["errors"][0]["message"]
    body = store.graphql(mutation % '@idempotent(key: "k1")', variables).json()
    errors = body["data"]["inventorySetQuantities"]["userErrors"]
    assert errors[0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
    variables["input"]["quantities"][0]["changeFromQuantity"] = None
    body = store.graphql(mutation % '@idempotent(key: "k2")', variables).json()
    assert body["data"]["inventorySetQuantities"]["userErrors"] == []
    variables["input"]["quantities"][0]["quantity"] = 9  # same key, other parameters
    body = store.graphql(mutation % '@idempotent(key: "k2")', variables).json()
    assert (
        body["data"]["inventorySetQuantities"]["userErrors"][0]["code"]
        == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    )
    # before 2026-04 the older compareQuantity rules apply
    variables["input"]["quantities"][0].pop("changeFromQuantity")
    body = store.graphql(mutation % "", variables, version="2025-10").json()
    assert (
        body["data"]["inventorySetQuantities"]["userErrors"][0]["code"]
        == "COMPARE_QUANTITY_REQUIRED"
    )


def test_token_endpoint_and_401_body(store):
    bad = requests.post(
        store.url + "/admin/oauth/access_token",
        data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        timeout=10,
    )
    assert bad.status_code == 400
    ok = requests.post(
        store.url + "/admin/oauth/access_token",
        data={
            "grant_type": "client_credentials",
            "client_id": "demo-client",
            "client_secret": "demo-secret",
        },
        timeout=10,
    ).json()
    assert ok["access_token"].startswith("shpat_") and ok["expires_in"] == 86399
    assert store.graphql("{ shop { name } }", token=ok["access_token"]).status_code == 200
    denied = store.graphql("{ shop { name } }", token="shpat_nope")
    assert denied.status_code == 401
    assert denied.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


def test_seeded_data_is_deterministic_and_compact():
    a = create_app(products=30, orders=10, seed=5).config["EMULATOR"].shop
    b = create_app(products=30, orders=10, seed=5).config["EMULATOR"].shop
    assert [(v.sku, v.price, v.weight_value) for v in a.variants.values()] == [
        (v.sku, v.price, v.weight_value) for v in b.variants.values()
    ]
    assert all(1 <= len(p._variants) <= 5 for p in a.products)
    exact = create_app(products=0, orders=0, variants=1234).config["EMULATOR"].shop
    assert len(exact.variants) == 1234


def _run_bulk(store, query):
    mutation = """mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) {
        bulkOperation { id } userErrors { code message } } }"""
    return store.graphql(mutation, {"q": query}).json()["data"]["bulkOperationRunQuery"]


def _bulk_lines(store, op_id):
    poll = "query($id: ID!) { node(id: $id) { ... on BulkOperation { status url } } }"
    for _ in range(500):
        node = store.graphql(poll, {"id": op_id}).json()["data"]["node"]
        if node["status"] == "COMPLETED":
            break
    text = requests.get(node["url"], timeout=10).text
    return [json.loads(x) for x in text.splitlines()]


def test_bulk_inventory_levels_of_one_location(store):
    from connect_shopify.queries import bulk_stock_levels

    lyon = store.emu.shop.locations[1]
    run = _run_bulk(store, bulk_stock_levels(lyon.id))
    assert run["userErrors"] == []
    lines = _bulk_lines(store, run["bulkOperation"]["id"])
    assert lines[0] == {"id": lyon.id}  # the location, then its levels
    assert len(lines) == 1 + len(lyon.levels)
    for line in lines[1:]:
        assert line["__parentId"] == lyon.id
        assert line["id"].startswith(f"gid://shopify/InventoryLevel/{lyon.num}?inventory_item_id=")
        assert set(line) == {"id", "quantities", "item", "__parentId"}
        assert [q["name"] for q in line["quantities"]] == ["available", "on_hand"]
        assert set(line["item"]) == {"id", "sku", "variant"}
    # real names only: `quantities(names:)` replaced the removed InventoryLevel.available
    bad = _run_bulk(
        store,
        "{ locations { edges { node { inventoryLevels { edges { node { available } } } } } } }",
    )
    assert bad["bulkOperation"] is None and bad["userErrors"][0]["code"] == "INVALID"
    assert "available" in bad["userErrors"][0]["message"]
    bad = _run_bulk(
        store,
        "{ locations { edges { node { inventoryLevels { edges { node { "
        "quantities { name quantity } } } } } } } }",
    )  # names: is required
    assert bad["userErrors"][0]["code"] == "INVALID"


def test_locations_filter_on_id(store):
    q = """query($q: String) { locations(first: 10, query: $q, includeInactive: true)
           { nodes { id } } }"""
    body = store.graphql(q, {"q": "id:81000000002"}).json()
    assert body["data"]["locations"]["nodes"] == [{"id": "gid://shopify/Location/81000000002"}]
    body = store.graphql(q).json()
    assert len(body["data"]["locations"]["nodes"]) == 3


def test_orders_count_matches_the_orders_query_and_caps_at_its_limit(store):
    """ordersCount(query:, limit:): the orders() search, EXACT, or AT_LEAST the limit."""
    q = "query($q: String) { orders(first: 250, query: $q) { nodes { id } } }"
    count = """query($q: String, $limit: Int) {
                 ordersCount(query: $q, limit: $limit) { count precision } }"""
    for search in (None, "-status:cancelled", "financial_status:paid -fulfillment_status:shipped"):
        nodes = store.graphql(q, {"q": search}).json()["data"]["orders"]["nodes"]
        answer = store.graphql(count, {"q": search}).json()["data"]["ordersCount"]
        assert answer == {"count": len(nodes), "precision": "EXACT"}, search
    capped = store.graphql(count, {"limit": 3}).json()["data"]["ordersCount"]
    assert capped == {"count": 3, "precision": "AT_LEAST"}
    uncapped = store.graphql(count, {"limit": None}).json()["data"]["ordersCount"]
    assert uncapped == {"count": len(store.emu.shop.orders), "precision": "EXACT"}
