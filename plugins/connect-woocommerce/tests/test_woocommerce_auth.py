"""Authentication chosen from the URL's scheme: OAuth 1.0a over HTTP, Basic over HTTPS."""

import pytest
import requests
from connect_woocommerce import feeds
from connect_woocommerce.client import WooClient
from connect_woocommerce_emulator import DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET
from requests_oauthlib import OAuth1

from hub.errors import AuthenticationError, ConfigurationError


def test_plain_http_is_signed_with_oauth(store, ctx):
    assert WooClient(ctx).auth_method == "oauth1"
    report = feeds.hub_check_connection(ctx)
    assert report["ok"], report
    assert report["details"]["auth"] == "oauth1"
    # WooCommerce refuses Basic credentials over plain HTTP (authenticate: is_ssl() only)
    refused = requests.get(
        f"{store.url}/wp-json/wc/v3/products",
        auth=(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET),
        timeout=10,
    )
    assert refused.status_code == 401


def test_https_uses_basic_auth(emulator, make_ctx, records_of):
    live = emulator(products=5, orders=3, https=True)
    ctx = make_ctx(live)
    assert WooClient(ctx).auth_method == "basic"
    records, _ = records_of("product", feeds.hub_fetch_products(ctx))
    assert records
    assert feeds.hub_check_connection(ctx)["details"]["auth"] == "basic"


@pytest.mark.parametrize("https", [False, True])
def test_a_wrong_secret_raises_authentication_error(emulator, make_ctx, https):
    live = emulator(products=3, orders=0, https=https)
    ctx = make_ctx(live, secret="cs_wrong")
    with pytest.raises(AuthenticationError) as caught:
        list(feeds.hub_fetch_products(ctx))
    assert caught.value.status == 401
    assert "cs_wrong" not in str(caught.value)


def test_missing_credentials_are_a_configuration_error(store, make_ctx):
    with pytest.raises(ConfigurationError, match="consumer_secret"):
        list(feeds.hub_fetch_products(make_ctx(store, secret="")))


@pytest.mark.parametrize("tracking", [True, False])
def test_the_connection_check_reports_the_store(emulator, make_ctx, tracking):
    ctx = make_ctx(emulator(products=3, orders=0, weight_unit="lbs", shipment_tracking=tracking))
    report = feeds.hub_check_connection(ctx)
    assert report["ok"] and report["problems"] == []
    details = report["details"]
    assert (details["weight_unit"], details["currency"]) == ("lbs", "EUR")
    assert details["shipment_tracking"] is tracking
    assert ("shipment_tracking_note" in details) is not tracking
    assert report["connected"] is True


class _Replaying(requests.adapters.HTTPAdapter):
    """Sends the first request twice and answers with the second answer: what the session's
    retry does when an answer is lost after WooCommerce authenticated the request."""

    replays = 1

    def send(self, request, *args, **kwargs):
        if self.replays:
            self.replays -= 1
            super().send(request, *args, **kwargs)
        return super().send(request, *args, **kwargs)


def test_a_replayed_nonce_is_signed_again_once(store, ctx):
    ctx.session.mount("http://", _Replaying())
    wc = WooClient(ctx)
    # the replay is refused ("nonce has already been used"): the client signs a new request
    assert wc.weight_unit() == "kg"
    # the same replay without the client's second signature is refused
    refused = requests.Session()
    refused.mount("http://", _Replaying())
    answer = refused.get(
        f"{store.url}/wp-json/wc/v3/settings/products/woocommerce_weight_unit",
        auth=OAuth1(DEMO_CONSUMER_KEY, client_secret=DEMO_CONSUMER_SECRET),
        timeout=10,
    )
    assert answer.status_code == 401 and "nonce" in answer.text.lower()
