"""hub.toolkit: error mapping over real HTTP, the retry policy, paging, cursors, push results."""

import threading
import time

import pytest
from flask import Flask, jsonify, request

from hub.errors import AuthenticationError, ConfigurationError, StoreRejected, TransientError
from hub.http import make_session
from hub.testing import make_context, serve_app
from hub.toolkit import (
    KeysetCursor,
    PageStream,
    RowStream,
    chunked,
    conflict,
    connection_failed,
    failed,
    notify_customer_setting,
    prefetching,
    pushed,
    raise_for_status,
    send,
    truthy,
    unchanged,
)


def _store():
    app = Flask("toolkit-store")
    hits = {"n": 0}

    @app.route("/status/<int:code>")
    def status(code):
        hits["n"] += 1
        headers = {"Retry-After": request.args["after"]} if "after" in request.args else {}
        return jsonify({"message": f"the store says {code}"}), code, headers

    @app.route("/flaky")
    def flaky():
        hits["n"] += 1
        if hits["n"] <= int(request.args["fail"]):
            return "busy", 503
        return jsonify(ok=True)

    return app, hits


@pytest.fixture
def store():
    app, hits = _store()
    with serve_app(app) as server:
        server.hits = hits
        yield server


def _detail(response):
    return response.json()["message"]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, StoreRejected),
        (409, StoreRejected),
        (422, StoreRejected),
        (429, TransientError),
        (500, TransientError),
        (503, TransientError),
    ],
)
def test_raise_for_status_maps_statuses(store, code, error):
    session = make_session(total_retries=0)
    response = session.get(f"{store.url}/status/{code}")
    with pytest.raises(error) as info:
        raise_for_status(response, f"GET /status/{code}", store="ACME", detail=_detail)
    assert type(info.value) is error
    assert info.value.status == code
    assert f"the store says {code}" in info.value.message
    assert "ACME" in info.value.message and f"GET /status/{code}" in info.value.message


def test_raise_for_status_passes_success_hints_404_and_retry_after(store):
    session = make_session(total_retries=0)
    ok = session.get(f"{store.url}/status/200")
    assert raise_for_status(ok, "GET /status/200") is ok
    missing = session.get(f"{store.url}/status/404")
    with pytest.raises(ConfigurationError) as info:
        raise_for_status(
            missing, "GET /x", not_found=ConfigurationError, hints={404: "Check the URL."}
        )
    assert info.value.hint == "Check the URL."
    assert "HTTP 404" in info.value.message  # the default detail: an excerpt of the body
    throttled = session.get(f"{store.url}/status/429?after=7")
    with pytest.raises(TransientError) as info:
        raise_for_status(throttled, "GET /y")
    assert info.value.retry_after == 7.0 and info.value.retryable


def test_send_maps_connection_failures():
    session = make_session(total_retries=0)
    with pytest.raises(TransientError, match="Cannot reach ACME"):
        send(session, "GET", "http://127.0.0.1:9/nothing", store="ACME", what="GET /nothing")


def test_the_transport_is_the_only_retry_layer_and_waits_through_ctx_sleep(store):
    sleeps = []
    ctx = make_context("acme", store.url, sleep=sleeps.append, fast_retries=False)
    response = ctx.session.get(f"{store.url}/status/503?after=3")
    assert response.status_code == 503
    assert store.hits["n"] == 5  # 1 + 4 retries: the worst case of one call in one run
    assert sleeps == [3.0] * 4  # Retry-After, through the injected clock


def test_a_transient_failure_within_the_retries_succeeds(store):
    sleeps = []
    ctx = make_context("acme", store.url, sleep=sleeps.append)
    response = send(ctx.session, "GET", f"{store.url}/flaky?fail=2", store="ACME")
    assert raise_for_status(response, "GET /flaky").json() == {"ok": True}
    assert store.hits["n"] == 3


def test_build_context_hands_ctx_sleep_to_the_session(monkeypatch):
    from hub.engine import connector as integrations

    seen = {}

    def fake_make_session(**kwargs):
        seen.update(kwargs)
        return make_session()

    class Integration:
        id, name, connector, base_url, settings, mode = 1, "i", "acme", "http://x", {}, "test"

    monkeypatch.setattr(integrations, "make_session", fake_make_session)
    monkeypatch.setattr(integrations, "integration_secrets", lambda i: {})
    sleep = [].append
    ctx = integrations.build_context(Integration(), sleep=sleep)
    assert seen["sleep"] is sleep and ctx.sleep is sleep


# -- paging --------------------------------------------------------------------------------------


def test_page_stream_reads_ahead_in_order_and_stops_on_a_short_page():
    asked = []

    def fetch(offset):
        asked.append(offset)
        return list(range(offset, min(offset + 10, 35)))

    stream = PageStream(fetch, 10, depth=2)
    pages = list(stream)
    assert [len(p) for p in pages] == [10, 10, 10, 5]
    assert [row for page in pages for row in page] == list(range(35))
    assert asked[:4] == [0, 10, 20, 30] and len(asked) <= 5  # read ahead: depth 2


def test_page_stream_starts_at_creation_and_close_cancels():
    started = threading.Event()

    def fetch(offset):
        started.set()
        return list(range(10))

    stream = PageStream(fetch, 10, depth=1)
    assert started.wait(2)  # requested before anybody iterates
    rows = RowStream(stream)
    assert next(rows) == 0
    rows.close()
    assert not stream.futures


def test_page_stream_raises_errors_in_the_caller():
    def fetch(offset):
        if offset:
            raise TransientError("page 2 failed")
        return [1, 2]

    with pytest.raises(TransientError, match="page 2"):
        list(PageStream(fetch, 2))


def test_prefetching_overlaps_fetching_with_the_caller():
    def pages():
        for i in range(4):
            time.sleep(0.05)  # the store answering
            yield [i]

    started = time.perf_counter()
    out = []
    for page in prefetching(pages()):
        time.sleep(0.05)  # the caller mapping
        out.extend(page)
    assert out == [0, 1, 2, 3]
    assert time.perf_counter() - started < 0.38  # 0.4 s one after the other


def test_prefetching_raises_errors_and_stops_when_closed():
    def broken():
        yield [1]
        raise StoreRejected("no")

    with pytest.raises(StoreRejected):
        list(prefetching(broken()))
    endless = prefetching(iter(lambda: [0], None))
    assert next(endless) == [0]
    endless.close()  # returns: the worker is unblocked and ends


def test_chunked():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []
    assert list(chunked(iter("ab"), 5)) == [["a", "b"]]
    with pytest.raises(ValueError):
        list(chunked([1], 0))


# -- cursors, results, settings ------------------------------------------------------------------


def test_keyset_cursor():
    c = KeysetCursor(width=10, empty_time="0000-00-00T00:00:00Z")
    a = c.encode("2026-01-31T22:10:00Z", 1234)
    assert a == "2026-01-31T22:10:00Z|0000001234"
    assert c.encode(None, 5) == "0000-00-00T00:00:00Z|0000000005"
    assert c.id_only(7) == "0000000007"
    assert c.decode(a) == ("2026-01-31T22:10:00Z", 1234)
    assert c.decode("2026-01-01T00:00:00Z") == ("2026-01-01T00:00:00Z", 0)
    assert c.decode("0000000042") == (None, 42)
    assert c.decode(None) == (None, 0)
    assert c.time_of(a) == "2026-01-31T22:10:00Z" and c.time_of(None) is None
    later = c.encode("2026-01-31T22:10:00Z", 99999)
    assert c.after(later, a) and not c.after(a, a) and c.after(a, None)
    assert KeysetCursor().encode("t", 3) == "t|" + "3".zfill(20)


def test_push_results_validate():
    from hub.records import validate_record

    for result in (
        pushed("SKU-1", store_quantity=4, external_id=12),
        unchanged("SKU-1", "already 4", store_quantity=4),
        conflict("SKU-1", "moved", hint="next run", store_quantity=3),
        failed("7", "refused", hint="check it"),
    ):
        assert validate_record("push_result", result)["key"] == result["key"]
    assert pushed("a", external_id=12)["external_id"] == "12"
    assert failed("a", "x")["status"] == "error" and conflict("a", "x")["status"] == "conflict"


def test_settings_helpers():
    assert truthy("Yes") and truthy(True) and truthy("1") and not truthy("false")
    assert not truthy(None) and not truthy("")
    spec = notify_customer_setting("The store emails them.")
    assert spec["name"] == "notify_customer" and spec["default"] is False


def test_connection_failed_reports_the_error_with_its_hint_and_what_was_learnt():
    error = ConfigurationError("the store answered 404 at /api", hint="check the store URL")
    report = connection_failed(error, {"auth": "basic"})
    assert report == {
        "ok": False,
        "store_name": None,
        "details": {"auth": "basic"},
        "problems": ["the store answered 404 at /api (check the store URL)"],
    }
    assert connection_failed(TransientError("timed out"))["problems"] == ["timed out"]
