"""Every dashboard route: signed-out access refused, CSRF enforced, unknown ids give 404,
security headers and cookie flags."""

import pytest
from web_support import *  # noqa: F403  (fixtures: app, client, seeded…)
from web_support import build, csrf_token, make_app, rules
from werkzeug.routing import IntegerConverter

from hub.settings import get_settings


def test_every_page_requires_sign_in(app, anon):
    checked = 0
    for method, rule in rules(app):
        url = build(rule, int_value=1)
        response = anon.open(url, method=method)
        assert response.status_code == 302, (method, url, response.status_code)
        assert "/login" in response.location, (method, url)
        checked += 1
    assert checked > 40


def test_public_endpoints(anon):
    assert anon.get("/login").status_code == 200
    assert anon.get("/healthz").status_code in (200, 503)
    assert anon.get("/api/v1/openapi.json").status_code == 200
    assert anon.get("/static/hub.css").status_code == 200


def test_unknown_ids_give_404(app, client):
    """Unknown ids, and ids beyond what a database holds (an OverflowError and a 500 before
    issue 12), are a 404 on every route that takes one."""
    checked = 0
    for method, rule in rules(app):
        if not any(isinstance(rule._converters[a], IntegerConverter) for a in rule.arguments):
            continue
        for value in (999999, 2**63, 10**30):
            response = client.open(build(rule, value), method=method)
            assert response.status_code == 404, (method, rule.rule, value, response.status_code)
        checked += 1
    assert checked > 20


def test_unknown_feed_of_integration_is_404(client, integration):
    assert client.post(f"/integrations/{integration.id}/feeds/nope/run").status_code == 404
    assert client.post(f"/integrations/{integration.id}/feeds/nope").status_code == 404


def test_csrf_is_enforced_on_every_form(hub_db, user, integration):
    app = make_app()  # CSRF on, as in production
    client = app.test_client()
    # without a token even signing in is refused
    assert client.post("/login", data={"username": "merchant", "password": "x"}).status_code == 400
    token = csrf_token(client, "/login")
    from web_support import PASSWORD

    response = client.post(
        "/login", data={"username": "merchant", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    checked = 0
    for method, rule in rules(app):
        if method != "POST":
            continue
        response = client.post(build(rule, int_value=1), data={})
        assert response.status_code == 400, (rule.rule, response.status_code)
        assert b"form expired" in response.data
        checked += 1
    assert checked > 15
    # with the token, a form goes through
    token = csrf_token(client, "/account/tokens")
    response = client.post("/account/tokens", data={"name": "t", "csrf_token": token})
    assert response.status_code == 200 and b"new-token" in response.data


def test_security_headers(anon):
    for url in ("/login", "/healthz", "/static/hub.css"):
        response = anon.get(url)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_session_cookie_flags(app, user):
    client = app.test_client()
    response = client.post(
        "/login", data={"username": "merchant", "password": "correct horse battery"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookies_when_asked(hub_db, user, monkeypatch):
    monkeypatch.setattr(get_settings(), "secure_cookies", True)  # HUB_SECURE_COOKIES=1
    app = make_app(WTF_CSRF_ENABLED=False)
    response = app.test_client().post(
        "/login", data={"username": "merchant", "password": "correct horse battery"}
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_sign_in_and_out(app, user):
    client = app.test_client()
    response = client.post("/login", data={"username": "merchant", "password": "wrong"})
    assert response.status_code == 401 and b"wrong password" in response.data
    response = client.post(
        "/login?next=/orders/",
        data={"username": "merchant", "password": "correct horse battery", "next": "/orders/"},
    )
    assert response.location.endswith("/orders/")
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_open_redirect_refused(app, user):
    client = app.test_client()
    response = client.post(
        "/login",
        data={
            "username": "merchant",
            "password": "correct horse battery",
            "next": "//evil.example.com/",
        },
    )
    assert "evil" not in response.location


def test_inactive_user_is_signed_out(client, user):
    user.active = False
    user.save()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("url", ["/nope", "/products/abc"])
def test_unknown_pages(client, url):
    assert client.get(url).status_code == 404
