"""`hub -v` logs every library at DEBUG (oauthlib prints the OAuth parameters it signs): no
credential of any Magento auth method may reach a log line (issue 12)."""

from urllib.parse import quote

from connect_magento import feeds
from connect_magento.client import MagentoClient
from connect_magento_emulator import DEMO_CREDENTIALS

from hub.testing.logs import capture_all_logs


def _assert_clean(text, secrets):
    for secret in secrets:
        assert secret not in text, secret
        assert quote(secret, safe="") not in text, secret


def test_oauth_1a_keys_tokens_and_signatures_stay_out_of_debug_logs(make_ctx):
    with capture_all_logs() as logs:
        report = feeds.hub_check_connection(make_ctx())
    assert report["ok"], report
    assert "oauth_consumer_key" in logs.text  # oauthlib's debug lines were captured…
    assert "/rest/default/V1/store/storeConfigs" in logs.text
    _assert_clean(logs.text, DEMO_CREDENTIALS.values())  # …without a credential in them
    assert "Signature: ***" in logs.text


def test_bearer_integration_token_stays_out_of_debug_logs(make_ctx, emulator):
    emulator.post("/_emulator/config", {"integration_as_bearer": True})
    ctx = make_ctx(
        settings={"auth_method": "bearer"},
        secrets={"access_token": DEMO_CREDENTIALS["access_token"]},
    )
    with capture_all_logs() as logs:
        MagentoClient(ctx).get("store/storeConfigs")
    assert "storeConfigs" in logs.text
    _assert_clean(logs.text, [DEMO_CREDENTIALS["access_token"]])


def test_admin_password_and_the_admin_token_it_buys_stay_out_of_debug_logs(make_ctx):
    ctx = make_ctx(
        settings={"auth_method": "admin", "admin_username": DEMO_CREDENTIALS["admin_username"]},
        secrets={"admin_password": DEMO_CREDENTIALS["admin_password"]},
    )
    with capture_all_logs() as logs:
        MagentoClient(ctx).get("store/storeConfigs")
    token = ctx.cache["magento_admin_token"]
    assert "integration/admin/token" in logs.text
    _assert_clean(logs.text, [DEMO_CREDENTIALS["admin_password"], token])
