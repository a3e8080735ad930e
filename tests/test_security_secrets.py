"""Secrets (issue 12): credentials masked in every logger; key rotation all or nothing;
credentials re-entered without decrypting the old ones (CLI and dashboard); a run under a
wrong key is one clear Error event, no traceback."""

import logging

import pytest
from hub_testshop.store import TOKEN
from support import hub_cli, run
from web_support import *  # noqa: F403  (fixtures: app, client…)
from web_support import flashes

from hub.crypto import SecretsError, encrypt_json
from hub.http import redact, register_secrets
from hub.models import Binding, Event, FeedRun, Integration, RunLog
from hub.services.integrations import (
    create_integration,
    integration_secrets,
    update_integration,
)

NEW_KEY = "the-new-secret-key-abcdefghijklmnop"
OLD_KEY = "test-secret-key-0123456789"  # tests/conftest.py's HUB_SECRET_KEY


def _reload(integration):
    return Integration.get_by_id(integration.id)


def _change_key(hub_db, key=NEW_KEY):
    hub_db.secret_key = key


# -- redaction in every logger -------------------------------------------------------------


def test_every_logger_is_redacted_known_values_and_patterns(caplog):
    register_secrets(["sk-live-registered-9f8e7d"])
    caplog.set_level(logging.DEBUG)
    some = logging.getLogger("some.library.nobody.configured")
    some.debug("using %s", "sk-live-registered-9f8e7d")
    some.debug("headers {'Authorization': 'Bearer derived-token-123'} ")
    some.debug("{'X-Shopify-Access-Token': 'shpat_abcdef123456'}")
    some.debug("GET /api/products?ws_key=ABCDEFGH&display=full")
    some.debug("[('oauth_consumer_key', 'ck-abc'), ('oauth_token', 'at-abc')]")
    some.debug("oauth_consumer_key%3Dck-abc%26oauth_nonce%3D1")
    try:
        raise RuntimeError("refused token sk-live-registered-9f8e7d")
    except RuntimeError:
        some.exception("failed")
    text = caplog.text
    for leaked in (
        "sk-live-registered-9f8e7d",
        "derived-token-123",
        "shpat_abcdef123456",
        "ABCDEFGH",
        "ck-abc",
        "at-abc",
    ):
        assert leaked not in text, leaked
    assert "RuntimeError" in text  # the traceback is kept, its secret masked
    assert redact("page=2&access_token=xyz") == "page=2&access_token=***"


def test_a_contexts_secrets_are_masked_in_every_log_line(caplog):
    from hub.testing import make_context

    make_context("testshop", "http://shop.example.test", secrets={"token": "ctx-secret-4242"})
    caplog.set_level(logging.DEBUG)
    logging.getLogger("hub.connector.testshop").info("token is ctx-secret-4242")
    assert "ctx-secret-4242" not in caplog.text and "token is ***" in caplog.text


# -- key rotation -------------------------------------------------------------------------------


def test_rotate_reencrypts_every_credential_under_the_new_key(integration, store, hub_db):
    other = create_integration(
        "Other shop", "testshop", store.url, {"token": "other-token"}, allow_duplicate=True
    )
    run(integration, "import_new_products")
    result = hub_cli(
        "secrets",
        "rotate",
        "--old-key-env",
        "HUB_OLD_KEY",
        env={"HUB_SECRET_KEY": NEW_KEY, "HUB_OLD_KEY": OLD_KEY},
    )
    assert result.returncode == 0, result.stderr
    assert "2 integration(s)" in result.stdout
    assert OLD_KEY not in result.stdout + result.stderr and TOKEN not in result.stdout
    _change_key(hub_db)
    assert integration_secrets(_reload(integration)) == {"token": TOKEN}
    assert integration_secrets(_reload(other)) == {"token": "other-token"}
    store.add_product(1, "ROT-1", "After rotation")
    assert run(integration, "import_new_products").status == "succeeded"
    check = hub_cli("secrets", "check", "--json", env={"HUB_SECRET_KEY": NEW_KEY})
    assert check.returncode == 0 and '"readable": true' in check.stdout


def test_rotate_reencrypts_the_alert_webhook_urls_too(integration, hub_db):
    from hub.services.alerts import integration_webhooks, set_alert_recipients

    url = "https://hooks.example.test/services/T0/B0/secret-part"
    set_alert_recipients(integration, webhooks=[url])
    result = hub_cli(
        "secrets",
        "rotate",
        "--old-key-env",
        "HUB_OLD_KEY",
        env={"HUB_SECRET_KEY": NEW_KEY, "HUB_OLD_KEY": OLD_KEY},
    )
    assert result.returncode == 0, result.stderr
    _change_key(hub_db)
    assert integration_webhooks(_reload(integration)) == [url]


def test_rotate_refuses_and_changes_nothing_if_one_credential_does_not_decrypt(
    integration, store, hub_db
):
    stray = create_integration(
        "Stray shop", "testshop", store.url, {"token": "stray-token"}, allow_duplicate=True
    )
    # encrypted under a third key (an earlier, lost one)
    Integration.update(secrets_encrypted=encrypt_json("a-lost-key-000000", {"token": "x"})).where(
        Integration.id == stray.id
    ).execute()
    before = {i.id: i.secrets_encrypted for i in Integration.select()}
    result = hub_cli(
        "secrets",
        "rotate",
        "--old-key-env",
        "HUB_OLD_KEY",
        env={"HUB_SECRET_KEY": NEW_KEY, "HUB_OLD_KEY": OLD_KEY},
    )
    assert result.returncode == 2
    assert "nothing changed" in result.stderr and "Stray shop" in result.stderr
    assert "Traceback" not in result.stderr
    assert {i.id: i.secrets_encrypted for i in Integration.select()} == before
    missing = hub_cli("secrets", "rotate", "--old-key-env", "HUB_NO_SUCH_VAR_X")
    assert missing.returncode == 2 and "HUB_NO_SUCH_VAR_X" in missing.stderr


# -- a wrong key: a clear event, and credentials entered again -------------------------------


def test_a_run_under_a_changed_key_is_one_clear_error_event(integration, store, hub_db, caplog):
    store.add_product(1, "K-1", "Keyed")
    run(integration, "import_new_products")
    _change_key(hub_db)
    caplog.set_level(logging.DEBUG)
    result = run(integration, "import_new_products")
    assert result.status == "failed"
    assert "cannot be read" in result.message and "\n" not in result.message
    event = Event.get(Event.code == "credentials_unreadable")
    assert event.severity == "error" and event.reference == integration.name
    assert "hub secrets rotate --old-key-env" in event.hint
    assert "hub integrations set" in event.hint
    assert not [r for r in caplog.records if r.exc_info]  # no traceback in the logs
    assert not RunLog.select().where(RunLog.code == "crash").exists()
    check = hub_cli("integrations", "check", integration.name, env={"HUB_SECRET_KEY": NEW_KEY})
    assert check.returncode == 1 and "hub secrets rotate" in check.stdout
    assert "Traceback" not in check.stderr


def test_credentials_are_entered_again_from_the_cli_without_the_old_key(integration, store, hub_db):
    store.add_product(1, "RE-1", "Re-entered")
    run(integration, "import_new_products")
    bindings = Binding.select().count()
    _change_key(hub_db)
    env = {"HUB_SECRET_KEY": NEW_KEY, "HUB_TOKEN": TOKEN}
    # a setting alone: allowed, the unreadable credentials are left as they are
    blob = _reload(integration).secrets_encrypted
    update_integration(_reload(integration), values={"notify_customer": "true"})
    assert _reload(integration).secrets_encrypted == blob
    assert _reload(integration).settings["notify_customer"] is True
    result = hub_cli(
        "integrations", "set", integration.name, "--secret", "token=env:HUB_TOKEN", env=env
    )
    assert result.returncode == 0, result.stderr
    assert integration_secrets(_reload(integration)) == {"token": TOKEN}
    assert Binding.select().count() == bindings  # nothing removed
    assert run(integration, "update_products").status == "succeeded"
    assert FeedRun.select().where(FeedRun.status == "failed").count() == 0


def test_credentials_are_entered_again_in_the_dashboard(client, integration, store, hub_db):
    _change_key(hub_db)
    with pytest.raises(SecretsError):
        integration_secrets(_reload(integration))
    page = client.get(f"/integrations/{integration.id}/edit").get_data(as_text=True)
    assert "cannot be decrypted" in page and "hub secrets rotate" in page
    response = client.post(
        f"/integrations/{integration.id}/edit",
        data={"name": integration.name, "url": store.url, "setting_token": TOKEN},
    )
    assert response.status_code == 302, flashes(response)
    assert integration_secrets(_reload(integration)) == {"token": TOKEN}
    store.add_product(1, "WEB-1", "Web")
    assert run(integration, "import_new_products").status == "succeeded"
