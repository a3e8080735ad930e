"""`hub -v` logs every library at DEBUG: the webservice key (HTTP basic auth) never reaches a
log line, nor does it travel in a URL (issue 12)."""

from connect_prestashop import feeds
from connect_prestashop_emulator import DEMO_KEY

from hub.testing.logs import capture_all_logs


def test_webservice_key_stays_out_of_debug_logs(store, ctx):
    with capture_all_logs() as logs:
        report = feeds.hub_check_connection(ctx)
        list(feeds.hub_fetch_new_products(ctx, since=None))
    assert report["ok"], report
    assert "/api/" in logs.text  # the requests were logged…
    assert DEMO_KEY not in logs.text  # …without the key
    assert "ws_key=" not in logs.text.replace("ws_key=***", "")
