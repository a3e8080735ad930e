"""The ``hub`` command line. Every command has --help; list/show commands take --json."""

import logging

import click

from hub import __version__
from hub.cli import admin, backoffice, feeds, integrations, records, secrets, serve
from hub.http import install_log_redaction
from hub.settings import get_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hub")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def cli(verbose):
    """connect-hub: feeds between online stores and the merchant's back office."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, get_settings().log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_redaction()
    # hub.tasks opens the queue (a SQLite file by default) and gives the engine its enqueue
    # function: imported when a command runs, not on `hub --help`, which creates no file
    import hub.tasks  # noqa: F401  # credentials masked in every logger's lines (oauthlib's too)


for module in (admin, integrations, feeds, records, backoffice, serve, secrets):
    for command in module.COMMANDS:
        cli.add_command(command)


def main():
    cli(prog_name="hub")
