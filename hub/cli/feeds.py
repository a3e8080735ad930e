"""hub feeds …"""

import sys
import time

import click

from hub.cli.common import (
    EXIT_FAILED,
    EXIT_NO_WORKER,
    json_option,
    print_json,
    print_rows,
    with_db,
    with_queue,
    worker_running,
)
from hub.cli.progress import Progress
from hub.engine.plugins import get_registry
from hub.engine.registry import FEED_TYPES
from hub.engine.runs import queue_run, queued_behind, run_inline, run_summary
from hub.engine.schedule import describe_cron, describe_next, update_feed_setting
from hub.models import FeedRun, FeedSetting, iso
from hub.services.integrations import get_integration
from hub.settings import get_settings


@click.group()
def feeds():
    """Feeds of an integration: list, run, schedule, enable/disable."""


@feeds.command("list")
@click.argument("integration")
@json_option
@with_db
def feeds_list(integration, as_json):
    """List the feeds an integration's connector offers, with schedule and last run."""
    integ = get_integration(integration)
    settings = {
        fs.feed: fs for fs in FeedSetting.select().where(FeedSetting.integration == integ.id)
    }
    rows = []
    for feed in get_registry().feeds(integ.connector):
        fs = settings.get(feed)
        last = (
            FeedRun.select()
            .where((FeedRun.integration == integ.id) & (FeedRun.feed == feed))
            .order_by(FeedRun.id.desc())
            .first()
        )
        rows.append(
            {
                "feed": feed,
                "label": FEED_TYPES[feed].label,
                "direction": FEED_TYPES[feed].direction,
                "enabled": fs.enabled if fs else False,
                "cron": fs.cron if fs else None,
                "timezone": fs.timezone if fs else "UTC",
                "schedule": describe_cron(fs.cron, fs.timezone) if fs else "manual",
                "next_run_at": iso(fs.next_run_at) if fs else None,
                "next_run": describe_next(fs.next_run_at) if fs and fs.enabled else "-",
                "last_run_id": last.id if last else None,
                "last_status": last.status if last else None,
            }
        )
    print_rows(rows, as_json, ["feed", "enabled", "cron", "schedule", "next_run", "last_status"])


def _wait_for(run_id, timeout, poll=0.5, no_worker_after=None, progress=None):

    if no_worker_after is None:
        no_worker_after = get_settings().wait_no_worker_seconds
    start = time.monotonic()
    while True:
        run = FeedRun.get_by_id(run_id)
        if progress is not None and run.status != "queued":
            progress.update(run.processed, run.total)
        if run.status in ("succeeded", "succeeded_with_errors", "failed", "skipped"):
            return run
        elapsed = time.monotonic() - start
        if run.status == "queued" and elapsed > no_worker_after and not worker_running():
            return None
        if timeout and elapsed > timeout:
            return run
        time.sleep(poll)


def print_run(summary, as_json):
    if as_json:
        print_json(summary)
        return
    c = summary["counts"]
    click.echo(
        f"run {summary['id']} {summary['integration']}/{summary['feed']}: {summary['status']}"
    )
    click.echo(
        f"  created {c['created']}  updated {c['updated']}  unchanged {c['unchanged']}  "
        f"skipped {c['skipped']}  failed {c['failed']}"
    )
    if summary.get("message"):
        click.echo(f"  {summary['message']}")
    for e in summary.get("events", [])[:50]:
        click.echo(f"  [{e['severity']}] {e['reference'] or ''} {e['message']}")
        if e.get("hint"):
            click.echo(f"      hint: {e['hint']}")
    for d in summary.get("discrepancies", [])[:200]:
        click.echo(
            f"  discrepancy {d['sku']}: hub {d['hub']} store {d['store']} ({d['difference']:+d})"
        )
    if summary.get("outbox"):
        sent = sum(1 for o in summary["outbox"] if o["sent"])
        click.echo(f"  outbox: {len(summary['outbox'])} item(s), {sent} sent")


def after_run(run_id):
    """Why a queued run waits: the run of its feed that is running now."""
    return f"after run {run_id}: that run of its feed is running now"


def say_waiting(holder):
    """Inline: say on stderr which run this one waits for (``run_inline``'s ``waiting``)."""
    click.echo(f"waiting: {after_run(holder) if holder else 'its feed is running now'}", err=True)


@feeds.command("run")
@click.argument("integration")
@click.argument("feed")
@click.option("--wait", is_flag=True, help="Wait for the run to end; exit 1 if it failed.")
@click.option("--inline", is_flag=True, help="Run in this process (no worker needed).")
@click.option("--force", is_flag=True, help="import_stock: run again although done once.")
@click.option("--full", is_flag=True, help="export_stock: send every SKU.")
@click.option("--timeout", type=int, default=0, help="With --wait: give up after N seconds.")
@json_option
@with_db
@with_queue
def feeds_run(integration, feed, wait, inline, force, full, timeout, as_json):
    """Run FEED of INTEGRATION now (queued for a worker unless --inline)."""
    integ = get_integration(integration)
    params = {k: True for k, v in (("force", force), ("full", full)) if v}
    # processed/total, rate, ETA: a bar on a terminal, plain lines when piped, none with --json
    progress = Progress(f"{integ.name}/{feed}", enabled=not as_json)
    if inline:
        run = run_inline(
            integ,
            feed,
            trigger="manual",
            params=params,
            progress=progress.update,
            waiting=None if as_json else say_waiting,
        )
        progress.close()
    else:
        run = queue_run(integ, feed, trigger="manual", params=params)
        after = queued_behind(run)  # it waits for that run, never skipped
        if not wait:
            if as_json:
                print_json({"id": run.id, "status": run.status, "after_run": after})
            else:
                click.echo(
                    f"run {run.id} queued ({integ.name}/{feed})"
                    + (f", {after_run(after)}" if after else "")
                )
            return
        if after and not as_json:
            click.echo(f"run {run.id} queued, {after_run(after)}", err=True)
        finished = _wait_for(run.id, timeout, progress=progress)
        progress.close()
        if finished is None:
            click.echo(
                f"error: run {run.id} is still queued and no worker has been seen for "
                "2 minutes: start one with `hub worker`",
                err=True,
            )
            sys.exit(EXIT_NO_WORKER)
        run = finished
    summary = run_summary(run)
    print_run(summary, as_json)
    if run.status == "failed":
        sys.exit(EXIT_FAILED)


@feeds.command("schedule")
@click.argument("integration")
@click.argument("feed")
@click.argument("cron")
@click.option("--timezone", default=None, help="IANA timezone of the schedule.")
@with_db
def feeds_schedule(integration, feed, cron, timezone):
    """Set the cron schedule of a feed ('manual' for none)."""
    fs = update_feed_setting(get_integration(integration), feed, cron=cron, timezone=timezone)
    click.echo(
        f"{feed}: {fs.cron or 'manual'} ({fs.timezone}), next run {describe_next(fs.next_run_at)}"
    )


def _switch(name, enabled, help):
    """``hub feeds enable|disable INTEGRATION FEED``: turn a feed's schedule on or off."""

    @feeds.command(name, help=help)
    @click.argument("integration")
    @click.argument("feed")
    @with_db
    def command(integration, feed):
        update_feed_setting(get_integration(integration), feed, enabled=enabled)
        click.echo(f"{feed} {name}d")

    return command


feeds_enable = _switch("enable", True, "Enable a feed's schedule.")
feeds_disable = _switch("disable", False, "Disable a feed's schedule (Run now still works).")


COMMANDS = [feeds]
