"""Answers of the wrong shape (issue 11 §4) and a refused MSI probe (§2): one record's bad
data is an Error on that record and the feed goes on; a reply of the wrong shape in the
connection check is a problem line; a missing MSI permission is named, never taken for bad
credentials."""

from datetime import datetime

import pytest
from connect_magento import feeds
from connect_magento_emulator.store import CARRIERS

from hub import Invalid
from hub.errors import AuthenticationError, ConfigurationError
from hub.records import validate_record
from hub.testing import core

from .conftest import OAUTH_SECRETS


def with_images(store, n):
    return [p for p in store.products.values() if p["type_id"] == "simple" and p["images"]][:n]


BAD_GALLERIES = [
    pytest.param("not a list", "media_gallery_entries is a str, not a list", id="string"),
    pytest.param({"file": "/a/b.jpg"}, "media_gallery_entries is a dict, not a list", id="dict"),
    pytest.param(["/a/b.jpg"], "media_gallery_entries[0] is a str, not an object", id="str-entry"),
    pytest.param(
        [{"file": "/a/b.jpg", "position": "first"}],
        "media_gallery_entries[0].position 'first' is not a number",
        id="position",
    ),
    pytest.param([{"file": 12}], "media_gallery_entries[0].file is a int", id="file"),
]


@pytest.mark.parametrize("gallery, problem", BAD_GALLERIES)
def test_a_malformed_gallery_is_an_invalid_outcome_and_the_others_go_on(
    ctx, emulator, gallery, problem
):
    bad, good = with_images(emulator.current, 2)
    emulator.post(f"/_emulator/products/{bad['id']}", {"raw": {"media_gallery_entries": gallery}})
    asked = [{"external_id": str(p["id"]), "sku": p["sku"], "parent": None} for p in (bad, good)]
    out = list(feeds.hub_fetch_product_images(ctx, asked))
    invalid = [o for o in out if isinstance(o, Invalid)]
    assert len(invalid) == 1 and invalid[0].reference == bad["sku"]
    assert invalid[0].external_id == str(bad["id"])
    assert problem in invalid[0].message
    assert invalid[0].errors == {"media_gallery_entries": [problem]}
    images = [validate_record("image", o) for o in out if not isinstance(o, Invalid)]
    assert {i["product_external_id"] for i in images} == {str(good["id"])}


def test_a_childs_malformed_configurable_gallery_is_invalid_on_the_child(ctx, emulator):
    store = emulator.current
    conf = next(p for p in store.products.values() if p["type_id"] == "configurable")
    child = store.products[conf["children"][0]]
    emulator.post(f"/_emulator/products/{conf['id']}", {"raw": {"media_gallery_entries": 7}})
    asked = [{"external_id": str(child["id"]), "sku": child["sku"], "parent": str(conf["id"])}]
    (out,) = list(feeds.hub_fetch_product_images(ctx, asked))
    assert isinstance(out, Invalid) and out.reference == child["sku"]
    assert f"configurable's (id {conf['id']})" in out.message


@pytest.fixture
def integration(emulator, hub_integration_factory):
    return hub_integration_factory(
        "magento",
        emulator.url,
        dict(OAUTH_SECRETS),
        orders_since=datetime(2025, 1, 1),
        carrier_mapping=dict(CARRIERS),
    )


def test_the_images_feed_reports_the_bad_product_and_imports_the_rest(
    integration, emulator, hub_feed_runner
):
    assert hub_feed_runner(integration, "update_products")["status"].startswith("succeeded")
    bad = with_images(emulator.current, 1)[0]
    emulator.post(f"/_emulator/products/{bad['id']}", {"raw": {"media_gallery_entries": "oops"}})
    run = hub_feed_runner(integration, "import_product_images")
    assert run["status"] == "succeeded_with_errors", (run["message"], run["counts"])
    errors = [e for e in run["events"] if e["severity"] == "error"]
    assert [(e["code"], e["reference"]) for e in errors] == [("invalid_record", bad["sku"])]
    assert run["counts"].get("created", 0) + run["counts"].get("updated", 0) > 0, run["counts"]
    # the next run goes on the same way (no AttributeError on every run)
    again = hub_feed_runner(integration, "import_product_images")
    assert again["status"] == "succeeded_with_errors", again["message"]


# -- storeConfigs / storeViews of the wrong shape ---------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"code": "default"}, id="object"),
        pytest.param(["default"], id="list-of-strings"),
        pytest.param("maintenance", id="string"),
    ],
)
def test_check_connection_reports_a_store_configs_reply_of_the_wrong_shape(ctx, emulator, body):
    emulator.fault("body", count=1, path="/store/storeConfigs", body=body)
    report = validate_record("connection_report", feeds.hub_check_connection(ctx))
    assert report["ok"] is False
    assert "/V1/store/storeConfigs" in report["problems"][0]
    assert "not a list of store configurations" in report["problems"][0]


def test_check_connection_reports_store_views_of_the_wrong_shape(ctx, emulator):
    emulator.fault("body", count=1, path="/store/storeViews", body={"default": 1})
    report = validate_record("connection_report", feeds.hub_check_connection(ctx))
    assert report["ok"] is False
    assert any("not a list of store views" in p for p in report["problems"]), report


def test_integrations_check_through_the_core(integration, emulator):
    emulator.fault("body", count=1, path="/store/storeConfigs", body={"items": []})
    report = core.check_connection(integration)
    assert report["ok"] is False and "storeConfigs" in report["problems"][0]


# -- a refused MSI probe ---------------------------------------------------------------------


@pytest.fixture(params=[401, 403])
def no_inventory_acl(request, emulator):
    emulator.post(
        "/_emulator/config",
        {"denied_resources": ["Magento_InventoryApi::source"], "acl_status": request.param},
    )
    return emulator


def test_a_refused_msi_probe_names_the_missing_resource(ctx, no_inventory_acl):
    report = validate_record("connection_report", feeds.hub_check_connection(ctx))
    assert report["ok"] is False
    (problem,) = [p for p in report["problems"] if p.startswith("inventory:")]
    assert "Magento_InventoryApi::source" in problem
    assert "Magento_InventoryApi::stock_source_item_assign" in problem
    assert report["details"]["msi"] is None
    with pytest.raises(ConfigurationError, match="Magento_InventoryApi::source"):
        list(feeds.hub_fetch_stock_levels(ctx))


def test_bad_credentials_on_the_probe_stay_an_authentication_error(make_ctx, no_inventory_acl):
    ctx = make_ctx(secrets={**OAUTH_SECRETS, "access_token_secret": "nope"})
    with pytest.raises(AuthenticationError):
        feeds.hub_stock_semantics(ctx)


def test_the_stock_feed_fails_with_the_permission_to_grant(
    integration, no_inventory_acl, hub_feed_runner
):
    run = hub_feed_runner(integration, "import_stock")
    assert run["status"] == "failed"
    text = " ".join(
        [run["message"] or ""] + [f"{e['message']} {e['hint'] or ''}" for e in run["events"]]
    )
    assert "Magento_InventoryApi::source" in text, run
    assert "Magento_InventoryApi::stock_source_item_assign" in text, run  # what to grant
    assert "refused the credentials" not in text and "forbids" not in text, run


def test_legacy_forced_on_an_msi_store_is_flagged(make_ctx):
    report = feeds.hub_check_connection(make_ctx(settings={"inventory_api": "legacy"}))
    assert report["ok"] is False
    assert any(
        "inventory_api is legacy but this Magento has Inventory" in p for p in report["problems"]
    )


@pytest.mark.parametrize(
    "emulator_settings, settings, expected",
    [
        ({}, {}, "physical"),
        ({}, {"stock_deducted_at_order": True}, "sellable"),
        ({}, {"stock_deducted_at_order": "yes"}, "sellable"),
        ({"msi": False}, {}, "sellable"),
        ({}, {"inventory_api": "legacy"}, "sellable"),
    ],
)
def test_stock_semantics(make_ctx, emulator, emulator_settings, settings, expected):
    if emulator_settings:
        emulator.post("/_emulator/config", emulator_settings)
    assert feeds.hub_stock_semantics(make_ctx(settings=settings)) == expected
