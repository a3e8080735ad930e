"""Issue 14 §4–§5: /metrics, JSON logs, progress on a terminal, schedules in words."""

import json

from support import hub_cli
from web_support import *  # noqa: F403  (fixtures: app, client, seeded…)

from hub.engine.schedule import describe_cron

# -- schedules in words -------------------------------------------------------------------


def test_cron_in_words():
    assert describe_cron("*/15 * * * *", "Europe/Paris") == "every 15 minutes"
    assert describe_cron("30 2 * * *", "Europe/Paris") == "daily at 02:30 Europe/Paris"
    assert describe_cron("0 * * * *") == "every hour"
    assert describe_cron("0 3 * * 1", "UTC") == "at 03:00, only on Monday UTC"
    assert describe_cron(None) == "manual"
    assert describe_cron("@daily") == "@daily"  # what it cannot word is shown as it is


def test_integration_page_shows_schedules_in_words(client, seeded):
    from hub.engine.schedule import update_feed_setting

    integration = seeded["integration"]
    update_feed_setting(integration, "update_products", cron="30 2 * * *", timezone="Europe/Paris")
    update_feed_setting(integration, "import_new_orders", cron="*/15 * * * *")
    html = client.get(f"/integrations/{integration.id}").get_data(as_text=True)
    assert "<code>30 2 * * *</code>" in html or 'value="30 2 * * *"' in html
    assert "daily at 02:30 Europe/Paris" in html
    assert "every 15 minutes" in html


def test_feeds_list_shows_schedules_in_words(integration):
    from hub.engine.schedule import update_feed_setting

    update_feed_setting(integration, "update_products", cron="30 2 * * *", timezone="Europe/Paris")
    listed = json.loads(hub_cli("feeds", "list", "Test shop", "--json", check=True).stdout)
    by_feed = {f["feed"]: f for f in listed}
    assert by_feed["update_products"]["schedule"] == "daily at 02:30 Europe/Paris"
    table = hub_cli("feeds", "list", "Test shop", check=True).stdout
    assert "daily at 02:30 Europe/Paris" in table
