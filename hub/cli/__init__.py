"""The ``hub`` command line. Every command has --help; list/show commands take --json."""

import logging
import os

import click

from hub import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hub")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def cli(verbose):
    """connect-hub: feeds between online stores and the merchant's back office."""
    logging.basicConfig(
        level=logging.DEBUG
        if verbose
        else getattr(logging, os.environ.get("HUB_LOG_LEVEL", "WARNING")),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from hub.http import install_log_redaction

    install_log_redaction()  # credentials masked in every logger's lines (oauthlib's too)


def _register():
    from hub.cli import admin, backoffice, feeds, integrations, records, secrets, serve

    for module in (admin, integrations, feeds, records, backoffice, serve, secrets):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main():
    cli(prog_name="hub")
