"""Per-feed cron schedules: next run computed with croniter in the merchant's timezone.

Huey's ``crontab`` is lenient, ANDs day-of-month with day-of-week and has no
next-run, so the tick task reads ``next_run_at`` from the database instead.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cron_descriptor import CasingTypeEnum, ExpressionDescriptor, Options
from croniter import CroniterBadDateError, croniter

from hub.engine.runs import check_feed_available
from hub.errors import BadInput
from hub.models import FeedSetting, utcnow


def zone(name):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a directory
        raise BadInput(f"unknown timezone {name!r} (use an IANA name like Europe/Paris)") from None


def next_run(cron, tz="UTC", after=None):
    """The next time ``cron`` fires after ``after`` (naive UTC), as naive UTC; None if manual."""
    if not cron:
        return None
    after = after or utcnow()
    local = after.replace(tzinfo=UTC).astimezone(zone(tz))
    try:
        nxt = croniter(cron, local).get_next(datetime)
    except CroniterBadDateError:  # stored before such schedules were refused: never runs
        return None
    return nxt.astimezone(UTC).replace(tzinfo=None)


def refresh_next_run(feed_setting, after=None):
    feed_setting.next_run_at = (
        next_run(feed_setting.cron, feed_setting.timezone, after) if feed_setting.enabled else None
    )
    feed_setting.save()
    return feed_setting.next_run_at


def describe_next(when, now=None):
    """ "in 4 minutes", "in 3 hours", for the dashboard."""
    if when is None:
        return "manual only"
    now = now or utcnow()
    seconds = int((when - now).total_seconds())
    if seconds <= 0:
        return "due now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"in {n} {unit}{'s' if n != 1 else ''}"
    return f"in {seconds} seconds"


def _cron_options():
    options = Options()
    options.use_24hour_time_format = True
    options.casing_type = CasingTypeEnum.Sentence
    options.verbose = False
    return options


def describe_cron(cron, tz="UTC"):
    """A schedule in words, with cron-descriptor: "every 15 minutes", "daily at 02:30
    Europe/Paris", "at 03:00, only on Monday UTC"; "manual" when there is none. The timezone
    is named when it changes the answer (an hour or a day in the expression)."""
    if not cron:
        return "manual"
    try:
        text = ExpressionDescriptor(cron, _cron_options()).get_description()
    except Exception:  # a schedule stored before validation, or one it cannot word
        return cron
    text = text[:1].lower() + text[1:]
    fields = cron.split()
    if len(fields) != 5:
        return text
    _minute, hour, day, month, weekday = fields
    if text.startswith("at ") and (day, month, weekday) == ("*", "*", "*"):
        text = "daily " + text
    if (hour, day, month, weekday) != ("*", "*", "*", "*"):
        text = f"{text} {tz or 'UTC'}"
    return text


def validate_cron(expr):
    if expr in (None, "", "manual"):
        return None
    if not croniter.is_valid(expr):
        raise BadInput(f"invalid cron expression {expr!r} (expected 5 fields, e.g. '*/5 * * * *')")
    if len(expr.split()) != 5:
        raise BadInput(
            f"invalid cron expression {expr!r}: use the 5-field form "
            "(minute hour day-of-month month day-of-week)"
        )
    try:  # '0 0 31 2 *' is well formed but never fires (there is no 31 February)
        croniter(expr, datetime(2024, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        raise BadInput(
            f"cron expression {expr!r} never fires (no such date): check its day and month"
        ) from None
    return expr


def update_feed_setting(integration, feed, cron=..., enabled=None, timezone=None):
    """Change a feed's schedule (validated), enable/disable it; recomputes its next run."""
    check_feed_available(integration, feed)
    fs, _ = FeedSetting.get_or_create(integration=integration, feed=feed)
    if cron is not ...:
        fs.cron = validate_cron(cron)
    if enabled is not None:
        fs.enabled = bool(enabled)
    if timezone is not None:
        zone(timezone)
        fs.timezone = timezone
    fs.updated_at = utcnow()
    refresh_next_run(fs)
    return fs
