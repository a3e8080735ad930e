"""Webhook runs: a run of a feed with trigger ``webhook`` reads only the records the store's
deliveries named (claimed from ``WebhookDelivery`` when the run starts), with the same rules as
the scheduled run of that feed, and never moves its checkpoint (``FeedJob.commit_checkpoint``):
the scheduled run still reads everything and reconciles a lost delivery.

* orders (``import_new_orders`` for new ones, ``update_orders`` for updates and
  cancellations): each order is fetched with ``hub_fetch_order``; one the hub has gets its
  status applied as ``update_orders`` does, one it has not (or holds) is decided and imported
  as ``import_new_orders`` does — so "created" and "updated" deliveries arriving in either
  order, or after the poll imported the order, change nothing twice;
* products (``update_products``): ``hub_fetch_products_by_id``, upserted as ``update_products``
  does, without flagging anything missing.
"""

from hub.feeds.orders import _apply_status, _hold_unreadable, process_order
from hub.feeds.products import _consume_products
from hub.models import Order
from hub.outcomes import Outcome
from hub.services import orders as order_service
from hub.services.webhooks import claim_deliveries


def webhook_orders(job):
    ids = claim_deliveries(job.run)
    job.set_total(len(ids))
    for external_id in ids:
        job.step()
        item = job.call("hub_fetch_order", external_id=external_id)
        if item is None:  # gone from the store already: nothing to import
            job.count("skipped")
            continue
        record = job.validate("order", item)
        if record is None:
            if not isinstance(item, Outcome):
                _hold_unreadable(job, item)
            continue
        known = Order.select().where(
            (Order.integration == job.integration.id) & (Order.external_id == record["external_id"])
        )
        if known.exists():
            _apply_status(job, record, order_service)
        else:
            process_order(job, record)


def webhook_products(job):
    ids = claim_deliveries(job.run)
    if ids:
        _consume_products(job, job.call("hub_fetch_products_by_id", external_ids=ids))


HANDLERS = {
    "import_new_orders": webhook_orders,
    "update_orders": webhook_orders,
    "update_products": webhook_products,
}
