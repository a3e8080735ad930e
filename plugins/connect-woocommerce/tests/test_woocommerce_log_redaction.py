"""`hub -v` logs every library at DEBUG (oauthlib prints what it signs, urllib3 every URL, and
the OAuth parameters travel in the query string over HTTP): the consumer key and secret never
reach a log line, over HTTP (OAuth 1.0a) nor over HTTPS (Basic)."""

from base64 import b64encode
from urllib.parse import quote

import pytest
from connect_woocommerce import feeds
from connect_woocommerce_emulator import DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET

from hub.testing.logs import capture_all_logs


@pytest.mark.parametrize("https", [False, True])
def test_the_consumer_key_and_secret_stay_out_of_debug_logs(emulator, make_ctx, https):
    ctx = make_ctx(emulator(products=5, orders=3, https=https))
    with capture_all_logs() as logs:
        report = feeds.hub_check_connection(ctx)
        list(feeds.hub_fetch_new_orders(ctx, None))
    assert report["ok"], report
    assert "/wp-json/wc/v3/orders" in logs.text  # the requests were logged…
    basic = b64encode(f"{DEMO_CONSUMER_KEY}:{DEMO_CONSUMER_SECRET}".encode()).decode()
    for secret in (DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, basic):  # …without a credential
        assert secret not in logs.text
        assert quote(secret, safe="") not in logs.text
    if not https:
        assert "oauth_consumer_key=***" in logs.text
