"""Jinja filters: dates in UTC, relative times, quantities, schedules in words."""

from decimal import Decimal

from hub.engine.registry import FEED_TYPES
from hub.engine.schedule import describe_cron
from hub.models import utcnow
from hub.web.display import display


def fmt_dt(value):
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M") + " UTC"


def ago(value, now=None):
    if value is None:
        return "never"
    seconds = int(((now or utcnow()) - value).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            text = f"{n} {unit}{'s' if n != 1 else ''}"
            break
    else:
        text = f"{seconds} seconds"
    return f"in {text}" if future else f"{text} ago"


def duration(seconds):
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def money(value):
    if value is None:
        return "—"
    return f"{Decimal(value):.2f}"


def feed_label(key):
    feed = FEED_TYPES.get(key)
    return feed.label if feed else key


def cron_words(cron, timezone="UTC"):
    """ "every 15 minutes", "daily at 02:30 Europe/Paris" (hub.engine.schedule.describe_cron)."""
    return describe_cron(cron, timezone)


FILTERS = {
    "dt": fmt_dt,
    "ago": ago,
    "duration": duration,
    "money": money,
    "feed_label": feed_label,
    "cron_words": cron_words,
    "display": display,  # values for people: no None, False, gid://… or Python lists
}


def init_app(app):
    app.jinja_env.filters.update(FILTERS)
