"""Authentication, sessions, users and roles (issue 12, "Authentication and sessions"):
the redirect after sign-in, the sign-in throttle, server-side sessions (sign-out, remember-me,
sign out everywhere, deactivation), what an operator and an admin may open on the dashboard
and the API, the user commands, cookie and cache headers, the database file's mode."""

import json
import stat
from datetime import timedelta

import pytest
from click.testing import CliRunner
from web_support import *  # noqa: F403  (fixtures: app, user, client, anon…)
from web_support import PASSWORD, build, make_app, rules, sign_in

from hub.cli import cli
from hub.settings import get_settings

# -- the role table -----------------------------------------------------------------------
# Every dashboard and API endpoint, by who may use it. A new route must be added to one of
# these tables (and to hub.web.roles.OPERATOR_ENDPOINTS when operators may use it).

ADMIN_ONLY = {
    # integrations: settings, credentials, mappings, schedules, go-live / test mode
    "integrations.new",
    "integrations.edit",
    "integrations.mappings",
    "integrations.feed_schedule",
    "integrations.schedules",
    "integrations.remove",
    "integrations.go_live",
    "integrations.test_mode",
    "integrations.register_webhooks",  # writes the store's webhook subscriptions
    # warehouses
    "inventory.create_warehouse",
    "inventory.rename_warehouse",
    "inventory.activate_warehouse",
    "inventory.deactivate_warehouse",
    # users, their tokens and sessions
    "users.index",
    "users.create",
    "users.show",
    "users.role",
    "users.activate",
    "users.deactivate",
    "users.delete",
    "users.sign_out",
    "users.reset_password",
    "users.revoke_token_view",
}
OPERATOR = {
    "overview.index",
    "overview.runs_chart",
    "overview.summary_page",
    "integrations.index",
    "integrations.show",
    "integrations.check",
    "integrations.setup_checklist",
    "integrations.run_now",
    "runs.index",
    "runs.show",
    "runs.progress",
    "runs.apply_discrepancy",
    "runs.apply_discrepancies",
    "runs.export",
    "events.index",
    "events.show",
    "alerts.index",
    "events.resolve_view",
    "events.retry",
    "events.bulk",
    "events.export",
    "catalog.index",
    "catalog.show",
    "catalog.export",
    "catalog.stock_chart",
    "catalog.image",
    "catalog.relink",
    "catalog.unlink",
    "orders.index",
    "orders.show",
    "orders.held",
    "orders.held_retry",
    "outbox.index",
    "orders.export",
    "orders.ship",
    "orders.ship_many",
    "orders.ship_csv",
    "orders.cancel",
    "inventory.index",
    "inventory.movements",
    "inventory.export",
    "inventory.adjust",
    "inventory.transfer",
    "purchasing.index",
    "purchasing.show",
    "purchasing.export",
    "purchasing.recommendations",
    "purchasing.supplier",
    "purchasing.create",
    "purchasing.add_line",
    "purchasing.mark_ordered",
    "purchasing.receive",
    "purchasing.cancel",
    "purchasing.create_from_recommendations",
    "purchasing.create_supplier",
    "purchasing.link_product",
    "auth.logout",
    "auth.logout_everywhere",
    "auth.tokens",
    "auth.create",
    "auth.revoke",
    "auth.sessions",
    "auth.end_session",
    "users.me",
    "users.me_timezone",
    "users.me_password",
}
API_ADMIN_ONLY = {
    "api.post_webhooks",  # it writes the store's webhook subscriptions
    "api.post_integration",  # it stores credentials
}
API_OPERATOR = {
    "api.get_webhooks",
    "api.list_products",
    "api.get_product",
    "api.list_orders",
    "api.get_order",
    "api.list_stock",
    "api.create_shipment",
    "api.create_shipments",
    "api.list_runs",
    "api.get_run",
    "api.create_run",
    "api.list_events",
    "api.get_event",
    "api.resolve_event",
    "api.list_integrations",
    "api.get_integration_view",
    "api.check_integration",
}
SIGNS_OUT = {"auth.logout", "auth.logout_everywhere"}


@pytest.fixture
def operator(hub_db):
    from hub.services.users import create_user

    return create_user("bob", PASSWORD, is_admin=False)


def _cookie(client, name):
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


# -- roles --------------------------------------------------------------------------------


def test_the_role_table_names_every_route(app):
    from hub.web.roles import OPERATOR_ENDPOINTS

    dashboard = {rule.endpoint for _, rule in rules(app)}
    assert not ADMIN_ONLY & OPERATOR
    assert dashboard == ADMIN_ONLY | OPERATOR, (
        "classify these routes in tests/test_security_auth.py (and hub.web.roles): "
        f"{sorted(dashboard ^ (ADMIN_ONLY | OPERATOR))}"
    )
    assert set(OPERATOR_ENDPOINTS) == OPERATOR
    api = {rule.endpoint for _, rule in rules(app, prefix="/api/")}
    assert api == API_ADMIN_ONLY | API_OPERATOR, sorted(api ^ (API_ADMIN_ONLY | API_OPERATOR))


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_every_dashboard_route_for_both_roles(app, seeded, user, operator, role):
    client = sign_in(app.test_client(), "bob" if role == "operator" else "merchant")
    checked = 0
    for method, rule in rules(app):
        url = build(rule)
        response = client.open(url, method=method, data={})
        forbidden = role == "operator" and rule.endpoint in ADMIN_ONLY
        if forbidden:
            assert response.status_code == 403, (role, method, url, response.status_code)
            assert b"for admins" in response.data
        else:
            assert response.status_code not in (401, 403), (role, method, url)
            assert "/login" not in (response.location or "") or rule.endpoint in SIGNS_OUT, (
                role,
                method,
                url,
            )
        if rule.endpoint in SIGNS_OUT:
            sign_in(client, "bob" if role == "operator" else "merchant")
        checked += 1
    assert checked >= 69


def test_operator_cannot_change_an_integration(app, seeded, operator):
    integration = seeded["integration"]
    client = sign_in(app.test_client(), "bob")
    page = client.get(f"/integrations/{integration.id}")
    assert page.status_code == 200
    response = client.post(
        f"/integrations/{integration.id}/go-live", data={"confirm": "1"}, follow_redirects=False
    )
    assert response.status_code == 403
    from hub.models import Integration

    assert Integration.get_by_id(integration.id).mode == "test"
    assert client.get("/users/").status_code == 403
    assert client.get("/integrations/new").status_code == 403


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_every_api_route_for_both_roles(app, seeded, user, operator, role):
    from hub.services.users import create_token

    token = create_token(user if role == "admin" else operator, "t")
    client = app.test_client()
    checked = 0
    for method, rule in rules(app, prefix="/api/"):
        response = client.open(
            build(rule), method=method, json={}, headers={"Authorization": f"Bearer {token}"}
        )
        if role == "operator" and rule.endpoint in API_ADMIN_ONLY:
            assert response.status_code == 403, (method, rule.rule)
        else:
            assert response.status_code not in (401, 403), (role, method, rule.rule)
        checked += 1
    assert checked >= 14


def test_an_admin_api_route_refuses_operators(app, seeded, user, operator, monkeypatch):
    import hub.api.routes as routes
    from hub.services.users import create_token

    monkeypatch.setattr(routes, "ADMIN_ENDPOINTS", {"api.list_products"})
    client = app.test_client()
    bob = {"Authorization": f"Bearer {create_token(operator)}"}
    merchant = {"Authorization": f"Bearer {create_token(user)}"}
    response = client.get("/api/v1/products", headers=bob)
    assert response.status_code == 403 and "admin" in response.get_json()["error"]
    assert client.get("/api/v1/products", headers=merchant).status_code == 200
    assert client.get("/api/v1/orders", headers=bob).status_code == 200


def test_admin_pages_hidden_from_operators(app, seeded, user, operator):
    """Operators do not see the links and forms that would answer 403."""
    integration = seeded["integration"].id
    admin_only = {
        "/": ['href="/users/"', 'href="/integrations/new"'],
        f"/integrations/{integration}": [
            f'href="/integrations/{integration}/edit"',
            f'action="/integrations/{integration}/go-live"',
            f'action="/integrations/{integration}/schedules"',
            f'href="/integrations/{integration}/remove"',
            "Save mappings",
        ],
        "/integrations/": ['href="/integrations/new"'],
        "/inventory/": ['action="/inventory/warehouses"', "/rename"],
    }
    bob = sign_in(app.test_client(), "bob")
    merchant = sign_in(app.test_client(), "merchant")
    for url, markers in admin_only.items():
        as_operator = bob.get(url).get_data(as_text=True)
        as_admin = merchant.get(url).get_data(as_text=True)
        for marker in markers:
            assert marker not in as_operator, (url, marker)
            assert marker in as_admin, (url, marker)
    page = bob.get(f"/integrations/{integration}").get_data(as_text=True)
    assert "Run now" in page and "Test connection" in page


# -- the redirect after sign-in -----------------------------------------------------------

EVIL_TARGETS = [
    "//evil.example/",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "///evil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", EVIL_TARGETS)
@pytest.mark.parametrize("where", ["query", "form"])
def test_sign_in_redirects_only_to_this_site(app, user, target, where):
    from urllib.parse import quote

    client = app.test_client()
    data = {"username": "merchant", "password": PASSWORD}
    url = "/login"
    if where == "query":
        url += "?next=" + quote(target, safe="")
    else:
        data["next"] = target
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert response.location == "/", (target, response.location)


def test_sign_in_keeps_a_local_next(app, user):
    response = app.test_client().post(
        "/login?next=%2Forders%2F%3Fstatus%3Dto_ship",
        data={"username": "merchant", "password": PASSWORD},
    )
    assert response.location == "/orders/?status=to_ship"


def test_tab_in_next_is_refused_exactly_as_reported(app, user):
    """The issue's request: POST /login?next=/%09/evil.example answered //evil.example."""
    response = app.test_client().post(
        "/login?next=/%09/evil.example", data={"username": "merchant", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_form_back_links_stay_on_this_site(client, user, seeded):
    from hub.services.users import create_token

    event = seeded["event"]
    for target in EVIL_TARGETS:
        response = client.post(f"/events/{event.id}/resolve", data={"next": target})
        assert response.location == f"/events/{event.id}", (target, response.location)
    create_token(user, "t")
    from hub.models import ApiToken

    token = ApiToken.get()
    for referrer in ("http://localhost//evil.example/x", "http://localhost/\t/evil.example"):
        response = client.post(f"/account/tokens/{token.id}/revoke", headers={"Referer": referrer})
        assert response.location == "/account/tokens", referrer
    response = client.post(
        f"/account/tokens/{token.id}/revoke", headers={"Referer": "http://localhost/runs/?x=1"}
    )
    assert response.location == "/runs/?x=1"


def test_safe_path():
    from hub.web.common import safe_path

    for target in EVIL_TARGETS:
        assert safe_path(target) is None, target
    assert safe_path("/orders/?status=held") == "/orders/?status=held"
    assert safe_path("/") == "/"
    assert safe_path(None) is None and safe_path("") is None


# -- the sign-in throttle -----------------------------------------------------------------


def _failed_sign_in(client, username="merchant", password="wrong password"):  # noqa: S107
    return client.post("/login", data={"username": username, "password": password})


def test_failed_sign_ins_are_throttled_and_recorded(app, user):
    from hub.models import LoginAttempt
    from hub.services.users import ACCOUNT_FREE_FAILURES

    client = app.test_client()
    for _ in range(ACCOUNT_FREE_FAILURES):
        assert _failed_sign_in(client).status_code == 401
    # now even the right password waits: the attacker learns nothing
    response = client.post("/login", data={"username": "merchant", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert b"Too many failed sign-ins" in response.data
    failed = LoginAttempt.select().where(LoginAttempt.ok == False)  # noqa: E712
    assert failed.count() == ACCOUNT_FREE_FAILURES
    assert {a.username for a in failed} == {"merchant"}
    assert {a.address for a in failed} == {"127.0.0.1"}
    # another account from another address is not held up
    from hub.services.users import create_user

    create_user("carol", PASSWORD)
    other = app.test_client()
    response = other.post(
        "/login",
        data={"username": "carol", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert response.status_code == 302


def test_the_delay_grows_and_then_lets_the_user_in(hub_db, user):
    from hub.models import utcnow
    from hub.services.users import (
        ACCOUNT_FREE_FAILURES,
        MAX_DELAY,
        LoginThrottled,
        authenticate,
        login_delay,
    )

    at, delays = utcnow(), []
    for _ in range(ACCOUNT_FREE_FAILURES + 12):
        wait = login_delay("merchant", "1.2.3.4", at)
        if wait:  # refused without looking at the password, even the right one
            with pytest.raises(LoginThrottled) as refused:
                authenticate("merchant", PASSWORD, "1.2.3.4", now=at)
            assert refused.value.retry_after == wait
            at += timedelta(seconds=wait)
        assert authenticate("merchant", "wrong password", "1.2.3.4", now=at) is None
        delays.append(login_delay("merchant", "1.2.3.4", at))
    free = ACCOUNT_FREE_FAILURES
    assert delays[: free - 1] == [0] * (free - 1)
    grown = delays[free - 1 :]
    assert grown[:5] == [1, 2, 4, 8, 16]
    assert grown == sorted(grown) and grown[-1] == MAX_DELAY
    # once the delay has passed, the right password works, and success resets the count
    later = at + timedelta(seconds=MAX_DELAY)
    assert authenticate("merchant", PASSWORD, "1.2.3.4", now=later) is not None
    assert login_delay("merchant", "5.6.7.8", later) == 0


def test_one_address_trying_many_names_is_throttled(hub_db, user):
    from hub.models import utcnow
    from hub.services.users import ADDRESS_FREE_FAILURES, LoginThrottled, authenticate

    now = utcnow()
    for i in range(ADDRESS_FREE_FAILURES):
        assert authenticate(f"guess{i}", "x", "6.6.6.6", now=now) is None
    with pytest.raises(LoginThrottled):
        authenticate("merchant", PASSWORD, "6.6.6.6", now=now)
    assert authenticate("merchant", PASSWORD, "7.7.7.7", now=now) is not None


def test_unknown_user_names_cost_a_password_check(hub_db, user, monkeypatch):
    """The same work (one hash check) for unknown and known names: the time does not tell."""
    import hub.services.users as users

    checked = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    assert users.authenticate("nobody", "whatever1", "1.1.1.1") is None
    assert users.authenticate("merchant", "whatever1", "1.1.1.2") is None
    assert len(checked) == 2
    dummy, real_hash = checked
    assert dummy.split("$")[0] == real_hash.split("$")[0]  # same method and cost


def test_unknown_and_known_names_take_about_the_same_time(hub_db, user):
    import time

    from hub.services.users import authenticate

    authenticate("warm-up", "x", "9.9.9.0")

    def timed(name, address):
        start = time.perf_counter()
        authenticate(name, "wrong password", address)
        return time.perf_counter() - start

    unknown = sorted(timed(f"nobody{i}", f"9.9.9.{i}") for i in range(1, 4))[1]
    known = sorted(timed("merchant", f"9.9.8.{i}") for i in range(1, 4))[1]
    assert unknown > known / 3, (unknown, known)


# -- sessions -----------------------------------------------------------------------------


def test_a_saved_session_cookie_dies_with_sign_out(app, user):
    client = sign_in(app.test_client())
    saved = _cookie(client, "session")
    assert client.get("/").status_code == 200
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert thief.get("/").status_code == 200  # the copy works while signed in…
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.location  # …and not after


def _remembered(app):
    client = app.test_client()
    response = client.post(
        "/login", data={"username": "merchant", "password": PASSWORD, "remember": "1"}
    )
    assert response.status_code == 302
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")
    )
    return client, _cookie(client, "remember_token"), header


def test_remember_me_is_random_short_and_revocable(app, user):
    from email.utils import parsedate_to_datetime

    from hub.models import utcnow

    first, token, header = _remembered(app)
    _, other, _ = _remembered(app)
    assert token != other  # a new one for every sign-in
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    assert expires.replace(tzinfo=None) - utcnow() <= timedelta(days=30, minutes=1)
    # the remember-me cookie alone signs in…
    fresh = app.test_client()
    fresh.set_cookie("remember_token", token)
    assert fresh.get("/").status_code == 200
    # …until its sign-in ends
    assert first.post("/logout").status_code == 302
    fresh = app.test_client()
    fresh.set_cookie("remember_token", token)
    assert fresh.get("/").status_code == 302
    fresh = app.test_client()
    fresh.set_cookie("remember_token", other)
    assert fresh.get("/").status_code == 200  # the other sign-in is untouched


def test_sign_out_everywhere(app, user):
    laptop = sign_in(app.test_client())
    phone, token, _ = _remembered(app)
    assert phone.get("/account/sessions").status_code == 200
    assert b"(this one)" in phone.get("/account/sessions").data
    response = laptop.post("/logout/everywhere")
    assert response.status_code == 302 and "/login" in response.location
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    fresh = app.test_client()
    fresh.set_cookie("remember_token", token)
    assert fresh.get("/").status_code == 302


def test_end_one_session(app, user):
    from hub.models import UserSession

    laptop = sign_in(app.test_client())
    phone = sign_in(app.test_client())
    ids = [s.id for s in UserSession.select().order_by(UserSession.id)]
    assert laptop.post(f"/account/sessions/{ids[1]}/end").status_code == 302
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200


def test_deactivated_user_is_out_at_once(app, user, operator):
    from hub.services.users import create_token, get_user, set_active

    bob = sign_in(app.test_client(), "bob")
    token = create_token(operator)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/products", headers=headers).status_code == 200
    set_active(get_user("bob"), False)
    assert bob.get("/").status_code == 302
    assert api.get("/api/v1/products", headers=headers).status_code == 401
    assert (
        app.test_client().post("/login", data={"username": "bob", "password": PASSWORD}).status_code
        == 401
    )
    set_active(get_user("bob"), True)
    assert bob.get("/").status_code == 302  # the ended session does not come back
    sign_in(app.test_client(), "bob")


def test_admin_manages_users_in_the_dashboard(app, user, operator):
    from hub.models import ApiToken, User
    from hub.services.users import create_token

    admin = sign_in(app.test_client())
    bob = sign_in(app.test_client(), "bob")
    create_token(operator, "scanner")
    page = admin.get(f"/users/{operator.id}")
    assert page.status_code == 200 and b"scanner" in page.data
    assert b"Recent failed sign-ins" in admin.get("/users/").data
    token = ApiToken.get(ApiToken.user == operator.id)
    assert admin.post(f"/users/tokens/{token.id}/revoke").status_code == 302
    assert ApiToken.get_by_id(token.id).revoked_at is not None
    assert admin.post(f"/users/{operator.id}/deactivate").status_code == 302
    assert bob.get("/").status_code == 302
    assert admin.post(f"/users/{operator.id}/activate").status_code == 302
    assert admin.post(f"/users/{operator.id}/role", data={"role": "admin"}).status_code == 302
    assert User.get_by_id(operator.id).is_admin
    response = admin.post("/users/", data={"username": "dave", "password": PASSWORD})
    assert response.status_code == 302 and not User.get(User.username == "dave").is_admin
    assert admin.post(f"/users/{operator.id}/delete").status_code == 302
    assert User.get_or_none(User.id == operator.id) is None
    # the last admin cannot lock everyone out
    dave = User.get(User.username == "dave")
    admin.post(f"/users/{dave.id}/delete")
    admin.post(f"/users/{user.id}/deactivate")
    assert User.get_by_id(user.id).active
    assert admin.get("/").status_code == 200


def test_operator_manages_only_their_own_tokens(app, user, operator):
    from hub.services.users import create_token

    create_token(user, "admin's")
    from hub.models import ApiToken

    theirs = ApiToken.get(ApiToken.user == user.id)
    bob = sign_in(app.test_client(), "bob")
    assert bob.post(f"/account/tokens/{theirs.id}/revoke").status_code == 404
    assert bob.post(f"/users/tokens/{theirs.id}/revoke").status_code == 403
    assert ApiToken.get_by_id(theirs.id).revoked_at is None


# -- the user commands --------------------------------------------------------------------


@pytest.fixture
def run_cli(hub_db):
    runner = CliRunner()

    def invoke(*args, code=0, input=None):
        result = runner.invoke(cli, [str(a) for a in args], input=input)
        assert result.exit_code == code, (result.output, result.stderr, result.exception)
        return result

    return invoke


def test_user_commands(app, run_cli, user, operator):
    from hub.models import User
    from hub.services.users import create_token

    bob = sign_in(app.test_client(), "bob")
    token = create_token(operator, "scanner")
    headers = {"Authorization": f"Bearer {token}"}
    rows = json.loads(run_cli("users", "list", "--json").stdout)
    assert {r["username"]: r["role"] for r in rows} == {"bob": "operator", "merchant": "admin"}

    tokens = json.loads(run_cli("users", "tokens", "bob", "--json").stdout)
    assert [t["name"] for t in tokens] == ["scanner"] and token not in json.dumps(tokens)
    assert tokens[0]["prefix"] == token[:10] and tokens[0]["revoked_at"] is None

    run_cli("users", "deactivate", "bob")
    assert bob.get("/").status_code == 302
    assert app.test_client().get("/api/v1/products", headers=headers).status_code == 401
    run_cli("users", "activate", "bob")
    assert app.test_client().get("/api/v1/products", headers=headers).status_code == 200

    run_cli("users", "revoke-token", "bob", tokens[0]["prefix"])
    assert app.test_client().get("/api/v1/products", headers=headers).status_code == 401
    assert json.loads(run_cli("users", "tokens", "bob", "--json").stdout)[0]["revoked_at"]
    run_cli("users", "revoke-token", "bob", "999", code=2)

    bob = sign_in(app.test_client(), "bob")
    assert "1 sessions ended" in run_cli("users", "sign-out", "bob").stdout
    assert bob.get("/").status_code == 302

    run_cli("users", "role", "bob", "admin")
    assert User.get(User.username == "bob").is_admin
    _failed_sign_in(app.test_client(), "bob")
    failed = json.loads(run_cli("users", "sign-ins", "--failed", "--json").stdout)
    assert failed[0]["username"] == "bob" and failed[0]["ok"] is False

    run_cli("users", "delete", "bob", input="n\n", code=1)
    run_cli("users", "delete", "bob", "--yes")
    assert User.get_or_none(User.username == "bob") is None
    result = run_cli("users", "delete", "merchant", "--yes", code=2)
    assert "last active admin" in result.stderr
    run_cli("users", "deactivate", "nobody", code=2)


# -- headers, cookies, files --------------------------------------------------------------


def test_new_token_page_is_not_stored(client):
    response = client.post("/account/tokens", data={"name": "t"})
    assert response.status_code == 200 and b"new-token" in response.data
    assert "no-store" in response.headers["Cache-Control"]


def test_cookies_are_secure_over_https(hub_db, user, monkeypatch):
    monkeypatch.setattr(get_settings(), "secure_cookies", "auto")  # HUB_SECURE_COOKIES
    app = make_app(WTF_CSRF_ENABLED=False)
    data = {"username": "merchant", "password": PASSWORD, "remember": "1"}
    https = app.test_client().post("/login", data=data, base_url="https://hub.example")
    cookies = https.headers.getlist("Set-Cookie")
    assert len(cookies) == 2 and all("; Secure" in c for c in cookies), cookies
    http = app.test_client().post("/login", data=data)
    assert not any("Secure" in c for c in http.headers.getlist("Set-Cookie"))
    monkeypatch.setattr(get_settings(), "secure_cookies", False)
    app = make_app(WTF_CSRF_ENABLED=False)
    response = app.test_client().post("/login", data=data, base_url="https://hub.example")
    assert not any("Secure" in c for c in response.headers.getlist("Set-Cookie"))


def test_https_behind_a_trusted_proxy(hub_db, user, monkeypatch):
    monkeypatch.setattr(get_settings(), "trusted_proxies", 1)  # HUB_TRUSTED_PROXIES
    app = make_app(WTF_CSRF_ENABLED=False)
    from hub.models import LoginAttempt

    response = app.test_client().post(
        "/login",
        data={"username": "merchant", "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
    )
    assert "; Secure" in response.headers["Set-Cookie"]
    assert LoginAttempt.get().address == "203.0.113.7"


def test_database_files_are_private(hub_db):
    from hub.models import Product

    Product.create(sku="X", name="x")
    for name in ("hub.db", "hub.db-wal"):
        path = hub_db.instance_dir / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    from hub.tasks import make_huey

    make_huey(f"sqlite:///{hub_db.instance_dir / 'other-queue.db'}")
    mode = stat.S_IMODE((hub_db.instance_dir / "other-queue.db").stat().st_mode)
    assert mode == 0o600


def test_old_numeric_session_ids_are_refused(app, user):
    """Sessions from before server-side sessions (user id in the cookie) sign in no more."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert client.get("/").status_code == 302
