"""The contract suite catches what integrators get wrong (issue 17 §1).

Each test runs one check of :class:`hub.testing.contract.ConnectorContractSuite` against a
copy of the ``testshop`` connector with one mistake injected (its plugin object given to the
suite as ``plugin``), over real HTTP to the test store, and asserts that the check fails with
a message that says what to fix. ``test_the_unbroken_copy_passes`` runs the same checks on
the copy without a mistake: the failures come from the mistakes, not from the copy.
"""

import time
import types
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from hub_testshop import plugin as testshop
from hub_testshop.store import TOKEN, StoreState, create_store

from hub import hookimpl
from hub.errors import AuthenticationError, TransientError
from hub.testing import make_context, serve_app
from hub.testing.contract import ConnectorContractSuite


def variant(**hooks):
    """A copy of the testshop plugin with ``hooks`` replacing its implementations."""
    module = types.ModuleType("testshop_with_a_mistake")
    for name, value in vars(testshop).items():
        if name.startswith("hub_"):
            setattr(module, name, value)
    for name, function in hooks.items():
        setattr(module, name, hookimpl(function))
    return module


def suite_for(plugin, **attributes):
    cls = type(
        "MistakeSuite",
        (ConnectorContractSuite,),
        {"connector": "testshop", "plugin": plugin, **attributes},
    )
    return cls()


@pytest.fixture
def shop():
    """The test store, seeded like tests/test_contract_testshop.py, and a context for it."""
    state = StoreState()
    for i in range(1, 6):
        state.add_product(i, f"C-{i}", f"Contract {i}", images=[i])
        state.stock[str(i)] = i
    state.add_order(1, "#C1", [{"sku": "C-1", "qty": 1}])
    state.add_order(2, "#C2", [{"sku": "C-2", "qty": 2}], created="2026-06-02T10:00:00Z")
    with serve_app(create_store(state)) as server:
        ctx = make_context("testshop", server.url, secrets={"token": TOKEN})
        yield types.SimpleNamespace(state=state, ctx=ctx, url=server.url)


def run_check(suite, check, shop, **kwargs):
    """Run one of the suite's tests as pytest would, with its fixtures given."""
    method = getattr(suite, check)
    args = {"registry": suite.make_registry(), "contract_ctx": shop.ctx, **kwargs}
    if "contract_emulator_url" in method.__code__.co_varnames:
        args["contract_emulator_url"] = shop.url
    if "contract_shipment" in method.__code__.co_varnames:
        args["contract_shipment"] = None
    return method(**args)


def failure(suite, check, shop, **kwargs):
    with pytest.raises(AssertionError) as excinfo:
        run_check(suite, check, shop, **kwargs)
    return str(excinfo.value)


INBOUND = "test_contract_inbound_records_validate_and_are_stable"
CURSORS = "test_contract_cursors_follow_the_stream"
FAULTS = "test_contract_store_faults_raise_hub_errors"
SHIPMENT = "test_contract_shipment_pushed_twice_ships_once"
CREDENTIALS = "test_contract_bad_credentials_raise_authentication_error"
OPEN_ORDERS = "test_contract_open_order_count_matches_the_orders"


def products_with(change):
    """hub_fetch_products whose records go through ``change(record) -> record``."""

    def hub_fetch_products(ctx):
        for record in testshop.hub_fetch_products(ctx):
            yield change(dict(record))

    return hub_fetch_products


# -- missing or ill-typed fields -------------------------------------------------------------


def test_a_missing_field_is_named_with_the_hook_and_the_record(shop):
    broken = variant(hub_fetch_products=products_with(lambda p: {**p, "name": None}))
    message = failure(suite_for(broken), INBOUND, shop, hook="hub_fetch_products")
    assert (
        "hub_fetch_products: product external_id '1', sku 'C-1': field name: "
        "Field may not be null." in message
    )


def test_an_ill_typed_field_in_a_nested_line_is_named(shop):
    def hub_fetch_new_orders(ctx, since):
        for order in testshop.hub_fetch_new_orders(ctx, since):
            order["lines"][0]["quantity"] = f"{order['lines'][0]['quantity']} pcs"
            yield order

    message = failure(
        suite_for(variant(hub_fetch_new_orders=hub_fetch_new_orders)),
        INBOUND,
        shop,
        hook="hub_fetch_new_orders",
    )
    assert (
        "hub_fetch_new_orders: order external_id '1', number '#C1': "
        "field lines.0.quantity: Not a valid integer." in message
    )


# -- implausible values -----------------------------------------------------------------------


def test_weights_in_grams_are_implausible(shop):
    grams = products_with(lambda p: {**p, "weight_kg": str(Decimal(p["weight_kg"]) * 1000)})
    message = failure(
        suite_for(variant(hub_fetch_products=grams)), INBOUND, shop, hook="hub_fetch_products"
    )
    assert "hub_fetch_products: field weight_kg: the median weight of 5 products is 500" in message
    assert "weight_kg is kilograms, convert the store's unit (grams?)" in message


def test_one_weight_over_a_tonne_is_implausible(shop):
    def one_heavy(p):
        return {**p, "weight_kg": "250000"} if p["sku"] == "C-3" else p

    message = failure(
        suite_for(variant(hub_fetch_products=products_with(one_heavy))),
        INBOUND,
        shop,
        hook="hub_fetch_products",
    )
    assert "external_id '3', sku 'C-3': field weight_kg = '250000' is over 1000 kg" in message


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        (lambda q: -q, "field quantity: 5 of 5 stock levels are negative: a sign error"),
        (
            lambda q: 50_000_000 + q,  # a price in cents, an id: some other field
            "external_id '1': field quantity = 50000001 is not a plausible stock level",
        ),
    ],
    ids=["negative", "absurd"],
)
def test_negative_or_absurd_stock_levels_are_implausible(shop, mistake, expected):
    def hub_fetch_stock_levels(ctx):
        for record in testshop.hub_fetch_stock_levels(ctx):
            yield {**record, "quantity": mistake(record["quantity"])}

    broken = variant(hub_fetch_stock_levels=hub_fetch_stock_levels)
    message = failure(suite_for(broken), INBOUND, shop, hook="hub_fetch_stock_levels")
    assert "hub_fetch_stock_levels: " in message
    assert expected in message


def test_an_absurd_order_line_quantity_is_implausible(shop):
    def hub_fetch_new_orders(ctx, since):
        for order in testshop.hub_fetch_new_orders(ctx, since):
            order["lines"][0]["quantity"] = 4006381333931 % 10**9  # an EAN, cut to fit
            yield order

    message = failure(
        suite_for(variant(hub_fetch_new_orders=hub_fetch_new_orders)),
        INBOUND,
        shop,
        hook="hub_fetch_new_orders",
    )
    assert "number '#C1': field lines.0.quantity = 381333931 is not a plausible quantity" in message


def test_prices_with_more_decimals_than_the_currency_are_implausible(shop):
    def hub_fetch_new_orders(ctx, since):
        for order in testshop.hub_fetch_new_orders(ctx, since):
            yield {**order, "total": str(10 / 3)}  # a float computation

    message = failure(
        suite_for(variant(hub_fetch_new_orders=hub_fetch_new_orders)),
        INBOUND,
        shop,
        hook="hub_fetch_new_orders",
    )
    assert (
        "hub_fetch_new_orders: external_id '1', number '#C1': field total = '3.3333333333333335' "
        "has more decimals than EUR allows (2)" in message
    )
    catalogue = products_with(lambda p: {**p, "price": str(Decimal(p["price"]) / 3)})
    message = failure(
        suite_for(variant(hub_fetch_products=catalogue)), INBOUND, shop, hook="hub_fetch_products"
    )
    assert "field price = '3.333333333333333333333333333' has more decimals than EUR" in message
    assert "(2 + 4 for a catalogue price)" in message


def test_a_yen_total_with_cents_is_implausible(shop):
    def hub_fetch_new_orders(ctx, since):
        for order in testshop.hub_fetch_new_orders(ctx, since):
            yield {**order, "currency": "JPY", "total": "1200.50"}

    message = failure(
        suite_for(variant(hub_fetch_new_orders=hub_fetch_new_orders)),
        INBOUND,
        shop,
        hook="hub_fetch_new_orders",
    )
    assert "field total = '1200.50' has more decimals than JPY allows (0)" in message


# -- records that change on every read ---------------------------------------------------------


def test_a_record_that_changes_on_every_read_shows_the_first_differing_field(shop):
    reads = iter(range(1000))
    changing = products_with(
        lambda p: (
            {**p, "store_refs": {**p["store_refs"], "read": next(reads)}}
            if p["sku"] == "C-2"
            else p
        )
    )
    message = failure(
        suite_for(variant(hub_fetch_products=changing)), INBOUND, shop, hook="hub_fetch_products"
    )
    assert message.startswith(
        "hub_fetch_products: record 1 (external_id '2', sku 'C-2') differs when re-run on "
        "unchanged data: field store_refs was {'id': '2', 'read': 0}, then {'id': '2', 'read': 1}"
    )


# -- cursors ----------------------------------------------------------------------------------


def new_products_with_cursor(cursor_of):
    def hub_fetch_new_products(ctx, since):
        for record in testshop.hub_fetch_new_products(ctx, since):
            yield {**record, "cursor": cursor_of(record)}

    return hub_fetch_new_products


def test_a_cursor_set_to_now_fails(shop):
    now = new_products_with_cursor(lambda p: datetime.now(UTC).isoformat())
    message = failure(
        suite_for(variant(hub_fetch_new_products=now)),
        CURSORS,
        shop,
        cursor_hook="hub_fetch_new_products",
    )
    assert "hub_fetch_new_products: the cursor of external_id '1', sku 'C-1' is '20" in message
    assert "later than the moment the read started" in message
    assert "never the time of the run" in message


def test_a_cursor_set_to_now_in_whole_seconds_fails(shop):
    """A "now" with second resolution is not after the read's start: the second read (in a
    later second) shows it changing."""
    seconds = new_products_with_cursor(
        lambda p: datetime.fromtimestamp(int(time.time()), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    message = failure(
        suite_for(variant(hub_fetch_new_products=seconds)),
        CURSORS,
        shop,
        cursor_hook="hub_fetch_new_products",
    )
    assert "never the time of the run" in message
    assert "external_id '1', sku 'C-1'" in message


def test_cursors_that_decrease_in_stream_order_fail(shop):
    def hub_fetch_new_products(ctx, since):  # newest first: the last cursor is the oldest
        yield from reversed(list(testshop.hub_fetch_new_products(ctx, since)))

    message = failure(
        suite_for(variant(hub_fetch_new_products=hub_fetch_new_products)),
        CURSORS,
        shop,
        cursor_hook="hub_fetch_new_products",
    )
    assert (
        "hub_fetch_new_products: the cursor of external_id '4', sku 'C-4' "
        "('2026-01-01T00:00:04Z') sorts before the cursor of external_id '5', sku 'C-5' "
        "('2026-01-01T00:00:05Z') yielded earlier: cursors must be non-decreasing" in message
    )


def test_a_feed_that_ignores_since_fails_the_rerun(shop):
    def hub_fetch_new_products(ctx, since):
        return testshop.hub_fetch_new_products(ctx, None)

    message = failure(
        suite_for(variant(hub_fetch_new_products=hub_fetch_new_products)),
        CURSORS,
        shop,
        cursor_hook="hub_fetch_new_products",
    )
    assert (
        "hub_fetch_new_products: re-run with since='2026-01-01T00:00:05Z' (the last cursor) "
        "yields external_id '1', sku 'C-1' again" in message
    )
    assert "Filter the store's query by the cursor given as since" in message


# -- errors -----------------------------------------------------------------------------------


def naive_get(ctx, path, **params):
    """What the issue's integrator wrote: the session directly, RuntimeError on 5xx, the body
    parsed without a guard."""
    response = ctx.session.get(
        f"{ctx.base_url}{path}", params=params, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    if response.status_code == 401:
        raise AuthenticationError("refused")
    if response.status_code >= 500:
        raise RuntimeError(f"the store answered {response.status_code}")
    return response.json()


def naive_orders(ctx, since):
    for order in naive_get(ctx, "/orders", since=(since or "").split("|")[0])["items"]:
        yield testshop.order_record(order)


@pytest.mark.parametrize(
    ("fault", "raised"),
    [
        ("5xx", "raised RuntimeError: the store answered 503"),
        ("timeout", "raised ConnectionError"),
        ("malformed", "raised JSONDecodeError"),
        ("connection_refused", "raised ConnectionError"),
    ],
)
def test_store_faults_that_are_not_transient_errors_fail(shop, fault, raised):
    suite = suite_for(variant(hub_fetch_new_orders=naive_orders))
    message = failure(suite, FAULTS, shop, fault=fault)
    assert message.startswith("hub_fetch_new_orders: ")
    assert raised in message
    assert "it must raise hub.errors.TransientError" in message


def test_a_401_mid_feed_retried_as_transient_fails(shop):
    def hub_fetch_new_orders(ctx, since):  # every error "retried later": a 401 loops forever
        response = ctx.session.get(
            f"{ctx.base_url}/orders", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        if response.status_code >= 400:
            raise TransientError(f"the store answered {response.status_code}")
        for order in response.json()["items"]:
            yield testshop.order_record(order)

    message = failure(
        suite_for(variant(hub_fetch_new_orders=hub_fetch_new_orders)), FAULTS, shop, fault="auth"
    )
    assert message.startswith(
        "hub_fetch_new_orders: the store's 'auth' fault ({'fault': 'auth'}) raised "
        "TransientError: the store answered 401; it must raise hub.errors.AuthenticationError"
    )


def test_a_401_that_is_not_an_authentication_error_fails(shop):
    def hub_check_connection(ctx):
        response = ctx.session.get(
            f"{ctx.base_url}/shop", headers={"Authorization": f"Bearer {ctx.secret('token')}"}
        )
        response.raise_for_status()
        return {"ok": True, "store_name": response.json()["name"], "details": {}, "problems": []}

    message = failure(
        suite_for(variant(hub_check_connection=hub_check_connection)), CREDENTIALS, shop
    )
    assert message.startswith("hub_check_connection: refused credentials (401) raised HTTPError")
    assert "it must raise hub.errors.AuthenticationError" in message


def test_a_fault_the_emulator_does_not_know_says_to_map_it(shop):
    suite = suite_for(testshop, contract_faults={"5xx": {"fault": "500"}})
    message = failure(suite, FAULTS, shop, fault="5xx")
    assert "refused the suite's '5xx' fault {'fault': '500'} (400" in message
    assert "map the name to its own in the suite's contract_faults" in message


# -- shipments pushed twice --------------------------------------------------------------------


def test_a_shipment_pushed_twice_must_not_ship_twice(shop):
    def hub_push_shipment(ctx, shipment):  # a fresh id on every push: no check before write
        return testshop.hub_push_shipment(
            ctx, {**shipment, "shipment_id": f"{shipment['shipment_id']}-{uuid.uuid4().hex[:6]}"}
        )

    message = failure(suite_for(variant(hub_push_shipment=hub_push_shipment)), SHIPMENT, shop)
    assert (
        "hub_push_shipment: shipment 'contract-1' pushed twice answered 'ok' the second time: "
        "a shipment pushed twice must not ship twice" in message
    )
    assert len(shop.state.shipments) == 2  # what the suite prevents in production


# -- the open order count ------------------------------------------------------------------------


def test_an_open_order_count_that_ignores_the_date_fails(shop):
    def hub_count_open_orders(ctx, since):  # every open order of the store, whatever its date
        return testshop.hub_count_open_orders(ctx, "")

    message = failure(
        suite_for(variant(hub_count_open_orders=hub_count_open_orders)), OPEN_ORDERS, shop
    )
    assert (
        "hub_count_open_orders(since='2026-06-01T10:00:01Z') = 2, but hub_fetch_new_orders "
        "yields 1 open orders created since then" in message
    )


# -- the copy without a mistake -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "kwargs"),
    [
        (INBOUND, {"hook": "hub_fetch_products"}),
        (INBOUND, {"hook": "hub_fetch_new_orders"}),
        (INBOUND, {"hook": "hub_fetch_stock_levels"}),
        (CURSORS, {"cursor_hook": "hub_fetch_new_products"}),
        (FAULTS, {"fault": "5xx"}),
        (FAULTS, {"fault": "timeout"}),
        (FAULTS, {"fault": "malformed"}),
        (FAULTS, {"fault": "connection_refused"}),
        (FAULTS, {"fault": "auth"}),
        (CREDENTIALS, {}),
        (SHIPMENT, {}),
        (OPEN_ORDERS, {}),
    ],
)
def test_the_unbroken_copy_passes(shop, check, kwargs):
    run_check(suite_for(variant()), check, shop, **kwargs)
    if check == SHIPMENT:  # the default shipment: the first paid order, shipped once
        assert [s["order_id"] for s in shop.state.shipments] == ["1"]
        assert requests.get(f"{shop.url}/_emulator/state", timeout=5).json()["shipments"] == 1
