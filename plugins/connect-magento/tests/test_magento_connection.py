"""Connection check and setting choices."""

import pytest
from connect_magento import feeds

from hub.errors import AuthenticationError
from hub.records import validate_record

from .conftest import OAUTH_SECRETS


def test_check_connection_reports_store_version_and_msi(ctx, emulator):
    report = validate_record("connection_report", feeds.hub_check_connection(ctx))
    assert report["ok"] is True and report["problems"] == []
    assert report["store_name"] == "Default Store View"
    details = report["details"]
    assert details["version"] == "Magento/2.4 (Community)"
    assert details["msi"] is True and details["sources"] == ["default", "eu_warehouse"]
    assert details["weight_unit"] == "lbs" and details["base_currency_code"] == "USD"
    assert details["auth_method"] == "oauth"


def test_check_connection_with_bad_credentials_raises_with_the_reason(make_ctx):
    with pytest.raises(AuthenticationError) as info:
        feeds.hub_check_connection(
            make_ctx(secrets={**OAUTH_SECRETS, "access_token_secret": "nope"})
        )
    assert "isn't authorized to access Magento_Backend::store" in info.value.message


def test_check_connection_when_the_store_is_down_reports_the_problem(ctx, emulator):
    emulator.fault("5xx", count=100, status=500)
    report = validate_record("connection_report", feeds.hub_check_connection(ctx))
    assert report["ok"] is False and "500" in report["problems"][0]


def test_check_connection_flags_a_wrong_source_code(make_ctx):
    report = feeds.hub_check_connection(make_ctx(settings={"source_code": "nowhere"}))
    assert report["ok"] is False
    assert "source_code 'nowhere'" in report["problems"][0]


def test_check_connection_flags_an_unknown_store_code(make_ctx):
    report = feeds.hub_check_connection(make_ctx(settings={"store_code": "fr"}))
    assert report["ok"] is False
    assert "store" in report["problems"][0].lower()


def test_setting_choices_for_source_code_and_store_code(ctx):
    sources = feeds.hub_setting_choices(ctx, "source_code")
    for choice in sources:
        validate_record("setting_choice", choice)
    assert [c["value"] for c in sources] == ["default", "eu_warehouse"]
    stores = feeds.hub_setting_choices(ctx, "store_code")
    assert [c["value"] for c in stores] == ["all", "default"]
    assert feeds.hub_setting_choices(ctx, "weight_unit") is None


def test_source_code_choices_without_msi(ctx, emulator):
    emulator.post("/_emulator/config", {"msi": False})
    assert [c["value"] for c in feeds.hub_setting_choices(ctx, "source_code")] == ["default"]
