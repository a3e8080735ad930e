"""WooCommerce's REST authentication (class-wc-rest-authentication.php) as the emulator checks it,
driven by a real OAuth 1.0a client (requests-oauthlib / oauthlib) over loopback HTTP."""

import time

import requests
from connect_woocommerce_emulator import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    READONLY_CONSUMER_KEY,
    READONLY_CONSUMER_SECRET,
)
from oauthlib.oauth1 import SIGNATURE_TYPE_QUERY, Client
from requests_oauthlib import OAuth1


def signed_url(url, key=DEMO_CONSUMER_KEY, secret=DEMO_CONSUMER_SECRET, **client_options):
    client = Client(
        key, client_secret=secret, signature_type=SIGNATURE_TYPE_QUERY, **client_options
    )
    uri, _headers, _body = client.sign(url)
    return uri


def test_oauth_query_and_header_signatures_sha1_and_sha256_are_accepted(shop):
    url = f"{shop.api}/products?per_page=3&orderby=id&order=asc"
    for auth in (
        OAuth1(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, signature_type="query"),
        OAuth1(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET),  # Authorization: OAuth header
        OAuth1(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, signature_method="HMAC-SHA256"),
    ):
        response = requests.get(url, auth=auth, timeout=10)
        assert response.status_code == 200, response.text
        assert len(response.json()) == 3


def test_signature_covers_the_query_parameters(shop):
    uri = signed_url(f"{shop.api}/products?per_page=3")
    tampered = uri.replace("per_page=3", "per_page=4")
    response = requests.get(tampered, timeout=10)
    assert response.status_code == 401
    assert response.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "Invalid signature - provided signature does not match.",
        "data": {"status": 401},
    }


def test_a_wrong_secret_or_unknown_key_is_refused(shop):
    wrong = requests.get(signed_url(f"{shop.api}/products", secret="cs_wrong"), timeout=10)
    assert wrong.status_code == 401
    assert wrong.json()["message"] == "Invalid signature - provided signature does not match."
    unknown = requests.get(signed_url(f"{shop.api}/products", key="ck_nobody"), timeout=10)
    assert unknown.status_code == 401
    assert unknown.json()["message"] == "Consumer key is invalid."


def test_a_nonce_is_single_use_and_the_timestamp_window_is_15_minutes(shop):
    uri = signed_url(f"{shop.api}/products")
    assert requests.get(uri, timeout=10).status_code == 200
    replay = requests.get(uri, timeout=10)
    assert replay.status_code == 401
    assert replay.json()["message"] == "Invalid nonce - nonce has already been used."
    stale = signed_url(f"{shop.api}/products", timestamp=str(int(time.time()) - 16 * 60))
    response = requests.get(stale, timeout=10)
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid timestamp."


def test_missing_oauth_parameters_are_named(shop):
    uri = signed_url(f"{shop.api}/products")
    base, _, query = uri.partition("?")
    kept = [p for p in query.split("&") if not p.startswith("oauth_nonce=")]
    without_nonce = base + "?" + "&".join(kept)
    response = requests.get(without_nonce, timeout=10)
    assert response.status_code == 401
    assert response.json()["code"] == "woocommerce_rest_authentication_missing_parameter"
    assert response.json()["message"] == "Missing OAuth parameter oauth_nonce"


def test_basic_auth_over_plain_http_is_ignored_so_the_request_is_anonymous(shop):
    response = requests.get(
        f"{shop.api}/products", auth=(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET), timeout=10
    )
    assert response.status_code == 401
    assert response.json()["code"] == "woocommerce_rest_cannot_view"
    query = requests.get(
        f"{shop.api}/products",
        params={"consumer_key": DEMO_CONSUMER_KEY, "consumer_secret": DEMO_CONSUMER_SECRET},
        timeout=10,
    )
    assert query.status_code == 401


def test_basic_auth_over_https(emulator):
    shop = emulator(https=True)
    ok = requests.get(
        f"{shop.api}/products",
        auth=(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET),
        verify=shop.verify,
        timeout=10,
    )
    assert ok.status_code == 200
    assert ok.headers["X-WP-Total"] == "30"
    wrong = requests.get(
        f"{shop.api}/products", auth=(DEMO_CONSUMER_KEY, "cs_wrong"), verify=shop.verify, timeout=10
    )
    assert wrong.status_code == 401
    assert wrong.json()["message"] == "Consumer secret is invalid."
    assert wrong.headers["WWW-Authenticate"].startswith('Basic realm="WooCommerce API.')


def test_a_read_key_cannot_write_and_writes_nothing(shop):
    product = shop.get("/products", type="simple", per_page=1).json()[0]
    auth = OAuth1(READONLY_CONSUMER_KEY, READONLY_CONSUMER_SECRET, signature_type="query")
    assert (
        requests.get(f"{shop.api}/products/{product['id']}", auth=auth, timeout=10).status_code
        == 200
    )
    response = requests.put(
        f"{shop.api}/products/{product['id']}", json={"name": "x"}, auth=auth, timeout=10
    )
    assert response.status_code == 401
    assert response.json()["message"] == "The API key provided does not have write permissions."
    assert shop.get(f"/products/{product['id']}").json()["name"] == product["name"]


def test_an_authentication_error_answers_before_routing(shop):
    response = requests.get(signed_url(f"{shop.api}/nowhere", secret="cs_wrong"), timeout=10)
    assert response.status_code == 401
    assert shop.get("/nowhere").status_code == 404
    assert shop.get("/nowhere").json()["code"] == "rest_no_route"


def test_array_parameters_break_the_signature_as_on_woocommerce(shop):
    """PHP reads ``include[]=1&include[]=2`` as an array and WooCommerce signs it as
    ``include[0]=1&include[1]=2``; a standard OAuth client signs the names as sent, so the
    signatures differ. A comma-separated list signs fine."""
    ids = [p["id"] for p in shop.get("/products", per_page=2).json()]
    array_style = requests.get(
        signed_url(f"{shop.api}/products?include%5B%5D={ids[0]}&include%5B%5D={ids[1]}"), timeout=10
    )
    assert array_style.status_code == 401
    assert array_style.json()["message"] == "Invalid signature - provided signature does not match."
    comma = requests.get(signed_url(f"{shop.api}/products?include={ids[0]},{ids[1]}"), timeout=10)
    assert comma.status_code == 200 and {p["id"] for p in comma.json()} == set(ids)


def test_basic_over_http_when_the_site_says_it_is_secure(emulator):
    """``require_https_basic=False``: a site behind a TLS-terminating proxy that sets
    ``$_SERVER['HTTPS']``, where ``is_ssl()`` is true although the hop is plain HTTP."""
    shop = emulator(require_https_basic=False)
    response = requests.get(
        f"{shop.api}/products", auth=(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET), timeout=10
    )
    assert response.status_code == 200
