"""Issue 18, "The agency view and time": times in each user's time zone, schedules in words,
one Save for an integration's schedule table with a warning for heavy feeds, users managed
from the dashboard (and a user changing their own password), removing an integration with
what happens to its data spelled out."""

import re
from datetime import datetime

import pytest
from click.testing import CliRunner
from web_support import *  # noqa: F403  (fixtures: app, user, client, seeded…)
from web_support import PASSWORD, flashes, sign_in

from hub.cli import cli


@pytest.fixture
def operator(hub_db):
    from hub.services.users import create_user

    return create_user("bob", PASSWORD, is_admin=False)


def _text(response):
    return response.get_data(as_text=True)


def _can_sign_in(app, username, password):
    response = app.test_client().post("/login", data={"username": username, "password": password})
    return response.status_code == 302


# -- time zones ------------------------------------------------------------------------------


def test_each_user_sees_times_in_their_zone(app, client, user, operator):
    from hub.models import User

    User.update(created_at=datetime(2026, 1, 15, 12, 0)).where(User.id == operator.id).execute()
    page = f"/users/{operator.id}"

    first = _text(client.get(page))
    assert "2026-01-15 12:00 UTC" in first  # nothing known yet: UTC…
    assert "data-zone-unknown" in first  # …and hub.js reloads once it has set the cookie

    client.set_cookie("hub_tz", "America/New_York")  # what hub.js sets: the browser's zone
    shown = _text(client.get(page))
    assert "2026-01-15 07:00 EST" in shown and "12:00 UTC" not in shown
    assert "data-zone-unknown" not in shown

    response = client.post("/users/me/timezone", data={"timezone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert User.get_by_id(user.id).timezone == "Asia/Tokyo"
    shown = _text(client.get(page))
    assert "2026-01-15 21:00 JST" in shown  # the setting wins over the browser's

    # a relative time carries the absolute one, in the same zone, for hovering
    User.update(last_login_at=datetime(2026, 1, 15, 12, 0)).where(User.id == operator.id).execute()
    hovered = re.search(
        r'<time datetime="2026-01-15T12:00:00\+00:00" title="([^"]+)">', _text(client.get(page))
    )
    assert hovered and hovered.group(1) == "2026-01-15 21:00 JST"

    # the operator, without a setting, still sees UTC on the same row
    bob = sign_in(app.test_client(), "bob")
    bob_page = _text(bob.get("/users/me"))
    assert "My browser's" in bob_page and 'Asia/Tokyo" selected' not in bob_page


def test_an_unknown_time_zone_is_refused_and_empty_means_the_browsers(client, user):
    from hub.models import User

    response = client.post(
        "/users/me/timezone", data={"timezone": "Mars/Olympus"}, follow_redirects=True
    )
    assert any(kind == "error" and "unknown timezone" in text for kind, text in flashes(response))
    assert User.get_by_id(user.id).timezone is None
    client.post("/users/me/timezone", data={"timezone": "Europe/Paris"})
    client.post("/users/me/timezone", data={"timezone": ""})
    assert User.get_by_id(user.id).timezone is None


def test_a_bad_zone_cookie_falls_back_to_utc(client, user):
    from hub.models import User

    User.update(created_at=datetime(2026, 7, 1, 8, 30)).where(User.id == user.id).execute()
    client.set_cookie("hub_tz", "Nowhere/Special")
    assert "2026-07-01 08:30 UTC" in _text(client.get(f"/users/{user.id}"))


# -- schedules -----------------------------------------------------------------------------


def _schedule_form(integration, **changes):
    """The schedule table's fields as stored, with ``changes``: {feed: (cron, tz, enabled)}."""
    from hub.models import FeedSetting

    data = {}
    for fs in FeedSetting.select().where(FeedSetting.integration == integration):
        cron, tz, enabled = changes.get(fs.feed, (fs.cron or "", fs.timezone, fs.enabled))
        data[f"cron__{fs.feed}"] = cron
        data[f"timezone__{fs.feed}"] = tz
        if enabled:
            data[f"enabled__{fs.feed}"] = "1"
    return data


def _feed(integration, feed):
    from hub.models import FeedSetting

    return FeedSetting.get(FeedSetting.integration == integration, FeedSetting.feed == feed)


def test_schedules_are_shown_in_words(client, integration):
    from hub.engine.schedule import update_feed_setting

    update_feed_setting(integration, "import_new_orders", cron="0 4 * * 1", timezone="Europe/Paris")
    page = _text(client.get(f"/integrations/{integration.id}"))
    assert "at 04:00, only on Monday Europe/Paris" in page
    assert f'action="/integrations/{integration.id}/schedules"' in page
    assert "Save schedules" in page and page.count(">Save</button>") == 0  # one Save, not one a row


def test_one_save_saves_every_feed(client, integration):
    changes = {
        "import_new_orders": ("*/10 * * * *", "Europe/Paris", True),
        "import_new_products": ("5 * * * *", "UTC", False),
    }
    response = client.post(
        f"/integrations/{integration.id}/schedules", data=_schedule_form(integration, **changes)
    )
    assert response.status_code == 302
    orders, products = (
        _feed(integration, "import_new_orders"),
        _feed(integration, "import_new_products"),
    )
    assert (orders.cron, orders.timezone, orders.enabled) == ("*/10 * * * *", "Europe/Paris", True)
    assert orders.next_run_at is not None
    assert (products.cron, products.enabled, products.next_run_at) == ("5 * * * *", False, None)


def test_a_never_firing_cron_is_a_form_error_and_nothing_is_saved(client, integration):
    before = _feed(integration, "import_new_products").cron
    changes = {
        "import_new_products": ("7 * * * *", "UTC", True),
        "import_new_orders": ("0 4 31 2 *", "UTC", True),  # there is no 31 February
    }
    response = client.post(
        f"/integrations/{integration.id}/schedules", data=_schedule_form(integration, **changes)
    )
    assert response.status_code == 400  # the form again, not a 500
    page = _text(response)
    assert "never fires" in page and 'class="row-error"' in page
    assert 'value="0 4 31 2 *"' in page and 'value="7 * * * *"' in page  # as typed
    assert any(kind == "error" and "Nothing saved" in text for kind, text in flashes(response))
    assert _feed(integration, "import_new_products").cron == before
    assert _feed(integration, "import_new_orders").cron != "0 4 31 2 *"


@pytest.mark.parametrize(
    "cron,count",
    [
        ("0 * * * *", 24),
        ("*/30 * * * *", 48),
        ("30 2 * * *", 1),
        ("0 4 * * 1", 0),
        ("* * * * *", 1440),
    ],
    ids=["hourly", "half-hourly", "nightly", "mondays", "every-minute"],
)
def test_firings_per_day(cron, count):
    from hub.services.schedules import firings_per_day

    assert firings_per_day(cron, "Europe/Paris") == count  # 2024-01-03 is a Wednesday


def test_a_heavy_feed_more_often_than_hourly_is_warned(client, integration):
    from hub.engine.schedule import check_feed_available

    check_feed_available(integration, "update_products")  # the test shop has the feed
    url = f"/integrations/{integration.id}/schedules"
    half_hourly = {"update_products": ("*/30 * * * *", "UTC", True)}
    response = client.post(
        url, data=_schedule_form(integration, **half_hourly), follow_redirects=True
    )
    shown = flashes(response)
    assert any(k == "success" for k, _ in shown), shown
    assert any(k == "warning" and "48 times a day" in t for k, t in shown), shown
    assert _feed(integration, "update_products").cron == "*/30 * * * *"  # saved all the same
    page = _text(client.get(f"/integrations/{integration.id}"))
    assert page.count('class="small text-warning heavy-feed-warning"') == 1

    hourly = {"update_products": ("0 * * * *", "UTC", True)}
    response = client.post(url, data=_schedule_form(integration, **hourly), follow_redirects=True)
    assert not any(k == "warning" for k, _ in flashes(response))
    assert "heavy-feed-warning" not in _text(response)


# -- users ---------------------------------------------------------------------------------


def test_an_admin_creates_deactivates_and_resets_users(app, client, user):
    from hub.models import User

    response = client.post(
        "/users/", data={"username": "carol", "password": "carol-password-1", "role": "operator"}
    )
    carol = User.get(User.username == "carol")
    assert response.location.endswith(f"/users/{carol.id}") and not carol.is_admin
    assert _can_sign_in(app, "carol", "carol-password-1")

    client.post(f"/users/{carol.id}/role", data={"role": "admin"})
    assert User.get_by_id(carol.id).is_admin

    short = client.post(
        f"/users/{carol.id}/password", data={"password": "short"}, follow_redirects=True
    )
    assert any(k == "error" and "at least 8" in t for k, t in flashes(short))
    carol_client = sign_in(app.test_client(), "carol", "carol-password-1")
    client.post(f"/users/{carol.id}/password", data={"password": "a-new-one-for-carol"})
    assert not _can_sign_in(app, "carol", "carol-password-1")
    assert _can_sign_in(app, "carol", "a-new-one-for-carol")
    assert "/login" in carol_client.get("/").location  # her sessions ended

    client.post(f"/users/{carol.id}/deactivate")
    assert not User.get_by_id(carol.id).active
    assert not _can_sign_in(app, "carol", "a-new-one-for-carol")
    client.post(f"/users/{carol.id}/activate")
    assert _can_sign_in(app, "carol", "a-new-one-for-carol")


def test_an_operator_manages_only_their_own_settings(app, user, operator):
    bob = sign_in(app.test_client(), "bob")
    assert bob.get("/users/").status_code == 403
    assert bob.post(f"/users/{user.id}/password", data={"password": "x" * 10}).status_code == 403
    assert bob.get("/users/me").status_code == 200
    assert bob.post("/users/me/timezone", data={"timezone": "Europe/Berlin"}).status_code == 302


def test_a_user_changes_their_own_password(app, operator):
    bob = sign_in(app.test_client(), "bob")
    elsewhere = sign_in(app.test_client(), "bob")
    url = "/users/me/password"

    wrong = bob.post(
        url,
        data={
            "current_password": "not it",
            "new_password": "bob-new-pass",
            "repeat_password": "bob-new-pass",
        },
        follow_redirects=True,
    )
    assert any(k == "error" and "current password" in t for k, t in flashes(wrong))
    differ = bob.post(
        url,
        data={
            "current_password": PASSWORD,
            "new_password": "bob-new-pass",
            "repeat_password": "bob-other",
        },
        follow_redirects=True,
    )
    assert any(k == "error" and "differ" in t for k, t in flashes(differ))
    assert _can_sign_in(app, "bob", PASSWORD)

    done = bob.post(
        url,
        data={
            "current_password": PASSWORD,
            "new_password": "bob-new-pass",
            "repeat_password": "bob-new-pass",
        },
        follow_redirects=True,
    )
    assert any(k == "success" and "Password changed" in t for k, t in flashes(done))
    assert _can_sign_in(app, "bob", "bob-new-pass") and not _can_sign_in(app, "bob", PASSWORD)
    assert bob.get("/users/me").status_code == 200  # still signed in here…
    assert "/login" in elsewhere.get("/").location  # …signed out everywhere else


def test_guessing_the_current_password_is_throttled_like_a_sign_in(app, operator):
    """A session left open is not a way around the sign-in throttle: after 5 wrong current
    passwords the form waits, the right one included, and a sign-in as that user waits too."""
    bob = sign_in(app.test_client(), "bob")

    def change(current):
        response = bob.post(
            "/users/me/password",
            data={
                "current_password": current,
                "new_password": "bob-new-pass",
                "repeat_password": "bob-new-pass",
            },
            follow_redirects=True,
        )
        return [t for k, t in flashes(response) if k == "error"]

    for guess in range(5):
        assert any("current password" in t for t in change(f"guess-{guess}"))
    assert any("too many failed sign-ins" in t for t in change(PASSWORD))
    assert not _can_sign_in(app, "bob", PASSWORD)  # the sign-in waits as well
    from werkzeug.security import check_password_hash

    from hub.models import User

    assert check_password_hash(User.get(User.username == "bob").password_hash, PASSWORD)


def test_the_passwd_and_timezone_commands(hub_db, operator):
    from hub.models import User

    runner = CliRunner()
    result = runner.invoke(cli, ["users", "passwd", "bob", "--password", "from-the-terminal"])
    assert result.exit_code == 0, result.output
    assert "password of bob changed" in result.output
    from hub.services.users import authenticate

    assert authenticate("bob", "from-the-terminal") is not None
    refused = runner.invoke(cli, ["users", "passwd", "bob", "--password", "short"])
    assert refused.exit_code != 0 and "at least 8" in refused.output
    assert (
        runner.invoke(cli, ["users", "passwd", "nobody", "--password", "long-enough"]).exit_code
        != 0
    )

    result = runner.invoke(cli, ["users", "timezone", "bob", "Europe/Lisbon"])
    assert result.exit_code == 0 and User.get_by_id(operator.id).timezone == "Europe/Lisbon"
    assert runner.invoke(cli, ["users", "timezone", "bob", "Atlantis/Central"]).exit_code != 0
    assert runner.invoke(cli, ["users", "timezone", "bob"]).exit_code == 0
    assert User.get_by_id(operator.id).timezone is None


# -- removing an integration ------------------------------------------------------------------


@pytest.fixture
def shipped(seeded):
    """Besides ``seeded``'s open order (2 units of MUG-1 reserved): a shipped order with its
    addresses, and another integration whose order must not be touched."""
    from hub.models import Address, Order, OrderLine, utcnow
    from hub.services import orders, stock
    from hub.services.integrations import create_integration

    integration, product, wh = seeded["integration"], seeded["product"], seeded["warehouse"]
    address = Address.create(name="Ada Lovelace", city="London", country_code="GB")
    order = Order.create(
        integration=integration,
        external_id="o2",
        number="1002",
        ordered_at=utcnow(),
        warehouse=wh,
        shipping_address=address,
        billing_address=Address.create(name="Ada Lovelace", country_code="GB"),
    )
    OrderLine.create(order=order, external_id="o2-0", sku="MUG-1", product=product, quantity=1)
    stock.reserve(product.id, wh.id, 1, reference_id=order.id, reference=order.number)
    orders.ship_order(order, carrier="UPS", tracking_number="1Z999")
    other = create_integration("Other shop", "testshop", "http://other.example", {"token": "t"})
    kept = Order.create(
        integration=other, external_id="x1", number="9001", ordered_at=utcnow(), warehouse=wh
    )
    OrderLine.create(order=kept, external_id="x1-0", sku="MUG-1", product=product, quantity=3)
    stock.reserve(product.id, wh.id, 3, reference_id=kept.id, reference=kept.number)
    return {**seeded, "shipped": order, "other": other, "kept": kept}


def test_the_removal_page_spells_out_what_happens(client, shipped):
    integration = shipped["integration"]
    page = _text(client.get(f"/integrations/{integration.id}/remove"))
    for item, text in [
        ("plan-orders", "<strong>2</strong> orders"),
        ("plan-runs", "<strong>1</strong> feed run "),
        ("plan-events", "<strong>1</strong> event "),
        (
            "plan-reservations",
            "<strong>1</strong> open order still reserve <strong>2</strong> units",
        ),
    ]:
        row = re.search(rf'id="{item}">(.*?)</li>', page, re.S)
        assert row and text in row.group(1), (item, row and row.group(1))
    assert "stock level and the movement history are kept" in page
    assert f'href="/integrations/{integration.id}/remove"' in _text(
        client.get(f"/integrations/{integration.id}")
    )


def test_removing_an_integration_does_what_the_page_says(client, shipped):
    from hub.models import (
        Address,
        Binding,
        Event,
        FeedRun,
        HeldRecord,
        Integration,
        Order,
        OrderLine,
        Product,
        Shipment,
        StockLevel,
        StockMovement,
    )
    from hub.services import stock

    integration, product, wh = shipped["integration"], shipped["product"], shipped["warehouse"]
    level = StockLevel.get(product=product, warehouse=wh)
    assert (level.on_hand, level.reserved) == (9, 5)  # 10 counted, 1 shipped; 2 + 3 reserved
    movements = StockMovement.select().count()

    response = client.post(f"/integrations/{integration.id}/remove")
    assert response.status_code == 302 and response.location.endswith("/integrations/")
    assert Integration.get_or_none(Integration.id == integration.id) is None
    for model in (Order, FeedRun, Event, HeldRecord, Binding):
        assert not model.select().where(model.integration == integration.id).exists(), model
    assert Shipment.select().count() == 0 and Address.select().count() == 0
    assert [o.number for o in Order.select()] == ["9001"]  # the other store's order stays
    assert OrderLine.select().count() == 1

    level = StockLevel.get(product=product, warehouse=wh)
    assert (level.on_hand, level.reserved) == (9, 3)  # the open order's 2 units released
    released = list(
        StockMovement.select()
        .where(StockMovement.id > 0)
        .order_by(StockMovement.id.desc())
        .limit(1)
    )
    assert released[0].type == "release" and released[0].reference == "1001"
    assert "removed" in released[0].reason
    assert StockMovement.select().count() == movements + 1  # the history is kept
    assert Product.select().count() == 2
    assert stock.verify_ledger() == []


def test_removal_is_refused_while_a_run_is_running(client, shipped):
    from hub.models import FeedRun, Integration, Order, utcnow

    integration = shipped["integration"]
    run = FeedRun.create(
        integration=integration, feed="import_new_orders", status="running", started_at=utcnow()
    )
    page = _text(client.get(f"/integrations/{integration.id}/remove"))
    assert 'id="running"' in page and f"#{run.id}" in page
    response = client.post(f"/integrations/{integration.id}/remove")
    assert response.status_code == 200
    assert any(k == "error" and "running" in t for k, t in flashes(response))
    assert Integration.get_by_id(integration.id) and Order.select().count() == 3


def test_only_an_admin_removes_an_integration(app, shipped, user, operator):
    from hub.models import Integration

    integration = shipped["integration"]
    bob = sign_in(app.test_client(), "bob")
    assert bob.get(f"/integrations/{integration.id}/remove").status_code == 403
    assert bob.post(f"/integrations/{integration.id}/remove").status_code == 403
    assert Integration.get_by_id(integration.id)
    assert f"/integrations/{integration.id}/remove" not in _text(
        bob.get(f"/integrations/{integration.id}")
    )


def test_the_cli_removes_the_same_way(hub_db, shipped):
    from hub.models import Order, StockLevel

    result = CliRunner().invoke(cli, ["integrations", "remove", "Test shop", "--yes"])
    assert result.exit_code == 0, result.output
    assert [o.number for o in Order.select()] == ["9001"]
    level = StockLevel.get(product=shipped["product"], warehouse=shipped["warehouse"])
    assert level.reserved == 3


# -- the migration -----------------------------------------------------------------------------


def test_users_from_before_0007_see_their_browsers_zone(tmp_path):
    from playhouse.migrations import Runner

    from hub.db import db, open_database
    from hub.models import User
    from hub.models.schema import MIGRATIONS_DIR, upgrade

    database = open_database(f"sqlite:///{tmp_path / 'old.db'}")
    runner = Runner(database, str(MIGRATIONS_DIR), table_name="hub_schema_migration")
    runner.up(target="0006_discrepancy_ignored")
    database.execute_sql(
        "INSERT INTO user (username, password_hash, is_admin, active, created_at) "
        "VALUES ('old', 'x', 1, 1, '2025-01-01 00:00:00')"
    )
    db.initialize(database)
    assert "0007_user_timezone" in upgrade()
    assert User.get(User.username == "old").timezone is None
