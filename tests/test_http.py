"""The HTTP session connectors get: retries with Retry-After, timeouts, redaction."""

import logging

from flask import Flask, jsonify, request

from hub.http import make_session, redact
from hub.testing import serve_app


def flaky_app(statuses):
    app = Flask("flaky")
    calls = []

    @app.route("/thing", methods=["GET", "POST"])
    def thing():
        calls.append(request.headers.get("User-Agent"))
        if len(calls) <= len(statuses):
            status, retry_after = statuses[len(calls) - 1]
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return jsonify({"error": "busy"}), status, headers
        return jsonify({"ok": True})

    return app, calls


def test_retries_429_and_5xx_honouring_retry_after():
    app, calls = flaky_app([(429, 0), (503, None), (502, None)])
    with serve_app(app) as server:
        response = make_session(backoff_factor=0).get(f"{server.url}/thing")
    assert response.status_code == 200 and len(calls) == 4
    assert calls[0].startswith("connect-hub/")


def test_gives_up_and_returns_the_last_answer():
    app, calls = flaky_app([(503, None)] * 10)
    with serve_app(app) as server:
        response = make_session(backoff_factor=0, total_retries=2).post(f"{server.url}/thing")
    assert response.status_code == 503 and len(calls) == 3


def test_secrets_are_redacted_from_logs(caplog):
    session = make_session(secrets=["s3cr3t-value"])
    app, _ = flaky_app([])
    caplog.set_level(logging.DEBUG)
    with serve_app(app) as server:
        session.get(f"{server.url}/thing?ws_key=s3cr3t-value&page=2")
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("hub", "urllib3"))]
    assert any("/thing" in line for line in ours)
    assert not any("s3cr3t-value" in line for line in ours), ours
    assert any("ws_key=***" in line for line in ours)
    assert redact("token=abc&x=1") == "token=***&x=1"


def test_session_once_never_resends_a_request_the_store_received():
    from hub.testing import make_context

    app, calls = flaky_app([(503, None)] * 10)
    with serve_app(app) as server:
        ctx = make_context("testshop", server.url)
        response = ctx.session_once.post(f"{server.url}/thing", json={"ship": 1})
    assert response.status_code == 503 and len(calls) == 1


def test_transport_retries_sleep_through_an_injected_clock():
    from hub.testing import make_context

    slept = []
    app, calls = flaky_app([(429, 7), (503, None)])
    with serve_app(app) as server:
        ctx = make_context("testshop", server.url, sleep=slept.append)
        response = ctx.session.get(f"{server.url}/thing")
    assert response.status_code == 200 and len(calls) == 3
    assert slept[0] == 7  # the store's Retry-After, honoured without a real wait
