"""URLs the store chooses (product images): no private addresses — after DNS resolution, on
every redirect, pinned against DNS rebinding — but the store's own host and
HUB_OUTBOUND_ALLOW; a total time limit per image, a size limit, a per-integration quota; and
events that never echo what an internal address answered (issue 12).

Everything is real HTTP over loopback; only the DNS-name cases patch ``socket.getaddrinfo``
(there is no DNS here)."""

import socket
import time

import pytest
from flask import Flask, Response, request
from hub_testshop.store import tiny_png
from support import run

from hub.http import (
    DownloadFailed,
    OutboundPolicy,
    fetch_limited,
    is_public_address,
    make_public_session,
)
from hub.models import Event, ProductImage
from hub.testing import serve_app

SECRET_BODY = "INTERNAL-ONLY-BODY-7f3a"


def internal_app():
    """Stands for the dashboard (or any internal service) on another loopback port."""
    app = Flask("internal")
    app.hits = []

    @app.before_request
    def note():
        app.hits.append(request.path)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "secret": SECRET_BODY}

    @app.get("/static/logo.png")
    def logo():
        return Response(tiny_png(99), mimetype="image/png")

    @app.get("/boom")
    def boom():
        return Response(SECRET_BODY, status=500, mimetype="text/plain")

    @app.get("/slow.png")
    def slow():
        def drip():
            for _ in range(200):  # 20 s in all, a byte every 0.1 s: no single read times out
                time.sleep(0.1)
                yield b"x"

        return Response(drip(), mimetype="image/png")

    return app


@pytest.fixture
def internal():
    app = internal_app()
    with serve_app(app) as server:
        server.hits = app.hits
        yield server


def _fake_dns(monkeypatch, answers):
    """getaddrinfo for the names in ``answers`` ({name: [ip, …] or callable}); the real one
    for everything else (IP literals included)."""
    real = socket.getaddrinfo
    calls = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            calls.append(host)
            ips = answers[host]() if callable(answers[host]) else answers[host]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in ips]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


def _image_events():
    return {e.reference: e for e in Event.select().where(Event.code == "image_download_failed")}


def _assert_no_echo(events):
    for event in events:
        text = f"{event.message} {event.hint}"
        assert SECRET_BODY not in text and "Connection refused" not in text, text
        assert "Errno" not in text and "Max retries" not in text, text


def test_private_addresses_are_refused_before_any_connection(integration, store, internal):
    port = internal.port
    hostile = {
        "LOOP": f"http://127.0.0.1:{port}/healthz",
        "STATIC": f"http://127.0.0.1:{port}/static/logo.png",
        "NAME": f"http://localhost:{port}/static/logo.png",  # a name that resolves to loopback
        "V6": f"http://[::1]:{port}/healthz",
        "ZERO": f"http://0.0.0.0:{port}/healthz",
        "META": "http://169.254.169.254/latest/meta-data/iam/",
        "PRIV": "http://10.1.2.3/admin.png",
    }
    for i, (sku, url) in enumerate(hostile.items(), start=1):
        store.add_product(i, sku, sku, images=[url])
    store.add_product(50, "OWN", "Own picture", images=[7])  # the store's own host: allowed
    run(integration, "import_new_products")
    result = run(integration, "import_product_images")
    assert result.status == "succeeded_with_errors"
    assert internal.hits == []  # not one request reached the internal service
    events = _image_events()
    for sku in hostile:
        assert events[sku].message.endswith("refused: private address"), events[sku].message
        assert "HUB_OUTBOUND_ALLOW" in events[sku].hint
    _assert_no_echo(events.values())
    assert [i.product.sku for i in ProductImage.select()] == ["OWN"]
    assert (result.created, result.failed) == (1, len(hostile))


def test_a_redirect_to_a_private_address_is_refused(integration, store, internal):
    target = f"http://127.0.0.1:{internal.port}/static/logo.png"
    store.add_product(1, "R302", "Redirected", images=[f"{store.url}/images/go?to={target}"])
    store.add_product(
        2, "R307", "Redirected", images=[f"{store.url}/images/go?code=307&to={target}"]
    )
    home = f"{store.url}/images/go?to=/images/5.png"
    store.add_product(3, "ROK", "Redirected home", images=[home])
    run(integration, "import_new_products")
    result = run(integration, "import_product_images")
    assert internal.hits == []
    events = _image_events()
    assert events["R302"].message.endswith("refused: private address")
    assert events["R307"].message.endswith("refused: private address")
    assert [i.product.sku for i in ProductImage.select()] == ["ROK"]  # redirect on the store
    assert result.created == 1


def test_a_dns_name_that_resolves_to_loopback_is_refused(integration, store, internal, monkeypatch):
    calls = _fake_dns(monkeypatch, {"cdn.example.test": ["127.0.0.1"]})
    store.add_product(
        1, "DNS", "Rebound", images=[f"http://cdn.example.test:{internal.port}/static/logo.png"]
    )
    run(integration, "import_new_products")
    run(integration, "import_product_images")
    assert calls == ["cdn.example.test"] and internal.hits == []
    assert _image_events()["DNS"].message.endswith("refused: private address")


def test_the_checked_address_is_the_connected_address_dns_rebinding(monkeypatch):
    """The name resolves to an allowed address when checked, to loopback afterwards: the
    connection goes to the checked address (pinned), the name is resolved once."""
    internal = internal_app()
    allowed = Flask("allowed")

    @allowed.get("/img.png")
    def img():
        return Response(tiny_png(3), mimetype="image/png")

    with serve_app(internal) as inner, serve_app(allowed, host="127.0.0.2", port=inner.port):
        answers = iter([["127.0.0.2"]])
        calls = _fake_dns(monkeypatch, {"rebind.test": lambda: next(answers, ["127.0.0.1"])})
        session = make_public_session("https://shop.example.test", allow="127.0.0.2/32")
        url = f"http://rebind.test:{inner.port}"
        first = fetch_limited(session, f"{url}/img.png", max_bytes=10_000, deadline=5)
        assert first.data == tiny_png(3)
        # a fresh session: a new connection, a new resolution, now to loopback: refused
        again = make_public_session("https://shop.example.test", allow="127.0.0.2/32")
        with pytest.raises(DownloadFailed, match="refused: private address"):
            fetch_limited(again, f"{url}/static/logo.png", max_bytes=10_000, deadline=5)
    assert calls == ["rebind.test", "rebind.test"]  # once per connection, never re-resolved
    assert internal.hits == []


def test_allow_list_total_time_limit_and_no_echo(integration, store, internal, hub_db):
    hub_db.outbound_allow = ("127.0.0.1",)  # HUB_OUTBOUND_ALLOW: a trusted internal host
    hub_db.image_timeout = 1.0
    base = internal.url
    store.add_product(1, "ALLOWED", "Allowed", images=[f"{base}/static/logo.png"])
    store.add_product(2, "SLOW", "Slow", images=[f"{base}/slow.png"])
    store.add_product(3, "BOOM", "Boom", images=[f"{base}/boom"])
    store.add_product(4, "CLOSED", "Closed", images=["http://127.0.0.1:9/x.png"])
    run(integration, "import_new_products")
    started = time.monotonic()
    result = run(integration, "import_product_images")
    assert time.monotonic() - started < 6  # the slow image is cut at 1 s, not after 20 s
    events = _image_events()
    assert "SLOW" in events and events["SLOW"].message.endswith("took longer than 1 s")
    assert events["BOOM"].message.endswith(": HTTP 500")
    assert events["CLOSED"].message.endswith(": connection failed")
    _assert_no_echo(events.values())
    assert [i.product.sku for i in ProductImage.select()] == ["ALLOWED"]
    assert result.created == 1


def test_image_size_limit(integration, store, hub_db):
    hub_db.image_max_mb = 10 / 1048576  # 10 bytes: smaller than any PNG
    store.add_product(1, "BIG", "Big", images=[3])
    run(integration, "import_new_products")
    run(integration, "import_product_images")
    assert "larger than" in _image_events()["BIG"].message
    assert ProductImage.select().count() == 0


def test_media_quota_per_integration(integration, store, hub_db):
    size = len(tiny_png(1))
    hub_db.media_quota_mb = (size * 2 + 1) / 1048576  # room for two images
    for i in range(1, 6):
        store.add_product(i, f"Q-{i}", f"Quota {i}", images=[i])
    run(integration, "import_new_products")
    result = run(integration, "import_product_images")
    assert result.status == "succeeded_with_errors"  # the run went on, with an Error
    assert ProductImage.select().count() == 2
    quota = Event.get(Event.code == "media_quota_exceeded")
    assert quota.severity == "error" and "HUB_MEDIA_QUOTA_MB" in quota.hint
    assert quota.resolved_at is None
    hub_db.media_quota_mb = 1024
    again = run(integration, "import_product_images")
    assert again.created == 3 and ProductImage.select().count() == 5
    assert Event.get_by_id(quota.id).resolved_at is not None


def test_store_credentials_go_to_the_store_host_only(internal):
    seen = []
    app = Flask("store")

    @app.get("/img.png")
    def img():
        seen.append(request.headers.get("Authorization"))
        return Response(tiny_png(1), mimetype="image/png")

    with serve_app(app) as shop:
        session = make_public_session(
            shop.url, allow="127.0.0.1", store_auth=lambda: ("ws-key-secret", "")
        )
        session.get(f"{shop.url}/img.png").close()
        internal_hits_before = len(internal.hits)
        session.get(f"{internal.url}/static/logo.png").close()
    assert seen[0].startswith("Basic ")
    assert len(internal.hits) == internal_hits_before + 1


def test_address_classification():
    for address in (
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.100.100.200",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "::",
    ):
        assert not is_public_address(address), address
    for address in ("93.184.216.34", "8.8.8.8", "2606:4700::6810:85e5"):
        assert is_public_address(address), address
    policy = OutboundPolicy("https://shop.lan", ("images.lan", ".cdn.lan", "10.9.0.0/16"))
    assert policy.is_store("shop.lan", 443) and policy.is_store("SHOP.LAN.", 80)
    assert not policy.is_store("shop.lan", 8080)
    assert policy.host_allowed("images.lan") and policy.host_allowed("a.cdn.lan")
    assert policy.address_allowed("10.9.3.4") and not policy.address_allowed("10.8.0.1")
