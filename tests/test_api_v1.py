"""The JSON API: token auth on every route, keyset pagination, CLI-compatible shapes, writes,
errors, and the OpenAPI document matching the route table."""

import re

import pytest
from web_support import *  # noqa: F403  (fixtures: app, user, seeded…)
from web_support import build, rules


@pytest.fixture
def token(user):
    from hub.services.users import create_token

    return create_token(user, "tests")


@pytest.fixture
def api(app, token):
    client = app.test_client()

    class Api:
        def get(self, url, **kw):
            return client.get(url, headers={"Authorization": f"Bearer {token}"}, **kw)

        def post(self, url, **kw):
            return client.post(url, headers={"Authorization": f"Bearer {token}"}, **kw)

        def delete(self, url, **kw):
            return client.delete(url, headers={"Authorization": f"Bearer {token}"}, **kw)

    return Api()


def test_every_route_needs_a_token(app, anon):
    checked = 0
    for method, rule in rules(app, prefix="/api/"):
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
            response = anon.open(build(rule, 1), method=method, headers=headers)
            assert response.status_code == 401, (method, rule.rule, headers)
            assert response.get_json()["error"]
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        checked += 1
    assert checked >= 14


def test_dashboard_session_is_not_enough(app, user):
    from web_support import sign_in

    client = sign_in(app.test_client())
    assert client.get("/api/v1/products").status_code == 401


def test_revoked_token_is_refused(api, token, user):
    from hub.models import ApiToken, utcnow

    assert api.get("/api/v1/products").status_code == 200
    ApiToken.update(revoked_at=utcnow()).execute()
    assert api.get("/api/v1/products").status_code == 401


def test_unknown_ids_give_404(app, api):
    for method, rule in rules(app, prefix="/api/"):
        if not rule.arguments:
            continue
        response = getattr(api, method.lower())(build(rule))
        assert response.status_code == 404, (rule.rule, response.status_code)
        assert "unknown" in response.get_json()["error"]


def test_products_shape_and_search(api, seeded):
    body = api.get("/api/v1/products").get_json()
    assert body["next"] is None
    mug = next(p for p in body["items"] if p["sku"] == "MUG-1")
    assert set(mug) >= {
        "sku",
        "name",
        "barcode",
        "weight_kg",
        "price",
        "parent",
        "active",
        "bindings",
        "images",
    }
    assert float(mug["price"]) == 9.5 and mug["bindings"][0] == {
        "integration": "Test shop",
        "external_id": "p1",
        "missing": False,
    }
    assert [p["sku"] for p in api.get("/api/v1/products?q=400100").get_json()["items"]] == ["MUG-1"]
    one = api.get(f"/api/v1/products/{seeded['product'].id}").get_json()
    assert one["sku"] == "MUG-1"


def test_keyset_pagination(api, hub_db):
    from hub.models import Product

    Product.insert_many([{"sku": f"P{i:03d}", "name": f"p{i}"} for i in range(25)]).execute()
    seen, url, pages = [], "/api/v1/products?limit=10", 0
    while url:
        body = api.get(url).get_json()
        seen += [p["sku"] for p in body["items"]]
        url = body["next"]
        pages += 1
        assert url is None or "after=" in url
    assert pages == 3 and seen == [f"P{i:03d}" for i in range(25)]
    assert api.get("/api/v1/products?limit=0").status_code == 400
    assert api.get("/api/v1/products?after=x").status_code == 400


def test_orders_stock_runs_events_integrations(api, seeded):
    orders = api.get("/api/v1/orders?status=to_ship").get_json()["items"]
    assert orders[0]["number"] == "1001" and orders[0]["lines"] == [
        {"sku": "MUG-1", "quantity": 2, "shipped": 0}
    ]
    assert set(orders[0]) >= {
        "id",
        "number",
        "integration",
        "external_id",
        "status",
        "paid",
        "shipping_method",
        "carrier",
        "lines",
    }
    assert api.get("/api/v1/orders?integration=nope").status_code == 404
    stock = api.get("/api/v1/stock?sku=MUG-1").get_json()["items"]
    assert stock[0] | {"id": 0} == {
        "id": 0,
        "sku": "MUG-1",
        "warehouse": "MAIN",
        "on_hand": 10,
        "reserved": 2,
        "available": 8,
    }
    run = api.get(f"/api/v1/runs/{seeded['run'].id}").get_json()
    assert run["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 0}
    assert api.get("/api/v1/runs?status=succeeded").get_json()["items"][0]["feed"] == "stock_check"
    events = api.get("/api/v1/events?unresolved=1&severity=error").get_json()["items"]
    assert [e["code"] for e in events] == ["unknown_shipping_method"]
    integrations = api.get("/api/v1/integrations").get_json()["items"]
    assert integrations[0]["name"] == "Test shop"
    assert "secrets" not in integrations[0] and "token" not in str(integrations[0]["settings"])


def test_resolve_event(api, seeded):
    url = f"/api/v1/events/{seeded['event'].id}/resolve"
    response = api.post(url)
    assert response.status_code == 200 and response.get_json()["resolved"] is True
    assert api.post(url).status_code == 400  # already resolved


def test_create_shipment(api, seeded):
    response = api.post("/api/v1/shipments", json={"order_id": seeded["order"].id})
    assert response.status_code == 400
    assert "tracking_number" in response.get_json()["fields"]
    assert api.post("/api/v1/shipments", data="nope").status_code == 400
    response = api.post(
        "/api/v1/shipments",
        json={
            "order_id": seeded["order"].id,
            "lines": [{"sku": "MUG-1", "quantity": 1}],
            "carrier": "UPS",
            "tracking_number": "1Z1",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["order_status"] == "partially_shipped" and body["lines"] == [
        {"sku": "MUG-1", "quantity": 1}
    ]
    assert body["created_by"] == "merchant"
    response = api.post(
        "/api/v1/shipments",
        json={"order_id": seeded["order"].id, "carrier": "Pigeon", "tracking_number": "1Z2"},
    )
    assert response.status_code == 400 and "unknown carrier" in response.get_json()["error"]


def test_error_answers_say_what_to_do(api, seeded):
    ship = {"order_id": seeded["order"].id, "lines": [{"sku": "MUG-1", "quantity": 1}]}
    first = api.post("/api/v1/shipments", json={**ship, "carrier": "UPS", "tracking_number": "T9"})
    assert first.status_code == 201, first.get_json()
    again = api.post("/api/v1/shipments", json={**ship, "carrier": "UPS", "tracking_number": "T9"})
    assert again.status_code == 409
    assert again.get_json()["confirm"] == "allow_duplicate_tracking"
    assert "tracking number" in again.get_json()["error"]
    assert api.get("/api/v1/nowhere").get_json() == {"error": "not found"}


def test_run_now(api, integration):
    response = api.post(
        "/api/v1/runs", json={"integration": "Test shop", "feed": "import_new_products"}
    )
    assert response.status_code == 202 and response.get_json()["status"] == "queued"
    response = api.post("/api/v1/runs", json={"integration": "Test shop", "feed": "nope"})
    assert response.status_code == 400


def test_run_now_meeting_a_running_run_says_which_it_waits_for(api, integration):
    from hub.engine import lease

    free = api.post(
        "/api/v1/runs", json={"integration": "Test shop", "feed": "import_new_orders"}
    ).get_json()
    assert free["after_run"] is None
    # run 999 (another worker's) holds the feed: the new run starts after it
    assert lease.acquire(integration.id, "import_new_products", 999, 60, holder="otherhost:1:x")[0]
    queued = api.post(
        "/api/v1/runs", json={"integration": "Test shop", "feed": "import_new_products"}
    ).get_json()
    assert queued["status"] == "queued" and queued["after_run"] == 999
    assert api.get(f"/api/v1/runs/{queued['id']}").get_json()["after_run"] == 999


def test_a_wrong_method_is_answered_in_json_on_the_api_and_in_a_page_elsewhere(api, client):
    response = api.delete("/api/v1/runs")
    assert response.status_code == 405
    answer = response.get_json()
    assert answer["error"] == "method not allowed" and {"GET", "POST"} <= set(answer["allowed"])
    page = client.get("/logout")
    assert page.status_code == 405 and page.content_type.startswith("text/html")
    assert "does not take a GET" in page.get_data(as_text=True)


def _flask_paths(app):
    return {
        (m, re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", r.rule[len("/api/v1") :]))
        for m, r in rules(app, prefix="/api/", exclude_public=False)
    }


def test_openapi_matches_the_routes(app, anon):
    response = anon.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    assert documented == _flask_paths(app)
    for path, ops in doc["paths"].items():
        for op in ops.values():
            for param in op.get("parameters", []):
                if param["in"] == "path":
                    assert "{" + param["name"] + "}" in path
            for response in op["responses"].values():
                ref = response["content"]["application/json"]["schema"].get("$ref")
                if ref:
                    assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"]
    shipment = doc["components"]["schemas"]["ShipmentIn"]
    assert set(shipment["required"]) == {"order_id", "tracking_number"}
