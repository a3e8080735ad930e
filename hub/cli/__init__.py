"""The ``hub`` command line. Every command has --help; list/show commands take --json."""

import logging

import click

from hub import __version__
from hub.cli import (
    admin,
    alerts,
    backoffice,
    connector,
    feeds,
    integrations,
    records,
    secrets,
    serve,
)
from hub.engine.logcontext import configure_logging
from hub.http import install_log_redaction
from hub.settings import get_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hub")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Log lines on stderr as text or one JSON object per line (HUB_LOG_FORMAT).",
)
def cli(verbose, log_format):
    """connect-hub: feeds between online stores and the merchant's back office."""
    settings = get_settings()
    configure_logging(
        logging.DEBUG if verbose else getattr(logging, settings.log_level),
        log_format or settings.log_format,
    )
    install_log_redaction()
    # hub.tasks opens the queue (a SQLite file by default) and gives the engine its enqueue
    # function: imported when a command runs, not on `hub --help`, which creates no file
    import hub.tasks  # noqa: F401  # credentials masked in every logger's lines (oauthlib's too)


for module in (admin, integrations, feeds, records, backoffice, serve, secrets, alerts, connector):
    for command in module.COMMANDS:
        cli.add_command(command)


def main():
    cli(prog_name="hub")
