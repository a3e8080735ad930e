"""Findings of the review of issues 16-18's changes (security and correctness), each shown
failing before its fix: the add form's sealed credentials, the time-zone cookie, list
filters' dates at the calendar's ends, the overview's per-integration queries and the
bulk-ship CSV's request size. Real SQLite file, the test store over loopback HTTP."""

import logging
import re
import time

import pytest
from hub_testshop.store import TOKEN
from web_support import *  # noqa: F403  (fixtures: app, client, user…)
from web_support import flashes, sign_in


def _draft(client, store, **extra):
    form = {
        "connector": "testshop",
        "name": "New shop",
        "url": store.url,
        "setting_token": TOKEN,
        "action": "test",
        **extra,
    }
    return client.post("/integrations/new", data=form)


def _sealed(page):
    found = re.search(r'name="sealed_secrets" value="([^"]+)"', page)
    return found.group(1) if found else None


# -- the add form's sealed credentials -----------------------------------------------------------


def test_stored_credentials_are_not_taken_for_the_add_forms_sealed_field(
    client, store, integration
):
    """An integration's encrypted credentials (same key) posted as the hidden field must not
    be decrypted and sent to whatever URL the form names."""
    page = _draft(
        client, store, setting_token="", sealed_secrets=integration.secrets_encrypted
    ).get_data(as_text=True)
    assert 'id="draft-connection-ok"' not in page
    assert 'id="draft-connection-failed"' in page
    assert _sealed(page) is None  # nothing carried on


def test_sealed_credentials_open_only_in_the_session_that_sealed_them(app, client, store):
    from hub.models import Integration
    from hub.services.integrations import integration_secrets

    sealed = _sealed(_draft(client, store).get_data(as_text=True))
    assert sealed and TOKEN not in sealed

    other = sign_in(app.test_client())  # the same user, another sign-in
    response = _draft(other, store, setting_token="", sealed_secrets=sealed, action="add")
    added = Integration.get_or_none(Integration.name == "New shop")
    assert added is None or integration_secrets(added) != {"token": TOKEN}
    again = "Type the credentials again: the ones typed earlier are no longer kept."
    assert ("warning", again) in flashes(response)

    response = _draft(client, store, setting_token="", sealed_secrets=sealed)  # the sealer's
    assert 'id="draft-connection-ok"' in response.get_data(as_text=True)


def test_sealed_credentials_expire(hub_db):
    from hub.services.setup import SEAL_TTL, seal_secrets, unseal_secrets

    specs = [{"name": "token", "secret": True}, {"name": "location", "secret": False}]
    now = time.time()
    sealed = seal_secrets({"token": TOKEN, "location": "2"}, specs, "session-a", now=now)
    assert unseal_secrets(sealed, "session-a", now=now + SEAL_TTL - 60) == {"token": TOKEN}
    assert unseal_secrets(sealed, "session-a", now=now + SEAL_TTL + 60) == {}
    assert unseal_secrets(sealed, "session-b", now=now) == {}
    assert unseal_secrets("not-a-token", "session-a") == {}


# -- time zones: the browser's cookie and the names people type ---------------------------------


@pytest.mark.parametrize(
    "value",
    ["America", "Europe", "x" * 300, "../etc", "Mars/Olympus"],
    ids=["directory", "another-directory", "overlong", "relative-path", "unknown"],
)
def test_a_time_zone_cookie_that_names_no_zone_shows_utc(client, seeded, value):
    client.set_cookie("hub_tz", value)
    for url in ("/", "/orders/", f"/orders/{seeded['order'].id}", "/users/me"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "UTC" in response.get_data(as_text=True)


def test_a_zone_database_directory_is_refused_as_a_time_zone(client, integration):
    from hub.models import User

    response = client.post("/users/me/timezone", data={"timezone": "America"})
    assert response.status_code == 302
    assert User.get(User.username == "merchant").timezone is None
    response = client.post(
        f"/integrations/{integration.id}/feeds/stock_check",
        data={"cron": "0 4 * * *", "timezone": "Europe", "enabled": "1"},
    )
    assert response.status_code == 302


# -- list filters' dates at the calendar's ends -------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "/orders/?to=9999-12-31",
        "/orders/?to=9999-12-31T23:59",
        "/orders/?from=0001-01-01",
        "/orders/export.csv?to=9999-12-31",
        "/runs/?from=0001-01-01",
        "/summary?since=0001-01-01T00:00",
    ],
    ids=["to-last-day", "to-last-minute", "from-first-day", "export", "runs", "summary"],
)
def test_a_date_at_the_calendars_end_is_a_bad_input_not_a_crash(client, query):
    client.set_cookie("hub_tz", "Asia/Tokyo")  # ahead of UTC: year 1 becomes year 0
    response = client.get(query)
    assert response.status_code == 400
    assert "out of range" in response.get_data(as_text=True)


# -- the overview's store health: queries independent of the number of integrations -------------


class _Queries(logging.Handler):
    """Counts the SQL statements peewee runs (its DEBUG log: one record a statement)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record):
        self.count += 1

    def __enter__(self):
        log = logging.getLogger("peewee")
        self._level = log.level
        log.setLevel(logging.DEBUG)
        log.addHandler(self)
        return self

    def __exit__(self, *exc):
        log = logging.getLogger("peewee")
        log.removeHandler(self)
        log.setLevel(self._level)


def _stores_down(count, start):
    """``count`` integrations whose last three runs could not reach the store."""
    from datetime import timedelta

    from hub.engine.runs import STORE_UNREACHABLE
    from hub.models import FeedRun, Integration, utcnow

    now = utcnow()
    for n in range(start, start + count):
        integration = Integration.create(
            name=f"Shop {n}", connector="testshop", base_url=f"http://shop{n}.test", settings={}
        )
        for k in range(3):
            when = now - timedelta(minutes=10 * k + 1)
            FeedRun.create(
                integration=integration,
                feed="import_new_orders",
                status="failed",
                attempts=1,
                queued_at=when,
                started_at=when,
                finished_at=when,
                message=f"{STORE_UNREACHABLE}: connection refused",
            )


def test_the_overview_reads_every_stores_health_in_the_same_queries(client, hub_db):
    from hub.services.health import stores_down

    _stores_down(2, 0)
    client.get("/")
    with _Queries() as two:
        assert client.get("/").status_code == 200
    _stores_down(6, 2)
    with _Queries() as eight:
        page = client.get("/").get_data(as_text=True)
    assert len(stores_down()) == 8 and "8 stores not answering" in page
    assert eight.count == two.count


def test_the_bulk_ship_page_reads_the_orders_integrations_in_one_query(client, hub_db):
    from hub.models import Integration, Order, utcnow

    ids = []
    for n in range(8):
        integration = Integration.create(
            name=f"Shop {n}",
            connector="testshop",
            base_url=f"http://shop{n}.test",
            settings={},
            carrier_mapping={"standard": f"Carrier {n}"},
        )
        order = Order.create(
            integration=integration, external_id=f"o{n}", number=f"{1000 + n}", ordered_at=utcnow()
        )
        ids.append(order.id)
    client.get("/orders/ship", query_string={"ids": ids[:2]})
    with _Queries() as two:
        client.get("/orders/ship", query_string={"ids": ids[:2]})
    with _Queries() as eight:
        page = client.get("/orders/ship", query_string={"ids": ids}).get_data(as_text=True)
    assert all(f"Shop {n}" in page and f"Carrier {n}" in page for n in range(8))
    assert eight.count == two.count


# -- request bodies have a bound ----------------------------------------------------------------


def test_an_upload_beyond_the_request_bound_is_refused_before_it_is_read(client, seeded):
    """The CSV's own 2 MB check ran only after the whole body was parsed (spooled to disk,
    without any bound): a body over the app's bound is a 413 as it is read."""
    from io import BytesIO

    from hub.models import Shipment

    big = b"1001,TRACK-1\n" + b"x" * (9 * 1024 * 1024)
    response = client.post(
        "/orders/ship/csv",
        data={"file": (BytesIO(big), "shipments.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "larger than 8 MB" in response.get_data(as_text=True)
    assert Shipment.select().count() == 0


# -- credentials named in a connection failure's text --------------------------------------------


def test_a_store_that_cannot_be_reached_does_not_show_the_signed_url(client, hub_db):
    """WooCommerce over HTTP signs with OAuth1 in the query string: urllib3's "Max retries
    exceeded with url: …?oauth_consumer_key=…&oauth_signature=…" was shown as typed."""
    from hub.models import Integration

    key, secret = "ck_visible1234567890", "cs_secret1234567890"
    form = {
        "connector": "woocommerce",
        "name": "Woo",
        "url": "http://127.0.0.1:1",
        "setting_consumer_key": key,
        "setting_consumer_secret": secret,
    }
    page = client.post("/integrations/new", data={**form, "action": "test"})
    html = page.get_data(as_text=True)
    assert 'id="draft-connection-failed"' in html and "Cannot reach WooCommerce" in html
    assert key not in html and secret not in html
    assert not re.search(r"oauth_signature=(?!\*\*\*)", html)
    assert Integration.select().count() == 0

    response = client.post("/integrations/new", data={**form, "action": "add"})
    added = Integration.get(Integration.name == "Woo")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cannot reach WooCommerce" in html and key not in html
    html = client.post(f"/integrations/{added.id}/check").get_data(as_text=True)
    assert "Cannot reach WooCommerce" in html and key not in html
