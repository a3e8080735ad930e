"""`hub -v` logs every library at DEBUG: the X-Shopify-Access-Token never reaches a log line
(issue 12)."""

from connect_shopify import feeds
from connect_shopify_emulator import DEMO_TOKEN

from hub.testing.logs import capture_all_logs


def test_access_token_stays_out_of_debug_logs(store, ctx):
    with capture_all_logs() as logs:
        report = feeds.hub_check_connection(ctx)
        list(feeds.hub_fetch_new_products(ctx, since=None))
    assert report["ok"], report
    assert "graphql.json" in logs.text  # the requests were logged…
    assert DEMO_TOKEN not in logs.text  # …without the token
