"""The "last night" summary: what ran, what failed and what changed since a time, per feed.

What changed is read from the runs' own counters (``FeedRun.created/updated/failed``), named
for each feed by :data:`CHANGES` ("orders imported", "stock levels pushed", "shipments
confirmed"), so the summary is exactly the sum of the runs it lists.
"""

from datetime import UTC, datetime, time, timedelta

from peewee import fn

from hub.models import FeedRun, Integration, utcnow

EVENING = time(18, 0)  # "last night" starts at 18:00 the day before, local time
# what a feed's counters mean: (counter, words); feeds not listed: created / updated
CHANGES = {
    "import_new_products": (("created", "products imported"), ("updated", "products updated")),
    "update_products": (("created", "products imported"), ("updated", "products updated")),
    "import_product_images": (("created", "images imported"),),
    "import_new_orders": (("created", "orders imported"),),
    "update_orders": (("updated", "orders updated"),),
    "retry_orders": (("created", "held orders imported"), ("updated", "orders updated")),
    "import_stock": (("updated", "stock levels imported"),),
    "export_stock": (("updated", "stock levels pushed"),),
    "stock_check": (("updated", "stock levels compared"),),
    "import_suppliers": (("created", "suppliers imported"), ("updated", "suppliers updated")),
    "import_product_suppliers": (
        ("created", "supplier links imported"),
        ("updated", "supplier links updated"),
    ),
    "shipping_confirmation": (("created", "shipments confirmed"),),
}
DEFAULT_CHANGES = (("created", "created"), ("updated", "updated"))
STATUSES = ("succeeded", "succeeded_with_errors", "failed", "skipped", "running", "queued")


def last_night(zone=UTC, now=None):
    """18:00 of yesterday in ``zone``, as naive UTC (how the hub stores times)."""
    now = (now or utcnow()).replace(tzinfo=UTC).astimezone(zone)
    evening = datetime.combine(now.date() - timedelta(days=1), EVENING, tzinfo=zone)
    return evening.astimezone(UTC).replace(tzinfo=None)


def summary(since, until=None, integration=None):
    """The runs queued in [``since``, ``until``) per (integration, feed), newest integration
    name order: ``{"rows": [...], "totals": {...}, "failed_runs": [...]}``. Each row has the
    runs by status, what changed (``changes``: [(words, n)]) and the records that failed."""
    until = until or utcnow()
    window = (FeedRun.queued_at >= since) & (FeedRun.queued_at < until)
    if integration is not None:
        window &= FeedRun.integration == integration
    grouped = (
        FeedRun.select(
            FeedRun.integration,
            FeedRun.feed,
            FeedRun.status,
            fn.COUNT(FeedRun.id),
            fn.SUM(FeedRun.created),
            fn.SUM(FeedRun.updated),
            fn.SUM(FeedRun.failed),
        )
        .where(window)
        .group_by(FeedRun.integration, FeedRun.feed, FeedRun.status)
        .tuples()
    )
    by_feed = {}
    for integration_id, feed, status, n, created, updated, failed in grouped:
        row = by_feed.setdefault(
            (integration_id, feed),
            {
                "integration_id": integration_id,
                "feed": feed,
                "runs": 0,
                "statuses": dict.fromkeys(STATUSES, 0),
                "created": 0,
                "updated": 0,
                "failed_records": 0,
            },
        )
        row["runs"] += n
        row["statuses"][status] = row["statuses"].get(status, 0) + n
        row["created"] += created or 0
        row["updated"] += updated or 0
        row["failed_records"] += failed or 0
    names = dict(Integration.select(Integration.id, Integration.name).tuples())
    rows = []
    for row in by_feed.values():
        row["integration"] = names.get(row["integration_id"], "?")
        row["changes"] = [
            (words, row[counter]) for counter, words in CHANGES.get(row["feed"], DEFAULT_CHANGES)
        ]
        rows.append(row)
    rows.sort(key=lambda r: (r["integration"].lower(), r["feed"]))
    failed_runs = list(
        FeedRun.select(FeedRun, Integration)
        .join(Integration)
        .where(window & (FeedRun.status == "failed"))
        .order_by(FeedRun.queued_at.desc())
        .limit(50)
    )
    totals = {
        "runs": sum(r["runs"] for r in rows),
        "failed": sum(r["statuses"]["failed"] for r in rows),
        "with_errors": sum(r["statuses"]["succeeded_with_errors"] for r in rows),
        "failed_records": sum(r["failed_records"] for r in rows),
    }
    return {"rows": rows, "totals": totals, "failed_runs": failed_runs, "until": until}
