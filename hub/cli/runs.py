"""hub runs …: the feed runs, listed and shown."""

import click

from hub.cli.common import integration_option, json_option, limit_option, print_rows, with_db
from hub.cli.feeds import print_run
from hub.engine.runs import run_summary
from hub.errors import BadInput
from hub.models import FeedRun
from hub.models.feeds import RUN_STATUSES
from hub.services import queries


@click.group()
def runs():
    """Feed runs."""


@runs.command("list")
@integration_option
@click.option("--feed", help="Only this feed.")
@click.option("--status", type=click.Choice(RUN_STATUSES))
@limit_option(50)
@json_option
@with_db
def runs_list(integration, feed, status, limit, as_json):
    """List recent runs, newest first."""
    query = queries.runs(integration=integration or None, feed=feed, status=status)
    rows = queries.RUNS.dump(query.order_by(FeedRun.id.desc()).limit(limit))
    print_rows(
        rows,
        as_json,
        "id integration feed trigger status started_at duration created updated failed",
        lambda run: {**run, **run["counts"]},
    )


@runs.command("show")
@click.argument("run_id", type=int)
@json_option
@with_db
def runs_show(run_id, as_json):
    """Show a run: counts, log, discrepancies, outbox."""
    run = FeedRun.get_or_none(FeedRun.id == run_id)
    if run is None:
        raise BadInput(f"no run with id {run_id}")
    print_run(run_summary(run), as_json)


COMMANDS = [runs]
