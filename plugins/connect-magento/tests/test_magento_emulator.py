"""The emulator speaks Magento: searchCriteria, fields=, page past the end, OAuth checks."""

import time

import pytest
import requests
from connect_magento_emulator import DEMO_CREDENTIALS as D
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1
from requests_oauthlib import OAuth1

from .conftest import OAUTH_SECRETS


def oauth(**overrides):
    values = {
        "client_key": D["consumer_key"],
        "client_secret": D["consumer_secret"],
        "resource_owner_key": D["access_token"],
        "resource_owner_secret": D["access_token_secret"],
        "signature_method": "HMAC-SHA256",
        **overrides,
    }
    return OAuth1(**values)


def get(emulator, path, params=None, auth=None, store="default"):
    return requests.get(
        f"{emulator.url}/rest/{store}/V1/{path}", params=params, auth=auth or oauth(), timeout=10
    )


def sc(groups=(), sort=(), size=None, page=None):
    params = {}
    for g, group in enumerate(groups):
        for f, (field, value, cond) in enumerate(group):
            p = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params.update(
                {f"{p}[field]": field, f"{p}[value]": value, f"{p}[condition_type]": cond}
            )
    for i, (field, direction) in enumerate(sort):
        params[f"searchCriteria[sortOrders][{i}][field]"] = field
        params[f"searchCriteria[sortOrders][{i}][direction]"] = direction
    if size:
        params["searchCriteria[pageSize]"] = size
    if page:
        params["searchCriteria[currentPage]"] = page
    return params


def test_a_page_past_the_end_is_the_last_page_again(emulator):
    total = emulator.state()["products"]
    last = -(-total // 50)
    at_end = get(emulator, "products", sc(sort=[("entity_id", "ASC")], size=50, page=last))
    past = get(emulator, "products", sc(sort=[("entity_id", "ASC")], size=50, page=last + 5))
    assert past.json()["items"] == at_end.json()["items"] and past.json()["items"]
    assert past.json()["total_count"] == total
    assert past.json()["search_criteria"]["current_page"] == last + 5


def test_filter_groups_or_inside_and_between(emulator):
    body = get(
        emulator,
        "orders",
        sc(
            groups=[
                [("state", "canceled", "eq"), ("state", "closed", "eq")],
                [("entity_id", "3", "gt")],
            ]
        ),
    ).json()
    states = {o["state"] for o in body["items"]}
    assert states <= {"canceled", "closed"} and body["items"]
    assert all(o["entity_id"] > 3 for o in body["items"])
    inn = get(emulator, "orders", sc(groups=[[("entity_id", "1,2,3", "in")]])).json()
    assert [o["entity_id"] for o in inn["items"]] == [1, 2, 3]
    like = get(emulator, "products", sc(groups=[[("sku", "CF%", "like")]])).json()
    assert like["items"] and all(p["sku"].startswith("CF") for p in like["items"])


def test_sort_orders_and_fields(emulator):
    body = get(
        emulator,
        "products",
        {
            **sc(sort=[("price", "DESC"), ("entity_id", "ASC")], size=5, page=1),
            "fields": "items[sku,price,extension_attributes[website_ids]],total_count",
        },
    ).json()
    assert set(body) == {"items", "total_count"}
    prices = [p["price"] for p in body["items"]]
    assert prices == sorted(prices, reverse=True)
    assert set(body["items"][0]) == {"sku", "price", "extension_attributes"}
    assert body["items"][0]["extension_attributes"] == {"website_ids": [1]}


def test_page_size_limit_and_missing_search_criteria(emulator):
    too_big = get(emulator, "products", sc(size=301, page=1))
    assert too_big.status_code == 400
    assert too_big.json() == {
        "message": "Maximum SearchCriteria pageSize is %max",
        "parameters": {"max": 300},
    }
    missing = get(emulator, "products")
    assert missing.status_code == 400 and missing.json()["parameters"] == {
        "fieldName": "searchCriteria"
    }


def test_a_bad_signature_gets_magentos_401_body(emulator):
    response = get(emulator, "products", sc(size=1), auth=oauth(client_secret="nope"))
    assert response.status_code == 401
    assert response.json() == {
        "message": "The consumer isn't authorized to access %resources.",
        "parameters": {"resources": "Magento_Catalog::products"},
    }


def test_hmac_sha1_is_refused_like_on_2_4_4(emulator):
    response = get(
        emulator, "products", sc(size=1), auth=oauth(signature_method=SIGNATURE_HMAC_SHA1)
    )
    assert response.status_code == 401
    assert response.json()["message"] == "Signature method %1 is not supported"


def test_a_nonce_cannot_be_used_twice(emulator):
    auth = oauth(nonce="fixed-nonce-1", timestamp=str(int(time.time())))
    assert get(emulator, "store/storeConfigs", auth=auth).status_code == 200
    again = get(emulator, "store/storeConfigs", auth=auth)
    assert again.status_code == 401 and "nonce is already being used" in again.json()["message"]


def test_an_old_timestamp_is_refused(emulator):
    auth = oauth(timestamp=str(int(time.time()) - 3600))
    assert get(emulator, "store/storeConfigs", auth=auth).status_code == 401


def test_admin_token_and_bearer(emulator):
    token = requests.post(
        f"{emulator.url}/rest/V1/integration/admin/token",
        json={"username": D["admin_username"], "password": D["admin_password"]},
        timeout=10,
    ).json()
    assert isinstance(token, str)
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        requests.get(
            f"{emulator.url}/rest/V1/store/storeViews", headers=headers, timeout=10
        ).status_code
        == 200
    )
    integration = {"Authorization": f"Bearer {OAUTH_SECRETS['access_token']}"}
    assert (
        requests.get(
            f"{emulator.url}/rest/V1/store/storeViews", headers=integration, timeout=10
        ).status_code
        == 401
    )


def test_unknown_routes_and_no_msi(emulator):
    assert get(emulator, "nothing/here").json()["message"] == "Request does not match any route."
    assert get(emulator, "inventory/sources").status_code == 200
    emulator.post("/_emulator/config", {"msi": False})
    assert get(emulator, "inventory/sources").status_code == 404


@pytest.mark.parametrize("fault", ["5xx", "throttle", "auth", "malformed"])
def test_faults_hit_the_next_matching_request_only(emulator, fault):
    emulator.fault(fault, count=1, path="/V1/store")
    first = get(emulator, "store/storeConfigs")
    second = get(emulator, "store/storeConfigs")
    assert second.status_code == 200 and second.json()[0]["code"] == "default"
    if fault == "malformed":
        with pytest.raises(ValueError):
            first.json()
    else:
        assert first.status_code == {"5xx": 503, "throttle": 429, "auth": 401}[fault]


def test_media_files_are_served(emulator):
    product = next(p for p in emulator.current.products.values() if p["images"])
    response = requests.get(
        f"{emulator.url}/media/catalog/product{product['images'][0]}", timeout=10
    )
    assert response.status_code == 200 and response.content.startswith(b"\xff\xd8")
    assert (
        requests.get(f"{emulator.url}/media/catalog/product/x/y/none.jpg", timeout=10).status_code
        == 404
    )


def test_the_store_is_deterministic_for_a_seed():
    from connect_magento_emulator.store import Store

    a, b = Store(50, 10, seed=3), Store(50, 10, seed=3)
    assert [p["sku"] for p in a.products.values()] == [p["sku"] for p in b.products.values()]
    assert a.source_items == b.source_items
    assert [o["grand_total"] for o in a.orders.values()] == [
        o["grand_total"] for o in b.orders.values()
    ]
    assert len({p["sku"] for p in a.products.values()}) == len(a.products)  # unique SKUs
