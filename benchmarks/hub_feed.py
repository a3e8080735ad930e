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


def _run(feed="update_products", trigger="manual"):
    import time

    import hub.feeds  # noqa: F401  (registers the feed handlers)
    from hub.engine.runs import run_inline, run_summary
    from hub.services.integrations import get_integration

    integration = get_integration("bench")
    from hub.engine.plugins import get_registry

    get_registry().state(integration.connector)  # plugins loaded, as in a running worker
    started = time.perf_counter()
    run = run_inline(integration, feed, trigger=trigger)
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


def _store_settings(connector):
    if connector == "shopify":  # the emulator has two active locations: the main one
        from connect_shopify_emulator import MAIN_LOCATION

        return {"location_id": MAIN_LOCATION}
    return {}


def prepare_export(connector, url, secrets, workdir, database_url=None):
    """The state after a merchant's first stock export: catalogue and stock imported, the
    integration live, every binding pushed (pushed = store quantity = target, as a first
    export leaves them; written directly rather than sending the whole catalogue)."""
    settings = _store_settings(connector)
    setup(connector, url, secrets, workdir, database_url, settings, import_products=True)
    stock = _run("import_stock")
    assert stock["status"] == "succeeded", stock
    return {"bindings": _mark_pushed(connector)}


def _mark_pushed(connector):
    """Live, and every product binding pushed (what a first export leaves); the count."""
    from hub.db import db
    from hub.feeds.targets import targets
    from hub.models import Binding, Integration, utcnow
    from hub.services.integrations import get_integration

    integration = get_integration("bench")
    semantics = "physical" if connector == "magento" else "sellable"
    bindings = list(
        Binding.select(Binding.id, Binding.hub_id).where(
            (Binding.integration == integration.id) & (Binding.kind == "product")
        )
    )
    now = utcnow()
    with db.atomic():
        Integration.update(mode="production", full_export_pending=False).where(
            Integration.id == integration.id
        ).execute()
        for i in range(0, len(bindings), 1000):
            chunk = bindings[i : i + 1000]
            wanted = targets(integration, semantics, [b.hub_id for b in chunk])
            for b in chunk:
                Binding.update(
                    pushed_quantity=wanted[b.hub_id],
                    store_quantity=wanted[b.hub_id],
                    pushed_at=now,
                ).where(Binding.id == b.id).execute()
    return len(bindings)


def change_stock(workdir, product_offset, count, database_url=None):
    """A delivery of one unit to ``count`` products (those from ``product_offset`` in id
    order), written as the stock service writes a level (on hand and updated_at)."""
    _open(workdir, database_url)
    from hub.db import db
    from hub.models import Binding, StockLevel, utcnow

    ids = [
        b.hub_id
        for b in Binding.select(Binding.hub_id)
        .where(Binding.kind == "product")
        .order_by(Binding.hub_id)
        .offset(product_offset)
        .limit(count)
    ]
    with db.atomic():
        for i in range(0, len(ids), 500):
            StockLevel.update(on_hand=StockLevel.on_hand + 1, updated_at=utcnow()).where(
                StockLevel.product.in_(ids[i : i + 500])
            ).execute()
    from hub.models import Product

    return {"skus": [p.sku for p in Product.select(Product.sku).where(Product.id.in_(ids))]}


def sent_skus(workdir, database_url=None):
    """What the last export run sent (its outbox) and its counts."""
    _open(workdir, database_url)
    from hub.models import FeedRun, OutboxItem

    run = FeedRun.select().order_by(FeedRun.id.desc()).get()
    return {
        "sent": [
            o.key for o in OutboxItem.select().where((OutboxItem.run == run.id) & OutboxItem.sent)
        ]
    }


def cycle(connector, url, secrets, workdir, feeds, carrier_mapping=None):
    """A hub that has imported everything from the store (one settling pass of every feed,
    then live with every binding pushed), then one measured pass of every scheduled feed
    with ``trigger="schedule"`` as the scheduler runs them, nothing changed in the store:
    per feed its status, duration in the process, records processed and the requests the
    store answered (the emulator's own counters)."""
    import requests

    def store_requests():
        state = requests.get(f"{url}/_emulator/state", timeout=30).json()
        return _request_count(connector, state)

    setup(
        connector,
        url,
        secrets,
        workdir,
        settings=_store_settings(connector),
        orders_since="2000-01-01",
        carrier_mapping=carrier_mapping,
    )
    from hub.engine.runs import check_feed_available
    from hub.errors import BadInput
    from hub.services.integrations import get_integration

    offered = []
    for feed in feeds:
        try:
            check_feed_available(get_integration("bench"), feed)
            offered.append(feed)
        except BadInput:  # the connector has no such feed
            pass
    feeds = offered
    settle = {}
    for feed in ["update_products", "import_stock", *feeds]:
        if feed == "import_product_images":
            settle[feed] = _images_settled()
            continue
        settle[feed] = _run(feed, trigger="schedule")["status"]
    catalogue = _mark_pushed(connector)
    measured = []
    for feed in feeds:
        before = store_requests()
        result = _run(feed, trigger="schedule")
        measured.append(
            {
                "feed": feed,
                "status": result["status"],
                "run_s": result["elapsed_s"],
                "processed": result["processed"],
                "requests": store_requests() - before,
                "message": (result["message"] or "")[:120],
            }
        )
    return {"catalogue": catalogue, "settle": settle, "feeds": measured}


def _request_count(connector, state):
    """API requests the emulator answered so far (each emulator counts its own way)."""
    if connector == "shopify":
        return (state.get("counters") or {}).get("requests", 0)  # every non-control request
    if connector == "magento":
        return sum((state.get("requests") or {}).values())
    return int(state.get("requests") or 0)


def _images_settled():
    """The state a complete images pass leaves, without downloading every image of the
    emulator's catalogue (minutes of image serving, not what the cycle measures): the
    images of a few products downloaded, then the feed's checkpoint set to now, as a
    scheduled run that ended without a failed download sets it."""
    from hub.engine.runs import run_inline
    from hub.models import Binding, Checkpoint, utcnow
    from hub.services.integrations import get_integration

    integration = get_integration("bench")
    some = [
        b.external_id
        for b in Binding.select(Binding.external_id)
        .where((Binding.integration == integration.id) & (Binding.kind == "product"))
        .limit(20)
    ]
    run = run_inline(integration, "import_product_images", params={"external_ids": some})
    Checkpoint.insert(
        integration=integration.id,
        feed="import_product_images",
        value=utcnow().isoformat() + "+00:00",
        updated_at=utcnow(),
    ).on_conflict_replace().execute()
    return run.status
