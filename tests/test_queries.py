"""hub.services.queries, the one query and output layer: for the same data and the same filter,
the CLI's --json, the API's items, the dashboard's list and the layer give the same rows."""

import json

import pytest
from click.testing import CliRunner
from web_support import *  # noqa: F403  (fixtures: app, user, seeded, client…)

from hub.cli import cli
from hub.models import Event, FeedRun, Order, Product, StockLevel
from hub.services import queries


@pytest.fixture
def token(user):
    from hub.services.users import create_token

    return create_token(user, "tests")


@pytest.fixture
def api_items(app, token):
    client = app.test_client()

    def get(url):
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    return get


def cli_json(*args):
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def by_id(rows):
    return sorted(rows, key=lambda r: r["id"])


CASES = [
    # (what, CLI arguments, API query, the layer's listing, its filter, its model)
    ("products", ["products", "list"], "/products", "PRODUCTS", {}, Product),
    (
        "orders",
        ["orders", "list", "--status", "to_ship"],
        "/orders?status=to_ship",
        "ORDERS",
        {"status": "to_ship"},
        Order,
    ),
    (
        "stock",
        ["stock", "list", "--sku", "MUG-1"],
        "/stock?sku=MUG-1",
        "STOCK",
        {"sku": "MUG-1"},
        StockLevel,
    ),
    (
        "runs",
        ["runs", "list", "--status", "succeeded"],
        "/runs?status=succeeded",
        "RUNS",
        {"status": "succeeded"},
        FeedRun,
    ),
    (
        "events",
        ["events", "list", "--severity", "error"],
        "/events?severity=error",
        "EVENTS",
        {"severity": "error"},
        Event,
    ),
]
FILTERS = {
    "products": queries.products,
    "orders": queries.orders,
    "stock": queries.stock_levels,
    "runs": queries.runs,
    "events": queries.events,
}


@pytest.mark.parametrize(("what", "cli_args", "api_url", "listing", "filters", "model"), CASES)
def test_cli_api_and_layer_give_the_same_rows(
    seeded, api_items, what, cli_args, api_url, listing, filters, model
):
    listing = getattr(queries, listing)
    layer = listing.dump(FILTERS[what](**filters).order_by(model.id))
    from_cli = by_id(cli_json(*cli_args))
    from_api = api_items(f"/api/v1{api_url}")
    assert layer, what  # the seeded data has some
    assert from_cli == from_api == layer
    keys = set(listing.schema().fields)
    for row in (*from_cli, *from_api):
        assert set(row) == keys  # every key of the schema, none other


def test_integrations_agree_but_the_api_shows_no_credentials(seeded, api_items):
    from_cli = cli_json("integrations", "list")
    from_api = api_items("/api/v1/integrations")
    assert [{k: v for k, v in r.items() if k != "secrets"} for r in from_cli] == from_api
    assert all("secrets" in r for r in from_cli) and not any("secrets" in r for r in from_api)
    assert from_api == queries.INTEGRATIONS.dump(queries.integrations())


def test_an_integration_filter_by_name_or_id(seeded, api_items):
    integration = seeded["integration"]
    by_name = cli_json("orders", "list", "--integration", integration.name)
    assert by_name == cli_json("orders", "list", "--integration", str(integration.id))
    assert by_name == api_items(f"/api/v1/orders?integration={integration.name}")
    assert by_name == queries.ORDERS.dump(queries.orders(integration=integration.id))


def test_the_dashboard_lists_the_same_rows(seeded, client):
    page = client.get("/orders/?status=to_ship").get_data(as_text=True)
    numbers = [r["number"] for r in queries.ORDERS.dump(queries.orders(status="to_ship"))]
    assert numbers and all(f">{n}</a>" in page for n in numbers)
    page = client.get("/inventory/?sku=MUG-1").get_data(as_text=True)
    for row in cli_json("stock", "list", "--sku", "MUG-1"):
        assert f"<td>{row['warehouse']}</td>" in page


def test_held_orders_and_back_office_lists_dump_their_schema(seeded):
    assert [h["number"] for h in cli_json("orders", "held")] == ["1009"]
    assert cli_json("orders", "held") == queries.HELD_ORDERS.dump(queries.held_orders())
    assert cli_json("po", "list") == queries.PURCHASE_ORDERS.dump(queries.purchase_orders())
    assert cli_json("suppliers", "list") == queries.SUPPLIERS.dump(queries.suppliers())
    assert cli_json("warehouses", "list") == queries.WAREHOUSES.dump(queries.warehouses())
    moves = cli_json("stock", "movements", "MUG-1")
    assert moves == queries.MOVEMENTS.dump(
        queries.movements(product="MUG-1").order_by(queries.StockMovement.id.desc())
    )


def test_keyset_both_ways_and_walk(hub_db):
    for i in range(5):
        Product.create(sku=f"K-{i}", name=f"Product {i}")
    ids = [p.id for p in Product.select().order_by(Product.id)]
    up = queries.keyset(queries.products(), limit=2)
    assert [p.id for p in up.rows] == ids[:2] and up.next == ids[1]
    up = queries.keyset(queries.products(), limit=2, cursor=ids[3])
    assert [p.id for p in up.rows] == ids[4:] and up.next is None
    down = queries.keyset(queries.products(), limit=2, descending=True)
    assert [p.id for p in down.rows] == ids[:-3:-1] and down.next == ids[-2]
    down = queries.keyset(queries.products(), limit=2, cursor=down.next, descending=True)
    assert [p.id for p in down.rows] == [ids[-3], ids[-4]]
    pages = list(queries.walk(queries.products(), key=Product.sku, chunk=2))
    assert [[p.sku for p in page] for page in pages] == [["K-0", "K-1"], ["K-2", "K-3"], ["K-4"]]
    assert sum(len(p) for p in queries.walk(queries.products(), limit=3, chunk=2)) == 3
