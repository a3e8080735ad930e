"""The hub side of a connector benchmark: the real feed engine, inline, on SQLite.

Two steps, each run in a fresh interpreter by ``harness.measure_callable``:

* ``prepare(connector, url, secrets, workdir)``: a new hub database in ``workdir``, an
  integration, and a first ``update_products`` that creates every product (the initial
  import; measured separately as ``first_import``);
* ``setup(connector, url, secrets, workdir, database_url=None)``: the same empty hub and
  integration without running anything (``bench_first_import.py`` then times the CLI);
* ``update(connector, url, secrets, workdir)``: ``update_products`` again on that database:
  the nightly steady state the issues' target is about (every product read, validated where
  changed, matched to its binding, counted unchanged or updated).
"""

import os


def hub_env(workdir, database_url=None):
    """The environment of a benchmark hub in ``workdir`` (SQLite there unless
    ``database_url``): what ``hub`` commands run as a subprocess are given."""
    return {
        "HUB_DATABASE_URL": database_url or f"sqlite:///{workdir}/hub.db",
        "HUB_INSTANCE_DIR": workdir,
        "HUB_SECRET_KEY": "bench-key-0123456789",
        "HUB_QUEUE_URL": f"sqlite:///{workdir}/queue.db",
        "HUB_MEDIA_DIR": f"{workdir}/media",
    }


def _open(workdir, database_url=None):
    os.environ.update(hub_env(workdir, database_url))
    import hub.db
    import hub.models.schema
    import hub.settings

    settings = hub.settings.set_settings(hub.settings.load_settings())
    hub.db.init_db(settings.database_url)
    hub.models.schema.upgrade()


def _run(feed="update_products"):
    import time

    import hub.feeds  # noqa: F401  (registers the feed handlers)
    from hub.engine.runs import run_inline, run_summary
    from hub.services.integrations import get_integration

    integration = get_integration("bench")
    from hub.engine.plugins import get_registry

    get_registry().state(integration.connector)  # plugins loaded, as in a running worker
    started = time.perf_counter()
    run = run_inline(integration, feed)
    elapsed = time.perf_counter() - started
    summary = run_summary(run, events=False)
    return {
        "elapsed_s": round(elapsed, 3),  # in-process, interpreter startup excluded
        "status": summary["status"],
        "counts": summary["counts"],
        "processed": summary["processed"],
        "message": summary["message"],
    }


def prepare(connector, url, secrets, workdir, settings=None):
    _open(workdir)
    from hub.services.integrations import create_integration

    create_integration("bench", connector, url, {**(settings or {}), **secrets})
    return _run()


def setup(
    connector,
    url,
    secrets,
    workdir,
    database_url=None,
    settings=None,
    orders_since=None,
    carrier_mapping=None,
    import_products=False,
):
    """An empty hub with the integration ``bench`` and nothing imported: the state before
    a merchant's first import (``hub feeds run bench update_products --inline``). With
    ``import_products`` the catalogue is imported too (the state before the orders arrive);
    ``orders_since`` (ISO date) and ``carrier_mapping`` are the integration's."""
    from datetime import datetime

    _open(workdir, database_url)
    from hub.services.integrations import create_integration

    create_integration(
        "bench",
        connector,
        url,
        {**(settings or {}), **secrets},
        orders_since=datetime.fromisoformat(orders_since) if orders_since else None,
        carrier_mapping=carrier_mapping,
    )
    return _run() if import_products else {"ok": True}


def update(connector, url, secrets, workdir, settings=None):
    _open(workdir)
    return _run()
