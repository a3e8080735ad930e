"""Client behaviour: throttling through ctx.sleep, faults, authentication, error mapping."""

import pytest
from connect_shopify import feeds
from connect_shopify_emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

from hub.errors import (
    AuthenticationError,
    StoreUnavailableError,
    TransientError,
)

CC = {"client_secret": DEMO_CLIENT_SECRET}


def test_throttled_response_waits_cost_over_restore_rate_and_retries(make_store, make_ctx, clock):
    shop = make_store(restore_rate=100, bucket_size=1e6)
    shop.fault("throttle", count=2, cost=300, available=0)
    records = list(feeds.hub_fetch_stock_levels(make_ctx(shop)))
    assert len(records) == len(shop.emu.shop.locations[0].levels)
    assert clock.sleeps[:2] == [300 / 100, 300 / 100]  # requestedQueryCost / restoreRate
    assert shop.state()["counters"]["throttled"] == 2


def test_real_bucket_is_paced_from_throttle_status(make_store, make_ctx, clock):
    # a Standard-plan bucket (1,000 points, 50/s) on the same fake clock as ctx.sleep
    slow = make_store(products=150, orders=0, clock=clock, bucket_size=1000, restore_rate=50)
    ctx = make_ctx(slow)
    records = list(feeds.hub_fetch_new_products(ctx, None))
    assert len(records) == len(slow.emu.shop.variants)
    assert sum(clock.sleeps) > 10, "the client should have waited for the bucket to refill"
    # paced before the bucket ran dry: (almost) no THROTTLED answer
    assert slow.state()["counters"]["throttled"] <= 1


def test_throttled_forever_is_a_transient_error(store, ctx):
    store.fault("throttle", count=50)
    with pytest.raises(TransientError, match="throttling") as info:
        list(feeds.hub_fetch_stock_levels(ctx))
    assert info.value.retry_after >= 1


def test_5xx_is_retried(store, ctx):
    store.fault("5xx", count=2, status=502)
    assert list(feeds.hub_fetch_stock_levels(ctx))


@pytest.mark.parametrize("fault,status", [("5xx", 503), ("5xx", 500), ("throttle", 429)])
def test_retry_after_is_honoured_through_ctx_sleep(store, ctx, clock, fault, status):
    store.fault(fault, count=2, status=status, retry_after=7)
    # the session's transport retries (the one retry layer) wait through ctx.sleep
    assert list(feeds.hub_fetch_stock_levels(ctx))
    assert clock.sleeps[:2] == [7.0, 7.0]


def test_5xx_that_lasts_is_a_transient_error(store, ctx, clock):
    store.fault("5xx", count=100, status=503, retry_after=11)
    with pytest.raises(TransientError) as info:
        list(feeds.hub_fetch_stock_levels(ctx))
    assert info.value.retry_after == 11.0
    assert clock.sleeps == [11.0, 11.0]  # make_context's two transport retries, no other layer


def test_malformed_body_is_retried_then_a_clear_error(store, ctx):
    store.fault("malformed", count=1)
    assert list(feeds.hub_fetch_stock_levels(ctx))
    store.fault("malformed", count=5)
    with pytest.raises(TransientError, match="malformed response"):
        list(feeds.hub_fetch_stock_levels(ctx))


def test_slow_response_times_out_as_transient(store, ctx):
    ctx.session.timeout = (2, 0.3)
    store.fault("slow", count=10, delay=0.6)
    with pytest.raises(TransientError, match="Cannot reach Shopify"):
        list(feeds.hub_fetch_stock_levels(ctx))


def test_401_is_an_authentication_error(store, ctx):
    store.fault("auth", count=1)
    with pytest.raises(AuthenticationError) as info:
        list(feeds.hub_fetch_stock_levels(ctx))
    assert info.value.status == 401


def test_wrong_token(store, make_ctx):
    with pytest.raises(AuthenticationError, match="Invalid API key"):
        list(feeds.hub_fetch_new_orders(make_ctx(store, secrets={"access_token": "nope"}), None))


def test_missing_scope_is_an_authentication_error_naming_it(store, ctx):
    store.control("/_emulator/scopes", {"scopes": ["read_products"]})
    with pytest.raises(AuthenticationError, match="read_orders"):
        list(feeds.hub_fetch_new_orders(ctx, None))


@pytest.mark.parametrize(
    "flag,status,words", [("frozen", 402, "frozen"), ("locked", 423, "locked")]
)
def test_frozen_or_locked_shop_is_store_unavailable(store, ctx, flag, status, words):
    store.control("/_emulator/shop", {flag: True})
    with pytest.raises(StoreUnavailableError, match=words) as info:
        list(feeds.hub_fetch_new_orders(ctx, None))
    assert info.value.status == status
    assert info.value.hint


def test_client_credentials_token_is_fetched_cached_and_renewed(make_store, make_ctx, clock):
    shop = make_store(clock=clock)
    ctx = make_ctx(
        shop,
        settings={"client_id": DEMO_CLIENT_ID, "location_id": "gid://shopify/Location/81000000001"},
        secrets=CC,
    )
    list(feeds.hub_fetch_order_updates(ctx, None))
    list(feeds.hub_fetch_stock_levels(ctx))
    assert shop.state()["counters"]["tokens_issued"] == 1  # cached in ctx.cache
    # revoked/expired in the store: a 401 renews the token once, transparently
    shop.control("/_emulator/tokens/expire")
    list(feeds.hub_fetch_order_updates(ctx, None))
    assert shop.state()["counters"]["tokens_issued"] == 2
    # renewed before its 24 h expire
    clock.now += 86399 - 300
    list(feeds.hub_fetch_order_updates(ctx, None))
    assert shop.state()["counters"]["tokens_issued"] == 3


def test_bad_client_secret(store, make_ctx):
    ctx = make_ctx(
        store, settings={"client_id": DEMO_CLIENT_ID}, secrets={"client_secret": "wrong"}
    )
    with pytest.raises(AuthenticationError, match="client credentials"):
        list(feeds.hub_fetch_order_updates(ctx, None))


def test_old_api_version_falls_forward_and_is_reported(store, make_ctx):
    ctx = make_ctx(
        store,
        settings={"api_version": "2024-01", "location_id": "gid://shopify/Location/81000000001"},
    )
    report = feeds.hub_check_connection(ctx)
    assert any("2024-01" in p and "2025-07" in p for p in report["problems"])
