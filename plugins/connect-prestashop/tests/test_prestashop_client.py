"""Transport and errors: Basic auth (never ws_key), 401, PrestaShop error bodies, 5xx retries,
throttling through ctx.sleep, malformed bodies, the webservice switched off, empty lists."""

import pytest
from connect_prestashop import feeds
from connect_prestashop.client import PrestaShopClient
from connect_prestashop_emulator import DEMO_KEY

from hub.errors import (
    AuthenticationError,
    ConfigurationError,
    StoreRejected,
    StoreUnavailableError,
    TransientError,
)


def test_the_key_travels_as_basic_auth_never_in_the_url(store, ctx):
    urls = []
    original = ctx.session.request

    def spy(method, url, **kwargs):
        response = original(method, url, **kwargs)
        urls.append(response.request.url)
        assert response.request.headers["Authorization"].startswith("Basic ")
        return response

    ctx.session.request = spy
    list(feeds.hub_fetch_suppliers(ctx))
    feeds.hub_check_connection(ctx)
    assert urls and not any("ws_key" in u or DEMO_KEY in u for u in urls)


def test_a_wrong_key_is_an_authentication_error(store, make_ctx):
    ctx = make_ctx(store, key="A" * 32)
    with pytest.raises(AuthenticationError) as caught:
        list(feeds.hub_fetch_products(ctx))
    assert caught.value.status == 401
    assert "[20]" in caught.value.message and "not active" in caught.value.message
    assert DEMO_KEY not in caught.value.message


def test_a_key_of_the_wrong_length_is_reported_with_the_store_message(store, make_ctx):
    with pytest.raises(AuthenticationError) as caught:
        list(feeds.hub_fetch_suppliers(make_ctx(store, key="short")))
    assert "Invalid authentication key format" in caught.value.message


def test_the_store_401_body_mid_run_is_an_authentication_error(store, ctx):
    store.fault("auth", count=1, path="/api/orders")
    with pytest.raises(AuthenticationError):
        list(feeds.hub_fetch_new_orders(ctx, None))


def test_a_missing_key_is_a_configuration_error(store, make_ctx):
    with pytest.raises(ConfigurationError):
        list(feeds.hub_fetch_suppliers(make_ctx(store, key="")))


def test_prestashop_error_bodies_become_clear_messages(store, ctx):
    client = PrestaShopClient(ctx)
    with pytest.raises(StoreRejected) as caught:  # JSON error body
        client.list_rows("products", {"display": "full", "filter[date_upd]": "[2020-01-01,]"})
    assert "[32]" in caught.value.message and "This filter does not exist" in caught.value.message
    assert "Did you mean" in caught.value.message  # without date=1, date_upd is no filter
    with pytest.raises(StoreRejected) as caught:  # XML error body, from a write
        client.create("stock_availables", "stock_available", {"id_product": 1})
    assert "[101]" in caught.value.message and "not allowed" in caught.value.message
    with pytest.raises(StoreRejected) as caught:
        client.list_rows("products", {"limit": "1,2,3"})
    assert "[39]" in caught.value.message


def test_5xx_are_retried_by_the_session(store, ctx, records_of):
    store.fault("5xx", count=2, path="/api/suppliers")
    records = records_of("supplier", feeds.hub_fetch_suppliers(ctx))[0]
    assert len(records) == 5
    assert store.state()["faults_pending"] == 0


def test_5xx_that_outlive_the_retries_are_transient(store, ctx):
    store.fault("5xx", count=10, path="/api/suppliers")
    with pytest.raises(TransientError) as caught:
        list(feeds.hub_fetch_suppliers(ctx))
    assert caught.value.status == 500 and caught.value.retryable


def test_throttling_is_honoured_through_ctx_sleep(store, make_ctx, records_of):
    slept = []
    ctx = make_ctx(store, sleep=slept.append)
    # the session's transport retries (make_context: two) are the one retry layer; they wait
    # the store's Retry-After through ctx.sleep
    store.fault("throttle", count=2, delay=7, path="/api/suppliers")
    records = records_of("supplier", feeds.hub_fetch_suppliers(ctx))[0]
    assert len(records) == 5 and slept == [7.0, 7.0]
    store.fault("throttle", count=10, delay=3, path="/api/suppliers")
    with pytest.raises(TransientError) as caught:
        list(feeds.hub_fetch_suppliers(ctx))
    assert caught.value.retry_after == 3.0


def test_a_malformed_body_is_a_clear_transient_error(store, ctx):
    store.fault("malformed", count=1, path="/api/suppliers")
    with pytest.raises(TransientError) as caught:
        list(feeds.hub_fetch_suppliers(ctx))
    assert "malformed JSON" in caught.value.message and "Notice" in caught.value.message


def test_a_slow_answer_still_arrives(store, ctx, records_of):
    store.fault("slow", count=1, delay=0.2, path="/api/suppliers")
    assert len(records_of("supplier", feeds.hub_fetch_suppliers(ctx))[0]) == 5


def test_the_webservice_switched_off_is_store_unavailable(emulator, make_ctx):
    live = emulator(webservice_enabled=False)
    with pytest.raises(StoreUnavailableError) as caught:
        list(feeds.hub_fetch_suppliers(make_ctx(live)))
    assert "disabled" in caught.value.message


@pytest.mark.parametrize("quirk", [True, False])
def test_an_empty_list_in_both_shapes(emulator, make_ctx, quirk):
    live = emulator(products=3, orders=2, empty_list_quirk=quirk)
    ctx = make_ctx(live)
    assert list(feeds.hub_fetch_new_orders(ctx, "0000000099")) == []
    assert PrestaShopClient(ctx).list_rows("products", {"filter[id]": "[999]"}) == []


def test_an_unreachable_store_is_transient(make_ctx, store):
    class Gone:
        url = "http://127.0.0.1:9"

    with pytest.raises(TransientError):
        list(feeds.hub_fetch_suppliers(make_ctx(Gone())))


def test_paging_walks_every_page(store, make_ctx, records_of):
    ctx = make_ctx(store, settings={"page_size": 7})
    small = records_of("product", feeds.hub_fetch_products(ctx))[0]
    default = records_of("product", feeds.hub_fetch_products(make_ctx(store)))[0]
    assert small == default
