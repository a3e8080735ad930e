"""Faults set through the control API: what a client meets in front of a real WordPress."""

import json

import pytest
import requests


def test_429_500_503_then_normal_service(shop):
    shop.fault("429", retry_after=3)
    shop.fault("500")
    shop.fault("503")
    throttled = shop.get("/products")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    critical = shop.get("/products")
    assert critical.status_code == 500
    assert critical.json()["code"] == "internal_server_error"
    maintenance = shop.get("/products")
    assert maintenance.status_code == 503 and "maintenance" in maintenance.text
    assert shop.get("/products").status_code == 200
    assert shop.control("GET", "state")["faults_pending"] == 0


def test_malformed_answers_a_cut_body_behind_a_php_notice(shop):
    shop.fault("malformed")
    response = shop.get("/products")
    assert response.status_code == 200
    assert response.text.startswith("<br />")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_timeout_and_a_path_filter(shop):
    shop.fault("timeout", delay=1.0, path="/orders")
    assert shop.get("/products").status_code == 200  # the fault waits for an /orders request
    with pytest.raises(requests.exceptions.ReadTimeout):
        shop.session.get(f"{shop.api}/orders", timeout=0.3)
    assert shop.get("/orders").status_code == 200


def test_a_fault_on_a_write_writes_nothing(shop):
    variation = next(r for r in shop.store.products.values() if r["type"] == "variation")
    before = variation["stock_quantity"]
    shop.fault("500", path="/variations/batch")
    body = {"update": [{"id": variation["id"], "stock_quantity": before + 5}]}
    response = shop.post(f"/products/{variation['parent_id']}/variations/batch", body)
    assert response.status_code == 500
    assert shop.store.products[variation["id"]]["stock_quantity"] == before
