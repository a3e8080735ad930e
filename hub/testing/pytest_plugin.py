"""pytest plugin shipped with the hub (entry point ``pytest11``): fixtures for connector
authors.

* ``hub_sqlite``: a migrated SQLite hub database in a temporary folder, with settings.
* ``hub_feed_runner``: ``runner(integration_name, feed, **params) -> run summary dict``,
  running a feed inline through the real engine.
* ``hub_integration_factory``: ``make(connector, url, settings) -> Integration`` (test mode).
"""

import pytest


@pytest.fixture
def hub_sqlite(tmp_path, monkeypatch):
    import hub.db
    import hub.settings

    env = {
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "HUB_INSTANCE_DIR": str(tmp_path),
        "HUB_SECRET_KEY": "connector-tests-key-0123",
        "HUB_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}",
        "HUB_MEDIA_DIR": str(tmp_path / "media"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = hub.settings.set_settings(hub.settings.load_settings())
    hub.db.init_db(settings.database_url)
    hub.db.upgrade()
    yield settings
    hub.db.db.close()


@pytest.fixture
def hub_integration_factory(hub_sqlite):
    from hub.services.integrations import create_integration

    def make(connector, url, settings=None, name=None, **kwargs):
        return create_integration(
            name or f"{connector} test", connector, url, settings or {}, **kwargs
        )

    return make


@pytest.fixture
def hub_feed_runner(hub_sqlite):
    from hub.feeds.runs import run_inline, run_summary
    from hub.services.integrations import get_integration

    def runner(integration, feed, **params):
        integ = get_integration(getattr(integration, "name", integration))
        return run_summary(run_inline(integ, feed, params=params))

    return runner
