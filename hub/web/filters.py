"""Jinja filters: times in the user's time zone, relative times, quantities, schedules in
words.

The hub stores naive UTC. Each signed-in user sees times in their own zone
(:func:`display_zone`): the one chosen on "My settings" (``User.timezone``), else their
browser's, which hub.js puts in the ``hub_tz`` cookie (``Intl.DateTimeFormat()``), else UTC.
"""

from datetime import UTC
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import g, has_request_context, request
from flask_login import current_user
from markupsafe import Markup

from hub.engine.registry import FEED_TYPES
from hub.engine.schedule import describe_cron
from hub.models import utcnow
from hub.services.schedules import heavy_feed_warning
from hub.web.display import display

TZ_COOKIE = "hub_tz"  # the browser's zone, set by hub.js
MAX_ZONE_NAME = 64  # the longest IANA name is 32 characters


def _zone_or_none(name):
    """The zone named ``name``, or None for anything else: the cookie is the browser's to set,
    and a directory of the zone database ("America") or an overlong name is an OSError."""
    try:
        return ZoneInfo(name) if name and len(name) <= MAX_ZONE_NAME else None
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def display_zone():
    """The zone this request's times are shown in (UTC outside a request)."""
    if not has_request_context():
        return UTC
    if "display_zone" not in g:
        chosen = getattr(current_user, "timezone", None) if current_user else None
        g.display_zone = (
            _zone_or_none(chosen) or _zone_or_none(request.cookies.get(TZ_COOKIE)) or UTC
        )
    return g.display_zone


def local(value):
    """A naive UTC time as an aware time in the display zone."""
    return value.replace(tzinfo=UTC).astimezone(display_zone())


def fmt_dt(value):
    """ "2026-03-01 14:05 CET": the user's zone, named by its abbreviation."""
    if value is None:
        return "—"
    when = local(value)
    return f"{when:%Y-%m-%d %H:%M} {when.tzname()}"


def clock(value):
    """The time of day, to the second, in the user's zone (a run's log lines)."""
    return "" if value is None else f"{local(value):%H:%M:%S}"


def ago(value, now=None):
    """ "3 minutes ago", "in 2 hours", hovered: the time itself (a ``<time>`` element)."""
    if value is None:
        return "never"
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        value.replace(tzinfo=UTC).isoformat(), fmt_dt(value), relative(value, now)
    )


def relative(value, now=None):
    """ "3 minutes ago", "in 2 hours" (plain text, for places that take no markup)."""
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


def until(value, now=None):
    """A time planned ahead: "in 4 min", "in 2 h", "in 3 days"; one already due (the next
    check of a held order that the retry run has not reached yet) is "due now", never
    "1 minute ago"."""
    if value is None:
        return "—"
    seconds = int((value - (now or utcnow())).total_seconds())
    if seconds <= 0:
        return "due now"
    for unit, size, plural in (("day", 86400, "days"), ("h", 3600, "h"), ("min", 60, "min")):
        if seconds >= size:
            n = round(seconds / size)
            return f"in {n} {unit if n == 1 else plural}"
    return "in less than a minute"


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


def schedule_warning(feed_setting):
    """The heavy-feed warning of an enabled feed's schedule (hub.services.schedules), or None."""
    if not feed_setting.enabled:
        return None
    return heavy_feed_warning(feed_setting.feed, feed_setting.cron, feed_setting.timezone)


def datetime_local(value, end=False):
    """A list filter's ``from``/``to`` as a datetime-local input shows it: a bare day (typed, or
    from a link) becomes its first minute, or for ``to`` its last (the same range)."""
    value = (value or "").strip()
    if len(value) == 10:  # YYYY-MM-DD
        return value + ("T23:59" if end else "T00:00")
    return value[:16]


FILTERS = {
    "dt": fmt_dt,
    "datetime_local": datetime_local,
    "clock": clock,
    "ago": ago,
    "until": until,
    "relative": relative,
    "duration": duration,
    "money": money,
    "feed_label": feed_label,
    "cron_words": cron_words,
    "schedule_warning": schedule_warning,
    "display": display,  # values for people: no None, False, gid://… or Python lists
}


def init_app(app):
    app.jinja_env.filters.update(FILTERS)
