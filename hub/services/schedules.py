"""The schedule table of an integration, saved at once, and the warning for heavy feeds.

``save_schedules`` takes every feed's cron, timezone and enabled flag and saves all of them or
none: one bad expression ("0 4 31 2 *" never fires) leaves every schedule as it was and names
each refused feed. Only the feeds whose values changed are touched, so a feed that is due keeps
its next run.

A heavy feed (it reads or compares the whole catalogue) run more often than hourly loads the
store for little: ``heavy_feed_warning`` says so, counting the firings of a day with croniter.
"""

from datetime import datetime, timedelta

from croniter import croniter

from hub.db import db
from hub.engine.registry import FEED_TYPES
from hub.engine.schedule import update_feed_setting, zone
from hub.errors import HubError
from hub.models import FeedSetting

HEAVY_FEEDS = ("update_products", "stock_check")
HOURLY = 24  # firings a day


def firings_per_day(cron, tz="UTC", day=None):
    """How many times ``cron`` fires in one day (a plain weekday in ``tz`` unless ``day``)."""
    if not cron:
        return 0
    start = (day or datetime(2024, 1, 3)).replace(tzinfo=zone(tz))
    end = start + timedelta(days=1)
    firing = croniter(cron, start - timedelta(seconds=1))
    count = 0
    while firing.get_next(datetime) < end:
        count += 1
        if count > 24 * 60:  # every minute: no need to count further
            break
    return count


def heavy_feed_warning(feed, cron, tz="UTC"):
    """A sentence when a heavy feed is scheduled more often than hourly, else None."""
    if feed not in HEAVY_FEEDS or not cron:
        return None
    try:
        count = firings_per_day(cron, tz)
    except (HubError, ValueError, KeyError):  # an invalid schedule is reported elsewhere
        return None
    if count <= HOURLY:
        return None
    label = FEED_TYPES[feed].label if feed in FEED_TYPES else feed
    return (
        f"{label} reads the whole catalogue from the store; scheduled {count} times a day it "
        "loads the store for little: once an hour or less often is enough"
    )


def save_schedules(integration, wanted):
    """``wanted``: ``{feed: {"cron": str, "timezone": str, "enabled": bool}}``. Saves every
    changed feed, or none. Returns ``(errors, warnings)``: ``{feed: message}`` each; when
    ``errors`` is not empty nothing was saved."""
    errors, warnings = {}, {}
    with db.atomic() as transaction:
        for fs in FeedSetting.select().where(FeedSetting.integration == integration):
            if fs.feed not in wanted:
                continue
            values = wanted[fs.feed]
            cron = (values.get("cron") or "").strip() or None
            tz = (values.get("timezone") or "").strip() or fs.timezone or "UTC"
            enabled = bool(values.get("enabled"))
            if (cron, tz, enabled) == (fs.cron, fs.timezone, fs.enabled):
                continue
            try:
                with db.atomic():
                    update_feed_setting(
                        integration, fs.feed, cron=cron, enabled=enabled, timezone=tz
                    )
            except HubError as exc:
                errors[fs.feed] = str(exc)
                continue
            warning = heavy_feed_warning(fs.feed, cron, tz) if enabled else None
            if warning:
                warnings[fs.feed] = warning
        if errors:
            transaction.rollback()
            warnings = {}
    return errors, warnings
