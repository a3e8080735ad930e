"""The client: auth methods, error bodies, faults, paging."""

import pytest
from connect_magento.client import (
    MagentoClient,
    criteria_params,
    error_message,
    fill_placeholders,
    parse_since,
)
from connect_magento_emulator import DEMO_CREDENTIALS
from flask import Flask, jsonify, request

from hub.errors import (
    AuthenticationError,
    ConfigurationError,
    StoreRejected,
    StoreUnavailableError,
    TransientError,
)
from hub.testing import make_context, serve_app

from .conftest import OAUTH_SECRETS

# -- error bodies ----------------------------------------------------------------------------


def test_placeholders_from_a_dict_and_a_list():
    assert (
        fill_placeholders(
            "The consumer isn't authorized to access %resources.",
            {"resources": "Magento_Catalog::products"},
        )
        == "The consumer isn't authorized to access Magento_Catalog::products."
    )
    assert fill_placeholders("%1 of %2, not %10", ["a", "b"]) == "a of b, not %10"
    assert fill_placeholders("no params %1", None) == "no params %1"


def test_error_message_joins_the_errors_list():
    body = {
        "message": "Validation Failed",
        "errors": [
            {"message": '"%field" can not be empty.', "parameters": {"field": "sku"}},
            {
                "message": 'Source with code "%code" does not exist.',
                "parameters": {"code": "nowhere"},
            },
        ],
    }
    assert error_message(body, "x") == (
        'Validation Failed: "sku" can not be empty.; Source with code "nowhere" does not exist.'
    )
    assert error_message(None, "fallback") == "fallback"


def test_a_400_from_the_store_has_its_placeholders_filled(ctx):
    with pytest.raises(StoreRejected) as info:
        MagentoClient(ctx).get("products")  # no searchCriteria: Magento says it is required
    assert '"searchCriteria" is required' in info.value.message
    assert "%fieldName" not in info.value.message
    assert info.value.status == 400


def test_page_size_over_the_input_limit_is_refused_by_the_store(ctx):
    with pytest.raises(StoreRejected, match="Maximum SearchCriteria pageSize is 300"):
        MagentoClient(ctx).get("products", criteria_params(page_size=301, current_page=1))


# -- auth --------------------------------------------------------------------------------------


def test_oauth_signed_requests_are_accepted(ctx, emulator):
    data = MagentoClient(ctx).get("products", criteria_params(page_size=2, current_page=1))
    assert len(data["items"]) == 2
    assert emulator.state()["requests"]["products_list"] == 1


def test_a_bad_oauth_secret_is_an_authentication_error_with_the_resource(make_ctx):
    secrets = {**OAUTH_SECRETS, "consumer_secret": "wrong"}
    with pytest.raises(AuthenticationError) as info:
        MagentoClient(make_ctx(secrets=secrets)).get(
            "products", criteria_params(page_size=1, current_page=1)
        )
    assert "isn't authorized to access Magento_Catalog::products" in info.value.message
    assert info.value.status == 401
    assert "Integrations" in info.value.hint


def test_missing_credentials_are_a_configuration_error(make_ctx):
    with pytest.raises(ConfigurationError, match="consumer_secret"):
        MagentoClient(make_ctx(secrets={"consumer_key": "k"})).get("store/storeConfigs")


def test_bearer_integration_token_is_refused_by_default_with_a_hint(make_ctx):
    ctx = make_ctx(
        settings={"auth_method": "bearer"},
        secrets={"access_token": DEMO_CREDENTIALS["access_token"]},
    )
    with pytest.raises(AuthenticationError) as info:
        MagentoClient(ctx).get("store/storeConfigs")
    assert "standalone Bearer tokens" in info.value.hint


def test_bearer_integration_token_works_when_the_store_allows_it(make_ctx, emulator):
    emulator.post("/_emulator/config", {"integration_as_bearer": True})
    ctx = make_ctx(
        settings={"auth_method": "bearer"},
        secrets={"access_token": DEMO_CREDENTIALS["access_token"]},
    )
    assert MagentoClient(ctx).get("store/storeConfigs")[0]["code"] == "default"


def test_admin_token_is_fetched_cached_and_renewed_on_401(make_ctx, emulator):
    ctx = make_ctx(
        settings={"auth_method": "admin", "admin_username": DEMO_CREDENTIALS["admin_username"]},
        secrets={"admin_password": DEMO_CREDENTIALS["admin_password"]},
    )
    client = MagentoClient(ctx)
    client.get("store/storeConfigs")
    first = ctx.cache["magento_admin_token"]
    client.get("store/storeConfigs")
    assert ctx.cache["magento_admin_token"] == first  # cached, not fetched per request
    emulator.post("/_emulator/config", {"expire_admin_tokens": True})
    client.get("store/storeConfigs")  # 401 -> a new token -> success
    assert ctx.cache["magento_admin_token"] != first


def test_admin_token_with_a_wrong_password(make_ctx):
    ctx = make_ctx(
        settings={"auth_method": "admin", "admin_username": "hubadmin"},
        secrets={"admin_password": "nope"},
    )
    with pytest.raises(AuthenticationError, match="sign-in was incorrect") as info:
        MagentoClient(ctx).get("store/storeConfigs")
    assert "2FA" in info.value.hint


def test_injected_auth_fault_is_a_401_authentication_error(ctx, emulator):
    emulator.fault("auth", count=1, path="/V1/orders")
    with pytest.raises(AuthenticationError, match="Magento_Sales::actions_view"):
        MagentoClient(ctx).get("orders", criteria_params(page_size=1, current_page=1))


def test_a_replayed_oauth_nonce_is_signed_again(ctx, emulator):
    auth = emulator.app.config["EMULATOR"]["auth"]
    client = MagentoClient(ctx)
    original = auth.check
    calls = []

    def replay_once(header, method, url, query):
        calls.append(header)
        if len(calls) == 1:  # as if an earlier attempt had used this nonce already
            from connect_magento_emulator.auth import AuthFailure

            raise AuthFailure("The nonce is already being used by the consumer with ID %1", ["1"])
        return original(header, method, url, query)

    auth.check = replay_once
    assert client.get("store/storeConfigs")
    assert len(calls) == 2 and calls[0] != calls[1]  # a fresh signature the second time


# -- faults ------------------------------------------------------------------------------------


def test_a_5xx_is_retried_by_the_session(ctx, emulator):
    emulator.fault("5xx", count=1, status=500)
    assert MagentoClient(ctx).get("store/storeConfigs")[0]["code"] == "default"


def test_persistent_5xx_is_a_transient_error(ctx, emulator):
    emulator.fault("5xx", count=50, status=500)
    with pytest.raises(TransientError, match=r"500.*Internal Error") as info:
        MagentoClient(ctx).get("store/storeConfigs")
    assert info.value.retryable


def test_throttle_is_waited_out_through_ctx_sleep(ctx, emulator, sleeps):
    # make_context retries twice in the session (3 attempts), the one retry layer, waiting
    # through ctx.sleep (never a real sleep in tests)
    emulator.fault("throttle", count=2)
    assert MagentoClient(ctx).get("store/storeConfigs")[0]["code"] == "default"
    assert emulator.state()["pending_faults"] == []


def test_throttle_with_retry_after_is_honoured_through_ctx_sleep(ctx, emulator, sleeps):
    # Fastly in front of Adobe Commerce Cloud sends 429 with Retry-After
    emulator.fault("throttle", count=2, retry_after=7)
    assert MagentoClient(ctx).get("store/storeConfigs")[0]["code"] == "default"
    # every wait of the session's transport retries is the store's 7 s
    # (through the injected clock: never a real sleep)
    assert sleeps.calls and all(float(s) == 7.0 for s in sleeps.calls)


def test_throttle_that_outlives_the_retries_is_transient(ctx, emulator, sleeps):
    emulator.fault("throttle", count=100, retry_after=1)
    with pytest.raises(TransientError, match=r"429.*Too Many Requests"):
        MagentoClient(ctx).get("store/storeConfigs")
    assert len(sleeps.calls) == 2  # the session's two retries; no connector loop on top


def test_a_malformed_body_is_a_clear_error(ctx, emulator):
    emulator.fault("malformed", count=1)
    with pytest.raises(TransientError, match="malformed JSON body"):
        MagentoClient(ctx).get("store/storeConfigs")


def test_maintenance_mode_is_store_unavailable():
    app = Flask("maintenance")

    @app.route("/rest/default/V1/store/storeConfigs")
    def down():
        return "<h1>Service Temporarily Unavailable</h1> maintenance downtime", 503

    with serve_app(app) as server:
        ctx = make_context(
            "magento",
            server.url,
            settings={"auth_method": "bearer"},
            secrets={"access_token": "t"},
            sleep=lambda s: None,
        )
        with pytest.raises(StoreUnavailableError, match="maintenance"):
            MagentoClient(ctx).get("store/storeConfigs")


# -- paging ------------------------------------------------------------------------------------


def _last_page_forever_app(total_count, real_items):
    """A store that answers any page past the end with the last page again and, worse,
    overstates total_count: the client must still stop."""
    app = Flask("pages")
    calls = []

    @app.route("/rest/default/V1/products")
    def products():
        size = int(request.args["searchCriteria[pageSize]"])
        page = int(request.args["searchCriteria[currentPage]"])
        calls.append(page)
        last = max((real_items + size - 1) // size, 1)
        page = min(page, last)
        ids = range((page - 1) * size + 1, min(page * size, real_items) + 1)
        return jsonify({"items": [{"id": i} for i in ids], "total_count": total_count})

    return app, calls


def test_page_past_the_end_never_loops_even_if_total_count_lies():
    app, calls = _last_page_forever_app(total_count=10_000, real_items=5)
    with serve_app(app) as server:
        ctx = make_context(
            "magento",
            server.url,
            settings={"auth_method": "bearer", "page_size": 2},
            secrets={"access_token": "t"},
        )
        pages = list(MagentoClient(ctx).iter_offset("products", key=lambda i: i["id"]))
    assert [i["id"] for page in pages for i in page] == [1, 2, 3, 4, 5]
    assert calls == [1, 2, 3, 4]  # page 4 repeated page 3: stop there


def test_offset_paging_stops_by_total_count(ctx, emulator):
    ctx.settings["page_size"] = 50
    client = MagentoClient(ctx)
    pages = list(
        client.iter_offset(
            "products",
            sort=[("entity_id", "ASC")],
            fields="items[id]",
            key=lambda i: i["id"],
        )
    )
    total = emulator.state()["products"]
    ids = [i["id"] for p in pages for i in p]
    assert len(ids) == total == len(set(ids))
    # exactly ceil(total / 50) requests, no probing for an empty page
    assert emulator.state()["requests"]["products_list"] == -(-total // 50)


def test_keyset_paging_sees_records_changed_during_the_run(ctx, emulator):
    ctx.settings["page_size"] = 5
    client = MagentoClient(ctx)
    pages = client.iter_keyset(
        "orders",
        time_field="updated_at",
        id_field="entity_id",
        since=None,
        fields="items[entity_id,updated_at]",
    )
    seen = [o["entity_id"] for o in next(pages)]
    emulator.post(f"/_emulator/orders/{seen[0]}", {"paid": True})  # moves to the end
    for page in pages:
        seen.extend(o["entity_id"] for o in page)
    assert sorted(set(seen)) == sorted(emulator.current.orders)
    assert seen[-1] == seen[0]  # seen again, after its new updated_at


def test_parse_since_accepts_our_cursor_and_iso_dates():
    when, ident = parse_since("2026-01-31T22:10:00Z|0000000042")
    assert (when.isoformat(), ident) == ("2026-01-31T22:10:00+00:00", 42)
    assert parse_since("2026-01-31")[0].isoformat() == "2026-01-31T00:00:00+00:00"
    assert parse_since(None) == (None, 0)
    with pytest.raises(ConfigurationError):
        parse_since("yesterday")


def test_a_slow_store_times_out_as_a_transient_error(ctx, emulator):
    ctx.session.timeout = (2, 0.2)  # connect, read
    emulator.fault("slow", count=5, delay=0.5)
    with pytest.raises(TransientError, match="timed out"):
        MagentoClient(ctx).get("store/storeConfigs")


def test_a_slow_answer_within_the_timeout_is_fine(ctx, emulator):
    emulator.fault("slow", count=1, delay=0.05)
    assert MagentoClient(ctx).get("store/storeConfigs")[0]["code"] == "default"
