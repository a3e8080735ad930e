"""Connection check (the key's permissions per resource) and setting choices."""

import pytest
from connect_prestashop import feeds
from connect_prestashop_emulator import READONLY_KEY

from hub.errors import AuthenticationError
from hub.records import validate_record


def test_the_demo_key_passes_the_check(store, ctx):
    report = validate_record("connection_report", feeds.hub_check_connection(ctx))
    assert report["ok"] is True and report["problems"] == []
    assert report["store_name"] == "Hub Demo Shop"
    assert report["details"]["version"] == "8.1.7"
    assert report["details"]["write_method"] == "PATCH"


def test_missing_permissions_are_reported_by_resource(store, make_ctx):
    report = feeds.hub_check_connection(make_ctx(store, key=READONLY_KEY))
    validate_record("connection_report", report)
    assert report["ok"] is False
    assert "missing permission POST on order_histories" in report["problems"]
    assert "missing permission GET on product_suppliers" in report["problems"]
    assert "missing permission PATCH on stock_availables" in report["problems"]
    assert "missing permission PATCH on order_carriers" in report["problems"]


def test_a_17_store_needs_put(emulator, make_ctx):
    live = emulator(version="1.7.8.11")
    report = feeds.hub_check_connection(make_ctx(live, key=READONLY_KEY))
    assert "missing permission PUT on stock_availables" in report["problems"]
    assert feeds.hub_check_connection(make_ctx(live))["details"]["write_method"] == "PUT"


def test_a_refused_key_raises_authentication_error(store, make_ctx):
    with pytest.raises(AuthenticationError) as caught:
        feeds.hub_check_connection(make_ctx(store, key="B" * 32))
    assert "refused" in caught.value.message and caught.value.hint


def test_a_disabled_webservice_is_a_failed_check(emulator, make_ctx):
    report = feeds.hub_check_connection(make_ctx(emulator(webservice_enabled=False)))
    validate_record("connection_report", report)
    assert report["ok"] is False and "disabled" in report["problems"][0]


def test_setting_choices_come_from_the_store(emulator, make_ctx):
    live = emulator(state_ids_offset=20)
    ctx = make_ctx(live)
    states = feeds.hub_setting_choices(ctx, "shipped_state_id")
    for choice in states:
        validate_record("setting_choice", choice)
    assert states[0] == {"value": "24", "label": "Shipped (id 24)"}  # the store's default first
    assert len(states) == 13
    languages = feeds.hub_setting_choices(ctx, "language_id")
    assert [c["value"] for c in languages] == ["1", "2"]
    assert feeds.hub_setting_choices(ctx, "nothing") is None
