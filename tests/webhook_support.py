"""Helpers of the webhook tests (tests/test_webhooks*.py): the hub's web server at
HUB_PUBLIC_URL, and the runs, orders and reservations a delivery leads to."""

import time

import pytest

__all__ = [
    "hub_order",
    "hub_url",
    "reserved",
    "run_queued_webhook_runs",
    "wait_for",
    "webhook_runs",
]

from hub.testing import serve_app


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def hub_url(hub_db, monkeypatch):
    """The hub's web server on loopback, and HUB_PUBLIC_URL pointing at it."""
    import hub.settings
    from hub.app import create_app as create_hub

    with serve_app(create_hub({"TESTING": True})) as server:
        monkeypatch.setenv("HUB_PUBLIC_URL", server.url)
        monkeypatch.setenv("HUB_WEBHOOK_DEBOUNCE", "0.5")
        hub.settings.set_settings(hub.settings.load_settings())
        yield server.url


def webhook_runs(integration, feed=None):
    from hub.models import FeedRun

    query = FeedRun.select().where(
        (FeedRun.integration == integration.id) & (FeedRun.trigger == "webhook")
    )
    if feed:
        query = query.where(FeedRun.feed == feed)
    return list(query.order_by(FeedRun.id))


def run_queued_webhook_runs(integration):
    """Carry out the queued webhook runs in this process (what a worker would do)."""
    from hub.engine.runs import execute_run

    runs = [r for r in webhook_runs(integration) if r.status == "queued"]
    for r in runs:
        execute_run(r.id)
    return [type(r).get_by_id(r.id) for r in runs]


def hub_order(integration, external_id):
    from hub.models import Order

    return Order.get_or_none(
        (Order.integration == integration.id) & (Order.external_id == external_id)
    )


def reserved(sku):
    from peewee import fn

    from hub.models import Product, StockLevel

    return (
        StockLevel.select(fn.COALESCE(fn.SUM(StockLevel.reserved), 0))
        .join(Product)
        .where(Product.sku == sku)
        .scalar()
    )
