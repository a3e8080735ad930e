"""hub.testing.emulator: faults, aliases, error rate, request log, over real HTTP; and
serve_app's stop (how fast: plugins' test times in the closing note, not a timed test)."""

import json

import pytest
import requests
from flask import Flask, Response, jsonify

from hub.testing import serve_app
from hub.testing.emulator import EmulatorKit, Fault


def store_error(fault: Fault) -> Response:
    status = fault.status or {"auth": 401, "429": 429}.get(fault.fault, 503)
    return Response(json.dumps({"errors": [{"code": status}]}), status=status)


def make_app(**kit_options):
    app = Flask("kit_test")
    kit = EmulatorKit(api_prefix="/api", render_error=store_error, **kit_options)
    kit.init_app(app)

    @app.get("/api/items")
    def items():
        return jsonify({"items": [{"id": n, "name": f"item {n}"} for n in range(20)]})

    @app.get("/health")
    def health():
        return "ok"

    return app, kit


@pytest.fixture
def store():
    app, kit = make_app(aliases={"500": {"fault": "5xx", "status": 500}, "throttle": _throttle})
    with serve_app(app) as server:
        server.kit = kit
        yield server


def _throttle(spec):
    return {**spec, "fault": "429", "retry_after": spec.get("delay")}


def fault(store, **spec):
    return requests.post(f"{store.url}/_emulator/faults", json=spec, timeout=5)


def get(store, path="/api/items", **kwargs):
    return requests.get(store.url + path, timeout=kwargs.pop("timeout", 5), **kwargs)


def test_standard_faults_are_served_in_order_then_normal_service(store):
    for spec in ({"fault": "5xx"}, {"fault": "auth"}, {"fault": "429", "retry_after": 7}):
        assert fault(store, **spec).status_code == 200
    first, second, third = get(store), get(store), get(store)
    assert (first.status_code, first.json()) == (503, {"errors": [{"code": 503}]})
    assert second.status_code == 401
    assert third.status_code == 429 and third.headers["Retry-After"] == "7"
    assert get(store).json()["items"][0]["id"] == 0
    assert store.kit.pending() == 0


def test_malformed_cuts_the_body_and_only_api_paths_meet_faults(store):
    fault(store, fault="malformed", count=2)
    assert get(store, "/health").text == "ok"  # not under /api: no fault spent
    bad = get(store)
    assert bad.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad.text)
    assert get(store).text == bad.text  # the second use: the same half of the same body
    whole = get(store).text  # both uses spent
    assert json.loads(whole)["items"] and bad.text == whole[: len(whole) // 2]


def test_slow_is_a_read_timeout_for_the_client(store):
    fault(store, fault="slow", delay=0.6)
    with pytest.raises(requests.exceptions.ReadTimeout):
        get(store, timeout=0.2)
    assert get(store).status_code == 200


def test_path_filter_and_aliases(store):
    fault(store, fault="500", path="/other")
    assert get(store).status_code == 200
    assert store.kit.pending() == 1
    fault(store, fault="throttle", delay=3)
    throttled = get(store)  # the alias's fault comes after the one waiting for /other
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    store.kit.clear_faults()
    fault(store, fault="500")
    assert get(store).status_code == 500


def test_unknown_names_and_bad_values_are_refused_with_the_names_accepted(store):
    refused = fault(store, fault="teapot")
    assert refused.status_code == 400
    assert "5xx|slow|malformed|auth|429|body|500|throttle" in refused.json()["error"]
    assert fault(store, fault="5xx", rate=1.5).status_code == 400
    assert fault(store, fault="5xx", count="many").status_code == 400
    bad_body = requests.post(f"{store.url}/_emulator/faults", data="{", timeout=5)
    assert bad_body.status_code == 400
    assert store.kit.pending() == 0


def test_an_error_rate_fails_about_that_share_of_requests_until_count_is_spent(store):
    fault(store, fault="5xx", rate=0.3, count=1000)
    statuses = [get(store).status_code for _ in range(200)]
    failed = statuses.count(503)
    assert 30 <= failed <= 90, failed  # 60 expected; the generator is seeded
    assert set(statuses) == {200, 503}
    assert store.kit.pending() == 1000 - failed


def test_the_request_log_records_api_requests_with_the_fault_served(store):
    fault(store, fault="500", path="/api/items?page=2")
    get(store, "/api/items?page=1")
    get(store, "/api/items?page=2")
    get(store, "/health")
    log = requests.get(f"{store.url}/_emulator/requests", timeout=5).json()
    assert log == [
        {"method": "GET", "path": "/api/items?page=1", "status": 200, "fault": None},
        {"method": "GET", "path": "/api/items?page=2", "status": 500, "fault": "500"},
    ]
    pending = requests.get(f"{store.url}/_emulator/faults", timeout=5).json()
    assert pending == []
    requests.delete(f"{store.url}/_emulator/requests", timeout=5)
    assert requests.get(f"{store.url}/_emulator/requests", timeout=5).json() == []
    assert store.kit.requests == 2


def test_serve_app_stops_serving():
    app, _ = make_app()
    with serve_app(app) as server:
        assert get(server).status_code == 200
    assert not server.thread.is_alive()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(server.url + "/health", timeout=1)


def test_a_body_fault_answers_json_of_the_wrong_shape_and_a_429_may_lack_retry_after(store):
    fault(store, fault="body", body={"items": "none"})
    fault(store, fault="429", retry_after=None)
    wrong = get(store)
    assert (wrong.status_code, wrong.json()) == (200, {"items": "none"})
    bare = get(store)
    assert bare.status_code == 429 and "Retry-After" not in bare.headers
