"""hub alerts send: the alerts pass of the worker's minute task, run from a system timer.

The workers send alerts every minute; when every worker is down nobody would be told. A
cron or systemd timer running `hub alerts send` (deploy/hub-alerts.timer) closes that gap:
it notices the missing workers, late feeds and new errors and sends the alerts itself.
Deliveries are claimed atomically, so it never sends what a worker already sent."""

import click

from hub.cli.common import json_option, print_json, with_db
from hub.services.alerts import run_alerts


@click.group()
def alerts():
    """Alerts by email and webhook (see the README's Alerts section)."""


@alerts.command("send")
@json_option
@with_db
def send(as_json):
    """Decide which alerts are due and send them now (what a worker does every minute)."""
    summary = run_alerts()
    if as_json:
        print_json(summary)
    else:
        click.echo(
            f"{summary['created']} new alert(s), {summary['sent']} message(s) sent, "
            f"{summary['failed']} failed"
        )


COMMANDS = [alerts]
