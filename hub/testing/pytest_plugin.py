"""pytest plugin shipped with the hub (entry point ``pytest11``): fixtures for connector
authors.

* ``hub_sqlite``: a migrated SQLite hub database in a temporary folder, with settings.
* ``hub_feed_runner``: ``runner(integration_name, feed, **params) -> run summary dict``,
  running a feed inline through the real engine.
* ``hub_integration_factory``: ``make(connector, url, settings) -> Integration`` (test mode).
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import hub.feeds  # noqa: F401  (registers the feed handlers: hub_feed_runner runs them)
from hub.db import db, init_db
from hub.engine.runs import run_inline, run_summary
from hub.models.schema import upgrade
from hub.services.integrations import create_integration, get_integration
from hub.settings import Settings, load_settings, set_settings

# the contract suite's plain asserts show their values too (pytest rewrites only test modules
# and plugins unless told); before a connector's tests import it
pytest.register_assert_rewrite("hub.testing.contract", "hub.testing.checks")


@pytest.fixture
def hub_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    env = {
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "HUB_INSTANCE_DIR": str(tmp_path),
        "HUB_SECRET_KEY": "connector-tests-key-0123",
        "HUB_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}",
        "HUB_MEDIA_DIR": str(tmp_path / "media"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings: Settings = set_settings(load_settings())
    init_db(settings.database_url)
    upgrade()
    yield settings
    db.close()


@pytest.fixture
def hub_integration_factory(hub_sqlite: Settings) -> Callable[..., Any]:
    def make(
        connector: str,
        url: str,
        settings: dict[str, Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> Any:  # a hub.models.Integration
        return create_integration(
            name or f"{connector} test", connector, url, settings or {}, **kwargs
        )

    return make


@pytest.fixture
def hub_feed_runner(hub_sqlite: Settings) -> Callable[..., dict[str, Any]]:
    def runner(integration: Any, feed: str, **params: Any) -> dict[str, Any]:
        integ = get_integration(getattr(integration, "name", integration))
        summary: dict[str, Any] = run_summary(run_inline(integ, feed, params=params))
        return summary

    return runner
